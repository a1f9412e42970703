/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Body of the compressed-module demos comp_xz and comp_zstd: each .c file
 * defines COMP_NAME and COMP_FORMAT and includes this. They are installed
 * compressed (.ko.xz, .ko.zst); Debian's 6.1 kernel has no in-kernel module
 * decompression, so the loader must decompress them and use init_module().
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

static char *greeting = "hello";
module_param(greeting, charp, 0444);
MODULE_PARM_DESC(greeting, "Word printed when the module loads (default hello)");

static int __init comp_demo_init(void)
{
	pr_info(COMP_NAME ": %s from a module installed " COMP_FORMAT "-compressed\n",
		greeting);
	return 0;
}

static void __exit comp_demo_exit(void)
{
	pr_info(COMP_NAME ": unloaded\n");
}

module_init(comp_demo_init);
module_exit(comp_demo_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("mykmod demo");
MODULE_DESCRIPTION("Demo module installed " COMP_FORMAT "-compressed");
