/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The zlib library (libz), loaded on demand (lib/dynlib.h): the real header for
 * the types, and each function used mapped to the loaded table. Call
 * mk_dl_zlib_load() before the first use. With --disable-dlopen the names are
 * the linked functions.
 */
#pragma once

#include <zlib.h>

#include "dynlib.h"

#define MK_DL_ZLIB_SYMS(X, s) \
	X(s, inflateInit2_)   \
	X(s, inflate)         \
	X(s, inflateEnd)

#if ENABLE_DLOPEN
MK_DL_DECLARE(zlib, MK_LIB_ZLIB, MK_DL_ZLIB_SYMS)

#define inflateInit2_ (mk_dl_zlib.inflateInit2_)
#define inflate (mk_dl_zlib.inflate)
#define inflateEnd (mk_dl_zlib.inflateEnd)
#else
static inline int mk_dl_zlib_load(void)
{
	return 0;
}
#endif
