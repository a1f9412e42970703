#!/bin/bash
# make-tree.sh FORMAT COUNT: print the root of a copy of the installed Debian module
# tree whose modules are compressed with FORMAT (none|zstd|xz|gz), building it on
# first use. COUNT 0 takes every module; otherwise an evenly spread subset of COUNT.
# Compression is done the way kbuild does it (xz: CRC32 and a 1 MiB dictionary),
# spread over all cores. Trees are cached in $top_builddir/testsuite/out/.
set -euo pipefail
fmt=$1
count=$2
: "${top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
kver=
for d in /lib/modules/*/; do
	[ -f "$d/modules.order" ] && [ -d "$d/kernel" ] && kver=$(basename "$d")
done
[ -n "$kver" ] || { echo "make-tree: no module tree in /lib/modules" >&2; exit 1; }
src=/lib/modules/$kver
root=$top_builddir/testsuite/out/tree-$fmt-$count
mkdir -p "$top_builddir/testsuite/out"
exec 9> "$root.lock"
flock 9
if [ -f "$root/.done" ]; then
	echo "$root"
	exit 0
fi
rm -rf "$root"
dst=$root/lib/modules/$kver
mkdir -p "$dst"
cp "$src"/modules.order "$src"/modules.builtin "$src"/modules.builtin.modinfo "$dst"/
(cd "$src" && find kernel -name '*.ko' | sort) > "$root/all.list"
total=$(wc -l < "$root/all.list")
if [ "$count" -eq 0 ] || [ "$count" -ge "$total" ]; then
	cp "$root/all.list" "$root/list"
else
	awk -v n="$count" -v t="$total" 'NR % int(t / n) == 0' "$root/all.list" | head -n "$count" > "$root/list"
fi
(cd "$src" && cut -d/ -f1- "$root/list" | xargs -n1 dirname | sort -u | (cd "$dst" && xargs mkdir -p))
case $fmt in
none) cmd='cp "$1" "$2"' ;;
zstd) cmd='zstd -q -T1 -c "$1" > "$2.zst"' ;;
xz) cmd='xz --check=crc32 --lzma2=dict=1MiB -T1 -c "$1" > "$2.xz"' ;;
gz) cmd='gzip -n -c "$1" > "$2.gz"' ;;
*) echo "make-tree: unknown format $fmt" >&2; exit 1 ;;
esac
(cd "$src" && xargs -P "$(nproc)" -I{} sh -c "$cmd" _ "{}" "$dst/{}") < "$root/list"
touch "$root/.done"
echo "$root"
