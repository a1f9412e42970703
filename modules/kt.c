// SPDX-License-Identifier: GPL-2.0
/*
 * kt: a periodic kernel timer and the module's own code share a counter
 * protected by a spinlock.
 *
 * Ported from "KT - use kernel timers in the Linux kernel" (Dave Tian): the
 * 6.1 API passes the timer_list to the callback (from_timer() finds the
 * surrounding data) instead of an unsigned long. The timer callback runs in
 * softirq context, so process context takes the lock with spin_lock_bh().
 */
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/spinlock.h>
#include <linux/timer.h>

static unsigned int interval_ms = 1000;
module_param(interval_ms, uint, 0444);
MODULE_PARM_DESC(interval_ms, "Timer period, in ms (default 1000)");

static unsigned int work = 1;
module_param(work, uint, 0444);
MODULE_PARM_DESC(work, "How much the module's init adds to the counter (default 1)");

/* the critical section: a counter and its lock */
struct kt_data {
	spinlock_t lock;
	int count;
	bool stopping;
	struct timer_list timer;
};

static struct kt_data kt_global_data;

static void kt_timer_callback(struct timer_list *t)
{
	struct kt_data *data = from_timer(data, t, timer);
	bool again;
	int count;

	spin_lock(&data->lock);
	count = ++data->count;
	again = !data->stopping;
	spin_unlock(&data->lock);

	pr_info("kt: timer callback, count = %d\n", count);
	if (again)
		mod_timer(&data->timer, jiffies + msecs_to_jiffies(interval_ms));
}

static void kt_do_the_work(void)
{
	spin_lock_bh(&kt_global_data.lock);
	pr_info("kt: before the work, count = %d\n", kt_global_data.count);
	kt_global_data.count += work;
	pr_info("kt: after the work, count = %d\n", kt_global_data.count);
	spin_unlock_bh(&kt_global_data.lock);
}

static int __init kt_init(void)
{
	spin_lock_init(&kt_global_data.lock);
	kt_global_data.count = 0;
	kt_global_data.stopping = false;

	timer_setup(&kt_global_data.timer, kt_timer_callback, 0);
	mod_timer(&kt_global_data.timer, jiffies + msecs_to_jiffies(interval_ms));
	pr_info("kt: timer started, period %u ms\n", interval_ms);

	kt_do_the_work();
	return 0;
}

static void __exit kt_exit(void)
{
	int count;

	spin_lock_bh(&kt_global_data.lock);
	kt_global_data.stopping = true;
	spin_unlock_bh(&kt_global_data.lock);
	del_timer_sync(&kt_global_data.timer);

	spin_lock_bh(&kt_global_data.lock);
	count = kt_global_data.count;
	spin_unlock_bh(&kt_global_data.lock);
	pr_info("kt: exiting, kt_global_data.count = [%d]\n", count);
}

module_init(kt_init);
module_exit(kt_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("mykmod demo (after Dave Tian)");
MODULE_DESCRIPTION(
	"Kernel module using the kernel timer and a spinlock-protected counter");
MODULE_ALIAS("demo-kt-timer");
