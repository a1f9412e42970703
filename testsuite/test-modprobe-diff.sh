#!/bin/bash
# Differential test of mymodprobe's queries against Debian's kmod 30 modprobe on the
# installed module tree: --show-depends for every module name and for 500 aliases
# from modules.alias, -R for the same aliases, -c, --show-exports and
# --show-modversions, and a modprobe.d configuration that uses every directive.
#
# Both run with -d/-S on a copy of the tree's indexes (the kernel/ directory is a
# symlink), so the paths printed differ from the real ones and come from the
# indexes. In that copy, modules.softdep has the lines of each module merged into
# one: we merge several softdep lines on purpose (docs/compat.md), kmod uses only the
# first, so kmod is given the merged line to be a fair oracle. The unmerged
# difference itself is checked at the end.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"

KMOD=/usr/sbin/modprobe
MY=$TOOLS/mymodprobe
[ -x "$KMOD" ] || bail_out "kmod's modprobe not found at $KMOD"
[ -x "$MY" ] || bail_out "$MY not built"
KVER=$(debian_kver) || bail_out "no module tree under /lib/modules"
SRC=/lib/modules/$KVER
tap_tmpdir

ROOT=$TMPD/root
D=$ROOT/lib/modules/$KVER
mkdir -p "$D"
cp "$SRC"/modules.* "$D"/
ln -s "$SRC/kernel" "$D/kernel"
# The configuration kmod and we both read, made fair: the system's modprobe.d files
# (first directory wins for a basename) without their softdep lines, and the tree's
# modules.softdep replaced by one line per module that merges, in configuration
# order, the lists of every softdep line for it.
SYSCONF=$TMPD/sysconf
mkdir -p "$SYSCONF"
for dir in /etc/modprobe.d /run/modprobe.d /usr/local/lib/modprobe.d /usr/lib/modprobe.d \
	/lib/modprobe.d; do
	for f in "$dir"/*.conf; do
		[ -f "$f" ] || continue
		b=$(basename "$f")
		[ -e "$SYSCONF/$b" ] || [ -e "$SYSCONF/$b.src" ] || echo "$f" >"$SYSCONF/$b.src"
	done
done
for src in "$SYSCONF"/*.src; do
	[ -e "$src" ] || continue
	b=$(basename "$src" .src)
	echo "$SYSCONF/$b $(cat "$src")"
	rm "$src"
done >"$TMPD/conflist"
{
	while read -r dst f; do echo "$(basename "$dst") $f"; done <"$TMPD/conflist"
	echo "modules.softdep $SRC/modules.softdep"
} | LC_ALL=C sort -k1,1 >"$TMPD/allconf"
while read -r dst f; do grep -v '^softdep' "$f" >"$dst"; done <"$TMPD/conflist"
cut -d' ' -f2 "$TMPD/allconf" | xargs cat | awk '
	$1 == "softdep" {
		m = $2
		gsub("-", "_", m)
		if (!(m in seen)) { seen[m] = 1; order[n++] = m }
		mode = ""
		for (i = 3; i <= NF; i++) {
			if ($i == "pre:" || $i == "post:") { mode = $i; continue }
			if (mode == "pre:") pre[m] = pre[m] " " $i
			else if (mode == "post:") post[m] = post[m] " " $i
		}
	}
	END {
		for (i = 0; i < n; i++) {
			m = order[i]
			if (pre[m] == "" && post[m] == "") continue
			line = "softdep " m
			if (pre[m] != "") line = line " pre:" pre[m]
			if (post[m] != "") line = line " post:" post[m]
			print line
		}
	}' >"$D/modules.softdep"

# run TOOL ARGS...: stdout, stderr with the program name made neutral, exit status
run() {
	local tool=$1
	shift
	# kmod 30 prints configuration errors before its log is set up, with libkmod's
	# prefix and source location; we print them as ours (docs/compat.md)
	"$tool" "$@" 2>&1 | sed -E -e 's/^mymodprobe:/PROG:/' -e 's/^modprobe:/PROG:/' \
		-e 's/^libkmod: ERROR [^ ]+ [a-z_]+: /PROG: ERROR: /'
	echo "exit=${PIPESTATUS[0]}"
}

# compare DESCRIPTION ARGS...: the same output and status from both
compare() {
	local desc=$1
	shift
	run "$KMOD" "$@" >"$TMPD/k.out"
	run "$MY" "$@" >"$TMPD/m.out"
	if cmp -s "$TMPD/k.out" "$TMPD/m.out"; then
		ok "$desc"
	else
		not_ok "$desc"
		diff -u "$TMPD/k.out" "$TMPD/m.out" | head -30 | diag
	fi
}

# batch DESCRIPTION LISTFILE ARGS...: one run per name in LISTFILE (ARGS then the
# name), all outputs concatenated; one TAP line, with the names that differ.
batch() {
	local desc=$1 list=$2
	shift 2
	local name nk=0 nd=0
	: >"$TMPD/bad"
	while IFS= read -r name; do
		nk=$((nk + 1))
		run "$KMOD" "$@" "$name" >"$TMPD/k1"
		run "$MY" "$@" "$name" >"$TMPD/m1"
		if ! cmp -s "$TMPD/k1" "$TMPD/m1"; then
			nd=$((nd + 1))
			echo "$name" >>"$TMPD/bad"
			[ $nd -le 3 ] && diff -u "$TMPD/k1" "$TMPD/m1" | head -20 >>"$TMPD/bad"
		fi
	done <"$list"
	if [ "$nk" -gt 0 ] && [ "$nd" -eq 0 ]; then
		ok "$desc ($nk compared)"
	else
		not_ok "$desc ($nd of $nk differ)"
		head -60 "$TMPD/bad" | diag
	fi
}

# batch_all DESCRIPTION LISTFILE ARGS...: the names of LISTFILE given together, with
# -a, in runs of 100: each name is looked up as on its own (kmod's -a loops over its
# arguments), in a fiftieth of the time of one process per name. A run that
# differs is run again name by name, to say which names differ.
batch_all() {
	local desc=$1 list=$2
	shift 2
	local -a names chunk
	local i nk=0 nd=0
	mapfile -t names <"$list"
	: >"$TMPD/bad"
	for ((i = 0; i < ${#names[@]}; i += 100)); do
		chunk=("${names[@]:i:100}")
		nk=$((nk + ${#chunk[@]}))
		run "$KMOD" "$@" -a "${chunk[@]}" >"$TMPD/k1"
		run "$MY" "$@" -a "${chunk[@]}" >"$TMPD/m1"
		cmp -s "$TMPD/k1" "$TMPD/m1" && continue
		nd=$((nd + 1))
		diff -u "$TMPD/k1" "$TMPD/m1" | head -20 | diag
		printf '%s\n' "${chunk[@]}" >"$TMPD/chunk"
		batch "$desc: names $i to $((i + ${#chunk[@]} - 1)) one by one" "$TMPD/chunk" "$@"
	done
	if [ "$nk" -gt 0 ] && [ "$nd" -eq 0 ]; then
		ok "$desc ($nk compared)"
	else
		not_ok "$desc ($nd runs of 100 differ)"
	fi
}

COMMON=(-d "$ROOT" -S "$KVER" -C "$SYSCONF")

# every module name of the tree, as modules.dep spells the file name
sed -n 's|^\([^:]*\):.*|\1|p' "$SRC/modules.dep" | sed -e 's|.*/||' -e 's|\.ko.*||' >"$TMPD/names"
nnames=$(wc -l <"$TMPD/names")
check "the tree lists modules ($nnames)" [ "$nnames" -gt 1000 ]
batch_all "--show-depends, every module name" "$TMPD/names" "${COMMON[@]}" --show-depends

# 500 aliases spread over modules.alias (globs included: they match themselves)
total=$(grep -c '^alias ' "$SRC/modules.alias")
step=$((total / 500))
[ "$step" -ge 1 ] || step=1
grep '^alias ' "$SRC/modules.alias" | awk -v s="$step" 'NR % s == 0 { print $2 }' |
	head -500 >"$TMPD/aliases"
check "500 aliases picked" [ "$(wc -l <"$TMPD/aliases")" -eq 500 ]
batch_all "--show-depends, 500 aliases" "$TMPD/aliases" "${COMMON[@]}" -D
batch_all "-R, 500 aliases" "$TMPD/aliases" "${COMMON[@]}" -R

# builtin modules and builtin aliases, symbols, not-found names, odd names
{
	head -20 "$SRC/modules.builtin" | sed -e 's|.*/||' -e 's|\.ko$||'
	echo unix
	echo fs-ext4
	echo symbol:jbd2_journal_start
	echo 'symbol:jbd2_*'
	echo crypto-crc32c
	echo nonexistent_module
	echo 'bad[name'
	echo '../x'
	echo 'pci:v*'
	printf 'x%.0s' $(seq 1 300)
	echo
} >"$TMPD/odd"
batch "-D on builtins, symbols and odd names" "$TMPD/odd" "${COMMON[@]}" -D
batch "-R on builtins, symbols and odd names" "$TMPD/odd" "${COMMON[@]}" -R
batch "plain -n on missing names" <(printf '%s\n' nonexistent_module 'a-b-c') "${COMMON[@]}" -n

compare "-c (configuration, then the alias and symbol indexes)" -S "$KVER" -c
compare "-c on the tree copy" "${COMMON[@]}" -c
# names after -- or with -q are never paths (kmod 30 takes no paths at all)
compare "-D -- /tmp/x.ko is a name" "${COMMON[@]}" -D -- /tmp/x.ko
compare "-D -q ./x.ko is a name" "${COMMON[@]}" -D -q ./x.ko
compare "-q -- ../x" "${COMMON[@]}" -q -- ../x
compare "--show-depends -a of several modules" "${COMMON[@]}" -D -a ext4 btrfs nouveau xfs
compare "-D with module parameters" "${COMMON[@]}" -D loop max_loop=4 'x=a b' "y='c d'"
compare "no arguments" "${COMMON[@]}"
compare "-C a missing path" -d "$ROOT" -S "$KVER" -C /nonexistent/conf -R loop
compare "a version without a module directory" -S 0.0-no-such-version -D loop
compare "upper case and dashes in an alias" "${COMMON[@]}" -D FS-EXT4
compare "-R of a modalias glob" "${COMMON[@]}" -R 'pci:v00008086d00001234sv*sd*bc*sc*i*'
compare "-r -D (dry removal, softdeps listed)" "${COMMON[@]}" -r -D ext4
compare "-n -r of a builtin" "${COMMON[@]}" -n -r unix
compare "--show-modversions of a missing file" "${COMMON[@]}" --show-modversions /nonexistent.ko

# exports and modversions of 150 module files
awk 'NR % 27 == 1' "$TMPD/names" >/dev/null
sed -n 's|^\([^:]*\):.*|\1|p' "$SRC/modules.dep" | awk 'NR % 27 == 1 { print "'"$SRC"'/" $0 }' \
	>"$TMPD/files"
batch "--show-exports on module files" "$TMPD/files" "${COMMON[@]}" --show-exports
batch "--show-modversions on module files" "$TMPD/files" "${COMMON[@]}" --show-modversions
compare "--show-exports on a name (kmod 30: files only)" "${COMMON[@]}" --show-exports jbd2

# a configuration that uses every directive
CONF=$TMPD/conf
mkdir -p "$CONF"
cat >"$CONF/10-test.conf" <<'EOF'
# comment
alias my-alias loop
alias my-glob* jbd2
alias my-glob2 mbcache
options loop max_loop=8
options my_alias max_part=2
options ext4 	tab	separated
install fake-install /bin/true $CMDLINE_OPTS
install nbd /bin/echo installing nbd $CMDLINE_OPTS
options nbd nbds_max=3
remove fake-remove /bin/true
blacklist loop
blacklist mbcache
softdep xfs pre: crc16
softdep loop post: mbcache
softdep ext4 pre: xfs
softdep dummy pre: dummy
softdep ifb post: ifb
bogus line here
include /etc/nothing
alias bad[alias loop
EOF
cat >"$CONF/20-more.conf" <<'EOF'
options loop more=1
alias my-glob-x crc16
EOF
: >"$CONF/ignored.txt"
CF=(-d "$ROOT" -S "$KVER" -C "$CONF")
for n in my-alias my-glob-1 my-glob-x my-glob2 loop ext4 xfs nbd fake-install fake-remove \
	dummy ifb mbcache jbd2; do
	compare "config: -D $n" "${CF[@]}" -D "$n"
	compare "config: -R $n" "${CF[@]}" -R "$n"
done
compare "config: -D -b loop (blacklist applies to names with -b)" "${CF[@]}" -D -b loop
compare "config: -D -i nbd (install command ignored)" "${CF[@]}" -D -i nbd
compare "config: -D -i ext4 (softdeps of the named module ignored)" "${CF[@]}" -D -i ext4
compare "config: -D nbd with parameters" "${CF[@]}" -D nbd a=1 b=2
compare "config: -c" "${CF[@]}" -c
compare "config: -C a single file" -d "$ROOT" -S "$KVER" -C "$CONF/20-more.conf" -D my-glob-x

# the deliberate differences: several softdep lines for a module merge, and -c
# prints the space between the pre: and post: lists.
# out NAME TOOL ARGS...: stdout of TOOL in $TMPD/NAME, its exit status in $TMPD/NAME.rc
out() {
	local name=$1
	shift
	"$@" >"$TMPD/$name" 2>"$TMPD/$name.err"
	echo $? >"$TMPD/$name.rc"
}
# exits0_and NAME COMMAND...: NAME's tool exited 0 and COMMAND (a test of its output) holds
exits0_and() {
	local name=$1
	shift
	[ "$(cat "$TMPD/$name.rc")" = 0 ] && "$@"
}
out btrfs.kmod "$KMOD" -S "$KVER" -D btrfs
out btrfs.my "$MY" -S "$KVER" -D btrfs
check "btrfs: kmod uses only its first softdep line" \
	exits0_and btrfs.kmod eval 'grep -q "/btrfs.ko" "$TMPD/btrfs.kmod" && ! grep -q xxhash "$TMPD/btrfs.kmod"'
check "btrfs: mymodprobe uses all its softdep lines" \
	exits0_and btrfs.my grep -q xxhash_generic "$TMPD/btrfs.my"
printf 'softdep a pre: b c post: d\n' >"$TMPD/sd.conf"
out sd.kmod "$KMOD" -S "$KVER" -C "$TMPD/sd.conf" -c
out sd.my "$MY" -S "$KVER" -C "$TMPD/sd.conf" -c
check "-c: kmod prints 'pre: b cpost: d'" \
	exits0_and sd.kmod grep -qx 'softdep a pre: b cpost: d' "$TMPD/sd.kmod"
check "-c: mymodprobe prints 'pre: b c post: d'" \
	exits0_and sd.my grep -qx 'softdep a pre: b c post: d' "$TMPD/sd.my"
out path.my "$MY" -S "$KVER" -D "$SRC/kernel/drivers/block/loop.ko"
check "a path argument is a file for mymodprobe (kmod >= 31), a name for kmod 30" \
	exits0_and path.my grep -qx "insmod $SRC/kernel/drivers/block/loop.ko " "$TMPD/path.my"

done_testing
