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
done_testing
