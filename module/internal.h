/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * neoos internal interfaces.  See main.c for the object model.
 */
#ifndef _NEOOS_INTERNAL_H
#define _NEOOS_INTERNAL_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/types.h>

#include <linux/neoos.h>

/**
 * struct neoos_mapping - one mapping made by NEOOS_IOC_MAP
 *
 * Allocated by NEOOS_IOC_MAP before it maps anything and owned by it
 * until neoos_vma_adopt() gives it to the new VMA; from then on it is
 * owned by its VMAs, and everything but @refs is immutable, so VMA
 * callbacks read it without a lock.  Once it was in the id index
 * (index.c) it is freed only after an RCU grace period.
 *
 * @vm_ops: the VMA's own vm_operations as the target's ->mmap left them,
 *	copied, with neoos overrides; every VMA of this mapping points here,
 *	which is how container_of() finds the mapping from a VMA
 * @host_ops: the target's vm_operations, for chaining
 * @refs: one per VMA: the adopted one, and a forked child's (neoos_vm_open())
 * @dev_file: the /dev/neoos file MAP was issued on, with a reference taken
 *	at adoption; it pins neoos.ko while any VMA of the mapping lives
 * @id: unique among all neoos mappings since the module was loaded, hence
 *	within every process; the id index's key, set just before adoption
 *	(neoos_index_add()), and taken back if MAP fails (a failed MAP
 *	takes none)
 * @start: vm_start of every VMA of the mapping (fork keeps the address,
 *	and a neoos VMA never moves), where an id lookup looks
 * @node: in the id index, keyed by @id
 * @rcu: for freeing after id lookups that may still read @start
 * @offset: byte offset in the file the caller asked for
 * @length: byte length the caller asked for
 * @page_off: @offset's offset within its page: the user address is
 *	vm_start + @page_off
 * @vma_len: length of the VMA around the user range: page aligned, or
 *	huge page aligned on hugetlbfs
 * @prot: NEOOS_PROT_* at map time
 * @flags: NEOOS_MAP_SHARED or NEOOS_MAP_PRIVATE, and NEOOS_MAP_ANONYMOUS
 */
struct neoos_mapping {
	struct vm_operations_struct vm_ops;
	const struct vm_operations_struct *host_ops;
	refcount_t refs;
	struct file *dev_file;
	u64 id;
	unsigned long start;
	struct rhash_head node;
	struct rcu_head rcu;
	u64 offset;
	u64 length;
	unsigned long page_off;
	unsigned long vma_len;
	u32 prot;
	u32 flags;
};

/**
 * struct neoos_counters - module-wide counters, for leak checks and stats
 * @mappings: live struct neoos_mapping objects
 * @vmas: live VMAs of those mappings
 * @maps: successful NEOOS_IOC_MAP calls since load
 * @unmaps: successful NEOOS_IOC_UNMAP calls since load (one whose mapping
 *	a thread's munmap(2) removed first counts too: neoos(4))
 *
 * Per CPU, changed with this_cpu_add() - no lock, no atomic on the map
 * and unmap paths - and summed by NEOOS_IOC_STATS (stats.c).  A CPU's
 * live counts may go negative when an object dies on another CPU than it
 * was born on; the sums are exact.
 */
struct neoos_counters {
	long mappings;
	long vmas;
	u64 maps;
	u64 unmaps;
};

DECLARE_PER_CPU(struct neoos_counters, neoos_counters);

#define neoos_count(field, n)	this_cpu_add(neoos_counters.field, n)

/**
 * struct neoos_mm_waiter - a caller of the per-process request lock
 * @node: in its bucket's list (mm_lock.c), unless @task is NULL
 * @mm: the mm whose lock it takes
 * @task: the caller, woken when the lock may be free; NULL if it was
 *	alone in @mm and took the lock without a bucket
 * @owner: whether it holds the lock; set under the bucket lock
 */
struct neoos_mm_waiter {
	struct list_head node;
	struct mm_struct *mm;
	struct task_struct *task;
	bool owner;
};

/* mm_lock.c */
void __init neoos_mm_lock_init(void);
int neoos_mm_lock(struct neoos_mm_waiter *w, struct mm_struct *mm);
void neoos_mm_unlock(struct neoos_mm_waiter *w);

/* index.c */
int __init neoos_index_init(void);
void neoos_index_exit(void);
int neoos_index_add(struct neoos_mapping *mapping);
void neoos_index_undo(struct neoos_mapping *mapping);
void neoos_index_del(struct neoos_mapping *mapping);
struct vm_area_struct *neoos_find_id(struct mm_struct *mm, u64 id);

/*
 * Protection bits: NEOOS_PROT_* to mmap(2)'s PROT_* for the mapping the
 * module makes, and a VMA's VM_READ/WRITE/EXEC back to NEOOS_PROT_* for
 * INFO.  The module's only two conversions, side by side.
 */
static inline unsigned long neoos_prot_to_mmap(u32 prot)
{
	return ((prot & NEOOS_PROT_READ) ? PROT_READ : 0) |
	       ((prot & NEOOS_PROT_WRITE) ? PROT_WRITE : 0) |
	       ((prot & NEOOS_PROT_EXEC) ? PROT_EXEC : 0);
}

static inline u32 neoos_prot_of_vma(const struct vm_area_struct *vma)
{
	return ((vma->vm_flags & VM_READ) ? NEOOS_PROT_READ : 0) |
	       ((vma->vm_flags & VM_WRITE) ? NEOOS_PROT_WRITE : 0) |
	       ((vma->vm_flags & VM_EXEC) ? NEOOS_PROT_EXEC : 0);
}

/*
 * Are @flags among @known, with exactly one of @a and @b (MAP's SHARED or
 * PRIVATE, MSYNC's ASYNC or SYNC)?
 */
static inline bool neoos_flags_one_of(u32 flags, u32 known, u32 a, u32 b)
{
	u32 which = flags & (a | b);

	return !(flags & ~known) && (which == a || which == b);
}

/* check.c */
int neoos_check_target(struct file *file, const struct neoos_map *args);
bool neoos_file_refused(struct file *file);

/* map.c */
long neoos_ioctl_map(struct file *dev_file, void __user *argp);

/* vma.c */
int neoos_vm_may_split(struct vm_area_struct *vma, unsigned long addr);
int neoos_vma_check(struct vm_area_struct *vma);
void neoos_vma_adopt(struct neoos_mapping *mapping, struct vm_area_struct *vma,
		     struct file *dev_file);
void neoos_mapping_discard(struct neoos_mapping *mapping);

/* lookup.c */
struct vm_area_struct *neoos_find_exact(struct mm_struct *mm, u64 addr,
					u64 length);
struct vm_area_struct *neoos_find_addr(struct mm_struct *mm, u64 addr);

/* unmap.c */
long neoos_ioctl_unmap(void __user *argp);

/* query.c */
long neoos_ioctl_info(void __user *argp, size_t size);
long neoos_ioctl_list(void __user *argp);

/* msync.c */
long neoos_ioctl_msync(void __user *argp);

/* stats.c */
long neoos_ioctl_stats(void __user *argp);

/* rw.c */
long neoos_ioctl_rw(void __user *argp, bool write);

/**
 * neoos_vma_mapping - the neoos mapping a VMA belongs to
 * @vma: any VMA or NULL; the caller holds its mm's mmap_lock
 *
 * Inline: every UNMAP, INFO, READ and WRITE asks it.
 *
 * Return: the mapping, or NULL if @vma is not a neoos VMA.
 */
static inline struct neoos_mapping *
neoos_vma_mapping(struct vm_area_struct *vma)
{
	if (!vma || !vma->vm_ops ||
	    vma->vm_ops->may_split != neoos_vm_may_split)
		return NULL;
	return container_of(vma->vm_ops, struct neoos_mapping, vm_ops);
}

#endif /* _NEOOS_INTERNAL_H */
