#!/bin/bash
# Every optional library can be left out: lib/ and mymodinfo build without zstd, xz,
# zlib and libcrypto, -V says so, a module in a format that was left out gives a
# clear error naming the format, and plain modules still read the same as with
# everything enabled (signature fields as kmod prints them without a crypto library).
. "$top_srcdir/testsuite/tap.sh"
tap_tmpdir
kver=$(debian_kver) || bail_out "no Debian module tree"
# the real config.h, with every optional feature turned off
sed -e 's/^#define ENABLE_\(ZSTD\|XZ\|ZLIB\|LIBCRYPTO\) 1$/#define ENABLE_\1 0/' \
	-e 's/^#define MYKMOD_FEATURES .*/#define MYKMOD_FEATURES "-ZSTD -XZ -ZLIB -LIBCRYPTO"/' \
	"$top_builddir/config.h" > "$TMPD/config.h"
grep -q 'ENABLE_ZSTD 0' "$TMPD/config.h" || bail_out "could not derive a minimal config.h"
bin=$TMPD/mymodinfo
if gcc -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Werror -include "$TMPD/config.h" \
	-I"$TMPD" -I"$top_srcdir/lib" -I"$top_srcdir/tools" -o "$bin" \
	"$top_srcdir"/lib/*.c "$top_srcdir/tools/mymodinfo.c" "$top_srcdir/tools/log.c" \
	$(pkg-config --libs libelf) -lpthread 2> "$TMPD/cc.log"; then
	ok "lib/ and mymodinfo build warning-free without zstd, xz, zlib and libcrypto"
else
	not_ok "minimal build fails"
	head -30 "$TMPD/cc.log" | diag
	done_testing
	exit
fi
# our own NEEDED entries (libelf itself needs libz, whatever we do); an empty
# list would prove nothing: libc is always there, and libelf unless it is loaded
# on demand (lib/dynlib.h, test-dynlib.sh)
needed=$(readelf -d "$bin" | grep NEEDED) || needed=
if grep -q '^#define ENABLE_DLOPEN 1$' "$TMPD/config.h"; then
	check "the minimal build's NEEDED entries are readable (libc, not libelf)" \
		eval 'grep -q "libc\.so" <<<"$needed" && ! grep -q libelf <<<"$needed"'
else
	check "the minimal build's NEEDED entries are readable (libelf among them)" \
		grep -q libelf <<<"$needed"
fi
for lib in libzstd liblzma libz.so libcrypto; do
	check "minimal build does not link $lib" eval '! grep -q "$lib" <<<"$needed"'
done
out=$("$bin" -V)
rc=$?
check "-V exits 0 ($rc) and shows the features as off" \
	eval '[ $rc -eq 0 ] && grep -qx -- "-ZSTD -XZ -ZLIB -LIBCRYPTO" <<<"$out"'

src=$(find "/lib/modules/$kver/kernel" -name mbcache.ko | head -1)
cp "$src" "$TMPD/m.ko"
zstd -q -c "$src" > "$TMPD/m.ko.zst"
xz -c "$src" > "$TMPD/m.ko.xz"
gzip -c "$src" > "$TMPD/m.ko.gz"
cp "$TMPD/m.ko.xz" "$TMPD/disguised.ko"
for f in m.ko.zst m.ko.xz m.ko.gz; do
	fmt=$(case $f in *.zst) echo zstd ;; *.xz) echo xz ;; *.gz) echo gzip ;; esac)
	out=$(cd "$TMPD" && "$bin" "$f" 2>&1)
	rc=$?
	[ $rc -eq 1 ] && grep -qx "mymodinfo: ERROR: $f: $fmt compression is not supported by this build" <<< "$out" &&
		ok "$f: clear error without $fmt support" || { not_ok "$f: want a clear error, got ($rc)"; diag "$out"; }
done
out=$(cd "$TMPD" && "$bin" disguised.ko 2>&1 >/dev/null)
grep -qx "mymodinfo: ERROR: could not get modinfo from 'disguised': xz compression is not supported by this build" <<< "$out" &&
	ok "an xz file named .ko: the magic is recognised and the error says xz" ||
	{ not_ok "disguised xz module"; diag "$out"; }

# plain modules: same as the full build, except the PKCS#7 fields kmod leaves empty
# without a crypto library (sig_hashalgo "unknown", no signer, key or signature)
"$bin" "$TMPD/m.ko" > "$TMPD/min.out" || not_ok "minimal mymodinfo on a plain module: exit $?"
"$TOOLS/mymodinfo" "$TMPD/m.ko" > "$TMPD/full.out" || not_ok "mymodinfo on a plain module: exit $?"
if diff <(grep -v '^\(signer\|sig_key\|sig_hashalgo\|signature\|		\)' "$TMPD/full.out") \
	<(grep -v '^\(signer\|sig_key\|sig_hashalgo\|signature\)' "$TMPD/min.out") > "$TMPD/d" &&
	grep -qx 'sig_hashalgo:   unknown' "$TMPD/min.out" && grep -qx 'signer:         ' "$TMPD/min.out"; then
	ok "plain module without libcrypto: same fields, sig_hashalgo unknown, empty signer"
else
	not_ok "plain module output without libcrypto"
	diag "$(cat "$TMPD/d")" "$(grep sig "$TMPD/min.out")"
fi
done_testing
