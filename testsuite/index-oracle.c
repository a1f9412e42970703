// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * index-oracle: answer lookups with the system's libkmod, in the output format of
 * index-tool, so that a test can diff the two.
 *
 *   index-oracle [--dep] [--config PATH] MODDIR [KEY...]
 *
 * For each KEY (or each line of stdin) it calls kmod_module_new_from_lookup() in
 * a context on MODDIR, with the indexes loaded (mmap, as modprobe does), and
 * prints
 *   KEY<TAB>name1 name2 ...     the modules found, in libkmod's order
 *   KEY<TAB>-                   nothing found
 *   KEY<TAB>EINVAL              the key was refused (unbalanced bracket)
 * With --dep it prints instead the modules.dep line of the first module,
 * rebuilt from libkmod's path and dependency list: "path: dep dep ...", paths
 * relative to MODDIR. That is the value stored in modules.dep.bin.
 *
 * The configuration is PATH when given (an empty directory isolates the
 * indexes), otherwise an empty list, so that no modprobe.d alias interferes.
 * libkmod tries its sources in order (config, modules.dep.bin, modules.symbols.bin
 * for "symbol:" keys, commands, modules.alias.bin, modules.builtin.bin,
 * modules.builtin.alias.bin); to test one index, give a MODDIR where the others
 * are empty indexes.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libkmod.h>

struct oracle {
	struct kmod_ctx *ctx;
	const char *moddir;
	size_t moddirlen;
	bool dep;
};

static const char *relpath(const struct oracle *o, const char *path)
{
	if (path != NULL && strncmp(path, o->moddir, o->moddirlen) == 0 &&
	    path[o->moddirlen] == '/')
		return path + o->moddirlen + 1;
	return path != NULL ? path : "(null)";
}

/* libkmod keeps the dependencies of a modules.dep line in reverse order */
static void print_depline(const struct oracle *o, struct kmod_module *mod)
{
	struct kmod_list *deps = kmod_module_get_dependencies(mod), *l;

	printf("%s:", relpath(o, kmod_module_get_path(mod)));
	for (l = kmod_list_last(deps); l != NULL; l = kmod_list_prev(deps, l)) {
		struct kmod_module *d = kmod_module_get_module(l);

		printf(" %s", relpath(o, kmod_module_get_path(d)));
		kmod_module_unref(d);
	}
	kmod_module_unref_list(deps);
}

static void lookup(const struct oracle *o, const char *key)
{
	struct kmod_list *list = NULL, *l;
	bool first = true;
	int r;

	r = kmod_module_new_from_lookup(o->ctx, key, &list);
	printf("%s\t", key);
	if (r < 0) {
		printf("%s\n", r == -EINVAL ? "EINVAL" : strerror(-r));
		return;
	}
	if (list == NULL) {
		printf("-\n");
		return;
	}
	kmod_list_foreach(l, list)
	{
		struct kmod_module *mod = kmod_module_get_module(l);

		if (o->dep) {
			if (first)
				print_depline(o, mod);
		} else {
			printf("%s%s", first ? "" : " ", kmod_module_get_name(mod));
		}
		first = false;
		kmod_module_unref(mod);
	}
	printf("\n");
	kmod_module_unref_list(list);
}

int main(int argc, char **argv)
{
	const char *config[2] = { NULL, NULL };
	struct oracle o = { 0 };
	char *line = NULL;
	size_t alloc = 0;
	ssize_t len;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--dep") == 0)
			o.dep = true;
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			config[0] = argv[++i];
		else
			break;
	}
	if (i >= argc) {
		fprintf(stderr,
			"usage: index-oracle [--dep] [--config PATH] MODDIR [KEY...]\n");
		return 2;
	}
	o.moddir = argv[i++];
	o.moddirlen = strlen(o.moddir);
	while (o.moddirlen > 1 && o.moddir[o.moddirlen - 1] == '/')
		o.moddirlen--;

	o.ctx = kmod_new(o.moddir, config);
	if (o.ctx == NULL) {
		fprintf(stderr, "index-oracle: kmod_new(%s) failed\n", o.moddir);
		return 1;
	}
	kmod_set_log_priority(o.ctx, 0);
	if (kmod_load_resources(o.ctx) < 0)
		fprintf(stderr,
			"index-oracle: warning: indexes not loaded, libkmod reads "
			"them with stdio\n");

	if (i < argc) {
		for (; i < argc; i++)
			lookup(&o, argv[i]);
	} else {
		while ((len = getline(&line, &alloc, stdin)) >= 0) {
			if (len > 0 && line[len - 1] == '\n')
				line[len - 1] = '\0';
			lookup(&o, line);
		}
	}
	free(line);
	kmod_unref(o.ctx);
	return 0;
}
