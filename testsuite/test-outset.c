// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of lib/outset, the crash-safe writer of the index set
 * (docs/HACKING.md, "Code"; lib/outset.h):
 *  - under testsuite/faultinject.so, the Nth write() or fsync() of a full
 *    open/add/commit fails, for every N: the call fails with that errno, the
 *    old files stay byte-identical (only the last fsync, of the directory after
 *    the renames, may leave the new set), no temporary file is left behind,
 *    and outset_failed_name() names the file that failed. The writing runs in
 *    this program re-executed as a worker ("--worker DIR KEEP") under the shim;
 *  - outset_keep_unchanged(): an identical file keeps its inode and content
 *    (its times are set to now, as lib/outset.h says), is neither written nor
 *    fsync'd; another mode, a symlink or other content is rewritten;
 *  - leftovers of a dead run: temporary files and old links removed, a complete
 *    journal rolled forward, one cut short ignored; a journal that is not one we
 *    write (names with '/', another file of the directory, a link to /dev/zero,
 *    too large) replayed in no part and reported; one that cannot be read (EIO)
 *    kept with its files for the next run; files named after a live PID
 *    (init's, this process's) removed all the same, foreign names left alone;
 *  - one writer at a time: a second outset_open() waits for the first;
 *  - a failing add (a name too long) leaves nothing;
 *  - a rename failing half-way through the commit (renameat() is wrapped in
 *    this program: the shim does not cover it);
 *  - outset_may_lose_last(): that file is not fsync'd, nor the directory when
 *    it alone changes; the others are as before.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "outset.h"
#include "tap.h"
#include "util.h"

#define N_FILES 3
static const char *const names[N_FILES] = { "modules.dep", "modules.alias",
					    "modules.symbols" };

/* fail the Nth renameat() of this process (0: never), with errno EIO */
static unsigned int rename_fail_at, rename_calls;

/* what outset reported last (its warnings about journals it ignored) */
static char last_warning[512];

_printf_(3, 0) static void keep_warning(void *data, int prio, const char *fmt, va_list ap)
{
	(void)data;
	(void)prio;
	vsnprintf(last_warning, sizeof(last_warning), fmt, ap);
}

static const struct mk_log warn_log = { .fn = keep_warning };

int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
	if (++rename_calls == rename_fail_at) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, 0);
}

/* ---- contents and directory state ---- */

/* version 0: the old file, 1: the new one; sizes from 1 kB to 150 kB */
static char *content(int i, int version, size_t *len)
{
	size_t n = version ? 50000 * (size_t)(i + 1) : 1000 * (size_t)(i + 1);
	char *s = malloc(n);
	int k;

	if (s == NULL)
		abort();
	k = snprintf(s, n, "# %s %s\n", version ? "new" : "old", names[i]);
	for (size_t j = (size_t)k; j < n; j++)
		s[j] = (char)('a' + (j * 7 + (size_t)i) % 26);
	*len = n;
	return s;
}

/* @dir/@name in @buf of PATH_MAX bytes */
static char *in_dir(char *buf, const char *dir, const char *name)
{
	if (snprintf(buf, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		abort();
	return buf;
}

static void write_file(const char *dir, const char *name, const void *data, size_t len,
		       mode_t mode)
{
	char path[PATH_MAX];
	int fd;

	fd = open(in_dir(path, dir, name), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		  mode);
	if (fd < 0 || write_all(fd, data, len) < 0 || fchmod(fd, mode) < 0 ||
	    close(fd) < 0)
		abort();
}

/* the old set in @dir (created), and nothing else; with @same0, file 0 already new */
static void install_old(const char *dir, bool same0)
{
	DIR *d;
	struct dirent *de;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		abort();
	d = opendir(dir);
	while (d != NULL && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' || (de->d_name[1] && strcmp(de->d_name, "..")))
			unlinkat(dirfd(d), de->d_name, 0);
	if (d != NULL)
		closedir(d);
	for (int i = 0; i < N_FILES; i++) {
		size_t len;
		char *s = content(i, same0 && i == 0, &len);

		write_file(dir, names[i], s, len, 0644);
		free(s);
	}
}

/* the new version of files @from.. in @dir, over what is there */
static void install_new_from(const char *dir, int from)
{
	for (int i = from; i < N_FILES; i++) {
		size_t len;
		char *s = content(i, 1, &len);

		write_file(dir, names[i], s, len, 0644);
		free(s);
	}
}

/* does @dir/@name hold exactly version @version of file @i? */
static bool holds(const char *dir, int i, int version)
{
	_cleanup_free_ char *want = NULL, *got = NULL;
	char path[PATH_MAX];
	size_t wl, gl;

	want = content(i, version, &wl);
	return read_file_full(AT_FDCWD, in_dir(path, dir, names[i]), &got, &gl) == 0 &&
	       gl == wl && memcmp(got, want, wl) == 0;
}

/* "old", "new" or "mixed" (file 0 counts as both when @same0) */
static const char *state(const char *dir, bool same0)
{
	bool old = true, new = true;

	for (int i = 0; i < N_FILES; i++) {
		old = old && holds(dir, i, same0 && i == 0);
		new = new &&holds(dir, i, 1);
	}
	return old ? "old" : new ? "new" : "mixed";
}

/* how many entries of @dir are not one of names[] (printed as diagnostics) */
static int extra_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int extra = 0;

	while (d != NULL && (de = readdir(d)) != NULL) {
		bool known = streq(de->d_name, ".") || streq(de->d_name, "..");

		for (int i = 0; i < N_FILES; i++)
			known = known || streq(de->d_name, names[i]);
		if (!known) {
			printf("#   left in %s: %s\n", dir, de->d_name);
			extra++;
		}
	}
	if (d != NULL)
		closedir(d);
	return d == NULL ? -1 : extra;
}

/* ---- the worker: one full write of the new set ---- */

static int worker(const char *dir, bool keep, bool lossy)
{
	struct outset *os;
	int r;

	r = outset_open(dir, names, N_FILES, &warn_log, &os);
	if (r < 0) {
		printf("# open %d -\n", r);
		return 3;
	}
	if (keep)
		outset_keep_unchanged(os, 0644);
	for (int i = 0; i < N_FILES && r == 0; i++) {
		size_t len;
		char *s = content(i, 1, &len);

		r = outset_add(os, names[i], s, len);
		free(s);
		if (r == 0 && lossy && i == 0)
			outset_may_lose_last(os);
	}
	if (r < 0) {
		printf("# add %d %s\n", r, outset_failed_name(os) ?: "-");
		outset_free(os);
		return 1;
	}
	r = outset_commit(os);
	if (r < 0)
		printf("# commit %d %s\n", r, outset_failed_name(os) ?: "-");
	outset_free(os);
	return r < 0 ? 2 : 0;
}

struct run {
	int status; /* the worker's exit status, or -1 */
	int err; /* the error it reported */
	char where[16];
	char failed[NAME_MAX + 1];
};

/*
 * Run the worker on @dir under the shim: @func ("write", "fsync" or NULL) fails
 * at call @n with @errname; @count: a file for the shim's call counts, or NULL.
 */
static void run_worker(const char *shim, const char *dir, const char *mode,
		       const char *func, unsigned int n, const char *errname,
		       const char *count, struct run *res)
{
	char buf[512] = "", nbuf[16];
	int p[2], st;
	ssize_t len;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->status = -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	pid = fork();
	if (pid == 0) {
		snprintf(nbuf, sizeof(nbuf), "%u", n);
		if (dup2(p[1], STDOUT_FILENO) < 0 || setenv("LD_PRELOAD", shim, 1) < 0 ||
		    (func && setenv("FAULTINJECT_FUNC", func, 1) < 0) ||
		    setenv("FAULTINJECT_N", nbuf, 1) < 0 ||
		    setenv("FAULTINJECT_ERRNO", errname, 1) < 0 ||
		    (count && setenv("FAULTINJECT_COUNT", count, 1) < 0))
			_exit(126);
		execl("/proc/self/exe", "test-outset", "--worker", dir, mode,
		      (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	len = read(p[0], buf, sizeof(buf) - 1);
	buf[len > 0 ? len : 0] = '\0';
	close(p[0]);
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return;
	res->status = WEXITSTATUS(st);
	if (sscanf(buf, "# %15s %d %255s", res->where, &res->err, res->failed) != 3)
		res->where[0] = '\0';
}

static bool read_counts(const char *path, unsigned int *w, unsigned int *f)
{
	FILE *fp = fopen(path, "re");
	bool ok = fp != NULL && fscanf(fp, "write %u fsync %u", w, f) == 2;

	if (fp != NULL)
		fclose(fp);
	return ok;
}

/* ---- faults under the shim ---- */

struct loop {
	const char *shim, *dir;
	bool keep; /* keep-unchanged, file 0 already identical */
	const char *func; /* "write" or "fsync" */
	const char *errname;
	int err;
	unsigned int total; /* calls of @func in a full run */
};

/* the files written (and fsync'd) first, in the order they were added */
static const char *nth_changed(bool keep, unsigned int n)
{
	unsigned int first = keep ? 1 : 0;

	return first + n - 1 < N_FILES ? names[first + n - 1] : NULL;
}

static bool check_failure(const struct loop *l, unsigned int n, const struct run *res)
{
	const char *st = state(l->dir, l->keep), *want = nth_changed(l->keep, n);
	bool last_fsync = streq(l->func, "fsync") && n == l->total;
	bool ok = true;

	if (res->status != 1 && res->status != 2) {
		printf("#   %s #%u: worker exit status %d\n", l->func, n, res->status);
		ok = false;
	} else if (res->err != -l->err) {
		printf("#   %s #%u: error %d, not -%s\n", l->func, n, res->err,
		       l->errname);
		ok = false;
	}
	/* the nth write/fsync is of the nth file; then come the journal and "." */
	if (want != NULL ? !streq(res->failed, want)
			 : !strstartswith(res->failed, ".mydepmod-commit-") &&
				   !streq(res->failed, ".")) {
		printf("#   %s #%u: failed name '%s'\n", l->func, n, res->failed);
		ok = false;
	}
	if (!streq(st, "old") && !(last_fsync && streq(st, "new"))) {
		printf("#   %s #%u: the set is %s\n", l->func, n, st);
		ok = false;
	}
	if (extra_entries(l->dir) != 0) {
		printf("#   %s #%u: files left behind\n", l->func, n);
		ok = false;
	}
	return ok;
}

static void fault_loop(struct loop *l)
{
	struct run res;
	bool ok = true;

	for (unsigned int n = 1; n <= l->total; n++) {
		install_old(l->dir, l->keep);
		run_worker(l->shim, l->dir, l->keep ? "1" : "0", l->func, n, l->errname,
			   NULL, &res);
		ok = check_failure(l, n, &res) && ok;
	}
	TAP_OK(ok && l->total > 0,
	       "%s%s() failing with %s at each of its %u calls: error returned, old "
	       "files byte-identical, nothing left",
	       l->keep ? "keep-unchanged: " : "", l->func, l->errname, l->total);
}

static void test_faults(const char *shim, const char *base, bool keep)
{
	char dir[PATH_MAX], count[PATH_MAX];
	unsigned int w = 0, f = 0, changed = keep ? N_FILES - 1 : N_FILES;
	struct loop l = { .shim = shim, .dir = dir, .keep = keep };
	struct run res;

	snprintf(dir, sizeof(dir), "%s/faults", base);
	snprintf(count, sizeof(count), "%s/count", base);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		abort();
	install_old(dir, keep);
	run_worker(shim, dir, keep ? "1" : "0", NULL, 0, "ENOSPC", count, &res);
	TAP_OK(res.status == 0 && read_counts(count, &w, &f) &&
		       streq(state(dir, keep), "new") && extra_entries(dir) == 0,
	       "%sunder the shim, no fault: the new set, nothing left (%u writes, %u "
	       "fsyncs)",
	       keep ? "keep-unchanged: " : "", w, f);
	TAP_OK(w >= changed + 1 && f >= changed + 2,
	       "each new file and the journal written, each and the directory fsync'd");
	l.func = "write";
	l.total = w;
	l.errname = "ENOSPC";
	l.err = ENOSPC;
	fault_loop(&l);
	l.func = "fsync";
	l.total = f;
	fault_loop(&l);
	if (keep)
		return;
	l.errname = "EIO";
	l.err = EIO;
	fault_loop(&l);
	l.func = "write";
	l.total = w;
	fault_loop(&l);
}

/* a set that is already there: nothing written, nothing fsync'd */
static void test_all_kept(const char *shim, const char *base)
{
	char dir[PATH_MAX], count[PATH_MAX];
	unsigned int w = 1, f = 1;
	struct run res;

	snprintf(dir, sizeof(dir), "%s/faults", base);
	snprintf(count, sizeof(count), "%s/count", base);
	install_new_from(dir, 0);
	run_worker(shim, dir, "1", NULL, 0, "ENOSPC", count, &res);
	TAP_OK(res.status == 0 && read_counts(count, &w, &f) && w == 0 && f == 0 &&
		       streq(state(dir, false), "new") && extra_entries(dir) == 0,
	       "keep-unchanged, every file the same: no write, no fsync (%u, %u)", w, f);
}

/*
 * outset_may_lose_last() on file 0: it is not fsync'd; when it is the only file
 * that changes, nor is the directory; the other files and the directory are, as
 * without it. The set comes out new either way.
 */
static void test_may_lose(const char *shim, const char *base)
{
	char dir[PATH_MAX], count[PATH_MAX];
	unsigned int w[4] = { 0 }, f[4] = { 0 };
	bool ok[4] = { false };
	/* every file changes, without and with; file 0 alone, without and with */
	static const char *const modes[4] = { "0", "0L", "1", "1L" };
	struct run res;

	snprintf(dir, sizeof(dir), "%s/may-lose", base);
	snprintf(count, sizeof(count), "%s/count", base);
	for (int k = 0; k < 4; k++) {
		install_old(dir, false);
		/* file 0 alone: the others are new already */
		if (modes[k][0] == '1')
			install_new_from(dir, 1);
		run_worker(shim, dir, modes[k], NULL, 0, "ENOSPC", count, &res);
		ok[k] = res.status == 0 && read_counts(count, &w[k], &f[k]) &&
			streq(state(dir, false), "new") && extra_entries(dir) == 0;
	}
	TAP_OK(ok[0] && ok[1] && f[1] + 1 == f[0] && w[1] == w[0],
	       "a file that may be lost, among others that change: the same writes "
	       "(%u), and one fsync fewer (%u, %u): its own",
	       w[1], f[1], f[0]);
	TAP_OK(ok[2] && ok[3] && f[2] == 2 && f[3] == 0 && w[3] == w[2] && w[3] > 0,
	       "a file that may be lost, alone to change: no fsync at all, neither its "
	       "own nor the directory's (%u; %u without)",
	       f[3], f[2]);
}

/* ---- keep-unchanged ---- */

static bool stat_at(const char *dir, const char *name, struct stat *st)
{
	char path[PATH_MAX];

	return lstat(in_dir(path, dir, name), st) == 0;
}

/* set @dir/@name's times to 2000-01-01 */
static void age(const char *dir, const char *name)
{
	struct timespec t[2] = { { 946684800, 0 }, { 946684800, 0 } };
	char path[PATH_MAX];

	if (utimensat(AT_FDCWD, in_dir(path, dir, name), t, AT_SYMLINK_NOFOLLOW) < 0)
		abort();
}

static void test_keep(const char *base)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct stat b0, b1, a0, a1;
	time_t t0;

	snprintf(dir, sizeof(dir), "%s/keep", base);
	install_old(dir, true);
	age(dir, names[0]);
	if (!stat_at(dir, names[0], &b0) || !stat_at(dir, names[1], &b1))
		abort();
	t0 = time(NULL);
	TAP_OK(worker(dir, true, false) == 0 && streq(state(dir, false), "new") &&
		       extra_entries(dir) == 0,
	       "keep-unchanged: the set is new, nothing left");
	TAP_OK(stat_at(dir, names[0], &a0) && a0.st_ino == b0.st_ino &&
		       a0.st_mtime >= t0 && a0.st_mode == b0.st_mode,
	       "an identical file keeps its inode; its mtime is now, as for a rewrite");
	TAP_OK(stat_at(dir, names[1], &a1) && a1.st_ino != b1.st_ino,
	       "a different file is replaced by a new one");

	/* the same bytes, but another mode */
	install_old(dir, true);
	chmod(in_dir(path, dir, names[0]), 0600);
	stat_at(dir, names[0], &b0);
	TAP_OK(worker(dir, true, false) == 0 && stat_at(dir, names[0], &a0) &&
		       a0.st_ino != b0.st_ino && (a0.st_mode & 07777) == 0644 &&
		       streq(state(dir, false), "new"),
	       "keep-unchanged: the same bytes with mode 0600 are rewritten as 0644");

	/* the new bytes but the last */
	install_old(dir, false);
	{
		size_t len;
		char *s = content(0, 1, &len);

		write_file(dir, names[0], s, len - 1, 0644);
		free(s);
	}
	stat_at(dir, names[0], &b0);
	TAP_OK(worker(dir, true, false) == 0 && stat_at(dir, names[0], &a0) &&
		       a0.st_ino != b0.st_ino && streq(state(dir, false), "new"),
	       "keep-unchanged: a file with a prefix of the content is rewritten");

	/* without keep-unchanged, an identical file is rewritten */
	install_old(dir, true);
	stat_at(dir, names[0], &b0);
	TAP_OK(worker(dir, false, false) == 0 && stat_at(dir, names[0], &a0) &&
		       a0.st_ino != b0.st_ino && streq(state(dir, false), "new"),
	       "without keep-unchanged an identical file is written again");
}

/* a symlink to a file with the same bytes is replaced, its target untouched */
static void test_keep_symlink(const char *base)
{
	char dir[PATH_MAX], target[PATH_MAX], path[PATH_MAX];
	struct stat bt, at, a0;
	size_t len;
	char *s = content(0, 1, &len);

	snprintf(dir, sizeof(dir), "%s/keep", base);
	snprintf(target, sizeof(target), "%s/target", base);
	install_old(dir, false);
	write_file(base, "target", s, len, 0644);
	age(base, "target");
	stat(target, &bt);
	if (unlink(in_dir(path, dir, names[0])) < 0 || symlink(target, path) < 0)
		abort();
	TAP_OK(worker(dir, true, false) == 0 && stat_at(dir, names[0], &a0) &&
		       S_ISREG(a0.st_mode) && streq(state(dir, false), "new") &&
		       stat(target, &at) == 0 && at.st_ino == bt.st_ino &&
		       at.st_mtime == bt.st_mtime,
	       "keep-unchanged: a symlink to the same bytes is replaced, its target "
	       "untouched");
	unlink(target);
	free(s);
}

/* ---- leftovers of earlier runs ---- */

static pid_t dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, NULL, 0) < 0)
		abort();
	return pid;
}

/* outset_open() then outset_free(), nothing written */
static bool open_close(const char *dir)
{
	struct outset *os;

	if (outset_open(dir, names, N_FILES, &warn_log, &os) < 0)
		return false;
	outset_free(os);
	return true;
}

/*
 * A dead process's commit: new contents in its temporary files, old-file links
 * and its journal, complete with "end" when @end (else cut inside its last
 * line). With @first_done, the first rename had been made already.
 */
static void fake_commit(const char *dir, pid_t pid, bool end, bool first_done)
{
	char tmp[PATH_MAX], old[PATH_MAX], path[PATH_MAX], journal[4096], jname[64];
	size_t jlen = 0;

	for (int i = 0; i < N_FILES; i++) {
		size_t len;
		char *s = content(i, 1, &len);

		snprintf(tmp, sizeof(tmp), ".%s.mydepmod-%ld", names[i], (long)pid);
		snprintf(old, sizeof(old), "%s/.%s.mydepmod-old-%ld", dir, names[i],
			 (long)pid);
		if (link(in_dir(path, dir, names[i]), old) < 0)
			abort();
		write_file(dir, i == 0 && first_done ? names[0] : tmp, s, len, 0644);
		free(s);
		jlen += (size_t)snprintf(journal + jlen, sizeof(journal) - jlen,
					 "%s\t%s\n", tmp, names[i]);
	}
	if (end)
		jlen += (size_t)snprintf(journal + jlen, sizeof(journal) - jlen, "end\n");
	else
		jlen -= 3;
	snprintf(jname, sizeof(jname), ".mydepmod-commit-%ld", (long)pid);
	write_file(dir, jname, journal, jlen, 0644);
}

static void test_stale(const char *base)
{
	char dir[PATH_MAX], name[PATH_MAX];
	pid_t dead = dead_pid();

	struct stat st;

	snprintf(dir, sizeof(dir), "%s/new/a/b", base);
	TAP_OK(open_close(dir) && stat(dir, &st) == 0 && S_ISDIR(st.st_mode),
	       "outset_open creates the directory and its parents");
	snprintf(dir, sizeof(dir), "%s/stale", base);
	install_old(dir, false);
	TAP_OK(open_close(dir) && streq(state(dir, false), "old") &&
		       extra_entries(dir) == 0,
	       "open and free change nothing");

	snprintf(name, sizeof(name), ".%s.mydepmod-%ld", names[0], (long)dead);
	write_file(dir, name, "partial", 7, 0644);
	snprintf(name, sizeof(name), ".%s.mydepmod-old-%ld", names[1], (long)dead);
	write_file(dir, name, "old link", 8, 0644);
	TAP_OK(open_close(dir) && streq(state(dir, false), "old") &&
		       extra_entries(dir) == 0,
	       "a dead run's temporary file and old link are removed, the set kept");

	install_old(dir, false);
	fake_commit(dir, dead, true, false);
	TAP_OK(open_close(dir) && streq(state(dir, false), "new") &&
		       extra_entries(dir) == 0,
	       "a dead run's complete journal is rolled forward");

	install_old(dir, false);
	fake_commit(dir, dead, true, true);
	TAP_OK(open_close(dir) && streq(state(dir, false), "new") &&
		       extra_entries(dir) == 0,
	       "... also when it died after its first rename");

	install_old(dir, false);
	fake_commit(dir, dead, false, false);
	TAP_OK(open_close(dir) && streq(state(dir, false), "old") &&
		       extra_entries(dir) == 0,
	       "a journal cut short is not applied, its files are removed");
}

/* journal lines with a '/' are never followed */
static void test_stale_paths(const char *base)
{
	char dir[PATH_MAX], outside[PATH_MAX], jname[64], tmp[64];
	_cleanup_free_ char *data = NULL, *journal = NULL;
	pid_t dead = dead_pid();
	size_t len;

	snprintf(dir, sizeof(dir), "%s/stale", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	install_old(dir, false);
	write_file(base, "outside", "outside\n", 8, 0644);
	snprintf(tmp, sizeof(tmp), ".x.mydepmod-%ld", (long)dead);
	write_file(dir, tmp, "evil\n", 5, 0644);
	if (asprintf(&journal, "%s\t../outside\n../outside\t%s\n%s\t%s/x\nend\n", tmp,
		     names[0], tmp, dir) < 0)
		abort();
	snprintf(jname, sizeof(jname), ".mydepmod-commit-%ld", (long)dead);
	write_file(dir, jname, journal, strlen(journal), 0644);
	last_warning[0] = '\0';
	TAP_OK(open_close(dir) && streq(state(dir, false), "old") &&
		       extra_entries(dir) == 0 &&
		       read_file_full(AT_FDCWD, outside, &data, &len) == 0 &&
		       streq(data, "outside\n"),
	       "a journal naming paths with '/' moves nothing in or out");
	TAP_OK(strstr(last_warning, jname) != NULL &&
		       strstr(last_warning, "a rename that is not of one of its files"),
	       "... and is reported: %s", last_warning);
	unlink(outside);
}

/* a journal that is not one we write: replayed in no part, reported, removed */
static void test_bad_journals(const char *base)
{
	char dir[PATH_MAX], jname[64], path[PATH_MAX], tmp[128], *big;
	_cleanup_free_ char *journal = NULL;
	pid_t dead = dead_pid();
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/badjournal", base);
	snprintf(jname, sizeof(jname), ".mydepmod-commit-%ld", (long)dead);
	install_old(dir, false);
	/* a link to /dev/zero would be read until memory runs out */
	if (symlinkat("/dev/zero", AT_FDCWD, in_dir(path, dir, jname)) < 0)
		abort();
	last_warning[0] = '\0';
	TAP_OK(open_close(dir) && streq(state(dir, false), "old") &&
		       extra_entries(dir) == 0 &&
		       strstr(last_warning, "a symbolic link") != NULL,
	       "a journal that links to /dev/zero: not read, reported, removed (%s)",
	       last_warning);
	/* renaming something else of the directory */
	mkdir(in_dir(path, dir, "kernel"), 0755);
	if (asprintf(&journal, "kernel\tkernel.moved\nend\n") < 0)
		abort();
	write_file(dir, jname, journal, strlen(journal), 0644);
	TAP_OK(open_close(dir) && stat(in_dir(path, dir, "kernel"), &st) == 0 &&
		       streq(state(dir, false), "old") &&
		       strstr(last_warning, jname) != NULL,
	       "a journal that renames kernel/ away: ignored, reported (%s)",
	       last_warning);
	rmdir(path);
	/* a temporary file of the set onto another name of the set */
	snprintf(tmp, sizeof(tmp), ".%s.mydepmod-%ld", names[1], (long)dead);
	write_file(dir, tmp, "evil\n", 5, 0644);
	free(journal);
	if (asprintf(&journal, "%s\t%s\nend\n", tmp, names[0]) < 0)
		abort();
	write_file(dir, jname, journal, strlen(journal), 0644);
	TAP_OK(open_close(dir) && streq(state(dir, false), "old") &&
		       extra_entries(dir) == 0,
	       "a journal that renames one file of the set onto another: ignored");
	/* larger than any journal we write */
	big = calloc(1, 128 * 1024);
	if (big == NULL)
		abort();
	memset(big, 'x', 128 * 1024 - 4);
	memcpy(big + 128 * 1024 - 4, "end\n", 4);
	write_file(dir, jname, big, 128 * 1024, 0644);
	free(big);
	last_warning[0] = '\0';
	TAP_OK(open_close(dir) && extra_entries(dir) == 0 &&
		       strstr(last_warning, "too large") != NULL,
	       "a journal of 128 KiB: ignored, reported, removed (%s)", last_warning);
}

/*
 * A complete journal that cannot be read for a reason that may pass (EIO on its
 * read, made by the shim): the open fails with that error and removes nothing,
 * so that the next run, which can read it, still rolls the commit forward.
 */
static void test_unreadable_journal(const char *shim, const char *base)
{
	char dir[PATH_MAX];
	struct run res;
	int left;

	snprintf(dir, sizeof(dir), "%s/eiojournal", base);
	install_old(dir, false);
	fake_commit(dir, dead_pid(), true, false);
	run_worker(shim, dir, "0", "pread", 1, "EIO", NULL, &res);
	left = extra_entries(dir);
	TAP_OK(res.status == 3 && res.err == -EIO && streq(res.where, "open"),
	       "a journal read fails with EIO: outset_open fails with it (exit %d, %s "
	       "%d)",
	       res.status, res.where, res.err);
	TAP_OK(streq(state(dir, false), "old") && left == 2 * N_FILES + 1,
	       "... the set, the journal and its %d files are left as they were (%d "
	       "left)",
	       2 * N_FILES, left);
	TAP_OK(open_close(dir) && streq(state(dir, false), "new") &&
		       extra_entries(dir) == 0,
	       "... and the next open rolls the commit forward");
}

/*
 * In a container depmod is often PID 1 every time: what a killed run left under
 * this very PID is removed like any other leftover, and the next run goes on.
 */
static void test_own_pid_leftovers(const char *base)
{
	char dir[PATH_MAX], name[128];
	struct outset *os;
	int r;

	snprintf(dir, sizeof(dir), "%s/ownpid", base);
	install_old(dir, false);
	for (int i = 0; i < N_FILES; i++) {
		snprintf(name, sizeof(name), ".%s.mydepmod-%ld", names[i],
			 (long)getpid());
		write_file(dir, name, "stale", 5, 0644);
	}
	snprintf(name, sizeof(name), ".mydepmod-commit-%ld", (long)getpid());
	write_file(dir, name, "cut sho", 7, 0644);
	r = outset_open(dir, names, N_FILES, &warn_log, &os);
	for (int i = 0; i < N_FILES && r == 0; i++) {
		size_t len;
		char *c = content(i, 1, &len);

		r = outset_add(os, names[i], c, len);
		free(c);
	}
	if (r == 0)
		r = outset_commit(os);
	if (r >= 0)
		outset_free(os);
	TAP_OK(r == 0 && streq(state(dir, false), "new") && extra_entries(dir) == 0,
	       "leftovers under this process's own PID: removed, the new set written "
	       "(%d)",
	       r);
}

/*
 * One writer at a time: a second outset_open() on the directory waits until the
 * first outset is freed (a child process tells when it starts and when it is in).
 */
static void test_lock(const char *base)
{
	char dir[PATH_MAX], c = 0;
	struct outset *os;
	int p[2], status = -1;
	bool waited;
	pid_t pid;

	snprintf(dir, sizeof(dir), "%s/lock", base);
	install_old(dir, false);
	if (pipe(p) < 0 || outset_open(dir, names, N_FILES, &warn_log, &os) < 0)
		abort();
	pid = fork();
	if (pid == 0) {
		struct outset *os2;

		/* the lock belongs to the open directory, which fork() shares: drop it */
		for (int fd = 3; fd < 1024; fd++)
			if (fd != p[1])
				close(fd);
		if (write(p[1], "a", 1) != 1 ||
		    outset_open(dir, names, N_FILES, NULL, &os2) < 0)
			_exit(1);
		_exit(write(p[1], "b", 1) == 1 ? 0 : 1);
	}
	close(p[1]);
	/* the child is about to open; a moment later it must still be waiting */
	if (pid < 0 || read(p[0], &c, 1) != 1 || c != 'a')
		abort();
	usleep(200 * 1000);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	waited = read(p[0], &c, 1) < 0 && errno == EAGAIN;
	outset_free(os);
	fcntl(p[0], F_SETFL, 0);
	TAP_OK(waited && read(p[0], &c, 1) == 1 && c == 'b' &&
		       waitpid(pid, &status, 0) == pid && status == 0,
	       "a second outset_open() waits for the first outset to be freed");
	close(p[0]);
}

/*
 * The lock says who is alive, not the PID: files named after a live process (init,
 * this one) are a dead run's too. Names that are not ours are left alone.
 */
static void test_not_stale(const char *base)
{
	char dir[PATH_MAX], name[8][128], live[2][128];
	pid_t dead = dead_pid();
	int n = 0, kept = 0, gone = 0;

	snprintf(dir, sizeof(dir), "%s/stale", base);
	install_old(dir, false);
	snprintf(live[0], sizeof(live[0]), ".%s.mydepmod-1", names[0]); /* init lives */
	snprintf(live[1], sizeof(live[1]), ".%s.mydepmod-%ld-0123456789abcdef", names[0],
		 (long)getpid());
	for (int i = 0; i < 2; i++)
		write_file(dir, live[i], "stale", 5, 0644);
	snprintf(name[n++], sizeof(name[0]), "%s.mydepmod-%ld", names[0], (long)dead);
	snprintf(name[n++], sizeof(name[0]), ".%s.mydepmod-%ld.bak", names[0],
		 (long)dead);
	snprintf(name[n++], sizeof(name[0]), ".%s.mydepmod-0", names[0]);
	snprintf(name[n++], sizeof(name[0]), ".%s.mydepmod-x%ld", names[0], (long)dead);
	for (int i = 0; i < n; i++)
		write_file(dir, name[i], "keep", 4, 0644);
	TAP_OK(open_close(dir), "outset_open with foreign names around");
	for (int i = 0; i < 2; i++) {
		char path[PATH_MAX];

		gone += access(in_dir(path, dir, live[i]), F_OK) < 0;
	}
	TAP_OK(gone == 2,
	       "files named after a live PID are removed: only the lock says alive");
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];

		if (access(in_dir(path, dir, name[i]), F_OK) == 0)
			kept++;
		else
			printf("#   removed: %s\n", name[i]);
		unlink(path);
	}
	TAP_OK(kept == n && streq(state(dir, false), "old"),
	       "names that are not of our form are left alone");
}

/* ---- failures of add and commit, in this process ---- */

static void test_add_fails(const char *base)
{
	char dir[PATH_MAX], longname[300];
	struct outset *os;
	int r;

	snprintf(dir, sizeof(dir), "%s/add", base);
	install_old(dir, false);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	r = outset_open(dir, names, N_FILES, &warn_log, &os);
	r = r < 0 ? r : outset_add(os, names[0], "new", 3);
	r = r < 0 ? r : outset_add(os, longname, "x", 1);
	TAP_OK(r == -ENAMETOOLONG && outset_failed_name(os) != NULL,
	       "add of a name too long: -ENAMETOOLONG, a failed name");
	outset_free(os);
	TAP_OK(streq(state(dir, false), "old") && extra_entries(dir) == 0,
	       "freed after a failed add: old files, no temporary file");

	r = outset_open(dir, names, N_FILES, &warn_log, &os);
	TAP_OK(r == 0 && outset_commit(os) == 0 && streq(state(dir, false), "old"),
	       "a commit of nothing changes nothing");
	outset_free(os);
	outset_free(NULL);
}

/*
 * A file written ahead in pieces (outset_ahead_open()), then added with its
 * first bytes replaced and more appended: named, not written again, and its
 * bytes those pieces with that head and tail.
 */
static void test_ahead(const char *base)
{
	static const size_t cuts[] = { 7, 0, 13, 10, 1 };
	char dir[PATH_MAX], path[PATH_MAX], want[64];
	struct outset_ahead *a = NULL;
	struct outset *os = NULL;
	_cleanup_free_ char *got = NULL;
	size_t len = 0, at = 0, gl = 0;
	char data[31];
	int r;

	snprintf(dir, sizeof(dir), "%s/ahead", base);
	mkdir(dir, 0755);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	r = outset_ahead_open(dir, &a);
	TAP_OK(r == 0 && a != NULL, "an unnamed file in the directory (O_TMPFILE)");
	if (a == NULL)
		return;
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		outset_ahead_write(a, data + at, cuts[i]);
		at += cuts[i];
	}
	outset_ahead_end(a);
	len = (size_t)snprintf(want, sizeof(want), "HEAD%.*sTAIL", (int)(at - 4),
			       data + 4);
	r = outset_open(dir, names, N_FILES, &warn_log, &os);
	r = r < 0 ? r : outset_add_ahead(os, names[0], a, "HEAD", 4, "TAIL", 4);
	r = r < 0 ? r : outset_commit(os);
	outset_free(os);
	outset_ahead_free(a);
	TAP_OK(r == 0 &&
		       read_file_full(AT_FDCWD, in_dir(path, dir, names[0]), &got, &gl) ==
			       0 &&
		       gl == len && memcmp(got, want, len) == 0 &&
		       extra_entries(dir) == 0,
	       "written ahead in %zu pieces, then its head and tail: %zu bytes as "
	       "expected, nothing else there",
	       sizeof(cuts) / sizeof(cuts[0]), len);
}

/* the commit's Nth rename fails */
static const char *commit_failing_rename(const char *dir, unsigned int nth, int *r)
{
	struct outset *os;

	install_old(dir, false);
	*r = outset_open(dir, names, N_FILES, &warn_log, &os);
	for (int i = 0; i < N_FILES && *r == 0; i++) {
		size_t len;
		char *s = content(i, 1, &len);

		*r = outset_add(os, names[i], s, len);
		free(s);
	}
	if (*r == 0) {
		rename_fail_at = rename_calls + nth;
		*r = outset_commit(os);
		rename_fail_at = 0;
	}
	if (*r < 0 && (outset_failed_name(os) == NULL ||
		       !streq(outset_failed_name(os), names[nth - 1])))
		*r = -ENOTRECOVERABLE;
	outset_free(os);
	return state(dir, false);
}

static void test_rename_fails(const char *base)
{
	char dir[PATH_MAX];
	const char *st;
	int r;

	snprintf(dir, sizeof(dir), "%s/rename", base);
	st = commit_failing_rename(dir, 1, &r);
	TAP_OK(r == -EIO && streq(st, "old") && extra_entries(dir) == 0,
	       "the first rename fails: -EIO, that name, the old set, nothing left");
	/* half-way: the files renamed before get their old versions back */
	for (int nth = 2; nth <= N_FILES; nth++) {
		st = commit_failing_rename(dir, nth, &r);
		TAP_OK(r == -EIO && streq(st, "old") && extra_entries(dir) == 0,
		       "rename %d of %d fails: -EIO, that name, the old set (%s), "
		       "nothing left",
		       nth, N_FILES, st);
	}
}

/* ---- main ---- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

int main(int argc, char **argv)
{
	char base[] = "/tmp/mykmod-test-outset.XXXXXX";
	const char *top = getenv("top_builddir");
	_cleanup_free_ char *shim = NULL, *path = NULL;

	umask(022);
	/* the mode: "1" keep-unchanged, "0" not; an "L" after it: file 0 may be lost */
	if (argc == 4 && streq(argv[1], "--worker"))
		return worker(argv[2], argv[3][0] == '1', argv[3][1] == 'L');
	if (getenv("FAULTINJECT") != NULL)
		shim = realpath(getenv("FAULTINJECT"), NULL);
	else if (asprintf(&path, "%s/testsuite/faultinject.so", top ? top : ".") >= 0)
		shim = realpath(path, NULL);
	if (shim == NULL || access(shim, R_OK) < 0) {
		printf("Bail out! fault-injection shim not built: %s\n", shim ?: "?");
		return 1;
	}
	/* what was printed survives a crash of the code under test */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (mkdtemp(base) == NULL) {
		printf("Bail out! no temporary directory\n");
		return 1;
	}
	test_faults(shim, base, false);
	test_faults(shim, base, true);
	test_all_kept(shim, base);
	test_may_lose(shim, base);
	test_keep(base);
	test_keep_symlink(base);
	test_stale(base);
	test_stale_paths(base);
	test_not_stale(base);
	test_bad_journals(base);
	test_unreadable_journal(shim, base);
	test_own_pid_leftovers(base);
	test_lock(base);
	test_add_fails(base);
	test_rename_fails(base);
	test_ahead(base);
	nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
