// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of lib/util:
 *  - module-name and alias normalisation (what index keys and lookups are made
 *    of), with the PATH_MAX cut and nothing written past the buffer;
 *  - the module extensions this build reads;
 *  - the overflow-checked arithmetic and range_valid() at the edges, against
 *    128-bit arithmetic;
 *  - safe_atou64, path_make_absolute;
 *  - mkdir_parents: new, existing and doubled-slash directories, a file on the way;
 *  - join_module_params against strings kmod 30 produced: the scenarios
 *    insmod-params, insmod-empty-param and modprobe-options-cmdline-params
 *    (testsuite/scenarios), and `modprobe -n -v dummy ARGS...` of Debian's kmod 30
 *    with an empty configuration directory;
 *  - read_file_full, write_all and pread_all on pipes, short files, interrupted
 *    and partial writes;
 *  - mk_thread_start: a thread starts on another CPU than the one it avoids, and
 *    runs its function with the caller's CPUs allowed again.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hash64.h"
#include "tap.h"
#include "util.h"

/* PATH_MAX output buffers, followed by bytes that must stay untouched */
#define CANARY 64
static char outbuf[PATH_MAX + CANARY];

static void canary_set(void)
{
	memset(outbuf, '#', sizeof(outbuf));
}

static bool canary_intact(void)
{
	for (size_t i = PATH_MAX; i < sizeof(outbuf); i++)
		if (outbuf[i] != '#')
			return false;
	return true;
}

/* ---- names ---- */

static void check_modname(const char *in, const char *want)
{
	size_t len = 12345;
	char *r;

	canary_set();
	r = modname_normalize(in, outbuf, &len);
	TAP_OK(r == outbuf && streq(outbuf, want) && len == strlen(want),
	       "modname_normalize(\"%s\") = \"%s\"", in, want);
}

static void check_path(const char *in, const char *want)
{
	size_t len = 12345;
	char *r;

	canary_set();
	r = path_to_modname(in, outbuf, &len);
	if (want == NULL)
		TAP_OK(r == NULL, "path_to_modname(\"%s\") = NULL", in);
	else
		TAP_OK(r == outbuf && streq(outbuf, want) && len == strlen(want),
		       "path_to_modname(\"%s\") = \"%s\"", in, want);
}

/* a string of @n bytes: "ab-" repeated */
static char *long_name(size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	for (size_t i = 0; i < n; i++)
		s[i] = "ab-"[i % 3];
	s[n] = '\0';
	return s;
}

/* the first @n bytes of long_name(), '-' turned into '_' */
static bool is_long_normalized(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != "ab_"[i % 3])
			return false;
	return s[n] == '\0';
}

static void test_modname(void)
{
	_cleanup_free_ char *big = long_name(PATH_MAX + 1000);
	_cleanup_free_ char *fit = long_name(PATH_MAX - 1);
	size_t len = 0;

	check_modname("snd-hda-intel", "snd_hda_intel");
	check_modname("snd-hda-intel.ko.xz", "snd_hda_intel");
	check_modname("a.b-c", "a");
	check_modname("-", "_");
	check_modname("", "");
	check_modname(".ko", "");
	check_modname("Mixed_Case-1", "Mixed_Case_1");

	canary_set();
	modname_normalize(big, outbuf, &len);
	TAP_OK(len == PATH_MAX - 1 && is_long_normalized(outbuf, PATH_MAX - 1) &&
		       canary_intact(),
	       "modname_normalize: a longer name is cut at PATH_MAX - 1 bytes");
	canary_set();
	modname_normalize(fit, outbuf, &len);
	TAP_OK(len == PATH_MAX - 1 && is_long_normalized(outbuf, PATH_MAX - 1) &&
		       canary_intact(),
	       "modname_normalize: PATH_MAX - 1 bytes fit");
	TAP_OK(modname_normalize("x-y", outbuf, NULL) == outbuf && streq(outbuf, "x_y"),
	       "modname_normalize: the length is optional");

	check_path("/lib/modules/6.1.0/kernel/drivers/net/e1000-e.ko.xz", "e1000_e");
	check_path("dir.with.dots/mod-a.ko", "mod_a");
	check_path("plain-name", "plain_name");
	check_path("/x/.hidden.ko", "");
	check_path("dir/", NULL);
	check_path("", NULL);
}

static void check_alias(const char *in, int want_r, const char *want)
{
	_cleanup_free_ char *copy = strdup(in);
	size_t len = 12345;
	int r, u;

	canary_set();
	r = alias_normalize(in, outbuf, &len);
	u = underscores(copy);
	if (want_r < 0) {
		TAP_OK(r == want_r && canary_intact(), "alias_normalize(\"%s\") = %d", in,
		       want_r);
		TAP_OK(u == want_r, "underscores(\"%s\") = %d", in, want_r);
		return;
	}
	TAP_OK(r == 0 && streq(outbuf, want) && len == strlen(want) && canary_intact(),
	       "alias_normalize(\"%s\") = \"%s\"", in, want);
	TAP_OK(u == 0 && streq(copy, want), "underscores(\"%s\") = \"%s\"", in, want);
}

static void test_alias(void)
{
	_cleanup_free_ char *big = long_name(PATH_MAX + 1000);
	size_t len = 0;
	int r;

	check_alias("pci:v00008086d*sv*-x", 0, "pci:v00008086d*sv*_x");
	check_alias("usb:v[0-9]p-1", 0, "usb:v[0-9]p_1");
	check_alias("x[a-b]y[c-d]-", 0, "x[a-b]y[c-d]_");
	check_alias("[]", 0, "[]");
	check_alias("[[-]-", 0, "[[-]_");
	check_alias("a.b-c", 0, "a.b_c");
	check_alias("", 0, "");
	check_alias("a]b", -EINVAL, NULL);
	check_alias("a-b]", -EINVAL, NULL);
	check_alias("a[b-c", -EINVAL, NULL);
	check_alias("[a]]", -EINVAL, NULL);

	canary_set();
	r = alias_normalize(big, outbuf, &len);
	TAP_OK(r == 0 && len == PATH_MAX - 1 &&
		       is_long_normalized(outbuf, PATH_MAX - 1) && canary_intact(),
	       "alias_normalize: a longer alias is cut at PATH_MAX - 1 bytes");
	/* a bracket opened before the cut and closed after it */
	big[PATH_MAX - 10] = '[';
	big[PATH_MAX + 10] = ']';
	canary_set();
	r = alias_normalize(big, outbuf, &len);
	TAP_OK(r == -EINVAL && canary_intact(),
	       "alias_normalize: a bracket that crosses the cut is -EINVAL, no overflow");
	/* the closing bracket as the last byte that would fit */
	memset(big, 'a', PATH_MAX + 999);
	big[0] = '[';
	big[PATH_MAX - 1] = ']';
	canary_set();
	r = alias_normalize(big, outbuf, &len);
	TAP_OK(r == -EINVAL && canary_intact(),
	       "alias_normalize: a bracket closed at byte PATH_MAX - 1 is -EINVAL");
	big[PATH_MAX - 1] = 'a';
	big[PATH_MAX - 2] = ']';
	canary_set();
	r = alias_normalize(big, outbuf, &len);
	TAP_OK(r == 0 && len == PATH_MAX - 1 && outbuf[PATH_MAX - 2] == ']' &&
		       outbuf[PATH_MAX - 1] == '\0' && canary_intact(),
	       "alias_normalize: a bracket closed at byte PATH_MAX - 2 fits");
}

static void test_ext(void)
{
	static const struct {
		const char *path;
		bool want;
	} cases[] = {
		{ "a.ko", true },
		{ "/lib/modules/x/kernel/a-b.ko", true },
		{ "a.ko.gz", ENABLE_ZLIB },
		{ "a.ko.xz", ENABLE_XZ },
		{ "a.ko.zst", ENABLE_ZSTD },
		{ "a.ko.bz2", false },
		{ "a.ko.", false },
		{ "a.kox", false },
		{ "a.o", false },
		{ "ko", false },
		{ ".ko", true },
		{ "a.KO", false },
		{ "a.ko.gz.ko.zst", ENABLE_ZSTD },
		{ "", false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		TAP_OK(path_ends_with_kmod_ext(cases[i].path, strlen(cases[i].path)) ==
			       cases[i].want,
		       "path_ends_with_kmod_ext(\"%s\") is %s in this build",
		       cases[i].path, cases[i].want ? "true" : "false");
	/* only the first @len bytes count */
	TAP_OK(path_ends_with_kmod_ext("a.ko.bz2", 4),
	       "the length, not the NUL, ends it");
	TAP_OK(!path_ends_with_kmod_ext("a.ko", 3), "a.k of a.ko is no module");
}

/* ---- arithmetic ---- */

static const uint64_t edges64[] = {
	0,
	1,
	2,
	3,
	0xffffffffull,
	0x100000000ull,
	0x100000001ull,
	(uint64_t)INT64_MAX - 1,
	(uint64_t)INT64_MAX,
	(uint64_t)INT64_MAX + 1,
	UINT64_MAX / 2 + 2,
	UINT64_MAX - 2,
	UINT64_MAX - 1,
	UINT64_MAX,
};

static void test_arith(void)
{
	const size_t n = ARRAY_SIZE(edges64);
	size_t bad_add = 0, bad_mul = 0, bad_range = 0, bad_sz = 0;

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			uint64_t a = edges64[i], b = edges64[j], r = 0;
			unsigned __int128 sum = (unsigned __int128)a + b;
			unsigned __int128 prod = (unsigned __int128)a * b;
			bool o;

			o = uadd64_overflow(a, b, &r);
			if (o != (sum > UINT64_MAX) || (!o && r != (uint64_t)sum))
				bad_add++;
			o = umul64_overflow(a, b, &r);
			if (o != (prod > UINT64_MAX) || (!o && r != (uint64_t)prod))
				bad_mul++;
			for (size_t k = 0; k < n; k++)
				if (range_valid(a, b, edges64[k]) != (sum <= edges64[k]))
					bad_range++;
			if (a <= SIZE_MAX && b <= SIZE_MAX) {
				size_t rs = 0;

				o = uaddsz_overflow((size_t)a, (size_t)b, &rs);
				if (o != (sum > SIZE_MAX) || (!o && rs != (size_t)sum))
					bad_sz++;
				o = umulsz_overflow((size_t)a, (size_t)b, &rs);
				if (o != (prod > SIZE_MAX) || (!o && rs != (size_t)prod))
					bad_sz++;
			}
		}
	}
	TAP_OK(bad_add == 0, "uadd64_overflow on %zu pairs of edge values", n * n);
	TAP_OK(bad_mul == 0, "umul64_overflow on %zu pairs of edge values", n * n);
	TAP_OK(bad_range == 0, "range_valid on %zu triples of edge values", n * n * n);
	TAP_OK(bad_sz == 0, "uaddsz_overflow, umulsz_overflow on edge values");
	TAP_OK(range_valid(0, 0, 0) && range_valid(UINT64_MAX, 0, UINT64_MAX) &&
		       !range_valid(UINT64_MAX, 1, UINT64_MAX) &&
		       !range_valid(1, UINT64_MAX, UINT64_MAX) &&
		       !range_valid(5, 6, 10) && range_valid(4, 6, 10),
	       "range_valid: end == size fits, one byte more or a wrap does not");
}

static void check_atou(const char *s, int base, int want_r, uint64_t want)
{
	char label[64];
	size_t k = 0;
	uint64_t v = 4242;
	int r = safe_atou64(s, base, &v);

	/* the message shows a newline as \n */
	for (const char *c = s; *c && k < sizeof(label) - 3; c++) {
		if (*c == '\n') {
			label[k++] = '\\';
			label[k++] = 'n';
		} else {
			label[k++] = *c;
		}
	}
	label[k] = '\0';
	if (want_r == 0)
		TAP_OK(r == 0 && v == want, "safe_atou64(\"%s\", %d) = %llu", label, base,
		       (unsigned long long)want);
	else
		TAP_OK(r == want_r && v == 4242, "safe_atou64(\"%s\", %d) = %d, no value",
		       label, base, want_r);
}

static void test_atou(void)
{
	uint64_t v = 4242;
	int r;

	check_atou("0", 10, 0, 0);
	check_atou("1024", 10, 0, 1024);
	check_atou("18446744073709551615", 10, 0, UINT64_MAX);
	check_atou("18446744073709551616", 10, -ERANGE, 0);
	check_atou("99999999999999999999999", 10, -ERANGE, 0);
	check_atou("0x1F", 16, 0, 31);
	check_atou("1f", 16, 0, 31);
	check_atou("0xffffffffffffffff", 16, 0, UINT64_MAX);
	check_atou("0x10000000000000000", 16, -ERANGE, 0);
	check_atou("", 10, -EINVAL, 0);
	check_atou("-1", 10, -EINVAL, 0);
	check_atou("12a", 10, -EINVAL, 0);
	check_atou("12 ", 10, -EINVAL, 0);
	check_atou("12\n", 10, -EINVAL, 0);
	check_atou("0x", 16, -EINVAL, 0);
	check_atou("1f", 10, -EINVAL, 0);
	TAP_OK(safe_atou64(NULL, 10, &v) == -EINVAL, "safe_atou64(NULL) = -EINVAL");
	/* strtoull skips white space and then takes a '-': " -1" is 2^64 - 1 */
	r = safe_atou64(" -1", 10, &v);
	TAP_OK(r == -EINVAL, "safe_atou64(\" -1\") = -EINVAL (got %d, %llu)", r,
	       (unsigned long long)v);
}

static void test_absolute(void)
{
	char tmpl[] = "/tmp/mykmod-test-util.XXXXXX";
	_cleanup_free_ char *oldcwd = getcwd(NULL, 0), *here = NULL, *want = NULL;
	char *out = NULL;
	char *dir = mkdtemp(tmpl);
	int r;

	if (dir == NULL || oldcwd == NULL || chdir(dir) < 0) {
		printf("Bail out! no temporary directory\n");
		exit(1);
	}
	here = realpath(".", NULL);
	r = path_make_absolute("/abs/../x", &out);
	TAP_OK(r == 0 && streq(out, "/abs/../x"),
	       "path_make_absolute keeps an absolute path");
	free(out);
	if (here == NULL || asprintf(&want, "%s/a/../b", here) < 0)
		abort();
	r = path_make_absolute("a/../b", &out);
	TAP_OK(r == 0 && streq(out, want),
	       "path_make_absolute: cwd + \"/\" + path, \"..\" kept as written");
	free(out);
	/* in a directory removed meanwhile, getcwd fails */
	if (mkdir("gone", 0700) < 0 || chdir("gone") < 0 || rmdir("../gone") < 0)
		abort();
	out = NULL;
	r = path_make_absolute("x.ko", &out);
	TAP_OK(r == -ENOENT && out == NULL,
	       "path_make_absolute in a removed directory: -ENOENT");
	if (chdir(oldcwd) < 0 || rmdir(dir) < 0)
		abort();
}

/* ---- module parameters ---- */

static void check_join(bool modprobe, const char *want, size_t n, ...)
{
	char *args[8], *out = NULL;
	va_list ap;
	int r;

	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		args[i] = va_arg(ap, char *);
	va_end(ap);
	r = join_module_params(args, n, modprobe, &out);
	TAP_OK(r == 0 && out != NULL && streq(out, want), "%s joins %zu words as '%s'",
	       modprobe ? "modprobe" : "insmod", n, want);
	if (r == 0 && !streq(out, want))
		printf("#   got '%s'\n", out);
	free(out);
}

static void test_join(void)
{
	char *out = NULL;
	char *args[2] = { "", "x=1" };
	char *args2[5] = { "", "", "x=1", "", "z" };
	int r;

	/* insmod: scenarios insmod-params, insmod-empty-param */
	check_join(false, "x=5 s=a b flag unknown=1", 4, "x=5", "s=a b", "flag",
		   "unknown=1");
	check_join(false, "x=1 ", 3, "", "x=1", "");
	check_join(false, "", 0);
	check_join(false, "", 2, "", "");
	/* modprobe: scenario modprobe-options-cmdline-params, then modprobe -n -v */
	check_join(true, "x=5 y=\"a b\"", 2, "x=5", "y=a b");
	check_join(true, "y=\"a b\" w=\"q r\" v='s t' k=\"1=2 3\"", 4, "y=a b",
		   "w=\"q r\"", "v='s t'", "k=1=2 3");
	check_join(true, "a b =\"a b\" k=\" \" k=\"a\"b c\" q=\"a b k=", 6, "a b", "=a b",
		   "k= ", "k=a\"b c", "q=\"a b", "k=");
	check_join(true, "x=1 ", 2, "x=1", "");
	check_join(true, "", 0);

	/* kmod 30 writes a separator only after something: "" x=1 gives "x=1" */
	r = join_module_params(args, 2, true, &out);
	TAP_OK(r == 0 && streq(out, "x=1"), "modprobe joins \"\" x=1 as 'x=1' (got '%s')",
	       r == 0 ? out : "");
	free(out);
	r = join_module_params(args2, 5, true, &out);
	TAP_OK(r == 0 && streq(out, "x=1  z"),
	       "modprobe joins \"\" \"\" x=1 \"\" z as 'x=1  z' (got '%s')",
	       r == 0 ? out : "");
	free(out);
}

/* ---- files ---- */

static void fill(char *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (char)(seed >> 16); /* NULs included */
	}
}

static int tmp_dirfd;

static void test_read_file(void)
{
	static const size_t sizes[] = {
		0, 1, 4095, 4096, 4097, 8191, 8192, 8193, 100000
	};
	char *want = malloc(100000), *data;
	size_t len;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		int fd = openat(tmp_dirfd, "f", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				0600);

		fill(want, sizes[i], (unsigned int)i);
		if (fd < 0 || write(fd, want, sizes[i]) != (ssize_t)sizes[i] ||
		    close(fd) < 0)
			abort();
		data = NULL;
		len = 1;
		r = read_file_full(tmp_dirfd, "f", &data, &len);
		TAP_OK(r == 0 && len == sizes[i] && memcmp(data, want, len) == 0 &&
			       data[len] == '\0',
		       "read_file_full: %zu bytes, NUL-terminated", sizes[i]);
		free(data);
	}
	/* a size given wrong (a file that grew or shrank meanwhile): all of it */
	for (size_t hint = 1; hint <= 200000; hint *= 7) {
		int fd = openat(tmp_dirfd, "f", O_RDONLY | O_CLOEXEC);

		data = NULL;
		r = fd < 0 ? -errno : read_fd_full(fd, hint, &data, &len);
		TAP_OK(r == 0 && len == 100000 && memcmp(data, want, len) == 0 &&
			       data[len] == '\0',
		       "read_fd_full: 100000 bytes with %zu expected", hint);
		free(data);
		if (fd >= 0)
			close(fd);
	}
	free(want);
	r = read_file_full(tmp_dirfd, "f", &data, NULL);
	TAP_OK(r == 0, "read_file_full: the length is optional");
	free(data);
	TAP_OK(read_file_full(tmp_dirfd, "missing", &data, &len) == -ENOENT,
	       "read_file_full of a missing file: -ENOENT");
	TAP_OK(read_file_full(AT_FDCWD, "/", &data, &len) == -EISDIR,
	       "read_file_full of a directory: -EISDIR");
	data = NULL;
	r = read_file_full(AT_FDCWD, "/proc/self/stat", &data, &len);
	TAP_OK(r == 0 && len > 10 && strlen(data) == len,
	       "read_file_full of a /proc file (size 0 in stat)");
	free(data);
}

/* a child writes @total bytes of fill(seed 7) in pieces, slowly, into a pipe */
static pid_t slow_writer(int rfd, int wfd, size_t total)
{
	pid_t pid = fork();

	if (pid == 0) {
		close(rfd);
		char *buf = malloc(total);

		fill(buf, total, 7);
		for (size_t off = 0; off < total; off += 3001) {
			size_t n = total - off < 3001 ? total - off : 3001;

			if (write(wfd, buf + off, n) != (ssize_t)n)
				_exit(1);
			usleep(200);
		}
		_exit(0);
	}
	close(wfd);
	return pid;
}

static void test_read_pipe(void)
{
	const size_t total = 50000;
	char *want = malloc(total), *data = NULL, path[64];
	int p[2], status = -1, r;
	size_t len = 0;
	pid_t pid;

	if (want == NULL || pipe2(p, O_CLOEXEC) < 0)
		abort();
	fill(want, total, 7);
	pid = slow_writer(p[0], p[1], total);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	r = read_file_full(AT_FDCWD, path, &data, &len);
	waitpid(pid, &status, 0);
	TAP_OK(r == 0 && status == 0 && len == total && memcmp(data, want, total) == 0,
	       "read_file_full of a pipe written in pieces");
	close(p[0]);
	free(data);
	free(want);
}

static volatile sig_atomic_t n_alarms;

static void on_alarm(int sig)
{
	n_alarms++;
}

/* a child reads the pipe slowly and checks it got fill(seed 9) of @total bytes */
static pid_t slow_reader(int rfd, int wfd, size_t total)
{
	pid_t pid = fork();

	if (pid == 0) {
		close(wfd);
		char *want = malloc(total), buf[4096];
		size_t got = 0;
		ssize_t n;

		fill(want, total, 9);
		while ((n = read(rfd, buf, sizeof(buf))) > 0) {
			if (got + (size_t)n > total ||
			    memcmp(buf, want + got, (size_t)n) != 0)
				_exit(1);
			got += (size_t)n;
			if (got % 65536 < 4096)
				usleep(100);
		}
		_exit(got == total ? 0 : 2);
	}
	close(rfd);
	return pid;
}

static void test_write_interrupted(void)
{
	const size_t total = 8 << 20;
	char *data = malloc(total);
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	struct itimerval tv = { { 0, 500 }, { 0, 500 } }, off = { { 0, 0 }, { 0, 0 } };
	int p[2], status = -1, r;
	pid_t pid;

	if (data == NULL || pipe2(p, O_CLOEXEC) < 0)
		abort();
	fill(data, total, 9);
	pid = slow_reader(p[0], p[1], total);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &tv, NULL);
	r = write_all(p[1], data, total);
	setitimer(ITIMER_REAL, &off, NULL);
	close(p[1]);
	waitpid(pid, &status, 0);
	TAP_OK(r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 && n_alarms > 0,
	       "write_all to a slow pipe, interrupted by %d signals: every byte once",
	       (int)n_alarms);
	signal(SIGALRM, SIG_DFL);
	free(data);
}

/* a file size limit makes write() short, then fail with EFBIG */
static void test_write_short(void)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		struct rlimit rl = { 1000, 1000 };
		char buf[5000];
		struct stat st;
		int fd = openat(tmp_dirfd, "limited",
				O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		signal(SIGXFSZ, SIG_IGN);
		fill(buf, sizeof(buf), 3);
		if (fd < 0 || setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(3);
		if (write_all(fd, buf, sizeof(buf)) != -EFBIG)
			_exit(1);
		_exit(fstat(fd, &st) == 0 && st.st_size == 1000 ? 0 : 2);
	}
	waitpid(pid, &status, 0);
	TAP_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "write_all past RLIMIT_FSIZE: the short write is continued, then -EFBIG");
}

static void test_write_errors(void)
{
	int p[2], r;

	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	r = write_all(p[1], "x", 1);
	TAP_OK(r == -EPIPE, "write_all to a pipe without reader: -EPIPE");
	close(p[1]);
	signal(SIGPIPE, SIG_DFL);
	TAP_OK(write_all(-1, "x", 0) == 0, "write_all of nothing writes nothing");
	TAP_OK(write_all(-1, "x", 1) == -EBADF, "write_all to a bad descriptor: -EBADF");
}

static void test_pread(void)
{
	char want[10], buf[16];
	int fd = openat(tmp_dirfd, "ten", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int p[2];

	fill(want, sizeof(want), 5);
	if (fd < 0 || write(fd, want, sizeof(want)) != sizeof(want) ||
	    pipe2(p, O_CLOEXEC) < 0)
		abort();
	TAP_OK(pread_all(fd, buf, 10, 0) == 0 && memcmp(buf, want, 10) == 0,
	       "pread_all of a whole file");
	TAP_OK(pread_all(fd, buf, 5, 5) == 0 && memcmp(buf, want + 5, 5) == 0,
	       "pread_all of its end");
	TAP_OK(pread_all(fd, buf, 6, 5) == -EIO, "pread_all one byte past the end: -EIO");
	TAP_OK(pread_all(fd, buf, 1, 10) == -EIO, "pread_all at the end: -EIO");
	TAP_OK(pread_all(fd, buf, 0, 10) == 0, "pread_all of nothing at the end");
	TAP_OK(pread_all(fd, buf, 1, (uint64_t)INT64_MAX + 1) == -EINVAL &&
		       pread_all(fd, buf, 1, UINT64_MAX) == -EINVAL,
	       "pread_all at an offset past INT64_MAX: -EINVAL");
	TAP_OK(pread_all(p[0], buf, 1, 0) == -ESPIPE, "pread_all of a pipe: -ESPIPE");
	close(p[0]);
	close(p[1]);
	close(fd);
}

static bool is_dir_at(const char *base, const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_mkdir_parents(const char *dir)
{
	static const char *const made[] = {
		"m/a/b/c", "m/a/b", "m/a", "m/d/e", "m/d", "m"
	};
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/m/a/b/c/file", dir);
	TAP_OK(mkdir_parents(p, 0755) == 0 && is_dir_at(dir, "m/a/b/c") &&
		       !is_dir_at(dir, "m/a/b/c/file"),
	       "mkdir_parents: three new directories, not the file itself");
	TAP_OK(mkdir_parents(p, 0755) == 0, "mkdir_parents: all there already");
	snprintf(p, sizeof(p), "%s/m//d///e/x", dir);
	TAP_OK(mkdir_parents(p, 0755) == 0 && is_dir_at(dir, "m/d/e"),
	       "mkdir_parents: doubled slashes");
	snprintf(p, sizeof(p), "%s/m/f", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	snprintf(p, sizeof(p), "%s/m/f/x", dir);
	TAP_OK(mkdir_parents(p, 0755) == -ENOTDIR, "mkdir_parents: a file as the parent");
	snprintf(p, sizeof(p), "%s/m/f/y/x", dir);
	TAP_OK(mkdir_parents(p, 0755) == -ENOTDIR, "mkdir_parents: a file further up");
	TAP_OK(mkdir_parents("plain-name", 0755) == 0 && !is_dir_at(".", "plain-name") &&
		       mkdir_parents("/x", 0755) == 0,
	       "mkdir_parents: no directory to make");
	snprintf(p, sizeof(p), "%s/m/f", dir);
	unlink(p);
	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, made[i]);
		rmdir(p);
	}
}

/* ARRAY_GROW: room made only when full, first size, doubling, contents kept, overflow */
static void test_array_grow(void)
{
	uint64_t *v = NULL, *before;
	size_t n = 0, cap = 0, grew = 0, last_cap = 0;
	bool kept = true;
	int r;

	for (uint64_t i = 0; i < 1000; i++) {
		if (ARRAY_GROW(v, n, cap, 8) < 0)
			break;
		if (cap != last_cap) {
			grew++;
			last_cap = cap;
		}
		v[n++] = i * 3;
	}
	for (size_t i = 0; i < n; i++)
		kept = kept && v[i] == i * 3;
	TAP_OK(n == 1000 && cap == 1024 && grew == 8 && kept,
	       "ARRAY_GROW: 1000 pushes, capacity 8 doubled 7 times to %zu, contents "
	       "kept",
	       cap);
	before = v;
	r = ARRAY_GROW(v, n, cap, 8);
	TAP_OK(r == 0 && v == before && cap == 1024,
	       "ARRAY_GROW: no change while there is room");
	n = cap = SIZE_MAX / 2 + 1;
	r = ARRAY_GROW(v, n, cap, 8);
	TAP_OK(r == -ENOMEM && v == before && cap == SIZE_MAX / 2 + 1,
	       "ARRAY_GROW: a capacity that would overflow: -ENOMEM, array unchanged");
	n = cap = SIZE_MAX / 16;
	r = ARRAY_GROW(v, n, cap, 8);
	TAP_OK(r == -ENOMEM && v == before && cap == SIZE_MAX / 16,
	       "ARRAY_GROW: more bytes than size_t holds: -ENOMEM, array unchanged");
	free(v);
}

/*
 * hash64_stream (lib/hash64.h), the cache body's checksum, against its
 * definition written again here word by word: four lanes over each 32-byte
 * block, the lanes folded, the last words, then the length, then the
 * finaliser; and the same value for any way the bytes are cut into pieces.
 */
static uint64_t ref_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

/* @n bytes as a word in host order, zero-extended */
static uint64_t ref_word(const unsigned char *p, size_t n)
{
	uint64_t w = 0;

	memcpy(&w, p, n);
	return w;
}

static uint64_t ref_stream(const unsigned char *p, size_t len, uint64_t seed)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ seed, l[4] = { h, h + 1, h + 2, h + 3 };
	size_t i = 0;

	for (; i + 32 <= len; i += 32)
		for (int k = 0; k < 4; k++)
			l[k] = ref_mix(l[k], ref_word(p + i + 8 * k, 8));
	h = ref_mix(ref_mix(ref_mix(l[0], l[1]), l[2]), l[3]);
	for (; i + 8 <= len; i += 8)
		h = ref_mix(h, ref_word(p + i, 8));
	if (i < len)
		h = ref_mix(h, ref_word(p + i, len - i));
	h = ref_mix(h, len);
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 29);
}

static void test_hash64_stream(void)
{
	enum { MAX = 4096 };
	unsigned char *buf = malloc(MAX);
	unsigned int seed = 12345, bad_ref = 0, bad_pieces = 0, same = 0;

	if (buf == NULL) {
		TAP_OK(false, "hash64_stream: no memory");
		return;
	}
	for (size_t i = 0; i < MAX; i++)
		buf[i] = (unsigned char)(rand_r(&seed) >> 7);
	for (size_t len = 0; len <= 300; len++) {
		struct hash64_stream whole, cut;
		uint64_t v;

		hash64_stream_init(&whole, 7);
		hash64_stream_update(&whole, buf, len);
		v = hash64_stream_final(&whole);
		bad_ref += v != ref_stream(buf, len, 7);
		/* the same bytes in random pieces, empty ones too */
		hash64_stream_init(&cut, 7);
		for (size_t at = 0; at < len;) {
			size_t n = (size_t)rand_r(&seed) % 40;

			if (n > len - at)
				n = len - at;
			hash64_stream_update(&cut, buf + at, n);
			at += n;
		}
		bad_pieces += hash64_stream_final(&cut) != v;
		/* a zero byte more is another input: the length counts */
		if (len < MAX && buf[len] == 0)
			buf[len] = 1;
		hash64_stream_init(&cut, 7);
		hash64_stream_update(&cut, buf, len + 1);
		same += hash64_stream_final(&cut) == v;
	}
	TAP_OK(bad_ref == 0,
	       "hash64_stream: lengths 0-300 hash as its definition says "
	       "(%u differ)",
	       bad_ref);
	TAP_OK(bad_pieces == 0,
	       "hash64_stream: bytes given in random pieces hash as "
	       "given whole (%u differ)",
	       bad_pieces);
	TAP_OK(same == 0, "hash64_stream: one byte more gives another hash (%u the same)",
	       same);
	free(buf);
}

/* ---- threads ---- */

struct seen {
	int cpu; /* where the function ran first */
	cpu_set_t allowed; /* what it was allowed */
	bool masked; /* sched_getaffinity() answered */
};

static void *note_thread(void *arg)
{
	struct seen *s = arg;

	s->cpu = sched_getcpu();
	s->masked = sched_getaffinity(0, sizeof(s->allowed), &s->allowed) == 0;
	return arg;
}

/* Join @th, started on note_thread(@s): it returned @s and saw @want allowed. */
static bool joined_noted(pthread_t th, const struct seen *s, const cpu_set_t *want)
{
	void *ret = NULL;

	if (pthread_join(th, &ret) != 0)
		return false;
	return ret == s && s->cpu >= 0 && s->masked && CPU_EQUAL(&s->allowed, want);
}

/* Start a thread avoiding @avoid and join it: its function saw @want allowed. */
static bool run_noted(int avoid, const cpu_set_t *want, int *started_on)
{
	struct seen s = { .cpu = -2 };
	pthread_t th;

	return mk_thread_start(&th, note_thread, &s, avoid, started_on) == 0 &&
	       joined_noted(th, &s, want);
}

static void test_thread_start(void)
{
	cpu_set_t all, one;
	int started_on, n_all, tried = 0, away = 0, unplaced = 0, cpu = -1;
	bool same = true;

	if (sched_getaffinity(0, sizeof(all), &all) != 0) {
		TAP_OK(false, "sched_getaffinity of the test itself");
		return;
	}
	n_all = CPU_COUNT(&all);
	/* each allowed CPU avoided in turn (8 at most): the start is elsewhere */
	for (int c = 0; c < CPU_SETSIZE && tried < 8; c++) {
		if (!CPU_ISSET(c, &all))
			continue;
		tried++;
		same &= run_noted(c, &all, &started_on);
		away += started_on >= 0 && started_on != c && CPU_ISSET(started_on, &all);
		unplaced += started_on == -1;
	}
	TAP_OK(same,
	       "mk_thread_start: the function runs, with the caller's %d CPUs allowed",
	       n_all);
	if (n_all > 1)
		TAP_OK(away == tried,
		       "mk_thread_start: %d of %d threads started off the CPU they avoid",
		       away, tried);
	else /* no other CPU: started where the kernel puts it, not placed */
		TAP_OK(unplaced == tried,
		       "mk_thread_start: one CPU allowed, %d of %d unplaced", unplaced,
		       tried);
	/* nothing to avoid (a CPU not allowed): started as pthread_create would */
	TAP_OK(run_noted(-1, &all, &started_on) && started_on == -1,
	       "mk_thread_start: no CPU to avoid, the thread starts where it is put");
	/* a caller bound to one CPU: its thread has that CPU, and no other */
	for (int c = 0; c < CPU_SETSIZE && cpu < 0; c++)
		if (CPU_ISSET(c, &all))
			cpu = c;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one) == 0) {
		TAP_OK(run_noted(cpu, &one, &started_on) && started_on == -1,
		       "mk_thread_start: a caller bound to CPU %d, its thread bound "
		       "there too",
		       cpu);
		(void)sched_setaffinity(0, sizeof(all), &all);
	} else {
		TAP_OK(false, "sched_setaffinity of the test to CPU %d", cpu);
	}
	{
		struct seen s = { .cpu = -2 };
		pthread_t th;

		TAP_OK(mk_thread_create(&th, note_thread, &s) == 0 &&
			       joined_noted(th, &s, &all),
		       "mk_thread_create: the function runs, with the caller's CPUs");
	}
}

int main(void)
{
	char tmpl[] = "/tmp/mykmod-test-util.XXXXXX";
	char *dir;

	/* what was printed survives a crash of the code under test */
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_modname();
	test_alias();
	test_ext();
	test_arith();
	test_atou();
	test_absolute();
	test_join();
	test_thread_start();

	dir = mkdtemp(tmpl);
	tmp_dirfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (tmp_dirfd < 0) {
		printf("Bail out! no temporary directory\n");
		return 1;
	}
	test_mkdir_parents(dir);
	test_read_file();
	test_read_pipe();
	test_write_interrupted();
	test_write_short();
	test_write_errors();
	test_pread();
	test_array_grow();
	test_hash64_stream();
	unlinkat(tmp_dirfd, "f", 0);
	unlinkat(tmp_dirfd, "limited", 0);
	unlinkat(tmp_dirfd, "ten", 0);
	close(tmp_dirfd);
	rmdir(dir);
	return tap_done();
}
