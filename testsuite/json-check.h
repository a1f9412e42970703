/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A strict JSON checker for the tests of lib/json (RFC 8259: one value, no
 * raw control characters in strings, escapes complete, numbers well formed,
 * and every byte outside strings' escapes valid UTF-8), and the inverse of
 * lib/json's string escaping, so that tests can check a round trip.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "strbuf.h"

struct jc {
	const unsigned char *s;
	size_t len, pos;
	unsigned int depth;
};

static bool jc_value(struct jc *c);

static void jc_ws(struct jc *c)
{
	while (c->pos < c->len && strchr(" \t\n\r", c->s[c->pos]) && c->s[c->pos])
		c->pos++;
}

static bool jc_lit(struct jc *c, const char *word)
{
	size_t n = strlen(word);

	if (c->len - c->pos < n || memcmp(c->s + c->pos, word, n) != 0)
		return false;
	c->pos += n;
	return true;
}

/* the length of the valid UTF-8 sequence at s[0] (RFC 3629), 0 when none */
static size_t jc_utf8(const unsigned char *s, size_t len)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n = s[0] < 0x80	 ? 1
		   : s[0] < 0xc2 ? 0
		   : s[0] < 0xe0 ? 2
		   : s[0] < 0xf0 ? 3
		   : s[0] < 0xf5 ? 4
				 : 0;

	if (n <= 1 || len < n)
		return n <= 1 ? n : 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	if (s[0] == 0xed)
		hi = 0x9f;
	if (s[0] == 0xf0)
		lo = 0x90;
	if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static bool jc_hex4(const unsigned char *s, unsigned int *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned char h = s[i];

		*v <<= 4;
		if (h >= '0' && h <= '9')
			*v |= h - '0';
		else if (h >= 'a' && h <= 'f')
			*v |= h - 'a' + 10;
		else if (h >= 'A' && h <= 'F')
			*v |= h - 'A' + 10;
		else
			return false;
	}
	return true;
}

/*
 * A string at c->pos; when @out, its bytes as lib/json wrote them: raw UTF-8
 * as is, \uXXXX below U+0100 as that byte (anything else fails the decode).
 */
static bool jc_string(struct jc *c, struct strbuf *out)
{
	if (c->pos >= c->len || c->s[c->pos] != '"')
		return false;
	c->pos++;
	while (c->pos < c->len && c->s[c->pos] != '"') {
		const unsigned char *p = c->s + c->pos;
		size_t n = jc_utf8(p, c->len - c->pos);
		unsigned int v;
		char b;

		if (p[0] < 0x20 || n == 0)
			return false;
		if (p[0] != '\\') {
			if (out && strbuf_push(out, p, n) < 0)
				return false;
			c->pos += n;
			continue;
		}
		if (c->len - c->pos < 2)
			return false;
		switch (p[1]) {
		case '"':
		case '\\':
		case '/':
			b = (char)p[1];
			break;
		case 'n':
			b = '\n';
			break;
		case 't':
			b = '\t';
			break;
		case 'b':
			b = '\b';
			break;
		case 'f':
			b = '\f';
			break;
		case 'r':
			b = '\r';
			break;
		case 'u':
			if (c->len - c->pos < 6 || !jc_hex4(p + 2, &v))
				return false;
			if (out && v > 0xff)
				return false;
			b = (char)v;
			c->pos += 4;
			break;
		default:
			return false;
		}
		c->pos += 2;
		if (out && strbuf_pushchar(out, b) < 0)
			return false;
	}
	if (c->pos >= c->len)
		return false;
	c->pos++;
	return true;
}

static bool jc_number(struct jc *c)
{
	size_t start;

	if (c->pos < c->len && c->s[c->pos] == '-')
		c->pos++;
	start = c->pos;
	while (c->pos < c->len && c->s[c->pos] >= '0' && c->s[c->pos] <= '9')
		c->pos++;
	if (c->pos == start || (c->s[start] == '0' && c->pos - start > 1))
		return false;
	return true; /* lib/json writes integers only */
}

/* an object's or array's items, after its opening character */
static bool jc_items(struct jc *c, bool object)
{
	char close = object ? '}' : ']';

	jc_ws(c);
	if (c->pos < c->len && c->s[c->pos] == close) {
		c->pos++;
		return true;
	}
	for (;;) {
		jc_ws(c);
		if (object) {
			if (!jc_string(c, NULL))
				return false;
			jc_ws(c);
			if (c->pos >= c->len || c->s[c->pos++] != ':')
				return false;
		}
		if (!jc_value(c))
			return false;
		jc_ws(c);
		if (c->pos >= c->len)
			return false;
		if (c->s[c->pos] == close) {
			c->pos++;
			return true;
		}
		if (c->s[c->pos++] != ',')
			return false;
	}
}

static bool jc_value(struct jc *c)
{
	bool ok;

	jc_ws(c);
	if (c->pos >= c->len || c->depth > 200)
		return false;
	switch (c->s[c->pos]) {
	case '{':
	case '[':
		c->depth++;
		c->pos++;
		ok = jc_items(c, c->s[c->pos - 1] == '{');
		c->depth--;
		return ok;
	case '"':
		return jc_string(c, NULL);
	case 't':
		return jc_lit(c, "true");
	case 'f':
		return jc_lit(c, "false");
	case 'n':
		return jc_lit(c, "null");
	default:
		return jc_number(c);
	}
}

/* @s holds exactly one JSON value */
static inline bool json_check(const char *s, size_t len)
{
	struct jc c = { (const unsigned char *)s, len, 0, 0 };

	if (!jc_value(&c))
		return false;
	jc_ws(&c);
	return c.pos == len;
}

/* @s is exactly one JSON string: its bytes to @out (see jc_string) */
static inline bool json_decode_string(const char *s, size_t len, struct strbuf *out)
{
	struct jc c = { (const unsigned char *)s, len, 0, 0 };

	return jc_string(&c, out) && c.pos == len;
}
