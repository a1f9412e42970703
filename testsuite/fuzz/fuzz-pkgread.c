// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target for the kernel package reader (lib/pkgread.h, docs/mykmod-diff.md
 * §1): the input is a package (.deb, .rpm, tar, cpio), in a memfd read through
 * its /proc/self/fd path, as mykmod diff reads a file. First pkg_read() with a
 * visitor that wants every regular member and checks what it is handed (a
 * normalised path, the bytes NUL-terminated, no more than the header said); then,
 * when the input is a kernel package, the whole side (lib/modtree.h): the members
 * under lib/modules/VER, the links among them (lib/modtree-pkg-links.c), the
 * kernel's symbols, and -E and -F given the package itself.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "modtree.h"
#include "pkgread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__asan_default_options(void);

/*
 * An allocation over 64 MiB fails (NULL, as when memory runs out) instead of
 * reserving it: libarchive 3.6 reserves what a cpio header claims for a name (up to
 * 4 GiB) before it finds the input too short, which under ASan took seconds per
 * input, and a member is 16 MiB at most here (PKG_MEMBER_MAX, mk/mykmod.am).
 * libFuzzer's malloc limit is then never reached (docs/mykmod-diff.md §1).
 */
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1:max_allocation_size_mb=64";
}

/* Every message is formatted (ASan sees its arguments), then dropped. */
__attribute__((format(printf, 3, 0))) static void drop(void *data, int prio,
						       const char *fmt, va_list ap)
{
	char buf[512];

	(void)data;
	(void)prio;
	vsnprintf(buf, sizeof(buf), fmt, ap);
}

static const struct mk_log quiet = { .fn = drop };

struct seen {
	int64_t size; /* of the member offered last */
	size_t members, links;
};

static void check_path(const char *path)
{
	if (path == NULL || path[0] == '/' || (path[0] == '.' && path[1] == '/'))
		abort(); /* lib/pkgread.h: normalised */
}

static int want(void *data, const char *path, int64_t size)
{
	struct seen *s = data;

	check_path(path);
	s->size = size;
	return 1;
}

static int take(void *data, const char *path, void *buf, size_t len)
{
	struct seen *s = data;

	check_path(path);
	if (((char *)buf)[len] != '\0' || len > PKG_MEMBER_MAX ||
	    (s->size >= 0 && len > (uint64_t)s->size))
		abort();
	s->members++;
	free(buf);
	return 0;
}

static int link_to(void *data, const char *path, const char *target)
{
	struct seen *s = data;

	check_path(path);
	if (target == NULL)
		abort();
	s->links += strlen(target) > 0;
	return 0;
}

/* The side, as mykmod diff loads it; true when it loaded. */
static bool load(const char *path, const char *symvers, const char *map)
{
	struct modtree_opts o = {
		.symvers = symvers, .system_map = map, .n_threads = 1, .log = &quiet
	};
	struct modtree *t = NULL;
	int r = modtree_load(path, &o, &t);

	if (r == 0) {
		if (t == NULL || t->kver == NULL || t->dirname == NULL)
			abort();
		for (size_t i = 1; i < t->n; i++)
			if (strcmp(t->mods[i - 1].name, t->mods[i].name) >= 0)
				abort(); /* sorted, one per name */
	}
	modtree_free(t);
	return r == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = { 0 };
	struct pkg_visitor v = {
		.want = want, .take = take, .link = link_to, .data = &s
	};
	char path[64];
	int fd = memfd_create("fuzz-pkgread", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	(void)!pkg_read(path, &v, &quiet);
	(void)!pkg_is_binary(path);
	if (load(path, NULL, NULL)) {
		(void)load(path, path, NULL);
		(void)load(path, NULL, path);
	}
	close(fd);
	return 0;
}
