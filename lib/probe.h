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
 * The kernel is reached through lib/kernel (the tests put the LD_PRELOAD fake
 * kernel behind it); a dry run makes no kernel call that changes anything.
 * Install and remove commands run through the shell. Nothing here prints:
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
	/* -w: no refcnt check; a module in use is tried again for this long */
	unsigned long wait_msec;
	unsigned int insert_flags; /* enum mk_insert_flags */
	unsigned int remove_flags; /* enum mk_remove_flags */
	/* the priority of "not found"/"in use" messages: LOG_CRIT, or LOG_WARNING for -a
	 */
	int fatal_prio;
	probe_show_fn show; /* NULL: actions are not shown */
	void *show_data;
};

int probe_ctx_new(struct lookup_ctx *lookup, const struct modprobe_config *cfg,
		  const struct mk_log *log, struct probe_ctx **out) _must_check_;
void probe_ctx_free(struct probe_ctx *ctx);

/*
 * Look @name up (docs/modprobe.md §5) and return the module objects, in lookup
 * order. *@mods is a malloc'd array of pool pointers (free the array only); *@n may
 * be 0. -EINVAL for a malformed name.
 */
int probe_lookup(struct probe_ctx *ctx, const char *name, struct probe_mod ***mods,
		 size_t *n) _must_check_;
/*
 * Is the command-line word @arg a module file rather than a name? kmod >= 31 takes
 * one starting with '/' or './' as a file. With @name_only (a name that came after
 * "--" or with -q: the kernel's request_module() runs "modprobe -q -- NAME") never:
 * such a name is looked up, and a '/' in it finds nothing.
 */
bool probe_arg_is_path(const char *arg, bool name_only);
/*
 * A module given as a file path (made absolute against the cwd; it must exist):
 * named after the basename, with that path. Returns a one-module array as
 * probe_lookup() does, or -errno.
 */
int probe_from_path(struct probe_ctx *ctx, const char *path, struct probe_mod ***mods,
		    size_t *n) _must_check_;

const char *probe_mod_name(const struct probe_mod *m);

/*
 * Insert @m (kmod_module_probe_insert_module with modprobe's flags): the probe
 * list, each entry installed or inserted in order. @extra: the command-line
 * parameters for @m itself, or NULL. Returns 0 (also for a blacklisted module
 * and an already-loaded one), or a negative errno: -EEXIST (--first-time),
 * -ENOENT (the kernel's "unknown symbol"), ...
 */
int probe_insert(struct probe_ctx *ctx, struct probe_mod *m, const char *extra,
		 const struct probe_opts *o) _must_check_;

/*
 * The probe list probe_insert() with @o would go through for @m, in its order,
 * without inserting anything or running a command: empty when the blacklist holds
 * @m back, or when it is loaded and @o->ignore_loaded is not set. *@list is a
 * malloc'd array of pool pointers (free the array only). The objects' "ignore
 * install command" marks are set as probe_insert() sets them; read each step with
 * probe_step_get() before the next probe_list() or probe_insert().
 */
int probe_list(struct probe_ctx *ctx, struct probe_mod *m, const struct probe_opts *o,
	       struct probe_mod ***list, size_t *n) _must_check_;

/* What probe_insert() does with one module of the list (what -D shows for it). */
struct probe_step {
	const char *path; /* the module's file; NULL when none (builtin, missing) */
	bool builtin; /* no file, built into the kernel (-D: "builtin NAME") */
	const char *install; /* the install command run instead of inserting, or NULL */
	char *options; /* the options it gets, malloc'd ("" when none) */
};

/*
 * The step for @m, an entry of the list probe_list() made for @top; @extra: the
 * command-line parameters of @top, or NULL. Free step->options. 0 or -ENOMEM.
 */
int probe_step_get(struct probe_ctx *ctx, struct probe_mod *m,
		   const struct probe_mod *top, const char *extra,
		   struct probe_step *step) _must_check_;

/*
 * Remove @m as modprobe -r does (docs/modprobe.md §9), with messages through the
 * log at o->fatal_prio. Returns 0 or a negative errno.
 */
int probe_remove(struct probe_ctx *ctx, struct probe_mod *m,
		 const struct probe_opts *o) _must_check_;
