#!/bin/sh
# Print the kernel version the demo modules are built for and booted with:
# $KVER if set, else the newest version that has both a kbuild tree
# (/lib/modules/VER/build, from linux-headers-*) and /boot/vmlinuz-VER.
# With --headers-only, a kbuild tree is enough.
set -eu

if [ -n "${KVER:-}" ]; then
	echo "$KVER"
	exit 0
fi

need_image=1
[ "${1:-}" = "--headers-only" ] && need_image=0

found=$(for d in /lib/modules/*/build; do
	[ -f "$d/Makefile" ] || continue
	v=${d%/build}
	v=${v##*/}
	if [ "$need_image" = 1 ] && [ ! -f "/boot/vmlinuz-$v" ]; then
		continue
	fi
	echo "$v"
done | sort -V | tail -n 1)

if [ -z "$found" ]; then
	if [ "$need_image" = 1 ]; then
		echo "kver.sh: no kernel with both /lib/modules/VER/build and /boot/vmlinuz-VER" \
			"(install linux-image-amd64 and linux-headers-amd64)" >&2
	else
		echo "kver.sh: no kernel headers in /lib/modules/*/build" \
			"(install linux-headers-amd64)" >&2
	fi
	exit 1
fi
echo "$found"
