// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * myinsmod: insert one module file into the kernel, as kmod 30's insmod does.
 *
 *   insmod [options] filename [args]
 *
 * No dependencies, no configuration: the file is handed to the kernel with the
 * remaining arguments joined by spaces as its parameters.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kernel.h"
#include "kmod-names.h"
#include "log.h"
#include "modfile.h"
#include "util.h"

/* kmod 30 accepts -p and -s for compatibility and ignores them */
static const char cmdopts_s[] = "psfVh";
static const struct option cmdopts[] = {
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void help(void)
{
	printf("Usage:\n"
	       "\t%s [options] filename [args]\n"
	       "Options:\n"
	       "\t-V, --version     show version\n"
	       "\t-h, --help        show this help\n",
	       program_invocation_short_name);
}

/* the kernel's errors, as insmod explains them */
static const char *mod_strerror(int err)
{
	switch (err) {
	case ENOEXEC:
		return "Invalid module format";
	case ENOENT:
		return "Unknown symbol in module";
	case ESRCH:
		return "Module has wrong symbol version";
	case EINVAL:
		return "Invalid parameters";
	default:
		return tool_strerror(-err);
	}
}

int insmod_main(int argc, char *argv[])
{
	_cleanup_free_ char *opts = NULL;
	struct modfile *mf = NULL;
	unsigned int flags = 0;
	const char *filename;
	struct stat st;
	int c, r;

	log_open(program_invocation_short_name, false);
	while ((c = getopt_long(argc, argv, cmdopts_s, cmdopts, NULL)) != -1) {
		switch (c) {
		case 'p':
		case 's':
			/* ignored, for compatibility only */
			break;
		case 'f':
			flags |= MK_INSERT_FORCE_MODVERSION | MK_INSERT_FORCE_VERMAGIC;
			break;
		default:
			return tool_other_option(c, help);
		}
	}

	if (optind >= argc) {
		ERR("missing filename.\n");
		return EXIT_FAILURE;
	}
	filename = argv[optind];
	if (streq(filename, "-")) {
		ERR("this tool does not support loading from stdin!\n");
		return EXIT_FAILURE;
	}

	if (join_module_params(argv + optind + 1, (size_t)(argc - optind - 1), false,
			       &opts) < 0) {
		ERR("out of memory\n");
		return EXIT_FAILURE;
	}

	/* as kmod: the module must exist to be named; reading it is part of inserting */
	if (stat(filename, &st) < 0) {
		ERR("could not load module %s: %s\n", filename, strerror(errno));
		return EXIT_FAILURE;
	}
	/* a kernel that decompresses the format gets the file as it is */
	r = modfile_open_deferred(filename, &mf);
	if (r >= 0) {
		r = mk_kernel_insert(mf, opts, flags, NULL);
		modfile_free(mf);
	}
	/* kmod 30 reports a corrupt compressed file as EINVAL ("Invalid parameters") */
	if (r == -EBADMSG)
		r = -EINVAL;
	if (r < 0) {
		ERR("could not insert module %s: %s\n", filename, mod_strerror(-r));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

#ifndef MYKMOD_MULTICALL
/* a program of its own; mykmod runs insmod_main() when it is called as insmod */
int main(int argc, char *argv[])
{
	return insmod_main(argc, argv);
}
#endif
