#!/bin/bash
# The decompressed images mydepmod's readers hold at once stay under one bound
# (1 GiB, docs/depmod-outputs.md §2.1), whatever -j says (issue 12, item 5):
#  - four zstd modules of 400 MiB each (an elfgen module padded with zeros), read
#    with -j 4: the files are kmod's and the same as with -j 1, and the peak RSS
#    stays under 1.1 GB (it was 1.6 GB: each thread held its own image);
#  - three 50 KB zstd bombs that decode to 1.5 GiB each, -j 3: each is reported by
#    name as too large, and the peak RSS stays under 1.3 GB (it was 3.0 GB).
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"
. "$top_srcdir/testsuite/depmod/lib.sh"

[ -x "$KMOD_DEPMOD" ] || bail_out "kmod's depmod not found at $KMOD_DEPMOD"
[ -x "$MYDEPMOD" ] || bail_out "mydepmod not built: $MYDEPMOD"
[ -x "$ELFGEN" ] || bail_out "elfgen not built: $ELFGEN"
[ -x /usr/bin/time ] || bail_out "/usr/bin/time (package time) is needed"
command -v zstd >/dev/null || bail_out "zstd is needed"
"$MYDEPMOD" -V >/dev/null 2>&1 || bail_out "mydepmod does not run"
tap_tmpdir
K=5.6.0

# peak RSS in KB of a run of mydepmod with the given arguments; its stderr in $TMPD/err
peak_rss() {
	/usr/bin/time -o "$TMPD/time" -f '%M' "$MYDEPMOD" "$@" 2>"$TMPD/err"
	echo "$? $(cat "$TMPD/time")"
}

T=$TMPD/big
D=$T/lib/modules/$K
mkdir -p "$D/kernel"
for i in 1 2 3 4; do
	"$ELFGEN" -o "$TMPD/m$i.ko" --export "big${i}_fn:0x$i" || bail_out "elfgen failed"
	cat "$TMPD/m$i.ko" <(head -c 400M /dev/zero) | zstd -q -o "$D/kernel/big$i.ko.zst" ||
		bail_out "zstd failed"
done
mkmod "$T" $K kernel/user.ko --need big1_fn:0x1 --need big2_fn:0x2 --need big3_fn:0x3 \
	--need big4_fn:0x4
"$KMOD_DEPMOD" -b "$T" $K || bail_out "depmod failed on $T"
mkdir -p "$TMPD/kmod"
for f in $DEPMOD_FILES; do mv "$D/$f" "$TMPD/kmod/"; done
read -r rc rss < <(peak_rss -j 4 -b "$T" $K)
ok=1
for f in $DEPMOD_FILES; do
	cmp -s "$D/$f" "$TMPD/kmod/$f" || { diag "$f differs from kmod's"; ok=0; }
done
check "four 400 MiB zstd modules, -j 4: exit $rc, kmod's files" test "$rc" = 0 -a $ok = 1
check "... at most 1 GiB of images held at once (peak RSS $rss KB)" test "${rss:-9999999}" -lt 1100000
check "... and every module was read (user.ko needs all four)" \
	test "$(grep -o 'big[0-9].ko.zst' <(grep '^kernel/user.ko:' "$D/modules.dep") | wc -l)" = 4

T=$TMPD/bombs
D=$T/lib/modules/$K
mkdir -p "$D/kernel"
head -c 1536M /dev/zero | zstd -q -o "$TMPD/bomb.zst" || bail_out "zstd failed"
for i in 1 2 3; do cp "$TMPD/bomb.zst" "$D/kernel/bomb$i.ko.zst"; done
read -r rc rss < <(peak_rss -j 3 -b "$T" $K)
check "three zstd bombs of 1.5 GiB, -j 3: exit $rc, each reported as too large" \
	test "$rc" = 0 -a "$(grep -c 'failed to load symbols from .*/bomb[123].ko.zst: File too large' "$TMPD/err")" = 3
check "... at most 1 GiB of images held at once (peak RSS $rss KB)" test "${rss:-9999999}" -lt 1300000

done_testing
