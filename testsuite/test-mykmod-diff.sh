#!/bin/bash
# mykmod diff OLD NEW: synthetic trees from testsuite/elfgen with one kind of
# change at a time, the installed Debian tree against itself and against a copy
# with modules removed and replaced (expected results from find, comm and kmod's
# modinfo), and bad input.
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"
. "$top_srcdir/testsuite/depmod/lib.sh"

MYKMOD=${MYKMOD:-$TOOLS/mykmod}
KMOD_MODINFO=${KMOD_MODINFO:-/usr/sbin/modinfo}
KMOD_MODPROBE=${KMOD_MODPROBE:-/usr/sbin/modprobe}
[ -x "$MYKMOD" ] || bail_out "mykmod not built: $MYKMOD"
[ -x "$ELFGEN" ] || bail_out "elfgen not built: $ELFGEN"
[ -x "$KMOD_MODINFO" ] || bail_out "kmod's modinfo not found at $KMOD_MODINFO"
command -v python3 >/dev/null || bail_out "python3 not found"
export LC_ALL=C
tap_tmpdir
[ -n "${KEEP:-}" ] && trap - EXIT && echo "# $TMPD"
K=6.0.0-synth

# run_diff OLD NEW [OPTIONS...]: output in $TMPD/out, messages in $TMPD/err, status in $rc
run_diff() {
	local old=$1 new=$2
	shift 2
	last=("$old" "$new" "$@")
	rc=0
	"$MYKMOD" diff "$@" "$old" "$new" >"$TMPD/out" 2>"$TMPD/err" || rc=$?
}

# section LABEL: the detail lines under "LABEL:" in $TMPD/out, without the indent
section() {
	awk -v h="$1:" '$0 == h { on = 1; next } /^$/ { on = 0 } on { sub(/^  /, ""); print }' \
		"$TMPD/out"
}

# has LABEL LINE: LINE is a detail of LABEL, and LABEL's count says how many there are
has() {
	local n
	n=$(section "$1" | grep -cxF -- "$2")
	[ "$n" -ge 1 ] && grep -qxF "$1: $(section "$1" | wc -l)" "$TMPD/out"
}

# json PYTHON-EXPRESSION: true when it holds for the JSON object d read from $TMPD/out
json() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$TMPD/out" "$1"
}

# jcheck DESC PYTHON-EXPRESSION: the last run_diff again with --json, exit 1, and
# the expression holds for its object d
jcheck() {
	local desc=$1 expr=$2
	run_diff "${last[@]}" --json
	check "$desc (JSON)" eval 'test "$rc" -eq 1 && json "$expr"'
}

# ---- the synthetic base tree ----
base_tree() {
	local r=$1
	mkmod "$r" $K kernel/lib/core.ko --modinfo name=core --modinfo alias=core-alias \
		--modinfo 'vermagic=6.0.0 SMP mod_unload' --modinfo license=GPL \
		--modinfo firmware=core.bin --modinfo 'parm=debug:Debug level' \
		--modinfo parmtype=debug:int --export core_fn:0x1234 --export core_ns_fn:0x10 \
		--export-ns core_ns_fn:CORE_NS --export core_spare_fn:0x77 --need printk:0x7
	mkmod "$r" $K kernel/drivers/user.ko --modinfo name=user \
		--modinfo 'alias=pci:v00001234d*sv*sd*bc*sc*i*' --modinfo 'softdep=pre: comp' \
		--need core_fn:0x1234 --need printk:0x7
	mkmod "$r" $K kernel/drivers/other.ko --modinfo name=other --export other_fn:0x55 \
		--need printk:0x7
	mkmod "$r" $K kernel/drivers/comp.ko --modinfo name=comp --need printk:0x7
	mkmod "$r" $K kernel/fs/mover.ko --modinfo name=mover --need kfunc:0x99
	printf 'kernel/fs/ext4.ko\n' >"$r/lib/modules/$K/modules.builtin"
	printf 'ext4.alias=fs-ext4\0ext4.license=GPL\0' >"$r/lib/modules/$K/modules.builtin.modinfo"
	mkdir -p "$r/usr/src/linux-headers-$K"
	printf '0x00000007\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n0x00000099\tkfunc\tvmlinux\tEXPORT_SYMBOL_GPL\tKNS\n' \
		>"$r/usr/src/linux-headers-$K/Module.symvers"
}

B=$TMPD/base
base_tree "$B"
M=lib/modules/$K
n_case=0
# new_case: a fresh copy of the base tree in $C
new_case() {
	n_case=$((n_case + 1))
	C=$TMPD/case$n_case
	cp -a "$B" "$C"
}

run_diff "$B" "$B"
check "same tree: exit 0" test "$rc" -eq 0
check "same tree: no output" test ! -s "$TMPD/out" -a ! -s "$TMPD/err"
new_case
run_diff "$B" "$C"
check "an identical copy: exit 0, no output" test "$rc" -eq 0 -a ! -s "$TMPD/out"
run_diff "$B" "$C" --json
check "an identical copy, --json: exit 0, every list empty" eval 'test "$rc" -eq 0 &&
	json "all(not v for k in (\"modules\", \"symbols\") for v in d[k].values())
		and d[\"changed\"] == {} and d[\"unresolved\"] == [] and d[\"cycles\"] == []"'

# ---- one kind of change at a time ----
new_case
mkmod "$C" $K kernel/drivers/newmod.ko --modinfo name=newmod --need printk:0x7
run_diff "$B" "$C"
check "module added: exit 1" test "$rc" -eq 1
check "module added: listed with its path" has "modules added" "newmod kernel/drivers/newmod.ko"
check "module added: nothing else" test "$(grep -c ': [0-9]*$' "$TMPD/out")" -eq 1
jcheck "module added" 'd["modules"]["added"] == ["newmod"] and d["changed"] == {}'

new_case
rm "$C/$M/kernel/drivers/comp.ko"
run_diff "$B" "$C"
check "module removed" has "modules removed" "comp kernel/drivers/comp.ko"
jcheck "module removed" 'd["modules"]["removed"] == ["comp"]'

new_case
mkdir -p "$C/$M/kernel/misc"
mv "$C/$M/kernel/fs/mover.ko" "$C/$M/kernel/misc/mover.ko"
run_diff "$B" "$C"
check "module moved" has "modules moved" "mover kernel/fs/mover.ko -> kernel/misc/mover.ko"
check "module moved: not added or removed" \
	test -z "$(section "modules added")$(section "modules removed")"
jcheck "module moved" 'd["modules"]["moved"] == [{"name": "mover", "old": "kernel/fs/mover.ko",
	"new": "kernel/misc/mover.ko"}] and d["modules"]["added"] == []'

new_case
rm "$C/$M/kernel/fs/mover.ko"
echo kernel/fs/mover.ko >>"$C/$M/modules.builtin"
run_diff "$B" "$C"
check "loadable -> builtin" has "modules now builtin" "mover kernel/fs/mover.ko -> kernel/fs/mover.ko"
jcheck "loadable -> builtin" 'd["modules"]["builtin"] == ["mover"]'
run_diff "$C" "$B"
check "builtin -> loadable" has "modules now loadable" "mover kernel/fs/mover.ko -> kernel/fs/mover.ko"
jcheck "builtin -> loadable" 'd["modules"]["loadable"] == ["mover"]'

for z in gzip:gz xz:xz zstd:zst; do
	new_case
	${z%%:*} -q "$C/$M/kernel/drivers/comp.ko"
	rm -f "$C/$M/kernel/drivers/comp.ko" # zstd keeps it
	run_diff "$B" "$C"
	check "recompressed with ${z%%:*}" has "modules recompressed" "comp none -> ${z%%:*}"
	check "recompressed with ${z%%:*}: not moved, no field changed" \
		test "$(grep -c ': [0-9]*$' "$TMPD/out")" -eq 1
	jcheck "recompressed with ${z%%:*}" "d['modules']['recompressed'] == [{'name': 'comp',
		'old': 'none', 'new': '${z%%:*}'}] and d['modules']['moved'] == []"
done

# a module made again with other elfgen options: $1 case root, then the options
remake_user() {
	local r=$1
	shift
	mkmod "$r" $K kernel/drivers/user.ko --modinfo name=user "$@"
}
new_case
remake_user "$C" --modinfo 'softdep=pre: comp' --need core_fn:0x1234 --need printk:0x7
run_diff "$B" "$C"
check "alias lost" has "values lost" "user alias: pci:v00001234d*sv*sd*bc*sc*i*"
jcheck "alias lost" 'd["changed"] == {"user": {"alias": {"added": [],
	"removed": ["pci:v00001234d*sv*sd*bc*sc*i*"]}}}'
run_diff "$C" "$B"
check "alias gained" has "values gained" "user alias: pci:v00001234d*sv*sd*bc*sc*i*"
jcheck "alias gained" 'd["changed"]["user"]["alias"]["added"] == ["pci:v00001234d*sv*sd*bc*sc*i*"]'

new_case
remake_user "$C" --modinfo 'alias=pci:v00001234d*sv*sd*bc*sc*i*' --modinfo 'softdep=pre: other' \
	--need core_fn:0x1234 --need printk:0x7
run_diff "$B" "$C"
check "softdep changed: lost" has "values lost" "user softdep: pre: comp"
check "softdep changed: gained" has "values gained" "user softdep: pre: other"
jcheck "softdep changed" 'd["changed"]["user"]["softdep"] == {"added": ["pre: other"],
	"removed": ["pre: comp"]}'

new_case
remake_user "$C" --modinfo 'alias=pci:v00001234d*sv*sd*bc*sc*i*' --modinfo 'softdep=pre: comp' \
	--need printk:0x7
run_diff "$B" "$C"
check "dependency lost" has "values lost" "user depends: core"
jcheck "dependency lost" 'd["changed"]["user"]["depends"] == {"added": [], "removed": ["core"]}'

# core again, with one option value replaced (NEW empty: dropped): core_with OLD NEW [MORE...]
core_with() {
	local args=(--modinfo name=core --modinfo alias=core-alias
		--modinfo 'vermagic=6.0.0 SMP mod_unload' --modinfo license=GPL
		--modinfo firmware=core.bin --modinfo 'parm=debug:Debug level'
		--modinfo parmtype=debug:int --export core_fn:0x1234 --export core_ns_fn:0x10
		--export-ns core_ns_fn:CORE_NS --export core_spare_fn:0x77 --need printk:0x7)
	local i out=()
	for i in "${args[@]}"; do
		if [ "$i" = "$1" ] && [ -n "$2" ]; then
			out+=("$2")
		elif [ "$i" = "$1" ]; then
			unset 'out[${#out[@]}-1]' # the option goes with its value
		else
			out+=("$i")
		fi
	done
	shift 2
	mkmod "$C" $K kernel/lib/core.ko "${out[@]}" "$@"
}
new_case
core_with 'parm=debug:Debug level' 'parm=debug:How much to say'
run_diff "$B" "$C"
check "parameter changed: the old one lost" has "values lost" "core parm: debug:Debug level (int)"
check "parameter changed: the new one gained" has "values gained" "core parm: debug:How much to say (int)"
jcheck "parameter changed" 'd["changed"]["core"]["parm"] == {"added": ["debug:How much to say (int)"],
	"removed": ["debug:Debug level (int)"]}'

# parameters given in odd ways: one described twice, types before and after the
# description, a type or a description only, names that begin one another, an
# entry without ':'. Expected: what kmod's modinfo -F parm makes of them
new_case
core_with 'parm=debug:Debug level' 'parm=debug:Debug level' \
	--modinfo 'parm=debug:How much to say' --modinfo parmtype=speed:uint \
	--modinfo 'parm=speed:Link speed' --modinfo parmtype=debug2:bool \
	--modinfo 'parm=deb:Short name' --modinfo parmtype=deb:charp \
	--modinfo parmtype=deb:int --modinfo 'parm=noname' --modinfo 'parm=only:Described'
# (kmod's modinfo complains of the entry without ':')
"$KMOD_MODINFO" -F parm "$C/$M/kernel/lib/core.ko" 2>/dev/null | sort -u >"$TMPD/parm.new"
"$KMOD_MODINFO" -F parm "$B/$M/kernel/lib/core.ko" | sort -u >"$TMPD/parm.old"
run_diff "$B" "$C"
section "values gained" | sed -n 's/^core parm: //p' | sort >"$TMPD/parm.gained"
section "values lost" | sed -n 's/^core parm: //p' | sort >"$TMPD/parm.lost"
check "odd parameters: those gained, as kmod's modinfo tells ($(wc -l <"$TMPD/parm.new"))" \
	cmp -s "$TMPD/parm.gained" <(comm -13 "$TMPD/parm.old" "$TMPD/parm.new")
check "odd parameters: the one lost, as kmod's modinfo tells" \
	cmp -s "$TMPD/parm.lost" <(comm -23 "$TMPD/parm.old" "$TMPD/parm.new")

new_case
core_with firmware=core.bin firmware=core2.bin
run_diff "$B" "$C"
check "firmware lost" has "values lost" "core firmware: core.bin"
check "firmware gained" has "values gained" "core firmware: core2.bin"
jcheck "firmware changed" 'd["changed"] == {"core": {"firmware": {"added": ["core2.bin"],
	"removed": ["core.bin"]}}}'

new_case
core_with 'vermagic=6.0.0 SMP mod_unload' 'vermagic=6.0.1 SMP mod_unload'
run_diff "$B" "$C"
check "vermagic changed" has "values changed" "core vermagic: 6.0.0 SMP mod_unload -> 6.0.1 SMP mod_unload"
jcheck "vermagic changed" 'd["changed"] == {"core": {"vermagic": {"old": "6.0.0 SMP mod_unload",
	"new": "6.0.1 SMP mod_unload"}}}'

new_case
core_with - - --export new_fn:0x5
run_diff "$B" "$C"
check "export added" has "symbols added" "new_fn core"
jcheck "export added" 'd["symbols"]["added"] == [{"name": "new_fn", "module": "core"}]'

new_case
core_with core_spare_fn:0x77 ''
run_diff "$B" "$C"
check "export removed" has "symbols removed" "core_spare_fn core"
jcheck "export removed" 'd["symbols"]["removed"] == [{"name": "core_spare_fn", "module": "core"}]'

new_case
core_with core_fn:0x1234 core_fn:0x4321
run_diff "$B" "$C"
check "CRC changed" has "symbols with a new CRC" "core_fn core 0x00001234 -> 0x00004321"
jcheck "CRC changed" 'd["symbols"]["crc_changed"] == [{"name": "core_fn", "module": "core",
	"old": "0x00001234", "new": "0x00004321"}]'

new_case
core_with core_ns_fn:CORE_NS core_ns_fn:OTHER_NS
run_diff "$B" "$C"
check "namespace changed" has "symbols with a new namespace" "core_ns_fn core CORE_NS -> OTHER_NS"
jcheck "namespace changed" 'd["symbols"]["namespace_changed"] == [{"name": "core_ns_fn",
	"module": "core", "old": "CORE_NS", "new": "OTHER_NS"}]'

new_case
core_with core_spare_fn:0x77 ''
mkmod "$C" $K kernel/drivers/other.ko --modinfo name=other --export other_fn:0x55 \
	--export core_spare_fn:0x77 --need printk:0x7
run_diff "$B" "$C"
check "export moved to another module" has "symbols moved" "core_spare_fn core -> other"
check "export moved: not added or removed" \
	test -z "$(section "symbols added")$(section "symbols removed")"
jcheck "export moved to another module" 'd["symbols"]["moved"] == [{"name": "core_spare_fn",
	"old": "core", "new": "other"}] and d["symbols"]["added"] == []'

# two exports whose names share their first 8 bytes swap modules: each moved, as
# the sides' symbol tables come out in the same order (lib/modtree.c sorts on
# 8-byte prefixes first)
new_case
O=$C
mkmod "$O" $K kernel/drivers/swapa.ko --modinfo name=swapa --export shared_prefix_x:0x1
mkmod "$O" $K kernel/drivers/swapb.ko --modinfo name=swapb --export shared_prefix_y:0x2
new_case
mkmod "$C" $K kernel/drivers/swapa.ko --modinfo name=swapa --export shared_prefix_y:0x2
mkmod "$C" $K kernel/drivers/swapb.ko --modinfo name=swapb --export shared_prefix_x:0x1
run_diff "$O" "$C"
check "two exports with one 8-byte prefix swap modules: both moved, nothing added or removed" \
	eval 'has "symbols moved" "shared_prefix_x swapa -> swapb" &&
		has "symbols moved" "shared_prefix_y swapb -> swapa" &&
		test -z "$(section "symbols added")$(section "symbols removed")"'

new_case
core_with core_spare_fn:0x77 ''
printf '0x00000077\tcore_spare_fn\tvmlinux\tEXPORT_SYMBOL\t\n' >>"$C/usr/src/linux-headers-$K/Module.symvers"
run_diff "$B" "$C"
check "export moved into the kernel image" has "symbols moved" "core_spare_fn core -> vmlinux"
check "both sides with kernel symbols: no note" eval '! grep -q "^note: " "$TMPD/out"'
jcheck "export moved into the kernel image" 'd["symbols"]["moved"] == [{"name": "core_spare_fn",
	"old": "core", "new": "vmlinux"}] and d["kernel_image_compared"] is True'

# only one side with kernel symbols: the kernel image's exports are not compared
# (docs/mykmod-diff.md §3), and the text says so once
S=$C
new_case
rm "$C/usr/src/linux-headers-$K/Module.symvers"
NOSYMS=$C
for pair in "$B $NOSYMS" "$NOSYMS $B"; do
	run_diff $pair
	check "the base tree and its copy without Module.symvers ($([ "${pair%% *}" = "$B" ] && echo OLD || echo NEW) has it): exit 0, no output" \
		test "$rc" -eq 0 -a ! -s "$TMPD/out" -a ! -s "$TMPD/err"
done
run_diff "$NOSYMS" "$S"
check "an export moved into the kernel image, only NEW with kernel symbols: the note first" \
	eval 'test "$rc" -eq 1 && head -2 "$TMPD/out" | cmp -s - <(printf "%s\n\n" "note: only NEW has kernel symbols (Module.symvers, System.map): the kernel image'"'"'s exports are not compared")'
check "... removed from core, nothing moved, no vmlinux" \
	eval 'has "symbols removed" "core_spare_fn core" && test -z "$(section "symbols moved")" && ! grep -q vmlinux "$TMPD/out" && test "$(grep -c "^note: " "$TMPD/out")" -eq 1'
jcheck "... only NEW with kernel symbols" 'd["symbols"]["moved"] == [] and
	d["symbols"]["removed"] == [{"name": "core_spare_fn", "module": "core"}] and
	d["kernel_image_compared"] is False'
run_diff "$S" "$NOSYMS"
check "the same, only OLD with kernel symbols: the note names OLD, core_spare_fn added" \
	eval 'test "$rc" -eq 1 && grep -q "^note: only OLD has kernel symbols" <<<"$(head -1 "$TMPD/out")" && has "symbols added" "core_spare_fn core" && ! grep -q vmlinux "$TMPD/out"'

new_case
remake_user "$C" --modinfo 'alias=pci:v00001234d*sv*sd*bc*sc*i*' --modinfo 'softdep=pre: comp' \
	--need core_fn:0x1234 --need printk:0x7 --need missing_fn:0x1
run_diff "$B" "$C"
check "newly unresolved symbol" has "symbols newly unresolved" "user missing_fn"
jcheck "newly unresolved symbol" 'd["unresolved"] == [{"module": "user", "symbol": "missing_fn"}]'

new_case
core_with - - --need other_fn:0x55
mkmod "$C" $K kernel/drivers/other.ko --modinfo name=other --export other_fn:0x55 \
	--need core_fn:0x1234 --need printk:0x7
run_diff "$B" "$C"
check "new dependency cycle" has "new dependency cycles" "core other"
jcheck "new dependency cycle" 'd["cycles"] == [["core", "other"]]'

# a 32-bit big-endian module directory (no kernel symbols): the namespace read there too
for ns in NS1 NS2; do
	mkdir -p "$TMPD/be-$ns/$K/kernel"
	"$ELFGEN" -o "$TMPD/be-$ns/$K/kernel/be.ko" --machine ppc --modinfo name=be \
		--export be_fn:0x1 --export-ns be_fn:$ns || bail_out "elfgen failed (ppc)"
done
run_diff "$TMPD/be-NS1/$K" "$TMPD/be-NS2/$K"
check "32-bit big-endian module directories: namespace changed" \
	has "symbols with a new namespace" "be_fn be NS1 -> NS2"

# ---- -E / -F: the kernel's symbols given, for both sides or for each ----
SV=$B/usr/src/linux-headers-$K/Module.symvers
sed 's/^0x00000007\tprintk/0x00000008\tprintk/' "$SV" >"$TMPD/symvers.new"
check "the changed Module.symvers differs" eval '! cmp -s "$SV" "$TMPD/symvers.new"'
run_diff "$B" "$B" -E "$SV" -E "$TMPD/symvers.new"
check "-E twice: a CRC of the kernel image changed" \
	has "symbols with a new CRC" "printk vmlinux 0x00000007 -> 0x00000008"
jcheck "-E twice" 'd["symbols"]["crc_changed"] == [{"name": "printk", "module": "vmlinux",
	"old": "0x00000007", "new": "0x00000008"}]'
run_diff "$B" "$B" -E "$TMPD/symvers.new"
check "-E once, for both sides: exit 0" test "$rc" -eq 0 -a ! -s "$TMPD/out"
printf 'ffffffff81000000 r __ksymtab_printk\n' >"$TMPD/System.map"
run_diff "$B" "$B" -F "$TMPD/System.map"
check "-F once, for both sides (kfunc unresolved on both): exit 0" test "$rc" -eq 0 -a ! -s "$TMPD/out"
run_diff "$B" "$B" -E "$SV" -F "$TMPD/System.map" -E "$TMPD/symvers.new" -F "$TMPD/System.map"
check "-E wins over -F" has "symbols with a new CRC" "printk vmlinux 0x00000007 -> 0x00000008"
run_diff "$B" "$B" -E "$SV" -E "$SV" -E "$SV"
check "-E three times: exit 2" test "$rc" -eq 2 -a -s "$TMPD/err"

# ---- --only and --ignore ----
new_case
mkmod "$C" $K kernel/drivers/newmod.ko --modinfo name=newmod --modinfo alias=new-alias \
	--need printk:0x7
core_with firmware=core.bin firmware=core2.bin
run_diff "$B" "$C" --only firmware
check "--only firmware: the firmware change" has "values gained" "core firmware: core2.bin"
check "--only firmware: not the added module" test -z "$(section "modules added")"
run_diff "$B" "$C" --only added,firmware
check "--only added,firmware: both" \
	test -n "$(section "modules added")" -a -n "$(section "values lost")"
# a kind that is none: exit 2, named, with the kinds listed (docs/messages.md §10)
KINDS="modules, added, removed, moved, builtin, recompressed, fields, symbols, crc, namespace, unresolved, cycles, indexes, or a modinfo key of OLD or NEW"
for kinds in frimware added,frimware added,,firmware $(printf 'x%.0s' {1..70}); do
	run_diff "$B" "$C" --only "$kinds"
	k=$(echo "$kinds" | tr , '\n' | grep -vxE 'added|firmware' | head -1 | cut -c1-63)
	[ ${#k} -eq 63 ] && k="$k..."
	check "--only $(echo "$kinds" | cut -c1-30): exit 2, no output, the kind '$k' named" \
		eval 'test "$rc" -eq 2 -a ! -s "$TMPD/out" && grep -qxF "mykmod: ERROR: --only: unknown kind '"'\$k'"' (the kinds: $KINDS)" "$TMPD/err"'
done
# the kinds the message lists are the ones --only takes, and the ones --help lists
listed=$(sed -n "s/.*(the kinds: \(.*\), or a modinfo key of OLD or NEW)$/\1/p" "$TMPD/err" | tr -d ,)
bad=
for k in $listed; do
	run_diff "$B" "$C" --only "$k"
	[ "$rc" -le 1 ] && [ ! -s "$TMPD/err" ] || bad="$bad $k"
done
check "each of the $(wc -w <<<"$listed") kinds listed is one --only takes${bad:+ (not:$bad)}" \
	test -n "$listed" -a -z "$bad"
helped=$("$MYKMOD" diff --help | sed -n '/--only=/,/another word/p' | tr -s '\n\t ' ' ' |
	sed 's/.*comma-separated://; s/); another word.*//; s/ or a modinfo key//' | tr -d , | xargs)
check "--help lists the same kinds" test "$helped" = "$(xargs <<<"$listed")"
# a key no module of either side has, but that the kernel defines: no typo
run_diff "$B" "$C" --only signer,scmversion
check "--only signer,scmversion (no module has them): exit 0, no output, no message" \
	test "$rc" -eq 0 -a ! -s "$TMPD/out" -a ! -s "$TMPD/err"
# a key of its own that one module of one side has is a kind
mkmod "$C" $K kernel/drivers/mykey.ko --modinfo name=mykey --modinfo my_key=1 \
	--need printk:0x7
run_diff "$C" "$B" --only my_key
check "--only my_key (a key of OLD's mykey): exit 0, no message" \
	test "$rc" -eq 0 -a ! -s "$TMPD/out" -a ! -s "$TMPD/err"
run_diff "$B" "$B" --only my_key
check "--only my_key (a key of no module of OLD or NEW): exit 2, named" \
	eval 'test "$rc" -eq 2 && grep -qF "unknown kind '"'my_key'"'" "$TMPD/err"'
rm "$C/$M/kernel/drivers/mykey.ko"
printf '# modules.ignore\nnew*\n\ncore\n' >"$TMPD/ignore"
run_diff "$B" "$C" --ignore "$TMPD/ignore"
check "--ignore of every changed module: exit 0, no output" test "$rc" -eq 0 -a ! -s "$TMPD/out"
printf 'new*\n' >"$TMPD/ignore"
run_diff "$B" "$C" --ignore "$TMPD/ignore"
check "--ignore of one: the other stays" test "$rc" -eq 1 -a -z "$(section "modules added")" \
	-a -n "$(section "values lost")"

# ---- bad input: a clear message, exit 2 ----
# trouble DESC OLD NEW [OPTIONS...]: exit 2 with "mykmod: ERROR: " and nothing on stdout
trouble() {
	local desc=$1
	shift
	run_diff "$@"
	check "$desc: exit 2, an error message" test "$rc" -eq 2 -a ! -s "$TMPD/out" \
		-a "$(grep -c '^mykmod: ERROR: ' "$TMPD/err")" -ge 1
}
trouble "a side that does not exist" "$B" "$TMPD/nothing"
trouble "-E of a file that does not exist" "$B" "$B" -E "$TMPD/nothing.symvers"
check "a side that does not exist: named" grep -qF "$TMPD/nothing" "$TMPD/err"
echo hello >"$TMPD/file"
trouble "a file, not a tree" "$TMPD/file" "$B"
mkdir -p "$TMPD/empty"
trouble "a directory without modules" "$B" "$TMPD/empty"
new_case
"$ELFGEN" -o "$C/$M/kernel/drivers/other.ko" --modinfo name=other --export other_fn:0x55 \
	--truncate 200
trouble "a truncated module" "$B" "$C"
check "a truncated module: named" grep -qF "kernel/drivers/other.ko" "$TMPD/err"
# the sides are read at once (docs/mykmod-diff.md §4): what each says comes out
# as when they are read in turn, OLD's then NEW's, and only OLD's when it fails
C0=$C
new_case
"$ELFGEN" -o "$C/$M/kernel/drivers/comp.ko" --modinfo name=comp --truncate 200
trouble "a truncated module on both sides" "$C" "$C0"
check "a truncated module on both sides: OLD's only, as OLD is read first" eval \
	'grep -qF "$C/$M/kernel/drivers/comp.ko" "$TMPD/err" && ! grep -qF "$C0/" "$TMPD/err"'
new_case
ln -s "$TMPD/nothing.ko" "$C/$M/kernel/old-dangling.ko"
C1=$C
new_case
ln -s "$TMPD/nothing.ko" "$C/$M/kernel/new-dangling.ko"
printf 'mykmod: ERROR: fstatat(%s, %s): No such file or directory\n' \
	"$(realpath "$C1/$M/kernel")" old-dangling.ko \
	"$(realpath "$C/$M/kernel")" new-dangling.ko >"$TMPD/err.expected"
same_err=true
for i in 1 2 3 4 5; do
	run_diff "$C1" "$C"
	[ "$rc" -eq 0 ] && cmp -s "$TMPD/err" "$TMPD/err.expected" || same_err=false
done
check "a dangling link on each side: both errors, OLD's first, the directory by its path, every time" \
	"$same_err"
new_case
printf 'kernel/fs/ext4.ko\n\001\002garbage\n' >"$C/$M/modules.builtin"
trouble "garbage in modules.builtin" "$B" "$C"
check "garbage in modules.builtin: file and line" grep -qF "modules.builtin:2:" "$TMPD/err"
new_case
mkdir -p "$C/lib/modules/6.1.0-other"
trouble "a root with two kernel versions" "$B" "$C"
run_diff "$B" "$C" --kver $K
check "a root with two kernel versions, --kver: exit 0" test "$rc" -eq 0
trouble "--kver of none there" "$B" "$C" --kver 9.9.9
rc=0
"$MYKMOD" diff "$B" >"$TMPD/out" 2>"$TMPD/err" || rc=$?
check "one side only: exit 2, an error message" test "$rc" -eq 2 -a ! -s "$TMPD/out" \
	-a "$(grep -c '^mykmod: ERROR: ' "$TMPD/err")" -eq 1
run_diff "$B" "$B" --bogus
check "an unknown option: exit 2" test "$rc" -eq 2 -a ! -s "$TMPD/out"

# ---- the installed Debian tree ----
KV=$(debian_kver) || bail_out "no Debian module tree in /lib/modules"
SRC=/lib/modules/$KV
# a root holding a symlinked copy of it: directories made, modules linked
R1=$TMPD/real1
mkdir -p "$R1/lib/modules/$KV" "$R1/usr/src/linux-headers-$KV"
cp "$SRC"/modules.order "$SRC"/modules.builtin "$SRC"/modules.builtin.modinfo "$R1/lib/modules/$KV/"
cp -rs "$SRC/kernel" "$R1/lib/modules/$KV/" || bail_out "could not link $SRC/kernel"
[ -f "$SRC/build/Module.symvers" ] &&
	ln -s "$SRC/build/Module.symvers" "$R1/usr/src/linux-headers-$KV/Module.symvers"
run_diff "$R1" "$R1"
check "Debian tree, symlinked copy, against itself: exit 0, no output" \
	test "$rc" -eq 0 -a ! -s "$TMPD/out" -a ! -s "$TMPD/err"
run_diff "$SRC" "$R1"
check "Debian module directory against its symlinked copy: exit 0, no output" \
	test "$rc" -eq 0 -a ! -s "$TMPD/out" -a ! -s "$TMPD/err"

# modules named as kmod names them
names() {
	sed -e 's|.*/||' -e 's|\.ko.*||' -e 's|-|_|g' | sort
}
R2=$TMPD/real2
cp -a "$R1" "$R2"
(cd "$R1/lib/modules/$KV" && find kernel -name '*.ko*' | sort) >"$TMPD/list1"
awk 'NR % 997 == 0' "$TMPD/list1" >"$TMPD/gone"
(cd "$R2/lib/modules/$KV" && xargs rm) <"$TMPD/gone"
# two modules with aliases and parameters, not removed, in other directories: A's
# file becomes B's module
pick=()
while read -r f; do
	grep -qxF "$f" "$TMPD/gone" && continue
	[ ${#pick[@]} -eq 1 ] && [ "$(dirname "$f")" = "$(dirname "${pick[0]}")" ] && continue
	[ -n "$("$KMOD_MODINFO" -F alias "$SRC/$f")" ] && [ -n "$("$KMOD_MODINFO" -F parm "$SRC/$f")" ] &&
		pick+=("$f")
	[ ${#pick[@]} -eq 2 ] && break
done < <(grep '^kernel/drivers/net/' "$TMPD/list1")
[ ${#pick[@]} -eq 2 ] || bail_out "no two modules with aliases and parameters"
A=${pick[0]}
A_name=$(echo "$A" | names)
ln -sf "$SRC/${pick[1]}" "$R2/lib/modules/$KV/$A"
run_diff "$R1" "$R2"
check "Debian tree with modules removed and replaced: exit 1" test "$rc" -eq 1
(cd "$R2/lib/modules/$KV" && find kernel -name '*.ko*') >"$TMPD/list2"
comm -23 <(names <"$TMPD/list1") <(names <"$TMPD/list2") >"$TMPD/removed.want"
section "modules removed" | cut -d' ' -f1 >"$TMPD/removed.got"
check "removed modules: those find and comm tell ($(wc -l <"$TMPD/removed.want"))" \
	cmp -s "$TMPD/removed.want" "$TMPD/removed.got"
cp "$TMPD/out" "$TMPD/real.txt"
run_diff "$R1" "$R2" --json
check "removed modules (JSON): those find and comm tell" eval 'test "$rc" -eq 1 &&
	json "d[\"modules\"][\"removed\"] == open(\"$TMPD/removed.want\").read().split()"'
cp "$TMPD/real.txt" "$TMPD/out"
# field FIELD FILE: kmod's modinfo -F FIELD of FILE, sorted, without repeats
field() {
	"$KMOD_MODINFO" -F "$1" "$2" | sort -u
}
for fld in alias parm; do
	field $fld "$SRC/$A" >"$TMPD/old.$fld"
	field $fld "$SRC/${pick[1]}" >"$TMPD/new.$fld"
	comm -23 "$TMPD/old.$fld" "$TMPD/new.$fld" >"$TMPD/lost.want"
	comm -13 "$TMPD/old.$fld" "$TMPD/new.$fld" >"$TMPD/gained.want"
	section "values lost" | sed -n "s/^$A_name $fld: //p" | sort >"$TMPD/lost.got"
	section "values gained" | sed -n "s/^$A_name $fld: //p" | sort >"$TMPD/gained.got"
	check "replaced $A_name: $fld values lost, as kmod's modinfo tells ($(wc -l <"$TMPD/lost.want"))" \
		cmp -s "$TMPD/lost.want" "$TMPD/lost.got"
	check "replaced $A_name: $fld values gained, as kmod's modinfo tells ($(wc -l <"$TMPD/gained.want"))" \
		cmp -s "$TMPD/gained.want" "$TMPD/gained.got"
done

# a library module removed, no kernel symbols on either side (two bare module
# directories): its users' symbols become unresolved. Expected: each user's
# __versions (kmod's modprobe --dump-modversions) that Module.symvers says the
# library exported, for the modules kmod's modules.dep says need it
SYMVERS=$SRC/build/Module.symvers
if [ -r "$SYMVERS" ]; then
	lib=$(grep -m1 '/mii\.ko:' "$SRC/modules.dep" | cut -d: -f1) || true
	[ -n "$lib" ] || bail_out "no mii.ko in $SRC/modules.dep"
	M1=$TMPD/bare1/$KV M2=$TMPD/bare2/$KV
	mkdir -p "$M1" "$M2"
	cp -rs "$SRC/kernel" "$M1/" && cp -rs "$SRC/kernel" "$M2/" || bail_out "could not link $SRC/kernel"
	rm "$M2/$lib"
	awk -F'\t' '$3 == "drivers/net/mii" { print $2 }' "$SYMVERS" | sort >"$TMPD/lib.exports"
	: >"$TMPD/unres.want"
	grep -F " $lib" "$SRC/modules.dep" | cut -d: -f1 | while read -r user; do
		"$KMOD_MODPROBE" --dump-modversions "$SRC/$user" | awk '{ print $2 }' | sort -u |
			comm -12 - "$TMPD/lib.exports" | sed "s|^|$(echo "$user" | names) |"
	done | sort >"$TMPD/unres.want"
	run_diff "$M1" "$M2"
	section "symbols newly unresolved" | sort >"$TMPD/unres.got"
	check "mii removed, no kernel symbols: its users' symbols newly unresolved, as kmod's modversions tell ($(wc -l <"$TMPD/unres.want"))" \
		eval 'test "$rc" -eq 1 -a -s "$TMPD/unres.want" && cmp -s "$TMPD/unres.want" "$TMPD/unres.got"'
else
	not_ok "no $SYMVERS (linux-headers): the unresolved-symbol check cannot be made"
fi

# ---- index sets: kmod 30's post-order files and the same entries in pre-order ----
INDEX_TOOL=${INDEX_TOOL:-$top_builddir/testsuite/index-tool}
[ -x "$INDEX_TOOL" ] || bail_out "index-tool not built: $INDEX_TOOL"
I1=$TMPD/index1 I2=$TMPD/index2 I3=$TMPD/index3
mkdir -p "$I1" "$I2" "$I3"
cp "$SRC"/modules.*.bin "$I1/"
n_bin=0
for f in "$I1"/*.bin; do
	"$INDEX_TOOL" rebuild -P "$f" "$I2/${f##*/}" || bail_out "index-tool rebuild -P $f failed"
	cmp -s "$f" "$I2/${f##*/}" || n_bin=$((n_bin + 1))
done
check "the pre-order index files differ from the post-order ones ($n_bin)" test "$n_bin" -ge 3
run_diff "$I1" "$I2"
check "index sets, post-order against pre-order: exit 0, no output" \
	test "$rc" -eq 0 -a ! -s "$TMPD/out" -a ! -s "$TMPD/err"
# mydepmod's cache (docs/depmod-cache.md) is named like an index file: not read as one
echo 'no index' >"$I2/modules.mykmod-cache.bin"
run_diff "$I1" "$I2"
check "an index set with mydepmod's cache in it: the cache is left out, exit 0" \
	test "$rc" -eq 0 -a ! -s "$TMPD/out" -a ! -s "$TMPD/err"
rm "$I2/modules.mykmod-cache.bin"
cp "$I2"/*.bin "$I3/"
"$INDEX_TOOL" list "$I1/modules.alias.bin" >"$TMPD/alias.list"
awk 'NR % 500 == 7' "$TMPD/alias.list" >"$TMPD/alias.gone"
grep -vxF -f "$TMPD/alias.gone" "$TMPD/alias.list" |
	"$INDEX_TOOL" build -P "$I3/modules.alias.bin" || bail_out "index-tool build failed"
awk -F '\t' '{ print "modules.alias.bin " $1 " " $3 }' "$TMPD/alias.gone" | sort -u \
	>"$TMPD/index.want"
run_diff "$I1" "$I3"
section "index entries removed" | sort >"$TMPD/index.got"
check "index set with $(wc -l <"$TMPD/alias.gone") alias entries left out: exit 1, those entries" \
	eval 'test "$rc" -eq 1 && cmp -s "$TMPD/index.want" "$TMPD/index.got" &&
	test -z "$(section "index entries added")"'
jcheck "index set with alias entries left out" "sorted(d['indexes']['modules.alias.bin']['removed'])
	== [l.split(' ', 1)[1] for l in open('$TMPD/index.want').read().splitlines()]
	and list(d['indexes']) == ['modules.alias.bin']"
run_diff "$I1" "$SRC"
check "index set against the Debian module directory it was copied from: exit 0" test "$rc" -eq 0
echo garbage >"$I3/modules.symbols.bin"
trouble "an index set with a file that is no index" "$I1" "$I3"
check "an index file that is no index: named" grep -qF "modules.symbols.bin" "$TMPD/err"

done_testing
