// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The running kernel: module syscalls and the /sys/module and /proc files.
 * See kernel.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kernel.h"
#include "modfile.h"
#include "util.h"

/* include/uapi/linux/module.h */
#define MODULE_INIT_IGNORE_MODVERSIONS 1
#define MODULE_INIT_IGNORE_VERMAGIC 2
#define MODULE_INIT_COMPRESSED_FILE 4

#define SYSMODULE "/sys/module/"

/* "/sys/module/NAME[/FILE]" into @buf; -ENAMETOOLONG, -EINVAL for a bad name */
static int sysmodule_path(char *buf, size_t size, const char *name, const char *file)
{
	int n;

	/* "" is let through, as in kmod: it reads the /sys/module directory itself */
	if (name == NULL || strchr(name, '/') || streq(name, ".") || streq(name, ".."))
		return -EINVAL;
	n = snprintf(buf, size, SYSMODULE "%s%s%s", name, file ? "/" : "",
		     file ? file : "");
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* the first line of a small file at @dirfd/@path, newline removed */
static int read_line_at(int dirfd, const char *path, char **out)
{
	char *s;
	size_t len;
	int r;

	r = read_file_full(dirfd, path, &s, &len);
	if (r < 0)
		return r;
	s[strcspn(s, "\n")] = '\0';
	*out = s;
	return 0;
}

static int read_u64_at(int dirfd, const char *path, uint64_t *v)
{
	_cleanup_free_ char *s = NULL;
	int r;

	r = read_line_at(dirfd, path, &s);
	if (r < 0)
		return r;
	return safe_atou64(s, 10, v);
}

/* ---- insert and remove ---- */

static int sys_finit_module(int fd, const char *params, int flags)
{
	if (syscall(__NR_finit_module, fd, params, flags) != 0)
		return -errno;
	return 0;
}

static int sys_init_module(const void *image, size_t len, const char *params)
{
	if (syscall(__NR_init_module, image, len, params) != 0)
		return -errno;
	return 0;
}

enum mk_compression mk_kernel_compression(void)
{
	static const enum mk_compression all[] = { MK_COMPRESSION_GZIP, MK_COMPRESSION_XZ,
						   MK_COMPRESSION_ZSTD };
	_cleanup_free_ char *s = NULL;

	if (read_line_at(AT_FDCWD, SYSMODULE "compression", &s) < 0)
		return MK_COMPRESSION_NONE;
	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		if (streq(s, mk_compression_name(all[i])))
			return all[i];
	return MK_COMPRESSION_NONE;
}

int mk_kernel_insert(struct modfile *mf, const char *params, unsigned int flags,
		     enum mk_insert_method *method)
{
	enum mk_compression c = modfile_compression(mf);
	bool modversion = flags & MK_INSERT_FORCE_MODVERSION;
	bool vermagic = flags & MK_INSERT_FORCE_VERMAGIC;
	_cleanup_free_ void *stripped = NULL;
	const void *image;
	size_t size;
	int fd = modfile_fd(mf);
	int r;

	if (params == NULL)
		params = "";

	if (fd >= 0 && (c == MK_COMPRESSION_NONE || c == mk_kernel_compression())) {
		int kflags = 0;

		if (c != MK_COMPRESSION_NONE)
			kflags |= MODULE_INIT_COMPRESSED_FILE;
		if (modversion)
			kflags |= MODULE_INIT_IGNORE_MODVERSIONS;
		if (vermagic)
			kflags |= MODULE_INIT_IGNORE_VERMAGIC;
		if (method)
			*method = c != MK_COMPRESSION_NONE ? MK_INSERT_FINIT_COMPRESSED
							   : MK_INSERT_FINIT;
		r = sys_finit_module(fd, params, kflags);
		if (r != -ENOSYS)
			return r;
	}

	/* no finit_module, or a compression the kernel does not read */
	if (method)
		*method = MK_INSERT_INIT;
	if (modversion || vermagic) {
		r = modfile_strip(mf, modversion, vermagic, &stripped, &size);
		if (r < 0)
			return r;
		image = stripped;
	} else {
		r = modfile_get_image(mf, &image, &size);
		if (r < 0)
			return r;
	}
	return sys_init_module(image, size, params);
}

static unsigned long long now_msec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 +
	       (unsigned long long)ts.tv_nsec / 1000000;
}

static void sleep_msec(unsigned long long msec)
{
	struct timespec ts = { .tv_sec = (time_t)(msec / 1000),
			       .tv_nsec = (long)(msec % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

int mk_kernel_remove(const char *name, unsigned int flags, unsigned long wait_msec)
{
	unsigned int kflags = O_NONBLOCK;
	unsigned long long end = 0, interval = 1, t;

	if (name == NULL || *name == '\0')
		return -EINVAL;
	if (flags & MK_REMOVE_FORCE)
		kflags |= O_TRUNC;
	if (wait_msec)
		end = now_msec() + wait_msec;
	for (;;) {
		if (syscall(__NR_delete_module, name, kflags) == 0)
			return 0;
		if (errno != EAGAIN || wait_msec == 0)
			return -errno;
		/* still in use: retry with exponential backoff until the deadline */
		t = now_msec();
		if (t >= end)
			return -EAGAIN;
		if (interval > end - t)
			interval = end - t;
		sleep_msec(interval);
		interval *= 2;
	}
}

/* ---- /sys/module/NAME ---- */

const char *mk_initstate_name(enum mk_initstate s)
{
	switch (s) {
	case MK_INITSTATE_LIVE:
		return "live";
	case MK_INITSTATE_COMING:
		return "coming";
	case MK_INITSTATE_GOING:
		return "going";
	case MK_INITSTATE_BUILTIN:
		return "builtin";
	}
	return "unknown";
}

int mk_kernel_initstate(const char *name)
{
	char path[PATH_MAX];
	_cleanup_free_ char *s = NULL;
	struct stat st;
	int r;

	r = sysmodule_path(path, sizeof(path), name, "initstate");
	if (r < 0)
		return r;
	r = read_line_at(AT_FDCWD, path, &s);
	if (r == -ENOENT) {
		/*
		 * A directory without initstate is how sysfs shows a builtin module with
		 * parameters; kmod calls it "coming" (only modules.builtin says builtin).
		 */
		r = sysmodule_path(path, sizeof(path), name, NULL);
		if (r < 0)
			return r;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return MK_INITSTATE_COMING;
		return -ENOENT;
	}
	if (r < 0)
		return r;
	if (streq(s, "live"))
		return MK_INITSTATE_LIVE;
	if (streq(s, "coming"))
		return MK_INITSTATE_COMING;
	if (streq(s, "going"))
		return MK_INITSTATE_GOING;
	return -EINVAL;
}

static int refcnt_at(int dirfd, const char *path)
{
	uint64_t v;
	int r;

	r = read_u64_at(dirfd, path, &v);
	if (r < 0)
		return r;
	if (v > INT_MAX)
		return -ERANGE;
	return (int)v;
}

int mk_kernel_refcnt(const char *name)
{
	char path[PATH_MAX];
	int r;

	r = sysmodule_path(path, sizeof(path), name, "refcnt");
	if (r < 0)
		return r;
	return refcnt_at(AT_FDCWD, path);
}

int mk_kernel_coresize(const char *name, uint64_t *size)
{
	char path[PATH_MAX];
	int r;

	r = sysmodule_path(path, sizeof(path), name, "coresize");
	if (r < 0)
		return r;
	return read_u64_at(AT_FDCWD, path, size);
}

/*
 * Pack @n strings of @v (total string bytes @bytes) into one allocation:
 * a NULL-terminated array followed by the strings.
 */
static char **strv_pack(char *const *v, size_t n, size_t bytes)
{
	size_t ptrs, total;
	char **out;
	char *p;

	if (uaddsz_overflow(n, 1, &ptrs) ||
	    umulsz_overflow(ptrs, sizeof(char *), &ptrs) ||
	    uaddsz_overflow(ptrs, bytes, &total))
		return NULL;
	out = malloc(total);
	if (out == NULL)
		return NULL;
	p = (char *)out + ptrs;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]) + 1;

		memcpy(p, v[i], len);
		out[i] = p;
		p += len;
	}
	out[n] = NULL;
	return out;
}

/* holders of the module whose /sys/module directory is open at @dirfd */
static int holders_at(int dirfd, char ***holders, size_t *count)
{
	_cleanup_close_ int fd =
		openat(dirfd, "holders", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names = NULL;
	size_t n = 0, bytes = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (d == NULL)
		return -errno;
	fd = -1; /* owned by d */
	while ((errno = 0, de = readdir(d)) != NULL) {
		char **nn;

		if (de->d_name[0] == '.')
			continue;
		nn = realloc(names, (n + 1) * sizeof(*names));
		if (nn == NULL) {
			r = -ENOMEM;
			break;
		}
		names = nn;
		names[n] = strdup(de->d_name);
		if (names[n] == NULL) {
			r = -ENOMEM;
			break;
		}
		bytes += strlen(de->d_name) + 1;
		n++;
	}
	if (r == 0 && errno != 0)
		r = -errno;
	closedir(d);
	if (r == 0) {
		*holders = strv_pack(names, n, bytes);
		if (*holders == NULL)
			r = -ENOMEM;
		else if (count)
			*count = n;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

static int open_sysmodule_dir(const char *name)
{
	char path[PATH_MAX];
	int r, fd;

	r = sysmodule_path(path, sizeof(path), name, NULL);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int mk_kernel_holders(const char *name, char ***holders, size_t *n)
{
	_cleanup_close_ int dfd = open_sysmodule_dir(name);

	if (dfd < 0)
		return dfd;
	return holders_at(dfd, holders, n);
}

/* has /sys/module/NAME gone away? */
static bool sysmodule_gone(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	return sysmodule_path(path, sizeof(path), name, NULL) == 0 &&
	       stat(path, &st) < 0 && errno == ENOENT;
}

int mk_kernel_module_usage(const char *name, uint64_t fallback_size,
			   struct mk_module_usage *usage)
{
	_cleanup_close_ int dfd = open_sysmodule_dir(name);
	int r;

	memset(usage, 0, sizeof(*usage));
	if (dfd < 0)
		return dfd;

	if (read_u64_at(dfd, "coresize", &usage->size) < 0)
		usage->size = fallback_size;
	usage->refcnt = refcnt_at(dfd, "refcnt");
	r = holders_at(dfd, &usage->holders, &usage->nholders);

	/* unloaded while we looked (kmod issue #41) */
	if ((r == -ENOENT || usage->refcnt == -ENOENT) && sysmodule_gone(name)) {
		free(usage->holders);
		usage->holders = NULL;
		return -ENOENT;
	}
	if (r < 0) {
		/* no holders directory (a kernel without unloading): none */
		usage->holders = strv_pack(NULL, 0, 0);
		usage->nholders = 0;
		if (usage->holders == NULL)
			return -ENOMEM;
	}
	return 0;
}

/* ---- /proc ---- */

int mk_kernel_loaded(struct mk_loaded_module **mods, size_t *count)
{
	_cleanup_free_ char *text = NULL;
	struct mk_loaded_module *out;
	size_t len, n = 0, bytes = 0, total, arr;
	char *line, *save = NULL, *p;
	int r;

	r = read_file_full(AT_FDCWD, "/proc/modules", &text, &len);
	if (r < 0)
		return r;
	/* count lines and name bytes first: one allocation for all */
	for (p = text; *p;) {
		char *nl = strchrnul(p, '\n');
		size_t nlen = strcspn(p, " \n");

		if (nlen > 0 && nlen <= (size_t)(nl - p)) {
			n++;
			bytes += nlen + 1;
		}
		p = *nl ? nl + 1 : nl;
	}
	if (umulsz_overflow(n, sizeof(*out), &arr) || uaddsz_overflow(arr, bytes, &total))
		return -ENOMEM;
	out = malloc(total ? total : 1);
	if (out == NULL)
		return -ENOMEM;
	p = (char *)out + arr;
	n = 0;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t nlen = strcspn(line, " ");
		char *size, *ref, *fsave = NULL;
		uint64_t v;

		/* as when counting: skip a line that does not start with a name */
		if (nlen == 0)
			continue;
		memcpy(p, line, nlen);
		p[nlen] = '\0';
		out[n].name = p;
		p += nlen + 1;
		size = line[nlen] ? strtok_r(line + nlen + 1, " ", &fsave) : NULL;
		ref = size ? strtok_r(NULL, " ", &fsave) : NULL;
		out[n].size = size && safe_atou64(size, 10, &v) == 0 ? v : 0;
		out[n].refcnt = ref && safe_atou64(ref, 10, &v) == 0 && v <= LONG_MAX
					? (long)v
					: -1;
		n++;
	}
	*mods = out;
	*count = n;
	return 0;
}

int mk_kernel_cmdline(char **cmdline)
{
	size_t len;

	return read_file_full(AT_FDCWD, "/proc/cmdline", cmdline, &len);
}

int mk_kernel_release(char *buf, size_t size)
{
	struct utsname u;

	if (uname(&u) < 0)
		return -errno;
	if ((size_t)snprintf(buf, size, "%s", u.release) >= size)
		return -ENAMETOOLONG;
	return 0;
}

int mk_kernel_module_dir(const char *root, const char *moduledir, const char *kver,
			 char **out)
{
	char release[sizeof(((struct utsname *)NULL)->release)];

	if (kver == NULL) {
		int r = mk_kernel_release(release, sizeof(release));

		if (r < 0)
			return r;
		kver = release;
	}
	if (moduledir == NULL)
		moduledir = MODULE_DIRECTORY;
	while (moduledir[0] == '/')
		moduledir++;
	if (asprintf(out, "%s/%s/%s", root ? root : "", moduledir, kver) < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}
