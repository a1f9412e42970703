/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * String-keyed hash table whose iteration order equals kmod's: buckets chosen
 * by SuperFastHash (native-endian 16-bit reads), entries in a bucket sorted by
 * strcmp, iteration bucket by bucket. depmod's output order depends on it.
 * Keys are not copied: they must outlive the table.
 */
#pragma once

#include <stdbool.h>

#include "util.h"

struct hash;

/* One key and its value, for hash_add_many(). */
struct hash_entry {
	const char *key;
	const void *value;
};

struct hash_iter {
	const struct hash *hash;
	unsigned int bucket;
	unsigned int entry;
};

unsigned int hash_superfast(const char *key, unsigned int len);

/* @n_buckets is rounded up to a power of two. @free_value may be NULL. */
struct hash *hash_new(unsigned int n_buckets, void (*free_value)(void *value));
void hash_free(struct hash *hash);
/* Insert or replace (the old value is freed). 0 or -ENOMEM. */
int hash_add(struct hash *hash, const char *key, const void *value) _must_check_;
/*
 * hash_add() of each of the @n @entries in turn, with the same result (the last
 * value of a key stays; each replaced one is freed), sorted once per bucket
 * rather than inserted one at a time. 0 or -ENOMEM (the table then holds part
 * of them).
 */
int hash_add_many(struct hash *hash, const struct hash_entry *entries,
		  size_t n) _must_check_;
/* Insert; -EEXIST when the key is present. */
int hash_add_unique(struct hash *hash, const char *key, const void *value) _must_check_;
void *hash_find(const struct hash *hash, const char *key);
/* 0, or -ENOENT. The value is freed. */
int hash_del(struct hash *hash, const char *key);
unsigned int hash_get_count(const struct hash *hash);

void hash_iter_init(const struct hash *hash, struct hash_iter *iter);
bool hash_iter_next(struct hash_iter *iter, const char **key, const void **value);
