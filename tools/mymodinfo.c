// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mymodinfo: show information about kernel modules, as kmod 30's modinfo does,
 * plus --json.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "builtin.h"
#include "kernel.h"
#include "log.h"
#include "lookup.h"
#include "modfile.h"
#include "strbuf.h"
#include "util.h"

struct options {
	const char *field;
	char separator;
	bool modname;
	bool json;
	bool first_json;
};

/*
 * One key/value of the module's information list. The strings live in one pool
 * per module: offsets while the list is built, pointers once infolist_finish()
 * has run (the pool may move while it grows).
 */
struct info {
	const char *key;
	const char *value;
	size_t key_off, value_off;
};

struct infolist {
	struct info *v;
	size_t n, cap;
	struct strbuf pool;
};

static void infolist_release(struct infolist *l)
{
	free(l->v);
	strbuf_release(&l->pool);
	memset(l, 0, sizeof(*l));
}

static int infolist_add(struct infolist *l, const char *key, size_t keylen,
			const char *value, size_t valuelen)
{
	struct info *it;
	int r;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 32;
		struct info *nv = realloc(l->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return -ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	it = &l->v[l->n];
	it->key_off = l->pool.used;
	r = strbuf_push(&l->pool, key, keylen);
	if (r == 0)
		r = strbuf_pushchar(&l->pool, '\0');
	it->value_off = l->pool.used;
	if (r == 0)
		r = strbuf_push(&l->pool, value, valuelen);
	if (r == 0)
		r = strbuf_pushchar(&l->pool, '\0');
	if (r < 0)
		return r;
	l->n++;
	return 0;
}

/* Turn the offsets into pointers: call once every field has been added. */
static int infolist_finish(struct infolist *l)
{
	const char *base = strbuf_str(&l->pool);

	if (base == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		l->v[i].key = base + l->v[i].key_off;
		l->v[i].value = base + l->v[i].value_off;
	}
	return 0;
}

/* "key=value" (split at the first '='; no '=' gives an empty value) */
static int infolist_add_record(struct infolist *l, const char *rec)
{
	const char *eq = strchr(rec, '=');

	if (eq == NULL)
		return infolist_add(l, rec, strlen(rec), "", 0);
	return infolist_add(l, rec, (size_t)(eq - rec), eq + 1, strlen(eq + 1));
}

/* Uppercase XX:XX:..., with "\n\t\t" after every 20 bytes, as kmod formats it. */
static int infolist_add_hex(struct infolist *l, const char *key, const uint8_t *data,
			    size_t len)
{
	static const char digits[] = "0123456789ABCDEF";
	_cleanup_free_ char *s = NULL;
	size_t size, j = 0;
	int r;

	/* "XX:" per byte, "\n\t\t" per 20 bytes, a NUL */
	if (umulsz_overflow(len, 5, &size) || uaddsz_overflow(size, 1, &size))
		return -ENOMEM;
	s = malloc(size);
	if (s == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		s[j++] = digits[data[i] >> 4];
		s[j++] = digits[data[i] & 15];
		if (i + 1 < len) {
			s[j++] = ':';
			if ((i + 1) % 20 == 0) {
				memcpy(s + j, "\n\t\t", 3);
				j += 3;
			}
		}
	}
	s[j] = '\0';
	r = infolist_add(l, key, strlen(key), s, j);
	return r;
}

/*
 * The error kmod reports: a missing .modinfo is ENOENT; a bad compressed stream is
 * EINVAL, except that kmod's zstd reader returns what it decoded of a truncated
 * stream, which then is no ELF file: ENOEXEC.
 */
static int kmod_errno(const char *path, const struct modfile *mf, int r)
{
	enum mk_compression c = MK_COMPRESSION_NONE;

	if (r == -ENODATA)
		return -ENOENT;
	if (r != -EBADMSG && r != -EPIPE)
		return r;
	if (mf)
		c = modfile_compression(mf);
	else
		mk_compression_of_file(path, &c);
	return c == MK_COMPRESSION_ZSTD && r == -EPIPE ? -ENOEXEC : -EINVAL;
}

/*
 * @want_sig: the signature fields are printed, so parse the signature.
 * @size: of the regular file at @path when a stat just said so, else -1.
 */
static int info_from_file(const char *path, int64_t size, bool want_sig,
			  struct infolist *l)
{
	struct modfile *mf;
	const struct modinfo_entry *e;
	struct modsig sig;
	size_t n;
	int r;

	r = modfile_open_at_size(AT_FDCWD, path, size, &mf);
	if (r < 0)
		return kmod_errno(path, NULL, r);
	r = modfile_get_modinfo(mf, &e, &n);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < n && r == 0; i++)
		r = infolist_add(l, e[i].key, e[i].keylen, e[i].value,
				 strlen(e[i].value));
	if (r < 0)
		goto out;
	if (want_sig && modfile_get_signature(mf, &sig) == 0) {
		r = infolist_add(l, "sig_id", 6, sig.id_type, strlen(sig.id_type));
		if (r == 0)
			r = infolist_add(
				l, "signer", 6, (const char *)sig.signer,
				strnlen((const char *)sig.signer, sig.signer_len));
		if (r == 0)
			r = infolist_add_hex(l, "sig_key", sig.key_id, sig.key_id_len);
		if (r == 0)
			r = infolist_add(l, "sig_hashalgo", 12, sig.hash_algo,
					 strlen(sig.hash_algo));
		if (r == 0)
			r = infolist_add_hex(l, "signature", sig.sig, sig.sig_len);
	}
out:
	r = kmod_errno(path, mf, r);
	modfile_free(mf);
	return r;
}

static int info_from_builtin(const char *dirname, const char *name, struct infolist *l)
{
	_cleanup_close_ int dfd = open(dirname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ const char **strs = NULL;
	size_t n;
	int r;

	if (dfd < 0)
		return -errno;
	r = builtin_modinfo_get(dfd, "modules.builtin.modinfo", name, &buf, &strs, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++)
		r = infolist_add_record(l, strs[i]);
	return r;
}

/* ---- parameters: collected by name, printed last, newest first ---- */

struct param {
	struct param *next;
	const char *name;
	int namelen;
	const char *desc;
	int desclen;
	const char *type;
	int typelen;
};

static void params_free(struct param *p)
{
	while (p) {
		struct param *next = p->next;

		free(p);
		p = next;
	}
}

static int param_add(struct param **list, const char *key, const char *value)
{
	const char *colon = strchr(value, ':');
	int namelen;
	struct param *it;

	if (colon == NULL) {
		ERR("Found invalid \"%s=%s\": missing ':'\n", key, value);
		return 0;
	}
	namelen = (int)(colon - value);
	for (it = *list; it; it = it->next)
		if (it->namelen == namelen &&
		    memcmp(it->name, value, (size_t)namelen) == 0)
			break;
	if (it == NULL) {
		it = calloc(1, sizeof(*it));
		if (it == NULL)
			return -ENOMEM;
		it->next = *list;
		*list = it;
	}
	it->name = value;
	it->namelen = namelen;
	if (streq(key, "parm")) {
		it->desc = colon + 1;
		it->desclen = (int)strlen(colon + 1);
	} else {
		it->type = colon + 1;
		it->typelen = (int)strlen(colon + 1);
	}
	return 0;
}

static void print_param(const struct param *p, bool with_label, char sep)
{
	const char *label = with_label ? "parm:           " : "";

	if (p->desc == NULL)
		printf(with_label ? "%s%.*s:%.*s%c" : "%s%.*s: (%.*s)%c", label,
		       p->namelen, p->name, p->typelen, p->type, sep);
	else if (p->type != NULL)
		printf("%s%.*s:%.*s (%.*s)%c", label, p->namelen, p->name, p->desclen,
		       p->desc, p->typelen, p->type, sep);
	else
		printf("%s%.*s:%.*s%c", label, p->namelen, p->name, p->desclen, p->desc,
		       sep);
}

/* ---- JSON ---- */

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_param_value(const struct param *p)
{
	char buf[PATH_MAX];

	fputs("{\"name\":", stdout);
	snprintf(buf, sizeof(buf), "%.*s", p->namelen, p->name);
	json_string(buf);
	if (p->desc) {
		fputs(",\"description\":", stdout);
		snprintf(buf, sizeof(buf), "%.*s", p->desclen, p->desc);
		json_string(buf);
	}
	if (p->type) {
		fputs(",\"type\":", stdout);
		snprintf(buf, sizeof(buf), "%.*s", p->typelen, p->type);
		json_string(buf);
	}
	putchar('}');
}

/*
 * One object per module: "filename" (and "name" for builtins), then every key in
 * first-appearance order; a key that appears more than once is an array, "parm" is
 * an array of {name, description, type} objects in kmod's printing order.
 */
static void print_json(struct options *o, const char *name, const char *filename,
		       bool builtin, const struct infolist *l, const struct param *params)
{
	bool first = true;

	if (!o->first_json)
		putchar('\n');
	o->first_json = false;
	putchar('{');
	if (builtin && (o->field == NULL || streq(o->field, "name"))) {
		fputs("\"name\":", stdout);
		json_string(name);
		first = false;
	}
	if (o->field == NULL || streq(o->field, "filename")) {
		fputs(first ? "\"filename\":" : ",\"filename\":", stdout);
		json_string(filename);
		first = false;
	}
	for (size_t i = 0; i < l->n; i++) {
		const char *key = l->v[i].key;
		size_t count = 0;
		bool seen = false;

		if (streq(key, "parm") || streq(key, "parmtype"))
			continue;
		if (o->field && !streq(o->field, key))
			continue;
		for (size_t j = 0; j < l->n; j++) {
			if (streq(l->v[j].key, key)) {
				if (j < i)
					seen = true;
				count++;
			}
		}
		if (seen)
			continue;
		if (!first)
			putchar(',');
		first = false;
		json_string(key);
		putchar(':');
		if (count == 1) {
			json_string(l->v[i].value);
			continue;
		}
		putchar('[');
		for (size_t j = i, k = 0; j < l->n; j++) {
			if (!streq(l->v[j].key, key))
				continue;
			if (k++)
				putchar(',');
			json_string(l->v[j].value);
		}
		putchar(']');
	}
	if (params && (o->field == NULL || streq(o->field, "parm"))) {
		fputs(first ? "\"parm\":[" : ",\"parm\":[", stdout);
		for (const struct param *p = params; p; p = p->next) {
			if (p != params)
				putchar(',');
			json_param_value(p);
		}
		putchar(']');
	}
	putchar('}');
}

/* ---- kmod's modinfo_do ---- */

/*
 * @path NULL: a builtin module, described by @dirname/modules.builtin.modinfo.
 * @size: see info_from_file().
 */
static int show_module(struct options *o, const char *dirname, const char *name,
		       const char *path, int64_t size)
{
	struct infolist l = { 0 };
	struct param *params = NULL;
	const char *filename = path ? path : "(builtin)";
	const char *field = o->field;
	char sep = o->separator;
	int r;

	if (!o->json) {
		if (path == NULL) {
			if (field == NULL)
				printf("%-16s%s%c", "name:", name, sep);
			else if (streq(field, "name"))
				printf("%s%c", name, sep);
		}
		if (field != NULL && streq(field, "filename")) {
			printf("%s%c", filename, sep);
			return 0;
		} else if (field == NULL) {
			printf("%-16s%s%c", "filename:", filename, sep);
		}
	}

	if (path) {
		bool want_sig = field == NULL || streq(field, "sig_id") ||
				streq(field, "signer") || streq(field, "sig_key") ||
				streq(field, "sig_hashalgo") || streq(field, "signature");

		r = info_from_file(path, size, want_sig, &l);
	} else {
		r = info_from_builtin(dirname, name, &l);
	}
	if (r == 0)
		r = infolist_finish(&l);
	if (r == -ENOTSUP && path) {
		enum mk_compression c = MK_COMPRESSION_NONE;

		mk_compression_of_file(path, &c);
		infolist_release(&l);
		ERR("could not get modinfo from '%s': %s compression is not supported by "
		    "this "
		    "build\n",
		    name, mk_compression_name(c));
		return r;
	}
	if (r < 0) {
		infolist_release(&l);
		/* an old kernel without modules.builtin.modinfo */
		if (path == NULL && r == -ENOENT) {
			if (o->json)
				print_json(o, name, filename, true, &l, NULL);
			return 0;
		}
		ERR("could not get modinfo from '%s': %s\n", name, strerror(-r));
		return r;
	}

	for (size_t i = 0; i < l.n; i++) {
		const char *key = l.v[i].key;

		if ((streq(key, "parm") || streq(key, "parmtype")) &&
		    (field == NULL || streq(field, "parm") || o->json)) {
			r = param_add(&params, key, l.v[i].value);
			if (r < 0)
				goto out;
		}
	}
	if (o->json) {
		print_json(o, name, filename, path == NULL, &l, params);
		goto out;
	}
	if (field != NULL && streq(field, "parm")) {
		for (const struct param *p = params; p; p = p->next)
			print_param(p, false, sep);
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		const char *key = l.v[i].key, *value = l.v[i].value;

		if (field != NULL) {
			if (streq(field, key))
				printf("%s%c", value, sep);
			continue;
		}
		if (streq(key, "parm") || streq(key, "parmtype"))
			continue;
		if (sep == '\0') {
			printf("%s=%s%c", key, value, sep);
			continue;
		}
		/* kmod 30 pads to column 16; a longer key gets |15 - len| spaces */
		printf("%s:%-*s%s%c", key, 15 - (int)strlen(key), "", value, sep);
	}
	if (field == NULL)
		for (const struct param *p = params; p; p = p->next)
			print_param(p, true, sep);
out:
	params_free(params);
	infolist_release(&l);
	return r;
}

/* A regular file with a module's name? Its size then goes to @size. */
static bool is_module_filename(const char *name, int64_t *size)
{
	struct stat st;

	if (stat(name, &st) < 0 || !S_ISREG(st.st_mode) ||
	    !path_ends_with_kmod_ext(name, strlen(name)))
		return false;
	*size = st.st_size;
	return true;
}

/* @size: of the file, from the stat that found it a module file (no second one) */
static int do_path(struct options *o, const char *dirname, const char *path, int64_t size)
{
	_cleanup_free_ char *abspath = NULL;
	char name[PATH_MAX];

	if (path_make_absolute(path, &abspath) < 0 ||
	    path_to_modname(path, name, NULL) == NULL) {
		ERR("Module file %s not found.\n", path);
		return -ENOENT;
	}
	return show_module(o, dirname, name, abspath, size);
}

static int show_found(struct options *o, struct lookup_result *res)
{
	int err = 0;

	for (size_t i = 0; i < res->n; i++) {
		const struct lookup_module *m = &res->mods[i];
		int r = show_module(o, res->dirname, m->name, m->builtin ? NULL : m->path,
				    -1);

		if (r < 0)
			err = r;
	}
	return err;
}

/* A compressed module file in a format this build cannot read, or NULL. */
static const char *unsupported_compression(const char *name)
{
	static const struct {
		const char *ext;
		enum mk_compression c;
	} exts[] = {
		{ ".ko.gz", MK_COMPRESSION_GZIP },
		{ ".ko.xz", MK_COMPRESSION_XZ },
		{ ".ko.zst", MK_COMPRESSION_ZSTD },
	};
	struct stat st;

	for (size_t i = 0; i < ARRAY_SIZE(exts); i++)
		if (strendswith(name, exts[i].ext) &&
		    !mk_compression_supported(exts[i].c) && stat(name, &st) == 0 &&
		    S_ISREG(st.st_mode))
			return mk_compression_name(exts[i].c);
	return NULL;
}

static int do_alias(struct options *o, struct lookup_ctx *ctx, const char *alias)
{
	struct lookup_result res = { 0 };
	int r = lookup_module(ctx, alias, &res);

	if (r < 0) {
		ERR("Module alias %s not found.\n", alias);
		return r;
	}
	if (res.n == 0) {
		const char *c = unsupported_compression(alias);

		lookup_result_release(&res);
		if (c)
			ERR("%s: %s compression is not supported by this build\n", alias,
			    c);
		else
			ERR("Module %s not found.\n", alias);
		return -ENOENT;
	}
	r = show_found(o, &res);
	lookup_result_release(&res);
	return r;
}

static int do_name(struct options *o, struct lookup_ctx *ctx, const char *name)
{
	struct lookup_result res = { 0 };
	int r = lookup_module_by_name(ctx, name, &res);

	if (r < 0 || res.n == 0) {
		lookup_result_release(&res);
		ERR("Module name %s not found.\n", name);
		return r < 0 ? r : -ENOENT;
	}
	r = show_found(o, &res);
	lookup_result_release(&res);
	return r;
}

static void help(void)
{
	printf("Usage:\n"
	       "\t%s [options] <modulename|filename> [args]\n"
	       "Options:\n"
	       "\t-a, --author                Print only 'author'\n"
	       "\t-d, --description           Print only 'description'\n"
	       "\t-l, --license               Print only 'license'\n"
	       "\t-p, --parameters            Print only 'parm'\n"
	       "\t-n, --filename              Print only 'filename'\n"
	       "\t-0, --null                  Use \\0 instead of \\n\n"
	       "\t-m, --modname               Handle argument as module name instead of "
	       "alias or filename\n"
	       "\t-F, --field=FIELD           Print only provided FIELD\n"
	       "\t-k, --set-version=VERSION   Use VERSION instead of `uname -r`\n"
	       "\t-b, --basedir=DIR           Use DIR as filesystem root for "
	       "/lib/modules\n"
	       "\t    --json                  Print one JSON object per module\n"
	       "\t-V, --version               Show version\n"
	       "\t-h, --help                  Show this help\n",
	       program_invocation_short_name);
}

enum { OPT_JSON = 0x100 };

static const struct option long_options[] = {
	{ "author", no_argument, NULL, 'a' },
	{ "description", no_argument, NULL, 'd' },
	{ "license", no_argument, NULL, 'l' },
	{ "parameters", no_argument, NULL, 'p' },
	{ "filename", no_argument, NULL, 'n' },
	{ "null", no_argument, NULL, '0' },
	{ "modname", no_argument, NULL, 'm' },
	{ "field", required_argument, NULL, 'F' },
	{ "set-version", required_argument, NULL, 'k' },
	{ "basedir", required_argument, NULL, 'b' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char *argv[])
{
	struct options o = { .separator = '\n', .first_json = true };
	const char *root = NULL, *kversion = NULL;
	_cleanup_free_ char *dirname = NULL;
	struct lookup_ctx *ctx = NULL;
	int err = 0, c;

	log_open(program_invocation_short_name, false);
	while ((c = getopt_long(argc, argv, "adlpn0mF:k:b:Vh", long_options, NULL)) !=
	       -1) {
		switch (c) {
		case 'a':
			o.field = "author";
			break;
		case 'd':
			o.field = "description";
			break;
		case 'l':
			o.field = "license";
			break;
		case 'p':
			o.field = "parm";
			break;
		case 'n':
			o.field = "filename";
			break;
		case '0':
			o.separator = '\0';
			break;
		case 'm':
			o.modname = true;
			break;
		case 'F':
			o.field = optarg;
			break;
		case 'k':
			kversion = optarg;
			break;
		case 'b':
			root = optarg;
			break;
		case OPT_JSON:
			o.json = true;
			break;
		case 'V':
			print_version();
			return EXIT_SUCCESS;
		case 'h':
			help();
			return EXIT_SUCCESS;
		default:
			/* getopt printed the reason */
			return EXIT_FAILURE;
		}
	}
	if (optind >= argc) {
		ERR("missing module or filename.\n");
		return EXIT_FAILURE;
	}

	err = mk_kernel_module_dir(root, NULL, kversion, &dirname);
	if (err < 0) {
		ERR("could not find the module directory: %s\n", strerror(-err));
		return EXIT_FAILURE;
	}
	/* modinfo uses no modprobe.d configuration, only the indexes */
	if (lookup_ctx_new(dirname, NULL, &ctx) < 0) {
		ERR("kmod_new() failed!\n");
		return EXIT_FAILURE;
	}

	for (int i = optind; i < argc; i++) {
		const char *arg = argv[i];
		int64_t size;
		int r;

		if (o.modname)
			r = do_name(&o, ctx, arg);
		else if (is_module_filename(arg, &size))
			r = do_path(&o, dirname, arg, size);
		else
			r = do_alias(&o, ctx, arg);
		if (r < 0)
			err = r;
	}
	if (o.json && !o.first_json)
		putchar('\n');
	lookup_ctx_free(ctx);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ERR("could not write output: %m\n");
		return EXIT_FAILURE;
	}
	return err >= 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
