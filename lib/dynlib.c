// SPDX-License-Identifier: LGPL-2.1-or-later
/* Shared libraries loaded on demand: see lib/dynlib.h. */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#if ENABLE_DLOPEN
#include <dlfcn.h>
#include <pthread.h>
#endif

#include "dynlib.h"

static const struct {
	const char *name;
	const char *soname;
} libs[MK_LIB_MAX] = {
	[MK_LIB_ZSTD] = { "zstd", MK_SONAME_ZSTD },
	[MK_LIB_XZ] = { "xz", MK_SONAME_XZ },
	[MK_LIB_ZLIB] = { "zlib", MK_SONAME_ZLIB },
	[MK_LIB_CRYPTO] = { "libcrypto", MK_SONAME_LIBCRYPTO },
	[MK_LIB_ELF] = { "libelf", MK_SONAME_LIBELF },
	[MK_LIB_ARCHIVE] = { "libarchive", MK_SONAME_ARCHIVE },
};

const char *mk_lib_name(enum mk_lib lib)
{
	return lib < MK_LIB_MAX ? libs[lib].name : "?";
}

const char *mk_lib_soname(enum mk_lib lib)
{
	return lib < MK_LIB_MAX ? libs[lib].soname : NULL;
}

#if ENABLE_DLOPEN
/* the process-wide state lib/dynlib.h explains */
static struct {
	atomic_int state; /* 0: not tried yet, 1: loaded, -1: failed */
	char error[512];
} loaded[MK_LIB_MAX];
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local enum mk_lib last_failed = MK_LIB_MAX;

static void set_error(enum mk_lib lib, const char *why)
{
	snprintf(loaded[lib].error, sizeof(loaded[lib].error), "%s",
		 why ? why : "unknown error");
}

/* Under load_lock: dlopen and resolve every symbol, or nothing. */
static int open_lib(enum mk_lib lib, const struct mk_lib_sym *syms, size_t n, void *table)
{
	void *h;

	if (libs[lib].soname == NULL) {
		set_error(lib, "not built in");
		return -ELIBACC;
	}
	h = dlopen(libs[lib].soname, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		set_error(lib, dlerror());
		return -ELIBACC;
	}
	for (size_t i = 0; i < n; i++) {
		void *p;

		dlerror();
		p = dlsym(h, syms[i].name);
		if (p == NULL) {
			set_error(lib, dlerror());
			dlclose(h);
			return -ELIBACC;
		}
		/* POSIX: a function pointer and void * have the same representation */
		memcpy((char *)table + syms[i].offset, &p, sizeof(p));
	}
	/* the handle stays open for the life of the process */
	return 0;
}

int mk_lib_load(enum mk_lib lib, const struct mk_lib_sym *syms, size_t n, void *table)
{
	int state;

	if (lib >= MK_LIB_MAX)
		return -EINVAL;
	state = atomic_load_explicit(&loaded[lib].state, memory_order_acquire);
	if (state == 0) {
		pthread_mutex_lock(&load_lock);
		state = atomic_load_explicit(&loaded[lib].state, memory_order_relaxed);
		if (state == 0) {
			state = open_lib(lib, syms, n, table) == 0 ? 1 : -1;
			atomic_store_explicit(&loaded[lib].state, state,
					      memory_order_release);
		}
		pthread_mutex_unlock(&load_lock);
	}
	if (state > 0)
		return 0;
	last_failed = lib;
	return -ELIBACC;
}

const char *mk_lib_error(enum mk_lib lib)
{
	if (lib >= MK_LIB_MAX ||
	    atomic_load_explicit(&loaded[lib].state, memory_order_acquire) >= 0)
		return NULL;
	return loaded[lib].error;
}

enum mk_lib mk_lib_last_failed(void)
{
	return last_failed;
}
#else
/* linked as usual: every library is there, or the program would not have started */
int mk_lib_load(enum mk_lib lib, const struct mk_lib_sym *syms, size_t n, void *table)
{
	(void)lib;
	(void)syms;
	(void)n;
	(void)table;
	return 0;
}

const char *mk_lib_error(enum mk_lib lib)
{
	(void)lib;
	return NULL;
}

enum mk_lib mk_lib_last_failed(void)
{
	return MK_LIB_MAX;
}
#endif

/* the library a file named @path needs first: its compression's, by the suffix */
static enum mk_lib lib_for_suffix(const char *path)
{
	static const struct {
		const char *suffix;
		enum mk_lib lib;
	} map[] = { { ".zst", MK_LIB_ZSTD },
		    { ".xz", MK_LIB_XZ },
		    { ".gz", MK_LIB_ZLIB } };
	size_t len = path ? strlen(path) : 0;

	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		size_t l = strlen(map[i].suffix);

		if (len >= l && strcmp(path + len - l, map[i].suffix) == 0)
			return map[i].lib;
	}
	return MK_LIB_MAX;
}

const char *mk_lib_strerror(int r, const char *path, char *buf, size_t size)
{
	enum mk_lib lib = lib_for_suffix(path);

	if (r != -ELIBACC)
		return strerror(-r);
	/* the compression's library, else libelf's (which parses every module),
	 * else any library that could not be loaded */
	if (lib == MK_LIB_MAX || mk_lib_error(lib) == NULL)
		lib = MK_LIB_ELF;
	for (enum mk_lib l = 0; mk_lib_error(lib) == NULL && l < MK_LIB_MAX; l++)
		lib = l;
	if (mk_lib_error(lib) == NULL)
		return strerror(-r);
	snprintf(buf, size, "the %s library (%s) could not be loaded: %s",
		 mk_lib_name(lib), mk_lib_soname(lib), mk_lib_error(lib));
	return buf;
}
