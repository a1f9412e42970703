// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#if ENABLE_LIBCRYPTO
#include <openssl/bn.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#endif

#include "signature.h"

#if ENABLE_LIBCRYPTO
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
	PKCS7_free(p->priv);
	free(p->key_id);
	free(p);
}
#else
int modsig_pkcs7_parse(const uint8_t *der, size_t len, struct modsig_pkcs7 **out)
{
	struct modsig_pkcs7 *res = calloc(1, sizeof(*res));

	(void)der;
	(void)len;
	if (res == NULL)
		return -ENOMEM;
	res->hash_algo = "unknown";
	*out = res;
	return 0;
}

void modsig_pkcs7_free(struct modsig_pkcs7 *p)
{
	free(p);
}
#endif
