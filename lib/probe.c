// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * modprobe's engine. The algorithms follow docs/modprobe.md §6 to §9; see
 * probe.h for the deliberate differences.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>

#include "modprobe-config.h"
#include "hash.h"
#include "kernel.h"
#include "lookup.h"
#include "modfile.h"
#include "probe.h"
#include "strbuf.h"
#include "util.h"

struct probe_mod {
	char *key; /* "name" or "name\alias" */
	char *name; /* normalized */
	char *alias; /* or NULL */
	char *path; /* NULL: not in modules.dep (yet) */
	struct probe_mod **deps; /* load order: the modules.dep line reversed */
	size_t n_deps;
	bool dep_done; /* path and deps looked up */
	bool builtin;
	bool install_set, remove_set; /* commands fixed by lookup step 4 */
	const char *install_cmd, *remove_cmd;
	/* probe-list state */
	bool visited, required, ignorecmd;
	/* removal state */
	bool rm_visiting, removed;
};

struct probe_ctx {
	struct lookup_ctx *lookup;
	const struct modprobe_config *cfg;
	const struct mk_log *log;
	struct hash *pool;
};

struct modvec {
	struct probe_mod **v;
	size_t n, cap;
};

static int modvec_push(struct modvec *mv, struct probe_mod *m)
{
	if (mv->n == mv->cap) {
		size_t cap = mv->cap ? mv->cap * 2 : 16;
		struct probe_mod **v = realloc(mv->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		mv->v = v;
		mv->cap = cap;
	}
	mv->v[mv->n++] = m;
	return 0;
}

static void mod_free(void *p)
{
	struct probe_mod *m = p;

	free(m->key);
	free(m->name);
	free(m->alias);
	free(m->path);
	free(m->deps);
	free(m);
}

int probe_ctx_new(struct lookup_ctx *lookup, const struct modprobe_config *cfg,
		  const struct mk_log *log, struct probe_ctx **out)
{
	struct probe_ctx *ctx = calloc(1, sizeof(*ctx));

	if (ctx == NULL)
		return -ENOMEM;
	ctx->lookup = lookup;
	ctx->cfg = cfg;
	ctx->log = log;
	ctx->pool = hash_new(256, mod_free);
	if (ctx->pool == NULL) {
		free(ctx);
		return -ENOMEM;
	}
	*out = ctx;
	return 0;
}

void probe_ctx_free(struct probe_ctx *ctx)
{
	if (ctx == NULL)
		return;
	hash_free(ctx->pool);
	free(ctx);
}

/* The pool object for (@name, @alias), created on first use. */
static int get_mod(struct probe_ctx *ctx, const char *name, const char *alias,
		   struct probe_mod **out)
{
	_cleanup_free_ char *key = NULL;
	struct probe_mod *m;
	int r;

	if (alias) {
		if (asprintf(&key, "%s\\%s", name, alias) < 0)
			return -ENOMEM;
	} else {
		key = strdup(name);
		if (key == NULL)
			return -ENOMEM;
	}
	m = hash_find(ctx->pool, key);
	if (m) {
		*out = m;
		return 0;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	m->name = strdup(name);
	m->alias = alias ? strdup(alias) : NULL;
	if (m->name == NULL || (alias && m->alias == NULL)) {
		mod_free(m);
		return -ENOMEM;
	}
	m->key = key;
	key = NULL;
	r = hash_add_unique(ctx->pool, m->key, m);
	if (r < 0) {
		mod_free(m);
		return r;
	}
	*out = m;
	return 0;
}

/* Fill path and deps from a parsed modules.dep line (paths absolute). */
static int set_dep_line(struct probe_ctx *ctx, struct probe_mod *m, const char *path,
			char *const *deps, size_t n)
{
	m->dep_done = true;
	if (path == NULL)
		return 0;
	if (m->path == NULL) {
		m->path = strdup(path);
		if (m->path == NULL)
			return -ENOMEM;
	}
	free(m->deps);
	m->deps = NULL;
	m->n_deps = 0;
	if (n == 0)
		return 0;
	m->deps = calloc(n, sizeof(*m->deps));
	if (m->deps == NULL)
		return -ENOMEM;
	/* the line lists the modules to load last first */
	for (size_t i = n; i-- > 0;) {
		char buf[PATH_MAX];
		struct probe_mod *d;
		int r;

		path_to_modname(deps[i], buf, NULL);
		r = get_mod(ctx, buf, NULL, &d);
		if (r < 0)
			return r;
		if (d->path == NULL) {
			d->path = strdup(deps[i]);
			if (d->path == NULL)
				return -ENOMEM;
		}
		m->deps[m->n_deps++] = d;
	}
	return 0;
}

static int load_dep(struct probe_ctx *ctx, struct probe_mod *m)
{
	struct lookup_module lm = { 0 };
	int r;

	if (m->dep_done)
		return 0;
	lm.name = m->name;
	r = lookup_module_dep(ctx->lookup, &lm);
	lm.name = NULL;
	if (r == -ENOENT) {
		m->dep_done = true;
		r = 0;
	} else if (r == 0) {
		r = set_dep_line(ctx, m, lm.path, lm.deps, lm.n_deps);
	}
	lookup_module_release(&lm);
	return r;
}

const char *probe_mod_name(const struct probe_mod *m)
{
	return m->name;
}

int probe_lookup(struct probe_ctx *ctx, const char *name, struct probe_mod ***mods,
		 size_t *n)
{
	struct lookup_result res = { 0 };
	struct modvec mv = { 0 };
	int r;

	r = lookup_module(ctx->lookup, name, &res);
	for (size_t i = 0; r >= 0 && i < res.n; i++) {
		struct lookup_module *lm = &res.mods[i];
		struct probe_mod *m;

		r = get_mod(ctx, lm->name, lm->alias, &m);
		if (r < 0)
			break;
		if (lm->builtin)
			m->builtin = true;
		if (!m->dep_done && lm->path)
			r = set_dep_line(ctx, m, lm->path, lm->deps, lm->n_deps);
		if (r < 0)
			break;
		if (lm->install_cmd) {
			m->install_set = true;
			m->install_cmd = lm->install_cmd;
		}
		if (lm->remove_cmd) {
			m->remove_set = true;
			m->remove_cmd = lm->remove_cmd;
		}
		r = modvec_push(&mv, m);
	}
	lookup_result_release(&res);
	if (r < 0) {
		free(mv.v);
		return r;
	}
	*mods = mv.v;
	*n = mv.n;
	return 0;
}

bool probe_arg_is_path(const char *arg, bool name_only)
{
	return !name_only && (arg[0] == '/' || strstartswith(arg, "./"));
}

/* The module object for the file at @path (absolute), with that path. */
static int mod_from_path(struct probe_ctx *ctx, const char *path, struct probe_mod **out)
{
	char buf[PATH_MAX];
	struct probe_mod *m;
	int r;

	path_to_modname(path, buf, NULL);
	r = get_mod(ctx, buf, NULL, &m);
	if (r < 0)
		return r;
	r = load_dep(ctx, m);
	if (r < 0)
		return r;
	if (m->path && !streq(m->path, path)) {
		/* a file outside the tree replaces the path but keeps deps only by name
		 */
		char *p = strdup(path);

		if (p == NULL)
			return -ENOMEM;
		free(m->path);
		m->path = p;
	} else if (m->path == NULL) {
		m->path = strdup(path);
		if (m->path == NULL)
			return -ENOMEM;
	}
	*out = m;
	return 0;
}

int probe_from_path(struct probe_ctx *ctx, const char *path, struct probe_mod ***mods,
		    size_t *n)
{
	_cleanup_free_ char *abs = NULL;
	struct stat st;
	int r;

	/* made absolute against the cwd, symlinks kept, as kmod does */
	r = path_make_absolute(path, &abs);
	if (r < 0)
		return r;
	if (stat(abs, &st) < 0)
		return -errno;
	*mods = malloc(sizeof(**mods));
	if (*mods == NULL)
		return -ENOMEM;
	r = mod_from_path(ctx, abs, &(*mods)[0]);
	if (r < 0) {
		free(*mods);
		*mods = NULL;
		return r;
	}
	*n = 1;
	return 0;
}

/* ---- kernel state ---------------------------------------------------------- */

/* enum mk_initstate, or -ENOENT when not loaded (kmod_module_get_initstate) */
static int mod_state(const struct probe_mod *m)
{
	if (m->builtin)
		return MK_INITSTATE_BUILTIN;
	return mk_kernel_initstate(m->name);
}

static bool in_kernel(const struct probe_mod *m)
{
	int s = mod_state(m);

	return s == MK_INITSTATE_LIVE || s == MK_INITSTATE_BUILTIN;
}

static const char *install_cmd(struct probe_ctx *ctx, struct probe_mod *m)
{
	if (!m->install_set) {
		m->install_set = true;
		m->install_cmd = config_get_install(ctx->cfg, m->name);
	}
	return m->install_cmd;
}

static const char *remove_cmd(struct probe_ctx *ctx, struct probe_mod *m)
{
	if (!m->remove_set) {
		m->remove_set = true;
		m->remove_cmd = config_get_remove(ctx->cfg, m->name);
	}
	return m->remove_cmd;
}

/* Softdeps of @m, each looked up fully; unresolvable names are reported and skipped. */
static int get_softdeps(struct probe_ctx *ctx, struct probe_mod *m, struct modvec *pre,
			struct modvec *post)
{
	const char **pn = NULL, **qn = NULL;
	size_t npre = 0, npost = 0;
	int r;

	r = config_get_softdeps(ctx->cfg, m->name, &pn, &npre, &qn, &npost);
	if (r < 0)
		return r;
	for (size_t k = 0; k < 2 && r >= 0; k++) {
		const char **names = k == 0 ? pn : qn;
		size_t n = k == 0 ? npre : npost;
		struct modvec *out = k == 0 ? pre : post;

		for (size_t i = 0; i < n && r >= 0; i++) {
			struct probe_mod **found = NULL;
			size_t nf = 0;

			if (probe_lookup(ctx, names[i], &found, &nf) < 0) {
				mk_log(ctx->log, LOG_ERR,
				       "failed to lookup soft dependency '%s', "
				       "continuing anyway.\n",
				       names[i]);
				continue;
			}
			for (size_t j = 0; j < nf && r >= 0; j++)
				r = modvec_push(out, found[j]);
			free(found);
		}
	}
	free(pn);
	free(qn);
	return r;
}

/* ---- probe list (docs/modprobe.md §6) ---------------------------------------- */

static int get_probe_list(struct probe_ctx *ctx, struct probe_mod *m, bool required,
			  bool ignorecmd, struct modvec *list);

static int fill_softdep(struct probe_ctx *ctx, struct probe_mod *m, struct modvec *list)
{
	struct modvec pre = { 0 }, post = { 0 };
	int r;

	r = get_softdeps(ctx, m, &pre, &post);
	for (size_t i = 0; r >= 0 && i < pre.n; i++)
		r = get_probe_list(ctx, pre.v[i], false, false, list);
	if (r >= 0)
		r = modvec_push(list, m);
	if (r >= 0) {
		/* a softdep takes precedence over an install command */
		m->ignorecmd = pre.n > 0 || post.n > 0;
		for (size_t i = 0; r >= 0 && i < post.n; i++)
			r = get_probe_list(ctx, post.v[i], false, false, list);
	}
	free(pre.v);
	free(post.v);
	return r;
}

static int get_probe_list(struct probe_ctx *ctx, struct probe_mod *m, bool required,
			  bool ignorecmd, struct modvec *list)
{
	int r;

	if (m->visited)
		return 0;
	m->visited = true;
	r = load_dep(ctx, m);
	if (r < 0)
		return r;
	if (required) {
		m->required = true;
		for (size_t i = 0; i < m->n_deps; i++)
			m->deps[i]->required = true;
	}
	for (size_t i = 0; i < m->n_deps; i++) {
		r = fill_softdep(ctx, m->deps[i], list);
		if (r < 0)
			return r;
	}
	if (ignorecmd) {
		r = modvec_push(list, m);
		m->ignorecmd = true;
		return r;
	}
	return fill_softdep(ctx, m, list);
}

static void reset_marks(struct probe_ctx *ctx)
{
	struct hash_iter it;
	const char *key;
	const void *v;

	hash_iter_init(ctx->pool, &it);
	while (hash_iter_next(&it, &key, &v)) {
		struct probe_mod *m = (struct probe_mod *)v;

		m->visited = false;
		m->required = false;
	}
}

/* ---- insertion (docs/modprobe.md §8) -------------------------------------------- */

/* config options [+ " " + extra]; NULL when both are absent (kmod's options_concat) */
static int options_concat(struct probe_ctx *ctx, struct probe_mod *m, const char *extra,
			  char **out)
{
	_cleanup_free_ char *cfgopts = NULL;
	int r;

	r = config_get_options(ctx->cfg, m->name, m->alias, &cfgopts);
	if (r < 0)
		return r;
	*out = NULL;
	if (cfgopts == NULL && extra == NULL)
		return 0;
	if (cfgopts != NULL && extra == NULL && cfgopts[0] == '\0')
		return 0;
	if (asprintf(out, "%s%s%s", cfgopts ? cfgopts : "", cfgopts ? " " : "",
		     extra ? extra : "") < 0)
		return -ENOMEM;
	return 0;
}

/* @cmd with every $CMDLINE_OPTS replaced by @opts */
static char *expand_cmd(const char *cmd, const char *opts)
{
	static const char var[] = "$CMDLINE_OPTS";
	struct strbuf sb = STRBUF_INIT;
	const char *p;

	if (opts == NULL)
		opts = "";
	while ((p = strstr(cmd, var)) != NULL) {
		if (strbuf_push(&sb, cmd, (size_t)(p - cmd)) < 0 ||
		    strbuf_pushstr(&sb, opts) < 0)
			goto oom;
		cmd = p + sizeof(var) - 1;
	}
	if (strbuf_pushstr(&sb, cmd) < 0 || strbuf_reserve(&sb, 1) < 0)
		goto oom;
	strbuf_str(&sb);
	return strbuf_steal(&sb);
oom:
	strbuf_release(&sb);
	return NULL;
}

/*
 * Run an install or remove command through the shell with MODPROBE_MODULE set, as
 * kmod does (so the environment is the process's, for the command's duration).
 * Returns system()'s status (>= 0) or -errno. stdout is not flushed first: kmod
 * does not, and the order shows in a pipe.
 */
static int run_shell(const char *modname, const char *cmd)
{
	int r;

	if (setenv("MODPROBE_MODULE", modname, 1) < 0)
		return -errno;
	r = system(cmd);
	unsetenv("MODPROBE_MODULE");
	return r == -1 ? -errno : r;
}

static int run_command(struct probe_ctx *ctx, struct probe_mod *m, const char *type,
		       const char *cmd)
{
	int st = run_shell(m->name, cmd);

	if (st < 0) {
		mk_log(ctx->log, LOG_ERR,
		       "Could not run %s command '%s' for module %s: %s\n", type, cmd,
		       m->name, strerror(-st));
		return -EINVAL;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		mk_log(ctx->log, LOG_ERR,
		       "Error running %s command '%s' for module %s: retcode %d\n", type,
		       cmd, m->name, WIFEXITED(st) ? WEXITSTATUS(st) : 0);
		return -EINVAL;
	}
	return 0;
}

static void show(const struct probe_opts *o, enum probe_action a, const char *text,
		 const char *opts)
{
	if (o->show)
		o->show(o->show_data, a, text, opts);
}

static int insert_file(const char *path, const char *opts, unsigned int flags)
{
	struct modfile *mf = NULL;
	int r;

	/* a kernel that decompresses the format gets the file as it is */
	r = modfile_open_deferred(path, &mf);
	if (r < 0)
		return r;
	r = mk_kernel_insert(mf, opts, flags, NULL);
	modfile_free(mf);
	return r;
}

static int insert_one(struct probe_ctx *ctx, struct probe_mod *m, struct probe_mod *top,
		      const char *extra, const struct probe_opts *o)
{
	_cleanup_free_ char *opts = NULL;
	const char *cmd;
	int r;

	if (!o->ignore_loaded && in_kernel(m))
		return -EEXIST;
	r = options_concat(ctx, m, m == top ? extra : NULL, &opts);
	if (r < 0)
		return r;
	cmd = install_cmd(ctx, m);
	if (cmd != NULL && !m->ignorecmd) {
		_cleanup_free_ char *full = NULL;

		show(o, PROBE_SHOW_INSTALL, cmd, opts ? opts : "");
		if (o->dry_run)
			return 0;
		full = expand_cmd(cmd, opts);
		if (full == NULL)
			return -ENOMEM;
		return run_command(ctx, m, "install", full);
	}
	if (m->path == NULL) {
		if (mod_state(m) == MK_INITSTATE_BUILTIN)
			show(o, PROBE_SHOW_BUILTIN, m->name, NULL);
		if (o->dry_run)
			return 0;
		mk_log(ctx->log, LOG_ERR, "could not find module by name='%s'\n",
		       m->name);
		return -ENOENT;
	}
	show(o, PROBE_SHOW_INSMOD, m->path, opts ? opts : "");
	if (o->dry_run)
		return 0;
	return insert_file(m->path, opts ? opts : "", o->insert_flags);
}

/* blacklist: modules reached through an alias, or everything with -b */
static bool held_back(struct probe_ctx *ctx, const struct probe_mod *m,
		      const struct probe_opts *o)
{
	return (m->alias != NULL || o->use_blacklist) &&
	       config_is_blacklisted(ctx->cfg, m->name);
}

int probe_list(struct probe_ctx *ctx, struct probe_mod *m, const struct probe_opts *o,
	       struct probe_mod ***list, size_t *n)
{
	struct modvec mv = { 0 };
	int r = 0;

	if ((o->ignore_loaded || !in_kernel(m)) && !held_back(ctx, m, o)) {
		reset_marks(ctx);
		r = get_probe_list(ctx, m, true, o->ignore_cmd, &mv);
	}
	if (r < 0) {
		free(mv.v);
		return r;
	}
	*list = mv.v;
	*n = mv.n;
	return 0;
}

int probe_step_get(struct probe_ctx *ctx, struct probe_mod *m,
		   const struct probe_mod *top, const char *extra,
		   struct probe_step *step)
{
	const char *cmd = install_cmd(ctx, m);
	int r;

	/* as insert_one() decides */
	*step = (struct probe_step){ .path = m->path };
	if (cmd != NULL && !m->ignorecmd)
		step->install = cmd;
	if (m->path == NULL)
		step->builtin = mod_state(m) == MK_INITSTATE_BUILTIN;
	r = options_concat(ctx, m, m == top ? extra : NULL, &step->options);
	if (r < 0)
		return r;
	if (step->options == NULL) {
		step->options = strdup("");
		if (step->options == NULL)
			return -ENOMEM;
	}
	return 0;
}

int probe_insert(struct probe_ctx *ctx, struct probe_mod *m, const char *extra,
		 const struct probe_opts *o)
{
	struct modvec list = { 0 };
	int r;

	if (!o->ignore_loaded && in_kernel(m))
		return o->first_time ? -EEXIST : 0;
	if (held_back(ctx, m, o))
		return 0;

	reset_marks(ctx);
	r = get_probe_list(ctx, m, true, o->ignore_cmd, &list);
	if (r < 0) {
		free(list.v);
		return r;
	}
	for (size_t i = 0; i < list.n; i++) {
		struct probe_mod *e = list.v[i];

		r = insert_one(ctx, e, m, extra, o);
		if (r == -EEXIST && e == m && o->first_time)
			break;
		if (r == -EEXIST || !e->required)
			r = 0;
		else if (r < 0)
			break;
	}
	free(list.v);
	return r;
}

/* ---- removal (docs/modprobe.md §9) ----------------------------------------------- */

static int remove_mod(struct probe_ctx *ctx, struct probe_mod *m, bool top,
		      const struct probe_opts *o);

static int do_delete(struct probe_ctx *ctx, struct probe_mod *m,
		     const struct probe_opts *o)
{
	int r;

	show(o, PROBE_SHOW_RMMOD, m->name, NULL);
	if (o->dry_run) {
		m->removed = true;
		return 0;
	}
	r = mk_kernel_remove(m->name, o->remove_flags, o->wait_msec);
	if (r == 0)
		m->removed = true;
	else
		mk_log(ctx->log, LOG_ERR, "could not remove '%s': %s\n", m->name,
		       strerror(-r));
	return r;
}

/* post/pre softdeps and holders are removed last first */
static int remove_list(struct probe_ctx *ctx, struct probe_mod **v, size_t n,
		       bool stop_on_errors, const struct probe_opts *o)
{
	for (size_t i = n; i-- > 0;) {
		int r = remove_mod(ctx, v[i], false, o);

		if (r < 0 && stop_on_errors)
			return r;
	}
	return 0;
}

static int remove_holders(struct probe_ctx *ctx, struct probe_mod *m,
			  const struct probe_opts *o)
{
	struct modvec hv = { 0 };
	char **names = NULL;
	size_t n = 0;
	int r = 0;

	if (mk_kernel_holders(m->name, &names, &n) < 0)
		return 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		struct probe_mod *h;

		r = get_mod(ctx, names[i], NULL, &h);
		if (r >= 0)
			r = modvec_push(&hv, h);
	}
	free(names);
	if (r >= 0)
		r = remove_list(ctx, hv.v, hv.n, true, o);
	free(hv.v);
	return r;
}

/*
 * The dependencies of @m that nothing uses any more. kmod makes one pass in load
 * order, so a dependency that was still held by a later one stays loaded; we
 * repeat the pass while it removes something, so whole chains go.
 */
static void remove_unused_deps(struct probe_ctx *ctx, struct probe_mod *m,
			       const struct probe_opts *o)
{
	bool progress = true;

	if (load_dep(ctx, m) < 0)
		return;
	while (progress) {
		progress = false;
		for (size_t i = 0; i < m->n_deps; i++) {
			struct probe_mod *d = m->deps[i];

			if (d->removed)
				continue;
			if (mk_kernel_refcnt(d->name) == 0 && do_delete(ctx, d, o) == 0)
				progress = !o->dry_run;
		}
	}
}

/*
 * Before removing @m (no remove command, -D not given): 1 when it is loaded and may
 * go on, else the result for @m: 0 (nothing to do) or -errno (reported).
 * @top: the module named on the command line; only it reports "builtin".
 */
static int check_loaded(struct probe_ctx *ctx, struct probe_mod *m, bool top,
			const struct probe_opts *o)
{
	int s = mod_state(m);

	if (s < 0) {
		if (!o->first_time)
			return 0;
		mk_log(ctx->log, o->fatal_prio, "Module %s is not in kernel.\n", m->name);
		return -ENOENT;
	}
	if (s == MK_INITSTATE_BUILTIN) {
		if (!top)
			return 0;
		mk_log(ctx->log, o->fatal_prio, "Module %s is builtin.\n", m->name);
		return -ENOENT;
	}
	return 1;
}

/* The remove command @cmd of @m, shown, and run unless it is a dry run. */
static int run_remove_cmd(struct probe_ctx *ctx, struct probe_mod *m, const char *cmd,
			  const struct probe_opts *o)
{
	_cleanup_free_ char *full = expand_cmd(cmd, NULL);
	int st;

	if (full == NULL)
		return -ENOMEM;
	show(o, PROBE_SHOW_REMOVE, full, NULL);
	if (o->dry_run)
		return 0;
	st = run_shell(m->name, full);
	if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	mk_log(ctx->log, o->fatal_prio, "Error running remove command for %s\n", m->name);
	return st < 0 ? st : -EINVAL;
}

/* delete_module() of @m unless it is in use, then its unused dependencies. */
static int remove_loaded(struct probe_ctx *ctx, struct probe_mod *m,
			 const struct probe_opts *o)
{
	int r;

	/* with -w the kernel is asked anyway, and asked again while it says in use */
	if (!o->ignore_loaded && o->wait_msec == 0 && mk_kernel_refcnt(m->name) > 0) {
		mk_log(ctx->log, o->fatal_prio, "Module %s is in use.\n", m->name);
		return -EBUSY;
	}
	r = do_delete(ctx, m, o);
	if (r == 0)
		remove_unused_deps(ctx, m, o);
	return r;
}

/*
 * @top: the module named on the command line. Only it reports "builtin", and only
 * its holders are removed with --remove-holders (one level, as kmod 30).
 */
static int remove_mod(struct probe_ctx *ctx, struct probe_mod *m, bool top,
		      const struct probe_opts *o)
{
	struct modvec pre = { 0 }, post = { 0 };
	const char *cmd = NULL;
	int r = 0;

	/*
	 * A softdep loop would recurse for ever: each module is handled once per call.
	 * A module already removed (as a holder, or an unused dependency) is done.
	 */
	if (m->rm_visiting || m->removed)
		return 0;
	m->rm_visiting = true;

	if (!o->ignore_cmd) {
		r = get_softdeps(ctx, m, &pre, &post);
		if (r < 0)
			goto out;
		cmd = remove_cmd(ctx, m);
	}
	if (cmd == NULL && !o->ignore_loaded) {
		r = check_loaded(ctx, m, top, o);
		if (r <= 0)
			goto out;
	}
	remove_list(ctx, post.v, post.n, false, o);
	if (top && o->remove_holders) {
		r = remove_holders(ctx, m, o);
		if (r < 0 || m->removed)
			goto out;
	}
	r = cmd ? run_remove_cmd(ctx, m, cmd, o) : remove_loaded(ctx, m, o);
	if (r == 0)
		remove_list(ctx, pre.v, pre.n, false, o);
out:
	m->rm_visiting = false;
	free(pre.v);
	free(post.v);
	return r;
}

int probe_remove(struct probe_ctx *ctx, struct probe_mod *m, const struct probe_opts *o)
{
	return remove_mod(ctx, m, true, o);
}
