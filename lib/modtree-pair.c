// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The two sides of mykmod diff, loaded at once (lib/modtree.h modtree_load_pair(),
 * docs/mykmod-diff.md §4). A side's load has long stretches on one core (the
 * walk, the resolution, the model), and two module directories that share no
 * file cost twice one: loading OLD on a thread of its own while this one loads
 * NEW keeps every core busy. Each side keeps its own context (struct modtree, its
 * walk, readers and graph): nothing is shared between the threads but the
 * options, read only. Two sides that hold the same files (symlinked copies) are
 * loaded one after the other instead, so that NEW takes what OLD read
 * (lib/modtree-share.c).
 *
 * The side loaded first then reads modules of the other's walk with it (struct
 * mt_pair_link): two sides of different sizes, or read at different speeds,
 * would otherwise leave a core idle while the larger one is read on the other.
 *
 * What a side says goes to a log of its own, held (lib/util.h mk_log_hold()), and
 * is passed on after the join, OLD's then NEW's (none when OLD failed): the
 * messages come out as when the sides are loaded in turn, whatever the timing.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "modtree-internal.h"
#include "modtree.h"

/*
 * Each tree side's readers while its walk goes on (lib/modtree-internal.h), and
 * how many helpers hold each: a side withdraws its readers before freeing them.
 */
struct mt_pair_link {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct dg_preload *readers[2];
	unsigned int pins[2];
};

void mt_link_publish(struct mt_pair_link *l, unsigned int side, struct dg_preload *p)
{
	if (l == NULL)
		return;
	pthread_mutex_lock(&l->lock);
	l->readers[side] = p;
	pthread_mutex_unlock(&l->lock);
}

void mt_link_withdraw(struct mt_pair_link *l, unsigned int side)
{
	if (l == NULL)
		return;
	pthread_mutex_lock(&l->lock);
	l->readers[side] = NULL;
	while (l->pins[side] > 0)
		pthread_cond_wait(&l->cond, &l->lock);
	pthread_mutex_unlock(&l->lock);
}

void mt_link_help(struct mt_pair_link *l, unsigned int other)
{
	struct dg_preload *p;

	if (l == NULL)
		return;
	pthread_mutex_lock(&l->lock);
	p = l->readers[other];
	if (p != NULL)
		l->pins[other]++;
	pthread_mutex_unlock(&l->lock);
	if (p == NULL)
		return;
	dg_preload_help(p);
	pthread_mutex_lock(&l->lock);
	if (--l->pins[other] == 0)
		pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

struct mt_side {
	const char *path;
	struct modtree_opts o;
	struct mk_log log;
	struct mk_log_held held;
	struct modtree *t;
	int r;
};

static void *load_side(void *arg)
{
	struct mt_side *s = arg;

	s->r = modtree_load(s->path, &s->o, &s->t);
	/* a package side, or a tree side whose walk the other's outlasted */
	mt_link_help(s->o.link, 1 - s->o.side);
	return NULL;
}

/*
 * The readers of a side loaded beside the other: a tree takes half the cores,
 * the other side the rest; a package all of them, as its reading thread spends
 * its time decompressing (on one core) while the others parse what it read
 * (docs/mykmod-diff.md §1): what it leaves idle goes to the other side.
 */
static unsigned int side_threads(const char *path, unsigned int n)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return n;
	return n > 1 ? n / 2 : 1;
}

/* OLD, then NEW, which takes OLD's files: modtree_load() twice. */
static int load_in_turn(const char *const path[2], const struct modtree_opts o[2],
			struct modtree *out[2])
{
	struct modtree_opts oo = o[0], no = o[1];
	int r;

	oo.same_files = NULL;
	oo.keep_identity = true;
	r = modtree_load(path[0], &oo, &out[0]);
	if (r < 0)
		return r;
	no.same_files = out[0];
	r = modtree_load(path[1], &no, &out[1]);
	if (r < 0) {
		modtree_free(out[0]);
		out[0] = NULL;
	}
	return r;
}

int modtree_load_pair(const char *const path[2], const struct modtree_opts o[2],
		      struct modtree *out[2])
{
	struct mt_side side[2] = { 0 };
	struct mt_pair_link link = { .lock = PTHREAD_MUTEX_INITIALIZER,
				     .cond = PTHREAD_COND_INITIALIZER };

	out[0] = out[1] = NULL;
	if (mt_share_likely(path, o))
		return load_in_turn(path, o, out);
	for (int i = 0; i < 2; i++) {
		side[i].path = path[i];
		side[i].o = o[i];
		side[i].o.same_files = NULL;
		side[i].o.keep_identity = false;
		side[i].o.n_threads = side_threads(path[i], o[i].n_threads);
		side[i].o.link = &link;
		side[i].o.side = (unsigned int)i;
		mk_log_hold(&side[i].log, &side[i].held);
		side[i].o.log = &side[i].log;
	}
	mk_run_two(load_side, &side[0], &side[1]);
	mk_log_release(&side[0].held, o[0].log, true);
	mk_log_release(&side[1].held, o[1].log, side[0].r == 0);
	if (side[0].r < 0 || side[1].r < 0) {
		modtree_free(side[0].t);
		modtree_free(side[1].t);
		return side[0].r < 0 ? side[0].r : side[1].r;
	}
	out[0] = side[0].t;
	out[1] = side[1].t;
	return 0;
}

static void *free_side(void *arg)
{
	modtree_free(arg);
	return NULL;
}

/* Each model is many blocks: freeing the two at once halves the wait. */
void modtree_free_pair(struct modtree *t[2])
{
	if (t[0] != NULL && t[1] != NULL) {
		mk_run_two(free_side, t[0], t[1]);
	} else {
		modtree_free(t[0]);
		modtree_free(t[1]);
	}
	t[0] = t[1] = NULL;
}
