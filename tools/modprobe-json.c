// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mymodprobe --json (modprobe-json.h): the configuration of -c, and the closure of
 * --show-depends for an initramfs builder, each as one JSON object on one line.
 * The schemas are in man/mymodprobe.8.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "modinfo.h"
#include "modprobe-config.h"
#include "modprobe-json.h"
#include "probe.h"
#include "strbuf.h"
#include "util.h"

/* Finish @w and print its text and a newline; report an error. */
static int json_print(struct json_writer *w, struct strbuf *sb, const char *what)
{
	int r = json_finish(w);

	if (r < 0) {
		ERR("could not format %s as JSON: %s\n", what, strerror(-r));
		return r;
	}
	fwrite(sb->buf, 1, sb->used, stdout);
	putchar('\n');
	return 0;
}

static void json_names(struct json_writer *w, const char *key, const char *const *names,
		       size_t n)
{
	json_key(w, key);
	json_array_begin(w);
	for (size_t i = 0; i < n; i++)
		json_string(w, names[i]);
	json_array_end(w);
}

/* ---- -c ------------------------------------------------------------------------- */

/* the members of one entry: key and value names per kind, in -c's order */
static const struct {
	const char *name, *key, *value;
} config_kinds[_CONFIG_KIND_MAX] = {
	[CONFIG_BLACKLIST] = { "blacklist", NULL, NULL },
	[CONFIG_INSTALL] = { "install", "module", "command" },
	[CONFIG_REMOVE] = { "remove", "module", "command" },
	[CONFIG_ALIAS] = { "alias", "pattern", "module" },
	[CONFIG_OPTIONS] = { "options", "module", "options" },
	[CONFIG_SOFTDEP] = { "softdep", "module", NULL },
	[CONFIG_WEAKDEP] = { "weakdep", "module", NULL },
};

static void json_config_entry(struct json_writer *w, const struct modprobe_config *cfg,
			      enum config_kind k, size_t i)
{
	const char *key, *value;
	const char *const *words;
	size_t n_pre, n_post;

	if (config_entry(cfg, k, i, &key, &value) < 0)
		return;
	if (k == CONFIG_BLACKLIST) {
		json_string(w, key);
		return;
	}
	json_object_begin(w);
	json_member_string(w, config_kinds[k].key, key);
	if (config_kinds[k].value != NULL) {
		json_member_string(w, config_kinds[k].value, value);
	} else if (config_entry_deps(cfg, k, i, &words, &n_pre, &n_post) == 0) {
		if (k == CONFIG_SOFTDEP) {
			json_names(w, "pre", words, n_pre);
			json_names(w, "post", words + n_pre, n_post);
		} else {
			json_names(w, "modules", words, n_pre);
		}
	}
	json_object_end(w);
}

int modprobe_json_config(const struct modprobe_config *cfg)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	int r;

	json_init(&w, &sb);
	json_object_begin(&w);
	for (int k = 0; k < _CONFIG_KIND_MAX; k++) {
		json_key(&w, config_kinds[k].name);
		json_array_begin(&w);
		for (size_t i = 0; i < config_count(cfg, k); i++)
			json_config_entry(&w, cfg, k, i);
		json_array_end(&w);
	}
	json_object_end(&w);
	r = json_print(&w, &sb, "the configuration");
	strbuf_release(&sb);
	return r;
}

/* ---- --show-depends ------------------------------------------------------------- */

struct dj_mod {
	struct probe_mod *m;
	struct probe_step step;
};

struct dj_req {
	const char *arg;
	const char **names; /* what it resolved to: pool names */
	size_t n;
};

struct depends_json {
	struct probe_ctx *probe;
	const struct modprobe_config *cfg;
	const char *dirname;
	const struct probe_opts *po;
	struct dj_mod *mods; /* the closure, in insertion order, one entry per name */
	size_t n_mods, cap_mods;
	struct dj_req *reqs;
	size_t n_reqs, cap_reqs;
};

int depends_json_new(struct probe_ctx *probe, const struct modprobe_config *cfg,
		     const char *dirname, const struct probe_opts *po,
		     struct depends_json **out)
{
	struct depends_json *dj = calloc(1, sizeof(*dj));

	if (dj == NULL) {
		ERR("out of memory\n");
		return -ENOMEM;
	}
	*dj = (struct depends_json){
		.probe = probe, .cfg = cfg, .dirname = dirname, .po = po
	};
	*out = dj;
	return 0;
}

void depends_json_free(struct depends_json *dj)
{
	if (dj == NULL)
		return;
	for (size_t i = 0; i < dj->n_mods; i++)
		free(dj->mods[i].step.options);
	for (size_t i = 0; i < dj->n_reqs; i++)
		free(dj->reqs[i].names);
	free(dj->mods);
	free(dj->reqs);
	free(dj);
}

static bool dj_has(const struct depends_json *dj, const char *name)
{
	for (size_t i = 0; i < dj->n_mods; i++)
		if (streq(probe_mod_name(dj->mods[i].m), name))
			return true;
	return false;
}

/* The probe list of @top, as -D shows it, into the closure: the names not in it yet. */
static int dj_add_list(struct depends_json *dj, struct probe_mod *top, const char *extra)
{
	_cleanup_free_ struct probe_mod **list = NULL;
	size_t n = 0;
	int r;

	r = probe_list(dj->probe, top, dj->po, &list, &n);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		if (dj_has(dj, probe_mod_name(list[i])))
			continue;
		r = ARRAY_GROW(dj->mods, dj->n_mods, dj->cap_mods, 32);
		if (r < 0)
			break;
		r = probe_step_get(dj->probe, list[i], top, extra,
				   &dj->mods[dj->n_mods].step);
		if (r < 0)
			break;
		dj->mods[dj->n_mods++].m = list[i];
	}
	return r;
}

int depends_json_add(struct depends_json *dj, const char *arg, struct probe_mod **mods,
		     size_t n, const char *extra)
{
	struct dj_req *req;
	int r;

	r = ARRAY_GROW(dj->reqs, dj->n_reqs, dj->cap_reqs, 8);
	if (r < 0)
		goto oom;
	req = &dj->reqs[dj->n_reqs];
	*req = (struct dj_req){ .arg = arg };
	if (n > 0) {
		req->names = calloc(n, sizeof(*req->names));
		if (req->names == NULL)
			goto oom;
	}
	dj->n_reqs++;
	for (size_t i = 0; i < n; i++) {
		req->names[req->n++] = probe_mod_name(mods[i]);
		r = dj_add_list(dj, mods[i], extra);
		if (r < 0)
			goto oom;
	}
	return 0;
oom:
	ERR("out of memory\n");
	return -ENOMEM;
}

/*
 * The weak dependencies of every module of the closure (and of those they add),
 * each with its own probe list. A name that is not found adds nothing, silently:
 * weak dependencies are optional.
 */
static int dj_add_weakdeps(struct depends_json *dj)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < dj->n_mods; i++) {
		const char **names = NULL;
		size_t n = 0;

		r = config_get_weakdeps(dj->cfg, probe_mod_name(dj->mods[i].m), &names,
					&n);
		for (size_t j = 0; r >= 0 && j < n; j++) {
			struct probe_mod **found = NULL;
			size_t nf = 0;

			if (probe_lookup(dj->probe, names[j], &found, &nf) < 0)
				continue;
			for (size_t k = 0; r >= 0 && k < nf; k++)
				r = dj_add_list(dj, found[k], NULL);
			free(found);
		}
		free(names);
	}
	return r;
}

/*
 * The modinfo fields of @e: its file's, or a builtin module's from
 * modules.builtin.modinfo. 1 when there are none to read (no file, or an old kernel
 * without modules.builtin.modinfo), 0, or a negative errno (reported as a warning).
 */
static int dj_modinfo(const struct depends_json *dj, const struct dj_mod *e,
		      struct modinfo_list *l)
{
	const char *name = probe_mod_name(e->m);
	int r;

	if (e->step.path)
		r = modinfo_from_file(e->step.path, -1, false, l);
	else if (e->step.builtin)
		r = modinfo_from_builtin(dj->dirname, name, l);
	else
		return 1;
	if (r == -ENOENT && e->step.path == NULL)
		r = 1;
	else if (r < 0)
		WRN("could not get modinfo from '%s': %s\n", name, tool_strerror(r));
	if (r != 0)
		modinfo_list_release(l);
	return r;
}

/* "depends" (the comma-separated names split) and "firmware"; null when unknown */
static void json_modinfo(struct json_writer *w, const struct modinfo_list *l, bool known)
{
	json_key(w, "depends");
	if (known) {
		json_array_begin(w);
		for (size_t i = 0; i < l->n; i++) {
			const char *p = l->v[i].value, *end;

			if (!streq(l->v[i].key, "depends"))
				continue;
			for (; *p; p = *end ? end + 1 : end) {
				end = strchrnul(p, ',');
				if (end > p)
					json_string_len(w, p, (size_t)(end - p));
			}
		}
		json_array_end(w);
	} else {
		json_null(w);
	}
	json_key(w, "firmware");
	if (!known) {
		json_null(w);
		return;
	}
	json_array_begin(w);
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->v[i].key, "firmware"))
			json_string(w, l->v[i].value);
	json_array_end(w);
}

/* "softdep": {"pre", "post"} and "weakdep", as the configuration gives them */
static int json_config_deps(struct json_writer *w, const struct depends_json *dj,
			    const char *name)
{
	_cleanup_free_ const char **pre = NULL, **post = NULL, **weak = NULL;
	size_t n_pre, n_post, n_weak;
	int r;

	r = config_get_softdeps(dj->cfg, name, &pre, &n_pre, &post, &n_post);
	if (r >= 0)
		r = config_get_weakdeps(dj->cfg, name, &weak, &n_weak);
	if (r < 0)
		return r;
	json_key(w, "softdep");
	json_object_begin(w);
	json_names(w, "pre", pre, n_pre);
	json_names(w, "post", post, n_post);
	json_object_end(w);
	json_names(w, "weakdep", weak, n_weak);
	return 0;
}

static int json_dj_mod(struct json_writer *w, const struct depends_json *dj,
		       const struct dj_mod *e)
{
	const char *name = probe_mod_name(e->m);
	struct modinfo_list l = { 0 };
	int r;

	json_object_begin(w);
	json_member_string(w, "name", name);
	json_key(w, "path");
	if (e->step.path)
		json_string(w, e->step.path);
	else
		json_null(w);
	json_key(w, "builtin");
	json_bool(w, e->step.builtin);
	r = dj_modinfo(dj, e, &l);
	json_modinfo(w, &l, r == 0);
	if (r == 0)
		modinfo_list_release(&l);
	r = json_config_deps(w, dj, name);
	json_member_string(w, "options", e->step.options);
	json_key(w, "install");
	if (e->step.install)
		json_string(w, e->step.install);
	else
		json_null(w);
	json_object_end(w);
	return r;
}

static void json_requested(struct json_writer *w, const struct depends_json *dj)
{
	json_key(w, "requested");
	json_array_begin(w);
	for (size_t i = 0; i < dj->n_reqs; i++) {
		json_object_begin(w);
		json_member_string(w, "name", dj->reqs[i].arg);
		json_names(w, "modules", dj->reqs[i].names, dj->reqs[i].n);
		json_object_end(w);
	}
	json_array_end(w);
	json_key(w, "unresolved");
	json_array_begin(w);
	for (size_t i = 0; i < dj->n_reqs; i++)
		if (dj->reqs[i].n == 0)
			json_string(w, dj->reqs[i].arg);
	json_array_end(w);
}

int depends_json_print(struct depends_json *dj)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	int r;

	r = dj_add_weakdeps(dj);
	json_init(&w, &sb);
	json_object_begin(&w);
	json_requested(&w, dj);
	json_key(&w, "modules");
	json_array_begin(&w);
	for (size_t i = 0; r >= 0 && i < dj->n_mods; i++)
		r = json_dj_mod(&w, dj, &dj->mods[i]);
	json_array_end(&w);
	json_object_end(&w);
	if (r < 0)
		ERR("out of memory\n");
	else
		r = json_print(&w, &sb, "the dependencies");
	strbuf_release(&sb);
	return r;
}
