// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Writing a set of files so that a failure (ENOSPC, EIO) or a crash never
 * leaves a truncated file under a final name: temporary files, checked writes,
 * fsync, and renames only once the whole set is on disk.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "outset.h"
#include "strbuf.h"

#define TMP_TAG ".mydepmod-"
#define JOURNAL_END "end\n"
/* far more than the journal of any set we write */
#define JOURNAL_MAX (64 * 1024)

struct outfile {
	char *name;
	char *tmpname;
	char *oldname;
	int fd; /* open until it is fsync'd */
	bool renamed;
	bool kept; /* the file already holds exactly this: left alone */
	bool unsynced; /* outset_may_lose_last(): never fsync'd */
};

struct outset {
	int dfd;
	struct outfile *files;
	size_t n, cap;
	char failed[NAME_MAX + 1];
	char tag[48]; /* this run's, in every name it leaves */
	char *journal;
	bool journal_written;
	bool keep_unchanged;
	mode_t keep_mode;
};

static int mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = strdup(path);
	size_t len;

	if (p == NULL)
		return -ENOMEM;
	len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Names we leave in the directory, each with the tag of the writing run:
 *   ".<name>.mydepmod-<tag>"      the new content of <name>
 *   ".<name>.mydepmod-old-<tag>"  a second link to the old <name> during the commit
 *   ".mydepmod-commit-<tag>"      the commit journal: "<tmpname>\t<name>\n" lines,
 *                                 then "end\n"
 * The tag is "<pid>-<16 hex digits at random>", unique across PID namespaces (in a
 * container depmod is often PID 1, every time). Earlier versions wrote "<pid>" alone:
 * those names are recognised too.
 */
enum stale_kind { STALE_TMP, STALE_OLD, STALE_JOURNAL };

struct stale {
	char *name;
	enum stale_kind kind;
};

/* A run's tag: digits, optionally '-' and 16 hex digits. @pid gets the digits. */
static bool parse_tag(const char *p, long *pid)
{
	char *end;

	errno = 0;
	*pid = strtol(p, &end, 10);
	if (errno != 0 || end == p || !(*p >= '0' && *p <= '9') || *pid <= 0)
		return false;
	if (*end == '\0')
		return true;
	if (*end != '-' || strlen(end + 1) != 16)
		return false;
	return strspn(end + 1, "0123456789abcdef") == 16;
}

static bool parse_ours(const char *name, enum stale_kind *kind, long *pid)
{
	const char *tag = strstr(name, TMP_TAG);
	const char *p;

	if (name[0] != '.' || tag == NULL)
		return false;
	p = tag + strlen(TMP_TAG);
	*kind = STALE_TMP;
	if (strncmp(p, "old-", 4) == 0) {
		*kind = STALE_OLD;
		p += 4;
	} else if (tag == name && strncmp(p, "commit-", 7) == 0) {
		*kind = STALE_JOURNAL;
		p += 7;
	}
	return parse_tag(p, pid);
}

/* The names of the set, the only ones a journal may rename onto. */
struct set_names {
	const char *const *v;
	size_t n;
};

static bool is_set_name(const struct set_names *names, const char *name)
{
	for (size_t i = 0; i < names->n; i++)
		if (streq(names->v[i], name))
			return true;
	return false;
}

/* "<tmp>\t<name>" of a journal: <name> one of the set, <tmp> a temporary file of it */
static bool journal_entry_valid(const char *tmp, const char *name,
				const struct set_names *names)
{
	long pid;

	if (!is_set_name(names, name) || tmp[0] != '.' || !strstartswith(tmp + 1, name))
		return false;
	tmp += 1 + strlen(name);
	return strstartswith(tmp, TMP_TAG) && parse_tag(tmp + strlen(TMP_TAG), &pid);
}

/*
 * The journal @name read whole into *@data: 0; 1 with *@why when it is none of
 * ours: not a regular file (a link, a FIFO, a device), or larger than any journal
 * we write; a negative errno when it could not be read for a reason that may pass
 * (out of memory, EIO): it is then kept, with the files it renames.
 */
static int read_journal(int dfd, const char *name, char **data, size_t *len,
			const char **why)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	*data = NULL;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ELOOP)
		*why = "a symbolic link";
	else if (fd < 0)
		return -errno;
	else if (fstat(fd, &st) < 0)
		return -errno;
	else if (!S_ISREG(st.st_mode))
		*why = "not a regular file";
	else if (st.st_size > JOURNAL_MAX)
		*why = "too large";
	else
		*why = NULL;
	if (*why != NULL)
		return 1;
	*len = (size_t)st.st_size;
	*data = malloc(*len + 1);
	if (*data == NULL)
		return -ENOMEM;
	r = pread_all(fd, *data, *len, 0);
	if (r < 0) {
		free(*data);
		*data = NULL;
		return r;
	}
	(*data)[*len] = '\0';
	return 0;
}

/*
 * Check every line of a complete journal (@data ends with "end\n"): NULL when each
 * renames a temporary file of the set onto its name, else why not.
 */
static const char *check_journal(char *data, size_t len, const struct set_names *names)
{
	char *end = data + len - strlen(JOURNAL_END);

	for (char *line = data; line < end;) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		char *tab;

		if (nl == NULL)
			return "a line without end";
		*nl = '\0';
		tab = strchr(line, '\t');
		if (tab == NULL || strchr(tab + 1, '\t') != NULL)
			return "a line that is not two names";
		*tab = '\0';
		if (!journal_entry_valid(line, tab + 1, names))
			return "a rename that is not of one of its files";
		*tab = '\t';
		*nl = '\n';
		line = nl + 1;
	}
	return NULL;
}

/*
 * Finish the commit a dead run had started: its new files are complete. A
 * negative errno when the journal could not be read (reported, and kept).
 */
static int roll_forward(int dfd, const char *journal, const struct set_names *names,
			const struct mk_log *log)
{
	_cleanup_free_ char *data = NULL;
	const char *why = NULL;
	size_t len = 0;
	int r;

	r = read_journal(dfd, journal, &data, &len, &why);
	if (r < 0) {
		mk_log(log, LOG_ERR, "could not read the commit journal %s: %s: kept\n",
		       journal, strerror(-r));
		return r;
	}
	/* a journal cut short was being written: nothing was renamed yet */
	if (r == 0 && (len < strlen(JOURNAL_END) ||
		       memcmp(data + len - strlen(JOURNAL_END), JOURNAL_END,
			      strlen(JOURNAL_END)) != 0)) {
		unlinkat(dfd, journal, 0);
		return 0;
	}
	if (r == 0)
		why = check_journal(data, len, names);
	if (why != NULL) {
		mk_log(log, LOG_WARNING, "ignoring the commit journal %s (%s): removed\n",
		       journal, why);
		unlinkat(dfd, journal, 0);
		return 0;
	}
	for (char *line = data, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		char *tab = strchr(line, '\t');

		if (tab == NULL)
			break; /* the "end" line */
		*tab = '\0';
		*nl = '\0';
		renameat(dfd, line, dfd, tab + 1); /* gone already when it was renamed */
	}
	fsync(dfd);
	unlinkat(dfd, journal, 0);
	return 0;
}

/*
 * The files of runs that died (crash, kill -9) in the list @list: with the lock, every
 * file of ours but our own; without it (a file system without flock), those whose
 * process no longer exists.
 */
static int list_stale(int dfd, bool locked, struct stale **list, size_t *n)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t cap = 0;
	struct dirent *de;
	DIR *d;

	*list = NULL;
	*n = 0;
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d)) != NULL) {
		enum stale_kind kind;
		long pid;

		if (!parse_ours(de->d_name, &kind, &pid))
			continue;
		if (!locked &&
		    (pid == getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		if (*n == cap) {
			size_t c = cap ? cap * 2 : 16;
			struct stale *a = realloc(*list, c * sizeof(*a));

			if (a == NULL)
				break;
			*list = a;
			cap = c;
		}
		(*list)[*n].name = strdup(de->d_name);
		if ((*list)[*n].name == NULL)
			break;
		(*list)[(*n)++].kind = kind;
	}
	closedir(d);
	return 0;
}

/*
 * Complete an interrupted commit, then remove the other files of dead runs; when
 * a journal cannot be read, nothing is removed (its files must stay for a later
 * run) and the error is returned.
 */
static int remove_stale(int dfd, bool locked, const struct set_names *names,
			const struct mk_log *log)
{
	struct stale *list;
	size_t n;
	int r = 0;

	if (list_stale(dfd, locked, &list, &n) < 0)
		return 0;
	for (size_t i = 0; i < n && r == 0; i++)
		if (list[i].kind == STALE_JOURNAL)
			r = roll_forward(dfd, list[i].name, names, log);
	for (size_t i = 0; i < n; i++) {
		if (list[i].kind != STALE_JOURNAL && r == 0)
			unlinkat(dfd, list[i].name, 0);
		free(list[i].name);
	}
	free(list);
	return r;
}

/* "<pid>-<16 hex digits>" at random: the run's tag */
static int make_tag(char *buf, size_t size)
{
	uint64_t rnd;

	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		rnd = ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)ts.tv_nsec ^
		      ((uint64_t)getpid() << 48);
	}
	if ((size_t)snprintf(buf, size, "%ld-%016" PRIx64, (long)getpid(), rnd) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * One writer at a time: the next one waits here. false where the file system has no
 * flock (NFS, say): stale files are then those of processes that no longer exist.
 */
static bool lock_dir(int dfd)
{
	for (;;) {
		if (flock(dfd, LOCK_EX) == 0)
			return true;
		if (errno != EINTR)
			return false;
	}
}

int outset_open(const char *dir, const char *const *names, size_t n_names,
		const struct mk_log *log, struct outset **out)
{
	const struct set_names set = { names, n_names };
	struct outset *os;
	int r;

	r = mkdir_p(dir, 0755);
	if (r < 0)
		return r;
	os = calloc(1, sizeof(*os));
	if (os == NULL)
		return -ENOMEM;
	r = make_tag(os->tag, sizeof(os->tag));
	os->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r == 0 && os->dfd < 0)
		r = -errno;
	if (r < 0) {
		if (os->dfd >= 0)
			close(os->dfd);
		free(os);
		return r;
	}
	r = remove_stale(os->dfd, lock_dir(os->dfd), &set, log);
	if (r < 0) {
		close(os->dfd);
		free(os);
		return r;
	}
	*out = os;
	return 0;
}

const char *outset_failed_name(const struct outset *os)
{
	return os->failed[0] ? os->failed : NULL;
}

void outset_keep_unchanged(struct outset *os, mode_t mode)
{
	os->keep_unchanged = true;
	os->keep_mode = mode;
}

/*
 * Does @name in @dfd hold exactly @data, as a regular file? 0 when it does (*@st
 * then describes it), 1 when it does not (another content or size, a symbolic
 * link, a FIFO...), a negative errno when it is missing (-ENOENT) or unreadable.
 * Stops reading at the first difference.
 */
static int compare_file(int dfd, const char *name, const void *data, size_t len,
			struct stat *st)
{
	char buf[64 * 1024];
	_cleanup_close_ int fd = -1;
	size_t off = 0;
	ssize_t n;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP || errno == ENXIO ? 1 : -errno;
	if (fstat(fd, st) < 0)
		return -errno;
	if (!S_ISREG(st->st_mode) || (uint64_t)st->st_size != len)
		return 1;
	while (off < len) {
		size_t want = len - off < sizeof(buf) ? len - off : sizeof(buf);

		n = pread(fd, buf, want, (off_t)off);
		if (n < 0)
			return -errno;
		if (n == 0 || memcmp(buf, (const char *)data + off, (size_t)n) != 0)
			return 1;
		off += (size_t)n;
	}
	/* nothing more: the file did not grow meanwhile */
	n = pread(fd, buf, 1, (off_t)len);
	if (n < 0)
		return -errno;
	return n == 0 ? 0 : 1;
}

/*
 * Does @name hold exactly @data already, as a regular file of ours with the mode
 * a new one would get? Anything unexpected (an error included) says no.
 */
static bool same_file(int dfd, const char *name, const void *data, size_t len,
		      mode_t mode)
{
	struct stat st;

	return compare_file(dfd, name, data, len, &st) == 0 &&
	       (st.st_mode & 07777) == mode && st.st_uid == geteuid();
}

struct outset_ahead {
	int fd; /* -1 once named */
	size_t len; /* bytes written */
	int err; /* the write's error */
};

int outset_ahead_open(const char *dir, struct outset_ahead **out)
{
	struct outset_ahead *a;
	int fd;

	*out = NULL;
	/* read too: copied from when it cannot be named */
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == ENOMEM ? -ENOMEM : 0;
	a = malloc(sizeof(*a));
	if (a == NULL) {
		close(fd);
		return -ENOMEM;
	}
	*a = (struct outset_ahead){ .fd = fd };
	*out = a;
	return 0;
}

void outset_ahead_write(struct outset_ahead *a, const void *data, size_t len)
{
	if (a->err == 0)
		a->err = write_all(a->fd, data, len);
	a->len += len;
}

void outset_ahead_end(struct outset_ahead *a)
{
	if (a->err == 0 && a->len > 0)
		sync_file_range(a->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

void outset_ahead_free(struct outset_ahead *a)
{
	if (a == NULL)
		return;
	if (a->fd >= 0)
		close(a->fd);
	free(a);
}

/*
 * Give @a's file the name @tmpname in @dfd: through its descriptor (which needs
 * CAP_DAC_READ_SEARCH), else through /proc. 0, or -errno.
 */
static int name_ahead(int dfd, const struct outset_ahead *a, const char *tmpname)
{
	char proc[64];

	if (linkat(a->fd, "", dfd, tmpname, AT_EMPTY_PATH) == 0)
		return 0;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", a->fd);
	if (linkat(AT_FDCWD, proc, dfd, tmpname, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	return -errno;
}

/* @a's bytes into @fd, from the start: for a file written ahead that has no name. */
static int copy_ahead(int fd, const struct outset_ahead *a)
{
	_cleanup_free_ char *buf = malloc(1 << 16);
	size_t at = 0;

	if (buf == NULL)
		return -ENOMEM;
	while (at < a->len) {
		size_t n = a->len - at < (1 << 16) ? a->len - at : (1 << 16);
		/* -EIO when shorter than written */
		int r = pread_all(a->fd, buf, n, at);

		if (r == 0)
			r = write_all(fd, buf, n);
		if (r < 0)
			return r;
		at += n;
	}
	return 0;
}

/* Into @fd, holding @a's bytes: @head over its first ones, @tail after them. */
static int write_rest(int fd, const struct outset_ahead *a, const void *head,
		      size_t head_len, const void *tail, size_t tail_len)
{
	int r = 0;

	if (head_len > 0 && lseek(fd, 0, SEEK_SET) != 0)
		r = -errno;
	if (r == 0)
		r = write_all(fd, head, head_len);
	if (r == 0 && lseek(fd, (off_t)a->len, SEEK_SET) != (off_t)a->len)
		r = -errno;
	if (r == 0)
		r = write_all(fd, tail, tail_len);
	return r;
}

/*
 * A new file of the set, for @name: not counted in os->n until it has a
 * temporary file (which is then ours to remove); NULL for -ENOMEM.
 */
static struct outfile *new_file(struct outset *os, const char *name)
{
	struct outfile *f;

	if (os->n == os->cap) {
		size_t cap = os->cap ? os->cap * 2 : 16;
		struct outfile *files = realloc(os->files, cap * sizeof(*files));

		if (files == NULL)
			return NULL;
		os->files = files;
		os->cap = cap;
	}
	f = &os->files[os->n];
	memset(f, 0, sizeof(*f));
	f->name = strdup(name);
	if (f->name == NULL ||
	    asprintf(&f->tmpname, ".%s" TMP_TAG "%s", name, os->tag) < 0) {
		free(f->name);
		return NULL;
	}
	snprintf(os->failed, sizeof(os->failed), "%s", name);
	return f;
}

/* @f's temporary file, made new (never an existing one): its fd, or -errno. */
static int open_temporary(const struct outset *os, const struct outfile *f)
{
	int fd = openat(os->dfd, f->tmpname, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			0644);

	return fd < 0 ? -errno : fd;
}

/* @f's temporary file could not be had: -errno @r */
static int no_file(struct outfile *f, int r)
{
	free(f->name);
	free(f->tmpname);
	return r;
}

/* @f has its temporary file @fd, written @len bytes with the result @r. */
static int file_written(struct outset *os, struct outfile *f, int fd, size_t len, int r)
{
	f->fd = fd;
	/* start the writeback now; the fsync in the commit then mostly waits less */
	if (r == 0 && len > 0)
		sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	if (r == 0)
		os->failed[0] = '\0';
	return r;
}

int outset_add(struct outset *os, const char *name, const void *data, size_t len)
{
	struct outfile *f = new_file(os, name);
	int fd;

	if (f == NULL)
		return -ENOMEM;
	if (os->keep_unchanged && same_file(os->dfd, name, data, len, os->keep_mode)) {
		f->fd = -1;
		f->kept = true;
		os->n++;
		os->failed[0] = '\0';
		return 0;
	}
	fd = open_temporary(os, f);
	if (fd < 0)
		return no_file(f, fd);
	os->n++; /* from here on the temporary file is ours to remove */
	return file_written(os, f, fd, len, write_all(fd, data, len));
}

int outset_add_ahead(struct outset *os, const char *name, struct outset_ahead *a,
		     const void *head, size_t head_len, const void *tail, size_t tail_len)
{
	struct outfile *f = new_file(os, name);
	bool named;
	int fd, r;

	if (f == NULL)
		return -ENOMEM;
	if (a->err != 0)
		return no_file(f, a->err);
	if (head_len > a->len || a->fd < 0)
		return no_file(f, -EINVAL);
	named = name_ahead(os->dfd, a, f->tmpname) == 0;
	if (named) {
		fd = a->fd;
		a->fd = -1;
	} else {
		fd = open_temporary(os, f);
		if (fd < 0)
			return no_file(f, fd);
	}
	os->n++; /* from here on the temporary file is ours to remove */
	r = named ? 0 : copy_ahead(fd, a);
	if (r == 0)
		r = write_rest(fd, a, head, head_len, tail, tail_len);
	return file_written(os, f, fd, a->len + tail_len, r);
}

/*
 * The renames are the only step that changes what readers see. To make that
 * window small and recoverable:
 *  - every old file gets a second link first, so that a rename does not free
 *    the old inode's blocks (on ext4 that made each rename take milliseconds);
 *  - a journal listing the renames is written and fsync'd first, so that if we
 *    die half-way, the next run completes the set (roll_forward()).
 */
static int write_journal(struct outset *os)
{
	struct strbuf sb = STRBUF_INIT;
	int fd, r = 0;

	for (size_t i = 0; i < os->n && r == 0; i++)
		if (!os->files[i].kept)
			r = strbuf_printf(&sb, "%s\t%s\n", os->files[i].tmpname,
					  os->files[i].name);
	if (r == 0)
		r = strbuf_pushstr(&sb, JOURNAL_END);
	if (r < 0)
		goto out;
	fd = openat(os->dfd, os->journal, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	os->journal_written = true;
	r = write_all(fd, sb.buf, sb.used);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && fsync(os->dfd) < 0)
		r = -errno;
out:
	strbuf_release(&sb);
	return r;
}

/*
 * fsync the files only once all are written: the first fsync commits the
 * filesystem journal for all of them, the others only wait for their data.
 */
static int sync_files(struct outset *os)
{
	for (size_t i = 0; i < os->n; i++) {
		struct outfile *f = &os->files[i];
		int r = 0;

		if (f->kept)
			continue;
		if (!f->unsynced && fsync(f->fd) < 0)
			r = -errno;
		if (close(f->fd) < 0 && r == 0)
			r = -errno;
		f->fd = -1;
		if (r < 0) {
			snprintf(os->failed, sizeof(os->failed), "%s", f->name);
			return r;
		}
	}
	return 0;
}

/*
 * A rename failed after the first @upto files: put their old versions back (a
 * file that did not exist goes again), so that the old set stands.
 */
static void roll_back(struct outset *os, size_t upto)
{
	for (size_t i = 0; i < upto; i++) {
		struct outfile *f = &os->files[i];
		int r;

		if (f->kept || !f->renamed)
			continue;
		if (f->oldname != NULL)
			r = renameat(os->dfd, f->oldname, os->dfd, f->name);
		else
			r = unlinkat(os->dfd, f->name, 0);
		if (r < 0)
			continue; /* a second failure in a row: that file stays new */
		free(f->oldname);
		f->oldname = NULL;
		f->renamed = false;
	}
	fsync(os->dfd);
}

/* Rename every new file over its old one, as the journal says. */
static int rename_all(struct outset *os)
{
	for (size_t i = 0; i < os->n; i++) {
		struct outfile *f = &os->files[i];

		if (f->kept)
			continue;
		if (renameat(os->dfd, f->tmpname, os->dfd, f->name) < 0) {
			int r = -errno;

			snprintf(os->failed, sizeof(os->failed), "%s", f->name);
			roll_back(os, i);
			return r;
		}
		f->renamed = true;
	}
	return 0;
}

void outset_may_lose_last(struct outset *os)
{
	if (os->n > 0)
		os->files[os->n - 1].unsynced = true;
}

int outset_commit(struct outset *os)
{
	size_t changed = 0, synced = 0;
	int r;

	r = sync_files(os);
	if (r < 0)
		return r;
	for (size_t i = 0; i < os->n; i++) {
		changed += !os->files[i].kept;
		synced += !os->files[i].kept && !os->files[i].unsynced;
	}

	/*
	 * One file to change (the cache of a first run, modules.dep alone): its
	 * rename is all or nothing by itself, with no journal to write and sync;
	 * nor is the directory's entry made to last when the file may be lost
	 */
	if (changed == 1) {
		r = rename_all(os);
		if (r == 0 && synced == 1 && fsync(os->dfd) < 0) {
			snprintf(os->failed, sizeof(os->failed), ".");
			r = -errno;
		}
		if (r < 0)
			return r;
	} else if (changed > 0) {
		if (asprintf(&os->journal, TMP_TAG "commit-%s", os->tag) < 0) {
			os->journal = NULL;
			return -ENOMEM;
		}
		for (size_t i = 0; i < os->n; i++) {
			struct outfile *f = &os->files[i];

			if (f->kept)
				continue;
			if (asprintf(&f->oldname, ".%s" TMP_TAG "old-%s", f->name,
				     os->tag) < 0) {
				f->oldname = NULL;
				return -ENOMEM;
			}
			if (linkat(os->dfd, f->name, os->dfd, f->oldname, 0) < 0) {
				free(f->oldname);
				/* no old file (or no hard links): nothing to keep */
				f->oldname = NULL;
			}
		}
		r = write_journal(os);
		if (r < 0) {
			snprintf(os->failed, sizeof(os->failed), "%s", os->journal);
			return r;
		}
		r = rename_all(os);
		if (r < 0)
			return r;
		if (fsync(os->dfd) < 0) {
			snprintf(os->failed, sizeof(os->failed), ".");
			return -errno;
		}
	}
	/*
	 * A file left alone still gets the time of this run, as a rewritten one
	 * would: depmod -A compares modules.dep's with the modules'.
	 */
	for (size_t i = 0; i < os->n; i++)
		if (os->files[i].kept)
			utimensat(os->dfd, os->files[i].name, NULL, AT_SYMLINK_NOFOLLOW);
	return 0;
}

void outset_free(struct outset *os)
{
	if (os == NULL)
		return;
	for (size_t i = 0; i < os->n; i++) {
		if (os->files[i].fd >= 0)
			close(os->files[i].fd);
		if (!os->files[i].renamed && !os->files[i].kept)
			unlinkat(os->dfd, os->files[i].tmpname, 0);
		if (os->files[i].oldname != NULL)
			unlinkat(os->dfd, os->files[i].oldname, 0);
		free(os->files[i].name);
		free(os->files[i].tmpname);
		free(os->files[i].oldname);
	}
	if (os->journal_written)
		unlinkat(os->dfd, os->journal, 0);
	free(os->journal);
	free(os->files);
	close(os->dfd);
	free(os);
}

static int cmp_stale(const void *a, const void *b)
{
	return strcmp(((const struct stale *)a)->name, ((const struct stale *)b)->name);
}

/* The files of runs that died, by name: a writing run would clean them up. */
static int report_leftovers(int dfd, bool locked, outset_diff_fn fn, void *data)
{
	struct stale *list;
	size_t n;
	int r;

	r = list_stale(dfd, locked, &list, &n);
	if (r < 0)
		return r;
	qsort(list, n, sizeof(*list), cmp_stale);
	for (size_t i = 0; i < n; i++) {
		fn(data, OUTSET_DIFF_LEFTOVER, list[i].name);
		free(list[i].name);
	}
	free(list);
	return n > 0;
}

/* A shared lock: no writer is among its renames while it is held. */
static bool lock_dir_shared(int dfd)
{
	for (;;) {
		if (flock(dfd, LOCK_SH) == 0)
			return true;
		if (errno != EINTR)
			return false;
	}
}

int outset_compare(const char *dir, const struct outset_file *files, size_t n,
		   outset_diff_fn fn, void *data, const char **failed)
{
	_cleanup_close_ int dfd = -1;
	bool differs = false, locked;
	int r;

	*failed = ".";
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	/* released with the descriptor */
	locked = lock_dir_shared(dfd);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		r = compare_file(dfd, files[i].name, files[i].data, files[i].len, &st);
		if (r == -ENOENT) {
			fn(data, OUTSET_DIFF_MISSING, files[i].name);
			r = 1;
		} else if (r == 1) {
			fn(data, OUTSET_DIFF_STALE, files[i].name);
		} else if (r < 0) {
			*failed = files[i].name;
			return r;
		}
		differs |= r == 1;
	}
	r = report_leftovers(dfd, locked, fn, data);
	if (r < 0)
		return r;
	*failed = NULL;
	return differs || r > 0;
}

/* Are there files of dead runs in @dfd (a journal to complete, temporary files)? */
static bool has_leftovers(int dfd, bool locked)
{
	struct stale *list;
	size_t n;

	if (list_stale(dfd, locked, &list, &n) < 0)
		return true;
	for (size_t i = 0; i < n; i++)
		free(list[i].name);
	free(list);
	return n > 0;
}

/*
 * Open @name for outset_reuse(): a regular file (of ours with @mode unless
 * @contents_only), else -1.
 */
static int open_kept(int dfd, const char *name, mode_t mode, bool contents_only,
		     struct stat *st)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) ||
	    (!contents_only &&
	     ((st->st_mode & 07777) != mode || st->st_uid != geteuid()))) {
		close(fd);
		return -1;
	}
	return fd;
}

int outset_reuse(const char *dir, const char *const *names, size_t n, mode_t mode,
		 bool contents_only, outset_same_fn same, void *data)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ int *fds = calloc(n ? n : 1, sizeof(*fds));
	size_t opened = 0;
	bool all = true;

	if (fds == NULL)
		return -ENOMEM;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	/* released with the descriptor: no writer is among its renames meanwhile */
	if (has_leftovers(dfd, lock_dir_shared(dfd)))
		return 0;
	for (; all && opened < n; opened++) {
		struct stat st;

		fds[opened] = open_kept(dfd, names[opened], mode, contents_only, &st);
		all = fds[opened] >= 0 &&
		      same(data, opened, fds[opened], (uint64_t)st.st_size) == 1;
	}
	/* as a commit that keeps a file unchanged does: its times are now */
	for (size_t i = 0; all && !contents_only && i < n; i++)
		all = futimens(fds[i], NULL) == 0;
	for (size_t i = 0; i < opened; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return all;
}
