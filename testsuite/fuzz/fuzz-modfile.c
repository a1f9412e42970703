// SPDX-License-Identifier: LGPL-2.1-or-later
/* libFuzzer target: the module reader on arbitrary (possibly compressed) images. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "modfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct modfile *mf;
	const struct modinfo_entry *e;
	const struct modsym *s;
	struct modsig sig;
	void *img;
	size_t n, len;

	if (modfile_open_memory(data, size, "fuzz", &mf) < 0)
		return 0;
	modfile_get_modinfo(mf, &e, &n);
	modfile_get_exports(mf, &s, &n);
	modfile_get_needs(mf, &s, &n);
	modfile_get_versions(mf, &s, &n);
	modfile_get_signature(mf, &sig);
	if (modfile_strip(mf, true, true, &img, &len) == 0)
		free(img);
	modfile_drop_cache(mf);
	modfile_get_modinfo(mf, &e, &n);
	modfile_free(mf);
	return 0;
}
