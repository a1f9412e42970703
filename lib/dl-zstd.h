/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The zstd library (libzstd), loaded on demand (lib/dynlib.h): the real header for
 * the types, and each function used mapped to the loaded table. Call
 * mk_dl_zstd_load() before the first use. With --disable-dlopen the names are
 * the linked functions.
 */
#pragma once

#include <zstd.h>

#include "dynlib.h"

#define MK_DL_ZSTD_SYMS(X, s)          \
	X(s, ZSTD_createDCtx)          \
	X(s, ZSTD_freeDCtx)            \
	X(s, ZSTD_decompressStream)    \
	X(s, ZSTD_getFrameContentSize) \
	X(s, ZSTD_isError)

#if ENABLE_DLOPEN
MK_DL_DECLARE(zstd, MK_LIB_ZSTD, MK_DL_ZSTD_SYMS)

#define ZSTD_createDCtx (mk_dl_zstd.ZSTD_createDCtx)
#define ZSTD_freeDCtx (mk_dl_zstd.ZSTD_freeDCtx)
#define ZSTD_decompressStream (mk_dl_zstd.ZSTD_decompressStream)
#define ZSTD_getFrameContentSize (mk_dl_zstd.ZSTD_getFrameContentSize)
#define ZSTD_isError (mk_dl_zstd.ZSTD_isError)
#else
static inline int mk_dl_zstd_load(void)
{
	return 0;
}
#endif
