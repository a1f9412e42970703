#!/bin/bash
# mymodinfo --json (beyond kmod): one valid JSON object per module and line, holding
# the same fields as the text output. Each object is checked against the text output
# of the same module: file name, every single-valued key, repeated keys as arrays in
# order, and the parameters rendered the way -p prints them.
. "$top_srcdir/testsuite/tap.sh"
tap_tmpdir
MY=$TOOLS/mymodinfo
command -v jq > /dev/null || bail_out "jq is not installed"
kver=$(debian_kver) || bail_out "no Debian module tree"
jqe() { jq -e "$@" > /dev/null; }
find "/lib/modules/$kver/kernel" -name '*.ko' | sort | awk 'NR % 67 == 1' > "$TMPD/files"
mapfile -t files < "$TMPD/files"
[ "${#files[@]}" -ge 20 ] || bail_out "only ${#files[@]} modules picked"

"$MY" --json "${files[@]}" > "$TMPD/json" || not_ok "--json exit status"
lines=$(wc -l < "$TMPD/json")
check "one line per module (${#files[@]})" test "$lines" -eq "${#files[@]}"
check "every line is a JSON object" jqe 'type == "object"' "$TMPD/json"

bad=0
i=0
while IFS= read -r obj; do
	f=${files[$i]}
	i=$((i + 1))
	# the text output's key=value records (NUL-separated with -0; values may hold
	# newlines), as one JSON array of [key, value] pairs
	if ! "$MY" -0 "$f" > "$TMPD/text"; then
		bad=$((bad + 1))
		[ $bad -le 3 ] && diag "$f: mymodinfo -0 failed"
		continue
	fi
	want=$(jq -Rs 'split("\u0000") | map(select(length > 0 and
		(startswith("filename:") or startswith("parm:")) == false) |
		(index("=")) as $i | [.[0:$i], .[$i + 1:]])' "$TMPD/text")
	# the same pairs rebuilt from the object: arrays unrolled, in key order
	got=$(jq -c '[to_entries[] | select(.key != "filename" and .key != "parm") |
		.key as $k | (if (.value | type) == "array" then .value[] else .value end) |
		[$k, .]]' <<< "$obj")
	# compare as multisets per key, keeping each key's value order
	if [ "$(jq -c 'group_by(.[0]) | map({(.[0][0]): map(.[1])}) | add' <<< "$want")" != \
		"$(jq -c 'group_by(.[0]) | map({(.[0][0]): map(.[1])}) | add' <<< "$got")" ]; then
		bad=$((bad + 1))
		[ $bad -le 3 ] && diag "$f: fields differ"
		continue
	fi
	[ "$(jq -r .filename <<< "$obj")" = "$f" ] || { bad=$((bad + 1)); [ $bad -le 3 ] && diag "$f: filename"; }
	want=$("$MY" -p "$f") || { bad=$((bad + 1)); [ $bad -le 3 ] && diag "$f: mymodinfo -p failed"; }
	got=$(jq -r '.parm // [] | .[] | if .description == null then "\(.name): (\(.type))"
		elif .type == null then "\(.name):\(.description)"
		else "\(.name):\(.description) (\(.type))" end' <<< "$obj")
	[ "$want" = "$got" ] || { bad=$((bad + 1)); [ $bad -le 3 ] && diag "$f: parameters differ"; }
done < "$TMPD/json"
check "${#files[@]} objects hold the same fields as the text output ($bad differ)" \
	test $bad -eq 0 -a "$i" -eq "${#files[@]}"

# builtin modules and -F
out=$("$MY" -k "$kver" --json unix) || not_ok "--json unix: exit $?"
check "builtin: name and filename (builtin)" jqe '.name == "unix" and .filename == "(builtin)"' <<< "$out"
out=$("$MY" --json -F license "${files[0]}") || not_ok "--json -F license: exit $?"
check "-F limits the object to that field" jqe 'keys == ["license"]' <<< "$out"

# bytes that are not UTF-8 (older and out-of-tree modules have Latin-1 in author=):
# each is shown as the Latin-1 character (lib/json.h), and the line still parses
ELFGEN=$top_builddir/testsuite/elfgen
[ -x "$ELFGEN" ] || bail_out "no $ELFGEN"
"$ELFGEN" -o "$TMPD/latin1.ko" --modinfo name=latin1 --modinfo "$(printf 'author=J\xe9n Kara')" \
	--modinfo "$(printf 'description=\xff\xc3(\xe2\x82 \xed\xa0\x80 ok \xc3\xa9 \xf0\x9f\x90\xa7')" \
	|| bail_out "elfgen latin1.ko"
out=$("$MY" --json "$TMPD/latin1.ko") || not_ok "--json on Latin-1 fields: exit $?"
check "a Latin-1 byte is shown as its character: the author is 'J\u00e9n Kara'" \
	jqe '.author == "J\u00e9n Kara"' <<< "$out"
check "invalid sequences byte by byte, valid UTF-8 kept" \
	jqe '.description == "\u00ff\u00c3(\u00e2\u0082 \u00ed\u00a0\u0080 ok \u00e9 \ud83d\udc27"' <<< "$out"
check "the output is valid UTF-8 (iconv)" iconv -f UTF-8 -t UTF-8 -o /dev/null <<< "$out"
done_testing
