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
#include "log.h"
#include "lookup.h"
#include "modfile.h"
#include "modsyms.h"
#include "probe.h"
#include "strbuf.h"

#define DEFAULT_VERBOSE LOG_WARNING

struct opts {
	bool all, remove, show_depends, show_config, show_modversions, show_exports;
	bool lookup_only, dry_run, ignore_cmd, use_blacklist, first_time;
	bool force_modversion, force_vermagic, force, remove_holders;
	bool ignore_loaded, use_syslog, quiet;
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

/* ---- kernel hooks for lib/probe ---------------------------------------------------- */

static int k_initstate(void *data, const char *name)
{
	int s = mk_kernel_initstate(name);

	(void)data;
	switch (s) {
	case MK_INITSTATE_LIVE:
		return PROBE_STATE_LIVE;
	case MK_INITSTATE_COMING:
	case MK_INITSTATE_BUILTIN: /* a directory without initstate: kmod says coming */
		return PROBE_STATE_COMING;
	case MK_INITSTATE_GOING:
		return PROBE_STATE_GOING;
	default:
		return s < 0 ? s : -EINVAL;
	}
}

static int k_refcnt(void *data, const char *name)
{
	(void)data;
	return mk_kernel_refcnt(name);
}

static int k_holders(void *data, const char *name, char ***names, size_t *n)
{
	(void)data;
	return mk_kernel_holders(name, names, n);
}

static int k_insert(void *data, const char *path, const char *opts, unsigned int flags)
{
	struct modfile *mf = NULL;
	unsigned int kf = 0;
	int r;

	(void)data;
	r = modfile_open(path, &mf);
	if (r < 0)
		return r;
	if (flags & PROBE_INSERT_FORCE_MODVERSION)
		kf |= MK_INSERT_FORCE_MODVERSION;
	if (flags & PROBE_INSERT_FORCE_VERMAGIC)
		kf |= MK_INSERT_FORCE_VERMAGIC;
	r = mk_kernel_insert(mf, opts, kf, NULL);
	modfile_free(mf);
	return r;
}

struct wait_data {
	unsigned long wait_msec;
};

static unsigned long long now_msec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 +
	       (unsigned long long)ts.tv_nsec / 1000000;
}

static int k_remove(void *data, const char *name, unsigned int flags)
{
	const struct wait_data *wd = data;
	unsigned long long end = 0, interval = 1;
	unsigned int kf = (flags & PROBE_REMOVE_FORCE) ? MK_REMOVE_FORCE : 0;
	int r;

	if (wd->wait_msec)
		end = now_msec() + wd->wait_msec;
	for (;;) {
		r = mk_kernel_remove(name, kf);
		if (r != -EAGAIN || wd->wait_msec == 0)
			break;
		/* -w: retry with exponential backoff until the deadline */
		unsigned long long t = now_msec();

		if (t >= end)
			break;
		if (interval > end - t)
			interval = end - t;
		struct timespec ts = { .tv_sec = (time_t)(interval / 1000),
				       .tv_nsec = (long)(interval % 1000) * 1000000 };
		nanosleep(&ts, NULL);
		interval *= 2;
	}
	return r;
}

static int k_run(void *data, const char *modname, const char *cmd)
{
	int r;

	(void)data;
	/* stdout is not flushed first: kmod does not, and the order shows in a pipe */
	setenv("MODPROBE_MODULE", modname, 1);
	r = system(cmd);
	unsetenv("MODPROBE_MODULE");
	return r == -1 ? -errno : r;
}

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
	struct opts *o;
	const char *dirname;
	struct modprobe_config *cfg;
	struct lookup_ctx *lookup;
	struct probe_ctx *probe;
	struct probe_opts po;
};

/*
 * kmod >= 31 takes an argument starting with '/' or './' as a file. A name that
 * came after "--" or with -q (the kernel's request_module() runs "modprobe -q --
 * NAME") never is: such a name is looked up, and a '/' in it finds nothing.
 */
static bool is_path_arg(const struct run *rn, const char *arg, bool after_dashdash)
{
	if (after_dashdash || rn->o->quiet)
		return false;
	return arg[0] == '/' || strstartswith(arg, "./");
}

static int get_mods(struct run *rn, const char *arg, bool after_dashdash,
		    struct probe_mod ***mods, size_t *n)
{
	if (is_path_arg(rn, arg, after_dashdash)) {
		_cleanup_free_ char *abs = NULL;
		struct probe_mod *m;
		struct stat st;
		int r;

		r = path_make_absolute(arg, &abs);
		if (r < 0) {
			LOG("Failed to get module from path %s: %s\n", arg, strerror(-r));
			return r;
		}
		if (stat(abs, &st) < 0) {
			r = -errno;
			LOG("Failed to get module from path %s: %s\n", arg, strerror(-r));
			return r;
		}
		r = probe_from_path(rn->probe, abs, &m);
		if (r < 0) {
			LOG("Failed to get module from path %s: %s\n", arg, strerror(-r));
			return r;
		}
		*mods = malloc(sizeof(**mods));
		if (*mods == NULL)
			return -ENOMEM;
		(*mods)[0] = m;
		*n = 1;
		return 0;
	}
	return probe_lookup(rn->probe, arg, mods, n);
}

static int do_insert(struct run *rn, const char *arg, bool dd, const char *extra)
{
	struct probe_mod **mods = NULL;
	size_t n = 0;
	int err;

	err = get_mods(rn, arg, dd, &mods, &n);
	if (err < 0 || n == 0) {
		if (!is_path_arg(rn, arg, dd) || err >= 0)
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
			ERR("could not insert '%s': %s\n", name, strerror(-err));
		}
	}
	free(mods);
	return err;
}

static int do_remove(struct run *rn, const char *arg, bool dd)
{
	struct probe_mod **mods = NULL;
	size_t n = 0;
	int err;

	err = get_mods(rn, arg, dd, &mods, &n);
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
		    filename, strerror(-r));
		modfile_free(mf);
		return r;
	}
	for (size_t i = 0; i < n; i++)
		printf("0x%08" PRIx64 "\t%s\n", syms[i].crc, syms[i].name);
	modfile_free(mf);
	return 0;
}

int main(int argc, char *argv[])
{
	struct opts o = { .verbose = DEFAULT_VERBOSE };
	struct run rn = { .o = &o };
	struct wait_data wd = { 0 };
	struct probe_kernel kernel = {
		.data = &wd,
		.initstate = k_initstate,
		.refcnt = k_refcnt,
		.holders = k_holders,
		.insert = k_insert,
		.remove = k_remove,
		.run = k_run,
	};
	_cleanup_free_ char *dirname = NULL;
	char **args;
	int nargs, c, err = 0, exit_code = -1;
	void *env_mem = NULL;
	bool dd;

	log_open(program_invocation_short_name, false);
	if (prepend_env_options(&argc, &argv, &env_mem) < 0)
		CRIT("out of memory\n");
	o.config_paths = calloc((size_t)argc + 1, sizeof(*o.config_paths));
	if (o.config_paths == NULL) {
		free(env_mem);
		return EXIT_FAILURE;
	}

	while ((c = getopt_long(argc, argv, cmdopts_s, cmdopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o.all = true;
			fatal_prio = LOG_WARNING;
			break;
		case 'r':
			o.remove = true;
			break;
		case OPT_REMOVE_DEPENDENCIES:
			WRN("--remove-dependencies is deprecated, use --remove-holders "
			    "instead\n");
			/* fall through */
		case OPT_REMOVE_HOLDERS:
			/* only with -r, as in kmod 30 */
			o.remove_holders = true;
			break;
		case 'w': {
			char *end;

			errno = 0;
			o.wait_msec = strtoul(optarg, &end, 0);
			if (errno || *end || optarg[0] == '\0') {
				ERR("unexpected wait value '%s'.\n", optarg);
				exit_code = EXIT_FAILURE;
				goto done;
			}
			break;
		}
		case OPT_FIRST_TIME:
			o.first_time = true;
			break;
		case 'i':
			o.ignore_cmd = true;
			break;
		case 'b':
			o.use_blacklist = true;
			break;
		case 'f':
			o.force = true;
			break;
		case OPT_FORCE_MODVERSION:
			o.force_modversion = true;
			break;
		case OPT_FORCE_VERMAGIC:
			o.force_vermagic = true;
			break;
		case 'R':
			o.lookup_only = true;
			break;
		case 'D':
			o.ignore_loaded = true;
			o.dry_run = true;
			o.show_depends = true;
			break;
		case 'c':
			o.show_config = true;
			break;
		case OPT_SHOW_MODVERSIONS:
			o.show_modversions = true;
			break;
		case OPT_SHOW_EXPORTS:
			o.show_exports = true;
			break;
		case 'n':
			o.dry_run = true;
			break;
		case 'C':
			env_append("-C", optarg);
			o.config_paths[o.n_config++] = optarg;
			break;
		case 'd':
			o.root = optarg;
			break;
		case 'S':
			o.kversion = optarg;
			break;
		case 's':
			env_append("-s", NULL);
			o.use_syslog = true;
			break;
		case 'q':
			env_append("-q", NULL);
			o.verbose = LOG_EMERG;
			o.quiet = true;
			break;
		case 'v':
			env_append("-v", NULL);
			o.verbose++;
			break;
		case 'V':
			print_version();
			exit_code = EXIT_SUCCESS;
			goto done;
		case 'h':
			help();
			exit_code = EXIT_SUCCESS;
			goto done;
		default:
			/* getopt printed the reason */
			exit_code = EXIT_FAILURE;
			goto done;
		}
	}
	/*
	 * With a "--" on the command line (the kernel's request_module() runs
	 * "modprobe -q -- NAME"), no argument is taken for a path.
	 */
	dd = false;
	for (int i = 1; i < optind; i++)
		if (streq(argv[i], "--"))
			dd = true;
	args = argv + optind;
	nargs = argc - optind;

	log_open(program_invocation_short_name, o.use_syslog);
	log_set_priority(o.verbose);

	if (nargs == 0 && !o.show_config) {
		ERR("missing parameters. See -h.\n");
		err = -EINVAL;
		goto done;
	}

	err = mk_kernel_module_dir(o.root, NULL, o.kversion, &dirname);
	if (err < 0) {
		ERR("could not find the module directory: %s\n", strerror(-err));
		goto done;
	}
	rn.dirname = dirname;

	err = modprobe_config_load(o.n_config ? o.config_paths : NULL, dirname, NULL,
				   &mp_log, &rn.cfg);
	if (err < 0) {
		CRIT("failed to create kmod context\n");
		goto done;
	}
	err = lookup_ctx_new(dirname, rn.cfg, &rn.lookup);
	if (err >= 0)
		err = probe_ctx_new(rn.lookup, rn.cfg, &kernel, &mp_log, &rn.probe);
	if (err < 0) {
		CRIT("failed to create kmod context\n");
		goto done;
	}

	wd.wait_msec = o.wait_msec;
	rn.po = (struct probe_opts){
		.ignore_loaded = o.ignore_loaded,
		.dry_run = o.dry_run,
		.ignore_cmd = o.ignore_cmd,
		.use_blacklist = o.use_blacklist,
		.first_time = o.first_time,
		.remove_holders = o.remove_holders,
		.wait = o.wait_msec > 0,
		.fatal_prio = fatal_prio,
		.show = (o.show_depends || o.verbose > DEFAULT_VERBOSE) ? print_action
									: NULL,
	};
	if (o.force || o.force_modversion)
		rn.po.insert_flags |= PROBE_INSERT_FORCE_MODVERSION;
	if (o.force || o.force_vermagic)
		rn.po.insert_flags |= PROBE_INSERT_FORCE_VERMAGIC;
	if (o.force)
		rn.po.remove_flags |= PROBE_REMOVE_FORCE;

	if (o.show_config) {
		err = show_config(&rn);
	} else if (o.show_modversions || o.show_exports) {
		err = show_syms(args[0], o.show_exports);
	} else if (o.remove) {
		/* kmod removes every argument with -r, -a or not */
		int n = nargs;

		for (int i = 0; i < n; i++) {
			int r = do_remove(&rn, args[i], dd);

			if (r < 0)
				err = r;
		}
	} else if (o.all) {
		for (int i = 0; i < nargs; i++) {
			int r = do_insert(&rn, args[i], dd, NULL);

			if (r < 0)
				err = r;
		}
	} else {
		_cleanup_free_ char *extra = NULL;

		/* the parameters after the name, as kmod joins them */
		if (nargs > 1)
			err = join_module_params(args + 1, (size_t)nargs - 1, true, &extra);
		if (err < 0)
			CRIT("out of memory\n");
		else
			err = do_insert(&rn, args[0], dd, extra);
	}

done:
	probe_ctx_free(rn.probe);
	lookup_ctx_free(rn.lookup);
	modprobe_config_free(rn.cfg);
	free(o.config_paths);
	free(env_mem);
	if (fflush(stdout) != 0 || ferror(stdout))
		err = -EIO;
	log_close();
	if (exit_code >= 0)
		return exit_code;
	return err >= 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
