/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OpenSSL's libcrypto, loaded on demand (lib/dynlib.h): the real header for
 * the types, and each function used mapped to the loaded table. Call
 * mk_dl_crypto_load() before the first use. With --disable-dlopen the names are
 * the linked functions.
 */
#pragma once

#include <openssl/bn.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "dynlib.h"

#define MK_DL_CRYPTO_SYMS(X, s)           \
	X(s, ASN1_INTEGER_to_BN)          \
	X(s, ASN1_OBJECT_free)            \
	X(s, ASN1_STRING_get0_data)       \
	X(s, ASN1_STRING_length)          \
	X(s, ASN1_get_object)             \
	X(s, BN_bn2bin)                   \
	X(s, BN_free)                     \
	X(s, BN_num_bits)                 \
	X(s, OBJ_obj2nid)                 \
	X(s, OPENSSL_sk_value)            \
	X(s, PKCS7_SIGNER_INFO_get0_algs) \
	X(s, PKCS7_free)                  \
	X(s, PKCS7_get_signer_info)       \
	X(s, X509_ALGOR_get0)             \
	X(s, X509_NAME_ENTRY_get_data)    \
	X(s, X509_NAME_ENTRY_get_object)  \
	X(s, X509_NAME_entry_count)       \
	X(s, X509_NAME_get_entry)         \
	X(s, d2i_ASN1_OBJECT)             \
	X(s, d2i_PKCS7)

#if ENABLE_DLOPEN
MK_DL_DECLARE(crypto, MK_LIB_CRYPTO, MK_DL_CRYPTO_SYMS)

#define ASN1_INTEGER_to_BN (mk_dl_crypto.ASN1_INTEGER_to_BN)
#define ASN1_OBJECT_free (mk_dl_crypto.ASN1_OBJECT_free)
#define ASN1_STRING_get0_data (mk_dl_crypto.ASN1_STRING_get0_data)
#define ASN1_STRING_length (mk_dl_crypto.ASN1_STRING_length)
#define ASN1_get_object (mk_dl_crypto.ASN1_get_object)
#define BN_bn2bin (mk_dl_crypto.BN_bn2bin)
#define BN_free (mk_dl_crypto.BN_free)
#define BN_num_bits (mk_dl_crypto.BN_num_bits)
#define OBJ_obj2nid (mk_dl_crypto.OBJ_obj2nid)
#define OPENSSL_sk_value (mk_dl_crypto.OPENSSL_sk_value)
#define PKCS7_SIGNER_INFO_get0_algs (mk_dl_crypto.PKCS7_SIGNER_INFO_get0_algs)
#define PKCS7_free (mk_dl_crypto.PKCS7_free)
#define PKCS7_get_signer_info (mk_dl_crypto.PKCS7_get_signer_info)
#define X509_ALGOR_get0 (mk_dl_crypto.X509_ALGOR_get0)
#define X509_NAME_ENTRY_get_data (mk_dl_crypto.X509_NAME_ENTRY_get_data)
#define X509_NAME_ENTRY_get_object (mk_dl_crypto.X509_NAME_ENTRY_get_object)
#define X509_NAME_entry_count (mk_dl_crypto.X509_NAME_entry_count)
#define X509_NAME_get_entry (mk_dl_crypto.X509_NAME_get_entry)
#define d2i_ASN1_OBJECT (mk_dl_crypto.d2i_ASN1_OBJECT)
#define d2i_PKCS7 (mk_dl_crypto.d2i_PKCS7)
#else
static inline int mk_dl_crypto_load(void)
{
	return 0;
}
#endif
