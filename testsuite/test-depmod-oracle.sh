#!/bin/bash
# libkmod as the judge of mydepmod's indexes: on the installed tree, kmod 30's
# depmod and mydepmod each write a module directory; the system libkmod
# (testsuite/index-oracle) then answers the same lookups in both: every module
# name (with its whole dependency line), every "symbol:" key, and a sample of
# aliases (each pattern as given, and device strings made from it).
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"
. "$top_srcdir/testsuite/depmod/lib.sh"

ORACLE=$top_builddir/testsuite/index-oracle
[ -x "$ORACLE" ] || bail_out "no $ORACLE (libkmod-dev missing?)"
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
"$MYDEPMOD" -b "$TMPD/my" "$KVER" 2>/dev/null || bail_out "mydepmod failed"
K=$TMPD/kmod/lib/modules/$KVER
M=$TMPD/my/lib/modules/$KVER

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

# compare NAME FILE MIN [--dep]: same answers from both directories
compare() {
	local name=$1 keys=$2 min=$3 n d
	shift 3
	"$ORACLE" "$@" --config "$TMPD/empty-config" "$K" <"$keys" >"$TMPD/$name.kmod"
	"$ORACLE" "$@" --config "$TMPD/empty-config" "$M" <"$keys" >"$TMPD/$name.my"
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

done_testing
