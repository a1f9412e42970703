// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Queries of lib/config.h compared with libkmod (kmod 30) on the same
 * configuration, name by name:
 *   test-config-libkmod MODDIR CMDLINE_FILE CONFIG_PATH NAME...
 * libkmod reads /proc/cmdline: test-config-libkmod.sh runs this program in a
 * mount namespace where CMDLINE_FILE is bind-mounted there.
 * For each NAME (already normalised):
 *  - lookup: config aliases (fnmatch, all, in order) against libkmod's
 *    kmod_module_new_from_lookup(), which with no index in MODDIR answers from
 *    the alias lines, else from install/remove lines with that exact name;
 *  - options of each module found through an alias (name + alias pattern);
 *  - options, install and remove commands, blacklist of the module NAME;
 *  - softdeps: libkmod uses the first matching line, we merge all of them, so
 *    libkmod's lists must be a prefix of ours, and equal when one line matches.
 * Softdep names come back from libkmod as looked-up modules: the generated
 * configuration gives each dependency name an install line so that it resolves.
 */
#include "config.h" /* autoconf */
#include "modprobe-config.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <libkmod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static const char *moddir;
static char *cmdline;
static const char *paths[2];
static struct modprobe_config *cfg;

static struct kmod_ctx *new_ctx(void)
{
	struct kmod_ctx *ctx = kmod_new(moddir, paths);

	if (ctx == NULL) {
		printf("Bail out! kmod_new failed\n");
		exit(1);
	}
	kmod_set_log_priority(ctx, 0);
	return ctx;
}

static bool str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static const char *show(const char *s)
{
	return s ? s : "(null)";
}

static void check_lookup(const char *name)
{
	struct kmod_ctx *ctx = new_ctx();
	struct kmod_list *list = NULL, *l;
	const struct config_alias *a;
	size_t pos = 0, n_ours = 0, n_kmod = 0;
	bool same = true, any_alias = false;
	int r;

	r = kmod_module_new_from_lookup(ctx, name, &list);
	if (r < 0) {
		TAP_OK(false, "lookup %s: libkmod failed (%d)", name, r);
		kmod_unref(ctx);
		return;
	}
	l = list;
	while ((a = config_alias_next_match(cfg, name, &pos)) != NULL) {
		struct kmod_module *mod;
		char *ours = NULL;

		any_alias = true;
		n_ours++;
		if (l == NULL) {
			same = false;
			break;
		}
		mod = kmod_module_get_module(l);
		n_kmod++;
		if (!str_eq(kmod_module_get_name(mod), a->modname)) {
			printf("# %s: alias %s -> %s, libkmod %s\n", name, a->pattern,
			       a->modname, kmod_module_get_name(mod));
			same = false;
		}
		/* options through the alias: name and pattern both match */
		if (config_get_options(cfg, a->modname, a->pattern, &ours) < 0 ||
		    !str_eq(ours, kmod_module_get_options(mod))) {
			printf("# %s: options of %s via %s: ours '%s', libkmod '%s'\n",
			       name, a->modname, a->pattern, show(ours),
			       show(kmod_module_get_options(mod)));
			same = false;
		}
		free(ours);
		kmod_module_unref(mod);
		l = kmod_list_next(list, l);
	}
	if (any_alias) {
		if (l != NULL)
			same = false;
		TAP_OK(same,
		       "lookup %s: %zu config aliases, as libkmod, options via alias "
		       "equal",
		       name, n_ours);
	} else {
		bool inst = false;
		const char *cmd = config_find_command_exact(cfg, name, &inst);
		const char *kcmd = NULL;

		if (list != NULL) {
			struct kmod_module *mod = kmod_module_get_module(list);

			n_kmod = 1;
			kcmd = inst ? kmod_module_get_install_commands(mod)
				    : kmod_module_get_remove_commands(mod);
			same = str_eq(kmod_module_get_name(mod), name) &&
			       kmod_list_next(list, list) == NULL;
			kmod_module_unref(mod);
		}
		TAP_OK(same && (cmd == NULL) == (n_kmod == 0) && str_eq(cmd, kcmd),
		       "lookup %s: no alias; exact command '%s', libkmod '%s'", name,
		       show(cmd), show(kcmd));
	}
	kmod_module_unref_list(list);
	kmod_unref(ctx);
}

static void print_nothing(struct kmod_module *m, bool install, const char *options)
{
	(void)m;
	(void)install;
	(void)options;
}

/* names of a libkmod softdep list */
static void list_names(struct kmod_list *list, char *buf, size_t size)
{
	struct kmod_list *l;

	buf[0] = '\0';
	kmod_list_foreach(l, list)
	{
		struct kmod_module *m = kmod_module_get_module(l);
		size_t used = strlen(buf);

		snprintf(buf + used, size - used, "%s%s", used ? " " : "",
			 kmod_module_get_name(m));
		kmod_module_unref(m);
	}
}

static void join(const char **v, size_t n, size_t limit, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < n && i < limit; i++) {
		size_t used = strlen(buf);

		snprintf(buf + used, size - used, "%s%s", used ? " " : "", v[i]);
	}
}

static size_t count_words(const char *s)
{
	size_t n = 0;

	for (const char *p = s; *p; p++)
		if (p == s || p[-1] == ' ')
			n++;
	return n;
}

static void check_module(const char *name)
{
	struct kmod_ctx *ctx = new_ctx();
	struct kmod_module *mod;
	struct kmod_list *kpre = NULL, *kpost = NULL;
	const char **pre, **post;
	size_t npre, npost, matching = 0;
	char *opts = NULL, kp[4096], kq[4096], op[4096], oq[4096];
	bool kbl;
	int r;

	if (kmod_module_new_from_name(ctx, name, &mod) < 0) {
		TAP_OK(false, "module %s: libkmod failed", name);
		kmod_unref(ctx);
		return;
	}
	r = config_get_options(cfg, name, NULL, &opts);
	TAP_OK(r == 0 && str_eq(opts, kmod_module_get_options(mod)),
	       "module %s: options '%s' (libkmod '%s')", name, show(opts),
	       show(kmod_module_get_options(mod)));
	free(opts);
	TAP_OK(str_eq(config_get_install(cfg, name),
		      kmod_module_get_install_commands(mod)),
	       "module %s: install '%s' (libkmod '%s')", name,
	       show(config_get_install(cfg, name)),
	       show(kmod_module_get_install_commands(mod)));
	TAP_OK(str_eq(config_get_remove(cfg, name), kmod_module_get_remove_commands(mod)),
	       "module %s: remove '%s' (libkmod '%s')", name,
	       show(config_get_remove(cfg, name)),
	       show(kmod_module_get_remove_commands(mod)));

	/* a dry run that applies the blacklist stops with KMOD_PROBE_APPLY_BLACKLIST */
	r = kmod_module_probe_insert_module(
		mod,
		KMOD_PROBE_DRY_RUN | KMOD_PROBE_IGNORE_LOADED |
			KMOD_PROBE_IGNORE_COMMAND | KMOD_PROBE_APPLY_BLACKLIST,
		NULL, NULL, NULL, print_nothing);
	kbl = r == KMOD_PROBE_APPLY_BLACKLIST;
	TAP_OK(config_is_blacklisted(cfg, name) == kbl, "module %s: blacklisted %s", name,
	       kbl ? "yes" : "no");

	kmod_module_get_softdeps(mod, &kpre, &kpost);
	list_names(kpre, kp, sizeof(kp));
	list_names(kpost, kq, sizeof(kq));
	kmod_module_unref_list(kpre);
	kmod_module_unref_list(kpost);
	if (config_get_softdeps(cfg, name, &pre, &npre, &post, &npost) < 0) {
		TAP_OK(false, "module %s: softdeps", name);
	} else {
		const char *key;

		for (size_t i = 0; i < config_count(cfg, CONFIG_SOFTDEP); i++)
			if (config_entry(cfg, CONFIG_SOFTDEP, i, &key, NULL) == 0 &&
			    fnmatch(key, name, 0) == 0)
				matching++;
		/* the first line's words lead the merged lists */
		join(pre, npre, count_words(kp), op, sizeof(op));
		join(post, npost, count_words(kq), oq, sizeof(oq));
		if (matching <= 1) {
			join(pre, npre, SIZE_MAX, op, sizeof(op));
			join(post, npost, SIZE_MAX, oq, sizeof(oq));
		}
		TAP_OK(streq(op, kp) && streq(oq, kq),
		       "module %s: softdep pre '%s' post '%s' (libkmod, first of %zu "
		       "lines: "
		       "'%s' / '%s')",
		       name, op, oq, matching, kp, kq);
		free(pre);
		free(post);
	}
	kmod_module_unref(mod);
	kmod_unref(ctx);
}

int main(int argc, char *argv[])
{
	size_t len;
	int r;

	if (argc < 5) {
		fprintf(stderr, "usage: %s MODDIR CMDLINE_FILE CONFIG_PATH NAME...\n",
			argv[0]);
		return 2;
	}
	moddir = argv[1];
	paths[0] = argv[3];
	if (read_file_full(AT_FDCWD, argv[2], &cmdline, &len) < 0)
		cmdline = NULL;
	r = modprobe_config_load(paths, moddir, cmdline, NULL, &cfg);
	if (r < 0) {
		printf("Bail out! modprobe_config_load: %s\n", strerror(-r));
		return 1;
	}
	for (int i = 4; i < argc; i++) {
		check_lookup(argv[i]);
		check_module(argv[i]);
	}
	modprobe_config_free(cfg);
	return tap_done();
}
