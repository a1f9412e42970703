#!/bin/bash
# The bash completion of the six tools: each tool gets a completion function, module
# names come from the tree's modules.dep, and the tool accepts every long option offered
# (getopt does not reject it; mymodprobe's --help also lists each).
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"
COMP=$top_srcdir/shell-completion/bash/mykmod
[ -f "$COMP" ] || bail_out "no $COMP"
KVER=$(debian_kver) || bail_out "no module tree under /lib/modules"
# shellcheck source=/dev/null
. "$COMP"
tap_tmpdir

# complete WORDS...: run the tool's function on the words (the last is completed)
complete_words() {
	local fn
	fn=$(complete -p "$1" 2>/dev/null | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	"$fn" 2>/dev/null
	printf '%s\n' "${COMPREPLY[@]}"
}

for t in mymodprobe mymodinfo mydepmod myinsmod myrmmod mylsmod; do
	check "$t has a completion function" sh -c "[ -L '$top_srcdir/shell-completion/bash/$t' ]"
	complete -p "$t" >/dev/null 2>&1 && ok "$t: complete -F registered" || not_ok "$t: complete -F registered"
	bin=$TOOLS/$t
	[ -x "$bin" ] || continue
	help=$("$bin" --help 2>&1)
	missing=
	for o in $(complete_words "$t" --); do
		case $o in --*) ;; *) continue ;; esac
		# "--opt --help": getopt rejects an unknown --opt before --help is seen
		err=$(cd "$TMPD" && timeout 10 "$bin" "$o" --help 2>&1 >/dev/null </dev/null)
		if grep -qE 'unrecognized option|invalid option' <<<"$err"; then
			missing="$missing $o"
		elif [ "$t" = mymodprobe ] && ! grep -q -- "$o\b" <<<"$help"; then
			missing="$missing $o(not in --help)"
		fi
	done
	if [ -z "$missing" ]; then ok "$t: every long option offered is accepted"; else
		not_ok "$t: options offered but rejected:$missing"; fi
done

out=$(complete_words mymodprobe -S "$KVER" ext)
check "mymodprobe -S KVER ext completes ext4 from modules.dep" grep -qx ext4 <<<"$out"
out=$(complete_words mymodprobe --show-d)
check "mymodprobe --show-d completes --show-depends" grep -qx -- --show-depends <<<"$out"
out=$(complete_words mymodprobe -S "$KVER" zzzz_no_such)
check "no module completion for an unknown prefix" test -z "$out"
out=$(complete_words mymodinfo -F auth)
check "mymodinfo -F auth completes author" grep -qx author <<<"$out"
done_testing
