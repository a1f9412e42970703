// SPDX-License-Identifier: LGPL-2.1-or-later
/* Configuration file collection and the wrapped line reader. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <syslog.h>

#include "conffile.h"
#include "util.h"

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Insert @path (owned on success) under @name, which points into @path. */
static int list_insert_owned(struct conffile_list *list, char *path, const char *name)
{
	struct conffile *n;
	size_t lo = 0, hi = list->n, bytes, count;

	/* binary search for the first entry whose name is >= @name */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(list->files[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < list->n && streq(list->files[lo].name, name))
		return -EEXIST;

	if (uaddsz_overflow(list->n, 1, &count) ||
	    umulsz_overflow(count, sizeof(*list->files), &bytes))
		return -ENOMEM;
	n = realloc(list->files, bytes);
	if (n == NULL)
		return -ENOMEM;
	list->files = n;
	memmove(&n[lo + 1], &n[lo], (list->n - lo) * sizeof(*n));
	n[lo].path = path;
	n[lo].name = name;
	list->n = count;
	return 0;
}

int conffile_list_insert(struct conffile_list *list, const char *dir, const char *name)
{
	size_t dlen = strlen(dir), nlen = strlen(name), total;
	char *path;
	int r;

	if (uaddsz_overflow(dlen, nlen, &total) || uaddsz_overflow(total, 2, &total))
		return -ENOMEM;
	path = malloc(total);
	if (path == NULL)
		return -ENOMEM;
	memcpy(path, dir, dlen);
	path[dlen] = '/';
	memcpy(path + dlen + 1, name, nlen + 1);
	r = list_insert_owned(list, path, path + dlen + 1);
	if (r < 0)
		free(path);
	return r;
}

static int insert_single(struct conffile_list *list, const char *file)
{
	char *path = strdup(file);
	int r;

	if (path == NULL)
		return -ENOMEM;
	r = list_insert_owned(list, path, base_name(path));
	if (r < 0)
		free(path);
	return r;
}

/* true when directory entry @name of @dir must not be used */
static bool filter_out(int dfd, const char *dir, const char *name,
		       enum conffile_flavour flavour, const struct mk_log *log)
{
	size_t len = strlen(name);
	struct stat st;

	if (name[0] == '.')
		return true;
	if (flavour == CONFFILE_DEPMOD) {
		if (len < 6 || !streq(name + len - 5, ".conf")) {
			mk_log(log, LOG_INFO, "All cfg files need .conf: %s/%s\n", dir,
			       name);
			return true;
		}
	} else if (len < 6 || (!streq(name + len - 5, ".conf") &&
			       !streq(name + len - 6, ".alias"))) {
		/* libkmod still takes the old "*.alias" names too */
		return true;
	}
	if (fstatat(dfd, name, &st, 0) == 0 && S_ISDIR(st.st_mode)) {
		mk_log(log, LOG_ERR,
		       "Directories inside directories are not supported: %s/%s\n", dir,
		       name);
		return true;
	}
	return false;
}

int conffile_list_add_path(struct conffile_list *list, const char *path,
			   enum conffile_flavour flavour, const struct mk_log *log)
{
	struct stat st;
	DIR *d;
	int r = 0;

	if (stat(path, &st) != 0)
		return -errno;
	if (S_ISREG(st.st_mode)) {
		r = insert_single(list, path);
		return r == -EEXIST ? 0 : r;
	}
	if (!S_ISDIR(st.st_mode)) {
		mk_log(log, LOG_ERR, "unsupported file mode %s: %#x\n", path, st.st_mode);
		return -EINVAL;
	}

	{
		int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0) {
			r = -errno;
			mk_log(log, LOG_ERR, "%s: %s\n", path, strerror(-r));
			return r;
		}
		d = fdopendir(fd);
		if (d == NULL) {
			r = -errno;
			close(fd);
			return r;
		}
	}

	for (;;) {
		struct dirent *ent;

		errno = 0;
		ent = readdir(d);
		if (ent == NULL) {
			r = errno ? -errno : 0;
			break;
		}
		if (filter_out(dirfd(d), path, ent->d_name, flavour, log))
			continue;
		r = conffile_list_insert(list, path, ent->d_name);
		if (r == -ENOMEM)
			break;
		r = 0; /* -EEXIST: an earlier path provided this name */
	}
	closedir(d);
	return r;
}

void conffile_list_release(struct conffile_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		free(list->files[i].path);
	free(list->files);
	list->files = NULL;
	list->n = 0;
}

static int buf_put(char **buf, size_t *cap, size_t i, char c)
{
	/* keep room for @c and the terminating NUL */
	if (i + 1 >= *cap) {
		size_t ncap;
		char *n;

		if (umulsz_overflow(*cap ? *cap : 128, 2, &ncap))
			return -ENOMEM;
		n = realloc(*buf, ncap);
		if (n == NULL)
			return -ENOMEM;
		*buf = n;
		*cap = ncap;
	}
	(*buf)[i] = c;
	return 0;
}

int conffile_read_line(FILE *fp, char **buf, size_t *cap, unsigned int *linenum)
{
	unsigned int n = 0;
	size_t i = 0;
	int r;

	for (;;) {
		int ch = getc_unlocked(fp);

		if (ch == EOF) {
			if (ferror(fp))
				return -EIO;
			if (i == 0)
				return 0;
			n++;
			break;
		}
		if (ch == '\n') {
			n++;
			break;
		}
		if (ch == '\\') {
			ch = getc_unlocked(fp);
			if (ch == '\n') {
				n++;
				continue;
			}
			/* kmod stores (char)EOF, i.e. 0xff, for a backslash at the end */
			if (ch == EOF)
				ch = 0xff;
		}
		r = buf_put(buf, cap, i, (char)ch);
		if (r < 0)
			return r;
		i++;
	}
	r = buf_put(buf, cap, i, '\0');
	if (r < 0)
		return r;
	*linenum += n;
	return 1;
}

/*
 * @file opened for reading without ever blocking: NULL (reported) when it cannot
 * be, or is not a regular file. A FIFO or a device named like a configuration
 * file would otherwise hang the tool (kmod hangs: docs/compat.md); a link to
 * /dev/null, the usual way to mask a file of the same name in a later directory,
 * reads as empty and is not reported.
 */
static FILE *open_config(const char *file, enum conffile_flavour flavour,
			 const struct mk_log *log)
{
	int fd = open(file, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	FILE *fp;

	if (fd < 0) {
		int err = errno;

		/* libkmod skips such a file silently; depmod says so */
		if (flavour == CONFFILE_DEPMOD)
			mk_log(log, LOG_ERR, "file %s: %s\n", file, strerror(err));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		mk_log(log, LOG_ERR, "%s: %s\n", file, strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		if (!(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)))
			mk_log(log, LOG_WARNING, "%s: not a regular file, ignored\n",
			       file);
		close(fd);
		return NULL;
	}
	fp = fdopen(fd, "r");
	if (fp == NULL)
		close(fd);
	return fp;
}

static int load_file(const char *file, enum conffile_flavour flavour,
		     conffile_directive_fn fn, void *data, const struct mk_log *log)
{
	struct conffile_pos pos = { .file = file, .log = log };
	_cleanup_free_ char *buf = NULL;
	_cleanup_fclose_ FILE *fp = open_config(file, flavour, log);
	size_t cap = 0;
	int r;

	if (fp == NULL)
		return 0;
	while ((r = conffile_read_line(fp, &buf, &cap, &pos.linenum)) > 0) {
		char *save, *cmd;

		if (buf[0] == '\0' || buf[0] == '#')
			continue;
		cmd = strtok_r(buf, "\t ", &save);
		if (cmd == NULL)
			continue;
		r = fn(data, cmd, save, &pos);
		if (r < 0)
			return r;
	}
	/* a read error ends the file, not the loading */
	return r == -ENOMEM ? r : 0;
}

int conffile_load(struct conffile_list *list, const char *const *paths,
		  enum conffile_flavour flavour, conffile_directive_fn fn, void *data,
		  const struct mk_log *log)
{
	int r = 0;

	for (size_t i = 0; paths[i] != NULL && r == 0; i++)
		if (conffile_list_add_path(list, paths[i], flavour, log) == -ENOMEM)
			r = -ENOMEM;
	for (size_t i = 0; i < list->n && r == 0; i++)
		r = load_file(list->files[i].path, flavour, fn, data, log);
	conffile_list_release(list);
	return r;
}
