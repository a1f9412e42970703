// SPDX-License-Identifier: LGPL-2.1-or-later
/* depmod.d parsing (docs/modprobe.md §4). */
#include "config.h"

#include <errno.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "conffile.h"
#include "depmod-config.h"
#include "util.h"

static const char *const default_paths[] = {
	"/etc/depmod.d",     "/run/depmod.d", "/usr/local/lib/depmod.d",
	"/usr/lib/depmod.d", "/lib/depmod.d", NULL,
};

/* grow *@arr (of @elem-byte elements, *@n used) by one; returns the new slot */
static void *grow(void *arr_ptr, size_t *n, size_t elem)
{
	void **arr = arr_ptr;
	size_t count, bytes;
	char *a;

	if (uaddsz_overflow(*n, 1, &count) || umulsz_overflow(count, elem, &bytes))
		return NULL;
	a = realloc(*arr, bytes);
	if (a == NULL)
		return NULL;
	*arr = a;
	memset(a + *n * elem, 0, elem);
	*n = count;
	return a + (count - 1) * elem;
}

static int add_search(struct depmod_config *cfg, const char *word)
{
	struct depmod_search *s;
	char *path = NULL;
	enum depmod_search_kind kind;

	if (streq(word, "built-in")) {
		kind = DEPMOD_SEARCH_BUILTIN;
	} else if (streq(word, "external")) {
		kind = DEPMOD_SEARCH_EXTERNAL;
	} else {
		kind = DEPMOD_SEARCH_PATH;
		path = strdup(word);
		if (path == NULL)
			return -ENOMEM;
	}
	s = grow(&cfg->search, &cfg->n_search, sizeof(*s));
	if (s == NULL) {
		free(path);
		return -ENOMEM;
	}
	s->kind = kind;
	s->path = path;
	return 0;
}

static int add_string(char ***arr, size_t *n, const char *word)
{
	char *s = strdup(word), **slot;

	if (s == NULL)
		return -ENOMEM;
	slot = grow(arr, n, sizeof(char *));
	if (slot == NULL) {
		free(s);
		return -ENOMEM;
	}
	*slot = s;
	return 0;
}

static int add_override(struct depmod_config *cfg, const char *modname,
			const char *subdir)
{
	char *m = strdup(modname), *d = strdup(subdir);
	struct depmod_override *o;

	if (m == NULL || d == NULL)
		goto oom;
	o = grow(&cfg->overrides, &cfg->n_overrides, sizeof(*o));
	if (o == NULL)
		goto oom;
	o->modname = m;
	o->subdir = d;
	return 0;
oom:
	free(m);
	free(d);
	return -ENOMEM;
}

/*
 * A back-reference (\1 to \9, a glibc extension to ERE) makes glibc's regexec
 * backtrack: "(.*)(.*)...\9\8...\1" repeated takes minutes even against a
 * ten-character version (found by fuzz-config). No version pattern needs one,
 * so a KVER holding one is refused like the repeat bombs (below). A backslash
 * escapes the next character, so "\\1" is a backslash and a 1, not a reference.
 */
static bool regex_has_backref(const char *pattern)
{
	for (const char *p = pattern; *p != '\0'; p++) {
		if (*p != '\\')
			continue;
		if (p[1] >= '1' && p[1] <= '9')
			return true;
		if (p[1] == '\0')
			break;
		p++;
	}
	return false;
}

/*
 * glibc's regcomp() expands repeats by copying the repeated subtree: "x{n,m}"
 * becomes about max(n, m) + 1 copies of x, and "x+" becomes "x x*", two copies.
 * Nested repeats multiply, so "a{999}{999}{999}" or "a++++...+" (each '+'
 * doubles the tree) take gigabytes. Bound the product of all repeat factors
 * times the pattern length (an upper bound of the tree's size, whatever the
 * nesting); real KVER patterns ("^6\\.1\\.", "[0-9]+\\.[0-9]+") stay far below.
 */
#define KVER_MAX_REGEX_NODES (1u << 18)

static bool regex_too_costly(const char *pattern)
{
	uint64_t nodes = strlen(pattern) + 1;

	if (regex_has_backref(pattern))
		return true;
	for (const char *p = pattern; *p != '\0'; p++) {
		uint64_t factor = 1, count = 0;

		if (*p == '+') {
			factor = 2;
		} else if (*p == '{') {
			for (const char *q = p + 1; *q != '\0' && *q != '}'; q++) {
				if (*q >= '0' && *q <= '9') {
					count = count * 10 + (uint64_t)(*q - '0');
					if (count > KVER_MAX_REGEX_NODES)
						return true;
				} else {
					count = 0;
				}
				if (count + 1 > factor)
					factor = count + 1;
			}
		}
		if (umul64_overflow(nodes, factor, &nodes) ||
		    nodes > KVER_MAX_REGEX_NODES)
			return true;
	}
	return false;
}

/* KVER: "*", or an extended regex searched for in @kver (depmod's cfg_kernel_matches) */
static bool kernel_matches(const char *kver, const char *pattern)
{
	regex_t re;
	int status;

	if (streq(pattern, "*"))
		return true;
	if (regex_too_costly(pattern))
		return false;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	status = regexec(&re, kver, 0, NULL, 0);
	regfree(&re);
	return status == 0;
}

struct load_state {
	struct depmod_config *cfg;
	const char *kver;
};

/* one directive of a depmod.d file; 0 or -ENOMEM */
static int parse_directive(void *data, const char *cmd, char *args,
			   const struct conffile_pos *pos)
{
	const struct load_state *st = data;
	struct depmod_config *cfg = st->cfg;
	const char *kver = st->kver, *file = pos->file;
	const struct mk_log *log = pos->log;
	unsigned int linenum = pos->linenum;
	char *save = args, *w;
	int r;

	if (streq(cmd, "search")) {
		while ((w = strtok_r(NULL, "\t ", &save)) != NULL) {
			r = add_search(cfg, w);
			if (r < 0)
				return r;
		}
	} else if (streq(cmd, "override")) {
		char *modname = strtok_r(NULL, "\t ", &save);
		char *version = strtok_r(NULL, "\t ", &save);
		char *subdir = strtok_r(NULL, "\t ", &save);

		if (modname == NULL || version == NULL || subdir == NULL)
			goto bad;
		if (!kernel_matches(kver, version)) {
			mk_log(log, LOG_INFO, "%s:%u: override kernel did not match %s\n",
			       file, linenum, version);
			return 0;
		}
		return add_override(cfg, modname, subdir);
	} else if (streq(cmd, "include") || streq(cmd, "make_map_files")) {
		mk_log(log, LOG_INFO, "%s:%u: command %s not implemented yet\n", file,
		       linenum, cmd);
	} else if (streq(cmd, "external")) {
		char *version = strtok_r(NULL, "\t ", &save);
		char *dir = strtok_r(NULL, "\t ", &save);

		if (version == NULL || dir == NULL)
			goto bad;
		if (!kernel_matches(kver, version)) {
			mk_log(log, LOG_INFO,
			       "%s:%u: external directory did not match %s\n", file,
			       linenum, version);
			return 0;
		}
		return add_string(&cfg->externals, &cfg->n_externals, dir);
	} else if (streq(cmd, "exclude")) {
		while ((w = strtok_r(NULL, "\t ", &save)) != NULL) {
			r = add_string(&cfg->excludes, &cfg->n_excludes, w);
			if (r < 0)
				return r;
		}
	} else {
		goto bad;
	}
	return 0;
bad:
	mk_log(log, LOG_ERR, "%s:%u: ignoring bad line starting with '%s'\n", file,
	       linenum, cmd);
	return 0;
}

void depmod_config_free(struct depmod_config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->n_search; i++)
		free(cfg->search[i].path);
	free(cfg->search);
	for (size_t i = 0; i < cfg->n_overrides; i++) {
		free(cfg->overrides[i].modname);
		free(cfg->overrides[i].subdir);
	}
	free(cfg->overrides);
	for (size_t i = 0; i < cfg->n_externals; i++)
		free(cfg->externals[i]);
	free(cfg->externals);
	for (size_t i = 0; i < cfg->n_excludes; i++)
		free(cfg->excludes[i]);
	free(cfg->excludes);
	free(cfg);
}

int depmod_config_load(const char *const *paths, const char *kver,
		       const struct mk_log *log, struct depmod_config **out)
{
	struct conffile_list files = CONFFILE_LIST_INIT;
	struct depmod_config *cfg;
	int r;

	if (kver == NULL || out == NULL)
		return -EINVAL;
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return -ENOMEM;
	r = conffile_load(&files, paths ? paths : default_paths, CONFFILE_DEPMOD,
			  parse_directive,
			  &(struct load_state){ .cfg = cfg, .kver = kver }, log);
	/* depmod adds "updates" when no search word was given anywhere */
	if (r == 0 && cfg->n_search == 0)
		r = add_search(cfg, "updates");
	if (r < 0) {
		depmod_config_free(cfg);
		return r;
	}
	*out = cfg;
	return 0;
}
