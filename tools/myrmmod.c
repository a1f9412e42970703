// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * myrmmod: remove modules from the kernel, as kmod 30's rmmod does.
 *
 *   rmmod [options] modulename ...
 *
 * An argument that stat()s is a path (its file name gives the module name),
 * otherwise a module name. Unless forced, a module that is builtin, not loaded,
 * held by other modules or in use is refused before delete_module() is tried.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "index.h"
#include "kernel.h"
#include "kmod-names.h"
#include "log.h"
#include "util.h"

/* 'w' is in kmod 30's short options without a handler: it is reported as unexpected */
static const char cmdopts_s[] = "fsvVwh";
static const struct option cmdopts[] = {
	{ "force", no_argument, NULL, 'f' },   { "syslog", no_argument, NULL, 's' },
	{ "verbose", no_argument, NULL, 'v' }, { "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },    { NULL, 0, NULL, 0 },
};

static void help(void)
{
	printf("Usage:\n"
	       "\t%s [options] modulename ...\n"
	       "Options:\n"
	       "\t-f, --force       forces a module unload and may crash your\n"
	       "\t                  machine. This requires Forced Module Removal\n"
	       "\t                  option in your kernel. DANGEROUS\n"
	       "\t-s, --syslog      print to syslog, not stderr\n"
	       "\t-v, --verbose     enables more messages\n"
	       "\t-V, --version     show version\n"
	       "\t-h, --help        show this help\n",
	       program_invocation_short_name);
}

/*
 * Is @name built into the running kernel? As kmod 30, only modules.builtin.bin of
 * the running kernel's module directory says so (a /sys/module directory without
 * initstate does not).
 */
static bool is_builtin(const char *name)
{
	_cleanup_free_ char *dir = NULL, *path = NULL;
	struct index *idx;
	char *value;
	int r;

	if (mk_kernel_module_dir(NULL, NULL, NULL, &dir) < 0 ||
	    asprintf(&path, "%s/modules.builtin.bin", dir) < 0) {
		path = NULL;
		return false;
	}
	if (index_open(path, &idx) < 0)
		return false;
	r = index_search(idx, name, &value);
	index_close(idx);
	if (r < 0)
		return false;
	free(value);
	return true;
}

/* kmod's check_module_inuse(): 0 if @name may be removed, else -errno (reported) */
static int check_module_inuse(const char *name)
{
	_cleanup_free_ char **holders = NULL;
	size_t n = 0;
	int state, refcnt;

	if (is_builtin(name)) {
		ERR("Module %s is builtin.\n", name);
		return -ENOENT;
	}
	state = mk_kernel_initstate(name);
	if (state < 0) {
		ERR("Module %s is not currently loaded\n", name);
		return -ENOENT;
	}
	if (mk_kernel_holders(name, &holders, &n) == 0 && n > 0) {
		_cleanup_free_ char *list = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&list, &len);

		if (f == NULL)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++)
			fprintf(f, " %s", holders[i]);
		if (fclose(f) != 0)
			return -ENOMEM;
		ERR("Module %s is in use by:%s\n", name, list);
		return -EBUSY;
	}
	refcnt = mk_kernel_refcnt(name);
	if (refcnt > 0) {
		ERR("Module %s is in use\n", name);
		return -EBUSY;
	}
	if (refcnt == -ENOENT) {
		ERR("Module unloading is not supported\n");
		return -ENOENT;
	}
	return 0;
}

int rmmod_main(int argc, char *argv[])
{
	bool use_syslog = false, force = false;
	int verbose = 0, failed = 0;
	int c, i;

	log_open(program_invocation_short_name, false);
	while ((c = getopt_long(argc, argv, cmdopts_s, cmdopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 's':
			use_syslog = true;
			break;
		case 'v':
			verbose++;
			break;
		default:
			return tool_other_option(c, help);
		}
	}
	log_open(program_invocation_short_name, use_syslog);
	if (verbose)
		log_set_priority(LOG_INFO + verbose > LOG_DEBUG ? LOG_DEBUG
								: LOG_INFO + verbose);

	if (optind >= argc) {
		ERR("missing module name.\n");
		log_close();
		return EXIT_FAILURE;
	}

	for (i = optind; i < argc; i++) {
		const char *arg = argv[i];
		char name[PATH_MAX];
		struct stat st;
		int r;

		/* a path if it exists, else a name; both normalized */
		if (stat(arg, &st) == 0) {
			if (path_to_modname(arg, name, NULL) == NULL) {
				/* "dir/": kmod stops here, without counting a failure */
				ERR("could not use module %s: %s\n", arg,
				    strerror(ENOENT));
				break;
			}
		} else {
			modname_normalize(arg, name, NULL);
		}

		if (!force && check_module_inuse(name) < 0) {
			failed++;
			continue;
		}
		r = mk_kernel_remove(name, force ? MK_REMOVE_FORCE : 0, 0);
		if (r < 0) {
			ERR("could not remove module %s: %s\n", arg, strerror(-r));
			failed++;
		}
	}
	log_close();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#ifndef MYKMOD_MULTICALL
/* a program of its own; mykmod runs rmmod_main() when it is called as rmmod */
int main(int argc, char *argv[])
{
	return rmmod_main(argc, argv);
}
#endif
