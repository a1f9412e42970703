// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of lib/strbuf, the buffer every index and text output is built in:
 * push, pushchar, pushstr, printf, reserve, str, steal, clear, release; growth
 * byte by byte against a plain array; embedded NULs; and out of memory: sizes
 * that overflow size_t or exceed what malloc can give must fail with -ENOMEM
 * and leave the contents as they were, also when the limit is a real one
 * (RLIMIT_AS in a child process). A borrowed buffer (strbuf_borrow()) is filled
 * in place until it is outgrown, then left for memory of the buffer's own with
 * the contents kept, and is never freed: the memory of lib/hugemem.h, which is
 * checked here too (aligned, zeroed, writable, whole).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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
	strbuf_borrow(&sb, room, sizeof(room));
	TAP_OK(sb.buf == room && sb.used == 0 && sb.size == sizeof(room) &&
		       room[0] == '\0',
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
	test_hugemem();
	return tap_done();
}
