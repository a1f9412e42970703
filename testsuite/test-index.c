// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the index reader and writer:
 *  - the worked example of docs/index-format.md §9: the pre-order bytes
 *    given there are read back, and our pre-order writer must reproduce them;
 *    our post-order output must read back to the same answers;
 *  - value order (ascending priority, later insertion first on ties);
 *  - refusal of non-ASCII keys and values; the 12-byte empty index;
 *  - wildcard search against a brute-force fnmatch(3) over random glob keys;
 *  - index_writer_reserve(): a room too small (outgrown), exact, or big (huge
 *    pages), changes no byte of either layout;
 *  - index_writer_add_kept(): kept strings make the same bytes as copied ones,
 *    and are the writer's own.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index-writer.h"
#include "index.h"
#include "strbuf.h"
#include "tap.h"
#include "util.h"

/* docs/index-format.md §9.1, pre-order layout, byte for byte */
static const unsigned char example_preorder[] = {
	/* header: magic, version, root @0x0c CHILDS */
	0xb0,
	0x07,
	0xf4,
	0x57,
	0x00,
	0x02,
	0x00,
	0x01,
	0x20,
	0x00,
	0x00,
	0x0c,
	/* 0x0c root: first 'a', last 'o'; 'a' -> @0x4a CHILDS, 13 empty slots ('b'..'n'),
	 * 'o' -> @0x6e PREFIX|VALUES|CHILDS */
	0x61,
	0x6f,
	0x20,
	0x00,
	0x00,
	0x4a,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0, /* 'b'..'e' */
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0, /* 'f'..'i' */
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0, /* 'j'..'m' */
	0,
	0,
	0,
	0, /* 'n' */
	0xe0,
	0x00,
	0x00,
	0x6e,
	/* 0x4a node "a": children 's' and 't' */
	0x73,
	0x74,
	0xc0,
	0x00,
	0x00,
	0x54,
	0xc0,
	0x00,
	0x00,
	0x61,
	/* 0x54 "as": prefix "k", (0, "v0") */
	0x6b,
	0x00,
	0x00,
	0x00,
	0x00,
	0x01,
	0x00,
	0x00,
	0x00,
	0x00,
	0x76,
	0x30,
	0x00,
	/* 0x61 "at": prefix "e", (1, "v1") */
	0x65,
	0x00,
	0x00,
	0x00,
	0x00,
	0x01,
	0x00,
	0x00,
	0x00,
	0x01,
	0x76,
	0x31,
	0x00,
	/* 0x6e "o": prefix "n", children 'c'..'e', values (0,"w"), (2,"v2") */
	0x6e,
	0x00,
	0x63,
	0x65,
	0xc0,
	0x00,
	0x00,
	0x8f,
	0x00,
	0x00,
	0x00,
	0x00,
	0x40,
	0x00,
	0x00,
	0x9c,
	0x00,
	0x00,
	0x00,
	0x02,
	0x00,
	0x00,
	0x00,
	0x00,
	0x77,
	0x00,
	0x00,
	0x00,
	0x00,
	0x02,
	0x76,
	0x32,
	0x00,
	/* 0x8f "onc": prefix "e", (3, "v3") */
	0x65,
	0x00,
	0x00,
	0x00,
	0x00,
	0x01,
	0x00,
	0x00,
	0x00,
	0x03,
	0x76,
	0x33,
	0x00,
	/* 0x9c "one": (4, "v4") */
	0x00,
	0x00,
	0x00,
	0x01,
	0x00,
	0x00,
	0x00,
	0x04,
	0x76,
	0x34,
	0x00,
};

static const char example_dump[] = "ask v0\nate v1\non w\non v2\nonce v3\none v4\n";

static struct index_writer *example_writer(void)
{
	struct index_writer *w = index_writer_new();
	int r = 0;

	r |= index_writer_add(w, "ask", "v0", 0);
	r |= index_writer_add(w, "ate", "v1", 1);
	r |= index_writer_add(w, "on", "v2", 2);
	r |= index_writer_add(w, "once", "v3", 3);
	r |= index_writer_add(w, "one", "v4", 4);
	r |= index_writer_add(w, "on", "w", 0);
	TAP_OK(r == 0, "writer accepts the example keys");
	return w;
}

static bool search_is(const struct index *idx, const char *key, const char *expect)
{
	char *value = NULL;
	int r = index_search(idx, key, &value);
	bool ok;

	if (expect == NULL)
		return r == -ENOENT;
	ok = r == 0 && streq(value, expect);
	free(value);
	return ok;
}

static void check_example_lookups(const struct index *idx, const char *layout)
{
	struct strbuf sb = STRBUF_INIT;
	struct index_values vals;
	int r;

	TAP_OK(search_is(idx, "ask", "v0") && search_is(idx, "ate", "v1") &&
		       search_is(idx, "once", "v3") && search_is(idx, "one", "v4"),
	       "%s: exact lookups of the leaves", layout);
	TAP_OK(search_is(idx, "on", "w"), "%s: 'on' gives its lowest-priority value",
	       layout);
	TAP_OK(search_is(idx, "o", NULL) && search_is(idx, "onc", NULL) &&
		       search_is(idx, "a", NULL) && search_is(idx, "", NULL) &&
		       search_is(idx, "ones", NULL) && search_is(idx, "b", NULL) &&
		       search_is(idx, "as", NULL) && search_is(idx, "\x80", NULL),
	       "%s: prefixes, split points and absent keys are not found", layout);
	r = index_dump(idx, "", &sb);
	TAP_OK(r == 0 && streq(strbuf_str(&sb), example_dump), "%s: dump", layout);
	strbuf_clear(&sb);
	r = index_dump(idx, "alias ", &sb);
	TAP_OK(r == 0 && strstartswith(strbuf_str(&sb), "alias ask v0\nalias ate v1\n") &&
		       strendswith(strbuf_str(&sb), "alias one v4\n"),
	       "%s: dump with a prefix", layout);
	strbuf_release(&sb);
	r = index_search_wild(idx, "on", &vals);
	TAP_OK(r == 0 && vals.n == 2 && streq(vals.v[0].value, "w") &&
		       vals.v[0].priority == 0 && streq(vals.v[1].value, "v2") &&
		       vals.v[1].priority == 2,
	       "%s: wildcard lookup of a literal key gives all its values", layout);
	if (r == 0)
		index_values_free(&vals);
}

static void test_example(void)
{
	struct index_writer *w = example_writer();
	struct strbuf pre = STRBUF_INIT, post = STRBUF_INIT;
	struct index *idx;
	int r;

	r = index_open_memory(example_preorder, sizeof(example_preorder), &idx);
	TAP_OK(r == 0, "the worked example's pre-order bytes open");
	if (r == 0) {
		check_example_lookups(idx, "spec pre-order bytes");
		index_close(idx);
	}

	r = index_writer_serialize_preorder(w, &pre);
	TAP_OK(r == 0 && pre.used == sizeof(example_preorder) &&
		       memcmp(pre.buf, example_preorder, pre.used) == 0,
	       "our pre-order writer reproduces the worked example byte for byte (%zu "
	       "bytes)",
	       pre.used);

	r = index_writer_serialize(w, &post);
	TAP_OK(r == 0 && post.used == sizeof(example_preorder),
	       "post-order output has the same size as pre-order");
	/* post-order: the root comes last, so the header points at the end */
	TAP_OK(r == 0 && post.used > 12 &&
		       (((unsigned char)post.buf[10] << 8 | (unsigned char)post.buf[11]) &
			0xffff) + 2 + 4 * 15 ==
			       (int)post.used &&
		       (unsigned char)post.buf[8] == 0x20,
	       "post-order: the root (CHILDS, 'a'..'o') is the last node");
	r = index_open_memory(post.buf, post.used, &idx);
	TAP_OK(r == 0, "post-order output opens");
	if (r == 0) {
		check_example_lookups(idx, "our post-order");
		index_close(idx);
	}

	/* serializing twice gives the same bytes (the entries are sorted in place) */
	strbuf_clear(&pre);
	r = index_writer_add(w, "zz", "late", 9);
	r |= index_writer_serialize_preorder(w, &pre);
	r |= index_open_memory(pre.buf, pre.used, &idx);
	TAP_OK(r == 0 && search_is(idx, "zz", "late") && search_is(idx, "on", "w"),
	       "adding after a serialization still works");
	if (r == 0)
		index_close(idx);

	strbuf_release(&pre);
	strbuf_release(&post);
	index_writer_free(w);
}

struct seen {
	struct strbuf text;
};

static int record(void *data, const char *key, const char *value, unsigned int priority)
{
	struct seen *s = data;

	return strbuf_printf(&s->text, "%s=%s/%u;", key, value, priority);
}

static void test_value_order(void)
{
	struct index_writer *w = index_writer_new();
	struct strbuf sb = STRBUF_INIT;
	struct seen s = { STRBUF_INIT };
	struct index *idx = NULL;
	int r = 0;

	r |= index_writer_add(w, "k", "a", 1);
	r |= index_writer_add(w, "k", "b", 1);
	r |= index_writer_add(w, "k", "c", 0);
	r |= index_writer_add(w, "k", "d", 2);
	r |= index_writer_add(w, "k", "b", 1); /* duplicates are kept */
	r |= index_writer_serialize(w, &sb);
	r |= index_open_memory(sb.buf, sb.used, &idx);
	TAP_OK(r == 0, "index with tied priorities builds");
	if (r == 0) {
		r = index_foreach(idx, record, &s);
		TAP_OK(r == 0 && streq(strbuf_str(&s.text),
				       "k=c/0;k=b/1;k=b/1;k=a/1;k=d/2;"),
		       "values: ascending priority, later insertion first (%s)",
		       strbuf_str(&s.text));
		TAP_OK(search_is(idx, "k", "c"),
		       "exact lookup gives the priority-0 value");
		index_close(idx);
	}
	strbuf_release(&s.text);
	strbuf_release(&sb);
	index_writer_free(w);
}

static void test_refusals(void)
{
	struct index_writer *w = index_writer_new(), *w2;
	struct strbuf sb = STRBUF_INIT;
	struct index *idx;
	int r;

	TAP_OK(index_writer_add(w, "caf\xc3\xa9", "x", 0) == -EINVAL,
	       "a key with a byte >= 0x80 is refused");
	TAP_OK(index_writer_add(w, "x", "\x80", 0) == -EINVAL,
	       "a value with a byte >= 0x80 is refused");
	/* the check goes 8 bytes at a time: a byte inside a word, and after one */
	TAP_OK(index_writer_add(w, "abcdefg\xffhijklmnop", "x", 0) == -EINVAL,
	       "a key with a byte >= 0x80 in its first 8 bytes is refused");
	TAP_OK(index_writer_add(w, "x", "0123456789abcdef\x80", 0) == -EINVAL,
	       "a value with a byte >= 0x80 after 16 bytes is refused");
	w2 = index_writer_new();
	TAP_OK(w2 != NULL && index_writer_add(w2, "0123456789abcdef~",
					      "\x7f"
					      "0123456789",
					      0) == 0,
	       "keys and values of 7-bit bytes only are taken, whatever their length");
	index_writer_free(w2);
	r = index_writer_serialize(w, &sb);
	TAP_OK(r == 0 && sb.used == 12 &&
		       memcmp(sb.buf, "\xb0\x07\xf4\x57\x00\x02\x00\x01\x00\x00\x00\x0c",
			      12) == 0,
	       "an empty writer gives the 12-byte empty index");
	r = index_open_memory(sb.buf, sb.used, &idx);
	TAP_OK(r == 0, "the empty index opens");
	if (r == 0) {
		struct strbuf d = STRBUF_INIT;
		struct index_values vals;

		r = index_dump(idx, "", &d);
		TAP_OK(r == 0 && d.used == 0 && search_is(idx, "", NULL) &&
			       index_search_wild(idx, "x", &vals) == 0 && vals.n == 0,
		       "the empty index has no entries");
		strbuf_release(&d);
		index_close(idx);
	}
	strbuf_release(&sb);
	index_writer_free(w);
}

/* deterministic pseudo-random numbers (no global state besides the test) */
static unsigned int rnd(unsigned int *state)
{
	*state = *state * 1103515245u + 12345u;
	return (*state >> 16) & 0x7fff;
}

#define NKEYS 300
#define NQUERIES 2000

static void random_glob(unsigned int *st, char *buf, size_t size)
{
	static const char *const atoms[] = {
		"a", "b", "c", "*", "?", "[ab]", "[!a]", "ab"
	};
	size_t n = 1 + rnd(st) % 6, i;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		strncat(buf, atoms[rnd(st) % ARRAY_SIZE(atoms)], size - strlen(buf) - 1);
}

static void test_wild_bruteforce(void)
{
	static char keys[NKEYS][64];
	struct index_writer *w = index_writer_new();
	struct strbuf post = STRBUF_INIT, pre = STRBUF_INIT;
	struct index *ipost = NULL, *ipre = NULL;
	unsigned int st = 20261122;
	size_t q, k, bad = 0, matches = 0;
	int r = 0;

	for (k = 0; k < NKEYS; k++) {
		char value[16];

		random_glob(&st, keys[k], sizeof(keys[k]));
		snprintf(value, sizeof(value), "m%zu", k);
		r |= index_writer_add(w, keys[k], value, (unsigned int)k);
	}
	r |= index_writer_serialize(w, &post);
	r |= index_writer_serialize_preorder(w, &pre);
	r |= index_open_memory(post.buf, post.used, &ipost);
	r |= index_open_memory(pre.buf, pre.used, &ipre);
	TAP_OK(r == 0, "random glob index builds in both layouts");
	if (r != 0)
		goto out;

	for (q = 0; q < NQUERIES; q++) {
		struct index_values a, b;
		char query[16];
		size_t len = rnd(&st) % 8, i, n = 0;
		bool same;

		for (i = 0; i < len; i++)
			query[i] = "abcd"[rnd(&st) % 4];
		query[len] = '\0';

		if (index_search_wild(ipost, query, &a) < 0) {
			bad++;
			continue;
		}
		if (index_search_wild(ipre, query, &b) < 0) {
			index_values_free(&a);
			bad++;
			continue;
		}
		/* expected: every key that matches, by ascending priority (= key number)
		 */
		same = a.n == b.n;
		for (k = 0; k < NKEYS && same; k++) {
			char value[16];

			if (fnmatch(keys[k], query, 0) != 0)
				continue;
			snprintf(value, sizeof(value), "m%zu", k);
			same = n < a.n && streq(a.v[n].value, value) &&
			       streq(b.v[n].value, value);
			n++;
		}
		if (!same || n != a.n) {
			if (bad++ < 3)
				printf("# query '%s': %zu results, %zu expected\n", query,
				       a.n, n);
		}
		matches += n;
		index_values_free(&a);
		index_values_free(&b);
	}
	TAP_OK(bad == 0 && matches > NQUERIES,
	       "wildcard search equals brute-force fnmatch over %d glob keys, %d queries "
	       "(%zu matches, %zu wrong)",
	       NKEYS, NQUERIES, matches, bad);

out:
	index_close(ipost);
	index_close(ipre);
	strbuf_release(&post);
	strbuf_release(&pre);
	index_writer_free(w);
}

#define NRESERVE 40000

/* @w filled with NRESERVE random entries (the same for the same @seed) */
static int fill_random(struct index_writer *w, unsigned int seed, size_t *text)
{
	unsigned int st = seed;
	int r = 0;

	*text = 0;
	for (size_t k = 0; k < NRESERVE; k++) {
		char key[64], value[16];

		random_glob(&st, key, sizeof(key));
		snprintf(value, sizeof(value), "v%u", rnd(&st) % 500);
		*text += strlen(key) + strlen(value) + 2;
		r |= index_writer_add(w, key, value, rnd(&st) % 4);
	}
	return r;
}

static void test_reserve(void)
{
	/*
	 * none; too few (malloc'd, outgrown); a tenth of the entries with twice the
	 * text (huge pages, the entries and keys outgrown); exact; more. Text in
	 * eighths of what the entries weigh.
	 */
	static const size_t entries[] = { 0, 10, NRESERVE / 10, NRESERVE, 3 * NRESERVE };
	static const size_t eighths[] = { 0, 0, 16, 8, 24 };
	struct strbuf post[ARRAY_SIZE(entries)], pre[ARRAY_SIZE(entries)];
	size_t text = 0, same = 0;
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(entries); i++) {
		struct index_writer *w = index_writer_new();
		size_t t;

		post[i] = (struct strbuf)STRBUF_INIT;
		pre[i] = (struct strbuf)STRBUF_INIT;
		if (w == NULL) {
			r = -ENOMEM;
			continue;
		}
		/* the text is known from the first writer's run */
		if (entries[i] > 0)
			r |= index_writer_reserve(w, entries[i], text * eighths[i] / 8);
		r |= fill_random(w, 20261203, &t);
		text = t;
		r |= index_writer_serialize(w, &post[i]);
		r |= index_writer_serialize_preorder(w, &pre[i]);
		index_writer_free(w);
		if (i > 0 && post[i].used == post[0].used && pre[i].used == pre[0].used &&
		    memcmp(post[i].buf, post[0].buf, post[0].used) == 0 &&
		    memcmp(pre[i].buf, pre[0].buf, pre[0].used) == 0)
			same++;
	}
	TAP_OK(r == 0 && same == ARRAY_SIZE(entries) - 1 && post[0].used > 100000,
	       "a reserved room (10, %d, %d, %d entries) changes no byte of %d entries' "
	       "index (%zu bytes), in either layout",
	       NRESERVE / 10, NRESERVE, 3 * NRESERVE, NRESERVE, post[0].used);
	for (size_t i = 0; i < ARRAY_SIZE(entries); i++) {
		strbuf_release(&post[i]);
		strbuf_release(&pre[i]);
	}
}

/*
 * index_writer_add_kept(): entries whose strings are kept, not copied, make the
 * same bytes as copied ones, in both layouts, whatever mix of the flags; and a
 * kept string is the writer's (a change to it after the add shows in the
 * index), a copied one is not.
 */
static void test_kept(void)
{
	struct index_writer *wc = index_writer_new(), *wk = index_writer_new();
	struct strbuf post[2] = { STRBUF_INIT, STRBUF_INIT };
	struct strbuf pre[2] = { STRBUF_INIT, STRBUF_INIT };
	char *keys[NRESERVE / 4] = { 0 }, *values[NRESERVE / 4] = { 0 };
	size_t kept[4] = { 0 };
	unsigned int st = 20261204;
	bool same = false, seen_kept = false, seen_copy = false;
	int r = wc != NULL && wk != NULL ? 0 : -ENOMEM;

	for (size_t k = 0; k < ARRAY_SIZE(keys) && r == 0; k++) {
		char key[64], value[16];
		unsigned int keep = rnd(&st) % 4, prio = rnd(&st) % 4;

		random_glob(&st, key, sizeof(key));
		snprintf(value, sizeof(value), "v%u", rnd(&st) % 500);
		keys[k] = strdup(key);
		values[k] = strdup(value);
		if (keys[k] == NULL || values[k] == NULL) {
			r = -ENOMEM;
			break;
		}
		r |= index_writer_add(wc, key, value, prio);
		/* what is not kept is given from a buffer that changes next time */
		r |= index_writer_add_kept(wk, keep & INDEX_KEEP_KEY ? keys[k] : key,
					   keep & INDEX_KEEP_VALUE ? values[k] : value,
					   prio, keep);
		kept[keep]++;
	}
	r |= index_writer_serialize(wc, &post[0]);
	r |= index_writer_serialize_preorder(wc, &pre[0]);
	r |= index_writer_serialize(wk, &post[1]);
	r |= index_writer_serialize_preorder(wk, &pre[1]);
	same = r == 0 && post[0].used == post[1].used && pre[0].used == pre[1].used &&
	       memcmp(post[0].buf, post[1].buf, post[0].used) == 0 &&
	       memcmp(pre[0].buf, pre[1].buf, pre[0].used) == 0;
	TAP_OK(same && kept[0] > 0 && kept[1] > 0 && kept[2] > 0 && kept[3] > 0,
	       "%zu entries added with their key, value, both or neither kept (%zu, "
	       "%zu, %zu, %zu) make the same %zu bytes as copied ones, in either layout",
	       ARRAY_SIZE(keys), kept[1], kept[2], kept[3], kept[0], post[0].used);
	index_writer_free(wc);
	index_writer_free(wk);
	for (int i = 0; i < 2; i++) {
		strbuf_release(&post[i]);
		strbuf_release(&pre[i]);
	}

	/* a kept key changed after its add is the index's key; a copied one is not */
	wk = index_writer_new();
	r = wk != NULL ? 0 : -ENOMEM;
	if (r == 0) {
		char kept_key[] = "alpha", copied_key[] = "gamma";
		struct index *idx = NULL;
		_cleanup_free_ char *v1 = NULL, *v2 = NULL, *v3 = NULL;

		r |= index_writer_add_kept(wk, kept_key, "1", 0, INDEX_KEEP_KEY);
		r |= index_writer_add_kept(wk, copied_key, "2", 0, 0);
		kept_key[0] = 'b'; /* "blpha" */
		copied_key[0] = 'd'; /* "damma" */
		r |= index_writer_serialize(wk, &post[0]);
		if (r == 0)
			r = index_open_memory(post[0].buf, post[0].used, &idx);
		if (r == 0) {
			seen_kept = index_search(idx, "blpha", &v1) == 0 &&
				    streq(v1, "1") &&
				    index_search(idx, "alpha", &v3) == -ENOENT;
			seen_copy =
				index_search(idx, "gamma", &v2) == 0 && streq(v2, "2");
		}
		index_close(idx);
		strbuf_release(&post[0]);
	}
	TAP_OK(r == 0 && seen_kept && seen_copy,
	       "a kept key is the writer's own (changed after the add, the index has "
	       "the change), a copied one is not");
	index_writer_free(wk);
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		free(keys[k]);
		free(values[k]);
	}
}

static void test_duplicates(void)
{
	struct index_writer *w = index_writer_new();
	struct strbuf sb = STRBUF_INIT;
	bool d1 = true, d2 = true, d3 = false, d4 = true, d5 = false, d6 = true;
	int r = 0;

	r |= index_writer_add_dup(w, "k", "a", 1, &d1);
	r |= index_writer_add_dup(w, "k", "b", 1, &d2);
	r |= index_writer_add_dup(w, "k", "a", 5, &d3);
	r |= index_writer_add_dup(w, "j", "a", 0, &d4);
	r |= index_writer_add(w, "x", "y", 0);
	r |= index_writer_serialize(w, &sb);
	r |= index_writer_add_dup(w, "x", "y", 3, &d5);
	r |= index_writer_add_dup(w, "x", "z", 3, &d6);
	TAP_OK(r == 0 && !d1 && !d2 && d3 && !d4 && d5 && !d6,
	       "add_dup flags a repeated (key, value) at any priority, also after a "
	       "serialization and for entries added without it");
	strbuf_release(&sb);
	index_writer_free(w);
}

static int stop_at_second(void *data, const char *key, const char *value,
			  unsigned int priority)
{
	return ++*(int *)data == 2 ? 42 : 0;
}

static void test_open_and_foreach(void)
{
	char dir[] = "/tmp/test-index.XXXXXX";
	struct index_writer *w = example_writer();
	struct strbuf sb = STRBUF_INIT;
	struct index *idx = NULL;
	int dirfd, fd, calls = 0, r;

	bool made = mkdtemp(dir) != NULL; /* TAP_OK evaluates its condition twice */

	TAP_OK(made, "scratch directory");
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = index_writer_serialize(w, &sb);
	fd = openat(dirfd, "x.bin", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	TAP_OK(r == 0 && fd >= 0 && write_all(fd, sb.buf, sb.used) == 0,
	       "write the example index to a file");
	close(fd);

	r = index_open_at(dirfd, "x.bin", &idx);
	TAP_OK(r == 0 && search_is(idx, "once", "v3"), "index_open_at reads it");
	if (r == 0) {
		r = index_foreach(idx, stop_at_second, &calls);
		TAP_OK(r == 42 && calls == 2,
		       "index_foreach stops at the first non-zero return and returns it");
		index_close(idx);
	}
	TAP_OK(index_open_at(dirfd, "missing.bin", &idx) == -ENOENT,
	       "a missing file gives -ENOENT");
	TAP_OK(index_open(dir, &idx) == -EBADMSG, "a directory is not an index");

	unlinkat(dirfd, "x.bin", 0);
	close(dirfd);
	rmdir(dir);
	strbuf_release(&sb);
	index_writer_free(w);
}

int main(void)
{
	test_example();
	test_value_order();
	test_refusals();
	test_wild_bruteforce();
	test_open_and_foreach();
	test_duplicates();
	test_reserve();
	test_kept();
	return tap_done();
}
