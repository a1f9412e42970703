/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The files depmod writes, generated into memory in kmod's format and order.
 * Writing them to disk is lib/outset's job.
 */
#pragma once

#include <stdbool.h>

#include "depgraph.h"
#include "hugemem.h"
#include "strbuf.h"
#include "util.h"

enum depmod_output_id {
	DEPMOD_OUT_DEP,
	DEPMOD_OUT_DEP_BIN,
	DEPMOD_OUT_ALIAS,
	DEPMOD_OUT_ALIAS_BIN,
	DEPMOD_OUT_SOFTDEP,
	DEPMOD_OUT_WEAKDEP,
	DEPMOD_OUT_SYMBOLS,
	DEPMOD_OUT_SYMBOLS_BIN,
	DEPMOD_OUT_BUILTIN_BIN,
	DEPMOD_OUT_BUILTIN_ALIAS_BIN,
	DEPMOD_OUT_DEVNAME,
	DEPMOD_N_OUTPUTS,
};

/* "modules.dep", ... in kmod's depfiles[] order. */
extern const char *const depmod_output_names[DEPMOD_N_OUTPUTS];
/*
 * Does depmod -n show it? Not a .bin index, not empty, and modules.weakdep
 * (which kmod 30 does not have) only with more than its header line.
 */
bool depmod_output_shown(enum depmod_output_id id, const struct strbuf *sb);

struct depmod_output_opts {
	const char *dirname; /* where modules.builtin{,.modinfo} are read */
	bool text_only; /* -n: skip the .bin indexes */
	bool warn_dups; /* -w */
	/* threads at work, the caller's included (it joins in depmod_output_end()) */
	unsigned int n_threads;
	const struct mk_log *log;
	/*
	 * What each output is expected to weigh (the file the last run wrote), or
	 * 0: its buffer is made that big at once rather than grown by doubling
	 */
	size_t size_hint[DEPMOD_N_OUTPUTS];
	/*
	 * NULL, or where the buffers of the outputs with a hint are made, all in
	 * one piece of huge pages when the hints add up to enough
	 * (docs/depmod-outputs.md §12): the caller frees it (hugemem_free()) once
	 * it has released the outputs
	 */
	struct hugemem *room;
	/*
	 * NULL, or what each output is hashed with into @hashes (by the thread
	 * that made it, while it is in the CPU's cache: mydepmod's record of its
	 * files, docs/depmod-cache.md §7)
	 */
	uint64_t (*hash)(const void *data, size_t len);
	uint64_t *hashes; /* DEPMOD_N_OUTPUTS of them */
};

struct depmod_gen;

/*
 * Start generating, on @opts->n_threads - 1 worker threads, every output that
 * needs no dependency resolution (all but modules.dep{,.bin}) into
 * @out[DEPMOD_N_OUTPUTS] (initialised strbufs). Call it once
 * depgraph_load_modules() is done; @dg may then be resolved and sorted while the
 * workers run, as they only read the modules' data and the symbol table.
 */
int depmod_output_begin(struct depgraph *dg, const struct depmod_output_opts *opts,
			struct strbuf *out, struct depmod_gen **gen) _must_check_;
/*
 * Once @dg is sorted: make modules.dep{,.bin} here, wait for the rest, pass the
 * messages on in file order and free @gen. Returns 0, or the error of the first
 * output that failed (-EINVAL for a key or value that is not 7-bit ASCII,
 * reported through the log first).
 */
int depmod_output_end(struct depmod_gen *gen) _must_check_;
/* When resolution failed: wait for the workers, drop their messages, free @gen. */
void depmod_output_abort(struct depmod_gen *gen);
