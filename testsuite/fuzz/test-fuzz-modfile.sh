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
xz --check=crc32 --lzma2=dict=1MiB -c "$corpus/$first" > "$corpus/seed.xz"
zstd -q -c "$corpus/$first" > "$corpus/seed.zst"
gzip -c "$corpus/$first" > "$corpus/seed.gz"
head -c 300 "$corpus/$first" > "$corpus/seed.trunc"
run_fuzzer fuzz-modfile "$fuzzer" -max_len=65536 "$corpus"
done_testing
