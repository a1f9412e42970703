/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libarchive, loaded on demand (lib/dynlib.h): the real header for the types, and
 * each function used mapped to the loaded table. Only mykmod diff reads kernel
 * packages (lib/pkgread.h), so no other tool maps it. Call mk_dl_archive_load()
 * before the first use. With --disable-dlopen the names are the linked functions.
 */
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "dynlib.h"

#define MK_DL_ARCHIVE_SYMS(X, s)                \
	X(s, archive_read_new)                  \
	X(s, archive_read_free)                 \
	X(s, archive_read_support_filter_bzip2) \
	X(s, archive_read_support_filter_gzip)  \
	X(s, archive_read_support_filter_lzma)  \
	X(s, archive_read_support_filter_rpm)   \
	X(s, archive_read_support_filter_xz)    \
	X(s, archive_read_support_filter_zstd)  \
	X(s, archive_read_support_format_ar)    \
	X(s, archive_read_support_format_cpio)  \
	X(s, archive_read_support_format_tar)   \
	X(s, archive_read_open_fd)              \
	X(s, archive_read_open)                 \
	X(s, archive_read_next_header)          \
	X(s, archive_read_data)                 \
	X(s, archive_read_data_block)           \
	X(s, archive_read_data_skip)            \
	X(s, archive_format)                    \
	X(s, archive_error_string)              \
	X(s, archive_entry_pathname)            \
	X(s, archive_entry_filetype)            \
	X(s, archive_entry_size)                \
	X(s, archive_entry_size_is_set)         \
	X(s, archive_entry_symlink)             \
	X(s, archive_entry_hardlink)            \
	X(s, archive_entry_nlink)

#if ENABLE_DLOPEN
MK_DL_DECLARE(archive, MK_LIB_ARCHIVE, MK_DL_ARCHIVE_SYMS)

#define archive_read_new (mk_dl_archive.archive_read_new)
#define archive_read_free (mk_dl_archive.archive_read_free)
#define archive_read_support_filter_bzip2 \
	(mk_dl_archive.archive_read_support_filter_bzip2)
#define archive_read_support_filter_gzip (mk_dl_archive.archive_read_support_filter_gzip)
#define archive_read_support_filter_lzma (mk_dl_archive.archive_read_support_filter_lzma)
#define archive_read_support_filter_rpm (mk_dl_archive.archive_read_support_filter_rpm)
#define archive_read_support_filter_xz (mk_dl_archive.archive_read_support_filter_xz)
#define archive_read_support_filter_zstd (mk_dl_archive.archive_read_support_filter_zstd)
#define archive_read_support_format_ar (mk_dl_archive.archive_read_support_format_ar)
#define archive_read_support_format_cpio (mk_dl_archive.archive_read_support_format_cpio)
#define archive_read_support_format_tar (mk_dl_archive.archive_read_support_format_tar)
#define archive_read_open_fd (mk_dl_archive.archive_read_open_fd)
#define archive_read_open (mk_dl_archive.archive_read_open)
#define archive_read_next_header (mk_dl_archive.archive_read_next_header)
#define archive_read_data (mk_dl_archive.archive_read_data)
#define archive_read_data_block (mk_dl_archive.archive_read_data_block)
#define archive_read_data_skip (mk_dl_archive.archive_read_data_skip)
#define archive_format (mk_dl_archive.archive_format)
#define archive_error_string (mk_dl_archive.archive_error_string)
#define archive_entry_pathname (mk_dl_archive.archive_entry_pathname)
#define archive_entry_filetype (mk_dl_archive.archive_entry_filetype)
#define archive_entry_size (mk_dl_archive.archive_entry_size)
#define archive_entry_size_is_set (mk_dl_archive.archive_entry_size_is_set)
#define archive_entry_symlink (mk_dl_archive.archive_entry_symlink)
#define archive_entry_hardlink (mk_dl_archive.archive_entry_hardlink)
#define archive_entry_nlink (mk_dl_archive.archive_entry_nlink)
#else
static inline int mk_dl_archive_load(void)
{
	return 0;
}
#endif
