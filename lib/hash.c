// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

struct hash_bucket {
	struct hash_entry *entries;
	unsigned int used;
	unsigned int total;
};

struct hash {
	unsigned int count;
	unsigned int step;
	unsigned int n_buckets;
	void (*free_value)(void *value);
	struct hash_bucket buckets[];
};

static inline uint16_t get16(const char *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Paul Hsieh's SuperFastHash, bit for bit as kmod computes it (signed char). */
unsigned int hash_superfast(const char *key, unsigned int len)
{
	unsigned int tmp, hash = len, rem = len & 3;

	len /= 4;
	for (; len > 0; len--) {
		hash += get16(key);
		tmp = ((unsigned int)get16(key + 2) << 11) ^ hash;
		hash = (hash << 16) ^ tmp;
		key += 4;
		hash += hash >> 11;
	}

	switch (rem) {
	case 3:
		hash += get16(key);
		hash ^= hash << 16;
		/* kmod's signed char, sign-extended; shifted unsigned (no UB) */
		hash ^= (unsigned int)(int)key[2] << 18;
		hash += hash >> 11;
		break;
	case 2:
		hash += get16(key);
		hash ^= hash << 11;
		hash += hash >> 17;
		break;
	case 1:
		hash += (unsigned int)(int)*key;
		hash ^= hash << 10;
		hash += hash >> 1;
		break;
	}

	hash ^= hash << 3;
	hash += hash >> 5;
	hash ^= hash << 4;
	hash += hash >> 17;
	hash ^= hash << 25;
	hash += hash >> 6;
	return hash;
}

struct hash *hash_new(unsigned int n_buckets, void (*free_value)(void *value))
{
	struct hash *hash;
	unsigned int n = 1;

	while (n < n_buckets && n < (1u << 30))
		n <<= 1;
	hash = calloc(1, sizeof(*hash) + n * sizeof(struct hash_bucket));
	if (hash == NULL)
		return NULL;
	hash->n_buckets = n;
	hash->free_value = free_value;
	hash->step = n / 32;
	if (hash->step < 4)
		hash->step = 4;
	else if (hash->step > 64)
		hash->step = 64;
	return hash;
}

void hash_free(struct hash *hash)
{
	if (hash == NULL)
		return;
	for (unsigned int b = 0; b < hash->n_buckets; b++) {
		struct hash_bucket *bucket = &hash->buckets[b];

		if (hash->free_value)
			for (unsigned int i = 0; i < bucket->used; i++)
				hash->free_value((void *)bucket->entries[i].value);
		free(bucket->entries);
	}
	free(hash);
}

static struct hash_bucket *bucket_of(const struct hash *hash, const char *key)
{
	unsigned int h = hash_superfast(key, (unsigned int)strlen(key));

	return (struct hash_bucket *)&hash->buckets[h & (hash->n_buckets - 1)];
}

/* Binary search: index of @key, or the insertion point with *found = false. */
static unsigned int bucket_search(const struct hash_bucket *bucket, const char *key,
				  bool *found)
{
	unsigned int lo = 0, hi = bucket->used;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		int c = strcmp(key, bucket->entries[mid].key);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*found = false;
	return lo;
}

static int hash_insert(struct hash *hash, const char *key, const void *value,
		       bool replace)
{
	struct hash_bucket *bucket = bucket_of(hash, key);
	bool found;
	unsigned int pos = bucket_search(bucket, key, &found);

	if (found) {
		struct hash_entry *e = &bucket->entries[pos];

		if (!replace)
			return -EEXIST;
		if (hash->free_value && e->value != value)
			hash->free_value((void *)e->value);
		e->key = key;
		e->value = value;
		return 0;
	}
	if (bucket->used == bucket->total) {
		unsigned int total = bucket->total + hash->step;
		struct hash_entry *n = realloc(bucket->entries, total * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		bucket->entries = n;
		bucket->total = total;
	}
	memmove(&bucket->entries[pos + 1], &bucket->entries[pos],
		(bucket->used - pos) * sizeof(struct hash_entry));
	bucket->entries[pos].key = key;
	bucket->entries[pos].value = value;
	bucket->used++;
	hash->count++;
	return 0;
}

int hash_add(struct hash *hash, const char *key, const void *value)
{
	return hash_insert(hash, key, value, true);
}

/* The new entries of one bucket, sorted by key then by position (stable). */
static int cmp_new(const void *a, const void *b)
{
	const struct hash_entry *ea = *(const struct hash_entry *const *)a;
	const struct hash_entry *eb = *(const struct hash_entry *const *)b;
	int c = strcmp(ea->key, eb->key);

	return c != 0 ? c : (ea > eb) - (ea < eb);
}

/*
 * Merge @k new entries @in (sorted by cmp_new(), so the last of a key is the
 * one that stays) into @bucket, as hash_add() one by one would leave it.
 */
static int merge_bucket(struct hash *hash, struct hash_bucket *bucket,
			const struct hash_entry *const *in, size_t k)
{
	size_t total = (size_t)bucket->used + k, i = 0, j = 0, n = 0;
	struct hash_entry *out;

	/*
	 * Exactly the room the entries take: rounded up to the table's step, as
	 * hash_add() grows a bucket, the 2,048 buckets of depmod's symbol table
	 * spread 14,000 entries over 2 MB, a page fault in every 4 KB of it.
	 */
	if (total > UINT32_MAX)
		return -ENOMEM;
	out = malloc(total * sizeof(*out));
	if (out == NULL)
		return -ENOMEM;
	while (i < bucket->used || j < k) {
		const void *prev = NULL;
		bool had;
		int c;

		if (j == k)
			c = -1;
		else if (i == bucket->used)
			c = 1;
		else
			c = strcmp(bucket->entries[i].key, in[j]->key);
		if (c < 0) {
			out[n++] = bucket->entries[i++];
			continue;
		}
		had = c == 0;
		if (had)
			prev = bucket->entries[i++].value;
		else
			hash->count++;
		/* each of the key's new values replaces the one before, as in hash_add()
		 */
		for (;;) {
			if (had && hash->free_value && prev != in[j]->value)
				hash->free_value((void *)prev);
			prev = in[j]->value;
			had = true;
			if (j + 1 == k || strcmp(in[j]->key, in[j + 1]->key) != 0)
				break;
			j++;
		}
		out[n++] = *in[j++];
	}
	free(bucket->entries);
	bucket->entries = out;
	bucket->used = (unsigned int)n;
	bucket->total = (unsigned int)total;
	return 0;
}

int hash_add_many(struct hash *hash, const struct hash_entry *entries, size_t n)
{
	_cleanup_free_ const struct hash_entry **order = NULL;
	_cleanup_free_ unsigned int *bucket = NULL;
	_cleanup_free_ size_t *start = NULL;
	size_t nb = hash->n_buckets;
	int r = 0;

	if (n == 0)
		return 0;
	order = malloc(n * sizeof(*order));
	bucket = malloc(n * sizeof(*bucket));
	start = calloc(nb + 1, sizeof(*start));
	if (order == NULL || bucket == NULL || start == NULL)
		return -ENOMEM;
	/* both written whole: resident in one call each (mem_populate()) */
	mem_populate(order, n * sizeof(*order));
	mem_populate(bucket, n * sizeof(*bucket));
	/* a counting sort by bucket, each bucket's entries in their order */
	for (size_t i = 0; i < n; i++) {
		const char *key = entries[i].key;

		bucket[i] = hash_superfast(key, (unsigned int)strlen(key)) &
			    (hash->n_buckets - 1);
		start[bucket[i] + 1]++;
	}
	for (size_t b = 0; b < nb; b++)
		start[b + 1] += start[b];
	for (size_t i = 0; i < n; i++)
		order[start[bucket[i]]++] = &entries[i];
	for (size_t b = 0, from = 0; b < nb && r == 0; from = start[b], b++) {
		size_t k = start[b] - from;

		if (k == 0)
			continue;
		qsort(order + from, k, sizeof(*order), cmp_new);
		r = merge_bucket(hash, &hash->buckets[b], order + from, k);
	}
	return r;
}

int hash_add_unique(struct hash *hash, const char *key, const void *value)
{
	return hash_insert(hash, key, value, false);
}

void *hash_find(const struct hash *hash, const char *key)
{
	const struct hash_bucket *bucket = bucket_of(hash, key);
	bool found;
	unsigned int pos = bucket_search(bucket, key, &found);

	return found ? (void *)bucket->entries[pos].value : NULL;
}

int hash_del(struct hash *hash, const char *key)
{
	struct hash_bucket *bucket = bucket_of(hash, key);
	bool found;
	unsigned int pos = bucket_search(bucket, key, &found);

	if (!found)
		return -ENOENT;
	if (hash->free_value)
		hash->free_value((void *)bucket->entries[pos].value);
	memmove(&bucket->entries[pos], &bucket->entries[pos + 1],
		(bucket->used - pos - 1) * sizeof(struct hash_entry));
	bucket->used--;
	hash->count--;
	return 0;
}

unsigned int hash_get_count(const struct hash *hash)
{
	return hash->count;
}

void hash_iter_init(const struct hash *hash, struct hash_iter *iter)
{
	iter->hash = hash;
	iter->bucket = 0;
	iter->entry = 0;
}

bool hash_iter_next(struct hash_iter *iter, const char **key, const void **value)
{
	const struct hash *hash = iter->hash;

	while (iter->bucket < hash->n_buckets) {
		const struct hash_bucket *bucket = &hash->buckets[iter->bucket];

		if (iter->entry < bucket->used) {
			const struct hash_entry *e = &bucket->entries[iter->entry++];

			if (key)
				*key = e->key;
			if (value)
				*value = e->value;
			return true;
		}
		iter->bucket++;
		iter->entry = 0;
	}
	return false;
}
