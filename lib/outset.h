/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Crash-safe replacement of a set of files in one directory (depmod's indexes).
 *
 * Every file is written to a temporary name in the target directory (openat,
 * O_EXCL, 0644), each write checked, fsync'd and closed. Only when all files
 * are complete are they renamed over the old ones (renameat, relative to the
 * directory descriptor), then the directory is fsync'd. On any error before the
 * renames, the temporary files are removed and the old files stay untouched.
 *
 * The renames are prepared so that they are quick (the old files keep a second
 * link until the end, so no rename frees blocks) and recorded first in an
 * fsync'd journal: if the process dies among them, the next outset_open() in
 * that directory completes the set. A set with a single changed file needs no
 * journal: its one rename is all or nothing. Temporary names are
 * ".<name>.mydepmod-<tag>", the tag "<pid>-<random>" unique across PID namespaces.
 *
 * One outset at a time writes in a directory: outset_open() takes an exclusive
 * flock on it (waiting for the holder) until outset_free(). Holding it, every file
 * of ours it finds was left by a run that died: its commit is completed when its
 * journal is valid, the rest removed. A journal is replayed only when it is a
 * regular file of bounded size whose every line renames a temporary file of the
 * set onto one of the set's names; anything else is reported and removed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

struct outset;

/*
 * Create @dir (mkdir -p, 0755), open it and lock it (see above). @names: the
 * @n_names names of the set, the only ones a journal may rename onto; @log: where
 * an ignored journal is reported (LOG_WARNING). A journal that cannot be read for
 * a reason that may pass (EIO, out of memory) is reported (LOG_ERR) and kept with
 * every leftover file, and that error is returned: a later run completes it.
 */
int outset_open(const char *dir, const char *const *names, size_t n_names,
		const struct mk_log *log, struct outset **out) _must_check_;
/*
 * Leave alone a file that already holds exactly what outset_add() is given (a
 * regular file of the effective user with @mode): no temporary file, no rename,
 * only its times are set to now at the commit. Kept files need no write, no
 * fsync, and do not free the old file's blocks.
 */
void outset_keep_unchanged(struct outset *os, mode_t mode);
/* Write one file of the set to its temporary name. */
int outset_add(struct outset *os, const char *name, const void *data,
	       size_t len) _must_check_;
/*
 * The file just added (outset_add(), outset_add_ahead()) may be lost in a
 * crash: it is not fsync'd, and when it is the only file of the set that
 * changes, neither is the directory after its rename. For a file that is only
 * an aid and checks itself when read, as mydepmod's cache does
 * (docs/depmod-cache.md §1): after a power loss it may be missing, empty, cut
 * short or the one before, and its reader tells each from a good one. It is
 * still written, named and renamed with the set, and a failed write of it fails
 * the set as any other does.
 */
void outset_may_lose_last(struct outset *os);
/*
 * A file of a set written before the set is opened (mydepmod's cache, written
 * while the index files are still being made), piece by piece as it is made: an
 * unnamed file (O_TMPFILE) in @dir, which nothing names until outset_add_ahead()
 * (a crash before leaves nothing behind). 0 with *@out; 0 with *@out NULL when
 * no such file can be made there (no O_TMPFILE, no directory yet): the file is
 * then made in memory and added as any other; -ENOMEM.
 */
struct outset_ahead;
int outset_ahead_open(const char *dir, struct outset_ahead **out) _must_check_;
/*
 * Append @len bytes of @data to @a's file. A failed write is kept for
 * outset_add_ahead() to return; later writes are then skipped.
 */
void outset_ahead_write(struct outset_ahead *a, const void *data, size_t len);
/* All is written: start the writeback. */
void outset_ahead_end(struct outset_ahead *a);
void outset_ahead_free(struct outset_ahead *a);
/*
 * Add the file written ahead to @a, named rather than written again, but for its
 * first @head_len bytes, which become @head (the header, made last), and @tail,
 * appended. It is copied from @a into a named file when it cannot be named
 * (another file system, no /proc). It is not compared with the file there
 * (outset_keep_unchanged()): its maker knows when that is the same. @a stays the
 * caller's to free.
 */
int outset_add_ahead(struct outset *os, const char *name, struct outset_ahead *a,
		     const void *head, size_t head_len, const void *tail,
		     size_t tail_len) _must_check_;
/*
 * Publish the whole set. On error, what was not yet renamed is removed; when a
 * rename fails, the files renamed before it get their old versions back.
 */
int outset_commit(struct outset *os) _must_check_;
/* Remove the temporary files and free. Safe after commit. NULL is a no-op. */
void outset_free(struct outset *os);
/* The name of the file that failed last (for messages), or NULL. */
const char *outset_failed_name(const struct outset *os);

/* How a file of the directory differs from the set outset_compare() is given. */
enum outset_diff {
	OUTSET_DIFF_STALE, /* another content, or not a regular file */
	OUTSET_DIFF_MISSING,
	OUTSET_DIFF_LEFTOVER, /* a temporary file or journal of a run that died */
};

typedef void (*outset_diff_fn)(void *data, enum outset_diff what, const char *name);

struct outset_file {
	const char *name;
	const void *data;
	size_t len;
};

/*
 * Would writing @files (@n of them) into @dir change anything? Read-only: @dir is
 * neither created nor written to, and no journal is replayed. The lock is taken
 * shared (waiting for a writer to finish), so a half-committed set is never what
 * is compared; where the file system has no flock, leftovers are those of
 * processes that no longer exist. Calls @fn for each file that differs, in
 * @files order, then for each leftover of a dead run (which a writer removes or
 * rolls forward), by name. Only contents are compared: a file's mode, owner and
 * times are not. Returns 0 when nothing differs, 1 when something does, or a
 * negative errno with *@failed the name that could not be read ("." for @dir).
 */
int outset_compare(const char *dir, const struct outset_file *files, size_t n,
		   outset_diff_fn fn, void *data, const char **failed) _must_check_;

/*
 * Is file @i of a set, open as @fd (@size bytes), what the caller would write?
 * 1 when it is, 0 when not (or it cannot tell).
 */
typedef int (*outset_same_fn)(void *data, size_t i, int fd, uint64_t size);

/*
 * May the set @names (@n of them) in @dir stay as it is, without a commit? Under
 * the shared lock (as outset_compare()), 1 when no file of a dead run is there
 * and each name is a regular file of the effective user with @mode (what
 * outset_keep_unchanged() keeps) that @same accepts; their times are then set to
 * now, as a commit that keeps them does. With @contents_only, only the contents
 * count and nothing is touched: would outset_compare() find nothing? 0 when not,
 * a negative errno when @dir cannot be opened. Nothing is created, removed or
 * replayed.
 */
int outset_reuse(const char *dir, const char *const *names, size_t n, mode_t mode,
		 bool contents_only, outset_same_fn same, void *data) _must_check_;
