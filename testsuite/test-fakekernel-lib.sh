#!/bin/bash
# lib/kernel against the fake kernel: testsuite/fakekernel/test-kernel, then the
# sequence of syscalls it made.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"

ELFGEN=$top_builddir/testsuite/elfgen
FK=$top_builddir/testsuite/fakekernel/fakekernel.so
T=$top_builddir/testsuite/fakekernel/test-kernel
for f in "$ELFGEN" "$FK" "$T"; do [ -e "$f" ] || bail_out "$f not built"; done
tap_tmpdir
R=$TMPD/rootfs
mkdir -p "$R/proc" "$R/sys/module" "$R/m" "$R/fakekernel"
: >"$R/proc/modules"
echo "quiet foo.bar=1" >"$R/proc/cmdline"
echo "good " >"$R/fakekernel/vermagic"
g() { "$ELFGEN" -o "$R/m/$1" --modinfo "name=$2" "${@:3}"; }
g a.ko mod_a --text-size 5000 --modinfo "vermagic=good "
g b.ko mod_b --modinfo depends=mod_a --modinfo parmtype=x:int --modinfo parmtype=y:charp
g c.ko mod_c && xz "$R/m/c.ko"
g c2.ko mod_c2 && xz "$R/m/c2.ko"
g c3.ko mod_c3 && zstd -q --rm "$R/m/c3.ko"
g v.ko mod_v --modinfo "vermagic=bad " --need printk:0x1234
g v2.ko mod_v2 --modinfo "vermagic=bad " --need printk:0x1234 && xz "$R/m/v2.ko"
g nov.ko mod_nov && xz "$R/m/nov.ko"
g d.ko mod_d --modinfo parmtype=p:int
g e.ko mod_e

# the C test prints its own TAP lines; renumber them into ours
while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok * - }" ;;
	"not ok "*) not_ok "${line#not ok * - }" ;;
	"1.."*) ;;
	"# exit "*) [ "${line#\# exit }" = 0 ] && ok "test-kernel exit status" ||
		not_ok "test-kernel exit status: ${line#\# exit }" ;;
	*) echo "$line" ;;
	esac
done < <(LD_PRELOAD=$FK FAKEKERNEL_ROOTFS=$R "$T" 2>&1; echo "# exit $?")

want='finit_module mod_a flags=0x0 params="": 0
finit_module mod_a flags=0x0 params="": EEXIST
finit_module mod_b flags=0x0 params="x=1 y="a b"": 0
init_module mod_c flags=0x0 params="": 0
finit_module mod_c2 flags=0x4 params="": 0
init_module mod_c3 flags=0x0 params="": 0
finit_module mod_v flags=0x0 params="": ENOEXEC
finit_module mod_v flags=0x2 params="": 0
init_module mod_v2 flags=0x0 params="": ENOEXEC
init_module mod_v2 flags=0x0 params="": 0
finit_module ? flags=0x0 params="p=1": ENOSYS
init_module mod_d flags=0x0 params="p=1": 0
finit_module ? flags=0x0 params="": ENOEXEC
delete_module mod_a flags=0x800: EWOULDBLOCK
delete_module mod_b flags=0x800: 0
delete_module mod_b flags=0x800: ENOENT
delete_module mod_a flags=0x800: EWOULDBLOCK
delete_module mod_a flags=0x800: 0
finit_module mod_a flags=0x0 params="": 0
delete_module mod_a flags=0xa00: 0'
# -w retries delete_module while the module is in use: as many times as the clock
# allows, so a run of the same EWOULDBLOCK line counts once here
got=$(awk '!(/^delete_module .*: EWOULDBLOCK$/ && $0 == prev) { print } { prev = $0 }' \
	"$R/fakekernel/log")
if [ "$got" == "$want" ]; then ok "the syscalls made, in order"; else
	not_ok "the syscalls made, in order"
	diff <(echo "$want") <(echo "$got") | sed 's/^/# /'
fi
check "the forced xz module was tainted F (stripped copy loaded)" \
	grep -qx FOE "$R/sys/module/mod_v2/taint" 2>/dev/null
done_testing
