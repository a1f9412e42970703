/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared libraries loaded when a file first needs them (configure's default;
 * --disable-dlopen links them as usual): zstd, xz and zlib for a compressed module,
 * libcrypto for a PKCS#7 signature, libelf for a module whose ELF is parsed,
 * libarchive for a kernel package that mykmod diff reads (lib/pkgread.h). A tool
 * that needs none of them (mymodprobe for a name that matches nothing, or one the
 * indexes answer) maps none, and starts faster (docs/HACKING.md).
 *
 * The one exception to "no global state in lib/": a library is mapped into the
 * process, so whether it was loaded, and why not, is the process's state too. It is
 * kept here, set once under a lock, and only read afterwards (mydepmod's reader
 * threads load concurrently). Nothing else in lib/ keeps state between calls.
 *
 * Each library has a private header (lib/dl-zstd.h, dl-xz.h, dl-zlib.h, dl-crypto.h,
 * dl-elf.h, dl-archive.h) that includes the real one for the types and maps every
 * function the code calls to a pointer in a table this file fills, so the call
 * sites read as ordinary calls. An entry point that is about to use a library
 * calls its mk_dl_NAME_load() first, which returns 0 or -ELIBACC.
 */
#pragma once

#include <stddef.h>

#include "util.h"

enum mk_lib {
	MK_LIB_ZSTD,
	MK_LIB_XZ,
	MK_LIB_ZLIB,
	MK_LIB_CRYPTO,
	MK_LIB_ELF,
	MK_LIB_ARCHIVE,
	MK_LIB_MAX,
};

/* a symbol to resolve, and where its pointer goes in the library's table */
struct mk_lib_sym {
	const char *name;
	size_t offset;
};

/*
 * Load @lib (dlopen of its SONAME, RTLD_NOW | RTLD_LOCAL) once per process and store
 * the @n symbols @syms in @table. Later calls only return the first one's result:
 * 0, or -ELIBACC when the library or one of the symbols is missing (the reason is
 * kept: mk_lib_error()). Thread-safe. @syms and @table must be the same every time.
 */
int mk_lib_load(enum mk_lib lib, const struct mk_lib_sym *syms, size_t n,
		void *table) _must_check_;

/* "zstd", "xz", "zlib", "libcrypto", "libelf", "libarchive": for messages */
const char *mk_lib_name(enum mk_lib lib);
/* The SONAME that is loaded ("libzstd.so.1"), from configure; NULL if not built in. */
const char *mk_lib_soname(enum mk_lib lib);
/* Why @lib could not be loaded (dlerror's text); NULL when not tried, or loaded. */
const char *mk_lib_error(enum mk_lib lib);
/* The library whose load failed last in the calling thread, or MK_LIB_MAX if none did. */
enum mk_lib mk_lib_last_failed(void);
/*
 * For a message about the file @path (NULL: none): strerror(-@r), except for
 * -ELIBACC, which becomes "the NAME library (SONAME) could not be loaded: WHY" into
 * @buf, naming the library @path needed (its compression's, by its suffix, else
 * libelf). Unlike mk_lib_last_failed(), right on any thread: the reader threads
 * load the libraries, the main thread reports.
 */
#define MK_LIB_STRERROR_MAX 640
const char *mk_lib_strerror(int r, const char *path, char *buf, size_t size);

/*
 * For the private headers: MK_DL_DECLARE(name, MK_LIB_X, LIST) declares the table
 * struct mk_dl_name, with a pointer for each function F that LIST(X, s) names as
 * X(s, F), and mk_dl_name_load(). It must come before the #defines that map the
 * functions to the table. MK_DL_DEFINE(name) defines the table, in one .c file.
 */
#define MK_DL_FIELD_(s, f) __typeof__(f) *f;
#define MK_DL_SYM_(s, f) { #f, offsetof(struct s, f) },
#define MK_DL_DECLARE(name, id, LIST)                                           \
	struct mk_dl_##name {                                                   \
		LIST(MK_DL_FIELD_, mk_dl_##name)                                \
	};                                                                      \
	extern struct mk_dl_##name mk_dl_##name;                                \
	static inline int mk_dl_##name##_load(void)                             \
	{                                                                       \
		static const struct mk_lib_sym syms[] = { LIST(MK_DL_SYM_,      \
							       mk_dl_##name) }; \
		return mk_lib_load(id, syms, ARRAY_SIZE(syms), &mk_dl_##name);  \
	}
#if ENABLE_DLOPEN
#define MK_DL_DEFINE(name) struct mk_dl_##name mk_dl_##name
#else
#define MK_DL_DEFINE(name) extern int mk_dl_##name##_unused
#endif
