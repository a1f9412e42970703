/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The differences between two sides of mykmod diff (lib/modtree.h), as a flat
 * list of entries in class order, each class sorted by module, then key, then
 * value. The strings point into the two models (and into the diff's own pool):
 * keep both models until modtree_diff_release().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modtree.h"
#include "util.h"

enum mtd_class {
	MTD_MODULE_ADDED, /* module; new: its path */
	MTD_MODULE_REMOVED, /* module; old: its path */
	MTD_MODULE_MOVED, /* module; old, new: the paths */
	MTD_MODULE_BUILTIN, /* module became builtin; old: its path */
	MTD_MODULE_LOADABLE, /* module became loadable; new: its path */
	MTD_MODULE_RECOMPRESSED, /* module; old, new: "none", "gzip", "xz", "zstd" */
	MTD_FIELD_ADDED, /* module, key (modinfo name, "depends"); new: the value */
	MTD_FIELD_REMOVED, /* module, key; old: the value */
	MTD_FIELD_CHANGED, /* module, key; old, new (NULL: absent) */
	MTD_SYMBOL_ADDED, /* key: symbol; module: its owner (vmlinux: the kernel) */
	MTD_SYMBOL_REMOVED, /* key; module: its owner in OLD */
	MTD_SYMBOL_CRC, /* key, module (NEW's); old_crc, new_crc */
	MTD_SYMBOL_NAMESPACE, /* key, module; old, new (NULL: none) */
	MTD_SYMBOL_MOVED, /* key; old, new: the owners */
	MTD_UNRESOLVED, /* module needs symbol key, which nothing in NEW exports */
	MTD_CYCLE, /* new: the members of a dependency cycle new in NEW */
	MTD_INDEX_ADDED, /* module: the index file; new: "KEY VALUE" */
	MTD_INDEX_REMOVED, /* module: the index file; old: "KEY VALUE" */
	MTD_N_CLASSES,
};

struct mtd_entry {
	enum mtd_class cls;
	const char *module;
	const char *key;
	const char *old, *new;
	uint64_t old_crc, new_crc;
};

struct modtree_diff {
	struct mtd_entry *v;
	size_t n, cap;
	/*
	 * Only one side has kernel symbols (lib/modtree.h): the exports of the kernel
	 * image were left out of the symbol classes, as the other side's are unknown.
	 */
	bool image_not_compared;
};

/* Whether the values of modinfo key @key are a set (alias, firmware, ...), not one. */
bool mtd_key_is_set(const char *key);

/*
 * When either side is an index set (modtree.index_only), only the index entries
 * are compared, and both sides must have them loaded (modtree_load_indexes()):
 * -EINVAL otherwise.
 */
int modtree_diff(const struct modtree *old, const struct modtree *new,
		 struct modtree_diff *out) _must_check_;
void modtree_diff_release(struct modtree_diff *d);
