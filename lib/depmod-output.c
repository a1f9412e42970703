// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * depmod's eleven outputs, in kmod 30's formats. Text files in module order (the
 * symbols in kmod's hash order); the .bin indexes through lib/index-writer with
 * the module's position as priority.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "depmod-output.h"
#include "hash.h"
#include "index-writer.h"

const char *const depmod_output_names[DEPMOD_N_OUTPUTS] = {
	[DEPMOD_OUT_DEP] = "modules.dep",
	[DEPMOD_OUT_DEP_BIN] = "modules.dep.bin",
	[DEPMOD_OUT_ALIAS] = "modules.alias",
	[DEPMOD_OUT_ALIAS_BIN] = "modules.alias.bin",
	[DEPMOD_OUT_SOFTDEP] = "modules.softdep",
	[DEPMOD_OUT_WEAKDEP] = "modules.weakdep",
	[DEPMOD_OUT_SYMBOLS] = "modules.symbols",
	[DEPMOD_OUT_SYMBOLS_BIN] = "modules.symbols.bin",
	[DEPMOD_OUT_BUILTIN_BIN] = "modules.builtin.bin",
	[DEPMOD_OUT_BUILTIN_ALIAS_BIN] = "modules.builtin.alias.bin",
	[DEPMOD_OUT_DEVNAME] = "modules.devname",
};

static bool is_bin(enum depmod_output_id id)
{
	return id == DEPMOD_OUT_DEP_BIN || id == DEPMOD_OUT_ALIAS_BIN ||
	       id == DEPMOD_OUT_SYMBOLS_BIN || id == DEPMOD_OUT_BUILTIN_BIN ||
	       id == DEPMOD_OUT_BUILTIN_ALIAS_BIN;
}

/* Does a text output have more than its '#' header line? */
static bool has_entries(const struct strbuf *sb)
{
	const char *nl = memchr(sb->buf, '\n', sb->used);

	return nl != NULL && (size_t)(nl - sb->buf) + 1 < sb->used;
}

bool depmod_output_shown(enum depmod_output_id id, const struct strbuf *sb)
{
	if (is_bin(id) || sb->used == 0)
		return false;
	return id != DEPMOD_OUT_WEAKDEP || has_entries(sb);
}

/* -w: kmod warns when the same (key, value) goes into an index twice */
struct dupcheck {
	struct hash *seen;
	char **keys;
	size_t n, cap;
};

struct gen {
	struct depgraph *dg;
	const struct depmod_output_opts *opts;
	const struct mk_log *log;
	struct dupcheck dup;
};

static void dupcheck_reset(struct dupcheck *d)
{
	if (d->seen != NULL)
		hash_free(d->seen);
	for (size_t i = 0; i < d->n; i++)
		free(d->keys[i]);
	free(d->keys);
	memset(d, 0, sizeof(*d));
}

/* 1 when (key, value) was added before, 0 when new, <0 on error */
static int dupcheck_add(struct dupcheck *d, const char *key, const char *value)
{
	char *k;
	int r;

	if (d->seen == NULL) {
		d->seen = hash_new(4096, NULL);
		if (d->seen == NULL)
			return -ENOMEM;
	}
	if (asprintf(&k, "%s%c%s", key, 1, value) < 0)
		return -ENOMEM;
	if (hash_find(d->seen, k) != NULL) {
		free(k);
		return 1;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 1024;
		char **a = realloc(d->keys, cap * sizeof(*a));

		if (a == NULL) {
			free(k);
			return -ENOMEM;
		}
		d->keys = a;
		d->cap = cap;
	}
	d->keys[d->n++] = k;
	r = hash_add(d->seen, k, k);
	return r < 0 ? r : 0;
}

/* "a b c\n" without printf: these files have ~100k lines */
static int push_line(struct strbuf *sb, const char *a, const char *b, const char *c)
{
	int r = strbuf_pushstr(sb, a);

	if (r == 0)
		r = strbuf_pushstr(sb, b);
	if (r == 0)
		r = strbuf_pushchar(sb, ' ');
	if (r == 0)
		r = strbuf_pushstr(sb, c);
	if (r == 0)
		r = strbuf_pushchar(sb, '\n');
	return r;
}

/*
 * Insert into an index; reports a non-ASCII byte the way kmod does (then fails).
 * @keep: the strings that outlive the writer, not copied (INDEX_KEEP_*).
 */
static int idx_add(struct gen *g, struct index_writer *w, const char *key,
		   const char *value, unsigned int prio, const char *what,
		   unsigned int keep)
{
	int r = index_writer_add_kept(w, key, value, prio, keep);

	if (r == -EINVAL) {
		const char *s[2] = { key, value };

		for (int k = 0; k < 2; k++)
			for (const unsigned char *p = (const unsigned char *)s[k]; *p;
			     p++)
				if (*p >= 0x80) {
					mk_log(g->log, LOG_CRIT,
					       "Module index: bad character '%c'=0x%x - "
					       "only "
					       "7-bit ASCII is supported:\n%s\n",
					       *p, *p, s[k]);
					return r;
				}
		return r;
	}
	if (r < 0 || !g->opts->warn_dups || what == NULL)
		return r;
	r = dupcheck_add(&g->dup, key, value);
	if (r > 0) {
		if (streq(what, "deps"))
			mk_log(g->log, LOG_WARNING, "duplicate module deps:\n%s\n",
			       value);
		else
			mk_log(g->log, LOG_WARNING, "duplicate module %s:\n%s %s\n", what,
			       key, value);
	}
	return r < 0 ? r : 0;
}

/* A writer for the index @bin, or none (NULL, 0) when @bin is not made (-n). */
static int start_index(struct strbuf *bin, struct index_writer **w)
{
	*w = NULL;
	if (bin == NULL)
		return 0;
	*w = index_writer_new();
	return *w != NULL ? 0 : -ENOMEM;
}

/* Serialise @w into @out when all went well (@r == 0), free it; returns the result. */
static int finish_index(struct index_writer *w, struct strbuf *out, int r)
{
	if (w == NULL)
		return r;
	if (r == 0)
		r = index_writer_serialize(w, out);
	index_writer_free(w);
	return r;
}

/*
 * modules.dep and modules.dep.bin: the same line, "<path>:[ <dep>]*". The lines
 * are the index's values where they stand in modules.dep, not copied: while the
 * index is made, each ends in a NUL rather than its newline.
 */
static int gen_deps(struct gen *g, struct strbuf *dep, struct strbuf *bin)
{
	size_t count = depgraph_count(g->dg), done = 0, from = dep->used;
	_cleanup_free_ size_t *ends = NULL; /* where each line's end is */
	struct index_writer *w = NULL;
	char end = '\n';
	int r;

	r = start_index(bin, &w);
	if (r == 0 && w != NULL) {
		end = '\0';
		ends = malloc((count ? count : 1) * sizeof(*ends));
		r = ends != NULL ? index_writer_reserve(w, count, 0) : -ENOMEM;
	}
	if (r < 0) {
		index_writer_free(w);
		return r;
	}
	for (size_t i = 0; i < count && r == 0; i++) {
		struct dg_module *m = depgraph_module(g->dg, i);
		struct dg_module **deps = NULL;
		size_t n = 0;

		r = depgraph_all_deps(g->dg, m, &deps, &n);
		if (r < 0)
			break;
		r = strbuf_pushstr(dep, dg_module_path(m));
		if (r == 0)
			r = strbuf_pushchar(dep, ':');
		for (size_t k = 0; k < n && r == 0; k++) {
			r = strbuf_pushchar(dep, ' ');
			if (r == 0)
				r = strbuf_pushstr(dep, dg_module_path(deps[k]));
		}
		free(deps);
		if (r == 0)
			r = strbuf_pushchar(dep, end);
		if (r == 0 && ends != NULL)
			ends[done++] = dep->used - 1;
	}
	if (w == NULL)
		return r;
	/* modules.dep is whole, and stays where it is until its newlines are back */
	for (size_t i = 0; i < done && r == 0; i++) {
		struct dg_module *m = depgraph_module(g->dg, i);
		const char *line = dep->buf + (i > 0 ? ends[i - 1] + 1 : from);

		r = idx_add(g, w, m->scan->name, line, m->idx, "deps",
			    INDEX_KEEP_KEY | INDEX_KEEP_VALUE);
	}
	r = finish_index(w, bin, r);
	for (size_t i = 0; i < done; i++)
		dep->buf[ends[i]] = '\n';
	return r;
}

/* modules.alias: "alias PATTERN MODULE" for each alias, in module order */
static int gen_alias_lines(struct gen *g, struct strbuf *txt)
{
	int r = strbuf_pushstr(txt, "# Aliases extracted from modules themselves.\n");

	for (size_t i = 0; i < depgraph_count(g->dg) && r == 0; i++) {
		struct dg_module *m = depgraph_module(g->dg, i);

		for (size_t k = 0; k < m->n_info && r == 0; k++)
			if (m->info[k].kind == DG_INFO_ALIAS)
				r = push_line(txt, "alias ", m->info[k].value,
					      m->scan->name);
	}
	return r;
}

/*
 * Is @alias its own key in modules.alias.bin, alias_normalize() changing
 * nothing? Most are: the index then points at the model's string, no copy.
 */
static bool alias_is_key(const char *alias)
{
	return strpbrk(alias, "-[]") == NULL && strnlen(alias, PATH_MAX) < PATH_MAX;
}

/*
 * The entries modules.alias.bin will have and the bytes of the keys it copies
 * (the values are the model's module names, never copied).
 */
static void count_aliases(const struct depgraph *dg, size_t *n, size_t *text)
{
	*n = *text = 0;
	for (size_t i = 0; i < depgraph_count(dg); i++) {
		const struct dg_module *m = depgraph_module(dg, i);

		for (size_t k = 0; k < m->n_info; k++) {
			if (m->info[k].kind != DG_INFO_ALIAS)
				continue;
			(*n)++;
			if (!alias_is_key(m->info[k].value))
				*text += strlen(m->info[k].value) + 1;
		}
	}
}

/*
 * modules.alias.bin, made apart from the text (the index is most of the work)
 * so that the two are made at once; only the index has anything to say.
 */
static int gen_alias_index(struct gen *g, struct strbuf *bin)
{
	struct index_writer *w = NULL;
	int r = start_index(bin, &w);

	if (r == 0 && w != NULL) {
		size_t n, text;

		count_aliases(g->dg, &n, &text);
		r = index_writer_reserve(w, n, text);
	}
	for (size_t i = 0; i < depgraph_count(g->dg) && r == 0; i++) {
		struct dg_module *m = depgraph_module(g->dg, i);

		for (size_t k = 0; k < m->n_info && r == 0; k++) {
			const char *alias = m->info[k].value;
			char buf[PATH_MAX];

			if (m->info[k].kind != DG_INFO_ALIAS)
				continue;
			if (alias_is_key(alias)) {
				r = idx_add(g, w, alias, m->scan->name, m->idx, "alias",
					    INDEX_KEEP_KEY | INDEX_KEEP_VALUE);
				continue;
			}
			if (alias_normalize(alias, buf, NULL) < 0) {
				mk_log(g->log, LOG_WARNING, "Unmatched bracket in %s\n",
				       alias);
				continue;
			}
			r = idx_add(g, w, buf, m->scan->name, m->idx, "alias",
				    INDEX_KEEP_VALUE);
		}
	}
	return finish_index(w, bin, r);
}

/* modules.softdep or modules.weakdep: "WORD MODULE VALUE" for each such entry */
static int gen_info_lines(struct gen *g, struct strbuf *txt, enum dg_info_kind kind)
{
	bool soft = kind == DG_INFO_SOFTDEP;
	const char *word = soft ? "softdep" : "weakdep";
	int r = strbuf_pushstr(txt, soft ? "# Soft dependencies extracted from modules "
					   "themselves.\n"
					 : "# Weak dependencies extracted from modules "
					   "themselves.\n");

	for (size_t i = 0; i < depgraph_count(g->dg) && r == 0; i++) {
		struct dg_module *m = depgraph_module(g->dg, i);

		for (size_t k = 0; k < m->n_info && r == 0; k++)
			if (m->info[k].kind == kind)
				r = strbuf_printf(txt, "%s %s %s\n", word, m->scan->name,
						  m->info[k].value);
	}
	return r;
}

struct sym_gen {
	struct gen *g;
	struct strbuf *txt;
	struct index_writer *w;
	struct strbuf key;
	int err;
};

static void sym_cb(void *data, const char *name, const struct dg_module *owner)
{
	struct sym_gen *s = data;

	if (s->err < 0)
		return;
	s->err = push_line(s->txt, "alias symbol:", name, owner->scan->name);
	if (s->err < 0 || s->w == NULL)
		return;
	strbuf_clear(&s->key);
	s->err = strbuf_pushstr(&s->key, "symbol:");
	if (s->err == 0)
		s->err = strbuf_pushstr(&s->key, name);
	if (s->err == 0)
		s->err = idx_add(s->g, s->w, strbuf_str(&s->key), owner->scan->name,
				 owner->idx, "syms", INDEX_KEEP_VALUE);
}

/* The entries modules.symbols.bin will have and the bytes of their keys. */
struct sym_count {
	size_t n, text;
};

static void count_symbol(void *data, const char *name, const struct dg_module *owner)
{
	struct sym_count *c = data;

	(void)owner; /* the value, the owner's name, is not copied */
	c->n++;
	c->text += sizeof("symbol:") + strlen(name);
}

static int gen_symbols(struct gen *g, struct strbuf *txt, struct strbuf *bin)
{
	struct sym_gen s = { .g = g, .txt = txt, .key = STRBUF_INIT };
	int r;

	r = strbuf_pushstr(txt, "# Aliases for symbols, used by symbol_request().\n");
	if (r < 0)
		return r;
	r = start_index(bin, &s.w);
	if (r == 0 && s.w != NULL) {
		struct sym_count c = { 0, 0 };

		depgraph_foreach_symbol(g->dg, count_symbol, &c);
		r = index_writer_reserve(s.w, c.n, c.text);
	}
	if (r < 0) {
		index_writer_free(s.w);
		return r;
	}
	depgraph_foreach_symbol(g->dg, sym_cb, &s);
	strbuf_release(&s.key);
	r = s.err;
	r = finish_index(s.w, bin, r);
	return r;
}

static int open_input(const char *dirname, const char *name, const struct mk_log *log,
		      char **data, size_t *len)
{
	_cleanup_free_ char *path = NULL;
	int r;

	if (asprintf(&path, "%s/%s", dirname, name) < 0)
		return -ENOMEM;
	r = read_file_full(AT_FDCWD, path, data, len);
	if (r < 0)
		mk_log(log, LOG_WARNING, "could not open %s at %s: %s\n", name, dirname,
		       strerror(-r));
	return r;
}

/* modules.builtin.bin: a key per line of modules.builtin; nothing when it is missing */
static int gen_builtin(struct gen *g, struct strbuf *bin)
{
	_cleanup_free_ char *data = NULL;
	struct index_writer *w;
	size_t len, pos = 0;
	int r;

	r = open_input(g->opts->dirname, "modules.builtin", g->log, &data, &len);
	if (r < 0)
		return 0; /* kmod publishes an empty file */
	r = start_index(bin, &w);
	if (r < 0)
		return r;
	r = 0;
	while (pos < len && r == 0) {
		/* kmod reads with fgets into PATH_MAX bytes; the line keeps its '\n' */
		size_t end = pos, chunk;
		char line[PATH_MAX], name[PATH_MAX];

		while (end < len && data[end] != '\n' && end - pos < PATH_MAX - 2)
			end++;
		if (end < len && data[end] == '\n')
			end++;
		chunk = end - pos;
		memcpy(line, data + pos, chunk);
		line[chunk] = '\0';
		pos = end;
		if (!isalpha((unsigned char)line[0])) {
			mk_log(g->log, LOG_ERR, "Invalid modules.builtin line: %s\n",
			       line);
			continue;
		}
		path_to_modname(line, name, NULL);
		r = idx_add(g, w, name, "", 0, NULL, 0);
	}
	return finish_index(w, bin, r);
}

/*
 * modules.builtin.alias.bin: the "<mod>.alias=<value>" records of
 * modules.builtin.modinfo ("mod.key=value\0"...), priority 0, inserted in file
 * order, so that of two values of one alias the later record comes first; an
 * empty index when the file has none. What kmod 30 writes, for records apart and
 * odd ones too (docs/index-format.md §10): a record without a '.' or with an
 * empty module name or value is skipped; one without a '=', or without its NUL
 * at the end of the file, ends the list. One pass over the file.
 */
static int gen_builtin_alias(struct gen *g, struct strbuf *bin)
{
	_cleanup_free_ char *data = NULL;
	struct index_writer *w;
	size_t len;
	int r;

	r = open_input(g->opts->dirname, "modules.builtin.modinfo", g->log, &data, &len);
	if (r < 0)
		return 0;
	r = start_index(bin, &w);
	if (r < 0)
		return r;
	for (size_t pos = 0; pos < len && r >= 0;) {
		const char *rec = data + pos;
		const char *nul = memchr(rec, '\0', len - pos);
		size_t reclen = nul ? (size_t)(nul - rec) : len - pos;
		const char *dot = memchr(rec, '.', reclen), *eq;
		char modname[PATH_MAX], alias[PATH_MAX], value[PATH_MAX];
		size_t nl, vl;

		if (nul == NULL)
			break;
		pos += reclen + 1;
		if (dot == NULL || dot == rec)
			continue;
		nl = (size_t)(dot - rec);
		eq = memchr(dot, '=', reclen - nl);
		if (eq == NULL)
			break;
		vl = reclen - (size_t)(eq + 1 - rec);
		if (eq - dot != 6 || memcmp(dot, ".alias", 6) != 0 || vl == 0 ||
		    nl > PATH_MAX - 1)
			continue;
		memcpy(modname, rec, nl);
		modname[nl] = '\0';
		if (vl > PATH_MAX - 1)
			vl = PATH_MAX - 1;
		memcpy(value, eq + 1, vl);
		value[vl] = '\0';
		if (alias_normalize(value, alias, NULL) < 0) {
			mk_log(g->log, LOG_WARNING, "Unmatched bracket in %s\n", value);
			continue;
		}
		r = idx_add(g, w, alias, modname, 0, NULL, 0);
	}
	return finish_index(w, bin, r);
}

/* Has @m a "devname:" alias? Few have: the others need no closer look. */
static bool has_devname(const struct dg_module *m)
{
	for (size_t k = 0; k < m->n_info; k++)
		if (m->info[k].kind == DG_INFO_ALIAS &&
		    strstartswith(m->info[k].value, "devname:"))
			return true;
	return false;
}

static int gen_devname(struct gen *g, struct strbuf *txt)
{
	bool empty = true;
	int r = 0;

	for (size_t i = 0; i < depgraph_count(g->dg) && r == 0; i++) {
		struct dg_module *m = depgraph_module(g->dg, i);
		const char *devname = NULL;
		char type = '\0';
		unsigned int major = 0, minor = 0;

		if (!has_devname(m))
			continue;
		/* kmod's scan: the major and minor last seen when both are known */
		for (size_t k = 0; k < m->n_info; k++) {
			const char *v = m->info[k].value;
			unsigned int maj, min;

			if (m->info[k].kind != DG_INFO_ALIAS)
				continue;
			if (strstartswith(v, "devname:")) {
				devname = v + strlen("devname:");
			} else if (sscanf(v, "char-major-%u-%u", &maj, &min) == 2) {
				type = 'c';
				major = maj;
				minor = min;
			} else if (sscanf(v, "block-major-%u-%u", &maj, &min) == 2) {
				type = 'b';
				major = maj;
				minor = min;
			}
			if (type != '\0' && devname != NULL)
				break;
		}
		if (devname == NULL)
			continue;
		if (type == '\0') {
			mk_log(g->log, LOG_ERR,
			       "Module '%s' has devname (%s) but lacks major and minor "
			       "information. Ignoring.\n",
			       m->scan->name, devname);
			continue;
		}
		if (empty) {
			r = strbuf_pushstr(
				txt,
				"# Device nodes to trigger on-demand module loading.\n");
			empty = false;
		}
		if (r == 0)
			r = strbuf_printf(txt, "%s %s %c%u:%u\n", m->scan->name, devname,
					  type, major, minor);
	}
	return r;
}

/*
 * The outputs are independent jobs. All but modules.dep{,.bin} need only what
 * depgraph_load_modules() built, so they start before the dependencies are
 * resolved, on worker threads; modules.dep{,.bin} is made once they are sorted.
 * Each job has its own messages, passed on in kmod's order (the order of the
 * files) at the end, up to the first job that failed, as kmod stops there.
 */
enum job_id {
	JOB_DEPS,
	JOB_ALIASES,
	JOB_ALIAS_INDEX,
	JOB_SOFTDEP,
	JOB_WEAKDEP,
	JOB_SYMBOLS,
	JOB_BUILTIN,
	JOB_BUILTIN_ALIAS,
	JOB_DEVNAME,
	N_JOBS,
};

/* the order the workers take the jobs in: the longest first */
static const enum job_id job_order[] = {
	JOB_ALIAS_INDEX, JOB_SYMBOLS, JOB_ALIASES, JOB_BUILTIN_ALIAS,
	JOB_DEVNAME,	 JOB_SOFTDEP, JOB_WEAKDEP, JOB_BUILTIN,
};

struct job {
	struct gen g;
	struct mk_log_held held;
	struct mk_log log;
	int r;
};

#define MAX_GEN_THREADS 8
/* past this, a size hint is not believed */
#define SIZE_HINT_MAX ((size_t)64 << 20)

/*
 * Room for an output of about @hint bytes at once: growing by doubling copies
 * it and touches twice the memory. A hint only: when the room cannot be had,
 * the buffer grows as it fills.
 */
static size_t hinted_room(size_t hint)
{
	if (hint == 0 || hint > SIZE_HINT_MAX)
		return 0;
	/* and the NUL; 64-byte steps keep each output's start on a cache line */
	return (hint + hint / 8 + 1 + 63) & ~(size_t)63;
}

/*
 * The hinted outputs' room: one piece of huge pages when there is a @room and
 * the hints add up to HUGEMEM_MIN, else a buffer each (docs/depmod-outputs.md
 * §12).
 */
static void reserve_hints(struct strbuf *out, const struct depmod_output_opts *opts)
{
	size_t room[DEPMOD_N_OUTPUTS], total = 0;
	char *p;

	for (int i = 0; i < DEPMOD_N_OUTPUTS; i++) {
		room[i] = hinted_room(opts->size_hint[i]);
		total += room[i];
	}
	if (opts->room != NULL && total >= HUGEMEM_MIN &&
	    hugemem_alloc(opts->room, total) == 0) {
		p = opts->room->p;
		for (int i = 0; i < DEPMOD_N_OUTPUTS; i++) {
			if (room[i] == 0)
				continue;
			strbuf_borrow(&out[i], p, room[i]);
			p += room[i];
		}
		return;
	}
	for (int i = 0; i < DEPMOD_N_OUTPUTS; i++)
		if (room[i] > 0 && strbuf_reserve(&out[i], room[i] - 1) < 0)
			strbuf_release(&out[i]);
}

struct depmod_gen {
	struct depgraph *dg;
	struct depmod_output_opts opts;
	struct strbuf *out;
	struct job jobs[N_JOBS];
	size_t next; /* index into job_order, taken atomically */
	pthread_t th[MAX_GEN_THREADS];
	unsigned int n_th;
};

/* The outputs each job makes (DEPMOD_N_OUTPUTS: none). */
static const enum depmod_output_id job_outputs[N_JOBS][2] = {
	[JOB_DEPS] = { DEPMOD_OUT_DEP, DEPMOD_OUT_DEP_BIN },
	[JOB_ALIASES] = { DEPMOD_OUT_ALIAS, DEPMOD_N_OUTPUTS },
	[JOB_ALIAS_INDEX] = { DEPMOD_OUT_ALIAS_BIN, DEPMOD_N_OUTPUTS },
	[JOB_SOFTDEP] = { DEPMOD_OUT_SOFTDEP, DEPMOD_N_OUTPUTS },
	[JOB_WEAKDEP] = { DEPMOD_OUT_WEAKDEP, DEPMOD_N_OUTPUTS },
	[JOB_SYMBOLS] = { DEPMOD_OUT_SYMBOLS, DEPMOD_OUT_SYMBOLS_BIN },
	[JOB_BUILTIN] = { DEPMOD_OUT_BUILTIN_BIN, DEPMOD_N_OUTPUTS },
	[JOB_BUILTIN_ALIAS] = { DEPMOD_OUT_BUILTIN_ALIAS_BIN, DEPMOD_N_OUTPUTS },
	[JOB_DEVNAME] = { DEPMOD_OUT_DEVNAME, DEPMOD_N_OUTPUTS },
};

static int run_job(struct depmod_gen *gen, enum job_id id)
{
	struct gen *g = &gen->jobs[id].g;
	struct strbuf *out = gen->out;
	bool bins = !gen->opts.text_only;
	int r = 0;

	switch (id) {
	case JOB_DEPS:
		r = gen_deps(g, &out[DEPMOD_OUT_DEP],
			     bins ? &out[DEPMOD_OUT_DEP_BIN] : NULL);
		break;
	case JOB_ALIASES:
		r = gen_alias_lines(g, &out[DEPMOD_OUT_ALIAS]);
		break;
	case JOB_ALIAS_INDEX:
		if (bins)
			r = gen_alias_index(g, &out[DEPMOD_OUT_ALIAS_BIN]);
		break;
	case JOB_SOFTDEP:
		r = gen_info_lines(g, &out[DEPMOD_OUT_SOFTDEP], DG_INFO_SOFTDEP);
		break;
	case JOB_WEAKDEP:
		r = gen_info_lines(g, &out[DEPMOD_OUT_WEAKDEP], DG_INFO_WEAKDEP);
		break;
	case JOB_SYMBOLS:
		r = gen_symbols(g, &out[DEPMOD_OUT_SYMBOLS],
				bins ? &out[DEPMOD_OUT_SYMBOLS_BIN] : NULL);
		break;
	case JOB_BUILTIN:
		if (bins)
			r = gen_builtin(g, &out[DEPMOD_OUT_BUILTIN_BIN]);
		break;
	case JOB_BUILTIN_ALIAS:
		if (bins)
			r = gen_builtin_alias(g, &out[DEPMOD_OUT_BUILTIN_ALIAS_BIN]);
		break;
	case JOB_DEVNAME:
		r = gen_devname(g, &out[DEPMOD_OUT_DEVNAME]);
		break;
	case N_JOBS:
		break;
	}
	dupcheck_reset(&g->dup);
	for (int k = 0; r == 0 && gen->opts.hash != NULL && k < 2; k++) {
		enum depmod_output_id o = job_outputs[id][k];

		if (o < DEPMOD_N_OUTPUTS)
			gen->opts.hashes[o] =
				gen->opts.hash(out[o].buf ? out[o].buf : "", out[o].used);
	}
	return r;
}

/* Take the next job not started yet; false when none is left. */
static bool next_job(struct depmod_gen *gen, enum job_id *id)
{
	size_t i = __atomic_fetch_add(&gen->next, 1, __ATOMIC_RELAXED);

	if (i >= ARRAY_SIZE(job_order))
		return false;
	*id = job_order[i];
	return true;
}

static void *gen_worker(void *arg)
{
	struct depmod_gen *gen = arg;
	enum job_id id;

	while (next_job(gen, &id))
		gen->jobs[id].r = run_job(gen, id);
	return NULL;
}

int depmod_output_begin(struct depgraph *dg, const struct depmod_output_opts *opts,
			struct strbuf *out, struct depmod_gen **genp)
{
	struct depmod_gen *gen = calloc(1, sizeof(*gen));
	unsigned int want;

	if (gen == NULL)
		return -ENOMEM;
	gen->dg = dg;
	gen->opts = *opts;
	gen->out = out;
	reserve_hints(out, opts);
	for (int i = 0; i < N_JOBS; i++) {
		struct job *j = &gen->jobs[i];

		mk_log_hold(&j->log, &j->held);
		j->g.dg = dg;
		j->g.opts = &gen->opts;
		j->g.log = &j->log;
	}
	/* the caller's thread works too, in depmod_output_end() */
	want = opts->n_threads > 1 ? opts->n_threads - 1 : 0;
	if (want > MAX_GEN_THREADS)
		want = MAX_GEN_THREADS;
	while (gen->n_th < want &&
	       mk_thread_create(&gen->th[gen->n_th], gen_worker, gen) == 0)
		gen->n_th++;
	*genp = gen;
	return 0;
}

/* Wait for the workers, pass their messages on in file order (or drop them). */
static int gen_finish(struct depmod_gen *gen, bool pass)
{
	int r = 0;

	/* the jobs no worker took yet (there may be none) are run here */
	gen_worker(gen);
	for (unsigned int t = 0; t < gen->n_th; t++)
		pthread_join(gen->th[t], NULL);
	for (int i = 0; i < N_JOBS; i++) {
		struct job *j = &gen->jobs[i];

		mk_log_release(&j->held, gen->opts.log, pass && r == 0);
		if (r == 0)
			r = j->r;
	}
	free(gen);
	return r;
}

int depmod_output_end(struct depmod_gen *gen)
{
	gen->jobs[JOB_DEPS].r = run_job(gen, JOB_DEPS);
	return gen_finish(gen, true);
}

void depmod_output_abort(struct depmod_gen *gen)
{
	if (gen == NULL)
		return;
	/* what no worker took yet is not needed */
	__atomic_store_n(&gen->next, ARRAY_SIZE(job_order), __ATOMIC_RELAXED);
	/* without modules.dep, as after a cycle, kmod writes nothing at all */
	gen_finish(gen, false);
}
