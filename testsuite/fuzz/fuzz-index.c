// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target for the index reader (and, on what it reads, the writer):
 * open the input as an index, dump it, walk it, run exact and wildcard lookups
 * (fixed keys and one taken from the input), then write what was read and check
 * that the rewritten index holds as many entries.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "index-writer.h"
#include "index.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct rebuild {
	struct index_writer *w;
	size_t n;
	int err;
};

static int add_entry(void *data, const char *key, const char *value,
		     unsigned int priority)
{
	struct rebuild *rb = data;
	bool dup;
	int r = index_writer_add_dup(rb->w, key, value, priority, &dup);

	rb->n++;
	if (r < 0 && rb->err == 0)
		rb->err = r;
	return 0;
}

static int count_entry(void *data, const char *key, const char *value,
		       unsigned int priority)
{
	(*(size_t *)data)++;
	return 0;
}

static void lookups(const struct index *idx, const char *key)
{
	struct index_values vals;
	char *value = NULL;

	if (index_search(idx, key, &value) == 0)
		free(value);
	if (index_search_wild(idx, key, &vals) == 0)
		index_values_free(&vals);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {
		"",  "a", "on", "once", "pci:v00008086d000010D3", "symbol:printk",
		"*", "[", "?"
	};
	struct rebuild rb = { 0 };
	struct strbuf sb = STRBUF_INIT;
	struct index *idx, *again;
	char key[33];
	size_t i, klen, n2 = 0;
	int r;

	if (index_open_memory(data, size, &idx) < 0)
		return 0;

	if (index_dump(idx, "alias ", &sb) == 0 && sb.used > 0 &&
	    sb.buf[sb.used - 1] != '\n')
		abort();
	strbuf_release(&sb);

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		lookups(idx, keys[i]);
	klen = size < 32 ? size : 32;
	memcpy(key, data + size - klen, klen);
	key[klen] = '\0';
	lookups(idx, key);

	rb.w = index_writer_new();
	if (rb.w == NULL)
		abort();
	r = index_foreach(idx, add_entry, &rb);
	if (r == 0 && rb.err == 0) {
		/* whatever was read in full must be writable and read back the same size
		 */
		if (index_writer_serialize(rb.w, &sb) < 0)
			abort();
		if (index_open_memory(sb.buf, sb.used, &again) < 0)
			abort();
		if (index_foreach(again, count_entry, &n2) < 0 || n2 != rb.n)
			abort();
		index_close(again);
	} else if (r == 0 && rb.err != -EINVAL) {
		abort();
	}
	strbuf_release(&sb);
	index_writer_free(rb.w);
	index_close(idx);
	return 0;
}
