#!/bin/bash
# Our extensions for build pipelines (docs/compat.md, man/mydepmod.8):
#  - mydepmod --check on a symlinked copy of part of the Debian tree: exit 0 when a
#    real run would change nothing, 1 naming exactly the stale, missing and leftover
#    files, 2 on error; the directory (names, inodes, sizes, times, contents) is never
#    touched, and a read-only bind mount answers the same. The expected names are
#    computed without --check: kmod's depmod runs on a copy of the tree and each file
#    is cmp'd (modules.weakdep, which kmod 30 does not write, and the leftovers come
#    from a real mydepmod run on another copy);
#  - --strict and --summary on elfgen trees with unknown symbols (-e -F System.map),
#    CRC mismatches (-e -E Module.symvers) and cycles: exit statuses, and the summary
#    counted against kmod's own -e lines; without them, mydepmod == kmod.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"
. "$top_srcdir/testsuite/depmod/lib.sh"

[ -x "$KMOD_DEPMOD" ] || bail_out "kmod's depmod not found at $KMOD_DEPMOD"
[ -x "$MYDEPMOD" ] || bail_out "mydepmod not built: $MYDEPMOD"
[ -x "$ELFGEN" ] || bail_out "elfgen not built: $ELFGEN"
KVER=$(debian_kver) || bail_out "no module tree under /lib/modules"
SRC=/lib/modules/$KVER
tap_tmpdir

# ---- a symlinked copy of part of the installed tree ----
T=$TMPD/tree
D=$T/lib/modules/$KVER
for d in kernel/lib kernel/crypto kernel/fs/nls kernel/fs/btrfs kernel/net/ipv4 kernel/arch; do
	mkdir -p "$D/$(dirname "$d")"
	cp -as "$SRC/$d" "$D/$d"
done
cp "$SRC/modules.builtin" "$SRC/modules.builtin.modinfo" "$D/"
grep -F -f <(cd "$D" && find -L . -name '*.ko*' | sed 's|^\./||') "$SRC/modules.order" \
	>"$D/modules.order"
"$KMOD_DEPMOD" -b "$T" "$KVER" || bail_out "kmod's depmod failed on $T"

# snapshot: every entry of the module directory (not the module symlinks below it)
# with inode, size, mode, mtime and a checksum of the regular files
snapshot() {
	(cd "$D" && find . -maxdepth 1 -printf '%p %i %s %m %T@\n' | sort &&
		find . -maxdepth 1 -type f -exec md5sum {} + | sort)
}

# expected: the lines --check must print for the present state of $D, made without
# it. A copy of the tree for kmod's depmod (its set is the reference for every
# file kmod 30 writes), a copy with the same top-level files for a real mydepmod run
# (the reference for modules.weakdep; a top-level file it removed was a leftover).
expected() {
	local ck=$TMPD/ck cm=$TMPD/cm f ref name
	rm -rf "$ck" "$cm"
	mkdir -p "$ck/lib/modules" "$cm/lib/modules"
	cp -a "$D" "$ck/lib/modules/"
	cp -a "$D" "$cm/lib/modules/"
	remove_outputs "$ck/lib/modules/$KVER"
	"$KMOD_DEPMOD" -b "$ck" "$KVER" 2>/dev/null || bail_out "kmod's depmod failed on a copy"
	"$MYDEPMOD" -b "$cm" "$KVER" 2>/dev/null || bail_out "mydepmod failed on a copy"
	for f in $DEPMOD_FILES; do
		cmp -s "$ck/lib/modules/$KVER/$f" "$cm/lib/modules/$KVER/$f" ||
			bail_out "$f: mydepmod's differs from kmod's on the copy"
	done
	for f in $ALL_OUTPUTS; do
		ref=$ck/lib/modules/$KVER/$f
		[ "$f" = modules.weakdep ] && ref=$cm/lib/modules/$KVER/$f
		if [ ! -e "$D/$f" ]; then
			echo "missing $D/$f"
		elif ! cmp -s "$ref" "$D/$f"; then
			echo "stale $D/$f"
		fi
	done
	for name in $(ls -A "$D"); do
		[ -e "$cm/lib/modules/$KVER/$name" ] || echo "leftover $D/$name"
	done
}

# check_case DESC EXPECTED_RC: --check's exit status, its lines (sorted) against
# expected(), and the directory unchanged by it
check_case() {
	local desc=$1 want=$2 rc
	snapshot >"$TMPD/before"
	"$MYDEPMOD" -b "$T" --check "$KVER" >"$TMPD/out" 2>"$TMPD/err"
	rc=$?
	snapshot >"$TMPD/after"
	expected | sort >"$TMPD/exp"
	if [ $rc != "$want" ]; then
		not_ok "$desc: exit $rc, want $want"
		diag "$(head -5 "$TMPD/err")"
	elif ! diff -u "$TMPD/exp" <(sort "$TMPD/out") >"$TMPD/d"; then
		not_ok "$desc: the lines differ from the expected ones"
		diag "$(head -20 "$TMPD/d")"
	elif [ "$want" = 1 ] && [ ! -s "$TMPD/exp" ]; then
		not_ok "$desc: nothing expected for a change (the case is wrong)"
	elif ! cmp -s "$TMPD/before" "$TMPD/after"; then
		not_ok "$desc: --check changed the directory"
		diag "$(diff "$TMPD/before" "$TMPD/after" | head -10)"
	else
		ok "$desc (exit $rc, $(wc -l <"$TMPD/out") lines)"
	fi
}

# restore: a real run, after which --check must find nothing
restore() {
	"$MYDEPMOD" -b "$T" "$KVER" 2>/dev/null || bail_out "mydepmod failed on $T"
}

# kmod 30 writes no modules.weakdep: after its depmod that one file is missing
check_case "after kmod's depmod -a: modules.weakdep missing, nothing else" 1
check "it is exactly one line" test "$(wc -l <"$TMPD/out")" = 1
restore
check_case "after mydepmod -a: nothing to do" 0
check "nothing on stdout or stderr" test ! -s "$TMPD/out" -a ! -s "$TMPD/err"

cp "$D/modules.order" "$TMPD/order.saved"
head -n 40 "$TMPD/order.saved" | tac >"$D/modules.order"
check_case "modules.order changed" 1
cp "$TMPD/order.saved" "$D/modules.order"
restore

mkdir -p "$D/kernel/net/netfilter"
ln -s "$SRC/kernel/net/netfilter/nf_conntrack.ko" "$D/kernel/net/netfilter/nf_conntrack.ko"
check_case "a module added" 1
rm -r "$D/kernel/net/netfilter"
restore

mv "$D/kernel/lib/raid6/raid6_pq.ko" "$TMPD/raid6_pq.ko"
check_case "a module removed (btrfs needed it)" 1
mv "$TMPD/raid6_pq.ko" "$D/kernel/lib/raid6/raid6_pq.ko"
restore

# a copy instead of the symlink, newer than modules.dep: what -A goes by
cp --remove-destination "$SRC/kernel/crypto/xor.ko" "$D/kernel/crypto/xor.ko"
touch -d '+1 hour' "$D/kernel/crypto/xor.ko"
check_case "a module touched but unchanged: nothing to do (-A would run)" 0
touch -d '-1 hour' "$D/kernel/crypto/xor.ko"
restore

rm "$D/modules.alias.bin"
check_case "an index file deleted" 1
restore

printf 'X' | dd of="$D/modules.symbols.bin" bs=1 seek=100 conv=notrunc status=none
check_case "an index file corrupted (same size)" 1
restore

# ours (a temporary file, an old link, a journal) and two that are not ours
: >"$D/.modules.dep.mydepmod-4242-0123456789abcdef"
: >"$D/.modules.alias.mydepmod-old-77"
: >"$D/.mydepmod-commit-4242-0123456789abcdef"
: >"$D/notes.mydepmod-1"
: >"$D/.modules.dep.swp"
check_case "leftovers of a killed run: named, the other files not" 1
check "the three leftovers are named" test "$(grep -c '^leftover ' "$TMPD/out")" = 3
restore
rm -f "$D/notes.mydepmod-1" "$D/.modules.dep.swp"
check_case "a real run cleaned the leftovers" 0

# read-only: a bind mount remounted read-only in a private mount namespace
rm "$D/modules.devname"
expected | sort >"$TMPD/exp"
unshare -m sh -c "mount --bind '$D' '$D' && mount -o remount,bind,ro '$D' &&
	'$MYDEPMOD' -b '$T' --check '$KVER' >'$TMPD/out' 2>'$TMPD/err'; echo \$? >'$TMPD/rc'"
check "read-only directory: exit 1 ($(cat "$TMPD/rc" 2>/dev/null))" test "$(cat "$TMPD/rc" 2>/dev/null)" = 1
check "read-only directory: the same lines" diff -u "$TMPD/exp" <(sort "$TMPD/out")
restore

# -A: the question of depmod -A (docs/compat.md): up to date, nothing compared
printf 'X' | dd of="$D/modules.symbols.bin" bs=1 seek=100 conv=notrunc status=none
"$MYDEPMOD" -b "$T" -A --check "$KVER" >"$TMPD/out" 2>&1
check "-A --check with modules.dep newer than every module: exit 0 ($?)" test $? = 0 -a ! -s "$TMPD/out"
touch -d '+2 hours' "$D/kernel/crypto/xor.ko"
"$MYDEPMOD" -b "$T" -A --check "$KVER" >"$TMPD/out" 2>&1
check "-A --check with a newer module: compared, the corrupt file named" \
	test $? = 1 -a "$(cat "$TMPD/out")" = "stale $D/modules.symbols.bin"
restore

# ---- errors: exit 2, with a message ----
"$MYDEPMOD" -b "$T" -o "$TMPD/nonexistent" --check "$KVER" >"$TMPD/out" 2>"$TMPD/err"
check "a missing output directory: exit 2 ($?)" test $? = 2
check "... with a message, nothing on stdout" grep -q 'could not open output directory' "$TMPD/err"
check "... and the directory was not created" test ! -e "$TMPD/nonexistent" -a ! -s "$TMPD/out"
"$MYDEPMOD" -b "$TMPD/nowhere" --check "$KVER" >"$TMPD/out" 2>"$TMPD/err"
check "a missing module directory: exit 2 ($?)" test $? = 2 -a -s "$TMPD/err"
check "... not created" test ! -e "$TMPD/nowhere"
printf 'not a module\n' >"$D/kernel/lib/broken.ko"
"$MYDEPMOD" -b "$T" --check "$KVER" >"$TMPD/out" 2>"$TMPD/err"
check "a module that cannot be read: exit 2 ($?)" test $? = 2
check "... with kmod's message" grep -q "failed to load symbols from $D/kernel/lib/broken.ko" "$TMPD/err"
rm "$D/kernel/lib/broken.ko"
"$MYDEPMOD" -b "$T" --check -n "$KVER" >"$TMPD/out" 2>"$TMPD/err"
check "--check -n: exit 2 ($?)" test $? = 2
check "... saying why" grep -q -- '--check cannot be used with -n' "$TMPD/err"
"$MYDEPMOD" -b "$T" --check --no-such-option "$KVER" >/dev/null 2>&1
check "--check with a bad option: exit 2 ($?)" test $? = 2
"$MYDEPMOD" -b "$T" --no-such-option --che "$KVER" >/dev/null 2>&1
check "a bad option before an abbreviated --check: exit 2 ($?)" test $? = 2
"$MYDEPMOD" -b "$T" --no-such-option "$KVER" >/dev/null 2>&1
check "a bad option without --check: kmod's exit 1 ($?)" test $? = 1
"$MYDEPMOD" -b "$T" --check -E "$TMPD/nonexistent" "$KVER" >/dev/null 2>&1
check "--check with a fatal error (-E missing file): exit 2 ($?)" test $? = 2
check_case "after the errors, nothing to do" 0

# ---- --strict and --summary on synthetic trees ----
K=5.6.0
S=$TMPD/syms
mkmod "$S" $K kernel/core.ko --export core_fn:0x10 --export core_data:0x20
mkmod "$S" $K kernel/one.ko --need core_fn:0x10 --need lost_a:0x1
mkmod "$S" $K kernel/three.ko --need lost_c:0x1 --need lost_b:0x1 --need core_data:0x21 \
	--need lost_a:0x1 --weak lost_weak
mkmod "$S" $K kernel/drivers/crc.ko --need core_fn:0x11 --need core_data:0x22 \
	--need printk:0x8
mkmod "$S" $K kernel/drivers/clean.ko --need core_fn:0x10 --need printk:0x7 --weak gone
printf '0x00000007\tprintk\tvmlinux\tEXPORT_SYMBOL\n' >"$TMPD/Module.symvers"
printf 'ffffffff81000000 T _stext\nffffffff82000000 r __ksymtab_printk\n' >"$TMPD/System.map"
SD=$S/lib/modules/$K

# kmod's -e lines, grouped by module: "<path> <count> <first symbol>" in first-seen order
kmod_groups() {
	sed -n "s/^depmod: WARNING: \(.*\) $1 \(.*\)$/\1 \2/p" "$2" |
		awk '!($1 in n) { order[++k] = $1; first[$1] = $2 } { n[$1]++ }
			END { for (i = 1; i <= k; i++) print order[i], n[order[i]], first[order[i]] }'
}

# our summary lines in the same form: my_groups VERB NOUN FILE
my_groups() {
	sed -n "s/^mydepmod: WARNING: \(.*\) $1 \([0-9]*\) $2s\{0,1\} (first: \(.*\))$/\1 \2 \3/p" "$3"
}

# strict_case NAME KERNEL-SYMS-OPTION FILE
strict_case() {
	local name=$1 opt=$2 file=$3 rc nmods total
	check "$name: without our options, mydepmod == kmod" differential "$name" "$S" $K -e "$opt" "$file"
	cp "$TMPD/expect.$name/stderr" "$TMPD/kmod.err"
	# the tree must exercise the summary: kmod reports something
	check "$name: kmod reports unknown symbols" grep -q 'needs unknown symbol' "$TMPD/kmod.err"

	remove_outputs "$SD"
	"$MYDEPMOD" -b "$S" --strict -e "$opt" "$file" $K 2>"$TMPD/my.err"
	rc=$?
	check "$name: --strict -e: exit 3 ($rc)" test $rc = 3
	check "$name: --strict -e: kmod's -e lines exactly" \
		diff -u <(norm <"$TMPD/kmod.err") <(norm <"$TMPD/my.err")
	check "$name: --strict: the set is written, kmod's" \
		cmp -s "$TMPD/expect.$name/modules.dep" "$SD/modules.dep"
	"$MYDEPMOD" -b "$S" --strict "$opt" "$file" $K 2>"$TMPD/my2.err"
	check "$name: --strict without -e: the same check, the same lines, exit 3 ($?)" \
		test $? = 3 -a "$(norm <"$TMPD/my2.err")" = "$(norm <"$TMPD/kmod.err")"

	"$MYDEPMOD" -b "$S" --summary "$opt" "$file" $K 2>"$TMPD/sum.err"
	check "$name: --summary alone: exit 0 ($?)" test $? = 0
	"$MYDEPMOD" -b "$S" --strict --summary -e "$opt" "$file" $K 2>"$TMPD/sum.err"
	check "$name: --strict --summary: exit 3 ($?)" test $? = 3
	check "$name: --summary: no line per symbol" \
		test "$(grep -c 'needs unknown symbol\|disagrees about version of' "$TMPD/sum.err")" = 0
	check "$name: unknown symbols per module as kmod's lines count them" \
		diff -u <(kmod_groups 'needs unknown symbol' "$TMPD/kmod.err") \
		<(my_groups 'needs' 'unknown symbol' "$TMPD/sum.err")
	check "$name: version mismatches per module as kmod's lines count them" \
		diff -u <(kmod_groups 'disagrees about version of symbol' "$TMPD/kmod.err") \
		<(my_groups 'disagrees about the version of' 'symbol' "$TMPD/sum.err")
	nmods=$(kmod_groups 'needs unknown symbol' "$TMPD/kmod.err" | wc -l)
	total=$(grep -c 'needs unknown symbol' "$TMPD/kmod.err")
	local nbad=$(grep -c 'disagrees about version' "$TMPD/kmod.err")
	local mbad=$(kmod_groups 'disagrees about version of symbol' "$TMPD/kmod.err" | wc -l)
	check "$name: the total line ($total in $nmods, $nbad in $mbad), last" \
		test "$(tail -n 1 "$TMPD/sum.err")" = \
		"mydepmod: WARNING: $total unknown symbols in $nmods modules, $nbad symbol versions disagree in $mbad modules"
}

strict_case sysmap -F "$TMPD/System.map"
strict_case symvers -E "$TMPD/Module.symvers"
check "symvers: kmod reports version mismatches there" grep -q 'disagrees about version' "$TMPD/kmod.err"

# a clean tree: --strict exits 0 and prints what kmod prints
C=$TMPD/clean
mkmod "$C" $K kernel/a.ko --export a_fn
mkmod "$C" $K kernel/b.ko --need a_fn --need printk --weak nothing
check "clean tree -e -F: mydepmod == kmod" differential clean "$C" $K -e -F "$TMPD/System.map"
"$MYDEPMOD" -b "$C" --strict --summary -F "$TMPD/System.map" $K >"$TMPD/out" 2>"$TMPD/err"
check "clean tree: --strict --summary: exit 0 ($?)" test $? = 0
check "clean tree: --strict --summary: kmod's stderr, no summary" \
	diff -u <(norm <"$TMPD/expect.clean/stderr") <(norm <"$TMPD/err")
"$MYDEPMOD" -b "$C" --strict $K >/dev/null 2>&1
check "--strict without -E or -F: no symbol check, exit 0 ($?)" test $? = 0

# cycles: kmod exits 1 and writes nothing; --strict exits 3, still writes nothing
Y=$TMPD/cycle
mkmod "$Y" $K kernel/x.ko --export x_fn --need y_fn
mkmod "$Y" $K kernel/y.ko --export y_fn --need x_fn
mkmod "$Y" $K kernel/z.ko --need x_fn --need zz_unknown
check "cycle: mydepmod == kmod (exit 1, nothing written)" differential cycle "$Y" $K
"$MYDEPMOD" -b "$Y" --strict $K >"$TMPD/out" 2>"$TMPD/err"
check "cycle: --strict: exit 3 ($?)" test $? = 3
check "cycle: --strict: kmod's cycle report" \
	diff -u <(norm <"$TMPD/expect.cycle/stderr") <(norm <"$TMPD/err")
check "cycle: --strict: nothing written" test ! -e "$Y/lib/modules/$K/modules.dep"
"$MYDEPMOD" -b "$Y" --strict --summary -F "$TMPD/System.map" $K >/dev/null 2>"$TMPD/err"
check "cycle: --strict --summary: exit 3 ($?), the summary too" \
	test $? = 3 -a "$(grep -c 'needs 1 unknown symbol (first: zz_unknown)' "$TMPD/err")" = 1
"$MYDEPMOD" -b "$Y" --check $K >/dev/null 2>&1
check "cycle: --check without --strict: exit 2 ($?)" test $? = 2
"$MYDEPMOD" -b "$Y" --check --strict $K >/dev/null 2>&1
check "cycle: --check --strict: exit 3 ($?)" test $? = 3

# --check --strict: the unresolved symbols' 3 comes before the difference's 1
remove_outputs "$SD"
"$MYDEPMOD" -b "$S" --check --strict -F "$TMPD/System.map" $K >"$TMPD/out" 2>/dev/null
check "--check --strict, unknown symbols and missing files: exit 3 ($?), the files named" \
	test $? = 3 -a "$(grep -c '^missing ' "$TMPD/out")" = 11

done_testing
