/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to lib/modfile.c (the file, its image and its sections) and lib/modsyms.c
 * (the ELF symbols read from them): the modfile itself and the ways into its image.
 * No other file includes this; the public API is lib/modfile.h and lib/modsyms.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dl-elf.h" /* libelf, loaded by mf_elf_load() */
#include "mem-budget.h"
#include "modfile.h"
#include "util.h"

struct modsym;

/* the sections looked up by mf_elf_load(), in mf->sec[] */
enum {
	SEC_MODINFO,
	SEC_SYMTAB,
	SEC_STRTAB,
	SEC_VERSIONS,
	SEC_KSYMTAB_STRINGS,
	SEC_KCRCTAB,
	SEC_KCRCTAB_GPL,
	SEC_MAX,
};

#define MAX_COVERED 32

struct range {
	uint64_t off, end;
};

/*
 * exports, needs or versions: one allocation, made by lib/modsyms.c and freed
 * with the modfile (lib/modfile.c)
 */
struct symlist {
	struct modsym *syms;
	size_t n;
	bool loaded;
};

struct modfile {
	int fd;
	enum mk_compression compression;
	uint64_t size; /* of the (decompressed) image */
	uint8_t *image; /* the image: whole, or sparse for a plain file */
	bool sparse;
	bool image_lent; /* @image is the caller's room (modfile_open_budget()) */
	bool pending; /* compressed, opened deferred, not decompressed yet */
	struct mem_hold hold; /* the decompressed image in a shared budget */
	struct range covered[MAX_COVERED]; /* sorted, disjoint, not touching */
	size_t n_covered;

	Elf *elf;
	int elf_err;
	bool elf_tried;
	bool is64;
	bool msb;
	size_t shnum;
	size_t sec[SEC_MAX]; /* section indexes, 0 = absent */

	/* results, owned here */
	char *modinfo_buf;
	struct modinfo_entry *modinfo;
	size_t n_modinfo;
	int modinfo_err;
	bool modinfo_loaded;

	struct symlist exports, needs, versions;

	bool sig_loaded;
	int sig_err;
	struct modsig sig;
	struct modsig_pkcs7 *pkcs7;
};

/* An integer of @len bytes (up to 8) in the module's byte order. */
static inline uint64_t read_uint(const struct modfile *mf, const uint8_t *p, size_t len)
{
	uint64_t v = 0;

	if (mf->msb) {
		for (size_t i = 0; i < len; i++)
			v = (v << 8) | p[i];
	} else {
		for (size_t i = len; i > 0; i--)
			v = (v << 8) | p[i - 1];
	}
	return v;
}

/* Check the ELF header and section table, and find the sections: done once. */
int mf_elf_load(struct modfile *mf) _must_check_;

static inline int mf_elf_setup(struct modfile *mf)
{
	return mf->elf_tried ? mf->elf_err : mf_elf_load(mf);
}

/* Make [off, off + len) of a sparse image valid (read it in). Checks the range. */
int mf_ensure_range(struct modfile *mf, uint64_t off, uint64_t len) _must_check_;
/* The same for several ranges (sorted in place), neighbours in one pread. */
int mf_ensure_ranges(struct modfile *mf, struct range *rs, size_t n) _must_check_;

/*
 * Raw bytes of section @idx, bounds-checked and read in; its header in @shdr if not
 * NULL. Memory owned by libelf or the image.
 */
int mf_section_bytes(struct modfile *mf, size_t idx, const uint8_t **data, size_t *size,
		     GElf_Shdr *shdr) _must_check_;

/*
 * NUL-separated strings: leading NULs are skipped, runs of NULs separate entries,
 * an unterminated last string still counts. Copies into one buffer (+1 NUL); the
 * caller frees *buf_out and *strs_out.
 */
int mf_split_strings(const uint8_t *data, size_t size, char **buf_out,
		     const char ***strs_out, size_t *n_out) _must_check_;
