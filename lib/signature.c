// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#if ENABLE_LIBCRYPTO
#include "dl-crypto.h"
#endif

#include "signature.h"

/* What kmod prints without a crypto library: hash "unknown" and empty fields. */
static int pkcs7_without_crypto(struct modsig_pkcs7 **out)
{
	struct modsig_pkcs7 *res = calloc(1, sizeof(*res));

	if (res == NULL)
		return -ENOMEM;
	res->hash_algo = "unknown";
	*out = res;
	return 0;
}

#if ENABLE_LIBCRYPTO
MK_DL_DEFINE(crypto);

static const char *hash_name(const ASN1_OBJECT *o)
{
	switch (OBJ_obj2nid(o)) {
	case NID_md4:
		return "md4";
	case NID_md5:
		return "md5";
	case NID_sha1:
		return "sha1";
	case NID_ripemd160:
		return "rmd160";
	case NID_sha256:
		return "sha256";
	case NID_sha384:
		return "sha384";
	case NID_sha512:
		return "sha512";
	case NID_sha224:
		return "sha224";
	case NID_sm3:
		return "sm3";
	}
	return "unknown";
}

/* The issuer's commonName (kmod falls back to the last entry when there is none). */
static const ASN1_STRING *issuer_name(const X509_NAME *name)
{
	const X509_NAME_ENTRY *e = NULL;
	int count = X509_NAME_entry_count(name);

	for (int i = 0; i < count; i++) {
		e = X509_NAME_get_entry(name, i);
		if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) == NID_commonName)
			break;
	}
	return e ? X509_NAME_ENTRY_get_data(e) : NULL;
}

/*
 * Fast path for the shape the kernel's sign-file writes: SignedData with no
 * certificates, no CRLs, exactly one SignerInfo without attributes, all in DER.
 * The fields are taken where they lie with libcrypto's ASN1_get_object, instead
 * of decoding the whole structure into objects (which costs as much as the rest
 * of modinfo). Anything else returns 1 and the caller decodes with d2i_PKCS7.
 */
struct tlv {
	const unsigned char *content;
	long len;
	int tag;
	int cls;
	bool constructed;
};

/* The next TLV in [*p, end); definite lengths only. 0, or -1. */
static int tlv_next(const unsigned char **p, const unsigned char *end, struct tlv *t)
{
	const unsigned char *q = *p;
	int r;

	if (q >= end)
		return -1;
	r = ASN1_get_object(&q, &t->len, &t->tag, &t->cls, end - q);
	if ((r & 0x80) || (r & 0x01) || t->len < 0 || t->len > end - q)
		return -1;
	t->content = q;
	t->constructed = r & V_ASN1_CONSTRUCTED;
	*p = q + t->len;
	return 0;
}

static int tlv_expect(const unsigned char **p, const unsigned char *end, int cls, int tag,
		      bool constructed, struct tlv *t)
{
	if (tlv_next(p, end, t) < 0 || t->cls != cls || t->tag != tag ||
	    t->constructed != constructed)
		return -1;
	return 0;
}

#define UNIVERSAL V_ASN1_UNIVERSAL
#define CONTEXT V_ASN1_CONTEXT_SPECIFIC

/*
 * ContentInfo { signedData OID, [0] { SignedData { version, digestAlgorithms,
 * contentInfo, signerInfos } } } with no certificates and no CRLs, and exactly one
 * SignerInfo, into @si. 1 when @der has another shape.
 */
static int only_signer(const uint8_t *der, size_t len, struct tlv *si)
{
	static const unsigned char oid_signed_data[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7,
							 0x0d, 0x01, 0x07, 0x02 };
	const unsigned char *p = der, *end = der + len, *q, *qend, *r, *rend;
	struct tlv t;

	if (tlv_expect(&p, end, UNIVERSAL, V_ASN1_SEQUENCE, true, &t) < 0 || p != end)
		return 1;
	q = t.content;
	qend = q + t.len;
	if (tlv_expect(&q, qend, UNIVERSAL, V_ASN1_OBJECT, false, &t) < 0 ||
	    t.len != sizeof(oid_signed_data) ||
	    memcmp(t.content, oid_signed_data, sizeof(oid_signed_data)) != 0)
		return 1;
	if (tlv_expect(&q, qend, CONTEXT, 0, true, &t) < 0 || q != qend)
		return 1;
	q = t.content;
	qend = q + t.len;
	if (tlv_expect(&q, qend, UNIVERSAL, V_ASN1_SEQUENCE, true, &t) < 0 || q != qend)
		return 1;
	q = t.content;
	qend = q + t.len;
	if (tlv_expect(&q, qend, UNIVERSAL, V_ASN1_INTEGER, false, &t) < 0 ||
	    tlv_expect(&q, qend, UNIVERSAL, V_ASN1_SET, true, &t) < 0 ||
	    tlv_expect(&q, qend, UNIVERSAL, V_ASN1_SEQUENCE, true, &t) < 0)
		return 1;
	/* no certificates, no CRLs: the set of signers comes next and last */
	if (tlv_expect(&q, qend, UNIVERSAL, V_ASN1_SET, true, &t) < 0 || q != qend)
		return 1;
	r = t.content;
	rend = r + t.len;
	if (tlv_expect(&r, rend, UNIVERSAL, V_ASN1_SEQUENCE, true, si) < 0 || r != rend)
		return 1;
	return 0;
}

/*
 * The issuer Name's commonName, else (as kmod) the value of its last attribute,
 * into @cn (NULL when it has none). 1 when @name is not a Name.
 */
static int issuer_cn(const struct tlv *name, const unsigned char **cn, long *cn_len)
{
	static const unsigned char oid_cn[] = { 0x55, 0x04, 0x03 };
	const unsigned char *n = name->content, *nend = name->content + name->len;

	*cn = NULL;
	*cn_len = 0;
	while (n < nend) {
		struct tlv rdn;
		const unsigned char *a, *aend;

		if (tlv_expect(&n, nend, UNIVERSAL, V_ASN1_SET, true, &rdn) < 0)
			return 1;
		a = rdn.content;
		aend = a + rdn.len;
		while (a < aend) {
			struct tlv atv, type, value;
			const unsigned char *v, *vend;

			if (tlv_expect(&a, aend, UNIVERSAL, V_ASN1_SEQUENCE, true, &atv) <
			    0)
				return 1;
			v = atv.content;
			vend = v + atv.len;
			if (tlv_expect(&v, vend, UNIVERSAL, V_ASN1_OBJECT, false, &type) <
				    0 ||
			    tlv_next(&v, vend, &value) < 0 || v != vend ||
			    value.constructed)
				return 1;
			*cn = value.content;
			*cn_len = value.len;
			if (type.len == sizeof(oid_cn) &&
			    memcmp(type.content, oid_cn, sizeof(oid_cn)) == 0)
				return 0;
		}
	}
	return 0;
}

/* The fields sign-file's shape has, found in place; 1 when it is another shape. */
struct fast_fields {
	const unsigned char *serial, *cn, *oid_der, *oid_end;
	long serial_len, cn_len;
	struct tlv sig;
};

/* SignerInfo { version, issuerAndSerial, digestAlg, sigAlg, encryptedDigest } */
static int signer_fields(const struct tlv *si, struct fast_fields *f)
{
	const unsigned char *q = si->content, *qend = si->content + si->len, *r, *rend;
	struct tlv t, name;

	if (tlv_expect(&q, qend, UNIVERSAL, V_ASN1_INTEGER, false, &t) < 0 ||
	    tlv_expect(&q, qend, UNIVERSAL, V_ASN1_SEQUENCE, true, &t) < 0)
		return 1;
	r = t.content;
	rend = r + t.len;
	if (tlv_expect(&r, rend, UNIVERSAL, V_ASN1_SEQUENCE, true, &name) < 0 ||
	    tlv_expect(&r, rend, UNIVERSAL, V_ASN1_INTEGER, false, &t) < 0 || r != rend)
		return 1;
	f->serial = t.content;
	f->serial_len = t.len;
	/* a negative serial number: leave it to the full decoder */
	if (f->serial_len == 0 || (f->serial[0] & 0x80))
		return 1;
	while (f->serial_len > 0 && f->serial[0] == 0) {
		f->serial++;
		f->serial_len--;
	}
	if (issuer_cn(&name, &f->cn, &f->cn_len) != 0)
		return 1;
	/* digestAlgorithm { OID, params } */
	if (tlv_expect(&q, qend, UNIVERSAL, V_ASN1_SEQUENCE, true, &t) < 0)
		return 1;
	r = t.content;
	rend = r + t.len;
	f->oid_der = r;
	if (tlv_expect(&r, rend, UNIVERSAL, V_ASN1_OBJECT, false, &t) < 0)
		return 1;
	f->oid_end = r; /* the OID's own TLV, without the parameters */
	/* no authenticated attributes; the signature algorithm; the signature, last */
	if (tlv_expect(&q, qend, UNIVERSAL, V_ASN1_SEQUENCE, true, &t) < 0 ||
	    tlv_expect(&q, qend, UNIVERSAL, V_ASN1_OCTET_STRING, false, &f->sig) < 0 ||
	    q != qend)
		return 1;
	return 0;
}

/*
 * The DER (tag, length, content) of the digest OIDs hash_name() names, told
 * apart by their bytes: libcrypto's decoding and table lookup of the OID cost
 * more than the rest of the fast parse. Any other OID goes to hash_name().
 */
static const struct {
	const char *der;
	unsigned char len;
	const char *name;
} digest_oids[] = {
	{ "\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01", 11, "sha256" },
	{ "\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x02", 11, "sha384" },
	{ "\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x03", 11, "sha512" },
	{ "\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x04", 11, "sha224" },
	{ "\x06\x05\x2b\x0e\x03\x02\x1a", 7, "sha1" },
	{ "\x06\x08\x2a\x86\x48\x86\xf7\x0d\x02\x04", 10, "md4" },
	{ "\x06\x08\x2a\x86\x48\x86\xf7\x0d\x02\x05", 10, "md5" },
	{ "\x06\x05\x2b\x24\x03\x02\x01", 7, "rmd160" },
	{ "\x06\x08\x2a\x81\x1c\xcf\x55\x01\x83\x11", 10, "sm3" },
};

static const char *digest_name(const unsigned char *der, const unsigned char *end)
{
	ASN1_OBJECT *obj;
	const char *name;

	for (size_t i = 0; i < ARRAY_SIZE(digest_oids); i++)
		if ((size_t)(end - der) == digest_oids[i].len &&
		    memcmp(der, digest_oids[i].der, digest_oids[i].len) == 0)
			return digest_oids[i].name;
	obj = d2i_ASN1_OBJECT(NULL, &der, end - der);
	name = obj ? hash_name(obj) : "unknown";
	ASN1_OBJECT_free(obj);
	return name;
}

static int pkcs7_fast(const uint8_t *der, size_t len, struct modsig_pkcs7 **out)
{
	struct fast_fields f;
	struct modsig_pkcs7 *res;
	struct tlv si;

	if (len > LONG_MAX || only_signer(der, len, &si) != 0 ||
	    signer_fields(&si, &f) != 0)
		return 1;
	res = calloc(1, sizeof(*res));
	if (res == NULL)
		return -ENOMEM;
	res->key_id = malloc(f.serial_len > 0 ? (size_t)f.serial_len : 1);
	if (res->key_id == NULL) {
		free(res);
		return -ENOMEM;
	}
	memcpy(res->key_id, f.serial, (size_t)f.serial_len);
	res->key_id_len = (size_t)f.serial_len;
	res->sig = f.sig.content;
	res->sig_len = (size_t)f.sig.len;
	res->signer = f.cn;
	res->signer_len = f.cn ? (size_t)f.cn_len : 0;
	res->hash_algo = digest_name(f.oid_der, f.oid_end);
	*out = res;
	return 0;
}

int modsig_pkcs7_parse(const uint8_t *der, size_t len, struct modsig_pkcs7 **out)
{
	const unsigned char *p = der;
	STACK_OF(PKCS7_SIGNER_INFO) * sis;
	PKCS7_SIGNER_INFO *si;
	X509_ALGOR *dig_alg = NULL;
	const ASN1_OBJECT *obj = NULL;
	const ASN1_STRING *cn;
	struct modsig_pkcs7 *res;
	BIGNUM *serial;
	PKCS7 *pkcs7;
	int n;

	/* libcrypto is loaded by the first PKCS#7 signature; without it, as without */
	if (mk_dl_crypto_load() < 0)
		return pkcs7_without_crypto(out);
	n = pkcs7_fast(der, len, out);
	if (n <= 0)
		return n;
	if (len > LONG_MAX)
		return -EBADMSG;
	pkcs7 = d2i_PKCS7(NULL, &p, (long)len);
	if (pkcs7 == NULL)
		return -EBADMSG;
	sis = PKCS7_get_signer_info(pkcs7);
	si = sis ? sk_PKCS7_SIGNER_INFO_value(sis, 0) : NULL;
	if (si == NULL || si->issuer_and_serial == NULL || si->enc_digest == NULL)
		goto bad;
	res = calloc(1, sizeof(*res));
	if (res == NULL) {
		PKCS7_free(pkcs7);
		return -ENOMEM;
	}
	res->priv = pkcs7;
	res->sig = ASN1_STRING_get0_data(si->enc_digest);
	res->sig_len = (size_t)ASN1_STRING_length(si->enc_digest);

	serial = ASN1_INTEGER_to_BN(si->issuer_and_serial->serial, NULL);
	if (serial == NULL) {
		modsig_pkcs7_free(res);
		return -EBADMSG;
	}
	n = BN_num_bytes(serial);
	res->key_id = malloc(n > 0 ? (size_t)n : 1);
	if (res->key_id == NULL) {
		BN_free(serial);
		modsig_pkcs7_free(res);
		return -ENOMEM;
	}
	BN_bn2bin(serial, res->key_id);
	res->key_id_len = (size_t)n;
	BN_free(serial);

	cn = issuer_name(si->issuer_and_serial->issuer);
	if (cn) {
		res->signer = ASN1_STRING_get0_data(cn);
		res->signer_len = (size_t)ASN1_STRING_length(cn);
	}
	PKCS7_SIGNER_INFO_get0_algs(si, NULL, &dig_alg, NULL);
	if (dig_alg)
		X509_ALGOR_get0(&obj, NULL, NULL, dig_alg);
	res->hash_algo = obj ? hash_name(obj) : "unknown";
	*out = res;
	return 0;
bad:
	PKCS7_free(pkcs7);
	return -EBADMSG;
}

void modsig_pkcs7_free(struct modsig_pkcs7 *p)
{
	if (p == NULL)
		return;
	/* set only by d2i_PKCS7: libcrypto is loaded then */
	if (p->priv != NULL)
		PKCS7_free(p->priv);
	free(p->key_id);
	free(p);
}
#else
int modsig_pkcs7_parse(const uint8_t *der, size_t len, struct modsig_pkcs7 **out)
{
	(void)der;
	(void)len;
	return pkcs7_without_crypto(out);
}

void modsig_pkcs7_free(struct modsig_pkcs7 *p)
{
	free(p);
}
#endif
