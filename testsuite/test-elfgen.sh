#!/bin/bash
# elfgen self-test: its modules must be read correctly by binutils' readelf and by
# Debian's kmod 30 (modinfo, modprobe --show-exports / --show-modversions).
. "${top_srcdir:-$(dirname "$0")/..}/testsuite/tap.sh"

ELFGEN=$top_builddir/testsuite/elfgen
MODINFO=/usr/sbin/modinfo
MODPROBE=/usr/sbin/modprobe
[ -x "$ELFGEN" ] || bail_out "no $ELFGEN (make check builds it)"
[ -x "$MODINFO" ] && [ -x "$MODPROBE" ] || bail_out "kmod oracle missing"
command -v readelf >/dev/null || bail_out "readelf missing"
tap_tmpdir
cd "$TMPD" || bail_out "cd"

# same TEXT as expected (with a diff in the log on failure)
same() {
	local desc=$1 got=$2 want=$3
	if [ "$got" == "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "expected:" "$want" "got:" "$got"
	fi
}

# readelf_has DESC yes|no PATTERN READELF-ARGS...: readelf succeeds, and its output
# matches (yes) or does not match (no) the extended regex PATTERN
readelf_has() {
	local desc=$1 want=$2 pat=$3 out got=no
	shift 3
	if ! out=$(readelf "$@" 2>&1); then
		not_ok "$desc: readelf $* failed"
		diag "$out"
		return
	fi
	grep -qE -- "$pat" <<<"$out" && got=yes
	check "$desc" test $got = "$want"
}

# offset of section $2 in file $1 (readelf -S -W)
section_offset() {
	local hex
	hex=$(readelf -S -W "$1" | sed 's/^ *\[ *[0-9]*\] *//' | awk -v s="$2" '$1 == s { print $4 }')
	[ -n "$hex" ] && echo $((16#$hex))
}

# name stored in .gnu.linkonce.this_module at offset $2
this_module_name() {
	local off
	off=$(section_offset "$1" .gnu.linkonce.this_module)
	[ -n "$off" ] || return 1
	dd if="$1" bs=1 skip=$((off + $2)) count=56 status=none | tr -d '\0'
}

modinfo_args=(--modinfo name=mod_gen --modinfo license=GPL
	--modinfo 'description=a test module, with spaces'
	--modinfo vermagic='6.1.0-test SMP preempt mod_unload modversions '
	--modinfo depends=dep_a,dep_b --modinfo 'alias=pci:v00001234d*sv*'
	--modinfo alias=second-alias --modinfo 'softdep=pre: pre_x post: post_y'
	--modinfo 'parm=debug:debug level' --modinfo parmtype=debug:int
	--modinfo intree=Y)

# machine [options]: expected class, byte order
for spec in "x86_64:ELF64:little" "i386:ELF32:little" "ppc64:ELF64:big" "ppc:ELF32:big" \
	"s390x:ELF64:big" "aarch64:ELF64:little" "x86_64 --class 32:ELF32:little" \
	"x86_64 --endian big:ELF64:big" "ppc64 --endian little:ELF64:little"; do
	IFS=: read -r variant want_class want_data <<<"$spec"
	want_data="$want_data endian"
	[ $want_class = ELF64 ] && off=24 || off=12
	set -- $variant
	mach=$1
	shift
	f=gen-$mach${1:+-${2}}.ko
	"$ELFGEN" -o "$f" --machine "$mach" "$@" "${modinfo_args[@]}" \
		--export exp_one:0x1234abcd --export exp_two --need printk:0xdeadbeef \
		--weak weak_sym --need plain_need --version module_layout:0x0badf00d ||
		{ not_ok "$variant: elfgen ran"; continue; }

	h=$(readelf -h "$f" 2>&1)
	check "$variant: readelf: $want_class, $want_data, REL" \
		eval 'grep -q "Class: *$want_class" <<<"$h" && grep -q "$want_data" <<<"$h" && grep -q "Type: *REL" <<<"$h"'
	readelf -a -W "$f" >/dev/null 2>"$f.warnings"
	rc=$?
	check "$variant: readelf -a succeeds (exit $rc) without warnings" \
		test $rc -eq 0 -a ! -s "$f.warnings"
	syms=$(readelf -s -W "$f" | awk 'NR > 3 && $8 != "" { print $5, $7, $8 }')
	same "$variant: symbols (binding, section, name)" "$syms" "GLOBAL ABS __crc_exp_one
GLOBAL ABS __crc_exp_two
GLOBAL UND printk
WEAK UND weak_sym
GLOBAL UND plain_need"
	same "$variant: this_module name at offset $off" "$(this_module_name "$f" $off)" mod_gen

	got=$("$MODINFO" "$f" | grep -v '^filename:')
	same "$variant: modinfo shows every field in order" "$got" \
		"name:           mod_gen
license:        GPL
description:    a test module, with spaces
vermagic:       6.1.0-test SMP preempt mod_unload modversions 
depends:        dep_a,dep_b
alias:          pci:v00001234d*sv*
alias:          second-alias
softdep:        pre: pre_x post: post_y
intree:         Y
parm:           debug:debug level (int)"
	same "$variant: modprobe --show-exports" "$("$MODPROBE" --show-exports "$f")" \
		"$(printf '0x1234abcd\texp_one\n0x00000000\texp_two')"
	same "$variant: modprobe --show-modversions" "$("$MODPROBE" --show-modversions "$f")" \
		"$(printf '0xdeadbeef\tprintk\n0x0badf00d\tmodule_layout')"
done

# __ksymtab_strings fallback (no __crc_ symbols)
"$ELFGEN" -o ks.ko --modinfo name=ks --ksymtab-string s_one --ksymtab-string s_two
same "ksymtab strings fallback" "$("$MODPROBE" --show-exports ks.ko)" \
	"$(printf '0x00000000\ts_one\n0x00000000\ts_two')"

# default this_module name from the file name
"$ELFGEN" -o my-mod.name.ko
same "this_module name from the file name" "$(this_module_name my-mod.name.ko 24)" my_mod
"$ELFGEN" -o tn.ko --modinfo name=x --this-module-name other
same "--this-module-name" "$(this_module_name tn.ko 24)" other

# omissions
"$ELFGEN" -o nosym.ko --modinfo name=nosym --no-symtab --need x:5
readelf_has "--no-symtab: no .symtab" no '\.symtab' -S -W nosym.ko
check "--no-symtab: modprobe cannot list exports" eval '! "$MODPROBE" --show-exports nosym.ko 2>/dev/null'
same "--no-symtab: __versions still read" "$("$MODPROBE" --show-modversions nosym.ko)" \
	"$(printf '0x00000005\tx')"
"$ELFGEN" -o nomi.ko --no-modinfo
check "--no-modinfo: modinfo fails" eval '! "$MODINFO" nomi.ko >/dev/null 2>&1'
"$ELFGEN" -o nothis.ko --modinfo name=nothis --no-this-module
readelf_has "--no-this-module" no linkonce -S -W nothis.ko
"$ELFGEN" -o big.ko --text-size 100000
readelf_has "--text-size" yes '\.text .* 0186a0 ' -S -W big.ko
"$ELFGEN" -o trunc.ko --modinfo name=t --truncate 100
same "--truncate" "$(stat -c %s trunc.ko)" 100
check "truncated file rejected by modinfo" eval '! "$MODINFO" trunc.ko >/dev/null 2>&1'
"$ELFGEN" -o exec.ko --elf-type exec
readelf_has "--elf-type exec" yes 'Type: *EXEC' -h exec.ko

# bad usage is an error
check "no -o is an error" eval '! "$ELFGEN" 2>/dev/null'
check "bad --class is an error" eval '! "$ELFGEN" -o x.ko --class 16 2>/dev/null'
check "--version without CRC is an error" eval '! "$ELFGEN" -o x.ko --version foo 2>/dev/null'

# signatures
head -c 40 /dev/urandom >sig.bin
"$ELFGEN" -o sl.ko --modinfo name=sl --sign-legacy 'Some Signer:0a1b2c3d:4:sig.bin'
got=$("$MODINFO" -F sig_id sl.ko; "$MODINFO" -F signer sl.ko; "$MODINFO" -F sig_key sl.ko
	"$MODINFO" -F sig_hashalgo sl.ko)
same "legacy signature read by modinfo" "$got" "X509
Some Signer
0A:1B:2C:3D
sha256"
sigbytes=$(od -An -tx1 -v sig.bin | tr -d ' \n' | tr a-f A-F | sed 's/../&:/g; s/:$//')
same "legacy signature bytes" "$("$MODINFO" -F signature sl.ko | tr -d ' \t\n')" "$sigbytes"
if command -v openssl >/dev/null; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem \
		-subj /CN=elfgen-signer -days 1 2>/dev/null
	"$ELFGEN" -o p7.ko --modinfo name=p7
	openssl cms -sign -in p7.ko -binary -outform DER -noattr -md sha256 -signer c.pem \
		-inkey k.pem -nocerts -out p7.der
	"$ELFGEN" -o p7.ko --modinfo name=p7 --sign p7.der
	got=$("$MODINFO" -F sig_id p7.ko; "$MODINFO" -F signer p7.ko
		"$MODINFO" -F sig_hashalgo p7.ko)
	same "PKCS#7 signature read by modinfo" "$got" "PKCS#7
elfgen-signer
sha256"
	check "signed module still has its modinfo" eval '[ "$("$MODINFO" -F name p7.ko)" = p7 ]'
else
	not_ok "openssl missing for the PKCS#7 test"
fi

done_testing
