// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The index set of a lib/modtree.h side: every modules.*.bin of the module
 * directory decoded by lib/index.c into its sorted "KEY VALUE" entries, so that
 * two sets compare by what they hold, whatever their layout (kmod 30's post-order
 * or kmod 34's pre-order, docs/index-format.md).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "depmod-cache.h"
#include "index.h"
#include "modtree-internal.h"
#include "strbuf.h"

struct collect {
	struct strbuf s;
	size_t *off;
	size_t n, cap;
};

static int collect_entry(void *data, const char *key, const char *value,
			 unsigned int priority _unused_)
{
	struct collect *c = data;

	if (ARRAY_GROW(c->off, c->n, c->cap, 1024) < 0)
		return -ENOMEM;
	c->off[c->n++] = c->s.used;
	if (strbuf_printf(&c->s, "%s %s", key, value) < 0 ||
	    strbuf_pushchar(&c->s, '\0') < 0)
		return -ENOMEM;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The entries of @c as sorted, unique pointers into its buffer, kept with @t. */
static int finish(struct modtree *t, struct collect *c, struct modtree_index *ix)
{
	const char **v = mt_keep(t, calloc(c->n + 1, sizeof(*v)));
	size_t w = 0;

	if (v == NULL || (c->n > 0 && mt_keep(t, c->s.buf) == NULL))
		return -ENOMEM;
	for (size_t i = 0; i < c->n; i++)
		v[i] = c->s.buf + c->off[i];
	c->s = (struct strbuf)STRBUF_INIT; /* kept */
	qsort(v, c->n, sizeof(*v), cmp_str);
	for (size_t i = 0; i < c->n; i++)
		if (w == 0 || !streq(v[w - 1], v[i]))
			v[w++] = v[i];
	ix->entries = v;
	ix->n = w;
	return 0;
}

static int load_one(struct modtree *t, int dirfd, struct modtree_index *ix,
		    const struct mk_log *log)
{
	struct collect c = { .s = STRBUF_INIT };
	struct index *idx;
	int r;

	r = index_open_at(dirfd, ix->name, &idx);
	if (r == 0) {
		r = index_foreach(idx, collect_entry, &c);
		index_close(idx);
	}
	if (r == 0)
		r = finish(t, &c, ix);
	else
		mk_log(log, LOG_ERR, "%s/%s: %s\n", t->dirname, ix->name,
		       r == -EBADMSG ? "not an index file" : strerror(-r));
	strbuf_release(&c.s);
	free(c.off);
	return r;
}

/* mydepmod's cache is named like one, and is none (docs/depmod-cache.md §1) */
static bool is_index_name(const char *name)
{
	return strstartswith(name, "modules.") && strendswith(name, ".bin") &&
	       !streq(name, DMC_FILENAME);
}

/* The names of the index files, sorted, kept with @t. */
static int list_indexes(struct modtree *t, DIR *d)
{
	struct dirent *e;

	while ((e = readdir(d)) != NULL) {
		struct modtree_index *a;

		if (!is_index_name(e->d_name))
			continue;
		a = reallocarray(t->indexes, t->n_indexes + 1, sizeof(*a));
		if (a == NULL)
			return -ENOMEM;
		t->indexes = a;
		a[t->n_indexes] =
			(struct modtree_index){ mt_keep(t, strdup(e->d_name)), NULL, 0 };
		if (a[t->n_indexes++].name == NULL)
			return -ENOMEM;
	}
	if (t->n_indexes > 1)
		qsort(t->indexes, t->n_indexes, sizeof(*t->indexes), cmp_str);
	return 0;
}

int mt_has_indexes(const struct modtree *t)
{
	struct dirent *e;
	int found = 0;
	DIR *d;

	if (((const struct mt_priv *)t->priv)->in_package)
		return 0; /* depmod makes them when the package is installed */
	d = opendir(t->dirname);
	if (d == NULL)
		return -errno;
	while (!found && (e = readdir(d)) != NULL)
		found = is_index_name(e->d_name);
	closedir(d);
	return found;
}

int modtree_load_indexes(struct modtree *t, const struct mk_log *log)
{
	DIR *d;
	int r;

	if (t->indexes_loaded)
		return 0;
	/* a package has none: depmod makes them when it is installed */
	t->indexes_loaded = ((const struct mt_priv *)t->priv)->in_package;
	if (t->indexes_loaded)
		return 0;
	d = opendir(t->dirname);
	if (d == NULL) {
		mk_log(log, LOG_ERR, "%s: %s\n", t->dirname, strerror(errno));
		return -errno;
	}
	r = list_indexes(t, d);
	for (size_t i = 0; i < t->n_indexes && r == 0; i++)
		r = load_one(t, dirfd(d), &t->indexes[i], log);
	closedir(d);
	t->indexes_loaded = r == 0;
	return r;
}
