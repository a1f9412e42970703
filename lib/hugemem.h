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

#include <stddef.h>

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
