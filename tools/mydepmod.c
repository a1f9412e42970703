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

#include "depgraph.h"
#include "depmod-config.h"
#include "depmod-output.h"
#include "kernel.h"
#include "log.h"
#include "modscan.h"
#include "outset.h"
#include "strbuf.h"

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

#define dm_log tool_log

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

static bool is_version_number(const char *v)
{
	unsigned int a, b;

	return sscanf(v, "%u.%u", &a, &b) == 2;
}

/* Does a text output have more than its '#' header line? */
static bool has_entries(const struct strbuf *sb)
{
	const char *nl = memchr(sb->buf, '\n', sb->used);

	return nl != NULL && (size_t)(nl - sb->buf) + 1 < sb->used;
}

static int write_outputs(const char *outdir, struct strbuf *out, mode_t file_mask)
{
	struct outset *os = NULL;
	int r;

	r = outset_open(outdir, &os);
	if (r < 0) {
		ERR("could not open output directory %s: %s\n", outdir, strerror(-r));
		return r;
	}
	/* an index that comes out the same is not written again (docs/compat.md) */
	outset_keep_unchanged(os, 0644 & ~file_mask);
	for (int i = 0; i < DEPMOD_N_OUTPUTS && r == 0; i++)
		r = outset_add(os, depmod_output_names[i], out[i].buf ? out[i].buf : "",
			       out[i].used);
	if (r == 0)
		r = outset_commit(os);
	if (r < 0)
		ERR("could not write %s/%s: %s; the previous index files are left "
		    "unchanged\n",
		    outdir, outset_failed_name(os) ? outset_failed_name(os) : "?",
		    strerror(-r));
	outset_free(os);
	return r;
}

int main(int argc, char *argv[])
{
	_cleanup_free_ char *root = NULL, *out_root = NULL, *dirname = NULL,
			    *outdirname = NULL;
	const char *module_symvers = NULL, *system_map = NULL, *moduledir = NULL;
	const char **config_paths = NULL;
	size_t n_config_paths = 0;
	const char *kver;
	char release[PATH_MAX];
	bool all = false, maybe_all = false, to_stdout = false, warn_dups = false;
	bool print_unknown = false;
	int verbose = DEFAULT_VERBOSE;
	long n_threads = sysconf(_SC_NPROCESSORS_ONLN);
	char sym_prefix = '\0';
	struct depmod_config *cfg = NULL;
	struct modscan *ms = NULL;
	struct modscan_mod **mods;
	size_t n_mods;
	struct depgraph *dg = NULL;
	struct dg_preload *preload = NULL;
	struct depgraph_opts gopts;
	struct strbuf out[DEPMOD_N_OUTPUTS];
	int c, r, ret = EXIT_FAILURE;

	log_open(program_invocation_short_name, false);
	for (int i = 0; i < DEPMOD_N_OUTPUTS; i++)
		out[i] = (struct strbuf)STRBUF_INIT;

	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'A':
			maybe_all = true;
			break;
		case 'b':
			free(root);
			if (path_make_absolute(optarg, &root) < 0) {
				CRIT("out of memory\n");
				goto done;
			}
			break;
		case 'm':
			moduledir = optarg;
			break;
		case 'o':
			free(out_root);
			if (path_make_absolute(optarg, &out_root) < 0) {
				CRIT("out of memory\n");
				goto done;
			}
			break;
		case 'C': {
			const char **p =
				realloc(config_paths, (n_config_paths + 2) * sizeof(*p));

			if (p == NULL) {
				CRIT("out of memory\n");
				break;
			}
			config_paths = p;
			config_paths[n_config_paths++] = optarg;
			config_paths[n_config_paths] = NULL;
			break;
		}
		case 'E':
			module_symvers = optarg;
			break;
		case 'F':
			system_map = optarg;
			break;
		case 'e':
			print_unknown = true;
			break;
		case 'j': {
			uint64_t v;

			if (safe_atou64(optarg, 10, &v) < 0 || v == 0 || v > 1024) {
				ERR("invalid number of jobs: %s\n", optarg);
				goto done;
			}
			n_threads = (long)v;
			break;
		}
		case 'n':
			to_stdout = true;
			break;
		case 'P':
			if (optarg[0] == '\0' || optarg[1] != '\0')
				CRIT("-P only takes a single char\n");
			sym_prefix = optarg[0];
			break;
		case 'v':
			verbose++;
			break;
		case 'w':
			warn_dups = true;
			break;
		case 'u':
		case 'q':
		case 'r':
			break;
		case 'h':
			help();
			ret = EXIT_SUCCESS;
			goto done;
		case 'V':
			print_version();
			ret = EXIT_SUCCESS;
			goto done;
		case '?':
			goto done;
		default:
			ERR("unexpected getopt_long() value '%c'.\n", c);
			goto done;
		}
	}
	log_set_priority(verbose);

	if (optind < argc) {
		if (!is_version_number(argv[optind])) {
			ERR("Bad version passed %s\n", argv[optind]);
			goto done;
		}
		kver = argv[optind++];
	} else {
		r = mk_kernel_release(release, sizeof(release));
		if (r < 0) {
			CRIT("uname() failed: %s\n", strerror(-r));
			goto done;
		}
		kver = release;
	}
	if (mk_kernel_module_dir(root, moduledir, kver, &dirname) < 0 ||
	    mk_kernel_module_dir(out_root ? out_root : root, moduledir, kver,
				 &outdirname) < 0) {
		CRIT("out of memory\n");
		goto done;
	}

	if (maybe_all) {
		_cleanup_free_ char *depfile = NULL;

		if (to_stdout) {
			ret = EXIT_SUCCESS;
			goto done;
		}
		if (asprintf(&depfile, "%s/modules.dep", outdirname) < 0) {
			depfile = NULL;
			goto done;
		}
		if (modscan_depfile_up_to_date(dirname, depfile, &dm_log) == 1) {
			ret = EXIT_SUCCESS;
			goto done;
		}
		all = true;
	}
	if (optind == argc)
		all = true;

	gopts = (struct depgraph_opts){
		.sym_prefix = sym_prefix,
		.print_unknown = print_unknown,
		.n_threads = n_threads > 0 ? (unsigned int)n_threads : 1,
		.log = &dm_log,
		.show = &show_log,
	};

	if (all) {
		r = depmod_config_load(config_paths, kver, &dm_log, &cfg);
		if (r < 0) {
			CRIT("could not load config: %s\n", strerror(-r));
			goto done;
		}
		r = modscan_new(dirname, cfg, &dm_log, &ms);
		if (r < 0) {
			CRIT("out of memory\n");
			goto done;
		}
		/* read the modules while the walk goes on */
		r = dg_preload_start(gopts.n_threads, &preload);
		if (r < 0) {
			CRIT("out of memory\n");
			goto done;
		}
		modscan_set_add_hook(ms, dg_preload_add, preload);
		modscan_set_lazy_links(ms, true);
		r = modscan_walk(ms);
		dg_preload_finish(preload);
		if (modscan_walk_end(ms) > 0) {
			/* a symlink led to no regular file: walk as kmod does */
			dg_preload_free(preload);
			preload = NULL;
			r = modscan_rewalk(ms);
		}
		if (r < 0) {
			CRIT("could not search modules: %s\n", strerror(-r));
			goto done;
		}
	} else {
		r = modscan_new(dirname, NULL, &dm_log, &ms);
		if (r < 0) {
			CRIT("out of memory\n");
			goto done;
		}
		for (int i = optind; i < argc; i++) {
			if (argv[i][0] != '/')
				CRIT("%s: not absolute path.\n", argv[i]);
			r = modscan_add_path(ms, argv[i]);
			if (r == -EEXIST)
				CRIT("could not add module %s: %s\n", argv[i],
				     strerror(-r));
			else if (r < 0)
				CRIT("could not create module %s: %s\n", argv[i],
				     strerror(-r));
		}
	}

	r = modscan_build(ms, &mods, &n_mods);
	if (r < 0) {
		CRIT("could not build module array: %s\n", strerror(-r));
		goto done;
	}
	r = depgraph_new(mods, n_mods, &gopts, &dg);
	if (r < 0) {
		CRIT("out of memory\n");
		goto done;
	}
	if (module_symvers != NULL) {
		r = depgraph_load_symvers(dg, module_symvers);
		if (r < 0) {
			CRIT("could not load %s: %s\n", module_symvers, strerror(-r));
			goto done;
		}
	} else if (system_map != NULL) {
		r = depgraph_load_system_map(dg, system_map);
		if (r < 0) {
			CRIT("could not load %s: %s\n", system_map, strerror(-r));
			goto done;
		}
	} else if (print_unknown) {
		WRN("-e needs -E or -F\n");
		gopts.print_unknown = false;
		depgraph_free(dg);
		dg = NULL;
		r = depgraph_new(mods, n_mods, &gopts, &dg);
		if (r < 0)
			goto done;
	}

	r = depgraph_load_modules(dg);
	if (r < 0) {
		ERR("could not load the modules: %s\n", strerror(-r));
		goto done;
	}
	{
		struct depmod_output_opts oopts = {
			.dirname = dirname,
			.text_only = to_stdout,
			.warn_dups = warn_dups,
			.n_threads = gopts.n_threads,
			.log = &dm_log,
		};
		struct depmod_gen *gen;

		/* the outputs that need no resolution are made meanwhile */
		r = depmod_output_begin(dg, &oopts, out, &gen);
		if (r < 0) {
			ERR("could not generate the index files: %s\n", strerror(-r));
			goto done;
		}
		r = depgraph_resolve(dg);
		if (r == 0)
			r = depgraph_sort(dg);
		if (r < 0) {
			depmod_output_end(gen, false);
			if (r != -ELOOP)
				ERR("could not load the modules: %s\n", strerror(-r));
			goto done;
		}
		r = depmod_output_end(gen, true);
		if (r < 0) {
			ERR("could not generate the index files: %s\n", strerror(-r));
			goto done;
		}
	}

	if (to_stdout) {
		for (int i = 0; i < DEPMOD_N_OUTPUTS; i++) {
			if (depmod_output_is_bin(i) || out[i].used == 0)
				continue;
			/* kmod 30 has no modules.weakdep: show it only when not empty */
			if (i == DEPMOD_OUT_WEAKDEP && !has_entries(&out[i]))
				continue;
			if (fwrite(out[i].buf, 1, out[i].used, stdout) != out[i].used)
				break;
		}
		if (fflush(stdout) != 0 || ferror(stdout)) {
			ERR("could not write to stdout: %m\n");
			goto done;
		}
	} else {
		/* read, not changed: no other thread creates files now */
		mode_t mask = umask(0);

		umask(mask);
		if (write_outputs(outdirname, out, mask) < 0)
			goto done;
	}
	ret = EXIT_SUCCESS;
done:
	for (int i = 0; i < DEPMOD_N_OUTPUTS; i++)
		strbuf_release(&out[i]);
	depgraph_free(dg);
	dg_preload_free(preload);
	modscan_free(ms);
	depmod_config_free(cfg);
	free(config_paths);
	log_close();
	return ret;
}
