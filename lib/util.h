/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small helpers shared by every part of lib/ and tools/: cleanup attributes,
 * overflow-checked arithmetic, string predicates and module-name normalisation.
 */
#pragma once

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_ __attribute__((unused))
#define _must_check_ __attribute__((warn_unused_result))

#define _cleanup_(x) __attribute__((cleanup(x)))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* @ts in nanoseconds: the unit of the files' and directories' times kept. */
static inline int64_t mk_timespec_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/*
 * A file's identity as mydepmod's cache records it: a file replaced or written
 * gets another (docs/depmod-cache.md §3). Times in ns.
 */
struct mk_file_id {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
};

struct stat;
/* The identity @st gives. */
struct mk_file_id mk_file_id_of(const struct stat *st);

static inline bool mk_file_id_eq(const struct mk_file_id *a, const struct mk_file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/*
 * A 32-bit hash of the @len bytes at @s for the tables of symbol names, which
 * hash each name of each module: FNV-1a's step on 8-byte words, the last word
 * holding the length, then a final mix. Not the same on machines of another
 * byte order (the depmod cache, which stores these, is native-order only).
 */
static inline uint32_t mk_strhash(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ull, w;
	size_t i = 0;

	for (; i + sizeof(w) <= len; i += sizeof(w)) {
		memcpy(&w, s + i, sizeof(w));
		h = (h ^ w) * 1099511628211ull;
	}
	w = (uint64_t)len << 56;
	for (unsigned int k = 0; i < len; i++, k += 8)
		w ^= (uint64_t)(unsigned char)s[i] << k;
	h = (h ^ w) * 1099511628211ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (uint32_t)h;
}

static inline bool strstartswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static inline bool strendswith(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

/* Overflow-checked arithmetic: true when the result does not fit. */
static inline bool uadd64_overflow(uint64_t a, uint64_t b, uint64_t *res)
{
	return __builtin_add_overflow(a, b, res);
}

static inline bool umul64_overflow(uint64_t a, uint64_t b, uint64_t *res)
{
	return __builtin_mul_overflow(a, b, res);
}

static inline bool uaddsz_overflow(size_t a, size_t b, size_t *res)
{
	return __builtin_add_overflow(a, b, res);
}

static inline bool umulsz_overflow(size_t a, size_t b, size_t *res)
{
	return __builtin_mul_overflow(a, b, res);
}

/* True when [offset, offset + len) lies inside an object of @size bytes. */
static inline bool range_valid(uint64_t offset, uint64_t len, uint64_t size)
{
	uint64_t end;

	return !uadd64_overflow(offset, len, &end) && end <= size;
}

/*
 * Log callback used by library code that has something to report but must not
 * print: tools pass a function that prints with their own prefix.
 * @prio is a syslog priority (LOG_ERR, LOG_WARNING, ...).
 */
typedef void (*mk_log_fn)(void *data, int prio, const char *fmt, va_list ap);

struct mk_log {
	mk_log_fn fn;
	void *data;
};

void mk_log(const struct mk_log *log, int prio, const char *fmt, ...) _printf_(3, 4);

/*
 * Messages held back, to be passed on later or dropped: mk_log_hold() makes
 * @log write into @held.
 */
struct mk_held_msg {
	int prio;
	char *text;
};

struct mk_log_held {
	struct mk_held_msg *a;
	size_t n, cap;
};

void mk_log_hold(struct mk_log *log, struct mk_log_held *held);
/* Pass the messages on to @log when @pass (else drop them), and empty @held. */
void mk_log_release(struct mk_log_held *held, const struct mk_log *log, bool pass);

/*
 * Module-name normalisation, as kmod does it.
 *  - modname_normalize: '-' -> '_' up to the first '.' (or end), into @buf of
 *    PATH_MAX bytes (longer names are cut, as in kmod); returns @buf.
 *  - path_to_modname: basename of @path, then modname_normalize.
 *  - alias_normalize: '-' -> '_' outside [...]; -EINVAL on an unbalanced bracket.
 *    @buf has PATH_MAX bytes.
 *  - underscores: in-place '-' -> '_' outside [...]; -EINVAL on an unbalanced bracket.
 */
char *modname_normalize(const char *name, char *buf, size_t *len);
char *path_to_modname(const char *path, char *buf, size_t *len);
int alias_normalize(const char *alias, char *buf, size_t *len) _must_check_;
int underscores(char *s) _must_check_;

/* Does @path end in a module extension this build can read (.ko, .ko.gz, ...)? */
bool path_ends_with_kmod_ext(const char *path, size_t len);

/*
 * Read a whole small file (a /proc or /sys attribute, a config file), with a NUL
 * after it: its size from fstat() when it is a regular file.
 */
int read_file_full(int dirfd, const char *path, char **out, size_t *len) _must_check_;

/* The same from @fd, with @hint its expected size (0 when unknown): any size is read. */
int read_fd_full(int fd, size_t hint, char **out, size_t *len) _must_check_;
/*
 * Make the pages wholly inside [@p, @p + @len) resident and writable in one
 * call (MADV_POPULATE_WRITE), for memory about to be filled: a fault per 4 KiB
 * page as it is touched costs twice as much where faults are dear
 * (docs/depmod-outputs.md §12). Nothing for less than MEM_POPULATE_MIN bytes,
 * whose few pages (often recycled, resident already) are not worth the call.
 * A hint: without it (an older kernel), the pages fault in as they are touched.
 */
#define MEM_POPULATE_MIN ((size_t)64 << 10)
void mem_populate(void *p, size_t len);

/* Full write with EINTR handling; returns 0 or -errno. */
int write_all(int fd, const void *buf, size_t len) _must_check_;
/* Full pread; returns 0, -EIO on a short read, or -errno. */
int pread_all(int fd, void *buf, size_t len, uint64_t offset) _must_check_;

/* Parse an unsigned decimal or (0x) hex number, with range check. */
int safe_atou64(const char *s, int base, uint64_t *ret) _must_check_;

/*
 * @path made absolute against the current directory, symlinks and ".." kept as
 * written (kmod's path_make_absolute_cwd), malloc'd into *@out.
 */
int path_make_absolute(const char *path, char **out) _must_check_;

/*
 * Create the directories leading to @path (all of it up to its last '/'; nothing
 * when it has none) with @mode, as `mkdir -p` would, as kmod's mkdir_parents() does.
 * -ENOTDIR when one of them exists and is not a directory, or -errno of mkdir().
 */
int mkdir_parents(const char *path, mode_t mode) _must_check_;

/*
 * Room for one more element in the array @v that holds @n elements and has room
 * for @cap: when full, its capacity doubles (@first when empty). 0, or -ENOMEM
 * with the array unchanged. @v and @cap are lvalues, @v any object pointer.
 */
#define ARRAY_GROW(v, n, cap, first) array_grow_(&(v), &(cap), (n), sizeof(*(v)), (first))
int array_grow_(void *pv, size_t *cap, size_t n, size_t size, size_t first) _must_check_;

/*
 * pthread_create() of @fn(@arg), the thread started on another CPU than @avoid
 * when the caller may run on another (docs/depmod-outputs.md §13), then allowed
 * the caller's CPUs again before @fn runs. @started_on, when not NULL, is set to
 * the CPU the thread started on (-1 if unknown) before @fn runs. 0, or a negative
 * errno when no thread was started.
 */
int mk_thread_start(pthread_t *th, void *(*fn)(void *), void *arg, int avoid,
		    int *started_on) _must_check_;

/* mk_thread_start() away from the caller's current CPU. */
int mk_thread_create(pthread_t *th, void *(*fn)(void *), void *arg) _must_check_;

/*
 * @fn(@first) on a thread of its own (on this one when none can be started) and
 * @fn(@second) on this one, at once; back when both returned.
 */
void mk_run_two(void *(*fn)(void *), void *first, void *second);

/*
 * Module parameters from command-line words, joined by single spaces into *@out
 * (malloc'd). modprobe (@quote_spaces) puts a value holding a space in double quotes
 * ("a=b c" -> a="b c") unless it is quoted already; insmod joins them as they are.
 * Both put no separator before the first non-empty word, as kmod 30 does.
 */
int join_module_params(char *const *args, size_t n, bool quote_spaces,
		       char **out) _must_check_;
