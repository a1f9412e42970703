#!/bin/bash
# A real client of the tools: Debian's initramfs-tools. `mkinitramfs` with
# MODULES=most for the installed Debian kernel, once with kmod and once with mykmod
# bind-mounted over /usr/bin/kmod in a private mount namespace (depmod, modprobe,
# modinfo are links to it: mykmod runs the tool its argv[0] names). Both images
# must hold the same files with the same contents: modules, firmware, modprobe.d,
# the index files that mkinitramfs has our depmod write, scripts and configuration.
# Only the differences listed in allowed() below may differ, each for the reason
# given there (docs/compat.md).
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"

for c in mkinitramfs unmkinitramfs unshare zstd; do
	command -v $c > /dev/null || bail_out "$c is not installed (scripts/install-deps)"
done
[ "$(id -u)" -eq 0 ] || bail_out "a private mount namespace needs root"
[ -x "$TOOLS/mykmod" ] || bail_out "mykmod not built: $TOOLS/mykmod"
KMOD=$(readlink -f /sbin/modprobe)
[ -x "$KMOD" ] || bail_out "kmod not installed"
kver=$(debian_kver) || bail_out "no Debian module tree in /lib/modules"
tap_tmpdir

# initramfs-tools' configuration, with every module it may want and a fast zstd
cp -a /etc/initramfs-tools "$TMPD/conf"
mkdir -p "$TMPD/conf/conf.d"
printf 'MODULES=most\nCOMPRESS=zstd\nCOMPRESSLEVEL=1\n' > "$TMPD/conf/conf.d/zz-test-initramfs"

# build IMAGE [SHELL-PREFIX...]: mkinitramfs into IMAGE, then unpacked in IMAGE.d
build() {
	local img=$1 start=$SECONDS
	shift
	if "$@" mkinitramfs -d "$TMPD/conf" -o "$img" "$kver" > "$img.log" 2>&1 &&
		unmkinitramfs "$img" "$img.d" >> "$img.log" 2>&1; then
		ok "mkinitramfs $kver, MODULES=most, ${label}: $((SECONDS - start)) s"
	else
		not_ok "mkinitramfs $kver, MODULES=most, $label"
		tail -20 "$img.log" | diag
		done_testing
		exit 1
	fi
}

# ours: in a private mount namespace, mykmod over kmod's one binary
ours() {
	unshare -m sh -c 'mount --make-rprivate / && mount --bind "$0" "$1" && shift && exec "$@"' \
		"$TOOLS/mykmod" "$KMOD" "$@"
}

label="kmod's tools"
build "$TMPD/kmod.img"
label="mykmod as kmod"
build "$TMPD/my.img" ours
check "the image of ours holds mykmod as kmod" \
	cmp -s "$TOOLS/mykmod" "$(find "$TMPD/my.img.d" -path '*bin/kmod' -type f | head -1)"
# mkinitramfs runs depmod -a -b on the image: under -b, mydepmod writes its cache
# only when asked (docs/depmod-cache.md §5), so the image carries none
check "the image of ours holds no mydepmod cache" \
	test -z "$(find "$TMPD/my.img.d" -name modules.mykmod-cache.bin)"
check "... and its index files (found: $(find "$TMPD/my.img.d" -name modules.dep.bin | wc -l))" \
	test "$(find "$TMPD/my.img.d" -name modules.dep.bin | wc -l)" -ge 1

# manifest DIR: one line per file of an unpacked image, "PATH -> TARGET" or
# "PATH HASH", by one sha256sum for all files (two processes per file took
# minutes on the CI machine)
manifest() {
	(cd "$1" && {
		find . -type l -printf '%p -> %l\n'
		find . ! -type d ! -type l -exec sha256sum -- {} + |
			sed -E 's/^([0-9a-f]{16})[0-9a-f]{48}  (.*)$/\2 \1/'
	} | LC_ALL=C sort)
}
manifest "$TMPD/kmod.img.d" > "$TMPD/kmod.list"
manifest "$TMPD/my.img.d" > "$TMPD/my.list"

# Modules with several softdep lines: kmod 30 reads the first, mymodprobe all of them
# (docs/compat.md, "several softdep lines"). btrfs has four (pre: blake2b-256,
# pre: sha256, pre: xxhash64, pre: crypto-crc32c), so ours brings these too. That
# they are the whole difference of the two `--show-depends btrfs` is checked below.
SOFTDEP_EXTRA="kernel/crypto/xxhash_generic.ko kernel/arch/x86/crypto/sha256-ssse3.ko"
# the index files that depmod writes from the modules of the image: they differ when
# the modules do, and are checked against kmod's depmod on our modules below
INDEX_FROM_MODULES="modules.dep modules.dep.bin modules.alias modules.alias.bin
modules.symbols modules.symbols.bin"

# allowed LINE: a difference between the images that is by design; prints why
allowed() {
	local f=${1% *} m
	case "$f" in
	# the executable itself: ours
	*/bin/kmod) echo "mykmod is kmod there" && return 0 ;;
	# mydepmod writes modules.weakdep, kmod 30 does not (docs/compat.md)
	*/modules/$kver/modules.weakdep) echo "mydepmod writes modules.weakdep" && return 0 ;;
	esac
	for m in $SOFTDEP_EXTRA; do
		case "$f" in */modules/$kver/$m) echo "btrfs's later softdep lines" && return 0 ;; esac
	done
	for m in $INDEX_FROM_MODULES; do
		case "$f" in */modules/$kver/$m) echo "from the modules above" && return 0 ;; esac
	done
	return 1
}

count() { grep -c "$1" "$TMPD/kmod.list"; }
check "the kmod image holds modules ($(count '\.ko'))" test "$(count '\.ko')" -gt 500
check "the kmod image holds modprobe.d files ($(count 'modprobe\.d/'))" \
	test "$(count 'modprobe\.d/')" -gt 0
check "the kmod image holds the index files ($(count "/modules/$kver/modules\."))" \
	test "$(count "/modules/$kver/modules\.dep\.bin")" -eq 1

diff "$TMPD/kmod.list" "$TMPD/my.list" | sed -n 's/^\([<>]\) \(.*\)/\1 \2/p' > "$TMPD/diff"
: > "$TMPD/unexpected"
while read -r side line; do
	if why=$(allowed "$line"); then
		diag "by design ($side, $why): $line"
	else
		diag "UNEXPECTED ($side): $line"
		echo "$line" >> "$TMPD/unexpected"
	fi
done < "$TMPD/diff"
check "the images differ only by design ($(wc -l < "$TMPD/diff") lines)" \
	test ! -s "$TMPD/unexpected"
for what in '\.ko ' '/lib/firmware/' 'modprobe\.d/' "/modules/$kver/modules\." '/scripts/' \
	'/conf/'; do
	check "same files and contents matching '$what' ($(count "$what") in kmod's), but by design" \
		test "$(grep -c "$what" "$TMPD/unexpected")" -eq 0
done

# the reason for the extra modules: the softdeps of btrfs, kmod's and ours
sd() { "$@" -S "$kver" --show-depends btrfs 2>&1 | sed -n 's|^insmod .*/modules/[^/]*/\([^ ]*\).*|\1|p' | sort; }
comm -13 <(sd /usr/sbin/modprobe) <(sd "$TOOLS/mymodprobe") > "$TMPD/sd.extra"
diag "modprobe --show-depends btrfs, only in ours: $(tr '\n' ' ' < "$TMPD/sd.extra")"
for m in $SOFTDEP_EXTRA; do
	check "$m: ours brings it for btrfs, kmod does not" grep -qx "$m" "$TMPD/sd.extra"
	check "$m: in our image only" \
		bash -c "! grep -q '/$m ' '$TMPD/kmod.list' && grep -q '/$m ' '$TMPD/my.list'"
done
# what else ours brings for btrfs (crc32c) is in kmod's image anyway, for other modules
for m in $(cat "$TMPD/sd.extra"); do
	case " $SOFTDEP_EXTRA " in *" $m "*) continue ;; esac
	check "$m (ours for btrfs too) is in kmod's image as well" grep -q "/$m " "$TMPD/kmod.list"
done

# the index files of our image: kmod's depmod on its modules writes the same bytes
mods=$(find "$TMPD/my.img.d" -path "*/modules/$kver" -type d | head -1)
mkdir -p "$TMPD/redo/lib/modules"
cp -a "$mods" "$TMPD/redo/lib/modules/"
REDO_FILES="$INDEX_FROM_MODULES modules.softdep modules.devname modules.builtin.bin
modules.builtin.alias.bin"
for f in $REDO_FILES; do rm -f "$TMPD/redo/lib/modules/$kver/$f"; done
/usr/sbin/depmod -b "$TMPD/redo" "$kver" 2> "$TMPD/redo.err"
for f in $REDO_FILES; do
	check "our image's $f is kmod's depmod's for the same modules" \
		cmp -s "$mods/$f" "$TMPD/redo/lib/modules/$kver/$f"
done
done_testing
