// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-process request lock: one NEOOS_IOC_MAP or NEOOS_IOC_UNMAP at a
 * time in each mm.
 *
 * MAP and UNMAP must each check a VMA under mmap_lock and then act with
 * vm_mmap() or vm_munmap(), which take mmap_lock themselves: the check and
 * the act cannot share one hold of it.  This lock makes the pair atomic
 * with respect to the other MAP and UNMAP calls of the process: two
 * threads' fresh attempts never meet unadopted (so the core never merges
 * them into one VMA), and an UNMAP never removes a mapping that another
 * thread's MAP made after it looked.  What plain mmap(2), munmap(2) and
 * mprotect(2) from other threads can still do in those windows is in
 * neoos(4).  READ, WRITE, INFO, LIST and MSYNC do not take it; main.c
 * says how each holds mmap_lock.
 *
 * A module cannot add a field to mm_struct, so the lock has no storage of
 * its own: each caller brings a waiter on its stack, kept in a hash
 * bucket chosen by the mm, marked as the owner while it holds the lock.
 * The lock of an mm is free when no waiter of that mm in its bucket is
 * the owner; a caller that finds it free takes it at once, even ahead of
 * sleeping waiters (as a mutex lets a running task take it: handing it
 * to a sleeper would leave it idle until the sleeper ran).  Releasing
 * wakes the first sleeping waiter of the same mm, which takes the lock
 * if it is still free, else sleeps again.  Waiters of other processes
 * that share the bucket are never held up: a process blocked in a
 * target's ->mmap (FUSE, a slow filesystem) delays no other process.
 *
 * A caller alone in its mm takes no bucket lock at all: no other task can
 * make a request on that mm until it returns (see neoos_mm_alone()).
 *
 * Lock order: the request lock, then mmap_lock (inside vm_mmap(),
 * vm_munmap() and page faults on user memory).  A bucket's spinlock is
 * innermost and held only to look at and change its list.  Lockdep sees
 * every request lock as one class, "neoos_mm_lock", acquired before
 * waiting.
 */

#include <linux/hash.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>

#include "internal.h"

#define NEOOS_MM_LOCK_BITS	6

/**
 * struct neoos_mm_bucket - the waiters of the mms hashed to one bucket
 * @lock: protects @waiters and every waiter's @owner
 * @waiters: owners and sleepers, sleepers in arrival order
 */
struct neoos_mm_bucket {
	spinlock_t lock;	/* @waiters and their @owner */
	struct list_head waiters;
};

static struct neoos_mm_bucket neoos_mm_buckets[1 << NEOOS_MM_LOCK_BITS];

#ifdef CONFIG_DEBUG_LOCK_ALLOC
static struct lock_class_key neoos_mm_lock_key;
static struct lockdep_map neoos_mm_lock_map =
	STATIC_LOCKDEP_MAP_INIT("neoos_mm_lock", &neoos_mm_lock_key);
#endif

void __init neoos_mm_lock_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(neoos_mm_buckets); i++) {
		spin_lock_init(&neoos_mm_buckets[i].lock);
		INIT_LIST_HEAD(&neoos_mm_buckets[i].waiters);
	}
}

static struct neoos_mm_bucket *neoos_mm_bucket(struct mm_struct *mm)
{
	return &neoos_mm_buckets[hash_ptr(mm, NEOOS_MM_LOCK_BITS)];
}

/* Does a waiter of @mm hold its lock?  Under the bucket lock. */
static bool neoos_mm_held(struct neoos_mm_bucket *b, struct mm_struct *mm)
{
	struct neoos_mm_waiter *it;

	lockdep_assert_held(&b->lock);
	list_for_each_entry(it, &b->waiters, node)
		if (it->mm == mm && it->owner)
			return true;
	return false;
}

/* Wake the first sleeping waiter of @mm, if any.  Under the bucket lock. */
static void neoos_mm_wake(struct neoos_mm_bucket *b, struct mm_struct *mm)
{
	struct neoos_mm_waiter *it;

	lockdep_assert_held(&b->lock);
	list_for_each_entry(it, &b->waiters, node) {
		if (it->mm == mm && !it->owner) {
			wake_up_process(it->task);
			return;
		}
	}
}

/*
 * Is the caller the only user of @mm, its own?  Then no other task can
 * make a request on @mm until this one returns: a new thread or CLONE_VM
 * child would have to be made by the caller, and a kernel thread that
 * borrows the mm (kthread_use_mm()) makes no requests.  A task that held
 * the lock released it before it left the mm, and its mmput()'s fully
 * ordered decrement of mm_users orders that before this read.  Anyone
 * else holding mm_users (/proc, ptrace, process_vm_writev) only makes the
 * caller take the lock.
 */
static bool neoos_mm_alone(struct mm_struct *mm)
{
	return atomic_read_acquire(&mm->mm_users) == 1;
}

/**
 * neoos_mm_lock - take @mm's request lock
 * @w: the caller's waiter, on its stack, for neoos_mm_unlock()
 * @mm: the caller's mm
 *
 * Return: 0, or -EINTR if a fatal signal came first (nothing held).
 */
int neoos_mm_lock(struct neoos_mm_waiter *w, struct mm_struct *mm)
{
	struct neoos_mm_bucket *b = neoos_mm_bucket(mm);
	int ret = 0;

	lock_map_acquire(&neoos_mm_lock_map);
	w->mm = mm;
	w->task = NULL;
	if (neoos_mm_alone(mm))
		return 0;
	w->task = current;
	w->owner = false;
	spin_lock(&b->lock);
	/* A sleeper queues at the tail, an owner anywhere: the head is cheaper. */
	if (!neoos_mm_held(b, mm)) {
		w->owner = true;
		list_add(&w->node, &b->waiters);
		goto out;
	}
	list_add_tail(&w->node, &b->waiters);
	for (;;) {
		set_current_state(TASK_KILLABLE);
		spin_unlock(&b->lock);
		schedule();
		spin_lock(&b->lock);
		if (!neoos_mm_held(b, mm)) {
			w->owner = true;
			break;
		}
		if (fatal_signal_pending(current)) {
			list_del(&w->node);
			ret = -EINTR;
			break;
		}
	}
	__set_current_state(TASK_RUNNING);
out:
	spin_unlock(&b->lock);
	if (ret)
		lock_map_release(&neoos_mm_lock_map);
	return ret;
}

/* Release the request lock @w holds. */
void neoos_mm_unlock(struct neoos_mm_waiter *w)
{
	struct neoos_mm_bucket *b = neoos_mm_bucket(w->mm);

	if (w->task) {
		spin_lock(&b->lock);
		list_del(&w->node);
		neoos_mm_wake(b, w->mm);
		spin_unlock(&b->lock);
	}
	lock_map_release(&neoos_mm_lock_map);
}
