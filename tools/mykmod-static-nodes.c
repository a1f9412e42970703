// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `mykmod static-nodes`: the running kernel's modules.devname (lib/devname) as
 * text for humans, for systemd-tmpfiles or as modules.devname again, as kmod 30's
 * `kmod static-nodes` prints it (docs/messages.md §10). systemd's
 * kmod-static-nodes.service runs `kmod static-nodes --format=tmpfiles --output=FILE`.
 *
 * --output is opened with fopen("we") after modules.devname, as kmod does: no
 * temporary file and rename, because kmod's -o writes through a symlink, into a
 * FIFO or /dev/stdout, and keeps an existing file's inode, owner and mode; and when
 * modules.devname is missing FILE is neither created nor truncated.
 * Unlike kmod: without -o the output goes to stdout as it is (kmod reopens
 * /dev/stdout, truncating a file opened with >>), and a read or write error is
 * reported with exit status 1 (docs/compat.md).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devname.h"
#include "kernel.h"
#include "mykmod.h"
#include "util.h"

struct format {
	const char *name;
	void (*write)(FILE *out, const struct devname_entry *e);
	const char *description;
};

static void write_human(FILE *out, const struct devname_entry *e)
{
	fprintf(out,
		"Module: %.*s\n"
		"\tDevice node: /dev/%.*s\n"
		"\t\tType: %s device\n"
		"\t\tMajor: %u\n"
		"\t\tMinor: %u\n",
		(int)e->module_len, e->module, (int)e->devname_len, e->devname,
		e->type == 'c' ? "character" : "block", e->major, e->minor);
}

/* a node in a subdirectory gets a "d" line for that directory first */
static void write_tmpfiles(FILE *out, const struct devname_entry *e)
{
	const char *slash = memrchr(e->devname, '/', e->devname_len);

	if (slash != NULL)
		fprintf(out, "d /dev/%.*s 0755 - - -\n", (int)(slash - e->devname),
			e->devname);
	fprintf(out, "%c! /dev/%.*s 0600 - - - %u:%u\n", e->type, (int)e->devname_len,
		e->devname, e->major, e->minor);
}

static void write_devname(FILE *out, const struct devname_entry *e)
{
	fprintf(out, "%.*s %.*s %c%u:%u\n", (int)e->module_len, e->module,
		(int)e->devname_len, e->devname, e->type, e->major, e->minor);
}

static const struct format formats[] = {
	{ "human", write_human, "(default) a human readable format. Do not parse." },
	{ "tmpfiles", write_tmpfiles,
	  "the tmpfiles.d(5) format used by systemd-tmpfiles." },
	{ "devname", write_devname, "the modules.devname format." },
};

static void help(void)
{
	printf("Usage:\n"
	       "\t%1$s static-nodes [options]\n"
	       "\n"
	       "%1$s static-nodes outputs the static-node information of the currently "
	       "running kernel.\n"
	       "\n"
	       "Options:\n"
	       "\t-f, --format=FORMAT  choose format to use: see \"Formats\"\n"
	       "\t-o, --output=FILE    write output to file\n"
	       "\t-h, --help           show this help\n"
	       "\n"
	       "Formats:\n",
	       program_invocation_short_name);
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
		printf("\t%-12s %s\n", formats[i].name, formats[i].description);
}

/* Options as kmod reads them; returns -1 to go on, else the exit status. */
static int parse_options(int argc, char *argv[], const struct format **format,
			 const char **output)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "o:f:h", options, NULL)) != -1) {
		switch (c) {
		case 'o':
			*output = optarg;
			break;
		case 'f':
			*format = NULL;
			for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
				if (streq(formats[i].name, optarg))
					*format = &formats[i];
			if (*format == NULL) {
				fprintf(stderr, "Unknown format: '%s'.\n", optarg);
				help();
				return EXIT_FAILURE;
			}
			break;
		case 'h':
			help();
			return EXIT_SUCCESS;
		default:
			return EXIT_FAILURE; /* '?': getopt said why */
		}
	}
	return -1;
}

/* -o FILE: its directories made, the file created or truncated; NULL: reported */
static FILE *open_output(const char *output)
{
	FILE *out;
	int r = mkdir_parents(output, 0755);

	if (r < 0) {
		fprintf(stderr, "Error: could not create parent directory for %s - %s.\n",
			output, strerror(-r));
		return NULL;
	}
	out = fopen(output, "we");
	if (out == NULL)
		fprintf(stderr, "Error: could not create %s - %m\n", output);
	return out;
}

struct printer {
	const struct format *format;
	FILE *out;
	bool invalid;
};

static int print_piece(void *data, const struct devname_entry *e, const char *invalid)
{
	struct printer *p = data;

	if (e != NULL) {
		p->format->write(p->out, e);
	} else {
		fprintf(stderr, "Error: invalid devname entry: %s", invalid);
		p->invalid = true;
	}
	return 0;
}

/* Open modules.devname: NULL with *@status set when there is nothing to do. */
static FILE *open_devname(const char *path, int *status)
{
	FILE *in = fopen(path, "re");

	if (in != NULL)
		return in;
	if (errno == ENOENT) {
		fprintf(stderr, "Warning: %s not found - ignoring\n", path);
		*status = EXIT_SUCCESS;
	} else {
		fprintf(stderr, "Error: could not open %s - %m\n", path);
		*status = EXIT_FAILURE;
	}
	return NULL;
}

int mykmod_static_nodes_main(int argc, char *argv[])
{
	_cleanup_free_ char *dir = NULL, *path = NULL;
	_cleanup_fclose_ FILE *in = NULL;
	struct printer p = { .format = &formats[0], .out = stdout };
	const char *output = NULL;
	int status, r;

	status = parse_options(argc, argv, &p.format, &output);
	if (status >= 0)
		return status;
	if (mk_kernel_module_dir(NULL, NULL, NULL, &dir) < 0) {
		fputs("Error: uname failed!\n", stderr);
		return EXIT_FAILURE;
	}
	if (asprintf(&path, "%s/modules.devname", dir) < 0) {
		path = NULL;
		fputs("Error: out of memory\n", stderr);
		return EXIT_FAILURE;
	}
	in = open_devname(path, &status);
	if (in == NULL)
		return status;
	if (output != NULL) {
		p.out = open_output(output);
		if (p.out == NULL)
			return EXIT_FAILURE;
	}

	r = devname_foreach(in, print_piece, &p);
	status = p.invalid ? EXIT_FAILURE : EXIT_SUCCESS;
	if (r < 0) {
		fprintf(stderr, "Error: could not read %s - %s\n", path, strerror(-r));
		status = EXIT_FAILURE;
	}
	if (mykmod_close_output(p.out, output ? output : "standard output") < 0)
		status = EXIT_FAILURE;
	return status;
}
