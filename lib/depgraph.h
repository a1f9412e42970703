/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * depmod's module graph: what each module exports and needs, the symbol table,
 * the resolution into dependencies, kmod's topological order and its cycle report.
 * Module data is read in parallel (one modfile per module, read once, only the
 * copied-out strings kept); everything that decides output order runs after, in
 * module order, so the result does not depend on thread timing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modscan.h"
#include "util.h"

struct dg_sym {
	const char *name;
	uint64_t crc;
	char bind; /* exports: 'G', 'W', 'L'; needs: 'U' or 'W' */
	uint32_t hash; /* dg_sym_hash() of the name: resolution, the cache's name pool */
};

enum dg_info_kind {
	DG_INFO_ALIAS,
	DG_INFO_SOFTDEP,
	DG_INFO_WEAKDEP,
};

struct dg_info {
	enum dg_info_kind kind;
	uint32_t len; /* strlen(@value): the cache writes the values by their lengths */
	const char *value;
};

struct dg_module {
	const struct modscan_mod *scan; /* path, relpath, name */
	unsigned int idx; /* position in module order */

	/* read from the file */
	char *arena;
	struct dg_sym *exports;
	size_t n_exports;
	struct dg_sym *needs;
	size_t n_needs;
	struct dg_info *info;
	size_t n_info;
	int open_err; /* opening or reading the file failed */
	int exports_err; /* <0 when no exports could be read */
	bool loaded;
	/*
	 * With depgraph_opts.cache: @st is the file's, and what was read is all
	 * there is (no error but "no symbols"), or came from the cache: it may be
	 * cached (docs/depmod-cache.md)
	 */
	bool cacheable;
	bool from_cache; /* found by dg_cache.lookup, not read */
	/*
	 * a CRC wider than 32 bits, a binding not dg_bind_usual(), or an info
	 * value longer than 32 bits count: what the cache's records cannot hold
	 * (read with the rest)
	 */
	bool odd_syms;
	const void *cache_entry; /* found, not yet filled (dg_cache.fill) */
	const void *cache_found; /* where it was found (kept once filled), or NULL */
	struct mk_file_id st; /* the file's, as fstatat() gave it before it was read */
	void *extra; /* what opts.reader read, or NULL */
	int extra_err; /* the reader's error (not -ENOMEM), 0 when none */

	/*
	 * What -e reports (print_unknown): the needed symbols no one exports, those
	 * whose CRC disagrees (-E), and the first of each in kmod's report order
	 */
	unsigned int n_unknown, n_badcrc;
	const char *first_unknown, *first_badcrc;
	size_t unknown_at; /* count_only: where its unknown needs are kept */

	/* the graph */
	struct dg_module **deps; /* direct, in discovery order (then sorted) */
	size_t n_deps, deps_cap;
	unsigned int users;
	unsigned int dep_sort_idx;
	bool visited;
	unsigned int mark;
};

struct modfile;

/*
 * More to read from each module file while it is open, on the reading thread
 * (mykmod diff: the whole .modinfo, namespaces): @read stores what it took
 * (copied out of @mf) in *@extra and returns 0, or a negative errno (-ENOMEM
 * stops the load; any other is kept in dg_module.extra_err). It may take its
 * memory from @kept, the reading thread's share of memory that lasts as long as
 * the module's data (NULL: none). @free releases an extra; depgraph_free() and
 * dg_preload_free() call it.
 */
struct hugeshare;
struct dg_reader {
	int (*read)(void *data, struct modfile *mf, struct hugeshare *kept, void **extra);
	void (*free)(void *extra);
	void *data;
};

/*
 * Modules read before (mydepmod's cache): with one, each module is stat'ed before
 * it is read, and @lookup fills a module whose file did not change since (1),
 * or returns 0 to have it read, or -ENOMEM. With a dg_reader, @lookup sets the
 * module's extra too (one the reader's free() takes).
 * The module's arena is its own, but its strings may be the cache's: the cache
 * must outlive the graph and the preload.
 */
struct dg_cache {
	int (*lookup)(void *data, struct dg_module *m);
	/*
	 * A module @lookup found is marked loaded with @cache_entry set, and filled
	 * by a preload worker right away, else when the graph needs its data: 0,
	 * or -ENOMEM (then it is filled later).
	 */
	int (*fill)(void *data, struct dg_module *m);
	/*
	 * NULL, or false while @lookup would wait (the cache is still being read):
	 * the walk's own thread then leaves the reading to the workers.
	 */
	bool (*ready)(void *data);
	void *data;
};

/* The hash of dg_sym.hash for a symbol @name. */
uint32_t dg_sym_hash(const char *name);

/* Is @bind one an export (else a need) usually has: exports G W L, needs U W? */
static inline bool dg_bind_usual(char bind, bool export)
{
	return export ? bind == 'G' || bind == 'W' || bind == 'L'
		      : bind == 'U' || bind == 'W';
}

struct depgraph_opts {
	char sym_prefix; /* -P, '\0' for none */
	bool check_symvers; /* -E given: compare CRCs */
	bool print_unknown; /* -e */
	bool count_only; /* with print_unknown: count per module, print nothing */
	unsigned int n_threads;
	const struct mk_log *log; /* warnings and errors */
	const struct mk_log *show; /* -v: "<path> needs \"<sym>\": <owner path>" */
	const struct dg_reader *reader; /* NULL: depmod's data only */
	const struct dg_cache *cache; /* NULL: no cache */
};

/*
 * Reading modules while the walk is still going on: start the threads (the
 * caller's thread counts as one of @n_threads: it reads when the walk has got
 * ahead, and what is left when dg_preload_finish() is called), pass
 * dg_preload_add as the modscan add hook, finish after the walk. depgraph_new()
 * then takes each module's data from its modscan_mod (user field) instead of
 * reading it again. The data read lives in the preload's memory: free the
 * preload after the depgraph that took it, and before the modscan.
 */
struct dg_preload;
int dg_preload_start(unsigned int n_threads, struct dg_preload **out) _must_check_;
/* Before the first dg_preload_add(): the same reader as depgraph_opts.reader. */
void dg_preload_set_reader(struct dg_preload *p, const struct dg_reader *reader);
/* Before the first dg_preload_add(): the same cache as depgraph_opts.cache. */
void dg_preload_set_cache(struct dg_preload *p, const struct dg_cache *cache);
void dg_preload_add(void *preload, struct modscan_mod *m, struct modscan_dir *dir);
/*
 * The same for a module whose image is in memory (read out of a kernel package,
 * lib/pkgread.h): @image (malloc'd) is taken, and freed once read. The caller
 * reads a queued image itself when the threads fall behind, so that only a few
 * images wait in memory at once.
 */
void dg_preload_add_image(struct dg_preload *p, struct modscan_mod *m, void *image,
			  size_t size);
void dg_preload_finish(struct dg_preload *p);
/*
 * Read modules @p's walk queues on the calling thread, as a worker, until the
 * walk ended and none is left: a thread with nothing else to do (the side of
 * mykmod diff loaded first) lends its core. @p must stay allocated during the
 * call; dg_preload_finish() and dg_preload_free() wait for the helpers, and a
 * call after them returns at once.
 */
void dg_preload_help(struct dg_preload *p);
/*
 * After depgraph_new(): the @i-th module the walk handed over (of
 * dg_preload_count()) when it was read but is not in the graph (a duplicate
 * that lost), else NULL. Its data stays until dg_preload_free().
 */
size_t dg_preload_count(const struct dg_preload *p);
const struct dg_module *dg_preload_unused(const struct dg_preload *p, size_t i);
void dg_preload_free(struct dg_preload *p);

struct depgraph;

int depgraph_new(struct modscan_mod **mods, size_t n, const struct depgraph_opts *opts,
		 struct depgraph **out) _must_check_;
void depgraph_free(struct depgraph *dg);

/* Kernel symbols: -E Module.symvers, -F System.map (either adds kmod's fake symbols). */
int depgraph_load_symvers(struct depgraph *dg, const char *filename) _must_check_;
int depgraph_load_system_map(struct depgraph *dg, const char *filename) _must_check_;
/* The same from @len bytes at @data (@filename: for messages); NULL: the file. */
int depgraph_load_symvers_mem(struct depgraph *dg, const char *filename, const char *data,
			      size_t len) _must_check_;
int depgraph_load_system_map_mem(struct depgraph *dg, const char *filename,
				 const char *data, size_t len) _must_check_;

/*
 * Read every module not read yet (in parallel) and report those that failed,
 * then add their exports to the symbol table: depgraph_read_modules() and
 * depgraph_add_exports(), which run in turn when something is to start between
 * them (the modules are complete after the first; the second only reads them).
 */
int depgraph_load_modules(struct depgraph *dg) _must_check_;
int depgraph_read_modules(struct depgraph *dg) _must_check_;
int depgraph_add_exports(struct depgraph *dg) _must_check_;
int depgraph_resolve(struct depgraph *dg) _must_check_;
/*
 * Topological order; on a cycle, reports each one as kmod does, then
 * "Found N modules in dependency cycles!", and returns -ELOOP.
 */
int depgraph_sort(struct depgraph *dg) _must_check_;

size_t depgraph_count(const struct depgraph *dg);
struct dg_module *depgraph_module(const struct depgraph *dg, size_t i);

/*
 * With print_unknown and count_only, after depgraph_resolve(): the m->n_unknown
 * needs of @m that nobody exports (weak ones left out), in the order of its
 * needs, kept until depgraph_free().
 */
const char *const *depgraph_unknown(const struct depgraph *dg, const struct dg_module *m);
/* The module owning symbol @name (NULL for the kernel's); -ENOENT when unknown. */
int depgraph_symbol_owner(const struct depgraph *dg, const char *name,
			  struct dg_module **owner) _must_check_;

/* The transitive dependencies of @m in kmod's line order; the array is malloc'd. */
int depgraph_all_deps(struct depgraph *dg, struct dg_module *m, struct dg_module ***out,
		      size_t *n) _must_check_;

/* The symbol table in kmod's hash order: calls @fn for each symbol owned by a module. */
void depgraph_foreach_symbol(const struct depgraph *dg,
			     void (*fn)(void *data, const char *name,
					const struct dg_module *owner),
			     void *data);

/* Path as kmod writes it in modules.dep: relative when under dirname. */
static inline const char *dg_module_path(const struct dg_module *m)
{
	return m->scan->relpath ? m->scan->relpath : m->scan->path;
}
