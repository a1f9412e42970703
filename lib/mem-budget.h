/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A bound on the memory that several threads hold at once: mydepmod's readers
 * decompress modules in parallel, and the decompressed images they hold together
 * stay under one limit (docs/depmod-outputs.md §2.1).
 *
 * Each thread keeps a struct mem_hold. mem_hold_grow() asks for more; when the
 * others hold too much it fails with -EAGAIN, without waiting: the thread then
 * gives back what it holds (mem_hold_release), waits with mem_hold_wait_alone()
 * until it may run alone, and starts again. A thread never waits while it holds
 * memory, so the threads cannot wait for each other in a circle.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct mem_budget;

struct mem_hold {
	struct mem_budget *budget; /* NULL: no bound */
	size_t held;
	bool alone;
};

int mem_budget_new(size_t limit, struct mem_budget **out) _must_check_;
void mem_budget_free(struct mem_budget *b);

/*
 * Take @bytes more for @h: 0; -EFBIG when @h would hold more than the whole
 * limit; -EAGAIN when the others hold too much (see above). Waits only while @h
 * holds nothing and another thread runs alone or is about to.
 */
int mem_hold_grow(struct mem_hold *h, size_t bytes) _must_check_;
/* Give back all that @h holds, and end its running alone. */
void mem_hold_release(struct mem_hold *h);
/* Wait until no other thread holds anything, then run alone (@h holds nothing). */
void mem_hold_wait_alone(struct mem_hold *h);
