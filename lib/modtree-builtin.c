// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The builtin modules of a lib/modtree.h side: modules.builtin names them (one
 * path a line), modules.builtin.modinfo has their fields ("name.key=value\0").
 * A name that is also a file of the tree stays the file's.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "hash.h"
#include "modtree-internal.h"

/* A line of modules.builtin: a path of printable bytes that ends in ".ko". */
static bool builtin_line_valid(const char *s, size_t len)
{
	if (len <= 3 || memcmp(s + len - 3, ".ko", 3) != 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

static int add_builtin(struct modtree *t, size_t n_files, char *line)
{
	char buf[PATH_MAX], *name;
	struct modtree_module key, *mm;

	key.name = path_to_modname(line, buf, NULL);
	if (n_files && bsearch(&key, t->mods, n_files, sizeof(key), mt_cmp_module))
		return 0;
	name = mt_keep(t, strdup(key.name));
	mm = name ? mt_push_module(t) : NULL;
	if (mm == NULL)
		return -ENOMEM;
	mm->name = name;
	mm->path = line;
	mm->builtin = true;
	return 0;
}

static int read_builtin_list(struct modtree *t, const struct mk_log *log)
{
	size_t len, n_files = t->n;
	unsigned int lineno = 0;
	char *buf, *p, *end;
	int r;

	r = mt_read_in_dir(t, "modules.builtin", &buf, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		mk_log(log, LOG_ERR, "%s/modules.builtin: %s\n", t->dirname,
		       strerror(-r));
		return r;
	}
	for (p = buf; p < buf + len; p = end + 1) {
		end = memchr(p, '\n', (size_t)(buf + len - p));
		if (end == NULL)
			end = buf + len;
		lineno++;
		*end = '\0';
		if (end == p && end == buf + len)
			break;
		if (!builtin_line_valid(p, (size_t)(end - p))) {
			mk_log(log, LOG_ERR, "%s/modules.builtin:%u: not a module path\n",
			       t->dirname, lineno);
			return -EINVAL;
		}
		r = add_builtin(t, n_files, p);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A record of modules.builtin.modinfo, by the index of its builtin module. */
struct brec {
	size_t mod;
	size_t pos;
	struct modinfo_entry e;
};

static int cmp_brec(const void *a, const void *b)
{
	const struct brec *x = a, *y = b;

	if (x->mod != y->mod)
		return x->mod < y->mod ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The records of the builtin modules t->mods[@first...], in file order. */
static int collect_records(struct modtree *t, size_t first, char *buf, size_t len,
			   struct brec **out, size_t *n_out)
{
	struct hash *h = hash_new(1024, NULL);
	struct brec *v = NULL;
	size_t n = 0, cap = 0;
	int r = h ? 0 : -ENOMEM;

	for (size_t i = first; i < t->n && r == 0; i++)
		r = hash_add(h, t->mods[i].name, (void *)(uintptr_t)(i + 1));
	for (char *p = buf; r == 0 && p < buf + len; p += strlen(p) + 1) {
		char *dot = strchr(p, '.'), *eq;
		uintptr_t idx;

		if (dot == NULL)
			continue;
		*dot = '\0';
		idx = (uintptr_t)hash_find(h, p);
		*dot = '.';
		if (idx == 0)
			continue;
		if (ARRAY_GROW(v, n, cap, 1024) < 0) {
			r = -ENOMEM;
			break;
		}
		eq = strchr(dot + 1, '=');
		v[n] = (struct brec){
			idx - 1,
			n,
			{ dot + 1, eq ? (size_t)(eq - dot - 1) : strlen(dot + 1),
			  eq ? eq + 1 : dot + strlen(dot), eq ? strlen(eq + 1) : 0 }
		};
		n++;
	}
	hash_free(h);
	if (r < 0) {
		free(v);
		return r;
	}
	*out = v;
	*n_out = n;
	return 0;
}

static int read_builtin_fields(struct modtree *t, size_t first, const struct mk_log *log)
{
	_cleanup_free_ struct brec *v = NULL;
	_cleanup_free_ struct modinfo_entry *e = NULL;
	size_t len, n = 0;
	char *buf;
	int r;

	r = mt_read_in_dir(t, "modules.builtin.modinfo", &buf, &len);
	if (r == -ENOENT)
		return 0;
	if (r == 0)
		r = collect_records(t, first, buf, len, &v, &n);
	if (r < 0) {
		mk_log(log, LOG_ERR, "%s/modules.builtin.modinfo: %s\n", t->dirname,
		       strerror(-r));
		return r;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_brec);
	e = calloc(n + 1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	for (size_t i = 0, j; i < n; i = j) {
		struct modtree_module *mm = &t->mods[v[i].mod];

		for (j = i; j < n && v[j].mod == v[i].mod; j++)
			e[j - i] = v[j].e;
		r = modtree_fields_build(e, j - i, NULL, NULL, &mm->fields,
					 &mm->n_fields);
		if (r < 0 || mt_keep(t, mm->fields) != mm->fields)
			return -ENOMEM;
	}
	return 0;
}

int mt_load_builtin(struct modtree *t, const struct mk_log *log)
{
	size_t first = t->n;
	int r = read_builtin_list(t, log);

	if (r == 0 && t->n > first)
		r = read_builtin_fields(t, first, log);
	return r;
}
