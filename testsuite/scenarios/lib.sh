# Helpers for scenario `setup` scripts; run.sh sources this file before `setup`.
# Available variables:
#   ROOTFS   the fake root (also the current directory), already holding proc/,
#            sys/module/, lib/modules/$KVER/, etc/modprobe.d/, tmp/, fakekernel/
#   KVER     the faked `uname -r` (file `kver` of the scenario, default 6.1.0-fakekernel)
#   MODDIR   $ROOTFS/lib/modules/$KVER
#   ELFGEN   the module generator (testsuite/elfgen)
#   DEPMOD   the depmod used by setup ($DEPMOD from the environment, default kmod's)
#   FAKEKERNEL  the LD_PRELOAD fake kernel (fakekernel.so)
#   SCENARIO the scenario directory (read-only)

# mkmod PATH [elfgen options...]: write a module at $ROOTFS/PATH (PATH relative to the
# rootfs, e.g. lib/modules/$KVER/kernel/a.ko or mod-a.ko); name= defaults to the file name.
mkmod() {
	local path=$1 base
	shift
	base=${path##*/}
	base=${base%%.*}
	# the directory without forking dirname: a process costs ~20 ms on the CI machine
	case $path in */*) [ -d "$ROOTFS/${path%/*}" ] || mkdir -p "$ROOTFS/${path%/*}" ;; esac
	case " $* " in
	*" --modinfo name="*) "$ELFGEN" -o "$ROOTFS/$path" "$@" ;;
	*) "$ELFGEN" -o "$ROOTFS/$path" --modinfo "name=${base//-/_}" "$@" ;;
	esac
}

# kmodule NAME [elfgen options...]: a module in the tree, lib/modules/$KVER/kernel/NAME.ko
kmodule() {
	local name=$1
	shift
	mkmod "lib/modules/$KVER/kernel/$name.ko" "$@"
}

# fk_depmod [depmod options]: run $DEPMOD on the rootfs' module tree
fk_depmod() {
	"$DEPMOD" -b "$ROOTFS" "$@" "$KVER"
}

# fk_load PATH [params]: load a module into the fake kernel before the command runs
# (PATH as seen inside the rootfs, e.g. /mod-a.ko). Uses kmod's insmod; fails loudly.
fk_load() {
	LD_PRELOAD=$FAKEKERNEL FAKEKERNEL_ROOTFS=$ROOTFS FAKEKERNEL_UNAME_R=$KVER \
		/usr/sbin/insmod "$@" || { echo "setup: fk_load $* failed" >&2; return 1; }
}

# fk_builtin NAME: a builtin module as sysfs shows it (a directory, no initstate)
fk_builtin() {
	mkdir -p "$ROOTFS/sys/module/$1/parameters"
}

# fk_errors ENTRY...: inject errors (see testsuite/fakekernel/README.md)
fk_errors() {
	printf '%s\n' "$@" >>"$ROOTFS/fakekernel/errors"
}

# fk_vermagic STRING: the fake kernel checks vermagic= against STRING
fk_vermagic() {
	printf '%s\n' "$1" >"$ROOTFS/fakekernel/vermagic"
}

# fk_compression FORMAT: the kernel decompresses FORMAT in finit_module (gzip|xz|zstd)
fk_compression() {
	mkdir -p "$ROOTFS/sys/module"
	printf '%s\n' "$1" >"$ROOTFS/sys/module/compression"
}
