#!/bin/bash
# Run the module-reader fuzz target for $FUZZ_SECONDS seconds, seeded with real
# modules (plain and compressed) and a few broken ones. Passes when nothing crashes.
. "$top_srcdir/testsuite/tap.sh"
. "$top_srcdir/testsuite/fuzz/run-fuzzer.sh"
tap_tmpdir
fuzzer="$top_builddir/testsuite/fuzz/fuzz-modfile"
[ -x "$fuzzer" ] || bail_out "fuzz target not built: $fuzzer"
kver=$(debian_kver) || bail_out "no Debian module tree in /lib/modules"
corpus="$TMPD/corpus"
mkdir -p "$corpus"
# small real modules make good seeds: every section kind, a signature
find "/lib/modules/$kver/kernel" -name '*.ko' -size -12k | head -8 | while read -r f; do
	cp "$f" "$corpus/"
done
first=$(ls "$corpus" | head -1)
[ -n "$first" ] || bail_out "no module under 12 KiB in /lib/modules/$kver/kernel"
xz --check=crc32 --lzma2=dict=1MiB -c "$corpus/$first" > "$corpus/seed.xz" || bail_out "xz"
zstd -q -c "$corpus/$first" > "$corpus/seed.zst" || bail_out "zstd"
gzip -c "$corpus/$first" > "$corpus/seed.gz" || bail_out "gzip"
head -c 300 "$corpus/$first" > "$corpus/seed.trunc"
nseeds=$(ls "$corpus" | wc -l)
check "seed corpus: $nseeds inputs" [ "$nseeds" -ge 12 ]
run_fuzzer fuzz-modfile "$fuzzer" -max_len=65536 "$corpus"
done_testing
