/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Resolving a name or alias to modules through the index files of a module
 * directory, in kmod's lookup order (docs/modprobe.md §5).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct lookup_ctx;
struct modprobe_config;

struct lookup_module {
	char *name; /* normalized module name */
	char *path; /* absolute path from modules.dep.bin; NULL if not listed */
	char *alias; /* the alias (or config pattern) it was found through, or NULL */
	char **deps; /* absolute paths of its dependencies, as listed in modules.dep */
	size_t n_deps;
	bool builtin; /* found in modules.builtin(.alias).bin */
	/*
	 * Set when the module was found through an `install` (or, failing that, a
	 * `remove`) line whose key is exactly the name (lookup step 4): that command
	 * then belongs to the module, whatever other lines match it. Points into the
	 * configuration.
	 */
	const char *install_cmd;
	const char *remove_cmd;
};

struct lookup_result {
	struct lookup_module *mods;
	size_t n;
	const char *dirname; /* the module directory (owned by the ctx) */
};

/*
 * @dirname: the module directory, e.g. /lib/modules/6.1.0-56-amd64. Indexes open lazily.
 * @cfg: the modprobe configuration for lookup steps 1 (alias lines) and 4 (install
 * and remove lines), or NULL to skip them (modinfo). Not copied: it must outlive
 * the ctx.
 */
int lookup_ctx_new(const char *dirname, const struct modprobe_config *cfg,
		   struct lookup_ctx **out) _must_check_;
void lookup_ctx_free(struct lookup_ctx *ctx);

/*
 * Full lookup of @name (normalized with alias_normalize first): config `alias`
 * lines (fnmatch, every match), modules.dep.bin, symbol: keys in
 * modules.symbols.bin, config install/remove lines (exact key), modules.alias.bin
 * (wildcards), modules.builtin.bin, modules.builtin.alias.bin; the first source
 * that yields anything wins (docs/modprobe.md §5). An empty result is 0 with res->n ==
 * 0. -EINVAL for an unbalanced bracket in @name.
 */
int lookup_module(struct lookup_ctx *ctx, const char *name,
		  struct lookup_result *res) _must_check_;
/* Name lookup only (modules.dep.bin, modules.builtin.bin, modules.builtin.alias.bin). */
int lookup_module_by_name(struct lookup_ctx *ctx, const char *name,
			  struct lookup_result *res) _must_check_;
/* Fill path and deps of a module known by name (from modules.dep.bin). -ENOENT if absent.
 */
int lookup_module_dep(struct lookup_ctx *ctx, struct lookup_module *m) _must_check_;
void lookup_module_release(struct lookup_module *m);
void lookup_result_release(struct lookup_result *res);

/* The index of @ctx's directory: "modules.alias.bin", ...; NULL if missing or bad. */
struct index;
struct index *lookup_ctx_index(struct lookup_ctx *ctx, const char *file);
