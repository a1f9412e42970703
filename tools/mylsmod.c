// SPDX-License-Identifier: GPL-2.0-or-later
/* mylsmod: kmod 30's lsmod (tools/lsmod.c, which `mykmod list` shares). */
#include "config.h"

#include "lsmod.h"

int main(int argc, char *argv[])
{
	return lsmod_main(argc, argv);
}
