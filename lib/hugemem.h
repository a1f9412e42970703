/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory for a run's big buffers that are filled once: an anonymous mapping
 * aligned to 2 MiB, with transparent huge pages asked for (MADV_HUGEPAGE). A
 * first touch then costs one fault per 2 MiB instead of one per 4 KiB page, and
 * a fresh buffer's faults are most of what it costs where faults are dear
 * (docs/depmod-outputs.md §12). Where the kernel gives no huge pages, it is
 * plain anonymous memory.
 */
#pragma once

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* The size and alignment of a transparent huge page on x86-64 and arm64 (4 KiB pages). */
#define HUGEMEM_ALIGN ((size_t)2 << 20)

/*
 * Below this, a piece would hold more than its contents weigh (its last huge
 * page is resident whole): callers use malloc for less.
 */
#define HUGEMEM_MIN (HUGEMEM_ALIGN / 2)

struct hugemem {
	void *p; /* NULL: none */
	size_t len;
};

/*
 * At least @size bytes, from a HUGEMEM_ALIGN boundary: whole huge pages, and a
 * last part less than half of one in 4 KiB pages. Zeroed, as fresh mappings
 * are: 0, or a negative errno with @m left empty.
 */
int hugemem_alloc(struct hugemem *m, size_t size) _must_check_;
void hugemem_free(struct hugemem *m);

/*
 * Small blocks kept until the end of a run, cut in turn from pieces of the
 * above: a model's arrays, what the reading threads copy out of each module.
 * There is no lock (threads share one through struct hugeshare). The first
 * piece is small (a small tree's run has no use for a huge page), the next ones
 * a huge page each, or a request's size if larger.
 */
struct hugearena {
	struct hugemem piece; /* the newest; its first bytes hold the one before */
	size_t used;
};

/* @size bytes aligned to 16, zeroed; NULL: no memory. */
void *hugearena_alloc(struct hugearena *a, size_t size);
/* Unmap every piece; @a is empty again. */
void hugearena_release(struct hugearena *a);
/*
 * No more blocks are coming for a while: give back the whole pages of the
 * newest piece past its last block (its huge page is resident whole). A later
 * block there gets fresh zeroed pages.
 */
void hugearena_trim(struct hugearena *a);

/*
 * One thread's share of an arena that several threads cut from: it takes
 * HUGESHARE_TAKE bytes at a time under @lock (a bigger block, alone), so the
 * lock is rare and what a thread leaves unused at the end is small. An arena
 * per thread would leave half a huge page unused per thread, on average.
 */
#define HUGESHARE_TAKE ((size_t)64 << 10)

struct hugeshare {
	struct hugearena *arena;
	pthread_mutex_t *lock; /* @arena's */
	uint8_t *p; /* what is left of the bytes taken */
	size_t left;
};

/* As hugearena_alloc(), from @s's bytes, or from its arena under its lock. */
void *hugeshare_alloc(struct hugeshare *s, size_t size);
