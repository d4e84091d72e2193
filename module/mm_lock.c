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
 * neoos(4).  READ, WRITE, INFO and LIST check and act under one hold of
 * mmap_lock and do not take it.
 *
 * A module cannot add a field to mm_struct, so the lock has no storage of
 * its own: each caller brings a waiter on its stack, queued in a hash
 * bucket chosen by the mm.  A waiter owns the lock when it is the first
 * of its mm in its bucket; releasing hands the lock to the next waiter of
 * the same mm, in arrival order.  Waiters of other processes that share
 * the bucket are only woken, never held up: a process blocked in a
 * target's ->mmap (FUSE, a slow filesystem) delays no other process.
 *
 * Lock order: the request lock, then mmap_lock (inside vm_mmap(),
 * vm_munmap() and page faults on user memory).  A bucket's spinlock is
 * innermost and held only to queue and dequeue.  Lockdep sees every
 * request lock as one class, "neoos_mm_lock".
 */

#include <linux/hash.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "internal.h"

#define NEOOS_MM_LOCK_BITS	6

/**
 * struct neoos_mm_bucket - the waiters of the mms hashed to one bucket
 * @lock: protects @waiters and every waiter's @owner
 * @waiters: in arrival order
 * @wq: where waiters sleep until they own the lock
 */
struct neoos_mm_bucket {
	spinlock_t lock;	/* @waiters and their @owner */
	struct list_head waiters;
	wait_queue_head_t wq;
};

static struct neoos_mm_bucket neoos_mm_buckets[1 << NEOOS_MM_LOCK_BITS];

#ifdef CONFIG_DEBUG_LOCK_ALLOC
/* Acquired before waiting, so that lockdep sees a wait that can deadlock. */
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
		init_waitqueue_head(&neoos_mm_buckets[i].wq);
	}
}

static struct neoos_mm_bucket *neoos_mm_bucket(struct mm_struct *mm)
{
	return &neoos_mm_buckets[hash_ptr(mm, NEOOS_MM_LOCK_BITS)];
}

/* Does @w own the lock?  Pairs with the release in neoos_mm_dequeue(). */
static bool neoos_mm_owner(struct neoos_mm_waiter *w)
{
	/* What the previous owner did happens before what @w does next. */
	return smp_load_acquire(&w->owner);
}

/* Is any waiter of @w's mm queued before @w?  Under the bucket lock. */
static bool neoos_mm_queued_before(struct neoos_mm_bucket *b,
				   struct neoos_mm_waiter *w)
{
	struct neoos_mm_waiter *it;

	lockdep_assert_held(&b->lock);
	list_for_each_entry(it, &b->waiters, node) {
		if (it == w)
			return false;
		if (it->mm == w->mm)
			return true;
	}
	return false;
}

/* Dequeue @w and hand the lock on if @w held it.  Under the bucket lock. */
static bool neoos_mm_dequeue(struct neoos_mm_bucket *b,
			     struct neoos_mm_waiter *w)
{
	struct neoos_mm_waiter *it;

	lockdep_assert_held(&b->lock);
	list_del(&w->node);
	if (!w->owner)
		return false;
	list_for_each_entry(it, &b->waiters, node) {
		if (it->mm == w->mm) {
			/* Pairs with neoos_mm_owner()'s acquire. */
			smp_store_release(&it->owner, true);
			return true;
		}
	}
	return false;
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

	lock_map_acquire(&neoos_mm_lock_map);
	w->mm = mm;
	spin_lock(&b->lock);
	list_add_tail(&w->node, &b->waiters);
	w->owner = !neoos_mm_queued_before(b, w);
	spin_unlock(&b->lock);

	if (wait_event_killable(b->wq, neoos_mm_owner(w))) {
		neoos_mm_unlock(w);
		return -EINTR;
	}
	return 0;
}

/*
 * Release the request lock @w holds, or, for a waiter that gave up
 * (neoos_mm_lock()), leave the queue, handing the lock on if it was
 * granted meanwhile.
 */
void neoos_mm_unlock(struct neoos_mm_waiter *w)
{
	struct neoos_mm_bucket *b = neoos_mm_bucket(w->mm);
	bool wake;

	spin_lock(&b->lock);
	wake = neoos_mm_dequeue(b, w);
	spin_unlock(&b->lock);
	if (wake)
		wake_up_all(&b->wq);
	lock_map_release(&neoos_mm_lock_map);
}
