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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outset.h"

#define TMP_TAG ".mydepmod-"

struct outfile {
	char *name;
	char *tmpname;
	bool renamed;
};

struct outset {
	int dfd;
	struct outfile *files;
	size_t n, cap;
	char failed[NAME_MAX + 1];
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

/* Remove ".<name>.mydepmod-<pid>" files whose process is gone. */
static void remove_stale(int dfd)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		const char *tag = strstr(de->d_name, TMP_TAG);
		char *end;
		long pid;

		if (de->d_name[0] != '.' || tag == NULL)
			continue;
		errno = 0;
		pid = strtol(tag + strlen(TMP_TAG), &end, 10);
		if (errno != 0 || *end != '\0' || pid <= 0)
			continue;
		if (pid != getpid() && kill((pid_t)pid, 0) < 0 && errno == ESRCH)
			unlinkat(dfd, de->d_name, 0);
	}
	closedir(d);
}

int outset_open(const char *dir, struct outset **out)
{
	struct outset *os;
	int r;

	r = mkdir_p(dir, 0755);
	if (r < 0)
		return r;
	os = calloc(1, sizeof(*os));
	if (os == NULL)
		return -ENOMEM;
	os->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (os->dfd < 0) {
		r = -errno;
		free(os);
		return r;
	}
	remove_stale(os->dfd);
	*out = os;
	return 0;
}

const char *outset_failed_name(const struct outset *os)
{
	return os->failed[0] ? os->failed : NULL;
}

int outset_add(struct outset *os, const char *name, const void *data, size_t len)
{
	struct outfile *f;
	int fd, r;

	if (os->n == os->cap) {
		size_t cap = os->cap ? os->cap * 2 : 16;
		struct outfile *a = realloc(os->files, cap * sizeof(*a));

		if (a == NULL)
			return -ENOMEM;
		os->files = a;
		os->cap = cap;
	}
	f = &os->files[os->n];
	memset(f, 0, sizeof(*f));
	f->name = strdup(name);
	if (f->name == NULL || asprintf(&f->tmpname, ".%s" TMP_TAG "%ld", name,
					(long)getpid()) < 0) {
		free(f->name);
		return -ENOMEM;
	}
	snprintf(os->failed, sizeof(os->failed), "%s", name);
	fd = openat(os->dfd, f->tmpname, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		free(f->name);
		free(f->tmpname);
		return r;
	}
	os->n++; /* from here on the temporary file is ours to remove */
	r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0)
		os->failed[0] = '\0';
	return r;
}

int outset_commit(struct outset *os)
{
	for (size_t i = 0; i < os->n; i++) {
		struct outfile *f = &os->files[i];

		if (renameat(os->dfd, f->tmpname, os->dfd, f->name) < 0) {
			snprintf(os->failed, sizeof(os->failed), "%s", f->name);
			return -errno;
		}
		f->renamed = true;
	}
	if (fsync(os->dfd) < 0) {
		snprintf(os->failed, sizeof(os->failed), ".");
		return -errno;
	}
	return 0;
}

void outset_free(struct outset *os)
{
	if (os == NULL)
		return;
	for (size_t i = 0; i < os->n; i++) {
		if (!os->files[i].renamed)
			unlinkat(os->dfd, os->files[i].tmpname, 0);
		free(os->files[i].name);
		free(os->files[i].tmpname);
	}
	free(os->files);
	close(os->dfd);
	free(os);
}
