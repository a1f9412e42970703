/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ELF symbols of a module file opened with lib/modfile.h: what it exports, what it
 * needs and its __versions, as depmod and modprobe --dump-modversions use them.
 * Errors and lifetimes as in lib/modfile.h: the arrays are read once, are owned by
 * the modfile and stay valid until modfile_free().
 *
 *  exports: the names of the __crc_* symbols in .symtab order, with their CRC and
 *           binding ('G', 'W' or 'L'); without __crc_ symbols (or without a usable
 *           .symtab), every string of __ksymtab_strings with CRC 0 and binding 'G'
 *           (kmod's fallback).
 *  needs:   .symtab UNDEF symbols in index order (binding 'W' for weak, else 'U'),
 *           CRC from the first __versions entry of that name (0 if none), followed by
 *           every __versions entry no UNDEF symbol named (binding 'U'). A missing
 *           .symtab gives -ENODATA.
 *  versions: the __versions entries (binding 'U').
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct modfile;

struct modsym {
	const char *name;
	uint64_t crc;
	char bind;
	uint32_t len; /* strlen(name): the readers copy and hash each name */
};

int modfile_get_exports(struct modfile *mf, const struct modsym **syms,
			size_t *n) _must_check_;
int modfile_get_needs(struct modfile *mf, const struct modsym **syms,
		      size_t *n) _must_check_;
int modfile_get_versions(struct modfile *mf, const struct modsym **syms,
			 size_t *n) _must_check_;

/*
 * The namespaces of the exports (EXPORT_SYMBOL_NS): each __kstrtabns_SYM symbol
 * of .symtab names the string in __ksymtab_strings that is SYM's namespace; the
 * ones naming an empty string (no namespace) are left out. *@out is one malloc'd
 * block (the strings inside), the caller's to free; NULL when @n is 0.
 */
struct modsym_ns {
	const char *name;
	const char *ns;
};
int modfile_read_export_ns(struct modfile *mf, struct modsym_ns **out,
			   size_t *n) _must_check_;
