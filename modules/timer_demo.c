// SPDX-License-Identifier: GPL-2.0
/*
 * timer_demo: two kernel timers counting a shared value down to zero.
 *
 *  - timer 1 is set up with timer_setup() and re-armed with mod_timer() from
 *    its own callback, every period_ms;
 *  - timer 2 is pinned: timer_setup(..., TIMER_PINNED) and started with
 *    add_timer_on() on one CPU; mod_timer() keeps a pinned timer on the CPU
 *    it runs on, so it stays there.
 *
 * Both run in softirq context; they print the CPU and the context they run in
 * and decrement the value under a spinlock. Removal stops the re-arming and
 * waits for running callbacks with del_timer_sync().
 *
 * Ported from "Demystifying Linux Kernel Timers" (Kashish Bhatia): the 6.1
 * API has no setup_timer(), init_timer(), timer->data or mod_timer_pinned().
 */
#include <linux/cpumask.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/timer.h>

static unsigned int count = 10;
module_param(count, uint, 0444);
MODULE_PARM_DESC(count, "Start value that the timers count down to 0 (default 10)");

static unsigned int period_ms = 100;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms,
		 "Period of timer 1, in ms; timer 2 runs at twice that (default 100)");

static int cpu = -1;
module_param(cpu, int, 0444);
MODULE_PARM_DESC(
	cpu, "CPU to pin timer 2 to with add_timer_on() (default -1: last online CPU)");

struct demo_timer {
	struct timer_list timer;
	const char *name;
	unsigned int period_ms;
	unsigned int fired;
};

static struct demo_timer timer1 = { .name = "timer 1" };
static struct demo_timer timer2 = { .name = "timer 2" };
static DEFINE_SPINLOCK(value_lock);
static unsigned int value;
static bool stopping;

static void demo_timer_fn(struct timer_list *t)
{
	struct demo_timer *dt = from_timer(dt, t, timer);
	unsigned int v;
	bool again;

	spin_lock(&value_lock);
	if (value)
		value--;
	v = value;
	again = v && !stopping;
	spin_unlock(&value_lock);

	dt->fired++;
	pr_info("timer_demo: %s fired on CPU %d (%s%s), value now %u\n", dt->name,
		smp_processor_id(), in_softirq() ? "softirq" : "?",
		in_atomic() ? ", atomic" : "", v);

	if (again)
		mod_timer(&dt->timer, jiffies + msecs_to_jiffies(dt->period_ms));
	else if (!v)
		pr_info("timer_demo: %s done after %u runs\n", dt->name, dt->fired);
}

static int __init timer_demo_init(void)
{
	int target = cpu;

	if (target < 0)
		target = cpumask_last(cpu_online_mask);
	if (target >= nr_cpu_ids || !cpu_online(target)) {
		pr_err("timer_demo: CPU %d is not online\n", target);
		return -EINVAL;
	}
	if (!period_ms)
		period_ms = 1;

	value = count;
	timer1.period_ms = period_ms;
	timer2.period_ms = 2 * period_ms;

	timer_setup(&timer1.timer, demo_timer_fn, 0);
	mod_timer(&timer1.timer, jiffies + msecs_to_jiffies(timer1.period_ms));

	timer_setup(&timer2.timer, demo_timer_fn, TIMER_PINNED);
	timer2.timer.expires = jiffies + msecs_to_jiffies(timer2.period_ms);
	add_timer_on(&timer2.timer, target);

	pr_info("timer_demo: loaded, counting down from %u, timer 2 pinned to CPU %d\n",
		count, target);
	return 0;
}

static void __exit timer_demo_exit(void)
{
	spin_lock_bh(&value_lock);
	stopping = true;
	spin_unlock_bh(&value_lock);

	del_timer_sync(&timer1.timer);
	del_timer_sync(&timer2.timer);
	pr_info("timer_demo: unloaded, timers ran %u and %u times, value %u\n",
		timer1.fired, timer2.fired, value);
}

module_init(timer_demo_init);
module_exit(timer_demo_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("mykmod demo (after Kashish Bhatia)");
MODULE_DESCRIPTION("Usage of timer_setup(), mod_timer(), add_timer_on() with "
		   "TIMER_PINNED and del_timer_sync()");
