#!/bin/bash
# transcript-diff.sh [OURS.log KMOD.log]
# Boot the scenario twice, with our tools and with Debian's kmod 30 in the
# guest, and diff the two transcripts: every command's output, exit status and
# the kernel messages, not only what the checks look at. Timestamps, addresses,
# pids, tool paths and names, and kernel messages whose count or order depends
# on timing (timer runs, thread iterations) are normalized away first.
# With two logs as arguments, only compares them.
#
# A developer tool (two boots, about a minute); make check runs test-qemu.sh,
# which boots once with our tools only. Known, deliberate differences: our
# mydepmod also writes modules.weakdep (kmod >= 33), and our messages carry no
# libkmod source location.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}

# the guest's output from its first line on (before it: firmware and boot noise)
normalize() {
	sed -n '/^MYKMOD-BEGIN/,$p' "$1" |
		sed -E -e 's/^\[ *[0-9]+\.[0-9]+\] //; s/^(  )\[ *[0-9]+\.[0-9]+\]/\1[T]/' \
		-e 's#/usr/lib/kmod-oracle/##g; s#/sbin/my##g' \
		-e 's/\bmy(depmod|modprobe|modinfo|insmod|rmmod|lsmod)\b/\1/g' \
		-e 's/^MYKMOD-BEGIN mode=[^ ]*/MYKMOD-BEGIN/' \
		-e 's/0x[0-9a-f]{16}/0xADDR/g; s/pid [0-9]+/pid N/g; s/thread [0-9]+$/thread N/' \
		-e 's/ [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2} / DATE /' |
		grep -vE 'iteration|fired on CPU|timer callback|done after|ran .* times|now idle|stopping after|so far|sending SIGUSR1|returned 0 after|count = \[|reboot: Power down'
}

if [ $# -eq 2 ]; then
	diff -u <(normalize "$2") <(normalize "$1") && echo "transcripts match"
	exit
fi

for t in mydepmod mymodprobe mymodinfo myinsmod myrmmod mylsmod; do
	[ -x "$top_builddir/tools/$t" ] || { echo "transcript-diff.sh: tools/$t is not built" >&2; exit 1; }
done
kver=$("$top_srcdir/modules/kver.sh")
work=$(mktemp -d "${TMPDIR:-/tmp}/mykmod-tdiff.XXXXXX")
trap 'rm -rf "$work"' EXIT
make -s -C "$top_srcdir/modules" KVER="$kver" BUILD_DIR="$top_builddir/modules" \
	INSTALL_MOD_PATH="$work/stage" modules_install
for mode in ours kmod; do
	"$here/mkinitramfs.sh" --kver "$kver" --modules "$work/stage" --tools "$mode" \
		--tools-dir "$top_builddir/tools" "$work/$mode.cpio" >/dev/null
	"$here/run.sh" --kver "$kver" "$work/$mode.cpio" "$work/$mode.log"
done
echo "--- kmod 30, +++ ours"
diff -u <(normalize "$work/kmod.log") <(normalize "$work/ours.log") && echo "transcripts match"
