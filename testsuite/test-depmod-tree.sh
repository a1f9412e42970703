#!/bin/bash
# mydepmod against kmod 30's depmod on the installed Debian module tree:
# a symlinked copy of the tree as shipped, a zstd copy of it, a small xz subset
# compressed as kbuild does, and a gzip subset (kmod 30 has no zlib: compared
# with the plain subset's output, suffixes adjusted, .bin files dumped).
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"
. "$top_srcdir/testsuite/depmod/lib.sh"

[ -x "$KMOD_DEPMOD" ] || bail_out "kmod's depmod not found at $KMOD_DEPMOD"
[ -x "$MYDEPMOD" ] || bail_out "mydepmod not built: $MYDEPMOD"
KVER=$(debian_kver) || bail_out "no module tree under /lib/modules"
SRC=/lib/modules/$KVER
tap_tmpdir
NPROC=$(nproc)

# copy_compressed SRCDIR DESTROOT EXT CMD...: compress each .ko below SRCDIR
copy_compressed() {
	local src=$1 dest=$2 ext=$3
	shift 3
	(cd "$src" && find . -name '*.ko' -print0) | DEST=$dest EXT=$ext SRC=$src \
		xargs -0 -n 32 -P "$NPROC" sh -c '
		cmd=$1; shift
		for f; do
			mkdir -p "$DEST/$(dirname "$f")"
			$cmd <"$SRC/$f" >"$DEST/$f$EXT" || exit 1
		done' sh "$*" || bail_out "compressing with $* failed"
}

tree_files() {
	local f
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		cp "$SRC/$f" "$1/$f"
	done
}

# ---- the tree as shipped (symlinked copy) ----
P=$TMPD/plain
mkdir -p "$P/lib/modules"
cp -as "$SRC" "$P/lib/modules/"
remove_outputs "$P/lib/modules/$KVER"
nmods=$(find -L "$P/lib/modules/$KVER" -name '*.ko' -not -path '*/build/*' -not -path '*/source/*' | wc -l)
diag "plain tree: $nmods modules"
check "plain tree: the 10 files kmod 30 writes are identical" differential plain "$P" "$KVER"
lines=$(wc -l <"$TMPD/expect.plain/modules.dep")
check "plain tree: modules.dep has a line per module ($lines)" test "$lines" -eq "$nmods"
check "plain tree: modules.weakdep is the header alone" \
	cmp -s "$P/lib/modules/$KVER/modules.weakdep" \
	<(echo '# Weak dependencies extracted from modules themselves.')
# The walk lends its open directories to the readers, which open each module by
# its basename, up to half the descriptor limit; past it (or with a limit of 256
# or less, none at all) modules are opened by their whole path. Same files.
same_files() {
	local f
	for f in $DEPMOD_FILES; do
		cmp -s "$1/$f" "$2/$f" || { diag "$f differs"; return 1; }
	done
	[ ! -s "$TMPD/lim.err" ] || { diag "$(head -5 "$TMPD/lim.err")"; return 1; }
}
for lim in 400 64; do
	remove_outputs "$P/lib/modules/$KVER"
	(ulimit -n $lim && "$MYDEPMOD" -b "$P" "$KVER") 2>"$TMPD/lim.err"
	check "plain tree, ulimit -n $lim: the same files" \
		same_files "$TMPD/expect.plain" "$P/lib/modules/$KVER"
done
check "plain tree -n: same stdout" differential plain-n "$P" "$KVER" -n
SYMVERS=$(ls /usr/src/linux-headers-"$KVER"/Module.symvers 2>/dev/null)
if [ -n "$SYMVERS" ]; then
	check "plain tree -e -E Module.symvers: same output and warnings" \
		differential plain-symvers "$P" "$KVER" -e -E "$SYMVERS"
else
	not_ok "Module.symvers of $KVER not found (linux-headers-$KVER)"
fi
# kmod's hash order for the modules missing from modules.order
rm "$P/lib/modules/$KVER/modules.order"
head -n 2000 "$SRC/modules.order" >"$P/lib/modules/$KVER/modules.order"
check "plain tree, modules.order cut to 2000 lines: same hash-order tail" \
	differential plain-tail "$P" "$KVER"

# ---- zstd copy of the whole tree ----
Z=$TMPD/zst/lib/modules/$KVER
mkdir -p "$Z"
copy_compressed "$SRC" "$Z" .zst zstd -q -c
tree_files "$Z"
check "zstd tree: the 10 files are identical" differential zst "$TMPD/zst" "$KVER"
check "zstd tree: paths keep the .ko.zst suffix" \
	grep -q '^kernel/fs/ext4/ext4.ko.zst: ' "$Z/modules.dep"

# ---- xz and gzip subsets, and their plain reference ----
SUBSET="kernel/lib kernel/crypto kernel/fs/nls"
X=$TMPD/xz/lib/modules/$KVER
G=$TMPD/gz/lib/modules/$KVER
R=$TMPD/ref/lib/modules/$KVER
mkdir -p "$X" "$G" "$R"
for d in $SUBSET; do
	copy_compressed "$SRC/$d" "$X/$d" .xz xz -q -c --check=crc32 --lzma2=dict=1MiB
	copy_compressed "$SRC/$d" "$G/$d" .gz gzip -n -c
	mkdir -p "$R/$(dirname "$d")"
	cp -as "$SRC/$d" "$R/$d"
done
tree_files "$X"
tree_files "$G"
tree_files "$R"
diag "xz/gzip subset: $(find "$X" -name '*.ko.xz' | wc -l) modules"
check "xz subset: the 10 files are identical" differential xz "$TMPD/xz" "$KVER"

"$KMOD_DEPMOD" -b "$TMPD/ref" "$KVER" 2>/dev/null || bail_out "depmod failed on the reference subset"
"$MYDEPMOD" -b "$TMPD/gz" "$KVER" 2>"$TMPD/gz.err"
check "gzip subset: mydepmod succeeds" test $? -eq 0
check "gzip subset: modules.dep = reference with .ko.gz paths" \
	cmp -s "$G/modules.dep" <(sed 's/\.ko\([: ]\|$\)/.ko.gz\1/g' "$R/modules.dep")
for f in modules.alias modules.softdep modules.symbols modules.devname \
	modules.alias.bin modules.symbols.bin modules.builtin.bin modules.builtin.alias.bin; do
	check "gzip subset: $f identical to the reference" cmp -s "$G/$f" "$R/$f"
done
$BINDUMP "$G/modules.dep.bin" >"$TMPD/gz.dump" || bail_out "bindump.py failed on the gzip subset"
$BINDUMP "$R/modules.dep.bin" >"$TMPD/ref.dump" || bail_out "bindump.py failed on the reference"
check "gzip subset: modules.dep.bin dump = reference dump with .ko.gz paths" \
	cmp -s "$TMPD/gz.dump" <(sed 's/\.ko\([: ]\|$\)/.ko.gz\1/g' "$TMPD/ref.dump")
check "gzip subset: modules.dep.bin has one key per module" \
	test "$(wc -l <"$TMPD/gz.dump")" -eq "$(find "$G" -name '*.ko.gz' | wc -l)" -a -s "$TMPD/gz.dump"

done_testing
