#!/bin/bash
# libkmod as the judge of mydepmod's indexes: on the installed tree, kmod 30's
# depmod and mydepmod each write a module directory; the system libkmod
# (testsuite/index-oracle) then answers the same lookups in both: every module
# name (with its whole dependency line), every "symbol:" key, and a sample of
# aliases (each pattern as given, and device strings made from it). The same
# lookups are answered again on mydepmod's indexes rewritten by our writer in the
# pre-order layout (kmod >= 34): libkmod reads either layout.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"
. "$top_srcdir/testsuite/depmod/lib.sh"

ORACLE=$top_builddir/testsuite/index-oracle
TOOL=$top_builddir/testsuite/index-tool
[ -x "$ORACLE" ] || bail_out "no $ORACLE (libkmod-dev missing?)"
[ -x "$TOOL" ] || bail_out "no $TOOL"
[ -x "$KMOD_DEPMOD" ] || bail_out "kmod's depmod not found at $KMOD_DEPMOD"
[ -x "$MYDEPMOD" ] || bail_out "mydepmod not built: $MYDEPMOD"
KVER=$(debian_kver) || bail_out "no module tree under /lib/modules"
SRC=/lib/modules/$KVER
tap_tmpdir
mkdir "$TMPD/empty-config"

# two trees: one indexed by kmod, one by mydepmod
for who in kmod my; do
	mkdir -p "$TMPD/$who/lib/modules"
	cp -as "$SRC" "$TMPD/$who/lib/modules/"
	remove_outputs "$TMPD/$who/lib/modules/$KVER"
done
"$KMOD_DEPMOD" -b "$TMPD/kmod" "$KVER" 2>/dev/null || bail_out "depmod failed"
# (--cache: mydepmod's cache beside its indexes, as on a system, where -b is not
# given; docs/depmod-cache.md §5)
"$MYDEPMOD" --cache -b "$TMPD/my" "$KVER" 2>/dev/null || bail_out "mydepmod failed"
K=$TMPD/kmod/lib/modules/$KVER
M=$TMPD/my/lib/modules/$KVER
# mydepmod's indexes in the pre-order layout, next to the same tree
P=$TMPD/pre/lib/modules/$KVER
mkdir -p "$P"
ln -s "$M/kernel" "$P/kernel"
for f in "$M"/modules.*.bin; do
	# mydepmod's cache is no index (docs/depmod-cache.md)
	[ "$(basename "$f")" = modules.mykmod-cache.bin ] && continue
	"$TOOL" rebuild -P "$f" "$P/$(basename "$f")" || bail_out "rebuild -P $(basename "$f")"
	cmp -s "$f" "$P/$(basename "$f")" && bail_out "$(basename "$f"): the pre-order copy is the same"
done

# the keys, taken from kmod's text files
sed 's/:.*//; s|.*/||; s/\..*//; s/-/_/g' "$K/modules.dep" >"$TMPD/names"
echo no_such_module >>"$TMPD/names"
awk '$1 == "alias" && $2 ~ /^symbol:/ { print $2 }' "$K/modules.symbols" >"$TMPD/symbols"
echo symbol:no_such_symbol >>"$TMPD/symbols"
# every 7th alias pattern, as given and with its wildcards filled in two ways
awk '$1 == "alias" && NR % 7 == 0 { print $2 }' "$K/modules.alias" >"$TMPD/patterns"
{
	cat "$TMPD/patterns"
	sed 's/\*/0/g; s/?/1/g; s/\[[^]]*\]/a/g' "$TMPD/patterns"
	sed 's/\*/XYZ/g; s/?/Z/g; s/\[[^]]*\]/9/g' "$TMPD/patterns"
} >"$TMPD/aliases"

# compare NAME FILE MIN [--dep]: same answers from both directories (and from the
# pre-order copy when PRE=1)
compare() {
	local name=$1 keys=$2 min=$3 n d dir=$M
	shift 3
	[ "${PRE:-0}" = 1 ] && dir=$P
	"$ORACLE" "$@" --config "$TMPD/empty-config" "$K" <"$keys" >"$TMPD/$name.kmod" ||
		bail_out "index-oracle failed on $K"
	"$ORACLE" "$@" --config "$TMPD/empty-config" "$dir" <"$keys" >"$TMPD/$name.my" ||
		bail_out "index-oracle failed on $dir"
	n=$(wc -l <"$TMPD/$name.kmod")
	found=$(grep -vc $'\t-$' "$TMPD/$name.kmod")
	d=$(diff "$TMPD/$name.kmod" "$TMPD/$name.my" | grep -c '^[<>]')
	if [ "$n" -ge "$min" ] && [ "$d" -eq 0 ]; then
		ok "$name: $n lookups ($found found) answered the same by libkmod"
	else
		not_ok "$name: $n lookups (need >= $min), $d lines differ"
		diff "$TMPD/$name.kmod" "$TMPD/$name.my" | head -10 | sed 's/^/# /'
	fi
}

compare "module names, dependency lines" "$TMPD/names" 4000 --dep
compare "module names, lookup" "$TMPD/names" 4000
compare "symbol: keys" "$TMPD/symbols" 10000
compare "aliases (patterns and device strings)" "$TMPD/aliases" 10000
check "every module name is found in mydepmod's indexes" \
	test "$(grep -c $'\t-$' "$TMPD/module names, lookup.my")" -eq 1
PRE=1 compare "pre-order: module names, dependency lines" "$TMPD/names" 4000 --dep
PRE=1 compare "pre-order: symbol: keys" "$TMPD/symbols" 10000
PRE=1 compare "pre-order: aliases (patterns and device strings)" "$TMPD/aliases" 10000

done_testing
