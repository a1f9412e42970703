// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The module walk and the module order, with kmod 30's rules:
 *  - readdir order (not sorted), '.', '..', 'build', 'source' and excluded names
 *    skipped at every depth, symlinks followed;
 *  - a duplicate name is settled by overrides, then by the search list, the first
 *    one found winning a tie;
 *  - the array is in hash order over 512 buckets, then stably sorted so that the
 *    modules listed in modules.order come first, in file order.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "depmod-config.h"
#include "hash.h"
#include "modscan.h"
#include "strbuf.h"

struct modscan {
	char *dirname;
	size_t dirnamelen;
	const struct depmod_config *cfg;
	const struct mk_log *log;
	struct hash *by_name;
	struct modscan_mod **array;
	size_t n_array;
	void (*add_hook)(void *data, struct modscan_mod *m, struct modscan_dir *dir);
	void *add_hook_data;
	/* directories kept open for the hook, and how many may be */
	unsigned int live_dirs, max_live_dirs;
	/* lazy links: the walk's messages are held until modscan_walk_end() */
	bool lazy_links;
	bool dirs_by_path; /* modscan_set_dirs_by_path() */
	bool must_rewalk;
	const struct mk_log *real_log;
	struct mk_log hold_log;
	struct mk_log_held held;
	struct modscan_mod **dead; /* replaced by a duplicate, freed at the end */
	struct mod_chunk *chunks; /* where mod_new() makes the modules, newest first */
	size_t chunk_used;
	size_t n_dead, cap_dead;
	/* modules.order given in memory (modscan_set_order), else the file */
	const char *order;
	size_t order_len;
	/* modscan_set_listings(): @kept's entries are offsets into @kept_bytes */
	const struct modscan_listing *(*find_listing)(void *data,
						      const struct modscan_listing *want);
	bool (*have_listings)(void *data);
	void *listing_data;
	bool keep_listings;
	struct strbuf kept_bytes;
	/*
	 * a kept listing's entries: an offset into @kept_bytes, or where @find
	 * gave them when @kept_found says so (not copied)
	 */
	struct modscan_listing *kept;
	bool *kept_found;
	size_t n_kept, cap_kept, cap_found;
};

void modscan_set_listings(struct modscan *ms,
			  const struct modscan_listing *(*find)(
				  void *data, const struct modscan_listing *want),
			  bool (*have)(void *data), void *data, bool keep)
{
	ms->find_listing = find;
	ms->have_listings = have;
	ms->listing_data = data;
	ms->keep_listings = keep;
}

/*
 * Keep listing @l, as modscan_listings() will give it: its bytes copied, or
 * with @found (one @find gave, which outlives the walk) pointed at.
 */
static int keep_listing(struct modscan *ms, const struct modscan_listing *l, bool found)
{
	struct modscan_listing *k;
	size_t n = ms->n_kept;

	if (ARRAY_GROW(ms->kept, n, ms->cap_kept, 256) < 0 ||
	    ARRAY_GROW(ms->kept_found, n, ms->cap_found, 256) < 0)
		return -ENOMEM;
	k = &ms->kept[n];
	*k = *l;
	ms->kept_found[n] = found;
	if (!found) {
		k->entries = (const unsigned char *)(uintptr_t)ms->kept_bytes.used;
		if (strbuf_push(&ms->kept_bytes, l->entries, l->len) < 0)
			return -ENOMEM;
	}
	ms->n_kept++;
	return 0;
}

size_t modscan_listings(struct modscan *ms, const struct modscan_listing **out)
{
	const unsigned char *base = (const unsigned char *)ms->kept_bytes.buf;

	/* the offsets become pointers once: nothing is kept after the walk */
	for (size_t i = 0; i < ms->n_kept; i++)
		if (base != NULL && !ms->kept_found[i])
			ms->kept[i].entries = base + (uintptr_t)ms->kept[i].entries;
	ms->keep_listings = false;
	*out = ms->kept;
	return ms->n_kept;
}

static void forget_listings(struct modscan *ms)
{
	strbuf_release(&ms->kept_bytes);
	free(ms->kept);
	free(ms->kept_found);
	ms->kept = NULL;
	ms->kept_found = NULL;
	ms->n_kept = ms->cap_kept = ms->cap_found = 0;
}

void modscan_set_add_hook(struct modscan *ms,
			  void (*fn)(void *data, struct modscan_mod *m,
				     struct modscan_dir *dir),
			  void *data)
{
	ms->add_hook = fn;
	ms->add_hook_data = data;
}

/*
 * A directory of the walk, open while the walk or a hook's user needs it: the
 * modules in it can then be opened by their basename, without walking their
 * whole path again.
 */
struct modscan_dir {
	int fd;
	unsigned int refs;
	unsigned int *live; /* the walk's count of open directories */
};

static struct modscan_dir *dir_new(int fd, unsigned int *live)
{
	struct modscan_dir *d = malloc(sizeof(*d));

	if (d == NULL)
		return NULL;
	d->fd = fd;
	d->refs = 1;
	d->live = live;
	__atomic_add_fetch(live, 1, __ATOMIC_RELAXED);
	return d;
}

void modscan_dir_ref(struct modscan_dir *d)
{
	__atomic_add_fetch(&d->refs, 1, __ATOMIC_RELAXED);
}

void modscan_dir_unref(struct modscan_dir *d)
{
	if (d == NULL || __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	close(d->fd);
	__atomic_sub_fetch(d->live, 1, __ATOMIC_RELAXED);
	free(d);
}

int modscan_dir_fd(const struct modscan_dir *d)
{
	return d->fd;
}

/*
 * The modules, thousands of small records that live as long as the walk's
 * result, are made in chunks mapped resident in one call each: a fault per
 * 4 KiB page as the walk fills them cost twice as much, on the walk's thread
 * (docs/depmod-outputs.md §12). Freed together (free_modules()).
 */
#define MOD_CHUNK ((size_t)128 << 10)

struct mod_chunk {
	struct mod_chunk *next;
	size_t size; /* of the mapping, this header included */
	max_align_t data[];
};

/* @size zeroed bytes for a module, or NULL */
static void *mod_alloc(struct modscan *ms, size_t size)
{
	size_t align = sizeof(max_align_t), need, map;
	struct mod_chunk *c;
	void *p;

	if (size > SIZE_MAX - MOD_CHUNK)
		return NULL;
	size = (size + align - 1) & ~(align - 1);
	if (ms->chunks == NULL ||
	    ms->chunks->size - offsetof(struct mod_chunk, data) - ms->chunk_used < size) {
		need = offsetof(struct mod_chunk, data) + size;
		map = need > MOD_CHUNK ? need : MOD_CHUNK;
		p = mmap(NULL, map, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		c = p;
		c->next = ms->chunks;
		c->size = map;
		ms->chunks = c;
		ms->chunk_used = 0;
	}
	p = (unsigned char *)ms->chunks->data + ms->chunk_used;
	ms->chunk_used += size;
	return p;
}

static void free_mod_chunks(struct modscan *ms)
{
	while (ms->chunks != NULL) {
		struct mod_chunk *c = ms->chunks;

		ms->chunks = c->next;
		munmap(c, c->size);
	}
	ms->chunk_used = 0;
}

int modscan_new(const char *dirname, const struct depmod_config *cfg,
		const struct mk_log *log, struct modscan **out)
{
	struct modscan *ms = calloc(1, sizeof(*ms));

	if (ms == NULL)
		return -ENOMEM;
	ms->dirname = strdup(dirname);
	ms->dirnamelen = strlen(dirname);
	ms->cfg = cfg;
	ms->log = log;
	ms->by_name = hash_new(512, NULL);
	if (ms->dirname == NULL || ms->by_name == NULL) {
		modscan_free(ms);
		return -ENOMEM;
	}
	*out = ms;
	return 0;
}

/* Free every module, the table of names and the module array. */
static void free_modules(struct modscan *ms)
{
	hash_free(ms->by_name);
	ms->by_name = NULL;
	ms->n_dead = 0;
	free_mod_chunks(ms);
	free(ms->array);
	ms->array = NULL;
	ms->n_array = 0;
}

void modscan_free(struct modscan *ms)
{
	if (ms == NULL)
		return;
	free_modules(ms);
	free(ms->dead);
	free(ms->dirname);
	forget_listings(ms);
	mk_log_release(&ms->held, NULL, false);
	free(ms);
}

/*
 * A module for the file @path, its name @name (@namelen bytes, from
 * path_to_modname()): the structure and its three strings in one allocation, as
 * the walk makes one for each of thousands of files.
 */
static struct modscan_mod *mod_new(struct modscan *ms, const char *path, const char *name,
				   size_t namelen)
{
	size_t pathlen = strlen(path), uncrellen = 0, dirpart = 0, size;
	const char *slash = strrchr(path, '/');
	size_t baselen = slash ? (size_t)(slash - path) + 1 : 0;
	bool under = strncmp(path, ms->dirname, ms->dirnamelen) == 0 &&
		     path[ms->dirnamelen] == '/';
	struct modscan_mod *m;
	char *p;

	if (under) {
		/*
		 * kmod cuts the relative path after the first strlen(name) characters of
		 * the basename and appends ".ko"; that drops the compression suffix.
		 */
		dirpart = baselen - ms->dirnamelen - 1;
		uncrellen = dirpart + namelen + 3;
	}
	size = sizeof(*m) + pathlen + 1 + namelen + 1 + (under ? uncrellen + 1 : 0);
	m = mod_alloc(ms, size);
	if (m == NULL)
		return NULL;
	p = (char *)(m + 1);
	m->path = memcpy(p, path, pathlen + 1);
	p += pathlen + 1;
	m->name = memcpy(p, name, namelen + 1);
	p += namelen + 1;
	m->baselen = baselen;
	m->dir_off = baselen;
	m->sort_idx = 1;
	m->size = -1;
	if (under) {
		m->relpath = m->path + ms->dirnamelen + 1;
		m->uncrelpath = p;
		memcpy(p, m->relpath, dirpart + namelen);
		memcpy(p + dirpart + namelen, ".ko", 4);
	}
	return m;
}

/*
 * kmod's depmod_module_is_higher_priority(): true when the module already known
 * (@old) keeps its place against the newly found file @newpath.
 * The lengths reproduce kmod's arithmetic: "<dir>/<stem>" + 2 for the paths
 * relative to dirname (an override matches only when the lengths agree).
 */
static bool old_is_higher_priority(const struct modscan *ms,
				   const struct modscan_mod *old, const char *newpath,
				   size_t newbaselen, size_t namelen)
{
	const struct depmod_config *cfg = ms->cfg;
	size_t newlen = newbaselen + namelen;
	size_t oldlen = old->baselen + strlen(old->name);
	const char *relnew = NULL, *relold = NULL;
	size_t relnewlen = 0, reloldlen = 0;
	int bprio = -1, oldprio = -1, newprio = -1, i = 0;

	if (strncmp(newpath, ms->dirname, ms->dirnamelen) == 0) {
		relnew = newpath + ms->dirnamelen + 1;
		relnewlen = newlen - ms->dirnamelen - 1;
	}
	if (strncmp(old->path, ms->dirname, ms->dirnamelen) == 0) {
		relold = old->path + ms->dirnamelen + 1;
		reloldlen = oldlen - ms->dirnamelen - 1;
	}

	if (cfg == NULL)
		return true;

	/* kmod prepends each override, so the last one in the config is tried first */
	for (size_t k = cfg->n_overrides; k-- > 0;) {
		const struct depmod_override *ov = &cfg->overrides[k];
		size_t sl = strlen(ov->subdir), ml = strlen(ov->modname);
		size_t ovlen = sl + 1 + ml;

		if (relnew != NULL && relnewlen == ovlen &&
		    memcmp(relnew, ov->subdir, sl) == 0 && relnew[sl] == '/' &&
		    memcmp(relnew + sl + 1, ov->modname, ml) == 0)
			return false;
		if (relold != NULL && reloldlen == ovlen &&
		    memcmp(relold, ov->subdir, sl) == 0 && relold[sl] == '/' &&
		    memcmp(relold + sl + 1, ov->modname, ml) == 0)
			return true;
	}

	/* the search list, also prepended: walk it from the last config word */
	for (size_t k = cfg->n_search; k-- > 0; i++) {
		const struct depmod_search *se = &cfg->search[k];

		if (se->kind == DEPMOD_SEARCH_BUILTIN) {
			bprio = i;
		} else if (se->kind == DEPMOD_SEARCH_EXTERNAL) {
			for (size_t e = cfg->n_externals; e-- > 0; i++) {
				const char *ext = cfg->externals[e];
				size_t el = strlen(ext);

				if (newlen >= el && memcmp(ext, newpath, el) == 0)
					newprio = i;
				if (oldlen >= el && memcmp(ext, old->path, el) == 0)
					oldprio = i;
			}
		} else {
			size_t sl = strlen(se->path);

			if (relnew != NULL && relnewlen > sl && relnew[sl] == '/' &&
			    memcmp(se->path, relnew, sl) == 0)
				newprio = i;
			else if (relold != NULL && reloldlen > sl && relold[sl] == '/' &&
				 memcmp(se->path, relold, sl) == 0)
				oldprio = i;
		}
	}
	if (newprio < 0)
		newprio = bprio;
	if (oldprio < 0)
		oldprio = bprio;
	return newprio <= oldprio;
}

/* Does @path lead to a regular file? Its size then goes to @size. */
static bool is_regular(int dfd, const char *path, int64_t *size)
{
	struct stat st;

	if (fstatat(dfd, path, &st, 0) < 0 || !S_ISREG(st.st_mode))
		return false;
	*size = st.st_size;
	return true;
}

/*
 * @unchecked: a symlink not known to lead to a regular file (lazy links);
 * @dir_off: where in @path its path from @dir begins
 */
static int add_file(struct modscan *ms, const char *path, size_t baselen,
		    struct modscan_dir *dir, size_t dir_off, bool unchecked)
{
	char buf[PATH_MAX];
	size_t namelen;
	struct modscan_mod *old, *m;
	int r;

	path_to_modname(path, buf, &namelen);
	old = hash_find(ms->by_name, buf);
	if (old != NULL) {
		if (old_is_higher_priority(ms, old, path, baselen, namelen)) {
			/* no reader will see it: check it now */
			int64_t size;

			if (unchecked && !is_regular(dir->fd, path + dir_off, &size))
				ms->must_rewalk = true;
			return 0;
		}
		if (ms->n_dead == ms->cap_dead) {
			size_t cap = ms->cap_dead ? ms->cap_dead * 2 : 16;
			struct modscan_mod **a = realloc(ms->dead, cap * sizeof(*a));

			if (a == NULL)
				return -ENOMEM;
			ms->dead = a;
			ms->cap_dead = cap;
		}
		hash_del(ms->by_name, old->name);
		ms->dead[ms->n_dead++] = old;
	}
	m = mod_new(ms, path, buf, namelen);
	if (m == NULL)
		return -ENOMEM;
	m->type_unchecked = unchecked;
	m->dir_off = dir_off;
	r = hash_add_unique(ms->by_name, m->name, m);
	if (r < 0)
		return r; /* its memory goes with the others' */
	/* past the limit, the hook gets no directory to keep open */
	if (dir != NULL &&
	    __atomic_load_n(&ms->live_dirs, __ATOMIC_RELAXED) > ms->max_live_dirs)
		dir = NULL;
	if (ms->add_hook != NULL)
		ms->add_hook(ms->add_hook_data, m, dir);
	return 0;
}

int modscan_add_path(struct modscan *ms, const char *path)
{
	char buf[PATH_MAX];
	size_t namelen;
	struct modscan_mod *m;
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	path_to_modname(path, buf, &namelen);
	if (hash_find(ms->by_name, buf) != NULL)
		return -EEXIST;
	m = mod_new(ms, path, buf, namelen);
	if (m == NULL)
		return -ENOMEM;
	return hash_add_unique(ms->by_name, m->name, m);
}

static bool excluded(const struct modscan *ms, const char *name);

int modscan_add_member(struct modscan *ms, const char *relpath, int64_t size,
		       struct modscan_mod **added)
{
	_cleanup_free_ char *path = NULL;
	const char *base = strrchr(relpath, '/');
	char name[PATH_MAX];
	struct modscan_mod *m;
	int r;

	*added = NULL;
	base = base ? base + 1 : relpath;
	if (!path_ends_with_kmod_ext(base, strlen(base)))
		return 0;
	/* what the walk would not enter or take: build/, source/, excludes */
	for (const char *c = relpath; c != NULL; c = strchr(c, '/'), c = c ? c + 1 : c) {
		size_t n = strcspn(c, "/");

		if (n >= sizeof(name))
			return -ENAMETOOLONG;
		memcpy(name, c, n);
		name[n] = '\0';
		if (excluded(ms, name))
			return 0;
	}
	if (asprintf(&path, "%s/%s", ms->dirname, relpath) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	m = hash_find(ms->by_name, path_to_modname(path, name, NULL));
	if (m != NULL && streq(m->path, path))
		return -EEXIST; /* its reader has it already */
	r = add_file(ms, path, (size_t)(base - relpath) + ms->dirnamelen + 1, NULL,
		     (size_t)(base - relpath) + ms->dirnamelen + 1, false);
	if (r < 0)
		return r;
	m = hash_find(ms->by_name, name);
	if (m != NULL && streq(m->path, path)) {
		m->size = size;
		*added = m;
	}
	return 0;
}

void modscan_set_order(struct modscan *ms, const char *data, size_t len)
{
	ms->order = data;
	ms->order_len = len;
}

static bool excluded(const struct modscan *ms, const char *name)
{
	if (streq(name, ".") || streq(name, "..") || streq(name, "build") ||
	    streq(name, "source"))
		return true;
	if (ms->cfg != NULL)
		for (size_t i = 0; i < ms->cfg->n_excludes; i++)
			if (streq(name, ms->cfg->excludes[i]))
				return true;
	return false;
}

/*
 * Directory entries straight from getdents64 (readdir's order): no DIR stream,
 * whose fdopendir() costs an fstat and an fcntl per directory.
 */
struct dirent64_hdr {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

#define DIRBUF_SIZE (32 * 1024)

/*
 * The directories on the path being walked, innermost first, by (device, inode):
 * a symbolic link to one of them ("l -> .", "l -> ..") would make the walk go
 * round for ever (docs/depmod-outputs.md §2.1). Only a directory reached through
 * a link (or of a type getdents() did not say) can be one of them, so a
 * directory's identity is asked of its descriptor only then: the walk enters
 * some 900 directories of Debian's tree, all but a few without a link.
 */
struct dir_chain {
	int fd; /* open while the directory is walked */
	bool known; /* @dev and @ino are set */
	dev_t dev;
	ino_t ino;
	struct dir_chain *up;
};

/* fstat() @c's directory into @st, its identity kept in @c */
static int dir_chain_stat(struct dir_chain *c, struct stat *st)
{
	if (fstat(c->fd, st) < 0)
		return -errno;
	c->dev = st->st_dev;
	c->ino = st->st_ino;
	c->known = true;
	return 0;
}

static int dir_chain_identify(struct dir_chain *c)
{
	struct stat st;

	return c->known ? 0 : dir_chain_stat(c, &st);
}

/*
 * 0 with @link set up below @up for the directory @fd, or 1 when it is one
 * already on the path; @check: it was reached through a link, else it is not
 * checked.
 */
static int dir_chain_push(struct dir_chain *link, struct dir_chain *up, int fd,
			  bool check)
{
	*link = (struct dir_chain){ .fd = fd, .up = up };
	if (!check)
		return 0;
	for (struct dir_chain *c = link; c != NULL; c = c->up) {
		int r = dir_chain_identify(c);

		if (r < 0)
			return r;
		if (c != link && c->dev == link->dev && c->ino == link->ino)
			return 1;
	}
	return 0;
}

static int walk_entry(struct modscan *ms, struct modscan_dir *dir,
		      struct dir_chain *chain, const char *name, unsigned char d_type,
		      struct strbuf *path, size_t baselen, size_t dir_off);

/*
 * The entries of listing @l, each walked in turn: @path holds the listed
 * directory's path with a trailing '/', @baselen bytes, and its entries are
 * opened in @dir by what follows the first @dir_off bytes.
 */
static int walk_listing(struct modscan *ms, struct modscan_dir *dir,
			struct dir_chain *chain, const struct modscan_listing *l,
			struct strbuf *path, size_t baselen, size_t dir_off)
{
	const unsigned char *p = l->entries, *end = l->entries + l->len;

	while (p < end) {
		unsigned char d_type = *p++;
		const char *name = (const char *)p;
		int r;

		p += strlen(name) + 1;
		r = walk_entry(ms, dir, chain, name, d_type, path, baselen, dir_off);
		if (r == -ENOMEM)
			return r;
	}
	return 0;
}

/*
 * @path holds the directory path with a trailing '/', @baselen bytes. With
 * listings (modscan_set_listings()), the directory's identity is asked first:
 * a listing of it may stand for getdents(), and what is listed may be kept
 * (@keep: not the module directory itself, where depmod writes its files, which
 * changes with every run that writes one).
 */
static int walk_dir(struct modscan *ms, struct modscan_dir *dir, struct dir_chain *chain,
		    struct strbuf *path, size_t baselen, bool keep)
{
	_cleanup_free_ char *buf = NULL;
	struct strbuf listed = STRBUF_INIT;
	struct modscan_listing want = { 0 };
	bool known = false, keeping;
	struct stat st;
	int r = 0;

	if ((ms->find_listing != NULL || ms->keep_listings) &&
	    dir_chain_stat(chain, &st) == 0) {
		want.id = mk_file_id_of(&st);
		known = true;
	}
	keeping = known && keep && ms->keep_listings;
	if (known && ms->find_listing != NULL) {
		const struct modscan_listing *l =
			ms->find_listing(ms->listing_data, &want);

		if (l != NULL) {
			r = walk_listing(ms, dir, chain, l, path, baselen, baselen);
			if (r == 0 && keeping)
				r = keep_listing(ms, l, true);
			return r;
		}
	}
	buf = malloc(DIRBUF_SIZE);
	if (buf == NULL)
		return -ENOMEM;
	for (;;) {
		ssize_t n = getdents64(dir->fd, buf, DIRBUF_SIZE);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			break; /* readdir() ends the same way; nothing to keep */
		}
		if (n == 0) {
			if (keeping) {
				want.entries = (const unsigned char *)listed.buf;
				want.len = listed.used;
				r = keep_listing(ms, &want, false);
			}
			break;
		}
		for (ssize_t pos = 0; pos < n;) {
			const struct dirent64_hdr *de =
				(const struct dirent64_hdr *)(buf + pos);

			if (de->d_reclen == 0 || de->d_reclen > n - pos) {
				strbuf_release(&listed);
				return 0;
			}
			pos += de->d_reclen;
			if (keeping && (strbuf_pushchar(&listed, (char)de->d_type) < 0 ||
					strbuf_push(&listed, de->d_name,
						    strlen(de->d_name) + 1) < 0))
				r = -ENOMEM;
			else /* 0, or -ENOMEM */
				r = walk_entry(ms, dir, chain, de->d_name, de->d_type,
					       path, baselen, baselen);
			if (r < 0) {
				strbuf_release(&listed);
				return r;
			}
		}
	}
	strbuf_release(&listed);
	return r;
}

/*
 * A failed fstatat() (@opening false) or openat() of @name in the directory
 * whose path is the first @baselen bytes of @path (with a final '/'), done as
 * of @rel in @dir: errno says why.
 */
static void entry_error(const struct modscan *ms, const struct modscan_dir *dir,
			bool opening, const char *name, const char *rel, const char *path,
			size_t baselen)
{
	const char *why = strerror(errno);
	int dirlen = (int)(baselen > 1 ? baselen - 1 : baselen);

	if (!ms->dirs_by_path && opening)
		mk_log(ms->log, LOG_ERR, "openat(%d, %s, O_RDONLY): %s\n", dir->fd, rel,
		       why);
	else if (!ms->dirs_by_path)
		mk_log(ms->log, LOG_ERR, "fstatat(%d, %s): %s\n", dir->fd, rel, why);
	else if (opening)
		mk_log(ms->log, LOG_ERR, "openat(%.*s, %s, O_RDONLY): %s\n", dirlen, path,
		       name, why);
	else
		mk_log(ms->log, LOG_ERR, "fstatat(%.*s, %s): %s\n", dirlen, path, name,
		       why);
}

/* An entry whose d_type does not say: a directory, a regular file, or -1 (reported). */
static int stat_type(const struct modscan *ms, const struct modscan_dir *dir,
		     const char *name, const char *rel, const char *path, size_t baselen,
		     bool *is_dir)
{
	struct stat st;

	if (fstatat(dir->fd, rel, &st, 0) < 0) {
		entry_error(ms, dir, false, name, rel, path, baselen);
		return -1;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		mk_log(ms->log, LOG_ERR, "unsupported file type %s: %o\n", path,
		       st.st_mode & S_IFMT);
		return -1;
	}
	*is_dir = S_ISDIR(st.st_mode);
	return 0;
}

/*
 * Directory @name (at the end of @path, entered by what follows its first
 * @dir_off bytes in @dir) walked from the listing found for its identity,
 * without opening it: 0 (or -ENOMEM) when it was, 1 when it must be opened and
 * read. Its modules are then opened in @dir by the longer path.
 */
static int walk_listed_dir(struct modscan *ms, struct modscan_dir *dir,
			   struct dir_chain *chain, struct strbuf *path, size_t dir_off)
{
	struct modscan_listing want = { 0 };
	const struct modscan_listing *l;
	struct dir_chain link;
	struct stat st;
	int r;

	if (fstatat(dir->fd, path->buf + dir_off, &st, 0) < 0 || !S_ISDIR(st.st_mode))
		return 1; /* opened, whatever it is now, and reported as kmod does */
	want.id = mk_file_id_of(&st);
	l = ms->find_listing(ms->listing_data, &want);
	if (l == NULL)
		return 1;
	/* not reached through a link: nothing to check it against */
	link = (struct dir_chain){
		.fd = -1, .known = true, .dev = st.st_dev, .ino = st.st_ino, .up = chain
	};
	r = strbuf_pushchar(path, '/');
	if (r == 0)
		r = walk_listing(ms, dir, &link, l, path, path->used, dir_off);
	if (r == 0 && ms->keep_listings)
		r = keep_listing(ms, l, true);
	return r;
}

static int walk_entry(struct modscan *ms, struct modscan_dir *dir,
		      struct dir_chain *chain, const char *name, unsigned char d_type,
		      struct strbuf *path, size_t baselen, size_t dir_off)
{
	size_t namelen = strlen(name);
	bool is_dir;
	int r;

	if (excluded(ms, name))
		return 0;
	path->used = baselen;
	r = strbuf_push(path, name, namelen);
	if (r < 0)
		return r;
	strbuf_str(path);

	if (d_type == DT_LNK && ms->lazy_links &&
	    path_ends_with_kmod_ext(name, namelen)) {
		r = add_file(ms, strbuf_str(path), baselen, dir, dir_off, true);
		goto added;
	}
	if (d_type == DT_REG || d_type == DT_DIR)
		is_dir = d_type == DT_DIR;
	else if (stat_type(ms, dir, name, path->buf + dir_off, path->buf, baselen,
			   &is_dir) < 0)
		return 0;

	if (is_dir) {
		struct modscan_dir *sub;
		struct dir_chain link;
		int fd;

		if (baselen + namelen + 2 >= PATH_MAX) {
			path->used = baselen;
			mk_log(ms->log, LOG_ERR, "directory path is too long %s%s\n",
			       strbuf_str(path), name);
			return 0;
		}
		/*
		 * a directory whose listing another run kept is not opened (the
		 * lazy walk only: the strict one's messages name descriptors as
		 * kmod's do, docs/depmod-cache.md §3)
		 */
		if (d_type == DT_DIR && ms->lazy_links && ms->find_listing != NULL &&
		    ms->have_listings != NULL && ms->have_listings(ms->listing_data)) {
			r = walk_listed_dir(ms, dir, chain, path, dir_off);
			if (r <= 0)
				goto added;
			path->used = baselen + namelen;
			strbuf_str(path);
		}
		fd = openat(dir->fd, path->buf + dir_off,
			    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			entry_error(ms, dir, true, name, path->buf + dir_off, path->buf,
				    baselen);
			return 0;
		}
		r = dir_chain_push(&link, chain, fd, d_type != DT_DIR);
		if (r != 0) {
			close(fd);
			if (r < 0)
				goto added;
			mk_log(ms->log, LOG_WARNING,
			       "%s: a link to a directory that contains it, not "
			       "followed\n",
			       strbuf_str(path));
			return 0;
		}
		sub = dir_new(fd, &ms->live_dirs);
		if (sub == NULL) {
			close(fd);
			return -ENOMEM;
		}
		r = strbuf_pushchar(path, '/');
		if (r == 0)
			r = walk_dir(ms, sub, &link, path, baselen + namelen + 1, true);
		modscan_dir_unref(sub);
	} else {
		if (!path_ends_with_kmod_ext(name, namelen))
			return 0;
		r = add_file(ms, strbuf_str(path), baselen, dir, dir_off, false);
	}
added:
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		path->used = baselen + namelen;
		mk_log(ms->log, LOG_ERR, "failed %s: %s\n", strbuf_str(path),
		       strerror(-r));
	}
	return 0;
}

static int walk_path(struct modscan *ms, const char *dir)
{
	struct strbuf path = STRBUF_INIT;
	struct modscan_dir *d;
	struct dir_chain root;
	int fd, r;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		mk_log(ms->log, LOG_ERR, "could not open directory %s: %s\n", dir,
		       strerror(-r));
		return r;
	}
	r = dir_chain_push(&root, NULL, fd, false);
	if (r < 0) {
		close(fd);
		return r;
	}
	d = dir_new(fd, &ms->live_dirs);
	if (d == NULL) {
		close(fd);
		return -ENOMEM;
	}
	r = strbuf_pushstr(&path, dir);
	if (r == 0)
		r = strbuf_pushchar(&path, '/');
	if (r == 0)
		r = walk_dir(ms, d, &root, &path, path.used, !streq(dir, ms->dirname));
	modscan_dir_unref(d);
	strbuf_release(&path);
	return r;
}

static int walk_all(struct modscan *ms)
{
	struct rlimit rl;
	int r;

	/* keep directories open for the hook within half the descriptor limit */
	ms->max_live_dirs = 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 256)
		ms->max_live_dirs = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1U << 20
					    ? 1U << 19
					    : (unsigned int)(rl.rlim_cur / 2);
	r = walk_path(ms, ms->dirname);
	if (r < 0)
		return r;
	/* kmod walks the external directories in its (reversed) list order */
	if (ms->cfg != NULL) {
		for (size_t e = ms->cfg->n_externals; e-- > 0;) {
			r = walk_path(ms, ms->cfg->externals[e]);
			if (r < 0 && r != -ENOENT)
				return r;
		}
	}
	return 0;
}

int modscan_walk(struct modscan *ms)
{
	int r;

	if (!ms->lazy_links)
		return walk_all(ms);
	ms->real_log = ms->log;
	mk_log_hold(&ms->hold_log, &ms->held);
	ms->log = &ms->hold_log;
	r = walk_all(ms);
	ms->log = ms->real_log;
	return r;
}

void modscan_set_lazy_links(struct modscan *ms, bool lazy)
{
	ms->lazy_links = lazy;
}

void modscan_set_dirs_by_path(struct modscan *ms, bool by_path)
{
	ms->dirs_by_path = by_path;
}

int modscan_check_type(struct modscan_mod *m, struct modscan_dir *dir)
{
	struct stat st;

	if (m->type_unchecked)
		modscan_stat(m, dir, &st); /* which marks it */
	return m->not_regular ? -ENOTSUP : 0;
}

int modscan_stat(struct modscan_mod *m, struct modscan_dir *dir, struct stat *st)
{
	int r;

	if (dir != NULL)
		r = fstatat(dir->fd, m->path + m->dir_off, st, 0);
	else
		r = fstatat(AT_FDCWD, m->path, st, 0);
	r = r < 0 ? -errno : 0;
	if (m->type_unchecked) {
		m->not_regular = r < 0 || !S_ISREG(st->st_mode);
		if (!m->not_regular)
			m->size = st->st_size;
		m->type_unchecked = false;
	}
	if (r < 0)
		return r;
	return S_ISREG(st->st_mode) ? 0 : -ENOTSUP;
}

static bool check_left(struct modscan_mod *m)
{
	return modscan_check_type(m, NULL) == 0;
}

int modscan_walk_end(struct modscan *ms)
{
	struct hash_iter it;
	const void *v;
	bool ok = !ms->must_rewalk;

	if (!ms->lazy_links)
		return 0;
	hash_iter_init(ms->by_name, &it);
	while (ok && hash_iter_next(&it, NULL, &v))
		ok = check_left((struct modscan_mod *)v);
	for (size_t i = 0; ok && i < ms->n_dead; i++)
		ok = check_left(ms->dead[i]);
	mk_log_release(&ms->held, ms->log, ok);
	return ok ? 0 : 1;
}

int modscan_rewalk(struct modscan *ms)
{
	free_modules(ms);
	ms->by_name = hash_new(512, NULL);
	if (ms->by_name == NULL)
		return -ENOMEM;
	ms->lazy_links = false;
	ms->must_rewalk = false;
	ms->add_hook = NULL;
	/* what the first walk kept is listed again */
	if (ms->keep_listings) {
		strbuf_clear(&ms->kept_bytes);
		ms->n_kept = 0;
	}
	mk_log_release(&ms->held, NULL, false);
	return walk_all(ms);
}

static int order_cmp(const void *a, const void *b)
{
	const struct modscan_mod *ma = *(struct modscan_mod *const *)a;
	const struct modscan_mod *mb = *(struct modscan_mod *const *)b;

	return (ma->sort_idx > mb->sort_idx) - (ma->sort_idx < mb->sort_idx);
}

/* Stable merge sort by sort_idx (glibc's qsort is a merge sort for this size). */
static int stable_sort(struct modscan_mod **a, size_t n)
{
	struct modscan_mod **tmp;

	if (n < 2)
		return 0;
	tmp = malloc(n * sizeof(*tmp));
	if (tmp == NULL)
		return -ENOMEM;
	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;

			while (i < mid && j < hi)
				tmp[k++] = order_cmp(&a[j], &a[i]) < 0 ? a[j++] : a[i++];
			while (i < mid)
				tmp[k++] = a[i++];
			while (j < hi)
				tmp[k++] = a[j++];
		}
		memcpy(a, tmp, n * sizeof(*a));
	}
	free(tmp);
	return 0;
}

/*
 * The modules by uncompressed relative path, for the lines of modules.order:
 * only looked up, so open addressing (a kmod hash grows each of its buckets by
 * malloc, 4,000 of them for Debian's tree).
 */
struct path_table {
	struct modscan_mod **slots;
	size_t mask;
};

/* The slot of the module whose uncompressed relative path is @path (@len bytes). */
static size_t path_slot(const struct path_table *t, const char *path, size_t len)
{
	size_t j = hash_superfast(path, (unsigned int)len) & t->mask;

	while (t->slots[j] != NULL && (strncmp(t->slots[j]->uncrelpath, path, len) != 0 ||
				       t->slots[j]->uncrelpath[len] != '\0'))
		j = (j + 1) & t->mask;
	return j;
}

static int path_table_init(struct path_table *t, struct modscan_mod **mods, size_t n)
{
	size_t size = 64;

	while (size < 2 * n)
		size *= 2;
	t->slots = calloc(size, sizeof(*t->slots));
	if (t->slots == NULL)
		return -ENOMEM;
	mem_populate(t->slots, size * sizeof(*t->slots)); /* written at random places */
	t->mask = size - 1;
	for (size_t i = 0; i < n; i++) {
		const char *p = mods[i]->uncrelpath;

		if (p != NULL) /* a later one replaces, as hash_add() */
			t->slots[path_slot(t, p, strlen(p))] = mods[i];
	}
	return 0;
}

/*
 * The length of the line of modules.order at @p (@left bytes there) as kmod
 * reads it, with fgets() into a buffer of PATH_MAX: up to and with its newline,
 * at most PATH_MAX - 1 bytes (docs/depmod-outputs.md §2.3).
 */
static size_t order_line(const char *p, size_t left)
{
	size_t most = left < PATH_MAX - 1 ? left : PATH_MAX - 1;
	const char *nl = memchr(p, '\n', most);

	return nl != NULL ? (size_t)(nl - p) + 1 : most;
}

static int sort_by_order_file(struct modscan *ms)
{
	_cleanup_free_ char *read_in = NULL;
	_cleanup_free_ char *fname = NULL;
	struct path_table by_unc;
	const char *data;
	size_t len, nlines = 0, pos, line_no, n;
	int r;

	if (asprintf(&fname, "%s/modules.order", ms->dirname) < 0) {
		fname = NULL;
		return -ENOMEM;
	}
	if (ms->order != NULL) {
		data = ms->order;
		len = ms->order_len;
	} else {
		r = read_file_full(AT_FDCWD, fname, &read_in, &len);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			mk_log(ms->log, LOG_WARNING,
			       "could not open modules.order at %s: %s\n", ms->dirname,
			       strerror(-r));
			return 0;
		}
		data = read_in;
	}
	/*
	 * a line's text ends at a NUL, as a C string does: an empty one is
	 * skipped, any other must end with its newline
	 */
	for (pos = 0; pos < len; pos += n) {
		size_t text;

		n = order_line(data + pos, len - pos);
		text = strnlen(data + pos, n);
		nlines++;
		if (text > 0 && data[pos + text - 1] != '\n') {
			mk_log(ms->log, LOG_ERR, "%s:%zu corrupted line misses '\\n'\n",
			       fname, nlines);
			return 0;
		}
	}

	r = path_table_init(&by_unc, ms->array, ms->n_array);
	if (r < 0)
		return r;
	for (pos = 0, line_no = 0; pos < len; pos += n) {
		size_t text;
		struct modscan_mod *m;

		n = order_line(data + pos, len - pos);
		text = strnlen(data + pos, n);
		line_no++;
		if (text == 0)
			continue;
		m = by_unc.slots[path_slot(&by_unc, data + pos, text - 1)];
		if (m != NULL) /* the last occurrence wins, as in kmod 30 */
			m->sort_idx = (int)line_no - (int)(nlines + 1);
	}
	free(by_unc.slots);
	return stable_sort(ms->array, ms->n_array);
}

int modscan_build(struct modscan *ms, struct modscan_mod ***mods, size_t *n)
{
	struct hash_iter it;
	const void *v;
	size_t count = hash_get_count(ms->by_name), i = 0;
	int r;

	free(ms->array);
	ms->array = calloc(count ? count : 1, sizeof(*ms->array));
	if (ms->array == NULL)
		return -ENOMEM;
	hash_iter_init(ms->by_name, &it);
	while (hash_iter_next(&it, NULL, &v))
		ms->array[i++] = (struct modscan_mod *)v;
	ms->n_array = i;
	if (ms->n_array >= 65535)
		return -ERANGE;
	r = sort_by_order_file(ms);
	if (r < 0)
		return r;
	*mods = ms->array;
	*n = ms->n_array;
	return 0;
}

/* @linked: @dfd was reached through a link (or an entry of unknown type) */
static int newer_in_dir(int dfd, struct dir_chain *up, bool linked, time_t mtime,
			const struct mk_log *log)
{
	struct dir_chain link;
	struct dirent *de;
	DIR *d;
	int r;

	r = dir_chain_push(&link, up, dfd, linked);
	if (r != 0) {
		close(dfd);
		return r < 0 ? r : 0; /* a loop: its files are seen where it leads */
	}
	d = fdopendir(dfd);
	if (d == NULL) {
		close(dfd);
		return -errno;
	}
	while (r == 0 && (de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		struct stat st;
		bool is_dir;

		if (streq(name, ".") || streq(name, "..") || streq(name, "build") ||
		    streq(name, "source"))
			continue;
		if (de->d_type == DT_DIR || de->d_type == DT_REG) {
			is_dir = de->d_type == DT_DIR;
		} else {
			if (fstatat(dirfd(d), name, &st, 0) < 0)
				continue;
			is_dir = S_ISDIR(st.st_mode);
			if (!is_dir && !S_ISREG(st.st_mode))
				continue;
		}
		if (is_dir) {
			int fd = openat(dirfd(d), name,
					O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			if (fd < 0)
				continue;
			r = newer_in_dir(fd, &link, de->d_type != DT_DIR, mtime, log);
			continue;
		}
		if (!path_ends_with_kmod_ext(name, strlen(name)))
			continue;
		if (fstatat(dirfd(d), name, &st, 0) < 0) {
			r = -errno;
			mk_log(log, LOG_ERR, "fstatat(%d, %s): %s\n", dirfd(d), name,
			       strerror(-r));
			break;
		}
		if (st.st_mtime > mtime)
			r = 1;
	}
	closedir(d);
	return r;
}

int modscan_depfile_up_to_date(const char *dirname, const char *depfile,
			       const struct mk_log *log)
{
	struct stat st;
	int fd, r;

	if (stat(depfile, &st) < 0)
		return 0;
	fd = open(dirname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = newer_in_dir(fd, NULL, false, st.st_mtime, log);
	if (r < 0)
		return r;
	return r == 0 ? 1 : 0;
}
