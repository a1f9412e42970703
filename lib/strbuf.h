/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Growable byte buffer. All functions return 0 or -ENOMEM. */
#pragma once

#include <stddef.h>

#include "util.h"

struct strbuf {
	char *buf;
	size_t used;
	size_t size;
};

#define STRBUF_INIT        \
	{                  \
		NULL, 0, 0 \
	}

void strbuf_release(struct strbuf *sb);
int strbuf_reserve(struct strbuf *sb, size_t extra) _must_check_;
int strbuf_push(struct strbuf *sb, const void *data, size_t len) _must_check_;
int strbuf_pushstr(struct strbuf *sb, const char *s) _must_check_;
int strbuf_pushchar(struct strbuf *sb, char c) _must_check_;
int strbuf_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3))) _must_check_;
/* NUL-terminated view of the contents (the NUL is not counted in used). */
const char *strbuf_str(struct strbuf *sb);
/* Hand the (NUL-terminated) buffer over to the caller; @sb is reset. */
char *strbuf_steal(struct strbuf *sb);
void strbuf_clear(struct strbuf *sb);
