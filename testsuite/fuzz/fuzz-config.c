// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target for the configuration parsers: the input is parsed as a
 * modprobe.d file (also as the module directory's modules.softdep), as a
 * depmod.d file and as a kernel command line; then every query runs on names
 * taken from the input and the -c dump is built.
 */
#include "config.h" /* autoconf */
#include "modprobe-config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "depmod-config.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tmpfs first: rewriting a file on ext4 forces a flush at every run */
static char shm_dir[] = "/dev/shm/fuzz-config.XXXXXX";
static char tmp_dir[] = "/tmp/fuzz-config.XXXXXX";
static char *dir;
static char file[sizeof(shm_dir) + 32], softdep[sizeof(shm_dir) + 32];

/* format every message, as a tool would, to exercise the format strings */
__attribute__((format(printf, 3, 0))) static void log_fn(void *data, int prio,
							 const char *fmt, va_list ap)
{
	char buf[256];

	(void)data;
	(void)prio;
	vsnprintf(buf, sizeof(buf), fmt, ap);
}

static const struct mk_log fuzz_log = { log_fn, NULL };

static void cleanup(void)
{
	unlink(file);
	unlink(softdep);
	rmdir(dir);
}

static int write_file(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int r;

	if (fd < 0)
		return -1;
	r = write_all(fd, data, size);
	close(fd);
	return r;
}

static void queries(const struct modprobe_config *cfg, const char *name)
{
	const struct config_alias *a;
	const char **pre, **post, **weak;
	size_t pos = 0, npre, npost, nweak;
	char *opts;
	bool inst;

	while ((a = config_alias_next_match(cfg, name, &pos)) != NULL)
		if (config_get_options(cfg, a->modname, a->pattern, &opts) == 0)
			free(opts);
	if (config_get_options(cfg, name, NULL, &opts) == 0)
		free(opts);
	config_get_install(cfg, name);
	config_get_remove(cfg, name);
	config_find_command_exact(cfg, name, &inst);
	config_is_blacklisted(cfg, name);
	if (config_get_softdeps(cfg, name, &pre, &npre, &post, &npost) == 0) {
		free(pre);
		free(post);
	}
	if (config_get_weakdeps(cfg, name, &weak, &nweak) == 0)
		free(weak);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *paths[] = { file, NULL };
	struct modprobe_config *cfg;
	struct depmod_config *dcfg;
	char name[64], *cmdline;
	size_t n;

	if (dir == NULL) {
		dir = mkdtemp(shm_dir);
		if (dir == NULL)
			dir = mkdtemp(tmp_dir);
		if (dir == NULL)
			abort();
		snprintf(file, sizeof(file), "%s/fuzz.conf", dir);
		snprintf(softdep, sizeof(softdep), "%s/modules.softdep", dir);
		atexit(cleanup);
	}
	if (write_file(file, data, size) < 0 || write_file(softdep, data, size) < 0)
		abort();

	/* a name from the input: its first word */
	for (n = 0; n < size && n < sizeof(name) - 1; n++) {
		if (data[n] == ' ' || data[n] == '\n' || data[n] == '\0')
			break;
		name[n] = (char)data[n];
	}
	name[n] = '\0';

	/* the same bytes as kernel command line, up to a NUL as when read from a file */
	cmdline = strndup((const char *)data, size);
	if (cmdline == NULL)
		abort();
	/* modprobe.d file + modules.softdep, and the kernel command line */
	if (modprobe_config_load(paths, dir, cmdline, &fuzz_log, &cfg) == 0) {
		struct strbuf sb = STRBUF_INIT;
		const char *key, *value;

		queries(cfg, name);
		queries(cfg, "snd_foo");
		for (int k = 0; k < _CONFIG_KIND_MAX; k++) {
			for (size_t i = 0; i < config_count(cfg, k) && i < 16; i++) {
				if (config_entry(cfg, k, i, &key, &value) != 0)
					abort();
				queries(cfg, key);
			}
		}
		if (config_dump(cfg, &sb) != 0)
			abort();
		strbuf_release(&sb);
		modprobe_config_free(cfg);
	}
	free(cmdline);

	if (depmod_config_load(paths, "6.1.0-fuzz", &fuzz_log, &dcfg) == 0) {
		if (dcfg->n_search == 0)
			abort(); /* "updates" is always there when nothing else is */
		depmod_config_free(dcfg);
	}
	return 0;
}
