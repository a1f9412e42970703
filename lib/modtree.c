// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Loading one side of mykmod diff (lib/modtree.h): find the module directory,
 * walk and read it as depmod -a does (docs/HACKING.md, "How mydepmod spends its
 * time", steps 1 and 2, with one more reader for the compared fields), resolve,
 * then copy what is compared into the model. Builtin modules and cycles are in
 * lib/modtree-builtin.c and lib/modtree-cycles.c.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "depgraph.h"
#include "depmod-cache.h"
#include "dynlib.h"
#include "hugemem.h"
#include "modsyms.h"
#include "modtree-internal.h"
#include "modtree.h"
#include "pkgread.h"

/* ---- what each module's reader takes (on the reader threads) ---- */

static void mt_extra_free(void *p)
{
	struct mt_extra *x = p;

	if (!x->borrowed) {
		if (!x->in_arena)
			free(x->fields);
		free(x->ns);
	}
	if (!x->in_arena)
		free(x);
}

static int cmp_ns(const void *a, const void *b)
{
	return strcmp(((const struct modsym_ns *)a)->name,
		      ((const struct modsym_ns *)b)->name);
}

static int mt_read_fields(struct modfile *mf, struct hugeshare *kept, struct mt_extra *x)
{
	const struct modinfo_entry *mi = NULL;
	struct modtree_sig s = { 0 };
	struct modsig sig;
	size_t n_mi = 0;
	int r;

	r = modfile_get_modinfo(mf, &mi, &n_mi);
	if (r < 0 && r != -ENODATA)
		return r;
	if (r < 0)
		n_mi = 0;
	if (modfile_get_signature(mf, &sig) == 0) {
		s.signer = (const char *)sig.signer;
		s.signer_len = sig.signer_len;
		s.hashalgo = sig.hash_algo;
	}
	return modtree_fields_build(mi, n_mi, &s, kept, &x->fields, &x->n_fields);
}

static int mt_read(void *data _unused_, struct modfile *mf, struct hugeshare *kept,
		   void **extra)
{
	struct mt_extra *x =
		kept ? hugeshare_alloc(kept, sizeof(*x)) : calloc(1, sizeof(*x));
	int r;

	if (x == NULL)
		return -ENOMEM;
	x->in_arena = kept != NULL;
	x->comp = modfile_compression(mf);
	r = mt_read_fields(mf, kept, x);
	if (r == 0)
		r = modfile_read_export_ns(mf, &x->ns, &x->n_ns);
	if (r < 0) {
		mt_extra_free(x);
		return r;
	}
	if (x->n_ns > 1)
		qsort(x->ns, x->n_ns, sizeof(*x->ns), cmp_ns);
	*extra = x;
	return 0;
}

const struct dg_reader mt_reader = { .read = mt_read, .free = mt_extra_free };

/* ---- memory kept until modtree_free() ---- */

void *mt_keep(struct modtree *t, void *p)
{
	struct mt_priv *pv = t->priv;

	if (p == NULL)
		return NULL;
	if (pv->n_kept == pv->cap_kept) {
		size_t cap = pv->cap_kept ? pv->cap_kept * 2 : 256;
		void **a = reallocarray(pv->kept, cap, sizeof(*a));

		if (a == NULL) {
			free(p);
			return NULL;
		}
		pv->kept = a;
		pv->cap_kept = cap;
	}
	pv->kept[pv->n_kept++] = p;
	return p;
}

void modtree_free(struct modtree *t)
{
	struct mt_priv *pv;

	if (t == NULL)
		return;
	pv = t->priv;
	if (pv != NULL) {
		depgraph_free(pv->dg);
		dg_preload_free(pv->preload);
		modscan_free(pv->ms);
		ksyms_release(&pv->ks);
		mt_share_free(pv->share);
		free(pv->pkg_moddir);
		free(pv->pkg_files);
		for (size_t i = 0; i < pv->n_kept; i++)
			free(pv->kept[i]);
		free(pv->kept);
		hugearena_release(&pv->model);
		free(pv);
	}
	free(t->mods);
	free(t->symbols);
	free(t->cycles);
	free(t->indexes);
	free(t->dirname);
	free(t->kver);
	free(t);
}

/*
 * The model's small arrays, cut from an arena: no malloc per array, and huge
 * pages for the megabytes of a big tree's model (docs/depmod-outputs.md §12).
 */
void *mt_alloc(struct modtree *t, size_t n, size_t size)
{
	struct mt_priv *pv = t->priv;
	size_t len;

	if (umulsz_overflow(n ? n : 1, size, &len))
		return NULL;
	return hugearena_alloc(&pv->model, len);
}

struct modtree_module *mt_push_module(struct modtree *t)
{
	struct mt_priv *pv = t->priv;

	if (t->n == pv->cap_mods) {
		size_t cap = pv->cap_mods ? pv->cap_mods * 2 : 256;
		struct modtree_module *a = reallocarray(t->mods, cap, sizeof(*a));

		if (a == NULL)
			return NULL;
		t->mods = a;
		pv->cap_mods = cap;
	}
	t->mods[t->n] = (struct modtree_module){ 0 };
	return &t->mods[t->n++];
}

/* ---- finding the module directory ---- */

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The only kernel version in @moddir (a root's lib/modules), or an error. */
static int only_kver(const char *moddir, const struct mk_log *log, char **out)
{
	DIR *d = opendir(moddir);
	struct dirent *e;
	size_t n = 0;

	if (d == NULL) {
		mk_log(log, LOG_ERR, "%s: %s\n", moddir, strerror(errno));
		return -errno;
	}
	*out = NULL;
	while ((e = readdir(d)) != NULL) {
		_cleanup_free_ char *p = NULL;

		if (e->d_name[0] == '.' || asprintf(&p, "%s/%s", moddir, e->d_name) < 0 ||
		    !is_dir(p))
			continue;
		if (n++ == 0)
			*out = strdup(e->d_name);
	}
	closedir(d);
	if (n == 1)
		return *out ? 0 : -ENOMEM;
	free(*out);
	*out = NULL;
	if (n == 0) {
		mk_log(log, LOG_ERR, "%s: no kernel version in it\n", moddir);
		return -ENOTDIR;
	}
	mk_log(log, LOG_ERR, "%s: %zu kernel versions: choose one with --kver\n", moddir,
	       n);
	return -EINVAL;
}

/* A root: <path>/[usr/]lib/modules/VER, and where its kernel symbols would be. */
static int find_in_root(struct modtree *t, const char *path, const char *sub,
			const struct modtree_opts *o, char **root)
{
	_cleanup_free_ char *moddir = NULL;
	int r;

	if (asprintf(&moddir, "%s/%s", path, sub) < 0)
		return -ENOMEM;
	if (o->kver != NULL)
		t->kver = strdup(o->kver);
	else if ((r = only_kver(moddir, o->log, &t->kver)) < 0)
		return r;
	if (t->kver == NULL || asprintf(&t->dirname, "%s/%s", moddir, t->kver) < 0 ||
	    (*root = strdup(path)) == NULL)
		return -ENOMEM;
	if (!is_dir(t->dirname)) {
		mk_log(o->log, LOG_ERR, "%s: no such module directory\n", t->dirname);
		return -ENOENT;
	}
	return 0;
}

/* A module directory; its root when it is <root>/[usr/]lib/modules/VER. */
static int find_moddir(struct modtree *t, const char *path, char **root)
{
	size_t len = strlen(path);
	const char *base;

	while (len > 1 && path[len - 1] == '/')
		len--;
	t->dirname = strndup(path, len);
	if (t->dirname == NULL)
		return -ENOMEM;
	base = strrchr(t->dirname, '/');
	t->kver = strdup(base ? base + 1 : t->dirname);
	if (t->kver == NULL)
		return -ENOMEM;
	if (base != NULL && (size_t)(base - t->dirname) >= strlen("/lib/modules") &&
	    strncmp(base - strlen("/lib/modules"), "/lib/modules",
		    strlen("/lib/modules")) == 0) {
		*root = strndup(t->dirname,
				(size_t)(base - t->dirname) - strlen("/lib/modules"));
		if (*root == NULL)
			return -ENOMEM;
	}
	return 0;
}

int mt_find_side(struct modtree *t, const char *path, const struct modtree_opts *o,
		 char **root)
{
	static const char *const subs[] = { "lib/modules", "usr/lib/modules" };
	struct stat st;

	if (stat(path, &st) < 0) {
		int e = errno;

		mk_log(o->log, LOG_ERR, "%s: %s\n", path, strerror(e));
		return -e;
	}
	if (S_ISREG(st.st_mode))
		return 1; /* a kernel package, or not: lib/pkgread.h tells */
	if (!S_ISDIR(st.st_mode)) {
		mk_log(o->log, LOG_ERR,
		       "%s: not a module tree (a root holding lib/modules, or a module "
		       "directory)\n",
		       path);
		return -ENOTDIR;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		_cleanup_free_ char *p = NULL;

		if (asprintf(&p, "%s/%s", path, subs[i]) < 0)
			return -ENOMEM;
		if (is_dir(p))
			return find_in_root(t, path, subs[i], o, root);
	}
	return find_moddir(t, path, root);
}

/* ---- kernel symbols ---- */

/* A file of kernel symbols: @name, or @len bytes at @data (kept from a package). */
struct mt_ksrc {
	char *name;
	const char *data;
	size_t len;
};

/* The kernel's symbols in a package: the kept member <pre>VER<post>. */
static int pkg_kernel_syms(const struct modtree *t, const char *pre, const char *post,
			   struct mt_ksrc *k)
{
	_cleanup_free_ char *member = NULL;
	const struct mt_pkg_file *f;

	if (asprintf(&member, "%s%s%s", pre, t->kver, post) < 0) {
		member = NULL;
		return -ENOMEM;
	}
	f = mt_pkg_find(t, member, false);
	if (f == NULL)
		return 0;
	/* t->dirname is "<file>:<moddir>": the same file, this member */
	if (asprintf(&k->name, "%.*s:%s",
		     (int)(strlen(t->dirname) -
			   strlen(((struct mt_priv *)t->priv)->pkg_moddir)),
		     t->dirname, member) < 0) {
		k->name = NULL;
		return -ENOMEM;
	}
	k->data = f->data;
	k->len = f->len;
	return 0;
}

/*
 * The kernel symbol files of the side (lib/modtree.h): @symvers, else @map, no
 * name when there is none. Given ones (-E, -F) win over those found.
 */
static int find_kernel_syms(struct modtree *t, const char *root,
			    const struct modtree_opts *o, struct mt_ksrc *symvers,
			    struct mt_ksrc *map)
{
	char **sv = &symvers->name, **mp = &map->name;
	int r;

	if (o->symvers != NULL || o->system_map != NULL) {
		/* -E of a headers package: its Module.symvers, read in place */
		if (o->symvers != NULL && pkg_is_binary(o->symvers) > 0)
			return mt_pkg_symvers(t, o->symvers, o->log, sv, &symvers->data,
					      &symvers->len);
		/* -F of a kernel image package (no -E, which would win) */
		if (o->symvers == NULL && pkg_is_binary(o->system_map) > 0)
			return mt_pkg_system_map(t, o->system_map, o->log, mp, &map->data,
						 &map->len);
		*sv = o->symvers ? strdup(o->symvers) : NULL;
		*mp = o->system_map ? strdup(o->system_map) : NULL;
		return *sv || *mp ? 0 : -ENOMEM;
	}
	if (((struct mt_priv *)t->priv)->in_package) {
		r = pkg_kernel_syms(t, "usr/src/linux-headers-", "/Module.symvers",
				    symvers);
		if (r == 0)
			r = pkg_kernel_syms(t, "boot/System.map-", "", map);
		return r;
	}
	if (root != NULL ? asprintf(sv, "%s/usr/src/linux-headers-%s/Module.symvers",
				    root, t->kver) < 0
			 : asprintf(sv, "%s/build/Module.symvers", t->dirname) < 0)
		return -ENOMEM;
	if (root != NULL && asprintf(mp, "%s/boot/System.map-%s", root, t->kver) < 0)
		return -ENOMEM;
	if (access(*sv, R_OK) < 0) {
		free(*sv);
		*sv = NULL;
	}
	if (*mp != NULL && access(*mp, R_OK) < 0) {
		free(*mp);
		*mp = NULL;
	}
	return 0;
}

/* Module.symvers, else System.map: into the model and the graph. */
static int load_kernel_syms(struct modtree *t, const char *root,
			    const struct modtree_opts *o)
{
	struct mt_priv *pv = t->priv;
	struct mt_ksrc sv = { 0 }, mp = { 0 };
	bool given = o->symvers != NULL || o->system_map != NULL;
	int r = find_kernel_syms(t, root, o, &sv, &mp);

	if (r < 0)
		goto out;
	if (sv.name != NULL) {
		r = ksyms_load_symvers_mem(sv.name, sv.data, sv.len, &pv->ks);
		if (r == 0)
			r = depgraph_load_symvers_mem(pv->dg, sv.name, sv.data, sv.len);
		t->has_crcs = true;
	} else if (mp.name != NULL) {
		r = ksyms_load_system_map_mem(mp.name, mp.data, mp.len, &pv->ks);
		/* one found without __ksymtab_ entries (PREL32 ksymtabs) says nothing */
		if (r == 0 && pv->ks.n == 0 && !given)
			goto out;
		if (r == 0)
			r = depgraph_load_system_map_mem(pv->dg, mp.name, mp.data,
							 mp.len);
	} else {
		goto out;
	}
	if (r < 0)
		mk_log(o->log, LOG_ERR, "%s: %s\n", sv.name ? sv.name : mp.name,
		       strerror(-r));
	t->has_kernel_syms = r == 0;
out:
	free(sv.name);
	free(mp.name);
	return r;
}

/* ---- the walk and the readers, as depmod -a (lib/depmod.c) ---- */

/* The walk's errors only: its warnings (no modules.order) are depmod's concern. */
__attribute__((format(printf, 3, 0))) static void errors_only(void *data, int prio,
							      const char *fmt, va_list ap)
{
	const struct mk_log *log = data;

	if (prio <= LOG_ERR && log != NULL && log->fn != NULL)
		log->fn(log->data, prio, fmt, ap);
}

static int scan_and_read(struct modtree *t, const struct modtree_opts *o)
{
	struct mt_priv *pv = t->priv;
	int r;

	r = modscan_new(t->dirname, NULL, &pv->walk_log, &pv->ms);
	if (r == 0)
		r = dg_preload_start(o->n_threads, &pv->preload);
	if (r < 0)
		return r;
	dg_preload_set_reader(pv->preload, &mt_reader);
	if (pv->stat_files)
		dg_preload_set_cache(pv->preload, &pv->cache);
	modscan_set_add_hook(pv->ms, dg_preload_add, pv->preload);
	/* the other side's walk, at the same time, opens descriptors too */
	modscan_set_dirs_by_path(pv->ms, true);
	modscan_set_lazy_links(pv->ms, true);
	mt_link_publish(o->link, o->side, pv->preload);
	r = modscan_walk(pv->ms);
	dg_preload_finish(pv->preload);
	mt_link_withdraw(o->link, o->side);
	/* read first: the other side's readers get this core until its walk ends */
	if (o->link != NULL)
		mt_link_help(o->link, 1 - o->side);
	if (modscan_walk_end(pv->ms) > 0) {
		dg_preload_free(pv->preload);
		pv->preload = NULL;
		r = modscan_rewalk(pv->ms);
	}
	if (r < 0)
		mk_log(o->log, LOG_ERR, "%s: %s\n", t->dirname, strerror(-r));
	return r;
}

static int make_graph(struct modtree *t, const struct modtree_opts *o, const char *root)
{
	struct mt_priv *pv = t->priv;
	struct depgraph_opts gopts = {
		.n_threads = o->n_threads,
		.log = o->log,
		.reader = &mt_reader,
		.cache = pv->stat_files && !pv->in_package ? &pv->cache : NULL,
		/* each module's count of unresolved needs, for set_unresolved() */
		.print_unknown = true,
		.count_only = true,
	};
	struct modscan_mod **mods;
	size_t n;
	int r;

	r = modscan_build(pv->ms, &mods, &n);
	if (r == 0)
		r = depgraph_new(mods, n, &gopts, &pv->dg);
	if (r == 0)
		r = load_kernel_syms(t, root, o);
	if (r == 0)
		r = depgraph_load_modules(pv->dg);
	if (r == 0)
		r = depgraph_resolve(pv->dg);
	return r;
}

/* ---- the model ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t modtree_sort_names(const char **v, size_t n)
{
	size_t w = 0;

	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (w == 0 || !streq(v[w - 1], v[i]))
			v[w++] = v[i];
	return w;
}

static int set_depends(struct modtree *t, struct modtree_module *mm,
		       const struct dg_module *m)
{
	const char **v = mt_alloc(t, m->n_deps, sizeof(*v));

	if (v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_deps; i++)
		v[i] = m->deps[i]->scan->name;
	mm->depends = v;
	mm->n_depends = modtree_sort_names(v, m->n_deps);
	return 0;
}

/*
 * The names of @m's needs that are not weak, in the order of its symbol table:
 * made once per file, in its reader's extra @x, which a module of NEW with the
 * same file copies (lib/modtree-share.c); kept with the tree that made it.
 */
static int set_needed(struct modtree *t, const struct dg_module *m, struct mt_extra *x)
{
	const char **v;
	size_t k = 0;

	if (x->needed != NULL)
		return 0;
	v = mt_alloc(t, m->n_needs, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_needs; i++)
		if (m->needs[i].bind != 'W')
			v[k++] = m->needs[i].name;
	x->needed = v;
	x->n_needed = k;
	return 0;
}

/*
 * The needs (not weak) nobody exports, which the graph kept (depgraph_opts
 * .print_unknown, count_only): none, all (the set_needed() list), or those the
 * graph did not resolve, in the same order. Not sorted: most modules have the
 * same list on both sides, which modtree_diff() sees without sorting (a sort per
 * module was a tenth of a diff's time).
 */
static int set_unresolved(struct modtree *t, struct modtree_module *mm,
			  const struct dg_module *m)
{
	struct mt_priv *pv = t->priv;
	struct mt_extra *x = m->extra;
	int r;

	if (m->n_unknown == 0)
		return 0;
	r = set_needed(t, m, x);
	if (r < 0)
		return r;
	/* without the kernel's symbols these include the kernel's: see modtree.h */
	if (m->n_unknown == x->n_needed) {
		mm->unresolved = x->needed;
		mm->n_unresolved = x->n_needed;
	} else {
		mm->unresolved = depgraph_unknown(pv->dg, m);
		mm->n_unresolved = m->n_unknown;
	}
	return 0;
}

static int cmp_export(const void *a, const void *b)
{
	return strcmp(((const struct modtree_export *)a)->name,
		      ((const struct modtree_export *)b)->name);
}

static int set_exports(struct modtree *t, struct modtree_module *mm,
		       const struct dg_module *m, const struct mt_extra *x)
{
	struct modtree_export *v = mt_alloc(t, m->n_exports, sizeof(*v));
	size_t w = 0;

	if (v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_exports; i++) {
		struct modsym_ns key = { .name = m->exports[i].name };
		const struct modsym_ns *ns =
			x->n_ns ? bsearch(&key, x->ns, x->n_ns, sizeof(key), cmp_ns)
				: NULL;

		v[i] = (struct modtree_export){ m->exports[i].name, m->exports[i].crc,
						ns ? ns->ns : NULL, mm->name };
	}
	if (m->n_exports > 1)
		qsort(v, m->n_exports, sizeof(*v), cmp_export);
	for (size_t i = 0; i < m->n_exports; i++)
		if (w == 0 || !streq(v[w - 1].name, v[i].name))
			v[w++] = v[i];
	mm->exports = v;
	mm->n_exports = w;
	return 0;
}

static int add_module(struct modtree *t, const struct dg_module *m,
		      const struct mk_log *log)
{
	const struct mt_extra *x = m->extra;
	int err = m->open_err ? m->open_err : m->extra_err;
	struct modtree_module *mm;
	int r;

	if (err == 0 && x == NULL)
		err = -EIO;
	if (err < 0) {
		char why[MK_LIB_STRERROR_MAX];

		mk_log(log, LOG_ERR, "%s: %s\n", m->scan->path,
		       mk_lib_strerror(err, m->scan->path, why, sizeof(why)));
		return err;
	}
	mm = mt_push_module(t);
	if (mm == NULL)
		return -ENOMEM;
	mm->name = m->scan->name;
	mm->path = dg_module_path(m);
	mm->comp = x->comp;
	mm->fields = x->fields;
	mm->n_fields = x->n_fields;
	r = set_depends(t, mm, m);
	if (r == 0)
		r = set_unresolved(t, mm, m);
	if (r == 0)
		r = set_exports(t, mm, m, x);
	return r;
}

/* The first 8 bytes of @s (NUL-padded) as a number that orders as strcmp(). */
static uint64_t name_prefix(const char *s)
{
	uint64_t k = 0;

	for (int i = 0; i < 8; i++) {
		k <<= 8;
		if (*s != '\0')
			k |= (unsigned char)*s++;
	}
	return k;
}

struct keyed_export {
	uint64_t prefix;
	struct modtree_export e;
};

static int cmp_keyed_export(const void *a, const void *b)
{
	const struct keyed_export *x = a, *y = b;

	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	/* the same 8 bytes, the last a NUL: the same name */
	if ((x->prefix & 0xff) == 0)
		return 0;
	return strcmp(x->e.name + 8, y->e.name + 8);
}

/*
 * Sort @v by name as qsort() with cmp_export() does (glibc's is a stable merge
 * sort, and so is this one's order of equal names), but comparing first the
 * names' first 8 bytes kept beside each export: the sort of a tree's tens of
 * thousands of symbols no longer follows a pointer for most of its comparisons.
 */
static int sort_exports(struct modtree_export *v, size_t n)
{
	_cleanup_free_ struct keyed_export *k = NULL;

	if (n < 2)
		return 0;
	k = reallocarray(NULL, n, sizeof(*k));
	if (k == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		k[i] = (struct keyed_export){ name_prefix(v[i].name), v[i] };
	qsort(k, n, sizeof(*k), cmp_keyed_export);
	for (size_t i = 0; i < n; i++)
		v[i] = k[i].e;
	return 0;
}

/* Every export that wins in depmod's table: the modules' and the kernel's. */
static int build_symbols(struct modtree *t)
{
	struct mt_priv *pv = t->priv;
	size_t n = pv->ks.n, k = 0;
	struct dg_module *owner;

	for (size_t i = 0; i < t->n; i++)
		n += t->mods[i].n_exports;
	t->symbols = calloc(n + 1, sizeof(*t->symbols));
	if (t->symbols == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		const struct modtree_module *mm = &t->mods[i];

		for (size_t e = 0; e < mm->n_exports; e++)
			if (mm->builtin ||
			    (depgraph_symbol_owner(pv->dg, mm->exports[e].name, &owner) ==
				     0 &&
			     owner != NULL && streq(owner->scan->name, mm->name)))
				t->symbols[k++] = mm->exports[e];
	}
	for (size_t i = 0; i < pv->ks.n; i++) {
		const struct ksym *s = &pv->ks.v[i];

		if (depgraph_symbol_owner(pv->dg, s->name, &owner) == 0 && owner == NULL)
			t->symbols[k++] = (struct modtree_export){ s->name, s->crc, s->ns,
								   "vmlinux" };
	}
	t->n_symbols = k;
	return sort_exports(t->symbols, k);
}

int mt_read_in_dir(struct modtree *t, const char *name, char **buf, size_t *len)
{
	_cleanup_free_ char *path = NULL;
	int r;

	if (((struct mt_priv *)t->priv)->in_package) {
		const struct mt_pkg_file *f = mt_pkg_find(t, name, true);

		if (f == NULL)
			return -ENOENT;
		*buf = (char *)f->data; /* kept, as a file read here would be */
		*len = f->len;
		return 0;
	}
	if (asprintf(&path, "%s/%s", t->dirname, name) < 0)
		return -ENOMEM;
	r = read_file_full(AT_FDCWD, path, buf, len);
	if (r == 0 && mt_keep(t, *buf) == NULL)
		return -ENOMEM;
	return r;
}

int mt_cmp_module(const void *a, const void *b)
{
	return strcmp(((const struct modtree_module *)a)->name,
		      ((const struct modtree_module *)b)->name);
}

static int build_model(struct modtree *t, const struct modtree_opts *o)
{
	struct mt_priv *pv = t->priv;
	size_t n = depgraph_count(pv->dg), n_files;
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++)
		r = add_module(t, depgraph_module(pv->dg, i), o->log);
	/* sorted for mt_load_builtin()'s lookups, then again with the builtins */
	if (t->n > 1)
		qsort(t->mods, t->n, sizeof(*t->mods), mt_cmp_module);
	n_files = t->n;
	if (r == 0)
		r = mt_load_builtin(t, o->log);
	if (r == 0 && t->n == 0 && pv->in_package) {
		mk_log(o->log, LOG_ERR, "%s: no modules in it\n", t->dirname);
		r = -ENOTDIR;
	} else if (r == 0 && t->n == 0) {
		t->index_only = mt_has_indexes(t) > 0;
		if (!t->index_only) {
			mk_log(o->log, LOG_ERR,
			       "%s: not a module tree (no modules, no index files)\n",
			       t->dirname);
			r = -ENOTDIR;
		}
	}
	if (r == 0 && t->n > n_files && t->n > 1)
		qsort(t->mods, t->n, sizeof(*t->mods), mt_cmp_module);
	if (r == 0)
		r = build_symbols(t);
	if (r == 0)
		r = mt_find_cycles(t, pv->dg);
	return r;
}

int modtree_load(const char *path, const struct modtree_opts *o, struct modtree **out)
{
	struct modtree *t = calloc(1, sizeof(*t));
	_cleanup_free_ char *root = NULL;
	struct mt_priv *pv;
	int r;

	if (t == NULL || (t->priv = calloc(1, sizeof(struct mt_priv))) == NULL) {
		free(t);
		return -ENOMEM;
	}
	pv = t->priv;
	pv->walk_log = (struct mk_log){ errors_only, (void *)o->log };
	pv->start_ns = dmc_now_ns();
	r = o->same_files ? mt_share_new(o->same_files, &pv->share) : 0;
	pv->cache = mt_share_cache(pv->share);
	/* a file's identity costs a stat: only for sides that share files */
	pv->stat_files = o->same_files != NULL || o->keep_identity;
	if (r == 0)
		r = mt_find_side(t, path, o, &root);
	if (r == 1)
		r = mt_load_package(t, path, o);
	else if (r == 0)
		r = scan_and_read(t, o);
	if (r == 0)
		r = make_graph(t, o, root);
	if (r == 0)
		r = build_model(t, o);
	if (r == -ENOMEM)
		mk_log(o->log, LOG_ERR, "%s: %s\n", path, strerror(ENOMEM));
	if (r < 0) {
		modtree_free(t);
		return r;
	}
	*out = t;
	return 0;
}

const struct modtree_module *modtree_find(const struct modtree *t, const char *name)
{
	struct modtree_module key = { .name = name };

	return t->n ? bsearch(&key, t->mods, t->n, sizeof(key), mt_cmp_module) : NULL;
}

const struct modtree_export *modtree_find_symbol(const struct modtree *t,
						 const char *name)
{
	struct modtree_export key = { .name = name };

	return t->n_symbols
		       ? bsearch(&key, t->symbols, t->n_symbols, sizeof(key), cmp_export)
		       : NULL;
}
