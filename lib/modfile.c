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
 * size, and every string is bounded by its section.
 */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "modfile.h"
#include "signature.h"
#include "util.h"

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

/* each starts with ".m", ".s" or "__" (elf_setup() relies on it) */
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
#define MAX_COVERED 32

struct range {
	uint64_t off, end;
};

struct symlist {
	struct modsym *syms;
	size_t n;
	int err; /* 0 when not loaded yet or loaded fine; cached failure otherwise */
	bool loaded;
};

struct modfile {
	int fd;
	enum mk_compression compression;
	uint64_t size; /* of the (decompressed) image */
	uint8_t *image; /* the image: whole, or sparse for a plain file */
	bool sparse;
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

/* ---- the sparse image of a plain file ---- */

static uint64_t read_uint(const struct modfile *mf, const uint8_t *p, size_t len)
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
static int ensure_range(struct modfile *mf, uint64_t off, uint64_t len)
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
static int ensure_ranges(struct modfile *mf, struct range *rs, size_t n)
{
	size_t i = 0;

	qsort(rs, n, sizeof(*rs), range_cmp);
	while (i < n) {
		uint64_t off = rs[i].off, end = rs[i].end;
		int r;

		for (i++; i < n && rs[i].off <= end + READ_MERGE_GAP; i++)
			if (rs[i].end > end)
				end = rs[i].end;
		r = ensure_range(mf, off, end - off);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool libelf_ready(void)
{
	/* elf_version() is idempotent and thread-safe enough to call every time */
	return elf_version(EV_CURRENT) != EV_NONE;
}

static struct modfile *modfile_alloc(void)
{
	struct modfile *mf = calloc(1, sizeof(*mf));

	if (mf)
		mf->fd = -1;
	return mf;
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

		r = mk_decompress_mem(buf, size, mf->compression, &img, &len);
		free(buf);
		if (r < 0)
			return r;
		mf->image = img;
		mf->size = len;
	}
	return 0;
}

int modfile_open_at_size(int dirfd, const char *path, int64_t size, struct modfile **out)
{
	struct modfile *mf;
	uint8_t head[64];
	struct stat st = { .st_size = size };
	ssize_t n;
	int r;

	if (!libelf_ready())
		return -ENOSYS;
	mf = modfile_alloc();
	if (mf == NULL)
		return -ENOMEM;
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
	if (st.st_size >= 6 && (uint64_t)st.st_size <= SMALL_FILE) {
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
	if (mf->compression == MK_COMPRESSION_NONE) {
		if ((uint64_t)st.st_size > MK_DECOMPRESS_MAX) {
			r = -EFBIG;
			goto fail;
		}
		mf->size = (uint64_t)st.st_size;
		/* allocated, not read: only the ranges needed are read in */
		mf->image = malloc(mf->size ? mf->size : 1);
		if (mf->image == NULL) {
			r = -ENOMEM;
			goto fail;
		}
		mf->sparse = true;
		memcpy(mf->image, head, (size_t)n);
		covered_add(mf, 0, (uint64_t)n);
	} else {
		void *img;
		size_t len;

		r = mk_decompress_fd(mf->fd, mf->compression, &img, &len);
		if (r < 0)
			goto fail;
		mf->image = img;
		mf->size = len;
	}
	*out = mf;
	return 0;
fail:
	modfile_free(mf);
	return r;
}

int modfile_open(const char *path, struct modfile **out)
{
	return modfile_open_at_size(AT_FDCWD, path, -1, out);
}

int modfile_open_memory(const void *data, size_t size, struct modfile **out)
{
	struct modfile *mf;
	enum mk_compression c = mk_compression_detect(data, size);
	int r;

	if (!libelf_ready())
		return -ENOSYS;
	if (size < 6)
		return -EINVAL;
	mf = modfile_alloc();
	if (mf == NULL)
		return -ENOMEM;
	mf->compression = c;
	if (c == MK_COMPRESSION_NONE) {
		mf->image = malloc(size);
		if (mf->image == NULL) {
			modfile_free(mf);
			return -ENOMEM;
		}
		memcpy(mf->image, data, size);
		mf->size = size;
	} else {
		void *img;
		size_t len;

		r = mk_decompress_mem(data, size, c, &img, &len);
		if (r < 0) {
			modfile_free(mf);
			return r;
		}
		mf->image = img;
		mf->size = len;
	}
	*out = mf;
	return 0;
}

static void free_results(struct modfile *mf)
{
	free(mf->modinfo_buf);
	free(mf->modinfo);
	mf->modinfo_buf = NULL;
	mf->modinfo = NULL;
	mf->n_modinfo = 0;
	mf->modinfo_loaded = false;
	free(mf->exports.syms);
	free(mf->needs.syms);
	free(mf->versions.syms);
	memset(&mf->exports, 0, sizeof(mf->exports));
	memset(&mf->needs, 0, sizeof(mf->needs));
	memset(&mf->versions, 0, sizeof(mf->versions));
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
	free(mf->image);
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

static int elf_setup(struct modfile *mf)
{
	unsigned char *ident;
	size_t shstrndx, hdrsize, shsize;
	uint64_t shtab;
	GElf_Ehdr ehdr;
	Elf_Scn *scn;

	if (mf->elf_tried)
		return mf->elf_err;
	mf->elf_tried = true;

	/* the identification checks come first and give kmod's errors */
	if (mf->size <= EI_NIDENT || (mf->sparse && !range_covered(mf, 0, EI_NIDENT)))
		return mf->elf_err = -ENOEXEC;
	if (memcmp(mf->image, ELFMAG, SELFMAG) != 0)
		return mf->elf_err = -ENOEXEC;
	ident = mf->image;
	if (ident[EI_CLASS] != ELFCLASS32 && ident[EI_CLASS] != ELFCLASS64)
		return mf->elf_err = -EINVAL;
	if (ident[EI_DATA] != ELFDATA2LSB && ident[EI_DATA] != ELFDATA2MSB)
		return mf->elf_err = -EINVAL;
	mf->is64 = ident[EI_CLASS] == ELFCLASS64;
	mf->msb = ident[EI_DATA] == ELFDATA2MSB;
	hdrsize = mf->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	shsize = mf->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	if (mf->size <= hdrsize)
		return mf->elf_err = -EINVAL;

	if (mf->sparse) {
		/* libelf reads the section header table as soon as it opens the image */
		uint64_t shoff, shnum;
		int r = ensure_range(mf, 0, hdrsize);

		if (r < 0)
			return mf->elf_err = r;
		shoff = mf->is64 ? read_uint(mf, mf->image + 0x28, 8)
				 : read_uint(mf, mf->image + 0x20, 4);
		shnum = read_uint(mf, mf->image + (mf->is64 ? 0x3c : 0x30), 2);
		if (shnum == 0) {
			/* extended numbering: shdr[0] holds the count */
			r = ensure_range(mf, 0, mf->size);
		} else {
			uint64_t start, end;

			if (!range_valid(shoff, shnum * shsize, mf->size))
				return mf->elf_err = -EINVAL;
			/*
			 * kbuild puts .shstrtab right before the section headers and the
			 * signature right after them, at the end: one read from a little
			 * before the headers to the end of the file gets all three.
			 */
			start = shoff > SHSTRTAB_SLACK ? shoff - SHSTRTAB_SLACK : 0;
			end = shoff + shnum * shsize;
			if (mf->size - end <= TAIL_READ)
				end = mf->size;
			r = ensure_range(mf, start, end - start);
		}
		if (r < 0)
			return mf->elf_err = r;
	}
	mf->elf = elf_memory((char *)mf->image, mf->size);
	if (mf->elf == NULL || elf_kind(mf->elf) != ELF_K_ELF)
		return mf->elf_err = -EINVAL;
	if (gelf_getehdr(mf->elf, &ehdr) == NULL)
		return mf->elf_err = -EINVAL;

	/* the section header table must be whole and of the expected entry size */
	if (ehdr.e_shentsize != shsize)
		return mf->elf_err = -EINVAL;
	if (elf_getshdrnum(mf->elf, &mf->shnum) < 0 ||
	    elf_getshdrstrndx(mf->elf, &shstrndx) < 0)
		return mf->elf_err = -EINVAL;
	if (umul64_overflow(mf->shnum, shsize, &shtab) ||
	    !range_valid(ehdr.e_shoff, shtab, mf->size))
		return mf->elf_err = -EINVAL;
	if (shstrndx == SHN_UNDEF || shstrndx >= mf->shnum)
		return mf->elf_err = -EINVAL;

	/* .shstrtab: in range and NUL-terminated, so elf_strptr is safe */
	{
		GElf_Shdr sh;
		Elf_Data *d;

		scn = elf_getscn(mf->elf, shstrndx);
		if (scn == NULL || gelf_getshdr(scn, &sh) == NULL ||
		    sh.sh_type == SHT_NOBITS || sh.sh_size == 0 ||
		    !range_valid(sh.sh_offset, sh.sh_size, mf->size) ||
		    ensure_range(mf, sh.sh_offset, sh.sh_size) < 0)
			return mf->elf_err = -EINVAL;
		d = elf_rawdata(scn, NULL);
		if (d == NULL || d->d_size != sh.sh_size ||
		    ((const char *)d->d_buf)[d->d_size - 1] != '\0')
			return mf->elf_err = -EINVAL;
	}

	memset(mf->sec, 0, sizeof(mf->sec));
	for (size_t i = 1; i < mf->shnum; i++) {
		GElf_Shdr sh;
		const char *name;

		scn = elf_getscn(mf->elf, i);
		if (scn == NULL || gelf_getshdr(scn, &sh) == NULL)
			return mf->elf_err = -EINVAL;
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
	return mf->elf_err = 0;
}

/* Raw bytes of section @idx, bounds-checked. Memory owned by libelf or the image. */
static int section_bytes(struct modfile *mf, size_t idx, const uint8_t **data,
			 size_t *size, GElf_Shdr *shdr)
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
	r = ensure_range(mf, sh.sh_offset, sh.sh_size);
	if (r < 0)
		return r;
	*data = mf->image + sh.sh_offset;
	*size = sh.sh_size;
	return 0;
}

/* ---- .modinfo ---- */

/*
 * NUL-separated strings: leading NULs are skipped, runs of NULs separate entries,
 * an unterminated last string still counts. Copies into one buffer (+1 NUL).
 */
static int split_strings(const uint8_t *data, size_t size, char **buf_out,
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
	r = elf_setup(mf);
	if (r < 0)
		return r;
	if (mf->sec[SEC_MODINFO] == 0) {
		mf->modinfo_err = -ENODATA;
		mf->modinfo_loaded = true;
		goto done;
	}
	r = section_bytes(mf, mf->sec[SEC_MODINFO], &data, &size, NULL);
	if (r < 0)
		return r;
	r = split_strings(data, size, &mf->modinfo_buf, &strs, &count);
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

/* ---- symbols ---- */

/* A growing array of modsym plus one string pool, freed together. */
struct symbuild {
	struct modsym *syms;
	size_t n, cap;
	struct strbuf_pool {
		char *buf;
		size_t used, cap;
	} pool;
	/* offsets of names in the pool, fixed up to pointers at the end */
	size_t *name_off;
};

static int symbuild_add(struct symbuild *b, const char *name, size_t len, uint64_t crc,
			char bind)
{
	size_t need;

	if (b->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 64;
		struct modsym *ns = realloc(b->syms, ncap * sizeof(*ns));
		size_t *no;

		if (ns == NULL)
			return -ENOMEM;
		b->syms = ns;
		no = realloc(b->name_off, ncap * sizeof(*no));
		if (no == NULL)
			return -ENOMEM;
		b->name_off = no;
		b->cap = ncap;
	}
	if (uaddsz_overflow(b->pool.used, len + 1, &need))
		return -ENOMEM;
	if (need > b->pool.cap) {
		size_t ncap = b->pool.cap ? b->pool.cap : 1024;
		char *np;

		while (ncap < need)
			ncap *= 2;
		np = realloc(b->pool.buf, ncap);
		if (np == NULL)
			return -ENOMEM;
		b->pool.buf = np;
		b->pool.cap = ncap;
	}
	memcpy(b->pool.buf + b->pool.used, name, len);
	b->pool.buf[b->pool.used + len] = '\0';
	b->name_off[b->n] = b->pool.used;
	b->pool.used = need;
	b->syms[b->n].crc = crc;
	b->syms[b->n].bind = bind;
	b->n++;
	return 0;
}

static void symbuild_release(struct symbuild *b)
{
	free(b->syms);
	free(b->pool.buf);
	free(b->name_off);
	memset(b, 0, sizeof(*b));
}

/* Move into one allocation: the modsym array followed by the names. */
static int symbuild_finish(struct symbuild *b, struct symlist *out)
{
	size_t arr, total;
	uint8_t *block;

	if (umulsz_overflow(b->n, sizeof(struct modsym), &arr) ||
	    uaddsz_overflow(arr, b->pool.used, &total))
		return -ENOMEM;
	block = malloc(total ? total : 1);
	if (block == NULL)
		return -ENOMEM;
	out->syms = (struct modsym *)block;
	out->n = b->n;
	if (b->n)
		memcpy(block, b->syms, arr);
	if (b->pool.used)
		memcpy(block + arr, b->pool.buf, b->pool.used);
	for (size_t i = 0; i < b->n; i++)
		out->syms[i].name = (const char *)block + arr + b->name_off[i];
	symbuild_release(b);
	return 0;
}

static char elf_bind_char(unsigned char bind)
{
	switch (bind) {
	case STB_LOCAL:
		return 'L';
	case STB_GLOBAL:
		return 'G';
	case STB_WEAK:
		return 'W';
	}
	return 'U';
}

struct symtab {
	const void *syms; /* Elf32_Sym or Elf64_Sym, in host order */
	bool is64;
	bool usable; /* libelf gave it as a symbol table */
	size_t count;
	const char *strings;
	/* a name must start before this (just past the last NUL) to be terminated */
	size_t names_end;
};

/* what is used of a symbol, whatever the class */
struct sym {
	uint64_t value;
	uint32_t name;
	uint16_t shndx;
	unsigned char info;
};

/* Read the symbol table and what goes with it in as few preads as possible. */
static int prefetch_symbols(struct modfile *mf)
{
	/*
	 * .modinfo too: whoever reads symbols (depmod) reads it, and in kbuild's layout
	 * it sits next to __versions, so it usually comes in the same pread
	 */
	static const int group[] = { SEC_SYMTAB,	  SEC_STRTAB,  SEC_VERSIONS,
				     SEC_KSYMTAB_STRINGS, SEC_KCRCTAB, SEC_KCRCTAB_GPL,
				     SEC_MODINFO };
	struct range rs[ARRAY_SIZE(group)];
	size_t n = 0;

	if (!mf->sparse)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(group); i++) {
		Elf_Scn *scn;
		GElf_Shdr sh;

		if (mf->sec[group[i]] == 0)
			continue;
		scn = elf_getscn(mf->elf, mf->sec[group[i]]);
		if (scn == NULL || gelf_getshdr(scn, &sh) == NULL)
			continue;
		/* elf_setup only records sections that fit in the file */
		rs[n].off = sh.sh_offset;
		rs[n].end = sh.sh_offset + sh.sh_size;
		n++;
	}
	return ensure_ranges(mf, rs, n);
}

static int symtab_load(struct modfile *mf, struct symtab *st)
{
	GElf_Shdr sh;
	Elf_Data *data;
	const uint8_t *strs, *last_nul;
	size_t strsize, entsize;
	Elf_Scn *scn;
	int r;

	if (mf->sec[SEC_SYMTAB] == 0 || mf->sec[SEC_STRTAB] == 0)
		return -ENODATA;
	r = prefetch_symbols(mf);
	if (r < 0)
		return r;
	r = section_bytes(mf, mf->sec[SEC_STRTAB], &strs, &strsize, NULL);
	if (r < 0)
		return r;
	scn = elf_getscn(mf->elf, mf->sec[SEC_SYMTAB]);
	if (scn == NULL || gelf_getshdr(scn, &sh) == NULL || sh.sh_type == SHT_NOBITS ||
	    !range_valid(sh.sh_offset, sh.sh_size, mf->size))
		return -EINVAL;
	entsize = mf->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
	if (sh.sh_size % entsize != 0)
		return -EINVAL;
	r = ensure_range(mf, sh.sh_offset, sh.sh_size);
	if (r < 0)
		return r;
	/* elf_getdata converts to host order (and aligns) when it is a real symtab */
	data = elf_getdata(scn, NULL);
	if (data == NULL || data->d_size != sh.sh_size)
		return -EINVAL;
	st->syms = data->d_buf;
	st->is64 = mf->is64;
	st->usable = data->d_type == ELF_T_SYM;
	st->count = sh.sh_size / entsize;
	st->strings = (const char *)strs;
	last_nul = strsize ? memrchr(strs, '\0', strsize) : NULL;
	st->names_end = last_nul ? (size_t)(last_nul - strs) + 1 : 0;
	return 0;
}

/* The name of @sym, or NULL when its offset or terminator is out of range. */
static inline const char *symtab_name(const struct symtab *st, const struct sym *sym)
{
	return sym->name < st->names_end ? st->strings + sym->name : NULL;
}

static inline int symtab_get(const struct symtab *st, size_t i, struct sym *sym)
{
	if (!st->usable || i >= st->count)
		return -EINVAL;
	if (st->is64) {
		const Elf64_Sym *e = (const Elf64_Sym *)st->syms + i;

		sym->value = e->st_value;
		sym->name = e->st_name;
		sym->shndx = e->st_shndx;
		sym->info = e->st_info;
	} else {
		const Elf32_Sym *e = (const Elf32_Sym *)st->syms + i;

		sym->value = e->st_value;
		sym->name = e->st_name;
		sym->shndx = e->st_shndx;
		sym->info = e->st_info;
	}
	return 0;
}

/* CRC of a __crc_ symbol: its value, or the u32 it points at (kmod: -1 if out of range).
 */
static uint64_t resolve_crc(struct modfile *mf, const struct sym *sym)
{
	const uint8_t *data;
	size_t size;

	if (sym->shndx == SHN_ABS || sym->shndx == SHN_UNDEF)
		return sym->value;
	if (sym->shndx >= mf->shnum ||
	    section_bytes(mf, sym->shndx, &data, &size, NULL) < 0)
		return (uint64_t)-1;
	if (size < sizeof(uint32_t) || sym->value > size - sizeof(uint32_t))
		return (uint64_t)-1;
	return read_uint(mf, data + sym->value, sizeof(uint32_t));
}

/*
 * "__crc_" and at least one more character. @name is terminated, so each test
 * stops at its NUL at the latest; cheaper than strncmp on every symbol.
 */
static inline bool is_crc_name(const char *name)
{
	return name[0] == '_' && name[1] == '_' && name[2] == 'c' && name[3] == 'r' &&
	       name[4] == 'c' && name[5] == '_' && name[6] != '\0';
}

static int exports_from_ksymtab_strings(struct modfile *mf, struct symbuild *b)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ const char **strs = NULL;
	const uint8_t *data;
	size_t size, n;
	int r;

	if (mf->sec[SEC_KSYMTAB_STRINGS] == 0)
		return 0;
	r = section_bytes(mf, mf->sec[SEC_KSYMTAB_STRINGS], &data, &size, NULL);
	if (r < 0)
		return r;
	r = split_strings(data, size, &buf, &strs, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = symbuild_add(b, strs[i], strlen(strs[i]), 0, 'G');
		if (r < 0)
			return r;
	}
	return 0;
}

static int load_exports(struct modfile *mf)
{
	struct symbuild b = { 0 };
	struct symtab st;
	size_t ncrc = 0;
	int r;

	r = elf_setup(mf);
	if (r < 0)
		return r;
	r = symtab_load(mf, &st);
	if (r == 0) {
		for (size_t i = 1; i < st.count; i++) {
			struct sym sym;
			const char *name;
			size_t len;

			if (symtab_get(&st, i, &sym) < 0)
				break;
			name = symtab_name(&st, &sym);
			if (name == NULL) {
				/* a broken string table: use the fallback, as kmod does
				 */
				ncrc = 0;
				symbuild_release(&b);
				break;
			}
			if (!is_crc_name(name))
				continue;
			len = strlen(name);
			ncrc++;
			r = symbuild_add(&b, name + 6, len - 6, resolve_crc(mf, &sym),
					 elf_bind_char(GELF_ST_BIND(sym.info)));
			if (r < 0)
				goto fail;
		}
	}
	if (ncrc == 0) {
		symbuild_release(&b);
		r = exports_from_ksymtab_strings(mf, &b);
		if (r < 0)
			goto fail;
	}
	r = symbuild_finish(&b, &mf->exports);
	if (r < 0)
		goto fail;
	mf->exports.loaded = true;
	return 0;
fail:
	symbuild_release(&b);
	return r;
}

int modfile_get_exports(struct modfile *mf, const struct modsym **syms, size_t *n)
{
	if (!mf->exports.loaded) {
		int r = load_exports(mf);

		if (r < 0)
			return r;
	}
	*syms = mf->exports.syms;
	*n = mf->exports.n;
	return 0;
}

static int load_versions(struct modfile *mf)
{
	struct symbuild b = { 0 };
	const uint8_t *data;
	size_t size, crclen, entlen = 64;
	int r;

	r = elf_setup(mf);
	if (r < 0)
		return r;
	if (mf->sec[SEC_VERSIONS] != 0) {
		r = section_bytes(mf, mf->sec[SEC_VERSIONS], &data, &size, NULL);
		if (r < 0)
			return r;
		if (size % entlen != 0)
			return -EINVAL;
		crclen = mf->is64 ? 8 : 4;
		for (size_t off = 0; off < size; off += entlen) {
			const char *name = (const char *)data + off + crclen;
			size_t len = strnlen(name, entlen - crclen);

			r = symbuild_add(&b, name, len, read_uint(mf, data + off, crclen),
					 'U');
			if (r < 0) {
				symbuild_release(&b);
				return r;
			}
		}
	}
	r = symbuild_finish(&b, &mf->versions);
	if (r < 0) {
		symbuild_release(&b);
		return r;
	}
	mf->versions.loaded = true;
	return 0;
}

int modfile_get_versions(struct modfile *mf, const struct modsym **syms, size_t *n)
{
	if (!mf->versions.loaded) {
		int r = load_versions(mf);

		if (r < 0)
			return r;
	}
	*syms = mf->versions.syms;
	*n = mf->versions.n;
	return 0;
}

/* Open-addressing map from __versions name to its first index. */
struct vermap {
	uint32_t *slots; /* index + 1; 0 = empty */
	size_t mask;
};

static uint32_t str_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static int vermap_build(struct vermap *m, const struct symlist *v)
{
	size_t size = 16;

	while (size < v->n * 2)
		size *= 2;
	m->slots = calloc(size, sizeof(*m->slots));
	if (m->slots == NULL)
		return -ENOMEM;
	m->mask = size - 1;
	for (size_t i = 0; i < v->n; i++) {
		size_t h = str_hash(v->syms[i].name, strlen(v->syms[i].name)) & m->mask;

		while (m->slots[h] != 0) {
			if (streq(v->syms[m->slots[h] - 1].name, v->syms[i].name))
				break;
			h = (h + 1) & m->mask;
		}
		if (m->slots[h] == 0)
			m->slots[h] = (uint32_t)i + 1;
	}
	return 0;
}

static long vermap_find(const struct vermap *m, const struct symlist *v, const char *name,
			size_t len)
{
	size_t h = str_hash(name, len) & m->mask;

	while (m->slots[h] != 0) {
		const char *cand = v->syms[m->slots[h] - 1].name;

		if (strncmp(cand, name, len) == 0 && cand[len] == '\0')
			return (long)m->slots[h] - 1;
		h = (h + 1) & m->mask;
	}
	return -1;
}

static int load_needs(struct modfile *mf)
{
	struct symbuild b = { 0 };
	struct vermap map = { 0 };
	_cleanup_free_ uint8_t *visited = NULL;
	struct symtab st;
	const struct symlist *v;
	int r;

	r = elf_setup(mf);
	if (r < 0)
		return r;
	r = symtab_load(mf, &st);
	if (r < 0)
		return r;
	if (!mf->versions.loaded) {
		r = load_versions(mf);
		if (r < 0)
			return r;
	}
	v = &mf->versions;
	if (v->n > UINT32_MAX - 1)
		return -EINVAL;
	r = vermap_build(&map, v);
	if (r < 0)
		return r;
	visited = calloc(v->n ? v->n : 1, 1);
	if (visited == NULL) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 1; i < st.count; i++) {
		struct sym sym;
		const char *name;
		size_t len;
		uint64_t crc = 0;
		long vi;

		if (symtab_get(&st, i, &sym) < 0) {
			r = -EINVAL;
			goto out;
		}
		if (sym.shndx != SHN_UNDEF)
			continue;
		name = symtab_name(&st, &sym);
		if (name == NULL) {
			r = -EINVAL;
			goto out;
		}
		if (name[0] == '\0')
			continue;
		len = strlen(name);
		vi = vermap_find(&map, v, name, len);
		if (vi >= 0) {
			crc = v->syms[vi].crc;
			visited[vi] = 1;
		}
		r = symbuild_add(&b, name, len, crc,
				 GELF_ST_BIND(sym.info) == STB_WEAK ? 'W' : 'U');
		if (r < 0)
			goto out;
	}
	/* module_layout and the like: in __versions but not in the symbol table */
	for (size_t i = 0; i < v->n; i++) {
		if (visited[i])
			continue;
		r = symbuild_add(&b, v->syms[i].name, strlen(v->syms[i].name),
				 v->syms[i].crc, 'U');
		if (r < 0)
			goto out;
	}
	r = symbuild_finish(&b, &mf->needs);
	if (r == 0)
		mf->needs.loaded = true;
out:
	free(map.slots);
	if (r < 0)
		symbuild_release(&b);
	return r;
}

int modfile_get_needs(struct modfile *mf, const struct modsym **syms, size_t *n)
{
	if (!mf->needs.loaded) {
		int r = load_needs(mf);

		if (r < 0)
			return r;
	}
	*syms = mf->needs.syms;
	*n = mf->needs.n;
	return 0;
}

/* ---- image ---- */

int modfile_get_image(struct modfile *mf, const void **data, size_t *size)
{
	int r = ensure_range(mf, 0, mf->size);

	if (r < 0)
		return r;
	*data = mf->image;
	*size = mf->size;
	return 0;
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
	r = elf_setup(mf);
	if (r < 0)
		return r;
	copy = malloc(len);
	if (copy == NULL)
		return -ENOMEM;
	memcpy(copy, img, len);

	if (modversions && mf->sec[SEC_VERSIONS] != 0) {
		GElf_Ehdr ehdr;
		uint64_t off, flags_off,
			shsize = mf->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
		size_t flen = mf->is64 ? 8 : 4;
		uint64_t flags;

		if (gelf_getehdr(mf->elf, &ehdr) == NULL) {
			r = -EINVAL;
			goto fail;
		}
		/* sh_flags sits right after sh_name and sh_type (4 + 4 bytes) */
		if (umul64_overflow(mf->sec[SEC_VERSIONS], shsize, &off) ||
		    uadd64_overflow(ehdr.e_shoff, off, &off) ||
		    uadd64_overflow(off, 8, &flags_off) ||
		    !range_valid(flags_off, flen, len)) {
			r = -EINVAL;
			goto fail;
		}
		flags = read_uint(mf, copy + flags_off, flen) & ~(uint64_t)SHF_ALLOC;
		for (size_t i = 0; i < flen; i++) {
			size_t shift = mf->msb ? (flen - 1 - i) * 8 : i * 8;

			copy[flags_off + i] = (uint8_t)(flags >> shift);
		}
	}
	if (vermagic) {
		GElf_Shdr sh;
		const uint8_t *mi;
		size_t misize, i;
		bool found = false;

		if (mf->sec[SEC_MODINFO] == 0 ||
		    section_bytes(mf, mf->sec[SEC_MODINFO], &mi, &misize, &sh) < 0) {
			r = -ENODATA;
			goto fail;
		}
		for (i = 0; i < misize;) {
			size_t l = strnlen((const char *)mi + i, misize - i);

			if (l >= 9 && memcmp(mi + i, "vermagic=", 9) == 0) {
				memset(copy + sh.sh_offset + i, 0, l);
				found = true;
				break;
			}
			i += l + 1;
		}
		if (!found) {
			r = -ENODATA;
			goto fail;
		}
	}
	*data = copy;
	*size = len;
	return 0;
fail:
	free(copy);
	return r;
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
	r = ensure_range(mf, size - sizeof(tail), sizeof(tail));
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
	r = ensure_range(mf, start, total);
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
		mf->sig_err = load_signature(mf);
		mf->sig_loaded = true;
	}
	if (mf->sig_err < 0)
		return mf->sig_err;
	*sig = mf->sig;
	return 0;
}
