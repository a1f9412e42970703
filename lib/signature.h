/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PKCS#7 module signatures (what the kernel's sign-file appends), read with libcrypto. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct modsig_pkcs7 {
	const char *hash_algo; /* "sha256", ..., or "unknown" */
	const uint8_t *signer; /* issuer commonName */
	size_t signer_len;
	uint8_t *key_id; /* issuer serial number, big-endian */
	size_t key_id_len;
	const uint8_t *sig; /* the encrypted digest */
	size_t sig_len;
	void *priv; /* the parsed PKCS7 the pointers above live in, or NULL when they
		     * point into @der, which must then outlive this */
};

/*
 * Parse DER @der of @len bytes (the result may point into it). Without libcrypto (not
 * built in, or not loadable: lib/dynlib.h) the result holds only hash_algo "unknown"
 * and empty fields, as kmod prints then. Returns 0,
 * -ENOMEM, or -EBADMSG when the blob is not a usable PKCS#7 SignedData.
 */
int modsig_pkcs7_parse(const uint8_t *der, size_t len,
		       struct modsig_pkcs7 **out) _must_check_;
void modsig_pkcs7_free(struct modsig_pkcs7 *p);
