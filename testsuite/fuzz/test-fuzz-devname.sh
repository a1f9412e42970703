#!/bin/bash
# Fuzz the modules.devname reader for $FUZZ_SECONDS (60 in make check) with
# libFuzzer, ASan and UBSan, checked piece by piece against the C library's sscanf()
# as kmod 30 calls it. Seeds: the installed tree's modules.devname, and lines with
# missing fields, signs, blanks, long numbers and a long line. Passes when the
# fuzzer finds no crash, leak, hang, abort or disagreement.
. "${top_srcdir:-$(dirname "$0")/../..}/testsuite/tap.sh"
. "$top_srcdir/testsuite/fuzz/run-fuzzer.sh"

make -s -C "$top_builddir" testsuite/fuzz/fuzz-devname >&2 || bail_out "cannot build fuzz-devname"
FUZZ=$top_builddir/testsuite/fuzz/fuzz-devname
kver=$(debian_kver) || bail_out "no module tree in /lib/modules"
tap_tmpdir
mkdir "$TMPD/seeds" "$TMPD/corpus" "$TMPD/artifacts"

cp "/lib/modules/$kver/modules.devname" "$TMPD/seeds/debian" || bail_out "no modules.devname"
printf '%s\n' 'a b c1:2' 'a b' 'a b c 1: 2' 'a b c+1:-2' 'a b c99999999999999999999:4294967296' \
	'a b x1:2' '#c' ' #x y b1:2' 'a b c1 :2' 'a b c-:1' >"$TMPD/seeds/lines"
printf 'a\tb\vb7:8\r\n\0x y c1:2\nlast c1:1' >"$TMPD/seeds/blanks"
{ printf 'm '; head -c 4200 /dev/zero | tr '\0' d; printf ' c1:2\n'; } >"$TMPD/seeds/long"
nseeds=$(ls "$TMPD/seeds" | wc -l)
check "seed corpus: $nseeds files" [ "$nseeds" -eq 4 ]

run_fuzzer fuzz-devname "$FUZZ" -max_len=12288 "$TMPD/corpus" "$TMPD/seeds"

done_testing
