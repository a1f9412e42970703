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
	char *p;

	if (ARRAY_GROW(b->off, b->n, b->cap, 32) < 0)
		return -ENOMEM;
	/* "KEY\0VALUE\0": lengths of strings in memory, no overflow */
	if (strbuf_reserve(&b->s, keylen + valuelen + 2) < 0)
		return -ENOMEM;
	p = b->s.buf + k;
	memcpy(p, key, keylen);
	p[keylen] = '\0';
	memcpy(p + keylen + 1, value, valuelen);
	p[keylen + 1 + valuelen] = '\0';
	b->s.used += keylen + valuelen + 2;
	b->s.buf[b->s.used] = '\0'; /* as strbuf_push() leaves it: reserved */
	b->off[b->n][0] = k;
	b->off[b->n][1] = k + keylen + 1;
	b->n++;
	return 0;
}

static bool key_is(const struct modinfo_entry *e, const char *key)
{
	return e->keylen == strlen(key) && memcmp(e->key, key, e->keylen) == 0;
}

/* @e names parameter @name (@nl bytes): "NAME:..." */
static bool names_param(const struct modinfo_entry *e, const char *name, size_t nl)
{
	return strncmp(e->value, name, nl) == 0 && e->value[nl] == ':';
}

/*
 * The last "NAME:..." of the parm (@type false) or parmtype entries @p (indexes
 * into @e) for parameter @name (@nl bytes), after the ':'.
 */
static const char *param_part(const struct modinfo_entry *e, const size_t *p, size_t n_p,
			      bool type, const char *name, size_t nl)
{
	const char *found = NULL;

	for (size_t i = 0; i < n_p; i++)
		if ((e[p[i]].keylen == 8) == type && names_param(&e[p[i]], name, nl))
			found = e[p[i]].value + nl + 1;
	return found;
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

/*
 * One "parm" field per parameter name, in modinfo's words (tools/mymodinfo.c),
 * from the parm and parmtype entries with a ':' (@p, indexes into @e).
 */
static int add_params(struct fbuild *b, const struct modinfo_entry *e, const size_t *p,
		      size_t n_p)
{
	struct strbuf v = STRBUF_INIT;
	int r = 0;

	for (size_t i = 0; i < n_p && r == 0; i++) {
		const char *name = e[p[i]].value;
		size_t nl = (size_t)(strchr(name, ':') - name);
		bool seen = false;

		for (size_t k = 0; k < i && !seen; k++)
			seen = names_param(&e[p[k]], name, nl);
		if (seen)
			continue;
		strbuf_clear(&v);
		r = param_value(&v, name, nl, param_part(e, p, n_p, false, name, nl),
				param_part(e, p, n_p, true, name, nl));
		if (r == 0)
			r = fb_add(b, "parm", 4, v.buf, v.used);
	}
	strbuf_release(&v);
	return r;
}

static int fb_collect(struct fbuild *b, const struct modinfo_entry *e, size_t n_e,
		      const struct modtree_sig *sig)
{
	_cleanup_free_ size_t *p = malloc((n_e ? n_e : 1) * sizeof(*p));
	size_t n_p = 0;
	int r = p ? 0 : -ENOMEM;

	for (size_t i = 0; i < n_e && r == 0; i++) {
		if (key_is(&e[i], "parm") || key_is(&e[i], "parmtype")) {
			/* kmod skips those without a ':' too */
			if (strchr(e[i].value, ':') != NULL)
				p[n_p++] = i;
			continue;
		}
		if (key_is(&e[i], "depends"))
			continue;
		r = fb_add(b, e[i].key, e[i].keylen, e[i].value, strlen(e[i].value));
	}
	if (r == 0)
		r = add_params(b, e, p, n_p);
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
