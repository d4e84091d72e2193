// SPDX-License-Identifier: GPL-2.0-only
/*
 * The id index: mapping id -> struct neoos_mapping, module-wide, so that a
 * request by id costs the same with one live mapping or 60,000.
 *
 * The index only says where to look; the VMA stays the truth.  A lookup
 * takes the mapping's start address from the index and accepts the VMA
 * it finds there in the caller's mm only if that VMA belongs to the very
 * mapping (neoos_vma_mapping()).  So an entry can never lead a process to
 * another process's mapping (its mm has no VMA of it), after fork each
 * process finds its own VMA (fork copies the VMA at the same address,
 * sharing the mapping), and an entry is valid from the moment it is
 * stored: until the VMA is adopted it does not point at the mapping, and
 * the lookup finds nothing.  A neoos VMA never moves, grows or splits, so
 * the start recorded at adoption holds for every VMA of the mapping.
 *
 * Lifetime: an entry is stored by NEOOS_IOC_MAP in the hold of mmap_lock
 * in which it adopts the VMA, and erased when the mapping is freed, by
 * its last VMA's ->close.  Lookups run under rcu_read_lock(), so a
 * mapping that was ever in the index is freed only after a grace period
 * (neoos_mapping_discard()); nothing else in it is read without a lock.
 *
 * The index is a resizable hash table (rhashtable) keyed by id, its node
 * embedded in the mapping, and lookups stay O(1) as the table grows and
 * shrinks.  An entry allocates nothing of its own; an insert that finds
 * the table over its limit before the worker has grown it may allocate
 * a table itself (GFP_ATOMIC, under mmap_lock) or fail, and MAP then
 * fails with ENOMEM having taken no id (neoos_index_add()).
 *
 * Locking: the table's bucket locks, taken inside
 * rhashtable_insert_fast()/rhashtable_remove_fast() only, nest inside
 * mmap_lock and inside ->close's callers' locks; no other lock is taken
 * under them.  Resizing runs in the table's own worker.  Lookups are
 * lockless.
 */

#include <linux/atomic.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable.h>

#include "internal.h"

/*
 * Is @obj's id the key?  0 if it is.  rhashtable's own compare is a
 * memcmp() of key_len bytes, not inlined, which x86's generic memcmp()
 * reads again byte by byte when the words differ: a lookup walking past
 * a mapping whose id neoos_index_give_back() or neoos_index_add() is
 * writing could then take a mix of the old and the new id for its key,
 * stop at the wrong entry and miss the live mapping further down the
 * chain.  One READ_ONCE() sees a whole id, one that was stored.
 */
static int neoos_id_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct neoos_mapping *mapping = obj;

	return READ_ONCE(mapping->id) != *(const u64 *)arg->key;
}

static const struct rhashtable_params neoos_ids_params = {
	.key_len		= sizeof(u64),
	.key_offset		= offsetof(struct neoos_mapping, id),
	.head_offset		= offsetof(struct neoos_mapping, node),
	.obj_cmpfn		= neoos_id_cmp,
	.automatic_shrinking	= true,
};

static struct rhashtable neoos_ids;

/* The last id handed out; ids start at 1. */
static atomic64_t neoos_last_id = ATOMIC64_INIT(0);

int __init neoos_index_init(void)
{
	return rhashtable_init(&neoos_ids, &neoos_ids_params);
}

/* At module exit: every mapping is gone (each pins the module). */
void neoos_index_exit(void)
{
	rhashtable_destroy(&neoos_ids);
}

/*
 * Give back @mapping's id if no other was taken since, so that a MAP that
 * fails has taken no id: the request lock orders a process's MAPs, so
 * only another process's MAP can have taken one in between.
 */
static void neoos_index_give_back(struct neoos_mapping *mapping)
{
	atomic64_cmpxchg(&neoos_last_id, mapping->id, mapping->id - 1);
	WRITE_ONCE(mapping->id, 0);
}

/**
 * neoos_index_add - give @mapping an id and store it in the index
 * @mapping: a mapping about to be adopted, with @mapping->start set
 *
 * Return: 0, or -ENOMEM with @mapping not in the index and no id taken:
 * the table could not take the entry then (rhashtable's -ENOMEM, or
 * -EBUSY while its worker has not grown it yet; MAP waits for it).
 */
int neoos_index_add(struct neoos_mapping *mapping)
{
	u64 id = atomic64_inc_return(&neoos_last_id);

	/* Lookups that found this memory in an earlier entry may read it. */
	WRITE_ONCE(mapping->id, id);
	if (rhashtable_insert_fast(&neoos_ids, &mapping->node, neoos_ids_params)) {
		neoos_index_give_back(mapping);
		return -ENOMEM;
	}
	return 0;
}

/**
 * neoos_index_undo - take out @mapping, just added and never adopted
 * @mapping: a mapping neoos_index_add() stored in this hold of mmap_lock
 *
 * Lookups that found it meanwhile found no VMA of it.  @mapping may be added
 * again: a lookup walking its old chain restarts when it ends up in
 * another (rhashtable's nulls markers).
 */
void neoos_index_undo(struct neoos_mapping *mapping)
{
	rhashtable_remove_fast(&neoos_ids, &mapping->node, neoos_ids_params);
	neoos_index_give_back(mapping);
}

/* Remove a mapping that is being freed; its id is never used again. */
void neoos_index_del(struct neoos_mapping *mapping)
{
	rhashtable_remove_fast(&neoos_ids, &mapping->node, neoos_ids_params);
}

/**
 * neoos_find_id - the VMA of mapping @id in @mm
 * @mm: the mm to search; its mmap_lock is held
 * @id: a mapping id
 *
 * Return: the VMA, or NULL if @mm has no VMA of mapping @id.
 */
struct vm_area_struct *neoos_find_id(struct mm_struct *mm, u64 id)
{
	struct vm_area_struct *vma = NULL;
	struct neoos_mapping *mapping;

	mmap_assert_locked(mm);
	rcu_read_lock();
	mapping = rhashtable_lookup(&neoos_ids, &id, neoos_ids_params);
	if (mapping) {
		vma = vma_lookup(mm, READ_ONCE(mapping->start));
		if (neoos_vma_mapping(vma) != mapping)
			vma = NULL;
	}
	rcu_read_unlock();
	return vma;
}
