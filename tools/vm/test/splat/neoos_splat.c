// SPDX-License-Identifier: GPL-2.0-only
/*
 * neoos_splat: make the debug kernel's checkers report, on demand, so
 * that the runner's splat detector is tested on what the kernel really
 * prints (tools/vm/test/capture-reports records it into ../logs/).
 *
 *	echo KIND > /sys/module/neoos_splat/parameters/trigger
 *
 * Each KIND does one thing its checker exists to catch, and leaves the
 * kernel able to go on to the next: the memory is freed or leaked on
 * purpose, the list is mended, ODEBUG's fixup stops the freed timer.
 * lockdep must come first (KASAN's report turns it off), and "oops" last:
 * it kills the writing task and leaves the attribute busy.
 * Never load this outside a throw-away VM.
 */

#include <linux/compiler.h>
#include <linux/delay.h>
#include <linux/kfence.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timer.h>

/* A read the compiler cannot drop or move. */
static int splat_read(const void *p)
{
	return READ_ONCE(*(const char *)p);
}

/* KASAN: a read of a freed object. */
static void splat_kasan(void)
{
	char *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return;
	kfree(p);
	pr_info("neoos_splat: read %d\n", splat_read(p + 8));
}

/* KFENCE: a read past the end of an object KFENCE sampled. */
static void splat_kfence(void)
{
	unsigned long deadline = jiffies + 30 * HZ;
	char *p;

	/* KFENCE guards one allocation per sample interval. */
	while (time_before(jiffies, deadline)) {
		p = kmalloc(32, GFP_KERNEL);
		if (!p)
			return;
		if (is_kfence_address(p)) {
			pr_info("neoos_splat: read %d\n",
				splat_read(p + PAGE_SIZE - offset_in_page(p)));
			kfree(p);
			return;
		}
		kfree(p);
		usleep_range(500, 1000);
	}
	pr_warn("neoos_splat: KFENCE sampled no allocation in 30 s\n");
}

/*
 * UBSAN: an array index out of bounds - of the array, not of the struct
 * around it, so that the read itself stays in bounds for KASAN.
 */
static void splat_ubsan(void)
{
	struct {
		int a[4];
		int b;
	} s = { { 0 }, 0 };
	int i = ARRAY_SIZE(s.a);

	OPTIMIZER_HIDE_VAR(i);
	pr_info("neoos_splat: a[%d] = %d\n", i, s.a[i]);
}

/* DEBUG_LIST: list_add() next to an entry whose links were corrupted. */
static void splat_list(void)
{
	LIST_HEAD(head);
	struct list_head a, b;

	list_add(&a, &head);
	a.prev = &b;		/* a no longer points back at head */
	list_add(&b, &head);	/* refused: next->prev should be prev */
	INIT_LIST_HEAD(&head);
}

/* refcount_t: a put of an object nobody holds (it saturates). */
static void splat_refcount(void)
{
	refcount_t r = REFCOUNT_INIT(0);

	if (refcount_dec_and_test(&r))
		pr_info("neoos_splat: freed twice\n");
}

struct splat_timer {
	struct timer_list timer;
};

static void splat_timer_fn(struct timer_list *t)
{
}

/* DEBUG_OBJECTS_FREE: freeing an object that holds an active timer. */
static void splat_odebug(void)
{
	struct splat_timer *s;

	/* Without ODEBUG's fixup this would free a timer still queued. */
	if (!IS_ENABLED(CONFIG_DEBUG_OBJECTS_TIMERS) ||
	    !IS_ENABLED(CONFIG_DEBUG_OBJECTS_FREE))
		return;
	s = kmalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return;
	timer_setup(&s->timer, splat_timer_fn, 0);
	mod_timer(&s->timer, jiffies + 3600 * HZ);
	/* ODEBUG reports it and its fixup deletes the timer first. */
	kfree(s);
}

/* DEBUG_VM: the dumps of a VMA and of a page that its checks print. */
static void splat_debugvm(void)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct folio *folio;

	mmap_read_lock(mm);
	vma = find_vma(mm, 0);
	if (vma)
		dump_vma(vma);
	mmap_read_unlock(mm);
	WARN(vma, "neoos_splat: the VMA above\n");

	folio = folio_alloc(GFP_KERNEL, 0);
	if (!folio)
		return;
	VM_WARN_ON_ONCE_FOLIO(true, folio);
	folio_put(folio);
}

static DEFINE_MUTEX(splat_a);
static DEFINE_MUTEX(splat_b);

/* lockdep: two locks taken in both orders (one task: no deadlock). */
static void splat_lockdep(void)
{
	mutex_lock(&splat_a);
	mutex_lock(&splat_b);
	mutex_unlock(&splat_b);
	mutex_unlock(&splat_a);

	mutex_lock(&splat_b);
	mutex_lock(&splat_a);
	mutex_unlock(&splat_a);
	mutex_unlock(&splat_b);
}

/* The soft-lockup detector: 2 * watchdog_thresh s without scheduling. */
static void splat_softlockup(void)
{
	unsigned long deadline = jiffies + 8 * HZ;

	preempt_disable();
	while (time_before(jiffies, deadline))
		cpu_relax();
	preempt_enable();
}

/* The hung-task detector: asleep uninterruptibly past its timeout. */
static void splat_hungtask(void)
{
	schedule_timeout_uninterruptible(8 * HZ);
}

/* An Oops: a NULL pointer dereference; the writing task dies. */
static void splat_oops(void)
{
	pr_info("neoos_splat: read %d\n", splat_read(NULL));
}

static const struct {
	const char *kind;
	void (*fn)(void);
} splat_kinds[] = {
	{ "lockdep", splat_lockdep },
	{ "kasan", splat_kasan },
	{ "kfence", splat_kfence },
	{ "ubsan", splat_ubsan },
	{ "listdebug", splat_list },
	{ "refcount", splat_refcount },
	{ "odebug", splat_odebug },
	{ "debugvm", splat_debugvm },
	{ "softlockup", splat_softlockup },
	{ "hungtask", splat_hungtask },
	{ "oops", splat_oops },
};

static int splat_trigger(const char *val, const struct kernel_param *kp)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(splat_kinds); i++) {
		if (sysfs_streq(val, splat_kinds[i].kind)) {
			splat_kinds[i].fn();
			return 0;
		}
	}
	return -EINVAL;
}

static const struct kernel_param_ops splat_trigger_ops = {
	.set = splat_trigger,
};

module_param_cb(trigger, &splat_trigger_ops, NULL, 0200);
MODULE_PARM_DESC(trigger, "the kind of report to make the kernel print");

MODULE_DESCRIPTION("neoos test: make the debug kernel's checkers report");
MODULE_LICENSE("GPL");
