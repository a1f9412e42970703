#!/bin/bash
# Round trip on the installed module tree: every .bin index written by kmod 30's
# depmod is read with our reader, written again with our writer, and must come out
# byte-identical. The pre-order layout (kmod >= 34) is read back the same way, and
# our dump must equal the index dump of kmod's modprobe -c.
# Then kmod 30's depmod -w writes fresh indexes for a mirror of the tree, and our
# writer must reproduce them byte for byte twice: from what our reader reads, and,
# independently of the reader, from depmod's text outputs (modules.dep, .alias,
# .symbols) and kbuild's modules.builtin and modules.builtin.modinfo. The
# duplicates depmod -w warns about must be the ones index_writer_add_dup() flags.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"

TOOL=$top_builddir/testsuite/index-tool
[ -x "$TOOL" ] || bail_out "no $TOOL"
kver=$(debian_kver) || bail_out "no module tree in /lib/modules"
moddir=/lib/modules/$kver
tap_tmpdir

for name in dep alias symbols builtin builtin.alias; do
	f=$moddir/modules.$name.bin
	[ -s "$f" ] || bail_out "missing $f"
	n=$("$TOOL" list "$f" | wc -l)
	check "modules.$name.bin: read $n entries" [ "$n" -gt 0 ]
	"$TOOL" rebuild "$f" "$TMPD/$name.bin" || not_ok "rebuild $name"
	check "modules.$name.bin: rewritten byte-identical ($(stat -c %s "$f") bytes)" \
		cmp "$f" "$TMPD/$name.bin"

	# pre-order: other node placement, same content; back to post-order is identical
	"$TOOL" rebuild -P "$f" "$TMPD/$name.pre.bin" || not_ok "rebuild -P $name"
	check "modules.$name.bin: pre-order copy differs in layout, not size" \
		bash -c "! cmp -s '$f' '$TMPD/$name.pre.bin' &&
			[ \$(stat -c %s '$f') = \$(stat -c %s '$TMPD/$name.pre.bin') ]"
	"$TOOL" rebuild "$TMPD/$name.pre.bin" "$TMPD/$name.back.bin" || not_ok "back $name"
	check "modules.$name.bin: pre-order read back and rewritten post-order is identical" \
		cmp "$f" "$TMPD/$name.back.bin"
	"$TOOL" dump "$f" > "$TMPD/$name.dump"
	"$TOOL" dump "$TMPD/$name.pre.bin" > "$TMPD/$name.pre.dump"
	check "modules.$name.bin: dump of both layouts equal" \
		cmp "$TMPD/$name.dump" "$TMPD/$name.pre.dump"
done

# kmod's own dump: modprobe -c ends with the alias and symbols indexes
modprobe -c -S "$kver" > "$TMPD/modprobe-c" 2>/dev/null || bail_out "modprobe -c failed"
sed -n '/^# End of configuration files. Dumping indexes now:$/,$p' "$TMPD/modprobe-c" |
	tail -n +3 > "$TMPD/kmod.dump"
{
	"$TOOL" dump "$moddir/modules.alias.bin" "alias "
	"$TOOL" dump "$moddir/modules.symbols.bin" "alias "
} > "$TMPD/our.dump"
n=$(wc -l < "$TMPD/kmod.dump")
check "dump of modules.alias.bin + modules.symbols.bin equals modprobe -c ($n lines)" \
	bash -c "[ $n -gt 1000 ] && cmp '$TMPD/kmod.dump' '$TMPD/our.dump'"

# -- fresh indexes from kmod 30's depmod -w, on a tree of symlinks to the modules
base=$TMPD/base
sub=$base/lib/modules/$kver
mkdir -p "$base/lib/modules"
cp -as "$moddir" "$base/lib/modules/" || bail_out "cannot mirror $moddir"
rm -f "$sub"/modules.*
cp "$moddir/modules.order" "$moddir/modules.builtin" "$moddir/modules.builtin.modinfo" "$sub/" ||
	bail_out "kbuild files missing in $moddir"
/usr/sbin/depmod -w -b "$base" "$kver" 2> "$TMPD/depmod.err" || bail_out "depmod -b failed"
nmod=$(wc -l < "$sub/modules.dep")
check "kmod's depmod indexed $nmod modules" [ "$nmod" -ge 1000 ]

for name in dep alias symbols builtin builtin.alias; do
	"$TOOL" rebuild -d "$sub/modules.$name.bin" "$TMPD/fresh.$name.bin" \
		> "$TMPD/dups.$name" || not_ok "rebuild $name"
	check "fresh modules.$name.bin: rewritten byte-identical" \
		cmp "$sub/modules.$name.bin" "$TMPD/fresh.$name.bin"
done

# depmod -w warns "duplicate module alias:" / "deps:" / "syms:" followed by the
# entry; index_writer_add_dup() must flag the same (key, value) pairs
for kind in alias:alias deps:dep syms:symbols; do
	what=${kind%%:*} name=${kind#*:}
	grep -A1 "^depmod: WARNING: duplicate module $what:\$" "$TMPD/depmod.err" |
		grep -v -e '^depmod: WARNING' -e '^--$' | sort > "$TMPD/kmod.dups.$name"
	sort "$TMPD/dups.$name" > "$TMPD/our.dups.$name"
	n=$(wc -l < "$TMPD/kmod.dups.$name")
	check "modules.$name.bin: the $n duplicates depmod -w reports are the ones we flag" \
		cmp "$TMPD/kmod.dups.$name" "$TMPD/our.dups.$name"
done
check "depmod -w reported some duplicates (so the check above means something)" \
	[ -s "$TMPD/kmod.dups.alias" ]

# the entries from the text files: "key<TAB>priority<TAB>value"; the priority of a
# module is its line in modules.dep (depmod writes both in the same module order)
cat > "$TMPD/entries.awk" <<'AWK'
function modname(p,    b) {
	b = p; sub(/.*\//, "", b); sub(/\..*/, "", b); gsub(/-/, "_", b); return b
}
# '-' -> '_' outside [...]; "" for an unbalanced bracket (depmod skips those)
function normalize(a,    out, i, c, j) {
	out = ""
	for (i = 1; i <= length(a); i++) {
		c = substr(a, i, 1)
		if (c == "-") out = out "_"
		else if (c == "]") return ""
		else if (c == "[") {
			j = index(substr(a, i), "]")
			if (j == 0) return ""
			out = out substr(a, i, j); i += j - 1
		} else out = out c
	}
	return out
}
which == "builtin" { printf "%s\t0\t\n", modname($0); next }
which == "builtin.alias" {
	i = index($0, "."); r = substr($0, i + 1)
	if (substr(r, 1, 6) == "alias=" && (k = normalize(substr(r, 7))) != "")
		printf "%s\t0\t%s\n", k, substr($0, 1, i - 1)
	next
}
FNR == NR {
	p = $1; sub(/:$/, "", p); prio[modname(p)] = FNR - 1
	if (which == "dep") printf "%s\t%d\t%s\n", modname(p), FNR - 1, $0
	next
}
which == "alias" && $1 == "alias" && (k = normalize($2)) != "" {
	printf "%s\t%d\t%s\n", k, prio[$3], $3
}
which == "symbols" && $1 == "alias" { printf "%s\t%d\t%s\n", $2, prio[$3], $3 }
AWK
# from_text DIR LABEL: build every index from DIR's text files, compare with DIR's
from_text() {
	local dir=$1 label=$2 name n
	for name in dep alias symbols; do
		awk -v which=$name -f "$TMPD/entries.awk" "$dir/modules.dep" "$dir/modules.$name" \
			> "$TMPD/text.$name"
	done
	awk -v which=builtin -f "$TMPD/entries.awk" "$dir/modules.builtin" > "$TMPD/text.builtin"
	tr '\0' '\n' < "$dir/modules.builtin.modinfo" |
		awk -v which=builtin.alias -f "$TMPD/entries.awk" > "$TMPD/text.builtin.alias"
	for name in dep alias symbols builtin builtin.alias; do
		n=$(wc -l < "$TMPD/text.$name")
		"$TOOL" build "$TMPD/text.$name.bin" < "$TMPD/text.$name" || not_ok "build $name"
		check "$label modules.$name.bin built from $n text entries is byte-identical to kmod's" \
			bash -c "[ $n -gt 0 ] && cmp '$dir/modules.$name.bin' '$TMPD/text.$name.bin'"
	done
}
from_text "$sub" "fresh"

done_testing
