#!/bin/bash
# run.sh [--kver VER] [--timeout SEC] [--console] INITRD LOG
# Boot /boot/vmlinuz-VER with INITRD in QEMU (TCG, 1 vCPU, 512 MiB) and write
# the serial console, without \r, to LOG. With --console the log is also
# printed as it arrives. Exits with QEMU's status (124 on timeout).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
kver=
secs=${QEMU_TIMEOUT:-180}
console=0

while [ $# -gt 0 ]; do
	case $1 in
	--kver) kver=$2; shift 2 ;;
	--timeout) secs=$2; shift 2 ;;
	--console) console=1; shift ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 2 ] || { echo "usage: run.sh [--kver VER] [--timeout SEC] [--console] INITRD LOG" >&2; exit 2; }
initrd=$1
log=$2
[ -n "$kver" ] || kver=$("$top_srcdir/modules/kver.sh")
kernel=/boot/vmlinuz-$kver
[ -r "$kernel" ] || { echo "run.sh: cannot read $kernel (install linux-image-$kver)" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "run.sh: qemu-system-x86_64 not found (apt-get install qemu-system-x86)" >&2; exit 1; }

# TCG by default: the project machine has a /dev/kvm that does not work (the
# guest hangs in the firmware). QEMU_ACCEL=kvm where KVM really works.
accel=${QEMU_ACCEL:-tcg}

set +e
timeout --kill-after=10 "$secs" qemu-system-x86_64 \
	-machine accel=$accel -smp 1 -m 512 \
	-nographic -no-reboot -nic none \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 quiet loglevel=3 ${QEMU_APPEND:-}" \
	</dev/null 2>&1 | tr -d '\r' | if [ "$console" = 1 ]; then tee "$log"; else cat >"$log"; fi
status=${PIPESTATUS[0]}
set -e
if [ "$status" -eq 124 ]; then
	echo "run.sh: QEMU did not finish within $secs s (see $log)" >&2
fi
exit "$status"
