#!/bin/bash
# Unit tests of the module reader (lib/modfile) on fixtures made by testsuite/elfgen:
# what a fixture was built with must be what the reader gives back, for every ELF
# class and byte order, compressed or not, with and without modversions.
. "$top_srcdir/testsuite/tap.sh"
tap_tmpdir
GEN=$top_builddir/testsuite/elfgen
TOOL=$top_builddir/testsuite/modfile-tool
[ -x "$GEN" ] && [ -x "$TOOL" ] || bail_out "elfgen or modfile-tool not built"

# expect DESCRIPTION FILE WHAT EXPECTED-LINES...: modfile-tool FILE WHAT prints them,
# and exits 1 when they report an error ("error: ..."), 0 otherwise
expect() {
	local desc=$1 file=$2 what=$3 rc want_rc=0
	shift 3
	: > "$TMPD/want"
	[ $# -eq 0 ] || printf '%s\n' "$@" > "$TMPD/want"
	grep -q '^error: ' "$TMPD/want" && want_rc=1
	"$TOOL" "$file" "$what" > "$TMPD/raw"
	rc=$?
	grep -v '^compression ' "$TMPD/raw" > "$TMPD/got"
	if [ $rc -eq $want_rc ] && cmp -s "$TMPD/want" "$TMPD/got"; then
		ok "$desc"
	else
		not_ok "$desc (exit $rc, want $want_rc)"
		diff "$TMPD/want" "$TMPD/got" | diag
	fi
}

for machine in "x86_64" "i386" "ppc64" "s390x" "arm"; do
	f=$TMPD/m-$machine.ko
	"$GEN" -o "$f" --machine "$machine" \
		--modinfo 'alias=pci:v00001234d*sv*sd*bc*sc*i*' --modinfo 'license=GPL' \
		--modinfo 'noequals' --modinfo 'depends=base,other' --modinfo 'name=m' \
		--export alpha:0x11112222 --export beta:0xdeadbeef \
		--need gamma:0x33334444 --weak delta --need epsilon \
		--version module_layout:0x55556666 --version gamma:0x77778888 ||
		bail_out "elfgen failed for $machine"
	desc="$machine ($(readelf -h "$f" | awk -F: '/Class|Data/ {gsub(/^ +/, "", $2); printf "%s ", $2}'))"
	expect "$desc: .modinfo in order, split at the first '='" "$f" modinfo \
		'modinfo alias=pci:v00001234d*sv*sd*bc*sc*i*' 'modinfo license=GPL' \
		'modinfo noequals=' 'modinfo depends=base,other' 'modinfo name=m'
	# the binding the reader reports is the symbol table's, as readelf shows it
	b=$(readelf -s -W "$f" | awk '$8 == "__crc_alpha" {print substr($5, 1, 1)}')
	expect "$desc: exports from __crc_ symbols with their CRCs" "$f" exports \
		"exports $b 0x11112222 alpha" "exports $b 0xdeadbeef beta"
	# UNDEF symbols in symtab order with the CRC of their first __versions entry,
	# then the __versions entries nothing referenced (module_layout)
	expect "$desc: needs with CRCs, weak binding, unreferenced __versions last" "$f" needs \
		'needs U 0x33334444 gamma' 'needs W 0x00000000 delta' 'needs U 0x00000000 epsilon' \
		'needs U 0x55556666 module_layout' 'needs U 0x77778888 gamma'
done

# a need takes the first __versions entry of its name even where the reader
# guesses the entry after the last one found (lib/modsyms.c): here a later one
f=$TMPD/dupvers.ko
"$GEN" -o "$f" --modinfo 'name=dupvers' --need bsym --need asym \
	--version asym:0x1 --version bsym:0x2 --version asym:0x3 ||
	bail_out "elfgen failed for dupvers.ko"
expect "needs out of __versions order, a name twice: the first entry's CRC" "$f" needs \
	'needs U 0x00000002 bsym' 'needs U 0x00000001 asym' 'needs U 0x00000003 asym'

# no modversions: exports fall back to __ksymtab_strings, CRC 0
f=$TMPD/nocrc.ko
"$GEN" -o "$f" --modinfo 'name=nocrc' --ksymtab-string one --ksymtab-string two --need three
expect "no __crc_ symbols: exports from __ksymtab_strings" "$f" exports \
	'exports G 0x00000000 one' 'exports G 0x00000000 two'
expect "no __versions: needs have CRC 0" "$f" needs 'needs U 0x00000000 three'

# no symbol table at all
f=$TMPD/nosym.ko
"$GEN" -o "$f" --modinfo 'name=nosym' --no-symtab --ksymtab-string lonely
expect "no .symtab: needs are unavailable" "$f" needs 'error: needs: No data available'
expect "no .symtab: exports still come from __ksymtab_strings" "$f" exports \
	'exports G 0x00000000 lonely'

# no .modinfo
f=$TMPD/nomodinfo.ko
"$GEN" -o "$f" --no-modinfo --export x
expect "no .modinfo: reported as missing" "$f" modinfo 'error: modinfo: No data available'

# compressed copies read the same as the plain file
f=$TMPD/m-x86_64.ko
"$TOOL" "$f" all > "$TMPD/plain.raw" || bail_out "modfile-tool $f all failed"
grep -v '^compression' "$TMPD/plain.raw" > "$TMPD/plain"
for c in "xz --check=crc32 --lzma2=dict=1MiB" "zstd -q" "gzip -n"; do
	prog=${c%% *}
	$c -c "$f" > "$TMPD/c.ko.$prog" || bail_out "$c failed"
	"$TOOL" "$TMPD/c.ko.$prog" all > "$TMPD/comp"
	rc1=$?
	# the format comes from the magic bytes: also under a misleading name
	cp "$TMPD/c.ko.$prog" "$TMPD/misnamed.ko"
	"$TOOL" "$TMPD/misnamed.ko" all > "$TMPD/misnamed"
	rc2=$?
	if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ "$(head -1 "$TMPD/comp")" = "compression $prog" ] &&
		diff -q <(grep -v '^compression' "$TMPD/comp") "$TMPD/plain" > /dev/null &&
		cmp -s "$TMPD/comp" "$TMPD/misnamed"; then
		ok "$prog: same content as the plain file, format from the magic"
	else
		not_ok "$prog: content differs from the plain file"
		diff <(grep -v '^compression' "$TMPD/comp") "$TMPD/plain" | diag
		head -1 "$TMPD/comp" "$TMPD/misnamed" | diag
	fi
done

# a decompression bomb: 1025 zstd frames of 1 MiB of zeros each (52 kB in all) decode
# to more than MK_DECOMPRESS_MAX (1 GiB, lib/compress.h). The reader stops at the cap
# with EFBIG; the timeout turns a reader that never stops into a failure
head -c 1048576 /dev/zero | zstd -q -c >"$TMPD/mib.zst" || bail_out "zstd failed"
cp "$TMPD/mib.zst" "$TMPD/bomb"
for i in 1 2 3 4 5 6 7 8 9 10; do
	cat "$TMPD/bomb" "$TMPD/bomb" >"$TMPD/bomb2" && mv "$TMPD/bomb2" "$TMPD/bomb"
done
cat "$TMPD/bomb" "$TMPD/mib.zst" >"$TMPD/bomb.ko.zst"
[ "$(stat -c %s "$TMPD/bomb.ko.zst")" -eq $((1025 * $(stat -c %s "$TMPD/mib.zst"))) ] ||
	bail_out "the bomb is not 1025 frames"
rm -f "$TMPD/bomb"
out=$(timeout 120 "$TOOL" "$TMPD/bomb.ko.zst" modinfo)
rc=$?
check "a zstd stream that decodes to 1025 MiB is refused: EFBIG (exit $rc: $out)" \
	test $rc -eq 1 -a "$out" = "error: open: File too large"

# signatures: legacy id type raw, with the hash from the kernel's table
head -c 256 /dev/urandom > "$TMPD/sigbytes"
f=$TMPD/signed.ko
"$GEN" -o "$f" --modinfo 'name=signed' --sign-legacy "Test signer:0a0b0c:4:$TMPD/sigbytes"
expect "legacy X.509 signature: signer, key id, hash, length" "$f" signature \
	'signature X509 sha256' "signer $(printf 'Test signer' | od -An -tx1 | tr -d ' \n')" \
	'key_id 0a0b0c' 'sig_len 256'

# force-loading copies: __versions loses SHF_ALLOC, vermagic= disappears
f=$TMPD/forced.ko
"$GEN" -o "$f" --modinfo 'name=forced' --modinfo 'vermagic=6.1.0 SMP mod_unload' --need x:0x1
expect "strip: vermagic blanked, result still a module" "$f" strip 'strip ok'
"$GEN" -o "$TMPD/novermagic.ko" --modinfo 'name=nv' --need x:0x1
# ENODATA is not an error of the tool: it prints no strip line and exits 0
expect 'strip without a vermagic= string does nothing (ENODATA)' "$TMPD/novermagic.ko" strip

# mydepmod's readers open each plain file of up to 2 MiB in one room, where the
# file before left its bytes (lib/modfile.h, modfile_open_budget()): each file,
# big then small then over 2 MiB (malloc'd), must read as it reads alone
i=0
room_files=()
for spec in "1500000 120" "40000 5" "700000 60" "2500000 30" "100000 200" "36000 1"; do
	read -r text n <<< "$spec"
	f=$TMPD/room$i.ko
	args=(--text-size "$text" --modinfo "name=room$i" --modinfo "alias=pci:v0000000${i}d*"
		--modinfo "description=module $i of the room test")
	for k in $(seq "$n"); do
		args+=(--export "room${i}_sym$k" --need "dep${i}_$k:0x$((1000 + k))")
	done
	"$GEN" -o "$f" "${args[@]}" || bail_out "elfgen $f failed"
	room_files+=("$f")
	i=$((i + 1))
done
: > "$TMPD/alone"
for f in "${room_files[@]}" "${room_files[0]}"; do
	echo "file $f" >> "$TMPD/alone"
	"$TOOL" "$f" all >> "$TMPD/alone"
done
"$TOOL" --room "${room_files[@]}" "${room_files[0]}" > "$TMPD/room"
rc=$?
sizes=$(stat -c %s "${room_files[@]}" | tr '\n' ' ')
if [ $rc -eq 0 ] && cmp -s "$TMPD/alone" "$TMPD/room" &&
	[ "$(grep -c '^exports ' "$TMPD/room")" -eq $((2 * 120 + 5 + 60 + 30 + 200 + 1)) ]; then
	ok "files read one after another in one room read as alone (sizes: $sizes)"
else
	not_ok "files read in one room differ from the same files read alone (exit $rc)"
	diff "$TMPD/alone" "$TMPD/room" | head -20 | diag
fi

done_testing
