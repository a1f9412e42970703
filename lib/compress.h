/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Compressed module files: detection by magic and one-shot decompression into memory. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum mk_compression {
	MK_COMPRESSION_NONE,
	MK_COMPRESSION_GZIP,
	MK_COMPRESSION_XZ,
	MK_COMPRESSION_ZSTD,
};

/* Name as the kernel writes it in /sys/module/compression ("gzip", "xz", "zstd"). */
const char *mk_compression_name(enum mk_compression c);

/* Detect from the first bytes of a file (at least 6 are needed to tell them all). */
enum mk_compression mk_compression_detect(const uint8_t *magic, size_t len);

/* Detect the compression of the file at @path. */
int mk_compression_of_file(const char *path, enum mk_compression *c) _must_check_;

/* Was support for @c compiled in? */
int mk_compression_supported(enum mk_compression c);

/*
 * Decompress the whole stream read from @fd (from offset 0) into a malloc'd buffer.
 * Returns 0, -ENOTSUP (not compiled in), -ELIBACC (its library could not be
 * loaded: lib/dynlib.h), -EBADMSG (corrupt stream), -EPIPE (the
 * stream ends before its end marker: a truncated file),
 * -EFBIG (output over the size limit) or another -errno.
 */
int mk_decompress_fd(int fd, enum mk_compression c, void **out,
		     size_t *out_len) _must_check_;
/* The same for a stream already in memory. */
int mk_decompress_mem(const void *in, size_t in_len, enum mk_compression c, void **out,
		      size_t *out_len) _must_check_;

struct mem_hold;
/*
 * The same, with the output buffer counted in @h (lib/mem-budget.h): -EAGAIN when
 * other threads hold too much of the budget (nothing is kept), -EFBIG also when
 * the output alone would exceed the whole budget. @h still holds the bytes of the
 * returned image: the caller releases them when it frees the image.
 */
int mk_decompress_fd_held(int fd, enum mk_compression c, struct mem_hold *h, void **out,
			  size_t *out_len) _must_check_;
int mk_decompress_mem_held(const void *in, size_t in_len, enum mk_compression c,
			   struct mem_hold *h, void **out, size_t *out_len) _must_check_;

/* Largest decompressed module we accept (1 GiB): a bound against decompression bombs. */
#define MK_DECOMPRESS_MAX ((size_t)1 << 30)
