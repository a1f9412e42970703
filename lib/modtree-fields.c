// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "modtree-fields.h"
#include "strbuf.h"

/* Fields as offsets into one string buffer until they are copied out. */
struct fbuild {
	struct strbuf s;
	size_t (*off)[2];
	size_t n, cap;
};

static int fb_add(struct fbuild *b, const char *key, size_t keylen, const char *value,
		  size_t valuelen)
{
	size_t k = b->s.used;

	if (ARRAY_GROW(b->off, b->n, b->cap, 32) < 0)
		return -ENOMEM;
	if (strbuf_push(&b->s, key, keylen) < 0 || strbuf_pushchar(&b->s, '\0') < 0 ||
	    strbuf_push(&b->s, value, valuelen) < 0 || strbuf_pushchar(&b->s, '\0') < 0)
		return -ENOMEM;
	b->off[b->n][0] = k;
	b->off[b->n][1] = k + keylen + 1;
	b->n++;
	return 0;
}

static bool key_is(const struct modinfo_entry *e, const char *key)
{
	return e->keylen == strlen(key) && memcmp(e->key, key, e->keylen) == 0;
}

/* The last "NAME:..." of @key for parameter @name (@nl bytes), after the ':'. */
static const char *param_part(const struct modinfo_entry *e, size_t n_e, const char *key,
			      const char *name, size_t nl)
{
	const char *found = NULL;

	for (size_t i = 0; i < n_e; i++)
		if (key_is(&e[i], key) && strncmp(e[i].value, name, nl) == 0 &&
		    e[i].value[nl] == ':')
			found = e[i].value + nl + 1;
	return found;
}

/* Whether parameter @name (@nl bytes) came in an earlier entry than @upto. */
static bool param_seen(const struct modinfo_entry *e, size_t upto, const char *name,
		       size_t nl)
{
	for (size_t i = 0; i < upto; i++)
		if ((key_is(&e[i], "parm") || key_is(&e[i], "parmtype")) &&
		    strncmp(e[i].value, name, nl) == 0 && e[i].value[nl] == ':')
			return true;
	return false;
}

/* One "parm" field per parameter name, in modinfo's words (tools/mymodinfo.c). */
static int add_params(struct fbuild *b, const struct modinfo_entry *e, size_t n_e)
{
	struct strbuf v = STRBUF_INIT;
	int r = 0;

	for (size_t i = 0; i < n_e && r == 0; i++) {
		const char *name = e[i].value, *colon, *desc, *type;
		size_t nl;

		if (!key_is(&e[i], "parm") && !key_is(&e[i], "parmtype"))
			continue;
		colon = strchr(name, ':');
		if (colon == NULL) /* kmod skips those too */
			continue;
		nl = (size_t)(colon - name);
		if (param_seen(e, i, name, nl))
			continue;
		desc = param_part(e, n_e, "parm", name, nl);
		type = param_part(e, n_e, "parmtype", name, nl);
		strbuf_clear(&v);
		if (desc == NULL)
			r = strbuf_printf(&v, "%.*s: (%s)", (int)nl, name, type);
		else if (type != NULL)
			r = strbuf_printf(&v, "%.*s:%s (%s)", (int)nl, name, desc, type);
		else
			r = strbuf_printf(&v, "%.*s:%s", (int)nl, name, desc);
		if (r == 0)
			r = fb_add(b, "parm", 4, v.buf, v.used);
	}
	strbuf_release(&v);
	return r;
}

static int fb_collect(struct fbuild *b, const struct modinfo_entry *e, size_t n_e,
		      const struct modtree_sig *sig)
{
	int r = 0;

	for (size_t i = 0; i < n_e && r == 0; i++) {
		if (key_is(&e[i], "parm") || key_is(&e[i], "parmtype") ||
		    key_is(&e[i], "depends"))
			continue;
		r = fb_add(b, e[i].key, e[i].keylen, e[i].value, strlen(e[i].value));
	}
	if (r == 0)
		r = add_params(b, e, n_e);
	if (r == 0 && sig != NULL && sig->signer != NULL)
		r = fb_add(b, "signer", 6, sig->signer, sig->signer_len);
	if (r == 0 && sig != NULL && sig->hashalgo != NULL)
		r = fb_add(b, "sig_hashalgo", 12, sig->hashalgo, strlen(sig->hashalgo));
	return r;
}

static int cmp_field(const void *a, const void *b)
{
	const struct modtree_field *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->value, y->value);
}

/* Copy into one block, sorted, without repeats. */
static int fb_finish(struct fbuild *b, struct modtree_field **out, size_t *n)
{
	struct modtree_field *v;
	size_t head, total, w = 0;
	char *strs;

	*out = NULL;
	*n = 0;
	if (b->n == 0)
		return 0;
	if (umulsz_overflow(b->n, sizeof(*v), &head) ||
	    uaddsz_overflow(head, b->s.used, &total))
		return -ENOMEM;
	v = malloc(total);
	if (v == NULL)
		return -ENOMEM;
	strs = (char *)v + head;
	memcpy(strs, b->s.buf, b->s.used);
	for (size_t i = 0; i < b->n; i++)
		v[i] = (struct modtree_field){ strs + b->off[i][0], strs + b->off[i][1] };
	qsort(v, b->n, sizeof(*v), cmp_field);
	for (size_t i = 0; i < b->n; i++)
		if (w == 0 || cmp_field(&v[w - 1], &v[i]) != 0)
			v[w++] = v[i];
	*out = v;
	*n = w;
	return 0;
}

int modtree_fields_build(const struct modinfo_entry *e, size_t n_e,
			 const struct modtree_sig *sig, struct modtree_field **out,
			 size_t *n)
{
	struct fbuild b = { .s = STRBUF_INIT };
	int r = fb_collect(&b, e, n_e, sig);

	if (r == 0)
		r = fb_finish(&b, out, n);
	strbuf_release(&b.s);
	free(b.off);
	return r;
}
