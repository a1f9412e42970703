/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* modules.builtin.modinfo: the .modinfo of modules built into the kernel. */
#pragma once

#include <stddef.h>

#include "util.h"

/*
 * The "key=value" records of builtin module @modname from
 * <dirfd>/<path> (normally "modules.builtin.modinfo"), in file order.
 * Records are "modname.key=value\0"; like kmod, a module's records are taken to be
 * contiguous. On success *strs is a malloc'd array of @*n pointers into *buf
 * (also malloc'd); the caller frees both. -ENOENT if the file is missing.
 */
int builtin_modinfo_get(int dirfd, const char *path, const char *modname, char **buf,
			const char ***strs, size_t *n) _must_check_;
