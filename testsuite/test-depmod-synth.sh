#!/bin/bash
# mydepmod against kmod 30's depmod on synthetic trees built by testsuite/elfgen:
# cycles, depmod.d search/override/external/exclude, duplicates, module order,
# symbol checks (-e/-E/-F), -n, -A, -v, -w, -P, command-line modules, bad modules,
# and our own -o/-m and modules.weakdep. Both tools run on the same tree.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"
. "$top_srcdir/testsuite/depmod/lib.sh"

[ -x "$KMOD_DEPMOD" ] || bail_out "kmod's depmod not found at $KMOD_DEPMOD"
[ -x "$MYDEPMOD" ] || bail_out "mydepmod not built: $MYDEPMOD"
[ -x "$ELFGEN" ] || bail_out "elfgen not built: $ELFGEN"
tap_tmpdir
K=5.6.0

# run_ok COMMAND...: a depmod run that must succeed (what follows checks its files);
# a failure is a failed case of its own
run_ok() {
	local rc
	"$@" 2>"$TMPD/run_ok.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		not_ok "$* exited $rc"
		diag "$(head -5 "$TMPD/run_ok.err")"
	fi
	return $rc
}

# ---- a small tree with every kind of data ----
base_tree() {
	local r=$1
	mkmod "$r" $K kernel/lib/mod-core.ko --modinfo name=mod-core \
		--modinfo alias=core-alias --modinfo alias=char-major-10-200 --modinfo alias=core-alias \
		--modinfo alias=devname:coredev --export core_fn:0x1234 --export core_data:0x99
	mkmod "$r" $K kernel/lib/mod-helper.ko --modinfo name=mod-helper \
		--export helper_fn:0x42 --need core_fn:0x1234 --need printk:0x7
	mkmod "$r" $K kernel/drivers/mod-user.ko --modinfo name=mod-user \
		--modinfo 'alias=pci:v00008086d*sv*sd*bc*sc*i*' --modinfo 'alias=usb:v1234p[0-9]*' \
		--modinfo 'softdep=pre: mod-helper post: mod-core' --modinfo weakdep=mod-weak \
		--need helper_fn:0x42 --need core_data:0x99 --weak core_fn
	mkmod "$r" $K kernel/drivers/mod-weakuser.ko --modinfo name=mod-weakuser \
		--weak helper_fn --modinfo alias=block-major-8-0 --modinfo alias=devname:sdx
	mkmod "$r" $K kernel/drivers/mod-nomajor.ko --modinfo name=mod-nomajor \
		--modinfo alias=devname:lonely --modinfo 'alias=bad[bracket'
	# devname: kmod takes the major and minor last seen once both are known
	mkmod "$r" $K kernel/drivers/mod-twomajor.ko --modinfo alias=char-major-1-2 \
		--modinfo alias=block-major-3-4 --modinfo alias=devname:twomajor
	mkmod "$r" $K kernel/drivers/mod-devfirst.ko --modinfo alias=devname:devfirst \
		--modinfo alias=char-major-5-6 --modinfo alias=char-major-7-8
	mkmod "$r" $K kernel/fs/mod-ksymtab.ko --ksymtab-string ks_only_fn \
		--ksymtab-string ks_other --need core_fn:0x1234
	mkmod "$r" $K kernel/fs/mod-user2.ko --need ks_only_fn --need unknown_sym:0x5 \
		--version module_layout:0xabc
	# also exports core_data: the later module in modules.order owns it
	mkmod "$r" $K extra/mod-extra.ko --export extra_fn --export core_data --need helper_fn:0x43
	mkdir -p "$r/lib/modules/$K/build" "$r/lib/modules/$K/source"
	"$ELFGEN" -o "$r/lib/modules/$K/build/mod-inbuild.ko" --export hidden
	"$ELFGEN" -o "$r/lib/modules/$K/source/mod-insource.ko" --export hidden2
	printf '%s\n' kernel/fs/mod-user2.ko kernel/lib/mod-core.ko kernel/lib/mod-helper.ko \
		kernel/drivers/mod-user.ko '#comment' kernel/missing.ko \
		kernel/drivers/mod-weakuser.ko kernel/fs/mod-ksymtab.ko \
		kernel/drivers/mod-nomajor.ko >"$r/lib/modules/$K/modules.order"
	printf '%s\n' kernel/fs/ext4.ko kernel/crypto/crc32c-generic.ko >"$r/lib/modules/$K/modules.builtin"
	# records of a module apart, and an alias of two: kmod takes the aliases module
	# by module (in the order the names first come), not in file order, which
	# decides which of the two comes first in modules.builtin.alias.bin
	printf 'ext4.alias=fs-ext4\0ext4.license=GPL\0crc32c_generic.alias=crypto-crc32c\0crc32c_generic.alias=shared\0crc32c_generic.alias=crc32c\0ext4.alias=ext3\0ext4.alias=shared\0' \
		>"$r/lib/modules/$K/modules.builtin.modinfo"
}

T=$TMPD/base
base_tree "$T"
check "base tree: all outputs identical" differential base "$T" $K
check "base tree -n: same stdout" differential base-n "$T" $K -n
check "base tree -v: same needs lines" differential base-v "$T" $K -v
check "base tree -w: same duplicate warnings" differential base-w "$T" $K -w
check "-w warned about the repeated alias" grep -q 'duplicate module alias:' "$TMPD/my.stderr"

# modules.weakdep (kmod 30 has none): our content
run_ok $MYDEPMOD -b "$T" $K
check "modules.weakdep lists the weakdep= of mod-user" \
	cmp -s "$T/lib/modules/$K/modules.weakdep" <(printf '%s\n' \
	'# Weak dependencies extracted from modules themselves.' 'weakdep mod_user mod-weak')
# the dependency lines reflect the symbols (not just kmod's echo)
# core_data comes from mod-extra (unlisted, so after mod-core): users come first
check "mod-user: extra (later owner of core_data), then helper, then core" \
	grep -qx 'kernel/drivers/mod-user.ko: extra/mod-extra.ko kernel/lib/mod-helper.ko kernel/lib/mod-core.ko' \
	"$T/lib/modules/$K/modules.dep"
check "a weak reference alone creates a dependency" \
	grep -qx 'kernel/drivers/mod-weakuser.ko: kernel/lib/mod-helper.ko kernel/lib/mod-core.ko' \
	"$T/lib/modules/$K/modules.dep"

# ---- symbol checks: -e with -E / -F ----
printf '0x00000007\tprintk\tvmlinux\tEXPORT_SYMBOL\n0x00000001\tunknown_sym\tvmlinux\tEXPORT_SYMBOL\n0x1\tnotkernel\tsome/mod\tEXPORT_SYMBOL\nzz\tbad\tvmlinux\tEXPORT_SYMBOL\n' >"$TMPD/Module.symvers"
printf 'ffffffff81000000 T _stext\nffffffff82000000 r __ksymtab_printk\nbadline\nffffffff82000010 r __ksymtab_module_layout\n' >"$TMPD/System.map"
check "-e -E Module.symvers: same CRC warnings" differential symvers "$T" $K -e -E "$TMPD/Module.symvers"
check "-e -F System.map: same unknown-symbol warnings" differential sysmap "$T" $K -e -F "$TMPD/System.map"
check "-e alone: same '-e needs -E or -F' warning" differential e-alone "$T" $K -e
check "-E without -e: silent, same output" differential symvers-quiet "$T" $K -E "$TMPD/Module.symvers"
check "-E missing file: same fatal error" differential symvers-missing "$T" $K -E "$TMPD/nonexistent"

# ---- -P symbol prefix ----
T=$TMPD/prefix
mkmod "$T" $K kernel/a.ko --export _pfx_fn
mkmod "$T" $K kernel/b.ko --need pfx_fn --need _pfx_fn
check "-P _: prefix stripped the same way" differential prefix "$T" $K -P _
check "-P with two chars: same fatal error" differential prefix-bad "$T" $K -P ab

# ---- module order: no modules.order, truncated, duplicate lines, corrupt ----
T=$TMPD/order
for n in alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu; do
	mkmod "$T" $K kernel/$n/mod-$n.ko --export ${n}_fn --need ${prev:-none}_fn
	prev=$n
done
check "no modules.order: hash order" differential order-none "$T" $K
printf '%s\n' kernel/mu/mod-mu.ko kernel/beta/mod-beta.ko kernel/mu/mod-mu.ko kernel/eta/mod-eta.ko \
	>"$T/lib/modules/$K/modules.order"
check "partial modules.order with a duplicate line" differential order-part "$T" $K
printf 'kernel/mu/mod-mu.ko\nkernel/beta/mod-beta.ko' >"$T/lib/modules/$K/modules.order"
check "modules.order without a final newline: same error, unsorted" differential order-corrupt "$T" $K
# a NUL ends a line's path, as in kmod's C strings (modules.order is mapped, not
# read into a string of our own: lib/modscan.c, order_file())
printf 'kernel/mu/mod-mu.ko\0kernel/eta/mod-eta.ko\nkernel/beta/mod-beta.ko\n\0\n' \
	>"$T/lib/modules/$K/modules.order"
check "modules.order with a NUL inside a line" differential order-nul "$T" $K
# kmod reads a line in at most PATH_MAX - 1 bytes: 4,094 characters and the
# newline fit, 4,095 do not (that line is then "corrupted")
{
	printf 'kernel/mu/mod-mu.ko\n%04094d\n%04095d\n' 1 2
	printf 'kernel/beta/mod-beta.ko\n'
} >"$T/lib/modules/$K/modules.order"
check "modules.order with lines of PATH_MAX - 2 and PATH_MAX - 1 characters" \
	differential order-long "$T" $K
sed -i '$d' "$T/lib/modules/$K/modules.order"
sed -i '$d' "$T/lib/modules/$K/modules.order"
check "modules.order with a line of PATH_MAX - 2 characters" differential order-long2 "$T" $K
: >"$T/lib/modules/$K/modules.order"
check "empty modules.order: hash order" differential order-empty "$T" $K

# ---- compressed names in modules.order matching ----
T=$TMPD/compressed
mkmod "$T" $K kernel/x/mod-x.ko --export x_fn
mkmod "$T" $K kernel/y/mod-y.ko --need x_fn
mkmod "$T" $K kernel/z/mod-z.ko --need x_fn
zstd -q --rm "$T/lib/modules/$K/kernel/x/mod-x.ko"
xz --check=crc32 --lzma2=dict=1MiB "$T/lib/modules/$K/kernel/y/mod-y.ko"
printf '%s\n' kernel/z/mod-z.ko kernel/y/mod-y.ko kernel/x/mod-x.ko >"$T/lib/modules/$K/modules.order"
check "zstd and xz modules, ordered by their .ko names" differential compressed "$T" $K

# ---- cycles ----
T=$TMPD/cycles
mkmod "$T" $K kernel/mod-loop-a.ko --export a_sym --need b_sym
mkmod "$T" $K kernel/mod-loop-b.ko --export b_sym --need c_sym
mkmod "$T" $K kernel/mod-loop-c.ko --export c_sym --need a_sym --need g_sym
mkmod "$T" $K kernel/mod-loop-d.ko --export d_sym --need e_sym
mkmod "$T" $K kernel/mod-loop-e.ko --export e_sym --need d_sym
mkmod "$T" $K kernel/mod-loop-f.ko --export f_sym --need a_sym
mkmod "$T" $K kernel/mod-loop-g.ko --export g_sym --need x_sym
mkmod "$T" $K kernel/mod-loop-h.ko --export h_sym --need i_sym
mkmod "$T" $K kernel/mod-loop-i.ko --export i_sym --need j_sym
mkmod "$T" $K kernel/mod-loop-j.ko --export j_sym --need k_sym --need h_sym
mkmod "$T" $K kernel/mod-loop-k.ko --export k_sym --need h_sym
mkmod "$T" $K kernel/mod-loop-x.ko --export x_sym
check "cycles: same report, exit 1, nothing written" differential cycles "$T" $K
check "cycles: the report names the 2-, 3- and nested loops" \
	grep -q 'Found 9 modules in dependency cycles!' "$TMPD/my.stderr"
echo old >"$T/lib/modules/$K/modules.dep"
$MYDEPMOD -b "$T" $K >/dev/null 2>&1
rc=$?
check "cycles: exit 1 ($rc), an existing modules.dep is left alone" \
	eval '[ $rc -eq 1 ] && cmp -s "$T/lib/modules/$K/modules.dep" <(echo old)'
rm -f "$T/lib/modules/$K/modules.dep"
mkmod "$T" $K kernel/mod-loop-g.ko --export g_sym
check "cycles with a leaf below a loop" differential cycles-leaf "$T" $K
mkmod "$T" $K kernel/mod-self.ko --export s_sym --need s_sym
check "a module needing its own export" differential cycles-self "$T" $K

# deliberate difference: a loop that leads into another loop (a<->b, a->d, d<->e)
# sends kmod 30 round d<->e for ever, until it runs out of memory; we report each
# loop once, in bounded time and memory (1 GiB of address space here)
T=$TMPD/cycles-chain
mkmod "$T" $K kernel/lp-a.ko --export a_sym --need b_sym --need d_sym
mkmod "$T" $K kernel/lp-b.ko --export b_sym --need a_sym
mkmod "$T" $K kernel/lp-d.ko --export d_sym --need e_sym
mkmod "$T" $K kernel/lp-e.ko --export e_sym --need d_sym
(ulimit -v 1048576 && exec timeout 60 "$MYDEPMOD" -b "$T" $K) >/dev/null 2>"$TMPD/chain.err"
rc=$?
# each reported loop as the sorted names of its members, one loop a line
loops=$(sed -n 's/^mydepmod: ERROR: Cycle detected: //p' "$TMPD/chain.err" |
	awk -F' -> ' '{ line = ""; for (i = 1; i < NF; i++) line = line $i "\n"; printf "%s", line | "sort | paste -sd, -"; close("sort | paste -sd, -") }' |
	sort | paste -sd' ' -)
check "a loop leading into a loop: exit 1 ($rc), the loops a<->b and d<->e, each once ($loops)" \
	test $rc -eq 1 -a "$loops" = "lp_a,lp_b lp_d,lp_e" -a \
	"$(tail -n 1 "$TMPD/chain.err")" = "mydepmod: ERROR: Found 4 modules in dependency cycles!"

# a dozen modules that all need each other have billions of paths through them:
# the report stops after a bounded number and says so
T=$TMPD/cycles-dense
all=(a b c d e f g h i j k l)
for m in "${all[@]}"; do
	needs=()
	for o in "${all[@]}"; do [ $o = $m ] || needs+=(--need "${o}_sym"); done
	mkmod "$T" $K kernel/dense-$m.ko --export ${m}_sym "${needs[@]}"
done
(ulimit -v 1048576 && exec timeout 120 "$MYDEPMOD" -b "$T" $K) >/dev/null 2>"$TMPD/dense.err"
rc=$?
check "a dense web of loops: exit 1 ($rc), the report stops and says so" \
	test $rc -eq 1 -a "$(grep -c 'Too many paths through dependency cycles' "$TMPD/dense.err")" -eq 1 -a \
	"$(tail -n 1 "$TMPD/dense.err")" = "mydepmod: ERROR: Found 12 modules in dependency cycles!"

# ---- duplicates and depmod.d ----
dup_tree() {
	local r=$1 d
	for d in kernel/fs foo foobar updates override extra; do
		mkmod "$r" $K $d/mod-simple.ko --modinfo alias=from-$(basename $d) --export simple_$(basename $d)
	done
	mkmod "$r" $K kernel/mod-dash-name.ko --export dash1
	mkmod "$r" $K foo/mod_dash_name.ko --export dash2
	mkmod "$r" $K kernel/excluded/mod-exc.ko --export exc
	mkmod "$r" $K kernel/mod-users.ko --need simple_fs --need simple_foo --need simple_foobar \
		--need simple_updates --need simple_override --need simple_extra --need simple_ext
	mkdir -p "$TMPD/ext1" "$TMPD/ext2"
	"$ELFGEN" -o "$TMPD/ext1/mod-simple.ko" --modinfo alias=from-ext1 --export simple_ext
	"$ELFGEN" -o "$TMPD/ext2/mod-ext2only.ko" --export ext2only
	"$ELFGEN" -o "$TMPD/ext2/mod-simple.ko" --modinfo alias=from-ext2 --export simple_ext
}
T=$TMPD/dup
dup_tree "$T"
C=$TMPD/conf
mkdir -p "$C"
conf_case() {
	local name=$1
	shift
	printf '%s\n' "$@" >"$C/$name.conf"
	check "depmod.d: $name" differential "conf-$name" "$T" $K -C "$C/$name.conf"
}
conf_case default-updates '# no search line: updates first'
conf_case search-order 'search foobar foo built-in'
conf_case search-builtin-first 'search built-in foo foobar'
conf_case search-two-lines 'search foo' 'search foobar built-in'
conf_case search-external "search external foobar foo built-in" "external * $TMPD/ext1"
conf_case external-two "search foo external built-in" "external * $TMPD/ext1" "external $K $TMPD/ext2"
conf_case external-nomatch "search external built-in" "external 9.9.9 $TMPD/ext2"
conf_case external-missing "search external built-in" "external * $TMPD/nonexistent"
conf_case override 'override mod-simple * override'
conf_case override-kver "override mod-simple $K extra" 'override mod-simple 1.2.3 foo'
conf_case override-regex 'override mod-simple 5\.[0-9]+\..* foobar'
conf_case exclude 'exclude excluded foo'
conf_case bad-lines 'frobnicate foo' 'include /etc/foo' 'make_map_files'
mkdir -p "$C/dir"
printf 'search foo\n' >"$C/dir/b.conf"
printf 'search foobar\n' >"$C/dir/a.conf"
printf 'search updates\n' >"$C/dir/c.notconf"
check "depmod.d: a config directory, files in name order" \
	differential conf-dir "$T" $K -C "$C/dir"

# ---- bad modules are skipped with a message ----
T=$TMPD/bad
mkmod "$T" $K kernel/good.ko --export good_fn
mkmod "$T" $K kernel/user.ko --need good_fn
mkdir -p "$T/lib/modules/$K/kernel/bad"
: >"$T/lib/modules/$K/kernel/bad/empty.ko"
printf 'this is not an ELF file at all\n' >"$T/lib/modules/$K/kernel/bad/text.ko"
"$ELFGEN" -o "$T/lib/modules/$K/kernel/bad/trunc.ko" --export t --truncate 100
"$ELFGEN" -o "$T/lib/modules/$K/kernel/bad/nosymtab.ko" --no-symtab --modinfo alias=nosym
"$ELFGEN" -o "$T/lib/modules/$K/kernel/bad/nomodinfo.ko" --no-modinfo --export nm
printf 'garbage' | zstd -q >"$T/lib/modules/$K/kernel/bad/notzstd.ko.zst"
printf '\x28\xb5\x2f\xfd\x00\x00garbage' >"$T/lib/modules/$K/kernel/bad/badzstd.ko.zst"
"$ELFGEN" -o "$T/lib/modules/$K/kernel/bad/be32.ko" --machine ppc --export be_fn
"$ELFGEN" -o "$T/lib/modules/$K/kernel/bad/user32.ko" --machine ppc --need be_fn
check "bad modules: same messages, still listed, not fatal" differential bad "$T" $K

# ---- a need with a leading '.' (PPC64 ELFv1 function descriptors): kmod looks
# it up without the dot, as our readers hash it (lib/depgraph.c) ----
T=$TMPD/dotsym
mkmod "$T" $K kernel/dotlib.ko --export dot_fn
mkmod "$T" $K kernel/dotuser.ko --need .dot_fn
check "a need .dot_fn: resolved to dot_fn's module, as kmod does" differential dotsym "$T" $K
check "a need .dot_fn: dotuser depends on dotlib" \
	grep -qx 'kernel/dotuser.ko: kernel/dotlib.ko' "$T/lib/modules/$K/modules.dep"

# ---- command-line modules ----
T=$TMPD/cmdline
mkmod "$T" $K kernel/a.ko --export a_fn
mkmod "$T" $K kernel/b.ko --need a_fn
mkmod "$T" $K kernel/c.ko --need a_fn
mkdir -p "$TMPD/outside"
"$ELFGEN" -o "$TMPD/outside/d.ko" --need a_fn
printf '%s\n' kernel/c.ko kernel/a.ko >"$T/lib/modules/$K/modules.order"
D=$T/lib/modules/$K
check "command-line modules (inside and outside the tree)" \
	differential cmdline "$T" $K "$D/kernel/b.ko" "$D/kernel/a.ko" "$TMPD/outside/d.ko" "$D/kernel/c.ko"
check "a relative module path: same fatal error" differential cmdline-rel "$T" $K kernel/a.ko
check "a missing module path: same fatal error" differential cmdline-missing "$T" $K "$D/nope.ko"
check "the same name twice: same fatal error" differential cmdline-dup "$T" $K "$D/kernel/a.ko" "$D/kernel/a.ko"
check "a bad version argument: same error" differential badver "$T" notaversion
check "a missing module directory: same error" differential nodir "$TMPD/nothing" $K

# ---- -A ----
T=$TMPD/quick
mkmod "$T" $K kernel/a.ko --export a_fn
mkmod "$T" $K kernel/b.ko --need a_fn
D=$T/lib/modules/$K
touch -d '2020-01-01 00:00:00' "$D/kernel/a.ko" "$D/kernel/b.ko"
run_ok $MYDEPMOD -b "$T" $K
echo stale >"$D/modules.alias"
touch -d '2021-01-01 00:00:00' "$D/modules.dep"
run_ok $MYDEPMOD -A -b "$T" $K
check "-A: an up-to-date tree is not rewritten" grep -qx stale "$D/modules.alias"
touch -d '2022-01-01 00:00:00' "$D/kernel/b.ko"
run_ok $MYDEPMOD -A -b "$T" $K
check "-A: a newer module makes it run" grep -qx '# Aliases extracted from modules themselves.' "$D/modules.alias"
echo stale >"$D/modules.alias"
touch -d '2023-01-01 00:00:00' "$D/modules.dep"
run_ok $KMOD_DEPMOD -A -b "$T" $K
check "-A: kmod agrees that the tree is up to date" grep -qx stale "$D/modules.alias"
out=$($MYDEPMOD -A -n -b "$T" $K 2>&1)
rc=$?
check "-A -n: exits at once ($rc) and prints nothing" test $rc -eq 0 -a -z "$out"
rm -f "$D/modules.dep"
run_ok $MYDEPMOD -A -b "$T" $K
check "-A without modules.dep: runs" test -s "$D/modules.dep"

# ---- -o and -m (kmod >= 31/34; compared with kmod 30's in-place output) ----
T=$TMPD/outdir
base_tree "$T"
run_ok $KMOD_DEPMOD -b "$T" $K
mkdir -p "$TMPD/ro"
run_ok $MYDEPMOD -b "$T" -o "$TMPD/ro/out" $K
ok=1
for f in $DEPMOD_FILES; do
	cmp -s "$T/lib/modules/$K/$f" "$TMPD/ro/out/lib/modules/$K/$f" || { diag "-o: $f differs"; ok=0; }
done
check "-o DIR: the files go to DIR/lib/modules/KVER, same content" test $ok = 1
mkdir -p "$TMPD/mtree/usr/lib/modules"
cp -a "$T/lib/modules/$K" "$TMPD/mtree/usr/lib/modules/"
remove_outputs "$TMPD/mtree/usr/lib/modules/$K"
run_ok $MYDEPMOD -b "$TMPD/mtree" -m /usr/lib/modules $K
ok=1
for f in $DEPMOD_FILES; do
	cmp -s "$T/lib/modules/$K/$f" "$TMPD/mtree/usr/lib/modules/$K/$f" || { diag "-m: $f differs"; ok=0; }
done
check "-m /usr/lib/modules: reads and writes there, same content" test $ok = 1

# ---- symlinks ----
# A symlink with a module's name is not stat'ed by the walk (lazy links): the
# reader checks it. When one leads to a directory, nothing or something else,
# the walk is done again the way kmod does it, with kmod's messages.
links_tree() {
	local r=$1 d=$1/lib/modules/$K
	mkmod "$r" $K real/a.ko --export a_fn
	mkmod "$r" $K real/b.ko --need a_fn
	mkdir -p "$d/kernel"
	ln -s ../real/a.ko "$d/kernel/a.ko"
	ln -s ../real/b.ko "$d/kernel/b-link.ko"
}
T=$TMPD/links-file
links_tree "$T"
check "symlinks to modules: followed, same files" differential links-file "$T" $K
T=$TMPD/links-dir
links_tree "$T"
mkdir -p "$TMPD/outside-sub"
"$ELFGEN" -o "$TMPD/outside-sub/c.ko" --need a_fn
ln -s "$TMPD/outside-sub" "$T/lib/modules/$K/kernel/sub.ko"
check "a symlink named .ko leading to a directory: walked into" differential links-dir "$T" $K
check "links-dir: the module below it is listed" grep -q 'kernel/sub.ko/c.ko:' "$T/lib/modules/$K/modules.dep"
T=$TMPD/links-dangling
links_tree "$T"
ln -s ../nowhere/gone.ko "$T/lib/modules/$K/kernel/gone.ko"
check "a dangling symlink named .ko: same error, not fatal" differential links-dangling "$T" $K
check "links-dangling: one error, not repeated" test "$(grep -c ERROR "$TMPD/my.stderr")" = 1
T=$TMPD/links-fifo
links_tree "$T"
mkfifo "$T/lib/modules/$K/real/pipe"
ln -s ../real/pipe "$T/lib/modules/$K/kernel/pipe.ko"
check "a symlink named .ko leading to a FIFO: same error, nothing blocks" \
	timeout 20 bash -c "$(declare -f differential norm no_weakdep remove_outputs); \
		$(declare -p ALL_OUTPUTS DEPMOD_FILES KMOD_DEPMOD MYDEPMOD TMPD); \
		differential links-fifo '$T' $K"
# the same name twice: updates/ wins, whichever the walk meets first
T=$TMPD/links-dup
links_tree "$T"
mkmod "$T" $K updates/dup.ko --export dup_fn
mkdir -p "$TMPD/outside-dupdir"
"$ELFGEN" -o "$TMPD/outside-dupdir/d.ko" --export d_fn
ln -s "$TMPD/outside-dupdir" "$T/lib/modules/$K/kernel/dup.ko"
check "a symlink to a directory losing to a same-named module" differential links-dup "$T" $K

# symbolic links back up the walked path (docs/compat.md): "l1 -> ." and "l2 -> ."
# make kmod's walk exponential (it goes on until each path is too long). Ours
# follows neither, warns once per link, and writes what kmod writes for the tree
# without them, in seconds; -A walks the same way.
T=$TMPD/links-loop
links_tree "$T"
D=$T/lib/modules/$K
"$KMOD_DEPMOD" -b "$T" $K || bail_out "depmod failed on $T"
mkdir -p "$TMPD/loop.kmod"
for f in $DEPMOD_FILES; do mv "$D/$f" "$TMPD/loop.kmod/"; done
ln -s . "$D/kernel/l1"
ln -s . "$D/kernel/l2"
ln -s .. "$D/real/up"
timeout 60 "$MYDEPMOD" -b "$T" $K 2>"$TMPD/loop.err"
rc=$?
ok=1
for f in $DEPMOD_FILES; do
	cmp -s "$D/$f" "$TMPD/loop.kmod/$f" || { diag "links-loop: $f differs"; ok=0; }
done
check "symlink loops: exit $rc, kmod's files for the tree without the links" test $rc = 0 -a $ok = 1
check "symlink loops: one warning per link" test "$(grep 'a link to a directory' "$TMPD/loop.err" | sort)" = "$(printf '%s\n' \
	"mydepmod: WARNING: $D/kernel/l1: a link to a directory that contains it, not followed" \
	"mydepmod: WARNING: $D/kernel/l2: a link to a directory that contains it, not followed" \
	"mydepmod: WARNING: $D/real/up: a link to a directory that contains it, not followed")"
touch -d '1 hour ago' "$D/modules.dep"
timeout 60 "$MYDEPMOD" -A -b "$T" $K 2>"$TMPD/loop.err"
rc=$?
check "symlink loops: -A finishes too (exit $rc)" test $rc = 0

# ---- an index that comes out the same is left alone (docs/compat.md) ----
T=$TMPD/keep
base_tree "$T"
D=$T/lib/modules/$K
remove_outputs "$D"
run_ok $MYDEPMOD -b "$T" $K
inodes() { local f; for f in $ALL_OUTPUTS; do stat -c "%i $f" "$D/$f"; done; }
inodes >"$TMPD/keep.before"
touch -d 2000-01-01 "$D"/modules.*
run_ok $MYDEPMOD -b "$T" $K
inodes >"$TMPD/keep.after"
check "a rerun on the same tree keeps every file (same inodes)" cmp -s "$TMPD/keep.before" "$TMPD/keep.after"
# (mydepmod's cache, no index, keeps its times when unchanged: docs/depmod-cache.md §1)
check "a rerun still gives every file the time of the run" \
	test -z "$(find "$D" -maxdepth 1 -name 'modules.*' ! -newermt 2001-01-01 ! -name modules.order ! -name 'modules.builtin' ! -name modules.builtin.modinfo ! -name modules.mykmod-cache.bin)"
# -A then finds the tree up to date, as after kmod's rewrite
echo stale >"$D/modules.alias"
run_ok $MYDEPMOD -A -b "$T" $K
check "-A after a rerun: up to date" grep -qx stale "$D/modules.alias"
run_ok $MYDEPMOD -b "$T" $K
check "a changed file is replaced" grep -qx 'alias core-alias mod_core' "$D/modules.alias"
for f in $ALL_OUTPUTS; do cp "$D/$f" "$TMPD/keep.$f"; done
inodes >"$TMPD/keep.before"
# anything but the exact file we would write is rewritten
chmod 600 "$D/modules.devname"
printf 'X' | dd of="$D/modules.builtin.bin" bs=1 seek=20 conv=notrunc status=none
cp "$D/modules.softdep" "$TMPD/softdep.target"
ln -sf "$TMPD/softdep.target" "$D/modules.softdep"
mkmod "$T" $K kernel/fs/mod-new.ko --modinfo alias=new-alias
run_ok $MYDEPMOD -b "$T" $K
inodes >"$TMPD/keep.after"
changed=$(diff "$TMPD/keep.before" "$TMPD/keep.after" | sed -n 's/^> [0-9]* //p' | sort | tr '\n' ' ')
check "only the files that differ are replaced ($changed)" test "$changed" = \
	"modules.alias modules.alias.bin modules.builtin.bin modules.dep modules.dep.bin modules.devname modules.softdep "
check "the file with another mode gets 0644 again" test "$(stat -c %a "$D/modules.devname")" = 644
check "the symlink is replaced by a file" test ! -L "$D/modules.softdep"
check "the file with other bytes of the same size is written again" \
	cmp -s "$D/modules.builtin.bin" "$TMPD/keep.modules.builtin.bin"
check "what was kept is what kmod writes" differential keep "$T" $K

# ---- modules.builtin.modinfo: which records kmod takes, in which order ----
# Records of a module apart, an alias of two modules (the later record first),
# and odd records: no '.', an empty module name or value, a key without '=' (it
# ends the list), a last record without its NUL, none at all (an empty index).
T=$TMPD/builtin
mkmod "$T" $K kernel/a.ko --export a_fn
printf 'kernel/x.ko\nkernel/y.ko\n' >"$T/lib/modules/$K/modules.builtin"
n=0
for recs in 'y.alias=q\0x.alias=k\0y.alias=k\0' 'x.alias=k\0y.alias=k\0x.alias=k\0' \
	'x.alias=\0y.alias=b\0' '.alias=z\0y.alias=b\0' 'nodot\0\0y.alias=b\0' \
	'y.alias=b\0x.license\0w.alias=c\0' 'y.alias=b\0x.alias=d\0x.foo\0w.alias=c\0' \
	'y.alias=b\0w.alias=c\0w.alias=d' 'y.alias=b\0w.alias==c\0x.alias=[a\0' \
	'x.aliasx=k\0x.alia=k\0x..alias=b\0x.=alias\0y.alias=b\0' 'nodot\0' ''; do
	n=$((n + 1))
	printf "$recs" >"$T/lib/modules/$K/modules.builtin.modinfo"
	check "modules.builtin.modinfo case $n ($recs): same files and messages" \
		differential builtin-$n "$T" $K
done

# ---- the index writer's order: aliases sharing prefixes near 8 and 16 bytes ----
# (its sort takes the keys 8 bytes at a time), keys that are prefixes of others,
# and the same alias in one module and in several (the priority and tie rules)
T=$TMPD/aliases
RANDOM=7
stems=(a abcdefg abcdefgh abcdefghi abcdefghijklmno abcdefghijklmnop abcdefghijklmnopq
	pci:v0000 pci:v00008086d usb:v1234p)
for m in $(seq 1 30); do
	args=()
	for k in $(seq 1 $((RANDOM % 25 + 1))); do
		s=${stems[RANDOM % ${#stems[@]}]}
		case $((RANDOM % 4)) in
		0) a=$s ;;
		1) a=$s$((RANDOM % 3)) ;;
		2) a=$s$(printf '%x' $((RANDOM % 300))) ;;
		*) a=${s:0:$((RANDOM % ${#s} + 1))} ;;
		esac
		args+=(--modinfo "alias=$a")
	done
	mkmod "$T" $K kernel/m$((m % 4))/mod-r$m.ko "${args[@]}"
done
printf 'kernel/m%s/mod-r%s.ko\n' 1 9 2 14 3 3 0 20 >"$T/lib/modules/$K/modules.order"
check "random aliases sharing prefixes: same indexes as kmod" differential aliases "$T" $K

# ---- -j: the output does not depend on the number of threads ----
T=$TMPD/base
ok=1
run_ok $MYDEPMOD -j 1 -b "$T" $K
mkdir -p "$TMPD/j1"
for f in $ALL_OUTPUTS; do cp "$T/lib/modules/$K/$f" "$TMPD/j1/"; done
for j in 2 3 8; do
	run_ok $MYDEPMOD -j $j -b "$T" $K || ok=0
	for f in $ALL_OUTPUTS; do
		cmp -s "$TMPD/j1/$f" "$T/lib/modules/$K/$f" || { diag "-j $j: $f differs"; ok=0; }
	done
done
check "-j 1, 2, 3, 8 give the same files" test $ok = 1

done_testing
