// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of lib/hash: its iteration order decides mydepmod's output order
 * (modules.symbols: 2048 buckets; the modules.dep tail of modules missing from
 * modules.order: 512 buckets), as lib/hash.h says. The expected orders never
 * come from lib/hash itself:
 *  - SuperFastHash is written again here from Paul Hsieh's definition, with bytes
 *    put together by hand in host order, and the order is that of a sort by
 *    (bucket, strcmp);
 *  - the symbols of the installed tree's modules.symbols, written by Debian's
 *    depmod (kmod 30), must come out of a 2048-bucket table in that file's order;
 *  - insert, replace, delete, growth, many entries and full 32-bit collisions.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hash.h"
#include "tap.h"
#include "util.h"

/* ---- the reference: SuperFastHash from its definition ---- */

/* two bytes as the host reads a uint16_t: low byte first on little endian */
static uint32_t ref_get16(const unsigned char *p)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
#else
	return ((uint32_t)p[0] << 8) | (uint32_t)p[1];
#endif
}

static uint32_t ref_superfast(const char *key, size_t len)
{
	const unsigned char *d = (const unsigned char *)key;
	uint32_t h = (uint32_t)len, tmp;
	/* the single trailing byte is sign-extended, as a (signed) char */
	int32_t last;

	for (size_t i = 0; i < len / 4; i++, d += 4) {
		h += ref_get16(d);
		tmp = (ref_get16(d + 2) << 11) ^ h;
		h = (h << 16) ^ tmp;
		h += h >> 11;
	}
	switch (len & 3) {
	case 3:
		last = (int8_t)d[2];
		h += ref_get16(d);
		h ^= h << 16;
		h ^= (uint32_t)last << 18;
		h += h >> 11;
		break;
	case 2:
		h += ref_get16(d);
		h ^= h << 11;
		h += h >> 17;
		break;
	case 1:
		last = (int8_t)d[0];
		h += (uint32_t)last;
		h ^= h << 10;
		h += h >> 1;
		break;
	}
	h ^= h << 3;
	h += h >> 5;
	h ^= h << 4;
	h += h >> 17;
	h ^= h << 25;
	h += h >> 6;
	return h;
}

/* ---- helpers ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* @n distinct module-like names ([a-z0-9_-], 1 to 24 bytes), malloc'd */
static char **make_names(size_t n)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789_-";
	char **v = calloc(n, sizeof(*v));

	for (size_t i = 0; v != NULL && i < n; i++) {
		size_t len = 1 + rnd() % 24, k;

		v[i] = malloc(len + 16);
		if (v[i] == NULL)
			abort();
		for (k = 0; k < len; k++)
			v[i][k] = alpha[rnd() % (sizeof(alpha) - 1)];
		/* the index keeps the names distinct */
		snprintf(v[i] + k, 16, "%zx", i);
	}
	if (v == NULL)
		abort();
	return v;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static uint32_t ref_mask;

static int ref_order_cmp(const void *a, const void *b)
{
	const char *ka = *(const char *const *)a, *kb = *(const char *const *)b;
	uint32_t ba = ref_superfast(ka, strlen(ka)) & ref_mask;
	uint32_t bb = ref_superfast(kb, strlen(kb)) & ref_mask;

	if (ba != bb)
		return ba < bb ? -1 : 1;
	return strcmp(ka, kb);
}

/* @keys sorted in the order a table of @n_buckets buckets must iterate them */
static void ref_order(const char **keys, size_t n, uint32_t n_buckets)
{
	ref_mask = n_buckets - 1;
	qsort(keys, n, sizeof(*keys), ref_order_cmp);
}

/*
 * Does iterating @h give exactly @expect, key by key (as strings), each with
 * the value that was stored with it (the key itself unless @values_are_keys is
 * false)? Reports the first difference.
 */
static bool iter_matches(const struct hash *h, const char **expect, size_t n,
			 bool values_are_keys)
{
	struct hash_iter it;
	const char *k;
	const void *v;
	size_t i = 0;

	hash_iter_init(h, &it);
	while (hash_iter_next(&it, &k, &v)) {
		if (i >= n || strcmp(k, expect[i]) != 0 || (values_are_keys && v != k)) {
			printf("# at %zu: got '%s', expected '%s'\n", i, k,
			       i < n ? expect[i] : "(end)");
			return false;
		}
		i++;
	}
	if (i != n)
		printf("# iteration ended after %zu of %zu keys\n", i, n);
	return i == n;
}

static unsigned int n_freed;

static void count_free(void *v)
{
	n_freed++;
	free(v);
}

/* ---- tests ---- */

static void test_function(void)
{
	char buf[80];
	size_t bad = 0, i;

	/* every length up to 64 bytes and every byte value, high bit included */
	for (i = 0; i < 20000; i++) {
		size_t len = i % 65;

		for (size_t k = 0; k < len; k++)
			buf[k] = (char)(rnd() & 0xff);
		buf[len] = '\0';
		if (hash_superfast(buf, (unsigned int)len) != ref_superfast(buf, len)) {
			if (bad++ == 0)
				printf("# first difference at length %zu\n", len);
		}
	}
	TAP_OK(bad == 0, "hash_superfast equals SuperFastHash on %zu random strings", i);
	TAP_OK(hash_superfast("", 0) == 0, "hash of the empty string is 0");
}

static void check_order(unsigned int asked, uint32_t n_buckets, size_t n)
{
	char **names = make_names(n);
	const char **expect = malloc(n * sizeof(*expect));
	struct hash *h = hash_new(asked, NULL);
	bool ok = h != NULL && expect != NULL;

	for (size_t i = 0; ok && i < n; i++) {
		expect[i] = names[i];
		ok = hash_add(h, names[i], names[i]) == 0;
	}
	if (ok) {
		ref_order(expect, n, n_buckets);
		ok = hash_get_count(h) == n && iter_matches(h, expect, n, true);
	}
	TAP_OK(ok, "hash_new(%u): %zu keys iterate as %u bucket(s) sorted by strcmp",
	       asked, n, n_buckets);
	hash_free(h);
	free(expect);
	free_names(names, n);
}

static void test_order(void)
{
	check_order(512, 512, 5000);
	check_order(2048, 2048, 20000);
	check_order(500, 512, 3000); /* rounded up to a power of two */
	check_order(1, 1, 1000); /* one bucket: plain strcmp order, growing often */
	check_order(0, 1, 100);
	check_order(16, 16, 100000);
}

/* lib/hash must not depend on the insertion order */
static void test_order_any_insertion(void)
{
	const size_t n = 4000;
	char **names = make_names(n);
	const char **expect = malloc(n * sizeof(*expect));
	struct hash *h = hash_new(512, NULL);
	bool ok = h != NULL && expect != NULL;

	for (size_t i = n; ok && i-- > 0;) /* backwards */
		ok = hash_add(h, names[i], names[i]) == 0;
	for (size_t i = 0; ok && i < n; i++)
		expect[i] = names[i];
	if (ok) {
		ref_order(expect, n, 512);
		ok = iter_matches(h, expect, n, true);
	}
	TAP_OK(ok, "the order does not depend on the insertion order");
	hash_free(h);
	free(expect);
	free_names(names, n);
}

static char *find_kver_dir(void)
{
	DIR *d = opendir("/lib/modules");
	struct dirent *de;
	char *best = NULL;

	if (d == NULL)
		return NULL;
	/* as debian_kver in testsuite/tap.sh: the last tree with modules.order */
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/lib/modules/%s/modules.order", de->d_name);
		if (stat(path, &st) < 0)
			continue;
		snprintf(path, sizeof(path), "/lib/modules/%s/kernel", de->d_name);
		if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (best == NULL ||
		    strcmp(de->d_name, best + strlen("/lib/modules/")) > 0) {
			free(best);
			if (asprintf(&best, "/lib/modules/%s", de->d_name) < 0)
				best = NULL;
		}
	}
	closedir(d);
	return best;
}

/* kmod 30 wrote modules.symbols in the iteration order of a 2048-bucket table */
static void test_kmod_symbols(void)
{
	_cleanup_free_ char *dir = find_kver_dir(), *path = NULL, *data = NULL;
	const char **names = NULL;
	size_t len, n = 0, cap = 0;
	struct hash *h;
	bool ok;

	if (dir == NULL || asprintf(&path, "%s/modules.symbols", dir) < 0 ||
	    read_file_full(AT_FDCWD, path, &data, &len) < 0) {
		printf("Bail out! no modules.symbols of an installed module tree\n");
		exit(1);
	}
	for (char *line = strtok(data, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		char *sp;

		if (!strstartswith(line, "alias symbol:"))
			continue;
		line += strlen("alias symbol:");
		sp = strchr(line, ' ');
		if (sp == NULL)
			continue;
		*sp = '\0';
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			names = realloc(names, cap * sizeof(*names));
			if (names == NULL)
				abort();
		}
		names[n++] = line;
	}
	h = hash_new(2048, NULL);
	ok = h != NULL && n > 1000;
	for (size_t i = 0; ok && i < n; i++)
		ok = hash_add_unique(h, names[i], names[i]) == 0;
	ok = ok && iter_matches(h, names, n, true);
	TAP_OK(ok, "%s: the %zu symbols in kmod's order", path, n);
	hash_free(h);
	free(names);
}

static void test_replace(void)
{
	struct hash *h = hash_new(4, count_free);
	char k1[] = "snd_pcm", k2[] = "snd_pcm";
	char *v1 = strdup("one"), *v2 = strdup("two"), *v3 = strdup("three");
	struct hash_iter it;
	const char *key = NULL;
	const void *val = NULL;

	n_freed = 0;
	TAP_OK(h != NULL && hash_add(h, k1, v1) == 0 && hash_get_count(h) == 1,
	       "add: count 1");
	TAP_OK(hash_add_unique(h, k2, v3) == -EEXIST && hash_find(h, "snd_pcm") == v1 &&
		       n_freed == 0,
	       "add_unique of a present key: -EEXIST, nothing replaced or freed");
	free(v3);
	TAP_OK(hash_add(h, k2, v2) == 0 && hash_get_count(h) == 1 &&
		       hash_find(h, "snd_pcm") == v2 && n_freed == 1,
	       "add of a present key replaces the value and frees the old one");
	hash_iter_init(h, &it);
	TAP_OK(hash_iter_next(&it, &key, &val) && key == k2 && val == v2 &&
		       !hash_iter_next(&it, NULL, NULL),
	       "replace also takes the new key (the old one may die with its value)");
	TAP_OK(hash_add(h, k2, v2) == 0 && n_freed == 1 && hash_find(h, k1) == v2,
	       "adding the same value again frees nothing");
	TAP_OK(hash_find(h, "snd") == NULL && hash_find(h, "snd_pcm_") == NULL &&
		       hash_find(h, "") == NULL,
	       "find: no prefix or extension matches");
	hash_free(h);
	TAP_OK(n_freed == 2, "hash_free frees the remaining value once");
}

static void test_delete(void)
{
	const size_t n = 3000;
	char **names = make_names(n);
	const char **expect = malloc(n * sizeof(*expect));
	struct hash *h = hash_new(512, count_free);
	struct hash_iter it;
	size_t m = 0;
	bool ok = h != NULL && expect != NULL;

	n_freed = 0;
	for (size_t i = 0; ok && i < n; i++)
		ok = hash_add(h, names[i], strdup(names[i])) == 0;
	for (size_t i = 0; ok && i < n; i += 3)
		ok = hash_del(h, names[i]) == 0;
	TAP_OK(ok && n_freed == (n + 2) / 3 && hash_get_count(h) == n - (n + 2) / 3,
	       "delete: every deleted value freed once, count follows");
	for (size_t i = 0; ok && i < n; i++) {
		const char *v = hash_find(h, names[i]);

		if (i % 3 == 0)
			ok = v == NULL;
		else
			ok = v != NULL && streq(v, names[i]);
		if (i % 3)
			expect[m++] = names[i];
	}
	TAP_OK(ok, "delete: deleted keys are gone, the others keep their values");
	ref_order(expect, m, 512);
	TAP_OK(ok && iter_matches(h, expect, m, false),
	       "delete: the others keep the order");
	TAP_OK(hash_del(h, names[0]) == -ENOENT && hash_del(h, "not there") == -ENOENT &&
		       n_freed == (n + 2) / 3,
	       "deleting a missing key: -ENOENT, nothing freed");
	for (size_t i = 0; ok && i < n; i++)
		if (i % 3)
			ok = hash_del(h, names[i]) == 0;
	hash_iter_init(h, &it);
	TAP_OK(ok && hash_get_count(h) == 0 && !hash_iter_next(&it, NULL, NULL) &&
		       n_freed == n,
	       "deleting everything empties the table");
	ok = hash_add(h, names[5], strdup("again")) == 0;
	TAP_OK(ok && streq(hash_find(h, names[5]), "again") && hash_get_count(h) == 1,
	       "a key can be added again after its deletion");
	hash_free(h);
	TAP_OK(n_freed == n + 1, "hash_free after deletions frees only what is left");
	free(expect);
	free_names(names, n);
}

static int coll_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Add to @h the pairs of keys "sym_N" (N < @n) whose full 32-bit hashes are
 * equal, found by a birthday search with the reference hash: the first of a
 * pair with the value 1, the second with 2. Returns the number of pairs.
 */
static size_t add_colliding_pairs(struct hash *h, size_t n, bool *ok)
{
	uint64_t *keys = malloc(n * sizeof(*keys));
	size_t pairs = 0, last = 0;
	char a[32], b[32];

	if (keys == NULL)
		abort();
	/* (hash << 32 | N) sorted: equal hashes end up next to each other */
	for (size_t i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "sym_%zu", i);
		keys[i] = ((uint64_t)ref_superfast(a, strlen(a)) << 32) | i;
	}
	qsort(keys, n, sizeof(*keys), coll_cmp);
	*ok = true;
	for (size_t i = 1; *ok && i < n; i++) {
		int r1, r2;

		/* (a third key of the same hash would only replace one) */
		if (keys[i - 1] >> 32 != keys[i] >> 32 || (pairs > 0 && last == i - 1))
			continue;
		last = i;
		snprintf(a, sizeof(a), "sym_%u", (unsigned int)keys[i - 1]);
		snprintf(b, sizeof(b), "sym_%u", (unsigned int)keys[i]);
		*ok = hash_superfast(a, (unsigned int)strlen(a)) ==
		      hash_superfast(b, (unsigned int)strlen(b));
		/* the table keeps its own pointers to the keys: give it copies */
		r1 = hash_add(h, strdup(a), (void *)1);
		r2 = hash_add(h, strdup(b), (void *)2);
		*ok = *ok && r1 == 0 && r2 == 0 && hash_find(h, a) == (void *)1 &&
		      hash_find(h, b) == (void *)2;
		pairs++;
	}
	free(keys);
	return pairs;
}

static void test_collisions(void)
{
	struct hash *h = hash_new(2048, NULL);
	struct hash_iter it;
	const char *k;
	char **all;
	size_t pairs, m = 0;
	bool ok;

	if (h == NULL)
		abort();
	pairs = add_colliding_pairs(h, 100000, &ok);
	TAP_OK(ok && pairs > 0, "%zu pairs of keys with equal 32-bit hashes stay apart",
	       pairs);
	all = calloc(hash_get_count(h) + 1, sizeof(*all));
	hash_iter_init(h, &it);
	while (all != NULL && hash_iter_next(&it, &k, NULL))
		all[m++] = (char *)k;
	ok = all != NULL && m == 2 * pairs;
	/* delete the first of each pair: the second must remain */
	for (size_t i = 0; ok && i < m; i++)
		if (hash_find(h, all[i]) == (void *)1)
			ok = hash_del(h, all[i]) == 0;
	for (size_t i = 0; ok && i < m; i++) {
		const void *v = hash_find(h, all[i]);

		ok = v == NULL || v == (void *)2;
	}
	TAP_OK(ok && hash_get_count(h) == pairs,
	       "deleting one key of a colliding pair keeps the other");
	hash_free(h);
	for (size_t i = 0; i < m; i++)
		free(all[i]);
	free(all);
}

/* the values a table freed */
struct freed_log {
	const void *v[4096];
	size_t n;
};

static struct freed_log *cur_log;

/* the free_value of test_add_many(): notes the value, frees nothing */
static void logged_free(void *v)
{
	if (cur_log->n < sizeof(cur_log->v) / sizeof(cur_log->v[0]))
		cur_log->v[cur_log->n++] = v;
}

static int cmp_ptr(const void *a, const void *b)
{
	const void *pa = *(const void *const *)a, *pb = *(const void *const *)b;

	return (pa > pb) - (pa < pb);
}

static bool same_tables(const struct hash *a, const struct hash *b)
{
	struct hash_iter ia, ib;
	const char *ka, *kb;
	const void *va, *vb;

	if (hash_get_count(a) != hash_get_count(b))
		return false;
	hash_iter_init(a, &ia);
	hash_iter_init(b, &ib);
	for (;;) {
		bool more_a = hash_iter_next(&ia, &ka, &va),
		     more_b = hash_iter_next(&ib, &kb, &vb);

		if (more_a != more_b)
			return false;
		if (!more_a)
			return true;
		if (ka != kb || va != vb)
			return false;
	}
}

/*
 * hash_add_many() against hash_add() one by one: keys drawn from a small pool
 * (so most repeat, also within one call), on a table that already holds some,
 * values now and then the same pointer as the one they replace. Same entries,
 * same keys and values in the same order, the same values freed.
 */
static void test_add_many(unsigned int n_buckets, size_t pool, size_t n)
{
	char **names = make_names(pool);
	struct hash_entry *add = malloc(n * sizeof(*add));
	struct freed_log *fa = calloc(1, sizeof(*fa)), *fb = calloc(1, sizeof(*fb));
	struct hash *a, *b;
	bool ok;

	if (add == NULL || fa == NULL || fb == NULL)
		abort();
	/* values are never dereferenced: small distinct integers stand for them */
	cur_log = fa;
	a = hash_new(n_buckets, logged_free);
	b = hash_new(n_buckets, logged_free);
	ok = a != NULL && b != NULL;
	for (size_t i = 0; ok && i < pool / 3; i++) {
		const void *v = (const void *)(uintptr_t)(0x10000 + i);

		cur_log = fa;
		ok = hash_add(a, names[i * 3], v) == 0;
		cur_log = fb;
		ok = ok && hash_add(b, names[i * 3], v) == 0;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned int dice = rnd() % 8;

		/* a quarter repeat the key before, half of those with its value */
		add[i].key = i > 0 && dice < 2 ? add[i - 1].key : names[rnd() % pool];
		add[i].value = i > 0 && dice == 0
				       ? add[i - 1].value
				       : (const void *)(uintptr_t)(0x100000 + i);
	}
	cur_log = fa;
	for (size_t i = 0; ok && i < n; i++)
		ok = hash_add(a, add[i].key, add[i].value) == 0;
	cur_log = fb;
	ok = ok && hash_add_many(b, add, n) == 0;
	ok = ok && same_tables(a, b) && fa->n == fb->n;
	if (ok) {
		qsort(fa->v, fa->n, sizeof(fa->v[0]), cmp_ptr);
		qsort(fb->v, fb->n, sizeof(fb->v[0]), cmp_ptr);
		ok = memcmp(fa->v, fb->v, fa->n * sizeof(fa->v[0])) == 0;
	}
	TAP_OK(ok,
	       "hash_add_many(%zu of %zu keys, %u buckets) = hash_add one by one: "
	       "%u entries, the same order, %zu values freed",
	       n, pool, n_buckets, a != NULL ? hash_get_count(a) : 0, fa->n);
	/* hash_free frees what is left, identically */
	cur_log = fa;
	hash_free(a);
	cur_log = fb;
	hash_free(b);
	free(add);
	free(fa);
	free(fb);
	free_names(names, pool);
}

int main(void)
{
	/* what was printed survives a crash of the code under test */
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_function();
	test_order();
	test_order_any_insertion();
	test_kmod_symbols();
	test_replace();
	test_delete();
	test_collisions();
	test_add_many(4, 50, 300);
	test_add_many(2048, 3000, 2500);
	test_add_many(2048, 20, 1);
	return tap_done();
}
