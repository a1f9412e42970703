// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mykmod diff OLD NEW: what changed between two module trees or kernel packages
 * (man/mykmod.8, DIFF). Each side is loaded into a model (lib/modtree.h), the models are
 * compared (lib/modtree-diff.h); this file filters (--ignore, --only) and prints.
 * Exit status as diff(1): 0 the same, 1 different, 2 trouble.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "modtree-diff.h"
#include "modtree.h"
#include "strbuf.h"
#include "mykmod.h"

#define DIFF_SAME 0
#define DIFF_DIFFERENT 1
#define DIFF_TROUBLE 2

struct diff_opts {
	const char *kver;
	bool json;
	char **ignore; /* glob patterns */
	size_t n_ignore;
	char *ignore_buf;
	const char *only; /* comma-separated kinds, or NULL */
	/* -E, -F: once for both sides, or twice: OLD's then NEW's */
	const char *symvers[2], *system_map[2];
	unsigned int n_symvers, n_system_map;
};

/*
 * Per class: its group and its kind for --only (each a kind: the one table of the
 * kinds, with only_common_keys), its count label. A field class has no kind of its
 * own: its kind is the modinfo key of the entry.
 */
static const struct class_info {
	const char *group;
	const char *kind;
	const char *label;
} classes[MTD_N_CLASSES] = {
	[MTD_MODULE_ADDED] = { "modules", "added", "modules added" },
	[MTD_MODULE_REMOVED] = { "modules", "removed", "modules removed" },
	[MTD_MODULE_MOVED] = { "modules", "moved", "modules moved" },
	[MTD_MODULE_BUILTIN] = { "modules", "builtin", "modules now builtin" },
	[MTD_MODULE_LOADABLE] = { "modules", "builtin", "modules now loadable" },
	[MTD_MODULE_RECOMPRESSED] = { "modules", "recompressed", "modules recompressed" },
	[MTD_FIELD_ADDED] = { "fields", NULL, "values gained" },
	[MTD_FIELD_REMOVED] = { "fields", NULL, "values lost" },
	[MTD_FIELD_CHANGED] = { "fields", NULL, "values changed" },
	[MTD_SYMBOL_ADDED] = { "symbols", "symbols", "symbols added" },
	[MTD_SYMBOL_REMOVED] = { "symbols", "symbols", "symbols removed" },
	[MTD_SYMBOL_CRC] = { "symbols", "crc", "symbols with a new CRC" },
	[MTD_SYMBOL_NAMESPACE] = { "symbols", "namespace",
				   "symbols with a new namespace" },
	[MTD_SYMBOL_MOVED] = { "symbols", "symbols", "symbols moved" },
	[MTD_UNRESOLVED] = { NULL, "unresolved", "symbols newly unresolved" },
	[MTD_CYCLE] = { NULL, "cycles", "new dependency cycles" },
	[MTD_INDEX_ADDED] = { NULL, "indexes", "index entries added" },
	[MTD_INDEX_REMOVED] = { NULL, "indexes", "index entries removed" },
};

static bool is_module_class(enum mtd_class c)
{
	return c <= MTD_MODULE_RECOMPRESSED;
}

static bool is_field_class(enum mtd_class c)
{
	return c >= MTD_FIELD_ADDED && c <= MTD_FIELD_CHANGED;
}

static bool is_symbol_class(enum mtd_class c)
{
	return c >= MTD_SYMBOL_ADDED && c <= MTD_SYMBOL_MOVED;
}

/*
 * modinfo keys that are valid kinds whatever the sides hold (docs/mykmod-diff.md §3):
 * --only signer of two unsigned trees is a question with an empty answer, no typo.
 */
static const char *const only_common_keys[] = {
	"alias",      "author",	    "depends",	"description",	"firmware",
	"import_ns",  "intree",	    "license",	"name",		"parm",
	"retpoline",  "scmversion", "signer",	"sig_hashalgo", "softdep",
	"srcversion", "staging",    "vermagic", "version",	"weakdep",
};

/* The length of a kind that --only takes at most (longer: unknown). */
#define ONLY_KIND_MAX 64

/*
 * The next comma-separated kind of *@p into @kind: 1, or 2 when it was too long
 * (cut: no kind), 0 at the end of the list.
 */
static int only_next(const char **p, char kind[ONLY_KIND_MAX])
{
	size_t len = strcspn(*p, ","), n = len < ONLY_KIND_MAX ? len : ONLY_KIND_MAX - 1;

	if (**p == '\0')
		return 0;
	memcpy(kind, *p, n);
	kind[n] = '\0';
	*p += len + ((*p)[len] == ',');
	return n == len ? 1 : 2;
}

static bool in_list(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (streq(v[i], s))
			return true;
	return false;
}

/* Is @kind a group or a kind of the classes table? */
static bool is_class_kind(const char *kind)
{
	for (int c = 0; c < MTD_N_CLASSES; c++)
		if ((classes[c].group != NULL && streq(classes[c].group, kind)) ||
		    (classes[c].kind != NULL && streq(classes[c].kind, kind)))
			return true;
	return false;
}

/* A kind known before the sides are read: of the classes table, or a common key. */
static bool only_known(const char *kind)
{
	return is_class_kind(kind) ||
	       in_list(only_common_keys, ARRAY_SIZE(only_common_keys), kind);
}

/* Push @word and ", " to @sb unless it is there already (NULL: nothing). */
static int push_kind(struct strbuf *sb, const char *word)
{
	const char *p = strbuf_str(sb);
	size_t len;

	if (word == NULL || p == NULL)
		return p == NULL ? -ENOMEM : 0;
	len = strlen(word);
	for (; *p != '\0'; p += strcspn(p, ",") + 2)
		if (strncmp(p, word, len) == 0 && p[len] == ',')
			return 0;
	return strbuf_pushstr(sb, word) < 0 || strbuf_pushstr(sb, ", ") < 0 ? -ENOMEM : 0;
}

/* The kinds of the classes table, each once, in its order, each followed by ", ". */
static int class_kinds(struct strbuf *sb)
{
	for (int c = 0; c < MTD_N_CLASSES; c++)
		if (push_kind(sb, classes[c].group) < 0 ||
		    push_kind(sb, classes[c].kind) < 0)
			return -ENOMEM;
	return 0;
}

/* Does a module of @t have the modinfo key @key? */
static bool has_key(const struct modtree *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		for (size_t f = 0; f < t->mods[i].n_fields; f++)
			if (streq(t->mods[i].fields[f].key, key))
				return true;
	return false;
}

/*
 * --only: every kind known (only_known()), or a modinfo key of @old or @new; with no
 * sides yet (NULL), only the first test. 0, or -EINVAL after the message.
 */
static int only_check(const struct diff_opts *o, const struct modtree *old,
		      const struct modtree *new)
{
	char kind[ONLY_KIND_MAX];
	const char *p = o->only;
	struct strbuf sb = STRBUF_INIT;

	int got;

	while (p != NULL && (got = only_next(&p, kind)) > 0) {
		if (got == 1 && kind[0] != '\0' &&
		    (only_known(kind) || old == NULL || has_key(old, kind) ||
		     has_key(new, kind)))
			continue;
		(void)class_kinds(&sb);
		ERR("--only: unknown kind '%s%s' (the kinds: %sor a modinfo key of OLD "
		    "or "
		    "NEW)\n",
		    kind, got == 2 ? "..." : "", sb.used > 0 ? strbuf_str(&sb) : "");
		strbuf_release(&sb);
		return -EINVAL;
	}
	return 0;
}

/* The kind of @e for --only: a module change, a modinfo key, a symbol change... */
static bool kind_matches(const struct mtd_entry *e, const char *kind)
{
	const struct class_info *c = &classes[e->cls];

	if (c->group != NULL && streq(kind, c->group))
		return true;
	return streq(kind, c->kind != NULL ? c->kind : e->key);
}

static bool only_matches(const struct diff_opts *o, const struct mtd_entry *e)
{
	const char *p = o->only;
	char kind[ONLY_KIND_MAX];

	if (p == NULL)
		return true;
	int got;

	while ((got = only_next(&p, kind)) > 0)
		if (got == 1 && kind_matches(e, kind))
			return true;
	return false;
}

static bool glob_any(const struct diff_opts *o, const char *s)
{
	for (size_t i = 0; s != NULL && i < o->n_ignore; i++)
		if (fnmatch(o->ignore[i], s, 0) == 0)
			return true;
	return false;
}

/* --ignore: the module, the symbol, or the alias matches a pattern. */
static bool ignored(const struct diff_opts *o, const struct mtd_entry *e)
{
	if (glob_any(o, e->module))
		return true;
	if (is_symbol_class(e->cls) || e->cls == MTD_UNRESOLVED)
		return glob_any(o, e->key);
	if (is_field_class(e->cls) && streq(e->key, "alias"))
		return glob_any(o, e->old) || glob_any(o, e->new);
	return false;
}

/* Drop what --only and --ignore leave out; the count left. */
static size_t filter(const struct diff_opts *o, struct modtree_diff *d)
{
	size_t w = 0;

	for (size_t i = 0; i < d->n; i++)
		if (only_matches(o, &d->v[i]) && !ignored(o, &d->v[i]))
			d->v[w++] = d->v[i];
	d->n = w;
	return w;
}

/* ---- text ---- */

static const char *or_none(const char *s)
{
	return s != NULL ? s : "-";
}

static void print_entry(const struct mtd_entry *e)
{
	switch (e->cls) {
	case MTD_MODULE_ADDED:
	case MTD_MODULE_REMOVED:
		printf("  %s %s\n", e->module,
		       e->cls == MTD_MODULE_ADDED ? e->new : e->old);
		break;
	case MTD_MODULE_MOVED:
	case MTD_MODULE_BUILTIN:
	case MTD_MODULE_LOADABLE:
	case MTD_MODULE_RECOMPRESSED:
		printf("  %s %s -> %s\n", e->module, e->old, e->new);
		break;
	case MTD_FIELD_ADDED:
	case MTD_FIELD_REMOVED:
		printf("  %s %s: %s\n", e->module, e->key,
		       e->cls == MTD_FIELD_ADDED ? e->new : e->old);
		break;
	case MTD_FIELD_CHANGED:
		printf("  %s %s: %s -> %s\n", e->module, e->key, or_none(e->old),
		       or_none(e->new));
		break;
	case MTD_SYMBOL_ADDED:
	case MTD_SYMBOL_REMOVED:
		printf("  %s %s\n", e->key, e->module);
		break;
	case MTD_SYMBOL_CRC:
		printf("  %s %s 0x%08" PRIx64 " -> 0x%08" PRIx64 "\n", e->key, e->module,
		       e->old_crc, e->new_crc);
		break;
	case MTD_SYMBOL_NAMESPACE:
		printf("  %s %s %s -> %s\n", e->key, e->module, or_none(e->old),
		       or_none(e->new));
		break;
	case MTD_SYMBOL_MOVED:
		printf("  %s %s -> %s\n", e->key, e->old, e->new);
		break;
	case MTD_UNRESOLVED:
		printf("  %s %s\n", e->module, e->key);
		break;
	case MTD_CYCLE:
		printf("  %s\n", e->new);
		break;
	case MTD_INDEX_ADDED:
	case MTD_INDEX_REMOVED:
		printf("  %s %s\n", e->module,
		       e->cls == MTD_INDEX_ADDED ? e->new : e->old);
		break;
	case MTD_N_CLASSES:
		break;
	}
}

/*
 * Counts first, then the details, class by class; before them, when only
 * @side_with_syms ("OLD", "NEW") has kernel symbols, a note that says so.
 */
static void print_text(const struct modtree_diff *d, const char *side_with_syms)
{
	size_t count[MTD_N_CLASSES] = { 0 };

	for (size_t i = 0; i < d->n; i++)
		count[d->v[i].cls]++;
	if (d->n > 0 && side_with_syms != NULL)
		printf("note: only %s has kernel symbols (Module.symvers, System.map): "
		       "the kernel image's exports are not compared\n\n",
		       side_with_syms);
	for (int c = 0; c < MTD_N_CLASSES; c++)
		if (count[c] > 0)
			printf("%s: %zu\n", classes[c].label, count[c]);
	for (size_t i = 0; i < d->n; i++) {
		if (i == 0 || d->v[i].cls != d->v[i - 1].cls)
			printf("\n%s:\n", classes[d->v[i].cls].label);
		print_entry(&d->v[i]);
	}
}

/* ---- JSON (lib/json.h; the schema: man/mykmod.8, DIFF) ---- */

static void json_string_or_null(struct json_writer *w, const char *key, const char *s)
{
	json_key(w, key);
	if (s != NULL)
		json_string(w, s);
	else
		json_null(w);
}

static void json_crc(struct json_writer *w, const char *key, uint64_t crc)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "0x%08" PRIx64, crc);
	json_member_string(w, key, buf);
}

/* One entry of "modules" or "symbols": a name, or an object. */
static void json_item(struct json_writer *w, const struct mtd_entry *e)
{
	switch (e->cls) {
	case MTD_MODULE_ADDED:
	case MTD_MODULE_REMOVED:
	case MTD_MODULE_BUILTIN:
	case MTD_MODULE_LOADABLE:
		json_string(w, e->module);
		return;
	case MTD_UNRESOLVED:
		json_object_begin(w);
		json_member_string(w, "module", e->module);
		json_member_string(w, "symbol", e->key);
		json_object_end(w);
		return;
	default:
		break;
	}
	json_object_begin(w);
	json_member_string(w, "name", is_module_class(e->cls) ? e->module : e->key);
	if (e->cls == MTD_SYMBOL_CRC) {
		json_member_string(w, "module", e->module);
		json_crc(w, "old", e->old_crc);
		json_crc(w, "new", e->new_crc);
	} else if (e->cls == MTD_SYMBOL_ADDED || e->cls == MTD_SYMBOL_REMOVED) {
		json_member_string(w, "module", e->module);
	} else {
		if (e->cls == MTD_SYMBOL_NAMESPACE)
			json_member_string(w, "module", e->module);
		json_string_or_null(w, "old", e->old);
		json_string_or_null(w, "new", e->new);
	}
	json_object_end(w);
}

/* "KEY": [every entry of class @cls] */
static void json_class(struct json_writer *w, const struct modtree_diff *d,
		       const char *key, enum mtd_class cls)
{
	json_key(w, key);
	json_array_begin(w);
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].cls == cls)
			json_item(w, &d->v[i]);
	json_array_end(w);
}

static int cmp_field_entry(const void *a, const void *b)
{
	const struct mtd_entry *x = *(const struct mtd_entry *const *)a;
	const struct mtd_entry *y = *(const struct mtd_entry *const *)b;
	int c = strcmp(x->module, y->module);

	if (c == 0)
		c = strcmp(x->key, y->key);
	return c ? c : x < y ? -1 : x > y; /* the pointers are into d->v: stable */
}

/*
 * "added": [the new values of the @added entries], "removed": [the old values of
 * the @removed ones], from the @n entries @v
 */
static void json_added_removed(struct json_writer *w, const struct mtd_entry *const *v,
			       size_t n, enum mtd_class added, enum mtd_class removed)
{
	json_key(w, "added");
	json_array_begin(w);
	for (size_t i = 0; i < n; i++)
		if (v[i]->cls == added)
			json_string(w, v[i]->new);
	json_array_end(w);
	json_key(w, "removed");
	json_array_begin(w);
	for (size_t i = 0; i < n; i++)
		if (v[i]->cls == removed)
			json_string(w, v[i]->old);
	json_array_end(w);
}

/* The values of one key of one module: added/removed, or old/new. */
static void json_key_change(struct json_writer *w, const struct mtd_entry *const *v,
			    size_t n)
{
	json_key(w, v[0]->key);
	json_object_begin(w);
	if (v[0]->cls == MTD_FIELD_CHANGED) {
		json_string_or_null(w, "old", v[0]->old);
		json_string_or_null(w, "new", v[0]->new);
	} else {
		json_added_removed(w, v, n, MTD_FIELD_ADDED, MTD_FIELD_REMOVED);
	}
	json_object_end(w);
}

/* "changed": {MODULE: {KEY: ...}}, modules and keys sorted. */
static int json_changed(struct json_writer *w, const struct modtree_diff *d)
{
	_cleanup_free_ const struct mtd_entry **v = calloc(d->n + 1, sizeof(*v));
	size_t n = 0;

	if (v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < d->n; i++)
		if (is_field_class(d->v[i].cls))
			v[n++] = &d->v[i];
	qsort(v, n, sizeof(*v), cmp_field_entry);
	json_key(w, "changed");
	json_object_begin(w);
	for (size_t i = 0, j; i < n; i = j) {
		if (i == 0 || !streq(v[i]->module, v[i - 1]->module)) {
			json_key(w, v[i]->module);
			json_object_begin(w);
		}
		for (j = i; j < n && streq(v[j]->module, v[i]->module) &&
			    streq(v[j]->key, v[i]->key);
		     j++)
			;
		json_key_change(w, v + i, j - i);
		if (j == n || !streq(v[j]->module, v[i]->module))
			json_object_end(w);
	}
	json_object_end(w);
	return 0;
}

static int cmp_by_module(const void *a, const void *b)
{
	const struct mtd_entry *x = *(const struct mtd_entry *const *)a;
	const struct mtd_entry *y = *(const struct mtd_entry *const *)b;
	int c = strcmp(x->module, y->module);

	return c ? c : x < y ? -1 : x > y; /* the pointers are into d->v: stable */
}

/* The added and removed entries of one index file. */
static void json_index(struct json_writer *w, const struct mtd_entry *const *v, size_t n)
{
	json_key(w, v[0]->module);
	json_object_begin(w);
	json_added_removed(w, v, n, MTD_INDEX_ADDED, MTD_INDEX_REMOVED);
	json_object_end(w);
}

/* "indexes": {FILE: {"added": [ENTRY...], "removed": [ENTRY...]}} */
static int json_indexes(struct json_writer *w, const struct modtree_diff *d)
{
	_cleanup_free_ const struct mtd_entry **v = calloc(d->n + 1, sizeof(*v));
	size_t n = 0;

	if (v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].cls == MTD_INDEX_ADDED || d->v[i].cls == MTD_INDEX_REMOVED)
			v[n++] = &d->v[i];
	qsort(v, n, sizeof(*v), cmp_by_module);
	json_key(w, "indexes");
	json_object_begin(w);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i; j < n && streq(v[j]->module, v[i]->module); j++)
			;
		json_index(w, v + i, j - i);
	}
	json_object_end(w);
	return 0;
}

static void json_cycles(struct json_writer *w, const struct modtree_diff *d)
{
	json_key(w, "cycles");
	json_array_begin(w);
	for (size_t i = 0; i < d->n; i++) {
		const char *p = d->v[i].new;

		if (d->v[i].cls != MTD_CYCLE)
			continue;
		json_array_begin(w);
		while (*p != '\0') {
			size_t len = strcspn(p, " ");

			json_string_len(w, p, len);
			p += len + (p[len] == ' ');
		}
		json_array_end(w);
	}
	json_array_end(w);
}

static int print_json(const struct modtree_diff *d)
{
	static const struct {
		const char *key;
		enum mtd_class cls;
	} mods[] = { { "added", MTD_MODULE_ADDED },
		     { "removed", MTD_MODULE_REMOVED },
		     { "moved", MTD_MODULE_MOVED },
		     { "builtin", MTD_MODULE_BUILTIN },
		     { "loadable", MTD_MODULE_LOADABLE },
		     { "recompressed", MTD_MODULE_RECOMPRESSED } },
	  syms[] = { { "added", MTD_SYMBOL_ADDED },
		     { "removed", MTD_SYMBOL_REMOVED },
		     { "crc_changed", MTD_SYMBOL_CRC },
		     { "namespace_changed", MTD_SYMBOL_NAMESPACE },
		     { "moved", MTD_SYMBOL_MOVED } };
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	int r;

	json_init(&w, &sb);
	json_object_begin(&w);
	json_key(&w, "modules");
	json_object_begin(&w);
	for (size_t i = 0; i < ARRAY_SIZE(mods); i++)
		json_class(&w, d, mods[i].key, mods[i].cls);
	json_object_end(&w);
	r = json_changed(&w, d);
	json_key(&w, "symbols");
	json_object_begin(&w);
	for (size_t i = 0; i < ARRAY_SIZE(syms); i++)
		json_class(&w, d, syms[i].key, syms[i].cls);
	json_object_end(&w);
	json_key(&w, "kernel_image_compared");
	json_bool(&w, !d->image_not_compared);
	json_class(&w, d, "unresolved", MTD_UNRESOLVED);
	json_cycles(&w, d);
	if (r == 0)
		r = json_indexes(&w, d);
	json_object_end(&w);
	if (r == 0)
		r = json_finish(&w);
	if (r == 0 &&
	    (fwrite(sb.buf, 1, sb.used, stdout) != sb.used || putchar('\n') == EOF))
		r = -EIO;
	strbuf_release(&sb);
	return r;
}

/* ---- options ---- */

static void help(void)
{
	printf("Usage:\n"
	       "\tmykmod diff [options] OLD NEW\n"
	       "OLD and NEW: a root holding lib/modules/VER or usr/lib/modules/VER, a\n"
	       "module directory, or a kernel package (.deb, .rpm) read in place; a\n"
	       "module directory with only index files (modules.*.bin) compares them,\n"
	       "entry by entry.\n"
	       "Options:\n"
	       "\t-k, --kver=VER       the kernel version under a root (or in a "
	       "package)\n"
	       "\t                     with several\n"
	       "\t-J, --json           one JSON object (schema: mykmod(8))\n"
	       "\t-E, --symvers=FILE   the kernel's Module.symvers, or a headers "
	       "package\n"
	       "\t                     holding it (twice: OLD's, NEW's)\n"
	       "\t-F, --filesyms=FILE  the kernel's System.map, or an image package\n"
	       "\t                     holding it (twice: OLD's, NEW's)\n"
	       "\t    --ignore=FILE    glob patterns of modules, symbols, aliases to "
	       "leave out\n"
	       "\t    --only=KINDS     only these kinds (comma-separated: modules, "
	       "added,\n"
	       "\t                     removed, moved, builtin, recompressed, fields or "
	       "a\n"
	       "\t                     modinfo key, symbols, crc, namespace, "
	       "unresolved,\n"
	       "\t                     cycles, indexes); another word is an "
	       "error\n"
	       "\t-h, --help           this help\n"
	       "Exit status: 0 the same, 1 different, 2 trouble.\n");
}

/* --ignore FILE: one glob a line; blank lines and '#' comments skipped. */
static int read_ignore(struct diff_opts *o, const char *path)
{
	size_t len;
	char *save = NULL;
	int r;

	r = read_file_full(AT_FDCWD, path, &o->ignore_buf, &len);
	if (r < 0) {
		ERR("%s: %s\n", path, strerror(-r));
		return r;
	}
	for (char *l = strtok_r(o->ignore_buf, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(l);
		char **a;

		while (n > 0 && (l[n - 1] == ' ' || l[n - 1] == '\t' || l[n - 1] == '\r'))
			l[--n] = '\0';
		l += strspn(l, " \t");
		if (l[0] == '\0' || l[0] == '#')
			continue;
		a = reallocarray(o->ignore, o->n_ignore + 1, sizeof(*a));
		if (a == NULL)
			return -ENOMEM;
		o->ignore = a;
		a[o->n_ignore++] = l;
	}
	return 0;
}

enum { OPT_IGNORE = 256, OPT_ONLY };

static bool add_kernel_syms(struct diff_opts *o, int c, const char *path)
{
	unsigned int *n = c == 'E' ? &o->n_symvers : &o->n_system_map;

	if (*n == 2) {
		ERR("-%c: at most twice (OLD's, then NEW's)\n", c);
		return false;
	}
	(c == 'E' ? o->symvers : o->system_map)[(*n)++] = path;
	return true;
}

static int parse_args(int argc, char *argv[], struct diff_opts *o)
{
	static const struct option longopts[] = {
		{ "kver", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'J' },
		{ "symvers", required_argument, NULL, 'E' },
		{ "filesyms", required_argument, NULL, 'F' },
		{ "ignore", required_argument, NULL, OPT_IGNORE },
		{ "only", required_argument, NULL, OPT_ONLY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0; /* a fresh scan of our own argv, whatever mykmod's getopt left */
	while ((c = getopt_long(argc, argv, "k:JE:F:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'E':
		case 'F':
			if (!add_kernel_syms(o, c, optarg))
				return DIFF_TROUBLE;
			break;
		case 'k':
			o->kver = optarg;
			break;
		case 'J':
			o->json = true;
			break;
		case OPT_IGNORE:
			if (read_ignore(o, optarg) < 0)
				return DIFF_TROUBLE;
			break;
		case OPT_ONLY:
			o->only = optarg;
			if (only_check(o, NULL, NULL) < 0)
				return DIFF_TROUBLE;
			break;
		case 'h':
			help();
			return DIFF_SAME;
		default:
			return DIFF_TROUBLE;
		}
	}
	if (argc - optind != 2) {
		ERR("diff needs two trees: OLD NEW (see --help)\n");
		return DIFF_TROUBLE;
	}
	return -1;
}

/* The options of @side: 0 OLD, 1 NEW. */
static struct modtree_opts side_opts(unsigned int side, const struct diff_opts *o)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	return (struct modtree_opts){
		.kver = o->kver,
		.symvers = o->n_symvers ? o->symvers[o->n_symvers == 2 ? side : 0] : NULL,
		.system_map = o->n_system_map
				      ? o->system_map[o->n_system_map == 2 ? side : 0]
				      : NULL,
		.n_threads = ncpu > 0 ? (unsigned int)ncpu : 1,
		.log = &tool_log,
	};
}

static int run(const struct diff_opts *o, const char *old_path, const char *new_path)
{
	const struct modtree_opts mo[2] = { side_opts(0, o), side_opts(1, o) };
	struct modtree *side[2] = { NULL, NULL }, *old, *new;
	struct modtree_diff d = { 0 };
	int r, status = DIFF_TROUBLE;

	/*
	 * Each module's reader takes and frees a buffer of the file's size among the
	 * models' many small blocks, which stay (lib/modfile.c): memory that malloc
	 * gives back to the kernel, or maps anew for a big buffer, costs page faults
	 * again for the next module. Keep what the run took until it ends.
	 */
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	r = modtree_load_pair((const char *const[2]){ old_path, new_path }, mo, side);
	old = side[0];
	new = side[1];
	/* an index set compares with the other side's index set */
	if (r == 0)
		r = only_check(o, old, new);
	if (r == 0 && (old->index_only || new->index_only)) {
		r = modtree_load_indexes(old, &tool_log);
		if (r == 0)
			r = modtree_load_indexes(new, &tool_log);
	}
	if (r == 0) {
		r = modtree_diff(old, new, &d);
		if (r < 0)
			ERR("comparing %s and %s: %s\n", old_path, new_path,
			    strerror(-r));
	}
	if (r == 0) {
		status = filter(o, &d) > 0 ? DIFF_DIFFERENT : DIFF_SAME;
		if (o->json)
			r = print_json(&d);
		else
			print_text(&d, !d.image_not_compared  ? NULL
				       : old->has_kernel_syms ? "OLD"
							      : "NEW");
		if (fflush(stdout) != 0 || r < 0) {
			ERR("writing the output: %s\n", strerror(r < 0 ? -r : errno));
			status = DIFF_TROUBLE;
		}
	}
	modtree_diff_release(&d);
	modtree_free_pair(side);
	return status;
}

int mykmod_diff_main(int argc, char *argv[])
{
	struct diff_opts o = { 0 };
	int status = parse_args(argc, argv, &o);

	if (status < 0)
		status = run(&o, argv[optind], argv[optind + 1]);
	free(o.ignore);
	free(o.ignore_buf);
	return status;
}
