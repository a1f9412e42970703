#!/bin/bash
# Bad input: malformed modules, made at test time by truncating and patching a real
# one. Each must give a clear error and exit 1 from mymodinfo (the same message and
# status as kmod's modinfo where kmod can read the format), and neither mymodinfo
# nor the reader test tool may trip AddressSanitizer or UndefinedBehaviorSanitizer.
. "$top_srcdir/testsuite/tap.sh"
tap_tmpdir
KMOD=/usr/sbin/modinfo
ASAN_MY=$top_builddir/testsuite/asan/mymodinfo
ASAN_TOOL=$top_builddir/testsuite/asan/modfile-tool
[ -x "$ASAN_MY" ] && [ -x "$ASAN_TOOL" ] || bail_out "sanitizer builds missing"
kver=$(debian_kver) || bail_out "no Debian module tree"
src=$(find "/lib/modules/$kver/kernel" -name mbcache.ko | head -1)
[ -f "$src" ] || bail_out "mbcache.ko not found"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99

D=$TMPD/bad
mkdir -p "$D"
size=$(stat -c %s "$src")
rd() { od -An -t "u$2" -j "$1" -N "$2" "$3" | tr -d ' '; }
# wr FILE OFFSET SIZE VALUE: little-endian store
wr() {
	local f=$1 off=$2 n=$3 v=$4 i bytes=
	for ((i = 0; i < n; i++)); do
		bytes+=$(printf '\\x%02x' $(((v >> (8 * i)) & 255)))
	done
	printf "$bytes" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}
shoff=$(rd 40 8 "$src")
shstrndx=$(rd 62 2 "$src")
# section header of a named section: its table offset
sechdr() {
	local idx
	idx=$(readelf -S -W "$src" | sed -n "s/^ *\[ *\([0-9]*\)\] $1 .*/\1/p" | head -1)
	echo $((shoff + idx * 64))
}
mk() { cp "$src" "$D/$1.ko"; }

# --- the malformed files ---
: > "$D/empty.ko"
head -c 5 "$src" > "$D/five-bytes.ko"
head -c 4096 /dev/urandom > "$D/garbage.ko"
{ printf '\177ELF'; head -c 200 /dev/urandom; } > "$D/elf-magic-garbage.ko"
for cut in 16 63 64 1000 $((size / 2)) $((shoff + 10)); do
	head -c "$cut" "$src" > "$D/truncated-at-$cut.ko"
done
mk class-3; wr "$D/class-3.ko" 4 1 3
mk class-32-on-64; wr "$D/class-32-on-64.ko" 4 1 1
mk data-0; wr "$D/data-0.ko" 5 1 0
mk big-endian; wr "$D/big-endian.ko" 5 1 2
mk shoff-past-end; wr "$D/shoff-past-end.ko" 40 8 $((size + 4096))
mk shoff-huge; wr "$D/shoff-huge.ko" 40 8 $((0x7fffffffffffff00))
mk shnum-huge; wr "$D/shnum-huge.ko" 60 2 65535
mk shentsize-wrong; wr "$D/shentsize-wrong.ko" 58 2 56
mk shstrndx-out-of-range; wr "$D/shstrndx-out-of-range.ko" 62 2 9999
h=$(sechdr .modinfo)
mk modinfo-offset-past-end; wr "$D/modinfo-offset-past-end.ko" $((h + 24)) 8 $((size * 2))
mk modinfo-size-huge; wr "$D/modinfo-size-huge.ko" $((h + 32)) 8 $((0x7fffffffffffff00))
mk modinfo-offset-overflow; wr "$D/modinfo-offset-overflow.ko" $((h + 24)) 8 $((0x7fffffffffffffff))
hs=$((shoff + shstrndx * 64))
mk shstrtab-unterminated
wr "$D/shstrtab-unterminated.ko" $(($(rd $((hs + 24)) 8 "$src") + $(rd $((hs + 32)) 8 "$src") - 1)) 1 120
objcopy --remove-section .modinfo "$src" "$D/no-modinfo.ko"
h=$(sechdr .symtab)
mk symtab-size-odd; wr "$D/symtab-size-odd.ko" $((h + 32)) 8 $(($(rd $((h + 32)) 8 "$src") - 5))
h=$(sechdr .strtab)
mk strtab-tiny; wr "$D/strtab-tiny.ko" $((h + 32)) 8 3
h=$(sechdr __versions)
mk versions-size-odd; wr "$D/versions-size-odd.ko" $((h + 32)) 8 100
mk signature-len-huge; wr "$D/signature-len-huge.ko" $((size - 28 - 4)) 4 $((0xffffff7f))
xz --check=crc32 --lzma2=dict=1MiB -c "$src" | head -c 3000 > "$D/truncated-stream.ko.xz"
xz -c "$src" | { head -c 2000; head -c 500 /dev/zero; } > "$D/corrupt-stream.ko.xz"
echo hello | xz -c > "$D/not-a-module.ko.xz"
zstd -q -c "$src" | head -c 3000 > "$D/truncated-stream.ko.zst"
zstd -q -c "$src" > "$D/flipped.ko.zst"; wr "$D/flipped.ko.zst" 100 4 $((0xdeadbeef))
printf '\x28\xb5\x2f\xfd\x00\x00\x00\x00' > "$D/frame-header-only.ko.zst"
gzip -c "$src" | head -c 3000 > "$D/truncated-stream.ko.gz"
gzip -c "$src" > "$D/crc-broken.ko.gz"; wr "$D/crc-broken.ko.gz" $(($(stat -c %s "$D/crc-broken.ko.gz") - 8)) 4 1
# a sanity control: the untouched module must still be read fine
cp "$src" "$D/control-good.ko"

count=$(ls "$D" | wc -l)
diag "$count files"
[ "$count" -ge 30 ] || not_ok "expected at least 30 files, made $count"

for f in "$D"/*; do
	name=$(basename "$f")
	"$ASAN_MY" "$f" > "$TMPD/out" 2> "$TMPD/err"
	rc=$?
	if grep -q 'Sanitizer\|runtime error' "$TMPD/err"; then
		not_ok "$name: sanitizer report from mymodinfo"
		head -20 "$TMPD/err" | diag
		continue
	fi
	"$ASAN_TOOL" "$f" all > "$TMPD/tool" 2> "$TMPD/toolerr"
	trc=$?
	if [ $trc -gt 1 ] || grep -q 'Sanitizer\|runtime error' "$TMPD/toolerr"; then
		not_ok "$name: reader tool crashed or tripped a sanitizer (exit $trc)"
		head -20 "$TMPD/toolerr" | diag
		continue
	fi
	case $name in
	control-good.ko | signature-len-huge.ko | symtab-size-odd.ko | strtab-tiny.ko | versions-size-odd.ko)
		# .modinfo is intact: modinfo must still work (kmod's behaviour too)
		[ $rc -eq 0 ] || { not_ok "$name: readable module rejected (exit $rc)"; cat "$TMPD/err" | diag; continue; }
		;;
	*)
		if [ $rc -ne 1 ] || ! grep -q "^mymodinfo: ERROR: " "$TMPD/err"; then
			not_ok "$name: want exit 1 and an ERROR line, got exit $rc"
			cat "$TMPD/err" | diag
			continue
		fi
		;;
	esac
	if [[ $name == *.gz ]]; then
		# kmod 30 has no zlib; our message for a corrupt gzip stream
		modname=${name%%.*}
		grep -q "could not get modinfo from '${modname//-/_}': Invalid argument" "$TMPD/err" &&
			ok "$name: $(cat "$TMPD/err")" || not_ok "$name: unexpected message $(cat "$TMPD/err")"
		continue
	fi
	"$KMOD" "$f" > "$TMPD/kout" 2> "$TMPD/kerr"
	krc=$?
	sed -i 's/^mymodinfo: /modinfo: /' "$TMPD/err"
	if [ $krc -ge 128 ]; then
		# kmod 30 crashes here (an assertion on e_shstrndx): docs/compat.md
		ok "$name: kmod crashes (exit $krc), we fail cleanly: $(head -1 "$TMPD/err")"
		continue
	fi
	if [ $krc -eq $rc ] && cmp -s "$TMPD/kerr" "$TMPD/err" && cmp -s "$TMPD/kout" "$TMPD/out"; then
		ok "$name: exit $rc, $(head -1 "$TMPD/err")"
	else
		not_ok "$name: differs from kmod (kmod exit $krc, ours $rc)"
		diff "$TMPD/kerr" "$TMPD/err" | diag
	fi
done

# the reader tool on the symbol-table cases must report the damage, not invent data
# (exit 1, the error line, and no sanitizer report)
for name in symtab-size-odd.ko strtab-tiny.ko versions-size-odd.ko; do
	"$ASAN_TOOL" "$D/$name" needs > "$TMPD/tool" 2>&1
	trc=$?
	if [ $trc -eq 1 ] && grep -q '^error: needs:' "$TMPD/tool" &&
		! grep -q 'Sanitizer\|runtime error' "$TMPD/tool"; then
		ok "$name: needs reported as unreadable"
	else
		not_ok "$name: needs read without error (exit $trc): $(head -3 "$TMPD/tool")"
	fi
done
done_testing
