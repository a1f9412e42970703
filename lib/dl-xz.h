/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The xz library (liblzma), loaded on demand (lib/dynlib.h): the real header for
 * the types, and each function used mapped to the loaded table. Call
 * mk_dl_xz_load() before the first use. With --disable-dlopen the names are
 * the linked functions.
 */
#pragma once

#include <lzma.h>

#include "dynlib.h"

#define MK_DL_XZ_SYMS(X, s)       \
	X(s, lzma_stream_decoder) \
	X(s, lzma_code)           \
	X(s, lzma_end)

#if ENABLE_DLOPEN
MK_DL_DECLARE(xz, MK_LIB_XZ, MK_DL_XZ_SYMS)

#define lzma_stream_decoder (mk_dl_xz.lzma_stream_decoder)
#define lzma_code (mk_dl_xz.lzma_code)
#define lzma_end (mk_dl_xz.lzma_end)
#else
static inline int mk_dl_xz_load(void)
{
	return 0;
}
#endif
