// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The information list of one module (lib/modinfo.h). The strings of a list live
 * in one pool: offsets while the list is built, pointers once list_finish() has run
 * (the pool may move while it grows).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "builtin.h"
#include "modfile.h"
#include "modinfo.h"
#include "util.h"

void modinfo_list_release(struct modinfo_list *l)
{
	free(l->v);
	strbuf_release(&l->pool);
	memset(l, 0, sizeof(*l));
}

static int list_add(struct modinfo_list *l, const char *key, size_t keylen,
		    const char *value, size_t valuelen)
{
	struct modinfo_field *it;
	int r;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 32;
		struct modinfo_field *nv = realloc(l->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return -ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	it = &l->v[l->n];
	it->key_off = l->pool.used;
	r = strbuf_push(&l->pool, key, keylen);
	if (r == 0)
		r = strbuf_pushchar(&l->pool, '\0');
	it->value_off = l->pool.used;
	if (r == 0)
		r = strbuf_push(&l->pool, value, valuelen);
	if (r == 0)
		r = strbuf_pushchar(&l->pool, '\0');
	if (r < 0)
		return r;
	l->n++;
	return 0;
}

/* Turn the offsets into pointers: call once every field has been added. */
static int list_finish(struct modinfo_list *l)
{
	const char *base = strbuf_str(&l->pool);

	if (base == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		l->v[i].key = base + l->v[i].key_off;
		l->v[i].value = base + l->v[i].value_off;
	}
	return 0;
}

/* "key=value" (split at the first '='; no '=' gives an empty value) */
static int list_add_record(struct modinfo_list *l, const char *rec)
{
	const char *eq = strchr(rec, '=');

	if (eq == NULL)
		return list_add(l, rec, strlen(rec), "", 0);
	return list_add(l, rec, (size_t)(eq - rec), eq + 1, strlen(eq + 1));
}

/* Uppercase XX:XX:..., with "\n\t\t" after every 20 bytes, as kmod formats it. */
static int list_add_hex(struct modinfo_list *l, const char *key, const uint8_t *data,
			size_t len)
{
	static const char digits[] = "0123456789ABCDEF";
	_cleanup_free_ char *s = NULL;
	size_t size, j = 0;

	/* "XX:" per byte, "\n\t\t" per 20 bytes, a NUL */
	if (umulsz_overflow(len, 5, &size) || uaddsz_overflow(size, 1, &size))
		return -ENOMEM;
	s = malloc(size);
	if (s == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		s[j++] = digits[data[i] >> 4];
		s[j++] = digits[data[i] & 15];
		if (i + 1 < len) {
			s[j++] = ':';
			if ((i + 1) % 20 == 0) {
				memcpy(s + j, "\n\t\t", 3);
				j += 3;
			}
		}
	}
	s[j] = '\0';
	return list_add(l, key, strlen(key), s, j);
}

/*
 * The error kmod reports: a missing .modinfo is ENOENT; a bad compressed stream is
 * EINVAL, except that kmod's zstd reader returns what it decoded of a truncated
 * stream, which then is no ELF file: ENOEXEC.
 */
static int kmod_errno(const char *path, const struct modfile *mf, int r)
{
	enum mk_compression c = MK_COMPRESSION_NONE;

	if (r == -ENODATA)
		return -ENOENT;
	if (r != -EBADMSG && r != -EPIPE)
		return r;
	if (mf)
		c = modfile_compression(mf);
	else if (mk_compression_of_file(path, &c) < 0)
		c = MK_COMPRESSION_NONE;
	return c == MK_COMPRESSION_ZSTD && r == -EPIPE ? -ENOEXEC : -EINVAL;
}

static const char *const sig_keys[] = { "sig_id", "signer", "sig_key", "sig_hashalgo",
					"signature" };

bool modinfo_is_sig_key(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(sig_keys); i++)
		if (streq(key, sig_keys[i]))
			return true;
	return false;
}

/* The signature's fields, keyed by sig_keys[] in that order. */
static int list_add_sig(struct modinfo_list *l, const struct modsig *sig)
{
	int r = list_add(l, sig_keys[0], strlen(sig_keys[0]), sig->id_type,
			 strlen(sig->id_type));

	if (r == 0)
		r = list_add(l, sig_keys[1], strlen(sig_keys[1]),
			     (const char *)sig->signer,
			     strnlen((const char *)sig->signer, sig->signer_len));
	if (r == 0)
		r = list_add_hex(l, sig_keys[2], sig->key_id, sig->key_id_len);
	if (r == 0)
		r = list_add(l, sig_keys[3], strlen(sig_keys[3]), sig->hash_algo,
			     strlen(sig->hash_algo));
	if (r == 0)
		r = list_add_hex(l, sig_keys[4], sig->sig, sig->sig_len);
	return r;
}

int modinfo_from_file(const char *path, int64_t size, bool want_sig,
		      struct modinfo_list *l)
{
	struct modfile *mf;
	const struct modinfo_entry *e;
	struct modsig sig;
	size_t n;
	int r;

	r = modfile_open_at_size(AT_FDCWD, path, size, &mf);
	if (r < 0)
		return kmod_errno(path, NULL, r);
	r = modfile_get_modinfo(mf, &e, &n);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = list_add(l, e[i].key, e[i].keylen, e[i].value, e[i].valuelen);
	if (r == 0 && want_sig && modfile_get_signature(mf, &sig) == 0)
		r = list_add_sig(l, &sig);
	r = kmod_errno(path, mf, r);
	modfile_free(mf);
	return r < 0 ? r : list_finish(l);
}

int modinfo_from_builtin(const char *dirname, const char *name, struct modinfo_list *l)
{
	_cleanup_close_ int dfd = open(dirname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ const char **strs = NULL;
	size_t n;
	int r;

	if (dfd < 0)
		return -errno;
	r = builtin_modinfo_get(dfd, "modules.builtin.modinfo", name, &buf, &strs, &n);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = list_add_record(l, strs[i]);
	return r < 0 ? r : list_finish(l);
}

/* ---- parameters ---- */

bool modinfo_is_param_key(const char *key)
{
	return streq(key, "parm") || streq(key, "parmtype");
}

void modinfo_params_free(struct modinfo_param *p)
{
	while (p) {
		struct modinfo_param *next = p->next;

		free(p);
		p = next;
	}
}

static int param_add(struct modinfo_param **list, const char *key, const char *value,
		     const struct mk_log *log)
{
	const char *colon = strchr(value, ':');
	int namelen;
	struct modinfo_param *it;

	if (colon == NULL) {
		mk_log(log, LOG_ERR, "Found invalid \"%s=%s\": missing ':'\n", key,
		       value);
		return 0;
	}
	namelen = (int)(colon - value);
	for (it = *list; it; it = it->next)
		if (it->namelen == namelen &&
		    memcmp(it->name, value, (size_t)namelen) == 0)
			break;
	if (it == NULL) {
		it = calloc(1, sizeof(*it));
		if (it == NULL)
			return -ENOMEM;
		it->next = *list;
		*list = it;
	}
	it->name = value;
	it->namelen = namelen;
	if (streq(key, "parm")) {
		it->desc = colon + 1;
		it->desclen = (int)strlen(colon + 1);
	} else {
		it->type = colon + 1;
		it->typelen = (int)strlen(colon + 1);
	}
	return 0;
}

int modinfo_params_collect(const struct modinfo_list *l, const struct mk_log *log,
			   struct modinfo_param **out)
{
	struct modinfo_param *params = NULL;

	for (size_t i = 0; i < l->n; i++) {
		int r;

		if (!modinfo_is_param_key(l->v[i].key))
			continue;
		r = param_add(&params, l->v[i].key, l->v[i].value, log);
		if (r < 0) {
			modinfo_params_free(params);
			*out = NULL;
			return r;
		}
	}
	*out = params;
	return 0;
}
