// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "depmod-cache.h"
#include "depmod-record.h"
#include "hash64.h"
#include "modscan.h"

/* The identity @st (NULL: no file), as the digest takes it. */
static void identity_words(const struct mk_file_id *st, uint64_t v[5])
{
	memset(v, 0, 5 * sizeof(*v));
	if (st != NULL) {
		v[0] = st->dev;
		v[1] = st->ino;
		v[2] = st->size;
		v[3] = (uint64_t)st->mtime_ns;
		v[4] = (uint64_t)st->ctime_ns;
	}
}

/* The identity @st (NULL: no file), into @sb. */
static int push_identity(struct strbuf *sb, const struct mk_file_id *st)
{
	uint64_t v[5];

	identity_words(st, v);
	return strbuf_push(sb, v, sizeof(v));
}

/*
 * A file the outputs read besides the modules, by its identity (followed
 * through symlinks, as it is read): 1, 0 when it changed too recently to be
 * trusted, -ENOMEM.
 */
static int push_file(struct strbuf *sb, const char *dir, const char *name,
		     int64_t start_ns)
{
	_cleanup_free_ char *path = NULL;
	struct mk_file_id id;
	struct stat st;
	bool there;

	if (name == NULL)
		return strbuf_pushstr(sb, "-") < 0 ? -ENOMEM : 1;
	if (dir != NULL && asprintf(&path, "%s/%s", dir, name) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	there = stat(path ? path : name, &st) == 0;
	if (there) {
		id = mk_file_id_of(&st);
		if (!dmc_settled(&id, start_ns))
			return 0;
	}
	if (strbuf_push(sb, path ? path : name, strlen(path ? path : name) + 1) < 0 ||
	    push_identity(sb, there ? &id : NULL) < 0)
		return -ENOMEM;
	return 1;
}

/* What the outputs depend on besides the modules: the options and other files. */
static int push_setting(struct strbuf *sb, const struct depmod_opts *o, int64_t start_ns)
{
	static const char *const dir_files[] = { "modules.order", "modules.builtin",
						 "modules.builtin.modinfo" };
	const char *ksyms = o->symvers ? o->symvers : o->system_map;
	int r;

	if (strbuf_printf(sb, "mydepmod outputs 1\n%s\n%s\n%s\n%c%c\n", o->dirname,
			  o->outdirname, o->kver, o->sym_prefix ? o->sym_prefix : '-',
			  o->symvers	  ? 'E'
			  : o->system_map ? 'F'
					  : '-') < 0)
		return -ENOMEM;
	r = push_file(sb, NULL, ksyms, start_ns);
	for (size_t i = 0; r > 0 && i < sizeof(dir_files) / sizeof(*dir_files); i++)
		r = push_file(sb, o->dirname, dir_files[i], start_ns);
	return r;
}

bool dmr_recordable(const struct dg_module *const *mods, size_t n, int64_t start_ns,
		    bool cached_only)
{
	for (size_t i = 0; i < n; i++)
		if (mods[i] == NULL || !dmc_trusted(mods[i], start_ns) ||
		    (cached_only && !mods[i]->from_cache))
			return false;
	return true;
}

int dmr_digest(const struct depmod_opts *o, const struct dg_module *const *mods, size_t n,
	       int64_t start_ns, bool cached_only, uint64_t *digest)
{
	_cleanup_(strbuf_release) struct strbuf sb = STRBUF_INIT;
	struct hash64_stream hs;
	int r;

	/*
	 * Every module first, which is cheap: the run after a module's
	 * installation, which can make or use no record, then hashes nothing
	 */
	if (!dmr_recordable(mods, n, start_ns, cached_only))
		return 0;
	r = push_setting(&sb, o, start_ns);
	if (r <= 0)
		return r;
	/* the modules hashed as they come: 0.4 MB for Debian's tree, never made */
	hash64_stream_init(&hs, n);
	hash64_stream_update(&hs, sb.buf, sb.used);
	for (size_t i = 0; i < n; i++) {
		const struct dg_module *m = mods[i];
		uint64_t sort_idx = (uint64_t)(int64_t)m->scan->sort_idx, id[5];

		identity_words(&m->st, id);
		hash64_stream_update(&hs, m->scan->path, strlen(m->scan->path) + 1);
		hash64_stream_update(&hs, &sort_idx, sizeof(sort_idx));
		hash64_stream_update(&hs, id, sizeof(id));
	}
	*digest = hash64_stream_final(&hs);
	return 1;
}

uint64_t dmr_file_hash(const void *data, size_t len)
{
	return hash64(data, len, 0);
}

/* The record: 64-bit words in native order, as the rest of the cache. */
#define DMR_WORDS (DMR_LEN / sizeof(uint64_t))

void dmr_make(uint64_t digest, const struct strbuf out[DEPMOD_N_OUTPUTS],
	      const uint64_t hash[DEPMOD_N_OUTPUTS], unsigned char rec[DMR_LEN])
{
	uint64_t v[DMR_WORDS] = { digest, DEPMOD_N_OUTPUTS };

	for (size_t i = 0; i < DEPMOD_N_OUTPUTS; i++) {
		v[2 + 2 * i] = out[i].used;
		v[3 + 2 * i] = hash[i];
	}
	memcpy(rec, v, DMR_LEN);
}

bool dmr_parse(const void *rec, size_t len, uint64_t *digest, struct dmr_files *files)
{
	uint64_t v[DMR_WORDS];

	if (len != DMR_LEN)
		return false;
	memcpy(v, rec, DMR_LEN);
	if (v[1] != DEPMOD_N_OUTPUTS)
		return false;
	*digest = v[0];
	for (size_t i = 0; i < DEPMOD_N_OUTPUTS; i++) {
		files->size[i] = v[2 + 2 * i];
		files->hash[i] = v[3 + 2 * i];
	}
	return true;
}
