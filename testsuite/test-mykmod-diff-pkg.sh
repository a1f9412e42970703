#!/bin/bash
# mykmod diff with kernel packages as sides, read in place (docs/mykmod-diff.md §1):
# Debian's real linux-image packages, downloaded here with apt-get (the two newest
# ABIs of linux-image-6.1.0-N-amd64, the newest -cloud-amd64 and -rt-amd64, and the
# linux-headers of the same ABIs for Module.symvers), checked against results
# computed without mykmod: module lists from dpkg-deb -c, aliases, parameters and
# firmware from kmod's modinfo on unpacked copies, CRCs from Module.symvers; a
# package against its own unpacked copy and against the installed tree; small
# packages made here (two kernel versions, a tar and a zstd cpio payload as an .rpm
# holds, real .rpm files made with rpmbuild, links inside a package); -E of a
# headers package; bad input.
# The packages are kept in $MYKMOD_PKG_CACHE (/var/tmp/mykmod-pkgs) between runs.
# No network means no packages: that fails, it does not skip.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"

MYKMOD=${MYKMOD:-$TOOLS/mykmod}
KMOD_MODINFO=${KMOD_MODINFO:-/usr/sbin/modinfo}
CACHE=${MYKMOD_PKG_CACHE:-/var/tmp/mykmod-pkgs}
[ -x "$MYKMOD" ] || bail_out "mykmod not built: $MYKMOD"
[ -x "$KMOD_MODINFO" ] || bail_out "kmod's modinfo not found at $KMOD_MODINFO"
for c in apt-get apt-cache dpkg-deb python3 cpio zstd rpmbuild rpm rpm2cpio; do
	command -v $c >/dev/null || bail_out "$c not found"
done
export LC_ALL=C
tap_tmpdir
[ -n "${KEEP:-}" ] && trap - EXIT && echo "# $TMPD"
mkdir -p "$CACHE" || bail_out "cannot make $CACHE"

# ---- the packages: chosen from what the archive offers, never hard-coded ----

# abis FLAVOUR-SUFFIX: the ABI numbers N of linux-image-6.1.0-N<suffix>, ascending
abis() {
	apt-cache search --names-only "^linux-image-6\\.1\\.0-[0-9]+$1\$" |
		sed -n "s/^linux-image-6\\.1\\.0-\\([0-9]*\\)$1 .*/\\1/p" | sort -n -u
}
[ -n "$(abis -amd64)" ] || apt-get update -qq >/dev/null 2>&1
read -r OLD NEW < <(abis -amd64 | tail -2 | tr '\n' ' ')
CLOUD=$(abis -cloud-amd64 | tail -1)
RT=$(abis -rt-amd64 | tail -1)
[ -n "$OLD" ] && [ -n "$NEW" ] && [ -n "$CLOUD" ] && [ -n "$RT" ] ||
	bail_out "the archive offers no two linux-image-6.1.0-N-amd64 (apt-cache: '$OLD' '$NEW' '$CLOUD' '$RT')"
diag "ABIs: amd64 $OLD and $NEW, cloud-amd64 $CLOUD, rt-amd64 $RT"

# fetch PACKAGE: the path of its newest .deb in the cache, downloaded when missing
fetch() {
	local ver f
	ver=$(apt-cache madison "$1" | awk '{ print $3 }' | sort -V | tail -1)
	[ -n "$ver" ] || return 1
	f="$CACHE/${1}_${ver/:/%3a}_amd64.deb"
	if [ ! -s "$f" ]; then
		(cd "$CACHE" && apt-get download -q "$1=$ver" >/dev/null 2>&1) || return 1
	fi
	[ -s "$f" ] && echo "$f"
}
IMG_OLD=$(fetch linux-image-6.1.0-$OLD-amd64) || bail_out "apt-get download linux-image-6.1.0-$OLD-amd64 failed"
IMG_NEW=$(fetch linux-image-6.1.0-$NEW-amd64) || bail_out "apt-get download linux-image-6.1.0-$NEW-amd64 failed"
IMG_CLOUD=$(fetch linux-image-6.1.0-$CLOUD-cloud-amd64) || bail_out "apt-get download of the cloud image failed"
IMG_RT=$(fetch linux-image-6.1.0-$RT-rt-amd64) || bail_out "apt-get download of the rt image failed"
HDR_OLD=$(fetch linux-headers-6.1.0-$OLD-amd64) || bail_out "apt-get download linux-headers-6.1.0-$OLD-amd64 failed"
HDR_NEW=$(fetch linux-headers-6.1.0-$NEW-amd64) || bail_out "apt-get download linux-headers-6.1.0-$NEW-amd64 failed"
HDR_CLOUD=$(fetch linux-headers-6.1.0-$CLOUD-cloud-amd64) || bail_out "apt-get download of the cloud headers failed"
K_OLD=6.1.0-$OLD-amd64 K_NEW=6.1.0-$NEW-amd64 K_CLOUD=6.1.0-$CLOUD-cloud-amd64 K_RT=6.1.0-$RT-rt-amd64

# ---- what is expected, computed without mykmod ----

# symvers HEADERS-DEB KVER OUT: the package's Module.symvers, out of its data.tar
symvers() {
	dpkg-deb --fsys-tarfile "$1" | tar -xO "./usr/src/linux-headers-$2/Module.symvers" >"$3"
}
symvers "$HDR_OLD" "$K_OLD" "$TMPD/sv-old" || bail_out "no Module.symvers in $HDR_OLD"
symvers "$HDR_NEW" "$K_NEW" "$TMPD/sv-new" || bail_out "no Module.symvers in $HDR_NEW"
symvers "$HDR_CLOUD" "$K_CLOUD" "$TMPD/sv-cloud" || bail_out "no Module.symvers in $HDR_CLOUD"

# modlist DEB KVER PREFIX: PREFIX.files, the names of the module files of the package
# (the members dpkg-deb -c lists); PREFIX.builtin, the names its modules.builtin
# lists; one pass over its data.tar
modlist() {
	dpkg-deb --fsys-tarfile "$1" | python3 -c '
import re, sys, tarfile
k, out = sys.argv[1], sys.argv[2]
files, builtin = set(), set()
norm = lambda p: re.sub(r"\.ko(\.(xz|zst|gz))?$", "", p.rsplit("/", 1)[-1]).replace("-", "_")
with tarfile.open(fileobj=sys.stdin.buffer, mode="r|") as t:
    for m in t:
        if not m.name.startswith("./lib/modules/%s/" % k):
            continue
        if re.search(r"\.ko(\.(xz|zst|gz))?$", m.name):
            files.add(norm(m.name))
        elif m.name == "./lib/modules/%s/modules.builtin" % k:
            builtin = {norm(l) for l in t.extractfile(m).read().decode().split()}
open(out + ".files", "w").write("".join(n + "\n" for n in sorted(files)))
open(out + ".builtin", "w").write("".join(n + "\n" for n in sorted(builtin)))
' "$2" "$3" && [ -s "$3.files" ] && [ -s "$3.builtin" ]
}
for s in OLD NEW CLOUD RT; do
	img=IMG_$s k=K_$s
	modlist "${!img}" "${!k}" "$TMPD/$s" || bail_out "no module list out of ${!img}"
done
# the lists agree with dpkg-deb -c (of one package: each listing decompresses it all)
dpkg-deb -c "$IMG_RT" | awk '{ print $NF }' | grep -E "\.ko(\.(xz|zst|gz))?$" |
	sed -E 's|.*/||; s/\.ko(\.(xz|zst|gz))?$//; s/-/_/g' | sort -u >"$TMPD/RT.dpkg"
check "the module list of $K_RT is the one dpkg-deb -c gives" cmp -s "$TMPD/RT.dpkg" "$TMPD/RT.files"

# unpack DEB DIR: dpkg-deb -x, once per package
unpack() {
	mkdir -p "$2" && dpkg-deb -x "$1" "$2"
}
unpack "$IMG_NEW" "$TMPD/u-new" || bail_out "dpkg-deb -x $IMG_NEW failed"
unpack "$IMG_CLOUD" "$TMPD/u-cloud" || bail_out "dpkg-deb -x $IMG_CLOUD failed"

# run_diff ARGS...: output in $TMPD/out, messages in $TMPD/err, status in $rc
run_diff() {
	rc=0
	"$MYKMOD" diff "$@" >"$TMPD/out" 2>"$TMPD/err" || rc=$?
}

# section LABEL: the detail lines under "LABEL:" in $TMPD/out, without the indent
section() {
	awk -v h="$1:" '$0 == h { on = 1; next } /^$/ { on = 0 } on { sub(/^  /, ""); print }' \
		"$TMPD/out"
}

# same_lines DESC EXPECTED-FILE GOT-FILE: equal as sorted sets of lines
same_lines() {
	if cmp -s <(sort -u "$2") <(sort -u "$3"); then
		ok "$1 ($(sort -u "$2" | wc -l) lines)"
	else
		not_ok "$1"
		diff <(sort -u "$2") <(sort -u "$3") | head -10 | diag
	fi
}

# lists A B LABEL: the modules added, removed, now builtin, now loadable from A to B
# in $TMPD/out, against the file and builtin lists of A and B (a builtin module is a
# module of its side too: docs/mykmod-diff.md §2)
lists() {
	local a=$TMPD/$1 b=$TMPD/$2
	comm -13 <(sort -u "$a.files" "$a.builtin") <(sort -u "$b.files" "$b.builtin") \
		>"$TMPD/exp.added"
	comm -23 <(sort -u "$a.files" "$a.builtin") <(sort -u "$b.files" "$b.builtin") \
		>"$TMPD/exp.removed"
	comm -23 "$a.files" "$b.files" | comm -12 - "$b.builtin" >"$TMPD/exp.builtin"
	comm -13 "$a.files" "$b.files" | comm -12 - "$a.builtin" >"$TMPD/exp.loadable"
	section "modules added" | awk '{ print $1 }' >"$TMPD/got.added"
	section "modules removed" | awk '{ print $1 }' >"$TMPD/got.removed"
	section "modules now builtin" | awk '{ print $1 }' >"$TMPD/got.builtin"
	section "modules now loadable" | awk '{ print $1 }' >"$TMPD/got.loadable"
	for k in added removed builtin loadable; do
		same_lines "$3: modules $k as dpkg-deb -c and modules.builtin say" \
			"$TMPD/exp.$k" "$TMPD/got.$k"
	done
}

# crcs OLD-SYMVERS NEW-SYMVERS: "name owner old -> new" for every symbol of both
# with another CRC (the owner: NEW's, a module's name or vmlinux)
crcs() {
	python3 -c '
import sys
def read(f):
    return {l.split("\t")[1]: l.split("\t") for l in open(f) if l.count("\t") >= 2}
old, new = read(sys.argv[1]), read(sys.argv[2])
for name, f in new.items():
    if name in old and int(old[name][0], 16) != int(f[0], 16):
        owner = f[2].rsplit("/", 1)[-1].replace("-", "_")
        print("%s %s 0x%08x -> 0x%08x" % (name, owner, int(old[name][0], 16), int(f[0], 16)))
' "$1" "$2"
}

# fields MODULE OLD-DIR NEW-DIR: the aliases, parameters and firmware that kmod's
# modinfo -F gives for MODULE in two unpacked module directories, as diff's
# "gained"/"lost" lines ($TMPD/where.DIR: "name path" of each module file there)
fields() {
	local m=$1 d f key
	for d in "$2" "$3"; do
		f=$(awk -v m="$m" '$1 == m { print $2; exit }' "$TMPD/where.${d##*/}")
		for key in alias parm firmware; do
			"$KMOD_MODINFO" -F $key "$f" | sed "s/^/$key: /"
		done | sort -u >"$TMPD/mi.${d##*/}"
	done
	comm -13 "$TMPD/mi.${2##*/}" "$TMPD/mi.${3##*/}" | sed "s|^|gained $m |"
	comm -23 "$TMPD/mi.${2##*/}" "$TMPD/mi.${3##*/}" | sed "s|^|lost $m |"
}

# where DIR: $TMPD/where.DIR for fields
where() {
	find "$1" -name '*.ko*' | awk '{ n = $0; sub(/.*\//, "", n); sub(/\.ko(\.(xz|zst|gz))?$/, "", n)
		gsub("-", "_", n); print n, $0 }' >"$TMPD/where.${1##*/}"
}

# ---- two ABIs, .deb against .deb ----
run_diff -E "$TMPD/sv-old" -E "$TMPD/sv-new" "$IMG_OLD" "$IMG_NEW"
check "$K_OLD.deb against $K_NEW.deb: exit 1 (vermagic at least), no message" \
	eval 'test "$rc" -eq 1 && test ! -s "$TMPD/err"'
lists OLD NEW "$K_OLD -> $K_NEW"
crcs "$TMPD/sv-old" "$TMPD/sv-new" >"$TMPD/exp.crc"
section "symbols with a new CRC" >"$TMPD/got.crc"
same_lines "$K_OLD -> $K_NEW: CRC changes as the two Module.symvers say" \
	"$TMPD/exp.crc" "$TMPD/got.crc"
vm=$(section "values changed" | grep -c " vermagic: $K_OLD .* -> $K_NEW ")
check "$K_OLD -> $K_NEW: every module on both sides has a new vermagic ($vm)" \
	test "$vm" -eq "$(comm -12 "$TMPD/OLD.files" "$TMPD/NEW.files" | wc -l)"

# ---- flavours: amd64 against cloud-amd64 (many modules fewer) and rt-amd64 ----
run_diff -E "$TMPD/sv-new" -E "$TMPD/sv-cloud" "$IMG_NEW" "$IMG_CLOUD"
check "$K_NEW.deb against $K_CLOUD.deb: exit 1, no message" \
	eval 'test "$rc" -eq 1 && test ! -s "$TMPD/err"'
cp "$TMPD/out" "$TMPD/cloud.txt"
lists NEW CLOUD "$K_NEW -> $K_CLOUD"
check "$K_NEW -> $K_CLOUD: hundreds of modules removed" \
	test "$(wc -l <"$TMPD/got.removed")" -gt 500
crcs "$TMPD/sv-new" "$TMPD/sv-cloud" >"$TMPD/exp.crc"
section "symbols with a new CRC" >"$TMPD/got.crc"
same_lines "$K_NEW -> $K_CLOUD: CRC changes as the two Module.symvers say" \
	"$TMPD/exp.crc" "$TMPD/got.crc"
# aliases, parameters, firmware of the modules that are files on both sides (kmod's
# modinfo reads files): every one diff names for them, and a sample of the others
# (which must have no such change)
comm -12 "$TMPD/NEW.files" "$TMPD/CLOUD.files" >"$TMPD/both"
{
	section "values gained" | sed 's/^/gained /'
	section "values lost" | sed 's/^/lost /'
} | grep -E '^(gained|lost) [^ ]+ (alias|parm|firmware): ' |
	awk 'NR == FNR { both[$1] = 1; next } $2 in both' "$TMPD/both" - >"$TMPD/got.fields"
awk '{ print $2 }' "$TMPD/got.fields" | sort -u >"$TMPD/named"
comm -23 "$TMPD/both" "$TMPD/named" | awk 'NR % 40 == 1' >"$TMPD/sample"
cat "$TMPD/named" "$TMPD/sample" >"$TMPD/checked"
where "$TMPD/u-new/lib/modules/$K_NEW"
where "$TMPD/u-cloud/lib/modules/$K_CLOUD"
: >"$TMPD/exp.fields"
while read -r m; do
	fields "$m" "$TMPD/u-new/lib/modules/$K_NEW" "$TMPD/u-cloud/lib/modules/$K_CLOUD" \
		>>"$TMPD/exp.fields"
done <"$TMPD/checked"
check "$K_NEW -> $K_CLOUD: some aliases, parameters or firmware changed" \
	test -s "$TMPD/got.fields"
same_lines "$K_NEW -> $K_CLOUD: aliases, parm, firmware gained and lost as kmod's modinfo says ($(wc -l <"$TMPD/checked") modules)" \
	"$TMPD/exp.fields" "$TMPD/got.fields"

# JSON: parses, and says what the text says
run_diff --json -E "$TMPD/sv-new" -E "$TMPD/sv-cloud" "$IMG_NEW" "$IMG_CLOUD"
check "$K_NEW -> $K_CLOUD --json: exit 1, and the JSON agrees with the text" \
	python3 - "$TMPD/out" "$TMPD/cloud.txt" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
text = {}
cur = None
for line in open(sys.argv[2]):
    line = line.rstrip("\n")
    if line.endswith(":") and not line.startswith("  "):
        cur = text.setdefault(line[:-1], [])
    elif line.startswith("  ") and cur is not None:
        cur.append(line[2:])
def names(label):
    return sorted(l.split(" ")[0] for l in text.get(label, []))
m = d["modules"]
ok = sorted(x if isinstance(x, str) else x["name"] for x in m["added"]) == names("modules added")
ok &= sorted(x if isinstance(x, str) else x["name"] for x in m["removed"]) == names("modules removed")
ok &= sorted(x["name"] for x in d["symbols"]["crc_changed"]) == names("symbols with a new CRC")
ok &= len(m["removed"]) > 500
sys.exit(0 if ok else 1)
EOF

# -E of the headers packages themselves: their Module.symvers read in place
run_diff -E "$HDR_NEW" -E "$HDR_CLOUD" "$IMG_NEW" "$IMG_CLOUD"
check "-E $K_NEW's and $K_CLOUD's headers packages: the report of their extracted Module.symvers" \
	eval 'test "$rc" -eq 1 && test ! -s "$TMPD/err" && cmp -s "$TMPD/cloud.txt" "$TMPD/out"'

run_diff "$IMG_NEW" "$IMG_RT"
check "$K_NEW.deb against $K_RT.deb: exit 1, no message" \
	eval 'test "$rc" -eq 1 && test ! -s "$TMPD/err"'
lists NEW RT "$K_NEW -> $K_RT"

# ---- a package against its own unpacked copy, and the installed tree ----
run_diff "$IMG_NEW" "$TMPD/u-new"
check "$K_NEW.deb against its dpkg-deb -x copy: exit 0, no output" \
	eval 'test "$rc" -eq 0 && test ! -s "$TMPD/out" && test ! -s "$TMPD/err"'
run_diff "$TMPD/u-new/lib/modules/$K_NEW" "$IMG_NEW" --json
check "the copy's module directory against $K_NEW.deb, --json: exit 0, empty lists" \
	eval 'test "$rc" -eq 0 && python3 -c "import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if not any(v for k in (\"modules\", \"symbols\") for v in d[k].values()) else 1)" "$TMPD/out"'
if [ -d "/lib/modules/$K_NEW/kernel" ]; then
	# the installed tree finds Module.symvers through its build link: give both the same
	run_diff -E "$TMPD/sv-new" "$IMG_NEW" "/lib/modules/$K_NEW"
	check "$K_NEW.deb against the installed /lib/modules/$K_NEW: exit 0, no output" \
		eval 'test "$rc" -eq 0 && test ! -s "$TMPD/out" && test ! -s "$TMPD/err"'
else
	ok "# SKIP the installed kernel is not $K_NEW"
fi

# ---- small packages made here: several kernel versions, bad input ----
# mkdeb DIR OUT: a .deb of DIR (a root) with a minimal control file
mkdeb() {
	mkdir -p "$1/DEBIAN"
	printf 'Package: mykmod-test\nVersion: 1\nArchitecture: amd64\nMaintainer: t <t@t>\nDescription: t\n' \
		>"$1/DEBIAN/control"
	dpkg-deb -Zxz -b "$1" "$2" >/dev/null
}
src=$TMPD/u-new/lib/modules/$K_NEW
mods=$(cd "$src" && find kernel/fs -name '*.ko' | head -5)
for v in 9.9.1 9.9.2; do
	mkdir -p "$TMPD/two/lib/modules/$v"
	(cd "$src" && cp --parents $mods "$TMPD/two/lib/modules/$v/")
done
mkdeb "$TMPD/two" "$TMPD/two.deb"
run_diff "$TMPD/two.deb" "$TMPD/two.deb"
check "a package with two kernel versions, no --kver: exit 2, both named" \
	eval 'test "$rc" -eq 2 && grep -q "^mykmod: ERROR: $TMPD/two.deb: several kernel versions (9.9.1, 9.9.2): choose one with --kver" "$TMPD/err"'
run_diff --kver 9.9.2 "$TMPD/two.deb" "$TMPD/two/lib/modules/9.9.2"
check "--kver 9.9.2: the package against that module directory: exit 0, no output" \
	eval 'test "$rc" -eq 0 && test ! -s "$TMPD/out" && test ! -s "$TMPD/err"'

# other archives libarchive reads: a tar.xz, and a zstd cpio (an .rpm's payload)
(cd "$TMPD/two" && tar --exclude=./DEBIAN -cJf "$TMPD/two.tar.xz" .) &&
	(cd "$TMPD/two" && find . -path ./DEBIAN -prune -o -print | cpio -o -H newc 2>/dev/null |
		zstd -q >"$TMPD/two.cpio.zst") || bail_out "cannot make a tar or cpio archive"
for f in two.tar.xz two.cpio.zst; do
	run_diff --kver 9.9.1 "$TMPD/$f" "$TMPD/two.deb"
	check "$f against the .deb of the same files: exit 0, no output" \
		eval 'test "$rc" -eq 0 && test ! -s "$TMPD/out" && test ! -s "$TMPD/err"'
done

# ---- a real .rpm, built here with rpmbuild ----
# X: a tree under usr/lib/modules/9.9.3 (ten modules, the package's modules.builtin,
# modules.builtin.modinfo, and its modules.order cut to those ten), as a directory,
# a .deb, a tar.xz and .rpm files with several payload compressions; the same
# report against another tree (two's 9.9.1), as OLD and as NEW, from each
X=$TMPD/x/usr/lib/modules/9.9.3
mkdir -p "$X"
xmods=$(cd "$src" && find kernel/fs -name '*.ko' | sed -n '3,12p')
(cd "$src" && cp --parents $xmods "$X/" && cp modules.builtin modules.builtin.modinfo "$X/")
grep -xF "$xmods" "$src/modules.order" >"$X/modules.order"
check "X holds ten modules, their modules.order lines, and modules.builtin" \
	eval 'test "$(find "$X" -name "*.ko" | wc -l)" -eq 10 && test "$(wc -l <"$X/modules.order")" -eq 10 && test -s "$X/modules.builtin"'
(cd "$TMPD/x" && tar -cJf "$TMPD/x.tar.xz" ./usr) || bail_out "cannot make x.tar.xz"
mkdeb "$TMPD/x" "$TMPD/x.deb"
rm -rf "$TMPD/x/DEBIAN"
cat >"$TMPD/x.spec" <<'SPEC'
Name: mykmod-test
Version: 1
Release: 1
Summary: a small module tree for mykmod diff
License: GPL-2.0-or-later
%description
A small module tree for mykmod diff.
%install
mkdir -p %{buildroot}
cp -a %{tree}/usr %{buildroot}/
%files
/usr/lib/modules/9.9.3
SPEC
# mkrpm PAYLOAD OUT: rpmbuild of x.spec; PAYLOAD: a _binary_payload, or "default"
mkrpm() {
	local def=() top=$TMPD/rpm-$1
	[ "$1" = default ] || def=(--define "_binary_payload $1")
	rpmbuild -bb --quiet --define "_topdir $top" --define "tree $TMPD/x" \
		--define '__os_install_post %{nil}' --define 'debug_package %{nil}' \
		"${def[@]}" "$TMPD/x.spec" >"$top.log" 2>&1 &&
		mv "$(find "$top/RPMS" -name '*.rpm')" "$2"
}
# report SIDE NAME: the text and JSON reports of REF against SIDE (NEW) and SIDE
# against REF (OLD), in $TMPD/rep.NAME, messages in $TMPD/rep.NAME.err; the four
# exit statuses on standard output
ref=$TMPD/two/lib/modules/9.9.1
report() {
	local r= out=$TMPD/rep.$2
	: >"$out"
	: >"$out.err"
	for args in "$ref $1" "$1 $ref" "--json $ref $1" "--json $1 $ref"; do
		"$MYKMOD" diff $args >>"$out" 2>>"$out.err"
		r="$r$?"
	done
	echo "$r"
}
check "X as a directory against two's 9.9.1: exit 1 both ways, no message" \
	eval 'test "$(report "$X" dir)" = 1111 && test ! -s "$TMPD/rep.dir.err"'
check "... a report with modules added and removed" \
	eval 'grep -q "^modules added: " "$TMPD/rep.dir" && grep -q "^modules removed: " "$TMPD/rep.dir"'
for f in x.deb x.tar.xz; do
	check "$f: the same report as the directory (text, JSON, OLD and NEW)" \
		eval 'test "$(report "$TMPD/$f" "$f")" = 1111 && test ! -s "$TMPD/rep.$f.err" && cmp -s "$TMPD/rep.dir" "$TMPD/rep.$f"'
done
# rpm's default payload compression (gzip in Debian's rpm), and the others libarchive
# reads; the PAYLOADCOMPRESSOR tag says which each holds
for p in default:gzip w19.zstdio:zstd w6.xzdio:xz w9.bzdio:bzip2; do
	f=x-${p#*:}.rpm
	if ! mkrpm "${p%%:*}" "$TMPD/$f"; then
		not_ok "rpmbuild with the payload ${p%%:*}"
		diag <"$TMPD/rpm-${p%%:*}.log"
		continue
	fi
	comp=$(rpm -qp --qf '%{PAYLOADCOMPRESSOR}' "$TMPD/$f" 2>/dev/null)
	check "$f: a ${p#*:} payload ($comp), the same report as the directory (text, JSON, OLD and NEW)" \
		eval 'test "$comp" = "${p#*:}" && test "$(report "$TMPD/$f" "$f")" = 1111 && test ! -s "$TMPD/rep.$f.err" && cmp -s "$TMPD/rep.dir" "$TMPD/rep.$f"'
	run_diff "$TMPD/$f" "$X"
	check "$f against X as a directory: exit 0, no output" \
		eval 'test "$rc" -eq 0 && test ! -s "$TMPD/out" && test ! -s "$TMPD/err"'
done
run_diff --json "$TMPD/x.deb" "$TMPD/x-zstd.rpm"
check "x.deb against x-zstd.rpm, --json: exit 0, empty lists" \
	eval 'test "$rc" -eq 0 && python3 -c "import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if not any(v for k in (\"modules\", \"symbols\") for v in d[k].values()) else 1)" "$TMPD/out"'

# ---- -E of a headers package, on a small tree: the same as -E of its Module.symvers ----
# (the kernel images of two flavours export other symbols, with other CRCs: a
# report with them)
for j in "" --json; do
	run_diff $j -E "$TMPD/sv-new" -E "$TMPD/sv-cloud" "$X" "$X"
	cp "$TMPD/out" "$TMPD/sv.out$j"
	check "X against itself, -E of $K_NEW's and $K_CLOUD's Module.symvers $j: exit 1, CRCs of vmlinux" \
		eval 'test "$rc" -eq 1 && grep -q "vmlinux.*0x" "$TMPD/out"'
	run_diff $j -E "$HDR_NEW" -E "$HDR_CLOUD" "$X" "$X"
	check "... -E of their headers packages $j: the same report" \
		eval 'test "$rc" -eq 1 && test ! -s "$TMPD/err" && cmp -s "$TMPD/sv.out$j" "$TMPD/out"'
done
run_diff -E "$HDR_OLD" "$X" "$TMPD/x-gzip.rpm"
check "-E once, a headers package for both sides: exit 0, no output" \
	eval 'test "$rc" -eq 0 && test ! -s "$TMPD/out" && test ! -s "$TMPD/err"'
# a tar of Fedora's kernel-devel layout (usr/src/kernels/VER/Module.symvers)
mkdir -p "$TMPD/devel/usr/src/kernels/9.9.3" "$TMPD/two-hdr/usr/src/linux-headers-9.9.3" \
	"$TMPD/two-hdr/usr/src/linux-headers-9.9.4"
cp "$TMPD/sv-cloud" "$TMPD/devel/usr/src/kernels/9.9.3/Module.symvers"
tar -C "$TMPD/devel" -cJf "$TMPD/devel.tar.xz" ./usr
run_diff -E "$TMPD/sv-new" -E "$TMPD/devel.tar.xz" "$X" "$X"
check "-E of a tar with usr/src/kernels/VER/Module.symvers: the same report" \
	eval 'test "$rc" -eq 1 && test ! -s "$TMPD/err" && cmp -s "$TMPD/sv.out" "$TMPD/out"'
# Module.symvers hard-linked under two names (the other: scripts/Module.symvers, no
# match): a cpio (an .rpm's payload) stores the data once, with the last name, a tar
# with the first; so the name found comes first with no data (the .rpm, sorted by
# path, and a cpio in that order), last with it (a cpio in the other order), or as
# a tar's hard link to the other, or a symbolic link to it (before it); the same
# report as the plain file, each time
H=$TMPD/hl/usr/src/linux-headers-9.9.3
mkdir -p "$H/scripts"
cp "$TMPD/sv-cloud" "$H/Module.symvers"
ln "$H/Module.symvers" "$H/scripts/Module.symvers"
hl=./usr/src/linux-headers-9.9.3
(cd "$TMPD/hl" && printf '%s\n' $hl/Module.symvers $hl/scripts/Module.symvers |
	cpio -o -H newc --quiet >"$TMPD/hl-first.cpio" &&
	printf '%s\n' $hl/scripts/Module.symvers $hl/Module.symvers |
	cpio -o -H newc --quiet >"$TMPD/hl-last.cpio" &&
	tar -cf "$TMPD/hl-link.tar" $hl/scripts/Module.symvers $hl/Module.symvers &&
	cp "$TMPD/hl-link.tar" "$TMPD/hl-lost.tar" &&
	tar --delete -f "$TMPD/hl-lost.tar" $hl/scripts/Module.symvers) ||
	bail_out "cannot make the archives of a hard-linked Module.symvers"
sed 's|^cp -a %{tree}/usr|cp -a %{hl}/usr|; s|^/usr/lib/modules/9.9.3|/usr/src/linux-headers-9.9.3|' \
	"$TMPD/x.spec" >"$TMPD/hl.spec"
top=$TMPD/rpm-hl
rpmbuild -bb --quiet --define "_topdir $top" --define "hl $TMPD/hl" \
	--define '__os_install_post %{nil}' --define 'debug_package %{nil}' \
	"$TMPD/hl.spec" >"$top.log" 2>&1 && mv "$(find "$top/RPMS" -name '*.rpm')" "$TMPD/hl.rpm" ||
	{ diag <"$top.log" && bail_out "rpmbuild of a hard-linked Module.symvers"; }
mkdir -p "$TMPD/hs/$hl/scripts"
cp "$TMPD/sv-cloud" "$TMPD/hs/$hl/scripts/Module.symvers"
ln -s scripts/Module.symvers "$TMPD/hs/$hl/Module.symvers"
tar -C "$TMPD/hs" -cf "$TMPD/hl-sym.tar" $hl/Module.symvers $hl/scripts/Module.symvers ||
	bail_out "cannot make hl-sym.tar"
# the test is only worth something if the name found does come with no data
hdr=$(rpm2cpio "$TMPD/hl.rpm" | cpio -itv --quiet 2>/dev/null | awk '/linux-headers-9.9.3\/Module.symvers$/ { print $2, $5 }')
check "hl.rpm: the name found comes first, with no data (links, size: $hdr)" test "$hdr" = "2 0"
for f in hl.rpm hl-first.cpio hl-last.cpio hl-link.tar hl-sym.tar; do
	run_diff -E "$TMPD/sv-new" -E "$TMPD/$f" "$X" "$X"
	check "-E of $f, Module.symvers linked: the report of the plain file" \
		eval 'test "$rc" -eq 1 && test ! -s "$TMPD/err" && cmp -s "$TMPD/sv.out" "$TMPD/out"'
done
run_diff -E "$TMPD/sv-new" -E "$TMPD/hl-lost.tar" "$X" "$X"
check "-E of a tar whose Module.symvers links to a member it lacks: exit 2, named" \
	eval 'test "$rc" -eq 2 && test ! -s "$TMPD/out" && grep -qx "mykmod: ERROR: $TMPD/hl-lost.tar:usr/src/linux-headers-9.9.3/Module.symvers: a link to /usr/src/linux-headers-9.9.3/scripts/Module.symvers, which is no file of the package" "$TMPD/err"'
# a side whose own Module.symvers is hard-linked so (X and hl's usr/src): read
# through the link too, in a cpio where the name comes first with no data and in a
# tar where it is the hard link; the report of the directory against X with
# $K_NEW's Module.symvers (CRCs of vmlinux: none without it)
mkdir "$TMPD/xs" "$TMPD/xn"
cp -a "$TMPD/x/usr" "$TMPD/hl/usr" "$TMPD/xs/" && cp -a "$TMPD/x/usr" "$TMPD/xn/" &&
	mkdir -p "$TMPD/xn/$hl" && cp "$TMPD/sv-new" "$TMPD/xn/$hl/Module.symvers" &&
	(cd "$TMPD/xs" && find . | sort | cpio -o -H newc --quiet >"$TMPD/xs.cpio" &&
		tar -cf "$TMPD/xs.tar" $hl/scripts/Module.symvers ./usr/lib $hl/Module.symvers) ||
	bail_out "cannot make xs.cpio, xs.tar"
run_diff "$TMPD/xn" "$TMPD/xs"
cp "$TMPD/out" "$TMPD/xs.out"
check "X with $K_NEW's Module.symvers against X with $K_CLOUD's: exit 1, CRCs of vmlinux" \
	eval 'test "$rc" -eq 1 && test ! -s "$TMPD/err" && grep -q "vmlinux.*0x" "$TMPD/out"'
for f in xs.cpio xs.tar; do
	run_diff "$TMPD/xn" "$TMPD/$f"
	check "... against $f, its Module.symvers linked: the same report" \
		eval 'test "$rc" -eq 1 && test ! -s "$TMPD/err" && cmp -s "$TMPD/xs.out" "$TMPD/out"'
done
cp "$TMPD/sv-new" "$TMPD/two-hdr/usr/src/linux-headers-9.9.3/Module.symvers"
cp "$TMPD/sv-old" "$TMPD/two-hdr/usr/src/linux-headers-9.9.4/Module.symvers"
mkdeb "$TMPD/two-hdr" "$TMPD/two-hdr.deb"
run_diff -E "$TMPD/two-hdr.deb" "$X" "$X"
check "-E of a package with two Module.symvers: exit 2, both named" \
	eval 'test "$rc" -eq 2 && test ! -s "$TMPD/out" && grep -qx "mykmod: ERROR: $TMPD/two-hdr.deb: several Module.symvers (usr/src/linux-headers-9.9.[34]/Module.symvers, usr/src/linux-headers-9.9.[34]/Module.symvers): give the file" "$TMPD/err"'
run_diff -E "$TMPD/x.deb" "$X" "$X"
check "-E of a package with no Module.symvers: exit 2, named" \
	eval 'test "$rc" -eq 2 && test ! -s "$TMPD/out" && grep -qx "mykmod: ERROR: $TMPD/x.deb: no usr/src/linux-headers-VER/Module.symvers in it: not a kernel headers package" "$TMPD/err"'
head -c $(($(stat -c %s "$HDR_NEW") / 2)) "$HDR_NEW" >"$TMPD/trunc-hdr.deb"
run_diff -E "$TMPD/trunc-hdr.deb" "$X" "$X"
check "-E of a headers package cut in half: exit 2, named" \
	eval 'test "$rc" -eq 2 && test ! -s "$TMPD/out" && grep -q "^mykmod: ERROR: $TMPD/trunc-hdr.deb: .*[Tt]runcated" "$TMPD/err"'

# ---- -F of a kernel image package: its boot/System.map-VER, read in place ----
# Debian's image packages hold a stub System.map (the real one is in the -dbg
# package): made here from the two Module.symvers, the kernel image's exports as
# __ksymtab_ lines, in two image packages (a .deb, a zstd cpio as an .rpm holds)
for s in new cloud; do
	mkdir -p "$TMPD/img-$s/boot"
	awk -F'\t' '$3 == "vmlinux" { printf "ffffffff81000000 r __ksymtab_%s\n", $2 }' \
		"$TMPD/sv-$s" >"$TMPD/img-$s/boot/System.map-9.9.3"
done
mkdeb "$TMPD/img-new" "$TMPD/img-new.deb"
rm -r "$TMPD/img-new/DEBIAN"
(cd "$TMPD/img-cloud" && find . | cpio -o -H newc --quiet | zstd -q >"$TMPD/img-cloud.cpio.zst") ||
	bail_out "cannot make img-cloud.cpio.zst"
for j in "" --json; do
	run_diff $j -F "$TMPD/img-new/boot/System.map-9.9.3" -F "$TMPD/img-cloud/boot/System.map-9.9.3" "$X" "$X"
	cp "$TMPD/out" "$TMPD/map.out$j"
	check "X against itself, -F of two System.map files $j: exit 1, symbols of vmlinux" \
		eval 'test "$rc" -eq 1 && test ! -s "$TMPD/err" && grep -q vmlinux "$TMPD/out"'
	run_diff $j -F "$TMPD/img-new.deb" -F "$TMPD/img-cloud.cpio.zst" "$X" "$X"
	check "... -F of image packages holding them $j: the same report" \
		eval 'test "$rc" -eq 1 && test ! -s "$TMPD/err" && cmp -s "$TMPD/map.out$j" "$TMPD/out"'
done
run_diff -F "$IMG_NEW" "$X" "$X"
check "-F of Debian's $K_NEW image package: its one System.map found (exit 0, no message)" \
	eval 'test "$rc" -eq 0 && test ! -s "$TMPD/out" && test ! -s "$TMPD/err"'
run_diff -F "$TMPD/x.deb" "$X" "$X"
check "-F of a package with no System.map: exit 2, named" \
	eval 'test "$rc" -eq 2 && test ! -s "$TMPD/out" && grep -qx "mykmod: ERROR: $TMPD/x.deb: no boot/System.map-VER in it: not a kernel image package" "$TMPD/err"'
mkdir -p "$TMPD/two-map/boot"
cp "$TMPD/u-new/boot/System.map-$K_NEW" "$TMPD/two-map/boot/System.map-9.9.3"
cp "$TMPD/u-cloud/boot/System.map-$K_CLOUD" "$TMPD/two-map/boot/System.map-9.9.4"
tar -C "$TMPD/two-map" -cJf "$TMPD/two-map.tar.xz" ./boot
run_diff -F "$TMPD/two-map.tar.xz" "$X" "$X"
check "-F of a package with two System.map: exit 2, both named" \
	eval 'test "$rc" -eq 2 && test ! -s "$TMPD/out" && grep -qx "mykmod: ERROR: $TMPD/two-map.tar.xz: several System.map (boot/System.map-9.9.[34], boot/System.map-9.9.[34]): give the file" "$TMPD/err"'
run_diff -E "$TMPD/sv-new" -F "$IMG_NEW" "$X" "$X"
check "-E and -F of an image package: -E wins (exit 0, no output, no message)" \
	eval 'test "$rc" -eq 0 && test ! -s "$TMPD/out" && test ! -s "$TMPD/err"'

# ---- links inside a package (docs/mykmod-diff.md §1) ----
# L: five modules, jfs.ko moved out of the module directory with an absolute link
# to it, a relative link under another name (sysv2.ko), a link to a link out of the
# module directory (jfs2.ko), a hard link (hard.ko); the tar lists the links before
# what they lead to. Its copy with the links followed is what it must equal.
L=$TMPD/L
LM=lib/modules/9.9.4
mkdir -p "$L/$LM" "$L/usr/share/m" "$L/$LM/extra"
jfs=$(cd "$src" && find kernel/fs -name jfs.ko)
sysv=$(cd "$src" && find kernel/fs -name sysv.ko)
other=$(cd "$src" && find kernel/fs -name qnx4.ko)
[ -n "$jfs" ] && [ -n "$sysv" ] && [ -n "$other" ] || bail_out "no jfs.ko, sysv.ko, qnx4.ko in $src"
(cd "$src" && cp --parents "$jfs" "$sysv" "$other" "$L/$LM/")
# the copy, made first: absolute links would lead out of $L
mkdir -p "$TMPD/Lcopy/$LM/extra"
cp -r "$L/$LM/kernel" "$TMPD/Lcopy/$LM/"
cp "$L/$LM/$sysv" "$TMPD/Lcopy/$LM/extra/sysv2.ko"
cp "$L/$LM/$jfs" "$TMPD/Lcopy/$LM/extra/jfs2.ko"
cp "$L/$LM/$other" "$TMPD/Lcopy/$LM/extra/hard.ko"
mv "$L/$LM/$jfs" "$L/usr/share/m/jfs.ko"
ln -s /usr/share/m/jfs.ko "$L/$LM/$jfs"
ln -s "../$sysv" "$L/$LM/extra/sysv2.ko"
ln -s jfs.ko "$L/usr/share/m/link.ko"
ln -s ../../../../usr/share/m/link.ko "$L/$LM/extra/jfs2.ko"
ln "$L/$LM/$other" "$L/$LM/extra/hard.ko"
(cd "$L" && find . -type l | sort && find . ! -type l ! -type d | sort) >"$TMPD/L.list"
tar -C "$L" --no-recursion -cf "$TMPD/L.tar" -T "$TMPD/L.list"
tar -tvf "$TMPD/L.tar" >"$TMPD/L.tv" && tar -tf "$TMPD/L.tar" >"$TMPD/L.t" ||
	bail_out "cannot list $TMPD/L.tar"
check "L.tar: a hard link, and the symbolic links before their targets" \
	eval 'grep -q "^h.* link to " "$TMPD/L.tv" && grep -q "\.ko$" <<<"$(head -1 "$TMPD/L.t")" && test -L "$L/$LM/$jfs"'
check "the copy: six module files, no link" \
	eval 'test "$(find "$TMPD/Lcopy" -type f -name "*.ko" | wc -l)" -eq 6 && test -z "$(find "$TMPD/Lcopy" -type l)"'
run_diff "$TMPD/L.tar" "$TMPD/Lcopy/$LM"
check "L.tar against its copy with the links followed: exit 0, no output, no message" \
	eval 'test "$rc" -eq 0 && test ! -s "$TMPD/out" && test ! -s "$TMPD/err"'
run_diff "$TMPD/Lcopy" "$TMPD/L.tar" --json
check "... the copy as OLD, --json: exit 0" \
	eval 'test "$rc" -eq 0 && test ! -s "$TMPD/err"'
mkdeb "$L" "$TMPD/L.deb"
run_diff "$TMPD/L.deb" "$TMPD/Lcopy/$LM"
check "L.deb (dpkg-deb's order) against the copy: exit 0, no output, no message" \
	eval 'test "$rc" -eq 0 && test ! -s "$TMPD/out" && test ! -s "$TMPD/err"'
cp -r "$TMPD/Lcopy/$LM" "$TMPD/Lplain"
rm -r "$TMPD/Lplain/extra"
run_diff "$TMPD/Lplain" "$TMPD/L.tar"
check "L.tar against its copy without extra/: the links there are modules added" \
	eval 'test "$rc" -eq 1 && test "$(section "modules added" | sort | tr "\n" " ")" = "hard extra/hard.ko jfs2 extra/jfs2.ko sysv2 extra/sysv2.ko "'
# links that lead out of the package, to nothing in it, or round: warned of, skipped
ln -s ../../../../../../../etc/passwd "$L/$LM/extra/out.ko"
ln -s /etc/passwd "$L/$LM/extra/abs.ko"
ln -s nothing.ko "$L/$LM/extra/dangling.ko"
ln -s loop2.ko "$L/$LM/extra/loop1.ko"
ln -s loop1.ko "$L/$LM/extra/loop2.ko"
tar -C "$L" -cf "$TMPD/Lbad.tar" .
run_diff "$TMPD/Lbad.tar" "$TMPD/Lcopy/$LM"
P="mykmod: WARNING: $TMPD/Lbad.tar:$LM/extra"
cat >"$TMPD/exp.warn" <<EOF
$P/abs.ko: a link to /etc/passwd, which is no file of the package: skipped
$P/dangling.ko: a link to nothing.ko, which is no file of the package: skipped
$P/loop1.ko: a link to loop2.ko, through too many links: skipped
$P/loop2.ko: a link to loop1.ko, through too many links: skipped
$P/out.ko: a link to ../../../../../../../etc/passwd, out of the package: not followed
EOF
check "Lbad.tar: exit 0, no output, a warning for each bad link" \
	eval 'test "$rc" -eq 0 && test ! -s "$TMPD/out" && sort "$TMPD/err" | cmp -s "$TMPD/exp.warn" -'
[ "$rc" -eq 0 ] || diag <"$TMPD/err"

# ---- a link to a directory in a package: walked through, as a directory side does ----
# G: sysv.ko in kernel/; kernel/extra a relative link to usr/share/m2 (qnx4.ko, and
# jfs.ko in sub/), which the walk of G itself follows too; kernel/up a link to a
# directory that holds it (the walk does not follow it; the package warns)
G=$TMPD/G
GM=lib/modules/9.9.6
mkdir -p "$G/$GM/kernel" "$G/usr/share/m2/sub"
cp "$src/$sysv" "$G/$GM/kernel/"
cp "$src/$other" "$G/usr/share/m2/"
cp "$src/$jfs" "$G/usr/share/m2/sub/"
ln -s ../../../../usr/share/m2 "$G/$GM/kernel/extra"
ln -s .. "$G/$GM/kernel/up"
tar -C "$G" -cf "$TMPD/G.tar" . || bail_out "tar of G"
run_diff "$TMPD/G.tar" "$G/$GM"
check "G.tar (a link to a directory) against G: exit 0, no output, a warning for kernel/up" \
	eval 'test "$rc" -eq 0 && test ! -s "$TMPD/out" && test "$(cat "$TMPD/err")" = "mykmod: WARNING: $TMPD/G.tar:$GM/kernel/up: a link to .., a directory that holds it: not followed"'
[ "$rc" -eq 0 ] || cat "$TMPD/out" "$TMPD/err" | diag
mkdir -p "$TMPD/Gplain/$GM/kernel"
cp "$G/$GM/kernel/sysv.ko" "$TMPD/Gplain/$GM/kernel/"
run_diff "$TMPD/Gplain/$GM" "$TMPD/G.tar"
check "G.tar against G without the links: the modules under kernel/extra added" \
	eval 'test "$rc" -eq 1 && test "$(section "modules added" | sort | tr "\n" " ")" = "jfs kernel/extra/sub/jfs.ko qnx4 kernel/extra/qnx4.ko "'

# ---- hard links of a cpio (an .rpm's payload): the data comes with the last name ----
# H: qnx4.ko under three hard-linked names and sysv.ko; its copy (cp -r: three files)
H=$TMPD/H
HM=lib/modules/9.9.5
mkdir -p "$H/$HM/kernel" "$H/$HM/extra"
cp "$src/$other" "$H/$HM/kernel/one.ko"
cp "$src/$sysv" "$H/$HM/kernel/"
ln "$H/$HM/kernel/one.ko" "$H/$HM/extra/two.ko"
ln "$H/$HM/kernel/one.ko" "$H/$HM/extra/three.ko"
cp -r "$H" "$TMPD/Hcopy"
(cd "$H" && find . | cpio -o -H newc --quiet) >"$TMPD/H.cpio" || bail_out "cpio of H"
# cpio -tv lists sizes: the linked names with no data (0), one with it
check "H.cpio: two of the three linked names stored with no data" \
	eval 'test "$(cpio -itv <"$TMPD/H.cpio" 2>/dev/null | awk "/^-/ && \$2 == 3 && \$5 == 0" | wc -l)" -eq 2'
run_diff "$TMPD/H.cpio" "$TMPD/Hcopy/$HM"
check "H.cpio against its copy: the linked names are the module (exit 0, no output, no message)" \
	eval 'test "$rc" -eq 0 && test ! -s "$TMPD/out" && test ! -s "$TMPD/err"'
[ "$rc" -eq 0 ] || cat "$TMPD/out" "$TMPD/err" | diag
sed -e 's|%{tree}/usr|%{tree}/lib|' -e 's|^/usr/lib/modules/9.9.3$|/lib/modules/9.9.5|' \
	"$TMPD/x.spec" >"$TMPD/h.spec"
top=$TMPD/rpm-h
if rpmbuild -bb --quiet --define "_topdir $top" --define "tree $H" \
	--define '__os_install_post %{nil}' --define 'debug_package %{nil}' \
	"$TMPD/h.spec" >"$top.log" 2>&1 && mv "$(find "$top/RPMS" -name '*.rpm')" "$TMPD/H.rpm"; then
	links=$(rpm2cpio "$TMPD/H.rpm" | cpio -itv 2>/dev/null | awk '/^-/ && $2 == 3 && $5 == 0' | wc -l)
	run_diff "$TMPD/H.rpm" "$TMPD/Hcopy/$HM"
	check "H.rpm ($links linked names with no data) against the copy: exit 0, no output, no message" \
		eval 'test "$links" -eq 2 && test "$rc" -eq 0 && test ! -s "$TMPD/out" && test ! -s "$TMPD/err"'
else
	not_ok "rpmbuild of H"
	diag <"$top.log"
fi
# a path twice in an archive (tar -r): the first read, a warning
tar -C "$TMPD/Hcopy" -cf "$TMPD/D.tar" . && tar -C "$TMPD/Hcopy" -rf "$TMPD/D.tar" "./$HM/kernel/one.ko" ||
	bail_out "tar -r"
run_diff "$TMPD/D.tar" "$TMPD/Hcopy/$HM"
check "a tar holding a module twice: exit 0, no output, a warning" \
	eval 'test "$rc" -eq 0 && test ! -s "$TMPD/out" && test "$(cat "$TMPD/err")" = "mykmod: WARNING: $TMPD/D.tar:$HM/kernel/one.ko: in the package twice: the first one read"'

# bad SIDE PATTERN DESC: diff with SIDE as OLD (NEW: a good package): exit 2, no
# output, and the message matches PATTERN
bad() {
	run_diff "$1" "$TMPD/two/lib/modules/9.9.1"
	if [ "$rc" -eq 2 ] && [ ! -s "$TMPD/out" ] && grep -qE -- "$2" "$TMPD/err"; then
		ok "$3: exit 2, $(head -1 "$TMPD/err")"
	else
		not_ok "$3: exit $rc"
		diag <"$TMPD/err"
	fi
}
size=$(stat -c %s "$IMG_NEW")
head -c $((size / 2)) "$IMG_NEW" >"$TMPD/trunc.deb"
bad "$TMPD/trunc.deb" "^mykmod: ERROR: $TMPD/trunc.deb: .*[Tt]runcated" "a .deb cut in half"
# a byte flipped in every 4 KiB of the compressed data.tar: its check fails
python3 - "$TMPD/two.deb" "$TMPD/corrupt.deb" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
at = b.index(b"data.tar.xz") + 60 + 64
for i in range(at, len(b) - 64, 4096):
    b[i] ^= 0x55
open(sys.argv[2], "wb").write(b)
EOF
bad "$TMPD/corrupt.deb" "^mykmod: ERROR: $TMPD/corrupt.deb: " "a .deb with a corrupt data.tar.xz"
size=$(stat -c %s "$TMPD/x-gzip.rpm")
head -c $((size * 2 / 3)) "$TMPD/x-gzip.rpm" >"$TMPD/trunc.rpm"
bad "$TMPD/trunc.rpm" "^mykmod: ERROR: $TMPD/trunc.rpm: .*[Tt]runcated" "an .rpm cut at two thirds"
head -c 200 "$TMPD/x-gzip.rpm" >"$TMPD/head.rpm"
bad "$TMPD/head.rpm" "^mykmod: ERROR: $TMPD/head.rpm: " "the first 200 bytes of an .rpm"
# a byte flipped in every 2 KiB of the second half (the zstd payload): its check fails
python3 - "$TMPD/x-zstd.rpm" "$TMPD/corrupt.rpm" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
for i in range(len(b) // 2, len(b) - 64, 2048):
    b[i] ^= 0x55
open(sys.argv[2], "wb").write(b)
EOF
bad "$TMPD/corrupt.rpm" "^mykmod: ERROR: $TMPD/corrupt.rpm: " "an .rpm with a corrupt zstd payload"
# a tar.lzo: libarchive reads lzop through the lzop program; a package read in
# place starts none (docs/mykmod-diff.md §1): an lzop on PATH that says it ran
if command -v lzop >/dev/null; then
	mkdir -p "$TMPD/bin"
	printf '#!/bin/sh\ntouch "%s"\nexec "%s" "$@"\n' "$TMPD/lzop-ran" "$(command -v lzop)" >"$TMPD/bin/lzop"
	chmod +x "$TMPD/bin/lzop"
	(cd "$TMPD/two" && tar --exclude=./DEBIAN -cf - . | lzop -c >"$TMPD/two.tar.lzo") || bail_out "lzop"
	PATH=$TMPD/bin:$PATH bad "$TMPD/two.tar.lzo" \
		"^mykmod: ERROR: $TMPD/two.tar.lzo: not a kernel package \(.deb, .rpm\) or module tree" \
		"a tar.lzo (a compression read through a program)"
	check "... the lzop on PATH never ran" test ! -e "$TMPD/lzop-ran"
else
	ok "# SKIP no lzop to make a tar.lzo"
fi
head -c 65536 /dev/urandom >"$TMPD/garbage.deb"
bad "$TMPD/garbage.deb" "^mykmod: ERROR: $TMPD/garbage.deb: not a kernel package \(.deb, .rpm\) or module tree" \
	"random bytes"
: >"$TMPD/empty.deb"
bad "$TMPD/empty.deb" "^mykmod: ERROR: $TMPD/empty.deb: not a kernel package" "an empty file"
bad "$HDR_NEW" "^mykmod: ERROR: $HDR_NEW: no lib/modules/VER in it: not a kernel package" \
	"a headers package (no modules)"
mkdir -p "$TMPD/nomod/lib/modules/9.9.1"
: >"$TMPD/nomod/lib/modules/9.9.1/modules.order"
mkdeb "$TMPD/nomod" "$TMPD/nomod.deb"
bad "$TMPD/nomod.deb" "^mykmod: ERROR: $TMPD/nomod.deb:lib/modules/9.9.1: no modules in it" \
	"a package whose lib/modules/VER holds no module"
mkdir -p "$TMPD/broken/lib/modules/9.9.1/kernel"
head -c 4096 /dev/urandom >"$TMPD/broken/lib/modules/9.9.1/kernel/broken.ko"
mkdeb "$TMPD/broken" "$TMPD/broken.deb"
bad "$TMPD/broken.deb" "^mykmod: ERROR: $TMPD/broken.deb:lib/modules/9.9.1/kernel/broken.ko: " \
	"a package holding a broken module"
bad "$TMPD/no-such.deb" "^mykmod: ERROR: $TMPD/no-such.deb: No such file or directory" \
	"a side that does not exist"
done_testing
