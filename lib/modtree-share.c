// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Module files both sides of mykmod diff have (lib/modtree.h, opts.same_files;
 * docs/mykmod-diff.md §4): two symlinked or hard-linked copies of a tree, or a
 * tree and the tree it links to, are the same files. A module of the second side
 * whose file is one the first side read is not read again: its data are that
 * module's. Everything the model takes from a module file (its exports and
 * needs, .modinfo, signature, compression, namespaces) depends on its bytes
 * only; what depends on the side (path, name, dependencies, unresolved symbols)
 * is made from the side's own walk and graph, as for a module read.
 *
 * The same file: the same device, inode, size, mtime and ctime (ns), with the
 * rule of mydepmod's cache (docs/depmod-cache.md §3): the stat comes before the
 * read, and a file changed less than 2 s before the first side's load started is
 * read again, as it could change again without its times changing.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "depmod-cache.h"
#include "modtree-internal.h"

struct mt_same {
	uint64_t dev, ino;
	const struct dg_module *m;
};

struct mt_share {
	struct mt_same *v; /* sorted by device and inode */
	size_t n;
};

static int cmp_same(const void *a, const void *b)
{
	const struct mt_same *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* Read whole, once, from a file stat'ed before and settled then. */
static bool shareable(const struct dg_module *m, int64_t start_ns)
{
	return m->loaded && m->cacheable && m->open_err == 0 && m->extra != NULL &&
	       m->extra_err == 0 && !((const struct mt_extra *)m->extra)->borrowed &&
	       dmc_settled(&m->st, start_ns);
}

int mt_share_new(const struct modtree *other, struct mt_share **out)
{
	const struct mt_priv *pv = other->priv;
	size_t n = pv->dg ? depgraph_count(pv->dg) : 0, k = 0;
	struct mt_share *s;

	*out = NULL;
	if (n == 0 || pv->in_package)
		return 0;
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->v = calloc(n, sizeof(*s->v))) == NULL) {
		free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct dg_module *m = depgraph_module(pv->dg, i);

		if (shareable(m, pv->start_ns))
			s->v[k++] = (struct mt_same){ m->st.dev, m->st.ino, m };
	}
	if (k > 1)
		qsort(s->v, k, sizeof(*s->v), cmp_same);
	s->n = k;
	*out = s;
	return 0;
}

void mt_share_free(struct mt_share *s)
{
	if (s == NULL)
		return;
	free(s->v);
	free(s);
}

/*
 * @m takes the data of @o, which outlives it: its symbol arrays (no arena of its
 * own: lib/depgraph.c never writes to them), strings and fields. 1, or -ENOMEM.
 */
static int take_over(struct dg_module *m, const struct dg_module *o)
{
	struct mt_extra *x = malloc(sizeof(*x));

	if (x == NULL)
		return -ENOMEM;
	*x = *(const struct mt_extra *)o->extra;
	x->borrowed = true;
	x->in_arena = false;
	m->arena = NULL;
	m->exports = o->exports;
	m->needs = o->needs;
	m->info = o->info;
	m->n_exports = o->n_exports;
	m->n_needs = o->n_needs;
	m->n_info = o->n_info;
	m->open_err = 0;
	m->exports_err = o->exports_err;
	m->extra = x;
	m->extra_err = 0;
	return 1;
}

/* dg_cache.lookup: the module of the other side with @m's file, if any. */
static int share_lookup(void *data, struct dg_module *m)
{
	const struct mt_share *s = data;
	struct mt_same key = { m->st.dev, m->st.ino, NULL };
	const struct mt_same *e;

	if (s == NULL || s->n == 0)
		return 0;
	e = bsearch(&key, s->v, s->n, sizeof(key), cmp_same);
	if (e == NULL)
		return 0;
	if (!mk_file_id_eq(&e->m->st, &m->st))
		return 0;
	return take_over(m, e->m);
}

/* dg_cache.fill: nothing is left to fill, share_lookup() took it all. */
static int share_fill(void *data _unused_, struct dg_module *m _unused_)
{
	return 0;
}

struct dg_cache mt_share_cache(struct mt_share *s)
{
	return (struct dg_cache){ .lookup = share_lookup, .fill = share_fill, .data = s };
}

/* ---- whether two sides share their files, guessed before either is read ---- */

/* directory entries the guess looks at, at most, and how deep */
#define PROBE_ENTRIES 4096
#define PROBE_DEPTH 8

/*
 * The first module file under the directory @dfd (taken, closed), in readdir
 * order, as the walk of lib/modscan.c meets them (not build/ or source/ of the
 * module directory): its path in @rel (PATH_MAX bytes, @len already there, then
 * the name), 1; else 0.
 */
static int first_module(int dfd, char *rel, size_t len, unsigned int depth,
			size_t *budget)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	int r = 0;

	if (d == NULL) {
		close(dfd);
		return 0;
	}
	while (r == 0 && *budget > 0 && (e = readdir(d)) != NULL) {
		size_t nl = strlen(e->d_name);
		int fd;

		(*budget)--;
		if (e->d_name[0] == '.' || len + nl + 2 > PATH_MAX ||
		    (depth == 0 &&
		     (streq(e->d_name, "build") || streq(e->d_name, "source"))))
			continue;
		memcpy(rel + len, e->d_name, nl + 1);
		if (path_ends_with_kmod_ext(e->d_name, nl))
			r = 1;
		else if (depth < PROBE_DEPTH &&
			 (e->d_type == DT_DIR || e->d_type == DT_LNK ||
			  e->d_type == DT_UNKNOWN) &&
			 (fd = openat(dirfd(d), e->d_name,
				      O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
			rel[len + nl] = '/';
			r = first_module(fd, rel, len + nl + 1, depth + 1, budget);
		}
	}
	closedir(d);
	return r;
}

/* @rel in both module directories @dir: the same file (not a dangling link). */
static bool same_file(char *const dir[2], const char *rel)
{
	struct stat st[2];

	for (int i = 0; i < 2; i++) {
		_cleanup_free_ char *p = NULL;

		if (asprintf(&p, "%s/%s", dir[i], rel) < 0 || stat(p, &st[i]) < 0)
			return false;
	}
	return st[0].st_dev == st[1].st_dev && st[0].st_ino == st[1].st_ino;
}

bool mt_share_likely(const char *const path[2], const struct modtree_opts o[2])
{
	struct modtree t[2] = { 0 };
	size_t budget = PROBE_ENTRIES;
	char rel[PATH_MAX];
	bool same = false;
	int fd;

	for (int i = 0; i < 2; i++) {
		struct modtree_opts quiet = o[i];
		_cleanup_free_ char *root = NULL;

		/* its errors are the load's to tell */
		quiet.log = NULL;
		if (mt_find_side(&t[i], path[i], &quiet, &root) != 0)
			goto out;
	}
	fd = open(t[1].dirname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && first_module(fd, rel, 0, 0, &budget) > 0)
		same = same_file((char *const[2]){ t[0].dirname, t[1].dirname }, rel);
out:
	for (int i = 0; i < 2; i++) {
		free(t[i].dirname);
		free(t[i].kver);
	}
	return same;
}
