// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of lib/json, the writer of every --json output: the exact text of
 * nested values; every single byte and every two-byte string as a string
 * (valid JSON, decoded back to the same bytes, and escaped exactly when it is
 * not UTF-8: checked against iconv's opinion of UTF-8, not our own); the
 * boundary cases of UTF-8 (overlong forms, surrogates, above U+10FFFF, cut
 * sequences); misuse (a value where a key is due, unbalanced ends, too deep),
 * which must fail json_finish() and stop the output.
 */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json-check.h"
#include "json.h"
#include "strbuf.h"
#include "tap.h"
#include "util.h"

/* @s (@len bytes) as a JSON string: the text, or NULL when the writer failed */
static char *as_string(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	json_init(&w, &sb);
	json_string_len(&w, s, len);
	if (json_finish(&w) < 0 || strbuf_pushchar(&sb, '\0') < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_steal(&sb);
}

/* iconv's verdict: is @s (@len bytes) valid UTF-8? */
static bool iconv_utf8(iconv_t cd, const char *s, size_t len)
{
	char out[64], *op = out, *ip = (char *)s;
	size_t il = len, ol = sizeof(out);

	iconv(cd, NULL, NULL, NULL, NULL);
	return iconv(cd, &ip, &il, &op, &ol) != (size_t)-1 && il == 0;
}

/* the string round-trips, and has a \u escape exactly when it is not UTF-8 */
static bool string_ok(iconv_t cd, const char *s, size_t len)
{
	_cleanup_free_ char *j = as_string(s, len);
	struct strbuf back = STRBUF_INIT;
	bool ok, printable = true, escaped;

	if (j == NULL)
		return false;
	ok = json_check(j, strlen(j)) && json_decode_string(j, strlen(j), &back) &&
	     back.used == len && memcmp(back.buf, s, len) == 0;
	strbuf_release(&back);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == '"' || s[i] == '\\')
			printable = false;
	escaped = strchr(j, '\\') != NULL;
	if (printable)
		ok = ok && escaped == !iconv_utf8(cd, s, len);
	return ok;
}

static void test_strings(void)
{
	iconv_t cd = iconv_open("UTF-8", "UTF-8");
	unsigned int bad1 = 0, bad2 = 0;
	char buf[4];
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL;

	TAP_OK(cd != (iconv_t)-1, "iconv can check UTF-8");
	for (unsigned int i = 0; i < 256; i++) {
		buf[0] = (char)i;
		bad1 += !string_ok(cd, buf, 1);
	}
	TAP_OK(bad1 == 0,
	       "all 256 one-byte strings: valid, round trip, escaped iff not UTF-8 (%u "
	       "bad)",
	       bad1);
	for (unsigned int i = 0; i < 65536; i++) {
		buf[0] = (char)(i >> 8);
		buf[1] = (char)i;
		bad2 += !string_ok(cd, buf, 2);
	}
	TAP_OK(bad2 == 0, "all 65536 two-byte strings: the same (%u bad)", bad2);
	/*
	 * RFC 3629's limits, where glibc's iconv is more lenient (it takes
	 * sequences above U+10FFFF): whether each is UTF-8 is written here
	 */
	static const struct {
		const char *s;
		bool utf8;
	} edge[] = {
		{ "\xe0\xa0\x80", true },
		{ "\xe0\x9f\xbf", false }, /* overlong */
		{ "\xed\x9f\xbf", true },
		{ "\xed\xa0\x80", false }, /* surrogate */
		{ "\xef\xbf\xbf", true },
		{ "\xf0\x90\x80\x80", true },
		{ "\xf0\x8f\xbf\xbf", false },
		{ "\xf4\x8f\xbf\xbf", true }, /* U+10FFFF */
		{ "\xf4\x90\x80\x80", false },
		{ "\xf5\x80\x80\x80", false },
		{ "\xe2\x82", false },
		{ "\xf0\x9f\x90", false }, /* cut */
		{ "a\xe2\x82\xac", true },
		{ "\xc0\x80", false },
		{ "\xc1\xbf", false },
		{ "\xc2\x80", true },
	};
	unsigned int bad3 = 0;

	for (size_t i = 0; i < ARRAY_SIZE(edge); i++) {
		_cleanup_free_ char *j = as_string(edge[i].s, strlen(edge[i].s));
		struct strbuf back = STRBUF_INIT;

		if (j && json_check(j, strlen(j)) &&
		    json_decode_string(j, strlen(j), &back) &&
		    back.used == strlen(edge[i].s) &&
		    (strchr(j, '\\') == NULL) == edge[i].utf8) {
			strbuf_release(&back);
			continue;
		}
		strbuf_release(&back);
		bad3++;
		printf("# boundary case %zu: %s\n", i, j ? j : "(failed)");
	}
	TAP_OK(bad3 == 0, "%zu UTF-8 boundary cases (%u bad)", ARRAY_SIZE(edge), bad3);
	if (cd != (iconv_t)-1)
		iconv_close(cd);

	a = as_string("J\xe9n Kara", 8);
	TAP_OK(a && streq(a, "\"J\\u00e9n Kara\""), "a Latin-1 byte: \\u00e9 (%s)", a);
	b = as_string("\xc3\xa9\xf0\x9f\x90\xa7", 6);
	TAP_OK(b && streq(b, "\"\xc3\xa9\xf0\x9f\x90\xa7\""),
	       "valid UTF-8 is copied as is");
	c = as_string("q\"b\\n\nt\t\x01\x7f", 10);
	TAP_OK(c && streq(c, "\"q\\\"b\\\\n\\nt\\t\\u0001\x7f\""), "escapes: %s", c);
	d = as_string("a\0b", 3);
	TAP_OK(d && streq(d, "\"a\\u0000b\""), "an embedded NUL: %s", d);
}

static void test_structure(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	json_init(&w, &sb);
	json_object_begin(&w);
	json_member_string(&w, "name", "e1000e");
	json_key(&w, "alias");
	json_array_begin(&w);
	json_string(&w, "pci:v*");
	json_array_begin(&w);
	json_array_end(&w);
	json_object_begin(&w);
	json_object_end(&w);
	json_int(&w, -12);
	json_uint(&w, UINT64_MAX);
	json_bool(&w, true);
	json_bool(&w, false);
	json_null(&w);
	json_array_end(&w);
	json_key(&w, "x");
	json_object_begin(&w);
	json_key(&w, "y");
	json_int(&w, INT64_MIN);
	json_object_end(&w);
	json_object_end(&w);
	TAP_OK(json_finish(&w) == 0, "nested values: no error");
	TAP_OK(strbuf_pushchar(&sb, '\0') == 0 &&
		       streq(sb.buf,
			     "{\"name\":\"e1000e\",\"alias\":[\"pci:v*\",[],{},-12,"
			     "18446744073709551615,true,false,null],"
			     "\"x\":{\"y\":-9223372036854775808}}"),
	       "nested values: %s", sb.buf);
	TAP_OK(json_check(sb.buf, strlen(sb.buf)), "... which the checker accepts");
	strbuf_release(&sb);
}

enum misuse {
	VALUE_FOR_KEY,
	KEY_IN_ARRAY,
	DANGLING_KEY,
	WRONG_END,
	OPEN_LEFT,
	EXTRA_END
};

static int misuse(enum misuse m, size_t *used)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	int r;

	json_init(&w, &sb);
	json_object_begin(&w);
	switch (m) {
	case VALUE_FOR_KEY:
		json_string(&w, "v");
		break;
	case KEY_IN_ARRAY:
		json_key(&w, "k");
		json_array_begin(&w);
		json_key(&w, "k");
		break;
	case DANGLING_KEY:
		json_key(&w, "k");
		json_object_end(&w);
		break;
	case WRONG_END:
		json_array_end(&w);
		break;
	case OPEN_LEFT:
		break;
	case EXTRA_END:
		json_object_end(&w);
		json_object_end(&w);
		break;
	}
	json_key(&w, "later");
	json_string(&w, "ignored");
	r = json_finish(&w);
	*used = sb.used;
	strbuf_release(&sb);
	return r;
}

static void test_misuse(void)
{
	static const char *const what[] = {
		"a value where a key is due", "a key in an array",
		"a key without a value",      "] closing an object",
		"an object left open",	      "one end too many"
	};
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	size_t used;
	int r;

	for (enum misuse m = VALUE_FOR_KEY; m <= EXTRA_END; m++) {
		r = misuse(m, &used);
		TAP_OK(r == -EINVAL, "%s: -EINVAL (%d)", what[m], r);
	}
	r = misuse(VALUE_FOR_KEY, &used);
	TAP_OK(used == 1, "nothing is written after the first error (%zu bytes)", used);

	json_init(&w, &sb);
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		json_array_begin(&w);
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		json_array_end(&w);
	TAP_OK(json_finish(&w) == 0, "%d levels: fine", JSON_MAX_DEPTH);
	strbuf_clear(&sb);
	json_init(&w, &sb);
	for (int i = 0; i <= JSON_MAX_DEPTH; i++)
		json_array_begin(&w);
	TAP_OK(json_finish(&w) == -E2BIG, "%d levels: -E2BIG", JSON_MAX_DEPTH + 1);
	strbuf_release(&sb);
}

int main(void)
{
	test_strings();
	test_structure();
	test_misuse();
	return tap_done();
}
