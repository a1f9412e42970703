// SPDX-License-Identifier: LGPL-2.1-or-later
/* lib/hugemem.h; docs/depmod-outputs.md §12 says why. */
#include "config.h"

#include <errno.h>
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
