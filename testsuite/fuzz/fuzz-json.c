// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target for lib/json, the writer of every --json output. The input
 * is read twice: whole, as one string, which must come out as valid JSON that
 * decodes back to the same bytes; and as a program of writer calls (one byte
 * picks the call, strings and numbers follow) that stops after the first
 * top-level value: then either json_finish() reports an error or the output is
 * exactly one valid JSON value.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../json-check.h"
#include "json.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void whole_string(const uint8_t *data, size_t size)
{
	struct strbuf sb = STRBUF_INIT, back = STRBUF_INIT;
	struct json_writer w;

	json_init(&w, &sb);
	json_string_len(&w, (const char *)data, size);
	if (json_finish(&w) < 0)
		abort();
	if (!json_check(sb.buf, sb.used) || !json_decode_string(sb.buf, sb.used, &back) ||
	    back.used != size || (size && memcmp(back.buf, data, size) != 0))
		abort();
	strbuf_release(&sb);
	strbuf_release(&back);
}

/* the next string of the program: a length byte, then that many bytes */
static size_t take(const uint8_t **p, const uint8_t *end, const char **s)
{
	size_t n = *p < end ? **p : 0;

	if (*p < end)
		(*p)++;
	if (n > (size_t)(end - *p))
		n = (size_t)(end - *p);
	*s = (const char *)*p;
	*p += n;
	return n;
}

static void program(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	const char *s;
	char key[256];
	size_t n;
	int64_t v;

	json_init(&w, &sb);
	/* up to the end of the first top-level value: the tools write one at a time */
	while (p < end && !(w.depth == 0 && sb.used > 0)) {
		switch (*p++ % 10) {
		case 0:
			json_object_begin(&w);
			break;
		case 1:
			json_object_end(&w);
			break;
		case 2:
			json_array_begin(&w);
			break;
		case 3:
			json_array_end(&w);
			break;
		case 4:
			n = take(&p, end, &s);
			memcpy(key, s, n);
			key[n] = '\0';
			json_key(&w, key);
			break;
		case 5:
			n = take(&p, end, &s);
			json_string_len(&w, s, n);
			break;
		case 6:
			v = 0;
			n = (size_t)(end - p) < sizeof(v) ? (size_t)(end - p) : sizeof(v);
			memcpy(&v, p, n);
			p += n;
			if (v & 1)
				json_int(&w, v);
			else
				json_uint(&w, (uint64_t)v);
			break;
		case 7:
			json_bool(&w, true);
			break;
		case 8:
			json_null(&w);
			break;
		case 9:
			n = take(&p, end, &s);
			memcpy(key, s, n);
			key[n] = '\0';
			json_member_string(&w, key, key);
			break;
		}
	}
	if (json_finish(&w) == 0 && sb.used > 0 && !json_check(sb.buf, sb.used))
		abort();
	strbuf_release(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	whole_string(data, size);
	program(data, size);
	return 0;
}
