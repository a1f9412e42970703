/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mykmod, the multi-call tool (kmod's `kmod`): its subcommands and what they share.
 * A subcommand is one entry of the table in tools/mykmod.c and one *_main() here.
 */
#pragma once

#include <stdio.h>

/* One subcommand: `mykmod NAME ARGS...` runs main(argc - 1, argv + 1). */
struct mykmod_cmd {
	const char *name;
	/* argv[0] is NAME; getopt's optind is left where mykmod's own options ended,
	 * as kmod leaves it; returns the exit status */
	int (*main)(int argc, char *argv[]);
	const char *help; /* one line for `mykmod help` */
};

/* `mykmod static-nodes` (tools/mykmod-static-nodes.c) */
int mykmod_static_nodes_main(int argc, char *argv[]);
/* `mykmod diff OLD NEW` (tools/mykmod-diff.c): 0 the same, 1 different, 2 trouble */
int mykmod_diff_main(int argc, char *argv[]);

/*
 * Flush and, unless it is stdout, close @out, which was written as @name; a write
 * error (ENOSPC, EIO, a closed stdout) is reported as
 * "Error: could not write NAME - ERR". Returns 0, or -1 after that message.
 */
int mykmod_close_output(FILE *out, const char *name);
