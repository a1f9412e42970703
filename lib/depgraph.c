// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The dependency graph of depmod, with kmod 30's semantics:
 *  - symbol table: kernel symbols (-E/-F) first, then every module's exports in
 *    module order; a later definition replaces an earlier one;
 *  - a module depends on the owner of each symbol it needs (weak ones too), in
 *    the order the needs first hit a new owner;
 *  - the line order is the position in a stack-based Kahn sort;
 *  - cycles are reported by kmod's DFS, in kmod's words.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "depgraph.h"
#include "dynlib.h"
#include "hash.h"
#include "hugemem.h"
#include "mem-budget.h"
#include "modfile.h"
#include "modsyms.h"
#include "strbuf.h"

struct dg_symbol {
	const char *name;
	uint64_t crc;
	struct dg_module *owner;
};

struct depgraph {
	/*
	 * in module order: those read during the walk where the preload put them,
	 * the others in @own
	 */
	struct dg_module **mods;
	struct dg_module *own;
	size_t n;
	struct depgraph_opts opts;
	struct hash *symbols; /* of struct dg_symbol, which @sym_blocks own */
	struct dg_symbol **sym_blocks;
	size_t n_sym_blocks, cap_sym_blocks;
	char **kernel_strings; /* names from -E/-F, owned here */
	size_t n_kernel_strings, cap_kernel_strings;
	unsigned int mark;
	/* for resolution: an open-addressing copy of the final symbol table */
	struct dg_symbol **fast;
	uint32_t *fast_hash;
	size_t fast_mask;
	/* count_only: every module's unknown needs, one run each (depgraph_unknown()) */
	const char **unknown;
	size_t n_unknown, cap_unknown;
	/* the decompressed images the readers hold at once (docs/depmod-outputs.md §2.1)
	 */
	struct mem_budget *budget;
};

/* Read during the walk (dg_preload_add()): the preload's module. */
static bool is_preloaded(const struct modscan_mod *sm)
{
	const struct dg_module *pre = sm->user;

	return pre != NULL && pre->loaded;
}

int depgraph_new(struct modscan_mod **mods, size_t n, const struct depgraph_opts *opts,
		 struct depgraph **out)
{
	struct depgraph *dg = calloc(1, sizeof(*dg));
	size_t n_own = 0, k = 0;

	if (dg == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		n_own += !is_preloaded(mods[i]);
	dg->mods = calloc(n ? n : 1, sizeof(*dg->mods));
	dg->own = calloc(n_own ? n_own : 1, sizeof(*dg->own));
	dg->symbols = hash_new(2048, NULL);
	if (dg->mods == NULL || dg->own == NULL || dg->symbols == NULL ||
	    mem_budget_new(MK_DECOMPRESS_MAX, &dg->budget) < 0) {
		depgraph_free(dg);
		return -ENOMEM;
	}
	dg->n = n;
	dg->opts = *opts;
	for (size_t i = 0; i < n; i++) {
		struct dg_module *m;

		if (is_preloaded(mods[i])) {
			/*
			 * read during the walk: the graph takes it where it is, and
			 * it is no longer the preload's (dg_preload_unused(),
			 * dg_preload_free())
			 */
			m = dg->mods[i] = mods[i]->user;
			mods[i]->user = NULL;
		} else {
			m = dg->mods[i] = &dg->own[k++];
		}
		m->scan = mods[i];
		m->idx = (unsigned int)i;
		m->dep_sort_idx = UINT32_MAX;
	}
	*out = dg;
	return 0;
}

void depgraph_free(struct depgraph *dg)
{
	if (dg == NULL)
		return;
	if (dg->symbols != NULL)
		hash_free(dg->symbols);
	for (size_t i = 0; i < dg->n && dg->mods[i] != NULL; i++) {
		free(dg->mods[i]->arena);
		free(dg->mods[i]->deps);
		if (dg->mods[i]->extra != NULL)
			dg->opts.reader->free(dg->mods[i]->extra);
	}
	for (size_t i = 0; i < dg->n_sym_blocks; i++)
		free(dg->sym_blocks[i]);
	free(dg->sym_blocks);
	for (size_t i = 0; i < dg->n_kernel_strings; i++)
		free(dg->kernel_strings[i]);
	free(dg->fast);
	free(dg->fast_hash);
	free(dg->unknown);
	free(dg->kernel_strings);
	free(dg->mods);
	free(dg->own);
	mem_budget_free(dg->budget);
	free(dg);
}

size_t depgraph_count(const struct depgraph *dg)
{
	return dg->n;
}

struct dg_module *depgraph_module(const struct depgraph *dg, size_t i)
{
	return dg->mods[i];
}

/* ---- the symbol table ---- */

/* a name's hash in the resolution table and in dg_sym.hash */
static uint32_t name_hash(const char *s)
{
	return mk_strhash(s, strlen(s));
}

/* dg_sym_hash() of @name, whose length @len is known: the one place of the rule */
static uint32_t sym_hash_len(const char *name, size_t len)
{
	bool dot = len > 0 && name[0] == '.';

	return mk_strhash(name + dot, len - dot);
}

uint32_t dg_sym_hash(const char *name)
{
	return sym_hash_len(name, strlen(name));
}

/* @n symbols in one block, which the graph frees (a replaced one too) */
static struct dg_symbol *symbols_alloc(struct depgraph *dg, size_t n)
{
	struct dg_symbol *block;

	if (dg->n_sym_blocks == dg->cap_sym_blocks) {
		size_t cap = dg->cap_sym_blocks ? dg->cap_sym_blocks * 2 : 64;
		struct dg_symbol **a = realloc(dg->sym_blocks, cap * sizeof(*a));

		if (a == NULL)
			return NULL;
		dg->sym_blocks = a;
		dg->cap_sym_blocks = cap;
	}
	block = malloc((n ? n : 1) * sizeof(*block));
	if (block != NULL)
		dg->sym_blocks[dg->n_sym_blocks++] = block;
	return block;
}

/* -P: the name without the prefix */
static const char *unprefixed(const struct depgraph *dg, const char *name)
{
	if (dg->opts.sym_prefix != '\0' && name[0] == dg->opts.sym_prefix)
		return name + 1;
	return name;
}

static int symbol_add(struct depgraph *dg, const char *name, bool prefix_skipped,
		      uint64_t crc, struct dg_module *owner)
{
	struct dg_symbol *s = symbols_alloc(dg, 1);

	if (s == NULL)
		return -ENOMEM;
	s->name = prefix_skipped ? name : unprefixed(dg, name);
	s->crc = crc;
	s->owner = owner;
	return hash_add(dg->symbols, s->name, s);
}

/*
 * kmod's table keeps buckets sorted for its iteration order, which makes lookups
 * strcmp-heavy; resolution (a lookup per needed symbol) uses this copy instead.
 */
static int build_fast_table(struct depgraph *dg)
{
	size_t size = 64, count = hash_get_count(dg->symbols);
	struct hash_iter it;
	const void *v;

	while (size < count * 2)
		size *= 2;
	dg->fast = calloc(size, sizeof(*dg->fast));
	dg->fast_hash = calloc(size, sizeof(*dg->fast_hash));
	if (dg->fast == NULL || dg->fast_hash == NULL)
		return -ENOMEM;
	/* half full, at random places: nearly every page is written */
	mem_populate(dg->fast, size * sizeof(*dg->fast));
	mem_populate(dg->fast_hash, size * sizeof(*dg->fast_hash));
	dg->fast_mask = size - 1;
	hash_iter_init(dg->symbols, &it);
	while (hash_iter_next(&it, NULL, &v)) {
		struct dg_symbol *s = (struct dg_symbol *)v;
		uint32_t h = name_hash(s->name);
		size_t i = h & dg->fast_mask;

		while (dg->fast[i] != NULL)
			i = (i + 1) & dg->fast_mask;
		dg->fast[i] = s;
		dg->fast_hash[i] = h;
	}
	return 0;
}

/* @hash: name_hash() of @name without a leading '.', or 0 to compute it here */
static struct dg_symbol *symbol_find(const struct depgraph *dg, const char *name,
				     uint32_t hash)
{
	if (name[0] == '.') /* PPC64: .foo is foo */
		name++;
	if (dg->opts.sym_prefix != '\0' && name[0] == dg->opts.sym_prefix) {
		name++;
		hash = 0;
	}
	if (dg->fast != NULL) {
		uint32_t h = hash ? hash : name_hash(name);

		for (size_t i = h & dg->fast_mask; dg->fast[i] != NULL;
		     i = (i + 1) & dg->fast_mask)
			/* the cache's modules share one copy of each name */
			if (dg->fast_hash[i] == h &&
			    (dg->fast[i]->name == name || streq(dg->fast[i]->name, name)))
				return dg->fast[i];
		return NULL;
	}
	return hash_find(dg->symbols, name);
}

/* A symbol of the kernel itself (-E, -F): no owner; the name is copied and kept. */
static int add_kernel_symbol(struct depgraph *dg, const char *name, bool prefix_skipped,
			     uint64_t crc)
{
	char *copy;

	if (dg->n_kernel_strings == dg->cap_kernel_strings) {
		size_t cap = dg->cap_kernel_strings ? dg->cap_kernel_strings * 2 : 1024;
		char **a = realloc(dg->kernel_strings, cap * sizeof(*a));

		if (a == NULL)
			return -ENOMEM;
		dg->kernel_strings = a;
		dg->cap_kernel_strings = cap;
	}
	copy = strdup(name);
	if (copy == NULL)
		return -ENOMEM;
	dg->kernel_strings[dg->n_kernel_strings++] = copy;
	return symbol_add(dg, copy, prefix_skipped, crc, NULL);
}

static int add_fake_syms(struct depgraph *dg)
{
	int r;

	/* inserted by the kernel loader (__this_module), s390 and ppc64 ABIv2 */
	r = symbol_add(dg, "__this_module", true, 0, NULL);
	if (r == 0)
		r = symbol_add(dg, "_GLOBAL_OFFSET_TABLE_", true, 0, NULL);
	if (r == 0 && symbol_find(dg, "TOC.", 0) == NULL)
		r = symbol_add(dg, "TOC.", true, 0, NULL);
	return r;
}

/*
 * The kernel's own symbols from @fp (@filename names it in messages), a line (of
 * at most @linemax bytes, the rest of a longer one read as the next line, as kmod
 * does) at a time to @parse, then the symbols every kernel has.
 */
static int load_kernel_syms(struct depgraph *dg, const char *filename, FILE *fp,
			    size_t linemax,
			    int (*parse)(struct depgraph *dg, char *line,
					 const char *filename, unsigned int lineno))
{
	_cleanup_free_ char *line = malloc(linemax);
	unsigned int lineno = 0;
	int r = 0;

	if (line == NULL)
		return -ENOMEM;
	while (r == 0 && fgets(line, (int)linemax, fp) != NULL)
		r = parse(dg, line, filename, ++lineno);
	if (r == 0)
		r = add_fake_syms(dg);
	return r;
}

/* The same from the file @filename, or from @len bytes at @data when not NULL. */
static int load_kernel_syms_from(struct depgraph *dg, const char *filename,
				 const char *data, size_t len, size_t linemax,
				 int (*parse)(struct depgraph *dg, char *line,
					      const char *filename, unsigned int lineno))
{
	_cleanup_fclose_ FILE *fp = NULL;

	if (data != NULL && len == 0)
		return add_fake_syms(dg); /* fmemopen() refuses an empty buffer */
	fp = data != NULL ? fmemopen((void *)data, len, "r") : fopen(filename, "re");
	if (fp == NULL)
		return -errno;
	return load_kernel_syms(dg, filename, fp, linemax, parse);
}

/* "0xb352177e\tfind_first_bit\tvmlinux\tEXPORT_SYMBOL" */
static int symvers_line(struct depgraph *dg, char *line, const char *filename,
			unsigned int lineno)
{
	char *save = NULL, *ver, *sym, *where, *end;
	uint64_t crc;

	ver = strtok_r(line, " \t", &save);
	sym = strtok_r(NULL, " \t", &save);
	where = strtok_r(NULL, " \t", &save);
	if (ver == NULL || sym == NULL || where == NULL || !streq(where, "vmlinux"))
		return 0;
	errno = 0;
	crc = strtoull(ver, &end, 16);
	if (end[0] != '\0') {
		/* kmod prints a stale errno here; say what is wrong instead */
		mk_log(dg->opts.log, LOG_ERR, "%s:%u Invalid symbol version %s: %s\n",
		       filename, lineno, ver, strerror(EINVAL));
		return 0;
	}
	return add_kernel_symbol(dg, sym, false, crc);
}

int depgraph_load_symvers_mem(struct depgraph *dg, const char *filename, const char *data,
			      size_t len)
{
	int r = load_kernel_syms_from(dg, filename, data, len, 10240, symvers_line);

	if (r == 0)
		dg->opts.check_symvers = true;
	return r;
}

/* "c0294200 R __ksymtab_devfs_alloc_devnum" */
static int system_map_line(struct depgraph *dg, char *line, const char *filename,
			   unsigned int lineno)
{
	static const char ksym[] = "__ksymtab_";
	char *p, *end;

	p = strchr(line, ' ');
	if (p != NULL)
		p = strchr(p + 1, ' ');
	if (p == NULL) {
		mk_log(dg->opts.log, LOG_ERR, "%s:%u: invalid line: %s\n", filename,
		       lineno, line);
		return 0;
	}
	p++;
	if (dg->opts.sym_prefix != '\0' && p[0] == dg->opts.sym_prefix)
		p++;
	if (strncmp(p, ksym, sizeof(ksym) - 1) != 0)
		return 0;
	end = strchr(p, '\n');
	if (end != NULL)
		*end = '\0';
	return add_kernel_symbol(dg, p + sizeof(ksym) - 1, true, 0);
}

int depgraph_load_symvers(struct depgraph *dg, const char *filename)
{
	return depgraph_load_symvers_mem(dg, filename, NULL, 0);
}

int depgraph_load_system_map_mem(struct depgraph *dg, const char *filename,
				 const char *data, size_t len)
{
	return load_kernel_syms_from(dg, filename, data, len, 4096, system_map_line);
}

int depgraph_load_system_map(struct depgraph *dg, const char *filename)
{
	return depgraph_load_system_map_mem(dg, filename, NULL, 0);
}

/* ---- reading the modules ---- */

static bool key_is(const struct modinfo_entry *e, const char *key, size_t len)
{
	return e->keylen == len && memcmp(e->key, key, len) == 0;
}

static int info_kind(const struct modinfo_entry *e)
{
	if (key_is(e, "alias", 5))
		return DG_INFO_ALIAS;
	if (key_is(e, "softdep", 7))
		return DG_INFO_SOFTDEP;
	if (key_is(e, "weakdep", 7))
		return DG_INFO_WEAKDEP;
	return -1;
}

/*
 * A reading thread's own memory (the preload's threads; NULL elsewhere): its
 * share of the memory the modules' data is kept in, and its room for the
 * sparse image of a plain file, used again for each (lib/modfile.h). In
 * malloc's heap, the images of files of different sizes left their pages at
 * different offsets, a fault each, about 4 MB per thread for Debian's tree;
 * the room is one huge page.
 */
struct dg_reading {
	struct hugeshare kept;
	struct hugemem image;
};

/*
 * Copy what depmod needs out of the module into one allocation: from @kept, the
 * reading thread's share of the preload's memory, or malloc'd into m->arena when
 * it is NULL.
 */
static int copy_out(struct dg_module *m, struct hugeshare *kept, const struct modsym *ex,
		    size_t n_ex, const struct modsym *nd, size_t n_nd,
		    const struct modinfo_entry *mi, size_t n_mi)
{
	size_t n_info = 0, strsz = 0, head, len;
	char *p;

	/* the lengths come with the names (struct modsym, struct modinfo_entry) */
	for (size_t i = 0; i < n_ex; i++)
		strsz += ex[i].len + 1;
	for (size_t i = 0; i < n_nd; i++)
		strsz += nd[i].len + 1;
	for (size_t i = 0; i < n_mi; i++) {
		if (info_kind(&mi[i]) < 0)
			continue;
		n_info++;
		strsz += mi[i].valuelen + 1;
	}
	head = (n_ex + n_nd) * sizeof(struct dg_sym) + n_info * sizeof(struct dg_info);
	if (kept != NULL) {
		m->arena = NULL;
		p = hugeshare_alloc(kept, head + strsz + 1);
	} else {
		p = m->arena = malloc(head + strsz + 1);
	}
	if (p == NULL)
		return -ENOMEM;
	m->exports = (struct dg_sym *)p;
	m->needs = m->exports + n_ex;
	m->info = (struct dg_info *)(m->needs + n_nd);
	p += head;

#define COPY_LEN(dst, src, l)                \
	do {                                 \
		size_t l_ = (size_t)(l) + 1; \
		memcpy(p, (src), l_);        \
		(dst) = p;                   \
		p += l_;                     \
	} while (0)

	/* hashed and checked here, on the reading threads, while the names are at hand */
	m->odd_syms = false;
	for (size_t i = 0; i < n_ex; i++) {
		COPY_LEN(m->exports[i].name, ex[i].name, ex[i].len);
		m->exports[i].crc = ex[i].crc;
		m->exports[i].bind = ex[i].bind;
		m->exports[i].hash = sym_hash_len(ex[i].name, ex[i].len);
		m->odd_syms |= ex[i].crc > UINT32_MAX || !dg_bind_usual(ex[i].bind, true);
	}
	for (size_t i = 0; i < n_nd; i++) {
		COPY_LEN(m->needs[i].name, nd[i].name, nd[i].len);
		m->needs[i].crc = nd[i].crc;
		m->needs[i].bind = nd[i].bind;
		m->needs[i].hash = sym_hash_len(nd[i].name, nd[i].len);
		m->odd_syms |=
			nd[i].crc > UINT32_MAX || !dg_bind_usual(nd[i].bind, false);
	}
	for (size_t i = 0, k = 0; i < n_mi; i++) {
		int kind = info_kind(&mi[i]);

		if (kind < 0)
			continue;
		m->info[k].kind = (enum dg_info_kind)kind;
		COPY_LEN(m->info[k].value, mi[i].value, mi[i].valuelen);
		len = (size_t)(p - m->info[k].value) - 1;
		/* a value past 32 bits (none real) leaves the module out of the cache */
		m->info[k].len = len <= UINT32_MAX ? (uint32_t)len : UINT32_MAX;
		m->odd_syms |= len > UINT32_MAX;
		k++;
	}
#undef COPY_LEN
	m->n_exports = n_ex;
	m->n_needs = n_nd;
	m->n_info = n_info;
	return 0;
}

/* An image in memory (taken), else a file of a walk. */
struct dg_source {
	struct modscan_dir *dir; /* @m's directory, or NULL: its path */
	void *image; /* malloc'd, or NULL: the file */
	size_t size;
	const struct stat *st; /* with a cache: the file's stat when taken already */
};

/* No data, or data that is not there: what the same file gives again. */
static bool result_lasts(int r)
{
	return r == 0 || r == -ENODATA || r == -ENOENT;
}

/*
 * With a cache: stat @m where it will be opened (following a symlink, as the
 * open does) and take it from the cache when it did not change: 1, else 0
 * (-ENOMEM). The stat comes first: a change after it shows next time.
 */
static int load_cached(struct dg_module *m, const struct dg_source *src,
		       const struct dg_cache *cache)
{
	const struct stat *sp = src->st;
	struct stat st;
	int r = 0;

	if (sp == NULL && src->dir != NULL)
		r = fstatat(modscan_dir_fd(src->dir), m->scan->path + m->scan->dir_off,
			    &st, 0);
	else if (sp == NULL)
		r = fstatat(AT_FDCWD, m->scan->path, &st, 0);
	if (sp == NULL)
		sp = &st;
	if (r < 0 || !S_ISREG(sp->st_mode))
		return 0;
	m->st = mk_file_id_of(sp);
	m->cacheable = true;
	r = cache->lookup(cache->data, m);
	if (r > 0)
		m->loaded = true;
	return r;
}

/*
 * Read @m from @src (lib/modfile.h; the image is taken in any case); with @cache, a
 * file from there when it did not change.
 */
static int load_one(struct dg_module *m, const struct dg_source *src,
		    struct mem_budget *budget, struct dg_reading *rd,
		    const struct dg_reader *reader, const struct dg_cache *cache)
{
	const struct modsym *ex = NULL, *nd = NULL;
	const struct modinfo_entry *mi = NULL;
	size_t n_ex = 0, n_nd = 0, n_mi = 0;
	struct modscan_dir *dir = src->dir;
	struct modfile *mf;
	int r, r_mi, r_nd;

	m->cacheable = false;
	if (cache != NULL && src->image == NULL) {
		r = load_cached(m, src, cache);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	/* a lazy link's check knows its size: no fstat after the open */
	if (src->image != NULL)
		r = modfile_open_memory_take(src->image, src->size, &mf);
	else if (dir != NULL)
		r = modfile_open_budget(modscan_dir_fd(dir),
					m->scan->path + m->scan->dir_off, m->scan->size,
					budget, rd ? &rd->image : NULL, &mf);
	else
		r = modfile_open_budget(AT_FDCWD, m->scan->path, m->scan->size, budget,
					rd ? &rd->image : NULL, &mf);
	if (r < 0) {
		m->open_err = r;
		m->exports_err = r;
		m->loaded = r != -ENOMEM;
		m->cacheable = false;
		return r == -ENOMEM ? r : 0;
	}
	r = modfile_get_exports(mf, &ex, &n_ex);
	if (r < 0) {
		m->exports_err = r;
		ex = NULL;
		n_ex = 0;
	}
	r_mi = modfile_get_modinfo(mf, &mi, &n_mi);
	if (r_mi < 0) {
		mi = NULL;
		n_mi = 0;
	}
	r_nd = modfile_get_needs(mf, &nd, &n_nd);
	if (r_nd < 0) {
		nd = NULL;
		n_nd = 0;
	}
	/* a read that failed for a reason that may pass is not cached */
	m->cacheable = m->cacheable && result_lasts(m->exports_err) &&
		       result_lasts(r_mi) && result_lasts(r_nd);
	r = copy_out(m, rd ? &rd->kept : NULL, ex, n_ex, nd, n_nd, mi, n_mi);
	if (r == 0 && reader != NULL) {
		r = reader->read(reader->data, mf, rd ? &rd->kept : NULL, &m->extra);
		if (r < 0 && r != -ENOMEM) {
			m->extra_err = r;
			r = 0;
		}
	}
	modfile_free(mf);
	if (r == 0)
		m->loaded = true;
	return r;
}

struct load_job {
	struct depgraph *dg;
	size_t next;
	int err;
};

static void *load_worker(void *arg)
{
	struct load_job *job = arg;
	const struct dg_cache *cache = job->dg->opts.cache;

	for (;;) {
		size_t i = __atomic_fetch_add(&job->next, 1, __ATOMIC_RELAXED);
		struct dg_module *m;
		int r = 0;

		if (i >= job->dg->n)
			break;
		m = job->dg->mods[i];
		if (!m->loaded)
			r = load_one(m, &(struct dg_source){ 0 }, job->dg->budget, NULL,
				     job->dg->opts.reader, cache);
		/* found in the cache (now, or during the walk): its data, in parallel */
		if (r == 0 && m->cache_entry != NULL)
			r = cache->fill(cache->data, m);
		if (r < 0)
			__atomic_store_n(&job->err, r, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int read_all_modules(struct depgraph *dg)
{
	struct load_job job = { .dg = dg, .next = 0, .err = 0 };
	unsigned int nt = dg->opts.n_threads;
	pthread_t *th;
	unsigned int started = 0;

	if (nt == 0)
		nt = 1;
	if (nt > dg->n)
		nt = dg->n ? (unsigned int)dg->n : 1;
	th = calloc(nt, sizeof(*th));
	if (th == NULL)
		return -ENOMEM;
	for (unsigned int t = 1; t < nt; t++) {
		if (mk_thread_create(&th[t], load_worker, &job) < 0)
			break;
		started++;
	}
	load_worker(&job);
	for (unsigned int t = 1; t <= started; t++)
		pthread_join(th[t], NULL);
	free(th);
	return job.err;
}

struct preload_item {
	struct modscan_mod *mod;
	struct dg_source src; /* its dir: a reference, or NULL */
};

/*
 * The walk's modules, handed out in blocks: one calloc() each, on the reading
 * threads, grew each thread's heap by an mprotect() every few pages (140 calls
 * for Debian's tree). The graph takes the modules where they are
 * (depgraph_new()).
 */
#define PRELOAD_BLOCK 1024

struct preload_block {
	struct preload_block *next;
	struct dg_module mods[PRELOAD_BLOCK];
};

/*
 * queued modules that wake a waiting worker: one wake-up per module cost more
 * than a module the cache answers for (a futex call and a task switch); files
 * are queued that many at a time, and taken up to that many at a time, so that
 * the walk and a worker rarely meet on the lock (each meeting is a futex call)
 */
#define PRELOAD_WAKE 8

struct dg_preload {
	pthread_mutex_t lock;
	/*
	 * What the reading threads copy out of the modules (copy_out(), the
	 * reader's): together in huge pages, the kept data costs a page fault per
	 * 2 MiB, not one per 4 KiB (docs/depmod-outputs.md §12). Each thread takes
	 * its share; the walk's is in @walk_reading.
	 */
	struct hugearena kept;
	pthread_mutex_t kept_lock;
	struct dg_reading walk_reading;
	struct preload_block *blocks; /* the newest first, under @lock */
	size_t block_used;
	pthread_cond_t cond;
	struct preload_item *queue;
	size_t n, cap, next;
	bool done;
	unsigned int n_waiting; /* workers waiting for the queue to fill */
	/* threads lending a hand (dg_preload_help()); none comes once @closed */
	unsigned int n_helping;
	bool closed;
	/* files the walk found and has not queued yet: the walk's own */
	struct preload_item pend[PRELOAD_WAKE];
	unsigned int n_pend;
	pthread_t *th;
	unsigned int n_th;
	struct mem_budget *budget; /* as in struct depgraph */
	const struct dg_reader *reader;
	const struct dg_cache *cache;
};

/* A zeroed module of the current block, or NULL (no memory); under p->lock. */
static struct dg_module *preload_module_locked(struct dg_preload *p)
{
	struct dg_module *d = NULL;

	if (p->blocks == NULL || p->block_used == PRELOAD_BLOCK) {
		struct preload_block *b = calloc(1, sizeof(*b));

		if (b != NULL) {
			/* filled as modules are read: made in one call */
			mem_populate(b, sizeof(*b));
			b->next = p->blocks;
			p->blocks = b;
			p->block_used = 0;
		}
	}
	if (p->blocks != NULL && p->block_used < PRELOAD_BLOCK)
		d = &p->blocks->mods[p->block_used++];
	return d;
}

static struct dg_module *preload_module(struct dg_preload *p)
{
	struct dg_module *d;

	pthread_mutex_lock(&p->lock);
	d = preload_module_locked(p);
	pthread_mutex_unlock(&p->lock);
	return d;
}

/*
 * Read one queued module; on failure a file is simply read again later (an image
 * is not: its failure is kept as the module's error, as a file's would be).
 */
static void preload_one(struct dg_preload *p, struct dg_reading *rd,
			struct modscan_mod *sm, const struct dg_source *src,
			struct dg_module *slot, bool fill)
{
	struct dg_module *d = NULL;
	struct dg_source s = *src;
	struct stat st;
	bool wanted;
	int r;

	if (src->image != NULL) {
		wanted = true;
	} else if (p->cache != NULL) {
		/* the cache needs the file's identity: one stat for both */
		r = modscan_stat(sm, src->dir, &st);
		if (r == 0)
			s.st = &st;
		wanted = !sm->not_regular;
	} else {
		wanted = modscan_check_type(sm, src->dir) == 0;
	}
	/* @slot: a module of a block taken with it, or NULL for one taken here */
	if (wanted)
		d = slot ? slot : preload_module(p);
	if (d == NULL) {
		modscan_dir_unref(src->dir);
		free(src->image);
		return;
	}
	d->scan = sm;
	r = load_one(d, &s, p->budget, rd, p->reader, p->cache);
	modscan_dir_unref(src->dir);
	if (r < 0 || !d->loaded) {
		if (d->extra != NULL)
			p->reader->free(d->extra);
		free(d->arena);
		return; /* its place in the block stays unused */
	}
	/* a worker fills one found in the cache too, while the walk goes on */
	if (fill && d->cache_entry != NULL)
		p->cache->fill(p->cache->data, d); /* else filled later */
	sm->user = d; /* read by the main thread after the join */
}

/*
 * polls of the queue before a worker sleeps: waking a sleeping worker cost the
 * walk a futex call and an interprocessor interrupt each time (a sixth of the
 * walk's time when the cache answers for the modules, and the worker, faster
 * than the walk, kept falling asleep); a few tens of microseconds of polling
 * covers the walk's time to find the next files
 */
#define PRELOAD_SPIN 2000

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* Poll, without the lock, until a module is queued or the walk ended, or for a while. */
static void preload_spin(struct dg_preload *p)
{
	for (unsigned int i = 0; i < PRELOAD_SPIN; i++) {
		if (__atomic_load_n(&p->n, __ATOMIC_RELAXED) !=
			    __atomic_load_n(&p->next, __ATOMIC_RELAXED) ||
		    __atomic_load_n(&p->done, __ATOMIC_RELAXED))
			return;
		cpu_relax();
	}
}

/* what a thread takes from the queue at once, with a module of a block for each */
struct preload_take {
	struct preload_item item[PRELOAD_WAKE];
	struct dg_module *slot[PRELOAD_WAKE];
	unsigned int n;
};

/*
 * Take queued modules (@wait: until there is one or the walk ended): a share of
 * those queued, up to PRELOAD_WAKE, so that the other threads get theirs too.
 * False when none was left.
 */
static bool preload_take(struct dg_preload *p, bool wait, struct preload_take *t)
{
	size_t left, share;

	if (wait)
		preload_spin(p);
	pthread_mutex_lock(&p->lock);
	while (wait && p->next == p->n && !p->done) {
		p->n_waiting++;
		pthread_cond_wait(&p->cond, &p->lock);
		p->n_waiting--;
	}
	left = p->n - p->next;
	share = left / (p->n_th + 1);
	share = share < 1 ? 1 : share > PRELOAD_WAKE ? PRELOAD_WAKE : share;
	t->n = 0;
	while (t->n < share && p->next < p->n) {
		t->item[t->n] = p->queue[p->next];
		p->queue[p->next].src = (struct dg_source){ 0 };
		__atomic_store_n(&p->next, p->next + 1, __ATOMIC_RELAXED);
		t->slot[t->n++] = preload_module_locked(p);
	}
	pthread_mutex_unlock(&p->lock);
	return t->n > 0;
}

static void preload_taken(struct dg_preload *p, struct dg_reading *rd,
			  struct preload_take *t, bool fill)
{
	for (unsigned int i = 0; i < t->n; i++)
		preload_one(p, rd, t->item[i].mod, &t->item[i].src, t->slot[i], fill);
}

/* A reading thread's share of @p's kept memory, nothing taken yet. */
static struct hugeshare kept_share(struct dg_preload *p)
{
	return (struct hugeshare){ &p->kept, &p->kept_lock, NULL, 0 };
}

/* Read queued modules, as a worker or a helper, until the walk ended and none is left. */
static void preload_read_on(struct dg_preload *p)
{
	struct dg_reading rd = { .kept = kept_share(p) };
	struct preload_take t;

	while (preload_take(p, true, &t))
		preload_taken(p, &rd, &t, true);
	hugemem_free(&rd.image);
}

static void *preload_worker(void *arg)
{
	preload_read_on(arg);
	return NULL;
}

void dg_preload_help(struct dg_preload *p)
{
	pthread_mutex_lock(&p->lock);
	if (p->closed) {
		pthread_mutex_unlock(&p->lock);
		return;
	}
	p->n_helping++;
	pthread_mutex_unlock(&p->lock);
	preload_read_on(p);
	pthread_mutex_lock(&p->lock);
	if (--p->n_helping == 0)
		pthread_cond_broadcast(&p->cond); /* preload_close() may wait */
	pthread_mutex_unlock(&p->lock);
}

/* The walk ended: wake the waiting threads, and wait for the helpers to leave. */
static void preload_close(struct dg_preload *p)
{
	pthread_mutex_lock(&p->lock);
	__atomic_store_n(&p->done, true, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&p->cond);
	while (p->n_helping > 0)
		pthread_cond_wait(&p->cond, &p->lock);
	p->closed = true;
	pthread_mutex_unlock(&p->lock);
}

int dg_preload_start(unsigned int n_threads, struct dg_preload **out)
{
	struct dg_preload *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	pthread_mutex_init(&p->kept_lock, NULL);
	p->walk_reading.kept = kept_share(p);
	if (n_threads == 0)
		n_threads = 1;
	p->th = calloc(n_threads, sizeof(*p->th));
	if (p->th == NULL || mem_budget_new(MK_DECOMPRESS_MAX, &p->budget) < 0) {
		dg_preload_free(p);
		return -ENOMEM;
	}
	/* the caller's thread is one of them: it reads too (dg_preload_add/finish) */
	for (unsigned int t = 0; t + 1 < n_threads; t++) {
		if (mk_thread_create(&p->th[t], preload_worker, p) < 0)
			break;
		p->n_th++;
	}
	*out = p;
	return 0;
}

/* queued modules beyond which the walk reads some itself */
#define PRELOAD_BACKLOG 24

void dg_preload_set_reader(struct dg_preload *p, const struct dg_reader *reader)
{
	p->reader = reader;
}

void dg_preload_set_cache(struct dg_preload *p, const struct dg_cache *cache)
{
	p->cache = cache;
}

/*
 * Queue the walk's pending files and @extra (NULL, or an image to read), with
 * one lock; what cannot be queued (no memory) is left to depgraph_load_modules()
 * for a file, read here for an image. The number queued and not taken.
 */
static size_t preload_flush(struct dg_preload *p, const struct preload_item *extra)
{
	size_t k = p->n_pend + (extra != NULL), backlog;

	pthread_mutex_lock(&p->lock);
	if (p->cap - p->n < k) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		struct preload_item *a = realloc(p->queue, cap * sizeof(*a));

		if (a == NULL) {
			pthread_mutex_unlock(&p->lock);
			for (unsigned int i = 0; i < p->n_pend; i++)
				modscan_dir_unref(p->pend[i].src.dir);
			p->n_pend = 0;
			if (extra != NULL)
				preload_one(p, &p->walk_reading, extra->mod, &extra->src,
					    NULL, false);
			return 0;
		}
		p->queue = a;
		p->cap = cap;
	}
	memcpy(&p->queue[p->n], p->pend, p->n_pend * sizeof(*p->pend));
	if (extra != NULL)
		p->queue[p->n + p->n_pend] = *extra;
	p->n_pend = 0;
	/* with a store a polling worker sees whole (preload_spin()) */
	__atomic_store_n(&p->n, p->n + k, __ATOMIC_RELAXED);
	backlog = p->n - p->next;
	if (p->n_waiting > 0 && backlog >= PRELOAD_WAKE)
		pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return backlog;
}

/* One producer (the walk, or a package's reader) queues, the workers take. */
static void preload_queue(struct dg_preload *p, struct modscan_mod *m,
			  const struct dg_source *src)
{
	struct preload_item item = { .mod = m, .src = *src };
	struct preload_take t;
	size_t backlog;

	if (src->image == NULL) {
		if (src->dir != NULL)
			modscan_dir_ref(src->dir);
		p->pend[p->n_pend++] = item;
		if (p->n_pend < PRELOAD_WAKE)
			return;
		backlog = preload_flush(p, NULL);
	} else {
		backlog = preload_flush(p, &item);
	}

	/*
	 * The walk is quicker than the readers: rather than run far ahead, keeping
	 * hundreds of directories open (each growth of the descriptor table of a
	 * threaded process waits for an RCU grace period), or images in memory, it
	 * reads some too.
	 */
	if (backlog > PRELOAD_BACKLOG &&
	    (p->cache == NULL || p->cache->ready == NULL ||
	     p->cache->ready(p->cache->data)) &&
	    preload_take(p, false, &t))
		preload_taken(p, &p->walk_reading, &t, false);
}

void dg_preload_add(void *preload, struct modscan_mod *m, struct modscan_dir *dir)
{
	preload_queue(preload, m, &(struct dg_source){ .dir = dir });
}

void dg_preload_add_image(struct dg_preload *p, struct modscan_mod *m, void *image,
			  size_t size)
{
	preload_queue(p, m, &(struct dg_source){ .image = image, .size = size });
}

void dg_preload_finish(struct dg_preload *p)
{
	struct preload_take left;

	if (p->n_pend > 0)
		preload_flush(p, NULL);
	pthread_mutex_lock(&p->lock);
	__atomic_store_n(&p->done, true, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	/* read what is left alongside the workers (and helpers) */
	while (preload_take(p, false, &left))
		preload_taken(p, &p->walk_reading, &left, false);
	for (unsigned int t = 0; t < p->n_th; t++)
		pthread_join(p->th[t], NULL);
	p->n_th = 0;
	preload_close(p);
	/* every thread has read its last module */
	hugemem_free(&p->walk_reading.image);
	hugearena_trim(&p->kept);
}

size_t dg_preload_count(const struct dg_preload *p)
{
	return p->n;
}

const struct dg_module *dg_preload_unused(const struct dg_preload *p, size_t i)
{
	const struct dg_module *d = p->queue[i].mod->user;

	/* depgraph_new() clears the user field of what it takes */
	return d != NULL && d->loaded ? d : NULL;
}

void dg_preload_free(struct dg_preload *p)
{
	if (p == NULL)
		return;
	if (p->n_th > 0)
		dg_preload_finish(p);
	else if (!p->closed)
		preload_close(p);
	for (unsigned int i = 0; i < p->n_pend; i++) /* the walk stopped early */
		modscan_dir_unref(p->pend[i].src.dir);
	for (size_t i = 0; i < p->n; i++) {
		struct dg_module *d = p->queue[i].mod->user;

		/* one no thread took */
		modscan_dir_unref(p->queue[i].src.dir);
		free(p->queue[i].src.image);
		if (d != NULL) {
			if (d->extra != NULL)
				p->reader->free(d->extra);
			free(d->arena);
			p->queue[i].mod->user = NULL;
		}
	}
	while (p->blocks != NULL) {
		struct preload_block *next = p->blocks->next;

		free(p->blocks);
		p->blocks = next;
	}
	/* after the depgraph that took the modules read into it (lib/depgraph.h) */
	hugemem_free(&p->walk_reading.image);
	hugearena_release(&p->kept);
	pthread_mutex_destroy(&p->kept_lock);
	free(p->queue);
	free(p->th);
	mem_budget_free(p->budget);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}

/*
 * Every module's exports, in module order, so that later exporters replace
 * earlier ones as in kmod: in one hash_add_many(), which sorts each bucket once.
 */
int depgraph_add_exports(struct depgraph *dg)
{
	_cleanup_free_ struct hash_entry *add = NULL;
	struct dg_symbol *syms;
	size_t n = 0, k = 0;

	for (size_t i = 0; i < dg->n; i++)
		if (dg->mods[i]->exports_err >= 0)
			n += dg->mods[i]->n_exports;
	syms = symbols_alloc(dg, n);
	add = malloc((n ? n : 1) * sizeof(*add));
	if (syms == NULL || add == NULL)
		return -ENOMEM;
	/* both filled whole below: made resident in one call each */
	mem_populate(syms, n * sizeof(*syms));
	mem_populate(add, n * sizeof(*add));
	for (size_t i = 0; i < dg->n; i++) {
		struct dg_module *m = dg->mods[i];

		if (m->exports_err < 0)
			continue;
		for (size_t j = 0; j < m->n_exports; j++, k++) {
			syms[k].name = unprefixed(dg, m->exports[j].name);
			syms[k].crc = m->exports[j].crc;
			syms[k].owner = m;
			add[k] = (struct hash_entry){ .key = syms[k].name,
						      .value = &syms[k] };
		}
	}
	return hash_add_many(dg->symbols, add, n);
}

int depgraph_read_modules(struct depgraph *dg)
{
	char why[MK_LIB_STRERROR_MAX];
	int r = read_all_modules(dg);

	if (r < 0)
		return r;
	for (size_t i = 0; i < dg->n; i++) {
		struct dg_module *m = dg->mods[i];
		int e = m->exports_err;

		if (e >= 0 || e == -ENODATA || e == -ENOENT)
			continue;
		if (e == -EBADMSG)
			e = -EINVAL; /* kmod's word for a corrupt stream */
		mk_log(dg->opts.log, LOG_ERR, "failed to load symbols from %s: %s\n",
		       m->scan->path,
		       mk_lib_strerror(e, m->scan->path, why, sizeof(why)));
	}
	return 0;
}

int depgraph_load_modules(struct depgraph *dg)
{
	int r = depgraph_read_modules(dg);

	return r < 0 ? r : depgraph_add_exports(dg);
}

/* ---- resolution ---- */

static int add_dependency(struct depgraph *dg, struct dg_module *m, struct dg_symbol *sym)
{
	struct dg_module *owner = sym->owner;

	if (owner == NULL)
		return 0;
	for (size_t i = 0; i < m->n_deps; i++)
		if (m->deps[i] == owner)
			return 0;
	if (m->n_deps == m->deps_cap) {
		size_t cap = m->deps_cap ? m->deps_cap * 2 : 4;
		struct dg_module **d = realloc(m->deps, cap * sizeof(*d));

		if (d == NULL)
			return -ENOMEM;
		m->deps = d;
		m->deps_cap = cap;
	}
	m->deps[m->n_deps++] = owner;
	owner->users++;
	/* the paths only when shown: reaching them is two cache misses a need */
	if (dg->opts.show != NULL)
		mk_log(dg->opts.show, LOG_NOTICE, "%s needs \"%s\": %s\n", m->scan->path,
		       sym->name, owner->scan->path);
	return 0;
}

/*
 * -e: kmod's line, or with count_only the count, and the name kept: a module's
 * unknown needs are one run of dg->unknown, as the modules are resolved in turn.
 */
static int report_unknown(struct depgraph *dg, struct dg_module *m, const char *name)
{
	if (m->n_unknown++ == 0) {
		m->first_unknown = name;
		m->unknown_at = dg->n_unknown;
	}
	if (!dg->opts.count_only) {
		mk_log(dg->opts.log, LOG_WARNING, "%s needs unknown symbol %s\n",
		       m->scan->path, name);
		return 0;
	}
	if (ARRAY_GROW(dg->unknown, dg->n_unknown, dg->cap_unknown, 256) < 0)
		return -ENOMEM;
	dg->unknown[dg->n_unknown++] = name;
	return 0;
}

static void report_badcrc(struct depgraph *dg, struct dg_module *m, const char *name)
{
	if (m->n_badcrc++ == 0)
		m->first_badcrc = name;
	if (!dg->opts.count_only)
		mk_log(dg->opts.log, LOG_WARNING,
		       "%s disagrees about version of symbol %s\n", m->scan->path, name);
}

/*
 * With count_only, room in dg->unknown for every need at once, made resident in
 * one call: grown by doubling it was copied and faulted in over and over (a side
 * without the kernel's symbols keeps most of its needs there).
 */
static int reserve_unknown(struct depgraph *dg)
{
	size_t total = 0;
	const char **v;

	for (size_t i = 0; i < dg->n; i++)
		if (uaddsz_overflow(total, dg->mods[i]->n_needs, &total))
			return -ENOMEM;
	if (total <= dg->cap_unknown)
		return 0;
	v = reallocarray(dg->unknown, total, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	mem_populate(v + dg->n_unknown, (total - dg->n_unknown) * sizeof(*v));
	dg->unknown = v;
	dg->cap_unknown = total;
	return 0;
}

int depgraph_resolve(struct depgraph *dg)
{
	int r = build_fast_table(dg);

	if (r == 0 && dg->opts.print_unknown && dg->opts.count_only)
		r = reserve_unknown(dg);
	if (r < 0)
		return r;
	for (size_t i = 0; i < dg->n; i++) {
		struct dg_module *m = dg->mods[i];

		for (size_t k = 0; k < m->n_needs; k++) {
			const struct dg_sym *need = &m->needs[k];
			struct dg_symbol *sym = symbol_find(dg, need->name, need->hash);
			bool weak = need->bind == 'W';

			if (sym == NULL) {
				if (dg->opts.print_unknown && !weak)
					r = report_unknown(dg, m, need->name);
				if (r < 0)
					return r;
				continue;
			}
			if (dg->opts.check_symvers && sym->crc != need->crc && !weak &&
			    dg->opts.print_unknown)
				report_badcrc(dg, m, need->name);
			r = add_dependency(dg, m, sym);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

const char *const *depgraph_unknown(const struct depgraph *dg, const struct dg_module *m)
{
	return m->n_unknown ? dg->unknown + m->unknown_at : NULL;
}

int depgraph_symbol_owner(const struct depgraph *dg, const char *name,
			  struct dg_module **owner)
{
	struct dg_symbol *sym = symbol_find(dg, name, 0);

	if (sym == NULL)
		return -ENOENT;
	*owner = sym->owner;
	return 0;
}

/* ---- topological order and cycles ---- */

struct vertex {
	struct vertex *parent;
	struct dg_module *mod;
};

struct ptrvec {
	void **a;
	size_t n, cap;
};

static int ptrvec_push(struct ptrvec *v, void *p)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		void **a = realloc(v->a, cap * sizeof(*a));

		if (a == NULL)
			return -ENOMEM;
		v->a = a;
		v->cap = cap;
	}
	v->a[v->n++] = p;
	return 0;
}

static void remove_root(struct ptrvec *roots, size_t *head, struct dg_module *m)
{
	for (size_t i = *head; i < roots->n; i++) {
		if (roots->a[i] == m) {
			memmove(&roots->a[i], &roots->a[i + 1],
				(roots->n - i - 1) * sizeof(void *));
			roots->n--;
			return;
		}
	}
}

static int report_one_cycle(struct depgraph *dg, struct vertex *vx, struct ptrvec *roots,
			    size_t *head, struct hash *loop_set)
{
	struct strbuf line = STRBUF_INIT;
	struct ptrvec rev = { 0 };
	int r = 0;

	for (struct vertex *v = vx->parent; v != NULL; v = v->parent) {
		r = ptrvec_push(&rev, v);
		if (r == 0)
			r = hash_add(loop_set, v->mod->scan->name, NULL);
		if (r < 0)
			goto out;
	}
	for (size_t i = rev.n; i-- > 0;) {
		struct vertex *v = rev.a[i];

		if (strbuf_pushstr(&line, v->mod->scan->name) < 0 ||
		    strbuf_pushstr(&line, " -> ") < 0) {
			r = -ENOMEM;
			goto out;
		}
		remove_root(roots, head, v->mod);
	}
	if (strbuf_pushstr(&line, vx->mod->scan->name) < 0) {
		r = -ENOMEM;
		goto out;
	}
	mk_log(dg->opts.log, LOG_ERR, "Cycle detected: %s\n", strbuf_str(&line));
out:
	strbuf_release(&line);
	free(rev.a);
	return r;
}

/* Is @m on the path from the root down to @vx, the root itself excepted? */
static bool on_path(const struct vertex *vx, const struct dg_module *m)
{
	for (; vx != NULL && vx->parent != NULL; vx = vx->parent)
		if (vx->mod == m)
			return true;
	return false;
}

/*
 * kmod's search for the loops through one root: every path from it, printed when
 * it comes back. A path that meets a module twice is not followed: it runs round a
 * loop that does not pass through the root, for ever in kmod 30 (docs/compat.md);
 * that loop is reported from its own root. Paths are simple then, but there may be
 * very many: the whole report follows DG_CYCLE_PATHS of them at most, counted in
 * @budget, and stops with -E2BIG past that.
 */
#define DG_CYCLE_PATHS (1u << 20)

/* A vertex for @m below @parent, kept in @all (which frees it) and put on @stack. */
static int push_vertex(struct ptrvec *all, struct ptrvec *stack, struct dg_module *m,
		       struct vertex *parent)
{
	struct vertex *v = calloc(1, sizeof(*v));

	if (v == NULL || ptrvec_push(all, v) < 0) {
		free(v);
		return -ENOMEM;
	}
	v->mod = m;
	v->parent = parent;
	return ptrvec_push(stack, v);
}

static int report_from_root(struct depgraph *dg, struct dg_module *root_mod,
			    struct ptrvec *roots, size_t *head, struct hash *loop_set,
			    size_t *budget)
{
	struct ptrvec all = { 0 }, stack = { 0 };
	/* kmod prints a root an earlier search went through as a "cycle" of its own */
	bool seen = root_mod->visited;
	size_t found = 0;
	int r = push_vertex(&all, &stack, root_mod, NULL);

	while (r == 0 && stack.n > 0) {
		struct vertex *vx = stack.a[--stack.n];
		struct dg_module *m = vx->mod;

		/* the topological sort leaves only loops and branches into them */
		if (m == root_mod && vx->parent != NULL) {
			r = report_one_cycle(dg, vx, roots, head, loop_set);
			found++;
			continue;
		}
		/* kmod leaves modules without dependencies unmarked */
		if (m->n_deps == 0 || on_path(vx->parent, m))
			continue;
		if (m->n_deps > *budget) {
			r = -E2BIG;
			break;
		}
		*budget -= m->n_deps;
		m->visited = true;
		for (size_t i = 0; i < m->n_deps && r == 0; i++)
			r = push_vertex(&all, &stack, m->deps[i], vx);
	}
	/* ...unless it is on a loop, which only a loop into a loop leads to */
	if (r == 0 && seen && found == 0)
		r = report_one_cycle(dg, all.a[0], roots, head, loop_set);
	for (size_t i = 0; i < all.n; i++)
		free(all.a[i]);
	free(all.a);
	free(stack.a);
	return r;
}

static int report_cycles(struct depgraph *dg, const unsigned int *users)
{
	struct ptrvec roots = { 0 };
	struct hash *loop_set;
	size_t head = 0, budget = DG_CYCLE_PATHS;
	int r = 0;

	for (size_t i = 0; i < dg->n; i++)
		if (users[i] > 0 && ptrvec_push(&roots, dg->mods[i]) < 0) {
			free(roots.a);
			return -ENOMEM;
		}
	loop_set = hash_new(16, NULL);
	if (loop_set == NULL) {
		free(roots.a);
		return -ENOMEM;
	}
	while (head < roots.n) {
		struct dg_module *root = roots.a[head++];

		r = report_from_root(dg, root, &roots, &head, loop_set, &budget);
		if (r == -E2BIG) {
			mk_log(dg->opts.log, LOG_ERR,
			       "Too many paths through dependency cycles to report them "
			       "all\n");
			r = 0;
			break;
		}
		if (r < 0)
			break;
	}
	if (r == 0)
		mk_log(dg->opts.log, LOG_ERR, "Found %u modules in dependency cycles!\n",
		       hash_get_count(loop_set));
	hash_free(loop_set);
	free(roots.a);
	return r;
}

static int cmp_dep_sort_idx(const void *a, const void *b)
{
	const struct dg_module *ma = *(struct dg_module *const *)a;
	const struct dg_module *mb = *(struct dg_module *const *)b;

	return (ma->dep_sort_idx > mb->dep_sort_idx) -
	       (ma->dep_sort_idx < mb->dep_sort_idx);
}

int depgraph_sort(struct depgraph *dg)
{
	unsigned int *users, *roots;
	size_t n_roots = 0, n_sorted = 0;
	int r = 0;

	users = malloc(2 * (dg->n ? dg->n : 1) * sizeof(*users));
	if (users == NULL)
		return -ENOMEM;
	roots = users + dg->n;
	for (size_t i = 0; i < dg->n; i++) {
		users[i] = dg->mods[i]->users;
		if (users[i] == 0)
			roots[n_roots++] = (unsigned int)i;
	}
	while (n_roots > 0) {
		struct dg_module *src = dg->mods[roots[--n_roots]];

		src->dep_sort_idx = (unsigned int)n_sorted++;
		for (size_t k = 0; k < src->n_deps; k++) {
			unsigned int d = src->deps[k]->idx;

			if (--users[d] == 0)
				roots[n_roots++] = d;
		}
	}
	if (n_sorted < dg->n) {
		r = report_cycles(dg, users);
		if (r == 0)
			r = -ELOOP;
	} else {
		for (size_t i = 0; i < dg->n; i++)
			if (dg->mods[i]->n_deps > 1)
				qsort(dg->mods[i]->deps, dg->mods[i]->n_deps,
				      sizeof(struct dg_module *), cmp_dep_sort_idx);
	}
	free(users);
	return r;
}

int depgraph_all_deps(struct depgraph *dg, struct dg_module *m, struct dg_module ***out,
		      size_t *n)
{
	struct ptrvec found = { 0 }, stack = { 0 };
	unsigned int mark = ++dg->mark;
	int r = 0;

	if (m->n_deps == 0) {
		*out = NULL;
		*n = 0;
		return 0;
	}
	if (ptrvec_push(&stack, m) < 0)
		return -ENOMEM;
	while (stack.n > 0 && r == 0) {
		struct dg_module *cur = stack.a[--stack.n];

		for (size_t i = 0; i < cur->n_deps && r == 0; i++) {
			struct dg_module *d = cur->deps[i];

			if (d->mark == mark)
				continue;
			d->mark = mark;
			r = ptrvec_push(&found, d);
			if (r == 0)
				r = ptrvec_push(&stack, d);
		}
	}
	free(stack.a);
	if (r < 0) {
		free(found.a);
		return r;
	}
	qsort(found.a, found.n, sizeof(void *), cmp_dep_sort_idx);
	*out = (struct dg_module **)found.a;
	*n = found.n;
	return 0;
}

void depgraph_foreach_symbol(const struct depgraph *dg,
			     void (*fn)(void *data, const char *name,
					const struct dg_module *owner),
			     void *data)
{
	struct hash_iter it;
	const void *v;

	hash_iter_init(dg->symbols, &it);
	while (hash_iter_next(&it, NULL, &v)) {
		const struct dg_symbol *s = v;

		if (s->owner != NULL)
			fn(data, s->name, s->owner);
	}
}
