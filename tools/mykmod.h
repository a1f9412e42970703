/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The commands of the mykmod multi-call tool: each takes the arguments after its name. */
#pragma once

/* mykmod diff OLD NEW (tools/mykmod-diff.c): 0 the same, 1 different, 2 trouble. */
int mykmod_diff_main(int argc, char *argv[]);
