/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writer of the .bin index trie (modules.dep.bin, modules.alias.bin, ...).
 *
 * Entries are collected as (key, value, priority) and the radix trie is built at
 * serialize time from the sorted keys: its shape depends only on the set of keys,
 * exactly as with kmod's incremental insertion. Values of one key are ordered by
 * ascending priority; among equal priorities the value added last comes first.
 */
#pragma once

#include <stdbool.h>

#include "strbuf.h"
#include "util.h"

struct index_writer;

struct index_writer *index_writer_new(void);
void index_writer_free(struct index_writer *w);

/*
 * Before the first entry: room for about @n_entries entries whose keys and
 * values weigh @text bytes with their NULs, made at once, in huge pages when
 * it is big (lib/hugemem.h). A hint: past it the writer grows as without it.
 * 0 or -ENOMEM.
 */
int index_writer_reserve(struct index_writer *w, size_t n_entries,
			 size_t text) _must_check_;

/* 0, -ENOMEM, or -EINVAL when key or value has a byte >= 0x80 (kmod 30 refuses those) */
int index_writer_add(struct index_writer *w, const char *key, const char *value,
		     unsigned int priority) _must_check_;

/*
 * index_writer_add(), but the strings @keep names (INDEX_KEEP_*) are not
 * copied: the writer points at them, and they must stay as they are until @w is
 * freed. For strings that outlive the writer anyway, as a model's module names
 * do: no copy to make, and less memory while the index is made.
 */
#define INDEX_KEEP_KEY 1u
#define INDEX_KEEP_VALUE 2u
int index_writer_add_kept(struct index_writer *w, const char *key, const char *value,
			  unsigned int priority, unsigned int keep) _must_check_;

/*
 * index_writer_add(), also telling whether @key already had the value @value (at
 * any priority): kmod's depmod -w warns about those. Costs a hash table and 8
 * bytes per entry, built on first use.
 */
int index_writer_add_dup(struct index_writer *w, const char *key, const char *value,
			 unsigned int priority, bool *duplicate) _must_check_;

/*
 * Serialize in kmod 30's post-order layout (children before their parent, root
 * last, header root word patched), appending to @out. 0, -ENOMEM, or -EFBIG when
 * a node offset does not fit in 28 bits.
 */
int index_writer_serialize(struct index_writer *w, struct strbuf *out) _must_check_;

/* The same trie in kmod >= 34's pre-order layout (root at offset 12). */
int index_writer_serialize_preorder(struct index_writer *w,
				    struct strbuf *out) _must_check_;
