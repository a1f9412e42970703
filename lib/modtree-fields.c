// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem.h"
#include "modtree-fields.h"
#include "strbuf.h"

/*
 * Fields as offsets into one string buffer until they are copied out. Each key
 * is kept once (@keys): consecutive entries mostly share it, and the sort then
 * tells two keys apart by their offsets, comparing only the values of one key.
 */
struct fbuild {
	struct strbuf s;
	size_t (*off)[2];
	size_t n, cap;
	size_t (*keys)[2]; /* offset, length */
	size_t n_keys, cap_keys;
};

/* The offset of @key (@keylen bytes) in the buffer, added when new; or -ENOMEM. */
static int fb_key(struct fbuild *b, const char *key, size_t keylen, size_t *off)
{
	for (size_t i = b->n_keys; i-- > 0;)
		if (b->keys[i][1] == keylen &&
		    memcmp(b->s.buf + b->keys[i][0], key, keylen) == 0) {
			*off = b->keys[i][0];
			return 0;
		}
	if (ARRAY_GROW(b->keys, b->n_keys, b->cap_keys, 16) < 0 ||
	    strbuf_push(&b->s, key, keylen) < 0 || strbuf_pushchar(&b->s, '\0') < 0)
		return -ENOMEM;
	*off = b->s.used - keylen - 1;
	b->keys[b->n_keys][0] = *off;
	b->keys[b->n_keys][1] = keylen;
	b->n_keys++;
	return 0;
}

static int fb_add(struct fbuild *b, const char *key, size_t keylen, const char *value,
		  size_t valuelen)
{
	size_t k;
	int r;

	if (ARRAY_GROW(b->off, b->n, b->cap, 32) < 0)
		return -ENOMEM;
	r = fb_key(b, key, keylen, &k);
	if (r < 0)
		return r;
	b->off[b->n][0] = k;
	b->off[b->n][1] = b->s.used;
	r = strbuf_push(&b->s, value, valuelen);
	if (r == 0)
		r = strbuf_pushchar(&b->s, '\0');
	if (r < 0)
		return r;
	b->n++;
	return 0;
}

static bool key_is(const struct modinfo_entry *e, const char *key)
{
	return e->keylen == strlen(key) && memcmp(e->key, key, e->keylen) == 0;
}

/* "NAME:DESC (TYPE)" as modinfo -F parm prints it, "NAME: (TYPE)", "NAME:DESC". */
static int param_value(struct strbuf *v, const char *name, size_t nl, const char *desc,
		       const char *type)
{
	int r = strbuf_push(v, name, nl);

	if (r == 0)
		r = strbuf_pushchar(v, ':');
	if (r == 0 && desc != NULL)
		r = strbuf_pushstr(v, desc);
	if (r == 0 && (desc == NULL || type != NULL)) {
		r = strbuf_push(v, " (", 2);
		if (r == 0)
			r = strbuf_pushstr(v, type ? type : "(null)");
		if (r == 0)
			r = strbuf_pushchar(v, ')');
	}
	return r;
}

/* A parm or parmtype entry "NAME:REST", as add_params() groups them. */
struct param_part {
	const char *name;
	size_t nl;
	const char *rest; /* after the ':' */
	size_t order; /* among the entries */
	bool type; /* parmtype */
};

/* By name, then in the entries' order. */
static int cmp_param_part(const void *a, const void *b)
{
	const struct param_part *x = a, *y = b;
	int c = memcmp(x->name, y->name, x->nl < y->nl ? x->nl : y->nl);

	if (c == 0 && x->nl != y->nl)
		c = x->nl < y->nl ? -1 : 1;
	if (c == 0)
		c = x->order < y->order ? -1 : 1;
	return c;
}

/*
 * One "parm" field per parameter name, in modinfo's words (tools/mymodinfo.c),
 * from the parm and parmtype entries with a ':' (@p, indexes into @e): the last
 * description and the last type given for the name.
 */
static int add_params(struct fbuild *b, const struct modinfo_entry *e, const size_t *p,
		      size_t n_p)
{
	_cleanup_free_ struct param_part *v = NULL;
	struct strbuf val = STRBUF_INIT;
	int r = 0;

	if (n_p == 0)
		return 0;
	v = malloc(n_p * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n_p && r == 0; i++) {
		const char *colon = strchr(e[p[i]].value, ':');

		v[i] = (struct param_part){ e[p[i]].value,
					    (size_t)(colon - e[p[i]].value), colon + 1, i,
					    e[p[i]].keylen == 8 };
	}
	if (r == 0 && n_p > 1)
		qsort(v, n_p, sizeof(*v), cmp_param_part);
	for (size_t i = 0, j; i < n_p && r == 0; i = j) {
		const char *desc = NULL, *type = NULL;

		for (j = i; j < n_p && v[j].nl == v[i].nl &&
			    memcmp(v[j].name, v[i].name, v[i].nl) == 0;
		     j++) {
			if (v[j].type)
				type = v[j].rest;
			else
				desc = v[j].rest;
		}
		strbuf_clear(&val);
		r = param_value(&val, v[i].name, v[i].nl, desc, type);
		if (r == 0)
			r = fb_add(b, "parm", 4, val.buf, val.used);
	}
	strbuf_release(&val);
	return r;
}

static int fb_collect(struct fbuild *b, const struct modinfo_entry *e, size_t n_e,
		      const struct modtree_sig *sig)
{
	_cleanup_free_ size_t *p = malloc((n_e ? n_e : 1) * sizeof(*p));
	size_t n_p = 0;
	int r = p ? 0 : -ENOMEM;

	size_t bytes = 64;

	/* room for every field at once (and a signature's two), and their bytes */
	for (size_t i = 0; i < n_e; i++)
		bytes += e[i].keylen + e[i].valuelen + 2;
	if (sig != NULL && sig->signer != NULL)
		bytes += sig->signer_len;
	if (r == 0)
		r = ARRAY_GROW(b->off, 0, b->cap, n_e + 2);
	if (r == 0)
		r = ARRAY_GROW(b->keys, 0, b->cap_keys, n_e + 2);
	if (r == 0)
		r = strbuf_reserve(&b->s, bytes);
	for (size_t i = 0; i < n_e && r == 0; i++) {
		if (key_is(&e[i], "parm") || key_is(&e[i], "parmtype")) {
			/* kmod skips those without a ':' too */
			if (strchr(e[i].value, ':') != NULL)
				p[n_p++] = i;
			continue;
		}
		if (key_is(&e[i], "depends"))
			continue;
		r = fb_add(b, e[i].key, e[i].keylen, e[i].value, e[i].valuelen);
	}
	if (r == 0)
		r = add_params(b, e, p, n_p);
	if (r == 0 && sig != NULL && sig->signer != NULL)
		r = fb_add(b, "signer", 6, sig->signer, sig->signer_len);
	if (r == 0 && sig != NULL && sig->hashalgo != NULL)
		r = fb_add(b, "sig_hashalgo", 12, sig->hashalgo, strlen(sig->hashalgo));
	return r;
}

/* Two keys of one module are the same string when equal (struct fbuild). */
static int cmp_field(const void *a, const void *b)
{
	const struct modtree_field *x = a, *y = b;

	return x->key != y->key ? strcmp(x->key, y->key) : strcmp(x->value, y->value);
}

/* Copy into one block (from @kept, or malloc'd), sorted, without repeats. */
static int fb_finish(struct fbuild *b, struct hugeshare *kept, struct modtree_field **out,
		     size_t *n)
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
	v = kept ? hugeshare_alloc(kept, total) : malloc(total);
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
			 const struct modtree_sig *sig, struct hugeshare *kept,
			 struct modtree_field **out, size_t *n)
{
	struct fbuild b = { .s = STRBUF_INIT };
	int r = fb_collect(&b, e, n_e, sig);

	if (r == 0)
		r = fb_finish(&b, kept, out, n);
	strbuf_release(&b.s);
	free(b.off);
	free(b.keys);
	return r;
}
