/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * modprobe's engine: module objects, the probe list (hard deps, softdeps),
 * blacklist, insertion and removal orchestration (docs/modprobe.md §5 to §9).
 *
 * Module objects live in a pool owned by the probe ctx and are keyed as in
 * libkmod: by name, or by "name\alias" for a module reached through an alias, so
 * that options and blacklisting see the alias. The pool lives as long as the ctx,
 * and per-object state (the "ignore install command" mark) carries over from one
 * probe to the next, as in kmod.
 *
 * The kernel is reached only through struct probe_kernel, so that the engine is
 * the same for a dry run, the real kernel and tests. Nothing here prints:
 * actions go to the @show callback and messages to the mk_log.
 *
 * Differences from kmod 30, on purpose (docs/compat.md):
 *  - probe_remove() removes every dependency that became unused, to any depth
 *    (kmod makes one pass in load order and can leave deeper ones loaded);
 *  - softdeps come from every matching softdep line (lib/config merges them).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "lookup.h"
#include "util.h"

struct modprobe_config;
struct probe_ctx;
struct probe_mod;

enum probe_state {
	PROBE_STATE_BUILTIN = 0,
	PROBE_STATE_LIVE,
	PROBE_STATE_COMING,
	PROBE_STATE_GOING,
};

/* insert flags, for probe_kernel.insert */
#define PROBE_INSERT_FORCE_MODVERSION 0x1
#define PROBE_INSERT_FORCE_VERMAGIC 0x2

/* remove flags, for probe_kernel.remove */
#define PROBE_REMOVE_FORCE 0x1

/*
 * What the engine needs from the kernel. Every hook returns a negative errno on
 * failure. NULL hooks behave as "nothing loaded" (state -ENOENT, refcnt -ENOENT,
 * no holders) and as success for insert/remove/run.
 */
struct probe_kernel {
	void *data;
	/* enum probe_state of /sys/module/NAME, or -ENOENT when not loaded */
	int (*initstate)(void *data, const char *name);
	/* /sys/module/NAME/refcnt, or -errno (-ENOENT: no unload support or absent) */
	int (*refcnt)(void *data, const char *name);
	/* names in /sys/module/NAME/holders; *names is one allocation: free() it once */
	int (*holders)(void *data, const char *name, char ***names, size_t *n);
	/* insert the module file @path with @opts ("" for none) */
	int (*insert)(void *data, const char *path, const char *opts, unsigned int flags);
	/* delete_module(@name) */
	int (*remove)(void *data, const char *name, unsigned int flags);
	/*
	 * Run an install/remove command through the shell with MODPROBE_MODULE=@modname.
	 * Returns system()'s status (>= 0) or -errno.
	 */
	int (*run)(void *data, const char *modname, const char *cmd);
};

enum probe_action {
	PROBE_SHOW_INSMOD, /* "insmod <path> <opts>" */
	PROBE_SHOW_INSTALL, /* "install <cmd> <opts>" */
	PROBE_SHOW_BUILTIN, /* "builtin <name>" */
	PROBE_SHOW_RMMOD, /* "rmmod <name>" */
	PROBE_SHOW_REMOVE, /* "remove <cmd>" ($CMDLINE_OPTS replaced) */
};

/* @text: the path, the command or the name; @opts: NULL or the options. */
typedef void (*probe_show_fn)(void *data, enum probe_action action, const char *text,
			      const char *opts);

struct probe_opts {
	/* insert */
	bool ignore_loaded; /* -D: list modules even when loaded */
	bool dry_run; /* -n, -D: no kernel calls, no commands */
	bool ignore_cmd; /* -i: no install/remove command, no softdeps for the named */
	bool use_blacklist; /* -b: blacklist applies to names, not only aliases */
	bool first_time; /* --first-time */
	bool remove_holders; /* --remove-holders */
	bool wait; /* -w: skip the refcnt check (the caller retries EAGAIN) */
	unsigned int insert_flags; /* PROBE_INSERT_* */
	unsigned int remove_flags; /* PROBE_REMOVE_* */
	/* the priority of "not found"/"in use" messages: LOG_CRIT, or LOG_WARNING for -a
	 */
	int fatal_prio;
	probe_show_fn show; /* NULL: actions are not shown */
	void *show_data;
};

int probe_ctx_new(struct lookup_ctx *lookup, const struct modprobe_config *cfg,
		  const struct probe_kernel *kernel, const struct mk_log *log,
		  struct probe_ctx **out);
void probe_ctx_free(struct probe_ctx *ctx);

/*
 * Look @name up (docs/modprobe.md §5) and return the module objects, in lookup
 * order. *@mods is a malloc'd array of pool pointers (free the array only); *@n may
 * be 0. -EINVAL for a malformed name.
 */
int probe_lookup(struct probe_ctx *ctx, const char *name, struct probe_mod ***mods,
		 size_t *n);
/*
 * A module given as a file path: named after the basename, with that path.
 * -EEXIST when the name is already known with another path.
 */
int probe_from_path(struct probe_ctx *ctx, const char *path, struct probe_mod **mod);

const char *probe_mod_name(const struct probe_mod *m);
const char *probe_mod_path(struct probe_mod *m); /* NULL when not in modules.dep */
bool probe_mod_builtin(const struct probe_mod *m);

/*
 * Insert @m (kmod_module_probe_insert_module with modprobe's flags): the probe
 * list, each entry installed or inserted in order. @extra: the command-line
 * parameters for @m itself, or NULL. Returns 0 (also for a blacklisted module
 * and an already-loaded one), or a negative errno: -EEXIST (--first-time),
 * -ENOENT (the kernel's "unknown symbol"), ...
 */
int probe_insert(struct probe_ctx *ctx, struct probe_mod *m, const char *extra,
		 const struct probe_opts *o);

/*
 * Remove @m as modprobe -r does (docs/modprobe.md §9), with messages through the
 * log at o->fatal_prio. Returns 0 or a negative errno.
 */
int probe_remove(struct probe_ctx *ctx, struct probe_mod *m, const struct probe_opts *o);
