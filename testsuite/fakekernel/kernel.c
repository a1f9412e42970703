// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fake kernel: init_module(), finit_module() and delete_module(), as libc functions
 * and through syscall(), with their state kept in files of the rootfs as a real kernel
 * shows it in sysfs and procfs. See testsuite/fakekernel/README.md for the model.
 *
 * Without FAKEKERNEL_ROOTFS the module syscalls fail with EPERM: a test must never
 * reach the real kernel. Every other syscall() number is forwarded unchanged.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if ENABLE_ZLIB
#include <zlib.h>
#endif
#if ENABLE_XZ
#include <lzma.h>
#endif
#if ENABLE_ZSTD
#include <zstd.h>
#endif

#include "fakekernel.h"

#define EXPORT __attribute__((visibility("default")))

#define MODULE_INIT_IGNORE_MODVERSIONS 1
#define MODULE_INIT_IGNORE_VERMAGIC 2
#define MODULE_INIT_COMPRESSED_FILE 4

#define SIG_MAGIC "~Module signature appended~\n"

/* ---------------------------------------------------------------- errno names */

static const struct {
	const char *name;
	int value;
} errnames[] = {
	{ "EPERM", EPERM },
	{ "ENOENT", ENOENT },
	{ "ESRCH", ESRCH },
	{ "EINTR", EINTR },
	{ "EIO", EIO },
	{ "ENXIO", ENXIO },
	{ "E2BIG", E2BIG },
	{ "ENOEXEC", ENOEXEC },
	{ "EBADF", EBADF },
	{ "EWOULDBLOCK", EWOULDBLOCK },
	{ "EAGAIN", EAGAIN },
	{ "ENOMEM", ENOMEM },
	{ "EACCES", EACCES },
	{ "EFAULT", EFAULT },
	{ "EBUSY", EBUSY },
	{ "EEXIST", EEXIST },
	{ "ENODEV", ENODEV },
	{ "EINVAL", EINVAL },
	{ "ENOSPC", ENOSPC },
	{ "ENOSYS", ENOSYS },
	{ "EOPNOTSUPP", EOPNOTSUPP },
	{ "ENOTSUP", ENOTSUP },
	{ "EKEYREJECTED", EKEYREJECTED },
	{ "ENOKEY", ENOKEY },
	{ "EBADMSG", EBADMSG },
	{ "ENODATA", ENODATA },
	{ "ETXTBSY", ETXTBSY },
	{ "EFBIG", EFBIG },
	{ "ENOTDIR", ENOTDIR },
	{ "EROFS", EROFS },
};

static const char *errname(int e)
{
	static char buf[16];

	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].value == e)
			return errnames[i].name;
	snprintf(buf, sizeof(buf), "%d", e);
	return buf;
}

static int parse_errno(const char *s)
{
	char *end;
	long v;

	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (strcmp(errnames[i].name, s) == 0)
			return errnames[i].value;
	v = strtol(s, &end, 10);
	if (*s && !*end && v > 0 && v < 4096)
		return v;
	return 0;
}

/* ---------------------------------------------------------------- rootfs files */

static int root_path(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int root_path(char *buf, size_t size, const char *fmt, ...)
{
	const char *root = fk_rootfs();
	va_list ap;
	int n, m;

	n = snprintf(buf, size, "%s/", root);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)(n + m) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* read a whole small file into a malloc'd NUL-terminated string, or NULL */
static char *read_text(const char *path)
{
	FILE *f = fopen(path, "re");
	char *s = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&s, &len, '\0', f) < 0) {
		free(s);
		s = strdup("");
	}
	fclose(f);
	return s;
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fputs(text, f);
	if (fclose(f) != 0)
		return -errno;
	return 0;
}

static void mkdir_p(const char *path)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return;
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	}
	mkdir(tmp, 0755);
}

static void rm_rf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (!d) {
		unlink(path);
		return;
	}
	while ((de = readdir(d))) {
		char sub[PATH_MAX];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) >=
		    (int)sizeof(sub))
			continue;
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			rm_rf(sub);
		else
			unlink(sub);
	}
	closedir(d);
	rmdir(path);
}

static void fk_append(const char *file, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fk_append(const char *file, const char *fmt, ...)
{
	char path[PATH_MAX], dir[PATH_MAX];
	va_list ap;
	FILE *f;

	if (root_path(dir, sizeof(dir), "fakekernel") < 0 ||
	    root_path(path, sizeof(path), "fakekernel/%s", file) < 0)
		return;
	mkdir_p(dir);
	f = fopen(path, "ae");
	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

/* ---------------------------------------------------------------- injected errors */

/*
 * FAKEKERNEL_ERRORS and <rootfs>/fakekernel/errors: entries separated by white space
 * or commas, each [CALL:]NAME:ERRNO with CALL one of load (init and finit, the
 * default), init, finit, delete; NAME a module name or '*'; ERRNO a name (ENOENT) or
 * a number. The first matching entry wins, the environment before the file.
 */
static int match_errors(const char *list, const char *call, const char *name)
{
	char *copy = strdup(list), *save = NULL, *tok;
	int ret = 0;

	if (!copy)
		return 0;
	for (tok = strtok_r(copy, " \t\n,", &save); tok && !ret;
	     tok = strtok_r(NULL, " \t\n,", &save)) {
		char *f[3];
		int n = 0;
		const char *c = "load", *m, *e;

		if (tok[0] == '#') {
			/* a comment runs to the end of the line */
			strtok_r(NULL, "\n", &save);
			continue;
		}
		for (char *p = tok; n < 3; n++) {
			f[n] = p;
			p = strchr(p, ':');
			if (!p) {
				n++;
				break;
			}
			*p++ = '\0';
		}
		if (n == 3) {
			c = f[0];
			m = f[1];
			e = f[2];
		} else if (n == 2) {
			m = f[0];
			e = f[1];
		} else {
			continue;
		}
		if (strcmp(m, "*") != 0 && strcmp(m, name) != 0)
			continue;
		if (strcmp(c, call) != 0 &&
		    !(strcmp(c, "load") == 0 &&
		      (!strcmp(call, "init") || !strcmp(call, "finit"))))
			continue;
		ret = parse_errno(e);
	}
	free(copy);
	return ret;
}

static int injected_error(const char *call, const char *name)
{
	const char *env = getenv("FAKEKERNEL_ERRORS");
	char path[PATH_MAX];
	char *file;
	int ret = 0;

	if (env)
		ret = match_errors(env, call, name);
	if (!ret && root_path(path, sizeof(path), "fakekernel/errors") == 0 &&
	    (file = read_text(path))) {
		ret = match_errors(file, call, name);
		free(file);
	}
	return ret;
}

/* ---------------------------------------------------------------- ELF */

struct elf {
	const uint8_t *data;
	size_t size;
	bool is64, be;
	uint64_t shoff;
	unsigned shnum, shentsize;
	const char *shstr;
	uint64_t shstr_size;
};

struct shdr {
	const char *name;
	uint32_t type;
	uint64_t flags, offset, size;
	unsigned index;
	uint64_t hdr_off; /* offset of the section header itself */
};

static uint64_t rd(const struct elf *e, uint64_t off, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++) {
		int idx = e->be ? i : n - 1 - i;

		v = v << 8 | e->data[off + idx];
	}
	return v;
}

static bool in_range(uint64_t off, uint64_t len, uint64_t size)
{
	uint64_t end;

	return !__builtin_add_overflow(off, len, &end) && end <= size;
}

static int elf_shdr(const struct elf *e, unsigned i, struct shdr *s)
{
	uint64_t off = e->shoff + (uint64_t)i * e->shentsize;
	int w = e->is64 ? 8 : 4;
	uint32_t name;

	s->hdr_off = off;
	s->index = i;
	name = rd(e, off, 4);
	s->type = rd(e, off + 4, 4);
	s->flags = rd(e, off + 8, w);
	s->offset = rd(e, off + 8 + 2 * w, w);
	s->size = rd(e, off + 8 + 3 * w, w);
	if (!in_range(s->offset, s->type == 8 /* NOBITS */ ? 0 : s->size, e->size))
		return -ENOEXEC;
	s->name = "";
	if (e->shstr && name < e->shstr_size)
		s->name = e->shstr + name;
	return 0;
}

static int elf_open(struct elf *e, const void *data, size_t size)
{
	const uint8_t *d = data;
	struct shdr s;
	unsigned shstrndx;

	memset(e, 0, sizeof(*e));
	e->data = d;
	e->size = size;
	if (size < 52 || memcmp(d, "\177ELF", 4) != 0)
		return -ENOEXEC;
	if (d[4] != 1 && d[4] != 2)
		return -ENOEXEC;
	if (d[5] != 1 && d[5] != 2)
		return -ENOEXEC;
	e->is64 = d[4] == 2;
	e->be = d[5] == 2;
	if (e->is64 && size < 64)
		return -ENOEXEC;
	if (rd(e, 16, 2) != 1 /* ET_REL */)
		return -ENOEXEC;
	if (e->is64) {
		e->shoff = rd(e, 40, 8);
		e->shentsize = rd(e, 58, 2);
		e->shnum = rd(e, 60, 2);
		shstrndx = rd(e, 62, 2);
	} else {
		e->shoff = rd(e, 32, 4);
		e->shentsize = rd(e, 46, 2);
		e->shnum = rd(e, 48, 2);
		shstrndx = rd(e, 50, 2);
	}
	if (e->shentsize != (e->is64 ? 64u : 40u) ||
	    !in_range(e->shoff, (uint64_t)e->shnum * e->shentsize, size) ||
	    shstrndx >= e->shnum)
		return -ENOEXEC;
	if (elf_shdr(e, shstrndx, &s) < 0)
		return -ENOEXEC;
	e->shstr = (const char *)d + s.offset;
	e->shstr_size = s.size;
	if (s.size == 0 || e->shstr[s.size - 1] != '\0')
		return -ENOEXEC;
	return 0;
}

static bool elf_find(const struct elf *e, const char *name, struct shdr *out)
{
	for (unsigned i = 1; i < e->shnum; i++) {
		struct shdr s;

		if (elf_shdr(e, i, &s) < 0)
			continue;
		if (strcmp(s.name, name) == 0) {
			*out = s;
			return true;
		}
	}
	return false;
}

/* value of the first .modinfo "key=" entry, as a malloc'd string, or NULL */
static char *modinfo_get(const struct elf *e, const char *key)
{
	struct shdr s;
	size_t klen = strlen(key);
	const char *p, *end;

	if (!elf_find(e, ".modinfo", &s))
		return NULL;
	p = (const char *)e->data + s.offset;
	end = p + s.size;
	while (p < end) {
		size_t n = strnlen(p, end - p);

		if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=')
			return strndup(p + klen + 1, n - klen - 1);
		p += n + 1;
	}
	return NULL;
}

/* every .modinfo "key=" value, joined with '\n' */
static char *modinfo_all(const struct elf *e, const char *key)
{
	struct shdr s;
	size_t klen = strlen(key), len = 0;
	const char *p, *end;
	char *out = calloc(1, 1);

	if (!out || !elf_find(e, ".modinfo", &s))
		return out;
	p = (const char *)e->data + s.offset;
	end = p + s.size;
	while (p < end) {
		size_t n = strnlen(p, end - p);

		if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			char *o = realloc(out, len + n - klen + 1);

			if (!o)
				break;
			out = o;
			memcpy(out + len, p + klen + 1, n - klen - 1);
			len += n - klen - 1;
			out[len++] = '\n';
			out[len] = '\0';
		}
		p += n + 1;
	}
	return out;
}

static int module_name(const struct elf *e, char *name, size_t size)
{
	char *n = modinfo_get(e, "name");
	struct shdr s;

	if (!n && elf_find(e, ".gnu.linkonce.this_module", &s)) {
		size_t off = e->is64 ? 24 : 12, max = e->is64 ? 56 : 60;

		if (s.size >= off + max)
			n = strndup((const char *)e->data + s.offset + off, max);
	}
	if (!n || !*n || strlen(n) >= size || strchr(n, '/') || !strcmp(n, ".") ||
	    !strcmp(n, "..")) {
		free(n);
		return -ENOEXEC;
	}
	strcpy(name, n);
	free(n);
	return 0;
}

/* ---------------------------------------------------------------- state */

static int read_initstate(const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];
	char *s;

	if (root_path(path, sizeof(path), "sys/module/%s/initstate", name) < 0)
		return -ENAMETOOLONG;
	s = read_text(path);
	if (!s)
		return -ENOENT;
	snprintf(buf, size, "%s", s);
	buf[strcspn(buf, "\n")] = '\0';
	free(s);
	return 0;
}

static long read_refcnt(const char *name)
{
	char path[PATH_MAX];
	char *s;
	long v;

	if (root_path(path, sizeof(path), "sys/module/%s/refcnt", name) < 0)
		return -1;
	s = read_text(path);
	if (!s)
		return -1;
	v = strtol(s, NULL, 10);
	free(s);
	return v;
}

static void write_refcnt(const char *name, long v)
{
	char path[PATH_MAX], text[32];

	if (root_path(path, sizeof(path), "sys/module/%s/refcnt", name) < 0)
		return;
	snprintf(text, sizeof(text), "%ld\n", v);
	write_text(path, text);
}

/*
 * /proc/modules, kernel format: "name size refcnt users state 0xaddr[ (taint)]",
 * users "a,b," newest first or "-", newest module first. Addresses read as zeros,
 * as for an unprivileged reader.
 */
struct pm_line {
	char *name, *size, *refcnt, *users, *rest;
};

static size_t pm_read(struct pm_line **out)
{
	char path[PATH_MAX];
	char *text, *save = NULL, *line;
	struct pm_line *v = NULL;
	size_t n = 0;

	*out = NULL;
	if (root_path(path, sizeof(path), "proc/modules") < 0 ||
	    !(text = read_text(path)))
		return 0;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[256], size[32], ref[32], users[4096];
		int off = 0;
		struct pm_line *nv;

		if (sscanf(line, "%255s %31s %31s %4095s %n", name, size, ref, users,
			   &off) < 4)
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n].name = strdup(name);
		v[n].size = strdup(size);
		v[n].refcnt = strdup(ref);
		v[n].users = strdup(users);
		v[n].rest = strdup(line + off);
		n++;
	}
	free(text);
	*out = v;
	return n;
}

static void pm_write(struct pm_line *v, size_t n)
{
	char path[PATH_MAX], dir[PATH_MAX];
	FILE *f;

	if (root_path(path, sizeof(path), "proc/modules") < 0 ||
	    root_path(dir, sizeof(dir), "proc") < 0)
		return;
	mkdir_p(dir);
	f = fopen(path, "we");
	if (!f)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!v[i].name)
			continue;
		fprintf(f, "%s %s %s %s %s\n", v[i].name, v[i].size, v[i].refcnt,
			v[i].users, v[i].rest);
	}
	fclose(f);
}

static void pm_free(struct pm_line *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].size);
		free(v[i].refcnt);
		free(v[i].users);
		free(v[i].rest);
	}
	free(v);
}

/* users field without @user */
static char *users_without(const char *users, const char *user)
{
	char *out = calloc(1, strlen(users) + 2), *copy = strdup(users), *save = NULL, *t;

	if (!out || !copy) {
		free(copy);
		return out;
	}
	for (t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "-") || !strcmp(t, user))
			continue;
		strcat(out, t);
		strcat(out, ",");
	}
	free(copy);
	if (!*out)
		strcpy(out, "-");
	return out;
}

/* on load of @name (size, taint) using @deps; on unload (size NULL) */
static void pm_update(const char *name, const char *size, const char *taint, char **deps,
		      size_t ndeps)
{
	struct pm_line *v, *nv;
	size_t n = pm_read(&v);

	for (size_t i = 0; i < n; i++) {
		bool is_dep = false;
		char ref[32];

		for (size_t d = 0; d < ndeps; d++)
			if (v[i].name && !strcmp(v[i].name, deps[d]))
				is_dep = true;
		if (v[i].name && !strcmp(v[i].name, name) && !size) {
			free(v[i].name);
			v[i].name = NULL;
			continue;
		}
		if (!is_dep || !v[i].name)
			continue;
		snprintf(ref, sizeof(ref), "%ld", read_refcnt(v[i].name));
		free(v[i].refcnt);
		v[i].refcnt = strdup(ref);
		if (size) {
			char *u = users_without(v[i].users, name), *nu;

			if (asprintf(&nu, "%s,%s", name, strcmp(u, "-") ? u : "") >= 0) {
				/* "a," + "b," -> "a,b,"; a lone "a," has no second comma
				 */
				size_t l = strlen(nu);

				if (l >= 2 && nu[l - 1] == ',' && nu[l - 2] == ',')
					nu[l - 1] = '\0';
				free(v[i].users);
				v[i].users = nu;
			}
			free(u);
		} else {
			char *u = users_without(v[i].users, name);

			free(v[i].users);
			v[i].users = u;
		}
	}
	if (size) {
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (nv) {
			v = nv;
			memmove(v + 1, v, n * sizeof(*v));
			v[0].name = strdup(name);
			v[0].size = strdup(size);
			v[0].refcnt = strdup("0");
			v[0].users = strdup("-");
			if (asprintf(&v[0].rest, "Live 0x0000000000000000%s%s%s",
				     *taint ? " (" : "", taint, *taint ? ")" : "") < 0)
				v[0].rest = strdup("Live 0x0000000000000000");
			n++;
		}
	}
	pm_write(v, n);
	pm_free(v, n);
}

/* ---------------------------------------------------------------- params */

/* kernel's next_arg(): "a=b c="d e" f" -> (a,b) (c,d e) (f,NULL) */
static char *next_arg(char *args, char **param, char **val)
{
	unsigned i, equals = 0;
	int in_quote = 0, quoted = 0;
	char *next;

	if (*args == '"') {
		args++;
		in_quote = 1;
		quoted = 1;
	}
	for (i = 0; args[i]; i++) {
		if (isspace((unsigned char)args[i]) && !in_quote)
			break;
		if (equals == 0 && args[i] == '=')
			equals = i;
		if (args[i] == '"')
			in_quote = !in_quote;
	}
	*param = args;
	if (!equals) {
		*val = NULL;
	} else {
		args[equals] = '\0';
		*val = args + equals + 1;
		if (**val == '"') {
			(*val)++;
			if (args[i - 1] == '"')
				args[i - 1] = '\0';
		}
	}
	if (quoted && i > 0 && args[i - 1] == '"')
		args[i - 1] = '\0';
	if (args[i]) {
		args[i] = '\0';
		next = args + i + 1;
	} else {
		next = args + i;
	}
	while (isspace((unsigned char)*next))
		next++;
	return next;
}

static bool valid_value(const char *type, const char *val)
{
	char *end;

	if (!strcmp(type, "int") || !strcmp(type, "long") || !strcmp(type, "short")) {
		if (!val || !*val)
			return false;
		(void)strtoll(val, &end, 0);
		return *end == '\0';
	}
	if (!strcmp(type, "uint") || !strcmp(type, "ulong") || !strcmp(type, "ushort") ||
	    !strcmp(type, "byte")) {
		if (!val || !*val || *val == '-')
			return false;
		(void)strtoull(val, &end, 0);
		return *end == '\0';
	}
	if (!strcmp(type, "bool") || !strcmp(type, "invbool")) {
		static const char *const ok[] = { "y", "Y", "n", "N", "1", "0" };

		if (!val)
			return true;
		for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
			if (!strcmp(val, ok[i]))
				return true;
		return false;
	}
	return true;
}

/*
 * Apply @params: a parameter declared with parmtype= gets
 * sys/module/NAME/parameters/PARAM; an invalid value for its type is -EINVAL;
 * an unknown one is ignored with a note in fakekernel/dmesg, as the kernel does.
 * With @apply false only validate.
 */
static int apply_params(const struct elf *e, const char *name, const char *params,
			bool apply)
{
	char *types = modinfo_all(e, "parmtype");
	char *copy = strdup(params ? params : "");
	char *p = copy, *param, *val;
	int ret = 0;

	if (!types || !copy) {
		free(types);
		free(copy);
		return -ENOMEM;
	}
	while (isspace((unsigned char)*p))
		p++;
	while (*p && ret == 0) {
		char type[64] = "";
		const char *t = types;

		p = next_arg(p, &param, &val);
		/* find "param:type\n" */
		while (*t) {
			size_t plen = strlen(param);
			const char *nl = strchrnul(t, '\n');

			if (!strncmp(t, param, plen) && t[plen] == ':') {
				snprintf(type, sizeof(type), "%.*s",
					 (int)(nl - t - plen - 1), t + plen + 1);
				break;
			}
			t = *nl ? nl + 1 : nl;
		}
		if (!*type) {
			if (apply)
				fk_append("dmesg", "%s: unknown parameter '%s' ignored\n",
					  name, param);
			continue;
		}
		if (!valid_value(type, val)) {
			fk_append("dmesg", "%s: '%s' invalid for parameter '%s'\n", name,
				  val ? val : "", param);
			ret = -EINVAL;
			break;
		}
		if (apply) {
			char path[PATH_MAX], text[4096];

			if (root_path(path, sizeof(path), "sys/module/%s/parameters",
				      name) < 0)
				continue;
			mkdir_p(path);
			if (root_path(path, sizeof(path), "sys/module/%s/parameters/%s",
				      name, param) < 0)
				continue;
			snprintf(text, sizeof(text), "%s\n", val ? val : "Y");
			write_text(path, text);
		}
	}
	free(types);
	free(copy);
	return ret;
}

/* ---------------------------------------------------------------- load */

static char *trim(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static void log_call(const char *call, const char *name, unsigned flags,
		     const char *params, int err)
{
	if (params)
		fk_append("log", "%s %s flags=0x%x params=\"%s\": %s\n", call, name,
			  flags, params, err ? errname(err) : "0");
	else
		fk_append("log", "%s %s flags=0x%x: %s\n", call, name, flags,
			  err ? errname(err) : "0");
}

/* returns 0 or a positive errno */
static int do_load(const void *image, size_t size, const char *params, unsigned flags,
		   const char *call, char *name, size_t namesize)
{
	struct elf e;
	char state[64], path[PATH_MAX], text[64], taint[8] = "";
	char *vermagic = NULL, *want = NULL, *depends = NULL, *intree = NULL;
	char **deps = NULL;
	size_t ndeps = 0;
	uint64_t coresize = 0;
	bool forced = false;
	int err;

	snprintf(name, namesize, "?");
	if (elf_open(&e, image, size) < 0 || module_name(&e, name, namesize) < 0) {
		fk_append("dmesg", "module: invalid ELF module image\n");
		return ENOEXEC;
	}
	err = injected_error(call, name);
	if (err)
		return err;

	/* vermagic: compared with <rootfs>/fakekernel/vermagic when that exists */
	vermagic = modinfo_get(&e, "vermagic");
	if (root_path(path, sizeof(path), "fakekernel/vermagic") == 0 &&
	    (want = read_text(path))) {
		char *w = want;

		/* the file holds the string and a newline; the string may end in a space
		 */
		w[strcspn(w, "\n")] = '\0';

		if (!(flags & MODULE_INIT_IGNORE_VERMAGIC) && vermagic && *vermagic &&
		    strcmp(vermagic, w) != 0) {
			fk_append("dmesg", "%s: version magic '%s' should be '%s'\n",
				  name, vermagic, w);
			err = ENOEXEC;
			goto out;
		}
	}
	/*
	 * Taint F (forced), as a CONFIG_MODVERSIONS + CONFIG_MODULE_FORCE_LOAD kernel
	 * does: no vermagic (blanked, or ignored by flag), or no symbol versions (no
	 * SHF_ALLOC __versions section, stripped, or ignored by flag: the kernel then
	 * force-loads "module_layout").
	 */
	if (flags & MODULE_INIT_IGNORE_VERMAGIC || !vermagic || !*vermagic)
		forced = true;
	if (flags & MODULE_INIT_IGNORE_MODVERSIONS)
		forced = true;
	else {
		struct shdr vs;

		if (!elf_find(&e, "__versions", &vs) || !(vs.flags & 2 /* SHF_ALLOC */))
			forced = true;
	}

	if (read_initstate(name, state, sizeof(state)) == 0) {
		err = strcmp(state, "live") == 0 ? EEXIST : EBUSY;
		goto out;
	}

	/* every module of depends= must be live */
	depends = modinfo_get(&e, "depends");
	if (depends && *depends) {
		char *save = NULL, *d;

		for (d = strtok_r(depends, ",", &save); d;
		     d = strtok_r(NULL, ",", &save)) {
			char **nd;

			if (read_initstate(d, state, sizeof(state)) < 0 ||
			    strcmp(state, "live") != 0) {
				fk_append("dmesg",
					  "%s: Unknown symbol (needs module %s)\n", name,
					  d);
				err = ENOENT;
				goto out;
			}
			nd = realloc(deps, (ndeps + 1) * sizeof(*deps));
			if (!nd) {
				err = ENOMEM;
				goto out;
			}
			deps = nd;
			deps[ndeps++] = d;
		}
	}

	err = -apply_params(&e, name, params, false);
	if (err)
		goto out;

	/* core size: the SHF_ALLOC sections, page-rounded */
	for (unsigned i = 1; i < e.shnum; i++) {
		struct shdr s;

		if (elf_shdr(&e, i, &s) == 0 && (s.flags & 2 /* SHF_ALLOC */) &&
		    strcmp(s.name, ".gnu.linkonce.this_module") != 0)
			coresize += s.size;
	}
	coresize = (coresize + 4095) & ~(uint64_t)4095;
	if (!coresize)
		coresize = 4096;

	intree = modinfo_get(&e, "intree");
	if (forced)
		strcat(taint, "F");
	if (!intree || strcmp(intree, "Y") != 0)
		strcat(taint, "O");
	if (size < 28 || memcmp((const char *)image + size - 28, SIG_MAGIC, 28) != 0)
		strcat(taint, "E");

	/* the new module */
	if (root_path(path, sizeof(path), "sys/module/%s/holders", name) < 0) {
		err = ENAMETOOLONG;
		goto out;
	}
	mkdir_p(path);
	root_path(path, sizeof(path), "sys/module/%s/refcnt", name);
	write_text(path, "0\n");
	root_path(path, sizeof(path), "sys/module/%s/coresize", name);
	snprintf(text, sizeof(text), "%llu\n", (unsigned long long)coresize);
	write_text(path, text);
	root_path(path, sizeof(path), "sys/module/%s/initsize", name);
	write_text(path, "0\n");
	root_path(path, sizeof(path), "sys/module/%s/taint", name);
	snprintf(text, sizeof(text), "%s\n", taint);
	write_text(path, text);
	apply_params(&e, name, params, true);
	/* its dependencies: one more reference each, and a holder link */
	for (size_t d = 0; d < ndeps; d++) {
		char target[PATH_MAX];

		write_refcnt(deps[d], read_refcnt(deps[d]) + 1);
		if (root_path(path, sizeof(path), "sys/module/%s/holders/%s", deps[d],
			      name) == 0) {
			snprintf(target, sizeof(target), "../../%s", name);
			symlink(target, path);
		}
	}
	snprintf(text, sizeof(text), "%llu", (unsigned long long)coresize);
	pm_update(name, text, taint, deps, ndeps);
	root_path(path, sizeof(path), "sys/module/%s/initstate", name);
	write_text(path, "live\n");
out:
	free(vermagic);
	free(want);
	free(depends);
	free(intree);
	free(deps);
	return err;
}

static bool fk_enabled(void)
{
	return fk_rootfs() != NULL;
}

EXPORT long init_module(void *image, unsigned long len, const char *params);
EXPORT long init_module(void *image, unsigned long len, const char *params)
{
	char name[256];
	int err;

	if (!fk_enabled()) {
		errno = EPERM;
		return -1;
	}
	err = do_load(image, len, params, 0, "init", name, sizeof(name));
	log_call("init_module", name, 0, params, err);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- decompression */

enum comp { COMP_NONE, COMP_GZIP, COMP_XZ, COMP_ZSTD };

static enum comp detect(const uint8_t *d, size_t n)
{
	if (n >= 2 && d[0] == 0x1f && d[1] == 0x8b)
		return COMP_GZIP;
	if (n >= 6 && !memcmp(d,
			      "\xfd"
			      "7zXZ\0",
			      6))
		return COMP_XZ;
	if (n >= 4 && !memcmp(d, "\x28\xb5\x2f\xfd", 4))
		return COMP_ZSTD;
	return COMP_NONE;
}

static const char *comp_name(enum comp c)
{
	return c == COMP_GZIP	? "gzip"
	       : c == COMP_XZ	? "xz"
	       : c == COMP_ZSTD ? "zstd"
				: "none";
}

#define DECOMP_MAX ((size_t)1 << 30)

/* returns 0 or a positive errno */
static int decompress(enum comp c, const uint8_t *in, size_t inlen, uint8_t **out,
		      size_t *outlen)
{
	size_t cap = inlen * 4 + 4096, len = 0;
	uint8_t *buf = malloc(cap);
	int err = EINVAL;

	if (!buf)
		return ENOMEM;
	switch (c) {
#if ENABLE_ZLIB
	case COMP_GZIP: {
		z_stream z = { 0 };
		int r;

		if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
			break;
		z.next_in = (Bytef *)in;
		z.avail_in = inlen;
		do {
			if (len == cap) {
				uint8_t *nb =
					cap < DECOMP_MAX ? realloc(buf, cap * 2) : NULL;

				if (!nb) {
					r = Z_MEM_ERROR;
					break;
				}
				buf = nb;
				cap *= 2;
			}
			z.next_out = buf + len;
			z.avail_out = cap - len;
			r = inflate(&z, Z_NO_FLUSH);
			len = cap - z.avail_out;
		} while (r == Z_OK);
		inflateEnd(&z);
		if (r == Z_STREAM_END)
			err = 0;
		break;
	}
#endif
#if ENABLE_XZ
	case COMP_XZ: {
		lzma_stream s = LZMA_STREAM_INIT;
		lzma_ret r;

		if (lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
			break;
		s.next_in = in;
		s.avail_in = inlen;
		do {
			if (len == cap) {
				uint8_t *nb =
					cap < DECOMP_MAX ? realloc(buf, cap * 2) : NULL;

				if (!nb) {
					r = LZMA_MEM_ERROR;
					break;
				}
				buf = nb;
				cap *= 2;
			}
			s.next_out = buf + len;
			s.avail_out = cap - len;
			r = lzma_code(&s, LZMA_FINISH);
			len = cap - s.avail_out;
		} while (r == LZMA_OK);
		lzma_end(&s);
		if (r == LZMA_STREAM_END)
			err = 0;
		break;
	}
#endif
#if ENABLE_ZSTD
	case COMP_ZSTD: {
		ZSTD_DStream *z = ZSTD_createDStream();
		ZSTD_inBuffer ib = { in, inlen, 0 };
		size_t r = 1;

		if (!z)
			break;
		ZSTD_initDStream(z);
		while (r != 0) {
			ZSTD_outBuffer ob;

			if (len == cap) {
				uint8_t *nb =
					cap < DECOMP_MAX ? realloc(buf, cap * 2) : NULL;

				if (!nb)
					break;
				buf = nb;
				cap *= 2;
			}
			ob = (ZSTD_outBuffer){ buf + len, cap - len, 0 };
			r = ZSTD_decompressStream(z, &ob, &ib);
			len += ob.pos;
			if (ZSTD_isError(r) ||
			    (ib.pos == ib.size && ob.pos < ob.size && r))
				break;
		}
		ZSTD_freeDStream(z);
		if (r == 0)
			err = 0;
		break;
	}
#endif
	default:
		break;
	}
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

/* ---------------------------------------------------------------- finit_module */

static int read_fd(int fd, uint8_t **out, size_t *outlen)
{
	struct stat st;
	uint8_t *buf;
	size_t len = 0;

	if (fstat(fd, &st) < 0)
		return errno;
	if (!S_ISREG(st.st_mode))
		return EINVAL;
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf)
		return ENOMEM;
	while (len < (size_t)st.st_size) {
		ssize_t r = pread(fd, buf + len, st.st_size - len, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(buf);
			return r < 0 ? errno : EIO;
		}
		len += r;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

static int do_finit(int fd, const char *params, int flags, char *name, size_t namesize)
{
	uint8_t *data = NULL, *plain = NULL;
	size_t len = 0, plainlen;
	enum comp c;
	int err;

	snprintf(name, namesize, "?");
	if (flags & ~(MODULE_INIT_IGNORE_MODVERSIONS | MODULE_INIT_IGNORE_VERMAGIC |
		      MODULE_INIT_COMPRESSED_FILE))
		return EINVAL;
	/* a kernel without finit_module does not look at the file */
	err = injected_error("finit", "*");
	if (err)
		return err;
	err = read_fd(fd, &data, &len);
	if (err)
		return err;
	c = detect(data, len);
	if (flags & MODULE_INIT_COMPRESSED_FILE) {
		char path[PATH_MAX];
		char *kc = NULL;

		/* the kernel decompresses only the format named in sys/module/compression
		 */
		if (root_path(path, sizeof(path), "sys/module/compression") == 0)
			kc = read_text(path);
		if (!kc) {
			err = EOPNOTSUPP;
		} else if (strcmp(trim(kc), comp_name(c)) != 0) {
			err = EINVAL;
		} else {
			err = decompress(c, data, len, &plain, &plainlen);
		}
		free(kc);
		if (err)
			goto out;
		free(data);
		data = plain;
		len = plainlen;
	} else if (c != COMP_NONE) {
		err = ENOEXEC;
		goto out;
	}
	err = do_load(data, len, params, flags, "finit", name, namesize);
out:
	free(data);
	return err;
}

EXPORT int finit_module(int fd, const char *params, int flags);
EXPORT int finit_module(int fd, const char *params, int flags)
{
	char name[256];
	int err;

	if (!fk_enabled()) {
		errno = EPERM;
		return -1;
	}
	err = do_finit(fd, params, flags, name, sizeof(name));
	log_call("finit_module", name, flags, params, err);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- delete_module */

static int do_delete(const char *name, unsigned flags)
{
	char state[64], path[PATH_MAX], mdir[PATH_MAX];
	char **deps = NULL;
	size_t ndeps = 0;
	DIR *d;
	struct dirent *de;
	long ref;
	int err;

	if (!name || !*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return ENOENT;
	err = injected_error("delete", name);
	if (err)
		return err;
	if (read_initstate(name, state, sizeof(state)) < 0)
		return ENOENT;
	/* other modules depend on us: get rid of them first (even with force) */
	if (root_path(path, sizeof(path), "sys/module/%s/holders", name) == 0 &&
	    (d = opendir(path))) {
		bool held = false;

		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				held = true;
		closedir(d);
		if (held)
			return EWOULDBLOCK;
	}
	if (strcmp(state, "live") != 0)
		return EBUSY;
	ref = read_refcnt(name);
	if (ref > 0 && !(flags & O_TRUNC))
		return EWOULDBLOCK;

	/* the modules it used: drop a reference and the holder link */
	if (root_path(mdir, sizeof(mdir), "sys/module") == 0 && (d = opendir(mdir))) {
		while ((de = readdir(d))) {
			struct stat st;
			char **nd;

			if (de->d_name[0] == '.')
				continue;
			if (root_path(path, sizeof(path), "sys/module/%s/holders/%s",
				      de->d_name, name) < 0 ||
			    lstat(path, &st) < 0)
				continue;
			unlink(path);
			write_refcnt(de->d_name, read_refcnt(de->d_name) - 1);
			nd = realloc(deps, (ndeps + 1) * sizeof(*deps));
			if (nd) {
				deps = nd;
				deps[ndeps++] = strdup(de->d_name);
			}
		}
		closedir(d);
	}
	if (root_path(path, sizeof(path), "sys/module/%s", name) == 0)
		rm_rf(path);
	pm_update(name, NULL, NULL, deps, ndeps);
	for (size_t i = 0; i < ndeps; i++)
		free(deps[i]);
	free(deps);
	return 0;
}

EXPORT int delete_module(const char *name, unsigned int flags);
EXPORT int delete_module(const char *name, unsigned int flags)
{
	int err;

	if (!fk_enabled()) {
		errno = EPERM;
		return -1;
	}
	err = do_delete(name, flags);
	log_call("delete_module", name ? name : "(null)", flags, NULL, err);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- syscall() */

EXPORT long syscall(long number, ...);
EXPORT long syscall(long number, ...)
{
	static long (*real)(long, ...);
	long a[6];
	va_list ap;

	va_start(ap, number);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);

	switch (number) {
	case __NR_init_module:
		return init_module((void *)a[0], (unsigned long)a[1], (const char *)a[2]);
	case __NR_finit_module:
		return finit_module((int)a[0], (const char *)a[1], (int)a[2]);
	case __NR_delete_module:
		return delete_module((const char *)a[0], (unsigned int)a[1]);
	default:
		break;
	}
	if (!real)
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
