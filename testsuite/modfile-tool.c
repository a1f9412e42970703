// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Test helper: print everything lib/modfile reads from a module file, so the tests
 * can check the reader against what they put into a fixture, and run it under
 * sanitizers on malformed input.
 *   modfile-tool FILE [modinfo|exports|needs|versions|signature|strip|all]
 *   modfile-tool --room FILE...
 * Exit 0 when everything asked for was read, 1 with "error: <what>: <strerror>".
 * --room opens the files one after another as mydepmod's readers do, each plain
 * one in the same room (modfile_open_budget()), and prints "file FILE" then
 * all of each.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem.h"
#include "modfile.h"
#include "modsyms.h"
#include "util.h"

static int fail(const char *what, int r)
{
	printf("error: %s: %s\n", what, strerror(-r));
	return 1;
}

static int show_syms(struct modfile *mf, const char *what,
		     int (*get)(struct modfile *, const struct modsym **, size_t *))
{
	const struct modsym *s;
	size_t n;
	int r = get(mf, &s, &n);

	if (r < 0)
		return fail(what, r);
	for (size_t i = 0; i < n; i++)
		printf("%s %c 0x%08" PRIx64 " %s\n", what, s[i].bind, s[i].crc,
		       s[i].name);
	return 0;
}

static void hex(const char *label, const uint8_t *p, size_t n)
{
	printf("%s ", label);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	putchar('\n');
}

/* Print @what of @mf: 0, or 1 when something could not be read. */
static int show(struct modfile *mf, const char *what)
{
	bool all = streq(what, "all");
	int ret = 0, r;

	printf("compression %s\n", mk_compression_name(modfile_compression(mf)));
	if (all || streq(what, "modinfo")) {
		const struct modinfo_entry *e;
		size_t n;

		r = modfile_get_modinfo(mf, &e, &n);
		if (r < 0)
			ret |= fail("modinfo", r);
		for (size_t i = 0; r == 0 && i < n; i++)
			printf("modinfo %.*s=%s\n", (int)e[i].keylen, e[i].key,
			       e[i].value);
	}
	if (all || streq(what, "exports"))
		ret |= show_syms(mf, "exports", modfile_get_exports);
	if (all || streq(what, "needs"))
		ret |= show_syms(mf, "needs", modfile_get_needs);
	if (all || streq(what, "versions"))
		ret |= show_syms(mf, "versions", modfile_get_versions);
	if (all || streq(what, "signature")) {
		struct modsig sig;

		r = modfile_get_signature(mf, &sig);
		if (r == 0) {
			printf("signature %s %s\n", sig.id_type, sig.hash_algo);
			hex("signer", sig.signer, sig.signer_len);
			hex("key_id", sig.key_id, sig.key_id_len);
			printf("sig_len %zu\n", sig.sig_len);
		} else if (r != -ENODATA) {
			ret |= fail("signature", r);
		}
	}
	if (all || streq(what, "strip")) {
		void *img;
		size_t len;

		r = modfile_strip(mf, true, true, &img, &len);
		if (r == 0) {
			struct modfile *s;

			/* the stripped copy must still be a readable module */
			r = modfile_open_memory(img, len, &s);
			free(img);
			if (r == 0) {
				const struct modinfo_entry *e;
				size_t n;

				r = modfile_get_modinfo(s, &e, &n);
				for (size_t i = 0; r == 0 && i < n; i++)
					if (e[i].keylen == 8 &&
					    memcmp(e[i].key, "vermagic", 8) == 0)
						r = -EEXIST;
				modfile_free(s);
			}
			printf("strip %s\n", r == 0 ? "ok" : strerror(-r));
		} else if (r != -ENODATA) {
			ret |= fail("strip", r);
		}
	}
	return ret;
}

static int show_in_room(int n, char *paths[])
{
	struct hugemem room = { 0 };
	int ret = 0;

	for (int i = 0; i < n; i++) {
		struct modfile *mf;
		int r;

		printf("file %s\n", paths[i]);
		r = modfile_open_budget(AT_FDCWD, paths[i], -1, NULL, &room, &mf);
		if (r < 0) {
			ret |= fail("open", r);
			continue;
		}
		ret |= show(mf, "all");
		modfile_free(mf);
	}
	hugemem_free(&room);
	return ret;
}

int main(int argc, char *argv[])
{
	struct modfile *mf;
	int ret, r;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE [what] | --room FILE...\n", argv[0]);
		return 2;
	}
	if (streq(argv[1], "--room"))
		return show_in_room(argc - 2, argv + 2);
	r = modfile_open(argv[1], &mf);
	if (r < 0)
		return fail("open", r);
	ret = show(mf, argc > 2 ? argv[2] : "all");
	modfile_free(mf);
	return ret;
}
