// SPDX-License-Identifier: GPL-2.0
/*
 * signal_handling: kernel thread K1 records its pid in the exported
 * kthread_pid, asks the kernel to load send_signal (request_module runs the
 * modprobe named in /proc/sys/kernel/modprobe) and reports every SIGUSR1 that
 * send_signal's thread K2 sends it.
 *
 * Ported from the "kmod subsystem usage" blog post (Kashish Bhatia) to the
 * 6.1 API: allow_signal() and kernel_dequeue_signal() instead of poking at
 * the signal queue, schedule_timeout_interruptible() for the sleep.
 *
 * request_module() is called from K1, not from module_init: send_signal needs
 * kthread_pid, so it can only finish loading once this module is live.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/kmod.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>

static unsigned int interval_ms = 200;
module_param(interval_ms, uint, 0444);
MODULE_PARM_DESC(interval_ms,
		 "How long K1 sleeps between checks for signals, in ms (default 200)");

static bool load_peer = true;
module_param(load_peer, bool, 0444);
MODULE_PARM_DESC(load_peer,
		 "Load the peer module with request_module() from K1 (default Y)");

static char *peer = "send_signal";
module_param(peer, charp, 0444);
MODULE_PARM_DESC(peer, "Module K1 asks the kernel to load (default send_signal)");

/* pid of K1; send_signal reads it, which makes it depend on this module */
pid_t kthread_pid;
EXPORT_SYMBOL(kthread_pid);

static struct task_struct *k1;
static unsigned int signals_received;

static int k1_fn(void *arg)
{
	int ret;

	/* kthreads ignore every signal unless they allow it: allow SIGUSR1
	 * before anyone can know the pid to send it to */
	allow_signal(SIGUSR1);
	WRITE_ONCE(kthread_pid, current->pid);
	pr_info("signal_handling: %s: pid of current thread %d\n", current->comm,
		current->pid);

	if (load_peer) {
		/* waits for modprobe; returns its wait status (exit code << 8) */
		ret = request_module("%s", peer);
		if (ret)
			pr_info("signal_handling: %s: request_module(%s) = %d\n",
				current->comm, peer, ret);
		else
			pr_info("signal_handling: %s: request_module(%s) done\n",
				current->comm, peer);
	}

	while (!kthread_should_stop()) {
		schedule_timeout_interruptible(msecs_to_jiffies(interval_ms));

		while (signal_pending(current)) {
			int sig = kernel_dequeue_signal();

			if (sig <= 0)
				break;
			signals_received++;
			pr_info("signal_handling: %s: received signal %d%s (%u so far)\n",
				current->comm, sig, sig == SIGUSR1 ? " (SIGUSR1)" : "",
				signals_received);
		}
	}

	pr_info("signal_handling: %s: stopping after %u signals\n", current->comm,
		signals_received);
	return 0;
}

static int __init signal_handling_init(void)
{
	k1 = kthread_run(k1_fn, NULL, "K1");
	if (IS_ERR(k1)) {
		pr_err("signal_handling: cannot start K1: %ld\n", PTR_ERR(k1));
		return PTR_ERR(k1);
	}
	/* keep the task_struct until kthread_stop() even if K1 ends early */
	get_task_struct(k1);
	pr_info("signal_handling: loaded, K1 started\n");
	return 0;
}

static void __exit signal_handling_exit(void)
{
	kthread_stop(k1);
	put_task_struct(k1);
	pr_info("signal_handling: unloaded, K1 stopped\n");
}

module_init(signal_handling_init);
module_exit(signal_handling_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("mykmod demo (after Kashish Bhatia)");
MODULE_DESCRIPTION("dynamically loading module through kmod subsystem and receiving "
		   "signal from another module");
