#!/bin/bash
# A plain module file larger than 1 GiB is read like any other (issue 12, item 4):
# the reader reads only the headers and sections it needs, so no size cap applies.
# The file is sparse (the ELF header, a 1.1 GiB hole, then the sections), so it
# costs no disk. mymodinfo and mydepmod are compared with kmod 30 on it.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"
. "$top_srcdir/testsuite/depmod/lib.sh"

MYMODINFO=$top_builddir/tools/mymodinfo
[ -x "$KMOD_DEPMOD" ] || bail_out "kmod's depmod not found at $KMOD_DEPMOD"
[ -x /usr/sbin/modinfo ] || bail_out "kmod's modinfo not found"
[ -x "$MYDEPMOD" ] && [ -x "$MYMODINFO" ] || bail_out "tools not built"
[ -x "$ELFGEN" ] || bail_out "elfgen not built: $ELFGEN"
[ -x /usr/bin/time ] || bail_out "/usr/bin/time (package time) is needed"
tap_tmpdir
K=5.6.0
T=$TMPD/tree
D=$T/lib/modules/$K
BIG=$D/kernel/big.ko

"$ELFGEN" -o "$TMPD/small.ko" --modinfo name=big --modinfo license=GPL \
	--modinfo alias=big-alias --export big_fn:0x1234 || bail_out "elfgen failed"
mkmod "$T" $K kernel/user.ko --need big_fn:0x1234
# everything after the ELF header moves 1.1 GiB further, offsets adjusted
python3 - "$TMPD/small.ko" "$BIG" <<'PY' || bail_out "could not make the large module"
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
assert d[:4] == b"\x7fELF" and d[4] == 2 and d[5] == 1, "ELF64 little-endian expected"
shift = 1100 << 20
ehsize, = struct.unpack_from("<H", d, 52)
shoff, = struct.unpack_from("<Q", d, 40)
shentsize, shnum = struct.unpack_from("<HH", d, 58)
for i in range(shnum):
    at = shoff + i * shentsize + 24  # sh_offset
    off, = struct.unpack_from("<Q", d, at)
    if off:
        struct.pack_into("<Q", d, at, off + shift)
struct.pack_into("<Q", d, 40, shoff + shift)
with open(sys.argv[2], "wb") as f:
    f.write(d[:ehsize])
    f.seek(ehsize + shift)
    f.write(d[ehsize:])
PY
size=$(stat -c %s "$BIG")
check "the module file is larger than 1 GiB ($size bytes)" test "$size" -gt $((1 << 30))

/usr/sbin/modinfo "$BIG" >"$TMPD/kmod.out" 2>&1
rck=$?
/usr/bin/time -o "$TMPD/rss" -f %M "$MYMODINFO" "$BIG" >"$TMPD/my.out" 2>&1
rcm=$?
check "mymodinfo prints what modinfo prints (exit $rcm, kmod $rck)" \
	cmp -s <(cat "$TMPD/kmod.out"; echo "exit $rck") <(cat "$TMPD/my.out"; echo "exit $rcm")
rss=$(tail -n 1 "$TMPD/rss")
check "mymodinfo reads only what it needs (peak RSS ${rss} KB, under 64 MB)" \
	test "${rss:-999999}" -lt 65536
check "mymodinfo shows the module's fields" grep -qx 'alias:          big-alias' "$TMPD/my.out"

check "mydepmod: the same index files as depmod, the user depends on it" \
	differential large "$T" $K
check "mydepmod: modules.dep has the dependency" \
	grep -qx 'kernel/user.ko: kernel/big.ko' "$D/modules.dep"
done_testing
