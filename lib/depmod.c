// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A depmod run, stage by stage. Each stage reports its own failure in kmod's
 * words (the fatal ones at LOG_CRIT, as kmod's depmod does) and the run stops
 * there; the messages of the libraries it calls go through the same log.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "depgraph.h"
#include "depmod-cache.h"
#include "depmod-record.h"
#include "depmod-config.h"
#include "depmod.h"
#include "modscan.h"
#include "outset.h"

/* What a run holds until its outputs are made; freed in the reverse order. */
struct run {
	const struct depmod_opts *o;
	struct depmod_config *cfg;
	struct modscan *ms;
	struct dg_preload *preload;
	struct depgraph *dg;
	/* docs/depmod-cache.md: the old cache (NULL: none), the key of the new */
	struct depmod_cache *cache;
	char *cache_key;
	struct dg_cache cache_hook;
	/*
	 * The old cache is read and checked on a thread of its own while the walk
	 * starts (2 ms for Debian's tree, an eighth of an incremental run's walk);
	 * a lookup waits for it (cache_lookup())
	 */
	struct cache_load {
		pthread_t thread;
		bool running;
		pthread_mutex_t lock;
		pthread_cond_t cond;
		bool done; /* @cache, @r and @why are set: under @lock, or atomically */
		char *path;
		const char *why;
		int r;
	} load;
	int64_t start_ns;
	/* the graph's modules, in its order (modscan_build()) */
	struct modscan_mod **mods;
	size_t n_mods;
	/*
	 * From the graph on, messages go through @counted to the caller's log:
	 * a run that says something makes no record (docs/depmod-cache.md §7)
	 */
	struct depmod_opts counted_opts;
	struct mk_log counted;
	const struct mk_log *said_to; /* the caller's */
	unsigned int n_said;
	bool cache_present; /* a file was there, valid or not */
	/* the new cache's entries, serialised while the index files are made */
	struct cache_job {
		pthread_t thread;
		bool running;
		const struct dg_module **mods;
		size_t n;
		const struct modscan_listing *dirs; /* the walk's (modscan_listings()) */
		size_t n_dirs;
		struct dmc_writing writing;
		int r;
		/* its body, written while the index files are made */
		struct outset_ahead *ahead;
		/* dmr_digest() of the graph's modules, and its result */
		uint64_t digest;
		int digest_r;
	} job;
	/* with the cache: each output's dmr_file_hash(), for the record (§7) */
	uint64_t out_hash[DEPMOD_N_OUTPUTS];
	bool out_hashed; /* out_hash was made: a record is possible */
};

static int cache_wait(struct run *run);
static int cache_loaded(struct run *run);

static void run_release(struct run *run)
{
	cache_loaded(run);
	cache_wait(run);
	strbuf_release(&run->job.writing.body);
	outset_ahead_free(run->job.ahead);
	free(run->job.mods);
	depgraph_free(run->dg);
	dmc_free(run->cache);
	free(run->cache_key);
	dg_preload_free(run->preload); /* before the modscan its modules belong to */
	modscan_free(run->ms);
	depmod_config_free(run->cfg);
}

static int fail(const struct mk_log *log, int prio, int r, const char *what,
		const char *arg)
{
	if (arg != NULL)
		mk_log(log, prio, "%s %s: %s\n", what, arg, strerror(-r));
	else
		mk_log(log, prio, "%s: %s\n", what, strerror(-r));
	return r;
}

static int out_of_memory(const struct mk_log *log)
{
	mk_log(log, LOG_CRIT, "out of memory\n");
	return -ENOMEM;
}

/* -A: 1 when no module under dirname is newer than modules.dep, else 0 */
static int up_to_date(const struct depmod_opts *o)
{
	_cleanup_free_ char *depfile = NULL;

	if (asprintf(&depfile, "%s/modules.dep", o->outdirname) < 0) {
		depfile = NULL;
		return -ENOMEM; /* not reported, as before */
	}
	return modscan_depfile_up_to_date(o->dirname, depfile, o->log) == 1;
}

__attribute__((format(printf, 3, 0))) static void count_said(void *data, int prio,
							     const char *fmt, va_list ap)
{
	struct run *run = data;

	if (prio <= LOG_WARNING)
		__atomic_fetch_add(&run->n_said, 1, __ATOMIC_RELAXED);
	if (run->said_to != NULL && run->said_to->fn != NULL)
		run->said_to->fn(run->said_to->data, prio, fmt, ap);
}

static bool cache_ready(void *data)
{
	struct run *run = data;

	return __atomic_load_n(&run->load.done, __ATOMIC_ACQUIRE);
}

static void cache_wait_ready(struct run *run)
{
	if (cache_ready(run))
		return;
	pthread_mutex_lock(&run->load.lock);
	while (!run->load.done)
		pthread_cond_wait(&run->load.cond, &run->load.lock);
	pthread_mutex_unlock(&run->load.lock);
}

static int cache_lookup(void *data, struct dg_module *m)
{
	struct run *run = data;

	cache_wait_ready(run);
	return run->cache != NULL ? dmc_lookup(run->cache, m) : 0;
}

static int cache_fill(void *data, struct dg_module *m)
{
	struct run *run = data;

	return dmc_fill(run->cache, m); /* only after a lookup found it */
}

/* May cache_find_listing() give listings now? Not while the cache is read. */
static bool cache_has_listings(void *data)
{
	struct run *run = data;

	return cache_ready(run) && run->cache != NULL;
}

/*
 * A directory's listing from the cache, for the walk: none while the cache is
 * still being read (the walk does not wait for it; the directory is read).
 */
static const struct modscan_listing *
cache_find_listing(void *data, const struct modscan_listing *want)
{
	struct run *run = data;

	return cache_has_listings(run) ? dmc_find_listing(run->cache, want) : NULL;
}

static void *cache_load_run(void *data)
{
	struct run *run = data;
	struct cache_load *l = &run->load;

	l->r = dmc_read_file(l->path, run->cache_key, &run->cache, &l->why);
	pthread_mutex_lock(&l->lock);
	__atomic_store_n(&l->done, true, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

/*
 * Start reading the cache of the last run (docs/depmod-cache.md §4), on a thread
 * of its own when one can be had; cache_loaded() tells how it went.
 */
static int open_cache(struct run *run)
{
	const struct depmod_opts *o = run->o;
	struct cache_load *l = &run->load;

	run->start_ns = dmc_now_ns();
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->cond, NULL);
	run->cache_hook = (struct dg_cache){
		.lookup = cache_lookup,
		.fill = cache_fill,
		.ready = cache_ready,
		.data = run,
	};
	if (dmc_make_key(o->kver, o->dirname, &run->cache_key) < 0 ||
	    asprintf(&l->path, "%s/%s", o->outdirname, DMC_FILENAME) < 0) {
		l->path = NULL;
		l->done = true;
		return out_of_memory(o->log);
	}
	if (!o->read_cache) {
		l->r = -ENOENT;
		l->done = true;
		return 0;
	}
	l->running = mk_thread_create(&l->thread, cache_load_run, run) == 0;
	if (!l->running)
		cache_load_run(run);
	return 0;
}

/*
 * Wait for the old cache: 0 with run->cache when there is a valid one; a cache
 * that is not is reported once, then ignored and replaced.
 */
static int cache_loaded(struct run *run)
{
	struct cache_load *l = &run->load;
	int r;

	if (l->path == NULL)
		return 0; /* not asked for, or said already */
	if (l->running)
		pthread_join(l->thread, NULL);
	l->running = false;
	r = l->r;
	run->cache_present = r != -ENOENT && r != -ENOTDIR;
	if (r < 0 && r != -ENOMEM && run->cache_present)
		mk_log(run->o->log, LOG_WARNING, "%s: %s, rebuilt\n", l->path,
		       l->why != NULL ? l->why : strerror(-r));
	free(l->path);
	l->path = NULL;
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->cond);
	return r == -ENOMEM ? out_of_memory(run->o->log) : 0;
}

static void *cache_job_run(void *data)
{
	struct run *run = data;
	struct cache_job *job = &run->job;

	/*
	 * a new body (3.8 MB for Debian's tree) goes to its file as it is made, in
	 * pieces, the writeback on its way before the commit
	 */
	job->r = dmc_write_begin(&job->writing, run->cache_key, run->o->dirname,
				 run->o->outdirname, run->start_ns, job->mods, job->n,
				 job->dirs, job->n_dirs, run->cache);
	job->ahead = job->writing.ahead;
	job->writing.ahead = NULL;
	/* the record's digest, of the graph's modules (job->mods begins with them) */
	if (job->r == 0)
		job->digest_r = dmr_digest(run->o, job->mods, depgraph_count(run->dg),
					   run->start_ns, false, &job->digest);
	return NULL;
}

/*
 * The new cache's entries, from what was read or taken from the old one: the
 * graph's modules, and the duplicates the walk read that lost to them (read
 * again otherwise, every run). They are serialised on a thread of their own
 * while the index files are made, which only read the modules too; on this
 * thread when none can be started.
 */
static int cache_start(struct run *run)
{
	struct cache_job *job = &run->job;
	size_t n = depgraph_count(run->dg);
	size_t n_pre = run->preload != NULL ? dg_preload_count(run->preload) : 0;

	job->mods = malloc((n + n_pre + 1) * sizeof(*job->mods));
	if (job->mods == NULL)
		return out_of_memory(run->o->log);
	for (size_t i = 0; i < n; i++)
		job->mods[job->n++] = depgraph_module(run->dg, i);
	for (size_t i = 0; i < n_pre; i++)
		if (dg_preload_unused(run->preload, i) != NULL)
			job->mods[job->n++] = dg_preload_unused(run->preload, i);
	job->n_dirs = modscan_listings(run->ms, &job->dirs);
	job->running = mk_thread_create(&job->thread, cache_job_run, run) == 0;
	if (!job->running)
		cache_job_run(run);
	return 0;
}

static int cache_wait(struct run *run)
{
	struct cache_job *job = &run->job;

	if (job->running)
		pthread_join(job->thread, NULL);
	job->running = false;
	return job->r;
}

/* The new cache, with the record of the outputs when a later run can trust it (§7). */
static int make_cache(struct run *run, struct depmod_result *res)
{
	unsigned char rec[DMR_LEN];
	size_t rec_len = 0;
	int r = cache_wait(run);

	if (r == -ENOMEM) {
		strbuf_release(&run->job.writing.body);
		return out_of_memory(run->o->log);
	}
	if (r < 0) { /* the old one, if any, stays: its entries are still checked */
		strbuf_release(&run->job.writing.body);
		return 0;
	}
	/* a run that said something makes no record */
	r = run->n_said == 0 && run->out_hashed ? run->job.digest_r : 0;
	if (r < 0) {
		strbuf_release(&run->job.writing.body);
		return out_of_memory(run->o->log);
	}
	if (r > 0) {
		dmr_make(run->job.digest, res->out, run->out_hash, rec);
		rec_len = sizeof(rec);
	}
	/* 1: the same as the old one, which stays: nothing to write or compare */
	r = dmc_write_end(&run->job.writing, rec, rec_len, &res->cache);
	if (r == -ENOMEM)
		return out_of_memory(run->o->log);
	if (r < 0)
		strbuf_clear(&res->cache);
	if (r == 0) { /* the bytes written ahead are those of this cache */
		res->cache_ahead = run->job.ahead;
		run->job.ahead = NULL;
	}
	return 0;
}

/*
 * depmod -a: the walk hands each module to the readers as it finds it, with
 * lazy links; when one of those led to no regular file, what was read is
 * dropped and the tree is walked again kmod's way (lib/modscan.h).
 */
static int scan_tree(struct run *run)
{
	const struct depmod_opts *o = run->o;
	int r;

	r = depmod_config_load(o->config_paths, o->kver, o->log, &run->cfg);
	if (r < 0)
		return fail(o->log, LOG_CRIT, r, "could not load config", NULL);
	if (modscan_new(o->dirname, run->cfg, o->log, &run->ms) < 0 ||
	    dg_preload_start(o->n_threads, &run->preload) < 0)
		return out_of_memory(o->log);
	modscan_set_add_hook(run->ms, dg_preload_add, run->preload);
	modscan_set_lazy_links(run->ms, true);
	if (run->cache_key != NULL) {
		dg_preload_set_cache(run->preload, &run->cache_hook);
		modscan_set_listings(run->ms, cache_find_listing, cache_has_listings, run,
				     o->make_cache);
	}
	r = modscan_walk(run->ms);
	dg_preload_finish(run->preload);
	if (modscan_walk_end(run->ms) > 0) {
		dg_preload_free(run->preload);
		run->preload = NULL;
		r = modscan_rewalk(run->ms);
	}
	if (r < 0)
		return fail(o->log, LOG_CRIT, r, "could not search modules", NULL);
	return 0;
}

/* depmod FILES...: only those modules, read after the scan */
static int scan_files(struct run *run)
{
	const struct depmod_opts *o = run->o;

	if (modscan_new(o->dirname, NULL, o->log, &run->ms) < 0)
		return out_of_memory(o->log);
	for (size_t i = 0; i < o->n_files; i++) {
		const char *path = o->files[i];
		int r;

		if (path[0] != '/') {
			mk_log(o->log, LOG_CRIT, "%s: not absolute path.\n", path);
			return -EINVAL;
		}
		r = modscan_add_path(run->ms, path);
		if (r == -EEXIST)
			return fail(o->log, LOG_CRIT, r, "could not add module", path);
		if (r < 0)
			return fail(o->log, LOG_CRIT, r, "could not create module", path);
	}
	return 0;
}

/*
 * The graph's modules in their order; from here on, what the run says is
 * counted (struct run).
 */
static int build_order(struct run *run)
{
	int r = modscan_build(run->ms, &run->mods, &run->n_mods);

	if (r < 0)
		return fail(run->o->log, LOG_CRIT, r, "could not build module array",
			    NULL);
	run->said_to = run->o->log;
	run->counted = (struct mk_log){ .fn = count_said, .data = run };
	run->counted_opts = *run->o;
	run->counted_opts.log = &run->counted;
	run->o = &run->counted_opts;
	return 0;
}

/* Is file @i of the set as the record says (struct outset_same_fn)? */
static int same_as_recorded(void *data, size_t i, int fd, uint64_t size)
{
	const struct dmr_files *files = data;
	uint64_t hash;
	void *map;
	char extra;

	if (size != files->size[i] || size > SIZE_MAX)
		return 0;
	/* all of it, and nothing more: the file did not grow meanwhile */
	if (pread(fd, &extra, 1, (off_t)size) != 0)
		return 0;
	if (size == 0)
		return dmr_file_hash("", 0) == files->hash[i];
	/* mapped, not read: 3 MB for Debian's set, and no copy of it */
	map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED)
		return 0;
	hash = dmr_file_hash(map, (size_t)size);
	munmap(map, (size_t)size);
	return hash == files->hash[i];
}

/*
 * May the index files stay as they are (docs/depmod-cache.md §7)? 1 when the
 * cache's record was made from the inputs this run has (every module taken from
 * the cache) and each file is as recorded; 0 to make them.
 */
static int outputs_current(struct run *run)
{
	const struct depmod_opts *o = run->o;
	_cleanup_free_ const struct dg_module **mods = NULL;
	struct dmr_files files;
	uint64_t want, digest;
	const void *rec;
	size_t len;
	int r;

	if (!o->reuse_outputs || run->cache == NULL)
		return 0;
	rec = dmc_record(run->cache, &len);
	if (!dmr_parse(rec, len, &want, &files))
		return 0;
	mods = malloc((run->n_mods + 1) * sizeof(*mods));
	if (mods == NULL)
		return out_of_memory(o->log);
	for (size_t i = 0; i < run->n_mods; i++)
		mods[i] = run->mods[i]->user; /* read during the walk, or NULL */
	r = dmr_digest(o, mods, run->n_mods, run->start_ns, true, &digest);
	if (r < 0)
		return out_of_memory(o->log);
	if (r == 0 || digest != want)
		return 0;
	/* any trouble there: the run makes the files, and says what it is */
	r = outset_reuse(o->outdirname, depmod_output_names, DEPMOD_N_OUTPUTS,
			 o->file_mode, o->reuse_to_compare, same_as_recorded, &files);
	return r == 1;
}

/* The module order, the kernel's symbols (-E or -F), then every module's. */
/* The graph, with the cache's job started beside it when @cache. */
static int load_graph(struct run *run, bool cache)
{
	const struct depmod_opts *o = run->o;
	const char *kernel_syms = o->symvers ? o->symvers : o->system_map;
	struct depgraph_opts gopts = {
		.sym_prefix = o->sym_prefix,
		.print_unknown = o->print_unknown,
		.count_only = o->unknown_summary,
		.n_threads = o->n_threads,
		.log = o->log,
		.show = o->show,
		.cache = run->cache_key != NULL ? &run->cache_hook : NULL,
	};
	int r = 0;

	if (o->print_unknown && kernel_syms == NULL) {
		mk_log(o->log, LOG_WARNING, "-e needs -E or -F\n");
		gopts.print_unknown = false;
	}
	if (depgraph_new(run->mods, run->n_mods, &gopts, &run->dg) < 0)
		return out_of_memory(o->log);
	if (o->symvers != NULL)
		r = depgraph_load_symvers(run->dg, o->symvers);
	else if (o->system_map != NULL)
		r = depgraph_load_system_map(run->dg, o->system_map);
	if (r < 0)
		return fail(o->log, LOG_CRIT, r, "could not load", kernel_syms);
	r = depgraph_read_modules(run->dg);
	/*
	 * the cache's job starts once the modules are complete: it then has the
	 * symbol table's making (a CPU the generation does not use yet) to run
	 * beside
	 */
	if (r == 0 && cache && cache_start(run) < 0)
		return -ENOMEM; /* said */
	if (r == 0)
		r = depgraph_add_exports(run->dg);
	if (r < 0)
		return fail(o->log, LOG_ERR, r, "could not load the modules", NULL);
	return 0;
}

/* What -e reported, module by module, copied out of the graph into @res. */
static int collect_unresolved(struct depgraph *dg, struct depmod_result *res)
{
	size_t n = depgraph_count(dg), k = 0;

	for (size_t i = 0; i < n; i++) {
		const struct dg_module *m = depgraph_module(dg, i);

		k += m->n_unknown > 0 || m->n_badcrc > 0;
	}
	if (k == 0)
		return 0;
	res->unresolved = calloc(k, sizeof(*res->unresolved));
	if (res->unresolved == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct dg_module *m = depgraph_module(dg, i);
		struct depmod_unresolved *u = &res->unresolved[res->n_unresolved];

		if (m->n_unknown == 0 && m->n_badcrc == 0)
			continue;
		res->n_unresolved++;
		u->n_unknown = m->n_unknown;
		u->n_badcrc = m->n_badcrc;
		u->path = strdup(m->scan->path);
		if (m->first_unknown != NULL)
			u->first_unknown = strdup(m->first_unknown);
		if (m->first_badcrc != NULL)
			u->first_badcrc = strdup(m->first_badcrc);
		if (u->path == NULL || (m->first_unknown && u->first_unknown == NULL) ||
		    (m->first_badcrc && u->first_badcrc == NULL))
			return -ENOMEM;
	}
	return 0;
}

/* The size of each output file there now, 0 for one that is not a regular file. */
static void output_sizes(const char *outdirname, size_t *sizes)
{
	_cleanup_close_ int dfd = open(outdirname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	for (int i = 0; i < DEPMOD_N_OUTPUTS; i++) {
		struct stat st;

		sizes[i] = 0;
		if (dfd >= 0 &&
		    fstatat(dfd, depmod_output_names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && (uint64_t)st.st_size <= SIZE_MAX)
			sizes[i] = (size_t)st.st_size;
	}
}

/*
 * Every output; those that need no resolution are made while it goes on. With
 * @cache, each is hashed for the cache's record (run->out_hash) when one is
 * possible.
 */
static int generate(struct run *run, struct depmod_result *res, bool cache)
{
	const struct depmod_opts *o = run->o;
	struct depmod_output_opts oopts = {
		.dirname = o->dirname,
		.text_only = o->text_only,
		.warn_dups = o->warn_dups,
		.n_threads = o->n_threads,
		.log = o->log,
		.room = &res->out_room,
	};
	struct depmod_gen *gen;
	int r;

	output_sizes(o->outdirname, oopts.size_hint);
	/*
	 * none when a module of the graph is not one the cache keeps yet, as on
	 * the run after a module's installation: dmr_digest() then makes no record
	 * (job.mods begins with the graph's modules, cache_start())
	 */
	run->out_hashed = cache && dmr_recordable(run->job.mods, depgraph_count(run->dg),
						  run->start_ns, false);
	if (run->out_hashed) {
		oopts.hash = dmr_file_hash;
		oopts.hashes = run->out_hash;
	}
	r = depmod_output_begin(run->dg, &oopts, res->out, &gen);
	if (r < 0)
		return fail(o->log, LOG_ERR, r, "could not generate the index files",
			    NULL);
	r = depgraph_resolve(run->dg);
	if (r == 0)
		r = collect_unresolved(run->dg, res);
	if (r == 0)
		r = depgraph_sort(run->dg);
	if (r < 0) {
		depmod_output_abort(gen);
		if (r == -ELOOP) /* the cycles were reported, and that is all */
			return r;
		return fail(o->log, LOG_ERR, r, "could not load the modules", NULL);
	}
	r = depmod_output_end(gen);
	if (r < 0)
		return fail(o->log, LOG_ERR, r, "could not generate the index files",
			    NULL);
	return 0;
}

static void *release_thread(void *data)
{
	run_release(data);
	free(data);
	return NULL;
}

/*
 * Free what a run that went well built (4,000 modules' arrays, the graph, the
 * old cache's mapping: 2 ms on Debian's tree) on a thread of its own while the
 * caller writes the files; depmod_result_release() waits for it. Nothing of it
 * is in @res, its reading is over (no hook is called back), and freeing says
 * nothing.
 */
static void release_later(struct run *run, struct depmod_result *res)
{
	struct run *copy;

	/* nothing may still use @run itself: the cache's thread has ended */
	cache_wait(run);
	copy = malloc(sizeof(*copy));
	if (copy != NULL) {
		*copy = *run;
		if (mk_thread_create(&res->releasing, release_thread, copy) == 0) {
			res->release_started = true;
			return;
		}
		free(copy);
	}
	run_release(run);
}

int depmod_run(const struct depmod_opts *o, struct depmod_result *res)
{
	struct run run = { .o = o };
	bool all = o->all || o->n_files == 0, cache;
	int r = 0;

	for (int i = 0; i < DEPMOD_N_OUTPUTS; i++)
		res->out[i] = (struct strbuf)STRBUF_INIT;
	res->unresolved = NULL;
	res->n_unresolved = 0;
	res->out_room = (struct hugemem){ NULL, 0 };
	res->cache = (struct strbuf)STRBUF_INIT;
	res->cache_ahead = NULL;
	res->current = false;
	res->release_started = false;
	if (o->quick) {
		if (o->text_only)
			return 1;
		r = up_to_date(o);
		if (r != 0)
			return r;
		all = true;
	}
	if (all && (o->read_cache || o->make_cache))
		r = open_cache(&run);
	if (r == 0)
		r = all ? scan_tree(&run) : scan_files(&run);
	if (r == 0)
		r = cache_loaded(&run);
	if (r == 0)
		r = build_order(&run);
	if (r == 0 && all)
		r = outputs_current(&run);
	if (r == 1) { /* nothing to make or write (docs/depmod-cache.md §7) */
		res->current = true;
		release_later(&run, res);
		return 0;
	}
	cache = all && o->make_cache && (!o->cache_if_present || run.cache_present);
	if (r == 0)
		r = load_graph(&run, cache);
	if (r == 0)
		r = generate(&run, res, cache);
	if (r == 0 && cache)
		r = make_cache(&run, res);
	if (r == 0)
		release_later(&run, res);
	else
		run_release(&run);
	return r;
}

void depmod_result_release(struct depmod_result *res)
{
	if (res->release_started)
		pthread_join(res->releasing, NULL);
	res->release_started = false;
	for (int i = 0; i < DEPMOD_N_OUTPUTS; i++)
		strbuf_release(&res->out[i]);
	hugemem_free(&res->out_room);
	strbuf_release(&res->cache);
	outset_ahead_free(res->cache_ahead);
	res->cache_ahead = NULL;
	for (size_t i = 0; i < res->n_unresolved; i++) {
		free(res->unresolved[i].path);
		free(res->unresolved[i].first_unknown);
		free(res->unresolved[i].first_badcrc);
	}
	free(res->unresolved);
	res->unresolved = NULL;
	res->n_unresolved = 0;
}

int depmod_compare(const struct depmod_opts *o, const struct depmod_result *res,
		   outset_diff_fn fn, void *data)
{
	struct outset_file files[DEPMOD_N_OUTPUTS];
	const char *failed;
	int r;

	if (res->current) /* as recorded: nothing differs (docs/depmod-cache.md §7) */
		return 0;

	for (int i = 0; i < DEPMOD_N_OUTPUTS; i++)
		files[i] = (struct outset_file){
			.name = depmod_output_names[i],
			.data = res->out[i].buf ? res->out[i].buf : "",
			.len = res->out[i].used,
		};
	r = outset_compare(o->outdirname, files, DEPMOD_N_OUTPUTS, fn, data, &failed);
	if (r < 0 && streq(failed, "."))
		return fail(o->log, LOG_ERR, r, "could not open output directory",
			    o->outdirname);
	if (r < 0)
		mk_log(o->log, LOG_ERR, "could not read %s/%s: %s\n", o->outdirname,
		       failed, strerror(-r));
	return r;
}

int depmod_write(const struct depmod_opts *o, const struct depmod_result *res,
		 mode_t file_mode)
{
	const char *names[DEPMOD_N_OUTPUTS + 1];
	struct outset *os = NULL;
	int r;

	if (res->current) /* the files are what they would be (§7 of docs/depmod-cache.md)
			   */
		return 0;

	/* the cache is one of the set, which a journal may rename, even when not made */
	memcpy(names, depmod_output_names, sizeof(*names) * DEPMOD_N_OUTPUTS);
	names[DEPMOD_N_OUTPUTS] = DMC_FILENAME;
	r = outset_open(o->outdirname, names, DEPMOD_N_OUTPUTS + 1, o->log, &os);
	if (r < 0)
		return fail(o->log, LOG_ERR, r, "could not open output directory",
			    o->outdirname);
	/* an index that comes out the same is not written again (docs/compat.md) */
	outset_keep_unchanged(os, file_mode);
	/*
	 * the cache first: its writeback (3.8 MB for Debian's tree) then goes on
	 * while the index files are compared with those on disk
	 */
	if (res->cache_ahead != NULL || res->cache.used > 0) {
		if (res->cache_ahead != NULL)
			r = outset_add_ahead(os, DMC_FILENAME, res->cache_ahead,
					     res->cache.buf, DMC_HEAD_BYTES,
					     res->cache.buf + DMC_HEAD_BYTES,
					     res->cache.used - DMC_HEAD_BYTES);
		else
			r = outset_add(os, DMC_FILENAME, res->cache.buf, res->cache.used);
		/* it checks itself: no fsync of its own (docs/depmod-cache.md §1) */
		if (r == 0)
			outset_may_lose_last(os);
	}
	for (int i = 0; i < DEPMOD_N_OUTPUTS && r == 0; i++)
		r = outset_add(os, depmod_output_names[i],
			       res->out[i].buf ? res->out[i].buf : "", res->out[i].used);
	if (r == 0)
		r = outset_commit(os);
	if (r < 0)
		mk_log(o->log, LOG_ERR,
		       "could not write %s/%s: %s; the previous index files are left "
		       "unchanged\n",
		       o->outdirname,
		       outset_failed_name(os) ? outset_failed_name(os) : "?",
		       strerror(-r));
	outset_free(os);
	return r;
}
