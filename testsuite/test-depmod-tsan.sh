#!/bin/bash
# mydepmod built with ThreadSanitizer (testsuite/tsan/mykmod run as depmod): the
# walk's readers, the old cache read on a thread of its own, the cache's job
# (started before the symbol table is made, writing the new cache's body ahead,
# lib/depmod.c) beside the threads that make the index files, and the freeing
# on a thread of its own. On a symlinked copy of the installed Debian tree: a
# run without the cache, a first run, a warm run and a run after a module was
# added under updates/. Each: no race reported, exit 0, the index files those
# the plain build makes (its --check finds nothing to change), and after the
# first run the cache the plain build writes, byte for byte.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"
. "$top_srcdir/testsuite/depmod/lib.sh"

TSAN_BIN=$top_builddir/testsuite/tsan/mykmod
[ -x "$TSAN_BIN" ] || bail_out "$TSAN_BIN not built (make check builds it)"
[ -x "$MYDEPMOD" ] || bail_out "mydepmod not built: $MYDEPMOD"
tap_tmpdir
KV=$(debian_kver) || bail_out "no Debian module tree in /lib/modules"
SRC=/lib/modules/$KV
CACHE=modules.mykmod-cache.bin

# the multi-call binary is depmod when its name says so (tools/mykmod.c)
ln -s "$TSAN_BIN" "$TMPD/depmod"
T=$TMPD/root
D=$T/lib/modules/$KV
mkdir -p "$T/lib/modules"
cp -as "$SRC" "$T/lib/modules/" || bail_out "could not link $SRC"
# the copy's directories are new: 2 s on, both builds' caches list them
# (docs/depmod-cache.md §3), whenever each runs
sleep 2.2

# run DESC [ARGS...]: the TSan build on the copy reports no race, exits 0, and
# leaves the index files the plain build would make
run() {
	local desc=$1 rc=0 rc_check=0
	shift
	TSAN_OPTIONS="halt_on_error=0 exitcode=66" "$TMPD/depmod" "$@" -a -b "$T" "$KV" \
		>"$TMPD/out" 2>"$TMPD/err" || rc=$?
	"$MYDEPMOD" --check -a -b "$T" "$KV" >"$TMPD/check" 2>&1 || rc_check=$?
	if grep -q ThreadSanitizer "$TMPD/err"; then
		not_ok "$desc: a race reported"
		grep -m 20 -A 12 'WARNING: ThreadSanitizer' "$TMPD/err" | diag
	elif [ $rc != 0 ] || [ -s "$TMPD/err" ]; then
		not_ok "$desc: exit $rc"
		head -5 "$TMPD/err" | diag
	elif [ $rc_check != 0 ]; then
		not_ok "$desc: the plain build's --check exits $rc_check"
		head -5 "$TMPD/check" | diag
	else
		ok "$desc: no race, exit 0, the plain build's index files"
	fi
}

run "without the cache" --no-cache
rm -f "$D/$CACHE"
run "first run, the cache written" --cache
check "... the cache is there" test -s "$D/$CACHE"
cp "$D/$CACHE" "$TMPD/cache.tsan"
rm -f "$D/$CACHE"
"$MYDEPMOD" --cache -a -b "$T" "$KV" || bail_out "the plain build failed"
check "... the plain build writes the same cache, byte for byte" \
	cmp "$D/$CACHE" "$TMPD/cache.tsan"
run "warm run" --cache
first=$(head -n 1 "$D/modules.order")
mkdir -p "$D/updates/added"
cp "$(ls "$D/${first%.ko}".ko* | head -n 1)" "$D/updates/added/"
run "a module added under updates/" --cache
check "... which modules.dep now names" grep -q '^updates/added/' "$D/modules.dep"

done_testing
