// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Index writer. Instead of kmod's in-memory trie (a 128-pointer child array per
 * node, ~1 KiB each), entries are kept in a flat array with their strings in an
 * arena. At serialize time they are sorted by key; a node of the radix trie is
 * then a range of consecutive distinct keys sharing a path, its prefix is the
 * common prefix of the first and last key of the range, and its children are
 * the sub-ranges grouped by the next character. This gives the same trie as
 * kmod's insert-and-split algorithm, whose shape depends only on the key set.
 */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "hugemem.h"
#include "index-writer.h"
#include "util.h"

#define INDEX_MAGIC 0xB007F457U
#define INDEX_VERSION 0x00020001U
#define INDEX_NODE_PREFIX 0x80000000U
#define INDEX_NODE_VALUES 0x40000000U
#define INDEX_NODE_CHILDS 0x20000000U
#define INDEX_NODE_MASK 0x0FFFFFFFU

#define ARENA_BLOCK (64 * 1024)

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	char data[];
};

struct entry {
	const char *key;
	const char *value;
	uint32_t seq; /* insertion order, for the tie rule */
	unsigned int priority;
	uint32_t keylen, valuelen; /* measured once, when added */
	uint64_t word; /* while sorting: key_word() at the depth being sorted */
};

/* a distinct key and its run of entries in the sorted array */
struct ukey {
	const char *key;
	uint32_t len; /* entry counts and key lengths are bounded by UINT32_MAX */
	uint32_t first, count;
	/* the bytes it shares with the key before it (0 for the first) */
	uint32_t shared;
};

struct child_ref {
	uint32_t ref;
	unsigned char ch;
};

struct index_writer {
	struct entry *entries;
	size_t n, alloc;
	struct arena_block *arena;
	/*
	 * Only for index_writer_add_dup(): key -> 1 + index of its last entry, and
	 * per entry 1 + index of the previous entry with the same key (or 0).
	 * Dropped when serializing sorts the entries.
	 */
	struct hash *dups;
	size_t *prev;
	size_t nprev, prev_alloc;
	/*
	 * index_writer_reserve()'s piece of huge pages, or empty: the first
	 * @room_entries entries, as many ukeys for serialize(), then one arena
	 * block (@room_block); each is left for malloc'd memory when outgrown
	 */
	struct hugemem room;
	size_t room_entries;
	struct ukey *room_keys;
	struct arena_block *room_block;
};

/* state of one serialization */
struct wctx {
	const struct index_writer *w;
	const struct ukey *keys;
	struct strbuf *out;
	size_t base;
	bool preorder;
	/* child references of the nodes being written, used as a stack */
	struct child_ref *stack;
	size_t sp, salloc;
};

struct index_writer *index_writer_new(void)
{
	return calloc(1, sizeof(struct index_writer));
}

/* Are the entries still in index_writer_reserve()'s room? */
static bool entries_in_room(const struct index_writer *w)
{
	return w->room.p != NULL && (void *)w->entries == w->room.p;
}

void index_writer_free(struct index_writer *w)
{
	struct arena_block *b, *next;

	if (w == NULL)
		return;
	for (b = w->arena; b != NULL; b = next) {
		next = b->next;
		if (b != w->room_block)
			free(b);
	}
	hash_free(w->dups);
	free(w->prev);
	if (!entries_in_room(w))
		free(w->entries);
	hugemem_free(&w->room);
	free(w);
}

int index_writer_reserve(struct index_writer *w, size_t n_entries, size_t text)
{
	size_t entries, keys, total;
	struct entry *n;

	if (w->n > 0 || w->alloc > 0 || n_entries == 0)
		return 0;
	if (umulsz_overflow(n_entries, sizeof(struct entry), &entries) ||
	    umulsz_overflow(n_entries, sizeof(struct ukey), &keys) ||
	    uaddsz_overflow(entries, keys, &total) ||
	    uaddsz_overflow(total, sizeof(struct arena_block) + 16, &total) ||
	    uaddsz_overflow(total, text, &total))
		return -ENOMEM;
	if (total < HUGEMEM_MIN || hugemem_alloc(&w->room, total) < 0) {
		n = malloc(entries);
		if (n == NULL)
			return -ENOMEM;
		w->entries = n;
		w->alloc = n_entries;
		return 0;
	}
	w->entries = w->room.p;
	w->alloc = w->room_entries = n_entries;
	w->room_keys = (struct ukey *)((char *)w->room.p + entries);
	/* entry and ukey sizes are multiples of 8, as is the block's header */
	w->room_block = (struct arena_block *)((char *)w->room_keys + keys);
	w->room_block->next = NULL;
	w->room_block->used = 0;
	w->room_block->size = w->room.len - entries - keys - sizeof(struct arena_block);
	w->arena = w->room_block;
	return 0;
}

static const char *arena_strdup(struct index_writer *w, const char *s, size_t len)
{
	struct arena_block *b = w->arena;
	size_t need = len + 1;
	char *p;

	if (b == NULL || b->size - b->used < need) {
		size_t size = need > ARENA_BLOCK ? need : ARENA_BLOCK;
		size_t total;

		if (uaddsz_overflow(size, sizeof(*b), &total))
			return NULL;
		b = malloc(total);
		if (b == NULL)
			return NULL;
		b->used = 0;
		b->size = size;
		/* keep a partly used block in front when the new one is a big one-off */
		if (w->arena != NULL && size > ARENA_BLOCK) {
			b->next = w->arena->next;
			w->arena->next = b;
		} else {
			b->next = w->arena;
			w->arena = b;
		}
	}
	p = b->data + b->used;
	memcpy(p, s, len + 1);
	b->used += need;
	return p;
}

/* Is @s 7-bit ASCII? Its length in *@len. Eight bytes at a time. */
static bool is_ascii(const char *s, size_t *len)
{
	size_t n = strlen(s), i = 0;
	uint64_t seen = 0;

	for (; i + sizeof(seen) <= n; i += sizeof(seen)) {
		uint64_t w;

		memcpy(&w, s + i, sizeof(w));
		seen |= w;
	}
	for (; i < n; i++)
		seen |= (unsigned char)s[i];
	*len = n;
	return (seen & 0x8080808080808080ull) == 0;
}

int index_writer_add(struct index_writer *w, const char *key, const char *value,
		     unsigned int priority)
{
	return index_writer_add_kept(w, key, value, priority, 0);
}

int index_writer_add_kept(struct index_writer *w, const char *key, const char *value,
			  unsigned int priority, unsigned int keep)
{
	size_t klen, vlen;
	struct entry *e;

	if (!is_ascii(key, &klen) || !is_ascii(value, &vlen))
		return -EINVAL;
	if (klen > UINT32_MAX || vlen > UINT32_MAX || w->n >= UINT32_MAX)
		return -EFBIG;

	if (w->n == w->alloc) {
		size_t nalloc = w->alloc ? w->alloc : 1024, bytes;
		struct entry *n;

		if (umulsz_overflow(nalloc, 2, &nalloc) ||
		    umulsz_overflow(nalloc, sizeof(*n), &bytes))
			return -ENOMEM;
		if (entries_in_room(w)) {
			/* outgrown: the entries move, the room stays for the rest */
			n = malloc(bytes);
			if (n != NULL)
				memcpy(n, w->entries, w->n * sizeof(*n));
		} else {
			n = realloc(w->entries, bytes);
		}
		if (n == NULL)
			return -ENOMEM;
		w->entries = n;
		w->alloc = nalloc;
	}

	e = &w->entries[w->n];
	e->key = keep & INDEX_KEEP_KEY ? key : arena_strdup(w, key, klen);
	if (e->key == NULL)
		return -ENOMEM;
	e->value = keep & INDEX_KEEP_VALUE ? value : arena_strdup(w, value, vlen);
	if (e->value == NULL)
		return -ENOMEM;
	e->priority = priority;
	e->seq = (uint32_t)w->n;
	e->keylen = (uint32_t)klen;
	e->valuelen = (uint32_t)vlen;
	w->n++;
	return 0;
}

static void dups_drop(struct index_writer *w)
{
	hash_free(w->dups);
	free(w->prev);
	w->dups = NULL;
	w->prev = NULL;
	w->nprev = w->prev_alloc = 0;
}

/* index entries [w->nprev, w->n) in the duplicate table */
static int dups_update(struct index_writer *w)
{
	size_t *n;
	int r;

	if (w->dups == NULL) {
		w->dups = hash_new(4096, NULL);
		if (w->dups == NULL)
			return -ENOMEM;
	}
	if (w->prev_alloc < w->alloc) {
		n = reallocarray(w->prev, w->alloc, sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		w->prev = n;
		w->prev_alloc = w->alloc;
	}
	for (; w->nprev < w->n; w->nprev++) {
		const char *key = w->entries[w->nprev].key;

		w->prev[w->nprev] = (uintptr_t)hash_find(w->dups, key);
		r = hash_add(w->dups, key, (void *)(uintptr_t)(w->nprev + 1));
		if (r < 0)
			return r;
	}
	return 0;
}

int index_writer_add_dup(struct index_writer *w, const char *key, const char *value,
			 unsigned int priority, bool *duplicate)
{
	size_t i;
	int r;

	r = index_writer_add(w, key, value, priority);
	if (r < 0)
		return r;
	r = dups_update(w);
	if (r < 0) {
		dups_drop(w);
		return r;
	}
	*duplicate = false;
	for (i = w->prev[w->n - 1]; i > 0; i = w->prev[i - 1]) {
		if (streq(w->entries[i - 1].value, value)) {
			*duplicate = true;
			break;
		}
	}
	return 0;
}

/* for equal keys: priority ascending, then the later insertion first */
static int tie_cmp(const struct entry *a, const struct entry *b)
{
	if (a->priority != b->priority)
		return a->priority < b->priority ? -1 : 1;
	return a->seq > b->seq ? -1 : (a->seq < b->seq ? 1 : 0);
}

/* key ascending (from byte @depth on: the bytes before are equal), then tie_cmp */
static int entry_cmp_from(const struct entry *a, const struct entry *b, size_t depth)
{
	int r = strcmp(a->key + depth, b->key + depth);

	return r != 0 ? r : tie_cmp(a, b);
}

/*
 * The 8 bytes of @e's key from @depth on, zero past its end, as a big-endian
 * number: words compare as the bytes do (strcmp's order, '\0' lowest).
 */
static inline uint64_t key_word(const struct entry *e, size_t depth)
{
	size_t left = e->keylen > depth ? e->keylen - depth : 0;
	uint64_t w = 0;

	memcpy(&w, e->key + depth, left < sizeof(w) ? left : sizeof(w));
	return be64toh(w);
}

static void swap_entries(struct entry *a, struct entry *b)
{
	struct entry t = *a;

	*a = *b;
	*b = t;
}

/*
 * Multikey quicksort (Bentley and Sedgewick), 8 bytes at a time: partition on
 * one word of the keys at a time, so a key's long prefix shared with many others
 * ("pci:v0000", "symbol:") is not compared again and again as qsort with strcmp
 * does, and a 40-byte key takes five rounds, not forty. Gives the order
 * entry_cmp_from(.., 0) defines, which is total (seq is unique). @depth: the keys
 * of a[0..n) agree on their first @depth bytes. Past @budget nested partitions
 * (keys made to defeat the pivot choice), qsort finishes the job, so the
 * recursion stays shallow.
 */
static int qsort_cmp(const void *pa, const void *pb, void *depth)
{
	return entry_cmp_from(pa, pb, *(const size_t *)depth);
}

/*
 * Each key's word at @depth, read once into its entry: the partitions at that
 * depth compare the copies, in one array, rather than reach every key again.
 */
static void load_words(struct entry *a, size_t n, size_t depth)
{
	for (size_t i = 0; i < n; i++)
		a[i].word = key_word(&a[i], depth);
}

/*
 * entry_cmp_from(@a, @b, @depth) for two entries whose words are those at
 * @depth: the keys' bytes are read only when the words are equal and go on.
 */
static int entry_cmp_word(const struct entry *a, const struct entry *b, size_t depth)
{
	if (a->word != b->word)
		return a->word < b->word ? -1 : 1;
	if ((a->word & 0xff) == 0) /* both keys end in this word */
		return tie_cmp(a, b);
	return entry_cmp_from(a, b, depth + sizeof(a->word));
}

/* a[0..n): their words are those at @depth */
static void sort_entries(struct entry *a, size_t n, size_t depth, unsigned int budget)
{
	while (n > 1) {
		size_t lt = 0, i = 0, gt = n;
		uint64_t pivot;

		if (budget-- == 0) {
			qsort_r(a, n, sizeof(*a), qsort_cmp, &depth);
			return;
		}
		if (n < 12) {
			for (size_t k = 1; k < n; k++)
				for (size_t j = k;
				     j > 0 && entry_cmp_word(&a[j - 1], &a[j], depth) > 0;
				     j--)
					swap_entries(&a[j - 1], &a[j]);
			return;
		}
		/* median of three words as the pivot */
		{
			uint64_t x = a[0].word, y = a[n / 2].word, z = a[n - 1].word;

			pivot = x < y ? (y < z ? y : (x < z ? z : x))
				      : (x < z ? x : (y < z ? z : y));
		}
		/* a[0..lt) < pivot, a[lt..i) == pivot, a[gt..n) > pivot */
		while (i < gt) {
			uint64_t c = a[i].word;

			if (c < pivot)
				swap_entries(&a[lt++], &a[i++]);
			else if (c > pivot)
				swap_entries(&a[i], &a[--gt]);
			else
				i++;
		}
		sort_entries(a, lt, depth, budget);
		sort_entries(a + gt, n - gt, depth, budget);
		a += lt;
		n = gt - lt;
		if ((pivot & 0xff) == 0) {
			/* the keys end in this word (no key holds a NUL): the same key */
			for (size_t k = 1; k < n; k++)
				for (size_t j = k; j > 0 && tie_cmp(&a[j - 1], &a[j]) > 0;
				     j--)
					swap_entries(&a[j - 1], &a[j]);
			return;
		}
		depth += sizeof(pivot);
		load_words(a, n, depth);
	}
}

static int push_u32(struct strbuf *out, uint32_t v)
{
	unsigned char b[4] = { v >> 24, v >> 16, v >> 8, v };

	return strbuf_push(out, b, sizeof(b));
}

/* big-endian, as kmod writes the indexes */
static inline void store_u32(char *p, uint32_t v)
{
	unsigned char *b = (unsigned char *)p;

	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v;
}

static void put_u32(struct strbuf *out, size_t at, uint32_t v)
{
	unsigned char *b = (unsigned char *)out->buf + at;

	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v;
}

static int stack_push(struct wctx *c, unsigned char ch, uint32_t ref)
{
	if (c->sp == c->salloc) {
		size_t nalloc = c->salloc ? c->salloc * 2 : 256;
		struct child_ref *n = reallocarray(c->stack, nalloc, sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		c->stack = n;
		c->salloc = nalloc;
	}
	c->stack[c->sp].ch = ch;
	c->stack[c->sp].ref = ref;
	c->sp++;
	return 0;
}

/*
 * End of the run of keys from @lo (< @hi) with the same character at @pos, all
 * of which share their first @pos bytes: a key has its predecessor's character
 * at @pos when they share more than @pos bytes (no key string is read).
 */
static size_t group_end(const struct ukey *keys, size_t lo, size_t hi, size_t pos)
{
	for (lo++; lo < hi && keys[lo].shared > pos; lo++)
		;
	return lo;
}

/*
 * Write the node body at the current end of the output: prefix, child table
 * (filled from @kids, or zeros to be patched when @kids is NULL), values.
 * Returns the node reference through @ref and the child table position.
 */
static int write_body(struct wctx *c, const char *prefix, size_t plen,
		      const struct ukey *vals, unsigned char first, unsigned char last,
		      const struct child_ref *kids, size_t nkids, uint32_t *ref,
		      size_t *table)
{
	struct strbuf *out = c->out;
	size_t offset = out->used - c->base, size = 0;
	const struct entry *e = vals != NULL ? &c->w->entries[vals->first] : NULL;
	uint32_t flags = 0;
	char *p;
	int r;

	if (offset > INDEX_NODE_MASK)
		return -EFBIG;
	if (vals != NULL && vals->count > UINT32_MAX)
		return -EFBIG;

	/* the node's size first, then one reservation and plain stores */
	if (plen > 0)
		size += plen + 1;
	if (nkids > 0)
		size += 2 + 4 * ((size_t)(last - first) + 1);
	if (vals != NULL) {
		size += 4;
		for (size_t i = 0; i < vals->count; i++)
			size += 4 + (size_t)e[i].valuelen + 1;
	}
	r = strbuf_reserve(out, size);
	if (r < 0)
		return r;
	p = out->buf + out->used;

	if (plen > 0) {
		memcpy(p, prefix, plen);
		p[plen] = '\0';
		p += plen + 1;
		flags |= INDEX_NODE_PREFIX;
	}

	if (nkids > 0) {
		size_t k = 0;

		*p++ = (char)first;
		*p++ = (char)last;
		*table = (size_t)(p - out->buf);
		for (int ch = first; ch <= last; ch++) {
			uint32_t v = 0;

			if (kids != NULL && k < nkids && kids[k].ch == ch)
				v = kids[k++].ref;
			store_u32(p, v);
			p += 4;
		}
		flags |= INDEX_NODE_CHILDS;
	}

	if (vals != NULL) {
		store_u32(p, (uint32_t)vals->count);
		p += 4;
		for (size_t i = 0; i < vals->count; i++) {
			size_t vl = (size_t)e[i].valuelen + 1;

			store_u32(p, e[i].priority);
			memcpy(p + 4, e[i].value, vl);
			p += 4 + vl;
		}
		flags |= INDEX_NODE_VALUES;
	}
	out->used += size;
	out->buf[out->used] = '\0';

	*ref = (uint32_t)offset | flags;
	return 0;
}

/*
 * The node for the keys [lo, hi), which share their first @depth characters.
 * The root (@root) keeps an empty prefix, as kmod's root is never split.
 */
static int write_node(struct wctx *c, size_t lo, size_t hi, size_t depth, bool root,
		      uint32_t *ref)
{
	const struct ukey *keys = c->keys;
	const struct ukey *vals = NULL;
	const char *pfx = lo < hi ? keys[lo].key + depth : "";
	size_t end = depth, start, i, mark = c->sp, nkids = 0, table = 0;
	unsigned char first = 0, last = 0;
	int r;

	if (!root && lo < hi) {
		/* what the first and last key share: the least of what neighbours do */
		end = keys[lo].len;
		for (i = lo + 1; i < hi; i++)
			if (keys[i].shared < end)
				end = keys[i].shared;
	}

	start = lo;
	if (lo < hi && keys[lo].len == end) {
		vals = &keys[lo];
		start++;
	}

	for (i = start; i < hi; i = group_end(keys, i, hi, end)) {
		if (nkids == 0)
			first = (unsigned char)keys[i].key[end];
		last = (unsigned char)keys[i].key[end];
		nkids++;
	}

	if (c->preorder) {
		r = write_body(c, pfx, end - depth, vals, first, last, NULL, nkids, ref,
			       &table);
		if (r < 0)
			return r;
		for (i = start; i < hi;) {
			size_t j = group_end(keys, i, hi, end);
			uint32_t cref;
			unsigned char ch = (unsigned char)keys[i].key[end];

			r = write_node(c, i, j, end + 1, false, &cref);
			if (r < 0)
				return r;
			put_u32(c->out, table + 4 * (size_t)(ch - first), cref);
			i = j;
		}
		return 0;
	}

	for (i = start; i < hi;) {
		size_t j = group_end(keys, i, hi, end);
		uint32_t cref;

		r = write_node(c, i, j, end + 1, false, &cref);
		if (r < 0)
			return r;
		r = stack_push(c, (unsigned char)keys[i].key[end], cref);
		if (r < 0)
			return r;
		i = j;
	}

	r = write_body(c, pfx, end - depth, vals, first, last,
		       nkids > 0 ? c->stack + mark : NULL, nkids, ref, &table);
	c->sp = mark;
	return r;
}

static int serialize(struct index_writer *w, struct strbuf *out, bool preorder)
{
	struct wctx c = { .w = w, .out = out, .base = out->used, .preorder = preorder };
	_cleanup_free_ struct ukey *own_keys = NULL;
	struct ukey *keys = NULL;
	size_t nkeys = 0, i, saved = out->used;
	uint32_t root;
	int r;

	dups_drop(w); /* entry indices change */
	if (w->n > 0) {
		load_words(w->entries, w->n, 0);
		sort_entries(w->entries, w->n, 0, 128);
		if (w->n <= w->room_entries) {
			keys = w->room_keys;
		} else {
			keys = own_keys = calloc(w->n, sizeof(*keys));
			if (keys == NULL)
				return -ENOMEM;
		}
	}
	for (i = 0; i < w->n; i++) {
		const struct entry *e = &w->entries[i];
		size_t shared = 0;

		if (nkeys > 0) {
			const struct ukey *prev = &keys[nkeys - 1];
			size_t most = prev->len < e->keylen ? prev->len : e->keylen;

			while (shared < most && prev->key[shared] == e->key[shared])
				shared++;
			if (shared == prev->len && shared == e->keylen) {
				keys[nkeys - 1].count++;
				continue;
			}
		}
		keys[nkeys].key = e->key;
		keys[nkeys].len = e->keylen;
		keys[nkeys].first = (uint32_t)i; /* w->n < UINT32_MAX */
		keys[nkeys].count = 1;
		keys[nkeys].shared = (uint32_t)shared; /* <= keylen */
		nkeys++;
	}
	c.keys = keys;

	if ((r = push_u32(out, INDEX_MAGIC)) < 0 ||
	    (r = push_u32(out, INDEX_VERSION)) < 0 || (r = push_u32(out, 0)) < 0)
		goto fail;

	r = write_node(&c, 0, nkeys, 0, true, &root);
	if (r < 0)
		goto fail;
	put_u32(out, c.base + 8, root);
	free(c.stack);
	return 0;

fail:
	free(c.stack);
	out->used = saved;
	if (out->buf != NULL)
		out->buf[saved] = '\0';
	return r;
}

int index_writer_serialize(struct index_writer *w, struct strbuf *out)
{
	return serialize(w, out, false);
}

int index_writer_serialize_preorder(struct index_writer *w, struct strbuf *out)
{
	return serialize(w, out, true);
}
