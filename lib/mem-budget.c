// SPDX-License-Identifier: LGPL-2.1-or-later
/* A memory bound shared by threads: lib/mem-budget.h. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "mem-budget.h"

struct mem_budget {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t limit, used;
	unsigned int alone_waiting; /* threads in mem_hold_wait_alone() */
	bool alone_running;
};

int mem_budget_new(size_t limit, struct mem_budget **out)
{
	struct mem_budget *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return -ENOMEM;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	b->limit = limit;
	*out = b;
	return 0;
}

void mem_budget_free(struct mem_budget *b)
{
	if (b == NULL)
		return;
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

int mem_hold_grow(struct mem_hold *h, size_t bytes)
{
	struct mem_budget *b = h->budget;
	int r = 0;

	if (b == NULL)
		return 0;
	if (bytes > b->limit || h->held > b->limit - bytes)
		return -EFBIG;
	pthread_mutex_lock(&b->lock);
	/* a newcomer lets a thread that runs alone, or waits to, go first */
	while (!h->alone && h->held == 0 && (b->alone_running || b->alone_waiting > 0))
		pthread_cond_wait(&b->cond, &b->lock);
	if (b->used <= b->limit - bytes) {
		b->used += bytes;
		h->held += bytes;
	} else {
		r = -EAGAIN;
	}
	pthread_mutex_unlock(&b->lock);
	return r;
}

void mem_hold_release(struct mem_hold *h)
{
	struct mem_budget *b = h->budget;

	if (b == NULL || (h->held == 0 && !h->alone))
		return;
	pthread_mutex_lock(&b->lock);
	b->used -= h->held;
	h->held = 0;
	if (h->alone)
		b->alone_running = false;
	h->alone = false;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

void mem_hold_wait_alone(struct mem_hold *h)
{
	struct mem_budget *b = h->budget;

	if (b == NULL)
		return;
	pthread_mutex_lock(&b->lock);
	b->alone_waiting++;
	while (b->alone_running || b->used > 0)
		pthread_cond_wait(&b->cond, &b->lock);
	b->alone_waiting--;
	b->alone_running = true;
	h->alone = true;
	pthread_mutex_unlock(&b->lock);
}
