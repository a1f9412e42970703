// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"

static const char *log_progname = "mykmod";
static bool log_use_syslog;
static int log_priority = LOG_INFO;
static int log_fatal_status = EXIT_FAILURE;

static const char *const prio_names[] = {
	[LOG_EMERG] = "EMERGENCY", [LOG_ALERT] = "ALERT",     [LOG_CRIT] = "FATAL",
	[LOG_ERR] = "ERROR",	   [LOG_WARNING] = "WARNING", [LOG_NOTICE] = "NOTICE",
	[LOG_INFO] = "INFO",	   [LOG_DEBUG] = "DEBUG",
};

void log_open(const char *prog, bool use_syslog)
{
	log_progname = prog;
	log_use_syslog = use_syslog;
	if (use_syslog)
		openlog(prog, LOG_CONS, LOG_DAEMON);
}

void log_close(void)
{
	if (log_use_syslog)
		closelog();
}

void log_set_priority(int prio)
{
	log_priority = prio;
}

int log_get_priority(void)
{
	return log_priority;
}

void log_set_fatal_status(int status)
{
	log_fatal_status = status;
}

const char *log_prog(void)
{
	return log_progname;
}

/*
 * As in kmod, a FATAL message ends the process only when it is printed: with -q
 * (priority below LOG_CRIT) modprobe goes on and fails later with status 1.
 */
void log_vprintf(int prio, const char *fmt, va_list ap)
{
	if (prio <= log_priority) {
		const char *name = prio >= 0 && prio < (int)ARRAY_SIZE(prio_names)
					   ? prio_names[prio]
					   : "LOG";
		char *msg = NULL;

		if (vasprintf(&msg, fmt, ap) < 0)
			msg = NULL;
		if (log_use_syslog)
			syslog(prio, "%s: %s", name, msg ? msg : fmt);
		else
			fprintf(stderr, "%s: %s: %s", log_progname, name,
				msg ? msg : fmt);
		free(msg);
		if (prio <= LOG_CRIT)
			exit(log_fatal_status);
	}
}

void log_printf(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(prio, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 0))) static void
log_from_lib(void *data, int prio, const char *fmt, va_list ap)
{
	log_vprintf(prio, fmt, ap);
}

const struct mk_log tool_log = { .fn = log_from_lib, .data = NULL };

void print_version(void)
{
	printf("mykmod version %s\n%s\n", PACKAGE_VERSION, MYKMOD_FEATURES);
}

int tool_other_option(int c, void (*help)(void))
{
	switch (c) {
	case 'h':
		help();
		return EXIT_SUCCESS;
	case 'V':
		print_version();
		return EXIT_SUCCESS;
	case '?':
		return EXIT_FAILURE;
	default:
		ERR("unexpected getopt_long() value '%c'.\n", c);
		return EXIT_FAILURE;
	}
}
