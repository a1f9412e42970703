#!/bin/bash
# Round trip on the installed module tree: every .bin index written by kmod 30's
# depmod is read with our reader, written again with our writer, and must come out
# byte-identical. The pre-order layout (kmod >= 34) is read back the same way, and
# our dump must equal the index dump of kmod's modprobe -c.
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

done_testing
