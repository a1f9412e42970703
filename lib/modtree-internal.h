/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the files that build a lib/modtree.h model: lib/modtree.c (the
 * side, its modules), lib/modtree-builtin.c, lib/modtree-cycles.c,
 * lib/modtree-pkg.c (a kernel package), lib/modtree-pkg-links.c (its links),
 * lib/modtree-share.c (files both sides have).
 */
#pragma once

#include <stdint.h>

#include "depgraph.h"
#include "hugemem.h"
#include "ksyms.h"
#include "modtree.h"

struct modsym_ns;
struct mt_share;

/* What the reader threads take of each module, besides depmod's data. */
struct mt_extra {
	enum mk_compression comp;
	struct modtree_field *fields;
	size_t n_fields;
	struct modsym_ns *ns; /* sorted by name */
	size_t n_ns;
	/* the sorted needs that are not weak, once each (lib/modtree.c), or NULL */
	const char **needed;
	size_t n_needed;
	/*
	 * @fields, @ns and @needed are those of a module of another side
	 * (lib/modtree-share.c)
	 */
	bool borrowed;
	/* this and @fields are in the reading threads' memory (lib/hugemem.h) */
	bool in_arena;
};

/* A file kept from a kernel package (lib/modtree-pkg.c). */
struct mt_pkg_file {
	const char *path; /* in the package: "lib/modules/VER/modules.order" */
	const char *data; /* NUL-terminated after len bytes */
	size_t len;
};

struct mt_priv {
	struct modscan *ms;
	struct dg_preload *preload;
	struct depgraph *dg;
	struct ksyms ks;
	struct mk_log walk_log; /* lib/modscan.h keeps it */
	size_t cap_mods;
	void **kept; /* freed by modtree_free() */
	size_t n_kept, cap_kept;
	struct hugearena model; /* mt_alloc()'s */
	/* a kernel package: its module directory "lib/modules/VER/", files kept */
	bool in_package;
	char *pkg_moddir;
	struct mt_pkg_file *pkg_files;
	size_t n_pkg_files, cap_pkg_files;
	/* when the load started (CLOCK_REALTIME, ns), and the modules it may share */
	int64_t start_ns;
	struct mt_share *share;
	struct dg_cache cache;
	bool stat_files; /* the readers use @cache (same_files, keep_identity) */
};

extern const struct dg_reader mt_reader;

/* Keep @p until modtree_free() and return it; NULL (and @p freed) without memory. */
void *mt_keep(struct modtree *t, void *p);
/*
 * Zeroed memory for @n (0: 1) items of @size bytes, aligned as malloc's, kept
 * until modtree_free(); NULL without memory. Cheaper than malloc for the many
 * small arrays of the model.
 */
void *mt_alloc(struct modtree *t, size_t n, size_t size);
/*
 * Where the side @path is (lib/modtree.h): t->dirname and t->kver of a tree, and
 * *@root (malloc'd) when it is <root>/[usr/]lib/modules/VER. 0: a tree, found; 1:
 * a file, to read as a kernel package; or a negative errno after a message.
 */
int mt_find_side(struct modtree *t, const char *path, const struct modtree_opts *o,
		 char **root) _must_check_;
/* A new zeroed entry at the end of t->mods, or NULL. */
struct modtree_module *mt_push_module(struct modtree *t);

/* Compare modtree_module by name. */
int mt_cmp_module(const void *a, const void *b);
/* The file @name of the module directory, read whole and kept (NUL-terminated). */
int mt_read_in_dir(struct modtree *t, const char *name, char **buf,
		   size_t *len) _must_check_;

/* The modules of modules.builtin that are no file of the tree (after those). */
int mt_load_builtin(struct modtree *t, const struct mk_log *log) _must_check_;
/* 1 when the module directory holds a modules.*.bin, 0 when not, or -errno. */
int mt_has_indexes(const struct modtree *t) _must_check_;
/*
 * Read the kernel package @file into t (lib/modtree-pkg.c): t->dirname
 * ("<file>:lib/modules/VER"), t->kver, the modules added to pv->ms and read by
 * pv->preload; the files kept in pv->pkg_files.
 */
int mt_load_package(struct modtree *t, const char *file,
		    const struct modtree_opts *o) _must_check_;
/*
 * A module member @path of the package @file that modscan_add_member() refused with
 * @err: a warning for a path the package holds twice (-EEXIST), else an error, as
 * the walk gives for a file it cannot take; the read goes on.
 */
void mt_pkg_skip(const struct mk_log *log, const char *file, const char *path, int err);
/*
 * Is @path one of the files of a package side kept in memory (lib/modtree-pkg.c:
 * modules.builtin, modules.builtin.modinfo, modules.order of the module directory,
 * a System.map, a Module.symvers)? mt_pkg_keep_file() keeps @buf (malloc'd, taken
 * in all cases) as the file @path: 0 or -ENOMEM.
 */
bool mt_pkg_is_kept(const struct modtree *t, const char *path);
int mt_pkg_keep_file(struct modtree *t, const char *path, void *buf,
		     size_t len) _must_check_;
/* A kept file: @name in the module directory (@in_moddir), else its whole path. */
const struct mt_pkg_file *mt_pkg_find(const struct modtree *t, const char *name,
				      bool in_moddir);
/*
 * Links of a kernel package (lib/modtree-pkg-links.c): each told by the read of
 * the package is added (*@l made on the first); after it, mt_links_read() reads
 * the modules that links of the module directory lead to, as modules at the
 * links' paths (before dg_preload_finish()). 0 or a negative errno.
 */
struct mt_links;
int mt_links_add(struct mt_links **l, const char *path, const char *target) _must_check_;
/* A regular member @path, kept when it has a module's name (for links to directories). */
int mt_links_add_member(struct mt_links **l, const char *path) _must_check_;
/*
 * Where the link @path of @l leads, through the other links of @l: 0 and *@out
 * (malloc'd, from the package's root, no link of @l), 1 when out of the package,
 * 2 when round in circles (*@stored: its target as stored, in both), -ENOENT when
 * @path is no link of @l, or -ENOMEM.
 */
int mt_links_follow(const struct mt_links *l, const char *path, char **out,
		    const char **stored) _must_check_;
int mt_links_read(struct modtree *t, const char *file, struct mt_links *l,
		  const struct mk_log *log) _must_check_;
void mt_links_free(struct mt_links *l);
/*
 * -E FILE where FILE is a kernel headers package (lib/modtree-pkg.c): its one
 * usr/src/linux-headers-VER/Module.symvers (or usr/src/kernels/VER/Module.symvers),
 * read in place and kept in @t; *@name "<file>:<member>" (malloc'd). 0, or a
 * negative errno after a message: none (-ENOENT), several (-EINVAL), what
 * pkg_read() gave.
 */
int mt_pkg_symvers(struct modtree *t, const char *file, const struct mk_log *log,
		   char **name, const char **data, size_t *len) _must_check_;
/* The same for -F FILE, a kernel image package: its one boot/System.map-VER. */
int mt_pkg_system_map(struct modtree *t, const char *file, const struct mk_log *log,
		      char **name, const char **data, size_t *len) _must_check_;
/*
 * The modules of @other (loaded before, kept while @t is loaded) that @t may take
 * as they are when a file of @t is the same (lib/modtree-share.c): *@out, or NULL
 * when @other has none. 0 or -ENOMEM.
 */
int mt_share_new(const struct modtree *other, struct mt_share **out) _must_check_;
void mt_share_free(struct mt_share *s);
/*
 * Whether the sides @path (OLD, then NEW) likely hold the same module files: both
 * trees, and the first module file of NEW's module directory is the file at the
 * same place in OLD's (lib/modtree-share.c). Only a guess, which decides whether
 * NEW waits for OLD to take its files (lib/modtree-pair.c): the models do not
 * depend on it.
 */
bool mt_share_likely(const char *const path[2], const struct modtree_opts o[2]);
/*
 * The dg_cache of a side's readers (lib/depgraph.h): each module file is stat'ed
 * before it is read (its identity kept in dg_module.st), and one that is the same
 * file as a module of @s (NULL: none) is taken from there instead of read again.
 */
struct dg_cache mt_share_cache(struct mt_share *s);

/*
 * Two sides loaded at once (lib/modtree-pair.c): a tree side publishes its
 * readers on the link while its walk goes on (mt_link_publish()), and withdraws
 * them (mt_link_withdraw(), which waits for a helper to leave) after
 * dg_preload_finish(), before they are freed. A side whose modules are read
 * then lends its thread to the readers of side @other, if they are still
 * published, until that walk ends (mt_link_help()). @l NULL: none of it.
 */
void mt_link_publish(struct mt_pair_link *l, unsigned int side, struct dg_preload *p);
void mt_link_withdraw(struct mt_pair_link *l, unsigned int side);
void mt_link_help(struct mt_pair_link *l, unsigned int other);

/* t->cycles from depmod's graph. */
int mt_find_cycles(struct modtree *t, struct depgraph *dg) _must_check_;
