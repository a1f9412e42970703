#!/bin/bash
# The LD_PRELOAD fake kernel: path redirection of every wrapped call, uname, syscall()
# forwarding, and the module syscalls with their sysfs/procfs state (refcounts,
# holders, /proc/modules), compression, vermagic, parameters and injected errors.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"

ELFGEN=$top_builddir/testsuite/elfgen
FK=$top_builddir/testsuite/fakekernel/fakekernel.so
PROBE=$top_builddir/testsuite/fakekernel/fkprobe
for f in "$ELFGEN" "$FK" "$PROBE"; do [ -e "$f" ] || bail_out "$f not built"; done
tap_tmpdir
R=$TMPD/rootfs
mkdir -p "$R/etc" "$R/proc" "$R/sys/module" "$TMPD/outside"

fk() { LD_PRELOAD=$FK FAKEKERNEL_ROOTFS=$R "$@"; }
# is DESC EXPECTED COMMAND...: the command's stdout equals EXPECTED
is() {
	local desc=$1 want=$2 got
	shift 2
	got=$("$@" 2>&1)
	if [ "$got" == "$want" ]; then ok "$desc"; else
		not_ok "$desc"
		diag "expected: $want" "got:      $got"
	fi
}

# ---- path redirection
echo ROOTFS-COPY >"$R/etc/os-release"
host_first=$(head -n1 /etc/os-release)
[ "$host_first" != ROOTFS-COPY ] || bail_out "unexpected host /etc/os-release"
is "without the shim, the host file is read" "$host_first" "$PROBE" open /etc/os-release
for call in open open64 openat fopen; do
	is "$call redirects an absolute path" ROOTFS-COPY fk "$PROBE" $call /etc/os-release
done
size=$(stat -c %s "$R/etc/os-release")
for call in stat lstat fstatat statx; do
	is "$call redirects" "size $size" fk "$PROBE" $call /etc/os-release
done
is "access redirects" "error ENOENT" fk "$PROBE" access /etc/hostname
is "faccessat redirects" "ok" fk "$PROBE" faccessat /etc/os-release
is "opendir redirects" "1 entries" fk "$PROBE" opendir /etc
is "openat with a directory fd from a redirected open" ROOTFS-COPY \
	fk "$PROBE" openat-dir /etc os-release
ln -s etc/os-release "$R/link"
is "readlink redirects (target kept as stored)" etc/os-release fk "$PROBE" readlink /link
is "realpath resolves inside the rootfs and strips it" /etc/os-release fk "$PROBE" realpath /link
is "mkdir redirects" ok fk "$PROBE" mkdir /newdir
check "... and created the directory in the rootfs" test -d "$R/newdir"
check "... not on the host" test ! -e /newdir
is "rmdir redirects" ok fk "$PROBE" rmdir /newdir
check "... and removed it" test ! -e "$R/newdir"
is "creat redirects" ok fk "$PROBE" creat /newfile hello
is "... and wrote into the rootfs" hello cat "$R/newfile"
is "rename redirects both paths" ok fk "$PROBE" rename /newfile /renamed
is "renameat redirects both paths" ok fk "$PROBE" renameat /renamed /renamed2
check "... the file moved inside the rootfs" test -f "$R/renamed2" -a ! -e "$R/newfile"
is "unlinkat redirects" ok fk "$PROBE" unlinkat /renamed2
check "... and removed it" test ! -e "$R/renamed2"
touch "$R/gone"
is "unlink redirects" ok fk "$PROBE" unlink /gone
is "chdir redirects, then relative paths follow it" ROOTFS-COPY fk "$PROBE" chdir /etc os-release
is "a path already inside the rootfs is not prefixed twice" ROOTFS-COPY \
	fk "$PROBE" open "$R/etc/os-release"
echo outside >"$TMPD/outside/rel"
is "relative paths are left alone" outside bash -c 'cd "$1" && shift && "$@"' _ "$TMPD/outside" \
	env LD_PRELOAD="$FK" FAKEKERNEL_ROOTFS="$R" "$PROBE" open rel
is "/dev is not redirected" "" fk "$PROBE" open /dev/null
is "/proc/self is not redirected" "$(readlink -f "$PROBE")" fk "$PROBE" readlink /proc/self/exe
is "/usr/bin is not redirected" "size $(stat -c %s /usr/bin/env)" fk "$PROBE" stat /usr/bin/env
libc=$(ldd "$PROBE" | awk '/libc.so/ { print $3 }')
is "the C library's directory is not redirected" "size $(stat -L -c %s "$libc")" \
	fk "$PROBE" stat "$libc"
is "FAKEKERNEL_PASSTHROUGH prefixes are not redirected" "$host_first" \
	env FAKEKERNEL_PASSTHROUGH=/nonexistent:/etc/os-release LD_PRELOAD=$FK FAKEKERNEL_ROOTFS=$R \
	"$PROBE" open /etc/os-release
is "a passthrough prefix matches whole components only" ROOTFS-COPY \
	env FAKEKERNEL_PASSTHROUGH=/etc/os LD_PRELOAD=$FK FAKEKERNEL_ROOTFS=$R \
	"$PROBE" open /etc/os-release
echo 'fake 1 0 - Live 0x0000000000000000' >"$R/proc/modules"
is "/proc/modules is redirected (plain cat)" "fake 1 0 - Live 0x0000000000000000" \
	fk cat /proc/modules
is "kmod's lsmod reads the fake /proc/modules (no /sys/module/fake: -2)" "fake                      -2  -2" \
	bash -c 'LD_PRELOAD=$0 FAKEKERNEL_ROOTFS=$1 /usr/sbin/lsmod 2>/dev/null | sed -n 2p' "$FK" "$R"
"$ELFGEN" -o "$R/gen.ko" --modinfo name=gen --modinfo license=GPL
is "kmod's modinfo finds a module by absolute path in the rootfs" GPL \
	fk /usr/sbin/modinfo -F license /gen.ko
is "without FAKEKERNEL_UNAME_R uname is real" "$(uname -r)" fk "$PROBE" uname
is "FAKEKERNEL_UNAME_R sets the release" 1.2.3-fake \
	env FAKEKERNEL_UNAME_R=1.2.3-fake LD_PRELOAD=$FK "$PROBE" uname
is "other syscalls are forwarded" same fk "$PROBE" getpid-syscall
is "syscall() forwards its arguments" "hello
5" fk "$PROBE" write-syscall hello

# ---- the fake kernel
: >"$R/proc/modules"
rm -rf "$R/sys/module"/*
is "no rootfs: module syscalls refuse (never the real kernel)" "error EPERM" \
	env LD_PRELOAD=$FK "$PROBE" finit "$R/gen.ko"
is "no rootfs: delete_module refuses" "error EPERM" env LD_PRELOAD=$FK "$PROBE" delete gen
is "rootfs /: refused as no rootfs" "error EPERM" \
	env LD_PRELOAD=$FK FAKEKERNEL_ROOTFS=/ "$PROBE" finit "$R/gen.ko"
"$ELFGEN" -o "$R/dotdot.ko" --modinfo name=..
is "a module named '..' is refused" "error ENOEXEC" fk "$PROBE" finit /dotdot.ko
is "delete_module('..') is refused" "error ENOENT" fk "$PROBE" delete ..

M=$R/m
mkdir -p "$M"
# module_layout in __versions and a vermagic: a kernel with modversions taints
# modules without either F
V=(--version module_layout:0x12345678 --modinfo "vermagic=6.1.0-fk SMP mod_unload ")
"$ELFGEN" -o "$M/a.ko" "${V[@]}" --modinfo name=mod_a --text-size 5000 --modinfo parmtype=num:int \
	--modinfo parmtype=on:bool --modinfo parmtype=s:charp
"$ELFGEN" -o "$M/b.ko" "${V[@]}" --modinfo name=mod_b --modinfo depends=mod_a --modinfo intree=Y
"$ELFGEN" -o "$M/c.ko" "${V[@]}" --modinfo name=mod_c --modinfo depends=mod_a,mod_b
state() { # NAME: initstate refcnt holders(sorted) coresize taint
	local d=$R/sys/module/$1
	echo "$(cat "$d/initstate" 2>/dev/null || echo -) $(cat "$d/refcnt" 2>/dev/null || echo -)" \
		"$(ls "$d/holders" 2>/dev/null | sort | paste -sd, -)" \
		"$(cat "$d/coresize" 2>/dev/null || echo -) $(cat "$d/taint" 2>/dev/null || echo -)"
}

is "finit_module of a module whose dependency is missing: ENOENT" "error ENOENT" \
	fk "$PROBE" finit /m/b.ko
check "... and nothing was created" test ! -e "$R/sys/module/mod_b"
is "finit_module loads" ok fk "$PROBE" finit /m/a.ko "num=3 s=\"x y\" on junk=1"
is "... sysfs state" "live 0  8192 OE" state mod_a
is "... /proc/modules line" "mod_a 8192 0 - Live 0x0000000000000000 (OE)" cat "$R/proc/modules"
is "... parameters (quoted value unquoted, bare bool Y)" "3 x y Y" \
	bash -c 'cd "$0/sys/module/mod_a/parameters" && echo $(cat num) $(cat s) $(cat on)' "$R"
check "... unknown parameters are ignored" test ! -e "$R/sys/module/mod_a/parameters/junk"
check "... with a note in fakekernel/dmesg" grep -q "unknown parameter 'junk' ignored" "$R/fakekernel/dmesg"
is "a second load: EEXIST" "error EEXIST" fk "$PROBE" finit /m/a.ko
is "init_module through syscall() loads a dependent module" ok fk "$PROBE" init-syscall /m/b.ko
is "... the dependency gets a reference and a holder" "live 1 mod_b 8192 OE" state mod_a
is "... the holder is a symlink like sysfs's" ../../mod_b readlink "$R/sys/module/mod_a/holders/mod_b"
is "... taint of an in-tree module: E only" "live 0  4096 E" state mod_b
is "finit_module through syscall()" ok fk "$PROBE" finit-syscall /m/c.ko
is "/proc/modules: newest first, users newest first" "mod_c 4096 0 - Live 0x0000000000000000 (OE)
mod_b 4096 1 mod_c, Live 0x0000000000000000 (E)
mod_a 8192 2 mod_c,mod_b, Live 0x0000000000000000 (OE)" cat "$R/proc/modules"
is "delete_module of a module with holders: EWOULDBLOCK" "error EAGAIN" fk "$PROBE" delete mod_a
is "... even with O_TRUNC" "error EAGAIN" fk "$PROBE" delete mod_a 0xa00
is "delete_module of an unused module" ok fk "$PROBE" delete-syscall mod_c
check "... its sysfs directory is gone" test ! -e "$R/sys/module/mod_c"
is "... its dependencies lost a reference and a holder" "live 1 mod_b 8192 OE|live 0  4096 E" \
	eval 'echo "$(state mod_a)|$(state mod_b)"'
is "... /proc/modules updated" "mod_b 4096 0 - Live 0x0000000000000000 (E)
mod_a 8192 1 mod_b, Live 0x0000000000000000 (OE)" cat "$R/proc/modules"
is "delete_module of a module not loaded: ENOENT" "error ENOENT" fk "$PROBE" delete mod_c
echo 1 >"$R/sys/module/mod_b/refcnt"
is "a module in use (refcnt 1, no holders): EWOULDBLOCK" "error EAGAIN" fk "$PROBE" delete mod_b
is "... O_TRUNC forces it" ok fk "$PROBE" delete mod_b 0xa00
is "... then the dependency is free" "live 0  8192 OE" state mod_a
echo coming >"$R/sys/module/mod_a/initstate"
is "delete_module of a module still coming: EBUSY" "error EBUSY" fk "$PROBE" delete mod_a
is "loading a module that is coming: EBUSY" "error EBUSY" fk "$PROBE" finit /m/a.ko
echo live >"$R/sys/module/mod_a/initstate"
is "delete_module without O_NONBLOCK works too" ok fk "$PROBE" delete mod_a 0
is "everything unloaded: /proc/modules empty" "" cat "$R/proc/modules"

# parameters
is "an invalid value for an int parameter: EINVAL" "error EINVAL" fk "$PROBE" finit /m/a.ko num=abc
is "an invalid bool: EINVAL" "error EINVAL" fk "$PROBE" finit /m/a.ko on=maybe
check "... nothing loaded" test ! -e "$R/sys/module/mod_a"

# bad images
head -c 500 /dev/urandom >"$M/garbage.ko"
is "not an ELF file: ENOEXEC" "error ENOEXEC" fk "$PROBE" finit /m/garbage.ko
"$ELFGEN" -o "$M/trunc.ko" --modinfo name=trunc --truncate 300
is "truncated ELF: ENOEXEC" "error ENOEXEC" fk "$PROBE" finit /m/trunc.ko
"$ELFGEN" -o "$M/exec.ko" --modinfo name=exec --elf-type exec
is "not ET_REL: ENOEXEC" "error ENOEXEC" fk "$PROBE" init /m/exec.ko
"$ELFGEN" -o "$M/anon.ko" --no-modinfo --this-module-name from_this_module --machine ppc
is "a 32-bit big-endian module without name=: named from this_module" ok \
	fk "$PROBE" finit /m/anon.ko
check "... as from_this_module" test -f "$R/sys/module/from_this_module/initstate"
is "invalid flags: EINVAL" "error EINVAL" fk "$PROBE" finit /m/a.ko "" 8

# compression
for z in xz:xz:zst gzip:gz:xz zstd:zst:gz; do
	IFS=: read -r fmt ext other <<<"$z"
	"$ELFGEN" -o "$M/z-$ext.ko" --modinfo name=z_$ext
	case $fmt in
	xz) xz -k "$M/z-$ext.ko" ;;
	gzip) gzip -k "$M/z-$ext.ko" ;;
	zstd) zstd -q -k "$M/z-$ext.ko" ;;
	esac
	rm -f "$R/sys/module/compression"
	is "$fmt file without MODULE_INIT_COMPRESSED_FILE: ENOEXEC" "error ENOEXEC" \
		fk "$PROBE" finit "/m/z-$ext.ko.$ext"
	is "$fmt file with the flag, kernel without decompression: EOPNOTSUPP" "error EOPNOTSUPP" \
		fk "$PROBE" finit "/m/z-$ext.ko.$ext" "" 4
	case $other in xz) o=xz ;; gz) o=gzip ;; zst) o=zstd ;; esac
	echo "$o" >"$R/sys/module/compression"
	is "$fmt file, kernel decompresses $o only: EINVAL" "error EINVAL" \
		fk "$PROBE" finit "/m/z-$ext.ko.$ext" "" 4
	echo "$fmt" >"$R/sys/module/compression"
	is "$fmt file, kernel decompresses $fmt: loaded" ok fk "$PROBE" finit "/m/z-$ext.ko.$ext" "" 4
	check "... as z_$ext" test -f "$R/sys/module/z_$ext/initstate"
	is "the flag with an uncompressed file: EINVAL" "error EINVAL" \
		fk "$PROBE" finit "/m/a.ko" "" 4
done
rm -f "$R/sys/module/compression"

# vermagic
echo "6.1.0-fk SMP mod_unload " >"$R/fakekernel/vermagic"
"$ELFGEN" -o "$M/vm-good.ko" --version module_layout:1 --modinfo name=vm_good --modinfo "vermagic=6.1.0-fk SMP mod_unload "
"$ELFGEN" -o "$M/vm-bad.ko" --version module_layout:1 --modinfo name=vm_bad --modinfo "vermagic=5.10.0 SMP mod_unload "
"$ELFGEN" -o "$M/vm-none.ko" --version module_layout:1 --modinfo name=vm_none
"$ELFGEN" -o "$M/nover.ko" --modinfo name=nover --modinfo "vermagic=6.1.0-fk SMP mod_unload "
is "matching vermagic (with its trailing space) loads" ok fk "$PROBE" finit /m/vm-good.ko
is "... not tainted F" "live 0  4096 OE" state vm_good
is "wrong vermagic: ENOEXEC" "error ENOEXEC" fk "$PROBE" finit /m/vm-bad.ko
check "... with a kernel message" grep -q "vm_bad: version magic '5.10.0 SMP mod_unload ' should be" "$R/fakekernel/dmesg"
is "wrong vermagic with MODULE_INIT_IGNORE_VERMAGIC: loaded" ok fk "$PROBE" finit /m/vm-bad.ko "" 2
is "... tainted F (forced)" "live 0  4096 FOE" state vm_bad
is "a blanked vermagic loads through init_module" ok fk "$PROBE" init /m/vm-none.ko
is "... tainted F" "live 0  4096 FOE" state vm_none
is "a module without __versions loads" ok fk "$PROBE" finit /m/nover.ko
is "... tainted F (the kernel force-loads module_layout)" "live 0  4096 FOE" state nover
rm -f "$R/fakekernel/vermagic"

# injected errors
rm -rf "$R/sys/module"/* && : >"$R/proc/modules"
is "FAKEKERNEL_ERRORS NAME:ERRNO applies to finit" "error ENOMEM" \
	env FAKEKERNEL_ERRORS=mod_a:ENOMEM LD_PRELOAD=$FK FAKEKERNEL_ROOTFS=$R "$PROBE" finit /m/a.ko
is "... and to init" "error ENOMEM" \
	env FAKEKERNEL_ERRORS=mod_a:ENOMEM LD_PRELOAD=$FK FAKEKERNEL_ROOTFS=$R "$PROBE" init /m/a.ko
is "... not to other modules" ok \
	env FAKEKERNEL_ERRORS=mod_x:ENOMEM LD_PRELOAD=$FK FAKEKERNEL_ROOTFS=$R "$PROBE" finit /m/a.ko
is "a numeric errno" "error EIO" \
	env FAKEKERNEL_ERRORS=delete:mod_a:5 LD_PRELOAD=$FK FAKEKERNEL_ROOTFS=$R "$PROBE" delete mod_a
printf '# comment line\nfinit:*:ENOSYS\n init:mod_a:ESRCH\n' >"$R/fakekernel/errors"
is "errors file: finit:*:ENOSYS" "error ENOSYS" fk "$PROBE" finit /m/b.ko
is "errors file: init:mod_a:ESRCH for init only" "error ESRCH" fk "$PROBE" init /m/a.ko
is "... init of another module works" ok fk "$PROBE" init /m/z-xz.ko
is "... delete with no matching entry works" ok fk "$PROBE" delete z_xz
printf 'delete:mod_a:EBUSY\n' >"$R/fakekernel/errors"
is "delete:NAME:EBUSY" "error EBUSY" fk "$PROBE" delete mod_a
check "... and the module stays" test -f "$R/sys/module/mod_a/initstate"
rm -f "$R/fakekernel/errors"

# the call log
rm -f "$R/fakekernel/log"
fk "$PROBE" finit /m/b.ko 'p="a b" q' >/dev/null
fk "$PROBE" delete mod_b 0xa00 >/dev/null
fk "$PROBE" delete mod_b >/dev/null
is "the call log records calls, names, flags, params and results" \
	'finit_module mod_b flags=0x0 params="p="a b" q": 0
delete_module mod_b flags=0xa00: 0
delete_module mod_b flags=0x800: ENOENT' cat "$R/fakekernel/log"

done_testing
