/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A kernel module file (.ko, .ko.gz, .ko.xz, .ko.zst): its image, .modinfo, the
 * appended signature. Its ELF symbols are read by lib/modsyms.h.
 *
 * The compression is chosen by magic bytes, not by extension. A compressed file is
 * decompressed once, into memory, when it is opened. A plain file stays open and only
 * the ELF header, the section headers and the wanted sections are read, with pread.
 * ELF parsing is done by libelf; every offset and size taken from the file is checked
 * against the file size first.
 *
 * All functions return 0 or a negative errno:
 *   -ENOEXEC  not an ELF relocatable object of a known class/byte order, or corrupt
 *   -EBADMSG  corrupt compressed stream
 *   -EPIPE    truncated compressed stream
 *   -ENOTSUP  compressed with a format this build cannot decompress
 *   -ENODATA  the requested section or signature is absent
 * Strings and arrays returned point into memory owned by the modfile; they stay valid
 * until modfile_free().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compress.h"
#include "util.h"

struct modfile;

int modfile_open(const char *path, struct modfile **out) _must_check_;
/*
 * @path relative to @dirfd (AT_FDCWD allowed). @size: the file's size when the
 * caller has just found it to be a regular file with a stat (no fstat again),
 * or negative when unknown.
 */
int modfile_open_at_size(int dirfd, const char *path, int64_t size,
			 struct modfile **out) _must_check_;
/*
 * As modfile_open(), for loading: a compressed file is decompressed only when its
 * contents are first asked for (image, sections, signature), so that a kernel
 * that decompresses the format itself gets the descriptor and nothing else is
 * read or allocated (docs/compat.md). A bad stream is then reported by that
 * first use.
 */
int modfile_open_deferred(const char *path, struct modfile **out) _must_check_;
struct mem_budget;
struct hugemem;
/*
 * As modfile_open_at_size(), with a decompressed image counted in @budget, shared
 * with other threads (lib/mem-budget.h), until modfile_free(): mydepmod's readers.
 * @room (or NULL): the calling thread's memory for the sparse image of a plain
 * file of up to HUGEMEM_ALIGN bytes, made at the first such file and used again
 * for each (lib/hugemem.h); it must outlive the modfile, and the thread opens
 * one modfile at a time in it.
 */
int modfile_open_budget(int dirfd, const char *path, int64_t size,
			struct mem_budget *budget, struct hugemem *room,
			struct modfile **out) _must_check_;
/* Take a module image already in memory (copied): the fuzzer's and the tests' way in. */
int modfile_open_memory(const void *data, size_t size, struct modfile **out) _must_check_;
/*
 * The same without the copy: @data (malloc'd) belongs to the modfile from now on,
 * and is freed by it, or at once when this fails or the image is compressed.
 */
int modfile_open_memory_take(void *data, size_t size, struct modfile **out) _must_check_;
void modfile_free(struct modfile *mf);

enum mk_compression modfile_compression(const struct modfile *mf);
/* The open descriptor of the file as stored on disk (for finit_module), or -1. */
int modfile_fd(const struct modfile *mf);

/* .modinfo, in section order: "key=value" split at the first '=' (no '=': value ""). */
struct modinfo_entry {
	const char *key;
	size_t keylen;
	const char *value;
	size_t valuelen; /* strlen(value), measured once for every reader */
};
int modfile_get_modinfo(struct modfile *mf, const struct modinfo_entry **entries,
			size_t *n) _must_check_;

/* The appended signature ("~Module signature appended~\n"). */
struct modsig {
	const char *id_type; /* "PGP", "X509", "PKCS#7" */
	const char *hash_algo; /* "sha256", ..., or "unknown" */
	const uint8_t *signer;
	size_t signer_len;
	const uint8_t *key_id;
	size_t key_id_len;
	const uint8_t *sig;
	size_t sig_len;
};
int modfile_get_signature(struct modfile *mf, struct modsig *sig) _must_check_;

/*
 * The whole (decompressed) image, for init_module() and for the force flags.
 * For a plain file this reads it into memory on first use.
 */
int modfile_get_image(struct modfile *mf, const void **data, size_t *size) _must_check_;

/*
 * Copies of the image with the kernel's checks defeated, as kmod does for
 * init_module(): clear SHF_ALLOC of __versions (@modversions) and blank the
 * vermagic= string of .modinfo (@vermagic; -ENODATA if it has none).
 * The result is malloc'd and owned by the caller.
 */
int modfile_strip(struct modfile *mf, bool modversions, bool vermagic, void **data,
		  size_t *size) _must_check_;
