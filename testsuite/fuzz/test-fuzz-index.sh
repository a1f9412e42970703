#!/bin/bash
# Fuzz the index reader for $FUZZ_SECONDS (60 in make check) with libFuzzer,
# ASan and UBSan; the seed corpus is made now from small real indexes of the
# installed tree (both layouts), the worked example of the reference and the
# empty index. Passes when the fuzzer finds no crash, leak, hang or abort.
. "${top_srcdir:-$(dirname "$0")/../..}/testsuite/tap.sh"
. "$top_srcdir/testsuite/fuzz/run-fuzzer.sh"

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

run_fuzzer fuzz-index "$FUZZ" -max_len=16384 "$TMPD/corpus" "$TMPD/seeds"

done_testing
