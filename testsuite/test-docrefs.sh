#!/bin/bash
# Every reference to the documentation resolves inside the repository.
# Files checked: the sources, tests, build fragments, man pages, benchmarks, scripts
# and docs (lib/ tools/ testsuite/ mk/ man/ bench/ scripts/ docs/, README.md,
# Makefile.am), as git lists them (tracked or new, not ignored), else as found.
#  1. Each docs/<name>.md mentioned exists.
#  2. Each section sign with a number ("docs/modprobe.md §5") names a numbered heading
#     ("## 5. Looking up a name", "### 9.1 Pre-order") of its file: the last
#     docs/<name>.md before it in the same file, or, in a docs/ file, the file itself
#     when no docs/<name>.md comes before it on the same line.
#  3. Each relative link "](<name>.md)" of a docs/ file leads to a file in docs/.
#  4. No file mentions the behaviour document the code was first written from, which
#     is not part of the repository.
#  5. The worked example of docs/index-format.md §9 is, byte for byte, what our index
#     writer produces from the entries given there, in both layouts.
# The test counts what it checked and fails when that is nothing.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"
export LC_ALL=C

cd "$top_srcdir" || bail_out "no source tree"
[ -d docs ] || bail_out "no docs/ in $top_srcdir"
tap_tmpdir
AREAS=(lib tools testsuite mk man bench scripts docs README.md Makefile.am)

# ---- the files, text only ----
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard -- "${AREAS[@]}" |
		xargs -0 -r grep -Il '' -- >"$TMPD/files" 2>/dev/null
else
	find "${AREAS[@]}" -type f ! -name '*.o' ! -name '*.a' ! -name '*.log' \
		! -name '*.trs' ! -path '*/.deps/*' -print0 2>/dev/null |
		xargs -0 -r grep -Il '' -- >"$TMPD/files" 2>/dev/null
fi
sort -u -o "$TMPD/files" "$TMPD/files"
n_files=$(wc -l <"$TMPD/files")
check "found $n_files text files to check" [ "$n_files" -gt 100 ]

# ---- the numbered headings of each doc ----
: >"$TMPD/sections"
for f in docs/*.md; do
	name=${f#docs/}
	grep -E '^#{1,6} +[0-9]+(\.[0-9]+)*\.?( |$)' "$f" |
		sed -E 's/^#+ +([0-9]+(\.[0-9]+)*).*/\1/' |
		sed "s|^|$name |" >>"$TMPD/sections"
done
dups=$(sort "$TMPD/sections" | uniq -d)
check "no numbered heading appears twice in a doc" [ -z "$dups" ]
[ -z "$dups" ] || diag "$dups"
n_sections=$(wc -l <"$TMPD/sections")
check "docs/ has $n_sections numbered headings" [ "$n_sections" -gt 0 ]

# ---- references: one line per file with references, then the bad ones ----
# output: "F<TAB>file<TAB>resolved<TAB>bad", "B<TAB>file:line: what", and
# "S<TAB>n": how many section references outside docs/ (and this test) resolved
xargs -d '\n' awk -v sections="$TMPD/sections" '
BEGIN {
	while ((getline l < sections) > 0) {
		split(l, a, " ")
		sec[a[1] " " a[2]] = 1
		doc[a[1]] = 1
	}
	# docs without numbered headings exist too
	while (("ls docs" | getline l) > 0)
		if (l ~ /\.md$/)
			doc[l] = 1
}
function bad(msg) {
	nbad[FILENAME]++
	printf "B\t%s:%d: %s\n", FILENAME, FNR, msg
}
function good() {
	nok[FILENAME]++
}
FNR == 1 {
	files[++nfiles] = FILENAME
	cur = ""
	curline = 0
	isdoc = FILENAME ~ /^docs\/[^\/]+\.md$/
	self = substr(FILENAME, 6)
}
{
	line = $0
	while (match(line, /docs\/[A-Za-z0-9_.-]+\.md|\]\([A-Za-z0-9_.-]+\.md|§[0-9]+(\.[0-9]+)*/)) {
		tok = substr(line, RSTART, RLENGTH)
		line = substr(line, RSTART + RLENGTH)
		if (tok ~ /^docs\//) {
			cur = substr(tok, 6)
			curline = FNR
			if (cur in doc)
				good()
			else
				bad("docs/" cur " does not exist")
		} else if (tok ~ /^\]\(/) {
			if (!isdoc)
				continue
			name = substr(tok, 3)
			if (name in doc)
				good()
			else
				bad("link to " name ", which is not in docs/")
		} else {
			num = substr(tok, 3)
			if (isdoc && curline != FNR)
				target = self
			else
				target = cur
			if (target == "")
				bad(tok " without a docs/<name>.md before it")
			else if ((target " " num) in sec) {
				good()
				if (!isdoc && FILENAME != "testsuite/test-docrefs.sh")
					ncode++
			}
			else
				bad("docs/" target " has no section " num)
		}
	}
}
END {
	for (i = 1; i <= nfiles; i++) {
		f = files[i]
		if (nok[f] + nbad[f] > 0)
			printf "F\t%s\t%d\t%d\n", f, nok[f], nbad[f]
	}
	printf "S\t%d\n", ncode
}' <"$TMPD/files" >"$TMPD/refs" || bail_out "awk failed"

total=0
while IFS=$'\t' read -r kind file resolved nbad; do
	[ "$kind" = F ] || continue
	total=$((total + resolved + nbad))
	if [ "$nbad" -eq 0 ]; then
		ok "$file: $resolved references resolve"
	else
		not_ok "$file: $nbad of $((resolved + nbad)) references do not resolve"
		grep "^B	$file:" "$TMPD/refs" | cut -f2 | diag
	fi
done <"$TMPD/refs"
n_cited=$(awk -F '\t' '$1 == "S" { n += $2 } END { print n + 0 }' "$TMPD/refs")
check "checked $total references; $n_cited section references outside docs/" \
	[ "$total" -gt 0 -a "$n_cited" -gt 0 ]

# ---- no mention of the outside document ----
for pat in "kmod-""behaviour" "shared/""reference" "/work/""shared"; do
	hits=$(xargs -d '\n' grep -l -F -e "$pat" -- <"$TMPD/files")
	check "no file mentions '$pat'" [ -z "$hits" ]
	[ -z "$hits" ] || diag "$hits"
done

# ---- the worked example of docs/index-format.md §9 ----
TOOL=$top_builddir/testsuite/index-tool
[ -x "$TOOL" ] || bail_out "no $TOOL: make check builds it"
# the entries: the "| `key` | `value` | priority |" rows of section 9
sed -n '/^## 9\./,/^### 9\.1/p' docs/index-format.md |
	sed -nE 's/^\| `([^`]+)` \| `([^`]+)` \| ([0-9]+) \|$/\1\t\3\t\2/p' >"$TMPD/entries"
check "docs/index-format.md §9 lists the example's entries ($(wc -l <"$TMPD/entries"))" \
	[ "$(wc -l <"$TMPD/entries")" -ge 2 ]

# doc_bytes LAYOUT: the hex bytes of the block after "<!-- index-example: LAYOUT -->";
# each line is an offset, then bytes up to the first word that is not a byte
doc_bytes() {
	awk -v want="<!-- index-example: $1 -->" '
	$0 == want { found = 1; next }
	found && /^```/ { if (inblock) exit; inblock = 1; next }
	inblock {
		off = strtonum_hex($1)
		if (off != count)
			printf "offset %s, expected %d\n", $1, count > "/dev/stderr"
		for (i = 2; i <= NF && $i ~ /^[0-9a-f][0-9a-f]$/; i++) {
			printf "%s", $i
			count++
		}
	}
	function strtonum_hex(s,   n, i) {
		n = 0
		for (i = 1; i <= length(s); i++)
			n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return n
	}' docs/index-format.md
}

for layout in preorder postorder; do
	flag=
	[ $layout = preorder ] && flag=-P
	"$TOOL" build $flag "$TMPD/$layout.bin" <"$TMPD/entries" ||
		bail_out "index-tool build $flag failed"
	ours=$(od -An -v -tx1 "$TMPD/$layout.bin" | tr -d ' \n')
	documented=$(doc_bytes $layout 2>"$TMPD/offsets")
	check "docs/index-format.md §9: the offsets of the $layout dump add up" \
		[ ! -s "$TMPD/offsets" ]
	diag <"$TMPD/offsets"
	if [ -n "$documented" ] && [ "$ours" = "$documented" ]; then
		ok "docs/index-format.md §9: the $layout dump is what our writer produces ($((${#ours} / 2)) bytes)"
	else
		not_ok "docs/index-format.md §9: the $layout dump differs from our writer's output"
		diag "writer: $ours" "doc:    $documented"
	fi
done

done_testing
