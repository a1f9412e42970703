// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "util.h"

void mk_log(const struct mk_log *log, int prio, const char *fmt, ...)
{
	va_list ap;

	if (log == NULL || log->fn == NULL)
		return;
	va_start(ap, fmt);
	log->fn(log->data, prio, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 0))) static void held_log(void *data, int prio,
							   const char *fmt, va_list ap)
{
	struct mk_log_held *h = data;
	char *text;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 16;
		struct mk_held_msg *a = realloc(h->a, cap * sizeof(*a));

		if (a == NULL)
			return;
		h->a = a;
		h->cap = cap;
	}
	if (vasprintf(&text, fmt, ap) < 0)
		return;
	h->a[h->n].prio = prio;
	h->a[h->n].text = text;
	h->n++;
}

void mk_log_hold(struct mk_log *log, struct mk_log_held *held)
{
	log->fn = held_log;
	log->data = held;
}

void mk_log_release(struct mk_log_held *held, const struct mk_log *log, bool pass)
{
	for (size_t i = 0; i < held->n; i++) {
		if (pass)
			mk_log(log, held->a[i].prio, "%s", held->a[i].text);
		free(held->a[i].text);
	}
	free(held->a);
	memset(held, 0, sizeof(*held));
}

char *modname_normalize(const char *name, char *buf, size_t *len)
{
	size_t i;

	for (i = 0; i < PATH_MAX - 1; i++) {
		char c = name[i];

		if (c == '\0' || c == '.')
			break;
		buf[i] = c == '-' ? '_' : c;
	}
	buf[i] = '\0';
	if (len)
		*len = i;
	return buf;
}

char *path_to_modname(const char *path, char *buf, size_t *len)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (*base == '\0')
		return NULL;
	return modname_normalize(base, buf, len);
}

int alias_normalize(const char *alias, char *buf, size_t *len)
{
	size_t i;

	for (i = 0; i < PATH_MAX - 1; i++) {
		char c = alias[i];

		if (c == '\0')
			break;
		if (c == '-') {
			buf[i] = '_';
		} else if (c == ']') {
			return -EINVAL;
		} else if (c == '[') {
			while (i < PATH_MAX - 1 && alias[i] != ']' && alias[i] != '\0') {
				buf[i] = alias[i];
				i++;
			}
			if (i >= PATH_MAX - 1 || alias[i] != ']')
				return -EINVAL;
			buf[i] = ']';
		} else {
			buf[i] = c;
		}
	}
	buf[i] = '\0';
	if (len)
		*len = i;
	return 0;
}

int underscores(char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		if (s[i] == '-') {
			s[i] = '_';
		} else if (s[i] == ']') {
			return -EINVAL;
		} else if (s[i] == '[') {
			i += strcspn(&s[i], "]");
			if (s[i] == '\0')
				return -EINVAL;
		}
	}
	return 0;
}

static const char *const kmod_exts[] = {
	".ko",
#if ENABLE_ZLIB
	".ko.gz",
#endif
#if ENABLE_XZ
	".ko.xz",
#endif
#if ENABLE_ZSTD
	".ko.zst",
#endif
};

bool path_ends_with_kmod_ext(const char *path, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(kmod_exts); i++) {
		size_t elen = strlen(kmod_exts[i]);

		if (len >= elen && memcmp(path + len - elen, kmod_exts[i], elen) == 0)
			return true;
	}
	return false;
}

void mem_populate(void *p, size_t len)
{
#ifdef MADV_POPULATE_WRITE
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = ((uintptr_t)p + page - 1) & ~(uintptr_t)(page - 1);
	uintptr_t end = ((uintptr_t)p + len) & ~(uintptr_t)(page - 1);

	if (len >= MEM_POPULATE_MIN && start < end)
		(void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)len;
#endif
}

int read_fd_full(int fd, size_t hint, char **out, size_t *len)
{
	_cleanup_free_ char *buf = NULL;
	size_t size = 0, cap = 0, room = 4096;

	/*
	 * with its size known, a file in one read and a second that finds its
	 * end (room for one byte more), with no copies on the way up to it
	 */
	if (hint > 0 && hint < SIZE_MAX / 4) {
		cap = hint + 1;
		buf = malloc(cap + 1);
		if (buf == NULL)
			return -ENOMEM;
		/* the read copies into fresh pages: made in one call */
		mem_populate(buf, cap + 1);
		room = 1;
	}
	for (;;) {
		ssize_t r;

		if (cap - size < room) {
			size_t ncap;
			char *n;

			if (umulsz_overflow(cap ? cap : 4096, 2, &ncap))
				return -EFBIG;
			n = realloc(buf, ncap + 1);
			if (n == NULL)
				return -ENOMEM;
			buf = n;
			cap = ncap;
		}
		r = read(fd, buf + size, cap - size);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		size += (size_t)r;
	}
	if (buf == NULL) {
		buf = malloc(1);
		if (buf == NULL)
			return -ENOMEM;
	}
	buf[size] = '\0';
	*out = buf;
	buf = NULL;
	if (len)
		*len = size;
	return 0;
}

int read_file_full(int dirfd, const char *path, char **out, size_t *len)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -errno;
	/* a /proc file says 0, a /sys attribute 4096: their size is found */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size <= SIZE_MAX)
		return read_fd_full(fd, (size_t)st.st_size, out, len);
	return read_fd_full(fd, 0, out, len);
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int pread_all(int fd, void *buf, size_t len, uint64_t offset)
{
	char *p = buf;

	if (offset > (uint64_t)INT64_MAX)
		return -EINVAL;
	while (len > 0) {
		ssize_t r = pread(fd, p, len, (off_t)offset);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EIO;
		p += r;
		len -= (size_t)r;
		offset += (uint64_t)r;
	}
	return 0;
}

int safe_atou64(const char *s, int base, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	/* strtoull() would skip white space and take a sign */
	if (s == NULL || !(*s >= '0' && *s <= '9'))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno)
		return -errno;
	if (*end != '\0')
		return -EINVAL;
	*ret = v;
	return 0;
}

int path_make_absolute(const char *path, char **out)
{
	_cleanup_free_ char *cwd = NULL;

	/* as kmod: against the cwd, without resolving symlinks or ".." */
	if (path[0] == '/') {
		*out = strdup(path);
		return *out ? 0 : -ENOMEM;
	}
	cwd = getcwd(NULL, 0);
	if (cwd == NULL)
		return -errno;
	if (asprintf(out, "%s/%s", cwd, path) < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* one directory of mkdir_parents(): made, or already a directory */
static int mkdir_one(const char *dir, mode_t mode)
{
	struct stat st;

	if (mkdir(dir, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	if (stat(dir, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int mkdir_parents(const char *path, mode_t mode)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir = NULL;
	struct stat st;

	if (slash == NULL || slash == path)
		return 0;
	dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return -ENOMEM;
	/* the usual case: it is there already */
	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	/* each component in turn ("a//b" has an empty one, "/a" none before it) */
	for (char *s = dir + 1;; s++) {
		char c = *s;
		int r;

		if (c != '/' && c != '\0')
			continue;
		if (s[-1] != '/') {
			*s = '\0';
			r = mkdir_one(dir, mode);
			*s = c;
			if (r < 0)
				return r;
		}
		if (c == '\0')
			return 0;
	}
}

int join_module_params(char *const *args, size_t n, bool quote_spaces, char **out)
{
	size_t len = 1, off = 0;
	char *s;

	/* each argument, a separator, and two quotes at most */
	for (size_t i = 0; i < n; i++)
		if (uaddsz_overflow(len, strlen(args[i]), &len) ||
		    uaddsz_overflow(len, 3, &len))
			return -ENOMEM;
	s = malloc(len);
	if (s == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *a = args[i], *v = strchr(a, '=');
		size_t l = strlen(a);

		/* a separator only once something was written, as kmod does */
		if (off > 0)
			s[off++] = ' ';
		if (quote_spaces && v && v[1] != '"' && v[1] != '\'' &&
		    strchr(v + 1, ' ')) {
			size_t k = (size_t)(v + 1 - a);

			memcpy(s + off, a, k);
			off += k;
			s[off++] = '"';
			memcpy(s + off, v + 1, l - k);
			off += l - k;
			s[off++] = '"';
		} else {
			memcpy(s + off, a, l);
			off += l;
		}
	}
	s[off] = '\0';
	*out = s;
	return 0;
}

int array_grow_(void *pv, size_t *cap, size_t n, size_t size, size_t first)
{
	size_t ncap;
	void *v;

	if (n < *cap)
		return 0;
	if (*cap == 0)
		ncap = first;
	else if (__builtin_mul_overflow(*cap, 2, &ncap))
		return -ENOMEM;
	/* the array pointer's own type is unknown here: moved as bytes */
	memcpy(&v, pv, sizeof(v));
	v = reallocarray(v, ncap, size);
	if (v == NULL)
		return -ENOMEM;
	memcpy(pv, &v, sizeof(v));
	*cap = ncap;
	return 0;
}

struct thread_start {
	void *(*fn)(void *);
	void *arg;
	int *started_on;
	cpu_set_t allowed;
};

static void *thread_start(void *data)
{
	struct thread_start s = *(struct thread_start *)data;

	free(data);
	if (s.started_on != NULL)
		*s.started_on = sched_getcpu();
	/* now that it runs elsewhere, it may move as the scheduler sees fit */
	(void)sched_setaffinity(0, sizeof(s.allowed), &s.allowed);
	return s.fn(s.arg);
}

/*
 * A new thread is queued on its creator's CPU when the others look busy to the
 * scheduler, and there it preempts its creator, though another CPU is idle: on
 * the 2-CPU VMs of CI an idle vCPU reads as busy, and the two shared one CPU for
 * milliseconds (docs/depmod-outputs.md §13). Started where its creator is not, it
 * takes the idle one.
 */
int mk_thread_start(pthread_t *th, void *(*fn)(void *), void *arg, int avoid,
		    int *started_on)
{
	struct thread_start *s = malloc(sizeof(*s));
	pthread_attr_t attr;
	cpu_set_t elsewhere;
	bool away;
	int r;

	if (s == NULL)
		return -ENOMEM;
	*s = (struct thread_start){ .fn = fn, .arg = arg, .started_on = started_on };
	if (started_on != NULL)
		*started_on = -1;
	if (pthread_attr_init(&attr) != 0) {
		free(s);
		return -ENOMEM;
	}
	/* more CPUs than a cpu_set_t holds: started where the kernel puts it */
	away = sched_getaffinity(0, sizeof(s->allowed), &s->allowed) == 0 && avoid >= 0 &&
	       avoid < CPU_SETSIZE && CPU_ISSET(avoid, &s->allowed);
	if (away) {
		elsewhere = s->allowed;
		CPU_CLR(avoid, &elsewhere);
		away = CPU_COUNT(&elsewhere) > 0 &&
		       pthread_attr_setaffinity_np(&attr, sizeof(elsewhere),
						   &elsewhere) == 0;
	}
	r = away ? pthread_create(th, &attr, thread_start, s) : -1;
	pthread_attr_destroy(&attr);
	if (r == 0)
		return 0;
	/* nowhere else (one CPU, or the CPUs changed meanwhile): where it is put */
	free(s);
	return -pthread_create(th, NULL, fn, arg);
}

int mk_thread_create(pthread_t *th, void *(*fn)(void *), void *arg)
{
	return mk_thread_start(th, fn, arg, sched_getcpu(), NULL);
}

void mk_run_two(void *(*fn)(void *), void *first, void *second)
{
	pthread_t th;
	bool joined = mk_thread_create(&th, fn, first) == 0;

	if (!joined)
		fn(first);
	fn(second);
	if (joined)
		pthread_join(th, NULL);
}

struct mk_file_id mk_file_id_of(const struct stat *st)
{
	return (struct mk_file_id){
		.dev = (uint64_t)st->st_dev,
		.ino = (uint64_t)st->st_ino,
		.size = (uint64_t)st->st_size,
		.mtime_ns = mk_timespec_ns(&st->st_mtim),
		.ctime_ns = mk_timespec_ns(&st->st_ctim),
	};
}
