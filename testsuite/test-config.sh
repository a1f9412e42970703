#!/bin/bash
# modprobe.d: differential test of config_dump() against `/usr/sbin/modprobe -c`
# (Debian kmod 30) on configurations generated here, stdout and stderr both.
# Deliberate differences, checked explicitly:
#  - softdep lines with pre: and post: print "pre: a b post: c" (kmod: "bpost:");
#  - weakdep is understood (kmod 30 predates it and calls it a bad line).
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"

TOOL="$top_builddir/testsuite/config-tool"
KMOD=/usr/sbin/modprobe
[ -x "$KMOD" ] || bail_out "no $KMOD (kmod 30): run scripts/install-deps"
[ -x "$TOOL" ] || bail_out "no $TOOL: make check builds it"
tap_tmpdir; [ -n "${KEEP_TMP:-}" ] && trap - EXIT
T=$TMPD

# kmod reads the modules.softdep of <root>/lib/modules/$(uname -r) with -d <root>
ROOT=$T/root
MODDIR=$ROOT/lib/modules/$(uname -r)
mkdir -p "$MODDIR"


# configuration part of modprobe -c (everything before "\n<END_MARK>\n\n")
kmod_conf_part() {
	python3 -c '
import sys
s = sys.stdin.buffer.read()
m = b"\n# End of configuration files. Dumping indexes now:\n\n"
i = s.find(m)
if i < 0:
    sys.exit("no end-of-configuration line")
sys.stdout.buffer.write(s[:i])'
}

# "libkmod: ERROR ../libkmod/x.c:712 func: msg" -> "ERROR: msg"
norm_kmod_err() { sed -E 's/^libkmod: ([A-Z]+) [^ ]+:[0-9]+ [A-Za-z0-9_]+: /\1: /'; }
norm_our_err() { sed -E 's/^config-tool: //'; }

# our side of the deliberate pre/post difference, applied to kmod's output
add_post_space() { sed -E '/^softdep [^ ]+ pre: /s/([^ ])post: /\1 post: /'; }

# run_case NAME [--fix-post] -C PATH...   (compares dump and messages)
run_case() {
	local name=$1 fix=
	shift
	if [ "${1:-}" = --fix-post ]; then
		fix=1
		shift
	fi
	local d=$T/out/$name
	mkdir -p "$d"
	"$KMOD" -c ${KMOD_DIR_ARGS:--d "$ROOT"} "$@" >"$d/kmod.raw" 2>"$d/kmod.err"
	if ! kmod_conf_part <"$d/kmod.raw" >"$d/kmod.out"; then
		not_ok "$name: kmod output has no end-of-configuration line"
		return
	fi
	if [ -n "$fix" ]; then
		if cmp -s <(add_post_space <"$d/kmod.out") "$d/kmod.out"; then
			not_ok "$name: expected kmod's missing space before post:, found none"
		else
			ok "$name: kmod prints 'pre: ...post:' without a space (we add it)"
		fi
		add_post_space <"$d/kmod.out" >"$d/kmod.fixed"
		mv "$d/kmod.fixed" "$d/kmod.out"
	fi
	"$TOOL" -m "${OUR_MODDIR:-$MODDIR}" -k /proc/cmdline "$@" dump >"$d/our.out" 2>"$d/our.err"
	if cmp -s "$d/kmod.out" "$d/our.out"; then
		ok "$name: dump equals modprobe -c ($(wc -l <"$d/our.out") lines)"
	else
		not_ok "$name: dump differs from modprobe -c"
		diag "$(diff "$d/kmod.out" "$d/our.out" | head -20)"
	fi
	norm_kmod_err <"$d/kmod.err" >"$d/kmod.msg"
	norm_our_err <"$d/our.err" >"$d/our.msg"
	if cmp -s "$d/kmod.msg" "$d/our.msg"; then
		ok "$name: messages equal kmod's ($(wc -l <"$d/our.msg") lines)"
	else
		not_ok "$name: messages differ from kmod's"
		diag "$(diff "$d/kmod.msg" "$d/our.msg" | head -20)"
	fi
}

# fixture DIR FILE CONTENT (printf %b escapes)
fixture() {
	mkdir -p "$T/$1"
	printf '%b' "$3" >"$T/$1/$2"
}

# --- fixtures -------------------------------------------------------------

fixture alias a.conf 'alias foo-bar baz-qux\nalias snd-card-* snd\nalias   sp\t\tx-y  \nalias a\\tb c\n'
run_case alias -C "$T/alias"

fixture brackets a.conf 'alias pci:v[0-9A-F]*d-x foo-bar\nalias x-[a-b]-y[-] m-n\nblacklist b[-]c-d\noptions o[-]p-q a-b=1\n'
run_case brackets -C "$T/brackets"

fixture badbrackets a.conf 'alias a[-b c\nalias a]b c\nalias ok c[d\nblacklist x]\noptions a[ x=1\ninstall ]a cmd\nremove [ cmd\nsoftdep a[b pre: c\nalias good one\n'
run_case bad-brackets -C "$T/badbrackets"

fixture options a.conf 'options m\tx=1  y=2\t\tz\noptions  n  lead=1 \noptions m-x a=1\noptions\t\tm\t\tt=1\t\noptions m\n'
run_case options -C "$T/options"

fixture commands a.conf 'install m /sbin/modprobe --ignore-install m $CMDLINE_OPTS\ninstall  n  echo\t"a  b"\nremove m-x  rmmod\tm\ninstall x\nremove\ninstall algif_aead /bin/false\n'
run_case install-remove -C "$T/commands"

fixture blacklist a.conf 'blacklist a-b\nblacklist c d e\nblacklist\nblacklist\t\tf\n'
run_case blacklist -C "$T/blacklist"

fixture softdep1 a.conf 'softdep a pre: b c\nsoftdep d post: e\nsoftdep f foo bar\nsoftdep g pre:\nsoftdep h pre:x y\nsoftdep i-j pre: k-l post:\nsoftdep m\n'
run_case softdep-simple -C "$T/softdep1"

fixture softdep2 a.conf 'softdep a pre: b c post: d e\nsoftdep x pre: y post: z\n'
run_case softdep-pre-post --fix-post -C "$T/softdep2"

fixture softdep3 a.conf 'softdep w pre: a pre: b post: c pre: d\nsoftdep q post: c pre: a post: d\n'
run_case softdep-repeated --fix-post -C "$T/softdep3"

# kmod's scanner keeps the single blank that starts the rest of the line
fixture softdep4 a.conf 'softdep r  pre:  a\t\tb   post:\tc  \nsoftdep s   pre: a\nsoftdep t\tpre: a\nsoftdep u \tpre: a\n'
run_case softdep-blanks -C "$T/softdep4"

fixture softdep5 a.conf 'softdep m pre: a\nsoftdep m pre: b post: c\nsoftdep m* post: d\n'
run_case softdep-several --fix-post -C "$T/softdep5"

fixture wrap a.conf 'alias a\\\n b\nalias c\\\n\\\n d\noptions m x=1 \\\n y=2\nal\\\nias e f\nalias g\\h i\\j\n\\\n\nalias k l\\'
run_case continuations -C "$T/wrap"

fixture comments a.conf '# comment\n#alias x y\n  # indented\n\t#tab\n# wrapped \\\nalias still comment\nalias a b # trailing\n\n   \n\t\n'
run_case comments -C "$T/comments"

fixture bad a.conf 'bogus line\nAlias a b\nalias\nalias a\noptions m\ninstall m\nremove m\nsoftdep m\nalias1 a b\n'
run_case bad-lines -C "$T/bad"

fixture include a.conf 'include /etc/modprobe.d/other.conf\nconfig /etc/modprobe.conf\ninclude\nalias a b\n'
run_case include-config -C "$T/include"

fixture tabs a.conf 'alias\ta\tb\noptions\tm\tp=1\tq=2\ninstall\tm\tcmd\targ\nsoftdep\tm\tpre:\ta\tpost:\tb\n'
run_case tabs --fix-post -C "$T/tabs"

fixture sorted c.conf 'alias c x\n'
fixture sorted a.conf 'alias a x\n'
fixture sorted b-b.conf 'alias b x\n'
fixture sorted B.conf 'alias B x\n'
fixture sorted 10.conf 'alias 10 x\n'
fixture sorted 9.conf 'alias 9 x\n'
run_case sorted-basenames -C "$T/sorted"

fixture filter good.conf 'alias good x\n'
fixture filter .hidden.conf 'alias hidden x\n'
fixture filter other.cfg 'alias cfg x\n'
fixture filter a.conf.bak 'alias bak x\n'
fixture filter x.alias 'alias dotalias x\n'
fixture filter .conf 'alias dotconf x\n'
mkdir -p "$T/filter/sub.conf" "$T/filter/subdir"
printf 'alias insub x\n' >"$T/filter/sub.conf/a.conf"
ln -s good.conf "$T/filter/link.conf"
ln -s /nonexistent "$T/filter/broken.conf"
run_case file-filter -C "$T/filter"

fixture dir1 common.conf 'alias from-dir1 x\n'
fixture dir1 b.conf 'alias b1 x\n'
fixture dir2 common.conf 'alias from-dir2 x\n'
fixture dir2 a.conf 'alias a2 x\n'
fixture dir2 c.conf 'alias c2 x\n'
run_case same-basename -C "$T/dir1" -C "$T/dir2"
run_case same-basename-reversed -C "$T/dir2" -C "$T/dir1"

fixture single x.conf 'alias single x\noptions single a=1\n'
run_case single-file -C "$T/single/x.conf"
fixture single common.conf 'alias single-common x\n'
run_case single-file-and-dirs -C "$T/single/common.conf" -C "$T/dir1" -C "$T/single/x.conf"
run_case missing-path -C "$T/nonexistent" -C "$T/alias"

printf 'softdep sd-mod pre: sd-a\nsoftdep other post: o\n' >"$MODDIR/modules.softdep"
fixture withsoftdep aaa.conf 'alias aaa x\nsoftdep aaa pre: zz\n'
fixture withsoftdep zzz.conf 'alias zzz x\nsoftdep zzz pre: yy\n'
fixture withsoftdep modules.conf 'alias modules x\n'
run_case modules-softdep -C "$T/withsoftdep"
# a -C file named modules.softdep loses against the module directory's
fixture softdepfile modules.softdep 'softdep from-c pre: x\n'
run_case modules-softdep-vs-C -C "$T/softdepfile/modules.softdep"
rm -f "$MODDIR/modules.softdep"

fixture eof a.conf 'alias no newline'
fixture eof b.conf 'alias a b\n\nbogus'
fixture eof c.conf ''
fixture eof d.conf '\n\n\n'
fixture eof e.conf 'alias trailing backslash\\'
run_case eof-and-empty -C "$T/eof"

fixture crlf a.conf 'alias a b\r\nbogus\r\noptions m x=1\r\n'
run_case crlf -C "$T/crlf"

fixture nul a.conf 'alias a\0junk b\nalias c d\0e\nbogus\0\n'
run_case nul-bytes -C "$T/nul"

long=$(head -c 20000 /dev/zero | tr '\0' 'x')
fixture long a.conf "options m p=$long\nalias a-$long b\nbad$long\n"
run_case long-lines -C "$T/long"

fixture utf8 a.conf 'alias caf\xc3\xa9 m\noptions m v=\xff\xfe\n\xc3\xa9 bad\n'
run_case non-ascii -C "$T/utf8"

# everything at once, over several directories
fixture all1 00-first.conf 'blacklist bl-1\ninstall i-1 cmd1\nremove r-1 rcmd1\nalias al-1 m-1\noptions o-1 a=1\nsoftdep s-1 pre: p1\n'
fixture all2 50-mid.conf 'blacklist bl-2\ninstall i-* cmd2\nremove r-2 rcmd2\nalias al-* m-2\noptions o-1 b=2\nsoftdep s-1 post: p2\n'
fixture all1 99-last.conf 'options o-1 c=3\nalias al-1 m-3\n'
run_case all-directives -C "$T/all1" -C "$T/all2"

# the machine's own configuration (default directories), with the installed
# Debian tree's modules.softdep
kver=$(debian_kver) || bail_out "no module tree in /lib/modules"
[ -s "/lib/modules/$kver/modules.softdep" ] || bail_out "no /lib/modules/$kver/modules.softdep"
KMOD_DIR_ARGS="-S $kver" OUR_MODDIR=/lib/modules/$kver run_case system-default

# --- deliberate difference: weakdep (kmod >= 33; kmod 30 rejects it) --------

fixture weak a.conf 'weakdep m a b\nweakdep n   \nweakdep o\nweakdep p-q x-y\n'
"$KMOD" -c -d "$ROOT" -C "$T/weak" >/dev/null 2>"$T/weak.kmod.err"
if grep -q "ignoring bad line starting with 'weakdep'" "$T/weak.kmod.err"; then
	ok "weakdep: kmod 30 rejects weakdep lines (we parse them, as kmod >= 33)"
else
	not_ok "weakdep: kmod 30 was expected to reject weakdep"
fi
"$TOOL" -C "$T/weak" dump >"$T/weak.out" 2>"$T/weak.err"
printf 'weakdep m a b\nweakdep n \nweakdep p_q x-y\n' >"$T/weak.expected"
if cmp -s "$T/weak.out" "$T/weak.expected"; then
	ok "weakdep: dump prints weakdep lines; one with no module as 'weakdep n '"
else
	not_ok "weakdep: dump"
	diag "$(diff "$T/weak.expected" "$T/weak.out")"
fi
check "weakdep: 'weakdep o' without modules is a bad line (line 3)" \
	grep -qx "ERROR: $T/weak/a.conf line 3: ignoring bad line starting with 'weakdep'" \
	<(norm_our_err <"$T/weak.err")
check "weakdep: query returns the first matching line" \
	test "$("$TOOL" -C "$T/weak" weakdep m 2>/dev/null)" = "weak: a b"
printf 'weakdep wd-mod w1\n' >"$MODDIR/modules.weakdep"
check "weakdep: modules.weakdep of the module directory is read" \
	test "$("$TOOL" -C "$T/weak" -m "$MODDIR" weakdep wd_mod 2>/dev/null)" = "weak: w1"
rm -f "$MODDIR/modules.weakdep"

# --- deliberate difference: several softdep lines merge --------------------

fixture merge a.conf 'softdep m pre: a b post: c\nsoftdep m pre: b d\nsoftdep m* post: e c\nsoftdep x pre: no\n'
out=$("$TOOL" -C "$T/merge" softdep m)
if [ "$out" = "$(printf 'pre: a b d\npost: c e')" ]; then
	ok "softdep: every matching line merges, in config order, without repeats"
else
	not_ok "softdep: merge"
	diag "$out"
fi

# --- a link to /dev/null masks a file of the same name in a later directory ----

fixture mask1 a.conf 'alias m1 t1\n'
ln -s /dev/null "$T/mask1/masked.conf"
fixture mask2 masked.conf 'alias m2 t2\n'
run_case masked-by-dev-null -C "$T/mask1" -C "$T/mask2"

# --- deliberate difference: what is not a regular file is not read ------------
# (kmod 30 blocks for ever opening a FIFO named x.conf)

fixture fifo a.conf 'alias m1 t1\n'
mkfifo "$T/fifo/fifo.conf"
ln -s /dev/zero "$T/fifo/zero.conf"
out=$(timeout 20 "$TOOL" -C "$T/fifo" dump 2>"$T/fifo.err")
rc=$?
check "a FIFO and a device named *.conf are skipped, the rest is read (exit $rc)" \
	test $rc -eq 0 -a "$out" = "alias m1 t1"
check "each is reported once as not a regular file" test "$(cat "$T/fifo.err")" = "$(printf '%s\n' \
	"config-tool: WARNING: $T/fifo/fifo.conf: not a regular file, ignored" \
	"config-tool: WARNING: $T/fifo/zero.conf: not a regular file, ignored")"

done_testing
