#!/bin/bash
# Fuzz the index reader for $FUZZ_SECONDS (60 in make check) with libFuzzer,
# ASan and UBSan; the seed corpus is made now from small real indexes of the
# installed tree (both layouts), the worked example of the reference and the
# empty index. Passes when the fuzzer finds no crash, leak, hang or abort.
. "${top_srcdir:-$(dirname "$0")/../..}/testsuite/tap.sh"

make -s -C "$top_builddir" testsuite/fuzz/fuzz-index >&2 || bail_out "cannot build fuzz-index"
FUZZ=$top_builddir/testsuite/fuzz/fuzz-index
TOOL=$top_builddir/testsuite/index-tool
[ -x "$TOOL" ] || bail_out "no $TOOL"
kver=$(debian_kver) || bail_out "no module tree in /lib/modules"
moddir=/lib/modules/$kver
tap_tmpdir
mkdir "$TMPD/seeds" "$TMPD/corpus" "$TMPD/artifacts"

for n in builtin builtin.alias; do
	f=$moddir/modules.$n.bin
	[ -s "$f" ] || bail_out "missing $f"
	cp "$f" "$TMPD/seeds/$n.post"
	"$TOOL" rebuild -P "$f" "$TMPD/seeds/$n.pre" || bail_out "rebuild -P $n"
	# a smaller slice as well: the first 40 entries
	"$TOOL" list "$f" | head -40 > "$TMPD/slice"
	"$TOOL" build "$TMPD/seeds/$n.slice.post" < "$TMPD/slice" || bail_out "slice $n"
	"$TOOL" build -P "$TMPD/seeds/$n.slice.pre" < "$TMPD/slice" || bail_out "slice $n"
done
printf 'ask\t0\tv0\nate\t1\tv1\non\t2\tv2\nonce\t3\tv3\none\t4\tv4\non\t0\tw\n' > "$TMPD/example"
"$TOOL" build "$TMPD/seeds/example.post" < "$TMPD/example"
"$TOOL" build -P "$TMPD/seeds/example.pre" < "$TMPD/example"
printf 'pci:v00008086d*sv*\t3\te1000e\nusb:v*p*d*dc*\t1\tusbcore\nsymbol:a[bc]?\t0\tx\n' |
	"$TOOL" build "$TMPD/seeds/globs.post"
"$TOOL" build "$TMPD/seeds/empty" < /dev/null
nseeds=$(ls "$TMPD/seeds" | wc -l)
check "seed corpus: $nseeds indexes" [ "$nseeds" -ge 10 ]

secs=${FUZZ_SECONDS:-60}
(cd "$TMPD/artifacts" && "$FUZZ" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
	-max_len=16384 -print_final_stats=1 "$TMPD/corpus" "$TMPD/seeds") > "$TMPD/log" 2>&1
rc=$?
grep -E '^stat::number_of_executed_units|^Done [0-9]+ runs' "$TMPD/log" | sed 's/^/# /'
if [ $rc -eq 0 ] && [ -z "$(ls "$TMPD/artifacts")" ]; then
	ok "fuzz-index ran ${secs}s without a crash"
else
	not_ok "fuzz-index: exit $rc, artifacts: $(ls "$TMPD/artifacts")"
	grep -A30 -E 'ERROR|runtime error|deadly signal|timeout' "$TMPD/log" | head -40 | sed 's/^/# /'
fi

done_testing
