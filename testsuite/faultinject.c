// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * faultinject.so: an LD_PRELOAD shim that makes the Nth call of write(), fsync()
 * (fdatasync() too), rename() (renameat(), renameat2() too), pread(), linkat() or
 * open() with O_TMPFILE fail, or kills the process right before it, to test that a
 * failing disk or a crash never leaves a broken index.
 *
 *   FAULTINJECT_FUNC   write | fsync | rename | pread | linkat | tmpfile (open()
 *                      of an unnamed file, O_TMPFILE: a file system without it)
 *   FAULTINJECT_N      act on the Nth call (1-based); "N+": fail that call and
 *                      every later one; 0 or unset: never
 *   FAULTINJECT_ERRNO  ENOSPC | EIO | a number (default ENOSPC): the call fails
 *                      with it and does nothing
 *   FAULTINJECT_KILL   1: instead of failing, raise(SIGKILL) before the call is
 *                      made (the calls before it all completed)
 *   FAULTINJECT_COUNT  a file where, at exit, "write N\nfsync M\nrename R\n" is
 *                      written (the number of calls seen), to know how far N goes
 *   FAULTINJECT_KILLED a file where "FUNC N\n" is written just before the kill, so
 *                      that a test knows the kill landed at that call
 *
 * Only calls made through the PLT are seen (the program's own calls, not those
 * inside libc such as stdio's write()), which is what the writer uses.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { F_WRITE, F_FSYNC, F_RENAME, F_PREAD, F_LINK, F_TMPFILE, F_N };

static const char *const names[F_N] = { "write", "fsync",  "rename",
					"pread", "linkat", "tmpfile" };
static unsigned long calls[F_N];
static int target = -1;
static unsigned long fail_at;
static int fail_from; /* every call from the Nth on */
static int fail_errno = ENOSPC;
static int kill_mode;

__attribute__((constructor)) static void fi_init(void)
{
	const char *f = getenv("FAULTINJECT_FUNC");
	const char *n = getenv("FAULTINJECT_N");
	const char *e = getenv("FAULTINJECT_ERRNO");
	const char *k = getenv("FAULTINJECT_KILL");

	for (int i = 0; f != NULL && i < F_N; i++)
		if (strcmp(f, names[i]) == 0)
			target = i;
	if (n != NULL) {
		char *end;

		fail_at = strtoul(n, &end, 10);
		fail_from = *end == '+';
	}
	if (e != NULL) {
		if (strcmp(e, "ENOSPC") == 0)
			fail_errno = ENOSPC;
		else if (strcmp(e, "EIO") == 0)
			fail_errno = EIO;
		else
			fail_errno = atoi(e);
	}
	kill_mode = k != NULL && strcmp(k, "1") == 0;
}

/* write TEXT to the file named by the environment variable VAR, bypassing the shim */
static void fi_note(const char *var, const char *text, size_t len)
{
	const char *path = getenv(var);
	int fd;

	if (path == NULL)
		return;
	fd = (int)syscall(SYS_openat, AT_FDCWD, path,
			  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (syscall(SYS_write, fd, text, len) < 0) {
		/* nothing to do: the test sees a missing or short file */
	}
	syscall(SYS_close, fd);
}

__attribute__((destructor)) static void fi_report(void)
{
	char buf[128];
	int len;

	len = snprintf(buf, sizeof(buf), "write %lu\nfsync %lu\nrename %lu\n",
		       __atomic_load_n(&calls[F_WRITE], __ATOMIC_SEQ_CST),
		       __atomic_load_n(&calls[F_FSYNC], __ATOMIC_SEQ_CST),
		       __atomic_load_n(&calls[F_RENAME], __ATOMIC_SEQ_CST));
	fi_note("FAULTINJECT_COUNT", buf, (size_t)len);
}

/* true when this call is the one to fail; never returns when it is the one to kill at */
static int fi_hit(int which)
{
	unsigned long n = __atomic_add_fetch(&calls[which], 1, __ATOMIC_SEQ_CST);
	char buf[64];
	int len;

	if (which != target || fail_at == 0 || n < fail_at || (n > fail_at && !fail_from))
		return 0;
	if (!kill_mode)
		return 1;
	len = snprintf(buf, sizeof(buf), "%s %lu\n", names[which], n);
	fi_note("FAULTINJECT_KILLED", buf, (size_t)len);
	raise(SIGKILL);
	for (;;)
		pause();
}

ssize_t write(int fd, const void *buf, size_t count)
{
	if (fi_hit(F_WRITE)) {
		errno = fail_errno;
		return -1;
	}
	return syscall(SYS_write, fd, buf, count);
}

int fsync(int fd)
{
	if (fi_hit(F_FSYNC)) {
		errno = fail_errno;
		return -1;
	}
	return (int)syscall(SYS_fsync, fd);
}

int fdatasync(int fd)
{
	if (fi_hit(F_FSYNC)) {
		errno = fail_errno;
		return -1;
	}
	return (int)syscall(SYS_fdatasync, fd);
}

int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
	      unsigned int flags)
{
	if (fi_hit(F_RENAME)) {
		errno = fail_errno;
		return -1;
	}
	return (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, flags);
}

int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
	return renameat2(olddirfd, oldpath, newdirfd, newpath, 0);
}

int rename(const char *oldpath, const char *newpath)
{
	return renameat2(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

ssize_t pread(int fd, void *buf, size_t count, off_t offset)
{
	if (fi_hit(F_PREAD)) {
		errno = fail_errno;
		return -1;
	}
	return syscall(SYS_pread64, fd, buf, count, offset);
}

ssize_t pread64(int fd, void *buf, size_t count, off_t offset)
{
	return pread(fd, buf, count, offset);
}

int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
	   int flags)
{
	if (fi_hit(F_LINK)) {
		errno = fail_errno;
		return -1;
	}
	return (int)syscall(SYS_linkat, olddirfd, oldpath, newdirfd, newpath, flags);
}

/* open() and open64(): only O_TMPFILE ones are counted and may fail */
static int fi_open(const char *path, int flags, va_list ap)
{
	mode_t mode = 0;

	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		mode = va_arg(ap, mode_t);
	if ((flags & O_TMPFILE) == O_TMPFILE && fi_hit(F_TMPFILE)) {
		errno = fail_errno;
		return -1;
	}
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	int r;

	va_start(ap, flags);
	r = fi_open(path, flags, ap);
	va_end(ap);
	return r;
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));
