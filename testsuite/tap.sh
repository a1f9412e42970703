# TAP helpers for the shell tests; source this file.
# Each check prints one "ok"/"not ok" line; finish with done_testing.
set -u
# A test that runs make (kbuild, a sanitizer build) must not inherit the jobserver
# of the `make -j check` that started it: its descriptors are not passed down.
unset MAKEFLAGS MFLAGS MAKELEVEL
tap_n=0
tap_failed=0

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}

# check DESCRIPTION COMMAND...: ok when COMMAND succeeds
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# diag MESSAGE... or: command | diag
diag() {
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@" | sed 's/^/# /'
	else
		sed 's/^/# /'
	fi
}

bail_out() {
	echo "Bail out! $*"
	exit 1
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
TOOLS="$top_builddir/tools"

# The installed Debian kernel's module tree, the reference for differential tests.
# Prints its version; the tests need it, so its absence is a failure, not a skip.
debian_kver() {
	local d v best=
	for d in /lib/modules/*/; do
		[ -f "$d/modules.order" ] && [ -d "$d/kernel" ] || continue
		v=$(basename "$d")
		best=$v
	done
	[ -n "$best" ] || return 1
	echo "$best"
}

# a scratch directory removed at exit
tap_tmpdir() {
	TMPD=$(mktemp -d "${TMPDIR:-/tmp}/mykmod-test.XXXXXX")
	trap 'rm -rf "$TMPD"' EXIT
}
