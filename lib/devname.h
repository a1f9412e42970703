/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * modules.devname read back, as kmod 30's `kmod static-nodes` reads it
 * (docs/messages.md §10.1): the file is taken in pieces of at most
 * DEVNAME_PIECE_MAX - 1 bytes (a line, or a part of a longer line), a piece that
 * starts with '#' is skipped, and every other piece must hold
 * "<module> <devname> <c|b><major>:<minor>", read with the rules of
 * sscanf("%s %s %c%u:%u").
 */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include "util.h"

/* kmod reads with fgets() into a buffer of this size: longer lines come in pieces */
#define DEVNAME_PIECE_MAX 4096

/* One entry; the names point into the piece that was parsed and are not terminated. */
struct devname_entry {
	const char *module;
	size_t module_len;
	const char *devname;
	size_t devname_len;
	char type; /* 'c' or 'b' */
	unsigned int major, minor;
};

enum devname_piece {
	DEVNAME_ENTRY, /* *@e is filled in */
	DEVNAME_COMMENT, /* starts with '#' */
	DEVNAME_INVALID, /* fields missing, a type other than c or b, a bad number */
};

/*
 * Parse one NUL-terminated piece (what fgets() gave, newline included, or any
 * string: it is read up to its first NUL). Returns an enum devname_piece.
 */
enum devname_piece devname_parse(const char *piece, struct devname_entry *e);

/*
 * Called for each piece of the file that is not a comment: an entry (@e set,
 * @invalid NULL) or an invalid piece (@e NULL, @invalid its text up to the first
 * NUL, with the newline when it has one). A negative return stops the reading.
 */
typedef int (*devname_fn)(void *data, const struct devname_entry *e, const char *invalid);

/*
 * Read @in to its end, calling @fn for every entry and every invalid piece in file
 * order. Returns 0, what @fn returned when it was negative, or -errno when reading
 * failed (-EISDIR for a directory); the pieces read before a failure were passed on.
 */
int devname_foreach(FILE *in, devname_fn fn, void *data) _must_check_;
