/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libelf (elfutils), loaded on demand (lib/dynlib.h): the real header for
 * the types, and each function used mapped to the loaded table. Call
 * mk_dl_elf_load() before the first use. With --disable-dlopen the names are
 * the linked functions.
 */
#pragma once

#include <gelf.h>
#include <libelf.h>

#include "dynlib.h"

#define MK_DL_ELF_SYMS(X, s)    \
	X(s, elf_end)           \
	X(s, elf_getdata)       \
	X(s, elf_getscn)        \
	X(s, elf_getshdrnum)    \
	X(s, elf_getshdrstrndx) \
	X(s, elf_kind)          \
	X(s, elf_memory)        \
	X(s, elf_rawdata)       \
	X(s, elf_strptr)        \
	X(s, elf_version)       \
	X(s, gelf_getehdr)      \
	X(s, gelf_getshdr)

#if ENABLE_DLOPEN
MK_DL_DECLARE(elf, MK_LIB_ELF, MK_DL_ELF_SYMS)

#define elf_end (mk_dl_elf.elf_end)
#define elf_getdata (mk_dl_elf.elf_getdata)
#define elf_getscn (mk_dl_elf.elf_getscn)
#define elf_getshdrnum (mk_dl_elf.elf_getshdrnum)
#define elf_getshdrstrndx (mk_dl_elf.elf_getshdrstrndx)
#define elf_kind (mk_dl_elf.elf_kind)
#define elf_memory (mk_dl_elf.elf_memory)
#define elf_rawdata (mk_dl_elf.elf_rawdata)
#define elf_strptr (mk_dl_elf.elf_strptr)
#define elf_version (mk_dl_elf.elf_version)
#define gelf_getehdr (mk_dl_elf.gelf_getehdr)
#define gelf_getshdr (mk_dl_elf.gelf_getshdr)
#else
static inline int mk_dl_elf_load(void)
{
	return 0;
}
#endif
