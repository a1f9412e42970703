// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#if ENABLE_ZLIB
#include "dl-zlib.h"
#endif
#if ENABLE_XZ
#include "dl-xz.h"
#endif
#if ENABLE_ZSTD
#include "dl-zstd.h"
#endif

#include "compress.h"
#include "mem-budget.h"
#include "util.h"

const char *mk_compression_name(enum mk_compression c)
{
	switch (c) {
	case MK_COMPRESSION_GZIP:
		return "gzip";
	case MK_COMPRESSION_XZ:
		return "xz";
	case MK_COMPRESSION_ZSTD:
		return "zstd";
	case MK_COMPRESSION_NONE:
		break;
	}
	return "none";
}

enum mk_compression mk_compression_detect(const uint8_t *magic, size_t len)
{
	static const uint8_t zstd[] = { 0x28, 0xb5, 0x2f, 0xfd };
	static const uint8_t xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
	static const uint8_t gzip[] = { 0x1f, 0x8b };

	if (len >= sizeof(zstd) && memcmp(magic, zstd, sizeof(zstd)) == 0)
		return MK_COMPRESSION_ZSTD;
	if (len >= sizeof(xz) && memcmp(magic, xz, sizeof(xz)) == 0)
		return MK_COMPRESSION_XZ;
	if (len >= sizeof(gzip) && memcmp(magic, gzip, sizeof(gzip)) == 0)
		return MK_COMPRESSION_GZIP;
	return MK_COMPRESSION_NONE;
}

int mk_compression_supported(enum mk_compression c)
{
	switch (c) {
	case MK_COMPRESSION_NONE:
		return 1;
	case MK_COMPRESSION_GZIP:
		return ENABLE_ZLIB;
	case MK_COMPRESSION_XZ:
		return ENABLE_XZ;
	case MK_COMPRESSION_ZSTD:
		return ENABLE_ZSTD;
	}
	return 0;
}

#if ENABLE_ZLIB || ENABLE_XZ || ENABLE_ZSTD
/* Output buffer that grows geometrically up to MK_DECOMPRESS_MAX. */
struct outbuf {
	uint8_t *data;
	size_t used;
	size_t size;
	struct mem_hold *hold; /* NULL: only the per-file bound */
};

static int outbuf_grow(struct outbuf *o, size_t hint)
{
	size_t nsize = o->size ? o->size : 64 * 1024;
	uint8_t *n;

	if (o->size >= MK_DECOMPRESS_MAX)
		return -EFBIG;
	while (nsize < hint || nsize <= o->size) {
		if (umulsz_overflow(nsize, 2, &nsize))
			return -EFBIG;
	}
	if (nsize > MK_DECOMPRESS_MAX)
		nsize = MK_DECOMPRESS_MAX;
	if (o->hold != NULL) {
		int r = mem_hold_grow(o->hold, nsize - o->size);

		if (r < 0)
			return r;
	}
	n = realloc(o->data, nsize);
	if (n == NULL)
		return -ENOMEM;
	o->data = n;
	o->size = nsize;
	return 0;
}

static int outbuf_finish(struct outbuf *o, void **out, size_t *out_len)
{
	/* shrink-to-fit keeps peak memory down when many images are held */
	uint8_t *n = realloc(o->data, o->used ? o->used : 1);

	if (n != NULL)
		o->data = n;
	*out = o->data;
	*out_len = o->used;
	o->data = NULL;
	return 0;
}
#endif

#if ENABLE_ZLIB
MK_DL_DEFINE(zlib);

static int decompress_gzip(const void *in, size_t in_len, struct mem_hold *h, void **out,
			   size_t *out_len)
{
	struct outbuf o = { .hold = h };
	z_stream z = { 0 };
	int r, ret;

	/* 16 + MAX_WBITS: expect a gzip header and trailer */
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)in;
	/* uInt is 32 bits: modules are far below, but stay correct */
	if (in_len > UINT32_MAX) {
		inflateEnd(&z);
		return -EFBIG;
	}
	z.avail_in = (uInt)in_len;
	ret = outbuf_grow(&o, in_len * 4);
	for (;;) {
		if (ret < 0)
			break;
		z.next_out = o.data + o.used;
		z.avail_out = (uInt)(o.size - o.used > UINT32_MAX ? UINT32_MAX
								  : o.size - o.used);
		r = inflate(&z, Z_NO_FLUSH);
		o.used = (size_t)(z.next_out - o.data);
		if (r == Z_STREAM_END) {
			ret = z.avail_in == 0 ? outbuf_finish(&o, out, out_len)
					      : -EBADMSG;
			break;
		}
		if (r == Z_MEM_ERROR) {
			ret = -ENOMEM;
			break;
		}
		if (r != Z_OK && r != Z_BUF_ERROR) {
			ret = -EBADMSG;
			break;
		}
		if (z.avail_out == 0) {
			ret = outbuf_grow(&o, 0);
			continue;
		}
		/* no progress possible: input ended before the stream did */
		if (z.avail_in == 0) {
			ret = -EPIPE;
			break;
		}
	}
	inflateEnd(&z);
	free(o.data);
	return ret;
}
#endif

#if ENABLE_XZ
MK_DL_DEFINE(xz);

static int decompress_xz(const void *in, size_t in_len, struct mem_hold *h, void **out,
			 size_t *out_len)
{
	struct outbuf o = { .hold = h };
	lzma_stream z = LZMA_STREAM_INIT;
	lzma_ret r;
	int ret;

	if (lzma_stream_decoder(&z, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
		return -ENOMEM;
	z.next_in = in;
	z.avail_in = in_len;
	ret = outbuf_grow(&o, in_len * 5);
	for (;;) {
		lzma_action action;

		if (ret < 0)
			break;
		z.next_out = o.data + o.used;
		z.avail_out = o.size - o.used;
		/* all input given: FINISH tells a concatenated stream that it ended */
		action = z.avail_in ? LZMA_RUN : LZMA_FINISH;
		r = lzma_code(&z, action);
		o.used = (size_t)(z.next_out - o.data);
		if (r == LZMA_STREAM_END) {
			ret = outbuf_finish(&o, out, out_len);
			break;
		}
		if (r == LZMA_MEM_ERROR) {
			ret = -ENOMEM;
			break;
		}
		if (r != LZMA_OK && r != LZMA_BUF_ERROR) {
			ret = -EBADMSG;
			break;
		}
		if (z.avail_out == 0) {
			ret = outbuf_grow(&o, 0);
			continue;
		}
		if (r == LZMA_BUF_ERROR || action == LZMA_FINISH) {
			ret = -EPIPE;
			break;
		}
	}
	lzma_end(&z);
	free(o.data);
	return ret;
}
#endif

#if ENABLE_ZSTD
MK_DL_DEFINE(zstd);

static int decompress_zstd(const void *in, size_t in_len, struct mem_hold *h, void **out,
			   size_t *out_len)
{
	struct outbuf o = { .hold = h };
	ZSTD_DCtx *dctx;
	ZSTD_inBuffer zin = { in, in_len, 0 };
	unsigned long long content = ZSTD_getFrameContentSize(in, in_len);
	size_t last = 1;
	int ret;

	if (content == ZSTD_CONTENTSIZE_ERROR)
		return -EBADMSG;
	dctx = ZSTD_createDCtx();
	if (dctx == NULL)
		return -ENOMEM;
	/* the frame usually says how big the output is: allocate once */
	if (content != ZSTD_CONTENTSIZE_UNKNOWN && content < MK_DECOMPRESS_MAX)
		ret = outbuf_grow(&o, (size_t)content + 1);
	else
		ret = outbuf_grow(&o, in_len * 4);
	for (;;) {
		ZSTD_outBuffer zout;

		if (ret < 0)
			break;
		zout.dst = o.data;
		zout.size = o.size;
		zout.pos = o.used;
		last = ZSTD_decompressStream(dctx, &zout, &zin);
		o.used = zout.pos;
		if (ZSTD_isError(last)) {
			ret = -EBADMSG;
			break;
		}
		if (last == 0 && zin.pos == zin.size) {
			ret = outbuf_finish(&o, out, out_len);
			break;
		}
		if (zout.pos == zout.size) {
			ret = outbuf_grow(&o, 0);
			continue;
		}
		if (zin.pos == zin.size) {
			/* input exhausted but the frame is incomplete */
			ret = -EPIPE;
			break;
		}
	}
	ZSTD_freeDCtx(dctx);
	free(o.data);
	return ret;
}
#endif

int mk_decompress_mem(const void *in, size_t in_len, enum mk_compression c, void **out,
		      size_t *out_len)
{
	return mk_decompress_mem_held(in, in_len, c, NULL, out, out_len);
}

int mk_decompress_mem_held(const void *in, size_t in_len, enum mk_compression c,
			   struct mem_hold *h, void **out, size_t *out_len)
{
	(void)h; /* unused when no format is built in */
	/* the library of each format is loaded here, when a stream first needs it */
	switch (c) {
	case MK_COMPRESSION_GZIP:
#if ENABLE_ZLIB
		return mk_dl_zlib_load() ?: decompress_gzip(in, in_len, h, out, out_len);
#else
		return -ENOTSUP;
#endif
	case MK_COMPRESSION_XZ:
#if ENABLE_XZ
		return mk_dl_xz_load() ?: decompress_xz(in, in_len, h, out, out_len);
#else
		return -ENOTSUP;
#endif
	case MK_COMPRESSION_ZSTD:
#if ENABLE_ZSTD
		return mk_dl_zstd_load() ?: decompress_zstd(in, in_len, h, out, out_len);
#else
		return -ENOTSUP;
#endif
	case MK_COMPRESSION_NONE:
		break;
	}
	return -EINVAL;
}

int mk_compression_of_file(const char *path, enum mk_compression *c)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint8_t magic[6];
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, magic, sizeof(magic), 0);
	if (n < 0)
		return -errno;
	*c = mk_compression_detect(magic, (size_t)n);
	return 0;
}

int mk_decompress_fd(int fd, enum mk_compression c, void **out, size_t *out_len)
{
	return mk_decompress_fd_held(fd, c, NULL, out, out_len);
}

int mk_decompress_fd_held(int fd, enum mk_compression c, struct mem_hold *h, void **out,
			  size_t *out_len)
{
	struct stat st;
	_cleanup_free_ void *in = NULL;
	int r;

	if (!mk_compression_supported(c))
		return -ENOTSUP;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size < 0 || (uint64_t)st.st_size > MK_DECOMPRESS_MAX)
		return -EFBIG;
	in = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (in == NULL)
		return -ENOMEM;
	r = pread_all(fd, in, (size_t)st.st_size, 0);
	if (r < 0)
		return r == -EIO ? -EBADMSG : r;
	return mk_decompress_mem_held(in, (size_t)st.st_size, c, h, out, out_len);
}
