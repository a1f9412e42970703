#!/bin/bash
# The bash completion of the six tools and mykmod: each tool gets a completion function, module
# names come from the tree's modules.dep, and the tool accepts every long option offered
# (getopt does not reject it; mymodprobe's --help also lists each).
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"
COMP=$top_srcdir/shell-completion/bash/mykmod
[ -f "$COMP" ] || bail_out "no $COMP"
KVER=$(debian_kver) || bail_out "no module tree under /lib/modules"
# shellcheck source=/dev/null
. "$COMP"
tap_tmpdir

# complete WORDS...: run the tool's function on the words (the last is completed);
# fails when the tool has no completion function. (The function's own status says
# nothing: it is compgen's, 1 when nothing matched; its stderr goes to the log.)
complete_words() {
	local fn
	fn=$(complete -p "$1" 2>/dev/null | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
	[ -n "$fn" ] && declare -F "$fn" >/dev/null || return 1
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	"$fn"
	printf '%s\n' "${COMPREPLY[@]}"
}

# rejected BIN [WORDS...] -- OPTS...: in REJECTED, the long options among OPTS that
# "BIN WORDS... OPT --help" refuses (getopt rejects an unknown --opt before --help
# is seen), in N_LONG how many long options OPTS held
rejected() {
	local bin=$1 words=() o err
	shift
	while [ "$1" != -- ]; do
		words+=("$1")
		shift
	done
	shift
	REJECTED=
	N_LONG=0
	for o; do
		case $o in --*) ;; *) continue ;; esac
		N_LONG=$((N_LONG + 1))
		err=$(cd "$TMPD" && timeout 10 "$bin" "${words[@]}" "$o" --help 2>&1 >/dev/null </dev/null)
		grep -qE 'unrecognized option|invalid option' <<<"$err" && REJECTED="$REJECTED $o"
	done
	return 0
}

for t in mymodprobe mymodinfo mydepmod myinsmod myrmmod mylsmod; do
	check "$t has a completion function" test -L "$top_srcdir/shell-completion/bash/$t"
	check "$t: complete -F registered" eval 'complete -p "$t" >/dev/null 2>&1'
	bin=$TOOLS/$t
	if [ ! -x "$bin" ]; then
		not_ok "$t: $bin is not built"
		continue
	fi
	help=$("$bin" --help 2>&1) || { not_ok "$t --help fails"; continue; }
	if ! opts=$(complete_words "$t" --); then
		not_ok "$t: the completion of '--' fails"
		continue
	fi
	rejected "$bin" -- $opts
	missing=$REJECTED
	n=$N_LONG
	if [ "$t" = mymodprobe ]; then
		for o in $opts; do
			case $o in --*) grep -q -- "$o\b" <<<"$help" || missing="$missing $o(not in --help)" ;; esac
		done
	fi
	if [ "$n" -eq 0 ]; then
		not_ok "$t: the completion offers no long option"
	elif [ -z "$missing" ]; then
		ok "$t: every long option offered ($n) is accepted"
	else
		not_ok "$t: options offered but rejected:$missing"
	fi
done

# completes DESC WANT WORDS...: the completion of WORDS succeeds and offers WANT
# exactly ("" for nothing at all)
completes() {
	local desc=$1 want=$2 out
	shift 2
	if ! out=$(complete_words "$@"); then
		not_ok "$desc: the completion fails"
	elif [ -z "$want" ]; then
		check "$desc" test -z "$out"
	else
		check "$desc" grep -qx -- "$want" <<<"$out"
	fi
}
completes "mymodprobe -S KVER ext completes ext4 from modules.dep" ext4 mymodprobe -S "$KVER" ext
completes "mymodprobe --show-d completes --show-depends" --show-depends mymodprobe --show-d
completes "no module completion for an unknown prefix" "" mymodprobe -S "$KVER" zzzz_no_such
completes "mymodinfo -F auth completes author" author mymodinfo -F auth

# mykmod: its commands, then each command's long options, each accepted by it
check "mykmod: complete -F registered" eval 'complete -p mykmod >/dev/null 2>&1'
completes "mykmod st completes static-nodes" static-nodes mykmod st
completes "mykmod static-nodes --format t completes tmpfiles" tmpfiles mykmod static-nodes --format t
completes "mykmod diff --only crc,sym completes crc,symbols" crc,symbols mykmod diff --only crc,sym
for cmd in static-nodes diff; do
	if ! opts=$(complete_words mykmod "$cmd" --); then
		not_ok "mykmod $cmd: the completion of '--' fails"
		continue
	fi
	rejected "$TOOLS/mykmod" "$cmd" -- $opts
	check "mykmod $cmd: every long option offered ($N_LONG) is accepted:$REJECTED" \
		test "$N_LONG" -gt 0 -a -z "$REJECTED"
done
done_testing
