/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A fast 64-bit hash of bytes, for finding that data changed (mydepmod's cache,
 * docs/depmod-cache.md): a multiply and a shift per 8 bytes, in four independent
 * lanes so that a multiply's latency does not set the pace. It finds accidental
 * change; it is no defence against someone who crafts a collision.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t hash64_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

static inline uint64_t hash64_word(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* One 32-byte block into the four lanes. */
static inline void hash64_block(uint64_t l[4], const unsigned char *p)
{
	for (int k = 0; k < 4; k++)
		l[k] = hash64_mix(l[k], hash64_word(p + 8 * k));
}

/* The lanes joined, then the @n (< 32) bytes at @p past the last block. */
static inline uint64_t hash64_rest(const uint64_t l[4], const unsigned char *p, size_t n)
{
	uint64_t h = hash64_mix(hash64_mix(hash64_mix(l[0], l[1]), l[2]), l[3]);
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		h = hash64_mix(h, hash64_word(p + i));
	if (i < n) {
		uint64_t w = 0;

		memcpy(&w, p + i, n - i);
		h = hash64_mix(h, w);
	}
	return h;
}

static inline uint64_t hash64_final_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 29);
}

static inline uint64_t hash64(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ seed ^ len;
	uint64_t l[4] = { h, h + 1, h + 2, h + 3 };
	size_t i = 0;

	for (; i + 32 <= len; i += 32)
		hash64_block(l, p + i);
	return hash64_final_mix(hash64_rest(l, p + i, len - i));
}

/*
 * The same mixing over bytes given in pieces, for a hash of data written as it is
 * made (mydepmod's cache body, docs/depmod-cache.md §2): as hash64(), but the
 * length is mixed in last, since it is not known at the start; so it gives other
 * values than hash64() for the same bytes. One update of the whole or several of
 * its pieces give the same value.
 */
struct hash64_stream {
	uint64_t l[4];
	unsigned char part[32]; /* a block's first bytes, until it is whole */
	size_t n_part;
	uint64_t len;
};

static inline void hash64_stream_init(struct hash64_stream *s, uint64_t seed)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ seed;

	for (int k = 0; k < 4; k++)
		s->l[k] = h + (uint64_t)k;
	s->n_part = 0;
	s->len = 0;
}

static inline void hash64_stream_update(struct hash64_stream *s, const void *data,
					size_t len)
{
	const unsigned char *p = data;
	size_t i = 0;

	s->len += len;
	if (s->n_part > 0) {
		size_t take = 32 - s->n_part < len ? 32 - s->n_part : len;

		memcpy(s->part + s->n_part, p, take);
		s->n_part += take;
		i = take;
		if (s->n_part < 32)
			return;
		hash64_block(s->l, s->part);
		s->n_part = 0;
	}
	for (; i + 32 <= len; i += 32)
		hash64_block(s->l, p + i);
	memcpy(s->part, p + i, len - i);
	s->n_part = len - i;
}

static inline uint64_t hash64_stream_final(const struct hash64_stream *s)
{
	return hash64_final_mix(
		hash64_mix(hash64_rest(s->l, s->part, s->n_part), s->len));
}
