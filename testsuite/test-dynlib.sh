#!/bin/bash
# The optional libraries are loaded when a file needs them (lib/dynlib.h): no tool
# links them, mymodprobe for a name that matches nothing (or one the indexes answer)
# maps none of them, and a library that is missing at run time gives a clear error
# for its format only. With configure --disable-dlopen they are linked as before.
. "$top_srcdir/testsuite/tap.sh"
tap_tmpdir
kver=$(debian_kver) || bail_out "no Debian module tree"
config=$top_builddir/config.h
grep -q '^#define ENABLE_DLOPEN [01]$' "$config" || bail_out "config.h says nothing of ENABLE_DLOPEN"
dlopen=no
grep -q '^#define ENABLE_DLOPEN 1$' "$config" && dlopen=yes
diag "configured with dlopen: $dlopen"
# the libraries of this build: libelf always, the others as configured
libs=libelf.so
for f in ZSTD:libzstd.so XZ:liblzma.so ZLIB:libz.so LIBCRYPTO:libcrypto.so; do
	grep -q "^#define ENABLE_${f%%:*} 1$" "$config" && libs="$libs ${f#*:}"
done

# (1) what each tool links
for t in mydepmod mymodprobe mymodinfo myinsmod myrmmod mylsmod; do
	deps=$(ldd "$TOOLS/$t") || { not_ok "ldd $t"; continue; }
	grep -q 'libc\.so' <<<"$deps" || { not_ok "ldd $t lists no libc: cannot judge"; continue; }
	found=
	for l in $libs; do grep -q "$l" <<<"$deps" && found="$found $l"; done
	if [ $dlopen = yes ]; then
		check "$t links none of the optional libraries (found:${found:- none})" \
			test -z "$found"
	else
		check "--disable-dlopen: $t links all of $libs (found:$found)" \
			test "$found" = " $libs"
	fi
done

# (3) the libraries a run maps: LD_DEBUG lists each object the loader opens
mapped() {
	LD_DEBUG=files "$@" 2>&1 >/dev/null |
		sed -n 's/.*file=\([^ ]*\) \[0\]; *\(needed\|dynamically loaded\).*/\1/p' |
		grep -E 'lib(elf|zstd|lzma|z|crypto)\.so' | sort -u | tr '\n' ' '
}
m=$(mapped "$TOOLS/mymodprobe" -S "$kver" -q -- mykmod-no-such-name)
n=$(mapped "$TOOLS/mymodprobe" -S "$kver" -D ext4)
v=$(mapped "$TOOLS/mymodinfo" -k "$kver" -F vermagic ext4)
if [ $dlopen = yes ]; then
	check "mymodprobe -q -- nosuchname maps none of them (${m:-none})" test -z "$m"
	check "mymodprobe -D ext4 maps none of them (${n:-none})" test -z "$n"
	# .modinfo is found through libelf, which needs libz itself; no codec, no libcrypto
	check "mymodinfo -F vermagic ext4 maps libelf and its libz only ($v)" \
		test "$v" = "libelf.so.1 libz.so.1 "
else
	check "--disable-dlopen: mymodprobe -q -- nosuchname maps libelf ($m)" \
		grep -q libelf <<<"$m"
	ok "--disable-dlopen: -D ext4 maps ($n), vermagic ($v)"
fi

# (2) a missing library, hidden by an empty file bound over it in a mount namespace
src=$(find "/lib/modules/$kver/kernel" -name mbcache.ko | head -1)
cp "$src" "$TMPD/m.ko"
zstd -q -c "$src" > "$TMPD/m.ko.zst"
xz -c "$src" > "$TMPD/m.ko.xz"
gzip -c "$src" > "$TMPD/m.ko.gz"
: > "$TMPD/empty"
if [ $dlopen = no ]; then
	ok "# SKIP a library missing at run time: linked, the tools would not start"
	done_testing
	exit
fi
unshare -m true 2>/dev/null || bail_out "unshare -m does not work here (needs root)"
"$TOOLS/mymodinfo" "$TMPD/m.ko" > "$TMPD/full.out" || not_ok "mymodinfo m.ko: exit $?"
grep -q '^sig_hashalgo:   sha' "$TMPD/full.out" || not_ok "m.ko has no PKCS#7 signature to judge with"

# run_without SONAME CMD...: CMD with the library SONAME replaced by an empty file
run_without() {
	local so=$1 path
	shift
	path=$(ldconfig -p | awk -v so="$so" '$1 == so && /x86-64/ { print $NF; exit }')
	[ -n "$path" ] || { echo "no $so in ldconfig -p" >&2; return 99; }
	unshare -m sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh "$TMPD/empty" "$path" "$@"
}

# the format without its library fails with the message; the others read as usual
for f in zst:ZSTD:zstd xz:XZ:xz gz:ZLIB:zlib; do
	ext=${f%%:*} var=${f#*:} var=${var%%:*} name=${f##*:}
	so=$(sed -n "s/^#define MK_SONAME_$var \"\(.*\)\"$/\1/p" "$config")
	[ -n "$so" ] || { ok "# SKIP $name is not built in"; continue; }
	out=$(cd "$TMPD" && run_without "$so" "$TOOLS/mymodinfo" m.ko.$ext 2>&1 >/dev/null)
	rc=$?
	want="mymodinfo: ERROR: could not get modinfo from 'm': the $name library ($so) could not be loaded: "
	if [ $rc -eq 1 ] && [ "${out#"$want"}" != "$out" ] && grep -q "$so" <<<"${out#"$want"}"; then
		ok "without $so: m.ko.$ext fails with exit 1 and names the library and the module"
	else
		not_ok "without $so: m.ko.$ext gave exit $rc"
		diag "$out"
	fi
	for other in ko ko.zst ko.xz ko.gz; do
		[ "$other" = "ko.$ext" ] && continue
		if [ $name = zlib ]; then
			# libelf needs libz itself: no module can be parsed, and the
			# message says which library could not be loaded, and why
			out=$(run_without "$so" "$TOOLS/mymodinfo" "$TMPD/m.$other" 2>&1 >/dev/null)
			rc=$?
			want="mymodinfo: ERROR: could not get modinfo from 'm': the libelf library"
			check "without $so: m.$other fails, naming libelf and $so (exit $rc)" \
				eval '[ $rc -eq 1 ] && [ "${out#"$want"}" != "$out" ] && grep -q "$so" <<<"$out"'
			continue
		fi
		run_without "$so" "$TOOLS/mymodinfo" "$TMPD/m.$other" > "$TMPD/o.out" 2>&1
		rc=$?
		if [ $rc -eq 0 ] && diff <(sed 1d "$TMPD/full.out") <(sed 1d "$TMPD/o.out") > /dev/null; then
			ok "without $so: m.$other reads as with it"
		else
			not_ok "without $so: m.$other (exit $rc)"
			diff <(sed 1d "$TMPD/full.out") <(sed 1d "$TMPD/o.out") | head -5 | diag
		fi
	done
done

# libcrypto: the signature fields as a build without it prints them (test-features.sh)
so=$(sed -n 's/^#define MK_SONAME_LIBCRYPTO "\(.*\)"$/\1/p' "$config")
if [ -n "$so" ]; then
	run_without "$so" "$TOOLS/mymodinfo" "$TMPD/m.ko" > "$TMPD/nocrypto.out" 2> "$TMPD/err"
	rc=$?
	if [ $rc -eq 0 ] && [ ! -s "$TMPD/err" ] &&
		diff <(grep -v '^\(signer\|sig_key\|sig_hashalgo\|signature\|		\)' "$TMPD/full.out") \
			<(grep -v '^\(signer\|sig_key\|sig_hashalgo\|signature\)' "$TMPD/nocrypto.out") > /dev/null &&
		grep -qx 'sig_hashalgo:   unknown' "$TMPD/nocrypto.out" &&
		grep -qx 'signer:         ' "$TMPD/nocrypto.out"; then
		ok "without $so: the other fields as usual, sig_hashalgo unknown, empty signer"
	else
		not_ok "without $so: exit $rc"
		diag "$(cat "$TMPD/err")" "$(grep sig "$TMPD/nocrypto.out")"
	fi
	out=$(run_without "$so" "$TOOLS/mymodinfo" -F signer "$TMPD/m.ko.xz" 2>&1)
	check "without $so: -F signer of m.ko.xz prints the empty signer (got '$out')" \
		test "$out" = ""
else
	ok "# SKIP libcrypto is not built in"
fi

# libelf: parsing a module needs it, and says so; mymodprobe -D does not
so=$(sed -n 's/^#define MK_SONAME_LIBELF "\(.*\)"$/\1/p' "$config")
out=$(cd "$TMPD" && run_without "$so" "$TOOLS/mymodinfo" m.ko 2>&1 >/dev/null)
rc=$?
want="mymodinfo: ERROR: could not get modinfo from 'm': the libelf library ($so) could not be loaded: "
if [ $rc -eq 1 ] && [ "${out#"$want"}" != "$out" ]; then
	ok "without $so: mymodinfo m.ko fails with exit 1 and names libelf"
else
	not_ok "without $so: mymodinfo m.ko gave exit $rc"
	diag "$out"
fi
run_without "$so" "$TOOLS/mymodprobe" -S "$kver" -D ext4 > "$TMPD/d.out" 2>&1
rc=$?
"$TOOLS/mymodprobe" -S "$kver" -D ext4 > "$TMPD/d.ref" 2>&1
check "without $so: mymodprobe -D ext4 works as usual (exit $rc)" \
	eval '[ $rc -eq 0 ] && [ -s "$TMPD/d.ref" ] && cmp -s "$TMPD/d.out" "$TMPD/d.ref"'

# mydepmod and mykmod diff read modules on other threads; their messages name the
# library the module needed too (mk_lib_strerror), not only its errno text
so=$(sed -n 's/^#define MK_SONAME_XZ "\(.*\)"$/\1/p' "$config")
if [ -n "$so" ]; then
	mkdir -p "$TMPD/xt/lib/modules/9.9.8/kernel"
	cp "$TMPD/m.ko.xz" "$TMPD/xt/lib/modules/9.9.8/kernel/"
	out=$(run_without "$so" "$TOOLS/mydepmod" -b "$TMPD/xt" 9.9.8 2>&1 | grep ERROR)
	want="mydepmod: ERROR: failed to load symbols from $TMPD/xt/lib/modules/9.9.8/kernel/m.ko.xz: the xz library ($so) could not be loaded: "
	check "without $so: mydepmod names the module and the library" \
		eval '[ "${out#"$want"}" != "$out" ]'
	out=$(run_without "$so" "$TOOLS/mykmod" diff "$TMPD/xt" "$TMPD/xt" 2>&1 >/dev/null)
	rc=$?
	want="mykmod: ERROR: $TMPD/xt/lib/modules/9.9.8/kernel/m.ko.xz: the xz library ($so) could not be loaded: "
	check "without $so: mykmod diff of a tree names the module and the library (exit $rc)" \
		eval '[ $rc -eq 2 ] && grep -qF "$want" <<<"$out"'
else
	ok "# SKIP xz is not built in"
fi

# libarchive: only mykmod diff of a kernel package loads it (lib/pkgread.h)
so=$(sed -n 's/^#define MK_SONAME_ARCHIVE "\(.*\)"$/\1/p' "$config")
deps=$(ldd "$TOOLS/mykmod")
check "mykmod does not link $so" eval '! grep -q libarchive <<<"$deps"'
mkdir -p "$TMPD/pkg/lib/modules/9.9.9/kernel" "$TMPD/pkg/DEBIAN"
cp "$TMPD/m.ko" "$TMPD/pkg/lib/modules/9.9.9/kernel/"
printf 'Package: t\nVersion: 1\nArchitecture: amd64\nMaintainer: t <t@t>\nDescription: t\n' \
	>"$TMPD/pkg/DEBIAN/control"
dpkg-deb -b "$TMPD/pkg" "$TMPD/t.deb" >/dev/null || bail_out "dpkg-deb -b failed"
a=$(LD_DEBUG=files "$TOOLS/mykmod" diff "$TMPD/pkg/lib/modules/9.9.9" "$TMPD/pkg/lib/modules/9.9.9" 2>&1 >/dev/null |
	grep -c 'file=libarchive')
b=$(LD_DEBUG=files "$TOOLS/mykmod" diff "$TMPD/t.deb" "$TMPD/t.deb" 2>&1 >/dev/null |
	grep -c 'file=libarchive')
check "mykmod diff maps libarchive for packages only (trees: $a, packages: $b)" \
	eval '[ "$a" -eq 0 ] && [ "$b" -gt 0 ]'
out=$("$TOOLS/mykmod" diff "$TMPD/t.deb" "$TMPD/pkg/lib/modules/9.9.9" 2>&1)
check "mykmod diff of the package against its tree: exit 0 ($out)" test -z "$out"
out=$(run_without "$so" "$TOOLS/mykmod" diff "$TMPD/t.deb" "$TMPD/pkg" 2>&1 >/dev/null)
rc=$?
want="mykmod: ERROR: $TMPD/t.deb: the libarchive library ($so) could not be loaded: "
check "without $so: a package side fails with exit 2, naming the library (exit $rc)" \
	eval '[ $rc -eq 2 ] && [ "${out#"$want"}" != "$out" ]'
done_testing
