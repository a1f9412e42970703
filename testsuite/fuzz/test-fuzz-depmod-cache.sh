#!/bin/bash
# Fuzz mydepmod's cache reader (docs/depmod-cache.md §2) for $FUZZ_SECONDS (60 in
# make check) with libFuzzer, ASan and UBSan; the target fixes the checksum and
# takes the key from the input, so that mutations reach the checks behind them.
# Seeds: caches mydepmod writes for an elfgen tree (every kind of record, and the
# listings of its two directories) and for an empty one. Passes when the fuzzer finds no crash, leak, hang or abort.
. "${top_srcdir:-$(dirname "$0")/../..}/testsuite/tap.sh"
. "$top_srcdir/testsuite/fuzz/run-fuzzer.sh"
. "$top_srcdir/testsuite/depmod/lib.sh"

make -s -C "$top_builddir" testsuite/fuzz/fuzz-depmod-cache >&2 ||
	bail_out "cannot build fuzz-depmod-cache"
FUZZ=$top_builddir/testsuite/fuzz/fuzz-depmod-cache
[ -x "$MYDEPMOD" ] || bail_out "mydepmod not built: $MYDEPMOD"
[ -x "$ELFGEN" ] || bail_out "elfgen not built: $ELFGEN"
tap_tmpdir
mkdir "$TMPD/seeds" "$TMPD/corpus" "$TMPD/artifacts"
K=5.6.0
T=$TMPD/t
D=$T/lib/modules/$K
mkmod "$T" $K kernel/a.ko --export a_fn:0x12 --export a_data --modinfo alias=a-alias \
	--modinfo 'softdep=pre: b' --modinfo weakdep=c
mkmod "$T" $K kernel/b.ko --need a_fn:0x12 --weak a_data --ksymtab-string b_only
mkmod "$T" $K extra/c.ko --need b_only
mkdir -p "$TMPD/empty/lib/modules/$K"
sleep 2.2 # older than 2 s, or a module is not cached (docs/depmod-cache.md §3)
"$MYDEPMOD" --cache -b "$T" $K 2>/dev/null || bail_out "mydepmod failed on the seed tree"
cp "$D/modules.mykmod-cache.bin" "$TMPD/seeds/tree"
"$MYDEPMOD" --cache -b "$TMPD/empty" $K 2>/dev/null || bail_out "mydepmod failed on the empty tree"
cp "$TMPD/empty/lib/modules/$K/modules.mykmod-cache.bin" "$TMPD/seeds/empty"
entries=$(od -An -tu4 -j 36 -N4 "$TMPD/seeds/tree" | tr -d ' ')
dirs=$(od -An -tu4 -j 72 -N4 "$TMPD/seeds/tree" | tr -d ' ')
check "seeds: a cache with 3 entries ($entries) and 2 directories' listings ($dirs), and an empty one" \
	test "$entries" -eq 3 -a "$dirs" -eq 2 -a -s "$TMPD/seeds/empty"

# the target takes each seed's key and fixes its checksum: both seeds must load,
# or mutations would stop at the key (as they did while the target read the key
# at format 1's offset)
check "the target loads both seeds whole" \
	env FUZZ_MUST_LOAD=1 "$FUZZ" "$TMPD/seeds/tree" "$TMPD/seeds/empty"

run_fuzzer fuzz-depmod-cache "$FUZZ" -max_len=8192 "$TMPD/corpus" "$TMPD/seeds"

done_testing
