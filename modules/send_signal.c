// SPDX-License-Identifier: GPL-2.0
/*
 * send_signal: kernel thread K2 sends SIGUSR1 to signal_handling's K1 a few
 * times, then idles until the module is removed (kthread_should_stop()).
 *
 * It uses signal_handling's exported kthread_pid, so depmod records
 * "send_signal.ko: signal_handling.ko" and the kernel marks signal_handling
 * as used by send_signal.
 *
 * Ported from the blog post's send_sig_info()/pid_task() to the 6.1 API:
 * find_get_pid() and kill_pid() take care of the pid and task references.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>

static unsigned int count = 3;
module_param(count, uint, 0444);
MODULE_PARM_DESC(count, "How many SIGUSR1 signals K2 sends to K1 (default 3)");

static unsigned int interval_ms = 300;
module_param(interval_ms, uint, 0444);
MODULE_PARM_DESC(interval_ms, "Delay between two signals, in ms (default 300)");

extern pid_t kthread_pid;

static struct task_struct *k2;

static int send_one(pid_t nr)
{
	struct pid *pid = find_get_pid(nr);
	int ret;

	if (!pid)
		return -ESRCH;
	ret = kill_pid(pid, SIGUSR1, 1);
	put_pid(pid);
	return ret;
}

static int k2_fn(void *arg)
{
	const char *comm = current->comm;
	unsigned int sent = 0;

	while (!kthread_should_stop()) {
		pid_t target = READ_ONCE(kthread_pid);

		if (target && sent < count) {
			int ret;

			pr_info("send_signal: %s: sending SIGUSR1 to pid %d\n", comm,
				target);
			ret = send_one(target);
			if (ret)
				pr_info("send_signal: %s: cannot signal pid %d: %d\n",
					comm, target, ret);
			else
				sent++;
			if (sent == count)
				pr_info("send_signal: %s: sent %u signals, now idle\n",
					comm, sent);
		}
		schedule_timeout_interruptible(msecs_to_jiffies(interval_ms));
	}
	pr_info("send_signal: %s: exiting\n", comm);
	return 0;
}

static int __init send_signal_init(void)
{
	pr_info("send_signal: module is starting, K1 pid %d\n", kthread_pid);
	k2 = kthread_run(k2_fn, NULL, "K2");
	if (IS_ERR(k2)) {
		pr_err("send_signal: cannot start K2: %ld\n", PTR_ERR(k2));
		return PTR_ERR(k2);
	}
	get_task_struct(k2);
	return 0;
}

static void __exit send_signal_exit(void)
{
	kthread_stop(k2);
	put_task_struct(k2);
	pr_info("send_signal: unloaded, K2 stopped\n");
}

module_init(send_signal_init);
module_exit(send_signal_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("mykmod demo (after Kashish Bhatia)");
MODULE_DESCRIPTION(
	"sending signal from 1 kthread to another and using default signal handler");
