/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The files depmod writes, generated into memory in kmod's format and order.
 * Writing them to disk is lib/outset's job.
 */
#pragma once

#include <stdbool.h>

#include "depgraph.h"
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
/* Is it a .bin index (skipped by depmod -n)? */
bool depmod_output_is_bin(enum depmod_output_id id);

struct depmod_output_opts {
	const char *dirname; /* where modules.builtin{,.modinfo} are read */
	bool text_only; /* -n: skip the .bin indexes */
	bool warn_dups; /* -w */
	const struct mk_log *log;
};

/*
 * Generate every output into @out[DEPMOD_N_OUTPUTS] (initialised strbufs).
 * 0, or a negative errno (-EINVAL for a key or value that is not 7-bit ASCII,
 * reported through the log first).
 */
int depmod_output_generate(struct depgraph *dg, const struct depmod_output_opts *opts,
			   struct strbuf *out);
