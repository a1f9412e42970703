#!/bin/bash
# mykmod diff built with ThreadSanitizer (testsuite/tsan/mykmod): the two sides
# are loaded on two threads, a side read first lends its thread to the other's
# readers (lib/modtree-pair.c), and the comparison and the freeing are shared by
# two threads (lib/modtree-diff.c). Sides of very different sizes in both
# orders, of the same size, and NEW holding OLD's very files (read in turn), on
# the installed Debian tree: no race reported, and the report is the one of the
# plain build. The modules added or removed are also those find and comm tell.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"
. "$top_srcdir/testsuite/depmod/lib.sh"

TSAN=$top_builddir/testsuite/tsan/mykmod
MYKMOD=$TOOLS/mykmod
[ -x "$TSAN" ] || bail_out "$TSAN not built (make check builds it)"
[ -x "$MYKMOD" ] || bail_out "mykmod not built: $MYKMOD"
export LC_ALL=C
tap_tmpdir
KV=$(debian_kver) || bail_out "no Debian module tree in /lib/modules"
SRC=/lib/modules/$KV

# BIG: a symlinked copy of the tree; SMALL: a real copy of every 20th module;
# COPY: a real copy of BIG's drivers/net (the same size as NET, symlinked)
BIG=$TMPD/big/$KV SMALL=$TMPD/small/$KV NET=$TMPD/net/$KV COPY=$TMPD/copy/$KV
mkdir -p "$BIG" "$SMALL" "$NET/kernel/drivers" "$COPY/kernel/drivers"
cp -rs "$SRC/kernel" "$BIG/" || bail_out "could not link $SRC/kernel"
(cd "$SRC" && find kernel -name '*.ko*' | sort) >"$TMPD/all"
awk 'NR % 20 == 0' "$TMPD/all" >"$TMPD/some"
(cd "$SRC" && cpio -pdm --quiet "$SMALL") <"$TMPD/some" || bail_out "could not copy modules"
cp -rs "$SRC/kernel/drivers/net" "$NET/kernel/drivers/"
cp -r "$SRC/kernel/drivers/net" "$COPY/kernel/drivers/"
rm -f "$COPY/kernel/drivers/net/mii.ko"*

names() {
	sed -e 's|.*/||' -e 's|\.ko.*||' -e 's|-|_|g' | sort
}
names <"$TMPD/all" >"$TMPD/all.names"
names <"$TMPD/some" >"$TMPD/some.names"

# section LABEL: the detail lines under "LABEL:" in $TMPD/plain.out
section() {
	awk -v h="$1:" '$0 == h { on = 1; next } /^$/ { on = 0 } on { sub(/^  /, ""); print }' \
		"$TMPD/plain.out" | cut -d' ' -f1
}

# same DESC OLD NEW [OPTIONS...]: the TSan build reports no race and prints what
# the plain build prints, with its exit status
same() {
	local desc=$1 old=$2 new=$3 rc_t=0 rc_p=0
	shift 3
	TSAN_OPTIONS="halt_on_error=0 exitcode=66" "$TSAN" diff "$@" "$old" "$new" \
		>"$TMPD/tsan.out" 2>"$TMPD/tsan.err" || rc_t=$?
	"$MYKMOD" diff "$@" "$old" "$new" >"$TMPD/plain.out" 2>"$TMPD/plain.err" || rc_p=$?
	if grep -q ThreadSanitizer "$TMPD/tsan.err"; then
		not_ok "$desc: a race reported"
		grep -m 20 -A 12 'WARNING: ThreadSanitizer' "$TMPD/tsan.err" | diag
	elif [ "$rc_t" != "$rc_p" ] || ! cmp -s "$TMPD/tsan.out" "$TMPD/plain.out" ||
		! cmp -s "$TMPD/tsan.err" "$TMPD/plain.err"; then
		not_ok "$desc: differs from the plain build (status $rc_t, $rc_p)"
		diff "$TMPD/plain.out" "$TMPD/tsan.out" | head -5 | diag
	else
		ok "$desc: no race, the plain build's report (exit $rc_p)"
	fi
}

same "small OLD, big NEW" "$SMALL" "$BIG"
check "small OLD, big NEW: the modules added, those comm tells ($(comm -13 "$TMPD/some.names" "$TMPD/all.names" | wc -l))" \
	cmp -s <(section "modules added") <(comm -13 "$TMPD/some.names" "$TMPD/all.names")
same "big OLD, small NEW" "$BIG" "$SMALL"
check "big OLD, small NEW: the modules removed, those comm tells" \
	cmp -s <(section "modules removed") <(comm -23 "$TMPD/all.names" "$TMPD/some.names")
same "big OLD, small NEW, JSON" "$BIG" "$SMALL" --json
same "two sides of one size, one without mii" "$NET" "$COPY"
check "two sides of one size: mii removed" test "$(section "modules removed")" = mii
same "NEW symlinked to OLD's files (read in turn)" "$BIG" "$NET"

done_testing
