// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Test driver for lib/modprobe-config.c and lib/depmod-config.c.
 *
 *   config-tool [-C PATH]... [-m MODDIR] [-k CMDLINE_FILE] [-v] dump
 *       print config_dump() (the configuration part of modprobe -c)
 *   config-tool [-C PATH]... [-m MODDIR] [-k CMDLINE_FILE] QUERY NAME [ARG]
 *       QUERY: alias NAME | options NAME [ALIAS] | install NAME | remove NAME |
 *              exact NAME | blacklisted NAME | softdep NAME | weakdep NAME
 *   config-tool [-C PATH]... [-v] depmod KVER
 *       print the depmod_config of depmod.d
 * Without -C the default search lists are used; without -k, no command line is
 * read (tests must not depend on the machine's /proc/cmdline). Messages go to
 * stderr as "config-tool: PRIO: msg"; -v shows INFO messages as well.
 */
#include "config.h" /* autoconf */
#include "modprobe-config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "depmod-config.h"
#include "log.h"
#include "strbuf.h"

static int usage(void)
{
	fprintf(stderr, "usage: config-tool [-C PATH]... [-m MODDIR] [-k FILE] [-v] "
			"dump|alias|options|install|remove|exact|blacklisted|softdep|"
			"weakdep|depmod ...\n");
	return 2;
}

static void print_list(const char *label, const char **v, size_t n)
{
	printf("%s:", label);
	for (size_t i = 0; i < n; i++)
		printf(" %s", v[i]);
	printf("\n");
}

static int do_depmod(const char *const *paths, const char *kver)
{
	struct depmod_config *cfg;
	int r = depmod_config_load(paths, kver, &tool_log, &cfg);

	if (r < 0) {
		fprintf(stderr, "depmod_config_load: %s\n", strerror(-r));
		return 1;
	}
	for (size_t i = 0; i < cfg->n_search; i++) {
		const struct depmod_search *s = &cfg->search[i];

		if (s->kind == DEPMOD_SEARCH_BUILTIN)
			printf("search built-in\n");
		else if (s->kind == DEPMOD_SEARCH_EXTERNAL)
			printf("search external\n");
		else
			printf("search path %s\n", s->path);
	}
	for (size_t i = 0; i < cfg->n_overrides; i++)
		printf("override %s %s\n", cfg->overrides[i].modname,
		       cfg->overrides[i].subdir);
	for (size_t i = 0; i < cfg->n_externals; i++)
		printf("external %s\n", cfg->externals[i]);
	for (size_t i = 0; i < cfg->n_excludes; i++)
		printf("exclude %s\n", cfg->excludes[i]);
	depmod_config_free(cfg);
	return 0;
}

static int do_query(struct modprobe_config *cfg, const char *q, char **args, int nargs)
{
	const char *name = nargs > 0 ? args[0] : NULL;

	if (name == NULL)
		return usage();
	if (streq(q, "alias")) {
		const struct config_alias *a;
		size_t pos = 0;

		while ((a = config_alias_next_match(cfg, name, &pos)) != NULL)
			printf("%s %s\n", a->pattern, a->modname);
	} else if (streq(q, "options")) {
		char *opts;

		if (config_get_options(cfg, name, nargs > 1 ? args[1] : NULL, &opts) < 0)
			return 1;
		printf("%s\n", opts ? opts : "(none)");
		free(opts);
	} else if (streq(q, "install") || streq(q, "remove")) {
		const char *c = streq(q, "install") ? config_get_install(cfg, name)
						    : config_get_remove(cfg, name);

		printf("%s\n", c ? c : "(none)");
	} else if (streq(q, "exact")) {
		bool inst = false;
		const char *c = config_find_command_exact(cfg, name, &inst);

		if (c)
			printf("%s %s\n", inst ? "install" : "remove", c);
		else
			printf("(none)\n");
	} else if (streq(q, "blacklisted")) {
		printf("%s\n", config_is_blacklisted(cfg, name) ? "yes" : "no");
	} else if (streq(q, "softdep")) {
		const char **pre, **post;
		size_t npre, npost;

		if (config_get_softdeps(cfg, name, &pre, &npre, &post, &npost) < 0)
			return 1;
		print_list("pre", pre, npre);
		print_list("post", post, npost);
		free(pre);
		free(post);
	} else if (streq(q, "weakdep")) {
		const char **deps;
		size_t n;

		if (config_get_weakdeps(cfg, name, &deps, &n) < 0)
			return 1;
		print_list("weak", deps, n);
		free(deps);
	} else {
		return usage();
	}
	return 0;
}

int main(int argc, char *argv[])
{
	const char **paths = NULL;
	const char *moddir = NULL;
	char *cmdline = NULL;
	size_t len;
	size_t npaths = 0;
	struct modprobe_config *cfg;
	int c, r;

	log_open("config-tool", false);
	log_set_priority(LOG_WARNING);
	paths = calloc((size_t)argc + 1, sizeof(*paths));
	if (paths == NULL)
		return 1;
	while ((c = getopt(argc, argv, "+C:m:k:v")) != -1) {
		switch (c) {
		case 'C':
			paths[npaths++] = optarg;
			break;
		case 'm':
			moddir = optarg;
			break;
		case 'k':
			/* the file as lib/kernel reads /proc/cmdline */
			free(cmdline);
			if (read_file_full(AT_FDCWD, optarg, &cmdline, &len) < 0)
				cmdline = NULL;
			break;
		case 'v':
			log_set_priority(LOG_DEBUG);
			break;
		default:
			return usage();
		}
	}
	if (optind >= argc)
		return usage();

	if (streq(argv[optind], "depmod")) {
		if (optind + 1 >= argc)
			return usage();
		r = do_depmod(npaths ? paths : NULL, argv[optind + 1]);
		free(paths);
		return r;
	}

	r = modprobe_config_load(npaths ? paths : NULL, moddir, cmdline, &tool_log, &cfg);
	free(paths);
	free(cmdline);
	if (r < 0) {
		fprintf(stderr, "modprobe_config_load: %s\n", strerror(-r));
		return 1;
	}
	if (streq(argv[optind], "dump")) {
		struct strbuf sb = STRBUF_INIT;

		r = config_dump(cfg, &sb);
		if (r == 0)
			fwrite(sb.buf ? sb.buf : "", 1, sb.used, stdout);
		strbuf_release(&sb);
		r = r < 0;
	} else {
		r = do_query(cfg, argv[optind], argv + optind + 1, argc - optind - 1);
	}
	modprobe_config_free(cfg);
	return r;
}
