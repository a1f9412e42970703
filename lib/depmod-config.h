/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * depmod.d configuration (docs/modprobe.md §4; how depmod uses it:
 * docs/depmod-outputs.md §2.2).
 * Files are collected like modprobe.d (lib/conffile.h). Messages, through @log:
 *  ERROR "<file>:<N>: ignoring bad line starting with '<word>'"
 *  INFO  "<file>:<N>: override kernel did not match <KVER>"
 *  INFO  "<file>:<N>: external directory did not match <KVER>"
 *  INFO  "<file>:<N>: command <include|make_map_files> not implemented yet"
 */
#pragma once

#include <stddef.h>

#include "util.h"

/*
 * The words that settle duplicate module names (lib/modscan reads them).
 * A search word, in config order (kmod keeps them reversed internally):
 */
enum depmod_search_kind {
	DEPMOD_SEARCH_PATH,
	DEPMOD_SEARCH_BUILTIN,
	DEPMOD_SEARCH_EXTERNAL,
};

struct depmod_search {
	enum depmod_search_kind kind;
	char *path; /* PATH only (NULL otherwise), raw as written */
};

/* An override (only those whose KVER matched), in config order: */
struct depmod_override {
	char *modname; /* raw, not normalised */
	char *subdir;
};

struct depmod_config {
	/* config order (first listed = highest priority); if the config gives no
	 * search word at all: one PATH "updates" */
	struct depmod_search *search;
	size_t n_search;
	/* only those whose KVER matched, config order */
	struct depmod_override *overrides;
	size_t n_overrides;
	/* matching KVER, config order, as written (absolute dirs, not prefixed by -b) */
	char **externals;
	size_t n_externals;
	/* exclude words, config order */
	char **excludes;
	size_t n_excludes;
};

/*
 * @paths NULL = default list (/etc/depmod.d, /run/depmod.d, /usr/local/lib/depmod.d,
 * /usr/lib/depmod.d, /lib/depmod.d); each may be a file or a directory.
 * @kver is matched by override/external KVER: "*" or a POSIX extended regex
 * (regexec, unanchored, as depmod does).
 * Returns 0 and *@out, or a negative errno (-ENOMEM, -EINVAL).
 */
int depmod_config_load(const char *const *paths, const char *kver,
		       const struct mk_log *log, struct depmod_config **out) _must_check_;
void depmod_config_free(struct depmod_config *cfg);
