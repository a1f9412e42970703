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

#include "depmod.h"
#include "kernel.h"
#include "log.h"

#define DEFAULT_VERBOSE LOG_WARNING

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
	       "The following options are useful for people managing distributions:\n"
	       "\t-b, --basedir=DIR    Use an image of a module tree.\n"
	       "\t-m, --moduledir=DIR  The module directory under DIR (default: %s).\n"
	       "\t-o, --outdir=DIR     Output directory for generated files.\n"
	       "\t-F, --filesyms=FILE  Use the file instead of the\n"
	       "\t                     current kernel symbols.\n"
	       "\t-E, --symvers=FILE   Use Module.symvers file to check\n"
	       "\t                     symbol versions.\n",
	       log_prog(), MODULE_DIRECTORY);
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
	/* read, not changed: no other thread creates files now */
	mode_t mask = umask(0);

	umask(mask);
	return depmod_write(o, res, 0644 & ~mask);
}

int main(int argc, char *argv[])
{
	struct args a = {
		.verbose = DEFAULT_VERBOSE,
		.n_threads = sysconf(_SC_NPROCESSORS_ONLN),
	};
	struct depmod_result res;
	int r;

	log_open(program_invocation_short_name, false);
	r = parse_args(&a, argc, argv);
	if (r == 0) {
		r = depmod_run(&a.o, &res);
		if (r == 0)
			r = a.o.text_only ? show_outputs(&res)
					  : write_outputs(&a.o, &res);
		depmod_result_release(&res);
	}
	args_release(&a);
	log_close();
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
