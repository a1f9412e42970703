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

static inline uint64_t hash64(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ seed ^ len;
	uint64_t l[4] = { h, h + 1, h + 2, h + 3 };
	size_t i = 0;

	for (; i + 32 <= len; i += 32)
		for (int k = 0; k < 4; k++)
			l[k] = hash64_mix(l[k], hash64_word(p + i + 8 * k));
	h = hash64_mix(hash64_mix(hash64_mix(l[0], l[1]), l[2]), l[3]);
	for (; i + 8 <= len; i += 8)
		h = hash64_mix(h, hash64_word(p + i));
	if (i < len) {
		uint64_t w = 0;

		memcpy(&w, p + i, len - i);
		h = hash64_mix(h, w);
	}
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 29);
}
