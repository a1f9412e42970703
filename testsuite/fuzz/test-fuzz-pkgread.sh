#!/bin/bash
# Fuzz the kernel package reader (lib/pkgread.h) and the package side of mykmod
# diff behind it (lib/modtree-pkg*.c: links, kernel symbols, -E and -F of a package)
# for $FUZZ_SECONDS (60 in make check) with libFuzzer, ASan and UBSan. Seeds, made
# now: one small kernel tree (elfgen modules, modules.order, modules.builtin,
# a System.map, a Module.symvers hard-linked under a second name, a symbolic and a
# hard link to a module, a link to a directory holding a fourth) as a .deb
# (uncompressed and xz), a tar (plain, xz, gzip), a cpio (newc, odc, zstd) and .rpm
# files made with rpmbuild (uncompressed and gzip payload). Passes when the fuzzer
# finds no crash, leak, hang or abort (an abort: a member handed over unnormalised,
# unterminated or longer than its header, or a side that loads wrong).
. "${top_srcdir:-$(dirname "$0")/../..}/testsuite/tap.sh"
. "$top_srcdir/testsuite/fuzz/run-fuzzer.sh"
. "$top_srcdir/testsuite/depmod/lib.sh"

make -s -C "$top_builddir" testsuite/fuzz/fuzz-pkgread >&2 || bail_out "cannot build fuzz-pkgread"
FUZZ=$top_builddir/testsuite/fuzz/fuzz-pkgread
[ -x "$ELFGEN" ] || bail_out "elfgen not built: $ELFGEN"
for c in dpkg-deb tar xz gzip cpio zstd rpmbuild; do
	command -v $c >/dev/null || bail_out "$c not found"
done
tap_tmpdir
S=$TMPD/seeds
mkdir "$S" "$TMPD/corpus" "$TMPD/artifacts"
K=9.9.9
T=$TMPD/t
M=$T/lib/modules/$K
mkmod "$T" $K kernel/a.ko --export a_fn:0x12 --modinfo alias=a-alias
mkmod "$T" $K kernel/b.ko --need a_fn:0x12 --need k_fn:0x34
mkmod "$T" $K extra/c.ko --need b_only
printf 'kernel/a.ko\nkernel/b.ko\nextra/c.ko\n' >"$M/modules.order"
printf 'kernel/fs/ext4.ko\n' >"$M/modules.builtin"
ln -s ../kernel/a.ko "$M/extra/a2.ko"
ln "$M/kernel/b.ko" "$M/extra/b2.ko"
mkdir -p "$T/usr/share/m"
"$ELFGEN" -o "$T/usr/share/m/d.ko" --modinfo alias=d-alias || bail_out "elfgen d.ko"
ln -s ../../../../usr/share/m "$M/kernel/m"
mkdir -p "$T/boot" "$T/usr/src/linux-headers-$K"
printf 'ffffffff81000000 T k_fn\nffffffff82000000 r __ksymtab_k_fn\n' >"$T/boot/System.map-$K"
printf '0x00000034\tk_fn\tvmlinux\tEXPORT_SYMBOL\t\n' \
	>"$T/usr/src/linux-headers-$K/Module.symvers"
mkdir "$T/usr/src/linux-headers-$K/scripts"
ln "$T/usr/src/linux-headers-$K/Module.symvers" "$T/usr/src/linux-headers-$K/scripts/Module.symvers"

# xz with a 64 KiB dictionary, not its 8 MiB default: liblzma allocates the
# dictionary a header asks for, on every read of the input, and under ASan a buffer
# that large costs more than the rest of the read (perf); the data is the same
(cd "$T" && tar -cf "$S/t.tar" . && tar -cf - . | xz --lzma2=dict=64KiB >"$S/t.tar.xz" &&
	tar -czf "$S/t.tar.gz" .) || bail_out "tar"
(cd "$T" && find . | cpio -o -H newc --quiet >"$S/t.newc" && find . | cpio -o -H odc --quiet >"$S/t.odc") ||
	bail_out "cpio"
zstd -q -c "$S/t.newc" >"$S/t.newc.zst" || bail_out "zstd"
mkdir "$T/DEBIAN"
printf 'Package: t\nVersion: 1\nArchitecture: amd64\nMaintainer: t <t@t>\nDescription: t\n' \
	>"$T/DEBIAN/control"
dpkg-deb -Znone -b "$T" "$S/t-none.deb" >/dev/null || bail_out "dpkg-deb"
# the xz .deb: that one's members compressed as t.tar.xz (dpkg-deb -Zxz has no
# dictionary size)
mkdir "$TMPD/deb"
(cd "$TMPD/deb" && ar x "$S/t-none.deb" && xz --lzma2=dict=64KiB control.tar data.tar &&
	ar rc "$S/t-xz.deb" debian-binary control.tar.xz data.tar.xz) || bail_out "ar, xz"
rm -r "$T/DEBIAN"
cat >"$TMPD/t.spec" <<'SPEC'
Name: t
Version: 1
Release: 1
Summary: t
License: GPL-2.0-or-later
%description
t
%install
cp -a %{tree}/. %{buildroot}/
%files
/lib/modules
/boot
/usr/src
/usr/share/m
SPEC
for p in w.ufdio w9.gzdio; do
	top=$TMPD/rpm-$p
	rpmbuild -bb --quiet --define "_topdir $top" --define "tree $T" \
		--define '__os_install_post %{nil}' --define 'debug_package %{nil}' \
		--define "_binary_payload $p" "$TMPD/t.spec" >"$top.log" 2>&1 &&
		mv "$(find "$top/RPMS" -name '*.rpm')" "$S/t-$p.rpm" ||
		{ diag <"$top.log" && bail_out "rpmbuild with the payload $p"; }
done
nseeds=$(ls "$S" | wc -l)
big=$(find "$S" -size +64k)
check "seed corpus: $nseeds packages, none over 64 KiB${big:+: $big}" \
	eval '[ "$nseeds" -ge 10 ] && [ -z "$big" ]'
# each seed is the tree as mykmod diff reads it: so each reaches the modules and the links
same=0
for f in "$S"/*; do
	if "$TOOLS/mykmod" diff "$f" "$M" >"$TMPD/out" 2>&1; then
		same=$((same + 1))
	else
		diag "$f: $(cat "$TMPD/out")"
	fi
done
check "each seed is read as the tree itself ($same of $nseeds)" test "$same" -eq "$nseeds"

# libarchive 3.6 reserves what a cpio header claims for the name (up to 4 GiB)
# before it finds the input too short: the target has ASan fail an allocation over
# 64 MiB instead (fuzz-pkgread.c), so libFuzzer's malloc limit (the RSS limit, 2 GiB)
# is not reached, and such an input no longer costs seconds under ASan
# (docs/mykmod-diff.md §1).
run_fuzzer fuzz-pkgread "$FUZZ" -max_len=65536 "$TMPD/corpus" "$S"

done_testing
