// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Path redirection and uname() for the fake kernel.
 *
 * Every absolute path given to a wrapped libc function gets $FAKEKERNEL_ROOTFS
 * prepended, like a chroot, except paths that a program needs from the real system
 * to run at all, or that are already real:
 *   - the rootfs itself (so paths returned by getcwd()/realpath()/readlink() of
 *     /proc/self/fd/N stay valid);
 *   - /dev/, /proc/self/, /proc/thread-self/, /proc/<pid>/ (but /proc/modules,
 *     /proc/cmdline, /proc/sys/... are redirected);
 *   - the dynamic linker and libraries: /etc/ld.so.*, /lib64/, /usr/lib64/,
 *     /lib/<triplet>/, /usr/lib/<triplet>/ (a directory name with "-linux-");
 *   - executables, so that shells started by system() find their commands: /bin/,
 *     /sbin/, /usr/bin/, /usr/sbin/, /usr/libexec/;
 *   - locale, timezone and OpenSSL configuration: /usr/lib/locale/,
 *     /usr/share/locale/, /usr/share/zoneinfo/, /etc/localtime, /usr/lib/ssl/,
 *     /etc/ssl/;
 *   - every prefix in $FAKEKERNEL_PASSTHROUGH (colon-separated).
 * Relative paths and *at() calls with a relative path are left alone: they are
 * relative to a directory that was itself reached through the redirection.
 * realpath() returns a path inside the rootfs with the rootfs prefix removed, as in
 * a chroot.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fakekernel.h"

#define EXPORT __attribute__((visibility("default")))

const char *fk_rootfs(void)
{
	static char root[PATH_MAX];
	static int state; /* 0 unknown, 1 set, -1 unset */
	const char *r;
	size_t len;

	if (state == 1)
		return root;
	if (state == -1)
		return NULL;
	r = getenv("FAKEKERNEL_ROOTFS");
	if (!r || r[0] != '/' || (len = strlen(r)) >= sizeof(root)) {
		state = -1;
		return NULL;
	}
	memcpy(root, r, len + 1);
	while (len > 1 && root[len - 1] == '/')
		root[--len] = '\0';
	/* "/" would make the fake kernel write into the real /sys and /proc */
	if (len == 1) {
		state = -1;
		return NULL;
	}
	state = 1;
	return root;
}

static bool has_prefix(const char *path, const char *prefix, size_t plen)
{
	if (strncmp(path, prefix, plen) != 0)
		return false;
	/* "/a/b" is below "/a" and "/a/", not below "/ab" */
	return prefix[plen - 1] == '/' || path[plen] == '\0' || path[plen] == '/';
}

static bool is_passthrough(const char *path)
{
	static const char *const fixed[] = {
		"/dev/",
		"/proc/self/",
		"/proc/thread-self/",
		"/etc/ld.so.",
		"/lib64/",
		"/usr/lib64/",
		"/bin/",
		"/sbin/",
		"/usr/bin/",
		"/usr/sbin/",
		"/usr/libexec/",
		"/usr/lib/locale/",
		"/usr/share/locale/",
		"/usr/share/zoneinfo/",
		"/etc/localtime",
		"/usr/lib/ssl/",
		"/etc/ssl/",
	};
	const char *root = fk_rootfs(), *env, *p;

	if (root && has_prefix(path, root, strlen(root)))
		return true;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strncmp(path, fixed[i], strlen(fixed[i])) == 0)
			return true;
	/* /proc/<pid>/ */
	if (strncmp(path, "/proc/", 6) == 0) {
		p = path + 6;
		if (*p >= '0' && *p <= '9') {
			while (*p >= '0' && *p <= '9')
				p++;
			if (*p == '/' || *p == '\0')
				return true;
		}
	}
	/* /lib/<triplet>/ and /usr/lib/<triplet>/ */
	p = strncmp(path, "/lib/", 5) == 0	 ? path + 5
	    : strncmp(path, "/usr/lib/", 9) == 0 ? path + 9
						 : NULL;
	if (p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (memmem(p, n, "-linux-", 7))
			return true;
	}
	env = getenv("FAKEKERNEL_PASSTHROUGH");
	while (env && *env) {
		const char *end = strchrnul(env, ':');
		size_t n = end - env;

		if (n > 0 && env[0] == '/' && has_prefix(path, env, n))
			return true;
		env = *end ? end + 1 : end;
	}
	return false;
}

const char *fk_redirect(const char *path, char *buf, size_t bufsize)
{
	const char *root = fk_rootfs();
	int n;

	if (!root || !path || path[0] != '/' || is_passthrough(path))
		return path;
	n = snprintf(buf, bufsize, "%s%s", root, path);
	if (n < 0 || (size_t)n >= bufsize) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return buf;
}

/* ---- open family ---- */

static bool needs_mode(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

#define WRAP_OPEN(fn)                                                                   \
	EXPORT int fn(const char *path, int flags, ...);                                \
	static int (*real_##fn)(const char *, int, ...);                                \
	EXPORT int fn(const char *path, int flags, ...)                                 \
	{                                                                               \
		mode_t mode = 0;                                                        \
		char buf[PATH_MAX];                                                     \
		const char *r;                                                          \
		if (needs_mode(flags)) {                                                \
			va_list ap;                                                     \
			va_start(ap, flags);                                            \
			mode = va_arg(ap, mode_t);                                      \
			va_end(ap);                                                     \
		}                                                                       \
		if (!real_##fn)                                                         \
			real_##fn =                                                     \
				(int (*)(const char *, int, ...))dlsym(RTLD_NEXT, #fn); \
		if (!real_##fn) {                                                       \
			errno = ENOSYS;                                                 \
			return -1;                                                      \
		}                                                                       \
		r = fk_redirect(path, buf, sizeof(buf));                                \
		if (!r)                                                                 \
			return -1;                                                      \
		return real_##fn(r, flags, mode);                                       \
	}

WRAP_OPEN(open)
WRAP_OPEN(open64)

#define WRAP_OPENAT(fn)                                                          \
	EXPORT int fn(int dirfd, const char *path, int flags, ...);              \
	static int (*real_##fn)(int, const char *, int, ...);                    \
	EXPORT int fn(int dirfd, const char *path, int flags, ...)               \
	{                                                                        \
		mode_t mode = 0;                                                 \
		char buf[PATH_MAX];                                              \
		const char *r;                                                   \
		if (needs_mode(flags)) {                                         \
			va_list ap;                                              \
			va_start(ap, flags);                                     \
			mode = va_arg(ap, mode_t);                               \
			va_end(ap);                                              \
		}                                                                \
		if (!real_##fn)                                                  \
			real_##fn = (int (*)(int, const char *, int, ...))dlsym( \
				RTLD_NEXT, #fn);                                 \
		if (!real_##fn) {                                                \
			errno = ENOSYS;                                          \
			return -1;                                               \
		}                                                                \
		r = fk_redirect(path, buf, sizeof(buf));                         \
		if (!r)                                                          \
			return -1;                                               \
		return real_##fn(dirfd, r, flags, mode);                         \
	}

WRAP_OPENAT(openat)
WRAP_OPENAT(openat64)

/* generic wrappers: one path argument in first position */
#define WRAP1(ret, fn, fail, params, args)                           \
	EXPORT ret fn params;                                        \
	EXPORT ret fn params                                         \
	{                                                            \
		static ret(*real) params;                            \
		char buf[PATH_MAX];                                  \
		const char *r;                                       \
		if (!real)                                           \
			real = (ret(*) params)dlsym(RTLD_NEXT, #fn); \
		if (!real) {                                         \
			errno = ENOSYS;                              \
			return fail;                                 \
		}                                                    \
		r = fk_redirect(path, buf, sizeof(buf));             \
		if (!r)                                              \
			return fail;                                 \
		return real args;                                    \
	}

/* two path arguments */
#define WRAP2(ret, fn, fail, params, args)                           \
	EXPORT ret fn params;                                        \
	EXPORT ret fn params                                         \
	{                                                            \
		static ret(*real) params;                            \
		char buf1[PATH_MAX], buf2[PATH_MAX];                 \
		const char *r1, *r2;                                 \
		if (!real)                                           \
			real = (ret(*) params)dlsym(RTLD_NEXT, #fn); \
		if (!real) {                                         \
			errno = ENOSYS;                              \
			return fail;                                 \
		}                                                    \
		r1 = fk_redirect(path1, buf1, sizeof(buf1));         \
		r2 = fk_redirect(path2, buf2, sizeof(buf2));         \
		if (!r1 || !r2)                                      \
			return fail;                                 \
		return real args;                                    \
	}

WRAP1(int, __open_2, -1, (const char *path, int flags), (r, flags))
WRAP1(int, __open64_2, -1, (const char *path, int flags), (r, flags))
WRAP1(int, creat, -1, (const char *path, mode_t mode), (r, mode))
WRAP1(int, creat64, -1, (const char *path, mode_t mode), (r, mode))
WRAP1(FILE *, fopen, NULL, (const char *path, const char *mode), (r, mode))
WRAP1(FILE *, fopen64, NULL, (const char *path, const char *mode), (r, mode))
WRAP1(FILE *, freopen, NULL, (const char *path, const char *mode, FILE *f), (r, mode, f))
WRAP1(FILE *, freopen64, NULL, (const char *path, const char *mode, FILE *f),
      (r, mode, f))

/* ---- the *at family with a leading dirfd ---- */
#define WRAPAT(ret, fn, fail, params, args) WRAP1(ret, fn, fail, params, args)

WRAPAT(int, __openat_2, -1, (int dirfd, const char *path, int flags), (dirfd, r, flags))
WRAPAT(int, __openat64_2, -1, (int dirfd, const char *path, int flags), (dirfd, r, flags))

/* ---- stat family ---- */
WRAP1(int, stat, -1, (const char *path, struct stat *st), (r, st))
WRAP1(int, stat64, -1, (const char *path, struct stat64 *st), (r, st))
WRAP1(int, lstat, -1, (const char *path, struct stat *st), (r, st))
WRAP1(int, lstat64, -1, (const char *path, struct stat64 *st), (r, st))
WRAPAT(int, fstatat, -1, (int dirfd, const char *path, struct stat *st, int fl),
       (dirfd, r, st, fl))
WRAPAT(int, fstatat64, -1, (int dirfd, const char *path, struct stat64 *st, int fl),
       (dirfd, r, st, fl))
WRAP1(int, __xstat, -1, (int ver, const char *path, struct stat *st), (ver, r, st))
WRAP1(int, __xstat64, -1, (int ver, const char *path, struct stat64 *st), (ver, r, st))
WRAP1(int, __lxstat, -1, (int ver, const char *path, struct stat *st), (ver, r, st))
WRAP1(int, __lxstat64, -1, (int ver, const char *path, struct stat64 *st), (ver, r, st))
WRAP1(int, __fxstatat, -1,
      (int ver, int dirfd, const char *path, struct stat *st, int fl),
      (ver, dirfd, r, st, fl))
WRAP1(int, __fxstatat64, -1,
      (int ver, int dirfd, const char *path, struct stat64 *st, int fl),
      (ver, dirfd, r, st, fl))
WRAPAT(int, statx, -1,
       (int dirfd, const char *path, int fl, unsigned int mask, struct statx *stx),
       (dirfd, r, fl, mask, stx))

/* ---- access ---- */
WRAP1(int, access, -1, (const char *path, int mode), (r, mode))
WRAP1(int, euidaccess, -1, (const char *path, int mode), (r, mode))
WRAP1(int, eaccess, -1, (const char *path, int mode), (r, mode))
WRAPAT(int, faccessat, -1, (int dirfd, const char *path, int mode, int fl),
       (dirfd, r, mode, fl))

/* ---- directories ---- */
WRAP1(DIR *, opendir, NULL, (const char *path), (r))
WRAP1(int, mkdir, -1, (const char *path, mode_t mode), (r, mode))
WRAPAT(int, mkdirat, -1, (int dirfd, const char *path, mode_t mode), (dirfd, r, mode))
WRAP1(int, rmdir, -1, (const char *path), (r))
WRAP1(int, chdir, -1, (const char *path), (r))
WRAP1(int, scandir, -1,
      (const char *path, struct dirent ***list, int (*sel)(const struct dirent *),
       int (*cmp)(const struct dirent **, const struct dirent **)),
      (r, list, sel, cmp))

/* ---- files ---- */
WRAP1(int, unlink, -1, (const char *path), (r))
WRAPAT(int, unlinkat, -1, (int dirfd, const char *path, int fl), (dirfd, r, fl))
WRAP1(int, remove, -1, (const char *path), (r))
WRAP1(int, truncate, -1, (const char *path, off_t len), (r, len))
WRAP1(int, chmod, -1, (const char *path, mode_t mode), (r, mode))
WRAPAT(int, fchmodat, -1, (int dirfd, const char *path, mode_t mode, int fl),
       (dirfd, r, mode, fl))
WRAP1(ssize_t, readlink, -1, (const char *path, char *out, size_t len), (r, out, len))
WRAPAT(ssize_t, readlinkat, -1, (int dirfd, const char *path, char *out, size_t len),
       (dirfd, r, out, len))
WRAP2(int, rename, -1, (const char *path1, const char *path2), (r1, r2))
WRAP2(int, renameat, -1, (int d1, const char *path1, int d2, const char *path2),
      (d1, r1, d2, r2))
WRAP2(int, renameat2, -1,
      (int d1, const char *path1, int d2, const char *path2, unsigned int fl),
      (d1, r1, d2, r2, fl))
WRAP2(int, link, -1, (const char *path1, const char *path2), (r1, r2))
/* symlink: the target is stored as given; only the new link's path is redirected */
WRAP1(int, symlink, -1, (const char *target, const char *path), (target, r))
WRAPAT(int, symlinkat, -1, (const char *target, int dirfd, const char *path),
       (target, dirfd, r))

/* realpath: redirect, then strip the rootfs again, as a chroot would show it */
static char *strip_root(char *res, char *resolved_by_caller)
{
	const char *root = fk_rootfs();
	size_t n;

	if (!res || !root)
		return res;
	n = strlen(root);
	if (strncmp(res, root, n) == 0 && (res[n] == '/' || res[n] == '\0')) {
		if (res[n] == '\0')
			strcpy(res, "/");
		else
			memmove(res, res + n, strlen(res + n) + 1);
	}
	(void)resolved_by_caller;
	return res;
}

EXPORT char *realpath(const char *path, char *resolved);
EXPORT char *realpath(const char *path, char *resolved)
{
	static char *(*real)(const char *, char *);
	char buf[PATH_MAX];
	const char *r;

	if (!real)
		real = (char *(*)(const char *, char *))dlsym(RTLD_NEXT, "realpath");
	if (!real) {
		errno = ENOSYS;
		return NULL;
	}
	r = fk_redirect(path, buf, sizeof(buf));
	if (!r)
		return NULL;
	/* only results of a redirected lookup are stripped */
	if (r == path)
		return real(r, resolved);
	return strip_root(real(r, resolved), resolved);
}

EXPORT char *canonicalize_file_name(const char *path);
EXPORT char *canonicalize_file_name(const char *path)
{
	return realpath(path, NULL);
}

EXPORT char *__realpath_chk(const char *path, char *resolved, size_t len);
EXPORT char *__realpath_chk(const char *path, char *resolved, size_t len)
{
	(void)len;
	return realpath(path, resolved);
}

/* ---- uname ---- */
EXPORT int uname(struct utsname *u);
EXPORT int uname(struct utsname *u)
{
	static int (*real)(struct utsname *);
	const char *rel = getenv("FAKEKERNEL_UNAME_R");
	int ret;

	if (!real)
		real = (int (*)(struct utsname *))dlsym(RTLD_NEXT, "uname");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	ret = real(u);
	if (ret == 0 && rel) {
		strncpy(u->release, rel, sizeof(u->release) - 1);
		u->release[sizeof(u->release) - 1] = '\0';
	}
	return ret;
}
