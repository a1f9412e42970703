// SPDX-License-Identifier: LGPL-2.1-or-later
/* lib/hugemem.h; docs/depmod-outputs.md §12 says why. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hugemem.h"

int hugemem_alloc(struct hugemem *m, size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), want, span, head;
	uint8_t *p;

	m->p = NULL;
	m->len = 0;
	if (size == 0)
		return -EINVAL;
	if (size > SIZE_MAX - 2 * HUGEMEM_ALIGN)
		return -ENOMEM;
	/*
	 * whole huge pages, but for a last one less than half used: that part is
	 * left to 4 KiB pages, resident only where touched, rather than add up to
	 * 2 MiB to the peak RSS
	 */
	want = (size + page - 1) & ~(page - 1);
	if ((want & (HUGEMEM_ALIGN - 1)) >= HUGEMEM_MIN)
		want = (want + HUGEMEM_ALIGN - 1) & ~(HUGEMEM_ALIGN - 1);
	/* room to align: mmap gives page alignment only */
	span = want + HUGEMEM_ALIGN;
	p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	head = (HUGEMEM_ALIGN - ((uintptr_t)p & (HUGEMEM_ALIGN - 1))) &
	       (HUGEMEM_ALIGN - 1);
	if (head > 0)
		munmap(p, head);
	munmap(p + head + want, span - head - want);
	p += head;
	/* a hint: without huge pages (THP "never", old kernels) it is plain memory */
	(void)madvise(p, want, MADV_HUGEPAGE);
	m->p = p;
	m->len = want;
	return 0;
}

void hugemem_free(struct hugemem *m)
{
	if (m->p != NULL)
		munmap(m->p, m->len);
	m->p = NULL;
	m->len = 0;
}

/* the first piece of an arena: 4 KiB pages, resident where touched */
#define ARENA_FIRST ((size_t)256 << 10)
/* the head of a piece: the piece before it */
#define ARENA_HEAD ((sizeof(struct hugemem) + 15) & ~(size_t)15)

void *hugearena_alloc(struct hugearena *a, size_t size)
{
	struct hugemem m;
	size_t want;
	void *p;

	if (size > SIZE_MAX - ARENA_HEAD - 15)
		return NULL;
	size = (size + 15) & ~(size_t)15;
	if (a->piece.p == NULL || a->piece.len - a->used < size) {
		want = a->piece.p == NULL ? ARENA_FIRST : HUGEMEM_ALIGN;
		if (size > want - ARENA_HEAD)
			want = size + ARENA_HEAD;
		if (hugemem_alloc(&m, want) < 0)
			return NULL;
		/* the rest of the old piece is left unused */
		*(struct hugemem *)m.p = a->piece;
		a->piece = m;
		a->used = ARENA_HEAD;
	}
	p = (uint8_t *)a->piece.p + a->used;
	a->used += size;
	return p;
}

void hugearena_release(struct hugearena *a)
{
	while (a->piece.p != NULL) {
		struct hugemem prev = *(struct hugemem *)a->piece.p;

		hugemem_free(&a->piece);
		a->piece = prev;
	}
	a->used = 0;
}

void hugearena_trim(struct hugearena *a)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t from = (a->used + page - 1) & ~(page - 1);

	if (a->piece.p != NULL && from < a->piece.len)
		(void)madvise((uint8_t *)a->piece.p + from, a->piece.len - from,
			      MADV_DONTNEED);
}

void *hugeshare_alloc(struct hugeshare *s, size_t size)
{
	void *p;

	if (size > SIZE_MAX - 15)
		return NULL;
	size = (size + 15) & ~(size_t)15;
	if (size > s->left) {
		bool alone = size > HUGESHARE_TAKE / 4;

		pthread_mutex_lock(s->lock);
		p = hugearena_alloc(s->arena, alone ? size : HUGESHARE_TAKE);
		pthread_mutex_unlock(s->lock);
		if (p == NULL || alone)
			return p;
		/* the rest of the bytes taken before is left unused */
		s->p = p;
		s->left = HUGESHARE_TAKE;
	}
	p = s->p;
	s->p += size;
	s->left -= size;
	return p;
}
