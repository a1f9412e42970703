// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The cache file of mydepmod, as docs/depmod-cache.md §2 lays it out: a header,
 * the key, the entries (sorted by path), their symbol and info records, the
 * symbol names, the strings of every entry, in entry order, then the record.
 * Every count, offset and string is checked once, when the file is loaded, in
 * one pass over it; lookups then trust what they index.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "depmod-cache.h"
#include "hash64.h"
#include "hugemem.h"
#include "outset.h"

#define DMC_MAGIC "MYDEPMC\n"
#define DMC_VERSION 8u
#define DMC_HEADER DMC_HEAD_BYTES
#define DMC_MAX_RECORD 4096u
#define DMC_ENTRY 72u
#define DMC_SYM 8u
/* a symbol record's second word: the name's offset, shifted, and the binding */
#define DMC_BIND_BITS 2u
#define DMC_MAX_NAMES (1u << (32 - DMC_BIND_BITS))
#define DMC_SYM_BIND_MASK ((1u << DMC_BIND_BITS) - 1)
#define DMC_INFO 8u
/* a directory: device, inode, size, mtime, ctime, its listing's offset and length */
#define DMC_DIR 48u
/* the longest name a directory entry has (NAME_MAX) */
#define DMC_ENTRY_NAME_MAX 255u
/* each symbol name is preceded by its dg_sym_hash(), 4 bytes */
#define DMC_NAME_HASH 4u
/* far beyond a real tree's few MB: a larger file is not read */
#define DMC_MAX_SIZE (256u << 20)

/* the binding of a symbol record, by its code: exports G W L, needs U W */
static const char dmc_binds[4] = { 'G', 'W', 'L', 'U' };

static int bind_code(char bind)
{
	/* dmc_binds[] read backwards: a call per symbol record written */
	switch (bind) {
	case 'G':
		return 0;
	case 'W':
		return 1;
	case 'L':
		return 2;
	case 'U':
		return 3;
	default:
		return -1;
	}
}

struct dmc_entry {
	struct mk_file_id id;
	int32_t exports_err;
	uint32_t str_off, first_sym, n_exports, n_needs, first_info, n_info, str_len;
};

struct depmod_cache {
	unsigned char *data;
	size_t len;
	bool mapped; /* @data is a mapping of the file, else malloc'd */
	struct dmc_entry *entries;
	uint32_t n_entries;
	const unsigned char *syms; /* DMC_SYM bytes each */
	const unsigned char *infos; /* DMC_INFO bytes each */
	const unsigned char *record; /* the caller's (dmc_record()) */
	uint32_t record_len;
	const char *names; /* the symbol names, each once */
	uint32_t names_len;
	const char *strings;
	/* the directories' listings, by (device, inode) increasing */
	struct modscan_listing *dirs;
	uint32_t n_dirs;
	/*
	 * Where fill_module() puts the modules' arrays, each at its records'
	 * index, when the records are many (docs/depmod-outputs.md §12); else
	 * (@room.p NULL) each module gets an arena of its own
	 */
	struct hugemem room;
	struct dg_sym *room_syms;
	struct dg_info *room_infos;
};

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* The hash of a body's bytes past the header (@len bytes of body at @d). */
static uint64_t body_hash(const unsigned char *d, size_t len)
{
	struct hash64_stream h;

	hash64_stream_init(&h, 0);
	hash64_stream_update(&h, d + DMC_HEADER, len - DMC_HEADER);
	return hash64_stream_final(&h);
}

/*
 * The checksum of a file of @len bytes with the header @head, whose body hashes
 * to @body (body_hash()) and whose last @rec_len bytes are the record @rec: of
 * the header past the checksum, and of the hashes of the body and of the record
 * (docs/depmod-cache.md §2). The body's, the bulk, can then be had as soon as
 * the body is made.
 */
static uint64_t checksum_of(const unsigned char *head, size_t len, uint64_t body,
			    const unsigned char *rec, size_t rec_len)
{
	unsigned char buf[DMC_HEADER - 16 + 16];

	memcpy(buf, head + 16, DMC_HEADER - 16);
	put64(buf + DMC_HEADER - 16, body);
	put64(buf + DMC_HEADER - 8, hash64(rec, rec_len, 0));
	return hash64(buf, sizeof(buf), len);
}

uint64_t dmc_checksum(const void *data, size_t len)
{
	const unsigned char *d = data;
	size_t rec_len;

	if (len < DMC_HEADER) /* no cache: any value */
		return hash64(d, len, len);
	rec_len = get32(d + 64);
	if (rec_len > len - DMC_HEADER) /* a bad header: no record */
		rec_len = 0;
	return checksum_of(d, len, body_hash(d, len - rec_len), d + len - rec_len,
			   rec_len);
}

int dmc_make_key(const char *kver, const char *dirname, char **out)
{
	if (asprintf(out, "format %u, mykmod %s, kernel %s, modules %s", DMC_VERSION,
		     PACKAGE_VERSION, kver, dirname) < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* The fixed header: the sections' sizes add up to the file's, the key matches. */
static const char *check_header(const unsigned char *d, size_t len, const char *key,
				uint32_t *n_entries, uint32_t *n_syms, uint32_t *n_infos,
				uint32_t *n_dirs)
{
	uint64_t key_len, strings_len, names_len, rec_len, total = DMC_HEADER, part;
	uint64_t listed_len;

	if (len < DMC_HEADER || memcmp(d, DMC_MAGIC, 8) != 0)
		return "not a mykmod cache";
	if (get32(d + 16) != DMC_VERSION || get32(d + 20) != DMC_HEADER)
		return "another format version";
	if (get64(d + 56) != len)
		return "truncated";
	if (get64(d + 8) != dmc_checksum(d, len))
		return "bad checksum";
	/* the sections add up to the file in any order: the record comes last */
	key_len = get32(d + 32);
	*n_entries = get32(d + 36);
	*n_syms = get32(d + 40);
	*n_infos = get32(d + 44);
	strings_len = get64(d + 48);
	names_len = get64(d + 24);
	rec_len = get32(d + 64);
	*n_dirs = get32(d + 72);
	listed_len = get64(d + 80);
	if (get32(d + 68) != 0 || rec_len > DMC_MAX_RECORD)
		return "a bad record size";
	if (get32(d + 76) != 0 || listed_len > UINT32_MAX)
		return "a bad listing size";
	if (uadd64_overflow(total, key_len, &total) ||
	    uadd64_overflow(total, rec_len, &total) ||
	    umul64_overflow(*n_entries, DMC_ENTRY, &part) ||
	    uadd64_overflow(total, part, &total) ||
	    umul64_overflow(*n_syms, DMC_SYM, &part) ||
	    uadd64_overflow(total, part, &total) ||
	    umul64_overflow(*n_infos, DMC_INFO, &part) ||
	    uadd64_overflow(total, part, &total) ||
	    uadd64_overflow(total, names_len, &total) ||
	    uadd64_overflow(total, strings_len, &total) ||
	    umul64_overflow(*n_dirs, DMC_DIR, &part) ||
	    uadd64_overflow(total, part, &total) ||
	    uadd64_overflow(total, listed_len, &total) || total != len ||
	    strings_len > UINT32_MAX || names_len > UINT32_MAX)
		return "sections do not add up";
	if (key_len != strlen(key) || memcmp(d + DMC_HEADER, key, key_len) != 0)
		return "written for another tree, kernel or mykmod version";
	return NULL;
}

/* A file's identity: the first 40 bytes of an entry, and of a directory's record. */
static struct mk_file_id get_file_id(const unsigned char *p)
{
	return (struct mk_file_id){
		.dev = get64(p),
		.ino = get64(p + 8),
		.size = get64(p + 16),
		.mtime_ns = (int64_t)get64(p + 24),
		.ctime_ns = (int64_t)get64(p + 32),
	};
}

static void put_file_id(unsigned char *p, const struct mk_file_id *id)
{
	put64(p, id->dev);
	put64(p + 8, id->ino);
	put64(p + 16, id->size);
	put64(p + 24, (uint64_t)id->mtime_ns);
	put64(p + 32, (uint64_t)id->ctime_ns);
}

static void read_entry(const unsigned char *p, struct dmc_entry *e)
{
	e->id = get_file_id(p);
	e->exports_err = (int32_t)get32(p + 40);
	e->str_off = get32(p + 44);
	e->first_sym = get32(p + 48);
	e->n_exports = get32(p + 52);
	e->n_needs = get32(p + 56);
	e->first_info = get32(p + 60);
	e->n_info = get32(p + 64);
	e->str_len = get32(p + 68);
}

/*
 * @n NUL-terminated strings from *@off, all before @end: the next offset in *@off.
 * Bytes are looked at once over the whole file, which keeps the load linear.
 */
static bool take_strings(const char *s, uint64_t *off, uint64_t end, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		const char *nul;

		if (*off >= end)
			return false;
		nul = memchr(s + *off, '\0', end - *off);
		if (nul == NULL)
			return false;
		*off = (uint64_t)(nul - s) + 1;
	}
	return true;
}

/* One entry, against the cursors of the sections (each entry owns the next part). */
static const char *check_entry(const struct depmod_cache *c, const struct dmc_entry *e,
			       uint64_t *sym, uint64_t *info, uint64_t *str,
			       uint64_t n_syms, uint64_t n_infos, uint64_t strings_len)
{
	uint64_t end, n_sym = (uint64_t)e->n_exports + e->n_needs;

	if (e->exports_err != 0 && e->exports_err != -ENODATA &&
	    e->exports_err != -ENOENT)
		return "an entry with a bad error";
	if (e->first_sym != *sym || e->first_info != *info || e->str_off != *str ||
	    !range_valid(*sym, n_sym, n_syms) ||
	    !range_valid(*info, e->n_info, n_infos) ||
	    !range_valid(*str, e->str_len, strings_len) || e->str_len == 0)
		return "an entry out of bounds";
	end = *str + e->str_len;
	if (!take_strings(c->strings, str, end, 1 + e->n_info) || *str != end)
		return "an entry's strings out of bounds";
	for (uint64_t k = *sym; k < *sym + n_sym; k++) {
		uint32_t w = get32(c->syms + k * DMC_SYM + 4);
		char bind = dmc_binds[w & DMC_SYM_BIND_MASK];
		bool export = k < *sym + e->n_exports;

		/*
		 * the name pool ends in NUL (load_owned()): a name in it ends there;
		 * its hash is the 4 bytes before it
		 */
		if ((w >> DMC_BIND_BITS) >= c->names_len ||
		    (w >> DMC_BIND_BITS) < DMC_NAME_HASH || !dg_bind_usual(bind, export))
			return "a bad symbol record";
	}
	for (uint64_t k = *info; k < *info + e->n_info; k++)
		if (get32(c->infos + k * DMC_INFO) > DG_INFO_WEAKDEP)
			return "a bad info record";
	*sym += n_sym;
	*info += e->n_info;
	return NULL;
}

/* Every entry, in order: paths strictly increasing, sections used exactly. */
static const char *check_entries(struct depmod_cache *c, const unsigned char *table,
				 uint64_t n_syms, uint64_t n_infos, uint64_t strings_len)
{
	uint64_t sym = 0, info = 0, str = 0;
	const char *prev = NULL, *why;

	for (uint32_t i = 0; i < c->n_entries; i++) {
		struct dmc_entry *e = &c->entries[i];

		read_entry(table + (size_t)i * DMC_ENTRY, e);
		why = check_entry(c, e, &sym, &info, &str, n_syms, n_infos, strings_len);
		if (why != NULL)
			return why;
		if (prev != NULL && strcmp(prev, c->strings + e->str_off) >= 0)
			return "entries out of order";
		prev = c->strings + e->str_off;
	}
	if (sym != n_syms || info != n_infos || str != strings_len)
		return "records no entry owns";
	return NULL;
}

/*
 * One listing of @len bytes: entries of a type byte and a name of 1 to 255 bytes
 * without '/', each ending in NUL, up to the end exactly.
 */
static bool listing_valid(const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len;

	while (p < end) {
		const unsigned char *nul;
		size_t n;

		p++; /* the type: any byte, as getdents() gives it */
		nul = p < end ? memchr(p, '\0', (size_t)(end - p)) : NULL;
		if (nul == NULL)
			return false;
		n = (size_t)(nul - p);
		if (n == 0 || n > DMC_ENTRY_NAME_MAX || memchr(p, '/', n) != NULL)
			return false;
		p = nul + 1;
	}
	return true;
}

/* The order of the directories' table: by device and inode. */
static int listing_cmp(const struct mk_file_id *a, const struct modscan_listing *l)
{
	if (a->dev != l->id.dev)
		return a->dev < l->id.dev ? -1 : 1;
	if (a->ino != l->id.ino)
		return a->ino < l->id.ino ? -1 : 1;
	return 0;
}

/*
 * The directories' table at @table and their listings after it (@listed_len
 * bytes): identities strictly increasing, each listing the next bytes, valid.
 */
static const char *check_dirs(struct depmod_cache *c, const unsigned char *table,
			      uint64_t listed_len)
{
	const unsigned char *listed = table + (size_t)c->n_dirs * DMC_DIR;
	uint64_t at = 0;

	for (uint32_t i = 0; i < c->n_dirs; i++) {
		const unsigned char *p = table + (size_t)i * DMC_DIR;
		struct modscan_listing *l = &c->dirs[i];
		uint32_t off = get32(p + 40), len = get32(p + 44);

		*l = (struct modscan_listing){ .id = get_file_id(p), .len = len };
		if (off != at || !range_valid(off, len, listed_len))
			return "a directory's listing out of bounds";
		if (i > 0 && listing_cmp(&l->id, &c->dirs[i - 1]) <= 0)
			return "directories out of order";
		l->entries = listed + off;
		if (!listing_valid(l->entries, len))
			return "a bad directory listing";
		at += len;
	}
	if (at != listed_len)
		return "listing bytes no directory owns";
	return NULL;
}

/* @data of @len bytes, mapped or malloc'd. */
static void release_data(unsigned char *data, size_t len, bool mapped)
{
	if (mapped)
		munmap(data, len ? len : 1);
	else
		free(data);
}

/*
 * One piece of huge pages for every module's arrays, when they weigh enough for
 * it: filling 4,000 modules then faults a few times, not once per 4 KiB. The
 * counts were checked against the file's size. Without it, fill_module()
 * allocates as it goes.
 */
static void make_room(struct depmod_cache *c, uint32_t n_syms, uint32_t n_infos)
{
	size_t syms, infos, total;

	if (umulsz_overflow(n_syms, sizeof(struct dg_sym), &syms) ||
	    umulsz_overflow(n_infos, sizeof(struct dg_info), &infos) ||
	    uaddsz_overflow(syms, infos, &total) || total < HUGEMEM_MIN ||
	    hugemem_alloc(&c->room, total) < 0)
		return;
	c->room_syms = c->room.p;
	c->room_infos = (struct dg_info *)((char *)c->room.p + syms);
}

static int load_owned(unsigned char *data, size_t len, bool mapped, const char *key,
		      struct depmod_cache **out, const char **why)
{
	struct depmod_cache *c;
	uint32_t n_syms = 0, n_infos = 0, n_entries = 0, n_dirs = 0;
	size_t off;

	*why = check_header(data, len, key, &n_entries, &n_syms, &n_infos, &n_dirs);
	if (*why != NULL) {
		release_data(data, len, mapped);
		return -EBADMSG;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		release_data(data, len, mapped);
		return -ENOMEM;
	}
	c->data = data;
	c->len = len;
	c->mapped = mapped;
	c->entries = calloc(n_entries ? n_entries : 1, sizeof(*c->entries));
	c->dirs = calloc(n_dirs ? n_dirs : 1, sizeof(*c->dirs));
	c->n_dirs = n_dirs;
	if (c->entries == NULL || c->dirs == NULL) {
		dmc_free(c);
		return -ENOMEM;
	}
	/* every entry and directory is set by the checks: resident in one call */
	mem_populate(c->entries, (size_t)n_entries * sizeof(*c->entries));
	mem_populate(c->dirs, (size_t)n_dirs * sizeof(*c->dirs));
	c->n_entries = n_entries;
	c->record_len = get32(c->data + 64);
	c->record = c->data + len - c->record_len;
	off = DMC_HEADER + get32(c->data + 32) + (size_t)n_entries * DMC_ENTRY;
	c->syms = c->data + off;
	c->infos = c->syms + (size_t)n_syms * DMC_SYM;
	c->names = (const char *)(c->infos + (size_t)n_infos * DMC_INFO);
	c->names_len = (uint32_t)get64(c->data + 24);
	c->strings = c->names + c->names_len;
	if (c->names_len > 0 && c->names[c->names_len - 1] != '\0') {
		*why = "a symbol name out of bounds";
		dmc_free(c);
		return -EBADMSG;
	}
	*why = check_entries(c, c->data + off - (size_t)n_entries * DMC_ENTRY, n_syms,
			     n_infos, get64(c->data + 48));
	if (*why == NULL)
		*why = check_dirs(c,
				  (const unsigned char *)c->strings + get64(c->data + 48),
				  get64(c->data + 80));
	if (*why != NULL) {
		dmc_free(c);
		return -EBADMSG;
	}
	make_room(c, n_syms, n_infos);
	*out = c;
	return 0;
}

int dmc_load(const void *data, size_t len, const char *key, struct depmod_cache **out,
	     const char **why)
{
	unsigned char *copy = malloc(len ? len : 1);

	*why = NULL;
	if (copy == NULL)
		return -ENOMEM;
	memcpy(copy, data, len);
	return load_owned(copy, len, false, key, out, why);
}

int dmc_read_file(const char *path, const char *key, struct depmod_cache **out,
		  const char **why)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	void *data;
	struct stat st;

	*why = NULL;
	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size > DMC_MAX_SIZE) {
		*why = "not a regular file of a sensible size";
		return -EBADMSG;
	}
	if (st.st_size == 0)
		return load_owned(calloc(1, 1), 0, false, key, out, why);
	/*
	 * Mapped, not read: no copy, no fault per page of a fresh buffer. mydepmod
	 * replaces the file by a rename, never in place; docs/depmod-cache.md §2.
	 */
	data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd,
		    0);
	if (data == MAP_FAILED)
		return -errno;
	return load_owned(data, (size_t)st.st_size, true, key, out, why);
}

void dmc_free(struct depmod_cache *c)
{
	if (c == NULL)
		return;
	free(c->entries);
	free(c->dirs);
	hugemem_free(&c->room);
	release_data(c->data, c->len, c->mapped);
	free(c);
}

const void *dmc_record(const struct depmod_cache *c, size_t *len)
{
	*len = c->record_len;
	return c->record;
}

size_t dmc_count(const struct depmod_cache *c)
{
	return c->n_entries;
}

void dmc_entry(const struct depmod_cache *c, size_t i, const char **path,
	       struct mk_file_id *st)
{
	const struct dmc_entry *e = &c->entries[i];

	*path = c->strings + e->str_off;
	*st = e->id;
}

static const struct dmc_entry *find_entry(const struct depmod_cache *c, const char *path)
{
	size_t lo = 0, hi = c->n_entries;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct dmc_entry *e = &c->entries[mid];
		int d = strcmp(path, c->strings + e->str_off);

		if (d == 0)
			return e;
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * What lib/depgraph.c's copy_out() makes from a file, from @e: the arrays in
 * an arena of the module's own, the strings in the cache's memory, which
 * outlives the module graph (lib/depgraph.h, struct dg_cache).
 */
static int fill_module(const struct depmod_cache *c, const struct dmc_entry *e,
		       struct dg_module *m)
{
	size_t n_sym = (size_t)e->n_exports + e->n_needs;
	const char *p = c->strings + e->str_off;

	if (c->room.p != NULL) { /* check_entry() placed the records */
		m->arena = NULL;
		m->exports = c->room_syms + e->first_sym;
		m->info = c->room_infos + e->first_info;
	} else {
		m->arena = malloc(n_sym * sizeof(struct dg_sym) +
				  e->n_info * sizeof(struct dg_info) + 1);
		if (m->arena == NULL)
			return -ENOMEM;
		m->exports = (struct dg_sym *)m->arena;
		m->info = (struct dg_info *)(m->exports + n_sym);
	}
	m->needs = m->exports + e->n_exports;
	for (size_t k = 0; k < n_sym; k++) {
		const unsigned char *r = c->syms + ((size_t)e->first_sym + k) * DMC_SYM;
		struct dg_sym *sym = &m->exports[k];
		uint32_t w = get32(r + 4);

		sym->name = c->names + (w >> DMC_BIND_BITS);
		sym->crc = get32(r);
		sym->bind = dmc_binds[w & DMC_SYM_BIND_MASK];
		sym->hash = get32((const unsigned char *)sym->name - DMC_NAME_HASH);
	}
	p += strlen(p) + 1; /* the path */
	for (size_t k = 0; k < e->n_info; k++) {
		m->info[k].kind =
			get32(c->infos + ((size_t)e->first_info + k) * DMC_INFO);
		m->info[k].value = p;
		m->info[k].len = (uint32_t)strlen(p);
		p += m->info[k].len + 1;
	}
	m->n_exports = e->n_exports;
	m->n_needs = e->n_needs;
	m->n_info = e->n_info;
	m->odd_syms = false; /* its records held them */
	return 0;
}

int dmc_lookup(const struct depmod_cache *c, struct dg_module *m)
{
	const struct dmc_entry *e = find_entry(c, dg_module_path(m));

	if (e == NULL || !mk_file_id_eq(&e->id, &m->st))
		return 0;
	m->open_err = 0;
	m->exports_err = e->exports_err;
	m->from_cache = true;
	m->cache_entry = e;
	m->cache_found = e;
	return 1;
}

const struct modscan_listing *dmc_find_listing(const struct depmod_cache *c,
					       const struct modscan_listing *want)
{
	size_t lo = 0, hi = c->n_dirs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = listing_cmp(&want->id, &c->dirs[mid]);

		/* the directory in the same state? */
		if (d == 0)
			return mk_file_id_eq(&c->dirs[mid].id, &want->id) ? &c->dirs[mid]
									  : NULL;
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

size_t dmc_listing_count(const struct depmod_cache *c)
{
	return c->n_dirs;
}

const struct modscan_listing *dmc_listing_at(const struct depmod_cache *c, size_t i)
{
	return &c->dirs[i];
}

int dmc_fill(const struct depmod_cache *c, struct dg_module *m)
{
	int r;

	if (m->cache_entry == NULL)
		return 0;
	r = fill_module(c, m->cache_entry, m);
	if (r == 0)
		m->cache_entry = NULL;
	return r;
}

int64_t dmc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return mk_timespec_ns(&ts);
}

bool dmc_settled(const struct mk_file_id *id, int64_t start_ns)
{
	return id->mtime_ns < start_ns - DMC_RACY_NS &&
	       id->ctime_ns < start_ns - DMC_RACY_NS;
}

bool dmc_trusted(const struct dg_module *m, int64_t start_ns)
{
	int e = m->exports_err;

	return m->loaded && m->cacheable && m->open_err == 0 && m->extra == NULL &&
	       (e == 0 || e == -ENODATA || e == -ENOENT) && dmc_settled(&m->st, start_ns);
}

static int cmp_path(const void *a, const void *b)
{
	const struct dg_module *ma = *(const struct dg_module *const *)a;
	const struct dg_module *mb = *(const struct dg_module *const *)b;
	int d = strcmp(dg_module_path(ma), dg_module_path(mb));

	/* one path twice (not seen in practice): either has the file's data */
	return d != 0 ? d : (ma > mb) - (ma < mb);
}

/*
 * Where a body goes as it is made, in file order: in pieces of SINK_PIECE bytes,
 * each hashed, to the file written ahead (@ahead), or to memory (@mem, when no
 * such file can be had). Only the pool of names and a piece are in memory then.
 */
#define SINK_PIECE (256u << 10)

struct body_sink {
	struct outset_ahead *ahead; /* NULL: @mem */
	struct strbuf *mem;
	unsigned char *piece;
	size_t used; /* of @piece */
	size_t len; /* the body's bytes so far, @piece's included */
	struct hash64_stream hash; /* of the bytes past the header: body_hash() */
	int err; /* -ENOMEM of @mem */
};

static void sink_flush(struct body_sink *s)
{
	size_t at = s->len - s->used; /* the piece's offset in the body */
	size_t skip = at >= DMC_HEADER ? 0 : DMC_HEADER - at;

	if (skip > s->used)
		skip = s->used;
	hash64_stream_update(&s->hash, s->piece + skip, s->used - skip);
	if (s->ahead != NULL)
		outset_ahead_write(s->ahead, s->piece, s->used);
	else if (s->err == 0 && strbuf_push(s->mem, s->piece, s->used) < 0)
		s->err = -ENOMEM;
	s->used = 0;
}

static void sink_put(struct body_sink *s, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len > 0) {
		size_t take = SINK_PIECE - s->used < len ? SINK_PIECE - s->used : len;

		memcpy(s->piece + s->used, p, take);
		s->used += take;
		s->len += take;
		p += take;
		len -= take;
		if (s->used == SINK_PIECE)
			sink_flush(s);
	}
}

static void sink_put32x2(struct body_sink *s, uint32_t a, uint32_t b)
{
	unsigned char rec[8];

	/* the usual case, 250,000 times for Debian's tree: room in the piece */
	if (SINK_PIECE - s->used >= sizeof(rec)) {
		put32(s->piece + s->used, a);
		put32(s->piece + s->used + 4, b);
		s->used += sizeof(rec);
		s->len += sizeof(rec);
		if (s->used == SINK_PIECE)
			sink_flush(s);
		return;
	}
	put32(rec, a);
	put32(rec + 4, b);
	sink_put(s, rec, sizeof(rec));
}

/* The symbol names of a cache being written, each once, in order of first use. */
struct name_pool {
	struct strbuf buf; /* each name after its hash: the names section */
	/*
	 * open addressing: a name's hash in the high half, its offset in @buf + 1
	 * in the low one, 0 when free; a probe compares hashes without reading
	 * @buf
	 */
	uint64_t *slots;
	size_t cap, n;
};

/* The names a table of @cap slots holds: at most 3/4 full. */
static size_t pool_room(size_t cap)
{
	return cap / 4 * 3;
}

/* The table with @cap slots (a power of two, above the names it holds). */
static int pool_resize(struct name_pool *np, size_t cap)
{
	uint64_t *slots = calloc(cap, sizeof(*slots));

	if (slots == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < np->cap; i++) {
		size_t j;

		if (np->slots[i] == 0)
			continue;
		j = (size_t)(np->slots[i] >> 32) & (cap - 1);
		while (slots[j] != 0)
			j = (j + 1) & (cap - 1);
		slots[j] = np->slots[i];
	}
	free(np->slots);
	np->slots = slots;
	np->cap = cap;
	return 0;
}

/*
 * The offset of @name (hashed @h, as dg_sym_hash()) in the pool, added if new,
 * after its hash.
 */
static int pool_add(struct name_pool *np, const char *name, uint32_t h, uint32_t *off)
{
	size_t j, len;
	unsigned char hash[DMC_NAME_HASH];

	if (np->n + 1 > pool_room(np->cap) &&
	    pool_resize(np, np->cap ? np->cap * 2 : 4096) < 0)
		return -ENOMEM;
	for (j = h & (np->cap - 1); np->slots[j] != 0; j = (j + 1) & (np->cap - 1)) {
		uint64_t v = np->slots[j];

		if ((uint32_t)(v >> 32) == h &&
		    streq(np->buf.buf + (uint32_t)v - 1, name)) {
			*off = (uint32_t)v - 1;
			return 0;
		}
	}
	len = strlen(name) + 1; /* a new name: most are found */
	if (np->buf.used + DMC_NAME_HASH + len >= DMC_MAX_NAMES)
		return -E2BIG;
	put32(hash, h);
	if (strbuf_push(&np->buf, hash, sizeof(hash)) < 0)
		return -ENOMEM;
	*off = (uint32_t)np->buf.used;
	if (strbuf_push(&np->buf, name, len) < 0)
		return -ENOMEM;
	np->slots[j] = (uint64_t)h << 32 | (*off + 1u);
	np->n++;
	return 0;
}

/*
 * The symbol records of @mods, @n_syms in all, into @s, and their names into
 * @np: each symbol is read once.
 */
static int put_symbols(struct body_sink *s, const struct dg_module **mods, size_t n,
		       size_t n_syms, struct name_pool *np)
{
	size_t cap = 4096;

	/*
	 * room for a distinct name per 6 symbols at once (Debian's tree: 250,000
	 * symbols, 45,000 names), not four doublings of the table; more names
	 * double it as they come
	 */
	while (pool_room(cap) < n_syms / 6 && cap < (size_t)1 << 24)
		cap *= 2;
	if (pool_resize(np, cap) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct dg_module *m = mods[i];

		for (size_t k = 0; k < m->n_exports + m->n_needs; k++) {
			/* exports and needs are one array in the arena, exports first */
			const struct dg_sym *sy = &m->exports[k];
			uint32_t off;
			int r = pool_add(np, sy->name, sy->hash, &off);

			if (r < 0)
				return r;
			sink_put32x2(s, (uint32_t)sy->crc,
				     off << DMC_BIND_BITS |
					     (uint32_t)bind_code(sy->bind));
		}
	}
	return 0;
}

/* The bytes of @m's strings: its path, then its info values. */
static size_t module_strings(const struct dg_module *m)
{
	size_t len = strlen(dg_module_path(m)) + 1;

	for (size_t k = 0; k < m->n_info; k++)
		len += (size_t)m->info[k].len + 1;
	return len;
}

/*
 * The entries of @mods into @s, and the sections' sizes (but the names'); -E2BIG
 * past what 32-bit counts and offsets hold.
 */
static int put_entries(struct body_sink *s, const struct dg_module **mods, size_t n,
		       uint64_t *n_syms, uint64_t *n_infos, uint64_t *strings)
{
	if (n > UINT32_MAX)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		const struct dg_module *m = mods[i];
		size_t str_len = module_strings(m);
		unsigned char ent[DMC_ENTRY];

		if (*n_syms + m->n_exports + m->n_needs > UINT32_MAX ||
		    *n_infos + m->n_info > UINT32_MAX ||
		    *strings + str_len > UINT32_MAX || *strings + str_len > DMC_MAX_SIZE)
			return -E2BIG;
		put_file_id(ent, &m->st);
		put32(ent + 40, (uint32_t)m->exports_err);
		put32(ent + 44, (uint32_t)*strings);
		put32(ent + 48, (uint32_t)*n_syms);
		put32(ent + 52, (uint32_t)m->n_exports);
		put32(ent + 56, (uint32_t)m->n_needs);
		put32(ent + 60, (uint32_t)*n_infos);
		put32(ent + 64, (uint32_t)m->n_info);
		put32(ent + 68, (uint32_t)str_len);
		sink_put(s, ent, sizeof(ent));
		*n_syms += m->n_exports + m->n_needs;
		*n_infos += m->n_info;
		*strings += str_len;
	}
	return 0;
}

/* The info records of @mods into @s; put_strings() their strings. */
static void put_infos(struct body_sink *s, const struct dg_module **mods, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < mods[i]->n_info; k++)
			sink_put32x2(s, mods[i]->info[k].kind, 0);
}

static void put_strings(struct body_sink *s, const struct dg_module **mods, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct dg_module *m = mods[i];
		const char *path = dg_module_path(m);

		sink_put(s, path, strlen(path) + 1);
		for (size_t k = 0; k < m->n_info; k++)
			sink_put(s, m->info[k].value, (size_t)m->info[k].len + 1);
	}
}

/* Is @m one to write: trusted, and fitting the records? */
static bool to_write(const struct dg_module *m, int64_t start_ns)
{
	return dmc_trusted(m, start_ns) && !m->odd_syms;
}

/* The cached ones of @all, sorted by path, one entry per path. */
static int pick_modules(const struct dg_module *const *all, size_t total,
			int64_t start_ns, const struct dg_module ***out, size_t *n)
{
	const struct dg_module **mods = malloc((total ? total : 1) * sizeof(*mods));
	size_t k = 0;

	if (mods == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < total; i++)
		if (to_write(all[i], start_ns))
			mods[k++] = all[i];
	qsort(mods, k, sizeof(*mods), cmp_path);
	*n = 0;
	for (size_t i = 0; i < k; i++)
		if (*n == 0 ||
		    !streq(dg_module_path(mods[*n - 1]), dg_module_path(mods[i])))
			mods[(*n)++] = mods[i];
	*out = mods;
	return 0;
}

/*
 * Would the entries come out as @old's are? When every module to write came
 * from it and there are as many as it holds: they are its entries, one each
 * (one per path), and the same entries give the same bytes.
 */
static bool same_entries(const struct depmod_cache *old, const struct dg_module **mods,
			 size_t n)
{
	if (n != old->n_entries)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!mods[i]->from_cache)
			return false;
	return true;
}

/*
 * Modules found in @old and not filled since (a duplicate the graph did not
 * take): filled copies in *@filled, which @mods then points to.
 */
static int fill_pending(const struct depmod_cache *old, const struct dg_module **mods,
			size_t n, struct dg_module **filled)
{
	for (size_t i = 0; i < n; i++) {
		if (mods[i]->cache_entry == NULL)
			continue;
		if (old == NULL)
			return -EINVAL; /* found in another cache: not ours to read */
		if (*filled == NULL)
			*filled = calloc(n, sizeof(**filled));
		if (*filled == NULL)
			return -ENOMEM;
		(*filled)[i] = *mods[i];
		if (fill_module(old, mods[i]->cache_entry, &(*filled)[i]) < 0)
			return -ENOMEM;
		mods[i] = &(*filled)[i];
	}
	return 0;
}

/* What carry_unseen() made: modules that stand for old entries. */
struct carried {
	struct modscan_mod *scans;
	struct dg_module *mods;
};

/* Is @e's file, at @path (relative to @dirname, or whole), still the one it says? */
static bool still_there(const char *dirname, const char *path, const struct dmc_entry *e)
{
	char buf[PATH_MAX];
	struct mk_file_id id;
	struct stat st;
	int len = path[0] == '/' ? snprintf(buf, sizeof(buf), "%s", path)
				 : snprintf(buf, sizeof(buf), "%s/%s", dirname, path);

	/* followed if a link, as the walk would open it (docs/depmod-cache.md §3) */
	if (len < 0 || (size_t)len >= sizeof(buf) || stat(buf, &st) < 0 ||
	    !S_ISREG(st.st_mode))
		return false;
	id = mk_file_id_of(&st);
	return mk_file_id_eq(&e->id, &id);
}

static int cmp_module_path(const void *a, const void *b)
{
	return strcmp(dg_module_path(*(const struct dg_module *const *)a),
		      dg_module_path(*(const struct dg_module *const *)b));
}

/*
 * The entries of @old for files this run did not look at (under an excluded
 * directory, a duplicate an override decided against before reading it), while
 * the file is there unchanged: appended to *@mods (sorted again), so that it is
 * not read when it comes back (docs/depmod-cache.md §3). @all are every module
 * the run has, read or not; @c owns what stands for the entries.
 */
static int carry_unseen(const struct depmod_cache *old, const char *dirname,
			const struct dg_module *const *all, size_t n_all,
			const struct dg_module ***mods, size_t *n, struct carried *c)
{
	_cleanup_free_ const struct dg_module **seen =
		malloc((n_all + 1) * sizeof(*seen));
	_cleanup_free_ uint32_t *keep =
		malloc(((size_t)old->n_entries + 1) * sizeof(*keep));
	const struct dg_module **grown;
	size_t j = 0, n_keep = 0;

	if (seen == NULL || keep == NULL)
		return -ENOMEM;
	memcpy(seen, all, n_all * sizeof(*seen));
	qsort(seen, n_all, sizeof(*seen), cmp_module_path);
	for (uint32_t i = 0; i < old->n_entries; i++) {
		const struct dmc_entry *e = &old->entries[i];
		const char *path = old->strings + e->str_off;
		int d = 1;

		while (j < n_all && (d = strcmp(dg_module_path(seen[j]), path)) < 0)
			j++;
		if (j < n_all && d == 0)
			continue;
		if (still_there(dirname, path, e))
			keep[n_keep++] = i;
	}
	if (n_keep == 0)
		return 0;
	c->scans = calloc(n_keep, sizeof(*c->scans));
	c->mods = calloc(n_keep, sizeof(*c->mods));
	grown = realloc(*mods, (*n + n_keep) * sizeof(**mods));
	if (c->scans == NULL || c->mods == NULL || grown == NULL)
		return -ENOMEM;
	*mods = grown;
	for (size_t k = 0; k < n_keep; k++) {
		const struct dmc_entry *e = &old->entries[keep[k]];
		struct dg_module *m = &c->mods[k];

		c->scans[k].path = (char *)(old->strings + e->str_off);
		c->scans[k].relpath = c->scans[k].path;
		m->scan = &c->scans[k];
		m->st = e->id;
		m->exports_err = e->exports_err;
		m->from_cache = true;
		m->cache_entry = e; /* filled by fill_pending() */
		(*mods)[(*n)++] = m;
	}
	qsort(*mods, *n, sizeof(**mods), cmp_path);
	return 0;
}

static void free_filled(struct dg_module *filled, size_t n)
{
	for (size_t i = 0; filled != NULL && i < n; i++)
		free(filled[i].arena);
}

/*
 * Everything but the record, for @n modules @mods and @n_dirs @dirs, into @s in
 * file order; the header, whose place @s holds, into @head.
 */
static int write_body(struct body_sink *s, unsigned char *head, const char *key,
		      const struct dg_module **mods, size_t n,
		      const struct modscan_listing *const *dirs, size_t n_dirs)
{
	uint64_t n_syms = 0, n_infos = 0, strings = 0, listed = 0;
	size_t key_len = strlen(key);
	struct name_pool np = { .buf = STRBUF_INIT };
	int r;

	if (key_len > UINT32_MAX || n_dirs > UINT32_MAX)
		return -E2BIG;
	for (size_t i = 0; i < n_dirs; i++)
		if (uadd64_overflow(listed, dirs[i]->len, &listed) || listed > UINT32_MAX)
			return -E2BIG;
	/* made last, once the names' size is known */
	memset(head, 0, DMC_HEADER);
	sink_put(s, head, DMC_HEADER);
	sink_put(s, key, key_len);
	r = put_entries(s, mods, n, &n_syms, &n_infos, &strings);
	if (r == 0)
		r = put_symbols(s, mods, n, (size_t)n_syms, &np);
	if (r == 0 && np.buf.used > DMC_MAX_SIZE)
		r = -E2BIG;
	if (r == 0) {
		put_infos(s, mods, n);
		sink_put(s, np.buf.buf, np.buf.used);
		put_strings(s, mods, n);
		listed = 0;
		for (size_t i = 0; i < n_dirs; i++) {
			unsigned char rec[DMC_DIR];

			put_file_id(rec, &dirs[i]->id);
			put32(rec + 40, (uint32_t)listed);
			put32(rec + 44, (uint32_t)dirs[i]->len);
			sink_put(s, rec, sizeof(rec));
			listed += dirs[i]->len;
		}
		for (size_t i = 0; i < n_dirs; i++)
			sink_put(s, dirs[i]->entries, dirs[i]->len);
		memcpy(head, DMC_MAGIC, 8);
		put32(head + 16, DMC_VERSION);
		put32(head + 20, DMC_HEADER);
		put64(head + 24, np.buf.used);
		put32(head + 32, (uint32_t)key_len);
		put32(head + 36, (uint32_t)n);
		put32(head + 40, (uint32_t)n_syms);
		put32(head + 44, (uint32_t)n_infos);
		put64(head + 48, strings);
		put32(head + 72, (uint32_t)n_dirs);
		put64(head + 80, listed);
	}
	free(np.slots);
	strbuf_release(&np.buf);
	return r;
}

/*
 * The body into @w: written ahead to an unnamed file in @outdir as it is made
 * when one can be had there (w->ahead; w->body then holds only the header),
 * else into w->body; with room after it for the record.
 */
static int make_body(struct dmc_writing *w, const char *outdir, const char *key,
		     const struct dg_module **mods, size_t n,
		     const struct modscan_listing *const *dirs, size_t n_dirs)
{
	struct body_sink s = { .mem = &w->body };
	unsigned char head[DMC_HEADER];
	int r = outdir != NULL ? outset_ahead_open(outdir, &s.ahead) : 0;

	if (r < 0)
		return r;
	s.piece = malloc(SINK_PIECE);
	if (s.piece == NULL) {
		outset_ahead_free(s.ahead);
		return -ENOMEM;
	}
	hash64_stream_init(&s.hash, 0);
	r = write_body(&s, head, key, mods, n, dirs, n_dirs);
	if (r == 0) {
		sink_flush(&s);
		r = s.err;
	}
	free(s.piece);
	if (r == 0 && s.ahead != NULL) {
		outset_ahead_end(s.ahead);
		r = strbuf_push(&w->body, head, DMC_HEADER);
	} else if (r == 0) {
		memcpy(w->body.buf, head, DMC_HEADER);
	}
	if (r == 0)
		r = strbuf_reserve(&w->body, DMC_MAX_RECORD);
	if (r < 0) {
		outset_ahead_free(s.ahead);
		strbuf_release(&w->body);
		return r;
	}
	w->ahead = s.ahead;
	w->body_len = s.len;
	w->body_hash = hash64_stream_final(&s.hash);
	return 0;
}

static int cmp_listing(const void *a, const void *b)
{
	const struct modscan_listing *la = *(const struct modscan_listing *const *)a;
	const struct modscan_listing *lb = *(const struct modscan_listing *const *)b;

	return listing_cmp(&la->id, lb);
}

/*
 * The listings to write, by identity: those of directories changed at least
 * DMC_RACY_NS before @start_ns (a directory changed within the timestamp
 * granularity could change again without its times changing, as a file can);
 * a directory listed twice differently (it changed during the walk) not at all.
 */
static int pick_listings(const struct modscan_listing *all, size_t n_all,
			 int64_t start_ns, const struct modscan_listing ***out, size_t *n)
{
	const struct modscan_listing **a = malloc((n_all ? n_all : 1) * sizeof(*a));
	size_t k = 0, w = 0;

	if (a == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n_all; i++)
		if (dmc_settled(&all[i].id, start_ns))
			a[k++] = &all[i];
	qsort(a, k, sizeof(*a), cmp_listing);
	for (size_t i = 0; i < k;) {
		size_t j = i + 1;
		bool same = true;

		for (; j < k && listing_cmp(&a[i]->id, a[j]) == 0; j++)
			same = same && mk_file_id_eq(&a[j]->id, &a[i]->id) &&
			       a[j]->len == a[i]->len &&
			       memcmp(a[j]->entries, a[i]->entries, a[i]->len) == 0;
		if (same)
			a[w++] = a[i];
		i = j;
	}
	*out = a;
	*n = w;
	return 0;
}

/*
 * Would the entries to write be @old's, one each? What pick_modules(),
 * carry_unseen() and same_entries() answer, without their sorts by path (the
 * run after a module's installation asks it of every entry): every module
 * pick_modules() takes was found in @old, at an entry no other module was;
 * every other entry is one no module of the run has the path of (a module read
 * rather than found is looked up by its path), its file still there. false
 * when not so, or when unsure: they then answer.
 */
static bool quick_same(const struct depmod_cache *old, const char *dirname,
		       int64_t start_ns, const struct dg_module *const *all, size_t n_all)
{
	_cleanup_free_ uint8_t *seen = calloc((size_t)old->n_entries + 1, 1);

	if (seen == NULL)
		return false;
	for (size_t i = 0; i < n_all; i++) {
		const struct dg_module *m = all[i];
		const struct dmc_entry *e = m->from_cache ? m->cache_found : NULL;
		bool picked = to_write(m, start_ns);

		if (e == NULL || e < old->entries || e >= old->entries + old->n_entries) {
			/* a new entry, or an old one's path without it */
			if (picked || find_entry(old, dg_module_path(m)) != NULL)
				return false;
			continue;
		}
		if (!picked || seen[e - old->entries]) /* its entry dropped, or twice */
			return false;
		seen[e - old->entries] = 1;
	}
	for (uint32_t i = 0; i < old->n_entries; i++)
		if (!seen[i] &&
		    !still_there(dirname, old->strings + old->entries[i].str_off,
				 &old->entries[i]))
			return false;
	return true;
}

/* Has @old each of the @n listings @l, of the same identity (so the same entries)? */
static bool listings_known(const struct depmod_cache *old,
			   const struct modscan_listing *const *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (dmc_find_listing(old, l[i]) == NULL)
			return false;
	return true;
}

int dmc_write_begin(struct dmc_writing *w, const char *key, const char *dirname,
		    const char *outdir, int64_t start_ns,
		    const struct dg_module *const *all, size_t n_all,
		    const struct modscan_listing *dirs, size_t n_dirs,
		    const struct depmod_cache *old)
{
	_cleanup_free_ const struct dg_module **mods = NULL;
	_cleanup_free_ const struct modscan_listing **listings = NULL;
	size_t n_listings = 0;
	bool old_lists;
	_cleanup_free_ struct dg_module *filled = NULL;
	struct carried carried = { NULL, NULL };
	size_t n = 0;
	int r;

	w->body = (struct strbuf)STRBUF_INIT;
	w->body_hash = 0;
	w->body_len = 0;
	w->ahead = NULL;
	w->old = old;
	r = pick_listings(dirs, n_dirs, start_ns, &listings, &n_listings);
	if (r < 0)
		return r;
	/* a settled directory the old cache lacks is worth writing it (§3) */
	old_lists = old != NULL && listings_known(old, listings, n_listings);
	w->same_as_old = old_lists && quick_same(old, dirname, start_ns, all, n_all);
	if (w->same_as_old) /* dmc_write_end() takes the old body */
		return 0;
	r = pick_modules(all, n_all, start_ns, &mods, &n);
	if (r == 0 && old != NULL)
		r = carry_unseen(old, dirname, all, n_all, &mods, &n, &carried);
	if (r == 0 && old_lists && same_entries(old, mods, n)) {
		w->same_as_old = true; /* dmc_write_end() takes the old body */
	} else if (r == 0) {
		r = fill_pending(old, mods, n, &filled);
		if (r == 0)
			r = make_body(w, outdir, key, mods, n, listings, n_listings);
	}
	free_filled(filled, n);
	free(carried.scans);
	free(carried.mods);
	if (r < 0)
		strbuf_release(&w->body);
	return r;
}

int dmc_write_end(struct dmc_writing *w, const void *record, size_t record_len,
		  struct strbuf *out)
{
	const struct depmod_cache *old = w->old;
	struct strbuf *body = &w->body;
	uint64_t sum = w->body_hash;
	unsigned char *d;
	size_t total;

	strbuf_clear(out);
	if (record_len > DMC_MAX_RECORD) {
		strbuf_release(body);
		return -E2BIG;
	}
	if (w->same_as_old) {
		/*
		 * No record to make: the old one may stay, stale or not, as a record
		 * is checked against the files before it is used (docs/depmod-cache.md
		 * §7). Rewriting the whole cache only to drop it cost an "added" run
		 * 3.6 MB of writing for Debian's tree.
		 */
		if (record_len == 0 || (record_len == old->record_len &&
					memcmp(record, old->record, record_len) == 0))
			return 1;
		/* the same entries, another record: the old body, the new record */
		if (strbuf_push(body, old->data, old->len - old->record_len) < 0 ||
		    strbuf_reserve(body, DMC_MAX_RECORD) < 0) {
			strbuf_release(body);
			return -ENOMEM;
		}
		sum = body_hash((const unsigned char *)body->buf, body->used);
		w->body_len = body->used;
	}
	/* the whole file, or with w->ahead its header alone */
	d = (unsigned char *)body->buf;
	total = w->body_len + record_len;
	if (record_len > 0)
		memcpy(d + body->used, record, record_len);
	put64(d + 56, total);
	put32(d + 64, (uint32_t)record_len);
	put64(d + 8, checksum_of(d, total, sum, d + body->used, record_len));
	body->used += record_len;
	strbuf_release(out);
	*out = *body;
	*body = (struct strbuf)STRBUF_INIT;
	return 0;
}
