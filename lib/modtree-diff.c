// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Comparing two lib/modtree.h models (lib/modtree-diff.h): sorted merges of the
 * modules, of each module's fields, of the symbol tables, of the unresolved
 * symbols and of the cycles. Two threads share the work (docs/mykmod-diff.md §4).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "modtree-diff.h"

bool mtd_key_is_set(const char *key)
{
	static const char *const sets[] = { "alias",	 "author", "depends", "firmware",
					    "import_ns", "parm",   "softdep", "weakdep" };

	for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
		if (streq(key, sets[i]))
			return true;
	return false;
}

static int push(struct modtree_diff *d, enum mtd_class cls, const char *module,
		const char *key, const char *old, const char *new)
{
	if (ARRAY_GROW(d->v, d->n, d->cap, 64) < 0)
		return -ENOMEM;
	d->v[d->n++] = (struct mtd_entry){ cls, module, key, old, new, 0, 0 };
	return 0;
}

static int cmp_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b ? 0 : a == NULL ? -1 : 1;
	return strcmp(a, b);
}

/* Added and removed values of two sorted string arrays. */
static int diff_sets(struct modtree_diff *d, const char *module, const char *key,
		     const char *const *a, size_t na, const char *const *b, size_t nb)
{
	size_t i = 0, j = 0;
	int r = 0;

	while (r == 0 && (i < na || j < nb)) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i], b[j]);

		if (c < 0)
			r = push(d, MTD_FIELD_REMOVED, module, key, a[i++], NULL);
		else if (c > 0)
			r = push(d, MTD_FIELD_ADDED, module, key, NULL, b[j++]);
		else
			i++, j++;
	}
	return r;
}

/* The values of one key: a run of fields. */
static int diff_key(struct modtree_diff *d, const char *module, const char *key,
		    const struct modtree_field *a, size_t na,
		    const struct modtree_field *b, size_t nb, bool sets_only)
{
	const char **va, **vb;
	int r;

	if (!mtd_key_is_set(key) && na <= 1 && nb <= 1) {
		const char *o = na ? a->value : NULL, *n = nb ? b->value : NULL;

		if (sets_only || cmp_null(o, n) == 0)
			return 0;
		return push(d, MTD_FIELD_CHANGED, module, key, o, n);
	}
	if (sets_only && !mtd_key_is_set(key))
		return 0;
	va = calloc(na + 1, sizeof(*va));
	vb = calloc(nb + 1, sizeof(*vb));
	r = va && vb ? 0 : -ENOMEM;
	for (size_t i = 0; i < na; i++)
		va[i] = a[i].value;
	for (size_t i = 0; i < nb; i++)
		vb[i] = b[i].value;
	if (r == 0)
		r = diff_sets(d, module, key, va, na, vb, nb);
	free(va);
	free(vb);
	return r;
}

static size_t key_run(const struct modtree_field *f, size_t n, size_t i)
{
	size_t j = i;

	while (j < n && streq(f[j].key, f[i].key))
		j++;
	return j - i;
}

/* @sets_only: between a builtin and a loadable module, only the set-valued keys. */
static int diff_fields(struct modtree_diff *d, const struct modtree_module *a,
		       const struct modtree_module *b, bool sets_only)
{
	size_t i = 0, j = 0;
	int r = 0;

	/* the very same fields (of a file both sides have: lib/modtree-share.c) */
	if (a->fields == b->fields && a->n_fields == b->n_fields)
		i = a->n_fields, j = b->n_fields;
	while (r == 0 && (i < a->n_fields || j < b->n_fields)) {
		int c = i == a->n_fields   ? 1
			: j == b->n_fields ? -1
					   : strcmp(a->fields[i].key, b->fields[j].key);
		size_t ra = c <= 0 ? key_run(a->fields, a->n_fields, i) : 0;
		size_t rb = c >= 0 ? key_run(b->fields, b->n_fields, j) : 0;
		const char *key = c <= 0 ? a->fields[i].key : b->fields[j].key;

		r = diff_key(d, b->name, key, ra ? a->fields + i : NULL, ra,
			     rb ? b->fields + j : NULL, rb, sets_only);
		i += ra;
		j += rb;
	}
	if (r == 0 && !sets_only)
		r = diff_sets(d, b->name, "depends", a->depends, a->n_depends, b->depends,
			      b->n_depends);
	return r;
}

/* The length of @path without a compression suffix: moving is not recompressing. */
static size_t plain_len(const char *path)
{
	static const char *const sfx[] = { ".gz", ".xz", ".zst" };
	size_t len = strlen(path);

	for (size_t i = 0; i < ARRAY_SIZE(sfx); i++)
		if (strendswith(path, sfx[i]))
			return len - strlen(sfx[i]);
	return len;
}

static bool same_place(const char *a, const char *b)
{
	size_t la = plain_len(a);

	return la == plain_len(b) && memcmp(a, b, la) == 0;
}

static const char *comp_name(enum mk_compression c)
{
	return c == MK_COMPRESSION_NONE ? "none" : mk_compression_name(c);
}

static int diff_module(struct modtree_diff *d, const struct modtree_module *a,
		       const struct modtree_module *b)
{
	int r = 0;

	if (a->builtin != b->builtin)
		r = b->builtin
			    ? push(d, MTD_MODULE_BUILTIN, b->name, NULL, a->path, b->path)
			    : push(d, MTD_MODULE_LOADABLE, b->name, NULL, a->path,
				   b->path);
	else if (!same_place(a->path, b->path))
		r = push(d, MTD_MODULE_MOVED, b->name, NULL, a->path, b->path);
	if (r == 0 && !a->builtin && !b->builtin && a->comp != b->comp)
		r = push(d, MTD_MODULE_RECOMPRESSED, b->name, NULL, comp_name(a->comp),
			 comp_name(b->comp));
	if (r == 0)
		r = diff_fields(d, a, b, a->builtin != b->builtin);
	return r;
}

/* The modules of OLD from @i to @ni, and of NEW from @j to @nj. */
static int diff_modules(struct modtree_diff *d, const struct modtree *a, size_t i,
			size_t ni, const struct modtree *b, size_t j, size_t nj)
{
	int r = 0;

	while (r == 0 && (i < ni || j < nj)) {
		int c = i == ni	  ? 1
			: j == nj ? -1
				  : strcmp(a->mods[i].name, b->mods[j].name);

		if (c < 0) {
			r = push(d, MTD_MODULE_REMOVED, a->mods[i].name, NULL,
				 a->mods[i].path, NULL);
			i++;
		} else if (c > 0) {
			r = push(d, MTD_MODULE_ADDED, b->mods[j].name, NULL, NULL,
				 b->mods[j].path);
			j++;
		} else {
			r = diff_module(d, &a->mods[i++], &b->mods[j++]);
		}
	}
	return r;
}

/*
 * Whether the CRC and namespace of @s are known: a module's own, or the kernel's
 * from Module.symvers (System.map has names only).
 */
static bool crc_known(const struct modtree *t, const struct modtree_export *s)
{
	return !streq(s->module, "vmlinux") || t->has_crcs;
}

static int diff_symbol(struct modtree_diff *d, const struct modtree *ta,
		       const struct modtree_export *a, const struct modtree *tb,
		       const struct modtree_export *b)
{
	int r = 0;

	if (!streq(a->module, b->module))
		r = push(d, MTD_SYMBOL_MOVED, b->module, b->name, a->module, b->module);
	if (r == 0 && a->crc != b->crc && crc_known(ta, a) && crc_known(tb, b)) {
		r = push(d, MTD_SYMBOL_CRC, b->module, b->name, NULL, NULL);
		if (r == 0) {
			d->v[d->n - 1].old_crc = a->crc;
			d->v[d->n - 1].new_crc = b->crc;
		}
	}
	if (r == 0 && cmp_null(a->ns, b->ns) != 0 && crc_known(ta, a) && crc_known(tb, b))
		r = push(d, MTD_SYMBOL_NAMESPACE, b->module, b->name, a->ns, b->ns);
	return r;
}

/* The next symbol of @v from *@i on that is compared: @image, or no kernel's. */
static void skip_image(const struct modtree_export *v, size_t n, size_t *i, bool image)
{
	while (!image && *i < n && streq(v[*i].module, "vmlinux"))
		(*i)++;
}

/*
 * Exports added, removed, changed. The kernel image's count only when both sides
 * know them (docs/mykmod-diff.md §3): with one side's only, every one of them would
 * be added or removed, or moved from or to a module, though nothing moved.
 */
static int diff_symbols(struct modtree_diff *d, const struct modtree *a,
			const struct modtree *b)
{
	const struct modtree_export *sa = a->symbols, *sb = b->symbols;
	bool image = a->has_kernel_syms == b->has_kernel_syms;
	size_t i = 0, j = 0;
	int r = 0;

	d->image_not_compared = !image;
	for (;;) {
		int c;

		skip_image(sa, a->n_symbols, &i, image);
		skip_image(sb, b->n_symbols, &j, image);
		if (r < 0 || (i == a->n_symbols && j == b->n_symbols))
			break;
		c = i == a->n_symbols	? 1
		    : j == b->n_symbols ? -1
					: strcmp(sa[i].name, sb[j].name);
		if (c < 0) {
			r = push(d, MTD_SYMBOL_REMOVED, sa[i].module, sa[i].name, NULL,
				 NULL);
			i++;
		} else if (c > 0) {
			r = push(d, MTD_SYMBOL_ADDED, sb[j].module, sb[j].name, NULL,
				 NULL);
			j++;
		} else {
			r = diff_symbol(d, a, &sa[i++], b, &sb[j++]);
		}
	}
	return r;
}

static bool str_in(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (streq(v[i], s))
			return true;
	return false;
}

/*
 * Is @sym in @v (@n sorted strings), at *@i or after? *@i moves on past the
 * strings before @sym: called with ascending @sym, one pass over @v in all.
 */
static bool sorted_has(const char *const *v, size_t n, size_t *i, const char *sym)
{
	int c = 1;

	while (*i < n && (c = strcmp(v[*i], sym)) < 0)
		(*i)++;
	return *i < n && c == 0;
}

/*
 * Is @sym, which nothing in NEW resolves for @ma's successor, newly unresolved
 * (@was: unresolved for @ma too)? With NEW's kernel symbols: when it was resolved
 * in OLD (@ma NULL: a new module). Without them the kernel's exports are unknown:
 * when a module of OLD exported it, so that removing a library module is seen
 * either way. One unresolved for @ma is in no table of OLD (lib/modtree.c), so
 * no module of OLD exported it.
 */
static bool newly_unresolved(const struct modtree *a, const struct modtree *b,
			     const struct modtree_module *ma, const char *sym, bool was)
{
	const struct modtree_export *e;

	if (b->has_kernel_syms)
		return ma == NULL || !was;
	if (was)
		return false;
	e = modtree_find_symbol(a, sym);
	return e != NULL && !streq(e->module, "vmlinux");
}

/* The same names in the same order: a module file both sides have, or a copy. */
static bool same_names(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (a[i] != b[i] && !streq(a[i], b[i]))
			return false;
	return true;
}

/* A sorted copy of the names @v, each once, in *@out (freed by the caller). */
static int sorted_copy(const char *const *v, size_t n, const char ***out, size_t *n_out)
{
	*out = malloc((n ? n : 1) * sizeof(**out));
	if (*out == NULL)
		return -ENOMEM;
	if (n > 0)
		memcpy(*out, v, n * sizeof(*v));
	*n_out = modtree_sort_names(*out, n);
	return 0;
}

/* @mb's unresolved symbols that OLD resolved (@ma: its module in OLD, or NULL). */
static int diff_module_unresolved(struct modtree_diff *d, const struct modtree *a,
				  const struct modtree *b,
				  const struct modtree_module *ma,
				  const struct modtree_module *mb)
{
	const char **va = NULL, **vb = NULL;
	size_t na = 0, nb = 0, i = 0;
	int r;

	/* every symbol was unresolved in OLD too: nothing is newly unresolved */
	if (ma != NULL && same_names(ma->unresolved, ma->n_unresolved, mb->unresolved,
				     mb->n_unresolved))
		return 0;
	r = sorted_copy(mb->unresolved, mb->n_unresolved, &vb, &nb);
	if (r == 0 && ma != NULL)
		r = sorted_copy(ma->unresolved, ma->n_unresolved, &va, &na);
	for (size_t k = 0; k < nb && r == 0; k++) {
		bool was = ma != NULL && sorted_has(va, na, &i, vb[k]);

		if (newly_unresolved(a, b, ma, vb[k], was))
			r = push(d, MTD_UNRESOLVED, mb->name, vb[k], NULL, NULL);
	}
	free(va);
	free(vb);
	return r;
}

/* Needed symbols nothing in NEW exports that OLD resolved: NEW's modules @j to @nj. */
static int diff_unresolved(struct modtree_diff *d, const struct modtree *a,
			   const struct modtree *b, size_t j, size_t nj)
{
	int r = 0;

	for (; j < nj && r == 0; j++)
		if (b->mods[j].n_unresolved > 0)
			r = diff_module_unresolved(
				d, a, b, modtree_find(a, b->mods[j].name), &b->mods[j]);
	return r;
}

/* Cycles new in NEW. */
static int diff_cycles(struct modtree_diff *d, const struct modtree *a,
		       const struct modtree *b)
{
	int r = 0;

	for (size_t j = 0; j < b->n_cycles && r == 0; j++)
		if (!str_in((const char *const *)a->cycles, a->n_cycles, b->cycles[j]))
			r = push(d, MTD_CYCLE, NULL, NULL, NULL, b->cycles[j]);
	return r;
}

static int diff_index(struct modtree_diff *d, const char *name,
		      const struct modtree_index *a, const struct modtree_index *b)
{
	size_t i = 0, j = 0, na = a ? a->n : 0, nb = b ? b->n : 0;
	int r = 0;

	while (r == 0 && (i < na || j < nb)) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a->entries[i], b->entries[j]);

		if (c < 0)
			r = push(d, MTD_INDEX_REMOVED, name, NULL, a->entries[i++], NULL);
		else if (c > 0)
			r = push(d, MTD_INDEX_ADDED, name, NULL, NULL, b->entries[j++]);
		else
			i++, j++;
	}
	return r;
}

/* Index files merged by name; one missing on a side has no entries there. */
static int diff_indexes(struct modtree_diff *d, const struct modtree *a,
			const struct modtree *b)
{
	size_t i = 0, j = 0;
	int r = 0;

	if (!a->indexes_loaded || !b->indexes_loaded)
		return -EINVAL;
	while (r == 0 && (i < a->n_indexes || j < b->n_indexes)) {
		const struct modtree_index *x = i < a->n_indexes ? &a->indexes[i] : NULL;
		const struct modtree_index *y = j < b->n_indexes ? &b->indexes[j] : NULL;
		int c = x == NULL ? 1 : y == NULL ? -1 : strcmp(x->name, y->name);

		r = diff_index(d, c <= 0 ? x->name : y->name, c <= 0 ? x : NULL,
			       c >= 0 ? y : NULL);
		i += c <= 0;
		j += c >= 0;
	}
	return r;
}

/*
 * Group the entries of @part (in this order) by class, keeping each class in the
 * order of the parts and of their merges, into @d.
 */
static int group_by_class(struct modtree_diff *d, const struct modtree_diff *part,
			  size_t n_parts)
{
	size_t n = 0, k = 0;
	struct mtd_entry *v;

	for (size_t p = 0; p < n_parts; p++)
		n += part[p].n;
	v = calloc(n + 1, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (int cls = 0; cls < MTD_N_CLASSES; cls++)
		for (size_t p = 0; p < n_parts; p++)
			for (size_t i = 0; i < part[p].n; i++)
				if ((int)part[p].v[i].cls == cls)
					v[k++] = part[p].v[i];
	d->v = v;
	d->n = n;
	d->cap = n + 1;
	return 0;
}

/*
 * One thread's share of the comparison of two trees: the modules of NEW from
 * @j to @nj (the merge of their fields, then their unresolved symbols) and those
 * of OLD between the same names (@i to @ni); the symbol tables, the cycles when
 * told.
 */
struct diff_part {
	const struct modtree *a, *b;
	size_t i, ni, j, nj;
	bool symbols, cycles;
	struct modtree_diff d;
	int r;
};

static void *diff_part_run(void *arg)
{
	struct diff_part *p = arg;
	int r;

	r = diff_modules(&p->d, p->a, p->i, p->ni, p->b, p->j, p->nj);
	if (r == 0)
		r = diff_unresolved(&p->d, p->a, p->b, p->j, p->nj);
	if (r == 0 && p->symbols)
		r = diff_symbols(&p->d, p->a, p->b);
	if (r == 0 && p->cycles)
		r = diff_cycles(&p->d, p->a, p->b);
	p->r = r;
	return NULL;
}

/* The first module of @t from whose name on @name would be: a lower bound. */
static size_t module_lower_bound(const struct modtree *t, const char *name)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(t->mods[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Below this many modules on a side a second thread costs more than it saves. */
#define DIFF_SPLIT_MIN 256

/*
 * The two halves of NEW's modules (and the modules of OLD up to the first name
 * of the second half, then the rest) on two threads: the module merges are
 * independent, and each part keeps the merges' order, so that the parts put end
 * to end are the single merge's entries. The first part also compares the
 * symbol tables, the second the cycles.
 */
static int diff_trees(struct modtree_diff *out, const struct modtree *a,
		      const struct modtree *b)
{
	struct diff_part part[2] = {
		{ a, b, 0, a->n, 0, b->n, true, true, { 0 }, 0 },
		{ a, b, a->n, a->n, b->n, b->n, false, false, { 0 }, 0 },
	};
	struct modtree_diff d[2];
	int r;

	if (a->n >= DIFF_SPLIT_MIN && b->n >= DIFF_SPLIT_MIN) {
		part[0].nj = part[1].j = b->n / 2;
		part[0].ni = part[1].i = module_lower_bound(a, b->mods[b->n / 2].name);
		part[0].cycles = false;
		part[1].cycles = true;
		mk_run_two(diff_part_run, &part[0], &part[1]);
	} else {
		diff_part_run(&part[0]); /* all of it: the second part is empty */
	}
	d[0] = part[0].d;
	d[1] = part[1].d;
	r = part[0].r < 0 ? part[0].r : part[1].r;
	if (r == 0)
		r = group_by_class(out, d, 2);
	out->image_not_compared = d[0].image_not_compared;
	modtree_diff_release(&d[0]);
	modtree_diff_release(&d[1]);
	return r;
}

int modtree_diff(const struct modtree *old, const struct modtree *new,
		 struct modtree_diff *out)
{
	struct modtree_diff d = { 0 };
	int r;

	*out = (struct modtree_diff){ 0 };
	if (old->index_only || new->index_only) {
		r = diff_indexes(&d, old, new);
		if (r == 0)
			r = group_by_class(out, &d, 1);
		modtree_diff_release(&d);
	} else {
		r = diff_trees(out, old, new);
	}
	if (r < 0)
		modtree_diff_release(out);
	return r;
}

void modtree_diff_release(struct modtree_diff *d)
{
	free(d->v);
	*d = (struct modtree_diff){ 0 };
}
