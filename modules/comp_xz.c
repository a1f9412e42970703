// SPDX-License-Identifier: GPL-2.0
/* comp_xz: installed as comp_xz.ko.xz; see comp_demo.h */
#define COMP_NAME "comp_xz"
#define COMP_FORMAT "xz"
#include "comp_demo.h"
