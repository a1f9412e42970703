/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Finding the modules depmod indexes: the directory walk with kmod's duplicate-name
 * priorities (search, override, external, exclude), and the module order
 * (modules.order first, then kmod's hash order for the rest).
 */
#pragma once

#include <sys/stat.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct modscan_mod {
	char *path; /* as walked: "<dirname>/<rel>" or "<external>/<rel>" */
	size_t baselen; /* offset of the basename in path */
	/*
	 * offset of its path from the directory the add hook was given: the
	 * basename's, or an earlier one when that directory is an ancestor
	 */
	size_t dir_off;
	const char *relpath; /* into path when under dirname, else NULL */
	char *uncrelpath; /* relpath with the compression suffix replaced by .ko */
	char *name; /* normalised module name */
	int sort_idx;
	void *user; /* for the caller (depmod: data read during the walk) */
	/* a symlink added without stat (lazy links): not yet known to be a file */
	bool type_unchecked;
	bool not_regular; /* it turned out not to be a regular file */
	int64_t size; /* bytes, when that check found it regular; else -1 */
};

struct depmod_config;
struct modscan;

/*
 * @dirname: "<root>/<moduledir>/<kver>", without a trailing '/'. @cfg (its search,
 * overrides, externals and excludes; NULL for none) is used, not copied: it must
 * outlive @out.
 */
int modscan_new(const char *dirname, const struct depmod_config *cfg,
		const struct mk_log *log, struct modscan **out) _must_check_;
void modscan_free(struct modscan *ms);

struct modscan_dir;

/*
 * Call @fn for every module the walk adds (also ones a later duplicate replaces:
 * those stay allocated until modscan_free(), so @fn may hand them to threads).
 * @dir, when not NULL, is an open directory the module is in, the one that
 * holds it or one above (the module is m->path + m->dir_off there): to keep it
 * beyond the call, take a reference.
 */
void modscan_set_add_hook(struct modscan *ms,
			  void (*fn)(void *data, struct modscan_mod *m,
				     struct modscan_dir *dir),
			  void *data);
/* References to a directory of the walk; the last one closes it. Thread-safe. */
void modscan_dir_ref(struct modscan_dir *dir);
void modscan_dir_unref(struct modscan_dir *dir);
int modscan_dir_fd(const struct modscan_dir *dir);
/*
 * Lazy links: a symlink with a module's name is added without the stat that
 * tells whether it leads to a file, a directory or nothing, as the walk would
 * otherwise wait for each (the symlinked copies of trees that distributions and
 * tests use have one per module). Whoever reads the module then calls
 * modscan_check_type() first, which does that stat (in parallel, off the walk).
 * The walk's messages are held back until modscan_walk_end() decides: when one
 * of those symlinks did not lead to a regular file (kmod would have descended
 * into it or reported it), the walk must be done again, the strict way.
 */
void modscan_set_lazy_links(struct modscan *ms, bool lazy);
/*
 * The walk's errors about an entry name its directory by descriptor, as kmod's
 * do ("fstatat(5, NAME)"); with @by_path, by its path: a descriptor's number
 * depends on what else the process has open, which for mykmod diff's two sides,
 * walked at once, is a matter of timing.
 */
void modscan_set_dirs_by_path(struct modscan *ms, bool by_path);
/*
 * A directory's listing: the directory's identity as fstat() gave it when it
 * was listed, and its entries in the order getdents() gave them, each its d_type
 * byte, its name and a NUL.
 */
struct modscan_listing {
	struct mk_file_id id; /* the directory's */
	const unsigned char *entries;
	size_t len;
};

/*
 * Listings from elsewhere (mydepmod's cache, docs/depmod-cache.md §3): for each
 * directory it enters, the walk calls @find with the directory's identity
 * (@want's entries NULL) and, when it returns a listing of exactly that
 * identity, takes its entries instead of reading the directory. @find may be
 * NULL. When @have (which may be NULL) says @find may give listings, the lazy
 * walk asks for a directory's identity with a stat of its path rather than
 * opening it, and enters a listed one without opening it at all. With @keep,
 * the walk keeps the listing of every directory it lists, read or taken, for
 * modscan_listings(); those @find gave are pointed at, not copied, and must
 * outlive that call's result.
 */
void modscan_set_listings(struct modscan *ms,
			  const struct modscan_listing *(*find)(
				  void *data, const struct modscan_listing *want),
			  bool (*have)(void *data), void *data, bool keep);
/*
 * The listings the walk kept, in the order it listed the directories (a
 * directory listed twice, twice): their number, *@out owned by @ms and valid
 * until the next walk or modscan_free(). The walk keeps no more after this.
 */
size_t modscan_listings(struct modscan *ms, const struct modscan_listing **out);

/* 0 when @m is known to be a regular file, -ENOTSUP (marked) when it is not. */
int modscan_check_type(struct modscan_mod *m, struct modscan_dir *dir) _must_check_;
/*
 * The same check, always with a stat of where @m leads, which goes to @st: for a
 * reader that needs the file's identity anyway (mydepmod's cache), one stat
 * instead of two. -ENOTSUP (marked) when not a regular file, another -errno when
 * the stat failed (for a lazy link: marked not regular, as the check would).
 */
int modscan_stat(struct modscan_mod *m, struct modscan_dir *dir, struct stat *st);
/*
 * After a lazy walk, once nothing else calls modscan_check_type(): check what is
 * left, then 0 (the walk stands; its messages are passed on) or 1 (drop whatever
 * the hook handed out, and call modscan_rewalk()).
 */
int modscan_walk_end(struct modscan *ms) _must_check_;
/* Forget every module and walk again, the strict way, without the hook. */
int modscan_rewalk(struct modscan *ms) _must_check_;

/*
 * Walk dirname and then the external directories. Unreadable entries are reported
 * through the log and skipped. -ENOENT etc. when dirname itself cannot be opened.
 */
int modscan_walk(struct modscan *ms) _must_check_;

/* Add one module given by absolute path (depmod FILES...): -EEXIST on a duplicate name.
 */
int modscan_add_path(struct modscan *ms, const char *path) _must_check_;

/*
 * A module file known by its path relative to dirname, as a walk would find it
 * (a member of a kernel package, lib/pkgread.h): skipped when the walk would not
 * take it (not a module name, under build/, source/ or an excluded directory), else
 * added with the walk's rule for duplicate names. *@added: the new entry, or NULL
 * when skipped or a duplicate of higher priority kept its place. The add hook, if
 * any, is called as for a walk, with no directory. -EEXIST: @relpath was added
 * before (an archive may hold a path twice; a walk never sees it so), left as it was.
 */
int modscan_add_member(struct modscan *ms, const char *relpath, int64_t size,
		       struct modscan_mod **added) _must_check_;
/* modules.order from memory instead of <dirname>/modules.order (kept, not copied). */
void modscan_set_order(struct modscan *ms, const char *data, size_t len);

/*
 * Build the module array: kmod's hash order over the names, then sorted by
 * <dirname>/modules.order (kmod 30: the last occurrence of a line wins).
 * The array and its entries are owned by @ms.
 */
int modscan_build(struct modscan *ms, struct modscan_mod ***mods, size_t *n) _must_check_;

/*
 * depmod -A: 1 when no module under @dirname is newer than @depfile (kmod 30
 * compares whole seconds), 0 when one is or @depfile is missing, <0 on error.
 */
int modscan_depfile_up_to_date(const char *dirname, const char *depfile,
			       const struct mk_log *log) _must_check_;
