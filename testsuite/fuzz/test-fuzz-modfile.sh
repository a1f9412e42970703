#!/bin/bash
# Run the module-reader fuzz target for $FUZZ_SECONDS seconds, seeded with real
# modules (plain and compressed) and a few broken ones. Passes when nothing crashes.
. "$top_srcdir/testsuite/tap.sh"
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
secs=${FUZZ_SECONDS:-60}
if "$fuzzer" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 -max_len=65536 \
	-artifact_prefix="$TMPD/" "$corpus" > "$TMPD/log" 2>&1; then
	ok "fuzz-modfile ran ${secs}s: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$TMPD/log" | tail -1 || tail -1 "$TMPD/log")"
else
	not_ok "fuzz-modfile found a crash"
	tail -40 "$TMPD/log" | diag
	for a in "$TMPD"/crash-* "$TMPD"/leak-* "$TMPD"/timeout-*; do
		[ -f "$a" ] && diag "artifact: $(basename "$a") $(od -An -tx1 "$a" | head -3)"
	done
fi
done_testing
