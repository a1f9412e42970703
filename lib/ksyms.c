// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ksyms.h"

static int ksyms_push(struct ksyms *k, const char *name, uint64_t crc, const char *ns)
{
	if (ARRAY_GROW(k->v, k->n, k->cap, 4096) < 0)
		return -ENOMEM;
	k->v[k->n++] = (struct ksym){ .name = name, .crc = crc, .ns = ns };
	return 0;
}

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	/* equal names: file order, so that the last one is kept */
	if (c == 0)
		c = x < y ? -1 : x > y;
	return c;
}

/* Sort by name and keep the last line of each name. */
static void ksyms_finish(struct ksyms *k)
{
	size_t w = 0;

	if (k->n > 1)
		qsort(k->v, k->n, sizeof(*k->v), cmp_ksym);
	for (size_t i = 0; i < k->n; i++) {
		if (w > 0 && streq(k->v[w - 1].name, k->v[i].name))
			w--;
		k->v[w++] = k->v[i];
	}
	k->n = w;
}

/*
 * Each line of the file @path, or of a copy of @len bytes at @data when not NULL,
 * to @line, cut at '\n' (NUL-terminated in place).
 */
static int ksyms_load(const char *path, const char *data, size_t len, struct ksyms *k,
		      int (*line)(struct ksyms *k, char *s))
{
	char *p, *end;
	int r = 0;

	*k = (struct ksyms){ 0 };
	if (data == NULL) {
		r = read_file_full(AT_FDCWD, path, &k->buf, &len);
	} else if (len == SIZE_MAX || (k->buf = malloc(len + 1)) == NULL) {
		r = -ENOMEM;
	} else {
		memcpy(k->buf, data, len);
		k->buf[len] = '\0';
	}
	if (r < 0)
		return r;
	for (p = k->buf; p < k->buf + len; p = end + 1) {
		end = memchr(p, '\n', (size_t)(k->buf + len - p));
		if (end == NULL)
			end = k->buf + len; /* read_file_full NUL-terminates */
		*end = '\0';
		r = line(k, p);
		if (r < 0) {
			ksyms_release(k);
			return r;
		}
	}
	ksyms_finish(k);
	return 0;
}

/* "0xb352177e\tfind_first_bit\tvmlinux\tEXPORT_SYMBOL[\tNAMESPACE]" */
static int symvers_line(struct ksyms *k, char *s)
{
	char *f[5] = { 0 };
	char *end;
	uint64_t crc;
	size_t n = 0;

	for (char *save = NULL, *t = strtok_r(s, "\t", &save); t != NULL && n < 5;
	     t = strtok_r(NULL, "\t", &save))
		f[n++] = t;
	if (n < 3 || !streq(f[2], "vmlinux"))
		return 0;
	errno = 0;
	crc = strtoull(f[0], &end, 16);
	if (*end != '\0' || errno != 0)
		return 0;
	return ksyms_push(k, f[1], crc, n == 5 && f[4][0] != '\0' ? f[4] : NULL);
}

int ksyms_load_symvers_mem(const char *path, const char *data, size_t len,
			   struct ksyms *out)
{
	int r = ksyms_load(path, data, len, out, symvers_line);

	out->has_crcs = r == 0;
	return r;
}

/* "ffffffff81e0c3c0 r __ksymtab_find_first_bit" */
static int system_map_line(struct ksyms *k, char *s)
{
	static const char ksym[] = "__ksymtab_";
	char *p = strchr(s, ' ');

	if (p != NULL)
		p = strchr(p + 1, ' ');
	if (p == NULL || !strstartswith(p + 1, ksym) || p[sizeof(ksym)] == '\0')
		return 0;
	return ksyms_push(k, p + sizeof(ksym), 0, NULL);
}

int ksyms_load_symvers(const char *path, struct ksyms *out)
{
	return ksyms_load_symvers_mem(path, NULL, 0, out);
}

int ksyms_load_system_map_mem(const char *path, const char *data, size_t len,
			      struct ksyms *out)
{
	return ksyms_load(path, data, len, out, system_map_line);
}

int ksyms_load_system_map(const char *path, struct ksyms *out)
{
	return ksyms_load_system_map_mem(path, NULL, 0, out);
}

void ksyms_release(struct ksyms *k)
{
	free(k->v);
	free(k->buf);
	*k = (struct ksyms){ 0 };
}
