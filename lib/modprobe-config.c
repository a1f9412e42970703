// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * modprobe configuration: modprobe.d, modules.softdep/weakdep and the kernel
 * command line. Behaviour follows kmod 30 (docs/modprobe.md §1, §2, §3, §10);
 * the deliberate differences are listed in lib/modprobe-config.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "conffile.h"
#include "modprobe-config.h"
#include "strbuf.h"
#include "util.h"

/* kmod reads at most this much of the kernel command line */
#define KCMDLINE_MAX 4095

static const char *const default_paths[] = {
	"/etc/modprobe.d",     "/run/modprobe.d", "/usr/local/lib/modprobe.d",
	"/usr/lib/modprobe.d", "/lib/modprobe.d", NULL,
};

/*
 * One configuration line. kv.pattern is the (normalised) key, kv.modname the raw
 * value: the alias target, the options, the command, or for softdep/weakdep the
 * re-serialised dump text. Both strings are owned.
 */
struct entry {
	struct config_alias kv;
	/* softdep: words[0, n_pre) are pre, words[n_pre, n_pre + n_post) are post;
	 * weakdep: words[0, n_pre) */
	char **words;
	size_t n_pre, n_post;
};

struct entry_vec {
	struct entry *v;
	size_t n, cap;
};

struct modprobe_config {
	struct entry_vec kinds[_CONFIG_KIND_MAX];
};

static const char *const kind_names[_CONFIG_KIND_MAX] = {
	[CONFIG_BLACKLIST] = "blacklist", [CONFIG_INSTALL] = "install",
	[CONFIG_REMOVE] = "remove",	  [CONFIG_ALIAS] = "alias",
	[CONFIG_OPTIONS] = "options",	  [CONFIG_SOFTDEP] = "softdep",
	[CONFIG_WEAKDEP] = "weakdep",
};

static void entry_release(struct entry *e)
{
	free((char *)e->kv.pattern);
	free((char *)e->kv.modname);
	if (e->words) {
		for (size_t i = 0; i < e->n_pre + e->n_post; i++)
			free(e->words[i]);
		free(e->words);
	}
}

void modprobe_config_free(struct modprobe_config *cfg)
{
	if (cfg == NULL)
		return;
	for (int k = 0; k < _CONFIG_KIND_MAX; k++) {
		for (size_t i = 0; i < cfg->kinds[k].n; i++)
			entry_release(&cfg->kinds[k].v[i]);
		free(cfg->kinds[k].v);
	}
	free(cfg);
}

/* Append @e (its contents are owned by @cfg afterwards, even on failure). */
static int add_entry(struct modprobe_config *cfg, enum config_kind kind, struct entry *e)
{
	struct entry_vec *vec = &cfg->kinds[kind];

	if (vec->n == vec->cap) {
		size_t ncap, bytes;
		struct entry *n;

		if (umulsz_overflow(vec->cap ? vec->cap : 16, 2, &ncap) ||
		    umulsz_overflow(ncap, sizeof(*n), &bytes)) {
			entry_release(e);
			return -ENOMEM;
		}
		n = realloc(vec->v, bytes);
		if (n == NULL) {
			entry_release(e);
			return -ENOMEM;
		}
		vec->v = n;
		vec->cap = ncap;
	}
	vec->v[vec->n++] = *e;
	return 0;
}

static int add_kv(struct modprobe_config *cfg, enum config_kind kind, const char *key,
		  const char *value)
{
	struct entry e = { 0 };
	char *k = strdup(key), *v = value ? strdup(value) : NULL;

	if (k == NULL || (value && v == NULL)) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	e.kv.pattern = k;
	e.kv.modname = v;
	return add_entry(cfg, kind, &e);
}

static int add_options(struct modprobe_config *cfg, const char *modname, const char *opts)
{
	struct entry e = { 0 };
	char *k = strdup(modname), *v = strdup(opts);

	if (k == NULL || v == NULL) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	/* kmod turns tabs into spaces in options */
	for (char *p = v; *p; p++)
		if (*p == '\t')
			*p = ' ';
	e.kv.pattern = k;
	e.kv.modname = v;
	return add_entry(cfg, CONFIG_OPTIONS, &e);
}

/*
 * Split the rest of a softdep/weakdep line into words exactly as kmod 30 does.
 * kmod's scanner starts a word after whitespace that follows whitespace, so a
 * rest of line that begins with exactly one blank gives a first word that keeps
 * that blank (" pre:" is then not the pre: keyword). Words before any pre:/post:
 * are dropped for softdep. @weak: every word is a dependency (weakdep).
 * On success *@words holds the kept words in line order and @modes their list
 * (0 pre, 1 post).
 */
struct dep_words {
	char **w;
	unsigned char *mode; /* 0: pre (or weak), 1: post */
	size_t n;
};

static void dep_words_release(struct dep_words *dw)
{
	for (size_t i = 0; i < dw->n; i++)
		free(dw->w[i]);
	free(dw->w);
	free(dw->mode);
}

static int dep_words_push(struct dep_words *dw, const char *p, size_t len, int mode)
{
	size_t count, bytes;
	char **nw, *s;
	unsigned char *nm;

	if (uaddsz_overflow(dw->n, 1, &count) ||
	    umulsz_overflow(count, sizeof(char *), &bytes))
		return -ENOMEM;
	nw = realloc(dw->w, bytes);
	if (nw == NULL)
		return -ENOMEM;
	dw->w = nw;
	nm = realloc(dw->mode, count);
	if (nm == NULL)
		return -ENOMEM;
	dw->mode = nm;
	s = strndup(p, len);
	if (s == NULL)
		return -ENOMEM;
	dw->w[dw->n] = s;
	dw->mode[dw->n] = (unsigned char)mode;
	dw->n = count;
	return 0;
}

static int split_dep_words(const char *line, bool weak, struct dep_words *dw)
{
	enum { M_NONE, M_PRE, M_POST } mode = weak ? M_PRE : M_NONE;
	bool was_space = false;
	const char *p = line, *s;
	int r;

	for (s = line;; s++) {
		size_t len;

		if (*s != '\0') {
			if (!isspace((unsigned char)*s)) {
				was_space = false;
				continue;
			}
			if (was_space) {
				p = s + 1;
				continue;
			}
			was_space = true;
			if (p >= s)
				continue;
		}
		len = (size_t)(s - p);
		if (!weak && len == 4 && memcmp(p, "pre:", 4) == 0) {
			mode = M_PRE;
		} else if (!weak && len == 5 && memcmp(p, "post:", 5) == 0) {
			mode = M_POST;
		} else if ((*s != '\0' || !was_space) && mode != M_NONE) {
			r = dep_words_push(dw, p, len, mode == M_POST);
			if (r < 0)
				return r;
		}
		p = s + 1;
		if (*s == '\0')
			break;
	}
	return 0;
}

/* Join words [from, to] of @dw with single spaces onto @sb. */
static int push_range(struct strbuf *sb, const struct dep_words *dw, size_t from,
		      size_t to)
{
	int r = 0;

	for (size_t i = from; i <= to && r == 0; i++) {
		if (i > from)
			r = strbuf_pushchar(sb, ' ');
		if (r == 0)
			r = strbuf_pushstr(sb, dw->w[i]);
	}
	return r;
}

/*
 * The -c text of a softdep line. kmod 30 prints, for each list, every stored word
 * from the list's first word to its last one (so with interleaved pre:/post: the
 * other list's words in between show up too); we keep that, but put a space
 * between the pre: and the post: part (kmod prints "pre: a bpost: c").
 */
static int softdep_dump_text(const struct dep_words *dw, char **out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t first[2] = { SIZE_MAX, SIZE_MAX }, last[2] = { 0, 0 };
	int r = 0;

	for (size_t i = 0; i < dw->n; i++) {
		int m = dw->mode[i];

		if (first[m] == SIZE_MAX)
			first[m] = i;
		last[m] = i;
	}
	if (first[0] != SIZE_MAX) {
		r = strbuf_pushstr(&sb, "pre: ");
		if (r == 0)
			r = push_range(&sb, dw, first[0], last[0]);
	}
	if (r == 0 && first[1] != SIZE_MAX) {
		if (first[0] != SIZE_MAX)
			r = strbuf_pushchar(&sb, ' ');
		if (r == 0)
			r = strbuf_pushstr(&sb, "post: ");
		if (r == 0)
			r = push_range(&sb, dw, first[1], last[1]);
	}
	if (r == 0)
		r = strbuf_reserve(&sb, 0);
	if (r < 0) {
		strbuf_release(&sb);
		return r;
	}
	strbuf_str(&sb);
	*out = strbuf_steal(&sb);
	return 0;
}

static int add_deps(struct modprobe_config *cfg, enum config_kind kind,
		    const char *modname, const char *rest)
{
	struct dep_words dw = { 0 };
	struct entry e = { 0 };
	bool weak = kind == CONFIG_WEAKDEP;
	size_t j = 0, bytes;
	int r;

	r = split_dep_words(rest, weak, &dw);
	if (r < 0)
		goto out;
	r = -ENOMEM;
	e.kv.pattern = strdup(modname);
	if (e.kv.pattern == NULL)
		goto out;
	if (weak) {
		struct strbuf sb = STRBUF_INIT;

		r = dw.n ? push_range(&sb, &dw, 0, dw.n - 1) : strbuf_reserve(&sb, 0);
		if (r < 0) {
			strbuf_release(&sb);
			goto out;
		}
		strbuf_str(&sb);
		e.kv.modname = strbuf_steal(&sb);
	} else {
		char *text;

		r = softdep_dump_text(&dw, &text);
		if (r < 0)
			goto out;
		e.kv.modname = text;
	}
	r = -ENOMEM;
	if (umulsz_overflow(dw.n ? dw.n : 1, sizeof(char *), &bytes))
		goto out;
	e.words = malloc(bytes);
	if (e.words == NULL)
		goto out;
	/* pre (or weak) words first, then post, keeping line order in each */
	for (int m = 0; m < 2; m++) {
		for (size_t i = 0; i < dw.n; i++) {
			if (dw.mode[i] != m)
				continue;
			e.words[j++] = dw.w[i];
			dw.w[i] = NULL;
			if (m == 0)
				e.n_pre++;
			else
				e.n_post++;
		}
	}
	dep_words_release(&dw);
	return add_entry(cfg, kind, &e);
out:
	dep_words_release(&dw);
	entry_release(&e);
	return r;
}

/* one directive of a modprobe.d file; 0 or -ENOMEM */
static int parse_directive(void *data, const char *cmd, char *args,
			   const struct conffile_pos *pos)
{
	struct modprobe_config *cfg = data;
	char *save = args, *name, *rest;
	enum config_kind kind;

	if (streq(cmd, "alias")) {
		char *target;

		name = strtok_r(NULL, "\t ", &save);
		target = strtok_r(NULL, "\t ", &save);
		if (name == NULL || target == NULL || underscores(name) < 0 ||
		    underscores(target) < 0)
			goto bad;
		return add_kv(cfg, CONFIG_ALIAS, name, target);
	}
	if (streq(cmd, "blacklist")) {
		name = strtok_r(NULL, "\t ", &save);
		if (name == NULL || underscores(name) < 0)
			goto bad;
		return add_kv(cfg, CONFIG_BLACKLIST, name, NULL);
	}
	if (streq(cmd, "options"))
		kind = CONFIG_OPTIONS;
	else if (streq(cmd, "install"))
		kind = CONFIG_INSTALL;
	else if (streq(cmd, "remove"))
		kind = CONFIG_REMOVE;
	else if (streq(cmd, "softdep"))
		kind = CONFIG_SOFTDEP;
	else if (streq(cmd, "weakdep"))
		kind = CONFIG_WEAKDEP;
	else if (streq(cmd, "include") || streq(cmd, "config")) {
		mk_log(pos->log, LOG_ERR,
		       "%s: command %s is deprecated and not parsed anymore\n", pos->file,
		       cmd);
		return 0;
	} else {
		goto bad;
	}

	/* NAME and the rest of the line, as strtok_r(NULL, "\0") gives it */
	name = strtok_r(NULL, "\t ", &save);
	rest = strtok_r(NULL, "", &save);
	if (name == NULL || rest == NULL || underscores(name) < 0)
		goto bad;
	switch (kind) {
	case CONFIG_OPTIONS:
		return add_options(cfg, name, rest);
	case CONFIG_SOFTDEP:
	case CONFIG_WEAKDEP:
		return add_deps(cfg, kind, name, rest);
	default:
		return add_kv(cfg, kind, name, rest);
	}
bad:
	mk_log(pos->log, LOG_ERR, "%s line %u: ignoring bad line starting with '%s'\n",
	       pos->file, pos->linenum, cmd);
	return 0;
}

/* ---- kernel command line ------------------------------------------------ */

static int kcmdline_result(struct modprobe_config *cfg, char *modname, char *param,
			   char *value, const struct mk_log *log)
{
	int r;

	if (modname == NULL || param == NULL)
		return 0;
	if (value != NULL && streq(modname, "modprobe") &&
	    strstartswith(param, "blacklist=")) {
		char *v = param + strlen("blacklist="), *t;

		while ((t = strsep(&v, ",")) != NULL) {
			r = add_kv(cfg, CONFIG_BLACKLIST, t, NULL);
			if (r < 0)
				return r;
		}
		return 0;
	}
	if (underscores(modname) < 0) {
		mk_log(log, LOG_ERR,
		       "Ignoring bad option on kernel command line while parsing module "
		       "name: '%s'\n",
		       modname);
		return 0;
	}
	return add_options(cfg, modname, param);
}

/* The kernel command line scanner's state, as kmod 30 keeps it. */
struct kcmdline_scan {
	enum { S_IGNORE, S_MODNAME, S_PARAM, S_VALUE, S_COMPLETE } state;
	char *quote_start, *modname, *param, *value;
	bool quoted;
};

/* The next token starts after @p. */
static void kcmdline_next(struct kcmdline_scan *sc, char *p)
{
	sc->modname = p + 1;
	sc->state = S_MODNAME;
	sc->quote_start = NULL;
}

/* One byte of the command line (its NUL ends the last token). */
static void kcmdline_step(struct kcmdline_scan *sc, char *p)
{
	switch (*p) {
	case '"':
		sc->quoted = !sc->quoted;
		/* a quote may open the whole token (GRUB style), or the value */
		if (sc->quoted && sc->state == S_MODNAME && p == sc->modname) {
			sc->quote_start = p;
			sc->modname = p + 1;
		} else if (sc->state != S_VALUE) {
			sc->state = S_IGNORE;
		}
		break;
	case '\0':
	case ' ':
	case '\t':
	case '\n':
	case '\v':
	case '\f':
	case '\r':
		if (sc->quoted && sc->state == S_VALUE) {
			/* a space inside a quoted value */
		} else if (sc->quoted) {
			sc->state = S_IGNORE;
		} else if (sc->state == S_VALUE || sc->state == S_PARAM) {
			*p = '\0';
			sc->state = S_COMPLETE;
		} else {
			kcmdline_next(sc, p);
		}
		break;
	case '.':
		if (sc->state == S_MODNAME) {
			*p = '\0';
			sc->param = p + 1;
			sc->value = NULL;
			sc->state = S_PARAM;
		} else if (sc->state == S_PARAM) {
			sc->state = S_IGNORE;
		}
		break;
	case '=':
		if (sc->state == S_PARAM) {
			sc->value = p + 1;
			sc->state = S_VALUE;
		} else if (sc->state == S_MODNAME) {
			sc->state = S_IGNORE;
		}
		break;
	}
}

/* A complete "mod.param[=value]" token. */
static int kcmdline_token(struct modprobe_config *cfg, struct kcmdline_scan *sc,
			  const struct mk_log *log)
{
	/* "mod.p=a b" as GRUB passes it becomes mod p="a b" */
	if (sc->quote_start != NULL && sc->quote_start < sc->modname &&
	    sc->value != NULL && sc->value > sc->modname) {
		memmove(sc->quote_start, sc->modname, (size_t)(sc->value - sc->modname));
		sc->value--;
		sc->modname--;
		sc->param--;
		*sc->value = '"';
	}
	return kcmdline_result(cfg, sc->modname, sc->param, sc->value, log);
}

/*
 * kmod 30's kernel command line scanner (docs/modprobe.md §3): a state machine
 * splitting on whitespace outside quotes.
 */
static int parse_kcmdline(struct modprobe_config *cfg, char *buf,
			  const struct mk_log *log)
{
	struct kcmdline_scan sc = { .state = S_MODNAME, .modname = buf };
	bool more = true;

	for (char *p = buf; more; p++) {
		/* the end of the buffer still completes the last token */
		more = *p != '\0';
		kcmdline_step(&sc, p);
		if (sc.state == S_COMPLETE) {
			int r = kcmdline_token(cfg, &sc, log);

			if (r < 0)
				return r;
			kcmdline_next(&sc, p);
		}
	}
	return 0;
}

/* The kernel command line's options and blacklist, as kmod reads /proc/cmdline. */
static int load_kcmdline(struct modprobe_config *cfg, const char *cmdline,
			 const struct mk_log *log)
{
	char buf[KCMDLINE_MAX + 1];

	/* kmod reads it into a buffer of this size: the rest is not seen */
	snprintf(buf, sizeof(buf), "%s", cmdline);
	return parse_kcmdline(cfg, buf, log);
}

int modprobe_config_load(const char *const *paths, const char *moddir,
			 const char *cmdline, const struct mk_log *log,
			 struct modprobe_config **out)
{
	struct conffile_list files = CONFFILE_LIST_INIT;
	struct modprobe_config *cfg;
	int r = 0;

	if (out == NULL)
		return -EINVAL;
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return -ENOMEM;
	/* kmod 30 reads modules.softdep (modules.weakdep comes with kmod 33); they go
	 * in first, so they win over a -C file of the same name */
	if (moddir != NULL &&
	    (conffile_list_insert(&files, moddir, "modules.softdep") == -ENOMEM ||
	     conffile_list_insert(&files, moddir, "modules.weakdep") == -ENOMEM))
		r = -ENOMEM;
	if (r == 0)
		r = conffile_load(&files, paths ? paths : default_paths,
				  CONFFILE_MODPROBE, parse_directive, cfg, log);
	if (r == 0 && cmdline != NULL)
		r = load_kcmdline(cfg, cmdline, log);
	if (r < 0) {
		conffile_list_release(&files);
		modprobe_config_free(cfg);
		return r;
	}
	*out = cfg;
	return 0;
}

/* ---- queries -------------------------------------------------------------- */

const struct config_alias *config_alias_next_match(const struct modprobe_config *cfg,
						   const char *name, size_t *pos)
{
	const struct entry_vec *vec = &cfg->kinds[CONFIG_ALIAS];

	for (size_t i = *pos; i < vec->n; i++) {
		if (fnmatch(vec->v[i].kv.pattern, name, 0) == 0) {
			*pos = i + 1;
			return &vec->v[i].kv;
		}
	}
	*pos = vec->n;
	return NULL;
}

int config_get_options(const struct modprobe_config *cfg, const char *modname,
		       const char *alias, char **out)
{
	const struct entry_vec *vec = &cfg->kinds[CONFIG_OPTIONS];
	struct strbuf sb = STRBUF_INIT;
	int r = 0;

	*out = NULL;
	for (size_t i = 0; i < vec->n && r == 0; i++) {
		const struct entry *e = &vec->v[i];

		if (!streq(e->kv.pattern, modname) &&
		    !(alias && streq(e->kv.pattern, alias)))
			continue;
		if (e->kv.modname[0] == '\0')
			continue;
		if (sb.used)
			r = strbuf_pushchar(&sb, ' ');
		if (r == 0)
			r = strbuf_pushstr(&sb, e->kv.modname);
	}
	if (r < 0) {
		strbuf_release(&sb);
		return r;
	}
	if (sb.used) {
		strbuf_str(&sb);
		*out = strbuf_steal(&sb);
	}
	return 0;
}

static const struct entry *first_fnmatch(const struct modprobe_config *cfg,
					 enum config_kind kind, const char *modname)
{
	const struct entry_vec *vec = &cfg->kinds[kind];

	for (size_t i = 0; i < vec->n; i++)
		if (fnmatch(vec->v[i].kv.pattern, modname, 0) == 0)
			return &vec->v[i];
	return NULL;
}

const char *config_get_install(const struct modprobe_config *cfg, const char *modname)
{
	const struct entry *e = first_fnmatch(cfg, CONFIG_INSTALL, modname);

	return e ? e->kv.modname : NULL;
}

const char *config_get_remove(const struct modprobe_config *cfg, const char *modname)
{
	const struct entry *e = first_fnmatch(cfg, CONFIG_REMOVE, modname);

	return e ? e->kv.modname : NULL;
}

const char *config_find_command_exact(const struct modprobe_config *cfg, const char *name,
				      bool *is_install)
{
	static const enum config_kind order[] = { CONFIG_INSTALL, CONFIG_REMOVE };

	for (size_t k = 0; k < ARRAY_SIZE(order); k++) {
		const struct entry_vec *vec = &cfg->kinds[order[k]];

		for (size_t i = 0; i < vec->n; i++) {
			if (streq(vec->v[i].kv.pattern, name)) {
				if (is_install)
					*is_install = order[k] == CONFIG_INSTALL;
				return vec->v[i].kv.modname;
			}
		}
	}
	return NULL;
}

bool config_is_blacklisted(const struct modprobe_config *cfg, const char *modname)
{
	const struct entry_vec *vec = &cfg->kinds[CONFIG_BLACKLIST];

	for (size_t i = 0; i < vec->n; i++)
		if (streq(vec->v[i].kv.pattern, modname))
			return true;
	return false;
}

/* append the names not yet in (*arr)[0, *n) */
static int merge_names(const char ***arr, size_t *n, char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		bool dup = false;
		size_t nn, bytes;
		const char **a;

		for (size_t j = 0; j < *n && !dup; j++)
			dup = streq((*arr)[j], names[i]);
		if (dup)
			continue;
		if (uaddsz_overflow(*n, 1, &nn) ||
		    umulsz_overflow(nn, sizeof(char *), &bytes))
			return -ENOMEM;
		a = realloc(*arr, bytes);
		if (a == NULL)
			return -ENOMEM;
		a[*n] = names[i];
		*arr = a;
		*n = nn;
	}
	return 0;
}

int config_get_softdeps(const struct modprobe_config *cfg, const char *modname,
			const char ***pre, size_t *n_pre, const char ***post,
			size_t *n_post)
{
	const struct entry_vec *vec = &cfg->kinds[CONFIG_SOFTDEP];
	int r = 0;

	*pre = *post = NULL;
	*n_pre = *n_post = 0;
	for (size_t i = 0; i < vec->n && r == 0; i++) {
		const struct entry *e = &vec->v[i];

		if (fnmatch(e->kv.pattern, modname, 0) != 0)
			continue;
		r = merge_names(pre, n_pre, e->words, e->n_pre);
		if (r == 0)
			r = merge_names(post, n_post, e->words + e->n_pre, e->n_post);
	}
	if (r < 0) {
		free(*pre);
		free(*post);
		*pre = *post = NULL;
		*n_pre = *n_post = 0;
	}
	return r;
}

int config_get_weakdeps(const struct modprobe_config *cfg, const char *modname,
			const char ***deps, size_t *n_deps)
{
	const struct entry *e = first_fnmatch(cfg, CONFIG_WEAKDEP, modname);
	int r = 0;

	*deps = NULL;
	*n_deps = 0;
	if (e != NULL)
		r = merge_names(deps, n_deps, e->words, e->n_pre);
	if (r < 0) {
		free(*deps);
		*deps = NULL;
		*n_deps = 0;
	}
	return r;
}

size_t config_count(const struct modprobe_config *cfg, enum config_kind kind)
{
	if ((unsigned int)kind >= _CONFIG_KIND_MAX)
		return 0;
	return cfg->kinds[kind].n;
}

int config_entry(const struct modprobe_config *cfg, enum config_kind kind, size_t i,
		 const char **key, const char **value)
{
	const struct entry *e;

	if ((unsigned int)kind >= _CONFIG_KIND_MAX || i >= cfg->kinds[kind].n)
		return -ERANGE;
	e = &cfg->kinds[kind].v[i];
	if (key)
		*key = e->kv.pattern;
	if (value)
		*value = e->kv.modname;
	return 0;
}

int config_entry_deps(const struct modprobe_config *cfg, enum config_kind kind, size_t i,
		      const char *const **words, size_t *n_pre, size_t *n_post)
{
	const struct entry *e;

	if (kind != CONFIG_SOFTDEP && kind != CONFIG_WEAKDEP)
		return -EINVAL;
	if (i >= cfg->kinds[kind].n)
		return -ERANGE;
	e = &cfg->kinds[kind].v[i];
	*words = (const char *const *)e->words;
	*n_pre = e->n_pre;
	*n_post = e->n_post;
	return 0;
}

int config_dump(const struct modprobe_config *cfg, struct strbuf *out)
{
	for (int k = 0; k < _CONFIG_KIND_MAX; k++) {
		const struct entry_vec *vec = &cfg->kinds[k];

		for (size_t i = 0; i < vec->n; i++) {
			const struct entry *e = &vec->v[i];
			int r;

			if (e->kv.modname)
				r = strbuf_printf(out, "%s %s %s\n", kind_names[k],
						  e->kv.pattern, e->kv.modname);
			else
				r = strbuf_printf(out, "%s %s\n", kind_names[k],
						  e->kv.pattern);
			if (r < 0)
				return r;
		}
	}
	return 0;
}
