// SPDX-License-Identifier: GPL-2.0
/*
 * vermagic_mismatch: a module that the kernel refuses with ENOEXEC ("Invalid
 * module format") unless the loader forces it.
 *
 * The code is ordinary. After the build, set-vermagic.sh rewrites the
 * vermagic string in its .modinfo section, dropping the "preempt" flag, as if
 * it had been built for a kernel without CONFIG_PREEMPT_BUILD:
 *     6.1.0-NN-amd64 SMP preempt mod_unload modversions    (kernel)
 *     6.1.0-NN-amd64 SMP mod_unload modversions            (this module)
 * With CONFIG_MODVERSIONS the kernel ignores the release part of vermagic but
 * compares the flags. modprobe --force-vermagic makes the kernel skip the
 * check (and taint the kernel with F).
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

static int answer = 42;
module_param(answer, int, 0444);
MODULE_PARM_DESC(answer, "A number printed when the module loads (default 42)");

static int __init vermagic_mismatch_init(void)
{
	pr_info("vermagic_mismatch: loaded despite its vermagic, answer = %d\n", answer);
	return 0;
}

static void __exit vermagic_mismatch_exit(void)
{
	pr_info("vermagic_mismatch: unloaded\n");
}

module_init(vermagic_mismatch_init);
module_exit(vermagic_mismatch_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("mykmod demo");
MODULE_DESCRIPTION(
	"Module whose vermagic flags do not match the kernel (for --force-vermagic)");
