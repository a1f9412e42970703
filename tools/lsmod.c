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
 * -V/--version are understood (as in kmod >= 34), and --json prints the same table
 * as one JSON object (lib/json.h; schema in man/mylsmod.8).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "kernel.h"
#include "log.h"
#include "lsmod.h"
#include "util.h"

static void help(void)
{
	printf("Usage:\n"
	       "\t%s [options]\n"
	       "Options:\n"
	       "\t    --json        print the list as one JSON object\n"
	       "\t-V, --version     show version\n"
	       "\t-h, --help        show this help\n",
	       program_invocation_short_name);
}

/* One module as the text table shows it; usage.refcnt < 0 (unreadable) is null. */
static void json_module(struct json_writer *w, const char *name,
			const struct mk_module_usage *u)
{
	json_object_begin(w);
	json_member_string(w, "name", name);
	json_key(w, "size");
	json_uint(w, u->size);
	json_key(w, "refcount");
	if (u->refcnt < 0)
		json_null(w);
	else
		json_int(w, u->refcnt);
	json_key(w, "used_by");
	json_array_begin(w);
	for (size_t h = 0; h < u->nholders; h++)
		json_string(w, u->holders[h]);
	json_array_end(w);
	json_object_end(w);
}

/* One line of the table, or one object of --json's "modules" array. */
static void list_one(struct json_writer *w, const struct mk_loaded_module *m)
{
	struct mk_module_usage u;
	int r;

	r = mk_kernel_module_usage(m->name, m->size, &u);
	if (r == -ENOENT)
		return; /* unloaded meanwhile */
	if (r < 0) {
		/* unreadable: print what kmod would, with the error as numbers */
		u.size = w ? m->size : (uint64_t)(long)r;
		u.refcnt = r;
		u.holders = NULL;
		u.nholders = 0;
	}
	if (w) {
		json_module(w, m->name, &u);
	} else {
		printf("%-19s %8ld  %ld", m->name, (long)u.size, u.refcnt);
		for (size_t h = 0; h < u.nholders; h++)
			printf("%c%s", h == 0 ? ' ' : ',', u.holders[h]);
		putchar('\n');
	}
	free(u.holders);
}

/* the table: header, then one line per module; or {"modules": [...]} with --json */
static int list(bool json)
{
	_cleanup_free_ struct mk_loaded_module *mods = NULL;
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	size_t n;
	int r;

	r = mk_kernel_loaded(&mods, &n);
	if (r < 0) {
		fprintf(stderr, "Error: could not get list of modules: %s\n",
			strerror(-r));
		return EXIT_FAILURE;
	}

	if (json) {
		json_init(&w, &sb);
		json_object_begin(&w);
		json_key(&w, "modules");
		json_array_begin(&w);
	} else {
		puts("Module                  Size  Used by");
	}
	for (size_t i = 0; i < n; i++)
		list_one(json ? &w : NULL, &mods[i]);
	if (json) {
		json_array_end(&w);
		json_object_end(&w);
		r = json_finish(&w);
		if (r < 0) {
			fprintf(stderr, "Error: could not format the list as JSON: %s\n",
				strerror(-r));
			strbuf_release(&sb);
			return EXIT_FAILURE;
		}
		fwrite(sb.buf, 1, sb.used, stdout);
		putchar('\n');
		strbuf_release(&sb);
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
	if (argc == 2 && streq(argv[1], "--json"))
		return list(true);
	if (argc != 1) {
		fprintf(stderr, "Usage: %s\n", argv[0]);
		return EXIT_FAILURE;
	}
	return list(false);
}
