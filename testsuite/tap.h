/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Minimal TAP output for C unit tests. */
#pragma once

#include <stdio.h>

static int tap_count, tap_failures;

/* @cond is evaluated once. */
#define TAP_OK(cond, ...)                                                               \
	do {                                                                            \
		int tap_ok_ = !!(cond);                                                 \
		tap_count++;                                                            \
		if (tap_ok_) {                                                          \
			printf("ok %d - ", tap_count);                                  \
		} else {                                                                \
			tap_failures++;                                                 \
			printf("not ok %d - ", tap_count);                              \
		}                                                                       \
		printf(__VA_ARGS__);                                                    \
		printf("\n");                                                           \
		if (!tap_ok_)                                                           \
			printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failures ? 1 : 0;
}
