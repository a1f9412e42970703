/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mymodprobe --json: `-c` and `--show-depends` as one JSON object each, written by
 * lib/json (schemas in man/mymodprobe.8). Beyond kmod, which has no --json.
 */
#pragma once

#include <stddef.h>

struct modprobe_config;
struct probe_ctx;
struct probe_mod;
struct probe_opts;

/*
 * -c --json: every configuration entry in -c's order, on one line. Returns 0 or a
 * negative errno (reported).
 */
int modprobe_json_config(const struct modprobe_config *cfg);

/*
 * --show-depends --json: the closure of the named modules. Make one with
 * depends_json_new(), add each command-line name with what it resolved to, then
 * print it (weak dependencies are added then) and free it.
 */
struct depends_json;

int depends_json_new(struct probe_ctx *probe, const struct modprobe_config *cfg,
		     const char *dirname, const struct probe_opts *po,
		     struct depends_json **out);
/*
 * @arg, found as @mods (@n may be 0: not found); @extra: its command-line
 * parameters, or NULL. Returns 0 or a negative errno (reported).
 */
int depends_json_add(struct depends_json *dj, const char *arg, struct probe_mod **mods,
		     size_t n, const char *extra);
/* Add the weak dependencies, print the object. 0 or a negative errno (reported). */
int depends_json_print(struct depends_json *dj);
void depends_json_free(struct depends_json *dj);
