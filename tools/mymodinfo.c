// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mymodinfo: show information about kernel modules, as kmod 30's modinfo does,
 * plus --json.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compress.h"
#include "json.h"
#include "kernel.h"
#include "kmod-names.h"
#include "log.h"
#include "lookup.h"
#include "modinfo.h"
#include "util.h"

struct options {
	const char *root, *kversion; /* -b, -k */
	const char *field;
	char separator;
	bool modname;
	bool json;
	bool first_json;
};

static void print_param(const struct modinfo_param *p, bool with_label, char sep)
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

/* ---- JSON (lib/json.h) ---- */

static void json_param_value(struct json_writer *w, const struct modinfo_param *p)
{
	json_object_begin(w);
	json_key(w, "name");
	json_string_len(w, p->name, p->namelen);
	if (p->desc) {
		json_key(w, "description");
		json_string_len(w, p->desc, p->desclen);
	}
	if (p->type) {
		json_key(w, "type");
		json_string_len(w, p->type, p->typelen);
	}
	json_object_end(w);
}

/* Every value of @key in @l, from index @i: one string, or an array when several. */
static void json_field(struct json_writer *w, const struct modinfo_list *l, size_t i)
{
	const char *key = l->v[i].key;
	size_t count = 0;

	for (size_t j = i; j < l->n; j++)
		count += streq(l->v[j].key, key);
	json_key(w, key);
	if (count == 1) {
		json_string(w, l->v[i].value);
		return;
	}
	json_array_begin(w);
	for (size_t j = i; j < l->n; j++)
		if (streq(l->v[j].key, key))
			json_string(w, l->v[j].value);
	json_array_end(w);
}

static bool seen_before(const struct modinfo_list *l, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (streq(l->v[j].key, l->v[i].key))
			return true;
	return false;
}

/*
 * One object per module and line: "filename" (and "name" for builtins), then
 * every key in first-appearance order; a key that appears more than once is an
 * array, "parm" is an array of {name, description, type} objects in kmod's
 * printing order.
 */
static int print_json(struct options *o, const char *name, const char *filename,
		      bool builtin, const struct modinfo_list *l,
		      const struct modinfo_param *params)
{
	_cleanup_(strbuf_release) struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	int r;

	json_init(&w, &sb);
	json_object_begin(&w);
	if (builtin && (o->field == NULL || streq(o->field, "name")))
		json_member_string(&w, "name", name);
	if (o->field == NULL || streq(o->field, "filename"))
		json_member_string(&w, "filename", filename);
	for (size_t i = 0; i < l->n; i++) {
		const char *key = l->v[i].key;

		if (modinfo_is_param_key(key) || (o->field && !streq(o->field, key)) ||
		    seen_before(l, i))
			continue;
		json_field(&w, l, i);
	}
	if (params && (o->field == NULL || streq(o->field, "parm"))) {
		json_key(&w, "parm");
		json_array_begin(&w);
		for (const struct modinfo_param *p = params; p; p = p->next)
			json_param_value(&w, p);
		json_array_end(&w);
	}
	json_object_end(&w);
	r = json_finish(&w);
	if (r < 0) {
		ERR("could not format '%s' as JSON: %s\n", name, strerror(-r));
		return r;
	}
	if (!o->first_json)
		putchar('\n');
	o->first_json = false;
	fwrite(sb.buf, 1, sb.used, stdout);
	return 0;
}

/* ---- kmod's modinfo_do ---- */

/* What comes before the fields: name (builtin) and filename. True when that was all. */
static bool print_head(const struct options *o, const char *name, const char *filename,
		       bool builtin)
{
	const char *field = o->field;
	char sep = o->separator;

	if (builtin) {
		if (field == NULL)
			printf("%-16s%s%c", "name:", name, sep);
		else if (streq(field, "name"))
			printf("%s%c", name, sep);
	}
	if (field != NULL && streq(field, "filename")) {
		printf("%s%c", filename, sep);
		return true;
	} else if (field == NULL) {
		printf("%-16s%s%c", "filename:", filename, sep);
	}
	return false;
}

/* The fields, in order, then the parameters; or only the -F field. */
static void print_text(const struct options *o, const struct modinfo_list *l,
		       const struct modinfo_param *params)
{
	const char *field = o->field;
	char sep = o->separator;

	if (field != NULL && streq(field, "parm")) {
		for (const struct modinfo_param *p = params; p; p = p->next)
			print_param(p, false, sep);
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		const char *key = l->v[i].key, *value = l->v[i].value;

		if (field != NULL) {
			if (streq(field, key))
				printf("%s%c", value, sep);
			continue;
		}
		if (modinfo_is_param_key(key))
			continue;
		if (sep == '\0') {
			printf("%s=%s%c", key, value, sep);
			continue;
		}
		/* kmod 30 pads to column 16; a longer key gets |15 - len| spaces */
		printf("%s:%-*s%s%c", key, 15 - (int)strlen(key), "", value, sep);
	}
	if (field == NULL)
		for (const struct modinfo_param *p = params; p; p = p->next)
			print_param(p, true, sep);
}

/*
 * The fields of @path, or of builtin @name when @path is NULL. Returns 0 with the
 * fields in @l, 1 when there is nothing to show (a builtin without
 * modules.builtin.modinfo: an old kernel), or a negative errno after kmod's message.
 */
static int get_info(struct options *o, const char *dirname, const char *name,
		    const char *path, int64_t size, struct modinfo_list *l)
{
	bool want_sig = o->field == NULL || modinfo_is_sig_key(o->field);
	enum mk_compression c = MK_COMPRESSION_NONE;
	int r;

	if (path)
		r = modinfo_from_file(path, size, want_sig, l);
	else
		r = modinfo_from_builtin(dirname, name, l);
	if (r >= 0)
		return r;
	modinfo_list_release(l);
	if (r == -ENOTSUP && path) {
		if (mk_compression_of_file(path, &c) < 0)
			c = MK_COMPRESSION_NONE;
		ERR("could not get modinfo from '%s': %s compression is not supported "
		    "by this build\n",
		    name, mk_compression_name(c));
		return r;
	}
	if (path == NULL && r == -ENOENT) {
		if (o->json)
			return print_json(o, name, "(builtin)", true, l, NULL) ?: 1;
		return 1;
	}
	ERR("could not get modinfo from '%s': %s\n", name, tool_strerror(r));
	return r;
}

/*
 * @path NULL: a builtin module, described by @dirname/modules.builtin.modinfo.
 * @size: of the regular file at @path when a stat just said so, else -1.
 */
static int show_module(struct options *o, const char *dirname, const char *name,
		       const char *path, int64_t size)
{
	struct modinfo_list l = { 0 };
	struct modinfo_param *params = NULL;
	const char *filename = path ? path : "(builtin)";
	int r;

	if (!o->json && print_head(o, name, filename, path == NULL))
		return 0;
	r = get_info(o, dirname, name, path, size, &l);
	if (r != 0)
		return r > 0 ? 0 : r;
	if (o->field == NULL || streq(o->field, "parm") || o->json)
		r = modinfo_params_collect(&l, &tool_log, &params);
	if (r == 0 && o->json)
		r = print_json(o, name, filename, path == NULL, &l, params);
	else if (r == 0)
		print_text(o, &l, params);
	modinfo_params_free(params);
	modinfo_list_release(&l);
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

/* Parse the options into @o: -1 to go on with argv[optind...], else the exit status. */
static int parse_options(int argc, char *argv[], struct options *o)
{
	int c;

	while ((c = getopt_long(argc, argv, "adlpn0mF:k:b:Vh", long_options, NULL)) !=
	       -1) {
		switch (c) {
		case 'a':
			o->field = "author";
			break;
		case 'd':
			o->field = "description";
			break;
		case 'l':
			o->field = "license";
			break;
		case 'p':
			o->field = "parm";
			break;
		case 'n':
			o->field = "filename";
			break;
		case '0':
			o->separator = '\0';
			break;
		case 'm':
			o->modname = true;
			break;
		case 'F':
			o->field = optarg;
			break;
		case 'k':
			o->kversion = optarg;
			break;
		case 'b':
			o->root = optarg;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		default:
			return tool_other_option(c, help);
		}
	}
	if (optind >= argc) {
		ERR("missing module or filename.\n");
		return EXIT_FAILURE;
	}
	return -1;
}

int modinfo_main(int argc, char *argv[])
{
	struct options o = { .separator = '\n', .first_json = true };
	_cleanup_free_ char *dirname = NULL;
	struct lookup_ctx *ctx = NULL;
	int err = 0;

	log_open(program_invocation_short_name, false);
	err = parse_options(argc, argv, &o);
	if (err >= 0)
		return err;
	err = mk_kernel_module_dir(o.root, NULL, o.kversion, &dirname);
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

#ifndef MYKMOD_MULTICALL
/* a program of its own; mykmod runs modinfo_main() when it is called as modinfo */
int main(int argc, char *argv[])
{
	return modinfo_main(argc, argv);
}
#endif
