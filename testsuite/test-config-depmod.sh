#!/bin/bash
# depmod.d: depmod_config_load() compared with Debian kmod 30's depmod.
# depmod -vvv logs what its parser keeps ("search add: X, search type=N",
# "override add: SUBDIR/MOD", "external add: DIR", "exclude add: X") and its
# messages; we run it with -n on an empty tree and compare both with
# config-tool's view of the same configuration.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"

TOOL="$top_builddir/testsuite/config-tool"
DEPMOD=/usr/sbin/depmod
[ -x "$DEPMOD" ] || bail_out "no $DEPMOD (kmod 30): run scripts/install-deps"
[ -x "$TOOL" ] || bail_out "no $TOOL: make check builds it"
tap_tmpdir; [ -n "${KEEP_TMP:-}" ] && trap - EXIT
T=$TMPD
KVER=1.2.3-test
ROOT=$T/root
mkdir -p "$ROOT/lib/modules/$KVER/kernel"
: >"$ROOT/lib/modules/$KVER/modules.order"

fixture() {
	mkdir -p "$T/$1"
	printf '%b' "$3" >"$T/$1/$2"
}

# kmod's parse log, grouped by kind, in our notation
kmod_view() {
	local log=$1
	sed -nE 's/^depmod: DEBUG: search add: (.*), search type=0$/search path \1/p;
		s/^depmod: DEBUG: search add: built-in, search type=1$/search built-in/p;
		s/^depmod: DEBUG: search add: external, search type=2$/search external/p' "$log"
	sed -nE 's/^depmod: DEBUG: override add: (.*)$/override \1/p' "$log"
	sed -nE 's/^depmod: DEBUG: external add: (.*)$/external \1/p' "$log"
	sed -nE 's/^depmod: DEBUG: exclude add: (.*)$/exclude \1/p' "$log"
}

# config-tool prints "override MOD SUBDIR"; kmod logs "SUBDIR/MOD"
our_view() {
	sed -E 's/^override ([^ ]+) ([^ ]+)$/override \2\/\1/' "$1"
}

# messages about the configuration (the tree scan's own messages are left out)
conf_messages() { grep -E "^[a-z-]+: (ERROR|WARNING|INFO): .*$T/" "$1" | sed -E 's/^[a-z-]+: //'; }

n_cases=0
n_diff=0
n_entries=0
n_msgs=0
# an "ok" line, unless QUIET is set (the random cases report once, at the end)
pass() { [ -n "${QUIET:-}" ] || ok "$@"; }
# run_case NAME -C PATH...
run_case() {
	local name=$1
	shift
	local d=$T/out/$name
	mkdir -p "$d"
	n_cases=$((n_cases + 1))
	"$DEPMOD" -n -vvv -b "$ROOT" "$@" "$KVER" >/dev/null 2>"$d/kmod.log"
	kmod_view "$d/kmod.log" >"$d/kmod.view"
	"$TOOL" -v "$@" depmod "$KVER" >"$d/our.raw" 2>"$d/our.log"
	our_view "$d/our.raw" >"$d/our.view"
	n_entries=$((n_entries + $(wc -l <"$d/our.view")))
	if [ ! -s "$d/kmod.view" ]; then
		not_ok "$name: depmod logged nothing (no 'search add' line at least)"
	elif cmp -s "$d/kmod.view" "$d/our.view"; then
		pass "$name: search/override/external/exclude equal depmod's ($(wc -l <"$d/our.view") entries)"
	else
		n_diff=$((n_diff + 1))
		not_ok "$name: configuration differs from depmod's"
		diag "$(diff "$d/kmod.view" "$d/our.view")"
	fi
	conf_messages "$d/kmod.log" >"$d/kmod.msg"
	conf_messages "$d/our.log" >"$d/our.msg"
	n_msgs=$((n_msgs + $(wc -l <"$d/our.msg")))
	if cmp -s "$d/kmod.msg" "$d/our.msg"; then
		pass "$name: messages equal depmod's ($(wc -l <"$d/our.msg") lines)"
	else
		n_diff=$((n_diff + 1))
		not_ok "$name: messages differ from depmod's"
		diag "$(diff "$d/kmod.msg" "$d/our.msg")"
	fi
}

fixture search a.conf 'search foo built-in external updates\nsearch\tbar  extra/x\n'
run_case search -C "$T/search"

fixture nosearch a.conf 'exclude foo\n'
run_case no-search-means-updates -C "$T/nosearch"

fixture emptysearch a.conf 'search\nsearch   \n'
run_case empty-search-means-updates -C "$T/emptysearch"

fixture override a.conf "override mod-a * extra\noverride mod_b 1\\\\.2\\\\..* sub/dir\noverride mod-c 9.* nomatch\noverride mod-d ^1.2.3-test\$ anchored\noverride mod-e test x\noverride mod-f [ badregex\noverride mod-g ^2 nope\n"
run_case override-kver -C "$T/override"

fixture override2 a.conf 'override\noverride m\noverride m *\noverride m * d extra words\n'
run_case override-bad -C "$T/override2"

fixture external a.conf 'search external built-in\nexternal * /nonexistent/ext1\nexternal 1.2 /nonexistent/ext2\nexternal ^3 /nonexistent/ext3\nexternal (1|2).*test /nonexistent/ext4\nexternal\nexternal *\n'
run_case external -C "$T/external"

fixture exclude a.conf 'exclude a b\texclude\nexclude\nexclude  .git  build\n'
run_case exclude -C "$T/exclude"

fixture misc a.conf 'include foo\nmake_map_files\nbogus x\n  # indented\n# real comment\nSearch x\nsearch con\\\ntinued\n\\\nsearch x\\y\n'
run_case misc-lines -C "$T/misc"

fixture files a.conf 'search a\n'
fixture files .hidden.conf 'search hidden\n'
fixture files b.txt 'search txt\n'
fixture files c.alias 'search alias\n'
mkdir -p "$T/files/sub.conf"
run_case file-filter -C "$T/files"

fixture d1 common.conf 'search from-d1\n'
fixture d1 z.conf 'search z1\n'
fixture d2 common.conf 'search from-d2\n'
fixture d2 a.conf 'search a2\n'
run_case two-dirs -C "$T/d1" -C "$T/d2"
run_case single-file -C "$T/d2/a.conf"
run_case file-and-dir -C "$T/d2/common.conf" -C "$T/d1"

fixture eof a.conf 'search a\n\nbogus'
run_case eof-line-number -C "$T/eof"

# the machine's own depmod.d (default directories; -b does not move them)
run_case system-default

# random configurations from a token grammar, reproducible by seed
rcases=${DEPMOD_RANDOM_CASES:-80}
first_seed=4242
python3 - "$first_seed" "$rcases" "$T" <<'PY' || bail_out "cannot generate random cases"
import os, random, sys
first, count, base = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
cmds = ["search", "override", "external", "exclude", "include", "make_map_files", "bogus",
        "#", "Search", ""]
words = ["updates", "built-in", "external", "extra", "a/b", "mod-x", "mod_y", "/abs/dir",
         "*", "1.2.3-test", "1\\.2", "^1", "test$", "^2", "[", "(a|1)", ".*", "x\\y"]
seps = [" ", " ", "\t", "  ", "\\\n"]
for n in range(1, count + 1):
    rnd = random.Random(first + n)
    top = os.path.join(base, "random-%d" % n)
    os.makedirs(top)
    for _ in range(rnd.randint(1, 3)):
        lines = []
        for _ in range(rnd.randint(0, 10)):
            toks = [rnd.choice(cmds)] + [rnd.choice(words) for _ in range(rnd.randint(0, 4))]
            line = ""
            for i, t in enumerate(toks):
                line += t + (rnd.choice(seps) if i + 1 < len(toks) else "")
            if rnd.random() < 0.15:
                line = " " + line
            lines.append(line)
        name = rnd.choice(("a", "b", "c")) + rnd.choice((".conf", ".conf", ".txt"))
        with open(os.path.join(top, name), "w") as f:
            f.write("\n".join(lines) + rnd.choice(("\n", "")))
PY
r_before=$n_diff
for i in $(seq 1 "$rcases"); do
	QUIET=1 run_case "random-$i" -C "$T/random-$i"
done
[ "$n_diff" -eq "$r_before" ] && ok "$rcases random depmod.d configurations equal depmod's"

diag "depmod.d: $n_cases configurations compared with depmod ($n_entries entries, $n_msgs messages), $n_diff differences"

# unit checks of the API beyond what depmod logs
out=$("$TOOL" -C "$T/nosearch" depmod "$KVER" 2>/dev/null)
rc=$?
check "no search line: exactly one PATH 'updates' (exit $rc)" \
	test $rc -eq 0 -a "$out" = "$(printf 'search path updates\nexclude foo')"
"$TOOL" -C "$T/override" depmod 9.0 >"$T/quiet.out" 2>"$T/quiet.err"
rc=$?
out=$(grep '^override' "$T/quiet.out" | tr '\n' ' ')
check "KVER is matched against the version given (9.0; exit $rc)" \
	test $rc -eq 0 -a "$out" = "override mod-a extra override mod-c nomatch "
check "INFO messages are not printed at the default level" test ! -s "$T/quiet.err"

# deliberate difference: nested bounded repeats make glibc's regcomp() take
# gigabytes (depmod: 6 s, 3.4 GB for the first line); we treat such a KVER as
# not matching. Each '+' doubles glibc's tree ("x+" is "x x*"), so a run of
# them is a bomb too (found by fuzz-config). The peak RSS of the run must stay
# under 256 MB; the address space is capped at 1 GB so that a regression fails
# quickly instead of eating the machine.
[ -x /usr/bin/time ] || bail_out "/usr/bin/time (package time) is needed"
plus=$(printf '+%.0s' $(seq 40))
fixture bomb a.conf "override m a{255}{255}{255} x\nexternal (a{99}){99}{99} /x\noverride n 1{2} y\noverride p a$plus z\noverride q ^11\\\\.[0-9]+\\\\.?[0-9]* w\n"
out=$( (ulimit -v 1048576; /usr/bin/time -f 'peak-rss-kb %M' "$TOOL" -v -C "$T/bomb" depmod 11.0) 2>&1)
rss=$(sed -n 's/^peak-rss-kb //p' <<<"$out")
check "a regex bomb as KVER is refused (peak RSS ${rss:-?} KB)" test "${rss:-999999999}" -lt 262144
check "a regex bomb as KVER does not match; a sane repeat still does" \
	test "$(grep -v '^peak-rss-kb' <<<"$out")" = "$(printf '%s\n' \
		"config-tool: INFO: $T/bomb/a.conf:1: override kernel did not match a{255}{255}{255}" \
		"config-tool: INFO: $T/bomb/a.conf:2: external directory did not match (a{99}){99}{99}" \
		"config-tool: INFO: $T/bomb/a.conf:4: override kernel did not match a$plus" \
		"search path updates" "override n y" "override q w")"

# A back-reference makes glibc's regexec backtrack: this KVER takes minutes
# against an 11-character version (found by fuzz-config); refused like the bombs.
# In the file a backslash escapes the next character, so "\\9" reaches regcomp as "\9".
br=$(printf '(.*)%.0s' $(seq 9); for i in $(seq 30); do printf '\\\\%d' 9 8 7 6 5 4 3 2 1; done)
mkdir -p "$T/backref"
printf 'override m %s x\noverride n ^11\\\\.0$ y\n' "$br" >"$T/backref/a.conf"
out=$(timeout 60 "$TOOL" -v -C "$T/backref" depmod 11.0 2>&1)
check "a KVER with back-references does not match, at once; an escape still does" \
	test "$out" = "$(printf '%s\n' \
		"config-tool: INFO: $T/backref/a.conf:1: override kernel did not match ${br//\\\\/\\}" \
		"search path updates" "override n y")"

# deliberate difference: what is not a regular file is not read (depmod 30 blocks
# for ever opening a FIFO named x.conf)
fixture fifo a.conf 'exclude foo\n'
mkfifo "$T/fifo/fifo.conf"
out=$(timeout 20 "$TOOL" -C "$T/fifo" depmod "$KVER" 2>"$T/fifo.err")
rc=$?
check "a FIFO named *.conf is skipped with a warning, the rest is read (exit $rc)" \
	test $rc -eq 0 -a "$out" = "$(printf 'search path updates\nexclude foo')" -a \
	"$(cat "$T/fifo.err")" = "config-tool: WARNING: $T/fifo/fifo.conf: not a regular file, ignored"

done_testing
