// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A side of mykmod diff that is a kernel package (.deb, .rpm), read in place
 * (lib/pkgread.h, docs/mykmod-diff.md §1): the members under lib/modules/VER/ or
 * usr/lib/modules/VER/ go to the same model as the files of an unpacked tree.
 * Each module is added as the walk would add it (lib/modscan.h) and its image,
 * read into memory, goes to the same reader threads (lib/depgraph.h), which parse
 * while the archive is still being decompressed. modules.builtin,
 * modules.builtin.modinfo and modules.order are kept in memory, and so are the
 * kernel's symbols: boot/System.map-VER and usr/src/linux-headers-VER/Module.symvers.
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

struct pkg_load {
	struct modtree *t;
	const struct modtree_opts *o;
	const char *file;
	const char *sub; /* "lib/modules" or "usr/lib/modules" of t->kver */
	char *other_kver; /* another VER with files: --kver must choose */
	struct mt_links *links; /* every link of the package */
	struct modscan_mod *pending; /* the module whose image take() gets */
	bool pending_file; /* take() gets a file to keep */
};

/* The kernel version and the rest of @path under [usr/]lib/modules/, or false. */
static bool under_modules(const char *path, const char **sub, const char **kver,
			  size_t *kver_len, const char **rest)
{
	static const char *const subs[] = { "lib/modules/", "usr/lib/modules/" };

	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		const char *slash;

		if (!strstartswith(path, subs[i]))
			continue;
		*kver = path + strlen(subs[i]);
		slash = strchr(*kver, '/');
		if (slash == NULL || slash == *kver)
			return false;
		*sub = i == 0 ? "lib/modules" : "usr/lib/modules";
		*kver_len = (size_t)(slash - *kver);
		*rest = slash + 1;
		return true;
	}
	return false;
}

/* The first VER with a file (or --kver's) is the side's; its walk starts there. */
static int choose_kver(struct pkg_load *l, const char *sub, const char *kver,
		       size_t kver_len)
{
	struct modtree *t = l->t;
	struct mt_priv *pv = t->priv;

	if (l->o->kver != NULL &&
	    (strlen(l->o->kver) != kver_len || memcmp(l->o->kver, kver, kver_len) != 0))
		return 0;
	if (t->kver != NULL) {
		if (strlen(t->kver) == kver_len && memcmp(t->kver, kver, kver_len) == 0)
			return streq(sub, l->sub); /* lib/modules first, as for a root */
		if (l->other_kver == NULL)
			l->other_kver = strndup(kver, kver_len);
		return 0;
	}
	t->kver = strndup(kver, kver_len);
	l->sub = sub;
	if (t->kver == NULL ||
	    asprintf(&t->dirname, "%s:%s/%s", l->file, sub, t->kver) < 0 ||
	    asprintf(&pv->pkg_moddir, "%s/%s/", sub, t->kver) < 0)
		return -ENOMEM;
	return modscan_new(t->dirname, NULL, &pv->walk_log, &pv->ms) < 0 ? -ENOMEM : 1;
}

static bool is_kept_file(const char *rest)
{
	return streq(rest, "modules.builtin") || streq(rest, "modules.builtin.modinfo") ||
	       streq(rest, "modules.order");
}

/* The kernel's symbols, of any VER: the one of t->kver is chosen at the end. */
static bool is_kernel_syms(const char *path)
{
	const char *p;

	if (strstartswith(path, "boot/System.map-"))
		return strchr(path + strlen("boot/"), '/') == NULL;
	if (!strstartswith(path, "usr/src/linux-headers-"))
		return false;
	p = strchr(path + strlen("usr/src/"), '/');
	return p != NULL && streq(p, "/Module.symvers");
}

static int want(void *data, const char *path, int64_t size)
{
	struct pkg_load *l = data;
	const char *sub, *kver, *rest;
	size_t kver_len;
	int r;

	l->pending = NULL;
	r = mt_links_add_member(&l->links, path);
	if (r < 0)
		return r;
	l->pending_file = is_kernel_syms(path);
	if (l->pending_file)
		return 1;
	if (!under_modules(path, &sub, &kver, &kver_len, &rest))
		return 0;
	r = choose_kver(l, sub, kver, kver_len);
	if (r <= 0)
		return r;
	if (is_kept_file(rest)) {
		l->pending_file = true;
		return 1;
	}
	r = modscan_add_member(((struct mt_priv *)l->t->priv)->ms, rest, size,
			       &l->pending);
	if (r == -ENOMEM)
		return r;
	if (r < 0) /* as the walk: said, and skipped */
		mt_pkg_skip(l->o->log, l->file, path, r);
	return l->pending != NULL;
}

void mt_pkg_skip(const struct mk_log *log, const char *file, const char *path, int err)
{
	if (err == -EEXIST)
		mk_log(log, LOG_WARNING,
		       "%s:%s: in the package twice: the first one read\n", file, path);
	else
		mk_log(log, LOG_ERR, "%s:%s: %s\n", file, path, strerror(-err));
}

bool mt_pkg_is_kept(const struct modtree *t, const char *path)
{
	const struct mt_priv *pv = t->priv;
	size_t plen = pv->pkg_moddir != NULL ? strlen(pv->pkg_moddir) : 0;

	return is_kernel_syms(path) ||
	       (plen > 0 && strncmp(path, pv->pkg_moddir, plen) == 0 &&
		is_kept_file(path + plen));
}

int mt_pkg_keep_file(struct modtree *t, const char *path, void *buf, size_t len)
{
	struct mt_priv *pv = t->priv;
	struct mt_pkg_file *f;

	if (mt_keep(t, buf) == NULL ||
	    ARRAY_GROW(pv->pkg_files, pv->n_pkg_files, pv->cap_pkg_files, 8) < 0)
		return -ENOMEM;
	f = &pv->pkg_files[pv->n_pkg_files];
	f->path = mt_keep(t, strdup(path));
	if (f->path == NULL)
		return -ENOMEM;
	f->data = buf;
	f->len = len;
	pv->n_pkg_files++;
	return 0;
}

static int take(void *data, const char *path, void *buf, size_t len)
{
	struct pkg_load *l = data;
	struct mt_priv *pv = l->t->priv;

	if (l->pending != NULL) {
		dg_preload_add_image(pv->preload, l->pending, buf, len);
		return 0;
	}
	return mt_pkg_keep_file(l->t, path, buf, len);
}

static int add_link(void *data, const char *path, const char *target)
{
	struct pkg_load *l = data;

	return mt_links_add(&l->links, path, target);
}

/* After the read: one kernel version, and modules.order for the walk's order. */
static int pkg_finish(struct pkg_load *l)
{
	struct modtree *t = l->t;
	struct mt_priv *pv = t->priv;
	const struct mt_pkg_file *order;

	if (t->kver == NULL) {
		if (l->o->kver != NULL)
			mk_log(l->o->log, LOG_ERR, "%s: no lib/modules/%s in it\n",
			       l->file, l->o->kver);
		else
			mk_log(l->o->log, LOG_ERR,
			       "%s: no lib/modules/VER in it: not a kernel package\n",
			       l->file);
		return -ENOTDIR;
	}
	if (l->other_kver != NULL) {
		mk_log(l->o->log, LOG_ERR,
		       "%s: several kernel versions (%s, %s): choose one with --kver\n",
		       l->file, t->kver, l->other_kver);
		return -EINVAL;
	}
	order = mt_pkg_find(t, "modules.order", true);
	if (order != NULL)
		modscan_set_order(pv->ms, order->data, order->len);
	return 0;
}

int mt_load_package(struct modtree *t, const char *file, const struct modtree_opts *o)
{
	struct mt_priv *pv = t->priv;
	struct pkg_load l = { .t = t, .o = o, .file = file };
	struct pkg_visitor v = {
		.want = want, .take = take, .link = add_link, .data = &l
	};
	int r;

	pv->in_package = true;
	r = dg_preload_start(o->n_threads, &pv->preload);
	if (r < 0)
		return r;
	dg_preload_set_reader(pv->preload, &mt_reader);
	r = pkg_read(file, &v, o->log);
	if (r == 0) /* the modules that links lead to: a second read */
		r = mt_links_read(t, file, l.links, o->log);
	dg_preload_finish(pv->preload);
	if (r == 0)
		r = pkg_finish(&l);
	mt_links_free(l.links);
	free(l.other_kver);
	return r;
}

const struct mt_pkg_file *mt_pkg_find(const struct modtree *t, const char *name,
				      bool in_moddir)
{
	const struct mt_priv *pv = t->priv;
	size_t plen = in_moddir ? strlen(pv->pkg_moddir) : 0;

	for (size_t i = 0; i < pv->n_pkg_files; i++) {
		const char *p = pv->pkg_files[i].path;

		if ((plen == 0 || strncmp(p, pv->pkg_moddir, plen) == 0) &&
		    streq(p + plen, name))
			return &pv->pkg_files[i];
	}
	return NULL;
}

/* ---- -E, -F with a package: its one Module.symvers, its one System.map ---- */

struct member_load {
	struct modtree *t;
	bool (*match)(const char *path);
	char *first, *second; /* the members found (the second is not read) */
	struct mt_links *links; /* every link of the package */
	char *target; /* the member that holds first's data, when first is a link */
	bool taken; /* first's data */
	const char *data;
	size_t len;
};

/* usr/src/linux-headers-X/Module.symvers (Debian) or usr/src/kernels/X/... (Fedora) */
static bool is_headers_symvers(const char *path)
{
	static const char *const pre[] = { "usr/src/linux-headers-", "usr/src/kernels/" };

	for (size_t i = 0; i < ARRAY_SIZE(pre); i++) {
		const char *p = path + strlen(pre[i]), *slash;

		if (!strstartswith(path, pre[i]))
			continue;
		slash = strchr(p, '/');
		return slash != NULL && slash != p && streq(slash, "/Module.symvers");
	}
	return false;
}

/* boot/System.map-X (Debian's linux-image, Fedora's kernel-core) */
static bool is_system_map(const char *path)
{
	const char *v = path + strlen("boot/System.map-");

	return strstartswith(path, "boot/System.map-") && *v != '\0' &&
	       strchr(v, '/') == NULL;
}

/* @path is one the search looks for: 1 when the first, 0 when not, or -ENOMEM. */
static int member_found(struct member_load *s, const char *path)
{
	if (!s->match(path) || s->second != NULL)
		return 0;
	if (s->first != NULL) {
		s->second = strdup(path);
		return s->second != NULL ? 0 : -ENOMEM;
	}
	s->first = strdup(path);
	return s->first != NULL ? 1 : -ENOMEM;
}

static int member_want(void *data, const char *path, int64_t size)
{
	struct member_load *s = data;
	int r = member_found(s, path);

	(void)size;
	if (r != 0)
		return r;
	return s->target != NULL && !s->taken && streq(path, s->target);
}

static int member_take(void *data, const char *path, void *buf, size_t len)
{
	struct member_load *s = data;

	(void)path;
	s->data = mt_keep(s->t, buf);
	s->len = len;
	s->taken = true;
	return s->data != NULL ? 0 : -ENOMEM;
}

/*
 * A link. When it is the one found, its data is the member it leads to: in a
 * cpio, the hard-linked name that comes next with the data (lib/pkgread.h), read
 * then; else one that came before, read by a second read (link_second_read()).
 */
static int member_link(void *data, const char *path, const char *target)
{
	struct member_load *s = data;
	const char *stored;
	int r = mt_links_add(&s->links, path, target);

	if (r == 0)
		r = member_found(s, path);
	if (r <= 0)
		return r;
	r = mt_links_follow(s->links, path, &s->target, &stored);
	return r < 0 ? r : 0;
}

static int target_want(void *data, const char *path, int64_t size)
{
	struct member_load *s = data;

	(void)size;
	return !s->taken && streq(path, s->target);
}

/* The data of the link found, when it has not come yet: -ENOENT when it never does. */
static int link_second_read(struct member_load *s, const char *file,
			    const struct mk_log *log)
{
	struct pkg_visitor v = { .want = target_want, .take = member_take, .data = s };
	const char *stored = NULL, *why = "which is no file of the package";
	int r;

	free(s->target);
	r = mt_links_follow(s->links, s->first, &s->target, &stored);
	if (r < 0)
		return r;
	if (r == 0) {
		r = pkg_read(file, &v, log);
		if (r < 0 || s->taken)
			return r;
	} else {
		why = r == 1 ? "out of the package" : "through too many links";
	}
	mk_log(log, LOG_ERR, "%s:%s: a link to %s, %s\n", file, s->first, stored, why);
	return -ENOENT;
}

/* What -E or -F looks for in a package, and the words of its messages. */
struct kernel_file {
	bool (*match)(const char *path);
	const char *what; /* "no <what> in it: <none>", "several <name> (A, B)" */
	const char *none;
	const char *name;
};

/* mt_pkg_symvers(), mt_pkg_system_map(): the one member @k matches, named. */
static int pkg_kernel_file(struct modtree *t, const char *file,
			   const struct kernel_file *k, const struct mk_log *log,
			   char **name, const char **data, size_t *len)
{
	struct member_load s = { .t = t, .match = k->match };
	struct pkg_visitor v = {
		.want = member_want, .take = member_take, .link = member_link, .data = &s
	};
	int r = pkg_read(file, &v, log);

	if (r == 0 && s.first == NULL) {
		mk_log(log, LOG_ERR, "%s: no %s in it: %s\n", file, k->what, k->none);
		r = -ENOENT;
	} else if (r == 0 && s.second != NULL) {
		mk_log(log, LOG_ERR, "%s: several %s (%s, %s): give the file\n", file,
		       k->name, s.first, s.second);
		r = -EINVAL;
	}
	if (r == 0 && !s.taken)
		r = link_second_read(&s, file, log);
	if (r == 0 && asprintf(name, "%s:%s", file, s.first) < 0) {
		*name = NULL;
		r = -ENOMEM;
	}
	if (r == 0) {
		*data = s.data;
		*len = s.len;
	}
	free(s.first);
	free(s.second);
	free(s.target);
	mt_links_free(s.links);
	return r;
}

int mt_pkg_symvers(struct modtree *t, const char *file, const struct mk_log *log,
		   char **name, const char **data, size_t *len)
{
	static const struct kernel_file k = { is_headers_symvers,
					      "usr/src/linux-headers-VER/Module.symvers",
					      "not a kernel headers package",
					      "Module.symvers" };

	return pkg_kernel_file(t, file, &k, log, name, data, len);
}

int mt_pkg_system_map(struct modtree *t, const char *file, const struct mk_log *log,
		      char **name, const char **data, size_t *len)
{
	static const struct kernel_file k = { is_system_map, "boot/System.map-VER",
					      "not a kernel image package",
					      "System.map" };

	return pkg_kernel_file(t, file, &k, log, name, data, len);
}
