/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one JSON writer of the tools (mymodinfo --json and every later --json):
 * compact JSON (no whitespace) appended to a strbuf, always valid UTF-8.
 * Strings are byte strings: valid UTF-8 sequences are copied, and every byte
 * that does not start a valid sequence is read as Latin-1 and written as
 * \u00XX (docs/compat.md, "JSON output"), so "J\xe9n" becomes "J\u00e9n".
 *
 * The calls do not return errors: the first one (out of memory, nesting deeper
 * than JSON_MAX_DEPTH, a value where a key is due, unbalanced ends) is kept,
 * later calls do nothing, and json_finish() returns it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define JSON_MAX_DEPTH 64

struct json_writer {
	struct strbuf *out;
	int err; /* the first error, 0 when none */
	unsigned int depth;
	bool key_due; /* inside an object, a key comes next */
	bool comma; /* the next item needs a ',' before it */
	uint64_t in_object; /* bit d: level d + 1 is an object (else an array) */
};

void json_init(struct json_writer *w, struct strbuf *out);
/* 0, or the first error: -ENOMEM, -E2BIG (too deep), -EINVAL (misuse) */
int json_finish(struct json_writer *w) _must_check_;

void json_object_begin(struct json_writer *w);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w);
void json_array_end(struct json_writer *w);
/* inside an object: the key of the next value */
void json_key(struct json_writer *w, const char *key);

void json_string(struct json_writer *w, const char *s);
void json_string_len(struct json_writer *w, const char *s, size_t len);
void json_int(struct json_writer *w, int64_t v);
void json_uint(struct json_writer *w, uint64_t v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);

/* json_key() then json_string() */
void json_member_string(struct json_writer *w, const char *key, const char *s);
