// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Reading modules.devname the way kmod 30's static-nodes does
 * (docs/messages.md §10.1). kmod calls fgets() and then
 * sscanf(piece, "%s %s %c%u:%u"); the same rules are spelled out here so that
 * every piece kmod accepts is accepted with the same fields, and every piece it
 * refuses is refused: "c 1:2" (blank before the major), "+1", "-1" (4294967295),
 * numbers past 32 bits (cut to 32 bits, or 4294967295 past 64 bits).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "devname.h"

/* isspace() of the C locale, which kmod runs in */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static const char *skip_blanks(const char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

/* "%s": blanks skipped, then a non-empty word; false at the end of the piece */
static bool scan_word(const char **s, const char **word, size_t *len)
{
	const char *p = skip_blanks(*s), *start = p;

	while (*p != '\0' && !is_blank(*p))
		p++;
	if (p == start)
		return false;
	*word = start;
	*len = (size_t)(p - start);
	*s = p;
	return true;
}

/*
 * "%u" of glibc: blanks, an optional sign, at least one decimal digit; the value is
 * strtoul()'s (negated for '-', ULONG_MAX when it does not fit in 64 bits), cut to
 * unsigned int.
 */
static bool scan_uint(const char **s, unsigned int *out)
{
	const char *p = skip_blanks(*s);
	bool neg = false, overflow = false;
	uint64_t v = 0;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (overflow)
			continue;
		if (umul64_overflow(v, 10, &v) ||
		    uadd64_overflow(v, (uint64_t)(*p - '0'), &v))
			overflow = true;
	}
	if (overflow)
		v = UINT64_MAX;
	else if (neg)
		v = -v;
	*out = (unsigned int)v;
	*s = p;
	return true;
}

enum devname_piece devname_parse(const char *piece, struct devname_entry *e)
{
	const char *p = piece;

	if (piece[0] == '#')
		return DEVNAME_COMMENT;
	if (!scan_word(&p, &e->module, &e->module_len) ||
	    !scan_word(&p, &e->devname, &e->devname_len))
		return DEVNAME_INVALID;
	/* " %c": blanks, then any one character */
	p = skip_blanks(p);
	if (*p == '\0')
		return DEVNAME_INVALID;
	e->type = *p++;
	if (!scan_uint(&p, &e->major) || *p++ != ':' || !scan_uint(&p, &e->minor))
		return DEVNAME_INVALID;
	if (e->type != 'c' && e->type != 'b')
		return DEVNAME_INVALID;
	return DEVNAME_ENTRY;
}

int devname_foreach(FILE *in, devname_fn fn, void *data)
{
	char piece[DEVNAME_PIECE_MAX];
	int r;

	while (fgets(piece, sizeof(piece), in) != NULL) {
		struct devname_entry e;

		switch (devname_parse(piece, &e)) {
		case DEVNAME_COMMENT:
			continue;
		case DEVNAME_ENTRY:
			r = fn(data, &e, NULL);
			break;
		default:
			r = fn(data, NULL, piece);
			break;
		}
		if (r < 0)
			return r;
	}
	if (ferror(in))
		return errno > 0 ? -errno : -EIO;
	return 0;
}
