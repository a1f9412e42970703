#!/bin/bash
# PKCS#7 module signatures of the shapes the Debian tree does not have, made with
# openssl and appended by testsuite/elfgen: mymodinfo against kmod's modinfo (stdout,
# stderr, exit status). Debian's signing key has a short positive serial number, a
# commonName and no attributes, so test-modinfo.sh never sees a serial with its top
# bit set (DER keeps a leading zero byte, kmod does not print it), a negative or
# zero serial, an issuer without commonName (kmod takes its last attribute) or with
# it first, other hashes (each digest OID lib/signature.c tells by its bytes but
# sm3, which this openssl cannot sign with), or signed attributes (another shape
# than sign-file's).
. "$top_srcdir/testsuite/tap.sh"
tap_tmpdir
MY=$TOOLS/mymodinfo
KMOD=/usr/sbin/modinfo
ELFGEN=$top_builddir/testsuite/elfgen
[ -x "$MY" ] || bail_out "mymodinfo not built"
[ -x "$ELFGEN" ] || bail_out "elfgen not built"
[ -x "$KMOD" ] || bail_out "kmod's modinfo not installed"
command -v openssl >/dev/null || bail_out "openssl is not installed"
cd "$TMPD" || bail_out "no $TMPD"

"$ELFGEN" -o base.ko --modinfo name=sigtest --modinfo license=GPL ||
	bail_out "elfgen failed"

# signed NAME SERIAL SUBJECT CMS-OPTIONS...: NAME.ko, signed by a new key whose
# certificate has SERIAL and SUBJECT (also its issuer: it is self-signed)
signed() {
	local name=$1 serial=$2 subj=$3
	shift 3
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.crt" \
		-subj "$subj" -set_serial "$serial" -days 1 2>"$name.err" &&
		openssl cms -sign -in base.ko -binary -outform DER -nocerts \
			-signer "$name.crt" -inkey "$name.key" -out "$name.p7" "$@" \
			2>>"$name.err" &&
		"$ELFGEN" -o "$name.ko" --modinfo name=sigtest --modinfo license=GPL \
			--sign "$name.p7"
}

# same DESCRIPTION ARGS...: both modinfo, same output, errors and status; some output
same() {
	local desc=$1 f bad=
	shift
	"$KMOD" "$@" >kmod.out 2>kmod.err
	echo $? >kmod.rc
	"$MY" "$@" >my.out 2>my.err
	echo $? >my.rc
	sed -i 's/^mymodinfo: /modinfo: /' my.err
	for f in out err rc; do
		cmp -s "kmod.$f" "my.$f" || bad="$bad $f"
	done
	if [ -z "$bad" ] && [ -s my.out ]; then
		ok "$desc"
	else
		not_ok "$desc: differs in${bad:- nothing, but prints nothing}"
		for f in out err rc; do
			diff "kmod.$f" "my.$f" | head -8 | diag
		done
	fi
}

# name serial subject options: each a shape the kernel's sign-file could be given
while read -r name serial subj opts; do
	if signed "$name" "$serial" "$subj" $opts; then
		same "$name: serial $serial, issuer $subj, $opts" "$name.ko"
		same "$name: -F sig_key" -F sig_key "$name.ko"
	else
		not_ok "$name: could not make the signed module"
		diag <"$name.err"
	fi
done <<'EOF'
topbit 0x8000000000000001 /CN=topbit -noattr -md sha256
topbit-short 0x80 /CN=short -noattr -md sha256
zero-serial 0 /CN=zero -noattr -md sha384
negative -5 /CN=negative -noattr -md sha256
no-cn 7 /O=Org/OU=Unit -noattr -md sha512
cn-first 9 /CN=First/O=Org -noattr -md sha1
sha224 0x123456 /CN=sha224 -noattr -md sha224
attributes 0x8001 /CN=attrs -md sha256
md5 0x55 /CN=md5 -noattr -md md5
rmd160 0x56 /CN=rmd160 -noattr -md ripemd160
md4 0x57 /CN=md4 -noattr -md md4 -provider legacy -provider default
EOF

done_testing
