#!/bin/bash
# The Debian package (debian/): built from the distributed files with
# `dpkg-buildpackage -us -uc -b` (its tests not run again), lintian without an error,
# no file that another package (kmod's) owns, and the tools it holds, unpacked with
# dpkg-deb -x, against kmod 30 on a small elfgen tree. Then `dpkg -i` beside kmod
# must not complain, and `dpkg --purge` puts the machine back (root only).
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"
. "$top_srcdir/testsuite/depmod/lib.sh"

for c in dpkg-buildpackage dh lintian dpkg-deb; do
	command -v $c > /dev/null || bail_out "$c is not installed (scripts/install-deps)"
done
[ -x "$ELFGEN" ] || bail_out "elfgen not built: $ELFGEN"
[ "$(id -u)" -eq 0 ] || bail_out "dpkg -i needs root"
tap_tmpdir
quiet() { "$@" > /dev/null 2>&1; }

# the source of the package: what `make dist` would ship, unpacked
make -s -C "$top_builddir" distdir distdir="$TMPD/mykmod" > "$TMPD/distdir.log" 2>&1 ||
	bail_out "make distdir failed: $(tail -5 "$TMPD/distdir.log")"
start=$SECONDS
if (cd "$TMPD/mykmod" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b) \
	> "$TMPD/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b ($((SECONDS - start)) s)"
else
	not_ok "dpkg-buildpackage -us -uc -b"
	tail -20 "$TMPD/build.log" | diag
	done_testing
	exit 1
fi
deb=$(ls "$TMPD"/mykmod_*.deb 2> /dev/null | head -1)
check "one mykmod .deb" test -f "$deb"
check "no make check in the package build" \
	bash -c "! grep -q 'make.* check' '$TMPD/build.log'"

lintian --no-tag-display-limit "$deb" > "$TMPD/lintian.log" 2>&1
rc=$?
if [ $rc -gt 1 ]; then
	not_ok "lintian could not run (exit $rc)"
	tail -5 "$TMPD/lintian.log" | diag
elif grep -q '^E:' "$TMPD/lintian.log"; then
	not_ok "lintian: errors"
	grep '^E:' "$TMPD/lintian.log" | diag
else
	ok "lintian: no error ($(grep -c '^W:' "$TMPD/lintian.log") warnings)"
	grep '^W:' "$TMPD/lintian.log" | diag
fi

# every file of the package, as dpkg will record it; dpkg -S finds the owner of each
# under both of its names (Debian 12 has merged /usr: kmod owns /sbin/modprobe)
dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -n 's|^\./|/|; /[^/]$/p' > "$TMPD/files"
check "the package holds the tools in /usr/sbin" grep -qx /usr/sbin/mymodprobe "$TMPD/files"
check "the package holds the bash completion" \
	grep -qx /usr/share/bash-completion/completions/mykmod "$TMPD/files"
owned=
while read -r f; do
	for name in "$f" "${f#/usr}"; do
		o=$(dpkg -S "$name" 2> /dev/null | grep -v '^mykmod:' | grep -v '^diversion')
		[ -n "$o" ] && owned="$owned $o"
	done
done < "$TMPD/files"
if [ -z "$owned" ]; then
	ok "no file of the package is another package's ($(wc -l < "$TMPD/files") files)"
else
	not_ok "files another package owns:$owned"
fi

# the tools as unpacked, on a tree kmod's depmod and modinfo see too
root=$TMPD/root
dpkg-deb -x "$deb" "$root"
sbin=$root/usr/sbin
for t in mydepmod mymodprobe mymodinfo myinsmod myrmmod mylsmod mykmod; do
	out=$("$sbin/$t" --version 2>&1)
	check "$t --version (unpacked): $(head -1 <<< "$out")" grep -q '^mykmod version' <<< "$out"
	check "$t --help (unpacked)" quiet "$sbin/$t" --help
done
K=5.6.0
T=$TMPD/tree
mkmod "$T" $K kernel/a.ko --modinfo name=a --modinfo alias=a-alias --export a_fn:0x1
mkmod "$T" $K kernel/b.ko --modinfo name=b --need a_fn:0x1 --modinfo 'softdep=pre: a'
mkmod "$T" $K extra/c.ko --modinfo name=c --modinfo license=GPL --need b_fn:0x2
MYDEPMOD=$sbin/mydepmod
DIFF_FAILED=0
differential unpacked "$T" $K
check "the unpacked mydepmod -b writes kmod's depmod files" test "$DIFF_FAILED" -eq 0
for f in a b; do
	check "the unpacked mymodinfo $f.ko prints kmod's modinfo" \
		cmp -s <(/usr/sbin/modinfo "$T/lib/modules/$K/kernel/$f.ko" 2>&1) \
		<("$sbin/mymodinfo" "$T/lib/modules/$K/kernel/$f.ko" 2>&1)
done

# installed beside kmod: dpkg refuses a file another package owns
was_installed=$(dpkg-query -W -f='${Status}' mykmod 2> /dev/null)
if dpkg -i "$deb" > "$TMPD/dpkg.log" 2>&1; then
	ok "dpkg -i beside kmod"
else
	not_ok "dpkg -i beside kmod"
	diag < "$TMPD/dpkg.log"
fi
check "installed: /usr/sbin/mymodinfo -V" quiet /usr/sbin/mymodinfo -V
check "kmod is still installed whole" dpkg --verify kmod
if [ "$was_installed" != 'install ok installed' ]; then
	check "dpkg --purge mykmod" quiet dpkg --purge mykmod
	check "nothing of it left" test ! -e /usr/sbin/mymodinfo
fi
done_testing
