#!/bin/bash
# The fake kernel against the real one: the same sequence of insmod/rmmod/lsmod calls
# and sysfs/procfs reads runs in QEMU on Debian's kernel, with real modules built by
# kbuild, and on the fake kernel with the same .ko files. The transcripts (outputs and
# exit codes) must be equal, except for sizes, addresses and the order of lists read
# with readdir(). In QEMU the sequence also runs with kmod's tools, which must give
# our tools' transcript byte for byte (but for libkmod's own log lines, which carry
# its source location, and the load addresses in /proc/modules, which our tools
# never print).
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"

FK=$top_builddir/testsuite/fakekernel/fakekernel.so
[ -e "$FK" ] || bail_out "$FK not built"
for t in myinsmod myrmmod mylsmod; do [ -x "$TOOLS/$t" ] || bail_out "$TOOLS/$t not built"; done
KVER=$(debian_kver) || bail_out "no Debian kernel module tree"
VMLINUZ=/boot/vmlinuz-$KVER
KDIR=/lib/modules/$KVER/build
[ -r "$VMLINUZ" ] || bail_out "no $VMLINUZ (linux-image-amd64)"
[ -d "$KDIR" ] || bail_out "no $KDIR (linux-headers-amd64)"
for p in qemu-system-x86_64 cpio busybox make xz; do
	command -v $p >/dev/null || bail_out "$p missing"
done
tap_tmpdir

# ---- three real modules: fk_a exports a function and has parameters; fk_b and fk_c use it
M=$TMPD/mods
mkdir -p "$M"
cat >"$M/fk_a.c" <<'C'
#include <linux/module.h>
static int x;
module_param(x, int, 0444);
int fk_a_value(void) { return x; }
EXPORT_SYMBOL(fk_a_value);
MODULE_LICENSE("GPL");
C
for m in fk_b fk_c; do
	cat >"$M/$m.c" <<C
#include <linux/module.h>
extern int fk_a_value(void);
static int y;
module_param(y, int, 0444);
static int __init ${m}_init(void) { return fk_a_value() < 0; }
static void __exit ${m}_exit(void) { }
module_init(${m}_init);
module_exit(${m}_exit);
MODULE_LICENSE("GPL");
C
done
echo 'obj-m := fk_a.o fk_b.o fk_c.o' >"$M/Kbuild"
if ! make -s -C "$KDIR" M="$M" modules >"$TMPD/kbuild.log" 2>&1; then
	diag "$(tail -20 "$TMPD/kbuild.log")"
	bail_out "kbuild failed"
fi
xz -k "$M/fk_c.ko"
ok "three modules built with kbuild"

# ---- the sequence, for busybox sh in the guest and for sh on the fake kernel
cat >"$TMPD/seq.sh" <<'SH'
step() { echo "\$ $*"; "$@" 2>&1; echo "exit $?"; }
step $B/insmod /m/fk_b.ko
step $B/insmod /m/fk_a.ko x=5
step $B/insmod /m/fk_a.ko
step $B/insmod /m/fk_b.ko y=abc
step $B/insmod /m/fk_b.ko y=2 bogus=1
step $B/insmod /m/fk_c.ko.xz
step $B/lsmod
step cat /sys/module/fk_a/refcnt /sys/module/fk_a/parameters/x /sys/module/fk_b/parameters/y
step cat /sys/module/fk_a/initstate
ls /sys/module/fk_a/holders | sort
step cat /proc/modules
step $B/rmmod fk_a
step $B/rmmod -f fk_a
step $B/rmmod fk_b
step cat /sys/module/fk_a/refcnt
step $B/rmmod fk_c fk_a fk_a
step $B/lsmod
step cat /proc/modules
step $B/insmod -f /m/fk_a.ko
step $B/insmod -f /m/fk_c.ko.xz
step cat /proc/modules /sys/module/fk_a/taint /sys/module/fk_c/taint
step $B/rmmod fk_c fk_a
SH

# ---- the real kernel
I=$TMPD/initrd
mkdir -p "$I/bin" "$I/m" "$I/proc" "$I/sys" "$I/dev"
cp "$M"/fk_a.ko "$M"/fk_b.ko "$M"/fk_c.ko.xz "$I/m/"
cp "$(command -v busybox)" "$I/bin/busybox"
for a in sh cat ls sort sed mount poweroff echo grep; do ln -s busybox "$I/bin/$a"; done
# busybox sh prefers its own applets: the tools are called by absolute path, $B/insmod
mkdir -p "$I/my" "$I/kmod"
KMOD=$(readlink -f /usr/sbin/insmod)
for t in insmod rmmod lsmod; do
	cp "$TOOLS/my$t" "$I/my/$t"
	ln -s /bin/kmod "$I/kmod/$t"
done
cp "$KMOD" "$I/bin/kmod"
# (with the libraries our tools load only when a file needs them: tool-libs.sh)
libs=$("$top_srcdir/testsuite/qemu/tool-libs.sh" "$TOOLS"/myinsmod "$TOOLS"/myrmmod \
	"$TOOLS"/mylsmod "$KMOD") || bail_out "tool-libs.sh failed"
for lib in $libs; do
	mkdir -p "$I$(dirname "$lib")"
	cp -L "$lib" "$I$lib"
done
cp "$TMPD/seq.sh" "$I/seq.sh"
cat >"$I/init" <<'SH'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "==BEGIN=="
B=/my sh /seq.sh
echo "==END=="
echo "==BEGIN KMOD=="
B=/kmod sh /seq.sh
echo "==END KMOD=="
poweroff -f
SH
chmod +x "$I/init"
(cd "$I" && find . | cpio -o -H newc --quiet) >"$TMPD/initrd.cpio" || bail_out "cpio"
timeout 300 qemu-system-x86_64 -m 512 -nographic -no-reboot -kernel "$VMLINUZ" \
	-initrd "$TMPD/initrd.cpio" -append "console=ttyS0 panic=-1 quiet loglevel=0" \
	</dev/null >"$TMPD/serial.log" 2>&1
tr -d '\r' <"$TMPD/serial.log" | sed -n '/==BEGIN==/,/==END==/p' | sed '1d;$d' >"$TMPD/real"
tr -d '\r' <"$TMPD/serial.log" | sed -n '/==BEGIN KMOD==/,/==END KMOD==/p' | sed '1d;$d' |
	sed 's|^\$ /kmod/|$ /my/|' >"$TMPD/real-kmod"
if [ -s "$TMPD/real" ]; then ok "the sequence ran in QEMU"; else
	not_ok "the sequence ran in QEMU"
	diag "$(tail -c 3000 "$TMPD/serial.log")"
fi

# ---- the fake kernel
R=$TMPD/rootfs
mkdir -p "$R/proc" "$R/sys/module" "$R/m" "$TMPD/bin"
: >"$R/proc/modules"
cp "$M"/fk_a.ko "$M"/fk_b.ko "$M"/fk_c.ko.xz "$R/m/"
cp "$TMPD/seq.sh" "$R/seq.sh"
mkdir -p "$TMPD/my"
for t in insmod rmmod lsmod; do ln -s "$TOOLS/my$t" "$TMPD/my/$t"; done
(cd "$R" && B=$TMPD/my FAKEKERNEL_PASSTHROUGH=$TMPD/my LD_PRELOAD=$FK FAKEKERNEL_ROOTFS=$R FAKEKERNEL_UNAME_R=$KVER \
	sh seq.sh) >"$TMPD/fake" 2>&1

# Sizes and addresses differ by design. Lists read with readdir() (lsmod's "Used
# by", rmmod's "in use by:") come in kernfs order on sysfs and in another on the fake
# rootfs: they are sorted. /proc/modules users keep the kernel's order.
norm() {
	local line head list
	sed -E -e 's/^(fk_[a-c]) +[0-9]+ /\1 SIZE /' -e 's/ 0x[0-9a-f]+/ 0xADDR/' |
		while IFS= read -r line; do
			if [[ $line =~ ^(fk_[a-c]\ SIZE\ +[0-9]+\ )([a-z_,]+)$ ]]; then
				head=${BASH_REMATCH[1]} list=${BASH_REMATCH[2]}
				line=$head$(tr , '\n' <<<"$list" | sort | paste -sd, -)
			elif [[ $line =~ ^(.*in\ use\ by:\ )(.*)$ ]]; then
				head=${BASH_REMATCH[1]} list=${BASH_REMATCH[2]}
				line=$head$(tr ' ' '\n' <<<"$list" | sort | paste -sd' ' -)
			fi
			printf '%s\n' "$line"
		done
}
norm <"$TMPD/real" >"$TMPD/real.n"
sed "s|^\\\$ $TMPD/my/|\$ /my/|" "$TMPD/fake" | norm >"$TMPD/fake.n"
if cmp -s "$TMPD/real.n" "$TMPD/fake.n"; then
	ok "fake kernel transcript equals the real kernel's ($(grep -c '^\$ ' "$TMPD/real.n") steps)"
else
	not_ok "fake kernel transcript equals the real kernel's"
	diag "--- real kernel / +++ fake kernel" "$(diff -u "$TMPD/real.n" "$TMPD/fake.n" | sed 1,2d)"
fi
# Ours against kmod's on the same kernel: no normalisation of sizes, padding or
# holder order, which are our tools' output. Only the address column of `cat
# /proc/modules` (each load may land elsewhere) is masked.
addr() { sed -E 's/^(fk_[a-c] [0-9]+ [0-9]+ [^ ]+ (Live|Loading|Unloading)) 0x[0-9a-f]+/\1 0xADDR/'; }
addr <"$TMPD/real" >"$TMPD/real.a"
grep -vE '^[a-z]+: [A-Z]+: \.\./libkmod/[a-z0-9_-]+\.c:[0-9]+ ' "$TMPD/real-kmod" |
	addr >"$TMPD/real-kmod.a"
if [ -s "$TMPD/real-kmod.a" ] && cmp -s "$TMPD/real.a" "$TMPD/real-kmod.a"; then
	ok "on the real kernel, our tools' transcript equals kmod's byte for byte ($(grep -c "^exit" "$TMPD/real-kmod.a") exits, $(grep -c ERROR "$TMPD/real-kmod.a") errors)"
else
	not_ok "on the real kernel, our tools' transcript equals kmod's byte for byte"
	diag "--- ours / +++ kmod" "$(diff -u "$TMPD/real.a" "$TMPD/real-kmod.a" | sed 1,2d)"
fi
done_testing
