/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One side of mykmod diff as a model: the modules of a tree, read the way
 * mydepmod reads them (the walk of lib/modscan.h, the reader threads and the
 * resolution of lib/depgraph.h), with what is compared of each (docs/mykmod-diff.md).
 *
 * A side is found from a path: a root holding lib/modules/VER or usr/lib/modules/VER
 * (VER: the only one there, else opts.kver), or a module directory; one with no
 * module but index files is an index set (index_only); a regular file is read as a
 * kernel package (.deb, .rpm: lib/modtree-pkg.c, lib/pkgread.h), in place. The model
 * itself does not depend on where the bytes came from: everything in it is
 * copied out of the modules (lib/modfile.h, which also opens images in memory).
 *
 * Kernel symbols, for resolution and for the exports of the kernel image: the
 * root's usr/src/linux-headers-VER/Module.symvers, else its boot/System.map-VER
 * (a module directory: its build/Module.symvers, else the System.map of the root
 * it sits in, when it is <root>/lib/modules/VER; one with no __ksymtab_ entries
 * does not count). Without either, a module's "unresolved" list holds every
 * needed symbol no module exports, the kernel's included: modtree_diff() then
 * reports only those that a module of the other side did export.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compress.h"
#include "ksyms.h"
#include "modtree-fields.h"
#include "util.h"

struct modtree_export {
	const char *name;
	uint64_t crc;
	const char *ns; /* NULL: none */
	const char *module; /* the owner; "vmlinux" for the kernel image */
};

struct modtree_module {
	const char *name; /* normalised ('-' -> '_') */
	const char
		*path; /* relative to the module directory (builtin: modules.builtin's) */
	enum mk_compression comp;
	bool builtin; /* listed in modules.builtin (and not a file of the tree) */
	struct modtree_field *fields; /* lib/modtree-fields.h */
	size_t n_fields;
	const char **depends; /* depmod's direct dependencies, sorted names */
	size_t n_depends;
	/*
	 * needed (not weak), owned by nobody (no module, without kernel symbols); in
	 * the order of the module's symbol table, a name possibly more than once
	 */
	const char *const *unresolved;
	size_t n_unresolved;
	struct modtree_export *exports; /* sorted by name */
	size_t n_exports;
};

/* One index file of the module directory, decoded (lib/modtree-index.c). */
struct modtree_index {
	const char *name; /* "modules.alias.bin" */
	const char **entries; /* "KEY VALUE", sorted, without repeats */
	size_t n;
};

struct modtree {
	char *dirname; /* the module directory */
	char *kver;
	struct modtree_module *mods; /* sorted by name */
	size_t n;
	struct modtree_export *symbols; /* every export, the kernel's too; by name */
	size_t n_symbols;
	bool has_kernel_syms;
	bool has_crcs; /* the kernel's CRCs are known (Module.symvers) */
	char **cycles; /* each: the sorted names of one dependency cycle, ' '-joined */
	size_t n_cycles;
	/* no module, only an index set: compare it with modtree_load_indexes() */
	bool index_only;
	bool indexes_loaded;
	struct modtree_index *indexes; /* sorted by name */
	size_t n_indexes;
	void *priv;
};

struct modtree_opts {
	const char *kver; /* NULL: the only one under the root */
	/* the kernel's symbols, as depmod -E / -F; NULL: found (above) */
	const char *symvers;
	const char *system_map;
	unsigned int n_threads;
	const struct mk_log *log; /* what went wrong, in words */
	/*
	 * A side loaded before, which must outlive this one, or NULL: a module
	 * file of this side that is one it read (the same device, inode, size and
	 * times) is not read again (lib/modtree-share.c)
	 */
	const struct modtree *same_files;
	/*
	 * Stat each module file before it is read (a stat more per module), so that
	 * a side loaded later can take it as same_files
	 */
	bool keep_identity;
	/* lib/modtree-pair.c's link between two sides loaded at once, or NULL */
	struct mt_pair_link *link;
	unsigned int side; /* on @link: 0 OLD, 1 NEW */
};

/*
 * 0, or a negative errno after a message to opts.log: -ENOENT (no such path),
 * -ENOTDIR (not a module tree), -EINVAL (VER not unique, garbage in
 * modules.builtin), what reading a module gave (-ENOEXEC: a truncated one).
 */
int modtree_load(const char *path, const struct modtree_opts *opts,
		 struct modtree **out) _must_check_;
/*
 * Both sides at once, OLD @path[0] with @o[0] and NEW @path[1] with @o[1]
 * (lib/modtree-pair.c): concurrently, on two threads, unless NEW likely holds
 * OLD's files, when NEW is loaded after OLD and takes what OLD read of them
 * (o[1].same_files, the loaded OLD; o[].same_files are ignored). The messages
 * and the result are those of modtree_load() of OLD, then of NEW when OLD could
 * be loaded: each side's messages are held and passed on in that order. 0 (both
 * in @out; OLD must outlive NEW), or the first side's negative errno (none).
 */
int modtree_load_pair(const char *const path[2], const struct modtree_opts o[2],
		      struct modtree *out[2]) _must_check_;
void modtree_free(struct modtree *t);
/* modtree_free() of both (either may be NULL), OLD's on a thread of its own. */
void modtree_free_pair(struct modtree *t[2]);
/* Decode every modules.*.bin of the module directory into t->indexes (once). */
int modtree_load_indexes(struct modtree *t, const struct mk_log *log) _must_check_;

const struct modtree_module *modtree_find(const struct modtree *t, const char *name);
/* Sort the names @v and drop repeats; the new count. */
size_t modtree_sort_names(const char **v, size_t n);
/* The export @name wins in @t's table (a module's or the kernel image's), or NULL. */
const struct modtree_export *modtree_find_symbol(const struct modtree *t,
						 const char *name);
