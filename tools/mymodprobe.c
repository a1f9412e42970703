// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mymodprobe: add and remove modules with their dependencies, compatible with
 * kmod 30's modprobe (docs/modprobe.md; messages: docs/messages.md §4). Option
 * parsing, output and exit codes live here; the engine is lib/probe, the
 * configuration lib/config.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "modprobe-config.h"
#include "index.h"
#include "modfile.h"
#include "util.h"
#include "kernel.h"
#include "kmod-names.h"
#include "log.h"
#include "lookup.h"
#include "modfile.h"
#include "modprobe-json.h"
#include "modsyms.h"
#include "probe.h"
#include "strbuf.h"

#define DEFAULT_VERBOSE LOG_WARNING

struct opts {
	bool all, remove, show_depends, show_config, show_modversions, show_exports;
	bool lookup_only, dry_run, ignore_cmd, use_blacklist, first_time;
	bool force_modversion, force_vermagic, force, remove_holders;
	bool ignore_loaded, use_syslog, quiet, json;
	bool after_dashdash; /* a "--" came before the names */
	unsigned long wait_msec;
	int verbose;
	const char **config_paths;
	size_t n_config;
	const char *root, *kversion;
};

/* kmod's LOG(): FATAL, or WARNING with -a; not printed, and no exit, with -q. */
static int fatal_prio = LOG_CRIT;

__attribute__((format(printf, 3, 0))) static void
log_filtered(void *data, int prio, const char *fmt, va_list ap)
{
	(void)data;
	if (prio > log_get_priority())
		return;
	log_vprintf(prio, fmt, ap);
}

static const struct mk_log mp_log = { .fn = log_filtered, .data = NULL };

_printf_(1, 2) static void LOG(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_filtered(NULL, fatal_prio, fmt, ap);
	va_end(ap);
}

static void help(void)
{
	printf("Usage:\n"
	       "\t%1$s [options] [-i] [-b] modulename\n"
	       "\t%1$s [options] -a [-i] [-b] modulename [modulename...]\n"
	       "\t%1$s [options] -r [-i] modulename\n"
	       "\t%1$s [options] -r -a [-i] modulename [modulename...]\n"
	       "\t%1$s [options] -c\n"
	       "\t%1$s [options] --dump-modversions filename\n"
	       "Management Options:\n"
	       "\t-a, --all                   Consider every non-argument to\n"
	       "\t                            be a module name to be inserted\n"
	       "\t                            or removed (-r)\n"
	       "\t-r, --remove                Remove modules instead of inserting\n"
	       "\t    --remove-dependencies   Deprecated: use --remove-holders\n"
	       "\t    --remove-holders        Also remove module holders (use together "
	       "with -r)\n"
	       "\t-w, --wait <MSEC>           When removing a module, wait up to MSEC "
	       "for\n"
	       "\t                            module's refcount to become 0 so it can "
	       "be\n"
	       "\t                            removed (use together with -r)\n"
	       "\t    --first-time            Fail if module already inserted or "
	       "removed\n"
	       "\t-i, --ignore-install        Ignore install commands\n"
	       "\t-i, --ignore-remove         Ignore remove commands\n"
	       "\t-b, --use-blacklist         Apply blacklist to resolved alias.\n"
	       "\t-f, --force                 Force module insertion or removal.\n"
	       "\t                            implies --force-modversions and\n"
	       "\t                            --force-vermagic\n"
	       "\t    --force-modversion      Ignore module's version\n"
	       "\t    --force-vermagic        Ignore module's version magic\n"
	       "\n"
	       "Query Options:\n"
	       "\t-R, --resolve-alias         Only lookup and print alias and exit\n"
	       "\t-D, --show-depends          Only print module dependencies and exit\n"
	       "\t-c, --showconfig            Print out known configuration and exit\n"
	       "\t-c, --show-config           Same as --showconfig\n"
	       "\t    --show-modversions      Dump module symbol version and exit\n"
	       "\t    --dump-modversions      Same as --show-modversions\n"
	       "\t    --show-exports          Only print module exported symbol versions "
	       "and exit\n"
	       "\t    --json                  With -c or -D: print it as one JSON "
	       "object\n"
	       "\n"
	       "General Options:\n"
	       "\t-n, --dry-run               Do not execute operations, just print out\n"
	       "\t-n, --show                  Same as --dry-run\n"
	       "\t-C, --config=FILE           Use FILE instead of default search paths\n"
	       "\t-d, --dirname=DIR           Use DIR as filesystem root for "
	       "/lib/modules\n"
	       "\t-S, --set-version=VERSION   Use VERSION instead of `uname -r`\n"
	       "\t-s, --syslog                print to syslog, not stderr\n"
	       "\t-q, --quiet                 disable messages\n"
	       "\t-v, --verbose               enables more messages\n"
	       "\t-V, --version               show version\n"
	       "\t-h, --help                  show this help\n",
	       program_invocation_short_name);
}

enum {
	OPT_REMOVE_DEPENDENCIES = 0x100,
	OPT_REMOVE_HOLDERS,
	OPT_FIRST_TIME,
	OPT_FORCE_MODVERSION,
	OPT_FORCE_VERMAGIC,
	OPT_SHOW_MODVERSIONS,
	OPT_SHOW_EXPORTS,
	OPT_JSON,
};

static const char cmdopts_s[] = "arw:RibfDcnC:d:S:sqvVh";
static const struct option cmdopts[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "remove", no_argument, NULL, 'r' },
	{ "remove-dependencies", no_argument, NULL, OPT_REMOVE_DEPENDENCIES },
	{ "remove-holders", no_argument, NULL, OPT_REMOVE_HOLDERS },
	{ "wait", required_argument, NULL, 'w' },
	{ "first-time", no_argument, NULL, OPT_FIRST_TIME },
	{ "ignore-install", no_argument, NULL, 'i' },
	{ "ignore-remove", no_argument, NULL, 'i' },
	{ "use-blacklist", no_argument, NULL, 'b' },
	{ "force", no_argument, NULL, 'f' },
	{ "force-modversion", no_argument, NULL, OPT_FORCE_MODVERSION },
	{ "force-vermagic", no_argument, NULL, OPT_FORCE_VERMAGIC },
	{ "resolve-alias", no_argument, NULL, 'R' },
	{ "show-depends", no_argument, NULL, 'D' },
	{ "showconfig", no_argument, NULL, 'c' },
	{ "show-config", no_argument, NULL, 'c' },
	{ "show-modversions", no_argument, NULL, OPT_SHOW_MODVERSIONS },
	{ "dump-modversions", no_argument, NULL, OPT_SHOW_MODVERSIONS },
	{ "show-exports", no_argument, NULL, OPT_SHOW_EXPORTS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "show", no_argument, NULL, 'n' },
	{ "config", required_argument, NULL, 'C' },
	{ "dirname", required_argument, NULL, 'd' },
	{ "set-version", required_argument, NULL, 'S' },
	{ "syslog", no_argument, NULL, 's' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* ---- MODPROBE_OPTIONS ------------------------------------------------------------ */

/*
 * Split MODPROBE_OPTIONS on spaces, honouring "..." and '...' quoting, and insert
 * the pieces between argv[0] and the real arguments. *@mem receives what to free()
 * at exit (the new argv; its words live in the block after the pointers).
 */
static int prepend_env_options(int *argc, char ***argv, void **mem)
{
	const char *env = getenv("MODPROBE_OPTIONS");
	char **nargv, *buf, *p, *w;
	size_t n = 0, cap, envlen;

	*mem = NULL;
	if (env == NULL || env[0] == '\0')
		return 0;
	envlen = strlen(env);
	cap = envlen / 2 + 2 + (size_t)*argc;
	/* one block: cap + 1 pointers, then a copy of the variable */
	nargv = calloc(1, (cap + 1) * sizeof(*nargv) + envlen + 1);
	if (nargv == NULL)
		return -ENOMEM;
	buf = (char *)(nargv + cap + 1);
	memcpy(buf, env, envlen + 1);
	nargv[n++] = (*argv)[0];
	for (p = buf; *p;) {
		char quote = 0;

		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		/* the word is compacted in place, quotes removed */
		nargv[n++] = w = p;
		for (; *p; p++) {
			if (quote) {
				if (*p == quote) {
					quote = 0;
					continue;
				}
			} else if (*p == '"' || *p == '\'') {
				quote = *p;
				continue;
			} else if (*p == ' ') {
				break;
			}
			*w++ = *p;
		}
		if (*p)
			p++;
		*w = '\0';
	}
	for (int i = 1; i < *argc; i++)
		nargv[n++] = (*argv)[i];
	nargv[n] = NULL;
	*argc = (int)n;
	*argv = nargv;
	*mem = nargv;
	return 0;
}

/* Append to MODPROBE_OPTIONS so that modprobe run by install commands inherits it. */
static void env_append(const char *opt, const char *arg)
{
	const char *old = getenv("MODPROBE_OPTIONS");
	_cleanup_free_ char *v = NULL;

	if (asprintf(&v, "%s%s%s%s%s", old ? old : "", old && old[0] ? " " : "", opt,
		     arg ? " " : "", arg ? arg : "") < 0)
		return;
	setenv("MODPROBE_OPTIONS", v, 1);
}

/* ---- output ------------------------------------------------------------------ */

static void print_action(void *data, enum probe_action a, const char *text,
			 const char *opts)
{
	(void)data;
	switch (a) {
	case PROBE_SHOW_INSMOD:
		printf("insmod %s %s\n", text, opts);
		break;
	case PROBE_SHOW_INSTALL:
		printf("install %s %s\n", text, opts);
		break;
	case PROBE_SHOW_BUILTIN:
		printf("builtin %s\n", text);
		break;
	case PROBE_SHOW_RMMOD:
		printf("rmmod %s\n", text);
		break;
	case PROBE_SHOW_REMOVE:
		printf("remove %s\n", text);
		break;
	}
	/* kmod flushes its removal messages (not the insmod lines): same order in a pipe
	 */
	if (a == PROBE_SHOW_RMMOD || a == PROBE_SHOW_REMOVE)
		fflush(stdout);
}

/* ---- actions ------------------------------------------------------------------------
 */

struct run {
	const struct opts *o;
	char *dirname;
	struct modprobe_config *cfg;
	struct lookup_ctx *lookup;
	struct probe_ctx *probe;
	struct probe_opts po;
};

/* -q or a "--": a name that comes from the kernel, never taken for a path */
static bool is_path_arg(const struct run *rn, const char *arg)
{
	return probe_arg_is_path(arg, rn->o->after_dashdash || rn->o->quiet);
}

static int get_mods(struct run *rn, const char *arg, struct probe_mod ***mods, size_t *n)
{
	int r;

	if (!is_path_arg(rn, arg))
		return probe_lookup(rn->probe, arg, mods, n);
	r = probe_from_path(rn->probe, arg, mods, n);
	if (r < 0)
		LOG("Failed to get module from path %s: %s\n", arg, strerror(-r));
	return r;
}

static int do_insert(struct run *rn, const char *arg, const char *extra)
{
	struct probe_mod **mods = NULL;
	size_t n = 0;
	int err;

	err = get_mods(rn, arg, &mods, &n);
	if (err < 0 || n == 0) {
		if (!is_path_arg(rn, arg) || err >= 0)
			LOG("Module %s not found in directory %s\n", arg, rn->dirname);
		free(mods);
		return -ENOENT;
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = probe_mod_name(mods[i]);

		if (rn->o->lookup_only) {
			printf("%s\n", name);
			err = 0;
			continue;
		}
		err = probe_insert(rn->probe, mods[i], extra, &rn->po);
		if (err >= 0) {
			err = 0;
		} else if (err == -EEXIST) {
			ERR("could not insert '%s': Module already in kernel\n", name);
		} else if (err == -ENOENT) {
			ERR("could not insert '%s': Unknown symbol in module, or unknown "
			    "parameter (see dmesg)\n",
			    name);
		} else {
			ERR("could not insert '%s': %s\n", name, tool_strerror(err));
		}
	}
	free(mods);
	return err;
}

static int do_remove(struct run *rn, const char *arg)
{
	struct probe_mod **mods = NULL;
	size_t n = 0;
	int err;

	err = get_mods(rn, arg, &mods, &n);
	if (err < 0) {
		free(mods);
		return err;
	}
	if (n == 0) {
		LOG("Module %s not found.\n", arg);
		err = -ENOENT;
	}
	for (size_t i = 0; i < n; i++) {
		err = probe_remove(rn->probe, mods[i], &rn->po);
		if (err < 0)
			break;
	}
	free(mods);
	return err;
}

static int show_config(struct run *rn)
{
	struct strbuf sb = STRBUF_INIT;
	static const char *const dumps[] = { "modules.alias.bin", "modules.symbols.bin" };
	int r;

	r = config_dump(rn->cfg, &sb);
	if (r >= 0)
		r = strbuf_pushstr(
			&sb, "\n# End of configuration files. Dumping indexes now:\n\n");
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(dumps); i++) {
		struct index *idx = lookup_ctx_index(rn->lookup, dumps[i]);

		if (idx)
			r = index_dump(idx, "alias ", &sb);
	}
	if (r >= 0 && sb.used)
		fwrite(sb.buf, 1, sb.used, stdout);
	strbuf_release(&sb);
	return r;
}

/* --show-exports / --show-modversions: a module file, as in kmod 30. */
static int show_syms(const char *filename, bool exports)
{
	const struct modsym *syms;
	struct modfile *mf = NULL;
	struct stat st;
	size_t n = 0;
	int r;

	if (stat(filename, &st) < 0 || !S_ISREG(st.st_mode) ||
	    modfile_open(filename, &mf) < 0) {
		LOG("Module %s not found.\n", filename);
		modfile_free(mf);
		return -ENOENT;
	}
	r = exports ? modfile_get_exports(mf, &syms, &n)
		    : modfile_get_versions(mf, &syms, &n);
	/* kmod reports an empty list as an error */
	if (r == -ENODATA || (r >= 0 && n == 0))
		r = -ENOENT;
	if (r < 0) {
		LOG("could not get %s of %s: %s\n", exports ? "symbols" : "modversions",
		    filename, tool_strerror(r));
		modfile_free(mf);
		return r;
	}
	for (size_t i = 0; i < n; i++)
		printf("0x%08" PRIx64 "\t%s\n", syms[i].crc, syms[i].name);
	modfile_free(mf);
	return 0;
}

/* The options that only turn a flag on (-D and -a have more to do). */
static const struct {
	int opt;
	size_t off;
} flag_opts[] = {
	{ 'a', offsetof(struct opts, all) },
	{ 'r', offsetof(struct opts, remove) },
	{ OPT_REMOVE_HOLDERS, offsetof(struct opts, remove_holders) },
	{ OPT_FIRST_TIME, offsetof(struct opts, first_time) },
	{ 'i', offsetof(struct opts, ignore_cmd) },
	{ 'b', offsetof(struct opts, use_blacklist) },
	{ 'f', offsetof(struct opts, force) },
	{ OPT_FORCE_MODVERSION, offsetof(struct opts, force_modversion) },
	{ OPT_FORCE_VERMAGIC, offsetof(struct opts, force_vermagic) },
	{ 'R', offsetof(struct opts, lookup_only) },
	{ 'D', offsetof(struct opts, show_depends) },
	{ 'c', offsetof(struct opts, show_config) },
	{ OPT_SHOW_MODVERSIONS, offsetof(struct opts, show_modversions) },
	{ OPT_SHOW_EXPORTS, offsetof(struct opts, show_exports) },
	{ 'n', offsetof(struct opts, dry_run) },
	{ OPT_JSON, offsetof(struct opts, json) },
};

static bool set_flag(struct opts *o, int c)
{
	for (size_t i = 0; i < ARRAY_SIZE(flag_opts); i++) {
		if (flag_opts[i].opt == c) {
			*(bool *)((char *)o + flag_opts[i].off) = true;
			return true;
		}
	}
	return false;
}

/* One option that takes more than a flag: -1 to go on, or the exit status. */
static int parse_opt(struct opts *o, int c)
{
	char *end;

	switch (c) {
	case OPT_REMOVE_DEPENDENCIES:
		WRN("--remove-dependencies is deprecated, use --remove-holders "
		    "instead\n");
		/* only with -r, as in kmod 30 */
		o->remove_holders = true;
		return -1;
	case 'w':
		errno = 0;
		o->wait_msec = strtoul(optarg, &end, 0);
		if (errno || *end || optarg[0] == '\0') {
			ERR("unexpected wait value '%s'.\n", optarg);
			return EXIT_FAILURE;
		}
		return -1;
	case 'C':
		env_append("-C", optarg);
		o->config_paths[o->n_config++] = optarg;
		return -1;
	case 'd':
		o->root = optarg;
		return -1;
	case 'S':
		o->kversion = optarg;
		return -1;
	case 's':
		env_append("-s", NULL);
		o->use_syslog = true;
		return -1;
	case 'q':
		env_append("-q", NULL);
		o->verbose = LOG_EMERG;
		o->quiet = true;
		return -1;
	case 'v':
		env_append("-v", NULL);
		o->verbose++;
		return -1;
	default:
		return tool_other_option(c, help);
	}
}

/*
 * Options into @o. Returns -1 to go on, or the exit status (-V, -h, a bad option).
 * @argv and @o->config_paths (room for every argument) come from main().
 */
static int parse_options(int argc, char *argv[], struct opts *o)
{
	int c, r;

	while ((c = getopt_long(argc, argv, cmdopts_s, cmdopts, NULL)) != -1) {
		if (set_flag(o, c)) {
			if (c == 'a') /* kmod's LOG() is a warning with -a */
				fatal_prio = LOG_WARNING;
			if (c == 'D') /* -D shows what would be done, loaded or not */
				o->ignore_loaded = o->dry_run = true;
			continue;
		}
		r = parse_opt(o, c);
		if (r >= 0)
			return r;
	}
	/*
	 * With a "--" on the command line (the kernel's request_module() runs
	 * "modprobe -q -- NAME"), no argument is taken for a path.
	 */
	for (int i = 1; i < optind; i++)
		if (streq(argv[i], "--"))
			o->after_dashdash = true;
	return -1;
}

/* The configuration, the indexes and the engine, as kmod_new() sets them up. */
static int open_context(struct run *rn)
{
	const struct opts *o = rn->o;
	_cleanup_free_ char *cmdline = NULL;
	int err;

	err = mk_kernel_module_dir(o->root, NULL, o->kversion, &rn->dirname);
	if (err < 0) {
		ERR("could not find the module directory: %s\n", strerror(-err));
		return err;
	}
	/* kmod goes on without the kernel command line when it cannot be read */
	if (mk_kernel_cmdline(&cmdline) < 0)
		cmdline = NULL;
	err = modprobe_config_load(o->n_config ? o->config_paths : NULL, rn->dirname,
				   cmdline, &mp_log, &rn->cfg);
	if (err >= 0)
		err = lookup_ctx_new(rn->dirname, rn->cfg, &rn->lookup);
	if (err >= 0)
		err = probe_ctx_new(rn->lookup, rn->cfg, &mp_log, &rn->probe);
	if (err < 0)
		CRIT("failed to create kmod context\n");
	return err;
}

static void set_probe_opts(struct run *rn)
{
	const struct opts *o = rn->o;

	rn->po = (struct probe_opts){
		.ignore_loaded = o->ignore_loaded,
		.dry_run = o->dry_run,
		.ignore_cmd = o->ignore_cmd,
		.use_blacklist = o->use_blacklist,
		.first_time = o->first_time,
		.remove_holders = o->remove_holders,
		.wait_msec = o->wait_msec,
		.fatal_prio = fatal_prio,
		.show = (o->show_depends || o->verbose > DEFAULT_VERBOSE) ? print_action
									  : NULL,
	};
	if (o->force || o->force_modversion)
		rn->po.insert_flags |= MK_INSERT_FORCE_MODVERSION;
	if (o->force || o->force_vermagic)
		rn->po.insert_flags |= MK_INSERT_FORCE_VERMAGIC;
	if (o->force)
		rn->po.remove_flags |= MK_REMOVE_FORCE;
}

/* --show-depends --json: the closure of the names, as one object (modprobe-json.h) */
static int show_depends_json(struct run *rn, char **args, int nargs)
{
	_cleanup_free_ char *extra = NULL;
	struct depends_json *dj = NULL;
	int err, end = rn->o->all ? nargs : 1;

	/* the parameters after the name, as for the text form */
	if (!rn->o->all && nargs > 1 &&
	    join_module_params(args + 1, (size_t)nargs - 1, true, &extra) < 0) {
		CRIT("out of memory\n");
		return -ENOMEM;
	}
	err = depends_json_new(rn->probe, rn->cfg, rn->dirname, &rn->po, &dj);
	/* a name not found (-ENOENT) does not stop the others, as with -a */
	for (int i = 0; dj != NULL && (err >= 0 || err == -ENOENT) && i < end; i++) {
		struct probe_mod **mods = NULL;
		size_t n = 0;
		int r = get_mods(rn, args[i], &mods, &n);

		/* not found: the text form's message and exit status */
		if (r < 0 || n == 0) {
			if (!is_path_arg(rn, args[i]) || r >= 0)
				LOG("Module %s not found in directory %s\n", args[i],
				    rn->dirname);
			n = 0;
			err = -ENOENT;
		}
		r = depends_json_add(dj, args[i], mods, n, extra);
		if (r < 0)
			err = r;
		free(mods);
	}
	if (dj != NULL && (err >= 0 || err == -ENOENT)) {
		int r = depends_json_print(dj);

		if (r < 0)
			err = r;
	}
	depends_json_free(dj);
	return err;
}

/* What the options ask for, on @args (the words after the options). */
static int run_action(struct run *rn, char **args, int nargs)
{
	const struct opts *o = rn->o;
	_cleanup_free_ char *extra = NULL;
	int err = 0;

	if (o->json && o->show_config)
		return modprobe_json_config(rn->cfg);
	if (o->json && (!o->show_depends || o->remove || o->lookup_only)) {
		ERR("--json goes with -c, or with --show-depends without -r and -R\n");
		return -EINVAL;
	}
	if (o->json)
		return show_depends_json(rn, args, nargs);
	if (o->show_config)
		return show_config(rn);
	if (o->show_modversions || o->show_exports)
		return show_syms(args[0], o->show_exports);
	if (o->remove || o->all) {
		/* kmod removes every argument with -r, -a or not */
		for (int i = 0; i < nargs; i++) {
			int r = o->remove ? do_remove(rn, args[i])
					  : do_insert(rn, args[i], NULL);

			if (r < 0)
				err = r;
		}
		return err;
	}
	/* the parameters after the name, as kmod joins them */
	if (nargs > 1)
		err = join_module_params(args + 1, (size_t)nargs - 1, true, &extra);
	if (err < 0) {
		CRIT("out of memory\n");
		return err;
	}
	return do_insert(rn, args[0], extra);
}

int modprobe_main(int argc, char *argv[])
{
	struct opts o = { .verbose = DEFAULT_VERBOSE };
	struct run rn = { .o = &o };
	int err = -EINVAL, exit_code;
	void *env_mem = NULL;

	log_open(program_invocation_short_name, false);
	if (prepend_env_options(&argc, &argv, &env_mem) < 0)
		CRIT("out of memory\n");
	o.config_paths = calloc((size_t)argc + 1, sizeof(*o.config_paths));
	if (o.config_paths == NULL)
		CRIT("out of memory\n");

	exit_code = parse_options(argc, argv, &o);
	if (exit_code < 0) {
		log_open(program_invocation_short_name, o.use_syslog);
		log_set_priority(o.verbose);
		if (optind == argc && !o.show_config)
			ERR("missing parameters. See -h.\n");
		else if (open_context(&rn) >= 0) {
			set_probe_opts(&rn);
			err = run_action(&rn, argv + optind, argc - optind);
		}
	}
	probe_ctx_free(rn.probe);
	lookup_ctx_free(rn.lookup);
	modprobe_config_free(rn.cfg);
	free(rn.dirname);
	free(o.config_paths);
	free(env_mem);
	if (fflush(stdout) != 0 || ferror(stdout))
		err = -EIO;
	log_close();
	if (exit_code >= 0)
		return exit_code;
	return err >= 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#ifndef MYKMOD_MULTICALL
/* a program of its own; mykmod runs modprobe_main() when it is called as modprobe */
int main(int argc, char *argv[])
{
	return modprobe_main(argc, argv);
}
#endif
