#!/bin/bash
# Random modprobe.d configurations, generated from a token grammar with a fixed
# seed per case (reproducible: the failing seed is printed), compared with
# `/usr/sbin/modprobe -c` (kmod 30): dump and messages. The only accepted
# difference is the deliberate space in "pre: a post: b" (kmod: "apost:").
# ${CONFIG_RANDOM_CASES:-150} cases.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"

TOOL="$top_builddir/testsuite/config-tool"
KMOD=/usr/sbin/modprobe
[ -x "$KMOD" ] || bail_out "no $KMOD (kmod 30): run scripts/install-deps"
[ -x "$TOOL" ] || bail_out "no $TOOL: make check builds it"
command -v python3 >/dev/null || bail_out "python3 is needed to generate the cases"
# many small files: tmpfs when there is one
[ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
tap_tmpdir
T=$TMPD
ROOT=$T/root
MODDIR=$ROOT/lib/modules/$(uname -r)
mkdir -p "$MODDIR"
cases=${CONFIG_RANDOM_CASES:-150}

# gen FIRST_SEED COUNT TOP: case N gets seed FIRST_SEED+N and 1-4 files over
# two directories in TOP/case-N/d1 and d2
gen() {
	python3 - "$1" "$2" "$3" <<'PY'
import os, random, sys
first, count, base = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rnd = None
cmds = ["alias", "options", "install", "remove", "blacklist", "softdep", "include",
        "config", "bogus", "#", "Alias", ""]
parts = ["a", "b", "snd", "net", "-", "_", "[0-9]", "[", "]", "*", "?", "x", "1", ".", "=",
         "\"", "'", "\xc3\xa9"]
seps = [" ", " ", " ", "\t", "  ", " \t", "\\\n", "\\ "]
def word():
    return "".join(rnd.choice(parts) for _ in range(rnd.randint(1, 4)))
def line():
    c = rnd.choice(cmds)
    toks = [c] if c else []
    n = rnd.randint(0, 6)
    for _ in range(n):
        r = rnd.random()
        if c == "softdep" and r < 0.3:
            toks.append(rnd.choice(["pre:", "post:", "pre:x"]))
        else:
            toks.append(word())
    out = ""
    for i, t in enumerate(toks):
        out += t
        if i + 1 < len(toks):
            out += rnd.choice(seps)
    if rnd.random() < 0.2:
        out = rnd.choice([" ", "\t", "  "]) + out
    if rnd.random() < 0.2:
        out += rnd.choice([" ", "\t", "\\", "\\\n"])
    return out
for n in range(1, count + 1):
    rnd = random.Random(first + n)
    top = os.path.join(base, "case-%d" % n)
    for d in ("d1", "d2"):
        os.makedirs(os.path.join(top, d), exist_ok=True)
    for _ in range(rnd.randint(1, 4)):
        d = rnd.choice(("d1", "d2"))
        name = rnd.choice(("a", "b", "c", "10-x", "z")) + ".conf"
        text = "\n".join(line() for _ in range(rnd.randint(0, 12)))
        if rnd.random() < 0.7:
            text += "\n"
        with open(os.path.join(top, d, name), "wb") as f:
            f.write(text.encode("utf-8", "surrogateescape"))
PY
}

# the configuration part of modprobe -c: up to the line before the end mark
conf_part() {
	awk '/^# End of configuration files\. Dumping indexes now:$/ { found = 1; exit }
		{ if (have) print prev; prev = $0; have = 1 }
		END { if (!found) print "NO END MARK" }'
}

first_seed=20261122
gen "$first_seed" "$cases" "$T" || bail_out "cannot generate the cases"
n_diff=0
n_lines=0
n_msgs=0
for i in $(seq 1 "$cases"); do
	seed=$((first_seed + i))
	d=$T/case-$i
	"$KMOD" -c -d "$ROOT" -C "$d/d1" -C "$d/d2" 2>"$d/kmod.err" | conf_part |
		sed -E '/^softdep [^ ]+ pre: /s/([^ ])post: /\1 post: /' >"$d/kmod.out"
	"$TOOL" -m "$MODDIR" -k /proc/cmdline -C "$d/d1" -C "$d/d2" dump \
		>"$d/our.out" 2>"$d/our.err"
	sed -E 's/^libkmod: ([A-Z]+) [^ ]+:[0-9]+ [A-Za-z0-9_]+: /\1: /' "$d/kmod.err" >"$d/kmod.msg"
	sed -E 's/^config-tool: //' "$d/our.err" >"$d/our.msg"
	n_lines=$((n_lines + $(wc -l <"$d/our.out")))
	n_msgs=$((n_msgs + $(wc -l <"$d/our.msg")))
	if cmp -s "$d/kmod.out" "$d/our.out" && cmp -s "$d/kmod.msg" "$d/our.msg"; then
		rm -rf "$d"
		continue
	fi
	n_diff=$((n_diff + 1))
	not_ok "random configuration, seed $seed"
	diag "$(diff "$d/kmod.out" "$d/our.out" | head -10)" "$(diff "$d/kmod.msg" "$d/our.msg" | head -10)"
done
diag "$cases random configurations: $n_lines dump lines and $n_msgs messages compared, $n_diff differ"
if [ "$n_diff" -eq 0 ]; then
	ok "$cases random configurations equal modprobe -c"
fi
check "the cases produced output to compare" test "$n_lines" -gt "$cases" -a "$n_msgs" -gt 0
done_testing
