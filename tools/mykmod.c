// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mykmod: one tool with subcommands, as kmod 30's `kmod` (docs/messages.md §10).
 *
 *   mykmod [-h|-V] COMMAND [ARGS]     help, list (= mylsmod), static-nodes, diff
 *
 * Options stop at the first word that is not one ("+hV"); the command gets argv
 * shifted by one with getopt's state as it is, exactly as kmod passes it on, so
 * that `mykmod static-nodes x -f devname` ignores -f as kmod does. Called by one of
 * kmod's names (a link named modprobe, depmod...: configure --enable-kmod-names),
 * it is that tool, as kmod is (tools/kmod-names.h).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmod-names.h"
#include "log.h"
#include "lsmod.h"
#include "mykmod.h"
#include "util.h"

static int help_main(int argc, char *argv[]);

/* `mykmod help` lists them in this order */
static const struct mykmod_cmd cmds[] = {
	{ "help", help_main, "Show help message" },
	{ "list", lsmod_main, "list currently loaded modules" },
	{ "static-nodes", mykmod_static_nodes_main,
	  "outputs the static-node information installed with the currently running "
	  "kernel" },
	{ "diff", mykmod_diff_main, "compare two module trees" },
};

/* what mykmod is when its argv[0] has one of these names: kmod 30's list */
static const struct mykmod_cmd kmod_names[] = {
	{ "lsmod", lsmod_main, NULL },	     { "rmmod", rmmod_main, NULL },
	{ "insmod", insmod_main, NULL },     { "modinfo", modinfo_main, NULL },
	{ "modprobe", modprobe_main, NULL }, { "depmod", depmod_main, NULL },
};

/* kmod's help; the usage line names argv[0] as given (`mykmod help`: "help") */
static int help_main(int argc, char *argv[])
{
	printf("mykmod - Manage kernel modules: list, load, unload, etc\n"
	       "Usage:\n"
	       "\t%s [options] command [command_options]\n\n"
	       "Options:\n"
	       "\t-V, --version     show version\n"
	       "\t-h, --help        show this help\n\n"
	       "Commands:\n",
	       basename(argv[0]));
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		printf("  %-12s %s\n", cmds[i].name, cmds[i].help);
	return EXIT_SUCCESS;
}

int mykmod_close_output(FILE *out, const char *name)
{
	bool failed = fflush(out) != 0 || ferror(out);
	int err = errno;

	if (out != stdout && fclose(out) != 0 && !failed) {
		failed = true;
		err = errno;
	}
	if (!failed)
		return 0;
	fprintf(stderr, "Error: could not write %s - %s\n", name, strerror(err));
	return -1;
}

int main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd;
	int c;

	for (size_t i = 0; i < ARRAY_SIZE(kmod_names); i++)
		if (streq(kmod_names[i].name, basename(argv[0])))
			return kmod_names[i].main(argc, argv);
	while ((c = getopt_long(argc, argv, "+hV", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			return help_main(argc, argv);
		case 'V':
			print_version();
			return EXIT_SUCCESS;
		default:
			return EXIT_FAILURE; /* '?': getopt said why */
		}
	}
	if (optind >= argc) {
		fputs("missing command\n", stderr);
		help_main(argc, argv);
		return EXIT_FAILURE;
	}
	cmd = argv[optind];
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (streq(cmds[i].name, cmd))
			return cmds[i].main(argc - 1, argv + 1);
	fprintf(stderr, "invalid command '%s'\n", cmd);
	help_main(argc, argv);
	return EXIT_FAILURE;
}
