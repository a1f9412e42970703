// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `mykmod diff` on its own, for testsuite/test-mykmod-diff.sh until the mykmod
 * multi-call tool carries it.
 */
#include "config.h"

#include "log.h"
#include "mykmod.h"

int main(int argc, char *argv[])
{
	log_open("mykmod", false);
	return mykmod_diff_main(argc, argv);
}
