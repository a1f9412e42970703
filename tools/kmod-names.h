/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tools under kmod's names: each is a program of its own (tools/mydepmod.c...)
 * and, linked into mykmod with MYKMOD_MULTICALL defined, what mykmod runs when it
 * is called as depmod, modprobe... (tools/mykmod.c), as kmod 30's links to `kmod`.
 * Each takes the whole command line, argv[0] included, and returns the exit status.
 */
#pragma once

int depmod_main(int argc, char *argv[]);
int insmod_main(int argc, char *argv[]);
int modinfo_main(int argc, char *argv[]);
int modprobe_main(int argc, char *argv[]);
int rmmod_main(int argc, char *argv[]);
