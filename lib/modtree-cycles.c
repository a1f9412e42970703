// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The dependency cycles of a lib/modtree.h side: the strongly connected components
 * of depmod's graph (Tarjan) with more than one module. Each is named by its
 * members, sorted, so that the same cycle compares equal on both sides whatever
 * the module order (depmod reports the loops themselves: lib/depgraph.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "depgraph.h"
#include "modtree-internal.h"
#include "strbuf.h"

struct tarjan {
	struct depgraph *dg;
	unsigned int *index, *low; /* 0: not visited */
	bool *on_stack;
	unsigned int *stack;
	size_t sp;
	unsigned int counter;
	struct modtree *t;
	int err;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The component on the stack down to @v: a cycle when it has two members or more. */
static int pop_component(struct tarjan *s, unsigned int v)
{
	_cleanup_free_ const char **names = NULL;
	struct strbuf sb = STRBUF_INIT;
	size_t start = s->sp, n;
	char **a;
	int r = 0;

	while (s->stack[--start] != v)
		;
	n = s->sp - start;
	for (size_t i = start; i < s->sp; i++)
		s->on_stack[s->stack[i]] = false;
	s->sp = start;
	if (n < 2)
		return 0;
	names = calloc(n, sizeof(*names));
	if (names == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		names[i] = depgraph_module(s->dg, s->stack[start + i])->scan->name;
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && r == 0; i++)
		r = strbuf_printf(&sb, i ? " %s" : "%s", names[i]);
	if (r == 0) {
		a = reallocarray(s->t->cycles, s->t->n_cycles + 1, sizeof(*a));
		if (a == NULL)
			r = -ENOMEM;
		else
			s->t->cycles = a;
	}
	if (r < 0) {
		strbuf_release(&sb);
		return r;
	}
	if (mt_keep(s->t, sb.buf) == NULL)
		return -ENOMEM;
	s->t->cycles[s->t->n_cycles++] = sb.buf;
	return 0;
}

static void strongconnect(struct tarjan *s, unsigned int v)
{
	const struct dg_module *m = depgraph_module(s->dg, v);

	s->index[v] = s->low[v] = ++s->counter;
	s->stack[s->sp++] = v;
	s->on_stack[v] = true;
	for (size_t i = 0; i < m->n_deps && s->err == 0; i++) {
		unsigned int w = m->deps[i]->idx;

		if (s->index[w] == 0) {
			strongconnect(s, w);
			if (s->low[w] < s->low[v])
				s->low[v] = s->low[w];
		} else if (s->on_stack[w] && s->index[w] < s->low[v]) {
			s->low[v] = s->index[w];
		}
	}
	if (s->err == 0 && s->low[v] == s->index[v])
		s->err = pop_component(s, v);
}

int mt_find_cycles(struct modtree *t, struct depgraph *dg)
{
	size_t n = depgraph_count(dg);
	struct tarjan s = { .dg = dg, .t = t };

	s.index = calloc(n + 1, sizeof(*s.index));
	s.low = calloc(n + 1, sizeof(*s.low));
	s.on_stack = calloc(n + 1, sizeof(*s.on_stack));
	s.stack = calloc(n + 1, sizeof(*s.stack));
	if (s.index == NULL || s.low == NULL || s.on_stack == NULL || s.stack == NULL)
		s.err = -ENOMEM;
	for (size_t v = 0; v < n && s.err == 0; v++)
		if (s.index[v] == 0)
			strongconnect(&s, (unsigned int)v);
	free(s.index);
	free(s.low);
	free(s.on_stack);
	free(s.stack);
	if (s.err == 0 && t->n_cycles > 1)
		qsort(t->cycles, t->n_cycles, sizeof(*t->cycles), cmp_str);
	return s.err;
}
