// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "depmod-cache.h"
#include "depmod-record.h"
#include "hash64.h"
#include "modscan.h"

/* The identity of @st, or of no file: into @sb. */
static int push_identity(struct strbuf *sb, const struct stat *st)
{
	uint64_t v[5] = { 0 };

	if (st != NULL) {
		v[0] = (uint64_t)st->st_dev;
		v[1] = (uint64_t)st->st_ino;
		v[2] = (uint64_t)st->st_size;
		v[3] = (uint64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
		v[4] = (uint64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
	}
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
	struct stat st;
	bool there;

	if (name == NULL)
		return strbuf_pushstr(sb, "-") < 0 ? -ENOMEM : 1;
	if (dir != NULL && asprintf(&path, "%s/%s", dir, name) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	there = stat(path ? path : name, &st) == 0;
	if (there && ((int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec >=
			      start_ns - DMC_RACY_NS ||
		      (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec >=
			      start_ns - DMC_RACY_NS))
		return 0;
	if (strbuf_push(sb, path ? path : name, strlen(path ? path : name) + 1) < 0 ||
	    push_identity(sb, there ? &st : NULL) < 0)
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

int dmr_digest(const struct depmod_opts *o, const struct dg_module *const *mods, size_t n,
	       int64_t start_ns, bool cached_only, uint64_t *digest)
{
	_cleanup_(strbuf_release) struct strbuf sb = STRBUF_INIT;
	int r = push_setting(&sb, o, start_ns);

	for (size_t i = 0; r > 0 && i < n; i++) {
		const struct dg_module *m = mods[i];
		uint64_t v[6];

		if (m == NULL || !dmc_trusted(m, start_ns) ||
		    (cached_only && !m->from_cache))
			return 0;
		v[0] = (uint64_t)(int64_t)m->scan->sort_idx;
		v[1] = m->st.dev;
		v[2] = m->st.ino;
		v[3] = m->st.size;
		v[4] = (uint64_t)m->st.mtime_ns;
		v[5] = (uint64_t)m->st.ctime_ns;
		if (strbuf_push(&sb, m->scan->path, strlen(m->scan->path) + 1) < 0 ||
		    strbuf_push(&sb, v, sizeof(v)) < 0)
			return -ENOMEM;
	}
	if (r <= 0)
		return r;
	*digest = hash64(sb.buf, sb.used, n);
	return 1;
}

uint64_t dmr_file_hash(const void *data, size_t len)
{
	return hash64(data, len, 0);
}

static void put64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

void dmr_make(uint64_t digest, const struct strbuf out[DEPMOD_N_OUTPUTS],
	      unsigned char rec[DMR_LEN])
{
	memset(rec, 0, DMR_LEN);
	put64(rec, digest);
	put64(rec + 8, DEPMOD_N_OUTPUTS);
	for (size_t i = 0; i < DEPMOD_N_OUTPUTS; i++) {
		put64(rec + 16 + 16 * i, out[i].used);
		put64(rec + 24 + 16 * i,
		      dmr_file_hash(out[i].buf ? out[i].buf : "", out[i].used));
	}
}

bool dmr_parse(const void *rec, size_t len, uint64_t *digest, struct dmr_files *files)
{
	const unsigned char *p = rec;

	if (len != DMR_LEN || get64(p + 8) != DEPMOD_N_OUTPUTS)
		return false;
	*digest = get64(p);
	for (size_t i = 0; i < DEPMOD_N_OUTPUTS; i++) {
		files->size[i] = get64(p + 16 + 16 * i);
		files->hash[i] = get64(p + 24 + 16 * i);
	}
	return true;
}
