// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lsmod: list the loaded modules, as kmod 30's lsmod does. mylsmod is this, and so
 * is `mykmod list` (kmod's `kmod list`), with the arguments shifted by one.
 *
 *   Module                  Size  Used by
 *   <name %-19s> <size %8ld>  <refcnt %d>[ holder,holder...]
 *
 * Names in /proc/modules order; size from /sys/module/NAME/coresize (else the
 * /proc/modules field); use count from refcnt (the -errno when unreadable, as kmod);
 * holders in readdir order. A module that goes away while it is being listed is
 * skipped (kmod prints it with -2 -2 and an error: kmod issue #41).
 *
 * Unlike kmod 30, which answers any argument with "Usage: lsmod", -h/--help and
 * -V/--version are understood (as in kmod >= 34).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "log.h"
#include "lsmod.h"
#include "util.h"

static void help(void)
{
	printf("Usage:\n"
	       "\t%s [options]\n"
	       "Options:\n"
	       "\t-V, --version     show version\n"
	       "\t-h, --help        show this help\n",
	       program_invocation_short_name);
}

/* the table: header, then one line per module */
static int list(void)
{
	_cleanup_free_ struct mk_loaded_module *mods = NULL;
	size_t n;
	int r;

	r = mk_kernel_loaded(&mods, &n);
	if (r < 0) {
		fprintf(stderr, "Error: could not get list of modules: %s\n",
			strerror(-r));
		return EXIT_FAILURE;
	}

	puts("Module                  Size  Used by");
	for (size_t i = 0; i < n; i++) {
		struct mk_module_usage u;

		r = mk_kernel_module_usage(mods[i].name, mods[i].size, &u);
		if (r == -ENOENT)
			continue; /* unloaded meanwhile */
		if (r < 0) {
			/* unreadable: print what kmod would, with the error as numbers */
			u.size = (uint64_t)(long)r;
			u.refcnt = r;
			u.holders = NULL;
			u.nholders = 0;
		}
		printf("%-19s %8ld  %ld", mods[i].name, (long)u.size, u.refcnt);
		for (size_t h = 0; h < u.nholders; h++)
			printf("%c%s", h == 0 ? ' ' : ',', u.holders[h]);
		putchar('\n');
		free(u.holders);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		return EXIT_FAILURE;
	return EXIT_SUCCESS;
}

int lsmod_main(int argc, char *argv[])
{
	if (argc == 2 && (streq(argv[1], "-h") || streq(argv[1], "--help"))) {
		help();
		return EXIT_SUCCESS;
	}
	if (argc == 2 && (streq(argv[1], "-V") || streq(argv[1], "--version"))) {
		print_version();
		return EXIT_SUCCESS;
	}
	if (argc != 1) {
		fprintf(stderr, "Usage: %s\n", argv[0]);
		return EXIT_FAILURE;
	}
	return list();
}
