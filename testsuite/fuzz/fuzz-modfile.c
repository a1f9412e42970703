// SPDX-License-Identifier: LGPL-2.1-or-later
/* libFuzzer target: the module reader on arbitrary (possibly compressed) images. */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "modfile.h"
#include "modsyms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(struct modfile *mf)
{
	const struct modinfo_entry *e;
	const struct modsym *s;
	struct modsig sig;
	void *img;
	size_t n, len;

	/* what they return does not matter here, only that nothing goes wrong */
	(void)!modfile_get_modinfo(mf, &e, &n);
	(void)!modfile_get_exports(mf, &s, &n);
	(void)!modfile_get_needs(mf, &s, &n);
	(void)!modfile_get_versions(mf, &s, &n);
	(void)!modfile_get_signature(mf, &sig);
	if (modfile_strip(mf, true, true, &img, &len) == 0)
		free(img);
}

/* A plain file is read sparsely with pread: give the input a file descriptor too. */
static void from_file(const uint8_t *data, size_t size)
{
	struct modfile *mf;
	char path[64];
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (modfile_open(path, &mf) == 0) {
			exercise(mf);
			modfile_free(mf);
		}
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct modfile *mf;

	from_file(data, size);
	if (modfile_open_memory(data, size, &mf) < 0)
		return 0;
	exercise(mf);
	modfile_free(mf);
	return 0;
}
