#!/bin/bash
# The seed scenario on the real Debian kernel, with OUR tools: build the demo
# modules against the installed headers, pack them with tools/my* and busybox
# into an initramfs, boot /boot/vmlinuz-VER in QEMU (TCG, 1 vCPU) and report
# one TAP case per check of testsuite/qemu/init.
#
# Knobs: QEMU_TIMEOUT (s, default 180), QEMU_TOOLS=ours|kmod|busybox (default
# ours; the others are for working on the scenario itself), QEMU_OURS (with
# QEMU_TOOLS=kmod|busybox: the tools of ours to use anyway), QEMU_MODPROBE_D
# (where the guest writes its modprobe.d file, default /etc/modprobe.d).
# The serial log is kept in $top_builddir/testsuite/out/qemu-serial.log.
set -eu
. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/testsuite/tap.sh"

qemu_dir=$top_srcdir/testsuite/qemu
out=$top_builddir/testsuite/out
mode=${QEMU_TOOLS:-ours}
mkdir -p "$out"
tap_tmpdir

if [ "$mode" = ours ]; then
	missing=
	for t in mydepmod mymodprobe mymodinfo myinsmod myrmmod mylsmod; do
		[ -x "$TOOLS/$t" ] || missing="$missing tools/$t"
	done
	[ -z "$missing" ] || bail_out "our tools are not built, missing:$missing"
fi
for p in qemu-system-x86_64 busybox cpio xz zstd objcopy; do
	command -v "$p" >/dev/null || bail_out "$p not found (scripts/install-deps)"
done
kver=$("$top_srcdir/modules/kver.sh") || bail_out "no kernel with headers and image"
diag "kernel $kver, tools: $mode${QEMU_OURS:+, ours: $QEMU_OURS}"

# the modules: built where `make modules` builds them, shared with
# test-demo-modules.sh under a lock
stage=$TMPD/stage
if flock "$out" make -s -C "$top_srcdir/modules" KVER="$kver" BUILD_DIR="$top_builddir/modules" \
	INSTALL_MOD_PATH="$stage" modules_install >"$TMPD/build.log" 2>&1; then
	ok "demo modules build against the $kver headers"
else
	not_ok "demo modules build against the $kver headers"
	diag "$(tail -n 20 "$TMPD/build.log")"
	bail_out "cannot build the demo modules"
fi

if "$qemu_dir/mkinitramfs.sh" --kver "$kver" --modules "$stage" --tools "$mode" \
	--tools-dir "$TOOLS" ${QEMU_OURS:+--ours "$QEMU_OURS"} --modprobe-d "${QEMU_MODPROBE_D:-/etc/modprobe.d}" \
	"$TMPD/initramfs.cpio" >"$TMPD/mkinitramfs.log" 2>&1; then
	ok "initramfs with busybox, the $mode tools and the demo modules"
else
	not_ok "initramfs with busybox, the $mode tools and the demo modules"
	diag "$(cat "$TMPD/mkinitramfs.log")"
	bail_out "cannot build the initramfs"
fi

log=$out/qemu-serial.log
rc=0
"$qemu_dir/run.sh" --kver "$kver" --timeout "${QEMU_TIMEOUT:-180}" "$TMPD/initramfs.cpio" "$log" \
	2>"$TMPD/run.err" || rc=$?
if [ "$rc" -eq 0 ]; then
	ok "QEMU boots $kver and powers off"
else
	not_ok "QEMU boots $kver and powers off (status $rc)"
	diag "$(cat "$TMPD/run.err")"
fi

"$qemu_dir/results.sh" "$log" >"$TMPD/results" || true
nguest=$(grep -cE '^(PASS|FAIL|MISSING) ' "$TMPD/results")
check "the guest scenario defines checks ($nguest)" [ "$nguest" -ge 20 ]
while read -r res id desc; do
	case $res in
	PASS) ok "guest $id: $desc" ;;
	FAIL) not_ok "guest $id: $desc" ;;
	MISSING) not_ok "guest $id: no result (the guest did not get there)" ;;
	UNKNOWN) not_ok "guest reported an unknown check $id" ;;
	SUMMARY)
		case $id in
		ok) ok "guest summary: $desc" ;;
		*) not_ok "guest summary: $desc" ;;
		esac
		;;
	esac
done <"$TMPD/results"

if [ "$tap_failed" -gt 0 ]; then
	diag "serial log: $log; the transcript of the failed steps:"
	# every step with a failed check, so that the test log says why
	diag "$(awk '/^=== step /{ if (bad) printf "%s", buf; buf = ""; bad = 0 }
		{ buf = buf $0 "\n" }
		/^MYKMOD-CHECK [^ ]+ FAIL/{ bad = 1 }
		END { if (bad) printf "%s", buf }' "$log")"
fi
done_testing
