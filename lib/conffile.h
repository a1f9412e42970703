/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Configuration file collection and the wrapped line reader, shared by
 * modprobe.d (lib/modprobe-config.c) and depmod.d (lib/depmod-config.c).
 *
 * Collection (kmod's conf_files_list()/cfg_files_list()):
 *  - each path is a directory or a single file;
 *  - in a directory, only entries named "*.conf" (modprobe.d also: "*.alias"),
 *    at least 6 characters long and not starting with '.', are used;
 *  - a subdirectory named "*.conf" gives the error "Directories inside
 *    directories are not supported: DIR/NAME" and is skipped; depmod.d also
 *    reports other names at INFO level ("All cfg files need .conf: DIR/NAME");
 *  - a path that is neither a file nor a directory: "unsupported file mode";
 *  - every file of every path goes into one list sorted by basename (strcmp);
 *    the first path that provides a basename wins, later ones are ignored;
 *  - a single-file path is inserted under its own basename.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util.h"

struct conffile {
	char *path; /* what to open: "DIR/NAME", or the single-file path as given */
	const char *name; /* the basename the list is sorted by (points into @path) */
};

struct conffile_list {
	struct conffile *files;
	size_t n;
};

#define CONFFILE_LIST_INIT \
	{                  \
		NULL, 0    \
	}

/* Flavours of collection: messages and filters differ slightly. */
enum conffile_flavour {
	CONFFILE_MODPROBE, /* libkmod's conf_files_list() */
	CONFFILE_DEPMOD, /* depmod's cfg_files_list(): INFO for non-.conf names */
};

/*
 * Add the files of @path (a directory or a file) to @list. A path that does not
 * exist is silently skipped (returns -ENOENT, the list is unchanged). Other
 * problems are reported through @log. Returns 0 or a negative errno.
 */
int conffile_list_add_path(struct conffile_list *list, const char *path,
			   enum conffile_flavour flavour,
			   const struct mk_log *log) _must_check_;

/*
 * Insert "DIR/NAME" under basename @name (used for <moddir>/modules.softdep).
 * Returns 0, -EEXIST when a file with that basename is already listed, or -ENOMEM.
 */
int conffile_list_insert(struct conffile_list *list, const char *dir,
			 const char *name) _must_check_;

void conffile_list_release(struct conffile_list *list);

/* Where a directive comes from, and where to report a problem with it. */
struct conffile_pos {
	const char *file;
	unsigned int linenum;
	const struct mk_log *log;
};

/*
 * One directive: @cmd is the first word of a logical line (blank lines and lines
 * starting with '#' are skipped before), @args the rest of the line, for
 * strtok_r(). Returns 0, or a negative errno that stops the loading (-ENOMEM).
 */
typedef int (*conffile_directive_fn)(void *data, const char *cmd, char *args,
				     const struct conffile_pos *pos);

/*
 * Add the files of @paths (NULL-terminated) to @list, which may hold files already,
 * then read them all in order, calling @fn for every directive, and release @list.
 * A file that cannot be opened is skipped (depmod.d reports it: "file FILE:
 * ERROR"); a read error ends that file. Returns 0, -ENOMEM, or what @fn returned
 * to stop.
 */
int conffile_load(struct conffile_list *list, const char *const *paths,
		  enum conffile_flavour flavour, conffile_directive_fn fn, void *data,
		  const struct mk_log *log) _must_check_;

/*
 * kmod's freadline_wrapped(): read one logical line from @fp into *@buf (grown
 * as needed, NUL-terminated; *@cap is its size; both start as NULL/0 and the
 * caller frees *@buf). A backslash-newline joins lines; a backslash followed by
 * any other byte keeps that byte only (a backslash at end of file keeps the
 * byte 0xff, as kmod does). *@linenum is advanced by the number of newlines
 * consumed (so a last line without '\n' keeps the previous number, as in kmod).
 * Returns 1 when a line was read, 0 at end of file, or a negative errno.
 */
int conffile_read_line(FILE *fp, char **buf, size_t *cap,
		       unsigned int *linenum) _must_check_;
