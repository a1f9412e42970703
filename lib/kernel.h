/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The running kernel: the one place for the module syscalls (finit_module,
 * init_module, delete_module) and for every read of /sys/module and /proc.
 *
 * Paths are the real absolute ones (/sys/module/NAME/..., /proc/modules,
 * /proc/cmdline); the tests run the tools under testsuite/fakekernel, which redirects
 * them into a fake root. No global state; nothing is printed.
 * All functions return 0 (or a documented non-negative value) or a negative errno.
 * @name is always a normalized module name (underscores), as the kernel spells it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compress.h"
#include "util.h"

struct modfile;

/* ---- inserting and removing ---- */

/* flags of mk_kernel_insert() */
enum mk_insert_flags {
	MK_INSERT_FORCE_MODVERSION = 1 << 0, /* ignore symbol versions */
	MK_INSERT_FORCE_VERMAGIC = 1 << 1, /* ignore the version magic */
};

/* which syscall mk_kernel_insert() ended with (for -v messages and the tests) */
enum mk_insert_method {
	MK_INSERT_FINIT, /* finit_module(fd) of the file as stored */
	MK_INSERT_FINIT_COMPRESSED, /* finit_module(fd, MODULE_INIT_COMPRESSED_FILE) */
	MK_INSERT_INIT, /* init_module() of the (decompressed, stripped) image */
};

/*
 * Insert the module @mf with the parameter string @params (NULL: none).
 *
 * finit_module() on the file's descriptor is used when the file is not compressed,
 * or when /sys/module/compression names its compression (then with
 * MODULE_INIT_COMPRESSED_FILE); the force flags become MODULE_INIT_IGNORE_MODVERSIONS
 * and MODULE_INIT_IGNORE_VERMAGIC. Otherwise, and when finit_module() fails with
 * ENOSYS, init_module() is called with the decompressed image; with force flags on a
 * copy made by modfile_strip() (__versions not SHF_ALLOC, vermagic= blanked).
 *
 * Returns 0 or the kernel's -errno as it is: -EEXIST (already loaded), -ENOENT
 * (unknown symbol), -ENOEXEC (invalid module format), -ESRCH (wrong symbol
 * version), -EINVAL (invalid parameters), ...; or an error of lib/modfile (reading or
 * decompressing the file; -ENODATA from a forced vermagic when the module has none).
 * @method (may be NULL) receives the syscall used last.
 */
int mk_kernel_insert(struct modfile *mf, const char *params, unsigned int flags,
		     enum mk_insert_method *method) _must_check_;

/* flags of mk_kernel_remove() */
enum mk_remove_flags {
	/* O_TRUNC: unload even when in use (CONFIG_MODULE_FORCE_UNLOAD) */
	MK_REMOVE_FORCE = 1 << 0,
};

/*
 * delete_module(@name, O_NONBLOCK [| O_TRUNC]). Returns 0 or the kernel's -errno:
 * -ENOENT (not loaded), -EWOULDBLOCK (in use, or has holders), -EBUSY (not live),
 * -EPERM, ... With @wait_msec (modprobe -w), a module still in use (-EAGAIN) is
 * tried again with exponential backoff (1, 2, 4 ... ms) until that many
 * milliseconds have passed.
 */
int mk_kernel_remove(const char *name, unsigned int flags,
		     unsigned long wait_msec) _must_check_;

/* ---- state of one module, from /sys/module/NAME ---- */

enum mk_initstate {
	MK_INITSTATE_LIVE, /* initstate "live" */
	MK_INITSTATE_COMING, /* initstate "coming" */
	MK_INITSTATE_GOING, /* initstate "going" */
	/*
	 * Built into the kernel image: never returned by mk_kernel_initstate(), for
	 * sysfs cannot tell; only modules.builtin says so (lib/probe uses it then).
	 */
	MK_INITSTATE_BUILTIN,
};

/*
 * Returns an enum mk_initstate (>= 0), -ENOENT when the module is not in the kernel
 * (no /sys/module/NAME), -EINVAL for an initstate it does not know, or -errno.
 * /sys/module/NAME without an initstate file (a builtin module with parameters,
 * as sysfs shows it) is MK_INITSTATE_COMING, as kmod has it.
 */
int mk_kernel_initstate(const char *name) _must_check_;

/* Human name of a state: "live", "coming", "going", "builtin". */
const char *mk_initstate_name(enum mk_initstate s);

/*
 * /sys/module/NAME/refcnt (>= 0), or -ENOENT when the file does not exist (module
 * not loaded, or a kernel without module unloading), or -errno.
 */
int mk_kernel_refcnt(const char *name) _must_check_;

/* /sys/module/NAME/coresize into @size, or -ENOENT / -errno. */
int mk_kernel_coresize(const char *name, uint64_t *size) _must_check_;

/*
 * The names in /sys/module/NAME/holders, in readdir order (not sorted: lsmod
 * prints them that way). @holders receives a NULL-terminated array in a single
 * allocation (pointers and strings): free() it once. @n (may be NULL) gets the count.
 * -ENOENT when the directory does not exist.
 */
int mk_kernel_holders(const char *name, char ***holders, size_t *n) _must_check_;

/* ---- the list of loaded modules, from /proc/modules ---- */

struct mk_loaded_module {
	const char *name;
	uint64_t size; /* second field of /proc/modules */
	long refcnt; /* third field; -1 if the kernel printed "-" */
};

/*
 * Every line of /proc/modules, in file order (the newest module first). The file is
 * read at once, so a module unloaded meanwhile either is listed or not; its later
 * /sys/module reads then fail with -ENOENT, which callers treat as "gone".
 * @mods is one allocation (array and strings): free() it once.
 * -ENOENT (or -errno) when /proc/modules cannot be opened.
 */
int mk_kernel_loaded(struct mk_loaded_module **mods, size_t *n) _must_check_;

/*
 * What lsmod shows of one module: the size from coresize (else @fallback_size, the
 * /proc/modules field), the refcount (or the -errno kmod prints when refcnt cannot be
 * read, e.g. -2), and the holders (readdir order; one allocation, free() it).
 * Returns -ENOENT when /sys/module/NAME no longer exists: the module went away
 * while it was being listed (kmod issue #41) and should be skipped.
 */
struct mk_module_usage {
	uint64_t size;
	long refcnt;
	char **holders;
	size_t nholders;
};
int mk_kernel_module_usage(const char *name, uint64_t fallback_size,
			   struct mk_module_usage *usage) _must_check_;

/* ---- other kernel files ---- */

/* /proc/cmdline as the kernel gives it (newline included), malloc'd into @cmdline. */
int mk_kernel_cmdline(char **cmdline) _must_check_;

/*
 * The format the kernel can decompress in finit_module(), from
 * /sys/module/compression: MK_COMPRESSION_NONE when the file is absent (no in-kernel
 * decompression, as on Debian's 6.1) or names a format we do not know.
 */
enum mk_compression mk_kernel_compression(void);

/* The running kernel's release (uname -r) into @buf. */
int mk_kernel_release(char *buf, size_t size) _must_check_;

/*
 * Where a kernel's modules live: "@root/@moduledir/@kver" malloc'd into *@out.
 * @root NULL: none; @moduledir NULL: configure's MODULE_DIRECTORY (leading '/'s
 * are dropped, as depmod -m does); @kver NULL: the running kernel's release.
 */
int mk_kernel_module_dir(const char *root, const char *moduledir, const char *kver,
			 char **out) _must_check_;
