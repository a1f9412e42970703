#!/bin/bash
# Malformed indexes, read by index-tool built with ASan+UBSan: every crafted or
# truncated file must give -EBADMSG (or a clean "no entries"), never a crash, a
# sanitizer report or a hang. "index-tool check" runs open, dump, foreach, exact
# and wildcard lookups and prints each outcome.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"

make -s -C "$top_builddir" testsuite/asan/index-tool >&2 || bail_out "cannot build the ASan index-tool"
SAN=$top_builddir/testsuite/asan/index-tool
TOOL=$top_builddir/testsuite/index-tool
[ -x "$TOOL" ] || bail_out "no $TOOL"
tap_tmpdir
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=98

hdr() { printf '\xb0\x07\xf4\x57\x00\x02\x00\x01'; }
# be32 N: a big-endian 32-bit word
be32() {
	local h
	printf -v h '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) \
		$(($1 >> 8 & 255)) $(($1 & 255))
	printf "$h"
}
PREFIX=$((0x80000000)) VALUES=$((0x40000000)) CHILDS=$((0x20000000))

# san_clean FILE: no sanitizer report in FILE (the stderr of a sanitizer build)
san_clean() {
	! grep -qE 'Sanitizer|runtime error' "$1"
}

# bad NAME PATTERN: "check" on $TMPD/NAME exits 0, with no sanitizer report on
# stderr, and its outcome line matches the extended regex PATTERN
bad() {
	local name=$1 want=$2 out rc
	out=$(timeout 60 "$SAN" check "$TMPD/$name" 2>"$TMPD/$name.err")
	rc=$?
	if [ $rc -eq 0 ] && san_clean "$TMPD/$name.err" && [[ $out =~ $want ]]; then
		ok "$name: $want"
	else
		not_ok "$name: exit $rc, want /$want/"
		echo "$out" | sed 's/^/# /'
		head -20 "$TMPD/$name.err" | sed 's/^/# /'
	fi
}

: > "$TMPD/empty-file"
bad empty-file '^open=EBADMSG$'

hdr | head -c 11 > "$TMPD/short-header"
bad short-header '^open=EBADMSG$'

{ printf '\xb0\x07\xf4\x58\x00\x02\x00\x01'; be32 12; } > "$TMPD/bad-magic"
bad bad-magic '^open=EBADMSG$'

{ printf '\xb0\x07\xfa\x57\x00\x02\x00\x01'; be32 12; } > "$TMPD/old-magic"
bad old-magic '^open=EBADMSG$'

{ printf '\xb0\x07\xf4\x57\x00\x03\x00\x01'; be32 12; } > "$TMPD/major-3"
bad major-3 '^open=EBADMSG$'

# a new minor version is accepted (kmod checks the major only)
{ printf '\xb0\x07\xf4\x57\x00\x02\x00\x07'; be32 12; } > "$TMPD/minor-7"
bad minor-7 '^open=OK dump=OK foreach=OK entries=0 '

{ hdr; be32 $((CHILDS | 0x1000)); } > "$TMPD/root-beyond-file"
bad root-beyond-file 'dump=EBADMSG foreach=EBADMSG'

{ hdr; be32 $((VALUES | 12)); } > "$TMPD/root-at-end"
bad root-at-end 'dump=EBADMSG foreach=EBADMSG'

# offset 0 means "no node": an index without entries, not an error
{ hdr; be32 0; } > "$TMPD/root-zero"
bad root-zero '^open=OK dump=OK foreach=OK entries=0 search=ENOENT wild=OK'

{ hdr; be32 $((CHILDS | 12)); printf 'ba'; be32 0; be32 0; } > "$TMPD/first-gt-last"
bad first-gt-last 'dump=EBADMSG foreach=EBADMSG'

{ hdr; be32 $((CHILDS | 12)); printf 'a\x80'; } > "$TMPD/last-ge-128"
bad last-ge-128 'dump=EBADMSG foreach=EBADMSG'

{ hdr; be32 $((CHILDS | 12)); printf '\x80\x81'; be32 0; be32 0; } > "$TMPD/first-ge-128"
bad first-ge-128 'dump=EBADMSG foreach=EBADMSG'

{ hdr; be32 $((CHILDS | 12)); printf 'az'; be32 0; be32 0; } > "$TMPD/child-table-truncated"
bad child-table-truncated 'dump=EBADMSG foreach=EBADMSG'

# the root's only child is the root itself
{ hdr; be32 $((CHILDS | 12)); printf 'aa'; be32 $((CHILDS | 12)); } > "$TMPD/self-loop"
bad self-loop 'dump=EBADMSG foreach=EBADMSG'

# two nodes referring to each other
{ hdr; be32 $((CHILDS | 12)); printf 'aa'; be32 $((CHILDS | 18)); printf 'bb'; be32 $((CHILDS | 12)); } \
	> "$TMPD/mutual-loop"
bad mutual-loop 'dump=EBADMSG foreach=EBADMSG'

# a '*' child pointing back: the wildcard walk (level 3) must not loop either
{ hdr; be32 $((CHILDS | VALUES | 12)); printf '**'; be32 $((CHILDS | VALUES | 12)); be32 1; be32 0; printf 'm\0'; } \
	> "$TMPD/wildcard-loop"
bad wildcard-loop 'dump=EBADMSG foreach=EBADMSG .*wild=EBADMSG'

# 40 levels, each node's children 'a' and 'b' both pointing to the next node:
# 2^40 paths through a 500-byte file; the work budget must stop the walk
{
	hdr; be32 $((CHILDS | 12))
	for i in $(seq 0 39); do
		printf 'ab'; be32 $((CHILDS | (12 + 10 * (i + 1)))); be32 $((CHILDS | (12 + 10 * (i + 1))))
	done
	printf '**'; be32 $((VALUES | (12 + 10 * 41 + 6))); be32 0; be32 1; be32 0; printf 'm\0'
} > "$TMPD/dag-blowup"
bad dag-blowup 'dump=EBADMSG foreach=EBADMSG'

# a 6000-deep chain of distinct nodes: depth limit, no stack overflow
{
	hdr; be32 $((CHILDS | 12))
	for i in $(seq 0 5999); do
		printf 'aa'; be32 $((CHILDS | (12 + 6 * (i + 1))))
	done
	printf 'aa'; be32 0
} > "$TMPD/deep-chain"
bad deep-chain 'dump=EBADMSG foreach=EBADMSG'

{ hdr; be32 $((PREFIX | VALUES | 12)); printf 'abc'; } > "$TMPD/unterminated-prefix"
bad unterminated-prefix 'dump=EBADMSG foreach=EBADMSG'

{ hdr; be32 $((VALUES | 12)); be32 $((0xffffffff)); be32 0; printf 'm\0'; } > "$TMPD/value-count-huge"
bad value-count-huge 'dump=EBADMSG foreach=EBADMSG .*search=EBADMSG wild=EBADMSG'

{ hdr; be32 $((VALUES | 12)); be32 2; be32 0; printf 'm\0'; be32 1; } > "$TMPD/value-count-short"
bad value-count-short 'dump=EBADMSG foreach=EBADMSG .*search=EBADMSG wild=EBADMSG'

{ hdr; be32 $((VALUES | 12)); be32 1; be32 0; printf 'mod'; } > "$TMPD/unterminated-value"
bad unterminated-value 'dump=EBADMSG foreach=EBADMSG .*search=EBADMSG wild=EBADMSG'

{ hdr; be32 $((VALUES | 12)); be32 1; printf '\0\0'; } > "$TMPD/value-priority-truncated"
bad value-priority-truncated 'dump=EBADMSG foreach=EBADMSG'

# a child pointing into the header decodes header bytes; bounded, no crash
{ hdr; be32 $((CHILDS | 12)); printf 'aa'; be32 $((PREFIX | CHILDS | VALUES | 1)); } > "$TMPD/child-in-header"
bad child-in-header '^open=OK dump=(OK|EBADMSG)'

# good root, one corrupt node deep down: the lookups that do not reach it work
printf 'ab\t0\tgood\n' | "$TOOL" build "$TMPD/one-good" || bail_out "build one-good"
{ head -c 8 "$TMPD/one-good"; be32 $((CHILDS | 12)); printf 'ax'; be32 $((VALUES | 22));
  for i in $(seq 1 22); do be32 0; done; be32 $((VALUES | 0x0ffffff0)); } > "$TMPD/corrupt-leaf"
bad corrupt-leaf 'dump=EBADMSG foreach=EBADMSG search=ENOENT wild=OK search=ENOENT wild=OK'

# truncations: an index built from real keys (the synthetic one below has
# prefixes, children with gaps and several values per node), in both layouts;
# each truncated copy sits in a buffer of exactly its size
kver=$(debian_kver) || bail_out "no module tree in /lib/modules"
"$TOOL" list "/lib/modules/$kver/modules.builtin.alias.bin" > "$TMPD/balias.list" ||
	bail_out "index-tool list modules.builtin.alias.bin"
head -30 "$TMPD/balias.list" > "$TMPD/entries"
printf 'on\t0\tw\non\t2\tv2\nonce\t3\tv3\none\t4\tv4\n' >> "$TMPD/entries"
"$TOOL" build "$TMPD/small.post" < "$TMPD/entries" || bail_out "build small.post"
"$TOOL" build -P "$TMPD/small.pre" < "$TMPD/entries" || bail_out "build small.pre"
for layout in post pre; do
	f=$TMPD/small.$layout
	out=$("$SAN" truncations "$f" 2>"$TMPD/trunc.err")
	rc=$?
	size=$(stat -c %s "$f")
	if [ $rc -eq 0 ] && san_clean "$TMPD/trunc.err" &&
		grep -qx "truncations=$size refused=$size accepted=0" <<<"$out"; then
		ok "$layout-order index of $size bytes: all $size truncations refused with EBADMSG"
	else
		not_ok "$layout-order truncations: exit $rc"
		{ echo "$out"; head -20 "$TMPD/trunc.err"; } | tail -20 | sed 's/^/# /'
	fi
done

# the untouched files read fine under the sanitizers: exit status, stderr and
# output are checked apart (a leak report at exit changes only the first two)
"$SAN" check "$TMPD/small.post" >"$TMPD/small.out" 2>"$TMPD/small.err"
rc=$?
check "the untruncated small index reads cleanly (exit $rc)" \
	eval '[ $rc -eq 0 ] && san_clean "$TMPD/small.err" &&
		grep -q "^open=OK dump=OK foreach=OK entries=34 " "$TMPD/small.out"'

# and the real indexes, end to end, with no sanitizer or leak report
for name in alias symbols; do
	f=/lib/modules/$kver/modules.$name.bin
	"$TOOL" list "$f" > "$TMPD/$name.list" || bail_out "index-tool list $f"
	cut -f1 "$TMPD/$name.list" | uniq | awk 'NR % 4 == 0' > "$TMPD/$name.keys"
	"$SAN" rebuild "$f" "$TMPD/$name.san" 2>"$TMPD/$name.rebuild.err"
	rc1=$?
	"$SAN" wild -n "$f" < "$TMPD/$name.keys" > "$TMPD/$name.out" 2>"$TMPD/$name.wild.err"
	rc2=$?
	found=$(grep -vc $'\t-$' "$TMPD/$name.out")
	check "ASan: modules.$name.bin rebuilt byte-identical, $(wc -l < "$TMPD/$name.keys") wildcard lookups ($found found; exit $rc1, $rc2)" \
		eval '[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && san_clean "$TMPD/$name.rebuild.err" &&
			san_clean "$TMPD/$name.wild.err" && cmp "$f" "$TMPD/$name.san" &&
			[ "$found" -gt 1000 ]'
done

done_testing
