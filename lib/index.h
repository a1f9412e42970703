/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reader of the .bin index trie. The whole file is held in memory; every
 * offset, range, string and count read from it is bounds-checked, and walks are
 * bounded in depth and work, so a corrupt file gives -EBADMSG, never a crash or
 * a loop. Either node layout (post-order as written by kmod <= 33, pre-order as
 * written by kmod >= 34) is read.
 *
 * Semantics follow libkmod's mmap reader (the one modprobe uses): values of a
 * node are taken in on-disk order.
 */
#pragma once

#include <stddef.h>

#include "strbuf.h"
#include "util.h"

struct index;

/* Read the whole file into memory; check magic/version; -EBADMSG if not an index. */
int index_open(const char *path, struct index **out) _must_check_;
int index_open_at(int dirfd, const char *path, struct index **out) _must_check_;
int index_open_memory(const void *data, size_t size,
		      struct index **out) _must_check_; /* copies */
void index_close(struct index *idx);

/* Exact lookup: the first (lowest-priority) value, malloc'd, or -ENOENT. */
int index_search(const struct index *idx, const char *key, char **value) _must_check_;

struct index_value {
	unsigned int priority;
	char *value;
};

struct index_values {
	struct index_value *v;
	size_t n;
};

/*
 * Wildcard lookup with kmod's semantics and result order (keys in the index are
 * globs, matched with fnmatch(3) flags 0). @out is filled (possibly with n == 0)
 * and must be released with index_values_free() on success.
 */
int index_search_wild(const struct index *idx, const char *key,
		      struct index_values *out) _must_check_;
void index_values_free(struct index_values *vals);

/* Dump like libkmod's index_dump: "<prefix><key> <value>\n" for every value, DFS in
 * ascending char order. */
int index_dump(const struct index *idx, const char *prefix,
	       struct strbuf *out) _must_check_;

/* Visit every (key, value, priority) in on-disk value order. Stops on a non-zero
 * return of @fn, which is then returned. */
int index_foreach(const struct index *idx,
		  int (*fn)(void *data, const char *key, const char *value,
			    unsigned int priority),
		  void *data) _must_check_;
