#!/bin/bash
# Our index reader against libkmod (kmod 30, the system library) on the installed
# tree, through index-oracle. Each index is tested in a module directory of its
# own where the other indexes are empty (written by our writer), so libkmod's
# lookup chain can only answer from the index under test:
#  - modules.dep.bin: every module name, exact lookup, whole modules.dep line;
#  - modules.symbols.bin: every symbol: key, wildcard lookup;
#  - modules.alias.bin: a sample of real alias patterns from modules.alias, each
#    as given and as two device strings synthesized from it, plus the modalias of
#    every device of this machine, wildcard lookup;
#  - modules.builtin.bin and modules.builtin.alias.bin: all their keys.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"

TOOL=$top_builddir/testsuite/index-tool
ORACLE=$top_builddir/testsuite/index-oracle
[ -x "$TOOL" ] || bail_out "no $TOOL"
[ -x "$ORACLE" ] || bail_out "no $ORACLE"
kver=$(debian_kver) || bail_out "no module tree in /lib/modules"
moddir=/lib/modules/$kver
tap_tmpdir
mkdir "$TMPD/empty-config"

# isolated DIR NAME: a module directory where only modules.NAME.bin is real
isolated() {
	local dir=$TMPD/$1 n
	mkdir -p "$dir"
	for n in dep alias symbols builtin builtin.alias; do
		if [ "$n" = "$1" ]; then
			cp "$moddir/modules.$n.bin" "$dir/" || bail_out "no modules.$n.bin"
		else
			"$TOOL" build "$dir/modules.$n.bin" < /dev/null || bail_out "build empty"
		fi
	done
	ln -s "$moddir/kernel" "$dir/kernel"
	echo "$dir"
}

# compare NAME OURS THEIRS MIN: same lines, at least MIN of them
compare() {
	local name=$1 ours=$2 theirs=$3 min=$4 n d
	n=$(wc -l < "$theirs")
	d=$(diff "$ours" "$theirs" | grep -c '^[<>]')
	if [ "$n" -ge "$min" ] && [ "$d" -eq 0 ]; then
		ok "$name: $n lookups equal to libkmod"
	else
		not_ok "$name: $n lookups (need >= $min), $d differing lines"
		diff "$ours" "$theirs" | head -20 | sed 's/^/# /'
	fi
}

# -- modules.dep.bin: every module, plus names that are not modules
dir=$(isolated dep)
{ "$TOOL" list "$dir/modules.dep.bin" | cut -f1; echo no_such_module; echo ext; } \
	> "$TMPD/dep.keys"
"$TOOL" lookup "$dir/modules.dep.bin" < "$TMPD/dep.keys" > "$TMPD/dep.ours"
"$ORACLE" --dep --config "$TMPD/empty-config" "$dir" < "$TMPD/dep.keys" > "$TMPD/dep.kmod"
compare "modules.dep.bin exact" "$TMPD/dep.ours" "$TMPD/dep.kmod" 4000
check "modules.dep.bin: found every module" \
	[ "$(grep -c $'\t-$' "$TMPD/dep.ours")" -eq 2 ]

# -- modules.symbols.bin: every symbol key, plus absent ones
dir=$(isolated symbols)
{ "$TOOL" list "$dir/modules.symbols.bin" | cut -f1 | uniq
  echo symbol:no_such_symbol; echo symbol:; } > "$TMPD/sym.keys"
"$TOOL" wild -n "$dir/modules.symbols.bin" < "$TMPD/sym.keys" > "$TMPD/sym.ours"
"$ORACLE" --config "$TMPD/empty-config" "$dir" < "$TMPD/sym.keys" > "$TMPD/sym.kmod"
compare "modules.symbols.bin wildcard" "$TMPD/sym.ours" "$TMPD/sym.kmod" 10000

# -- modules.alias.bin
dir=$(isolated alias)
total=$(grep -c '^alias ' "$moddir/modules.alias")
step=$((total / 2500))
[ "$step" -ge 1 ] || step=1
grep '^alias ' "$moddir/modules.alias" | awk -v step="$step" 'NR % step == 0 { print $2 }' |
	sort -u > "$TMPD/alias.patterns"
# device strings from a pattern: '*' -> "" or "0000ABCD", '?' -> '1',
# a bracket expression -> its first member
awk '
function inst(p, star,    out, i, c, j) {
	out = ""
	for (i = 1; i <= length(p); i++) {
		c = substr(p, i, 1)
		if (c == "*") out = out star
		else if (c == "?") out = out "1"
		else if (c == "[") {
			j = i + 1
			if (substr(p, j, 1) == "!" || substr(p, j, 1) == "^") j++
			out = out substr(p, j, 1)
			while (i <= length(p) && substr(p, i, 1) != "]") i++
		} else out = out c
	}
	return out
}
{ print; print inst($0, ""); print inst($0, "0000ABCD") }' "$TMPD/alias.patterns" \
	> "$TMPD/alias.keys"
find /sys/devices -name modalias -type f -exec cat {} + 2>/dev/null | sort -u \
	>> "$TMPD/alias.keys"
"$TOOL" wild -n "$dir/modules.alias.bin" < "$TMPD/alias.keys" > "$TMPD/alias.ours"
"$ORACLE" --config "$TMPD/empty-config" "$dir" < "$TMPD/alias.keys" > "$TMPD/alias.kmod"
compare "modules.alias.bin wildcard ($(wc -l < "$TMPD/alias.patterns") patterns)" \
	"$TMPD/alias.ours" "$TMPD/alias.kmod" 7000
found=$(grep -vc $'\t-$' "$TMPD/alias.kmod")
multi=$(awk -F'\t' '$2 ~ / /' "$TMPD/alias.kmod" | wc -l)
check "modules.alias.bin: $found lookups found modules, $multi of them several" \
	[ "$found" -ge 2000 ] && [ "$multi" -ge 10 ]

# -- modules.builtin.bin: exact; libkmod answers with the name, we with ""
dir=$(isolated builtin)
{ "$TOOL" list "$dir/modules.builtin.bin" | cut -f1; echo no_such_builtin; } \
	> "$TMPD/builtin.keys"
"$TOOL" lookup "$dir/modules.builtin.bin" < "$TMPD/builtin.keys" |
	awk -F'\t' '$2 == "-" { print; next } { print $1 "\t" $1 }' > "$TMPD/builtin.ours"
"$ORACLE" --config "$TMPD/empty-config" "$dir" < "$TMPD/builtin.keys" \
	> "$TMPD/builtin.kmod"
compare "modules.builtin.bin exact" "$TMPD/builtin.ours" "$TMPD/builtin.kmod" 100

# -- modules.builtin.alias.bin
dir=$(isolated builtin.alias)
{ "$TOOL" list "$dir/modules.builtin.alias.bin" | cut -f1 | uniq; echo no_such_alias; } \
	> "$TMPD/balias.keys"
"$TOOL" wild -n "$dir/modules.builtin.alias.bin" < "$TMPD/balias.keys" \
	> "$TMPD/balias.ours"
"$ORACLE" --config "$TMPD/empty-config" "$dir" < "$TMPD/balias.keys" \
	> "$TMPD/balias.kmod"
compare "modules.builtin.alias.bin wildcard" "$TMPD/balias.ours" "$TMPD/balias.kmod" 40

# -- a synthetic alias index full of equal priorities and overlapping globs: the
# result order (ascending priority, reverse discovery order on ties) and the
# duplicates of a query that itself contains '*' must be libkmod's
dir=$TMPD/synthetic
mkdir -p "$dir"
for n in dep symbols builtin builtin.alias; do
	"$TOOL" build "$dir/modules.$n.bin" < /dev/null || bail_out "build empty"
done
printf '%s\t%s\t%s\n' 'a*' 0 x 'a?' 0 y ab 0 z ab 0 w '[ab]b' 1 v '*b' 0 u 'ab*' 2 t \
	'a*' 0 s '?b*' 0 r 'a[!x]' 0 q 'b' 0 p '*' 3 o |
	"$TOOL" build "$dir/modules.alias.bin" || bail_out "build synthetic"
printf '%s\n' ab abc bb a aab 'a*' '*' b '' '[' 'a?' xb > "$TMPD/syn.keys"
"$TOOL" wild -n "$dir/modules.alias.bin" < "$TMPD/syn.keys" > "$TMPD/syn.ours"
"$ORACLE" --config "$TMPD/empty-config" "$dir" < "$TMPD/syn.keys" > "$TMPD/syn.kmod"
compare "synthetic tie-order alias index" "$TMPD/syn.ours" "$TMPD/syn.kmod" 12
# worked by hand from libkmod's algorithm: root-level globs first (u, o; r; v),
# then under 'a' (s x; y; q), then 'ab*' (t), then the node "ab" itself (w z):
# each insertion goes before the first result of equal or higher priority
check "synthetic: 'ab' gives 11 results in libkmod's order" \
	grep -qx $'ab\tz w q y x s r u v t o' "$TMPD/syn.kmod"

done_testing
