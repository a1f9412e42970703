// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "util.h"

int builtin_modinfo_get(int dirfd, const char *path, const char *modname, char **buf_out,
			const char ***strs_out, size_t *n_out)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ const char **strs = NULL;
	size_t size, n = 0, cap = 0, modlen = strlen(modname);
	size_t i = 0;
	int r;

	r = read_file_full(dirfd, path, &buf, &size);
	if (r < 0)
		return r;
	while (i < size) {
		const char *rec = buf + i;
		size_t len = strnlen(rec, size - i);

		if (len > modlen && memcmp(rec, modname, modlen) == 0 &&
		    rec[modlen] == '.') {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				const char **ns = realloc(strs, ncap * sizeof(*ns));

				if (ns == NULL)
					return -ENOMEM;
				strs = ns;
				cap = ncap;
			}
			strs[n++] = rec + modlen + 1;
		} else if (n > 0) {
			break;
		}
		i += len + 1;
	}
	/* read_file_full NUL-terminates, so an unterminated last record is safe */
	*buf_out = buf;
	*strs_out = strs;
	*n_out = n;
	buf = NULL;
	strs = NULL;
	return 0;
}
