#!/bin/bash
# mydepmod's cache (docs/depmod-cache.md) against kmod 30's depmod: after every
# step of a sequence on an elfgen tree (cold, warm, a module added, removed,
# replaced in place with its mtime restored, renamed, moved, depmod.d (entries of
# the modules a run does not look at kept while unchanged), -E and modules.order
# changes) every output is compared with kmod's on the same tree,
# and strace counts the module files mydepmod opened: only the changed ones.
# Then a cache corrupted at 50 random offsets, truncated, copied from another
# tree and another kernel version: one warning each, the same outputs. A new
# cache's body written ahead is named through its descriptor, through /proc, or
# written whole (linkat() failing under testsuite/faultinject.so). Index files
# that are what a run would make are left (§7), and made again when one is edited,
# removed or of another mode, after a dead run, or when modules.builtin, System.map
# or -P change; a run that warns does so every time. --no-cache and -n write none;
# --check ignores it. Under -b a run writes a cache only with --cache or when one
# is there (-b / is no -b); --cache --no-cache is refused. Then the Debian tree:
# cold, warm, a nothing-changed run that writes nothing, one module added under
# updates/. Last, runs on the Debian tree killed with -9 at random moments.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"
. "$top_srcdir/testsuite/depmod/lib.sh"

[ -x "$KMOD_DEPMOD" ] || bail_out "kmod's depmod not found at $KMOD_DEPMOD"
[ -x "$MYDEPMOD" ] || bail_out "mydepmod not built: $MYDEPMOD"
[ -x "$ELFGEN" ] || bail_out "elfgen not built: $ELFGEN"
command -v strace >/dev/null || bail_out "strace not found"
tap_tmpdir
K=5.6.0
CACHE=modules.mykmod-cache.bin
REAL_MYDEPMOD=$MYDEPMOD

# mydepmod under strace: differential (testsuite/depmod/lib.sh) runs this one
cat >"$TMPD/traced" <<EOF
#!/bin/sh
exec strace -f -qq -e trace=openat,open -o "$TMPD/trace" "$REAL_MYDEPMOD" \$MY_ARGS "\$@"
EOF
chmod +x "$TMPD/traced"
MYDEPMOD=$TMPD/traced

# the module files the last traced run opened, one per line
opened() {
	grep -o '"[^"]*\.ko\(\.[a-z]*\)\?"' "$TMPD/trace" | tr -d '"' | sort
}

# step NAME OPENS ROOT [args]: kmod's outputs, and mydepmod opened OPENS modules
step() {
	local name=$1 want=$2 root=$3
	shift 3
	differential "$name" "$root" $K "$@" || return 1
	local got
	got=$(opened | wc -l)
	[ "$got" -eq "$want" ] || { diag "$name: opened $got modules, not $want:" "$(opened)"; return 1; }
}

T=$TMPD/t
D=$T/lib/modules/$K
mkmod "$T" $K kernel/lib/core.ko --export core_fn:0x1234 --export core_data:0x99 \
	--modinfo alias=core-alias --modinfo 'softdep=pre: helper'
mkmod "$T" $K kernel/lib/helper.ko --export helper_fn:0x42 --need core_fn:0x1234 \
	--modinfo weakdep=core
mkmod "$T" $K kernel/drivers/user.ko --need helper_fn:0x42 --need core_data:0x99 \
	--weak core_fn --modinfo 'alias=pci:v00008086d*' --modinfo alias=char-major-10-1
mkmod "$T" $K kernel/fs/ks.ko --ksymtab-string ks_only_fn --need core_fn
mkmod "$T" $K kernel/fs/user2.ko --need ks_only_fn --need printk:0x7 --need unknown:0x5
mkmod "$T" $K extra/aaaa.ko --export same_aaaa --need core_fn
mkmod "$T" $K extra/bbbb.ko --export same_bbbb --need helper_fn
printf '%s\n' kernel/fs/user2.ko kernel/lib/core.ko kernel/lib/helper.ko \
	kernel/drivers/user.ko >"$D/modules.order"
printf '%s\n' kernel/fs/ext4.ko >"$D/modules.builtin"
printf 'ext4.alias=fs-ext4\0' >"$D/modules.builtin.modinfo"
printf '0x00000007\tprintk\tvmlinux\tEXPORT_SYMBOL\n' >"$TMPD/Module.symvers"
# A module changed less than 2 s before a run is not cached (docs/depmod-cache.md
# §3): after each change the test waits that long, so that what a run reads is
# what changed, not what is still too recent to trust.
settle() { sleep 2.2; }
settle

# under -b the cache is written only when asked or already there (§5)
check "cold, -b without --cache: kmod's outputs, every module read" step cold-none 7 "$T"
check "... no cache written" test ! -e "$D/$CACHE"
export MY_ARGS=--cache # for mydepmod alone
check "cold, --cache: kmod's outputs, every module read" step cold 7 "$T"
unset MY_ARGS
check "cold: the cache is written" test -s "$D/$CACHE"
cp "$D/$CACHE" "$TMPD/cache.cold"
check "warm: kmod's outputs, no module opened" step warm 0 "$T"
check "warm: the cache is the same bytes" cmp -s "$D/$CACHE" "$TMPD/cache.cold"

# A new cache's body is written ahead, as it is made, to a file without a name,
# which the commit names (lib/outset.h): through its descriptor, else through
# /proc (the first linkat() failing, as without CAP_DAC_READ_SEARCH before Linux
# 6.10), else it is copied whole into a named file in turn (both failing: no
# /proc either; testsuite/faultinject.so). Where no such file can be made (no
# O_TMPFILE), the body is made in memory and the cache written whole.
# Each way is seen taken (strace), the cache is the same bytes, nothing is left.
# ahead_run HOW [FAULTINJECT_N [FUNC]]: a run with the cache removed, linkat()
# (or FUNC) failing from the Nth call, traced
ahead_run() {
	rm -f "$D/$CACHE"
	FAULTINJECT_FUNC=${2:+${3:-linkat}} FAULTINJECT_N=${2:-} FAULTINJECT_ERRNO=${4:-1} \
		LD_PRELOAD=${2:+$top_builddir/testsuite/faultinject.so} \
		strace -f -qq -e trace=linkat,openat -o "$TMPD/ahead.$1" \
		"$REAL_MYDEPMOD" --cache -b "$T" $K
}
ahead_run fd && cp "$D/$CACHE" "$TMPD/cache.ahead"
check "cache written ahead, named through its descriptor" \
	grep -q 'linkat(.*, "", .*modules.mykmod-cache.bin.*AT_EMPTY_PATH) = 0' "$TMPD/ahead.fd"
ahead_run proc 1
check "... that failing, named through /proc: the same bytes" \
	bash -c "grep -q 'linkat(AT_FDCWD, \"/proc/self/fd/.*AT_SYMLINK_FOLLOW) = 0' '$TMPD/ahead.proc' &&
		cmp -s '$D/$CACHE' '$TMPD/cache.ahead'"
# written_whole HOW LEFT: ahead_run HOW named nothing, wrote the cache under a
# temporary name of its own, the same bytes, and LEFT files behind (0 wanted)
written_whole() {
	! grep -q 'linkat(' "$TMPD/ahead.$1" &&
		grep -q 'openat(.*modules.mykmod-cache.bin.mydepmod-.*O_CREAT|O_EXCL' "$TMPD/ahead.$1" &&
		cmp -s "$D/$CACHE" "$TMPD/cache.ahead" && [ "$2" = 0 ]
}
ahead_run none 1+
left=$(find "$D" -maxdepth 1 -name '*mydepmod-*' | wc -l)
check "... both failing: written whole in turn, the same bytes, nothing left ($left)" \
	written_whole none "$left"
ahead_run memory 1+ tmpfile 95
left=$(find "$D" -maxdepth 1 -name '*mydepmod-*' | wc -l)
check "no unnamed file to be had (EOPNOTSUPP): made in memory, the same bytes, nothing left ($left)" \
	written_whole memory "$left"

check "-n with a warm cache: kmod's stdout, no module opened" step warm-n 0 "$T" -n

mkmod "$T" $K updates/newmod.ko --export new_fn --need same_aaaa --need core_fn:0x1234
settle
check "a module added under updates/: only it is read" step added 1 "$T"
check "... the new module" test "$(opened)" = newmod.ko
check "... -b with a cache there, no --cache: the cache is updated with it" \
	grep -qa updates/newmod.ko "$D/$CACHE"
rm "$D/kernel/fs/ks.ko"
settle
check "a module removed: none read, its symbol gone" step removed 0 "$T"
check "... user2 lost its dependency" grep -qx 'kernel/fs/user2.ko:' "$D/modules.dep"
check "... its entry is gone from the cache" bash -c "! grep -qa kernel/fs/ks.ko '$D/$CACHE'"

# same size, same inode, the old mtime: only the ctime says it changed
cp -p "$D/extra/aaaa.ko" "$TMPD/aaaa.old"
"$ELFGEN" -o "$TMPD/aaaa.new" --export same_cccc --need core_fn
ino=$(stat -c %i "$D/extra/aaaa.ko")
check "the replacement has the same size" \
	test "$(stat -c %s "$TMPD/aaaa.new")" = "$(stat -c %s "$D/extra/aaaa.ko")"
cat "$TMPD/aaaa.new" >"$D/extra/aaaa.ko"
touch -r "$TMPD/aaaa.old" "$D/extra/aaaa.ko"
check "... same inode and mtime" test "$(stat -c %i "$D/extra/aaaa.ko")" = "$ino" -a \
	"$(stat -c %Y "$D/extra/aaaa.ko")" = "$(stat -c %Y "$TMPD/aaaa.old")"
settle
check "replaced in place, mtime restored: re-read (ctime)" step replaced 1 "$T"
check "... its new export is in modules.symbols" grep -q same_cccc "$D/modules.symbols"

mv "$D/extra/bbbb.ko" "$D/extra/bbbb2.ko"
settle
check "a module renamed: it alone is read" step renamed 1 "$T"
mkdir -p "$D/kernel/net"
mv "$D/kernel/lib/helper.ko" "$D/kernel/net/helper.ko"
settle
check "a module moved to another directory: it alone is read" step moved 1 "$T"
check "... and then nothing is read" step moved2 0 "$T"

# racy: a module whose mtime is not 2 s older than the run is read every time
touch -d '+1 hour' "$D/extra/bbbb2.ko"
check "a module of the future: read" step racy1 1 "$T"
check "... and read again" step racy2 1 "$T"
touch -d '-1 hour' "$D/extra/bbbb2.ko"
settle
check "... back in the past: read once more, then cached" step racy3 1 "$T"
check "... then nothing is read" step racy4 0 "$T"

# a CRC wider than the records' 32 bits (docs/depmod-cache.md §2): read every run
mkmod "$T" $K extra/wide.ko --need core_fn:0x1ffffffff --export wide_fn:0x100000000
settle
check "a module with a 33-bit CRC: read" step wide1 1 "$T"
check "... and read again, not cached" step wide2 1 "$T"
check "... with -e -E: kmod's report" step wide-e 1 "$T" -e -E "$TMPD/Module.symvers"
rm "$D/extra/wide.ko"
settle
check "... removed: nothing read" step wide3 0 "$T"

# More symbol names than the name pool's first table holds (lib/depmod-cache.c,
# put_symbols(): sized for a name per 6 symbols, at most 3/4 full): the table
# doubles while the records are written, and a warm run, which takes every name
# from the cache, gives kmod's outputs.
T3=$TMPD/many
many_args=()
for i in $(seq 4000); do
	many_args+=(--export "many_fn_$i:$((i * 7))")
done
mkmod "$T3" $K kernel/lib/many.ko "${many_args[@]}"
mkmod "$T3" $K kernel/drivers/user.ko $(printf -- '--need many_fn_%d ' $(seq 1 3 4000))
settle
export MY_ARGS=--cache # for mydepmod alone
check "4,000 names, more than the pool's first table: kmod's outputs" step many1 2 "$T3"
unset MY_ARGS
check "... warm: none read, kmod's outputs from the cache" step many2 0 "$T3"
many_names() { grep -ao 'many_fn_[0-9]*' "$T3/lib/modules/$K/$CACHE" | sort "$@" | wc -l; }
check "... the pool holds the 4,000 names once each" \
	test "$(many_names)" -eq 4000 -a "$(many_names -u)" -eq 4000

# depmod.d with a warm cache: search order, override, exclude
C=$TMPD/conf
mkdir -p "$C"
mkmod "$T" $K updates/core.ko --export core_fn:0x1234 --export upd_only
settle
check "a second core.ko under updates/: read" step dup 1 "$T"
printf 'search built-in updates\n' >"$C/search.conf"
printf 'override core %s updates\n' $K >"$C/override.conf"
printf 'exclude extra\n' >"$C/exclude.conf"
# the core.ko that loses is cached too when the walk read it (search), and kept
# when the walk did not look at it (override: only the one named), or at a whole
# directory (exclude) while the file is there unchanged (docs/depmod-cache.md §3)
check "depmod.d search, warm: kmod's outputs, nothing read" \
	step conf-search 0 "$T" -C "$C/search.conf"
check "depmod.d override, warm: kmod's outputs, nothing read" \
	step conf-override 0 "$T" -C "$C/override.conf"
check "depmod.d exclude, warm: kmod's outputs, nothing read" \
	step conf-exclude 0 "$T" -C "$C/exclude.conf"
check "depmod.d back to none: the excluded ones come from the cache" step conf-none 0 "$T"
check "exclude again: kmod's outputs, nothing read" \
	step conf-exclude2 0 "$T" -C "$C/exclude.conf"
touch -d '-1 hour' "$D/extra/aaaa.ko"
rm "$D/extra/bbbb2.ko"
settle
check "... one excluded module changed, one removed: nothing read" \
	step conf-exclude3 0 "$T" -C "$C/exclude.conf"
check "... the removed one's entry is gone" bash -c "! grep -qa extra/bbbb2.ko '$D/$CACHE'"
check "back to none: the changed one alone is read" step conf-none2 1 "$T"
check "... aaaa.ko" test "$(opened)" = aaaa.ko
check "-e -E Module.symvers: kmod's warnings, nothing read" step symvers 0 "$T" -e -E "$TMPD/Module.symvers"
printf '0x00000008\tprintk\tvmlinux\tEXPORT_SYMBOL\n' >"$TMPD/Module.symvers"
check "-e -E with a changed Module.symvers: kmod's warnings, nothing read" \
	step symvers2 0 "$T" -e -E "$TMPD/Module.symvers"
printf '%s\n' extra/aaaa.ko kernel/lib/core.ko kernel/fs/user2.ko >"$D/modules.order"
check "modules.order edited: kmod's order, nothing read" step order 0 "$T"

# ---- files that are what a run would write are left as they are (§7) ----
# The record of the outputs in the cache: a run whose inputs are those of the last
# one and finds every file as recorded makes nothing and writes nothing (only the
# times, as kmod rewrites every file). Anything else: the files are made again.
R=$TMPD/reuse.trace
# reuse_run [args]: mydepmod under strace (creates, renames, unlinks), stderr kept
reuse_run() {
	strace -f -qq -e trace=openat,rename,renameat,renameat2,unlink,unlinkat \
		-o "$R" "$REAL_MYDEPMOD" -b "$T" "$@" $K 2>"$TMPD/reuse.err"
}
# created: the last reuse_run created or renamed a file
created() { grep -qE 'O_CREAT|rename' "$R"; }
# as_kmod NAME [args]: the files in $D are kmod's for the tree as it is (a copy)
as_kmod() {
	local name=$1 f
	shift
	rm -rf "$TMPD/kt"
	cp -a "$T" "$TMPD/kt"
	remove_outputs "$TMPD/kt/lib/modules/$K"
	"$KMOD_DEPMOD" -b "$TMPD/kt" "$@" $K 2>/dev/null
	for f in $DEPMOD_FILES; do
		cmp -s "$TMPD/kt/lib/modules/$K/$f" "$D/$f" || { diag "$name: $f differs"; return 1; }
	done
}
cache_id() { stat -c %i.%Z "$D/$CACHE"; }
settle # the modules.order edited above is to be trusted
"$REAL_MYDEPMOD" -b "$T" $K
check "the files of a full run are kmod's" as_kmod reuse-full
id=$(cache_id)
mkdir -p "$TMPD/before"
for f in $DEPMOD_FILES; do cp -p "$D/$f" "$TMPD/before/"; done
sleep 1.1
reuse_run
rc=$?
check "nothing changed: exit 0, nothing said ($rc)" test $rc -eq 0 -a ! -s "$TMPD/reuse.err"
check "... nothing created, renamed or removed" eval '! created'
check "... the same files, the cache untouched" as_kmod reuse-same
check "... the cache untouched" test "$(cache_id)" = "$id"
check "... the files' times are the run's, as kmod's rewrite makes them" \
	test "$D/modules.dep" -nt "$TMPD/before/modules.dep" -a \
	"$D/modules.symbols.bin" -nt "$TMPD/before/modules.symbols.bin"

reuse_run --check >"$TMPD/check.out"
rc=$?
check "--check, nothing changed: exit 0, nothing reported, nothing created ($rc)" \
	eval 'test $rc -eq 0 -a ! -s "$TMPD/check.out" && ! created'

# an index edited in place, same size, its mtime restored
printf '%%' | dd of="$D/modules.alias" bs=1 conv=notrunc status=none
check "(modules.alias edited)" eval '! cmp -s "$D/modules.alias" "$TMPD/before/modules.alias"'
touch -r "$TMPD/before/modules.alias" "$D/modules.alias"
reuse_run --check >"$TMPD/check.out"
rc=$?
check "--check: the edited index is stale ($rc)" \
	eval 'test $rc -eq 1 && grep -qx "stale $D/modules.alias" "$TMPD/check.out"'
reuse_run
check "an index edited in place (size and mtime kept): made again, kmod's" as_kmod reuse-edit
check "... it was written" created
rm "$D/modules.symbols.bin"
reuse_run
check "an index removed: made again, kmod's" as_kmod reuse-removed
chmod 600 "$D/modules.dep"
reuse_run
check "an index of another mode: written again with 0644" \
	test "$(stat -c %a "$D/modules.dep")" = 644
: >"$D/.modules.dep.mydepmod-999999999-0123456789abcdef"
reuse_run
check "a temporary file of a dead run: the run removes it" \
	test ! -e "$D/.modules.dep.mydepmod-999999999-0123456789abcdef"
check "... and writes kmod's files" as_kmod reuse-leftover
reuse_run
check "then nothing is created again" eval '! created'

# A module copied in just now (racy, §3) is not kept yet, so the run can make no
# record; the cache's entries are the old ones, and the cache stays as it was, its
# record included (§7), though that no longer describes the files. It must never
# be taken for them: with the module gone again the inputs are the record's, the
# files are not, and they are made again.
settle
"$REAL_MYDEPMOD" -b "$T" $K
id=$(cache_id)
mkmod "$T" $K extra/fresh.ko --modinfo alias=fresh-device
reuse_run
check "a module just copied in: kmod's files" as_kmod reuse-racy
check "... the cache left as it was (same entries, no record to make)" \
	test "$(cache_id)" = "$id"
rm "$D/extra/fresh.ko"
reuse_run
check "that module gone: the old record is not taken, the files are made again" created
check "... kmod's" as_kmod reuse-stale
reuse_run
check "... then, the record right again, nothing is created" eval '! created'

# the files besides the modules that the outputs are made from
printf '%s\n' kernel/fs/ext4.ko kernel/fs/xfs.ko >"$D/modules.builtin"
printf 'ext4.alias=fs-ext4\0xfs.alias=fs-xfs\0' >"$D/modules.builtin.modinfo"
settle
reuse_run
check "modules.builtin and .modinfo changed: kmod's builtin indexes" as_kmod reuse-builtin
check "... which changed" eval '! cmp -s "$D/modules.builtin.bin" "$TMPD/before/modules.builtin.bin"'
printf '0x00000007\tprintk\tvmlinux\n' >"$TMPD/System.map.sym"
printf 'ffffffff81000000 T printk\n' >"$TMPD/System.map"
settle
"$REAL_MYDEPMOD" -b "$T" -F "$TMPD/System.map" $K
id=$(cache_id)
reuse_run -F "$TMPD/System.map"
check "-F, nothing changed: nothing created" eval '! created'
printf 'ffffffff81000000 T printk\nffffffff81000010 T core_fn\n' >"$TMPD/System.map"
settle
reuse_run -F "$TMPD/System.map"
check "-F with another System.map: the run made the files (a new record)" \
	test "$(cache_id)" != "$id"
check "... kmod's" as_kmod reuse-sysmap -F "$TMPD/System.map"
reuse_run -P _ -F "$TMPD/System.map"
check "-P added: the files made again, kmod's" as_kmod reuse-prefix -P _ -F "$TMPD/System.map"

# a run that says something does it again every time, as kmod does
mkmod "$T" $K extra/bracket.ko --modinfo 'alias=pci:v[0000*'
settle
"$REAL_MYDEPMOD" -b "$T" $K 2>"$TMPD/said1"
reuse_run
check "a warning while the files are made: said again by the next run" \
	grep -q 'Unmatched bracket' "$TMPD/reuse.err"
check "... the same words as the first" cmp -s "$TMPD/said1" "$TMPD/reuse.err"
rm "$D/extra/bracket.ko"
settle
"$REAL_MYDEPMOD" -b "$T" $K

# ---- a cache that fails validation: one warning, kmod's outputs, rebuilt ----
check "the reference run" step reference 0 "$T"
mkdir -p "$TMPD/ref"
for f in $DEPMOD_FILES; do cp "$D/$f" "$TMPD/ref/"; done
cp "$D/$CACHE" "$TMPD/cache.good"
size=$(stat -c %s "$TMPD/cache.good")

# same_as_ref ERRFILE: kmod's outputs and exactly one warning about the cache
same_as_ref() {
	local f
	for f in $DEPMOD_FILES; do
		cmp -s "$TMPD/ref/$f" "$D/$f" || { diag "$f differs"; return 1; }
	done
	[ "$(wc -l <"$1")" -eq 1 ] || { diag "$(cat "$1")"; return 1; }
	grep -q "^mydepmod: WARNING: $D/$CACHE: .*, rebuilt\$" "$1" || { diag "$(cat "$1")"; return 1; }
	cmp -s "$D/$CACHE" "$TMPD/cache.good" || { diag "not rebuilt the same"; return 1; }
}
bad=0
for i in $(seq 50); do
	off=$((RANDOM * 32768 + RANDOM))
	off=$((off % size))
	cp "$TMPD/cache.good" "$D/$CACHE"
	old=$(od -An -tu1 -j "$off" -N1 "$D/$CACHE" | tr -d ' ')
	printf "$(printf '\\%03o' $(((old + 1 + RANDOM % 255) % 256)))" |
		dd of="$D/$CACHE" bs=1 seek="$off" conv=notrunc status=none
	if cmp -s "$D/$CACHE" "$TMPD/cache.good" ||
		! "$REAL_MYDEPMOD" -b "$T" $K 2>"$TMPD/err" || ! same_as_ref "$TMPD/err"; then
		diag "byte $off corrupted"
		bad=$((bad + 1))
	fi
done
check "50 corrupted bytes: each time one warning, kmod's outputs, the cache rebuilt ($bad bad)" \
	test $bad -eq 0
for len in $((size / 2)) $((size - 1)) 10 0; do
	head -c "$len" "$TMPD/cache.good" >"$D/$CACHE"
	"$REAL_MYDEPMOD" -b "$T" $K 2>"$TMPD/err"
	check "truncated to $len bytes: one warning, kmod's outputs, rebuilt" same_as_ref "$TMPD/err"
done
{ cat "$TMPD/cache.good"; echo more; } >"$D/$CACHE"
"$REAL_MYDEPMOD" -b "$T" $K 2>"$TMPD/err"
check "bytes appended: one warning, kmod's outputs, rebuilt" same_as_ref "$TMPD/err"

# from another tree (a copy: same modules, another directory) and another kernel
cp -a "$T" "$TMPD/t2"
"$REAL_MYDEPMOD" -b "$TMPD/t2" $K 2>/dev/null
cp "$TMPD/t2/lib/modules/$K/$CACHE" "$D/$CACHE"
"$REAL_MYDEPMOD" -b "$T" $K 2>"$TMPD/err"
check "a cache copied from another tree: one warning, kmod's outputs, rebuilt" same_as_ref "$TMPD/err"
check "... which says so" grep -q 'another tree' "$TMPD/err"
mkdir -p "$T/lib/modules/5.7.0"
cp -a "$D/." "$T/lib/modules/5.7.0/"
"$REAL_MYDEPMOD" -b "$T" 5.7.0 2>/dev/null
cp "$T/lib/modules/5.7.0/$CACHE" "$D/$CACHE"
"$REAL_MYDEPMOD" -b "$T" $K 2>"$TMPD/err"
check "a cache of another kernel version: one warning, kmod's outputs, rebuilt" same_as_ref "$TMPD/err"
rm -rf "$T/lib/modules/5.7.0"

# ---- --no-cache, -n, --check ----
echo garbage >"$D/$CACHE"
export MY_ARGS=--no-cache # for mydepmod alone
nmods=$(find "$D" -name '*.ko' | wc -l) # every module file, duplicates too
check "--no-cache: kmod's outputs, every module read ($nmods)" step no-cache "$nmods" "$T"
check "... the bad cache neither read (no warning) nor replaced" \
	test ! -s "$TMPD/my.stderr" -a "$(cat "$D/$CACHE")" = garbage
rm "$D/$CACHE"
check "--no-cache writes no cache" step no-cache2 "$nmods" "$T"
check "... none there" test ! -e "$D/$CACHE"
unset MY_ARGS
check "-n writes no cache" step show "$nmods" "$T" -n
check "... none there" test ! -e "$D/$CACHE"
"$REAL_MYDEPMOD" -b "$T" --cache -n $K >/dev/null
check "--cache with -n writes none" test ! -e "$D/$CACHE"
"$REAL_MYDEPMOD" -b "$T" --cache --check $K >/dev/null
check "--cache with --check writes none" test ! -e "$D/$CACHE"
"$REAL_MYDEPMOD" -b "$T" --cache $K
"$REAL_MYDEPMOD" -b "$T" --check $K >"$TMPD/check.out"
check "--check with a cache: nothing differs ($?)" test $? -eq 0 -a ! -s "$TMPD/check.out"
rm "$D/$CACHE"
"$REAL_MYDEPMOD" -b "$T" --check $K >"$TMPD/check.out"
check "--check without one: nothing differs, none written ($?)" \
	test $? -eq 0 -a ! -s "$TMPD/check.out" -a ! -e "$D/$CACHE"
"$REAL_MYDEPMOD" -b "$T" $K "$D/kernel/lib/core.ko"
check "depmod FILES... writes no cache" test ! -e "$D/$CACHE"
"$REAL_MYDEPMOD" -b "$T" --cache $K "$D/kernel/lib/core.ko"
check "... nor with --cache" test ! -e "$D/$CACHE"

# --cache and --no-cache together: a usage error, exit 1 (2 with --check), nothing written
"$REAL_MYDEPMOD" -b "$T" $K
cp "$D/modules.dep" "$TMPD/dep.before"
printf 'mydepmod: ERROR: --cache and --no-cache cannot be used together\n' >"$TMPD/both.want"
for extra in "" --check; do
	"$REAL_MYDEPMOD" -b "$T" --cache --no-cache $extra $K >"$TMPD/both.out" 2>"$TMPD/both.err"
	rc=$?
	want=1
	[ -n "$extra" ] && want=2
	check "--cache --no-cache ${extra:+$extra }refused: exit $rc (want $want), no output" \
		test $rc = $want -a ! -s "$TMPD/both.out"
	check "... the message" cmp -s "$TMPD/both.err" "$TMPD/both.want"
done
check "... nothing written" test ! -e "$D/$CACHE"
check "... the index files left alone" cmp -s "$D/modules.dep" "$TMPD/dep.before"

# -b / is no -b (§5): the cache is written without --cache. -m names the module
# directory under / : the test's tree, never the real /lib/modules
for b in / //./ ""; do
	rm -f "$D/$CACHE"
	"$REAL_MYDEPMOD" ${b:+-b "$b"} -m "$T/lib/modules" $K 2>"$TMPD/err"
	label="-b $b"
	[ -z "$b" ] && label="no -b"
	check "$label, -m TREE: a cache written without --cache" \
		test -s "$D/$CACHE" -a ! -s "$TMPD/err"
	check "... the same index files as with -b TREE" cmp -s "$D/modules.dep" "$TMPD/dep.before"
done
rm -f "$D/$CACHE"
"$REAL_MYDEPMOD" -b "$T/." $K
check "-b TREE/. (not /): none" test ! -e "$D/$CACHE"

# ---- the walk done again: modules the cache gives are filled all the same ----
# A symlink named .ko that leads to a directory makes the walk start again the
# strict way (lib/modscan.h); the graph then looks its modules up itself.
L=$TMPD/links
LD=$L/lib/modules/$K
mkmod "$L" $K real/a.ko --export a_fn --modinfo alias=a-alias
mkmod "$L" $K real/b.ko --need a_fn
mkdir -p "$LD/kernel" "$TMPD/outside-sub"
ln -s ../real/a.ko "$LD/kernel/a.ko"
ln -s ../real/b.ko "$LD/kernel/b-link.ko"
"$ELFGEN" -o "$TMPD/outside-sub/c.ko" --need a_fn
ln -s "$TMPD/outside-sub" "$LD/kernel/sub.ko"
settle
"$REAL_MYDEPMOD" --cache -b "$L" $K 2>/dev/null
# (the one .ko opened is sub.ko, the directory the walk goes into)
check "the walk done again, warm: kmod's outputs, no module opened" step links-warm 1 "$L"
check "... only the directory sub.ko opened" test "$(opened)" = sub.ko
check "... b-link.ko still has its dependency" grep -q '^kernel/b-link.ko: .' "$LD/modules.dep"

# ---- the Debian tree (a symlinked copy: the modules themselves are old) ----
KVER=$(debian_kver) || bail_out "no module tree under /lib/modules"
P=$TMPD/deb
mkdir -p "$P/lib/modules"
cp -as "/lib/modules/$KVER" "$P/lib/modules/"
remove_outputs "$P/lib/modules/$KVER"
rm -f "$P/lib/modules/$KVER/$CACHE"
K=$KVER
nmods=$(find -L "$P/lib/modules/$KVER" -name '*.ko*' -not -path '*/build/*' -not -path '*/source/*' | wc -l)
export MY_ARGS=--cache
check "Debian tree, cold: kmod's outputs, $nmods modules read" step deb-cold "$nmods" "$P"
unset MY_ARGS
csize=$(stat -c %s "$P/lib/modules/$KVER/$CACHE")
check "... a cache of $csize bytes, under 10 MB" test "$csize" -lt 10000000
check "Debian tree, warm: kmod's outputs, no module opened" step deb-warm 0 "$P"
strace -f -qq -e trace=openat,rename -o "$R" "$REAL_MYDEPMOD" -b "$P" $K
check "Debian tree, nothing changed: nothing created, no module opened" \
	eval '! created && ! grep -q "\.ko" "$R"'

# directory listings (docs/depmod-cache.md §3): once the copy's directories are
# 2 s old, a run lists them in the cache, and the next runs read few of them
PD=$P/lib/modules/$KVER
# one module a file of the copy's own (the others are links into /lib/modules),
# deep in the tree, to be changed in place below
inplace=$(cd "$PD" && find kernel/drivers -mindepth 3 -name '*.ko*' | sort | sed -n 100p)
rm "$PD/$inplace"
cp "/lib/modules/$KVER/$inplace" "$PD/$inplace"
settle
"$REAL_MYDEPMOD" -b "$P" $K
ndirs=$(find "$PD" -mindepth 1 -type d | wc -l)
listed=$(od -An -t u4 -j 72 -N 4 "$PD/$CACHE" | tr -d ' ')
check "Debian tree, its directories 2 s old: the cache lists all $ndirs below the module directory" \
	eval 'test "$listed" = "$ndirs" || { diag "$listed listed"; false; }'
strace -f -qq -e trace=getdents64 -o "$R" "$REAL_MYDEPMOD" -b "$P" $K
# (the walk does not wait for the cache: the first directories may be read)
check "... the next run reads fewer than half of them ($(grep -c . "$R") getdents64 calls)" \
	test "$(grep -c . "$R")" -lt "$ndirs"
strace -f -qq -e trace=openat -o "$R" "$REAL_MYDEPMOD" -b "$P" $K
# nor opens them: a listed directory is entered by a stat of its path, its
# modules found by their paths below the last directory opened
check "... nor opens half of them ($(grep -c O_DIRECTORY "$R") directories opened)" \
	test "$(grep -c O_DIRECTORY "$R")" -lt $((ndirs / 2))
# changed in place: its directory is as listed, the module is read through it
cp "$PD/$inplace" "$TMPD/inplace.ko"
cat "$TMPD/inplace.ko" >"$PD/$inplace"
touch -d '-1 hour' "$PD/$inplace"
check "... a module changed in place in a listed directory: kmod's outputs, it alone read" \
	step deb-inplace 1 "$P"
# (by its path below the last directory opened, or by its name when the walk
# got to its directory before the cache was read, and opened it)
check "... that one" eval 'case "/$(opened)" in */"$(basename "$inplace")") ;; *) diag "opened: $(opened)"; false ;; esac'
settle # past the 2 s within which it would be read again (§3)
"$REAL_MYDEPMOD" -b "$P" $K
# a module linked into ten directories, each directory's mtime put back: its
# ctime tells that the listing changed
i=0
for dir in $(cd "$PD" && find kernel -mindepth 2 -type d | sort | awk 'NR % 60 == 0' | head -10); do
	i=$((i + 1))
	touch -r "$PD/$dir" "$TMPD/dirtime"
	ln -s "$(find "/lib/modules/$KVER/kernel/crypto" -name '*.ko*' | sort | head -1)" \
		"$PD/$dir/listing-test-$i.ko"
	touch -r "$TMPD/dirtime" "$PD/$dir"
done
check "... a module added to $i directories, their mtimes restored: kmod's outputs, the $i read" \
	step deb-listed "$i" "$P"
find "$PD" -name 'listing-test-*.ko' -delete

one=$(find "/lib/modules/$KVER/kernel/fs" -name '*.ko*' | head -1)
mkdir -p "$P/lib/modules/$KVER/updates"
cp "$one" "$P/lib/modules/$KVER/updates/"
check "Debian tree, a module added under updates/: it alone is read" step deb-added 1 "$P"

# ---- kill -9 at random moments while the cache is written ----
# A symlinked copy of the Debian tree goes round four states, one link added or
# removed at each step (X linked under updates/, which overrides kernel/'s X; Y's
# link removed; X's removed; Y's back), so that every run rewrites index files
# and the cache. A first round, not killed, records for each state kmod's index
# files and messages, our modules.weakdep and cache, and how long a run takes.
# Then each run from one state to the next is killed with -9 after a random
# delay between 0 and that time. Right after the kill the directory holds the
# old state's whole set or the new one's, or a mix beside a complete commit
# journal (killed between two renames, rolled forward next time: lib/outset.h).
# The next run exits 0 with kmod's messages (no warning about the cache: the
# commit is atomic, so a kill never leaves one that fails validation), writes
# kmod's index files and the first round's cache, and leaves no temporary file.
# Where the kills landed (before the commit, during it, after it) depends on
# timing; test-depmod-faults.sh aims its kills inside the write window.
Q=$TMPD/kill
QD=$Q/lib/modules/$KVER
KS=$TMPD/kill.states
mkdir -p "$Q/lib/modules"
cp -as "/lib/modules/$KVER" "$Q/lib/modules/"
remove_outputs "$QD"
rm -f "$QD/$CACHE"
mkdir -p "$QD/updates"
xrel=$(cd "/lib/modules/$KVER" && find kernel/fs -name '*.ko*' | sort | head -1)
yrel=$(cd "/lib/modules/$KVER" && find kernel/sound -name '*.ko*' | sort | head -1)
if [ -z "$xrel" ] || [ -z "$yrel" ]; then bail_out "no module under kernel/fs or kernel/sound"; fi
# to_state N: from state N-1 (modulo 4) to state N
to_state() {
	case $1 in
	0) ln -s "/lib/modules/$KVER/$yrel" "$QD/$yrel" ;;
	1) ln -s "/lib/modules/$KVER/$xrel" "$QD/updates/" ;;
	2) rm "$QD/$yrel" ;;
	3) rm "$QD/updates/$(basename "$xrel")" ;;
	esac
}
# is_set N: the output directory holds state N's whole set
is_set() {
	local f
	for f in $DEPMOD_FILES modules.weakdep; do
		cmp -s "$QD/$f" "$KS/$1/$f" || return 1
	done
	# which directories the cache lists depends on timing (cache_core)
	cmp -s <(cache_core "$QD/$CACHE") <(cache_core "$KS/$1/$CACHE")
}
ms() { echo $(($(date +%s%N) / 1000000)); }
kill_start=$SECONDS
times=
for s in 0 1 2 3; do
	[ $s = 0 ] || to_state $s
	mkdir -p "$KS/$s"
	"$KMOD_DEPMOD" -a -b "$Q" "$KVER" 2>"$KS/$s/kmod.err" || bail_out "depmod failed on $Q"
	for f in $DEPMOD_FILES; do mv "$QD/$f" "$KS/$s/"; done
	t0=$(ms)
	"$REAL_MYDEPMOD" -a --cache -b "$Q" "$KVER" 2>/dev/null || bail_out "mydepmod failed on $Q"
	t=$(($(ms) - t0))
	# (state 0 is the cold run: every module read)
	[ $s = 0 ] || times="$times $t"
	for f in $DEPMOD_FILES; do
		cmp -s "$QD/$f" "$KS/$s/$f" || bail_out "state $s: $f differs from kmod's"
	done
	cp "$QD/modules.weakdep" "$QD/$CACHE" "$KS/$s/"
done
# the duration of a run: the median of the three (a load peak makes one longer)
dur=$(tr ' ' '\n' <<<"$times" | sed '/^$/d' | sort -n | sed -n 2p)
cmp -s "$KS/0/modules.dep" "$KS/1/modules.dep" && bail_out "X under updates/ changed nothing"
cmp -s "$KS/1/$CACHE" "$KS/2/$CACHE" && bail_out "removing Y did not change the cache"
diag "kill -9 rounds on $QD: X=$xrel Y=$yrel; runs took$times ms: kills within $dur ms"
rounds=20
before=0 during=0 after=0 finished=0 bad=0 s=3
seen=
for r in $(seq $rounds); do
	prev=$s
	s=$(((s + 1) % 4))
	to_state $s
	delay=$((RANDOM % (dur + 1)))
	# (the braces keep bash's "Killed" notice out of the log)
	{
		"$REAL_MYDEPMOD" -a --cache -b "$Q" "$KVER" >/dev/null 2>"$TMPD/killed.err" &
		pid=$!
		sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
		kill -9 $pid
		wait $pid
	} 2>/dev/null
	rc=$?
	left=$(temp_files "$QD")
	if is_set $prev; then st=old; elif is_set $s; then st=new; else st=mixed; fi
	complete=no
	journal_complete "$QD" && complete=yes
	seen="$seen $st/$left/$complete"
	if [ $rc != 137 ]; then
		finished=$((finished + 1))
		if [ $rc != 0 ] || [ $st != new ] || [ "$left" != 0 ]; then
			diag "round $r (state $prev to $s, not killed after $delay ms): exit $rc," \
				"set '$st', $left temporary files: $(head -c 300 "$TMPD/killed.err")"
			bad=1
		fi
	elif [ $st = old ] && [ "$left" = 0 ]; then
		before=$((before + 1))
	elif [ $st = new ] && [ "$left" = 0 ]; then
		after=$((after + 1))
	else
		during=$((during + 1))
	fi
	if [ $st = mixed ] && [ $complete = no ]; then
		diag "round $r (state $prev to $s, killed after $delay ms): a mixed set," \
			"no complete journal"
		bad=1
	fi
	"$REAL_MYDEPMOD" -a --cache -b "$Q" "$KVER" >/dev/null 2>"$TMPD/next.err"
	rc=$?
	if [ $rc != 0 ] || ! cmp -s <(norm <"$KS/$s/kmod.err") <(norm <"$TMPD/next.err") ||
		! is_set $s || [ "$(temp_files "$QD")" != 0 ]; then
		diag "round $r (state $prev to $s, killed after $delay ms, set '$st'): the next run:" \
			"exit $rc, $(temp_files "$QD") temporary files, the new set: $(is_set $s &&
				echo yes || echo no): $(head -c 300 "$TMPD/next.err")"
		bad=1
	fi
done
diag "after each kill (set/temporary files/journal complete):" \
	"$(tr ' ' '\n' <<<"$seen" | sed '/^$/d' | sort | uniq -c | tr '\n' ' ')"
diag "$rounds runs: killed before the commit $before, during it $during, after it $after;" \
	"finished before the kill $finished ($((SECONDS - kill_start)) s)"
check "$rounds runs killed -9 at random: old or new set, the next run clean with kmod's files" \
	test $bad = 0
check "... at least a quarter of the kills landed while the run was working ($((before + during + after)))" \
	test $((before + during + after)) -ge $((rounds / 4))

done_testing
