#!/bin/bash
# Fuzz the configuration parsers (modprobe.d, modules.softdep, depmod.d, kernel
# command line) for $FUZZ_SECONDS (60 in make check) with libFuzzer, ASan and
# UBSan. The seed corpus is written here: one file per directive family, the
# kernel command line cases of docs/modprobe.md §3, and the machine's own
# /etc/modprobe.d and /proc/cmdline. Passes when the fuzzer finds no crash, leak,
# hang or abort.
. "${top_srcdir:-$(dirname "$0")/../..}/testsuite/tap.sh"
. "$top_srcdir/testsuite/fuzz/run-fuzzer.sh"

make -s -C "$top_builddir" testsuite/fuzz/fuzz-config >&2 || bail_out "cannot build fuzz-config"
FUZZ=$top_builddir/testsuite/fuzz/fuzz-config
tap_tmpdir
mkdir "$TMPD/seeds" "$TMPD/corpus" "$TMPD/artifacts"

i=0
seed() {
	i=$((i + 1))
	printf '%b' "$1" >"$TMPD/seeds/seed-$i"
}
seed 'alias foo-bar baz\nalias pci:v[0-9]*d* m\noptions m a=1\tb="x y"\n'
seed 'install m /sbin/modprobe --ignore-install m $CMDLINE_OPTS\nremove m echo\n'
seed 'blacklist a-b\nsoftdep m pre: a b post: c\nsoftdep  n  pre:  x post:\ty pre: z\n'
seed 'weakdep m a b\nweakdep n  \ninclude x\nconfig y\nbogus\n  # c\n'
seed 'alias a\\\n b\\\nc d\\'
seed 'alias a[-b c\nalias x]y z\noptions [ x\n'
seed 'search foo built-in external updates\noverride m * extra\noverride n ^6\\\\.1 s\n'
seed 'external * /opt/x\nexternal [ /y\nexclude a b\nmake_map_files\n'
seed 'quiet psmouse.proto=imps modprobe.blacklist=a,b,c "parport.dyndbg=file a +p"'
seed 'p.x="a b" a.b.c=1 a=b.c=1 psmouse."invalid option" x.y="unterminated'
for f in /etc/modprobe.d/*.conf /proc/cmdline; do
	[ -r "$f" ] && cp "$f" "$TMPD/seeds/$(basename "$f").seed"
done
nseeds=$(ls "$TMPD/seeds" | wc -l)
check "seed corpus: $nseeds inputs" [ "$nseeds" -ge 10 ]

run_fuzzer fuzz-config "$FUZZ" -max_len=4096 "$TMPD/corpus" "$TMPD/seeds"

done_testing
