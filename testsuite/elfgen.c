// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * elfgen: write a synthetic Linux kernel module (an ELF relocatable object) for the
 * tests.
 *
 * No kernel headers and no compiler for the target are needed: the file is laid out
 * by hand, for ELF32 or ELF64, either byte order, any e_machine. It holds what the
 * module tools and the fake kernel look at:
 *
 *   .text                      N zero bytes (--text-size), so modules can differ in size
 *   .modinfo                   "key=value\0" strings, in command-line order
 *   __ksymtab_strings          exported names (--export, --ksymtab-string), and
 *                              namespaces (--export-ns: a local __kstrtabns_SYM each)
 *   __versions                 { crc; char name[64 - sizeof(crc)]; } (--need SYM:CRC,
 * --version) .gnu.linkonce.this_module  a struct module stand-in, the name at offset 24
 * (64-bit) or 12 (32-bit), where the kernel and kmod's testsuite read it .symtab/.strtab
 * __crc_SYM (SHN_ABS, value = CRC) for exports, SHN_UNDEF for --need (global) and --weak
 * (weak) .shstrtab
 *
 * Optionally an appended module signature (--sign, --sign-legacy).
 * See usage() for the options.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EI_NIDENT 16
#define ET_REL 1
#define ET_EXEC 2
#define ET_DYN 3
#define SHT_PROGBITS 1
#define SHT_SYMTAB 2
#define SHT_STRTAB 3
#define SHF_WRITE 0x1
#define SHF_ALLOC 0x2
#define SHF_EXECINSTR 0x4
#define SHN_UNDEF 0
#define SHN_ABS 0xfff1
#define STB_GLOBAL 1
#define STB_WEAK 2
#define STT_NOTYPE 0
#define STT_OBJECT 1

struct buf {
	uint8_t *data;
	size_t len, cap;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("elfgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void buf_put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;

		while (cap < b->len + n)
			cap *= 2;
		b->data = realloc(b->data, cap);
		if (!b->data)
			die("out of memory");
		b->cap = cap;
	}
	if (p)
		memcpy(b->data + b->len, p, n);
	else
		memset(b->data + b->len, 0, n);
	b->len += n;
}

static void buf_align(struct buf *b, size_t a)
{
	while (b->len % a)
		buf_put(b, NULL, 1);
}

/* add a NUL-terminated string to a string table, returning its offset */
static uint32_t strtab_add(struct buf *b, const char *s)
{
	uint32_t off = b->len;

	buf_put(b, s, strlen(s) + 1);
	return off;
}

static bool big_endian;
static bool is64 = true;

static void put_uint(struct buf *b, uint64_t v, int size)
{
	uint8_t tmp[8];

	for (int i = 0; i < size; i++) {
		int shift = big_endian ? (size - 1 - i) * 8 : i * 8;

		tmp[i] = (uint8_t)(v >> shift);
	}
	buf_put(b, tmp, size);
}

#define PUT16(b, v) put_uint(b, v, 2)
#define PUT32(b, v) put_uint(b, v, 4)
#define PUTW(b, v) put_uint(b, v, is64 ? 8 : 4) /* a word of the ELF class */

enum symkind { SYM_EXPORT, SYM_NEED, SYM_WEAK };

struct sym {
	char *name;
	uint64_t crc;
	enum symkind kind;
};

struct version {
	char *name;
	uint64_t crc;
};

struct section {
	const char *name;
	uint32_t type;
	uint64_t flags;
	struct buf data;
	uint32_t link, info;
	uint64_t align, entsize;
	uint32_t name_off;
	uint64_t offset;
};

static const struct {
	const char *name;
	uint16_t machine;
	bool is64, big;
} machines[] = {
	{ "x86_64", 62, true, false },	 { "i386", 3, false, false },
	{ "aarch64", 183, true, false }, { "arm", 40, false, false },
	{ "ppc64", 21, true, true },	 { "ppc64le", 21, true, false },
	{ "ppc", 20, false, true },	 { "s390x", 22, true, true },
	{ "sparc64", 43, true, true },	 { "riscv64", 243, true, false },
	{ "mips", 8, false, true },	 { "loongarch64", 258, true, false },
};

static void usage(FILE *f)
{
	fputs("Usage: elfgen -o OUT.ko [options]\n"
	      "Write a synthetic kernel module (ELF ET_REL).\n"
	      "  -o, --output FILE          output file (required)\n"
	      "  --class 32|64              ELF class (default: that of --machine, else "
	      "64)\n"
	      "  --endian little|big        byte order (default: that of --machine, else "
	      "little)\n"
	      "  --machine NAME|NUMBER      x86_64 (default), i386, aarch64, arm, ppc64, "
	      "ppc64le,\n"
	      "                             ppc, s390x, sparc64, riscv64, mips, "
	      "loongarch64\n"
	      "  --modinfo KEY=VALUE        a .modinfo string (repeatable, kept in "
	      "order)\n"
	      "  --export SYM[:CRC]         exported symbol: __crc_SYM (SHN_ABS, value "
	      "CRC,\n"
	      "                             default 0) and SYM in __ksymtab_strings\n"
	      "  --export-ns SYM:NS         NS in __ksymtab_strings, named by a local "
	      "__kstrtabns_SYM\n"
	      "  --ksymtab-string SYM       SYM in __ksymtab_strings only (no __crc_ "
	      "symbol)\n"
	      "  --need SYM[:CRC]           undefined global symbol; with CRC also a "
	      "__versions\n"
	      "                             entry\n"
	      "  --weak SYM                 undefined weak symbol\n"
	      "  --version SYM:CRC          a __versions entry only\n"
	      "  --text-size N              bytes of .text (default 16)\n"
	      "  --this-module-name NAME    name in .gnu.linkonce.this_module (default: "
	      "the\n"
	      "                             first name= of --modinfo, else the output's "
	      "basename\n"
	      "                             up to the first '.', '-' changed to '_')\n"
	      "  --no-this-module           omit .gnu.linkonce.this_module\n"
	      "  --no-symtab                omit .symtab and .strtab\n"
	      "  --no-modinfo               omit .modinfo\n"
	      "  --sign FILE                append FILE as a PKCS#7 module signature\n"
	      "  --sign-legacy SIGNER:KEYID:HASH:FILE\n"
	      "                             append FILE as a legacy (X.509 id type) "
	      "signature:\n"
	      "                             KEYID in hex, HASH the kernel's hash index "
	      "(4=sha256)\n"
	      "  --elf-type rel|exec|dyn    e_type (default rel)\n"
	      "  --truncate N               cut the written file to N bytes (corrupt "
	      "input)\n"
	      "  -h, --help\n",
	      f);
}

static uint64_t parse_num(const char *s, const char *what)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		die("bad %s: '%s'", what, s);
	return v;
}

/* split "NAME:NUM" ; returns true if a number was present */
static bool split_crc(const char *arg, char **name, uint64_t *crc)
{
	const char *colon = strrchr(arg, ':');

	if (!colon) {
		*name = strdup(arg);
		*crc = 0;
		return false;
	}
	*name = strndup(arg, colon - arg);
	*crc = parse_num(colon + 1, "CRC");
	return true;
}

static void read_whole(const char *path, struct buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint8_t tmp[4096];
	ssize_t r;

	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	while ((r = read(fd, tmp, sizeof(tmp))) > 0)
		buf_put(out, tmp, r);
	if (r < 0)
		die("%s: %s", path, strerror(errno));
	close(fd);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* struct module_signature (include/linux/module_signature.h) + magic */
static void append_signature(struct buf *img, const char *signer, const char *keyid_hex,
			     unsigned hash, uint8_t id_type, const char *sigfile)
{
	struct buf sig = { 0 };
	size_t signer_len = signer ? strlen(signer) : 0;
	size_t keyid_len = keyid_hex ? strlen(keyid_hex) / 2 : 0;
	uint8_t hdr[12];

	if (signer_len > 255 || keyid_len > 255)
		die("signer or key id too long");
	if (signer)
		buf_put(img, signer, signer_len);
	for (size_t i = 0; i < keyid_len; i++) {
		int hi = hexval(keyid_hex[2 * i]), lo = hexval(keyid_hex[2 * i + 1]);
		uint8_t byte;

		if (hi < 0 || lo < 0)
			die("bad key id '%s'", keyid_hex);
		byte = hi << 4 | lo;
		buf_put(img, &byte, 1);
	}
	read_whole(sigfile, &sig);
	buf_put(img, sig.data, sig.len);
	memset(hdr, 0, sizeof(hdr));
	hdr[0] = 0; /* algo, unused */
	hdr[1] = hash;
	hdr[2] = id_type;
	hdr[3] = signer_len;
	hdr[4] = keyid_len;
	/* sig_len is always big-endian */
	hdr[8] = sig.len >> 24;
	hdr[9] = sig.len >> 16;
	hdr[10] = sig.len >> 8;
	hdr[11] = sig.len;
	buf_put(img, hdr, sizeof(hdr));
	buf_put(img, "~Module signature appended~\n", 28);
	free(sig.data);
}

int main(int argc, char *argv[])
{
	enum {
		OPT_CLASS = 256,
		O_ENDIAN,
		O_MACHINE,
		O_MODINFO,
		O_EXPORT,
		O_KSYMSTR,
		O_EXPORT_NS,
		O_NEED,
		O_WEAK,
		O_VERSION,
		O_TEXTSIZE,
		O_THISNAME,
		O_NOTHIS,
		O_NOSYMTAB,
		O_NOMODINFO,
		O_SIGN,
		O_SIGNLEG,
		O_ETYPE,
		OPT_TRUNC,
	};
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "class", required_argument, NULL, OPT_CLASS },
		{ "endian", required_argument, NULL, O_ENDIAN },
		{ "machine", required_argument, NULL, O_MACHINE },
		{ "modinfo", required_argument, NULL, O_MODINFO },
		{ "export", required_argument, NULL, O_EXPORT },
		{ "ksymtab-string", required_argument, NULL, O_KSYMSTR },
		{ "export-ns", required_argument, NULL, O_EXPORT_NS },
		{ "need", required_argument, NULL, O_NEED },
		{ "weak", required_argument, NULL, O_WEAK },
		{ "version", required_argument, NULL, O_VERSION },
		{ "text-size", required_argument, NULL, O_TEXTSIZE },
		{ "this-module-name", required_argument, NULL, O_THISNAME },
		{ "no-this-module", no_argument, NULL, O_NOTHIS },
		{ "no-symtab", no_argument, NULL, O_NOSYMTAB },
		{ "no-modinfo", no_argument, NULL, O_NOMODINFO },
		{ "sign", required_argument, NULL, O_SIGN },
		{ "sign-legacy", required_argument, NULL, O_SIGNLEG },
		{ "elf-type", required_argument, NULL, O_ETYPE },
		{ "truncate", required_argument, NULL, OPT_TRUNC },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *output = NULL, *thisname = NULL;
	int class_opt = 0, endian_opt = 0; /* 0: from the machine */
	int mach = 0;
	uint16_t machine_num = 0;
	bool machine_custom = false;
	struct buf modinfo = { 0 }, ksymstr = { 0 };
	struct sym *syms = NULL;
	size_t nsyms = 0;
	struct version *vers = NULL;
	size_t nvers = 0;
	struct {
		char *name;
		size_t off;
	} *nss = NULL;
	size_t nns = 0;
	uint64_t text_size = 16, truncate_at = UINT64_MAX;
	bool no_this = false, no_symtab = false, no_modinfo = false;
	const char *sign_file = NULL;
	char *sign_legacy = NULL;
	uint16_t etype = ET_REL;
	char *first_name = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		char *name;
		uint64_t crc;

		switch (c) {
		case 'o':
			output = optarg;
			break;
		case OPT_CLASS:
			if (strcmp(optarg, "32") && strcmp(optarg, "64"))
				die("--class must be 32 or 64");
			class_opt = atoi(optarg);
			break;
		case O_ENDIAN:
			if (!strcmp(optarg, "little"))
				endian_opt = 1;
			else if (!strcmp(optarg, "big"))
				endian_opt = 2;
			else
				die("--endian must be little or big");
			break;
		case O_MACHINE: {
			size_t i;

			for (i = 0; i < sizeof(machines) / sizeof(machines[0]); i++)
				if (!strcmp(optarg, machines[i].name))
					break;
			if (i < sizeof(machines) / sizeof(machines[0])) {
				mach = i;
			} else {
				machine_num = parse_num(optarg, "machine");
				machine_custom = true;
			}
			break;
		}
		case O_MODINFO:
			if (!first_name && !strncmp(optarg, "name=", 5))
				first_name = optarg + 5;
			buf_put(&modinfo, optarg, strlen(optarg) + 1);
			break;
		case O_EXPORT:
		case O_NEED:
		case O_WEAK: {
			bool has_crc = false;

			if (c == O_WEAK) {
				name = strdup(optarg);
				crc = 0;
			} else {
				has_crc = split_crc(optarg, &name, &crc);
			}
			syms = realloc(syms, (nsyms + 1) * sizeof(*syms));
			if (!syms || !name)
				die("out of memory");
			syms[nsyms].name = name;
			syms[nsyms].crc = crc;
			syms[nsyms].kind = c == O_EXPORT ? SYM_EXPORT
					   : c == O_NEED ? SYM_NEED
							 : SYM_WEAK;
			nsyms++;
			if (c == O_EXPORT)
				buf_put(&ksymstr, name, strlen(name) + 1);
			if (c == O_NEED && has_crc) {
				vers = realloc(vers, (nvers + 1) * sizeof(*vers));
				if (!vers)
					die("out of memory");
				vers[nvers].name = name;
				vers[nvers].crc = crc;
				nvers++;
			}
			break;
		}
		case O_KSYMSTR:
			buf_put(&ksymstr, optarg, strlen(optarg) + 1);
			break;
		case O_EXPORT_NS: {
			char *colon = strchr(optarg, ':');

			if (colon == NULL)
				die("--export-ns needs SYM:NS");
			nss = realloc(nss, (nns + 1) * sizeof(*nss));
			if (!nss)
				die("out of memory");
			nss[nns].name = strndup(optarg, (size_t)(colon - optarg));
			nss[nns].off = ksymstr.len;
			buf_put(&ksymstr, colon + 1, strlen(colon + 1) + 1);
			nns++;
			break;
		}
		case O_VERSION:
			if (!split_crc(optarg, &name, &crc))
				die("--version needs SYM:CRC");
			vers = realloc(vers, (nvers + 1) * sizeof(*vers));
			if (!vers)
				die("out of memory");
			vers[nvers].name = name;
			vers[nvers].crc = crc;
			nvers++;
			break;
		case O_TEXTSIZE:
			text_size = parse_num(optarg, "text size");
			if (text_size > (1u << 30))
				die("text size too large");
			break;
		case O_THISNAME:
			thisname = optarg;
			break;
		case O_NOTHIS:
			no_this = true;
			break;
		case O_NOSYMTAB:
			no_symtab = true;
			break;
		case O_NOMODINFO:
			no_modinfo = true;
			break;
		case O_SIGN:
			sign_file = optarg;
			break;
		case O_SIGNLEG:
			sign_legacy = optarg;
			break;
		case O_ETYPE:
			if (!strcmp(optarg, "rel"))
				etype = ET_REL;
			else if (!strcmp(optarg, "exec"))
				etype = ET_EXEC;
			else if (!strcmp(optarg, "dyn"))
				etype = ET_DYN;
			else
				die("bad --elf-type");
			break;
		case OPT_TRUNC:
			truncate_at = parse_num(optarg, "truncate size");
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!output || optind != argc) {
		usage(stderr);
		return 2;
	}

	if (!machine_custom)
		machine_num = machines[mach].machine;
	is64 = class_opt ? class_opt == 64
			 : (machine_custom ? true : machines[mach].is64);
	big_endian = endian_opt ? endian_opt == 2
				: (machine_custom ? false : machines[mach].big);

	/* name for .gnu.linkonce.this_module */
	char derived[64];
	if (!thisname && first_name)
		thisname = first_name;
	if (!thisname) {
		const char *base = strrchr(output, '/');
		size_t i;

		base = base ? base + 1 : output;
		for (i = 0; base[i] && base[i] != '.' && i < sizeof(derived) - 1; i++)
			derived[i] = base[i] == '-' ? '_' : base[i];
		derived[i] = '\0';
		thisname = derived;
	}
	size_t name_off = is64 ? 24 : 12;
	size_t name_max = 64 - (is64 ? 8 : 4); /* MODULE_NAME_LEN */
	if (strlen(thisname) >= name_max)
		die("module name '%s' too long for struct module", thisname);

	/* sections */
	struct section sec[10];
	size_t nsec = 0;
	memset(sec, 0, sizeof(sec));
	nsec++; /* [0] is SHT_NULL */

	size_t text_idx = nsec++;
	sec[text_idx] = (struct section){ .name = ".text",
					  .type = SHT_PROGBITS,
					  .flags = SHF_ALLOC | SHF_EXECINSTR,
					  .align = 16 };
	buf_put(&sec[text_idx].data, NULL, text_size);

	if (!no_modinfo) {
		size_t i = nsec++;

		sec[i] = (struct section){ .name = ".modinfo",
					   .type = SHT_PROGBITS,
					   .flags = SHF_ALLOC,
					   .align = 1 };
		sec[i].data = modinfo;
	}
	size_t ksym_idx = 0;
	if (ksymstr.len) {
		size_t i = ksym_idx = nsec++;

		sec[i] = (struct section){ .name = "__ksymtab_strings",
					   .type = SHT_PROGBITS,
					   .flags = SHF_ALLOC,
					   .align = 1 };
		sec[i].data = ksymstr;
	}
	if (nvers) {
		size_t i = nsec++;
		int crcsize = is64 ? 8 : 4;

		sec[i] = (struct section){ .name = "__versions",
					   .type = SHT_PROGBITS,
					   .flags = SHF_ALLOC,
					   .align = crcsize };
		for (size_t v = 0; v < nvers; v++) {
			char name[64];

			if (strlen(vers[v].name) >= sizeof(name) - crcsize)
				die("symbol '%s' too long for __versions", vers[v].name);
			memset(name, 0, sizeof(name));
			strcpy(name, vers[v].name);
			put_uint(&sec[i].data, vers[v].crc, crcsize);
			buf_put(&sec[i].data, name, sizeof(name) - crcsize);
		}
	}
	if (!no_this) {
		size_t i = nsec++;
		size_t size = is64 ? 0x3c0 : 0x200;

		sec[i] = (struct section){ .name = ".gnu.linkonce.this_module",
					   .type = SHT_PROGBITS,
					   .flags = SHF_ALLOC | SHF_WRITE,
					   .align = is64 ? 64 : 32 };
		buf_put(&sec[i].data, NULL, size);
		memcpy(sec[i].data.data + name_off, thisname, strlen(thisname));
	}
	size_t symtab_idx = 0, strtab_idx = 0;
	if (!no_symtab) {
		struct buf *st, *str;

		symtab_idx = nsec++;
		strtab_idx = nsec++;
		sec[symtab_idx] = (struct section){ .name = ".symtab",
						    .type = SHT_SYMTAB,
						    .align = is64 ? 8 : 4,
						    .entsize = is64 ? 24 : 16,
						    .link = strtab_idx,
						    .info = 1 + (uint32_t)nns };
		sec[strtab_idx] = (struct section){ .name = ".strtab",
						    .type = SHT_STRTAB,
						    .align = 1 };
		st = &sec[symtab_idx].data;
		str = &sec[strtab_idx].data;
		buf_put(str, "", 1);
		/* null symbol */
		buf_put(st, NULL, is64 ? 24 : 16);
		/* locals first: __kstrtabns_SYM at its namespace in __ksymtab_strings */
		for (size_t s = 0; s < nns; s++) {
			char symname[4096];
			uint8_t info = STT_NOTYPE; /* STB_LOCAL */
			uint32_t nameoff;

			snprintf(symname, sizeof(symname), "__kstrtabns_%s", nss[s].name);
			nameoff = strtab_add(str, symname);
			if (is64) {
				PUT32(st, nameoff);
				buf_put(st, &info, 1);
				buf_put(st, NULL, 1);
				PUT16(st, (uint16_t)ksym_idx);
				put_uint(st, nss[s].off, 8);
				put_uint(st, 0, 8);
			} else {
				PUT32(st, nameoff);
				PUT32(st, nss[s].off);
				PUT32(st, 0);
				buf_put(st, &info, 1);
				buf_put(st, NULL, 1);
				PUT16(st, (uint16_t)ksym_idx);
			}
		}
		for (size_t s = 0; s < nsyms; s++) {
			char symname[4096];
			uint64_t value = 0;
			uint16_t shndx = SHN_UNDEF;
			uint8_t info;
			uint32_t nameoff;

			if (syms[s].kind == SYM_EXPORT) {
				value = syms[s].crc;
				if (snprintf(symname, sizeof(symname), "__crc_%s",
					     syms[s].name) >= (int)sizeof(symname))
					die("symbol name too long");
				shndx = SHN_ABS;
				info = STB_GLOBAL << 4 | STT_NOTYPE;
			} else {
				snprintf(symname, sizeof(symname), "%s", syms[s].name);
				info = (syms[s].kind == SYM_WEAK ? STB_WEAK : STB_GLOBAL)
					       << 4 |
				       STT_NOTYPE;
			}
			nameoff = strtab_add(str, symname);
			if (is64) {
				PUT32(st, nameoff);
				buf_put(st, &info, 1);
				buf_put(st, NULL, 1); /* st_other */
				PUT16(st, shndx);
				put_uint(st, value, 8);
				put_uint(st, 0, 8);
			} else {
				PUT32(st, nameoff);
				PUT32(st, value);
				PUT32(st, 0);
				buf_put(st, &info, 1);
				buf_put(st, NULL, 1);
				PUT16(st, shndx);
			}
		}
	}
	size_t shstr_idx = nsec++;
	sec[shstr_idx] =
		(struct section){ .name = ".shstrtab", .type = SHT_STRTAB, .align = 1 };
	buf_put(&sec[shstr_idx].data, "", 1);
	for (size_t i = 1; i < nsec; i++)
		sec[i].name_off = strtab_add(&sec[shstr_idx].data, sec[i].name);

	/* lay out: header, section data, section header table */
	struct buf img = { 0 };
	size_t ehsize = is64 ? 64 : 52, shentsize = is64 ? 64 : 40;

	buf_put(&img, NULL, ehsize);
	for (size_t i = 1; i < nsec; i++) {
		buf_align(&img, sec[i].align ? sec[i].align : 1);
		sec[i].offset = img.len;
		buf_put(&img, sec[i].data.data, sec[i].data.len);
	}
	buf_align(&img, 8);
	uint64_t shoff = img.len;
	for (size_t i = 0; i < nsec; i++) {
		PUT32(&img, sec[i].name_off);
		PUT32(&img, sec[i].type);
		PUTW(&img, sec[i].flags);
		PUTW(&img, 0); /* addr */
		PUTW(&img, sec[i].offset);
		PUTW(&img, sec[i].data.len);
		PUT32(&img, sec[i].link);
		PUT32(&img, sec[i].info);
		PUTW(&img, sec[i].align);
		PUTW(&img, sec[i].entsize);
	}

	/* ELF header, written over the reserved space */
	struct buf eh = { 0 };
	uint8_t ident[EI_NIDENT] = { 0x7f, 'E', 'L', 'F' };

	ident[4] = is64 ? 2 : 1; /* EI_CLASS */
	ident[5] = big_endian ? 2 : 1; /* EI_DATA */
	ident[6] = 1; /* EI_VERSION */
	buf_put(&eh, ident, sizeof(ident));
	PUT16(&eh, etype);
	PUT16(&eh, machine_num);
	PUT32(&eh, 1); /* e_version */
	PUTW(&eh, 0); /* e_entry */
	PUTW(&eh, 0); /* e_phoff */
	PUTW(&eh, shoff); /* e_shoff */
	PUT32(&eh, 0); /* e_flags */
	PUT16(&eh, ehsize);
	PUT16(&eh, 0); /* e_phentsize */
	PUT16(&eh, 0); /* e_phnum */
	PUT16(&eh, shentsize);
	PUT16(&eh, nsec);
	PUT16(&eh, shstr_idx);
	memcpy(img.data, eh.data, ehsize);

	if (sign_file)
		append_signature(&img, NULL, NULL, 0, 2 /* PKEY_ID_PKCS7 */, sign_file);
	if (sign_legacy) {
		char *signer = sign_legacy, *keyid, *hash, *file;

		keyid = strchr(signer, ':');
		hash = keyid ? strchr(keyid + 1, ':') : NULL;
		file = hash ? strchr(hash + 1, ':') : NULL;
		if (!file)
			die("--sign-legacy needs SIGNER:KEYID:HASH:FILE");
		*keyid++ = *hash++ = *file++ = '\0';
		if (strlen(keyid) % 2)
			die("bad key id '%s'", keyid);
		append_signature(&img, signer, keyid, parse_num(hash, "hash index"),
				 1 /* PKEY_ID_X509 */, file);
	}

	if (truncate_at < img.len)
		img.len = truncate_at;

	int fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("%s: %s", output, strerror(errno));
	for (size_t off = 0; off < img.len;) {
		ssize_t w = write(fd, img.data + off, img.len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("%s: %s", output, strerror(errno));
		}
		off += w;
	}
	if (close(fd) < 0)
		die("%s: %s", output, strerror(errno));
	return 0;
}
