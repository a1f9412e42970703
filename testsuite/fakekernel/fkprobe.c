// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fkprobe: call one libc function or syscall the way a tool would, for the fake
 * kernel's tests (test-fakekernel.sh runs it with and without the LD_PRELOAD shim).
 *
 *   fkprobe CALL ARGS...
 * prints what the call returned ("ok", a read line, a result) or "error ENAME"
 * and exits 0 on success, 1 on failure, 2 on bad usage.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
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
#include <unistd.h>

int init_module(void *image, unsigned long len, const char *params);
/* glibc has no finit_module(): the fake kernel provides it, so take it weakly */
int finit_module(int fd, const char *params, int flags) __attribute__((weak));
int delete_module(const char *name, unsigned int flags);

static int fail(void)
{
	printf("error %s\n", strerrorname_np(errno) ? strerrorname_np(errno) : "?");
	return 1;
}

/* first line of an open FILE */
static int show(FILE *f)
{
	char line[4096];

	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	line[strcspn(line, "\n")] = '\0';
	printf("%s\n", line);
	fclose(f);
	return 0;
}

static int show_fd(int fd)
{
	FILE *f;

	if (fd < 0)
		return fail();
	f = fdopen(fd, "r");
	return f ? show(f) : fail();
}

static unsigned long num(const char *s)
{
	return strtoul(s, NULL, 0);
}

int main(int argc, char *argv[])
{
	const char *call = argc > 1 ? argv[1] : "";
	const char *a = argc > 2 ? argv[2] : NULL, *b = argc > 3 ? argv[3] : NULL;
	const char *c = argc > 4 ? argv[4] : NULL;
	struct stat st;
	char buf[PATH_MAX];

	if (argc < 2)
		return 2;
	if (!strcmp(call, "uname")) {
		struct utsname u;

		if (uname(&u) < 0)
			return fail();
		printf("%s\n", u.release);
		return 0;
	}
	if (!strcmp(call, "getpid-syscall")) {
		/* a syscall the shim must forward unchanged */
		printf("%s\n", syscall(SYS_getpid) == getpid() ? "same" : "different");
		return 0;
	}
	if (!strcmp(call, "write-syscall") && a) {
		/* six-argument forwarding: write(1, a, strlen(a)) through syscall() */
		long r = syscall(SYS_write, 1, a, strlen(a), 0, 0, 0);

		printf("\n%ld\n", r);
		return r == (long)strlen(a) ? 0 : 1;
	}
	if (!a)
		return 2;
	if (!strcmp(call, "open"))
		return show_fd(open(a, O_RDONLY | O_CLOEXEC));
	if (!strcmp(call, "open64"))
		return show_fd(open64(a, O_RDONLY | O_CLOEXEC));
	if (!strcmp(call, "openat"))
		return show_fd(openat(AT_FDCWD, a, O_RDONLY | O_CLOEXEC));
	if (!strcmp(call, "openat-dir") && b) {
		/* a relative path under a directory fd */
		int dfd = open(a, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd < 0)
			return fail();
		return show_fd(openat(dfd, b, O_RDONLY | O_CLOEXEC));
	}
	if (!strcmp(call, "fopen")) {
		FILE *f = fopen(a, "re");

		return f ? show(f) : fail();
	}
	if (!strcmp(call, "creat")) {
		int fd = open(a, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0)
			return fail();
		if (b && write(fd, b, strlen(b)) < 0)
			return fail();
		close(fd);
		printf("ok\n");
		return 0;
	}
	if (!strcmp(call, "stat"))
		return stat(a, &st) < 0
			       ? fail()
			       : (printf("size %lld\n", (long long)st.st_size), 0);
	if (!strcmp(call, "lstat"))
		return lstat(a, &st) < 0
			       ? fail()
			       : (printf("size %lld\n", (long long)st.st_size), 0);
	if (!strcmp(call, "fstatat"))
		return fstatat(AT_FDCWD, a, &st, 0) < 0
			       ? fail()
			       : (printf("size %lld\n", (long long)st.st_size), 0);
	if (!strcmp(call, "statx")) {
		struct statx stx;

		return statx(AT_FDCWD, a, 0, STATX_SIZE, &stx) < 0
			       ? fail()
			       : (printf("size %lld\n", (long long)stx.stx_size), 0);
	}
	if (!strcmp(call, "access"))
		return access(a, R_OK) < 0 ? fail() : (printf("ok\n"), 0);
	if (!strcmp(call, "faccessat"))
		return faccessat(AT_FDCWD, a, R_OK, 0) < 0 ? fail() : (printf("ok\n"), 0);
	if (!strcmp(call, "opendir")) {
		DIR *d = opendir(a);
		struct dirent *de;
		int n = 0;

		if (!d)
			return fail();
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				n++;
		closedir(d);
		printf("%d entries\n", n);
		return 0;
	}
	if (!strcmp(call, "readlink")) {
		ssize_t n = readlink(a, buf, sizeof(buf) - 1);

		if (n < 0)
			return fail();
		buf[n] = '\0';
		printf("%s\n", buf);
		return 0;
	}
	if (!strcmp(call, "realpath"))
		return realpath(a, buf) ? (printf("%s\n", buf), 0) : fail();
	if (!strcmp(call, "mkdir"))
		return mkdir(a, 0755) < 0 ? fail() : (printf("ok\n"), 0);
	if (!strcmp(call, "rmdir"))
		return rmdir(a) < 0 ? fail() : (printf("ok\n"), 0);
	if (!strcmp(call, "unlink"))
		return unlink(a) < 0 ? fail() : (printf("ok\n"), 0);
	if (!strcmp(call, "unlinkat"))
		return unlinkat(AT_FDCWD, a, 0) < 0 ? fail() : (printf("ok\n"), 0);
	if (!strcmp(call, "rename") && b)
		return rename(a, b) < 0 ? fail() : (printf("ok\n"), 0);
	if (!strcmp(call, "renameat") && b)
		return renameat(AT_FDCWD, a, AT_FDCWD, b) < 0 ? fail()
							      : (printf("ok\n"), 0);
	if (!strcmp(call, "chdir")) {
		if (chdir(a) < 0)
			return fail();
		/* then a relative open */
		return b ? show_fd(open(b, O_RDONLY | O_CLOEXEC)) : (printf("ok\n"), 0);
	}

	/* module syscalls: init FILE [PARAMS], finit FILE [PARAMS [FLAGS]], delete NAME
	 * [FLAGS]; the -syscall variants go through syscall(__NR_...) as kmod 30 does */
	if (!strcmp(call, "init") || !strcmp(call, "init-syscall")) {
		int fd = open(a, O_RDONLY | O_CLOEXEC);
		void *img;
		long r;

		if (fd < 0 || fstat(fd, &st) < 0)
			return fail();
		img = malloc(st.st_size + 1);
		if (!img || read(fd, img, st.st_size) != st.st_size)
			return fail();
		r = !strcmp(call, "init")
			    ? init_module(img, st.st_size, b ? b : "")
			    : syscall(SYS_init_module, img, st.st_size, b ? b : "");
		return r < 0 ? fail() : (printf("ok\n"), 0);
	}
	if (!strcmp(call, "finit") || !strcmp(call, "finit-syscall")) {
		int fd = open(a, O_RDONLY | O_CLOEXEC);
		long r;

		if (fd < 0)
			return fail();
		if (!strcmp(call, "finit") && !finit_module) {
			errno = ENOSYS;
			return fail();
		}
		r = !strcmp(call, "finit")
			    ? finit_module(fd, b ? b : "", c ? num(c) : 0)
			    : syscall(SYS_finit_module, fd, b ? b : "", c ? num(c) : 0);
		return r < 0 ? fail() : (printf("ok\n"), 0);
	}
	if (!strcmp(call, "delete") || !strcmp(call, "delete-syscall")) {
		unsigned flags = b ? num(b) : O_NONBLOCK;
		long r = !strcmp(call, "delete") ? delete_module(a, flags)
						 : syscall(SYS_delete_module, a, flags);

		return r < 0 ? fail() : (printf("ok\n"), 0);
	}
	return 2;
}
