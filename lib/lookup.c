// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "modprobe-config.h"
#include "index.h"
#include "lookup.h"
#include "util.h"

enum {
	IDX_DEP,
	IDX_ALIAS,
	IDX_SYMBOLS,
	IDX_BUILTIN,
	IDX_BUILTIN_ALIAS,
	IDX_MAX,
};

static const char *const index_files[IDX_MAX] = {
	[IDX_DEP] = "modules.dep.bin",
	[IDX_ALIAS] = "modules.alias.bin",
	[IDX_SYMBOLS] = "modules.symbols.bin",
	[IDX_BUILTIN] = "modules.builtin.bin",
	[IDX_BUILTIN_ALIAS] = "modules.builtin.alias.bin",
};

struct lookup_ctx {
	char *dirname;
	const struct modprobe_config *cfg;
	int dirfd;
	struct index *idx[IDX_MAX];
	int idx_err[IDX_MAX];
	bool idx_tried[IDX_MAX];
};

int lookup_ctx_new(const char *dirname, const struct modprobe_config *cfg,
		   struct lookup_ctx **out)
{
	struct lookup_ctx *ctx = calloc(1, sizeof(*ctx));

	if (ctx == NULL)
		return -ENOMEM;
	ctx->cfg = cfg;
	ctx->dirname = strdup(dirname);
	if (ctx->dirname == NULL) {
		free(ctx);
		return -ENOMEM;
	}
	/* a missing directory is not an error here: every lookup just finds nothing */
	ctx->dirfd = open(dirname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*out = ctx;
	return 0;
}

void lookup_ctx_free(struct lookup_ctx *ctx)
{
	if (ctx == NULL)
		return;
	for (int i = 0; i < IDX_MAX; i++)
		index_close(ctx->idx[i]);
	if (ctx->dirfd >= 0)
		close(ctx->dirfd);
	free(ctx->dirname);
	free(ctx);
}

/* The index, or NULL when it is missing or unreadable (such a source yields nothing). */
static struct index *get_index(struct lookup_ctx *ctx, int which)
{
	if (!ctx->idx_tried[which]) {
		ctx->idx_tried[which] = true;
		if (ctx->dirfd < 0)
			ctx->idx_err[which] = -ENOENT;
		else
			ctx->idx_err[which] = index_open_at(
				ctx->dirfd, index_files[which], &ctx->idx[which]);
	}
	return ctx->idx[which];
}

struct index *lookup_ctx_index(struct lookup_ctx *ctx, const char *file)
{
	for (int i = 0; i < IDX_MAX; i++)
		if (streq(index_files[i], file))
			return get_index(ctx, i);
	return NULL;
}

void lookup_module_release(struct lookup_module *m)
{
	free(m->name);
	free(m->path);
	free(m->alias);
	for (size_t i = 0; i < m->n_deps; i++)
		free(m->deps[i]);
	free(m->deps);
	memset(m, 0, sizeof(*m));
}

void lookup_result_release(struct lookup_result *res)
{
	for (size_t i = 0; i < res->n; i++)
		lookup_module_release(&res->mods[i]);
	free(res->mods);
	res->mods = NULL;
	res->n = 0;
}

static struct lookup_module *result_add(struct lookup_result *res, const char *name,
					const char *alias)
{
	struct lookup_module *m, *n;

	/*
	 * No de-duplication: like kmod, a module whose alias appears twice in the
	 * index is in the result twice.
	 */
	n = realloc(res->mods, (res->n + 1) * sizeof(*n));
	if (n == NULL)
		return NULL;
	res->mods = n;
	m = &res->mods[res->n];
	memset(m, 0, sizeof(*m));
	m->name = strdup(name);
	if (m->name == NULL)
		return NULL;
	if (alias) {
		m->alias = strdup(alias);
		if (m->alias == NULL) {
			free(m->name);
			return NULL;
		}
	}
	res->n++;
	return m;
}

static char *make_path(const struct lookup_ctx *ctx, const char *p, size_t len)
{
	char *s;

	if (len > 0 && p[0] == '/')
		return strndup(p, len);
	if (asprintf(&s, "%s/%.*s", ctx->dirname, (int)len, p) < 0)
		return NULL;
	return s;
}

/* The next blank-separated word of *p: its start, and its length (0 at the end). */
static const char *next_word(const char **p, size_t *len)
{
	const char *w = *p + strspn(*p, " \t");

	*len = strcspn(w, " \t");
	*p = w + *len;
	return w;
}

/* Parse "<path>: dep dep ..." into m->path and m->deps. */
static int parse_depline(const struct lookup_ctx *ctx, struct lookup_module *m,
			 const char *line)
{
	const char *colon = strchr(line, ':');
	const char *p, *w;
	size_t n = 0, len;

	if (colon == NULL)
		return -EINVAL;
	free(m->path);
	m->path = make_path(ctx, line, (size_t)(colon - line));
	if (m->path == NULL)
		return -ENOMEM;
	for (p = colon + 1; next_word(&p, &len), len > 0;)
		n++;
	if (n == 0)
		return 0;
	m->deps = calloc(n, sizeof(*m->deps));
	if (m->deps == NULL)
		return -ENOMEM;
	for (p = colon + 1; (w = next_word(&p, &len)), len > 0;) {
		m->deps[m->n_deps] = make_path(ctx, w, len);
		if (m->deps[m->n_deps] == NULL)
			return -ENOMEM;
		m->n_deps++;
	}
	return 0;
}

/* Exact lookup of @key in index @which; -ENOENT when the index or the key is absent. */
static int search_exact(struct lookup_ctx *ctx, int which, const char *key, char **value)
{
	struct index *idx = get_index(ctx, which);

	return idx ? index_search(idx, key, value) : -ENOENT;
}

int lookup_module_dep(struct lookup_ctx *ctx, struct lookup_module *m)
{
	_cleanup_free_ char *line = NULL;
	int r = search_exact(ctx, IDX_DEP, m->name, &line);

	if (r < 0)
		return r;
	return parse_depline(ctx, m, line);
}

/* A module found through an index other than modules.dep.bin: find its path. */
static int add_found(struct lookup_ctx *ctx, struct lookup_result *res, const char *name,
		     const char *alias, bool builtin)
{
	struct lookup_module *m = result_add(res, name, alias);
	int r;

	if (m == NULL)
		return -ENOMEM;
	if (builtin) {
		m->builtin = true;
		return 0;
	}
	if (m->path)
		return 0;
	r = lookup_module_dep(ctx, m);
	return r == -ENOENT ? 0 : r;
}

static int from_moddep(struct lookup_ctx *ctx, const char *name,
		       struct lookup_result *res)
{
	_cleanup_free_ char *line = NULL;
	struct lookup_module *m;
	int r;

	/* module names have no ':' */
	if (strchr(name, ':'))
		return 0;
	r = search_exact(ctx, IDX_DEP, name, &line);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	m = result_add(res, name, NULL);
	if (m == NULL)
		return -ENOMEM;
	return parse_depline(ctx, m, line);
}

static int from_wild(struct lookup_ctx *ctx, int which, const char *name,
		     struct lookup_result *res, bool builtin)
{
	struct index *idx = get_index(ctx, which);
	struct index_values vals = { 0 };
	int r;

	if (idx == NULL)
		return 0;
	r = index_search_wild(idx, name, &vals);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (size_t i = 0; i < vals.n && r >= 0; i++)
		r = add_found(ctx, res, vals.v[i].value, name, builtin);
	index_values_free(&vals);
	return r < 0 ? r : 0;
}

/* Steps 6 and 7: modules.builtin.bin, then the builtin aliases. */
static int from_builtin(struct lookup_ctx *ctx, const char *name,
			struct lookup_result *res)
{
	_cleanup_free_ char *v = NULL;
	int r = search_exact(ctx, IDX_BUILTIN, name, &v);

	if (r == 0)
		return add_found(ctx, res, name, NULL, true);
	if (r != -ENOENT)
		return r;
	return from_wild(ctx, IDX_BUILTIN_ALIAS, name, res, true);
}

/* Step 1: every `alias` line whose pattern matches; the module carries the pattern. */
static int from_config_alias(struct lookup_ctx *ctx, const char *name,
			     struct lookup_result *res)
{
	const struct config_alias *a;
	size_t pos = 0;
	int r;

	while ((a = config_alias_next_match(ctx->cfg, name, &pos)) != NULL) {
		r = add_found(ctx, res, a->modname, a->pattern, false);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Step 4: an install (else remove) line keyed exactly by the name. */
static int from_commands(struct lookup_ctx *ctx, const char *name,
			 struct lookup_result *res)
{
	struct lookup_module *m;
	const char *cmd;
	bool is_install;
	int r;

	cmd = config_find_command_exact(ctx->cfg, name, &is_install);
	if (cmd == NULL)
		return 0;
	r = add_found(ctx, res, name, NULL, false);
	if (r < 0)
		return r;
	m = &res->mods[res->n - 1];
	if (is_install)
		m->install_cmd = cmd;
	else
		m->remove_cmd = cmd;
	return 0;
}

/* Both lookups start from the name as an alias normalises it, into @alias. */
static int lookup_start(const struct lookup_ctx *ctx, const char *name, char *alias,
			struct lookup_result *res)
{
	res->dirname = ctx->dirname;
	return alias_normalize(name, alias, NULL);
}

int lookup_module(struct lookup_ctx *ctx, const char *name, struct lookup_result *res)
{
	char alias[PATH_MAX];
	int r;

	r = lookup_start(ctx, name, alias, res);
	if (r < 0)
		return r;
	if (ctx->cfg) {
		r = from_config_alias(ctx, alias, res);
		if (r < 0 || res->n)
			return r;
	}
	r = from_moddep(ctx, alias, res);
	if (r < 0 || res->n)
		return r;
	if (strstartswith(alias, "symbol:")) {
		r = from_wild(ctx, IDX_SYMBOLS, alias, res, false);
		if (r < 0 || res->n)
			return r;
	}
	if (ctx->cfg) {
		r = from_commands(ctx, alias, res);
		if (r < 0 || res->n)
			return r;
	}
	r = from_wild(ctx, IDX_ALIAS, alias, res, false);
	if (r < 0 || res->n)
		return r;
	return from_builtin(ctx, alias, res);
}

int lookup_module_by_name(struct lookup_ctx *ctx, const char *name,
			  struct lookup_result *res)
{
	char alias[PATH_MAX];
	int r;

	r = lookup_start(ctx, name, alias, res);
	if (r < 0)
		return r;
	r = from_moddep(ctx, alias, res);
	if (r < 0 || res->n)
		return r;
	return from_builtin(ctx, alias, res);
}
