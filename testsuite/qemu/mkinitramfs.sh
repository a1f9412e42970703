#!/bin/bash
# mkinitramfs.sh [options] OUT.cpio
# Build the initramfs of the QEMU demo: busybox, the module tools under test,
# the demo modules and the kernel's modules.{order,builtin,builtin.modinfo},
# and testsuite/qemu/init as /init. No kmod goes in.
#
#   --kver VER         kernel version (default: modules/kver.sh)
#   --modules ROOT     staged modules: ROOT/lib/modules/VER/extra/*.ko* (required)
#   --tools ours       our tools from --tools-dir (default $top_builddir/tools):
#                      /sbin/mydepmod, mymodprobe, mymodinfo, myinsmod, myrmmod,
#                      mylsmod, with the shared libraries they need, those
#                      they load on demand too (tool-libs.sh)
#   --tools busybox    busybox's own applets (/sbin/modprobe -> busybox, ...), to
#                      develop the scenario before our tools exist
#   --tools kmod       Debian's kmod 30 (/usr/bin/kmod), the reference: a run
#                      with it checks the scenario's expectations themselves
#                      (every check must pass); never used by make check
#   --ours "T1 T2"     with --tools kmod or busybox: use our tools for these
#                      (e.g. "mymodinfo mydepmod"), to try each tool of ours in
#                      the guest as soon as it exists
#   --tools-dir DIR    where our tools are
#   --modprobe-d DIRS  where the guest writes its modprobe.d file (space-separated
#                      list; default /etc/modprobe.d)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}

kver=
modroot=
mode=ours
tools_dir=$top_builddir/tools
modprobe_d=/etc/modprobe.d
ours=
out=

die() {
	echo "mkinitramfs.sh: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case $1 in
	--kver) kver=$2; shift 2 ;;
	--modules) modroot=$2; shift 2 ;;
	--tools) mode=$2; shift 2 ;;
	--tools-dir) tools_dir=$2; shift 2 ;;
	--modprobe-d) modprobe_d=$2; shift 2 ;;
	--ours) ours=$2; shift 2 ;;
	-*) die "unknown option $1" ;;
	*) out=$1; shift ;;
	esac
done
[ -n "$out" ] || die "usage: mkinitramfs.sh [--kver VER] --modules ROOT [--tools ours|busybox] OUT.cpio"
[ -n "$kver" ] || kver=$("$top_srcdir/modules/kver.sh")
[ -n "$modroot" ] || die "--modules ROOT is required"
extra=$modroot/lib/modules/$kver/extra
[ -d "$extra" ] || die "no staged modules in $extra (make modules_install INSTALL_MOD_PATH=ROOT)"
kdir=/lib/modules/$kver
for f in modules.order modules.builtin modules.builtin.modinfo; do
	[ -f "$kdir/$f" ] || die "missing $kdir/$f (install linux-image-$kver)"
done
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || die "busybox not found (apt-get install busybox-static)"
if ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is dynamically linked; the initramfs needs busybox-static"
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/mykmod-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/modprobe.d,proc,sys,dev,tmp,run,lib/modules/"$kver"}
cp "$busybox" "$root/bin/busybox"
# every applet except the module tools: the guest must use the tools under test
for a in $("$busybox" --list); do
	case $a in
	busybox | depmod | modprobe | insmod | rmmod | lsmod | modinfo) continue ;;
	esac
	ln -s busybox "$root/bin/$a"
done

# copy_with_libs FILE DEST: FILE to DEST in the image, with the shared libraries it
# needs (testsuite/qemu/tool-libs.sh: ldd's, and those our tools load on demand)
copy_with_libs() {
	local lib
	install -m 0755 "$1" "$root$2"
	"$here/tool-libs.sh" "$1" | while read -r lib; do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

case $mode in
ours)
	missing=
	for t in mydepmod mymodprobe mymodinfo myinsmod myrmmod mylsmod; do
		[ -x "$tools_dir/$t" ] || missing="$missing $t"
	done
	[ -z "$missing" ] || die "our tools are missing in $tools_dir:$missing (build them first)"
	for t in mydepmod mymodprobe mymodinfo myinsmod myrmmod mylsmod; do
		copy_with_libs "$tools_dir/$t" "/sbin/$t"
	done
	cat >"$root/etc/mykmod-demo.env" <<EOF
MODE=ours
DEPMOD=/sbin/mydepmod
MODPROBE=/sbin/mymodprobe
MODINFO=/sbin/mymodinfo
INSMOD=/sbin/myinsmod
RMMOD=/sbin/myrmmod
LSMOD=/sbin/mylsmod
MODPROBE_D="$modprobe_d"
EOF
	;;
busybox)
	for t in depmod modprobe modinfo insmod rmmod lsmod; do
		ln -s ../bin/busybox "$root/sbin/$t"
	done
	cat >"$root/etc/mykmod-demo.env" <<EOF
MODE=busybox
DEPMOD=/sbin/depmod
MODPROBE=/sbin/modprobe
MODINFO=/sbin/modinfo
INSMOD=/sbin/insmod
RMMOD=/sbin/rmmod
LSMOD=/sbin/lsmod
MODPROBE_D="$modprobe_d"
EOF
	;;
kmod)
	kmod=$(command -v kmod || true)
	[ -n "$kmod" ] || die "kmod not found (apt-get install kmod)"
	# kmod picks the tool from the basename of argv[0]
	mkdir -p "$root/usr/lib/kmod-oracle"
	copy_with_libs "$kmod" /usr/bin/kmod
	for t in depmod modprobe modinfo insmod rmmod lsmod; do
		ln -s /usr/bin/kmod "$root/usr/lib/kmod-oracle/$t"
	done
	cat >"$root/etc/mykmod-demo.env" <<EOF
MODE=kmod
DEPMOD=/usr/lib/kmod-oracle/depmod
MODPROBE=/usr/lib/kmod-oracle/modprobe
MODINFO=/usr/lib/kmod-oracle/modinfo
INSMOD=/usr/lib/kmod-oracle/insmod
RMMOD=/usr/lib/kmod-oracle/rmmod
LSMOD=/usr/lib/kmod-oracle/lsmod
MODPROBE_D="$modprobe_d"
EOF
	;;
*)
	die "--tools must be ours, busybox or kmod"
	;;
esac

if [ -n "$ours" ]; then
	[ "$mode" != ours ] || die "--ours is for --tools kmod or busybox"
	for t in $ours; do
		case $t in
		mydepmod | mymodprobe | mymodinfo | myinsmod | myrmmod | mylsmod) ;;
		*) die "--ours: unknown tool $t" ;;
		esac
		[ -x "$tools_dir/$t" ] || die "--ours: $tools_dir/$t is not built"
		copy_with_libs "$tools_dir/$t" "/sbin/$t"
		var=$(echo "${t#my}" | tr a-z A-Z)
		echo "$var=/sbin/$t" >>"$root/etc/mykmod-demo.env"
	done
	echo "MODE=$mode+ours" >>"$root/etc/mykmod-demo.env"
fi

cp -a "$extra" "$root/lib/modules/$kver/extra"
for f in modules.order modules.builtin modules.builtin.modinfo; do
	cp "$kdir/$f" "$root/lib/modules/$kver/$f"
done
install -m 0755 "$here/init" "$root/init"

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs.sh: $out ($(du -k "$out" | cut -f1) KiB, tools: $mode${ours:+, ours: $ours}, kernel $kver)"
