// SPDX-License-Identifier: GPL-2.0
/* comp_zstd: installed as comp_zstd.ko.zst; see comp_demo.h */
#define COMP_NAME "comp_zstd"
#define COMP_FORMAT "zstd"
#include "comp_demo.h"
