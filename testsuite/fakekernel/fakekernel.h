/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The LD_PRELOAD fake kernel (fakekernel.so): shared declarations of path.c
 * (path redirection into a rootfs, uname) and kernel.c (init_module, finit_module,
 * delete_module, syscall).
 *
 * Environment:
 *   FAKEKERNEL_ROOTFS       absolute path of the fake root; every absolute path
 *                           the program opens is looked up below it (see path.c)
 *   FAKEKERNEL_UNAME_R      release returned by uname()
 *   FAKEKERNEL_PASSTHROUGH  colon-separated extra prefixes that are not redirected
 *   FAKEKERNEL_ERRORS       injected errors, same syntax as <rootfs>/fakekernel/errors
 *
 * The state of the fake kernel lives in the rootfs, as on a real system:
 * sys/module/NAME/{initstate,refcnt,holders/,coresize,initsize,taint,parameters/}
 * and proc/modules; its own knobs and records live in <rootfs>/fakekernel/.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* the rootfs without a trailing '/', or NULL when FAKEKERNEL_ROOTFS is unset */
const char *fk_rootfs(void);

/*
 * Write into @buf the path @path resolves to: the rootfs prepended to an absolute
 * path that must be redirected, else @path itself. Returns @buf or @path, or NULL
 * (errno ENAMETOOLONG) when it does not fit.
 */
const char *fk_redirect(const char *path, char *buf, size_t bufsize);
