/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Growable byte buffer. All functions return 0 or -ENOMEM. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct strbuf {
	char *buf;
	size_t used;
	size_t size;
	/* @buf is not @sb's own (strbuf_borrow()): never freed nor reallocated */
	bool borrowed;
};

#define STRBUF_INIT               \
	{                         \
		NULL, 0, 0, false \
	}

void strbuf_release(struct strbuf *sb);
/*
 * Start @sb, empty, on @size bytes at @buf that the caller owns and keeps until
 * @sb is released: it fills them until it needs more, then moves to memory of
 * its own (malloc), as it does for everything else. @size must be at least 1,
 * and @buf must start with a NUL, as zeroed memory does: nothing is written
 * there before the first push, so that a fresh page is first touched (and its
 * fault taken) by the thread that fills it.
 */
void strbuf_borrow(struct strbuf *sb, char *buf, size_t size);
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
