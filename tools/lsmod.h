/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lsmod, shared by mylsmod and `mykmod list`. */
#pragma once

/*
 * The whole of lsmod: -h/--help, -V/--version, "Usage: ARGV0" for anything else,
 * or the table of loaded modules. Returns the exit status.
 */
int lsmod_main(int argc, char *argv[]);
