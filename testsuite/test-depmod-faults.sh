#!/bin/bash
# Crash safety of mydepmod's output:
#  - with testsuite/faultinject.so, the Nth write() or fsync() fails with ENOSPC or
#    EIO, for every N of a full run: exit 1 with a message, the old index set
#    byte-identical (or, when only the final directory fsync failed, the new set
#    complete), and no temporary file left behind;
#  - kill -9 at random moments of a run on the whole tree, 50 times: the set is
#    the old one or the new one, never a mix, and the next run cleans up what the
#    killed one left.
# The old set differs from the new one (it was made with modules.order cut), so
# a partial replacement would show.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"
. "$top_srcdir/testsuite/depmod/lib.sh"

SHIM=${FAULTINJECT:-$top_builddir/testsuite/faultinject.so}
[ -x "$MYDEPMOD" ] || bail_out "mydepmod not built: $MYDEPMOD"
[ -f "$SHIM" ] || bail_out "fault-injection shim not built: $SHIM"
KVER=$(debian_kver) || bail_out "no module tree under /lib/modules"
SRC=/lib/modules/$KVER
tap_tmpdir

# make_sets DIR [SUBDIR...]: a symlinked copy of the installed tree (or of some
# of its directories) in DIR, with an old and a new index set in DIR.old/.new:
# the old one made with modules.order cut to a third, the new one with all of it
make_sets() {
	local dir=$1 d f
	shift
	T=$dir
	D=$T/lib/modules/$KVER
	OLD=$dir.old
	NEW=$dir.new
	mkdir -p "$D" "$OLD" "$NEW"
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
	"$MYDEPMOD" -b "$T" "$KVER" || bail_out "mydepmod failed on $T"
	for f in $ALL_OUTPUTS; do cp "$D/$f" "$NEW/"; done
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
}

# state: prints "old", "new" or "mixed"
state() {
	local f o=1 n=1
	for f in $ALL_OUTPUTS; do
		cmp -s "$D/$f" "$OLD/$f" || o=0
		cmp -s "$D/$f" "$NEW/$f" || n=0
	done
	if [ $o = 1 ]; then echo old; elif [ $n = 1 ]; then echo new; else echo mixed; fi
}

temp_files() {
	ls -A "$D" | grep -c 'mydepmod-' || true
}

# how many calls a full run makes
install_old
FAULTINJECT_COUNT=$TMPD/count LD_PRELOAD=$SHIM "$MYDEPMOD" -b "$T" "$KVER" ||
	bail_out "mydepmod failed under the shim without a fault"
check "the shim sees a full run's calls and changes nothing" test "$(state)" = new
nwrite=$(awk '$1 == "write" { print $2 }' "$TMPD/count")
nfsync=$(awk '$1 == "fsync" { print $2 }' "$TMPD/count")
diag "a full run makes $nwrite write() and $nfsync fsync() calls"
nonempty=$(cd "$NEW" && find . -type f -size +0 | wc -l)
check "a full run writes each non-empty file ($nonempty) and fsyncs all 11 and the directory" \
	test "$nwrite" -ge "$nonempty" -a "$nfsync" -ge 12

for func in write fsync; do
	[ $func = write ] && total=$nwrite || total=$nfsync
	for err in ENOSPC EIO; do
		bad=0
		for n in $(seq 1 "$total"); do
			install_old
			FAULTINJECT_FUNC=$func FAULTINJECT_N=$n FAULTINJECT_ERRNO=$err LD_PRELOAD=$SHIM \
				"$MYDEPMOD" -b "$T" "$KVER" >/dev/null 2>"$TMPD/err"
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

# kill -9 at random moments of a run on the whole tree (its length measured first)
make_sets "$TMPD/full"
install_old
dur_ms=1
for i in 1 2 3; do
	start=$(date +%s%N)
	"$MYDEPMOD" -b "$T" "$KVER"
	d=$((($(date +%s%N) - start) / 1000000))
	[ "$d" -gt "$dur_ms" ] && dur_ms=$d
done
range=$((dur_ms * 3 / 2))
diag "a run takes up to $dur_ms ms; killing within 0..$range ms"
mixed=0
interrupted=0
seen_old=0
seen_new=0
for i in $(seq 1 50); do
	install_old
	delay_ms=$((RANDOM % (range + 1)))
	"$MYDEPMOD" -b "$T" "$KVER" >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	case $(state) in
	old) seen_old=$((seen_old + 1)) ;;
	new) seen_new=$((seen_new + 1)) ;;
	*)
		# only acceptable inside the commit, whose journal lets the next run finish
		if ls -A "$D" | grep -q '^\.mydepmod-commit-'; then
			interrupted=$((interrupted + 1))
			"$MYDEPMOD" -b "$T" "$KVER" >/dev/null 2>&1
			[ "$(state)" = new ] || { mixed=$((mixed + 1)); diag "kill after ${delay_ms} ms: not rolled forward"; }
		else
			mixed=$((mixed + 1))
			diag "kill after ${delay_ms} ms: mixed index set"
		fi
		;;
	esac
done
diag "50 kills: $seen_old left the old set, $seen_new the new set," \
	"$interrupted hit the renames (completed by the next run)"
check "kill -9 at 50 random moments: always the old or the new set" test $mixed = 0
install_old
touch "$D/.modules.dep.mydepmod-999999999"
"$MYDEPMOD" -b "$T" "$KVER"
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
	FAULTINJECT_FUNC=write FAULTINJECT_N=1 LD_PRELOAD=$SHIM "$MYDEPMOD" -b "$T" "$KVER" 2>/dev/null
}
fake_commit yes
check "a complete journal of a dead run is rolled forward" \
	grep -qx 'rolled modules.dep' "$D/modules.dep"
check "... and the journal and temporary files are gone" test "$(temp_files)" = 0
fake_commit no
check "a journal cut short is not applied" cmp -s "$D/modules.dep" "$OLD/modules.dep"
check "... and its temporary files are removed" test "$(temp_files)" = 0

done_testing
