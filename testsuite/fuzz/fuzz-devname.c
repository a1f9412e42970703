// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target for the modules.devname reader (lib/devname): every piece of
 * the input is parsed with devname_parse() and, as kmod 30 reads it, with
 * sscanf("%s %s %c%u:%u") of the same C library; the two must agree on whether it
 * is an entry and on every field. devname_foreach() then reads the whole input
 * through a FILE, and must see as many entries and invalid pieces.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct counts {
	size_t entries, invalid;
};

/* devname_parse() against kmod's sscanf(); returns the kind */
static enum devname_piece check_piece(const char *piece)
{
	static char mod[DEVNAME_PIECE_MAX], dev[DEVNAME_PIECE_MAX];
	struct devname_entry e;
	enum devname_piece kind = devname_parse(piece, &e);
	unsigned int maj, min;
	char type;
	int n;

	if (piece[0] == '#') {
		if (kind != DEVNAME_COMMENT)
			abort();
		return kind;
	}
	n = sscanf(piece, "%s %s %c%u:%u", mod, dev, &type, &maj, &min);
	if (n != 5 || (type != 'c' && type != 'b')) {
		if (kind != DEVNAME_INVALID)
			abort();
		return kind;
	}
	if (kind != DEVNAME_ENTRY || e.type != type || e.major != maj || e.minor != min ||
	    e.module_len != strlen(mod) || memcmp(e.module, mod, e.module_len) != 0 ||
	    e.devname_len != strlen(dev) || memcmp(e.devname, dev, e.devname_len) != 0)
		abort();
	return kind;
}

static int count(void *data, const struct devname_entry *e, const char *invalid)
{
	struct counts *c = data;

	if ((e == NULL) == (invalid == NULL))
		abort();
	if (e != NULL)
		c->entries++;
	else
		c->invalid++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char piece[DEVNAME_PIECE_MAX];
	struct counts want = { 0 }, got = { 0 };
	size_t off = 0;
	FILE *f;

	/* the pieces as fgets(DEVNAME_PIECE_MAX) cuts them */
	while (off < size) {
		size_t len = 0;

		while (off < size && len < sizeof(piece) - 1) {
			piece[len++] = (char)data[off++];
			if (piece[len - 1] == '\n')
				break;
		}
		piece[len] = '\0';
		switch (check_piece(piece)) {
		case DEVNAME_ENTRY:
			want.entries++;
			break;
		case DEVNAME_INVALID:
			want.invalid++;
			break;
		default:
			break;
		}
	}

	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (f == NULL)
		return 0;
	if (devname_foreach(f, count, &got) != 0 || got.entries != want.entries ||
	    got.invalid != want.invalid)
		abort();
	fclose(f);
	return 0;
}
