// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "util.h"

void strbuf_release(struct strbuf *sb)
{
	if (!sb->borrowed)
		free(sb->buf);
	sb->buf = NULL;
	sb->used = sb->size = 0;
	sb->borrowed = false;
}

void strbuf_borrow(struct strbuf *sb, char *buf, size_t size)
{
	strbuf_release(sb);
	sb->buf = buf;
	sb->size = size;
	sb->borrowed = true;
}

int strbuf_reserve(struct strbuf *sb, size_t extra)
{
	size_t need, nsize;
	char *n;

	/* one more byte, always, for the terminating NUL */
	if (uaddsz_overflow(sb->used, extra, &need) || uaddsz_overflow(need, 1, &need))
		return -ENOMEM;
	if (need <= sb->size)
		return 0;
	nsize = sb->size ? sb->size : 64;
	while (nsize < need) {
		if (umulsz_overflow(nsize, 2, &nsize))
			return -ENOMEM;
	}
	if (sb->borrowed) {
		n = malloc(nsize);
		if (n == NULL)
			return -ENOMEM;
		memcpy(n, sb->buf, sb->used);
		sb->borrowed = false;
	} else {
		n = realloc(sb->buf, nsize);
		if (n == NULL)
			return -ENOMEM;
	}
	sb->buf = n;
	sb->size = nsize;
	return 0;
}

int strbuf_push(struct strbuf *sb, const void *data, size_t len)
{
	int r = strbuf_reserve(sb, len);

	if (r < 0)
		return r;
	if (len)
		memcpy(sb->buf + sb->used, data, len);
	sb->used += len;
	sb->buf[sb->used] = '\0';
	return 0;
}

int strbuf_pushstr(struct strbuf *sb, const char *s)
{
	return strbuf_push(sb, s, strlen(s));
}

int strbuf_pushchar(struct strbuf *sb, char c)
{
	return strbuf_push(sb, &c, 1);
}

int strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	r = strbuf_reserve(sb, (size_t)n);
	if (r < 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->used, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->used += (size_t)n;
	return 0;
}

const char *strbuf_str(struct strbuf *sb)
{
	if (sb->buf == NULL && strbuf_reserve(sb, 0) < 0)
		return NULL;
	sb->buf[sb->used] = '\0';
	return sb->buf;
}

char *strbuf_steal(struct strbuf *sb)
{
	char *s;

	if (strbuf_str(sb) == NULL)
		return NULL;
	if (sb->borrowed) { /* the caller gets memory it may free */
		s = malloc(sb->used + 1);
		if (s == NULL)
			return NULL;
		memcpy(s, sb->buf, sb->used + 1);
	} else {
		s = sb->buf;
	}
	sb->buf = NULL;
	sb->used = sb->size = 0;
	sb->borrowed = false;
	return s;
}

void strbuf_clear(struct strbuf *sb)
{
	sb->used = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}
