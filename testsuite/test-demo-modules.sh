#!/bin/bash
# The demo modules on the host, differential against Debian's kmod 30:
#  - mymodinfo on each demo module file (plain, .ko.xz, .ko.zst, and the one
#    with the rewritten vermagic) prints what modinfo prints;
#  - mydepmod over a tree holding the Debian kernel's modules plus the demo
#    modules in extra/ writes the same files, byte for byte, as depmod (and, a
#    deliberate difference of the project, a modules.weakdep as kmod >= 33 does:
#    here the header alone, as no module has a weakdep);
#  - mymodinfo by name in that tree matches modinfo by name.
# The modules are built at test time against the installed headers.
#
# MYMODINFO / MYDEPMOD choose the tools under test (default: ours in tools/);
# setting them to /usr/sbin/modinfo and /usr/sbin/depmod checks the test itself.
set -eu
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/testsuite/tap.sh"

out=$top_builddir/testsuite/out
mkdir -p "$out"
tap_tmpdir

REF_MODINFO=/usr/sbin/modinfo
REF_DEPMOD=/usr/sbin/depmod
MYMODINFO=${MYMODINFO:-$TOOLS/mymodinfo}
MYDEPMOD=${MYDEPMOD:-$TOOLS/mydepmod}
for t in "$REF_MODINFO" "$REF_DEPMOD"; do
	[ -x "$t" ] || bail_out "the oracle $t is missing (scripts/install-deps installs kmod)"
done
kver=$("$top_srcdir/modules/kver.sh" --headers-only) || bail_out "no kernel headers"
kdir=/lib/modules/$kver
[ -d "$kdir/kernel" ] || bail_out "no module tree in $kdir (install linux-image-$kver)"

stage=$TMPD/stage
if flock "$out" make -s -C "$top_srcdir/modules" KVER="$kver" BUILD_DIR="$top_builddir/modules" \
	INSTALL_MOD_PATH="$stage" modules_install >"$TMPD/build.log" 2>&1; then
	ok "demo modules build against the $kver headers"
else
	not_ok "demo modules build against the $kver headers"
	diag "$(tail -n 20 "$TMPD/build.log")"
	bail_out "cannot build the demo modules"
fi
extra=$stage/lib/modules/$kver/extra
files=$(cd "$extra" && ls)
diag "modules: $(echo $files)"
# the set itself: a module that silently failed to build or install is a failure
for m in signal_handling.ko send_signal.ko timer_demo.ko kt.ko kthread_demo.ko \
	vermagic_mismatch.ko comp_xz.ko.xz comp_zstd.ko.zst; do
	check "staged extra/$m" [ -s "$extra/$m" ]
done
for f in $files; do
	fields=
	for k in license author description; do
		[ -n "$("$REF_MODINFO" -F "$k" "$extra/$f")" ] || fields="$fields $k"
	done
	# "name:description (type)"; without MODULE_PARM_DESC it is "name: (type)"
	"$REF_MODINFO" -F parm "$extra/$f" | grep -Eq '^[a-z_0-9]+:[^ (]' || fields="$fields parm"
	check "$f has license, author, description and a documented parameter${fields:+ (missing:$fields)}" \
		[ -z "$fields" ]
done
check "send_signal.ko depends on signal_handling (modinfo)" \
	[ "$("$REF_MODINFO" -F depends "$extra/send_signal.ko")" = signal_handling ]
check "vermagic_mismatch.ko has other vermagic flags than kt.ko" \
	[ "$("$REF_MODINFO" -F vermagic "$extra/vermagic_mismatch.ko")" != \
		"$("$REF_MODINFO" -F vermagic "$extra/kt.ko")" ]
check "comp_xz.ko.xz is xz data" sh -c "xz -t '$extra/comp_xz.ko.xz'"
check "comp_zstd.ko.zst is zstd data" sh -c "zstd -q -t '$extra/comp_zstd.ko.zst'"

# same_run DESC -- REF_CMD... -- OUR_CMD...: same stdout, same exit status, and
# the same stderr once the program name is taken off each line
same_run() {
	local desc=$1 ref=() ours=() rs=0 os=0
	shift 2
	while [ "$1" != -- ]; do ref+=("$1"); shift; done
	shift
	ours=("$@")
	"${ref[@]}" >"$TMPD/ref.out" 2>"$TMPD/ref.err" || rs=$?
	"${ours[@]}" >"$TMPD/our.out" 2>"$TMPD/our.err" || os=$?
	sed -i 's/^[^: ]*: //' "$TMPD/ref.err" "$TMPD/our.err"
	if [ "$rs" = "$os" ] && cmp -s "$TMPD/ref.out" "$TMPD/our.out" &&
		cmp -s "$TMPD/ref.err" "$TMPD/our.err"; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "exit status: kmod $rs, ours $os"
		diag "$(diff -u "$TMPD/ref.out" "$TMPD/our.out" | head -n 20)"
		diag "$(diff -u "$TMPD/ref.err" "$TMPD/our.err" | head -n 10)"
	fi
}

have_modinfo=1
have_depmod=1
[ -x "$MYMODINFO" ] || { have_modinfo=0; not_ok "$MYMODINFO is not built: modinfo comparisons not run"; }
[ -x "$MYDEPMOD" ] || { have_depmod=0; not_ok "$MYDEPMOD is not built: depmod comparison not run"; }

if [ "$have_modinfo" = 1 ]; then
	for f in $files; do
		same_run "mymodinfo $f matches modinfo" -- \
			"$REF_MODINFO" "$extra/$f" -- "$MYMODINFO" "$extra/$f"
		same_run "mymodinfo -F parm $f matches modinfo" -- \
			"$REF_MODINFO" -F parm "$extra/$f" -- "$MYMODINFO" -F parm "$extra/$f"
		same_run "mymodinfo -0 $f matches modinfo" -- \
			"$REF_MODINFO" -0 "$extra/$f" -- "$MYMODINFO" -0 "$extra/$f"
	done
fi

# two identical trees (symlinks: hard links would change the link count, and so
# the ctime, of every installed module under the tests that run meanwhile and
# compare mydepmod's cache, docs/depmod-cache.md §3): the Debian modules, the
# kernel's lists and extra/
mktree() {
	local t=$1/lib/modules/$kver
	mkdir -p "$t"
	cp -as "$kdir/kernel" "$t/kernel"
	cp -a "$extra" "$t/extra"
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		cp "$kdir/$f" "$t/$f"
	done
}
ref=$TMPD/ref
ours=$TMPD/ours
mktree "$ref"
mktree "$ours"

rs=0
"$REF_DEPMOD" -b "$ref" "$kver" >"$TMPD/depmod-ref.log" 2>&1 || rs=$?
grep -qx 'extra/send_signal.ko: extra/signal_handling.ko' "$ref/lib/modules/$kver/modules.dep" ||
	bail_out "depmod's modules.dep lacks the send_signal line: the test tree is wrong"

if [ "$have_depmod" = 1 ]; then
	os=0
	"$MYDEPMOD" -b "$ours" "$kver" >"$TMPD/depmod-our.log" 2>&1 || os=$?
	check "mydepmod -b TREE exits like depmod (kmod $rs, ours $os)" [ "$rs" = "$os" ]
	sed -i 's/^[^: ]*: //' "$TMPD/depmod-ref.log" "$TMPD/depmod-our.log"
	check "mydepmod prints the same messages as depmod" \
		cmp -s "$TMPD/depmod-ref.log" "$TMPD/depmod-our.log"
	(cd "$ref/lib/modules/$kver" && ls modules.* | LC_ALL=C sort) >"$TMPD/ref.files"
	# by design: modules.weakdep (kmod >= 33), checked on its own
	(cd "$ours/lib/modules/$kver" && ls modules.* | grep -vx 'modules.weakdep' |
		LC_ALL=C sort) >"$TMPD/our.files"
	# under -b, mydepmod's cache is written only when asked (docs/depmod-cache.md §5)
	check "mydepmod -b TREE wrote no cache of its own" \
		test ! -e "$ours/lib/modules/$kver/modules.mykmod-cache.bin"
	weak=$ours/lib/modules/$kver/modules.weakdep
	check "mydepmod's modules.weakdep (kmod >= 33; not in kmod 30) is the header alone" \
		cmp -s "$weak" <(echo '# Weak dependencies extracted from modules themselves.')
	if cmp -s "$TMPD/ref.files" "$TMPD/our.files"; then
		ok "mydepmod writes the same set of files as depmod"
	else
		not_ok "mydepmod writes the same set of files as depmod"
		diag "$(diff "$TMPD/ref.files" "$TMPD/our.files")"
	fi
	for f in $(cat "$TMPD/ref.files"); do
		case $f in
		modules.order | modules.builtin | modules.builtin.modinfo) continue ;;
		esac
		if cmp -s "$ref/lib/modules/$kver/$f" "$ours/lib/modules/$kver/$f"; then
			ok "mydepmod's $f is identical to depmod's"
		else
			not_ok "mydepmod's $f is identical to depmod's"
			diag "$(cmp "$ref/lib/modules/$kver/$f" "$ours/lib/modules/$kver/$f" 2>&1)"
		fi
	done
fi

if [ "$have_modinfo" = 1 ]; then
	# by name, through the indexes depmod wrote (the reference tree for both)
	for m in send_signal signal_handling comp_xz comp_zstd demo-kt-timer no_such_module; do
		same_run "mymodinfo -b TREE $m matches modinfo" -- \
			"$REF_MODINFO" -b "$ref" -k "$kver" "$m" -- \
			"$MYMODINFO" -b "$ref" -k "$kver" "$m"
	done
fi
done_testing
