#!/bin/bash
# Crash safety of mydepmod's output:
#  - with testsuite/faultinject.so, the Nth write(), fsync() or rename() fails with
#    ENOSPC or EIO, for every N of a full run: exit 1 with a message, the old index
#    set byte-identical (or, when only the final directory fsync failed, the new set
#    complete; a rename failing half-way puts the old files back), and no temporary
#    file left behind;
#  - the shim kills the run (SIGKILL) right before its Nth write(), fsync() or
#    rename(), for every N: the set is the old one or the new one (a kill between
#    two renames leaves a complete journal, rolled forward by the next run), the
#    next run leaves no temporary file and the set kmod's depmod writes, and every
#    kill is seen to land at the call aimed at;
#  - the cache is not fsync'd: a run that writes it alone makes no fsync().
# The old set differs from the new one (it was made with modules.order cut, and
# has no cache; the new one has mydepmod's cache, docs/depmod-cache.md, which
# every run but the old set's asks for with --cache: under -b it is written only
# then, or when one is there), so a partial replacement would show.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"
. "$top_srcdir/testsuite/depmod/lib.sh"

SHIM=${FAULTINJECT:-$top_builddir/testsuite/faultinject.so}
[ -x "$MYDEPMOD" ] || bail_out "mydepmod not built: $MYDEPMOD"
[ -f "$SHIM" ] || bail_out "fault-injection shim not built: $SHIM"
KVER=$(debian_kver) || bail_out "no module tree under /lib/modules"
SRC=/lib/modules/$KVER
CACHE=modules.mykmod-cache.bin
tap_tmpdir

# make_sets DIR [SUBDIR...]: a symlinked copy of the installed tree (or of some
# of its directories) in DIR, with an old and a new index set in DIR.old/.new:
# the old one made with modules.order cut to a third, the new one with all of it;
# kmod's depmod's set for the whole modules.order in DIR.kmod
make_sets() {
	local dir=$1 d f
	shift
	T=$dir
	D=$T/lib/modules/$KVER
	OLD=$dir.old
	NEW=$dir.new
	KMODSET=$dir.kmod
	mkdir -p "$D" "$OLD" "$NEW" "$KMODSET"
	if [ $# = 0 ]; then
		rmdir "$D"
		cp -as "$SRC" "$T/lib/modules/"
		remove_outputs "$D"
		rm "$D/modules.order"
	else
		for d; do
			mkdir -p "$D/$(dirname "$d")"
			cp -as "$SRC/$d" "$D/$d"
		done
		cp "$SRC/modules.builtin" "$SRC/modules.builtin.modinfo" "$D/"
	fi
	grep -F -f <(cd "$D" && find -L . -name '*.ko' | sed 's|^\./||') "$SRC/modules.order" \
		>"$TMPD/order.full"
	head -n $(($(wc -l <"$TMPD/order.full") / 3)) "$TMPD/order.full" >"$D/modules.order"
	"$MYDEPMOD" -b "$T" "$KVER" || bail_out "mydepmod failed on $T"
	for f in $ALL_OUTPUTS; do cp "$D/$f" "$OLD/"; done
	cp "$TMPD/order.full" "$D/modules.order"
	"$KMOD_DEPMOD" -b "$T" "$KVER" || bail_out "depmod failed on $T"
	for f in $DEPMOD_FILES; do mv "$D/$f" "$KMODSET/"; done
	# the new set's cache holds the record of its files only when modules.order
	# and modules.builtin are 2 s old (docs/depmod-cache.md §7), as they are later
	sleep 2.2
	"$MYDEPMOD" --cache -b "$T" "$KVER" || bail_out "mydepmod failed on $T"
	for f in $ALL_OUTPUTS; do cp "$D/$f" "$NEW/"; done
	# the cache (docs/depmod-cache.md) is one more file of the set: the old set
	# has none, the new one has it (the modules are old: it has entries)
	[ -s "$D/$CACHE" ] || bail_out "mydepmod wrote no cache on $T"
	mv "$D/$CACHE" "$NEW/"
	for f in $DEPMOD_FILES; do
		cmp -s "$NEW/$f" "$KMODSET/$f" || bail_out "$f: mydepmod's differs from depmod's"
	done
	cmp -s "$OLD/modules.dep" "$NEW/modules.dep" && bail_out "old and new sets do not differ"
	# a file that comes out the same is left alone: make every old one differ,
	# so that a run writes all of them
	for f in $ALL_OUTPUTS; do
		cmp -s "$OLD/$f" "$NEW/$f" && printf 'old\n' >>"$OLD/$f"
	done
	return 0
}

# the fault loops run on a part of the tree (a full run of it each time)
make_sets "$TMPD/part" kernel/lib kernel/crypto kernel/fs/nls kernel/net/ipv4

install_old() {
	local f
	for f in $ALL_OUTPUTS; do cp "$OLD/$f" "$D/$f"; done
	rm -f "$D/$CACHE"
}

# state: prints "old", "new" or "mixed"
state() {
	local f o=1 n=1
	for f in $ALL_OUTPUTS; do
		cmp -s "$D/$f" "$OLD/$f" || o=0
		cmp -s "$D/$f" "$NEW/$f" || n=0
	done
	[ ! -e "$D/$CACHE" ] || o=0
	cmp -s "$D/$CACHE" "$NEW/$CACHE" || n=0
	if [ $o = 1 ]; then echo old; elif [ $n = 1 ]; then echo new; else echo mixed; fi
}

# temp_files and journal_complete: testsuite/depmod/lib.sh

# how many calls a full run makes
install_old
FAULTINJECT_COUNT=$TMPD/count LD_PRELOAD=$SHIM "$MYDEPMOD" --cache -b "$T" "$KVER" ||
	bail_out "mydepmod failed under the shim without a fault"
check "the shim sees a full run's calls and changes nothing" test "$(state)" = new
nwrite=$(awk '$1 == "write" { print $2 }' "$TMPD/count")
nfsync=$(awk '$1 == "fsync" { print $2 }' "$TMPD/count")
nrename=$(awk '$1 == "rename" { print $2 }' "$TMPD/count")
diag "a full run makes $nwrite write(), $nfsync fsync() and $nrename rename() calls"
nonempty=$(cd "$NEW" && find . -type f -size +0 | wc -l)
check "a full run writes each non-empty file ($nonempty), fsyncs the 10 index files, the journal and the directory, renames all 11" \
	test "$nwrite" -ge "$nonempty" -a "$nfsync" -ge 12 -a "$nrename" -ge 11

# the cache checks itself and is not fsync'd (docs/depmod-cache.md §1): a run
# that finds the index files as they should be and no cache writes the cache
# alone, with no fsync() at all
rm -f "$D/$CACHE"
FAULTINJECT_COUNT=$TMPD/count LD_PRELOAD=$SHIM "$MYDEPMOD" --cache -b "$T" "$KVER" ||
	bail_out "mydepmod failed under the shim without a fault"
nfsync_alone=$(awk '$1 == "fsync" { print $2 }' "$TMPD/count")
check "a run that writes the cache alone fsyncs nothing ($nfsync_alone), and the cache is there" \
	test "$nfsync_alone" = 0 -a -s "$D/$CACHE"
check "... and the index files are still the new set" \
	test "$(for f in $ALL_OUTPUTS; do cmp -s "$D/$f" "$NEW/$f" || echo "$f"; done)" = ""

for func in write fsync rename; do
	case $func in write) total=$nwrite ;; fsync) total=$nfsync ;; rename) total=$nrename ;; esac
	for err in ENOSPC EIO; do
		bad=0
		for n in $(seq 1 "$total"); do
			install_old
			FAULTINJECT_FUNC=$func FAULTINJECT_N=$n FAULTINJECT_ERRNO=$err LD_PRELOAD=$SHIM \
				"$MYDEPMOD" --cache -b "$T" "$KVER" >/dev/null 2>"$TMPD/err"
			rc=$?
			st=$(state)
			tmp=$(temp_files)
			if [ $rc != 1 ]; then
				diag "$func #$n $err: exit status $rc"
				bad=1
			fi
			if ! grep -q 'could not write' "$TMPD/err"; then
				diag "$func #$n $err: no error message: $(cat "$TMPD/err")"
				bad=1
			fi
			# only the last fsync (of the directory, after the renames) may leave the new set
			if [ "$st" = mixed ] || { [ "$st" = new ] && [ $n != "$total" ]; } ||
				{ [ "$st" = new ] && [ $func != fsync ]; }; then
				diag "$func #$n $err: index set is '$st'"
				bad=1
			fi
			if [ "$tmp" != 0 ]; then
				diag "$func #$n $err: $tmp temporary files left"
				bad=1
			fi
		done
		check "$func() failing with $err at each of the $total calls: old set kept, clean exit 1" \
			test $bad = 0
	done
done

# kill -9 inside the write window, on purpose: FAULTINJECT_KILL raises SIGKILL
# right before the Nth write(), fsync() or rename() of a run, for every N. Right
# after the kill the directory holds the old set or the new one, or (killed
# between two renames) a mix next to a complete commit journal. A run that only
# opens the output set (its first write fails) must then leave the old set, or
# the new one exactly when the journal was complete (it is rolled forward), and
# no temporary file; the next full run leaves no temporary file and kmod's set.
is_kmod_set() {
	local f
	for f in $DEPMOD_FILES; do cmp -s "$D/$f" "$KMODSET/$f" || return 1; done
	cmp -s "$D/modules.weakdep" "$NEW/modules.weakdep"
}
swept=0
landed=0
seen=
for func in write fsync rename; do
	case $func in write) total=$nwrite ;; fsync) total=$nfsync ;; rename) total=$nrename ;; esac
	bad=0
	for n in $(seq 1 "$total"); do
		swept=$((swept + 1))
		install_old
		rm -f "$TMPD/killed"
		# (the braces keep bash's "Killed" notice out of the log)
		{ FAULTINJECT_FUNC=$func FAULTINJECT_N=$n FAULTINJECT_KILL=1 \
			FAULTINJECT_KILLED=$TMPD/killed LD_PRELOAD=$SHIM \
			"$MYDEPMOD" --cache -b "$T" "$KVER" >/dev/null 2>&1; } 2>/dev/null
		rc=$?
		if [ $rc = 137 ] && [ "$(cat "$TMPD/killed" 2>/dev/null)" = "$func $n" ]; then
			landed=$((landed + 1))
		else
			diag "kill at $func #$n: exit $rc, shim: '$(cat "$TMPD/killed" 2>/dev/null)'"
			bad=1
		fi
		st=$(state)
		complete=no
		journal_complete && complete=yes
		if [ "$st" = mixed ] && [ $complete = no ]; then
			diag "kill at $func #$n: mixed index set without a complete journal"
			bad=1
		fi
		want=old
		[ $complete = yes ] && want=new
		seen="$seen $st/$complete"
		FAULTINJECT_FUNC=write FAULTINJECT_N=1 LD_PRELOAD=$SHIM \
			"$MYDEPMOD" --cache -b "$T" "$KVER" >/dev/null 2>&1
		st=$(state)
		if [ "$st" != $want ] || [ "$(temp_files)" != 0 ]; then
			diag "kill at $func #$n (journal complete: $complete): after the cleanup" \
				"the set is '$st', want '$want'; $(temp_files) temporary files"
			bad=1
		fi
		"$MYDEPMOD" --cache -b "$T" "$KVER" >/dev/null 2>&1
		rc=$?
		if [ $rc != 0 ] || [ "$(temp_files)" != 0 ] || ! is_kmod_set; then
			diag "kill at $func #$n: the next run: exit $rc, $(temp_files) temporary files," \
				"set '$(state)'"
			bad=1
		fi
	done
	check "kill -9 before each of the $total $func() calls: old or new set, rolled forward, clean next run" \
		test $bad = 0
done
diag "state after each kill (set/journal complete):" \
	"$(tr ' ' '\n' <<<"$seen" | sed '/^$/d' | sort | uniq -c | tr '\n' ' ')"
check "all $swept kills landed inside the write window, at the call aimed at ($landed)" \
	test "$landed" -eq "$swept" -a "$swept" -eq $((nwrite + nfsync + nrename))
install_old
touch "$D/.modules.dep.mydepmod-999999999"
"$MYDEPMOD" --cache -b "$T" "$KVER"
check "the next run publishes the new set" test "$(state)" = new
check "and removes temporary files of dead runs" test "$(temp_files)" = 0

# an interrupted commit of a dead process (pid 999999999): its journal is rolled
# forward when complete, ignored when cut short; its leftovers are removed.
# A run failing at its first write shows what outset_open() did alone.
fake_commit() {
	local end=$1 f
	install_old
	: >"$TMPD/journal"
	for f in modules.dep modules.alias; do
		echo "rolled $f" >"$D/.$f.mydepmod-999999999"
		printf '.%s.mydepmod-999999999\t%s\n' $f $f >>"$TMPD/journal"
	done
	[ "$end" = yes ] && echo end >>"$TMPD/journal"
	cp "$TMPD/journal" "$D/.mydepmod-commit-999999999"
	FAULTINJECT_FUNC=write FAULTINJECT_N=1 LD_PRELOAD=$SHIM "$MYDEPMOD" --cache -b "$T" "$KVER" 2>/dev/null
}
fake_commit yes
check "a complete journal of a dead run is rolled forward" \
	grep -qx 'rolled modules.dep' "$D/modules.dep"
check "... and the journal and temporary files are gone" test "$(temp_files)" = 0
fake_commit no
check "a journal cut short is not applied" cmp -s "$D/modules.dep" "$OLD/modules.dep"
check "... and its temporary files are removed" test "$(temp_files)" = 0

# Containers and crowds (docs/compat.md): a run that is PID 1 in its own PID
# namespace, with files left by an earlier PID 1 (old and new name forms, a
# journal cut short), succeeds; so do two such runs at once on one tree, which
# PIDs alone cannot tell apart. The directory lock decides what is stale.
command -v unshare >/dev/null || bail_out "unshare (util-linux) is needed"
command -v flock >/dev/null || bail_out "flock (util-linux) is needed"
plant_pid1() {
	install_old
	echo stale >"$D/.modules.dep.mydepmod-1"
	echo stale >"$D/.modules.alias.mydepmod-1-0123456789abcdef"
	printf '.modules.dep.mydepmod-1\tmodules.dep\n' >"$D/.mydepmod-commit-1"
}
plant_pid1
unshare -pf "$MYDEPMOD" --cache -b "$T" "$KVER" 2>"$TMPD/err"
rc=$?
check "PID 1 in a new PID namespace, leftovers of an earlier PID 1: exit $rc, the new set, none left" \
	test $rc = 0 -a "$(state)" = new -a "$(temp_files)" = 0 -a ! -s "$TMPD/err"
plant_pid1
unshare -pf "$MYDEPMOD" --cache -b "$T" "$KVER" 2>"$TMPD/err1" &
p1=$!
unshare -pf "$MYDEPMOD" --cache -b "$T" "$KVER" 2>"$TMPD/err2" &
p2=$!
wait $p1
rc1=$?
wait $p2
rc2=$?
check "two PID-1 runs at once in two namespaces: exit $rc1 and $rc2, the new set, none left" \
	test $rc1 = 0 -a $rc2 = 0 -a "$(state)" = new -a "$(temp_files)" = 0 \
	-a ! -s "$TMPD/err1" -a ! -s "$TMPD/err2"

# 8 runs started on one tree while the test holds the directory lock (flock(1)
# takes the same lock): all 8 must be seen waiting for it. Then one of them is
# killed with -9 while it waits, and five more run under the shim, which kills
# each at a call inside its write window if it gets there (a run that comes after
# a commit has nothing to write, and is not killed). Every run not killed exits
# 0; at the end the set is kmod's and no temporary file is left. The shim runs
# are started first, one at a time, each seen waiting before the next starts:
# the kernel wakes flock waiters in the order they blocked, so a shim run is
# normally first to get the lock and each kill leaves work for the next run.
# At least one kill must land inside a write window over the rounds.
lock_waiting() {
	local w
	w=$(cat "/proc/$1/wchan" 2>/dev/null)
	case $w in *locks_lock_inode_wait* | *flock*) return 0 ;; esac
	return 1
}
bad=0
inwindow=0
rounds=0
while [ $rounds -lt 2 ] || { [ $inwindow = 0 ] && [ $rounds -lt 4 ]; }; do
	rounds=$((rounds + 1))
	install_old
	# (the lock belongs to the open directory: the runs must not inherit it)
	exec {lk}<"$D"
	flock -x "$lk"
	pids=()
	for i in 1 2 3 5 7 0 4 6; do
		rm -f "$TMPD/killed.$i"
		case $i in
		# (write 1 is the new cache's body, written ahead before the lock is
		# taken, to a file without a name: lib/outset.h)
		1) kill_at="write 2" ;;
		2) kill_at="rename 2" ;;
		3) kill_at="fsync 1" ;;
		5) kill_at="rename 6" ;;
		7) kill_at="write 4" ;;
		*) kill_at= ;;
		esac
		if [ -n "$kill_at" ]; then
			FAULTINJECT_FUNC=${kill_at% *} FAULTINJECT_N=${kill_at#* } FAULTINJECT_KILL=1 \
				FAULTINJECT_KILLED=$TMPD/killed.$i LD_PRELOAD=$SHIM \
				"$MYDEPMOD" --cache -b "$T" "$KVER" >/dev/null 2>"$TMPD/err.$i" {lk}<&- &
		else
			"$MYDEPMOD" --cache -b "$T" "$KVER" >/dev/null 2>"$TMPD/err.$i" {lk}<&- &
		fi
		pids[i]=$!
		for try in $(seq 600); do
			lock_waiting "${pids[i]}" && break
			sleep 0.05
		done
	done
	waiting=0
	for try in $(seq 600); do
		waiting=0
		for i in 0 1 2 3 4 5 6 7; do
			lock_waiting "${pids[i]}" && waiting=$((waiting + 1))
		done
		[ $waiting = 8 ] && break
		sleep 0.1
	done
	[ $waiting = 8 ] || { diag "round $rounds: only $waiting of 8 runs seen waiting for the lock"; bad=1; }
	{ kill -9 "${pids[6]}"; wait "${pids[6]}"; } 2>/dev/null
	exec {lk}<&-
	for i in 0 1 2 3 4 5 7; do
		wait "${pids[i]}" 2>/dev/null
		rc=$?
		if [ -s "$TMPD/killed.$i" ]; then
			[ $rc = 137 ] || { diag "round $rounds: run $i: shim kill but exit $rc"; bad=1; }
			inwindow=$((inwindow + 1))
		elif [ $rc != 0 ] || [ -s "$TMPD/err.$i" ]; then
			diag "round $rounds: run $i: exit $rc: $(head -c 300 "$TMPD/err.$i")"
			bad=1
		fi
	done
	if ! is_kmod_set || [ "$(temp_files)" != 0 ]; then
		diag "round $rounds: set '$(state)', kmod's: $(is_kmod_set && echo yes || echo no)," \
			"$(temp_files) temporary files: $(ls -A "$D" | grep mydepmod- | tr '\n' ' ')"
		bad=1
	fi
done
diag "$rounds rounds of 8 runs: $rounds killed while waiting, $inwindow killed inside their write window"
check "8 runs queued on the lock, one killed waiting, $inwindow killed writing: the rest exit 0, kmod's set, none left" \
	test $bad = 0
check "over $rounds rounds, at least one run was killed inside its write window ($inwindow)" \
	test $inwindow -ge 1

done_testing
