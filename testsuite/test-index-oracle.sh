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
# Each index is also rewritten by our writer in the pre-order layout (kmod >= 34,
# index-tool rebuild -P), and libkmod must answer every lookup in it exactly as in
# the original: the pre-order writer is judged by libkmod, not by our reader.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"

TOOL=$top_builddir/testsuite/index-tool
ORACLE=$top_builddir/testsuite/index-oracle
[ -x "$TOOL" ] || bail_out "no $TOOL"
[ -x "$ORACLE" ] || bail_out "no $ORACLE"
kver=$(debian_kver) || bail_out "no module tree in /lib/modules"
moddir=/lib/modules/$kver
tap_tmpdir
mkdir "$TMPD/empty-config"

# isolated NAME [-P]: a module directory where only modules.NAME.bin is real (with
# -P, rewritten in the pre-order layout, and so are the empty ones); prints it
isolated() {
	local name=$1 layout=${2:-} dir n
	dir=$TMPD/$name${layout:+.pre}
	mkdir -p "$dir" || return 1
	for n in dep alias symbols builtin builtin.alias; do
		if [ "$n" = "$name" ] && [ -z "$layout" ]; then
			cp "$moddir/modules.$n.bin" "$dir/" || return 1
		elif [ "$n" = "$name" ]; then
			"$TOOL" rebuild -P "$moddir/modules.$n.bin" "$dir/modules.$n.bin" || return 1
		else
			"$TOOL" build $layout "$dir/modules.$n.bin" </dev/null || return 1
		fi
	done
	ln -s "$moddir/kernel" "$dir/kernel" || return 1
	echo "$dir"
}

# oracle OUT ORACLE-ARGS...: libkmod's answers to the keys on stdin, in OUT
oracle() {
	local out=$1
	shift
	"$ORACLE" "$@" >"$out" || bail_out "index-oracle $* failed"
}

# ours OUT INDEX-TOOL-ARGS...: our reader's answers to the keys on stdin, in OUT
ours() {
	local out=$1
	shift
	"$TOOL" "$@" >"$out" || bail_out "index-tool $* failed"
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

# preorder NAME KEYS MIN [--dep]: libkmod on the pre-order copy of modules.NAME.bin
# gives the answers it gave on the original ($TMPD/NAME.kmod)
preorder() {
	local name=$1 keys=$2 min=$3 dir
	shift 3
	dir=$(isolated "$name" -P) || bail_out "cannot make the pre-order $name directory"
	oracle "$TMPD/$name.pre.kmod" "$@" --config "$TMPD/empty-config" "$dir" <"$keys"
	compare "modules.$name.bin pre-order copy, libkmod" "$TMPD/$name.pre.kmod" \
		"$TMPD/$name.kmod" "$min"
}

# -- modules.dep.bin: every module, plus names that are not modules
dir=$(isolated dep) || bail_out "cannot make the dep directory"
ours "$TMPD/dep.list" list "$dir/modules.dep.bin"
{ cut -f1 "$TMPD/dep.list"; echo no_such_module; echo ext; } > "$TMPD/dep.keys"
ours "$TMPD/dep.ours" lookup "$dir/modules.dep.bin" < "$TMPD/dep.keys"
oracle "$TMPD/dep.kmod" --dep --config "$TMPD/empty-config" "$dir" < "$TMPD/dep.keys"
compare "modules.dep.bin exact" "$TMPD/dep.ours" "$TMPD/dep.kmod" 4000
check "modules.dep.bin: found every module" \
	[ "$(grep -c $'\t-$' "$TMPD/dep.ours")" -eq 2 ]
preorder dep "$TMPD/dep.keys" 4000 --dep

# -- modules.symbols.bin: every symbol key, plus absent ones
dir=$(isolated symbols) || bail_out "cannot make the symbols directory"
ours "$TMPD/symbols.list" list "$dir/modules.symbols.bin"
{ cut -f1 "$TMPD/symbols.list" | uniq; echo symbol:no_such_symbol; echo symbol:; } \
	> "$TMPD/symbols.keys"
ours "$TMPD/symbols.ours" wild -n "$dir/modules.symbols.bin" < "$TMPD/symbols.keys"
oracle "$TMPD/symbols.kmod" --config "$TMPD/empty-config" "$dir" < "$TMPD/symbols.keys"
compare "modules.symbols.bin wildcard" "$TMPD/symbols.ours" "$TMPD/symbols.kmod" 10000
preorder symbols "$TMPD/symbols.keys" 10000

# -- modules.alias.bin
dir=$(isolated alias) || bail_out "cannot make the alias directory"
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
ours "$TMPD/alias.ours" wild -n "$dir/modules.alias.bin" < "$TMPD/alias.keys"
oracle "$TMPD/alias.kmod" --config "$TMPD/empty-config" "$dir" < "$TMPD/alias.keys"
compare "modules.alias.bin wildcard ($(wc -l < "$TMPD/alias.patterns") patterns)" \
	"$TMPD/alias.ours" "$TMPD/alias.kmod" 7000
found=$(grep -vc $'\t-$' "$TMPD/alias.kmod")
multi=$(awk -F'\t' '$2 ~ / /' "$TMPD/alias.kmod" | wc -l)
check "modules.alias.bin: $found lookups found modules, $multi of them several" \
	test "$found" -ge 2000 -a "$multi" -ge 10
preorder alias "$TMPD/alias.keys" 7000

# -- modules.builtin.bin: exact; libkmod answers with the name, we with ""
dir=$(isolated builtin) || bail_out "cannot make the builtin directory"
ours "$TMPD/builtin.list" list "$dir/modules.builtin.bin"
{ cut -f1 "$TMPD/builtin.list"; echo no_such_builtin; } > "$TMPD/builtin.keys"
ours "$TMPD/builtin.lookup" lookup "$dir/modules.builtin.bin" < "$TMPD/builtin.keys"
awk -F'\t' '$2 == "-" { print; next } { print $1 "\t" $1 }' "$TMPD/builtin.lookup" \
	> "$TMPD/builtin.ours"
oracle "$TMPD/builtin.kmod" --config "$TMPD/empty-config" "$dir" < "$TMPD/builtin.keys"
compare "modules.builtin.bin exact" "$TMPD/builtin.ours" "$TMPD/builtin.kmod" 100
preorder builtin "$TMPD/builtin.keys" 100

# -- modules.builtin.alias.bin
dir=$(isolated builtin.alias) || bail_out "cannot make the builtin.alias directory"
ours "$TMPD/builtin.alias.list" list "$dir/modules.builtin.alias.bin"
{ cut -f1 "$TMPD/builtin.alias.list" | uniq; echo no_such_alias; } \
	> "$TMPD/builtin.alias.keys"
ours "$TMPD/builtin.alias.ours" wild -n "$dir/modules.builtin.alias.bin" \
	< "$TMPD/builtin.alias.keys"
oracle "$TMPD/builtin.alias.kmod" --config "$TMPD/empty-config" "$dir" \
	< "$TMPD/builtin.alias.keys"
compare "modules.builtin.alias.bin wildcard" "$TMPD/builtin.alias.ours" \
	"$TMPD/builtin.alias.kmod" 40
preorder builtin.alias "$TMPD/builtin.alias.keys" 40

# -- a synthetic alias index full of equal priorities and overlapping globs: the
# result order (ascending priority, reverse discovery order on ties) and the
# duplicates of a query that itself contains '*' must be libkmod's
# (written in both layouts)
printf '%s\t%s\t%s\n' 'a*' 0 x 'a?' 0 y ab 0 z ab 0 w '[ab]b' 1 v '*b' 0 u 'ab*' 2 t \
	'a*' 0 s '?b*' 0 r 'a[!x]' 0 q 'b' 0 p '*' 3 o > "$TMPD/syn.entries"
printf '%s\n' ab abc bb a aab 'a*' '*' b '' '[' 'a?' xb > "$TMPD/syn.keys"
for layout in post pre; do
	dir=$TMPD/synthetic.$layout
	P=
	[ $layout = pre ] && P=-P
	mkdir -p "$dir"
	for n in dep symbols builtin builtin.alias; do
		"$TOOL" build $P "$dir/modules.$n.bin" < /dev/null || bail_out "build empty"
	done
	"$TOOL" build $P "$dir/modules.alias.bin" < "$TMPD/syn.entries" ||
		bail_out "build synthetic"
	oracle "$TMPD/syn.$layout.kmod" --config "$TMPD/empty-config" "$dir" < "$TMPD/syn.keys"
done
ours "$TMPD/syn.ours" wild -n "$TMPD/synthetic.post/modules.alias.bin" < "$TMPD/syn.keys"
compare "synthetic tie-order alias index" "$TMPD/syn.ours" "$TMPD/syn.post.kmod" 12
compare "synthetic tie-order alias index, pre-order, libkmod" "$TMPD/syn.pre.kmod" \
	"$TMPD/syn.post.kmod" 12
# worked by hand from libkmod's algorithm: root-level globs first (u, o; r; v),
# then under 'a' (s x; y; q), then 'ab*' (t), then the node "ab" itself (w z):
# each insertion goes before the first result of equal or higher priority
check "synthetic: 'ab' gives 11 results in libkmod's order" \
	grep -qx $'ab\tz w q y x s r u v t o' "$TMPD/syn.post.kmod"

done_testing
