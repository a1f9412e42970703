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
	if [ ! -s "$d/kmod.view" ]; then
		not_ok "$name: depmod logged nothing (no 'search add' line at least)"
	elif cmp -s "$d/kmod.view" "$d/our.view"; then
		ok "$name: search/override/external/exclude equal depmod's ($(wc -l <"$d/our.view") entries)"
	else
		n_diff=$((n_diff + 1))
		not_ok "$name: configuration differs from depmod's"
		diag "$(diff "$d/kmod.view" "$d/our.view")"
	fi
	conf_messages "$d/kmod.log" >"$d/kmod.msg"
	conf_messages "$d/our.log" >"$d/our.msg"
	if cmp -s "$d/kmod.msg" "$d/our.msg"; then
		ok "$name: messages equal depmod's ($(wc -l <"$d/our.msg") lines)"
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

diag "depmod.d: $n_cases configurations compared with depmod, $n_diff differences"

# unit checks of the API beyond what depmod logs
out=$("$TOOL" -C "$T/nosearch" depmod "$KVER" 2>/dev/null)
check "no search line: exactly one PATH 'updates'" test "$out" = "$(printf 'search path updates\nexclude foo')"
out=$("$TOOL" -C "$T/override" depmod 9.0 2>/dev/null | grep '^override' | tr '\n' ' ')
check "KVER is matched against the version given (9.0)" \
	test "$out" = "override mod-a extra override mod-c nomatch "
"$TOOL" -C "$T/override" depmod 9.0 >/dev/null 2>"$T/quiet.err"
check "INFO messages are not printed at the default level" test ! -s "$T/quiet.err"

done_testing
