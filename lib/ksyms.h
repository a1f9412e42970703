/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The symbols the kernel image exports, as a list: from Module.symvers (CRC and
 * namespace; only the lines of "vmlinux") or from System.map (the __ksymtab_
 * entries: names only). lib/depgraph.h reads the same files for resolution; this
 * list is what mykmod diff compares.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct ksym {
	const char *name;
	uint64_t crc;
	const char *ns; /* NULL: none */
};

struct ksyms {
	struct ksym *v; /* sorted by name, one entry per name (the last line wins) */
	size_t n, cap;
	bool has_crcs; /* read from Module.symvers */
	char *buf; /* the file, the strings point into it */
};

/* 0, -errno of opening or reading, -ENOMEM; lines that do not parse are skipped. */
int ksyms_load_symvers(const char *path, struct ksyms *out) _must_check_;
int ksyms_load_system_map(const char *path, struct ksyms *out) _must_check_;
/* The same from a copy of @len bytes at @data; NULL: the file @path. */
int ksyms_load_symvers_mem(const char *path, const char *data, size_t len,
			   struct ksyms *out) _must_check_;
int ksyms_load_system_map_mem(const char *path, const char *data, size_t len,
			      struct ksyms *out) _must_check_;
void ksyms_release(struct ksyms *k);
