// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Index reader. The file is read into memory once; nodes are decoded on the fly
 * from a node reference (offset | flags) into a small struct that points into
 * the buffer, after every field has been checked against the buffer size.
 *
 * Walks that visit whole subtrees (dump, foreach, wildcard level 3) are bounded
 * in two ways: a recursion depth limit, and a work budget counted in decoded
 * node bytes (at least 1 per node). A genuine trie decodes each node once per
 * walk, so the budget (twice the file size) is never reached; a crafted file whose child
 * references form a loop or a heavily shared DAG runs out of budget and gives -EBADMSG.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "index.h"
#include "util.h"

#define INDEX_MAGIC 0xB007F457U
#define INDEX_VERSION_MAJOR 0x0002U
#define INDEX_NODE_PREFIX 0x80000000U
#define INDEX_NODE_VALUES 0x40000000U
#define INDEX_NODE_CHILDS 0x20000000U
#define INDEX_NODE_MASK 0x0FFFFFFFU
#define INDEX_CHILDMAX 128
#define INDEX_HEADER_SIZE 12

/* deeper than any real trie (depth <= key length, and a real key is short) */
#define INDEX_MAX_DEPTH 4096
/* refuse to load absurd files: node offsets have 28 bits */
#define INDEX_MAX_FILE (1024UL * 1024 * 1024)

struct index {
	size_t size;
	uint32_t root;
	const unsigned char *data;
	void *map; /* the file's mapping, or NULL when data is the copy below */
	unsigned char copy[];
};

struct node {
	const char *prefix; /* NUL-terminated inside the buffer, or "" */
	const unsigned char *children; /* big-endian refs, last - first + 1 */
	const unsigned char *values; /* first value record */
	uint32_t nvalues;
	int first, last; /* first > last: no children */
};

struct walk {
	const struct index *idx;
	uint64_t budget;
	unsigned int depth;
};

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* length of the string at @off if it is NUL-terminated inside the buffer */
static int str_at(const struct index *idx, size_t off, size_t *len)
{
	const unsigned char *nul;

	if (off >= idx->size)
		return -EBADMSG;
	nul = memchr(idx->data + off, '\0', idx->size - off);
	if (nul == NULL)
		return -EBADMSG;
	*len = (size_t)(nul - (idx->data + off));
	return 0;
}

/*
 * Decode the node at @ref. Returns 1 and fills @n, 0 for "no node" (offset 0),
 * or -EBADMSG. Every value record is checked here, so users of @n can walk
 * them without further checks. @cost receives the number of bytes decoded.
 */
static int read_node(const struct index *idx, uint32_t ref, struct node *n, size_t *cost)
{
	size_t off = ref & INDEX_NODE_MASK, start = off, len;
	uint32_t i;
	int r;

	*cost = 1;
	if (off == 0)
		return 0;

	n->prefix = "";
	n->children = NULL;
	n->values = NULL;
	n->nvalues = 0;
	n->first = INDEX_CHILDMAX;
	n->last = 0;

	/* a node without fields occupies no bytes (the root of an empty index) */
	if ((ref & ~INDEX_NODE_MASK) == 0)
		return off <= idx->size ? 1 : -EBADMSG;
	if (off >= idx->size)
		return -EBADMSG;

	if (ref & INDEX_NODE_PREFIX) {
		r = str_at(idx, off, &len);
		if (r < 0)
			return r;
		n->prefix = (const char *)idx->data + off;
		off += len + 1;
	}

	if (ref & INDEX_NODE_CHILDS) {
		size_t count;

		if (!range_valid(off, 2, idx->size))
			return -EBADMSG;
		n->first = idx->data[off];
		n->last = idx->data[off + 1];
		if (n->first > n->last || n->last >= INDEX_CHILDMAX)
			return -EBADMSG;
		off += 2;
		count = (size_t)(n->last - n->first + 1);
		if (!range_valid(off, 4 * count, idx->size))
			return -EBADMSG;
		n->children = idx->data + off;
		off += 4 * count;
	}

	if (ref & INDEX_NODE_VALUES) {
		if (!range_valid(off, 4, idx->size))
			return -EBADMSG;
		n->nvalues = get_be32(idx->data + off);
		off += 4;
		/* each record takes at least 5 bytes */
		if (n->nvalues > (idx->size - off) / 5)
			return -EBADMSG;
		n->values = idx->data + off;
		for (i = 0; i < n->nvalues; i++) {
			if (!range_valid(off, 4, idx->size))
				return -EBADMSG;
			r = str_at(idx, off + 4, &len);
			if (r < 0)
				return r;
			off += 4 + len + 1;
		}
	}

	*cost = off > start ? off - start : 1;
	return 1;
}

/* walk the value records of a decoded node */
static const unsigned char *value_next(const unsigned char *p, unsigned int *prio,
				       const char **value)
{
	*prio = get_be32(p);
	*value = (const char *)p + 4;
	return p + 4 + strlen(*value) + 1;
}

static int read_child(const struct index *idx, const struct node *parent, int ch,
		      struct node *child, size_t *cost)
{
	*cost = 0;
	if (ch < parent->first || ch > parent->last)
		return 0;
	return read_node(idx,
			 get_be32(parent->children + 4 * (size_t)(ch - parent->first)),
			 child, cost);
}

/* charge a decoded node to a walk */
static int walk_charge(struct walk *w, size_t cost)
{
	if (cost > w->budget)
		return -EBADMSG;
	w->budget -= cost;
	return 0;
}

static int walk_read_child(struct walk *w, const struct node *parent, int ch,
			   struct node *child)
{
	size_t cost;
	int r = read_child(w->idx, parent, ch, child, &cost);

	if (r < 0)
		return r;
	if (walk_charge(w, cost) < 0)
		return -EBADMSG;
	return r;
}

static void walk_init(struct walk *w, const struct index *idx)
{
	w->idx = idx;
	w->budget = 2 * (uint64_t)idx->size + 64;
	w->depth = 0;
}

static int index_new(size_t size, struct index **out)
{
	struct index *idx;

	if (size < INDEX_HEADER_SIZE || size > INDEX_MAX_FILE)
		return size < INDEX_HEADER_SIZE ? -EBADMSG : -EFBIG;
	idx = malloc(sizeof(*idx) + size);
	if (idx == NULL)
		return -ENOMEM;
	idx->size = size;
	idx->data = idx->copy;
	idx->map = NULL;
	*out = idx;
	return 0;
}

static int index_check_header(struct index *idx)
{
	if (get_be32(idx->data) != INDEX_MAGIC ||
	    get_be32(idx->data + 4) >> 16 != INDEX_VERSION_MAJOR)
		return -EBADMSG;
	idx->root = get_be32(idx->data + 8);
	return 0;
}

int index_open_memory(const void *data, size_t size, struct index **out)
{
	struct index *idx;
	int r;

	r = index_new(size, &idx);
	if (r < 0)
		return r;
	memcpy(idx->copy, data, size);
	r = index_check_header(idx);
	if (r < 0) {
		free(idx);
		return r;
	}
	*out = idx;
	return 0;
}

int index_open_at(int dirfd, const char *path, struct index **out)
{
	_cleanup_close_ int fd = -1;
	struct index *idx;
	struct stat st;
	int r;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADMSG;
	if (st.st_size < 0 || (uint64_t)st.st_size > INDEX_MAX_FILE)
		return -EFBIG;

	if ((uint64_t)st.st_size < INDEX_HEADER_SIZE)
		return -EBADMSG;
	/*
	 * Mapped, as libkmod does: a lookup touches a few pages of a file of a
	 * megabyte or more. depmod replaces indexes by rename, so a mapped file
	 * does not change under us.
	 */
	idx = malloc(sizeof(*idx));
	if (idx == NULL)
		return -ENOMEM;
	idx->size = (size_t)st.st_size;
	idx->map = mmap(NULL, idx->size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (idx->map == MAP_FAILED) {
		r = -errno;
		free(idx);
		return r;
	}
	idx->data = idx->map;
	r = index_check_header(idx);
	if (r < 0) {
		index_close(idx);
		return r;
	}
	*out = idx;
	return 0;
}

int index_open(const char *path, struct index **out)
{
	return index_open_at(AT_FDCWD, path, out);
}

void index_close(struct index *idx)
{
	if (idx == NULL)
		return;
	if (idx->map)
		munmap(idx->map, idx->size);
	free(idx);
}

static int read_root(const struct index *idx, struct node *n, size_t *cost)
{
	return read_node(idx, idx->root, n, cost);
}

int index_search(const struct index *idx, const char *key, char **value)
{
	struct node n;
	size_t i = 0, cost;
	int r;

	r = read_root(idx, &n, &cost);
	while (r > 0) {
		size_t j;

		for (j = 0; n.prefix[j] != '\0'; j++) {
			if (n.prefix[j] != key[i + j])
				return -ENOENT;
		}
		i += j;

		if (key[i] == '\0') {
			unsigned int prio;
			const char *v;

			if (n.nvalues == 0)
				return -ENOENT;
			value_next(n.values, &prio, &v);
			*value = strdup(v);
			return *value != NULL ? 0 : -ENOMEM;
		}

		r = read_child(idx, &n, (unsigned char)key[i], &n, &cost);
		i++;
	}
	return r < 0 ? r : -ENOENT;
}

void index_values_free(struct index_values *vals)
{
	size_t i;

	for (i = 0; i < vals->n; i++)
		free(vals->v[i].value);
	free(vals->v);
	vals->v = NULL;
	vals->n = 0;
}

/* growable result list, kept sorted like libkmod's add_value() */
struct results {
	struct index_values *vals;
	size_t alloc;
};

static int results_add(struct results *res, const char *value, unsigned int prio)
{
	struct index_values *vals = res->vals;
	size_t lo = 0, hi = vals->n;
	char *copy;

	if (vals->n == res->alloc) {
		size_t nalloc = res->alloc ? res->alloc * 2 : 8;
		struct index_value *nv = reallocarray(vals->v, nalloc, sizeof(*nv));

		if (nv == NULL)
			return -ENOMEM;
		vals->v = nv;
		res->alloc = nalloc;
	}
	copy = strdup(value);
	if (copy == NULL)
		return -ENOMEM;

	/* before the first value whose priority is >= @prio */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (vals->v[mid].priority < prio)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(vals->v + lo + 1, vals->v + lo, (vals->n - lo) * sizeof(*vals->v));
	vals->v[lo].priority = prio;
	vals->v[lo].value = copy;
	vals->n++;
	return 0;
}

static int results_add_node(struct results *res, const struct node *n)
{
	const unsigned char *p = n->values;
	uint32_t i;
	int r;

	for (i = 0; i < n->nvalues; i++) {
		unsigned int prio;
		const char *v;

		p = value_next(p, &prio, &v);
		r = results_add(res, v, prio);
		if (r < 0)
			return r;
	}
	return 0;
}

static int buf_push(struct strbuf *buf, const char *s, size_t len)
{
	return strbuf_push(buf, s, len);
}

static void buf_truncate(struct strbuf *buf, size_t len)
{
	buf->used = len;
	if (buf->buf != NULL)
		buf->buf[len] = '\0';
}

/*
 * Each child of @n in byte order, its byte pushed on @buf while @fn(w, child, buf,
 * @data) runs. Stops at the first result that is not 0 and returns it.
 */
static int for_each_child(struct walk *w, const struct node *n, struct strbuf *buf,
			  int (*fn)(struct walk *w, const struct node *child,
				    struct strbuf *buf, void *data),
			  void *data)
{
	for (int ch = n->first; ch <= n->last; ch++) {
		struct node child;
		char c = (char)ch;
		int r = walk_read_child(w, n, ch, &child);

		if (r < 0)
			return r;
		if (r == 0)
			continue;
		r = buf_push(buf, &c, 1);
		if (r < 0)
			return r;
		r = fn(w, &child, buf, data);
		if (r != 0)
			return r;
		buf_truncate(buf, buf->used - 1);
	}
	return 0;
}

static int wild_all(struct walk *w, const struct node *n, size_t j, struct strbuf *buf,
		    const char *subkey, struct results *res);

struct wild_args {
	const char *subkey;
	struct results *res;
};

static int wild_child(struct walk *w, const struct node *child, struct strbuf *buf,
		      void *data)
{
	const struct wild_args *a = data;

	return wild_all(w, child, 0, buf, a->subkey, a->res);
}

/*
 * Level 3: every key below @n (whose prefix is taken from position @j) is a
 * pattern starting at a wildcard; match it against @subkey. Children first,
 * then the node's own values, as libkmod does.
 */
static int wild_all(struct walk *w, const struct node *n, size_t j, struct strbuf *buf,
		    const char *subkey, struct results *res)
{
	size_t mark = buf->used;
	int r;

	if (++w->depth > INDEX_MAX_DEPTH)
		return -EBADMSG;

	r = buf_push(buf, n->prefix + j, strlen(n->prefix + j));
	if (r < 0)
		return r;

	r = for_each_child(w, n, buf, wild_child, &(struct wild_args){ subkey, res });
	if (r < 0)
		return r;

	if (n->nvalues > 0) {
		const char *pattern = strbuf_str(buf);

		if (pattern == NULL)
			return -ENOMEM;
		if (fnmatch(pattern, subkey, 0) == 0) {
			r = results_add_node(res, n);
			if (r < 0)
				return r;
		}
	}

	buf_truncate(buf, mark);
	w->depth--;
	return 0;
}

/* start a level-3 walk at @n, with @lead (a wildcard char) or nothing in front */
static int wild_start(const struct index *idx, const struct node *n, size_t j, char lead,
		      const char *subkey, struct results *res)
{
	struct strbuf buf = STRBUF_INIT;
	struct walk w;
	int r = 0;

	walk_init(&w, idx);
	if (lead != '\0')
		r = buf_push(&buf, &lead, 1);
	if (r == 0)
		r = wild_all(&w, n, j, &buf, subkey, res);
	strbuf_release(&buf);
	return r;
}

static int search_wild(const struct index *idx, const char *key, struct results *res)
{
	static const char wildcards[] = { '*', '?', '[' };
	struct node n;
	size_t i = 0, cost, k;
	int r;

	r = read_root(idx, &n, &cost);
	while (r > 0) {
		size_t j;

		for (j = 0; n.prefix[j] != '\0'; j++) {
			char ch = n.prefix[j];

			if (ch == '*' || ch == '?' || ch == '[')
				return wild_start(idx, &n, j, '\0', key + i + j, res);
			if (ch != key[i + j])
				return 0;
		}
		i += j;

		for (k = 0; k < ARRAY_SIZE(wildcards); k++) {
			struct node child;

			r = read_child(idx, &n, wildcards[k], &child, &cost);
			if (r < 0)
				return r;
			if (r == 0)
				continue;
			r = wild_start(idx, &child, 0, wildcards[k], key + i, res);
			if (r < 0)
				return r;
		}

		if (key[i] == '\0')
			return results_add_node(res, &n);

		r = read_child(idx, &n, (unsigned char)key[i], &n, &cost);
		i++;
	}
	return r;
}

int index_search_wild(const struct index *idx, const char *key, struct index_values *out)
{
	struct results res = { .vals = out };
	int r;

	out->v = NULL;
	out->n = 0;
	r = search_wild(idx, key, &res);
	if (r < 0)
		index_values_free(out);
	return r;
}

/* DFS in ascending char order: the node's values, then its children */
typedef int (*visit_fn)(void *data, const char *key, size_t keylen, const char *value,
			unsigned int priority);

static int walk_all(struct walk *w, const struct node *n, struct strbuf *buf, visit_fn fn,
		    void *data);

struct walk_args {
	visit_fn fn;
	void *data;
};

static int walk_child(struct walk *w, const struct node *child, struct strbuf *buf,
		      void *data)
{
	const struct walk_args *a = data;

	return walk_all(w, child, buf, a->fn, a->data);
}

static int walk_all(struct walk *w, const struct node *n, struct strbuf *buf, visit_fn fn,
		    void *data)
{
	size_t mark = buf->used;
	const unsigned char *p = n->values;
	uint32_t i;
	int r;

	if (++w->depth > INDEX_MAX_DEPTH)
		return -EBADMSG;

	r = buf_push(buf, n->prefix, strlen(n->prefix));
	if (r < 0)
		return r;

	for (i = 0; i < n->nvalues; i++) {
		const char *key = strbuf_str(buf);
		unsigned int prio;
		const char *v;

		if (key == NULL)
			return -ENOMEM;
		p = value_next(p, &prio, &v);
		r = fn(data, key, buf->used, v, prio);
		if (r != 0)
			return r;
	}

	r = for_each_child(w, n, buf, walk_child, &(struct walk_args){ fn, data });
	if (r != 0)
		return r;

	buf_truncate(buf, mark);
	w->depth--;
	return 0;
}

static int walk_index(const struct index *idx, const char *prefix, visit_fn fn,
		      void *data)
{
	struct strbuf buf = STRBUF_INIT;
	struct walk w;
	struct node root;
	size_t cost;
	int r;

	walk_init(&w, idx);
	r = read_root(idx, &root, &cost);
	if (r <= 0)
		return r;
	r = walk_charge(&w, cost);
	if (r == 0)
		r = strbuf_pushstr(&buf, prefix);
	if (r == 0)
		r = walk_all(&w, &root, &buf, fn, data);
	strbuf_release(&buf);
	return r;
}

static int dump_one(void *data, const char *key, size_t keylen, const char *value,
		    unsigned int priority)
{
	struct strbuf *out = data;
	int r;

	if ((r = strbuf_push(out, key, keylen)) < 0 ||
	    (r = strbuf_pushchar(out, ' ')) < 0 || (r = strbuf_pushstr(out, value)) < 0 ||
	    (r = strbuf_pushchar(out, '\n')) < 0)
		return r;
	return 0;
}

int index_dump(const struct index *idx, const char *prefix, struct strbuf *out)
{
	size_t saved = out->used;
	int r = walk_index(idx, prefix != NULL ? prefix : "", dump_one, out);

	if (r < 0)
		buf_truncate(out, saved);
	return r;
}

struct foreach_ctx {
	int (*fn)(void *data, const char *key, const char *value, unsigned int priority);
	void *data;
};

static int foreach_one(void *data, const char *key, size_t keylen, const char *value,
		       unsigned int priority)
{
	struct foreach_ctx *c = data;

	return c->fn(c->data, key, value, priority);
}

int index_foreach(const struct index *idx,
		  int (*fn)(void *data, const char *key, const char *value,
			    unsigned int priority),
		  void *data)
{
	struct foreach_ctx c = { fn, data };

	return walk_index(idx, "", foreach_one, &c);
}
