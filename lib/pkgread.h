/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The files of a kernel package read in place, never unpacked to disk (mykmod diff,
 * docs/mykmod-diff.md §1), with libarchive (lib/dl-archive.h, loaded on demand):
 * a .deb is an ar archive whose data.tar.{xz,zst,gz,bz2} member is read by a second
 * reader that pulls from the first; an .rpm is a cpio payload after the rpm header
 * (libarchive's rpm filter); a tar or cpio archive is read as it is.
 *
 * Regular files are offered, in archive order, with their path normalised
 * (no leading "./" or "/"). The visitor says which it wants; those are read whole
 * into memory, one at a time, and handed over. Links are told to the visitor's
 * link(), when it has one: a symbolic link with its target as stored, a hard link
 * of a tar (a member with no data of its own) with the path of the member it
 * shares the data of, made absolute ("/usr/lib/...": from the package's root).
 * A cpio stores such data with the last name instead: the names before it are
 * told as links to that one once it comes (offered as empty files at the end when
 * it never does). Only the compressions of kernel packages are read (gzip, bzip2,
 * xz, lzma, zstd): no filter that runs an external program.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct pkg_visitor {
	/* 1: read @path (@size bytes, -1 when unknown) and give it to take; 0: skip it;
	 * a negative errno stops the read (after the visitor's own message) */
	int (*want)(void *data, const char *path, int64_t size);
	/* @buf (malloc'd, NUL-terminated after @len bytes) is the callee's */
	int (*take)(void *data, const char *path, void *buf, size_t len);
	/* @path is a link to @target (NULL: links are skipped); 0 or a negative errno */
	int (*link)(void *data, const char *path, const char *target);
	void *data;
};

/*
 * Largest member read into memory (1 GiB), like the largest module image. A build
 * may set it lower: the fuzz target's does (mk/mykmod.am), so that an input of a
 * few KiB cannot decompress to a member of hundreds of MiB.
 */
#ifndef PKG_MEMBER_MAX
#define PKG_MEMBER_MAX ((size_t)1 << 30)
#endif

/*
 * Read the package @file. 0, or a negative errno after a message "<file>: <what>"
 * to @log: the error of opening it (-ENOENT...), -ELIBACC (libarchive could not be
 * loaded, or cannot read one of those compressions itself), -ENOTDIR (not an
 * archive of a known kind, or an ar archive with no data.tar member: not a
 * package), -EBADMSG (truncated or corrupt), -EFBIG (a wanted member over
 * PKG_MEMBER_MAX), or what the visitor returned.
 */
int pkg_read(const char *file, const struct pkg_visitor *v,
	     const struct mk_log *log) _must_check_;

/*
 * Is @file an archive rather than a text file (a Module.symvers or a System.map
 * given with -E or -F may be either: docs/mykmod-diff.md §2)? 1 when its first
 * 4 KiB hold a byte no text has (NUL, a control character other than a blank;
 * every package, compressed or not, has one there), 0 when not, or a negative
 * errno of opening or reading it. No message.
 */
int pkg_is_binary(const char *file) _must_check_;
