// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lib/kernel on the fake kernel: run by test-fakekernel-lib.sh under fakekernel.so,
 * with a rootfs it prepared (modules under /m, see the script).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel.h"
#include "modfile.h"
#include "util.h"

#include "../tap.h"

/* TAP_OK evaluates its condition twice: evaluate calls with side effects once */
#define CHECK(cond, ...)                        \
	do {                                    \
		bool check_ok_ = (cond);        \
		TAP_OK(check_ok_, __VA_ARGS__); \
	} while (0)

static int insert(const char *path, const char *params, unsigned int flags,
		  enum mk_insert_method *method)
{
	struct modfile *mf;
	int r = modfile_open(path, &mf);

	if (r < 0)
		return r;
	r = mk_kernel_insert(mf, params, flags, method);
	modfile_free(mf);
	return r;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static unsigned long long now_msec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 +
	       (unsigned long long)ts.tv_nsec / 1000000;
}

/* modprobe -w: @name has refcnt 1 and stays loaded */
static void check_wait(const char *name)
{
	char path[PATH_MAX];
	unsigned long long t0 = now_msec();
	int status = -1;
	pid_t pid;

	CHECK(mk_kernel_remove(name, 0, 40) == -EWOULDBLOCK && now_msec() - t0 >= 40,
	      "-w 40: in use until the deadline, then -EWOULDBLOCK");
	/* a child drops the reference after 30 ms: the retry loop then removes it */
	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", name);
	pid = fork();
	if (pid == 0) {
		usleep(30000);
		put(path, "0\n");
		_exit(0);
	}
	CHECK(mk_kernel_remove(name, 0, 600000) == 0,
	      "-w: removed once no longer in use");
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0, "child done");
	CHECK(insert("/m/a.ko", NULL, 0, NULL) == 0, "inserted again");
	put(path, "1\n");
}

int main(void)
{
	enum mk_insert_method m = -1;
	struct mk_loaded_module *mods = NULL;
	struct mk_module_usage u;
	char **holders = NULL;
	char *cmdline = NULL;
	uint64_t size = 0;
	size_t n = 99;
	int r;

	CHECK(mk_kernel_compression() == MK_COMPRESSION_NONE,
	      "no /sys/module/compression: none");
	r = mk_kernel_cmdline(&cmdline);
	CHECK(r == 0 && cmdline && streq(cmdline, "quiet foo.bar=1\n"),
	      "cmdline as the kernel gives it");
	free(cmdline);
	r = mk_kernel_loaded(&mods, &n);
	CHECK(r == 0 && n == 0, "empty /proc/modules: no modules");
	free(mods);

	r = insert("/m/a.ko", NULL, 0, &m);
	CHECK(r == 0 && m == MK_INSERT_FINIT, "plain module: finit_module (r=%d)", r);
	CHECK(mk_kernel_initstate("mod_a") == MK_INITSTATE_LIVE, "initstate live");
	CHECK(mk_kernel_refcnt("mod_a") == 0, "refcnt 0");
	CHECK(mk_kernel_coresize("mod_a", &size) == 0 && size == 8192, "coresize (%llu)",
	      (unsigned long long)size);
	CHECK(insert("/m/a.ko", NULL, 0, NULL) == -EEXIST, "second insert: -EEXIST");
	CHECK(insert("/m/b.ko", "x=1 y=\"a b\"", 0, NULL) == 0,
	      "dependent module inserted");
	r = mk_kernel_holders("mod_a", &holders, &n);
	CHECK(r == 0 && n == 1 && streq(holders[0], "mod_b") && holders[1] == NULL,
	      "holders of mod_a: mod_b");
	free(holders);
	CHECK(mk_kernel_refcnt("mod_a") == 1, "refcnt of mod_a is 1");

	r = mk_kernel_loaded(&mods, &n);
	CHECK(r == 0 && n == 2 && streq(mods[0].name, "mod_b") &&
		      streq(mods[1].name, "mod_a") && mods[1].refcnt == 1 &&
		      mods[1].size == 8192 && mods[0].refcnt == 0,
	      "/proc/modules: newest first, sizes and refcnts");
	free(mods);

	r = mk_kernel_module_usage("mod_a", 1, &u);
	CHECK(r == 0 && u.size == 8192 && u.refcnt == 1 && u.nholders == 1 &&
		      streq(u.holders[0], "mod_b"),
	      "usage of mod_a");
	free(u.holders);
	CHECK(mk_kernel_module_usage("gone", 1, &u) == -ENOENT && u.holders == NULL,
	      "usage of a module without /sys/module: -ENOENT (skipped by lsmod)");
	unlink("/sys/module/mod_b/coresize");
	r = mk_kernel_module_usage("mod_b", 777, &u);
	CHECK(r == 0 && u.size == 777 && u.nholders == 0 && u.holders && !u.holders[0],
	      "no coresize: the /proc/modules size");
	free(u.holders);
	unlink("/sys/module/mod_b/refcnt");
	r = mk_kernel_module_usage("mod_b", 777, &u);
	CHECK(r == 0 && u.refcnt == -ENOENT,
	      "no refcnt: -ENOENT as the count, like kmod");
	free(u.holders);
	put("/sys/module/mod_b/refcnt", "0\n");

	/* compressed modules */
	r = insert("/m/c.ko.xz", NULL, 0, &m);
	CHECK(r == 0 && m == MK_INSERT_INIT,
	      "xz, kernel without decompression: init_module");
	put("/sys/module/compression", "xz\n");
	CHECK(mk_kernel_compression() == MK_COMPRESSION_XZ,
	      "/sys/module/compression: xz");
	r = insert("/m/c2.ko.xz", NULL, 0, &m);
	CHECK(r == 0 && m == MK_INSERT_FINIT_COMPRESSED,
	      "xz, kernel decompresses xz: finit_module with the flag (r=%d)", r);
	r = insert("/m/c3.ko.zst", NULL, 0, &m);
	CHECK(r == 0 && m == MK_INSERT_INIT, "zstd, kernel decompresses xz: init_module");
	put("/sys/module/compression", "lz4\n");
	CHECK(mk_kernel_compression() == MK_COMPRESSION_NONE,
	      "unknown compression: none");
	unlink("/sys/module/compression");

	/* force */
	CHECK(insert("/m/v.ko", NULL, 0, NULL) == -ENOEXEC, "bad vermagic: -ENOEXEC");
	r = insert("/m/v.ko", NULL, MK_INSERT_FORCE_VERMAGIC, &m);
	CHECK(r == 0 && m == MK_INSERT_FINIT, "forced vermagic with finit_module");
	CHECK(insert("/m/v2.ko.xz", NULL, 0, NULL) == -ENOEXEC,
	      "bad vermagic, xz: -ENOEXEC");
	r = insert("/m/v2.ko.xz", NULL,
		   MK_INSERT_FORCE_VERMAGIC | MK_INSERT_FORCE_MODVERSION, &m);
	CHECK(r == 0 && m == MK_INSERT_INIT,
	      "forced, xz: init_module of a stripped copy (r=%d)", r);
	CHECK(insert("/m/nov.ko.xz", NULL, MK_INSERT_FORCE_VERMAGIC, NULL) == -ENODATA,
	      "forcing the vermagic of a module without one (init path): -ENODATA");

	/* ENOSYS fallback */
	setenv("FAKEKERNEL_ERRORS", "finit:*:ENOSYS", 1);
	r = insert("/m/d.ko", "p=1", 0, &m);
	CHECK(r == 0 && m == MK_INSERT_INIT, "finit_module ENOSYS: init_module (r=%d)",
	      r);
	setenv("FAKEKERNEL_ERRORS", "finit:*:ENOEXEC", 1);
	r = insert("/m/e.ko", NULL, 0, &m);
	CHECK(r == -ENOEXEC && m == MK_INSERT_FINIT,
	      "other finit_module errors are returned");
	unsetenv("FAKEKERNEL_ERRORS");

	/* remove */
	CHECK(mk_kernel_remove("mod_a", 0, 0) == -EWOULDBLOCK,
	      "remove a module with holders");
	CHECK(mk_kernel_remove("mod_b", 0, 0) == 0, "remove mod_b");
	CHECK(mk_kernel_remove("mod_b", 0, 0) == -ENOENT, "remove it again: -ENOENT");
	put("/sys/module/mod_a/refcnt", "1\n");
	CHECK(mk_kernel_remove("mod_a", 0, 0) == -EWOULDBLOCK, "remove a module in use");
	check_wait("mod_a");
	CHECK(mk_kernel_remove("mod_a", MK_REMOVE_FORCE, 0) == 0, "forced removal");
	CHECK(mk_kernel_remove("", 0, 0) == -EINVAL, "empty name: -EINVAL");

	/* initstate */
	CHECK(mk_kernel_initstate("nonexistent") == -ENOENT, "not loaded: -ENOENT");
	mkdir("/sys/module/bi", 0755);
	CHECK(mk_kernel_initstate("bi") == MK_INITSTATE_COMING,
	      "directory only: coming, as kmod has it");
	CHECK(mk_kernel_refcnt("bi") == -ENOENT, "no refcnt file: -ENOENT");
	CHECK(mk_kernel_holders("bi", &holders, &n) == -ENOENT,
	      "no holders directory: -ENOENT");
	put("/sys/module/bi/initstate", "coming\n");
	CHECK(mk_kernel_initstate("bi") == MK_INITSTATE_COMING, "coming");
	put("/sys/module/bi/initstate", "going\n");
	CHECK(mk_kernel_initstate("bi") == MK_INITSTATE_GOING, "going");
	put("/sys/module/bi/initstate", "weird\n");
	CHECK(mk_kernel_initstate("bi") == -EINVAL, "unknown state: -EINVAL");
	CHECK(mk_kernel_initstate("../etc") == -EINVAL &&
		      mk_kernel_refcnt("a/b") == -EINVAL,
	      "names with '/' are refused");
	CHECK(streq(mk_initstate_name(MK_INITSTATE_LIVE), "live") &&
		      streq(mk_initstate_name(MK_INITSTATE_BUILTIN), "builtin"),
	      "state names");

	/* holders in readdir order */
	mkdir("/sys/module/h", 0755);
	mkdir("/sys/module/h/holders", 0755);
	{
		static const char *const names[] = { "zeta", "alpha", "mid", "beta",
						     "omega" };
		char order[256] = "", got[256] = "";
		struct dirent *de;
		DIR *d;

		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			char p[128];

			snprintf(p, sizeof(p), "/sys/module/h/holders/%s", names[i]);
			put(p, "");
		}
		d = opendir("/sys/module/h/holders");
		while (d && (de = readdir(d)))
			if (de->d_name[0] != '.')
				strcat(strcat(order, de->d_name), " ");
		if (d)
			closedir(d);
		r = mk_kernel_holders("h", &holders, &n);
		for (size_t i = 0; r == 0 && i < n; i++)
			strcat(strcat(got, holders[i]), " ");
		CHECK(r == 0 && n == 5 && streq(order, got),
		      "holders in readdir order: %s", got);
		free(holders);
	}

	put("/proc/modules",
	    "x 10 - - Live 0x0\nbad\n\n lead 1 2\n  \ny 20 3 a,b, Live 0x0 (OE)\nz 5");
	r = mk_kernel_loaded(&mods, &n);
	CHECK(r == 0 && n == 4 && streq(mods[3].name, "z") && mods[3].size == 5 &&
		      mods[3].refcnt == -1 && streq(mods[0].name, "x") &&
		      mods[0].refcnt == -1 && streq(mods[1].name, "bad") &&
		      streq(mods[2].name, "y") && mods[2].refcnt == 3 &&
		      mods[2].size == 20,
	      "odd /proc/modules lines (n=%zu)", n);
	free(mods);
	unlink("/proc/modules");
	CHECK(mk_kernel_loaded(&mods, &n) == -ENOENT, "no /proc/modules: -ENOENT");
	return tap_done();
}
