/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One depmod run, as kmod 30's depmod sequences it: the depmod.d configuration,
 * the walk (or the modules named on the command line), the kernel symbols, the
 * module graph and the outputs, generated into memory; then, unless depmod -n
 * shows them, the crash-safe writing of the set. How the work is spread over
 * the threads: docs/HACKING.md ("How mydepmod spends its time").
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "depmod-output.h"
#include "outset.h"
#include "strbuf.h"
#include "util.h"

struct depmod_opts {
	const char *dirname; /* "<root>/<moduledir>/<kver>": the modules */
	const char *outdirname; /* where the files go (-o), and -A's modules.dep is */
	const char *kver; /* matched by depmod.d's KVER patterns */
	const char *const *config_paths; /* -C, NULL-terminated; NULL: the default */
	/* FILES...: absolute paths of the only modules to index; none: the walk */
	const char *const *files;
	size_t n_files;
	bool all; /* -a: the walk, even with FILES... */
	bool quick; /* -A: nothing when no module is newer than modules.dep */
	const char *symvers; /* -E */
	const char *system_map; /* -F, when no -E */
	bool print_unknown; /* -e, with -E or -F */
	/* with print_unknown: no line per symbol, only res->unresolved (--summary) */
	bool unknown_summary;
	char sym_prefix; /* -P, '\0' for none */
	bool text_only; /* -n: the text outputs only */
	bool warn_dups; /* -w */
	unsigned int n_threads; /* -j, the caller's thread included */
	/*
	 * The cache of a walk (docs/depmod-cache.md), in outdirname: read it,
	 * make a new one for depmod_write() (never with FILES... without -a);
	 * with cache_if_present, make one only when outdirname already has one
	 * (depmod -b on an image, docs/depmod-cache.md §5)
	 */
	bool read_cache, make_cache, cache_if_present;
	/*
	 * With read_cache: when the cache's record says the files on disk are what
	 * this run would make, leave them (docs/depmod-cache.md §7). Only for a run
	 * that says nothing of its own while making them (no -e, -w, -v).
	 */
	bool reuse_outputs;
	/* with reuse_outputs: for depmod_compare(), contents only, nothing touched */
	bool reuse_to_compare;
	mode_t file_mode; /* the mode depmod_write() gives new files */
	const struct mk_log *log; /* kmod's messages, the fatal ones at LOG_CRIT */
	const struct mk_log *show; /* -v: "<path> needs \"<sym>\": <owner path>" */
};

/* A module that -e reports, with how many symbols of each kind and the first. */
struct depmod_unresolved {
	char *path;
	char *first_unknown; /* "needs unknown symbol"; NULL when n_unknown is 0 */
	char *first_badcrc; /* "disagrees about version of symbol" (-E) */
	unsigned int n_unknown, n_badcrc;
};

struct depmod_result {
	/* by enum depmod_output_id; the .bin ones stay empty with text_only */
	struct strbuf out[DEPMOD_N_OUTPUTS];
	/* where @out's buffers may be (depmod_output_opts.room) */
	struct hugemem out_room;
	/*
	 * When -e's check ran (print_unknown with -E or -F): every module it
	 * reported, in kmod's report order; filled even when a cycle follows.
	 */
	struct depmod_unresolved *unresolved;
	size_t n_unresolved;
	/* with make_cache: the new cache, written with the outputs when not empty */
	struct strbuf cache;
	/* NULL, or the file of the cache written ahead, but for its header */
	struct outset_ahead *cache_ahead;
	/* reuse_outputs found the files as they would be made: @out is empty */
	bool current;
	/* what the run built is freed on this thread meanwhile (lib/depmod.c) */
	pthread_t releasing;
	bool release_started;
};

/*
 * Initialise @res and generate every output into it: 0, 1 when -A found
 * modules.dep up to date (nothing generated, and -A with text_only always
 * does), or a negative errno once the failure was reported through
 * @opts->log (a dependency cycle, -ELOOP, is reported as kmod does, with no
 * word of its own). Release @res in every case.
 */
int depmod_run(const struct depmod_opts *opts, struct depmod_result *res) _must_check_;
void depmod_result_release(struct depmod_result *res);

/*
 * depmod --check: compare @res with the files in @o->outdirname as
 * outset_compare() does (read-only), calling @fn for each difference, outputs in
 * depmod_output_names order. 0 when writing @res would change nothing, 1 when
 * it would, or a negative errno once reported through @o->log (-ENOENT: no such
 * directory).
 */
int depmod_compare(const struct depmod_opts *o, const struct depmod_result *res,
		   outset_diff_fn fn, void *data) _must_check_;

/*
 * Replace the set of files in @o->outdirname (created if missing) with @res,
 * leaving alone a file whose content is the same; @file_mode: what a new file's
 * mode would be (0644 less the umask). On failure, reported through @o->log,
 * the previous files are left unchanged.
 */
int depmod_write(const struct depmod_opts *o, const struct depmod_result *res,
		 mode_t file_mode) _must_check_;
