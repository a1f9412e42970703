// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The ELF symbols of a module file (lib/modsyms.h): the symbol table, the CRCs of
 * the __crc_ symbols, __ksymtab_strings and __versions, read through the section
 * access of lib/modfile.c (lib/modfile-internal.h). mydepmod reads every module of
 * a tree through here: the loops over the symbol table copy each wanted name once,
 * into one string pool per list, and nothing else.
 */
#include "config.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "modfile-internal.h"
#include "modsyms.h"
#include "util.h"

/* A growing array of modsym plus one string pool, freed together. */
struct symbuild {
	struct modsym *syms;
	size_t n, cap;
	struct strbuf_pool {
		char *buf;
		size_t used, cap;
	} pool;
	/* offsets of names in the pool, fixed up to pointers at the end */
	size_t *name_off;
};

static int symbuild_add(struct symbuild *b, const char *name, size_t len, uint64_t crc,
			char bind)
{
	size_t need;

	if (b->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 64;
		struct modsym *ns = realloc(b->syms, ncap * sizeof(*ns));
		size_t *no;

		if (ns == NULL)
			return -ENOMEM;
		b->syms = ns;
		no = realloc(b->name_off, ncap * sizeof(*no));
		if (no == NULL)
			return -ENOMEM;
		b->name_off = no;
		b->cap = ncap;
	}
	if (len > UINT32_MAX || uaddsz_overflow(b->pool.used, len + 1, &need))
		return -ENOMEM;
	if (need > b->pool.cap) {
		size_t ncap = b->pool.cap ? b->pool.cap : 1024;
		char *np;

		while (ncap < need)
			ncap *= 2;
		np = realloc(b->pool.buf, ncap);
		if (np == NULL)
			return -ENOMEM;
		b->pool.buf = np;
		b->pool.cap = ncap;
	}
	memcpy(b->pool.buf + b->pool.used, name, len);
	b->pool.buf[b->pool.used + len] = '\0';
	b->name_off[b->n] = b->pool.used;
	b->pool.used = need;
	b->syms[b->n].crc = crc;
	b->syms[b->n].bind = bind;
	b->syms[b->n].len = (uint32_t)len;
	b->n++;
	return 0;
}

static void symbuild_release(struct symbuild *b)
{
	free(b->syms);
	free(b->pool.buf);
	free(b->name_off);
	memset(b, 0, sizeof(*b));
}

/* Move into one allocation: the modsym array followed by the names. */
static int symbuild_finish(struct symbuild *b, struct symlist *out)
{
	size_t arr, total;
	uint8_t *block;

	if (umulsz_overflow(b->n, sizeof(struct modsym), &arr) ||
	    uaddsz_overflow(arr, b->pool.used, &total))
		return -ENOMEM;
	block = malloc(total ? total : 1);
	if (block == NULL)
		return -ENOMEM;
	out->syms = (struct modsym *)block;
	out->n = b->n;
	if (b->n)
		memcpy(block, b->syms, arr);
	if (b->pool.used)
		memcpy(block + arr, b->pool.buf, b->pool.used);
	for (size_t i = 0; i < b->n; i++)
		out->syms[i].name = (const char *)block + arr + b->name_off[i];
	symbuild_release(b);
	return 0;
}

static char elf_bind_char(unsigned char bind)
{
	switch (bind) {
	case STB_LOCAL:
		return 'L';
	case STB_GLOBAL:
		return 'G';
	case STB_WEAK:
		return 'W';
	}
	return 'U';
}

struct symtab {
	const void *syms; /* Elf32_Sym or Elf64_Sym, in host order */
	bool is64;
	bool usable; /* libelf gave it as a symbol table */
	size_t count;
	const char *strings;
	/* a name must start before this (just past the last NUL) to be terminated */
	size_t names_end;
};

/* what is used of a symbol, whatever the class */
struct sym {
	uint64_t value;
	uint32_t name;
	uint16_t shndx;
	unsigned char info;
};

/* Read the symbol table and what goes with it in as few preads as possible. */
static int prefetch_symbols(struct modfile *mf)
{
	/*
	 * .modinfo too: whoever reads symbols (depmod) reads it, and in kbuild's layout
	 * it sits next to __versions, so it usually comes in the same pread
	 */
	static const int group[] = { SEC_SYMTAB,	  SEC_STRTAB,  SEC_VERSIONS,
				     SEC_KSYMTAB_STRINGS, SEC_KCRCTAB, SEC_KCRCTAB_GPL,
				     SEC_MODINFO };
	struct range rs[ARRAY_SIZE(group)];
	size_t n = 0;

	if (!mf->sparse)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(group); i++) {
		Elf_Scn *scn;
		GElf_Shdr sh;

		if (mf->sec[group[i]] == 0)
			continue;
		scn = elf_getscn(mf->elf, mf->sec[group[i]]);
		if (scn == NULL || gelf_getshdr(scn, &sh) == NULL)
			continue;
		/* mf_elf_load() only records sections that fit in the file */
		rs[n].off = sh.sh_offset;
		rs[n].end = sh.sh_offset + sh.sh_size;
		n++;
	}
	return mf_ensure_ranges(mf, rs, n);
}

static int symtab_load(struct modfile *mf, struct symtab *st)
{
	GElf_Shdr sh;
	Elf_Data *data;
	const uint8_t *strs, *last_nul;
	size_t strsize, entsize;
	Elf_Scn *scn;
	int r;

	if (mf->sec[SEC_SYMTAB] == 0 || mf->sec[SEC_STRTAB] == 0)
		return -ENODATA;
	r = prefetch_symbols(mf);
	if (r < 0)
		return r;
	r = mf_section_bytes(mf, mf->sec[SEC_STRTAB], &strs, &strsize, NULL);
	if (r < 0)
		return r;
	scn = elf_getscn(mf->elf, mf->sec[SEC_SYMTAB]);
	if (scn == NULL || gelf_getshdr(scn, &sh) == NULL || sh.sh_type == SHT_NOBITS ||
	    !range_valid(sh.sh_offset, sh.sh_size, mf->size))
		return -EINVAL;
	entsize = mf->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
	if (sh.sh_size % entsize != 0)
		return -EINVAL;
	r = mf_ensure_range(mf, sh.sh_offset, sh.sh_size);
	if (r < 0)
		return r;
	/* elf_getdata converts to host order (and aligns) when it is a real symtab */
	data = elf_getdata(scn, NULL);
	if (data == NULL || data->d_size != sh.sh_size)
		return -EINVAL;
	st->syms = data->d_buf;
	st->is64 = mf->is64;
	st->usable = data->d_type == ELF_T_SYM;
	st->count = sh.sh_size / entsize;
	st->strings = (const char *)strs;
	last_nul = strsize ? memrchr(strs, '\0', strsize) : NULL;
	st->names_end = last_nul ? (size_t)(last_nul - strs) + 1 : 0;
	return 0;
}

/* The name of @sym, or NULL when its offset or terminator is out of range. */
static inline const char *symtab_name(const struct symtab *st, const struct sym *sym)
{
	return sym->name < st->names_end ? st->strings + sym->name : NULL;
}

static inline int symtab_get(const struct symtab *st, size_t i, struct sym *sym)
{
	if (!st->usable || i >= st->count)
		return -EINVAL;
	if (st->is64) {
		const Elf64_Sym *e = (const Elf64_Sym *)st->syms + i;

		sym->value = e->st_value;
		sym->name = e->st_name;
		sym->shndx = e->st_shndx;
		sym->info = e->st_info;
	} else {
		const Elf32_Sym *e = (const Elf32_Sym *)st->syms + i;

		sym->value = e->st_value;
		sym->name = e->st_name;
		sym->shndx = e->st_shndx;
		sym->info = e->st_info;
	}
	return 0;
}

/* CRC of a __crc_ symbol: its value, or the u32 it points at (kmod: -1 if out of range).
 */
static uint64_t resolve_crc(struct modfile *mf, const struct sym *sym)
{
	const uint8_t *data;
	size_t size;

	if (sym->shndx == SHN_ABS || sym->shndx == SHN_UNDEF)
		return sym->value;
	if (sym->shndx >= mf->shnum ||
	    mf_section_bytes(mf, sym->shndx, &data, &size, NULL) < 0)
		return (uint64_t)-1;
	if (size < sizeof(uint32_t) || sym->value > size - sizeof(uint32_t))
		return (uint64_t)-1;
	return read_uint(mf, data + sym->value, sizeof(uint32_t));
}

/*
 * "__crc_" and at least one more character. @name is terminated, so each test
 * stops at its NUL at the latest; cheaper than strncmp on every symbol.
 */
static inline bool is_crc_name(const char *name)
{
	return name[0] == '_' && name[1] == '_' && name[2] == 'c' && name[3] == 'r' &&
	       name[4] == 'c' && name[5] == '_' && name[6] != '\0';
}

static int exports_from_ksymtab_strings(struct modfile *mf, struct symbuild *b)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ const char **strs = NULL;
	const uint8_t *data;
	size_t size, n;
	int r;

	if (mf->sec[SEC_KSYMTAB_STRINGS] == 0)
		return 0;
	r = mf_section_bytes(mf, mf->sec[SEC_KSYMTAB_STRINGS], &data, &size, NULL);
	if (r < 0)
		return r;
	r = mf_split_strings(data, size, &buf, &strs, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = symbuild_add(b, strs[i], strlen(strs[i]), 0, 'G');
		if (r < 0)
			return r;
	}
	return 0;
}

static int load_exports(struct modfile *mf)
{
	struct symbuild b = { 0 };
	struct symtab st;
	size_t ncrc = 0;
	int r;

	r = mf_elf_setup(mf);
	if (r < 0)
		return r;
	r = symtab_load(mf, &st);
	if (r == 0) {
		for (size_t i = 1; i < st.count; i++) {
			struct sym sym;
			const char *name;
			size_t len;

			if (symtab_get(&st, i, &sym) < 0)
				break;
			name = symtab_name(&st, &sym);
			if (name == NULL) {
				/* a broken string table: use the fallback, as kmod does
				 */
				ncrc = 0;
				symbuild_release(&b);
				break;
			}
			if (!is_crc_name(name))
				continue;
			len = strlen(name);
			ncrc++;
			r = symbuild_add(&b, name + 6, len - 6, resolve_crc(mf, &sym),
					 elf_bind_char(GELF_ST_BIND(sym.info)));
			if (r < 0)
				goto fail;
		}
	}
	if (ncrc == 0) {
		symbuild_release(&b);
		r = exports_from_ksymtab_strings(mf, &b);
		if (r < 0)
			goto fail;
	}
	r = symbuild_finish(&b, &mf->exports);
	if (r < 0)
		goto fail;
	mf->exports.loaded = true;
	return 0;
fail:
	symbuild_release(&b);
	return r;
}

static int load_versions(struct modfile *mf)
{
	struct symbuild b = { 0 };
	const uint8_t *data;
	size_t size, crclen, entlen = 64;
	int r;

	r = mf_elf_setup(mf);
	if (r < 0)
		return r;
	if (mf->sec[SEC_VERSIONS] != 0) {
		r = mf_section_bytes(mf, mf->sec[SEC_VERSIONS], &data, &size, NULL);
		if (r < 0)
			return r;
		if (size % entlen != 0)
			return -EINVAL;
		crclen = mf->is64 ? 8 : 4;
		for (size_t off = 0; off < size; off += entlen) {
			const char *name = (const char *)data + off + crclen;
			size_t len = strnlen(name, entlen - crclen);

			r = symbuild_add(&b, name, len, read_uint(mf, data + off, crclen),
					 'U');
			if (r < 0) {
				symbuild_release(&b);
				return r;
			}
		}
	}
	r = symbuild_finish(&b, &mf->versions);
	if (r < 0) {
		symbuild_release(&b);
		return r;
	}
	mf->versions.loaded = true;
	return 0;
}

/*
 * Open-addressing map from __versions name to its first index. The needs come
 * mostly in the order of __versions (modpost writes one from the other), so a
 * lookup tries the entry after the one found last before it hashes: that entry
 * is the answer when it has the name and no entry before it has.
 */
struct vermap {
	uint32_t *slots; /* index + 1; 0 = empty */
	size_t mask;
	uint8_t *first; /* first[i]: no entry before i has its name */
	size_t next; /* the entry after the one found last */
};

/* @s is named @name (@len bytes): lengths first, then bytes they both hold */
static inline bool sym_is(const struct modsym *s, const char *name, size_t len)
{
	return s->len == len && memcmp(s->name, name, len) == 0;
}

static int vermap_build(struct vermap *m, const struct symlist *v)
{
	size_t size = 16;

	while (size < v->n * 2)
		size *= 2;
	m->slots = calloc(size, sizeof(*m->slots));
	m->first = malloc(v->n ? v->n : 1);
	if (m->slots == NULL || m->first == NULL) {
		free(m->slots);
		free(m->first);
		*m = (struct vermap){ 0 };
		return -ENOMEM;
	}
	m->mask = size - 1;
	m->next = 0;
	for (size_t i = 0; i < v->n; i++) {
		size_t h = mk_strhash(v->syms[i].name, v->syms[i].len) & m->mask;

		while (m->slots[h] != 0) {
			if (sym_is(&v->syms[m->slots[h] - 1], v->syms[i].name,
				   v->syms[i].len))
				break;
			h = (h + 1) & m->mask;
		}
		m->first[i] = m->slots[h] == 0;
		if (m->slots[h] == 0)
			m->slots[h] = (uint32_t)i + 1;
	}
	return 0;
}

static long vermap_find(struct vermap *m, const struct symlist *v, const char *name,
			size_t len)
{
	size_t g = m->next, h;

	if (g < v->n && m->first[g] && sym_is(&v->syms[g], name, len)) {
		m->next = g + 1;
		return (long)g;
	}
	for (h = mk_strhash(name, len) & m->mask; m->slots[h] != 0;
	     h = (h + 1) & m->mask) {
		size_t i = m->slots[h] - 1;

		if (sym_is(&v->syms[i], name, len)) {
			m->next = i + 1;
			return (long)i;
		}
	}
	return -1;
}

/*
 * The UNDEF symbols of @st in index order, each with the CRC of the first entry of
 * that name in __versions @v (marked in @visited), else 0.
 */
static int needs_from_symtab(const struct symtab *st, struct vermap *map,
			     const struct symlist *v, uint8_t *visited,
			     struct symbuild *b)
{
	for (size_t i = 1; i < st->count; i++) {
		struct sym sym;
		const char *name;
		size_t len;
		uint64_t crc = 0;
		long vi;
		int r;

		if (symtab_get(st, i, &sym) < 0)
			return -EINVAL;
		if (sym.shndx != SHN_UNDEF)
			continue;
		name = symtab_name(st, &sym);
		if (name == NULL)
			return -EINVAL;
		if (name[0] == '\0')
			continue;
		len = strlen(name);
		vi = vermap_find(map, v, name, len);
		if (vi >= 0) {
			crc = v->syms[vi].crc;
			visited[vi] = 1;
		}
		r = symbuild_add(b, name, len, crc,
				 GELF_ST_BIND(sym.info) == STB_WEAK ? 'W' : 'U');
		if (r < 0)
			return r;
	}
	return 0;
}

static int load_needs(struct modfile *mf)
{
	struct symbuild b = { 0 };
	struct vermap map = { 0 };
	_cleanup_free_ uint8_t *visited = NULL;
	struct symtab st;
	const struct symlist *v;
	int r;

	r = mf_elf_setup(mf);
	if (r < 0)
		return r;
	r = symtab_load(mf, &st);
	if (r < 0)
		return r;
	if (!mf->versions.loaded) {
		r = load_versions(mf);
		if (r < 0)
			return r;
	}
	v = &mf->versions;
	if (v->n > UINT32_MAX - 1)
		return -EINVAL;
	r = vermap_build(&map, v);
	if (r < 0)
		return r;
	visited = calloc(v->n ? v->n : 1, 1);
	if (visited == NULL) {
		r = -ENOMEM;
		goto out;
	}
	r = needs_from_symtab(&st, &map, v, visited, &b);
	if (r < 0)
		goto out;
	/* module_layout and the like: in __versions but not in the symbol table */
	for (size_t i = 0; i < v->n; i++) {
		if (visited[i])
			continue;
		r = symbuild_add(&b, v->syms[i].name, v->syms[i].len, v->syms[i].crc,
				 'U');
		if (r < 0)
			goto out;
	}
	r = symbuild_finish(&b, &mf->needs);
	if (r == 0)
		mf->needs.loaded = true;
out:
	free(map.slots);
	free(map.first);
	if (r < 0)
		symbuild_release(&b);
	return r;
}

/* The namespace of the __kstrtabns_ symbol @sym, or NULL (none, or out of range). */
static const char *ns_of(const struct sym *sym, size_t ksec, const uint8_t *str,
			 size_t size)
{
	const char *s;

	if (sym->shndx != ksec || sym->value >= size)
		return NULL;
	s = (const char *)str + sym->value;
	if (memchr(s, '\0', size - sym->value) == NULL || s[0] == '\0')
		return NULL;
	return s;
}

/* "__kstrtabns_" and more: mostly told by the first character, as is_crc_name(). */
static inline bool is_kstrtabns_name(const char *name)
{
	return name[0] == '_' && name[1] == '_' && name[2] == 'k' &&
	       strncmp(name + 3, "strtabns_", 9) == 0;
}

/* One pass to count (@out NULL), one to fill @out and the strings at @pool. */
static size_t ns_pass(const struct symtab *st, size_t ksec, const uint8_t *str,
		      size_t size, struct modsym_ns *out, char *pool, size_t *bytes)
{
	size_t k = 0;
	struct sym sym;

	*bytes = 0;
	for (size_t i = 1; i < st->count && symtab_get(st, i, &sym) == 0; i++) {
		const char *name = symtab_name(st, &sym), *ns;
		size_t ln, lns;

		if (name == NULL || !is_kstrtabns_name(name))
			continue;
		ns = ns_of(&sym, ksec, str, size);
		if (ns == NULL)
			continue;
		name += strlen("__kstrtabns_");
		ln = strlen(name) + 1;
		lns = strlen(ns) + 1;
		if (out != NULL) {
			out[k].name = memcpy(pool + *bytes, name, ln);
			out[k].ns = memcpy(pool + *bytes + ln, ns, lns);
		}
		*bytes += ln + lns;
		k++;
	}
	return k;
}

int modfile_read_export_ns(struct modfile *mf, struct modsym_ns **out, size_t *n)
{
	const uint8_t *str;
	struct symtab st;
	size_t size, ksec, count, bytes;
	int r;

	*out = NULL;
	*n = 0;
	r = mf_elf_setup(mf);
	if (r < 0)
		return r;
	ksec = mf->sec[SEC_KSYMTAB_STRINGS];
	if (ksec == 0 || symtab_load(mf, &st) < 0)
		return 0;
	r = mf_section_bytes(mf, ksec, &str, &size, NULL);
	if (r < 0)
		return r;
	/* bounded by the symbol and string tables, already in memory: no overflow */
	count = ns_pass(&st, ksec, str, size, NULL, NULL, &bytes);
	if (count == 0)
		return 0;
	*out = malloc(count * sizeof(**out) + bytes);
	if (*out == NULL)
		return -ENOMEM;
	*n = ns_pass(&st, ksec, str, size, *out, (char *)(*out + count), &bytes);
	return 0;
}

/* @l, loaded by @load on first use */
static inline int symlist_get(struct modfile *mf, struct symlist *l,
			      int (*load)(struct modfile *mf), const struct modsym **syms,
			      size_t *n)
{
	if (!l->loaded) {
		int r = load(mf);

		if (r < 0)
			return r;
	}
	*syms = l->syms;
	*n = l->n;
	return 0;
}

int modfile_get_exports(struct modfile *mf, const struct modsym **syms, size_t *n)
{
	return symlist_get(mf, &mf->exports, load_exports, syms, n);
}

int modfile_get_needs(struct modfile *mf, const struct modsym **syms, size_t *n)
{
	return symlist_get(mf, &mf->needs, load_needs, syms, n);
}

int modfile_get_versions(struct modfile *mf, const struct modsym **syms, size_t *n)
{
	return symlist_get(mf, &mf->versions, load_versions, syms, n);
}
