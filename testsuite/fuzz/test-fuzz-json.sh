#!/bin/bash
# Fuzz lib/json, the JSON writer, for $FUZZ_SECONDS (60 in make check) with
# libFuzzer, ASan and UBSan; seeds: module fields with Latin-1 and UTF-8 bytes,
# cut and overlong sequences, and small writer programs (testsuite/fuzz/fuzz-json.c).
# Passes when the fuzzer finds no crash, leak, hang or abort (an abort is output
# that is not valid JSON or does not decode back to the input).
. "${top_srcdir:-$(dirname "$0")/../..}/testsuite/tap.sh"
. "$top_srcdir/testsuite/fuzz/run-fuzzer.sh"

make -s -C "$top_builddir" testsuite/fuzz/fuzz-json >&2 || bail_out "cannot build fuzz-json"
FUZZ=$top_builddir/testsuite/fuzz/fuzz-json
tap_tmpdir
mkdir "$TMPD/seeds" "$TMPD/corpus" "$TMPD/artifacts"

i=0
seed() {
	i=$((i + 1))
	printf '%b' "$1" >"$TMPD/seeds/seed-$i"
}
seed 'author=J\xe9n Kara'
seed 'description=\xc3\xa9t\xc3\xa9 \xf0\x9f\x90\xa7 \xe2\x82\xac'
seed '\xc0\x80\xed\xa0\x80\xf4\x90\x80\x80\xf5\xe2\x82\xf0\x9f\x90'
seed 'q"b\\\\n\n\t\x01\x7f\x00end'
# writer programs: {"k":"v"}, [1,[],{}], {"a":{"b":[true,null]}}
seed '\x00\x04\x01k\x05\x01v\x01'
seed '\x02\x06\x01\x00\x00\x00\x00\x00\x00\x00\x02\x03\x00\x01\x03'
seed '\x00\x04\x01a\x00\x04\x01b\x02\x07\x08\x03\x01\x01'
seed '\x00\x09\x04\xe9t\xe9\x09\x02\xc3\xa9\x01'
nseeds=$(ls "$TMPD/seeds" | wc -l)
check "seed corpus: $nseeds inputs" [ "$nseeds" -ge 8 ]

run_fuzzer fuzz-json "$FUZZ" -max_len=4096 "$TMPD/corpus" "$TMPD/seeds"

done_testing
