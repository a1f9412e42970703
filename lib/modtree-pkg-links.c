// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Links to modules inside a kernel package (docs/mykmod-diff.md §1): a symbolic
 * link in the module directory whose target (relative to the link, or absolute:
 * from the package's root), through other links of the package, is a regular
 * file of the package is read as that file, under the link's path, as the walk of
 * an unpacked tree follows it. The links are told during the read of the package
 * (lib/pkgread.h); their targets are read by a second read, as their data may
 * have come before the link and is not kept. A link that leads out of the
 * package, to no file of it, or round in circles is a warning, and skipped.
 * A link at the path of a file the side keeps (Module.symvers...) is read the same
 * way, as that file.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "depgraph.h"
#include "modscan.h"
#include "modtree-internal.h"
#include "pkgread.h"

/* Links followed at most from one link, as the kernel's path walk (ELOOP) */
#define LINKS_MAX 40

struct mt_link {
	char *path; /* in the package, normalised */
	char *target; /* as stored */
};

/* A module link to read: the regular member it leads to. */
struct mt_wanted {
	const struct mt_link *link;
	char *member;
	bool found;
};

struct mt_links {
	struct mt_link *v;
	size_t n, cap;
	char **members; /* the regular members with a module's name */
	size_t n_m, cap_m;
	struct mt_wanted *w; /* sorted by member */
	size_t n_w;
};

int mt_links_add(struct mt_links **ls, const char *path, const char *target)
{
	struct mt_links *l = *ls;
	struct mt_link *k;

	if (l == NULL && (l = *ls = calloc(1, sizeof(*l))) == NULL)
		return -ENOMEM;
	if (ARRAY_GROW(l->v, l->n, l->cap, 16) < 0)
		return -ENOMEM;
	k = &l->v[l->n];
	k->path = strdup(path);
	k->target = strdup(target);
	if (k->path == NULL || k->target == NULL) {
		free(k->path);
		free(k->target);
		return -ENOMEM;
	}
	l->n++;
	return 0;
}

int mt_links_add_member(struct mt_links **ls, const char *path)
{
	struct mt_links *l = *ls;
	const char *base = strrchr(path, '/');
	char *p;

	base = base != NULL ? base + 1 : path;
	if (!path_ends_with_kmod_ext(base, strlen(base)))
		return 0;
	if (l == NULL && (l = *ls = calloc(1, sizeof(*l))) == NULL)
		return -ENOMEM;
	p = strdup(path);
	if (p == NULL || ARRAY_GROW(l->members, l->n_m, l->cap_m, 64) < 0) {
		free(p);
		return -ENOMEM;
	}
	l->members[l->n_m++] = p;
	return 0;
}

void mt_links_free(struct mt_links *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n_m; i++)
		free(l->members[i]);
	free(l->members);
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].target);
	}
	for (size_t i = 0; i < l->n_w; i++)
		free(l->w[i].member);
	free(l->v);
	free(l->w);
	free(l);
}

/*
 * @target of the link @path as a path from the package's root, without "." and
 * "..": 0 and *@out (malloc'd), 1 when it goes above the root, or -ENOMEM.
 */
static int resolve(const char *path, const char *target, char **out)
{
	size_t n = 0;
	char *buf = malloc(strlen(path) + strlen(target) + 2);
	const char *p = target;

	if (buf == NULL)
		return -ENOMEM;
	if (target[0] != '/') {
		const char *slash = strrchr(path, '/');

		n = slash != NULL ? (size_t)(slash - path) : 0;
		memcpy(buf, path, n);
	}
	while (*p != '\0') {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (n == 0) {
				free(buf);
				return 1;
			}
			while (n > 0 && buf[n - 1] != '/')
				n--;
			n -= n > 0;
		} else if (len > 0 && !(len == 1 && p[0] == '.')) {
			if (n > 0)
				buf[n++] = '/';
			memcpy(buf + n, p, len);
			n += len;
		}
		p += len + (p[len] == '/');
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}

static const struct mt_link *find_link(const struct mt_links *l, const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->v[i].path, path))
			return &l->v[i];
	return NULL;
}

/* Where @k leads, through the links of the package: 0, 1 (out of it), 2 (a loop). */
static int follow(const struct mt_links *l, const struct mt_link *k, char **out)
{
	*out = NULL;
	for (int i = 0; i < LINKS_MAX; i++) {
		int r = resolve(k->path, k->target, out);

		if (r != 0)
			return r;
		k = find_link(l, *out);
		if (k == NULL)
			return 0;
		free(*out);
		*out = NULL;
	}
	return 2;
}

int mt_links_follow(const struct mt_links *l, const char *path, char **out,
		    const char **stored)
{
	const struct mt_link *k = l != NULL ? find_link(l, path) : NULL;

	*out = NULL;
	if (k == NULL)
		return -ENOENT;
	*stored = k->target;
	return follow(l, k, out);
}

static void warn(const char *file, const struct mt_link *k, const char *why,
		 const struct mk_log *log)
{
	mk_log(log, LOG_WARNING, "%s:%s: a link to %s, %s\n", file, k->path, k->target,
	       why);
}

static int cmp_wanted(const void *a, const void *b)
{
	return strcmp(((const struct mt_wanted *)a)->member,
		      ((const struct mt_wanted *)b)->member);
}

/* A new link @path + @rest to the member @member, its target from the root. */
static int add_through(struct mt_links **l, const char *path, const char *rest,
		       const char *member)
{
	_cleanup_free_ char *p = NULL, *target = NULL;

	if (asprintf(&p, "%s%s", path, rest) < 0 || asprintf(&target, "/%s", member) < 0)
		return -ENOMEM;
	return mt_links_add(l, p, target);
}

/*
 * A link of the module directory to a directory of the package (kernel/extra ->
 * ../updates): the walk of a directory side goes through it (lib/modscan.c), so
 * each module member under that directory is a link at its place under the link's
 * path. One that leads to a directory holding it is not followed, as the walk
 * warns of; links to directories inside that directory are not followed. A module
 * that is a member of the module directory too has two paths: the rule for
 * duplicate names keeps the one added first, the member itself.
 */
static int expand_dir_links(struct mt_links *l, const char *moddir, const char *file,
			    const struct mk_log *log)
{
	size_t plen = strlen(moddir), n = l->n;

	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *dir = NULL, *lpath = NULL;
		const char *base = strrchr(l->v[i].path, '/');
		size_t dlen;

		base = base != NULL ? base + 1 : l->v[i].path;
		if (strncmp(l->v[i].path, moddir, plen) != 0 ||
		    path_ends_with_kmod_ext(base, strlen(base)) ||
		    follow(l, &l->v[i], &dir) != 0)
			continue;
		dlen = strlen(dir);
		if (dlen == 0 || (strncmp(l->v[i].path, dir, dlen) == 0 &&
				  l->v[i].path[dlen] == '/')) {
			warn(file, &l->v[i], "a directory that holds it: not followed",
			     log);
			continue;
		}
		lpath = strdup(l->v[i].path); /* l->v moves as links are added */
		if (lpath == NULL)
			return -ENOMEM;
		for (size_t m = 0; m < l->n_m; m++) {
			const char *mem = l->members[m];
			int r;

			if (strncmp(mem, dir, dlen) != 0 || mem[dlen] != '/')
				continue;
			r = add_through(&l, lpath, mem + dlen, mem);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/*
 * The links of the module directory with a module's name, and those at the path of
 * a file the side keeps (mt_pkg_is_kept(): Module.symvers...), and where each leads.
 */
static int choose(const struct modtree *t, struct mt_links *l, const char *moddir,
		  const char *file, const struct mk_log *log)
{
	size_t plen = strlen(moddir);
	int r = expand_dir_links(l, moddir, file, log);

	if (r < 0)
		return r;
	l->w = calloc(l->n + 1, sizeof(*l->w));
	if (l->w == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		const struct mt_link *k = &l->v[i];
		const char *base = strrchr(k->path, '/');
		char *member;

		base = base != NULL ? base + 1 : k->path;
		if ((strncmp(k->path, moddir, plen) != 0 ||
		     !path_ends_with_kmod_ext(base, strlen(base))) &&
		    !mt_pkg_is_kept(t, k->path))
			continue;
		r = follow(l, k, &member);
		if (r < 0)
			return r;
		if (r > 0) {
			warn(file, k,
			     r == 1 ? "out of the package: not followed"
				    : "through too many links: skipped",
			     log);
			continue;
		}
		l->w[l->n_w++] = (struct mt_wanted){ .link = k, .member = member };
	}
	qsort(l->w, l->n_w, sizeof(*l->w), cmp_wanted);
	return 0;
}

struct second_read {
	struct modtree *t;
	struct mt_links *l;
	const char *file;
	const struct mk_log *log;
};

/* The first wanted entry that leads to @path, or NULL. */
static struct mt_wanted *wanted(const struct mt_links *l, const char *path)
{
	struct mt_wanted key = { .member = (char *)path };
	struct mt_wanted *w =
		l->n_w ? bsearch(&key, l->w, l->n_w, sizeof(key), cmp_wanted) : NULL;

	while (w != NULL && w > l->w && streq(w[-1].member, path))
		w--;
	return w;
}

static int second_want(void *data, const char *path, int64_t size)
{
	struct second_read *s = data;

	(void)size;
	return wanted(s->l, path) != NULL;
}

/* A copy of @buf, with the NUL after its @len bytes. */
static void *copy_of(const void *buf, size_t len)
{
	void *copy = malloc(len + 1);

	return copy != NULL ? memcpy(copy, buf, len + 1) : NULL;
}

/*
 * The image of @path, for each link that leads to it: a module at the link's path,
 * or the file kept at the link's path.
 */
static int second_take(void *data, const char *path, void *buf, size_t len)
{
	struct second_read *s = data;
	struct mt_priv *pv = s->t->priv;
	size_t plen = strlen(pv->pkg_moddir);
	int r = 0;

	for (struct mt_wanted *w = wanted(s->l, path);
	     r == 0 && w < s->l->w + s->l->n_w && streq(w->member, path); w++) {
		struct modscan_mod *m;
		void *copy;

		w->found = true;
		if (mt_pkg_is_kept(s->t, w->link->path)) {
			copy = copy_of(buf, len);
			r = copy != NULL
				    ? mt_pkg_keep_file(s->t, w->link->path, copy, len)
				    : -ENOMEM;
			continue;
		}
		r = modscan_add_member(pv->ms, w->link->path + plen, (int64_t)len, &m);
		if (r < 0 && r != -ENOMEM) { /* as the walk: said, and skipped */
			mt_pkg_skip(s->log, s->file, w->link->path, r);
			r = 0;
		}
		if (r < 0 || m == NULL)
			continue;
		copy = copy_of(buf, len);
		if (copy == NULL) {
			r = -ENOMEM;
			break;
		}
		dg_preload_add_image(pv->preload, m, copy, len);
	}
	free(buf);
	return r;
}

int mt_links_read(struct modtree *t, const char *file, struct mt_links *l,
		  const struct mk_log *log)
{
	struct mt_priv *pv = t->priv;
	struct second_read s = { .t = t, .l = l, .file = file, .log = log };
	struct pkg_visitor v = { .want = second_want, .take = second_take, .data = &s };
	int r;

	if (l == NULL || pv->pkg_moddir == NULL)
		return 0;
	r = choose(t, l, pv->pkg_moddir, file, log);
	if (r < 0 || l->n_w == 0)
		return r;
	r = pkg_read(file, &v, log);
	for (size_t i = 0; r == 0 && i < l->n_w; i++)
		if (!l->w[i].found)
			warn(file, l->w[i].link,
			     "which is no file of the package: skipped", log);
	return r;
}
