// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mydepmod: generate modules.dep and the other module indexes, byte-identical to
 * kmod 30's depmod, written crash-safely, reading the modules in parallel.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "depmod-cache.h"
#include "depmod.h"
#include "kernel.h"
#include "kmod-names.h"
#include "log.h"

#define DEFAULT_VERBOSE LOG_WARNING

/* our extensions' exit statuses (docs/compat.md); kmod's are 0 and 1 */
#define EXIT_CHECK_DIFFERS 1 /* --check: a run would change the directory */
#define EXIT_CHECK_ERROR 2 /* --check: no answer */
#define EXIT_STRICT 3 /* --strict: unresolved symbols or a dependency cycle */

/* long options only: they are ours, not kmod's */
enum {
	OPT_CHECK = 0x100,
	OPT_STRICT,
	OPT_SUMMARY,
	OPT_NO_CACHE,
	OPT_CACHE,
};

static const char short_opts[] = "aAb:m:o:C:E:F:ej:nP:vwVhuqr";
static const struct option long_opts[] = {
	{ "all", no_argument, 0, 'a' },
	{ "quick", no_argument, 0, 'A' },
	{ "basedir", required_argument, 0, 'b' },
	{ "moduledir", required_argument, 0, 'm' },
	{ "outdir", required_argument, 0, 'o' },
	{ "config", required_argument, 0, 'C' },
	{ "symvers", required_argument, 0, 'E' },
	{ "filesyms", required_argument, 0, 'F' },
	{ "errsyms", no_argument, 0, 'e' },
	{ "jobs", required_argument, 0, 'j' },
	{ "show", no_argument, 0, 'n' },
	{ "dry-run", no_argument, 0, 'n' },
	{ "symbol-prefix", required_argument, 0, 'P' },
	{ "verbose", no_argument, 0, 'v' },
	{ "warn", no_argument, 0, 'w' },
	{ "version", no_argument, 0, 'V' },
	{ "help", no_argument, 0, 'h' },
	{ "check", no_argument, 0, OPT_CHECK },
	{ "strict", no_argument, 0, OPT_STRICT },
	{ "summary", no_argument, 0, OPT_SUMMARY },
	{ "no-cache", no_argument, 0, OPT_NO_CACHE },
	{ "cache", no_argument, 0, OPT_CACHE },
	/* removed from kmod, still accepted and ignored as kmod 30 did */
	{ "unresolved-error", no_argument, 0, 'u' },
	{ "quiet", no_argument, 0, 'q' },
	{ "root", no_argument, 0, 'r' },
	{ 0 },
};

static void help(void)
{
	printf("Usage:\n"
	       "\t%s -[aA] [options] [forced_version]\n"
	       "\n"
	       "If no arguments (except options) are given, \"depmod -a\" is assumed\n"
	       "\n"
	       "depmod will output a dependency list suitable for the modprobe utility.\n"
	       "\n"
	       "Options:\n"
	       "\t-a, --all            Probe all modules\n"
	       "\t-A, --quick          Only does the work if there's a new module\n"
	       "\t-e, --errsyms        Report not supplied symbols\n"
	       "\t-n, --show           Write the dependency file on stdout only\n"
	       "\t-P, --symbol-prefix  Architecture symbol prefix\n"
	       "\t-C, --config=PATH    Read configuration from PATH\n"
	       "\t-v, --verbose        Enable verbose mode\n"
	       "\t-w, --warn           Warn on duplicates\n"
	       "\t-j, --jobs=N         Read modules with N threads (default: online "
	       "CPUs)\n"
	       "\t-V, --version        show version\n"
	       "\t-h, --help           show this help\n"
	       "\n"
	       "Checks for build pipelines (not in kmod):\n"
	       "\t    --check          Compare the files a run would write with those\n"
	       "\t                     on disk, writing nothing: exit 0 when the same,\n"
	       "\t                     1 naming each difference, 2 on error\n"
	       "\t    --strict         Exit 3 on unresolved symbols (checked as -e\n"
	       "\t                     does, with -E or -F) or a dependency cycle\n"
	       "\t    --summary        Unresolved symbols counted per module instead\n"
	       "\t                     of -e's line per symbol (implies -e)\n"
	       "\t    --no-cache       Neither read nor write %s,\n"
	       "\t                     what the modules held when last read\n"
	       "\t    --cache          Write it even with -b DIR, where it is\n"
	       "\t                     otherwise written only when one is there\n"
	       "\n"
	       "The following options are useful for people managing distributions:\n"
	       "\t-b, --basedir=DIR    Use an image of a module tree.\n"
	       "\t-m, --moduledir=DIR  The module directory under DIR (default: %s).\n"
	       "\t-o, --outdir=DIR     Output directory for generated files.\n"
	       "\t-F, --filesyms=FILE  Use the file instead of the\n"
	       "\t                     current kernel symbols.\n"
	       "\t-E, --symvers=FILE   Use Module.symvers file to check\n"
	       "\t                     symbol versions.\n",
	       log_prog(), DMC_FILENAME, MODULE_DIRECTORY);
}

__attribute__((format(printf, 3, 0))) static void show_fn(void *data, int prio,
							  const char *fmt, va_list ap)
{
	(void)data;
	(void)prio;
	if (log_get_priority() <= DEFAULT_VERBOSE)
		return;
	vfprintf(stdout, fmt, ap);
}

static const struct mk_log show_log = { .fn = show_fn };

/* The command line, as depmod_run() takes it and what it is made from. */
struct args {
	struct depmod_opts o;
	char *root, *out_root; /* -b, -o, made absolute */
	const char *moduledir; /* -m */
	const char **config_paths; /* -C, NULL-terminated */
	size_t n_config_paths;
	long n_threads; /* -j */
	int verbose;
	bool check, strict, summary, no_cache, cache;
	unsigned int errors; /* messages at ERROR or worse, for --check */
	char release[PATH_MAX]; /* uname's, when no version is given */
	char *dirname, *outdirname;
};

static void args_release(struct args *a)
{
	free(a->root);
	free(a->out_root);
	free(a->config_paths);
	free(a->dirname);
	free(a->outdirname);
}

static int set_absolute(char **dst, const char *path)
{
	free(*dst);
	*dst = NULL;
	if (path_make_absolute(path, dst) < 0) {
		CRIT("out of memory\n");
		return -ENOMEM;
	}
	return 0;
}

static void add_config_path(struct args *a, const char *path)
{
	const char **p = realloc(a->config_paths, (a->n_config_paths + 2) * sizeof(*p));

	if (p == NULL) {
		CRIT("out of memory\n");
		return;
	}
	a->config_paths = p;
	a->config_paths[a->n_config_paths++] = path;
	a->config_paths[a->n_config_paths] = NULL;
}

static int set_jobs(struct args *a, const char *arg)
{
	uint64_t v;

	if (safe_atou64(arg, 10, &v) < 0 || v == 0 || v > 1024) {
		ERR("invalid number of jobs: %s\n", arg);
		return -EINVAL;
	}
	a->n_threads = (long)v;
	return 0;
}

/* One option: 0 to go on, 1 when done (-h, -V), <0 on an error already printed. */
static int parse_opt(struct args *a, int c)
{
	switch (c) {
	case 'a':
		a->o.all = true;
		return 0;
	case 'A':
		a->o.quick = true;
		return 0;
	case 'b':
		return set_absolute(&a->root, optarg);
	case 'm':
		a->moduledir = optarg;
		return 0;
	case 'o':
		return set_absolute(&a->out_root, optarg);
	case 'C':
		add_config_path(a, optarg);
		return 0;
	case 'E':
		a->o.symvers = optarg;
		return 0;
	case 'F':
		a->o.system_map = optarg;
		return 0;
	case 'e':
		a->o.print_unknown = true;
		return 0;
	case 'j':
		return set_jobs(a, optarg);
	case 'n':
		a->o.text_only = true;
		return 0;
	case 'P':
		if (optarg[0] == '\0' || optarg[1] != '\0')
			CRIT("-P only takes a single char\n");
		a->o.sym_prefix = optarg[0];
		return 0;
	case 'v':
		a->verbose++;
		return 0;
	case 'w':
		a->o.warn_dups = true;
		return 0;
	case 'u':
	case 'q':
	case 'r':
		return 0;
	case OPT_CHECK:
		a->check = true;
		return 0;
	case OPT_STRICT:
		a->strict = true;
		return 0;
	case OPT_SUMMARY:
		a->summary = true;
		return 0;
	case OPT_NO_CACHE:
		a->no_cache = true;
		return 0;
	case OPT_CACHE:
		a->cache = true;
		return 0;
	default:
		/* -h and -V: done (1); anything else was refused */
		return tool_other_option(c, help) == EXIT_SUCCESS ? 1 : -EINVAL;
	}
}

static bool is_version_number(const char *v)
{
	unsigned int a, b;

	return sscanf(v, "%u.%u", &a, &b) == 2;
}

/* The version (the first argument, else uname's), the FILES after it, the dirs. */
static int set_dirs(struct args *a, int argc, char *argv[])
{
	if (optind < argc) {
		if (!is_version_number(argv[optind])) {
			ERR("Bad version passed %s\n", argv[optind]);
			return -EINVAL;
		}
		a->o.kver = argv[optind++];
	} else {
		int r = mk_kernel_release(a->release, sizeof(a->release));

		if (r < 0) {
			CRIT("uname() failed: %s\n", strerror(-r));
			return r;
		}
		a->o.kver = a->release;
	}
	a->o.files = (const char *const *)&argv[optind];
	a->o.n_files = (size_t)(argc - optind);
	if (mk_kernel_module_dir(a->root, a->moduledir, a->o.kver, &a->dirname) < 0 ||
	    mk_kernel_module_dir(a->out_root ? a->out_root : a->root, a->moduledir,
				 a->o.kver, &a->outdirname) < 0) {
		CRIT("out of memory\n");
		return -ENOMEM;
	}
	a->o.dirname = a->dirname;
	a->o.outdirname = a->outdirname;
	return 0;
}

/*
 * Is --check (or an abbreviation getopt takes for it) among the options? Known
 * before they are parsed, so that an error in them already exits with 2.
 */
static bool wants_check(int argc, char *argv[])
{
	for (int i = 1; i < argc && !streq(argv[i], "--"); i++) {
		size_t len = strlen(argv[i]);

		if (len >= strlen("--ch") && strncmp(argv[i], "--check", len) == 0)
			return true;
	}
	return false;
}

/* --check counts the run's errors: an answer despite one could be wrong */
__attribute__((format(printf, 3, 0))) static void counting_fn(void *data, int prio,
							      const char *fmt, va_list ap)
{
	unsigned int *errors = data;

	if (prio <= LOG_ERR)
		(*errors)++;
	log_vprintf(prio, fmt, ap);
}

/* The mode of the files written: 0644 less the umask. */
static mode_t file_mode(void)
{
	/* read, not changed: no other thread creates files yet */
	mode_t mask = umask(0);

	umask(mask);
	return 0644 & ~mask;
}

/* -b: none, or a path that names "/" itself: only "/" and "." components */
static bool is_root_dir(const char *root)
{
	if (root == NULL)
		return true;
	for (const char *p = root; *p != '\0';) {
		size_t n;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (n != 0 && !(n == 1 && p[0] == '.'))
			return false;
		p += n;
	}
	return true;
}

/* Our options among themselves and with kmod's: 0, or <0 on a printed error. */
static int set_extensions(struct args *a)
{
	static struct mk_log counting_log = { .fn = counting_fn };

	if (a->check && a->o.text_only) {
		ERR("--check cannot be used with -n: -n writes nothing to compare\n");
		return -EINVAL;
	}
	if (a->cache && a->no_cache) {
		ERR("--cache and --no-cache cannot be used together\n");
		return -EINVAL;
	}
	if (a->check) {
		counting_log.data = &a->errors;
		a->o.log = &counting_log;
	}
	/* the check -e makes; with neither -E nor -F -e only warns, as kmod does */
	if (a->summary)
		a->o.print_unknown = true;
	if (a->strict && (a->o.symvers != NULL || a->o.system_map != NULL))
		a->o.print_unknown = true;
	a->o.unknown_summary = a->summary;
	/* -n and --check write nothing, the cache neither (docs/depmod-cache.md §5) */
	a->o.read_cache = !a->no_cache;
	a->o.make_cache = !a->no_cache && !a->o.text_only && !a->check;
	/* what a run makes can be left as it is only when it would say nothing */
	a->o.reuse_outputs = a->o.read_cache && !a->o.text_only && !a->o.print_unknown &&
			     !a->o.warn_dups && log_get_priority() <= DEFAULT_VERBOSE;
	a->o.reuse_to_compare = a->check;
	a->o.file_mode = file_mode();
	/* an image (-b DIR) gets one only when asked, or when it has one already */
	a->o.cache_if_present = !a->cache && !is_root_dir(a->root);
	return 0;
}

/* 0 with @a ready for depmod_run(), 1 when done (-h, -V), <0 on a printed error. */
static int parse_args(struct args *a, int argc, char *argv[])
{
	int c, r = 0;

	while (r == 0 && (c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1)
		r = parse_opt(a, c);
	if (r != 0)
		return r;
	log_set_priority(a->verbose);
	r = set_dirs(a, argc, argv);
	a->o.config_paths = a->config_paths;
	a->o.n_threads = a->n_threads > 0 ? (unsigned int)a->n_threads : 1;
	a->o.log = &tool_log;
	a->o.show = &show_log;
	if (r == 0)
		r = set_extensions(a);
	return r;
}

/* depmod -n: the text outputs, on stdout */
static int show_outputs(const struct depmod_result *res)
{
	for (int i = 0; i < DEPMOD_N_OUTPUTS; i++) {
		const struct strbuf *sb = &res->out[i];

		if (!depmod_output_shown(i, sb))
			continue;
		if (fwrite(sb->buf, 1, sb->used, stdout) != sb->used)
			break;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ERR("could not write to stdout: %m\n");
		return -EIO;
	}
	return 0;
}

static int write_outputs(const struct depmod_opts *o, const struct depmod_result *res)
{
	return depmod_write(o, res, o->file_mode);
}

/* --check: one line on stdout for each file a run would change */
static void print_diff(void *data, enum outset_diff what, const char *name)
{
	static const char *const words[] = {
		[OUTSET_DIFF_STALE] = "stale",
		[OUTSET_DIFF_MISSING] = "missing",
		[OUTSET_DIFF_LEFTOVER] = "leftover",
	};
	const char *dir = data;

	printf("%s %s/%s\n", words[what], dir, name);
}

static int check_outputs(const struct depmod_opts *o, const struct depmod_result *res)
{
	int r = depmod_compare(o, res, print_diff, (void *)o->outdirname);

	if (fflush(stdout) != 0 || ferror(stdout)) {
		ERR("could not write to stdout: %m\n");
		return -EIO;
	}
	return r;
}

/* --summary: a line per module that -e reports, then the totals */
static void print_summary(const struct depmod_result *res)
{
	unsigned int unknown = 0, badcrc = 0, m_unknown = 0, m_badcrc = 0;

	for (size_t i = 0; i < res->n_unresolved; i++) {
		const struct depmod_unresolved *u = &res->unresolved[i];

		if (u->n_unknown > 0)
			WRN("%s needs %u unknown symbol%s (first: %s)\n", u->path,
			    u->n_unknown, u->n_unknown == 1 ? "" : "s", u->first_unknown);
		if (u->n_badcrc > 0)
			WRN("%s disagrees about the version of %u symbol%s (first: %s)\n",
			    u->path, u->n_badcrc, u->n_badcrc == 1 ? "" : "s",
			    u->first_badcrc);
		unknown += u->n_unknown;
		badcrc += u->n_badcrc;
		m_unknown += u->n_unknown > 0;
		m_badcrc += u->n_badcrc > 0;
	}
	if (res->n_unresolved > 0)
		WRN("%u unknown symbols in %u modules, %u symbol versions disagree in %u "
		    "modules\n",
		    unknown, m_unknown, badcrc, m_badcrc);
}

/* What a run that got as far as depmod_run() (@r its result) does next. */
static int run(struct args *a, int r, const struct depmod_result *res)
{
	if (a->summary)
		print_summary(res);
	if (r == 1) /* -A: modules.dep is up to date, nothing to do or compare */
		return 0;
	if (r < 0)
		return r;
	if (a->check)
		return check_outputs(&a->o, res);
	return a->o.text_only ? show_outputs(res) : write_outputs(&a->o, res);
}

/*
 * kmod's 0 or 1, or with our options: --strict's 3 for a cycle, an error, --strict's
 * 3 for an unresolved symbol, --check's 1 when the files differ, in that order.
 */
static int exit_status(const struct args *a, int r, const struct depmod_result *res)
{
	if (a->strict && r == -ELOOP)
		return EXIT_STRICT;
	if (r < 0 || (a->check && a->errors > 0))
		return a->check ? EXIT_CHECK_ERROR : EXIT_FAILURE;
	if (a->strict && res->n_unresolved > 0)
		return EXIT_STRICT;
	return r > 0 ? EXIT_CHECK_DIFFERS : EXIT_SUCCESS;
}

int depmod_main(int argc, char *argv[])
{
	struct args a = {
		.verbose = DEFAULT_VERBOSE,
		.n_threads = sysconf(_SC_NPROCESSORS_ONLN),
	};
	struct depmod_result res;
	int r, status;

	log_open(program_invocation_short_name, false);
	if (wants_check(argc, argv))
		log_set_fatal_status(EXIT_CHECK_ERROR);
	r = parse_args(&a, argc, argv);
	if (r != 0) {
		status = r > 0 ? EXIT_SUCCESS
			       : (a.check || wants_check(argc, argv) ? EXIT_CHECK_ERROR
								     : EXIT_FAILURE);
	} else {
		r = run(&a, depmod_run(&a.o, &res), &res);
		status = exit_status(&a, r, &res);
		depmod_result_release(&res);
	}
	args_release(&a);
	log_close();
	return status;
}

#ifndef MYKMOD_MULTICALL
/* a program of its own; mykmod runs depmod_main() when it is called as depmod */
int main(int argc, char *argv[])
{
	return depmod_main(argc, argv);
}
#endif
