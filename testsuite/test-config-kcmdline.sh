#!/bin/bash
# Kernel command line parsing (docs/modprobe.md §3).
# 1. The cases of docs/modprobe.md §3 (kmod's module-param-kcmdline fixtures) with
#    the results given there.
# 2. A true differential: kmod 30's modprobe -c runs in a private mount namespace
#    where a generated file is bind-mounted over /proc/cmdline; our parser reads
#    the same file. Needs root (unshare -m); without it the test bails out.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"

TOOL="$top_builddir/testsuite/config-tool"
KMOD=/usr/sbin/modprobe
[ -x "$KMOD" ] || bail_out "no $KMOD (kmod 30): run scripts/install-deps"
[ -x "$TOOL" ] || bail_out "no $TOOL: make check builds it"
tap_tmpdir
T=$TMPD
: >"$T/empty.conf"
mkdir -p "$T/root"

# our dump for the command line in $T/cmdline
ours() { "$TOOL" -C "$T/empty.conf" -k "$T/cmdline" dump 2>"$T/our.err"; }

# --- 1. expectations from docs/modprobe.md §3 --------------------------------

# spec_case DESCRIPTION CMDLINE EXPECTED-DUMP
spec_case() {
	printf '%s' "$2" >"$T/cmdline"
	local got
	got=$(ours)
	if [ "$got" = "$(printf '%b' "$3")" ]; then
		ok "spec: $1"
	else
		not_ok "spec: $1"
		diag "cmdline: $2" "got: $got"
	fi
}

spec_case "mod.param becomes options" 'quiet psmouse.proto=imps ro' 'options psmouse proto=imps'
spec_case "mod.param without value" 'mod.param' 'options mod param'
spec_case "module name goes through underscores()" 'snd-hda-intel.model=x' 'options snd_hda_intel model=x'
spec_case "command line options come after file options, in order" \
	'a.x=1 b.y=2 a.z=3' 'options a x=1\noptions b y=2\noptions a z=3'
spec_case "modprobe.blacklist=a,b,c" 'modprobe.blacklist=a,b,c' 'blacklist a\nblacklist b\nblacklist c'
spec_case "modprobe.blacklist repeated (kcmdline9)" \
	'modprobe.blacklist=a modprobe.blacklist=b,c' 'blacklist a\nblacklist b\nblacklist c'
spec_case "quoted value kept with its quotes" 'p.x="a b"' 'options p x="a b"'
spec_case "GRUB-style quoted token is re-quoted (kcmdline7/8)" \
	'"parport.dyndbg=file drivers/parport/ieee1284_ops.c +mpf"' \
	'options parport dyndbg="file drivers/parport/ieee1284_ops.c +mpf"'
spec_case "tokens without a dot are ignored" 'quiet splash root=/dev/sda1' ''
spec_case "a second dot in the param is ignored" 'a.b.c=1 d.e=2' 'options d e=2'
spec_case "= in the module name is ignored" 'a=b.c=1 d.e=2' 'options d e=2'
spec_case "space inside quotes outside the value is ignored" \
	'psmouse."invalid option" d.e=2' 'options d e=2'
spec_case "quote in the middle of a token is ignored" 'no"quo"te.x=1 d.e=2' 'options d e=2'
spec_case "modprobe.<other> is an option of module modprobe" 'modprobe.foo=1' 'options modprobe foo=1'
printf '%s' 'a[.b=1 c.d=2' >"$T/cmdline"
ours >/dev/null
check "spec: bad module name is reported" grep -qx \
	"config-tool: ERROR: Ignoring bad option on kernel command line while parsing module name: 'a\\['" \
	"$T/our.err"

# --- 2. differential against kmod 30 on a fake /proc/cmdline -----------------

[ "$(id -u)" = 0 ] || bail_out "the /proc/cmdline differential needs root (unshare -m)"
printf 'x.y=1' >"$T/cmdline"
if ! unshare -m sh -c "mount --bind '$T/cmdline' /proc/cmdline && grep -qx x.y=1 /proc/cmdline" \
	2>/dev/null; then
	bail_out "cannot bind-mount over /proc/cmdline in a private mount namespace"
fi

kmod_dump() {
	unshare -m sh -c "mount --bind '$T/cmdline' /proc/cmdline && \
		exec '$KMOD' -c -C '$T/empty.conf' -d '$T/root'" 2>"$T/kmod.err" |
		python3 -c '
import sys
s = sys.stdin.buffer.read()
m = b"\n# End of configuration files. Dumping indexes now:\n\n"
i = s.find(m)
sys.stdout.buffer.write(s[:i] if i >= 0 else b"NO END MARK\n")'
}

n_cases=0
n_diff=0
# diff_case CMDLINE (printf %b escapes)
diff_case() {
	printf '%b' "$1" >"$T/cmdline"
	n_cases=$((n_cases + 1))
	kmod_dump >"$T/kmod.out"
	ours >"$T/our.out"
	sed -E 's/^libkmod: ([A-Z]+) [^ ]+:[0-9]+ [A-Za-z0-9_]+: /\1: /' "$T/kmod.err" >"$T/kmod.msg"
	sed -E 's/^config-tool: //' "$T/our.err" >"$T/our.msg"
	if cmp -s "$T/kmod.out" "$T/our.out" && cmp -s "$T/kmod.msg" "$T/our.msg"; then
		ok "kmod: $(printf '%s' "$1" | head -c 70)"
	else
		n_diff=$((n_diff + 1))
		not_ok "kmod: $(printf '%s' "$1" | head -c 70)"
		diag "$(diff "$T/kmod.out" "$T/our.out")" "$(diff "$T/kmod.msg" "$T/our.msg")"
	fi
}

diff_case 'mod.param'
diff_case 'mod.param=value other'
diff_case 'modprobe.blacklist=a,b,c'
diff_case 'modprobe.blacklist=a modprobe.blacklist=b,c-d'
diff_case 'modprobe.blacklist= modprobe.blacklist modprobe.blacklist=,x,,'
diff_case 'p.x="a b" q.y=1'
diff_case '"parport.dyndbg=file a +p" x.y=2'
diff_case 'a.b.c=1 d.e=2'
diff_case 'a=b.c=1'
diff_case 'psmouse."invalid option" z.z=1'
diff_case 'noquote"mid.x=1 m.n=1'
diff_case 'no"quo"te.x=1 d.e=2'
diff_case 'modprobe.foo=1 modprobe.blacklist'
diff_case 'mod-with-dash.p-x=1'
diff_case 'a[.b=1 c].d=1 e[x].f=1 g[-].h-i=1'
diff_case 'a-b[.c=1 x-y].z=1 p-q[r-s].t=1'
diff_case 'quiet splash ro'
diff_case 'a.b=1\\nc.d=2'
diff_case 'a.b=1\\tc.d=2\\rx.y=1\\vz.z=2\\fw.w=3\\n'
diff_case 'mod.=1 .param=1 mod. x.y'
diff_case '"a.b=c" d.e=f'
diff_case '"a.b=c d"e.f=1 g.h=2'
diff_case 'a.b="c d" e.f'
diff_case 'x.y="unterminated z.w=1'
diff_case '"quoted.noval" k.l=1'
diff_case '"a.b c" d.e=1'
diff_case 'a.b=1 -- c.d=2'
diff_case '  lead.ing=1   many.spaces=2  '
diff_case 'a.b="x"y c.d=""'
diff_case '"" a.b=1 " c.d=1'
diff_case 'a."b=c" d.e="f g"h'
diff_case 'a.b="c\\td" "e.f=g\\th"'
diff_case 'a.b==c d.e=f=g'
diff_case 'caf\\xc3\\xa9.p=\\xff x.y=1'
diff_case ''
diff_case '\\n'
diff_case "$(cat /proc/cmdline)"
# kmod reads at most 4095 bytes: a token across the limit is cut
filler=$(head -c 4080 /dev/zero | tr '\0' 'f')
diff_case "$filler ab.cd=123456789 ef.gh=1"
diff_case "$(head -c 4094 /dev/zero | tr '\0' 'f') a.b=1"
diff_case "$(head -c 4088 /dev/zero | tr '\0' 'f') a.b=1"

# random command lines from a token grammar, reproducible by seed
rcases=${KCMDLINE_RANDOM_CASES:-60}
first_seed=1122
python3 - "$first_seed" "$rcases" "$T" <<'PY' || bail_out "cannot generate random cases"
import random, sys
first, count, base = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
toks = ["a", "b", "mod", "-", "_", ".", ".", "=", "=", '"', " ", " ", " ", "\t", ",",
        "modprobe", ".blacklist=", "modprobe.blacklist=", "[", "]", "x1", "\n", "'"]
for n in range(1, count + 1):
    rnd = random.Random(first + n)
    line = "".join(rnd.choice(toks) for _ in range(rnd.randint(0, 40)))
    with open("%s/random-%d" % (base, n), "w") as f:
        f.write(line)
PY
r_diff=0
for i in $(seq 1 "$rcases"); do
	cp "$T/random-$i" "$T/cmdline" || bail_out "random case $i was not generated"
	kmod_dump >"$T/kmod.out"
	ours >"$T/our.out"
	sed -E 's/^libkmod: ([A-Z]+) [^ ]+:[0-9]+ [A-Za-z0-9_]+: /\1: /' "$T/kmod.err" >"$T/kmod.msg"
	sed -E 's/^config-tool: //' "$T/our.err" >"$T/our.msg"
	if ! cmp -s "$T/kmod.out" "$T/our.out" || ! cmp -s "$T/kmod.msg" "$T/our.msg"; then
		r_diff=$((r_diff + 1))
		not_ok "random command line, seed $((first_seed + i)): $(head -c 70 "$T/cmdline")"
		diag "$(diff "$T/kmod.out" "$T/our.out")" "$(diff "$T/kmod.msg" "$T/our.msg")"
	fi
done
[ "$r_diff" -eq 0 ] && ok "$rcases random command lines equal kmod's"
n_cases=$((n_cases + rcases))
n_diff=$((n_diff + r_diff))

diag "kernel command line: $n_cases cases compared with kmod 30, $n_diff differ"
done_testing
