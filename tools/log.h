/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tool-side logging, in kmod's format: "<prog>: <PRIO>: <message>".
 * A message at LOG_CRIT (FATAL) that is printed ends the process with exit status 1.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <syslog.h>

#include "util.h"

/* @prog is the name printed before each message; @use_syslog sends them to syslog. */
void log_open(const char *prog, bool use_syslog);
void log_close(void);
/* Messages with a priority above @prio (less severe) are not printed. */
void log_set_priority(int prio);
int log_get_priority(void);
/* The exit status of a printed FATAL message (EXIT_FAILURE unless set). */
void log_set_fatal_status(int status);
void log_printf(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vprintf(int prio, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Adapter for lib/: pass &tool_log where a struct mk_log is wanted. */
extern const struct mk_log tool_log;
const char *log_prog(void);
/* -V of every tool: our version and the compiled-in features. */
void print_version(void);
/*
 * The options every tool ends its getopt switch with: -h (@help), -V, and what
 * getopt refused ('?', it printed why). Returns the exit status.
 */
int tool_other_option(int c, void (*help)(void));

#define CRIT(...) log_printf(LOG_CRIT, __VA_ARGS__)
#define ERR(...) log_printf(LOG_ERR, __VA_ARGS__)
#define WRN(...) log_printf(LOG_WARNING, __VA_ARGS__)
#define NOTICE(...) log_printf(LOG_NOTICE, __VA_ARGS__)
#define INF(...) log_printf(LOG_INFO, __VA_ARGS__)
#define DBG(...) log_printf(LOG_DEBUG, __VA_ARGS__)
