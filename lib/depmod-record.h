/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The record mydepmod's cache keeps of the index files a run wrote
 * (docs/depmod-cache.md §7): a digest of everything they were made from (each
 * module file's identity in the graph's order, the identity of the other files
 * the outputs read, the options that change them) and the size and hash of each
 * file. A later run whose inputs give the same digest, and that finds every file
 * as recorded, has nothing to make or write.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "depgraph.h"
#include "depmod.h"

/* The record's length: the digest, the count, then a size and a hash per file. */
#define DMR_LEN (16 + 16 * DEPMOD_N_OUTPUTS)

struct dmr_files {
	uint64_t size[DEPMOD_N_OUTPUTS];
	uint64_t hash[DEPMOD_N_OUTPUTS];
};

/*
 * The digest of what @o's outputs are made from, @mods the @n modules of the
 * graph in its order: 1 with *@digest; 0 when no digest can be trusted: a module
 * that is not dmc_trusted() (or, with @cached_only, not taken from the cache), a
 * file besides the modules (the kernel's symbols, modules.order, modules.builtin,
 * modules.builtin.modinfo) changed less than DMC_RACY_NS before @start_ns; or
 * -ENOMEM.
 */
/*
 * May the @n modules @mods all be in a record (docs/depmod-cache.md §7):
 * dmc_trusted(), and with @cached_only taken from the cache? dmr_digest() makes
 * none otherwise.
 */
bool dmr_recordable(const struct dg_module *const *mods, size_t n, int64_t start_ns,
		    bool cached_only);
int dmr_digest(const struct depmod_opts *o, const struct dg_module *const *mods, size_t n,
	       int64_t start_ns, bool cached_only, uint64_t *digest) _must_check_;

/*
 * The record of @out (the outputs made from inputs of @digest), whose
 * dmr_file_hash() values are @hash, into @rec.
 */
void dmr_make(uint64_t digest, const struct strbuf out[DEPMOD_N_OUTPUTS],
	      const uint64_t hash[DEPMOD_N_OUTPUTS], unsigned char rec[DMR_LEN]);

/* The digest and files of record @rec (@len bytes): false when it is none. */
bool dmr_parse(const void *rec, size_t len, uint64_t *digest, struct dmr_files *files);

/* The hash dmr_make() records for a file of @len bytes @data. */
uint64_t dmr_file_hash(const void *data, size_t len);
