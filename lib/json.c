// SPDX-License-Identifier: LGPL-2.1-or-later
/* The JSON writer: lib/json.h; how bytes that are not UTF-8 are shown: docs/compat.md. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

void json_init(struct json_writer *w, struct strbuf *out)
{
	*w = (struct json_writer){ .out = out };
}

int json_finish(struct json_writer *w)
{
	if (w->err == 0 && w->depth != 0)
		w->err = -EINVAL;
	return w->err;
}

static void push(struct json_writer *w, const void *data, size_t len)
{
	if (w->err == 0)
		w->err = strbuf_push(w->out, data, len);
}

static void push_char(struct json_writer *w, char c)
{
	push(w, &c, 1);
}

static bool in_object(const struct json_writer *w)
{
	return w->depth > 0 && (w->in_object >> (w->depth - 1) & 1);
}

/* Before any value: a key must have been given inside an object; the comma. */
static bool value_start(struct json_writer *w)
{
	if (w->err)
		return false;
	if (in_object(w)) {
		if (w->key_due) {
			w->err = -EINVAL;
			return false;
		}
		w->key_due = true;
		return true;
	}
	if (w->depth == 0) /* top-level values: the caller separates them */
		return true;
	if (w->comma)
		push_char(w, ',');
	w->comma = true;
	return w->err == 0;
}

static void open_level(struct json_writer *w, bool object)
{
	if (!value_start(w))
		return;
	if (w->depth >= JSON_MAX_DEPTH) {
		w->err = -E2BIG;
		return;
	}
	push_char(w, object ? '{' : '[');
	if (object)
		w->in_object |= UINT64_C(1) << w->depth;
	else
		w->in_object &= ~(UINT64_C(1) << w->depth);
	w->depth++;
	w->key_due = object;
	w->comma = false;
}

static void close_level(struct json_writer *w, bool object)
{
	if (w->err)
		return;
	if (w->depth == 0 || in_object(w) != object || (object && !w->key_due)) {
		w->err = -EINVAL;
		return;
	}
	push_char(w, object ? '}' : ']');
	w->depth--;
	/* the level closed was a value of its parent: a key or a comma comes next */
	w->key_due = in_object(w);
	w->comma = true;
}

void json_object_begin(struct json_writer *w)
{
	open_level(w, true);
}

void json_object_end(struct json_writer *w)
{
	close_level(w, true);
}

void json_array_begin(struct json_writer *w)
{
	open_level(w, false);
}

void json_array_end(struct json_writer *w)
{
	close_level(w, false);
}

/*
 * The length of the valid UTF-8 sequence at @s (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), or 0 when @s[0] does not start one.
 */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (len < n)
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static void push_escaped(struct json_writer *w, const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len && w->err == 0) {
		size_t run = 0, n;
		char esc[8];

		/* copy the longest stretch that needs no escape at once */
		while (i + run < len && s[i + run] >= 0x20 && s[i + run] != '"' &&
		       s[i + run] != '\\' &&
		       (n = utf8_sequence(s + i + run, len - i - run)))
			run += n;
		if (run) {
			push(w, s + i, run);
			i += run;
			continue;
		}
		if (s[i] == '"' || s[i] == '\\')
			snprintf(esc, sizeof(esc), "\\%c", s[i]);
		else if (s[i] == '\n')
			snprintf(esc, sizeof(esc), "\\n");
		else if (s[i] == '\t')
			snprintf(esc, sizeof(esc), "\\t");
		else /* a control character, or a byte read as Latin-1 */
			snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
		push(w, esc, strlen(esc));
		i++;
	}
}

void json_string_len(struct json_writer *w, const char *s, size_t len)
{
	if (!value_start(w))
		return;
	push_char(w, '"');
	push_escaped(w, (const unsigned char *)s, len);
	push_char(w, '"');
}

void json_string(struct json_writer *w, const char *s)
{
	json_string_len(w, s, strlen(s));
}

void json_key(struct json_writer *w, const char *key)
{
	if (w->err)
		return;
	if (!in_object(w) || !w->key_due) {
		w->err = -EINVAL;
		return;
	}
	if (w->comma)
		push_char(w, ',');
	w->comma = true;
	push_char(w, '"');
	push_escaped(w, (const unsigned char *)key, strlen(key));
	push(w, "\":", 2);
	w->key_due = false;
}

static void push_literal(struct json_writer *w, const char *text)
{
	if (value_start(w))
		push(w, text, strlen(text));
}

void json_int(struct json_writer *w, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	push_literal(w, buf);
}

void json_uint(struct json_writer *w, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	push_literal(w, buf);
}

void json_bool(struct json_writer *w, bool v)
{
	push_literal(w, v ? "true" : "false");
}

void json_null(struct json_writer *w)
{
	push_literal(w, "null");
}

void json_member_string(struct json_writer *w, const char *key, const char *s)
{
	json_key(w, key);
	json_string(w, s);
}
