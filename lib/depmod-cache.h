/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mydepmod's cache of what it read from each module (docs/depmod-cache.md): the
 * file format, validated whole when loaded (bounds, checksum, key), looked up by
 * module path and file identity, and written from a module graph. No I/O but
 * dmc_read_file(); the caller writes the bytes with the index set.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "depgraph.h"
#include "modscan.h"
#include "strbuf.h"
#include "util.h"

/* Its name in the output directory: a modules.*.bin, removed with the indexes. */
#define DMC_FILENAME "modules.mykmod-cache.bin"

/*
 * A module file changed less than this before the run that stats it could change
 * again within the same timestamp: its entry is not written (docs/depmod-cache.md §3).
 */
#define DMC_RACY_NS (2 * 1000000000LL)

struct depmod_cache;

/*
 * The key: everything besides a module file's identity that decides what a run
 * reads from it (the format, mykmod's version, the kernel version, the module
 * directory). One string; @out is malloc'd.
 */
int dmc_make_key(const char *kver, const char *dirname, char **out) _must_check_;

/*
 * The checksum a cache file of @len bytes holds at offset 8, of bytes 16 to
 * @len (docs/depmod-cache.md §2).
 */
uint64_t dmc_checksum(const void *data, size_t len);

/*
 * Validate @data (@len bytes, copied) against @key and index it: 0, -ENOMEM, or
 * -EBADMSG with *@why what is wrong (a static string: "truncated", "bad checksum",
 * "written for another tree, kernel or mykmod version"...).
 */
int dmc_load(const void *data, size_t len, const char *key, struct depmod_cache **out,
	     const char **why) _must_check_;
/*
 * dmc_load() on the file @path: -ENOENT (no cache: nothing to say), another errno
 * (with *@why NULL) when it cannot be read, -EBADMSG as dmc_load().
 */
int dmc_read_file(const char *path, const char *key, struct depmod_cache **out,
		  const char **why) _must_check_;
void dmc_free(struct depmod_cache *c);
size_t dmc_count(const struct depmod_cache *c);
/* The path and file identity of entry @i (< dmc_count()), for tests and fuzzing. */
void dmc_entry(const struct depmod_cache *c, size_t i, const char **path,
	       struct mk_file_id *st);

/*
 * When the entry of dg_module_path(@m) has @m->st exactly (device, inode, size,
 * mtime and ctime in ns): mark @m found (from_cache, cache_entry, its errors)
 * and return 1; 0 when there is no such entry. Its data waits for dmc_fill().
 */
int dmc_lookup(const struct depmod_cache *c, struct dg_module *m) _must_check_;
/*
 * Fill @m, found by dmc_lookup() in @c, as reading the file would have: its
 * arrays in an arena of its own, its strings in @c's memory (@c must outlive
 * it). 0 (also when there is nothing to fill), -ENOMEM.
 */
int dmc_fill(const struct depmod_cache *c, struct dg_module *m) _must_check_;

/*
 * The listing of the directory of identity @want (device, inode, size, mtime,
 * ctime) when the cache has one of exactly that identity (docs/depmod-cache.md
 * §3), else NULL. It lives as long as @c.
 */
const struct modscan_listing *dmc_find_listing(const struct depmod_cache *c,
					       const struct modscan_listing *want);
/* The number of listings, and listing @i (< that), for tests and fuzzing. */
size_t dmc_listing_count(const struct depmod_cache *c);
const struct modscan_listing *dmc_listing_at(const struct depmod_cache *c, size_t i);

/*
 * A cache being written, in two steps so that the first can run while the
 * index files are made: dmc_write_begin() serialises every entry, and
 * dmc_write_end() adds the record of those files (dmc_record()) and the
 * checksum.
 */
/*
 * The bytes of a cache's header: dmc_write_end() completes them and keeps the
 * rest of the body dmc_write_begin() made as it is, so the body may be written
 * ahead but for these (outset_ahead_open()).
 */
#define DMC_HEAD_BYTES 88u

struct outset_ahead;

struct dmc_writing {
	struct strbuf body; /* the file but its record; with @ahead, its header */
	struct outset_ahead *ahead; /* the body written ahead, or NULL */
	size_t body_len; /* the file's bytes but the record's */
	uint64_t body_hash; /* of the body past its header (docs/depmod-cache.md §2) */
	const struct depmod_cache *old;
	bool same_as_old; /* the entries are @old's: its body is taken as it is */
};

/*
 * Serialise the entries of those of the @n modules @mods that can be trusted
 * next time: read whole (dg_module.cacheable), and changed at least
 * DMC_RACY_NS before @start_ns (CLOCK_REALTIME at the start of the run); one
 * of two with one path. @old is the cache the run looked modules up in (NULL
 * for none); it must outlive the writing. Its entries for files none of @mods
 * is, when the file under the module directory @dirname (or the entry's whole
 * path) is still the same, are kept. @dirs, the @n_dirs listings of the walk
 * (modscan_listings()), are written when they changed at least DMC_RACY_NS
 * before @start_ns; one of those that @old lacks is a reason to write a new
 * cache, as a new entry is. The modules are only read: this may
 * run beside what reads the graph. With @outdir, the body is written as it is
 * made to an unnamed file there (w->ahead, the caller's to free; its write
 * error, if any, is outset_add_ahead()'s), so that it never is in memory whole,
 * or into memory when no such file can be made there. 0, or -ENOMEM, or -E2BIG
 * past the format's 32-bit counts; either way @w is then for dmc_write_end()
 * alone.
 */
int dmc_write_begin(struct dmc_writing *w, const char *key, const char *dirname,
		    const char *outdir, int64_t start_ns,
		    const struct dg_module *const *mods, size_t n,
		    const struct modscan_listing *dirs, size_t n_dirs,
		    const struct depmod_cache *old) _must_check_;
/*
 * The cache, with @record, in @out (emptied first): the whole file, or with
 * w->ahead its header and its record, the rest being in w->ahead's file; @w is
 * released but for w->ahead. The same modules and record give the same bytes.
 * 1, @out left empty, when the entries are all of @old's and nothing else, and
 * the record is @old's or there is none (@record_len 0): @old then stays as it
 * is, its record included.
 */
int dmc_write_end(struct dmc_writing *w, const void *record, size_t record_len,
		  struct strbuf *out) _must_check_;

/* Now, as dmc_settled() takes the start of a run: CLOCK_REALTIME in ns. */
int64_t dmc_now_ns(void);
/*
 * Was the file of identity @st changed at least DMC_RACY_NS before @start_ns
 * (docs/depmod-cache.md §3)?
 */
bool dmc_settled(const struct mk_file_id *st, int64_t start_ns);
/*
 * Would @m's entry be written (and trusted next time)? Read whole, no error but
 * "no symbols", changed at least DMC_RACY_NS before @start_ns.
 */
bool dmc_trusted(const struct dg_module *m, int64_t start_ns);
/*
 * The caller's record that the cache carries, as given to dmc_write() (at most
 * 4 KiB; length 0 for none). Its bytes are covered by the checksum, nothing else.
 */
const void *dmc_record(const struct depmod_cache *c, size_t *len);
