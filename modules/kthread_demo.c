// SPDX-License-Identifier: GPL-2.0
/*
 * kthread_demo: the kthread life cycle from "Kernel Threads - Part 1"
 * (Kashish Bhatia): kthread_run() starts the thread, the thread loops until
 * kthread_should_stop(), and module removal calls kthread_stop(), which wakes
 * the thread and waits for it to return.
 *
 * The thread never returns on its own: kthread_stop() on a thread that has
 * already exited is the crash the blog post warns about. As extra safety the
 * module holds a reference on the task_struct until after kthread_stop().
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/task.h>

static unsigned int interval_ms = 250;
module_param(interval_ms, uint, 0444);
MODULE_PARM_DESC(interval_ms, "How often the thread does its work, in ms (default 250)");

static char *name = "kthread_demo";
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "Name of the kernel thread (default kthread_demo)");

static struct task_struct *worker;
static unsigned long iterations;

static int worker_fn(void *arg)
{
	pr_info("kthread_demo: %s (pid %d) started\n", current->comm, current->pid);
	while (!kthread_should_stop()) {
		iterations++;
		pr_info("kthread_demo: %s: iteration %lu\n", current->comm, iterations);
		schedule_timeout_interruptible(msecs_to_jiffies(interval_ms));
	}
	pr_info("kthread_demo: %s: kthread_should_stop() is true, returning\n",
		current->comm);
	return 0;
}

static int __init kthread_demo_init(void)
{
	worker = kthread_run(worker_fn, NULL, "%s", name);
	if (IS_ERR(worker)) {
		pr_err("kthread_demo: kthread_run failed: %ld\n", PTR_ERR(worker));
		return PTR_ERR(worker);
	}
	get_task_struct(worker);
	pr_info("kthread_demo: loaded, interval %u ms\n", interval_ms);
	return 0;
}

static void __exit kthread_demo_exit(void)
{
	int ret = kthread_stop(worker);

	put_task_struct(worker);
	pr_info("kthread_demo: unloaded, thread returned %d after %lu iterations\n", ret,
		iterations);
}

module_init(kthread_demo_init);
module_exit(kthread_demo_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("mykmod demo (after Kashish Bhatia)");
MODULE_DESCRIPTION(
	"Kernel thread life cycle: kthread_run, kthread_should_stop, kthread_stop");
