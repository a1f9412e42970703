#!/bin/bash
# The shell tests must not be able to pass while the code is wrong. Two shapes that
# did are refused in every testsuite/**/*.sh:
#  - `check DESC A && B` (or ||, |, ;): check runs A alone, B's result is lost;
#    a compound condition goes in one command: `test X -a Y`, `eval '...'`;
#  - a `| grep` inside the command given to check (eval '...', bash -c "..."):
#    the status of what feeds grep is lost, so a crash or a sanitizer report
#    that still prints the line passes; run it first, then look at status and
#    output apart.
# Each offending line is reported as FILE:LINE.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"
command -v python3 >/dev/null || bail_out "python3 is needed"

lint() {
	python3 - "$@" <<'PY'
import re
import sys


def logical_lines(text):
    """(first line number, text) of each line, continuations and quotes joined"""
    out, buf, start, quote = [], "", 0, None
    for n, line in enumerate(text.split("\n"), 1):
        if not buf:
            start = n
        buf += line + "\n"
        i = 0
        while i < len(line):
            c = line[i]
            if quote is None and c == "#" and (i == 0 or line[i - 1] in " \t"):
                break
            if quote is None and c in "'\"":
                quote = c
            elif quote == c and (c == "'" or line[i - 1] != "\\"):
                quote = None
            elif c == "\\" and quote != "'":
                i += 1
            i += 1
        if quote is None and not line.endswith("\\"):
            out.append((start, buf))
            buf = ""
    return out


def top_level_ops(cmd):
    """the operators outside quotes and parentheses: &&, ||, |, ;"""
    ops, quote, i = [], [], 0
    while i < len(cmd):
        c, two = cmd[i], cmd[i:i + 2]
        if quote and quote[-1] == "'":
            if c == "'":
                quote.pop()
        elif c == "\\":
            i += 1
        elif quote and quote[-1] == '"':
            if c == '"':
                quote.pop()
            elif two == "$(":
                quote.append("(")
                i += 1
        elif c in "'\"":
            quote.append(c)
        elif two in ("$(", "<(", ">("):
            quote.append("(")
            i += 1
        elif c == "(":
            quote.append("(")
        elif c == ")" and quote:
            quote.pop()
        elif two in ("&&", "||"):
            if not quote:
                ops.append(two)
            i += 1
        elif c in "|;" and cmd[i - 1:i] != ">" and not quote:
            ops.append(c)
        i += 1
    return ops


CHECK = re.compile(r"^\s*check\s")
bad = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    for n, line in logical_lines(text):
        if not CHECK.match(line):
            continue
        ops = top_level_ops(line.rstrip("\n"))
        if ops:
            print("%s:%d: check followed by %s: only the first command is checked"
                  % (path, n, " ".join(sorted(set(ops)))))
            bad += 1
        elif re.search(r"\|\s*grep\b", line) and "pipefail" not in line:
            print("%s:%d: check of a pipe into grep: the status of its input is lost"
                  % (path, n))
            bad += 1
sys.exit(1 if bad else 0)
PY
}

cd "$top_srcdir" || bail_out "no source tree"
mapfile -t scripts < <(find testsuite -path testsuite/out -prune -o -name '*.sh' -print | sort)
check "shell scripts found under testsuite/ (${#scripts[@]})" [ "${#scripts[@]}" -ge 30 ]
if out=$(lint "${scripts[@]}"); then
	ok "no check with a lost status in ${#scripts[@]} scripts"
else
	not_ok "checks with a lost status"
	diag "$out"
fi

# the linter itself finds the shapes it is for (and only them)
tap_tmpdir
cat >"$TMPD/bad.sh" <<'EOF'
check "two tests" [ "$a" -ge 1 ] && [ "$b" -ge 2 ]
check "or" test -f x || bail_out "x"
check "a pipe" \
	bash -c "tool | grep -q ok"
check "eval pipe" eval '! tool | grep -q bad'
EOF
cat >"$TMPD/good.sh" <<'EOF'
check "one test" test "$a" -ge 1 -a "$b" -ge 2
check "compound" eval '[ "$a" = 1 ] && [ "$b" = 2 ]'
check "substitution" test "$(grep -c x "$f" | tr -d ' ')" = 1
check "process substitution" cmp -s a <(sort b | uniq)
check "quoted" grep -qx 'a && b || c | d' "$f"
check "pipefail" bash -c "set -o pipefail; tool | grep -q ok"
x=1 && check "after" true
EOF
out=$(lint "$TMPD/bad.sh")
check "the linter flags each of the 4 bad shapes" test "$(grep -c . <<<"$out")" -eq 4
check "the linter passes the 7 good ones" lint "$TMPD/good.sh"
done_testing
