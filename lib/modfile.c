// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Module files. libelf parses, always from memory (elf_memory):
 *  - a compressed file is decompressed once into a full image;
 *  - a plain file gets a sparse image: a buffer of the file's size into which only
 *    the ranges that are needed are read with pread (the ELF header, the end of the
 *    file with the section headers and the signature, then the wanted sections,
 *    neighbouring ones in one read). Nothing reads an unfilled part: every range is
 *    read in before libelf or we look at it.
 * Before any section is used its offset and size are checked against the image
 * size, and every string is bounded by its section. The ELF symbols are read by
 * lib/modsyms.c through the section access declared in lib/modfile-internal.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hugemem.h"
#include "modfile-internal.h"
#include "signature.h"
#include "util.h"

/* each starts with ".m", ".s" or "__" (mf_elf_load() relies on it) */
static const char *const wanted_sections[SEC_MAX] = {
	[SEC_MODINFO] = ".modinfo",
	[SEC_SYMTAB] = ".symtab",
	[SEC_STRTAB] = ".strtab",
	[SEC_VERSIONS] = "__versions",
	[SEC_KSYMTAB_STRINGS] = "__ksymtab_strings",
	/* where __crc_ symbols point, read with the symbol table */
	[SEC_KCRCTAB] = "__kcrctab",
	[SEC_KCRCTAB_GPL] = "__kcrctab_gpl",
};

/* Ranges closer than this are read with one pread: cheaper than two syscalls. */
#define READ_MERGE_GAP 16384
/* Past the section headers, up to this much (the signature) is read with them. */
#define TAIL_READ 16384
/*
 * Files up to this size are read whole, in one pread: half the modules of a
 * distribution tree. A syscall costs about as much as copying 16 KiB here, and
 * the piecewise way takes three or four.
 */
#define SMALL_FILE 32768
/* Read this much before the section headers too: .shstrtab is usually there. */
#define SHSTRTAB_SLACK 2048

/* ---- the sparse image of a plain file ---- */

static bool range_covered(const struct modfile *mf, uint64_t off, uint64_t end)
{
	for (size_t i = 0; i < mf->n_covered; i++)
		if (mf->covered[i].off <= off && end <= mf->covered[i].end)
			return true;
	return false;
}

static void covered_add(struct modfile *mf, uint64_t off, uint64_t end)
{
	size_t i, j;

	/* merge with every range it overlaps or touches */
	for (i = 0; i < mf->n_covered;) {
		struct range *c = &mf->covered[i];

		if (c->end < off || end < c->off) {
			i++;
			continue;
		}
		off = c->off < off ? c->off : off;
		end = c->end > end ? c->end : end;
		memmove(c, c + 1, (mf->n_covered - i - 1) * sizeof(*c));
		mf->n_covered--;
	}
	for (j = 0; j < mf->n_covered && mf->covered[j].off < off; j++)
		;
	memmove(&mf->covered[j + 1], &mf->covered[j],
		(mf->n_covered - j) * sizeof(struct range));
	mf->covered[j].off = off;
	mf->covered[j].end = end;
	mf->n_covered++;
}

/* Make [off, off + len) of a sparse image valid. Checks the range. */
int mf_ensure_range(struct modfile *mf, uint64_t off, uint64_t len)
{
	uint64_t end;
	int r;

	if (!range_valid(off, len, mf->size))
		return -EINVAL;
	if (!mf->sparse || len == 0)
		return 0;
	end = off + len;
	if (range_covered(mf, off, end))
		return 0;
	if (mf->n_covered + 1 >= MAX_COVERED) {
		/* too fragmented to track: take the whole file */
		off = 0;
		end = mf->size;
	}
	/* a read into fresh malloc'd memory: its pages made in one call first */
	if (!mf->image_lent)
		mem_populate(mf->image + off, end - off);
	r = pread_all(mf->fd, mf->image + off, end - off, off);
	if (r < 0)
		return r == -EIO ? -EINVAL : r;
	covered_add(mf, off, end);
	return 0;
}

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* Read several ranges, with one pread for neighbours closer than READ_MERGE_GAP. */
int mf_ensure_ranges(struct modfile *mf, struct range *rs, size_t n)
{
	size_t i = 0;

	qsort(rs, n, sizeof(*rs), range_cmp);
	while (i < n) {
		uint64_t off = rs[i].off, end = rs[i].end;
		int r;

		for (i++; i < n && rs[i].off <= end + READ_MERGE_GAP; i++)
			if (rs[i].end > end)
				end = rs[i].end;
		r = mf_ensure_range(mf, off, end - off);
		if (r < 0)
			return r;
	}
	return 0;
}

MK_DL_DEFINE(elf);

/*
 * libelf is loaded here, by the first modfile that parses its ELF: opening a file
 * (or reading only its signature) does not need it. 0, -ELIBACC or -ENOSYS.
 */
static int libelf_ready(void)
{
	int r = mk_dl_elf_load();

	if (r < 0)
		return r;
	/* elf_version() is idempotent and thread-safe enough to call every time */
	return elf_version(EV_CURRENT) != EV_NONE ? 0 : -ENOSYS;
}

static struct modfile *modfile_alloc(void)
{
	struct modfile *mf = calloc(1, sizeof(*mf));

	if (mf)
		mf->fd = -1;
	return mf;
}

/*
 * Decompress @buf (@size bytes), or the file when @buf is NULL, into @img with
 * its bytes counted in mf->hold: when other threads hold too much of the shared
 * budget, once more alone (lib/mem-budget.h). On failure nothing stays held.
 */
static int decompress_held(struct modfile *mf, const void *buf, size_t size, void **img,
			   size_t *len)
{
	int r;

	for (int tries = 0;; tries++) {
		r = buf != NULL ? mk_decompress_mem_held(buf, size, mf->compression,
							 &mf->hold, img, len)
				: mk_decompress_fd_held(mf->fd, mf->compression,
							&mf->hold, img, len);
		if (r != -EAGAIN || tries > 0)
			break;
		mem_hold_release(&mf->hold);
		mem_hold_wait_alone(&mf->hold);
	}
	if (r < 0)
		mem_hold_release(&mf->hold);
	return r;
}

/* Read a small file whole, in one pread, and decompress it if need be. */
static int open_small(struct modfile *mf, size_t size)
{
	uint8_t *buf = malloc(size);
	int r;

	if (buf == NULL)
		return -ENOMEM;
	r = pread_all(mf->fd, buf, size, 0);
	if (r < 0) {
		free(buf);
		return r == -EIO ? -EINVAL : r;
	}
	mf->compression = mk_compression_detect(buf, size);
	if (mf->compression == MK_COMPRESSION_NONE) {
		mf->image = buf;
		mf->size = size;
		mf->sparse = true;
		covered_add(mf, 0, size);
		return 0;
	}
	{
		void *img;
		size_t len;

		r = decompress_held(mf, buf, size, &img, &len);
		free(buf);
		if (r < 0)
			return r;
		mf->image = img;
		mf->size = len;
	}
	return 0;
}

/*
 * A plain file, however large: no cap, as the image is only reserved (address
 * space, not memory) and just the ranges needed are read in. @head holds its
 * first @n bytes.
 */
static int open_plain(struct modfile *mf, uint64_t size, const uint8_t *head, size_t n,
		      struct hugemem *room)
{
	if (size >= SIZE_MAX)
		return -EFBIG;
	mf->size = size;
	/* the room of the reading thread, made at its first file that fits */
	if (room != NULL && size <= HUGEMEM_ALIGN &&
	    (room->p != NULL || hugemem_alloc(room, HUGEMEM_ALIGN) == 0)) {
		mf->image = room->p;
		mf->image_lent = true;
	} else {
		mf->image = malloc(mf->size ? mf->size : 1);
	}
	if (mf->image == NULL)
		return -ENOMEM;
	mf->sparse = true;
	memcpy(mf->image, head, n);
	covered_add(mf, 0, n);
	return 0;
}

/* A compressed file: decompressed once, whole. */
static int open_compressed(struct modfile *mf)
{
	void *img;
	size_t len;
	int r;

	r = decompress_held(mf, NULL, 0, &img, &len);
	if (r < 0)
		return r;
	mf->image = img;
	mf->size = len;
	return 0;
}

/* Decompress the image of a file opened deferred, once. */
static int load_pending(struct modfile *mf)
{
	int r;

	if (!mf->pending)
		return 0;
	r = open_compressed(mf);
	if (r == 0)
		mf->pending = false;
	return r;
}

static int open_file(int dirfd, const char *path, int64_t size, bool deferred,
		     struct mem_budget *budget, struct hugemem *room,
		     struct modfile **out)
{
	struct modfile *mf;
	uint8_t head[64];
	struct stat st = { .st_size = size };
	ssize_t n;
	int r;

	mf = modfile_alloc();
	if (mf == NULL)
		return -ENOMEM;
	mf->hold.budget = budget;
	mf->fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (mf->fd < 0) {
		r = -errno;
		goto fail;
	}
	if (size < 0) {
		if (fstat(mf->fd, &st) < 0) {
			r = -errno;
			goto fail;
		}
		if (!S_ISREG(st.st_mode)) {
			r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
			goto fail;
		}
	}
	if (!deferred && st.st_size >= 6 && (uint64_t)st.st_size <= SMALL_FILE) {
		/* a small file: the head and tail reads would cover all of it */
		r = open_small(mf, (size_t)st.st_size);
		if (r < 0)
			goto fail;
		*out = mf;
		return 0;
	}
	/* one read serves the compression magic and the ELF header */
	n = pread(mf->fd, head, sizeof(head), 0);
	if (n < 0) {
		r = -errno;
		goto fail;
	}
	/* kmod refuses files too short to hold any of the magics */
	if (n < 6) {
		r = -EINVAL;
		goto fail;
	}
	mf->compression = mk_compression_detect(head, (size_t)n);
	r = 0;
	if (mf->compression == MK_COMPRESSION_NONE)
		r = open_plain(mf, (uint64_t)st.st_size, head, (size_t)n, room);
	else if (deferred)
		mf->pending = true;
	else
		r = open_compressed(mf);
	if (r < 0)
		goto fail;
	*out = mf;
	return 0;
fail:
	modfile_free(mf);
	return r;
}

int modfile_open_at_size(int dirfd, const char *path, int64_t size, struct modfile **out)
{
	return open_file(dirfd, path, size, false, NULL, NULL, out);
}

int modfile_open(const char *path, struct modfile **out)
{
	return open_file(AT_FDCWD, path, -1, false, NULL, NULL, out);
}

int modfile_open_deferred(const char *path, struct modfile **out)
{
	return open_file(AT_FDCWD, path, -1, true, NULL, NULL, out);
}

int modfile_open_budget(int dirfd, const char *path, int64_t size,
			struct mem_budget *budget, struct hugemem *room,
			struct modfile **out)
{
	return open_file(dirfd, path, size, false, budget, room, out);
}

/* @take: @data is a malloc'd buffer the modfile now owns (freed on any error too). */
static int open_memory(const void *data, size_t size, bool take, struct modfile **out)
{
	struct modfile *mf = NULL;
	enum mk_compression c = mk_compression_detect(data, size);
	void *img = NULL;
	size_t len = size;
	int r = 0;

	if (size < 6)
		r = -EINVAL;
	else if ((mf = modfile_alloc()) == NULL)
		r = -ENOMEM;
	else if (c != MK_COMPRESSION_NONE)
		r = mk_decompress_mem(data, size, c, &img, &len);
	else if (take)
		img = (void *)data;
	else if ((img = malloc(size)) == NULL)
		r = -ENOMEM;
	else
		memcpy(img, data, size);
	if (take && img != data)
		free((void *)data);
	if (r < 0) {
		modfile_free(mf);
		return r;
	}
	mf->compression = c;
	mf->image = img;
	mf->size = len;
	*out = mf;
	return 0;
}

int modfile_open_memory(const void *data, size_t size, struct modfile **out)
{
	return open_memory(data, size, false, out);
}

int modfile_open_memory_take(void *data, size_t size, struct modfile **out)
{
	return open_memory(data, size, true, out);
}

static void free_results(struct modfile *mf)
{
	struct symlist *lists[] = { &mf->exports, &mf->needs, &mf->versions };

	free(mf->modinfo_buf);
	free(mf->modinfo);
	mf->modinfo_buf = NULL;
	mf->modinfo = NULL;
	mf->n_modinfo = 0;
	mf->modinfo_loaded = false;
	/* the symbol lists lib/modsyms.c made */
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
		free(lists[i]->syms);
		memset(lists[i], 0, sizeof(*lists[i]));
	}
	modsig_pkcs7_free(mf->pkcs7);
	mf->pkcs7 = NULL;
	mf->sig_loaded = false;
}

void modfile_free(struct modfile *mf)
{
	if (mf == NULL)
		return;
	if (mf->elf)
		elf_end(mf->elf);
	free_results(mf);
	if (!mf->image_lent)
		free(mf->image);
	mem_hold_release(&mf->hold);
	if (mf->fd >= 0)
		close(mf->fd);
	free(mf);
}

enum mk_compression modfile_compression(const struct modfile *mf)
{
	return mf->compression;
}

int modfile_fd(const struct modfile *mf)
{
	return mf->fd;
}

/* ---- ELF ---- */

static size_t ehdr_size(const struct modfile *mf)
{
	return mf->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
}

static size_t shdr_size(const struct modfile *mf)
{
	return mf->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
}

/* The identification checks: they come first and give kmod's errors. */
static int elf_ident(struct modfile *mf)
{
	const unsigned char *ident = mf->image;

	if (mf->size <= EI_NIDENT || (mf->sparse && !range_covered(mf, 0, EI_NIDENT)))
		return -ENOEXEC;
	if (memcmp(ident, ELFMAG, SELFMAG) != 0)
		return -ENOEXEC;
	if (ident[EI_CLASS] != ELFCLASS32 && ident[EI_CLASS] != ELFCLASS64)
		return -EINVAL;
	if (ident[EI_DATA] != ELFDATA2LSB && ident[EI_DATA] != ELFDATA2MSB)
		return -EINVAL;
	mf->is64 = ident[EI_CLASS] == ELFCLASS64;
	mf->msb = ident[EI_DATA] == ELFDATA2MSB;
	if (mf->size <= ehdr_size(mf))
		return -EINVAL;
	return 0;
}

/* A sparse image: read the section header table, which libelf reads on opening. */
static int sparse_read_headers(struct modfile *mf)
{
	uint64_t shoff, shnum, start, end;
	size_t shsize = shdr_size(mf);
	int r = mf_ensure_range(mf, 0, ehdr_size(mf));

	if (r < 0)
		return r;
	shoff = mf->is64 ? read_uint(mf, mf->image + 0x28, 8)
			 : read_uint(mf, mf->image + 0x20, 4);
	shnum = read_uint(mf, mf->image + (mf->is64 ? 0x3c : 0x30), 2);
	/* extended numbering: shdr[0] holds the count */
	if (shnum == 0)
		return mf_ensure_range(mf, 0, mf->size);
	if (!range_valid(shoff, shnum * shsize, mf->size))
		return -EINVAL;
	/*
	 * kbuild puts .shstrtab right before the section headers and the signature
	 * right after them, at the end: one read from a little before the headers to
	 * the end of the file gets all three.
	 */
	start = shoff > SHSTRTAB_SLACK ? shoff - SHSTRTAB_SLACK : 0;
	end = shoff + shnum * shsize;
	if (mf->size - end <= TAIL_READ)
		end = mf->size;
	return mf_ensure_range(mf, start, end - start);
}

/*
 * Open the image with libelf and check the section header table (whole, of the
 * expected entry size) and .shstrtab (in range and NUL-terminated, so elf_strptr
 * is safe), whose index goes to @shstrndx.
 */
static int elf_open_checked(struct modfile *mf, size_t *shstrndx)
{
	size_t shsize = shdr_size(mf);
	uint64_t shtab;
	GElf_Ehdr ehdr;
	GElf_Shdr sh;
	Elf_Scn *scn;
	Elf_Data *d;

	mf->elf = elf_memory((char *)mf->image, mf->size);
	if (mf->elf == NULL || elf_kind(mf->elf) != ELF_K_ELF)
		return -EINVAL;
	if (gelf_getehdr(mf->elf, &ehdr) == NULL)
		return -EINVAL;
	if (ehdr.e_shentsize != shsize)
		return -EINVAL;
	if (elf_getshdrnum(mf->elf, &mf->shnum) < 0 ||
	    elf_getshdrstrndx(mf->elf, shstrndx) < 0)
		return -EINVAL;
	if (umul64_overflow(mf->shnum, shsize, &shtab) ||
	    !range_valid(ehdr.e_shoff, shtab, mf->size))
		return -EINVAL;
	if (*shstrndx == SHN_UNDEF || *shstrndx >= mf->shnum)
		return -EINVAL;
	scn = elf_getscn(mf->elf, *shstrndx);
	if (scn == NULL || gelf_getshdr(scn, &sh) == NULL || sh.sh_type == SHT_NOBITS ||
	    sh.sh_size == 0 || !range_valid(sh.sh_offset, sh.sh_size, mf->size) ||
	    mf_ensure_range(mf, sh.sh_offset, sh.sh_size) < 0)
		return -EINVAL;
	d = elf_rawdata(scn, NULL);
	if (d == NULL || d->d_size != sh.sh_size ||
	    ((const char *)d->d_buf)[d->d_size - 1] != '\0')
		return -EINVAL;
	return 0;
}

/* The indexes of the wanted sections, into mf->sec[] (0: absent). */
static int find_sections(struct modfile *mf, size_t shstrndx)
{
	memset(mf->sec, 0, sizeof(mf->sec));
	for (size_t i = 1; i < mf->shnum; i++) {
		Elf_Scn *scn = elf_getscn(mf->elf, i);
		GElf_Shdr sh;
		const char *name;

		if (scn == NULL || gelf_getshdr(scn, &sh) == NULL)
			return -EINVAL;
		name = elf_strptr(mf->elf, shstrndx, sh.sh_name);
		if (name == NULL)
			continue;
		/* like kmod, a section that does not fit in the file counts as absent */
		if (sh.sh_type == SHT_NOBITS ||
		    !range_valid(sh.sh_offset, sh.sh_size, mf->size))
			continue;
		/* every wanted name starts with ".m", ".s" or "__": skip the rest */
		if (!(name[0] == '.' && (name[1] == 'm' || name[1] == 's')) &&
		    !(name[0] == '_' && name[1] == '_'))
			continue;
		for (int s = 0; s < SEC_MAX; s++) {
			if (mf->sec[s] == 0 && streq(name, wanted_sections[s])) {
				mf->sec[s] = i;
				break;
			}
		}
	}
	return 0;
}

int mf_elf_load(struct modfile *mf)
{
	size_t shstrndx;
	int r;

	mf->elf_tried = true;
	r = load_pending(mf);
	if (r == 0)
		r = libelf_ready();
	if (r == 0)
		r = elf_ident(mf);
	if (r == 0 && mf->sparse)
		r = sparse_read_headers(mf);
	if (r == 0)
		r = elf_open_checked(mf, &shstrndx);
	if (r == 0)
		r = find_sections(mf, shstrndx);
	return mf->elf_err = r;
}

/* Raw bytes of section @idx, bounds-checked. Memory owned by libelf or the image. */
int mf_section_bytes(struct modfile *mf, size_t idx, const uint8_t **data, size_t *size,
		     GElf_Shdr *shdr)
{
	Elf_Scn *scn = elf_getscn(mf->elf, idx);
	GElf_Shdr sh;
	int r;

	if (scn == NULL || gelf_getshdr(scn, &sh) == NULL)
		return -EINVAL;
	if (sh.sh_type == SHT_NOBITS || !range_valid(sh.sh_offset, sh.sh_size, mf->size))
		return -EINVAL;
	if (shdr)
		*shdr = sh;
	if (sh.sh_size == 0) {
		*data = (const uint8_t *)"";
		*size = 0;
		return 0;
	}
	r = mf_ensure_range(mf, sh.sh_offset, sh.sh_size);
	if (r < 0)
		return r;
	*data = mf->image + sh.sh_offset;
	*size = sh.sh_size;
	return 0;
}

/* ---- .modinfo ---- */

/* "a\0b\0\0c" to "a", "b", "c" (lib/modfile-internal.h) */
int mf_split_strings(const uint8_t *data, size_t size, char **buf_out,
		     const char ***strs_out, size_t *n_out)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ const char **strs = NULL;
	size_t n = 0, i, cap;

	*buf_out = NULL;
	*strs_out = NULL;
	*n_out = 0;
	while (size > 0 && data[0] == '\0') {
		data++;
		size--;
	}
	if (size == 0)
		return 0;
	buf = malloc(size + 1);
	if (buf == NULL)
		return -ENOMEM;
	memcpy(buf, data, size);
	buf[size] = '\0';
	/* at most one string per two bytes, plus one */
	cap = size / 2 + 1;
	strs = malloc(cap * sizeof(*strs));
	if (strs == NULL)
		return -ENOMEM;
	for (i = 0; i < size;) {
		strs[n++] = buf + i;
		i += strlen(buf + i);
		while (i < size && buf[i] == '\0')
			i++;
	}
	*buf_out = buf;
	*strs_out = strs;
	*n_out = n;
	buf = NULL;
	strs = NULL;
	return 0;
}

int modfile_get_modinfo(struct modfile *mf, const struct modinfo_entry **entries,
			size_t *n)
{
	_cleanup_free_ const char **strs = NULL;
	const uint8_t *data;
	size_t size, count;
	int r;

	if (mf->modinfo_loaded)
		goto done;
	r = mf_elf_setup(mf);
	if (r < 0)
		return r;
	if (mf->sec[SEC_MODINFO] == 0) {
		mf->modinfo_err = -ENODATA;
		mf->modinfo_loaded = true;
		goto done;
	}
	r = mf_section_bytes(mf, mf->sec[SEC_MODINFO], &data, &size, NULL);
	if (r < 0)
		return r;
	r = mf_split_strings(data, size, &mf->modinfo_buf, &strs, &count);
	if (r < 0)
		return r;
	if (count) {
		mf->modinfo = calloc(count, sizeof(*mf->modinfo));
		if (mf->modinfo == NULL)
			return -ENOMEM;
	}
	for (size_t i = 0; i < count; i++) {
		const char *eq = strchr(strs[i], '=');
		struct modinfo_entry *e = &mf->modinfo[i];

		e->key = strs[i];
		if (eq) {
			e->keylen = (size_t)(eq - strs[i]);
			e->value = eq + 1;
		} else {
			e->keylen = strlen(strs[i]);
			e->value = strs[i] + e->keylen;
		}
		e->valuelen = strlen(e->value);
	}
	mf->n_modinfo = count;
	mf->modinfo_err = 0;
	mf->modinfo_loaded = true;
done:
	if (mf->modinfo_err < 0)
		return mf->modinfo_err;
	*entries = mf->modinfo;
	*n = mf->n_modinfo;
	return 0;
}

/* ---- image ---- */

int modfile_get_image(struct modfile *mf, const void **data, size_t *size)
{
	int r = load_pending(mf);

	if (r == 0)
		r = mf_ensure_range(mf, 0, mf->size);
	if (r < 0)
		return r;
	*data = mf->image;
	*size = mf->size;
	return 0;
}

/* In @copy (of @len bytes), clear SHF_ALLOC of the __versions section header. */
static int strip_modversions(struct modfile *mf, uint8_t *copy, size_t len)
{
	GElf_Ehdr ehdr;
	uint64_t off, flags_off, flags;
	size_t flen = mf->is64 ? 8 : 4;

	if (gelf_getehdr(mf->elf, &ehdr) == NULL)
		return -EINVAL;
	/* sh_flags sits right after sh_name and sh_type (4 + 4 bytes) */
	if (umul64_overflow(mf->sec[SEC_VERSIONS], shdr_size(mf), &off) ||
	    uadd64_overflow(ehdr.e_shoff, off, &off) ||
	    uadd64_overflow(off, 8, &flags_off) || !range_valid(flags_off, flen, len))
		return -EINVAL;
	flags = read_uint(mf, copy + flags_off, flen) & ~(uint64_t)SHF_ALLOC;
	for (size_t i = 0; i < flen; i++) {
		size_t shift = mf->msb ? (flen - 1 - i) * 8 : i * 8;

		copy[flags_off + i] = (uint8_t)(flags >> shift);
	}
	return 0;
}

/* In @copy, blank the first vermagic= string of .modinfo; -ENODATA if none. */
static int strip_vermagic(struct modfile *mf, uint8_t *copy)
{
	GElf_Shdr sh;
	const uint8_t *mi;
	size_t misize;

	if (mf->sec[SEC_MODINFO] == 0 ||
	    mf_section_bytes(mf, mf->sec[SEC_MODINFO], &mi, &misize, &sh) < 0)
		return -ENODATA;
	for (size_t i = 0; i < misize;) {
		size_t l = strnlen((const char *)mi + i, misize - i);

		if (l >= 9 && memcmp(mi + i, "vermagic=", 9) == 0) {
			memset(copy + sh.sh_offset + i, 0, l);
			return 0;
		}
		i += l + 1;
	}
	return -ENODATA;
}

int modfile_strip(struct modfile *mf, bool modversions, bool vermagic, void **data,
		  size_t *size)
{
	const void *img;
	size_t len;
	uint8_t *copy;
	int r;

	r = modfile_get_image(mf, &img, &len);
	if (r < 0)
		return r;
	r = mf_elf_setup(mf);
	if (r < 0)
		return r;
	copy = malloc(len);
	if (copy == NULL)
		return -ENOMEM;
	memcpy(copy, img, len);
	if (modversions && mf->sec[SEC_VERSIONS] != 0)
		r = strip_modversions(mf, copy, len);
	if (r == 0 && vermagic)
		r = strip_vermagic(mf, copy);
	if (r < 0) {
		free(copy);
		return r;
	}
	*data = copy;
	*size = len;
	return 0;
}

/* ---- signature ---- */

#define SIG_MAGIC "~Module signature appended~\n"

static const char *const sig_id_types[] = { "PGP", "X509", "PKCS#7" };
static const char *const sig_hash_algos[] = { "md4",	"md5",	  "sha1",
					      "rmd160", "sha256", "sha384",
					      "sha512", "sha224", "sm3" };

static int load_signature(struct modfile *mf)
{
	const size_t maglen = sizeof(SIG_MAGIC) - 1;
	uint8_t tail[sizeof(SIG_MAGIC) - 1 + 12];
	uint8_t algo, hash, id_type, signer_len, key_id_len;
	uint64_t size = mf->size, sig_len, total, start;
	const uint8_t *raw;
	int r;

	if (size < maglen + 12)
		return -ENODATA;
	/* for a plain file the end was read with the section headers */
	r = mf_ensure_range(mf, size - sizeof(tail), sizeof(tail));
	if (r < 0)
		return r;
	memcpy(tail, mf->image + size - sizeof(tail), sizeof(tail));
	if (memcmp(tail + 12, SIG_MAGIC, maglen) != 0)
		return -ENODATA;
	size -= maglen + 12;
	algo = tail[0];
	hash = tail[1];
	id_type = tail[2];
	signer_len = tail[3];
	key_id_len = tail[4];
	sig_len = ((uint64_t)tail[8] << 24) | ((uint64_t)tail[9] << 16) |
		  ((uint64_t)tail[10] << 8) | tail[11];
	if (algo >= 2 || hash >= ARRAY_SIZE(sig_hash_algos) ||
	    id_type >= ARRAY_SIZE(sig_id_types) || sig_len == 0)
		return -ENODATA;
	total = (uint64_t)signer_len + key_id_len + sig_len;
	if (size < total)
		return -ENODATA;
	start = size - total;
	r = mf_ensure_range(mf, start, total);
	if (r < 0)
		return r;
	raw = mf->image + start;

	mf->sig.id_type = sig_id_types[id_type];
	if (id_type == 2) {
		r = modsig_pkcs7_parse(raw + signer_len + key_id_len, sig_len,
				       &mf->pkcs7);
		if (r < 0)
			return r;
		mf->sig.hash_algo = mf->pkcs7->hash_algo;
		mf->sig.signer = mf->pkcs7->signer;
		mf->sig.signer_len = mf->pkcs7->signer_len;
		mf->sig.key_id = mf->pkcs7->key_id;
		mf->sig.key_id_len = mf->pkcs7->key_id_len;
		mf->sig.sig = mf->pkcs7->sig;
		mf->sig.sig_len = mf->pkcs7->sig_len;
		return 0;
	}
	mf->sig.hash_algo = sig_hash_algos[hash];
	mf->sig.signer = raw;
	mf->sig.signer_len = signer_len;
	mf->sig.key_id = raw + signer_len;
	mf->sig.key_id_len = key_id_len;
	mf->sig.sig = raw + signer_len + key_id_len;
	mf->sig.sig_len = sig_len;
	return 0;
}

int modfile_get_signature(struct modfile *mf, struct modsig *sig)
{
	if (!mf->sig_loaded) {
		mf->sig_err = load_pending(mf);
		if (mf->sig_err == 0)
			mf->sig_err = load_signature(mf);
		mf->sig_loaded = true;
	}
	if (mf->sig_err < 0)
		return mf->sig_err;
	*sig = mf->sig;
	return 0;
}
