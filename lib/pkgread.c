// SPDX-License-Identifier: LGPL-2.1-or-later
/* Kernel packages read in place: see lib/pkgread.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "dl-archive.h"
#include "dynlib.h"
#include "pkgread.h"

MK_DL_DEFINE(archive);

/* read() size of the package file (of its size, when smaller) */
#define PKG_BLOCK ((size_t)1 << 20)
/* first buffer of a member of known size (of that size, when smaller): it grows */
#define PKG_FIRST_ALLOC ((size_t)1 << 20)

struct pkg_ctx {
	const char *file;
	const struct pkg_visitor *v;
	const struct mk_log *log;
	struct archive *outer; /* the inner reader of a .deb pulls from it */
	bool outer_failed; /* its error, not the inner one's, is the one to tell */
	/* hard-linked names of a cpio still waiting for their data (defer()) */
	char **deferred;
	size_t n_deferred, cap_deferred;
};

static int archive_err(struct pkg_ctx *c, struct archive *a)
{
	const char *why = archive_error_string(c->outer_failed ? c->outer : a);

	mk_log(c->log, LOG_ERR, "%s: %s\n", c->file,
	       why ? why : "corrupt or truncated archive");
	return -EBADMSG;
}

/*
 * A new reader of the kinds a package can be (@ar: the outer one, ar and cpio too),
 * with the compressions of kernel packages only: data.tar.{gz,bz2,xz,lzma,zst} of a
 * .deb, the gzip, bzip2, xz, lzma and zstd payloads of an .rpm (docs/mykmod-diff.md
 * §1). Not libarchive's every filter: some run an external program (lrzip, lzop,
 * grzip), which a package read in place must not start, and so would one of these
 * that libarchive was built without: that is an error, -ELIBACC.
 */
static int reader_new(struct pkg_ctx *c, bool ar, struct archive **out)
{
	int (*const kinds[])(struct archive *) = {
		archive_read_support_filter_gzip, archive_read_support_filter_bzip2,
		archive_read_support_filter_xz,	  archive_read_support_filter_lzma,
		archive_read_support_filter_zstd, archive_read_support_filter_rpm,
		archive_read_support_format_tar,  archive_read_support_format_ar,
		archive_read_support_format_cpio,
	};
	struct archive *a = archive_read_new();

	if (a == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(kinds) - (ar ? 0 : 2); i++) {
		const char *why;

		if (kinds[i](a) == ARCHIVE_OK)
			continue;
		why = archive_error_string(a);
		mk_log(c->log, LOG_ERR, "%s: libarchive cannot read it itself: %s\n",
		       c->file, why ? why : "unknown");
		archive_read_free(a);
		return -ELIBACC;
	}
	*out = a;
	return 0;
}

/*
 * The data of the current member, whole, into a new buffer. The buffer grows
 * with the data, from PKG_FIRST_ALLOC at most, rather than taking the size of the
 * header at its word: a corrupt header may claim up to PKG_MEMBER_MAX for a few
 * bytes of data.
 */
static int read_member(struct pkg_ctx *c, struct archive *a, const char *path,
		       int64_t size, void **out, size_t *len)
{
	size_t max = size >= 0 ? (size_t)size : PKG_MEMBER_MAX, cap = 0, n = 0;
	char *buf = NULL;

	if (size >= 0 && (uint64_t)size > PKG_MEMBER_MAX)
		goto too_big;
	for (;;) {
		la_ssize_t got;

		if (buf == NULL || n == cap) {
			char *p;

			if (buf != NULL && cap >= max)
				break; /* the member is not longer than its header says */
			cap = buf != NULL ? cap * 2 : size >= 0 ? PKG_FIRST_ALLOC : 65536;
			cap = cap < max ? cap : max;
			p = realloc(buf, cap + 1);
			if (p == NULL) {
				free(buf);
				return -ENOMEM;
			}
			buf = p;
		}
		got = archive_read_data(a, buf + n, cap - n);
		if (got < 0) {
			free(buf);
			return archive_err(c, a);
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (size < 0 && n == cap && cap >= PKG_MEMBER_MAX) {
		free(buf);
		goto too_big;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
too_big:
	mk_log(c->log, LOG_ERR, "%s: %s: larger than %zu MiB\n", c->file, path,
	       PKG_MEMBER_MAX >> 20);
	return -EFBIG;
}

/* @path without its leading "./" and "/" */
static const char *normalise(const char *path)
{
	while (path[0] == '/' || (path[0] == '.' && path[1] == '/'))
		path += path[0] == '/' ? 1 : 2;
	return path;
}

/* A symbolic link, or a hard link of a tar (no data: the member it names has it). */
static int visit_link(struct pkg_ctx *c, struct archive_entry *e, const char *path)
{
	const char *hard = archive_entry_hardlink(e);
	_cleanup_free_ char *abs = NULL;

	if (archive_entry_filetype(e) == AE_IFLNK) {
		const char *target = archive_entry_symlink(e);

		return target != NULL ? c->v->link(c->v->data, path, target) : 0;
	}
	if (asprintf(&abs, "/%s", normalise(hard)) < 0) {
		abs = NULL;
		return -ENOMEM;
	}
	return c->v->link(c->v->data, path, abs);
}

/*
 * A cpio (an .rpm's payload) stores the data of hard-linked names once, with the
 * last of them: the first comes with no data (and libarchive names it as the
 * hard link of the others). It waits here for the one with the data; a link to
 * that one then, or an empty file at the end when none came (undefer(), flush()).
 */
static int defer(struct pkg_ctx *c, const char *path)
{
	char *p = strdup(path);

	if (p == NULL || ARRAY_GROW(c->deferred, c->n_deferred, c->cap_deferred, 4) < 0) {
		free(p);
		return -ENOMEM;
	}
	c->deferred[c->n_deferred++] = p;
	return 0;
}

/* @path has the data of @first (as stored), and so of the names linked to it. */
static int undefer(struct pkg_ctx *c, const char *first, const char *path)
{
	_cleanup_free_ char *abs = NULL;

	first = normalise(first);
	for (size_t i = 0; i < c->n_deferred; i++) {
		char *p = c->deferred[i];
		int r;

		if (!streq(p, first))
			continue;
		c->deferred[i] = c->deferred[--c->n_deferred];
		if (asprintf(&abs, "/%s", path) < 0) {
			abs = NULL;
			free(p);
			return -ENOMEM;
		}
		r = c->v->link(c->v->data, p, abs);
		free(p);
		return r;
	}
	return 0;
}

/* At the end: the names whose data never came are empty files. */
static int flush(struct pkg_ctx *c)
{
	int r = 0;

	for (size_t i = 0; i < c->n_deferred; i++) {
		char *buf;

		if (r == 0)
			r = c->v->want(c->v->data, c->deferred[i], 0);
		if (r > 0) {
			buf = calloc(1, 1);
			r = buf != NULL ? c->v->take(c->v->data, c->deferred[i], buf, 0)
					: -ENOMEM;
		}
		free(c->deferred[i]);
	}
	c->n_deferred = 0;
	return r < 0 ? r : 0;
}

/* One regular file: offered to the visitor, read when it wants it. A link: told. */
static int visit(struct pkg_ctx *c, struct archive *a, struct archive_entry *e)
{
	const char *path = archive_entry_pathname(e), *hard;
	int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
	size_t len;
	void *buf;
	int r;

	if (path == NULL)
		return 0;
	path = normalise(path);
	hard = archive_entry_hardlink(e);
	if (c->v->link != NULL &&
	    (archive_entry_filetype(e) == AE_IFLNK || (hard != NULL && size <= 0)))
		return visit_link(c, e, path);
	if (archive_entry_filetype(e) != AE_IFREG)
		return 0;
	if (c->v->link != NULL && hard == NULL && size == 0 && archive_entry_nlink(e) > 1)
		return defer(c, path);
	if (c->v->link != NULL && hard != NULL) {
		r = undefer(c, hard, path);
		if (r < 0)
			return r;
	}
	r = c->v->want(c->v->data, path, size);
	if (r <= 0)
		return r;
	r = read_member(c, a, path, size, &buf, &len);
	if (r == 0)
		r = c->v->take(c->v->data, path, buf, len);
	return r;
}

/* Every member of @a to visit(). */
static int read_all(struct pkg_ctx *c, struct archive *a)
{
	for (;;) {
		struct archive_entry *e;
		int r = archive_read_next_header(a, &e);

		if (r == ARCHIVE_EOF)
			return flush(c);
		if (r < ARCHIVE_WARN)
			return archive_err(c, a);
		r = visit(c, a, e);
		if (r < 0)
			return r;
	}
}

/* The inner reader's input: the data of the outer one's current member. */
static la_ssize_t pull(struct archive *inner, void *data, const void **buf)
{
	struct pkg_ctx *c = data;
	la_int64_t offset;
	size_t size;
	int r;

	(void)inner;
	r = archive_read_data_block(c->outer, buf, &size, &offset);
	if (r == ARCHIVE_EOF)
		return 0;
	if (r < ARCHIVE_WARN) {
		c->outer_failed = true;
		return -1;
	}
	return (la_ssize_t)size;
}

/* A .deb: the data.tar member of the ar archive, read by a second reader. */
static int read_deb(struct pkg_ctx *c, struct archive *ar, struct archive_entry *e)
{
	struct archive *inner;
	int r;

	for (;;) {
		const char *name = archive_entry_pathname(e);

		if (name != NULL && strstartswith(name, "data.tar"))
			break;
		r = archive_read_next_header(ar, &e);
		if (r == ARCHIVE_EOF) {
			mk_log(c->log, LOG_ERR,
			       "%s: an ar archive with no data.tar member: not a .deb\n",
			       c->file);
			return -ENOTDIR;
		}
		if (r < ARCHIVE_WARN)
			return archive_err(c, ar);
	}
	r = reader_new(c, false, &inner);
	if (r < 0)
		return r;
	c->outer = ar;
	if (archive_read_open(inner, c, NULL, pull, NULL) != ARCHIVE_OK)
		r = archive_err(c, inner);
	else
		r = read_all(c, inner);
	archive_read_free(inner);
	return r;
}

/* No archive of a kind that libarchive was asked to read. */
static int not_package(struct pkg_ctx *c, struct archive *a)
{
	const char *why = archive_error_string(a);

	mk_log(c->log, LOG_ERR,
	       "%s: not a kernel package (.deb, .rpm) or module tree: %s\n", c->file,
	       why ? why : "unknown format");
	return -ENOTDIR;
}

/* The first member tells the kind: an ar archive is a .deb, the rest a payload. */
static int read_outer(struct pkg_ctx *c, struct archive *a)
{
	struct archive_entry *e;
	int r = archive_read_next_header(a, &e);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r < ARCHIVE_WARN)
		return not_package(c, a);
	if ((archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_AR)
		return read_deb(c, a, e);
	r = visit(c, a, e);
	return r < 0 ? r : read_all(c, a);
}

/* The read() size for @fd: PKG_BLOCK, or its size rounded up to a page when smaller. */
static size_t block_size(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size >= PKG_BLOCK)
		return PKG_BLOCK;
	return ((size_t)st.st_size + 4095) & ~(size_t)4095;
}

int pkg_read(const char *file, const struct pkg_visitor *v, const struct mk_log *log)
{
	struct pkg_ctx c = { .file = file, .v = v, .log = log };
	_cleanup_close_ int fd = -1;
	struct archive *a;
	int r = mk_dl_archive_load();

	if (r < 0) {
		mk_log(log, LOG_ERR, "%s: the %s library (%s) could not be loaded: %s\n",
		       file, mk_lib_name(MK_LIB_ARCHIVE), mk_lib_soname(MK_LIB_ARCHIVE),
		       mk_lib_error(MK_LIB_ARCHIVE));
		return r;
	}
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		mk_log(log, LOG_ERR, "%s: %s\n", file, strerror(-r));
		return r;
	}
	r = reader_new(&c, true, &a);
	if (r < 0)
		return r;
	/* libarchive reads the first bytes here, to tell the kind */
	if (archive_read_open_fd(a, fd, block_size(fd)) != ARCHIVE_OK)
		r = not_package(&c, a);
	else
		r = read_outer(&c, a);
	archive_read_free(a);
	for (size_t i = 0; i < c.n_deferred; i++)
		free(c.deferred[i]);
	free(c.deferred);
	return r;
}

int pkg_is_binary(const char *file)
{
	_cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);
	unsigned char buf[4096];
	ssize_t n;

	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0' || buf[i] == 0x7f ||
		    (buf[i] < 0x20 && strchr("\t\n\v\f\r", buf[i]) == NULL))
			return 1;
	return 0;
}
