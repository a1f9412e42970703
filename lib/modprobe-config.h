/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * modprobe configuration: modprobe.d files, <moddir>/modules.softdep and
 * modules.weakdep, and the kernel command line (docs/modprobe.md §1, §2, §3).
 *
 * Keys (module names, alias patterns) are normalised with underscores() as kmod
 * does; values (options, commands, softdep names) are kept raw. Every query
 * returns entries in configuration order: files sorted by basename, lines in
 * file order, then the kernel command line.
 *
 * Differences from kmod 30, on purpose:
 *  - several `softdep` lines matching a module are merged (kmod uses the first);
 *  - config_dump() prints "pre: a b post: c" (kmod prints "pre: a bpost: c");
 *  - `weakdep` lines and modules.weakdep are understood (kmod >= 33; kmod 30
 *    reports "ignoring bad line starting with 'weakdep'").
 *
 * kmod 30 quirks kept (checked against modprobe -c): a softdep rest of line
 * that starts with exactly one blank loses its first word (" pre:" is not the
 * keyword); the -c text of a softdep list spans every word from its first to
 * its last word, so interleaved pre:/post: words show in both; a backslash at
 * the end of a file becomes the byte 0xff; *.alias files are read too.
 *
 * Messages (LOG_ERR), as kmod's:
 *   "<file> line <n>: ignoring bad line starting with '<word>'"
 *   "<file>: command <include|config> is deprecated and not parsed anymore"
 *   "Directories inside directories are not supported: <dir>/<name>"
 *   "Ignoring bad option on kernel command line while parsing module name: '<m>'"
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"
#include "util.h"

struct modprobe_config;

/*
 * Load the configuration.
 * @paths:        NULL-terminated list of files or directories, or NULL for the
 *                default list (/etc/modprobe.d, /run/modprobe.d,
 *                /usr/local/lib/modprobe.d, /usr/lib/modprobe.d, /lib/modprobe.d).
 *                modprobe -C PATH passes { PATH, NULL }.
 * @moddir:       module directory (/lib/modules/VER) whose modules.softdep and
 *                modules.weakdep join the sorted file list; NULL: not read.
 * @cmdline:      the kernel command line (/proc/cmdline, lib/kernel reads it),
 *                or NULL for none; kmod sees only its first 4095 bytes.
 * @log:          where parse errors go (kmod's texts, without libkmod's prefix);
 *                may be NULL.
 * Bad lines are reported and skipped; missing or unreadable files are skipped
 * silently, as kmod does: only -ENOMEM (or -EINVAL for bad arguments) fails.
 * Returns 0 and *@out, or a negative errno.
 */
int modprobe_config_load(const char *const *paths, const char *moddir,
			 const char *cmdline, const struct mk_log *log,
			 struct modprobe_config **out) _must_check_;
void modprobe_config_free(struct modprobe_config *cfg);

/* ---- queries ------------------------------------------------------------ */

struct config_alias {
	const char *pattern; /* normalised alias pattern (kmod sets mod->alias to it) */
	const char *modname; /* normalised module name */
};

/*
 * Lookup step 1: the next `alias` line, at index >= *@pos, whose pattern
 * fnmatch(pattern, @name, 0)es; NULL when there is none. @name should already be
 * alias_normalize()d. Iterate all matches, in config order, with:
 *	size_t pos = 0;
 *	const struct config_alias *a;
 *	while ((a = config_alias_next_match(cfg, name, &pos)) != NULL)
 *		use(a->pattern, a->modname);
 */
const struct config_alias *config_alias_next_match(const struct modprobe_config *cfg,
						   const char *name, size_t *pos);

/*
 * Options for a module, as kmod_module_get_options(): every `options` line (and
 * kernel command line option) whose key equals @modname, or equals @alias when
 * @alias is not NULL, joined with single spaces in config order (empty entries
 * skipped). *@out is NULL when there are none, else a malloc'd string the caller
 * frees. Returns 0 or -ENOMEM.
 */
int config_get_options(const struct modprobe_config *cfg, const char *modname,
		       const char *alias, char **out) _must_check_;

/* First `install` / `remove` line whose pattern fnmatch()es @modname; NULL if none. */
const char *config_get_install(const struct modprobe_config *cfg, const char *modname);
const char *config_get_remove(const struct modprobe_config *cfg, const char *modname);

/*
 * Lookup step 4 (kmod_lookup_alias_from_commands): the first `install` line whose
 * key is exactly @name, else the first `remove` line whose key is exactly @name.
 * Returns the command and sets *@is_install, or NULL when neither exists.
 */
const char *config_find_command_exact(const struct modprobe_config *cfg, const char *name,
				      bool *is_install);

/* Is there a `blacklist @modname` line (or modprobe.blacklist= entry)? streq. */
bool config_is_blacklisted(const struct modprobe_config *cfg, const char *modname);

/*
 * Soft dependencies of @modname: the pre: and post: names of EVERY `softdep` line
 * whose pattern fnmatch()es @modname, merged in config order; a name already in
 * the merged list is not repeated. Names are raw (not normalised). *@pre and
 * *@post are malloc'd arrays of pointers into @cfg (free the arrays only; NULL
 * when empty). Returns 0 or -ENOMEM.
 */
int config_get_softdeps(const struct modprobe_config *cfg, const char *modname,
			const char ***pre, size_t *n_pre, const char ***post,
			size_t *n_post) _must_check_;

/*
 * Weak dependencies of @modname: the names of the FIRST `weakdep` line whose
 * pattern fnmatch()es @modname (kmod HEAD semantics). *@deps as for softdeps.
 * Returns 0 or -ENOMEM.
 */
int config_get_weakdeps(const struct modprobe_config *cfg, const char *modname,
			const char ***deps, size_t *n_deps) _must_check_;

/* ---- iteration, for modprobe -c and tests --------------------------------- */

/* In the order modprobe -c prints them. */
enum config_kind {
	CONFIG_BLACKLIST,
	CONFIG_INSTALL,
	CONFIG_REMOVE,
	CONFIG_ALIAS,
	CONFIG_OPTIONS,
	CONFIG_SOFTDEP,
	CONFIG_WEAKDEP,
	_CONFIG_KIND_MAX,
};

size_t config_count(const struct modprobe_config *cfg, enum config_kind kind);
/*
 * Entry @i of @kind: *@key is the normalised name/pattern; *@value is NULL for a
 * blacklist, the raw text for install/remove/alias/options, and for softdep and
 * weakdep the re-serialised list ("pre: a b post: c", "a b"; possibly "").
 * Returns 0, or -ERANGE when @i is out of range.
 */
int config_entry(const struct modprobe_config *cfg, enum config_kind kind, size_t i,
		 const char **key, const char **value) _must_check_;

/*
 * The dependency lists of entry @i of @kind (CONFIG_SOFTDEP or CONFIG_WEAKDEP), as
 * config_get_softdeps() and config_get_weakdeps() use them (not the -c text, which
 * for interleaved pre:/post: words shows a span of both): *@words holds the pre:
 * names then the post: names of a softdep, the names of a weakdep (*@n_post is then
 * 0); raw, in line order. Returns 0, -ERANGE when @i is out of range, -EINVAL for
 * another kind.
 */
int config_entry_deps(const struct modprobe_config *cfg, enum config_kind kind, size_t i,
		      const char *const **words, size_t *n_pre,
		      size_t *n_post) _must_check_;

/*
 * Append the configuration part of `modprobe -c` to @out: for each kind in enum
 * order, one "<kind> <key>[ <value>]\n" line per entry (a weakdep with no module
 * gives "weakdep m \n", as kmod). Everything before kmod's
 * "\n# End of configuration files. Dumping indexes now:\n\n", which the caller
 * prints. Returns 0 or -ENOMEM.
 */
int config_dump(const struct modprobe_config *cfg, struct strbuf *out) _must_check_;
