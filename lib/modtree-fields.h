/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fields of one module that mykmod diff compares, made from its key/value
 * pairs (.modinfo, or its records in modules.builtin.modinfo) and its signature:
 * every .modinfo key but parm, parmtype and depends (the dependencies compared
 * are depmod's, lib/modtree.h); "parm" once per parameter, merged from parm= and
 * parmtype= and written as `modinfo -F parm` prints it; "signer" and
 * "sig_hashalgo" of a signed module. Sorted by key, then value, without repeats.
 */
#pragma once

#include <stddef.h>

#include "modfile.h"
#include "util.h"

struct modtree_field {
	const char *key;
	const char *value;
};

/* @signer and @hashalgo: NULL when unsigned (the signer need not be terminated). */
struct modtree_sig {
	const char *signer;
	size_t signer_len;
	const char *hashalgo;
};

/*
 * *@out: one block, the strings inside it (NULL when @n is 0): from @kept, or
 * when it is NULL malloc'd and the caller's to free. 0 or -ENOMEM.
 */
struct hugeshare;
int modtree_fields_build(const struct modinfo_entry *e, size_t n_e,
			 const struct modtree_sig *sig, struct hugeshare *kept,
			 struct modtree_field **out, size_t *n) _must_check_;
