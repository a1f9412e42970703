// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * index-tool: a small command line front end to lib/index and lib/index-writer
 * for the tests.
 *
 *   index-tool dump FILE [PREFIX]        like libkmod's index dump
 *   index-tool list FILE                 "key<TAB>priority<TAB>value", on-disk order
 *   index-tool lookup FILE [KEY...]      exact: "key<TAB>value" or "key<TAB>-"
 *   index-tool wild [-n] [-p] FILE [KEY...]
 *                                        wildcard: "key<TAB>v1 v2 ..." or "key<TAB>-";
 *                                        -n normalizes KEY like libkmod
 * (alias_normalize), -p prints "priority:value" index-tool rebuild [-P] FILE OUT     read
 * every entry and write them again index-tool build [-P] OUT            entries
 * "key<TAB>priority<TAB>value" on stdin index-tool check FILE                run every
 * reader entry point, print the outcomes index-tool truncations FILE          check every
 * truncation of FILE in memory
 *
 * Lookup and wild read keys from stdin, one a line, when none are given.
 * -P writes the pre-order layout (kmod >= 34) instead of kmod 30's post-order.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index-writer.h"
#include "index.h"
#include "strbuf.h"
#include "util.h"

static const char *errname(int r)
{
	const char *s;

	if (r >= 0)
		return "OK";
	s = strerrorname_np(-r);
	return s != NULL ? s : "E?";
}

static int fail(const char *what, const char *arg, int r)
{
	fprintf(stderr, "index-tool: %s %s: %s\n", what, arg, strerror(-r));
	return EXIT_FAILURE;
}

static int usage(void)
{
	fprintf(stderr, "usage: index-tool dump|list|lookup|wild|rebuild|build|check|"
			"truncations ... (see the source)\n");
	return 2;
}

static int write_file(const char *path, const struct strbuf *sb)
{
	_cleanup_close_ int fd =
		open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	return write_all(fd, sb->buf, sb->used);
}

static int print_entry(void *data, const char *key, const char *value,
		       unsigned int priority)
{
	printf("%s\t%u\t%s\n", key, priority, value);
	return 0;
}

/* call @fn for each key: the arguments, or the lines of stdin */
static int for_keys(int argc, char **argv, int (*fn)(void *data, const char *key),
		    void *data)
{
	char *line = NULL;
	size_t alloc = 0;
	ssize_t len;
	int i, r = 0;

	if (argc > 0) {
		for (i = 0; i < argc && r == 0; i++)
			r = fn(data, argv[i]);
		return r;
	}
	while (r == 0 && (len = getline(&line, &alloc, stdin)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		r = fn(data, line);
	}
	free(line);
	return r;
}

static int do_lookup(void *data, const char *key)
{
	_cleanup_free_ char *value = NULL;
	int r = index_search(data, key, &value);

	if (r == -ENOENT) {
		printf("%s\t-\n", key);
		return 0;
	}
	if (r < 0)
		return fail("lookup", key, r);
	printf("%s\t%s\n", key, value);
	return 0;
}

struct wild_opts {
	const struct index *idx;
	bool normalize, prio;
};

static int do_wild(void *data, const char *key)
{
	struct wild_opts *o = data;
	struct index_values vals;
	char buf[PATH_MAX];
	const char *k = key;
	size_t i;
	int r;

	if (o->normalize) {
		if (alias_normalize(key, buf, NULL) < 0) {
			printf("%s\tEINVAL\n", key);
			return 0;
		}
		k = buf;
	}
	r = index_search_wild(o->idx, k, &vals);
	if (r < 0)
		return fail("wild", key, r);
	printf("%s\t", key);
	if (vals.n == 0)
		printf("-");
	for (i = 0; i < vals.n; i++) {
		if (o->prio)
			printf("%s%u:%s", i ? " " : "", vals.v[i].priority,
			       vals.v[i].value);
		else
			printf("%s%s", i ? " " : "", vals.v[i].value);
	}
	printf("\n");
	index_values_free(&vals);
	return 0;
}

struct entry {
	char *key, *value;
	unsigned int prio;
};

struct entries {
	struct entry *e;
	size_t n, alloc;
};

static int collect(void *data, const char *key, const char *value, unsigned int priority)
{
	struct entries *es = data;

	if (es->n == es->alloc) {
		size_t nalloc = es->alloc ? es->alloc * 2 : 1024;
		struct entry *n = reallocarray(es->e, nalloc, sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		es->e = n;
		es->alloc = nalloc;
	}
	es->e[es->n].key = strdup(key);
	es->e[es->n].value = strdup(value);
	es->e[es->n].prio = priority;
	if (es->e[es->n].key == NULL || es->e[es->n].value == NULL)
		return -ENOMEM;
	es->n++;
	return 0;
}

static void entries_free(struct entries *es)
{
	size_t i;

	for (i = 0; i < es->n; i++) {
		free(es->e[i].key);
		free(es->e[i].value);
	}
	free(es->e);
}

static int serialize_to(struct index_writer *w, bool preorder, const char *out)
{
	struct strbuf sb = STRBUF_INIT;
	int r = preorder ? index_writer_serialize_preorder(w, &sb)
			 : index_writer_serialize(w, &sb);

	if (r == 0)
		r = write_file(out, &sb);
	strbuf_release(&sb);
	return r;
}

static int cmd_rebuild(const char *in, const char *out, bool preorder, bool print_dups)
{
	struct entries es = { 0 };
	struct index_writer *w;
	struct index *idx;
	size_t i;
	int r;

	r = index_open(in, &idx);
	if (r < 0)
		return fail("open", in, r);
	r = index_foreach(idx, collect, &es);
	index_close(idx);
	if (r < 0) {
		entries_free(&es);
		return fail("read", in, r);
	}
	w = index_writer_new();
	if (w == NULL)
		return fail("writer", out, -ENOMEM);
	/*
	 * Values of a key are on disk by ascending priority, and among equal
	 * priorities the later insertion comes first: adding them back in reverse
	 * order reproduces the same list.
	 */
	for (i = es.n; i-- > 0 && r == 0;) {
		bool dup;

		r = index_writer_add_dup(w, es.e[i].key, es.e[i].value, es.e[i].prio,
					 &dup);
		if (r == 0 && dup && print_dups)
			printf("%s %s\n", es.e[i].key, es.e[i].value);
	}
	if (r == 0)
		r = serialize_to(w, preorder, out);
	index_writer_free(w);
	entries_free(&es);
	return r < 0 ? fail("write", out, r) : 0;
}

static int cmd_build(const char *out, bool preorder)
{
	struct index_writer *w = index_writer_new();
	char *line = NULL;
	size_t alloc = 0;
	ssize_t len;
	int r = 0;

	if (w == NULL)
		return fail("writer", out, -ENOMEM);
	while (r == 0 && (len = getline(&line, &alloc, stdin)) >= 0) {
		char *prio, *value, *end;
		unsigned long p;

		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		prio = strchr(line, '\t');
		value = prio ? strchr(prio + 1, '\t') : NULL;
		if (value == NULL) {
			r = -EINVAL;
			break;
		}
		*prio++ = '\0';
		*value++ = '\0';
		errno = 0;
		p = strtoul(prio, &end, 10);
		if (errno != 0 || *end != '\0' || p > UINT_MAX) {
			r = -EINVAL;
			break;
		}
		r = index_writer_add(w, line, value, (unsigned int)p);
	}
	free(line);
	if (r == 0)
		r = serialize_to(w, preorder, out);
	index_writer_free(w);
	return r < 0 ? fail("build", out, r) : 0;
}

static int count_entry(void *data, const char *key, const char *value,
		       unsigned int priority)
{
	(*(size_t *)data)++;
	return 0;
}

/* run every reader entry point on @idx; describe the outcomes in @sb */
static int check_index(const struct index *idx, struct strbuf *sb)
{
	static const char *const keys[] = {
		"", "a", "ext4", "pci:v00008086d00001234sv0sd0", "symbol:printk", "*", "["
	};
	struct strbuf dump = STRBUF_INIT;
	size_t n = 0, i;
	int r, worst = 0;

	r = index_dump(idx, "alias ", &dump);
	strbuf_release(&dump);
	/* a short report (out of memory) fails the comparison that reads it */
	(void)!strbuf_printf(sb, " dump=%s", errname(r));
	if (r < 0)
		worst = r;
	r = index_foreach(idx, count_entry, &n);
	(void)!strbuf_printf(sb, " foreach=%s", errname(r));
	if (r == 0)
		(void)!strbuf_printf(sb, " entries=%zu", n);
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		struct index_values vals;
		char *value = NULL;

		r = index_search(idx, keys[i], &value);
		free(value);
		if (r == -EBADMSG)
			worst = r;
		(void)!strbuf_printf(sb, " search=%s", errname(r));
		r = index_search_wild(idx, keys[i], &vals);
		if (r == 0)
			index_values_free(&vals);
		else
			worst = r;
		(void)!strbuf_printf(sb, " wild=%s", errname(r));
	}
	return worst;
}

static int cmd_check(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	struct index *idx;
	int r;

	r = index_open(path, &idx);
	printf("open=%s", errname(r));
	if (r == 0) {
		check_index(idx, &sb);
		index_close(idx);
		printf("%s", strbuf_str(&sb));
	}
	printf("\n");
	strbuf_release(&sb);
	return 0;
}

/* every truncation of a valid index must be refused by a full walk */
static int cmd_truncations(const char *path)
{
	_cleanup_free_ char *data = NULL;
	size_t size, n, refused = 0, accepted = 0;
	int r;

	r = read_file_full(AT_FDCWD, path, &data, &size);
	if (r < 0)
		return fail("read", path, r);
	for (n = 0; n < size; n++) {
		struct strbuf sb = STRBUF_INIT;
		char *copy = malloc(n ? n : 1); /* exact size: ASan sees any over-read */
		struct index *idx;

		if (copy == NULL)
			return fail("truncate", path, -ENOMEM);
		memcpy(copy, data, n);
		r = index_open_memory(copy, n, &idx);
		free(copy);
		if (r == 0) {
			r = check_index(idx, &sb);
			index_close(idx);
		}
		if (r == -EBADMSG) {
			refused++;
		} else {
			accepted++;
			printf("accepted truncation at %zu:%s\n", n, strbuf_str(&sb));
		}
		strbuf_release(&sb);
	}
	printf("truncations=%zu refused=%zu accepted=%zu\n", size, refused, accepted);
	return 0;
}

int main(int argc, char **argv)
{
	struct wild_opts wo = { 0 };
	bool preorder = false, print_dups = false;
	struct index *idx;
	const char *cmd;
	int r, i;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	argc -= 2;
	argv += 2;
	for (i = 0; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (streq(argv[i], "-P"))
			preorder = true;
		else if (streq(argv[i], "-n"))
			wo.normalize = true;
		else if (streq(argv[i], "-p"))
			wo.prio = true;
		else if (streq(argv[i], "-d"))
			print_dups = true;
		else
			return usage();
	}
	argc -= i;
	argv += i;

	if (streq(cmd, "build"))
		return argc == 1 ? cmd_build(argv[0], preorder) : usage();
	if (streq(cmd, "rebuild"))
		return argc == 2 ? cmd_rebuild(argv[0], argv[1], preorder, print_dups)
				 : usage();
	if (streq(cmd, "check"))
		return argc == 1 ? cmd_check(argv[0]) : usage();
	if (streq(cmd, "truncations"))
		return argc == 1 ? cmd_truncations(argv[0]) : usage();
	if (argc < 1)
		return usage();

	r = index_open(argv[0], &idx);
	if (r < 0)
		return fail("open", argv[0], r);

	if (streq(cmd, "dump")) {
		struct strbuf sb = STRBUF_INIT;

		r = index_dump(idx, argc > 1 ? argv[1] : "", &sb);
		if (r == 0)
			r = write_all(STDOUT_FILENO, sb.buf, sb.used);
		strbuf_release(&sb);
		r = r < 0 ? fail("dump", argv[0], r) : 0;
	} else if (streq(cmd, "list")) {
		r = index_foreach(idx, print_entry, NULL);
		r = r < 0 ? fail("list", argv[0], r) : 0;
	} else if (streq(cmd, "lookup")) {
		r = for_keys(argc - 1, argv + 1, do_lookup, idx) ? EXIT_FAILURE : 0;
	} else if (streq(cmd, "wild")) {
		wo.idx = idx;
		r = for_keys(argc - 1, argv + 1, do_wild, &wo) ? EXIT_FAILURE : 0;
	} else {
		r = usage();
	}
	index_close(idx);
	fflush(stdout);
	return r;
}
