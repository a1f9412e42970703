// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target for mydepmod's cache reader (lib/depmod-cache, format in
 * docs/depmod-cache.md §2). The checksum is set right and the key taken from the
 * input, so that mutations reach the structural checks behind them. A cache that
 * loads must give every entry back by its path and identity, filled within its
 * arena (ASan), and no entry for an identity that differs.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "depmod-cache.h"
#include "modscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the header's size: the key follows it (docs/depmod-cache.md §2) */
#define HEADER 88u

/* The key the input holds, or "" when it holds none. */
static char *key_of(const uint8_t *d, size_t size)
{
	uint32_t len;

	if (size < HEADER)
		return strdup("");
	memcpy(&len, d + 32, sizeof(len));
	if (len > size - HEADER || memchr(d + HEADER, '\0', len) != NULL)
		return strdup("");
	return strndup((const char *)d + HEADER, len);
}

static void check_module(const struct dg_module *m)
{
	size_t total = 0;

	/*
	 * every name is read whole (ASan sees one that leaves the mapping); a
	 * need's hash is the one the file holds before its name, which only a
	 * forged file makes wrong (docs/depmod-cache.md §2), so it is read and
	 * not compared
	 */
	for (size_t k = 0; k < m->n_exports + m->n_needs; k++)
		total += strlen(m->exports[k].name) + (m->exports[k].hash & 1);
	for (size_t k = 0; k < m->n_info; k++)
		total += strlen(m->info[k].value) + m->info[k].kind;
	if (total == SIZE_MAX)
		abort();
}

static void check_entries(const struct depmod_cache *c)
{
	for (size_t i = 0; i < dmc_count(c); i++) {
		struct modscan_mod sm = { 0 };
		struct dg_module m = { .scan = &sm };
		const char *path;
		int r;

		dmc_entry(c, i, &path, &m.st);
		sm.path = (char *)path;
		sm.relpath = path;
		if (dmc_lookup(c, &m) != 1)
			abort();
		r = dmc_fill(c, &m);
		if (r == -ENOMEM)
			return;
		if (r != 0 || m.cache_entry != NULL)
			abort();
		check_module(&m);
		free(m.arena);
		m.arena = NULL;
		m.from_cache = false;
		m.st.ctime_ns++;
		if (dmc_lookup(c, &m) != 0)
			abort();
	}
}

/* Every listing is found by its identity, read whole, and not by another. */
static void check_listings(const struct depmod_cache *c)
{
	for (size_t i = 0; i < dmc_listing_count(c); i++) {
		const struct modscan_listing *l = dmc_listing_at(c, i);
		struct modscan_listing want = *l;
		size_t total = 0;

		if (dmc_find_listing(c, &want) != l)
			abort();
		for (const unsigned char *p = l->entries; p < l->entries + l->len;) {
			size_t n = strlen((const char *)p + 1);

			if (n == 0 || n > 255 || memchr(p + 1, '/', n) != NULL)
				abort();
			total += n + *p;
			p += n + 2;
		}
		if (total == SIZE_MAX)
			abort();
		want.id.ctime_ns++;
		if (dmc_find_listing(c, &want) != NULL)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	char *key = key_of(data, size);
	struct depmod_cache *c = NULL;
	const char *why = NULL;

	if (buf == NULL || key == NULL)
		abort();
	memcpy(buf, data, size);
	if (size >= 16) {
		uint64_t sum = dmc_checksum(buf, size);

		memcpy(buf + 8, &sum, sizeof(sum));
	}
	if (dmc_load(buf, size, key, &c, &why) == 0) {
		check_entries(c);
		check_listings(c);
		dmc_free(c);
	} else if (why == NULL) {
		abort(); /* a refusal always says why (-ENOMEM aside: not with these
			    sizes) */
	} else if (getenv("FUZZ_MUST_LOAD") != NULL) {
		/* the test's check that its seeds get past the key and checksum */
		fprintf(stderr, "not loaded: %s\n", why);
		abort();
	}
	free(key);
	free(buf);
	return 0;
}
