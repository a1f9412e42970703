#!/bin/bash
# Differential test of mykmod against Debian's kmod 30 `kmod`, both on the fake kernel
# (testsuite/fakekernel: uname -r, /proc/modules, /sys/module and /lib/modules come
# from a fake root): help, -V, unknown and missing commands, getopt errors, `list`
# (and that it is mylsmod's output), and `static-nodes` in its three formats on the
# installed Debian tree's modules.devname, on malformed, empty, long-lined and
# missing files, with -o. Our output has "mykmod" where kmod's has "kmod"; it is
# compared with that word replaced. The differences of docs/compat.md are checked
# on both sides.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"

KMOD=${KMOD:-/usr/bin/kmod}
MY=$TOOLS/mykmod
FAKEKERNEL=$top_builddir/testsuite/fakekernel/fakekernel.so
ELFGEN=$top_builddir/testsuite/elfgen
[ -x "$KMOD" ] || bail_out "kmod not found at $KMOD"
[ -x "$MY" ] || bail_out "$MY not built"
[ -x "$TOOLS/mylsmod" ] || bail_out "$TOOLS/mylsmod not built"
[ -f "$FAKEKERNEL" ] || bail_out "$FAKEKERNEL not built"
[ -x "$ELFGEN" ] || bail_out "$ELFGEN not built"
DEBIAN_KVER=$(debian_kver) || bail_out "no module tree under /lib/modules"
tap_tmpdir
umask 022

# both run through PATH under their own names: kmod acts as `kmod` only by that name
mkdir "$TMPD/bin"
ln -s "$KMOD" "$TMPD/bin/kmod"
ln -s "$MY" "$TMPD/bin/mykmod"
ln -s "$TOOLS/mylsmod" "$TMPD/bin/mylsmod"

# a fresh fake root for uname -r = $1 (default 6.1.0-fk)
new_root() {
	KVER=${1:-6.1.0-fk}
	ROOTFS=$TMPD/root
	rm -rf "$ROOTFS"
	mkdir -p "$ROOTFS/proc" "$ROOTFS/sys/module" "$ROOTFS/lib/modules/$KVER" \
		"$ROOTFS/tmp" "$ROOTFS/fakekernel"
	: >"$ROOTFS/proc/modules"
	DEVNAME=$ROOTFS/lib/modules/$KVER/modules.devname
}

# fk PROG ARGS...: PROG on the fake kernel, in the fake root
fk() {
	(cd "$ROOTFS" && PATH="$TMPD/bin:$PATH" LD_PRELOAD=$FAKEKERNEL \
		FAKEKERNEL_ROOTFS=$ROOTFS FAKEKERNEL_UNAME_R=$KVER "$@")
}

# run IMPL ARGS...: `kmod ARGS` or `mykmod ARGS` into $TMPD/IMPL.{out,err,rc};
# PREP (a command, if set) runs before, in the fake root; OUTFILE (a path in the
# fake root, if set) is kept afterwards as $TMPD/IMPL.file ("(none)" if missing)
run() {
	local impl=$1 prog=kmod
	shift
	[ "$impl" = my ] && prog=mykmod
	[ -z "${PREP:-}" ] || (cd "$ROOTFS" && eval "$PREP")
	fk "$prog" "$@" >"$TMPD/$impl.out" 2>"$TMPD/$impl.err"
	echo $? >"$TMPD/$impl.rc"
	if [ -n "${OUTFILE:-}" ]; then
		if [ -f "$ROOTFS/$OUTFILE" ]; then
			cp "$ROOTFS/$OUTFILE" "$TMPD/$impl.file"
		else
			echo "(none)" >"$TMPD/$impl.file"
		fi
	fi
	if [ "$impl" = my ]; then
		sed -i 's/\bmykmod\b/kmod/g' "$TMPD/my.out" "$TMPD/my.err"
	fi
}

# same DESC ARGS...: stdout, stderr and exit status of both are identical (and
# the file OUTFILE, when it is set)
same() {
	local desc=$1 f bad= files="out err rc"
	shift
	[ -z "${OUTFILE:-}" ] || files="$files file"
	run kmod "$@"
	run my "$@"
	for f in $files; do
		cmp -s "$TMPD/kmod.$f" "$TMPD/my.$f" || bad="$bad $f"
	done
	if [ -z "$bad" ]; then
		ok "$desc (exit $(cat "$TMPD/my.rc"))"
	else
		not_ok "$desc: differs in$bad"
		for f in $files; do
			diff -u "$TMPD/kmod.$f" "$TMPD/my.$f" | head -20 | diag
		done
	fi
}

# ---- help, version, commands ----
new_root
# kmod's help ends with the compat symlinks it answers to (lsmod, insmod...), which
# mykmod is not; ours lists diff, which kmod has not: the rest must be identical
help_cut() {
	local n
	n=$(grep -n '^kmod also handles gracefully' "$TMPD/kmod.out" | cut -d: -f1)
	[ -n "$n" ] && [ "$n" -gt 2 ] || return 1
	sed -n "$((n - 1))p" "$TMPD/kmod.out" | grep -qx '' || return 1
	head -n $((n - 2)) "$TMPD/kmod.out" >"$TMPD/kmod.help"
	grep -v '^  diff ' "$TMPD/my.out" >"$TMPD/my.help"
	cmp -s "$TMPD/kmod.help" "$TMPD/my.help"
}
for args in "-h" "--help" "help" "help x -x" "" "''" "foo" "-- foo" "-h list"; do
	eval "run kmod $args"
	eval "run my $args"
	if help_cut && cmp -s "$TMPD/kmod.err" "$TMPD/my.err" &&
		cmp -s "$TMPD/kmod.rc" "$TMPD/my.rc"; then
		ok "help for [$args]: kmod's, without its symlink list (exit $(cat "$TMPD/my.rc"))"
	else
		not_ok "help for [$args]"
		diff -u "$TMPD/kmod.out" "$TMPD/my.out" | diag
		diff -u "$TMPD/kmod.err" "$TMPD/my.err" | diag
	fi
done
check "help: our command list is help, list, static-nodes, diff" \
	test "$(sed -n '/^Commands:/,$p' "$TMPD/my.out" | awk 'NR > 1 { print $1 }' |
		paste -sd' ')" = "help list static-nodes diff"

# -V: ours is mykmod's version (docs/compat.md), as every tool of ours prints it
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")
[ -n "$version" ] || bail_out "no PACKAGE_VERSION in config.h"
for args in "-V" "--version" "-V list" "--vers"; do
	run kmod $args
	run my $args
	check "$args: kmod prints 'kmod version 30', we 'mykmod version $version' (exit 0)" \
		test "$(head -1 "$TMPD/kmod.out")" = "kmod version 30" \
		-a "$(head -1 "$TMPD/my.out")" = "kmod version $version" \
		-a "$(cat "$TMPD/kmod.rc") $(cat "$TMPD/my.rc")" = "0 0"
done
same "unknown option -x" -x
same "--help=x" --help=x
same "unknown long option" --nope
same "an option after the command goes to it" list -x

# ---- list: kmod's `kmod list`, and mylsmod's output (the same code) ----
new_root
. "$top_srcdir/testsuite/scenarios/lib.sh"
mkmod a.ko
for m in z b y; do mkmod $m.ko --modinfo depends=a; done
mkmod big.ko --text-size 100000
for m in a z b y big; do
	fk /usr/sbin/insmod /$m.ko || bail_out "insmod $m.ko on the fake kernel"
done
rm "$ROOTFS/sys/module/big/coresize"
same "list: five modules, holders, one without coresize" list
check "list: five modules listed" test "$(wc -l <"$TMPD/my.out")" -eq 6
fk mylsmod >"$TMPD/lsmod.out" 2>&1
check "list prints what mylsmod prints" cmp -s "$TMPD/lsmod.out" "$TMPD/my.out"
same "list with an argument: Usage: list" list x
same "'-- list': the command sees '--' as its name, as kmod's does" -- list
# lsmod -h/-V as in kmod >= 34 (docs/compat.md: mylsmod); `list` is the same code
run kmod list -h
run my list -h
check "list -h: kmod 'Usage: list' (1), ours mylsmod's help (0)" \
	test "$(cat "$TMPD/kmod.err")/$(cat "$TMPD/kmod.rc")" = "Usage: list/1" \
	-a "$(head -2 "$TMPD/my.out" | paste -sd' ')" = "Usage: 	kmod [options]" \
	-a "$(cat "$TMPD/my.rc")" = 0
mv "$ROOTFS/proc/modules" "$ROOTFS/proc/modules.away"
run kmod list
run my list
# libkmod adds a line with its source location (docs/compat.md: library error lines)
grep -v '^libkmod: ' "$TMPD/kmod.err" >"$TMPD/kmod.err2"
check "list without /proc/modules: kmod's message without libkmod's line, exit 1" \
	test "$(cat "$TMPD/my.err")" = "$(cat "$TMPD/kmod.err2")" \
	-a "$(cat "$TMPD/my.err")" = "Error: could not get list of modules: No such file or directory" \
	-a "$(cat "$TMPD/kmod.rc") $(cat "$TMPD/my.rc")" = "1 1"

# ---- static-nodes: options ----
new_root
printf 'a b c1:2\nx y/z b3:4\n' >"$DEVNAME"
for args in "static-nodes -h" "static-nodes --help" "static-nodes -f bad" \
	"static-nodes --format=" "static-nodes -f" "static-nodes --format" "static-nodes -x" \
	"static-nodes --form=devname" "static-nodes -f devname -f human" \
	"static-nodes -f bad -h" "static-nodes -h -f bad" "static-nodes extra -f devname" \
	"-- static-nodes -f devname" "static-nodes -- -f devname" "static-nodes -ftmpfiles"; do
	same "$args" $args
done

# ---- static-nodes on the installed Debian tree's modules.devname ----
new_root "$DEBIAN_KVER"
cp "/lib/modules/$DEBIAN_KVER/modules.devname" "$DEVNAME" || bail_out "no modules.devname"
nentries=$(grep -vc '^#' "$DEVNAME")
for f in human tmpfiles devname; do
	same "Debian $DEBIAN_KVER ($nentries entries): -f $f" static-nodes -f $f
done
check "Debian tree: a line per entry in devname format" \
	test "$nentries" -gt 0 -a "$(wc -l <"$TMPD/my.out")" -eq "$nentries"
same "Debian tree: default format" static-nodes
same "Debian tree: --format=tmpfiles" static-nodes --format=tmpfiles

# ---- static-nodes on malformed, empty and odd files ----
# rep CHAR N: N times CHAR
rep() { head -c "$2" /dev/zero | tr '\0' "$1"; }
# all_formats DESC: the current modules.devname in each format
all_formats() {
	local f
	for f in human tmpfiles devname; do
		same "$1: -f $f" static-nodes -f $f
	done
}
new_root
printf '%s\n' '# comment' 'a b c1:2' 'a b' '' '   ' 'a b c' 'a b c1' 'a b c1:' 'a b x1:2' \
	'a b C1:2' 'a b c 1:2' 'a b c1 :2' 'a b c1: 2' 'a b c+1:-2' 'a b c-1:2' 'a b c0x10:1' \
	'a b c99999999999:1' 'a b c4294967296:1' 'a b c99999999999999999999999:1' \
	'a b c-4294967297:0' 'a b c-:1' 'a b c1:+' 'a b c1:2junk more' ' #x y c1:2' \
	'	a	b	b7:8' 'a/b c/d/e b1:1' 'a dev/ c1:1' 'a /abs c1:1' 'a b cc1:1' 'a b b' \
	'a b c1:2 ' $'a\vb\fc1:2\r' 'a b b00010:007' $'a b  \t c3:4' >"$DEVNAME"
printf 'a b c1:2\0zz\nq w c3:4\n\0foo\nlast b1:1' >>"$DEVNAME"
all_formats "malformed lines (fields missing, bad type, bad numbers, NULs, no final newline)"
check "malformed lines: kmod and we print errors and exit 1" \
	test "$(grep -c 'invalid devname entry' "$TMPD/my.err")" -ge 14 -a "$(cat "$TMPD/my.rc")" = 1

: >"$DEVNAME"
all_formats "empty file"
printf '# Device nodes to trigger on-demand module loading.\n#\n' >"$DEVNAME"
all_formats "comments only"
printf 'fuse fuse c10:229' >"$DEVNAME"
all_formats "no newline at the end"

# lines are read in pieces of 4095 bytes (kmod's fgets buffer); each piece is a line
{
	echo "m$(rep a 4085) d c1:2"      # 4094 bytes with its newline
	echo "m$(rep a 4086) d c1:2"      # 4095: the newline fits
	echo "m$(rep a 4087) d c1:2"      # 4096: the newline is a piece of its own
	echo "#$(rep x 5000) y c1:2"      # a comment whose second piece is an entry
	echo "#$(rep x 4090) yy c1:2"     # ... or an invalid piece
	echo "n $(rep d 5000) c3:4"       # a long name, cut
	echo "$(rep m 2000) $(rep d 2000) c5:6"  # long names that fit
	echo "z y c5:6"
} >"$DEVNAME"
all_formats "long lines and names"

# ---- static-nodes: a missing modules.devname ----
new_root nonexistent-kver
rm -f "$DEVNAME"
same "no modules.devname: warning, exit 0" static-nodes
PREP='rm -rf tmp/out; echo old >tmp/keep.conf'
same "no modules.devname, -o a new file" static-nodes -o /tmp/out/x.conf
check "no modules.devname: -o FILE is not created (as kmod)" test ! -e "$ROOTFS/tmp/out"
same "no modules.devname, -o an existing file" static-nodes -o /tmp/keep.conf
check "no modules.devname: an existing -o FILE is left as it was (as kmod)" \
	test "$(cat "$ROOTFS/tmp/keep.conf")" = old
PREP=

# a directory: kmod prints nothing, exit 0; we report it (docs/compat.md)
new_root
mkdir "$DEVNAME"
run kmod static-nodes
run my static-nodes
check "modules.devname is a directory: kmod silent (0), we 'could not read' (1)" \
	test "$(cat "$TMPD/kmod.out" "$TMPD/kmod.err")" = "" -a "$(cat "$TMPD/kmod.rc")" = 0 \
	-a "$(cat "$TMPD/my.err")" = "Error: could not read /lib/modules/$KVER/modules.devname - Is a directory" \
	-a "$(cat "$TMPD/my.rc")" = 1

# ---- static-nodes -o ----
new_root
cp "/lib/modules/$DEBIAN_KVER/modules.devname" "$DEVNAME"
printf 'bad line\n' >>"$DEVNAME"
for f in human tmpfiles devname; do
	PREP='rm -rf tmp/sub' OUTFILE=tmp/sub/dir/out.conf
	same "-o in directories to create, -f $f" static-nodes -f $f -o /tmp/sub/dir/out.conf
done
check "-o: the file has the entries, the error went to stderr" \
	test "$(wc -l <"$TMPD/my.file")" -eq "$nentries" -a -s "$TMPD/my.err"
PREP="rm -rf tmp/sub" OUTFILE=tmp/mode
same "-o: the mode of a new file" static-nodes -o /tmp/mode
stat -c %a "$ROOTFS/tmp/mode" >"$TMPD/my.mode"
check "-o: a new file is 0644 under umask 022" test "$(cat "$TMPD/my.mode")" = 644
PREP='rm -rf rel' OUTFILE=rel/dir/out.conf
same "-o relative to the current directory" static-nodes -f devname --output rel/dir/out.conf
PREP="rep x 100000 >tmp/long" OUTFILE=tmp/long
same "-o an existing longer file: truncated" static-nodes --output=/tmp/long
PREP='echo old >tmp/target; ln -sfn target tmp/link' OUTFILE=tmp/target
same "-o a symlink: the target is written" static-nodes -f tmpfiles -o /tmp/link
check "-o a symlink: still a symlink" test -L "$ROOTFS/tmp/link"
PREP='rm -rf tmp/afile; touch tmp/afile' OUTFILE=
same "-o a directory" static-nodes -o /tmp
same "-o a directory, trailing slash" static-nodes -o /tmp/
same "-o an empty name" static-nodes -o ''
same "-o under a file, two levels down" static-nodes -o /tmp/afile/sub/x
# one level down kmod prints a stale errno (docs/compat.md)
run kmod static-nodes -o /tmp/afile/x
run my static-nodes -o /tmp/afile/x
pfx="Error: could not create parent directory for /tmp/afile/x - "
check "-o under a file: kmod '${pfx}Success.', we '... - Not a directory.' (1)" \
	test "$(cat "$TMPD/kmod.err")" = "${pfx}Success." \
	-a "$(cat "$TMPD/my.err")" = "${pfx}Not a directory." \
	-a "$(cat "$TMPD/kmod.rc") $(cat "$TMPD/my.rc")" = "1 1"
PREP=

# write errors: kmod ignores them (exit 0), we report them (docs/compat.md)
printf 'a b c1:2\n' >"$DEVNAME"
run kmod static-nodes -o /dev/full
run my static-nodes -o /dev/full
check "-o /dev/full: kmod silent (0), we 'could not write' (1)" \
	test "$(cat "$TMPD/kmod.err")" = "" -a "$(cat "$TMPD/kmod.rc")" = 0 \
	-a "$(cat "$TMPD/my.err")" = "Error: could not write /dev/full - No space left on device" \
	-a "$(cat "$TMPD/my.rc")" = 1
fk mykmod static-nodes >/dev/full 2>"$TMPD/my.err"
check "stdout on /dev/full: 'could not write standard output' (1)" test $? = 1 -a \
	"$(cat "$TMPD/my.err")" = "Error: could not write standard output - No space left on device"
# without -o, kmod opens /dev/stdout again, truncating a file opened for appending;
# with stdout closed that reopens modules.devname itself for writing
for impl in kmod mykmod; do
	echo first >"$TMPD/$impl.append"
	fk "$impl" static-nodes -f devname >>"$TMPD/$impl.append"
done
check "stdout appended to: kmod truncates the file, we append" \
	test "$(cat "$TMPD/kmod.append")" = "a b c1:2" \
	-a "$(cat "$TMPD/mykmod.append")" = "$(printf 'first\na b c1:2')"
fk mykmod static-nodes -f devname >&- 2>"$TMPD/my.err"
check "stdout closed: we fail (1) and modules.devname is intact" \
	test $? = 1 -a "$(cat "$DEVNAME")" = "a b c1:2"
fk kmod static-nodes -f devname >&- 2>/dev/null
check "stdout closed: kmod truncates modules.devname" test ! -s "$DEVNAME"

# ---- kmod's names: mykmod called as depmod, modprobe... is that tool ----
# (a link of that name, as --enable-kmod-names installs): the same output, messages
# and exit status as the tool's own program called by the same name
mkdir "$TMPD/names" "$TMPD/own"
for n in depmod modprobe modinfo insmod rmmod lsmod; do
	ln -s "$MY" "$TMPD/names/$n"
	ln -s "$TOOLS/my$n" "$TMPD/own/$n"
done
# same_as_own DESC NAME ARGS...: mykmod as NAME against the tool's program as NAME
same_as_own() {
	local desc=$1 n=$2 d
	shift 2
	for d in names own; do
		# found in PATH, so that argv[0] is NAME alone for both
		PATH="$TMPD/$d:$PATH" "$n" "$@" >"$TMPD/$d.out" 2>"$TMPD/$d.err"
		echo $? >"$TMPD/$d.rc"
	done
	if cmp -s "$TMPD/names.out" "$TMPD/own.out" && cmp -s "$TMPD/names.err" "$TMPD/own.err" &&
		cmp -s "$TMPD/names.rc" "$TMPD/own.rc"; then
		ok "$desc (exit $(cat "$TMPD/own.rc"))"
	else
		not_ok "$desc"
		diff -u "$TMPD/own.out" "$TMPD/names.out" | head -10 | diag
		diff -u "$TMPD/own.err" "$TMPD/names.err" | head -10 | diag
	fi
}
for n in depmod modprobe modinfo insmod rmmod lsmod; do
	same_as_own "mykmod as $n: --help" $n --help
	same_as_own "mykmod as $n: a bad option" $n --no-such-option
done
same_as_own "mykmod as modinfo: a missing file" modinfo /nonexistent/x.ko
check "mykmod as modinfo says modinfo:" grep -q '^modinfo: ' "$TMPD/names.err"
same_as_own "mykmod as modprobe: -n of a missing module" modprobe -n -d "$TMPD" no-such-module
same_as_own "mykmod as rmmod: a module that is not loaded" rmmod no_such_module_x
PATH="$TMPD/names:$PATH" modinfo --help > "$TMPD/names.out" 2>&1
check "mykmod as modinfo is not mykmod" bash -c "! grep -q 'Commands:' '$TMPD/names.out'"

done_testing
