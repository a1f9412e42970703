/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The information list of one module, as kmod 30's modinfo collects it: the
 * key/value fields of a module file (its .modinfo, then the fields of its signature)
 * or of a builtin module (its records in modules.builtin.modinfo), and the
 * parameters merged from the parm= and parmtype= fields. Nothing here prints:
 * tools/mymodinfo.c chooses the fields and prints them, as text or JSON.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"
#include "util.h"

struct mk_log;

struct modinfo_field {
	const char *key;
	const char *value;
	size_t key_off, value_off; /* private: where they are in the pool */
};

/* The fields in order; the strings live in the pool. Zero-initialise before use. */
struct modinfo_list {
	struct modinfo_field *v;
	size_t n, cap;
	struct strbuf pool;
};

void modinfo_list_release(struct modinfo_list *l);

/*
 * The fields of the module file @path: .modinfo in section order, then, with
 * @want_sig and when the file is signed, sig_id, signer, sig_key, sig_hashalgo and
 * signature (the key and the signature in kmod's hex). @size: of the regular file
 * at @path when a stat just said so, else -1.
 * Returns 0 or the error kmod reports: -ENOENT without .modinfo, -EINVAL for a
 * corrupt compressed stream (-ENOEXEC for a truncated zstd one, which kmod then
 * reads as no ELF file), -ENOTSUP for a compression this build cannot read, or what
 * lib/modfile.h gives.
 */
int modinfo_from_file(const char *path, int64_t size, bool want_sig,
		      struct modinfo_list *l) _must_check_;

/*
 * The fields of builtin module @name: its "key=value" records in
 * @dirname/modules.builtin.modinfo (no '=': an empty value). -ENOENT when that
 * file is missing (an old kernel).
 */
int modinfo_from_builtin(const char *dirname, const char *name,
			 struct modinfo_list *l) _must_check_;

/* Whether @key is one of the fields modinfo_from_file() takes from the signature. */
bool modinfo_is_sig_key(const char *key);
/* Whether @key is parm or parmtype, whose fields make the parameters. */
bool modinfo_is_param_key(const char *key);

/*
 * One parameter: "parm=NAME:DESC" and "parmtype=NAME:TYPE" merged by NAME (the last
 * of each wins). The strings are not terminated: use the lengths. They point into
 * the list they were collected from.
 */
struct modinfo_param {
	struct modinfo_param *next;
	const char *name;
	int namelen;
	const char *desc; /* NULL without parm= */
	int desclen;
	const char *type; /* NULL without parmtype= */
	int typelen;
};

/*
 * The parameters of @l, in the reverse order of their names' first appearance (the
 * order kmod prints them in). A field without ':' is reported to @log as kmod
 * does and skipped. 0 or -ENOMEM; *out is
 * NULL when there are none.
 */
int modinfo_params_collect(const struct modinfo_list *l, const struct mk_log *log,
			   struct modinfo_param **out) _must_check_;
void modinfo_params_free(struct modinfo_param *p);
