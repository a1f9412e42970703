// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of lib/strbuf, the buffer every index and text output is built in:
 * push, pushchar, pushstr, printf, reserve, str, steal, clear, release; growth
 * byte by byte against a plain array; embedded NULs; and out of memory: sizes
 * that overflow size_t or exceed what malloc can give must fail with -ENOMEM
 * and leave the contents as they were, also when the limit is a real one
 * (RLIMIT_AS in a child process). A borrowed buffer (strbuf_borrow()) is filled
 * in place until it is outgrown, then left for memory of the buffer's own with
 * the contents kept, and is never freed nor written before the first push:
 * the memory of lib/hugemem.h, which is checked here too (aligned, zeroed,
 * writable, whole), with its arenas: blocks aligned, zeroed and apart, the
 * pieces' sizes, a shared arena cut by two threads at once, and a trim that
 * gives back the pages past the last block.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hugemem.h"
#include "strbuf.h"
#include "tap.h"
#include "util.h"

/* @sb holds exactly @want (@len bytes), NUL-terminated */
static bool holds(struct strbuf *sb, const void *want, size_t len)
{
	return sb->used == len && sb->size > len && memcmp(sb->buf, want, len) == 0 &&
	       sb->buf[len] == '\0';
}

static void test_empty(void)
{
	struct strbuf sb = STRBUF_INIT;
	const char *s = strbuf_str(&sb);
	char *stolen;

	TAP_OK(s != NULL && s[0] == '\0' && sb.used == 0, "str of a new buffer is \"\"");
	stolen = strbuf_steal(&sb);
	TAP_OK(stolen != NULL && stolen[0] == '\0' && sb.buf == NULL && sb.used == 0 &&
		       sb.size == 0,
	       "steal of an empty buffer: a malloc'd \"\", the buffer reset");
	free(stolen);
	sb = (struct strbuf)STRBUF_INIT;
	stolen = strbuf_steal(&sb);
	TAP_OK(stolen != NULL && stolen[0] == '\0', "steal of a new buffer: \"\"");
	free(stolen);
	strbuf_release(&sb);
	strbuf_release(&sb);
	TAP_OK(sb.buf == NULL && sb.used == 0 && sb.size == 0,
	       "release twice is harmless");
	TAP_OK(strbuf_push(&sb, NULL, 0) == 0 && sb.used == 0,
	       "pushing nothing (NULL, 0) is allowed");
	strbuf_release(&sb);
}

static void test_push(void)
{
	struct strbuf sb = STRBUF_INIT;
	char *stolen;
	int r = 0;

	r |= strbuf_pushstr(&sb, "abc");
	r |= strbuf_pushchar(&sb, '-');
	r |= strbuf_push(&sb, "x\0y", 3);
	r |= strbuf_pushchar(&sb, '\0');
	r |= strbuf_pushstr(&sb, "");
	r |= strbuf_printf(&sb, "[%d:%s]", 42, "z");
	TAP_OK(r == 0 && holds(&sb, "abc-x\0y\0[42:z]", 14),
	       "push, pushchar, pushstr, printf append, NULs included");
	TAP_OK(strbuf_str(&sb) == sb.buf && memcmp(strbuf_str(&sb), "abc-x", 6) == 0,
	       "str is the buffer itself, NUL-terminated");
	strbuf_clear(&sb);
	TAP_OK(sb.used == 0 && sb.buf != NULL && sb.buf[0] == '\0' && sb.size > 0,
	       "clear empties it and keeps the memory");
	TAP_OK(strbuf_pushstr(&sb, "again") == 0 && holds(&sb, "again", 5),
	       "a cleared buffer is written from the start");
	stolen = strbuf_steal(&sb);
	TAP_OK(stolen != NULL && streq(stolen, "again") && sb.buf == NULL && sb.used == 0,
	       "steal hands the string over and resets the buffer");
	free(stolen);
	TAP_OK(strbuf_pushstr(&sb, "new") == 0 && holds(&sb, "new", 3),
	       "the buffer is usable after steal");
	strbuf_release(&sb);
}

/* every byte value, pushed one way or another, against a plain array */
static void test_growth(void)
{
	const size_t n = 300000;
	unsigned char *want = malloc(n);
	struct strbuf sb = STRBUF_INIT;
	size_t len = 0, bad = 0;
	unsigned int seed = 1;

	if (want == NULL)
		abort();
	while (len < n) {
		unsigned char chunk[700];
		size_t k;

		seed = seed * 1103515245u + 12345u;
		k = (seed >> 8) % sizeof(chunk);
		if (k > n - len)
			k = n - len;
		for (size_t i = 0; i < k; i++)
			chunk[i] = (unsigned char)(len + i * 7);
		if ((seed >> 20) % 3 == 0) {
			for (size_t i = 0; i < k && bad == 0; i++)
				bad += strbuf_pushchar(&sb, (char)chunk[i]) != 0;
		} else {
			bad += strbuf_push(&sb, chunk, k) != 0;
		}
		memcpy(want + len, chunk, k);
		len += k;
		if (sb.used != len || sb.size <= len || sb.buf[len] != '\0')
			bad++;
	}
	TAP_OK(bad == 0 && holds(&sb, want, n),
	       "%zu bytes in random pieces: same bytes, always NUL-terminated", n);
	strbuf_release(&sb);
	free(want);
}

static void test_printf(void)
{
	struct strbuf sb = STRBUF_INIT;
	char *big = malloc(100001);
	int r;

	if (big == NULL)
		abort();
	memset(big, 'q', 100000);
	big[100000] = '\0';
	r = strbuf_pushstr(&sb, "head:");
	r |= strbuf_printf(&sb, "%s|%05u", big, 7u);
	TAP_OK(r == 0 && sb.used == 5 + 100000 + 6 &&
		       memcmp(sb.buf, "head:qqq", 8) == 0 &&
		       streq(sb.buf + 5 + 100000, "|00007"),
	       "printf of 100 kB after other data");
	r = strbuf_printf(&sb, "%s", "");
	TAP_OK(r == 0 && sb.used == 5 + 100000 + 6, "printf of nothing adds nothing");
	strbuf_release(&sb);
	free(big);
}

/* reserve(n) means: the next n bytes need no reallocation */
static void test_reserve(void)
{
	struct strbuf sb = STRBUF_INIT;
	const char *before;
	bool same = true;

	TAP_OK(strbuf_pushstr(&sb, "start") == 0, "push before reserve");
	TAP_OK(strbuf_reserve(&sb, 10000) == 0 && sb.size >= 5 + 10000 + 1 &&
		       sb.used == 5,
	       "reserve: room for the bytes and the NUL, nothing added");
	before = sb.buf;
	for (int i = 0; i < 10000; i++)
		same = same && strbuf_pushchar(&sb, 'r') == 0 && sb.buf == before;
	TAP_OK(same && sb.used == 10005, "reserve(10000): 10000 pushes without moving");
	TAP_OK(strbuf_reserve(&sb, 0) == 0 && sb.buf == before,
	       "reserve(0) changes nothing");
	strbuf_release(&sb);
}

static void test_too_big(void)
{
	struct strbuf sb = STRBUF_INIT;
	const char *buf;
	size_t size;

	TAP_OK(strbuf_pushstr(&sb, "keep me") == 0, "push before the huge sizes");
	buf = sb.buf;
	size = sb.size;
	TAP_OK(strbuf_reserve(&sb, SIZE_MAX) == -ENOMEM, "reserve(SIZE_MAX): -ENOMEM");
	TAP_OK(strbuf_reserve(&sb, SIZE_MAX - 7) == -ENOMEM,
	       "reserve of what overflows only with the NUL: -ENOMEM");
	TAP_OK(strbuf_reserve(&sb, SIZE_MAX - 8) == -ENOMEM,
	       "reserve(SIZE_MAX - used - 1): -ENOMEM (no doubling reaches it)");
	TAP_OK(strbuf_reserve(&sb, SIZE_MAX / 2 + 1) == -ENOMEM,
	       "reserve past the last power of two: -ENOMEM");
	/* rounded up to 2^63 bytes, more than malloc gives */
	TAP_OK(strbuf_reserve(&sb, (size_t)PTRDIFF_MAX - 100) == -ENOMEM,
	       "reserve(PTRDIFF_MAX - 100): realloc refuses, -ENOMEM");
	TAP_OK(strbuf_push(&sb, "x", SIZE_MAX - 3) == -ENOMEM,
	       "push of a length that wraps: -ENOMEM, nothing read");
	TAP_OK(holds(&sb, "keep me", 7) && sb.buf == buf && sb.size == size,
	       "after the failures the contents and memory are as they were");
	TAP_OK(strbuf_pushstr(&sb, "!") == 0 && holds(&sb, "keep me!", 8),
	       "and the buffer still works");
	strbuf_release(&sb);
}

/* a real allocation failure: the address space limited in a child */
static void test_rlimit(void)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		struct rlimit rl = { 256 << 20, 256 << 20 };
		struct strbuf sb = STRBUF_INIT;
		static char chunk[1 << 20];
		size_t pushed = 0;
		int r;

		if (setrlimit(RLIMIT_AS, &rl) < 0)
			_exit(3);
		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = (char)(i * 13);
		while ((r = strbuf_push(&sb, chunk, sizeof(chunk))) == 0)
			pushed++;
		if (r != -ENOMEM || pushed < 8 || sb.used != pushed * sizeof(chunk))
			_exit(1);
		for (size_t i = 0; i < pushed; i++)
			if (memcmp(sb.buf + i * sizeof(chunk), chunk, sizeof(chunk)) != 0)
				_exit(2);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	TAP_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "under RLIMIT_AS, push fails with -ENOMEM and keeps what it had (%d)",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void test_borrow(void)
{
	char room[64], expect[200];
	struct strbuf sb = STRBUF_INIT;
	bool in_place = true;
	char *stolen;

	memset(room, 'x', sizeof(room));
	room[0] = '\0';
	strbuf_borrow(&sb, room, sizeof(room));
	TAP_OK(sb.buf == room && sb.used == 0 && sb.size == sizeof(room) &&
		       room[0] == '\0' && room[1] == 'x',
	       "a borrowed buffer starts empty, in place");
	for (size_t i = 0; i < 63; i++) {
		expect[i] = (char)('a' + i % 26);
		if (strbuf_pushchar(&sb, expect[i]) < 0)
			in_place = false;
		in_place = in_place && sb.buf == room;
	}
	TAP_OK(in_place && holds(&sb, expect, 63) && room[63] == '\0',
	       "63 bytes and the NUL fill 64 borrowed bytes without leaving them");
	TAP_OK(strbuf_pushchar(&sb, 'Z') == 0 && sb.buf != room && sb.size > 64 &&
		       !sb.borrowed,
	       "one more byte moves the buffer to memory of its own");
	expect[63] = 'Z';
	for (size_t i = 64; i < sizeof(expect); i++) {
		expect[i] = (char)('A' + i % 26);
		if (strbuf_pushchar(&sb, expect[i]) < 0)
			break;
	}
	TAP_OK(holds(&sb, expect, sizeof(expect)) && memcmp(room, expect, 63) == 0,
	       "the contents moved whole and grow on; the borrowed bytes stay as left");
	strbuf_release(&sb); /* frees its own buffer, not @room (a stack array) */

	strbuf_borrow(&sb, room, sizeof(room));
	TAP_OK(strbuf_pushstr(&sb, "kept") == 0 && sb.buf == room,
	       "a buffer is borrowed again after a release");
	stolen = strbuf_steal(&sb);
	TAP_OK(stolen != NULL && stolen != room && streq(stolen, "kept") &&
		       sb.buf == NULL && !sb.borrowed,
	       "steal of a borrowed buffer hands over a malloc'd copy");
	free(stolen);
	strbuf_borrow(&sb, room, sizeof(room));
	strbuf_release(&sb);
	TAP_OK(sb.buf == NULL && sb.size == 0 && !sb.borrowed,
	       "a release of a borrowed buffer leaves it empty and its own again");
}

/* Borrowing a read-only page of zeros: any write to it kills the child. */
static void test_borrow_untouched(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int status = -1;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		struct strbuf sb = STRBUF_INIT;
		char *ro =
			mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (ro == MAP_FAILED)
			_exit(2);
		strbuf_borrow(&sb, ro, page);
		_exit(sb.used == 0 && sb.buf == ro && sb.buf[0] == '\0' ? 0 : 1);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	TAP_OK(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "a borrowed buffer is not written before the first push (status %d)",
	       status);
}

static void test_hugemem(void)
{
	struct hugemem m;
	bool zero = true;
	unsigned char *p;

	TAP_OK(hugemem_alloc(&m, 0) == -EINVAL && m.p == NULL && m.len == 0,
	       "hugemem: no memory for 0 bytes");
	TAP_OK(hugemem_alloc(&m, SIZE_MAX - 1) == -ENOMEM && m.p == NULL,
	       "hugemem: a size that overflows fails with -ENOMEM");
	if (hugemem_alloc(&m, HUGEMEM_ALIGN + HUGEMEM_ALIGN / 2) < 0) {
		TAP_OK(false, "hugemem: 3 MiB");
		return;
	}
	TAP_OK(((uintptr_t)m.p & (HUGEMEM_ALIGN - 1)) == 0 && m.len == 2 * HUGEMEM_ALIGN,
	       "hugemem: 3 MiB come as two huge pages, aligned");
	hugemem_free(&m);
	if (hugemem_alloc(&m, HUGEMEM_ALIGN + 1) < 0) {
		TAP_OK(false, "hugemem: 2 MiB + 1 byte");
		return;
	}
	p = m.p;
	TAP_OK(((uintptr_t)p & (HUGEMEM_ALIGN - 1)) == 0 &&
		       m.len == HUGEMEM_ALIGN + (size_t)sysconf(_SC_PAGESIZE),
	       "hugemem: 2 MiB + 1 byte come as a huge page, aligned, and one page");
	for (size_t i = 0; i < m.len; i += 4096)
		zero = zero && p[i] == 0 && p[i + 4095] == 0;
	memset(p, 0xa5, m.len);
	TAP_OK(zero && p[0] == 0xa5 && p[m.len - 1] == 0xa5,
	       "hugemem: all of it is zeroed and writable");
	hugemem_free(&m);
	TAP_OK(m.p == NULL && m.len == 0, "hugemem: freed, the struct is empty");
	hugemem_free(&m); /* twice is harmless */
}

/* @n bytes at @p all equal to @c */
static bool all_are(const unsigned char *p, size_t n, unsigned char c)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != c)
			return false;
	return true;
}

static void test_hugearena(void)
{
	static const size_t sizes[] = { 1, 16, 17, 100, 4096, 70000, 300000 };
	struct hugearena a = { 0 };
	unsigned char *blk[64];
	size_t len[64];
	bool zero = true, aligned = true, apart = true;
	size_t first_len = 0;

	for (size_t i = 0; i < 64; i++) {
		len[i] = sizes[i % 7] + i;
		blk[i] = hugearena_alloc(&a, len[i]);
		if (blk[i] == NULL) {
			TAP_OK(false, "hugearena: 64 blocks");
			hugearena_release(&a);
			return;
		}
		if (i == 0)
			first_len = a.piece.len;
		zero = zero && all_are(blk[i], len[i], 0);
		aligned = aligned && ((uintptr_t)blk[i] & 15) == 0;
		memset(blk[i], (int)i + 1, len[i]);
	}
	for (size_t i = 0; i < 64; i++)
		apart = apart && all_are(blk[i], len[i], (unsigned char)(i + 1));
	TAP_OK(zero && aligned && apart,
	       "hugearena: 64 blocks of 1 B to 300 KB: zeroed, aligned, apart");
	TAP_OK(first_len == (size_t)256 << 10 && a.piece.len >= HUGEMEM_ALIGN,
	       "hugearena: a small first piece (%zu bytes), huge pages after it",
	       first_len);
	blk[0] = hugearena_alloc(&a, 5 * HUGEMEM_ALIGN);
	TAP_OK(blk[0] != NULL && a.piece.len > 5 * HUGEMEM_ALIGN &&
		       all_are(blk[0], 5 * HUGEMEM_ALIGN, 0),
	       "hugearena: a block larger than a piece gets a piece of its size");
	TAP_OK(hugearena_alloc(&a, SIZE_MAX - 8) == NULL,
	       "hugearena: a size that overflows gives NULL");
	hugearena_release(&a);
	TAP_OK(a.piece.p == NULL && a.used == 0, "hugearena: released, it is empty");
	hugearena_release(&a); /* twice is harmless */
}

/* The pages of [p, p + n) that are resident. */
static size_t resident(void *p, size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), k = 0;
	unsigned char v[HUGEMEM_ALIGN / 4096];

	if (n / page > sizeof(v) || mincore(p, n, v) < 0)
		return SIZE_MAX;
	for (size_t i = 0; i < n / page; i++)
		k += v[i] & 1;
	return k;
}

static void test_hugearena_trim(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), past;
	struct hugearena a = { 0 };
	unsigned char *b, *c;

	/* a block that opens a huge page: writing to it may make all of it resident */
	if (hugearena_alloc(&a, 16) == NULL ||
	    (b = hugearena_alloc(&a, 300000)) == NULL) {
		TAP_OK(false, "hugearena trim: blocks");
		hugearena_release(&a);
		return;
	}
	memset(b, 0x5a, 300000);
	hugearena_trim(&a);
	past = (a.used + page - 1) & ~(page - 1);
	TAP_OK(resident((unsigned char *)a.piece.p + past, a.piece.len - past) == 0 &&
		       all_are(b, 300000, 0x5a),
	       "hugearena trim: nothing past the last block is resident, the blocks "
	       "stay");
	c = hugearena_alloc(&a, 1000000);
	TAP_OK(c != NULL && c > b && all_are(c, 1000000, 0),
	       "hugearena trim: a block after it is zeroed, in the same piece");
	hugearena_release(&a);
}

struct share_job {
	struct hugeshare share;
	unsigned char tag;
	bool ok;
};

/* Cut 2,000 blocks, tagged; then check that none was written by the other thread. */
static void *share_cut(void *arg)
{
	struct share_job *j = arg;
	unsigned char *blk[2000];
	size_t len[2000];

	j->ok = true;
	for (size_t i = 0; i < 2000; i++) {
		/* every 100th block above HUGESHARE_TAKE / 4: taken alone */
		len[i] = i % 100 == 0 ? HUGESHARE_TAKE / 2 : 8 + (i * 37) % 900;
		blk[i] = hugeshare_alloc(&j->share, len[i]);
		if (blk[i] == NULL || !all_are(blk[i], len[i], 0)) {
			j->ok = false;
			return NULL;
		}
		memset(blk[i], j->tag, len[i]);
	}
	for (size_t i = 0; i < 2000; i++)
		j->ok = j->ok && all_are(blk[i], len[i], j->tag);
	return NULL;
}

static void test_hugeshare(void)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct hugearena a = { 0 };
	struct share_job j[2] = { { { &a, &lock, NULL, 0 }, 0x11, false },
				  { { &a, &lock, NULL, 0 }, 0x22, false } };
	pthread_t th;
	bool started;

	started = pthread_create(&th, NULL, share_cut, &j[0]) == 0;
	share_cut(&j[1]);
	if (started)
		pthread_join(th, NULL);
	TAP_OK(started && j[0].ok && j[1].ok,
	       "hugeshare: two threads cut 4,000 zeroed blocks from one arena, apart");
	TAP_OK(j[0].share.left < HUGESHARE_TAKE && j[1].share.left < HUGESHARE_TAKE,
	       "hugeshare: each thread holds less than one take unused");
	hugearena_release(&a);
}

int main(void)
{
	/* what was printed survives a crash of the code under test */
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_empty();
	test_push();
	test_growth();
	test_printf();
	test_reserve();
	test_too_big();
	test_rlimit();
	test_borrow();
	test_borrow_untouched();
	test_hugemem();
	test_hugearena();
	test_hugearena_trim();
	test_hugeshare();
	return tap_done();
}
