// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * faultinject.so: an LD_PRELOAD shim that makes the Nth call of write(), fsync()
 * or fdatasync() fail, to test that a failing disk never leaves a broken index.
 *
 *   FAULTINJECT_FUNC   write | fsync (fsync counts fdatasync too)
 *   FAULTINJECT_N      fail the Nth call (1-based); 0 or unset: never fail
 *   FAULTINJECT_ERRNO  ENOSPC | EIO | a number (default ENOSPC)
 *   FAULTINJECT_COUNT  a file where, at exit, "write N\nfsync M\n" is written
 *                      (the number of calls seen), to know how far N goes
 *
 * Only calls made through the PLT are seen (the program's own write/fsync calls,
 * not those inside libc such as stdio's), which is what the writer uses.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { F_WRITE, F_FSYNC, F_N };

static unsigned long calls[F_N];
static int target = -1;
static unsigned long fail_at;
static int fail_errno = ENOSPC;

__attribute__((constructor)) static void fi_init(void)
{
	const char *f = getenv("FAULTINJECT_FUNC");
	const char *n = getenv("FAULTINJECT_N");
	const char *e = getenv("FAULTINJECT_ERRNO");

	if (f != NULL && strcmp(f, "write") == 0)
		target = F_WRITE;
	else if (f != NULL && strcmp(f, "fsync") == 0)
		target = F_FSYNC;
	if (n != NULL)
		fail_at = strtoul(n, NULL, 10);
	if (e != NULL) {
		if (strcmp(e, "ENOSPC") == 0)
			fail_errno = ENOSPC;
		else if (strcmp(e, "EIO") == 0)
			fail_errno = EIO;
		else
			fail_errno = atoi(e);
	}
}

__attribute__((destructor)) static void fi_report(void)
{
	const char *path = getenv("FAULTINJECT_COUNT");
	char buf[128];
	int fd, len;

	if (path == NULL)
		return;
	fd = (int)syscall(SYS_openat, AT_FDCWD, path,
			  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	len = snprintf(buf, sizeof(buf), "write %lu\nfsync %lu\n",
		       __atomic_load_n(&calls[F_WRITE], __ATOMIC_SEQ_CST),
		       __atomic_load_n(&calls[F_FSYNC], __ATOMIC_SEQ_CST));
	if (syscall(SYS_write, fd, buf, (size_t)len) < 0) {
		/* nothing to do: the test sees a missing count */
	}
	close(fd);
}

/* true when this call is the one to fail */
static int fi_hit(int which)
{
	unsigned long n = __atomic_add_fetch(&calls[which], 1, __ATOMIC_SEQ_CST);

	return which == target && fail_at != 0 && n == fail_at;
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
