/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * neoos internal interfaces.  See main.c for the object model.
 */
#ifndef _NEOOS_H
#define _NEOOS_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/refcount.h>
#include <linux/types.h>

struct neoos_map;
struct neoos_mapping;

/**
 * struct neoos_file - one open file description of /dev/neoos
 * @map_lock: serialises NEOOS_IOC_MAP on this file; held across vm_mmap()
 *	so that neoos_dev_mmap() can find the mapping being installed.
 *	Lock order: @map_lock, then mm->mmap_lock.
 * @pending_task: the task inside NEOOS_IOC_MAP, or NULL; written under
 *	@map_lock, read locklessly by neoos_dev_mmap() (only compared with
 *	current, never dereferenced) to refuse every other mmap() of the
 *	device
 * @pending: the mapping @pending_task is installing; written under
 *	@map_lock and read only by @pending_task itself
 */
struct neoos_file {
	struct mutex map_lock;		/* see above */
	struct task_struct *pending_task;
	struct neoos_mapping *pending;
};

/**
 * struct neoos_mapping - one mapping made by NEOOS_IOC_MAP
 *
 * Everything but @refs is written before the mapping is installed and is
 * immutable afterwards, so VMA callbacks read it without a lock.
 *
 * @vm_ops: the target file's vm_operations, copied, with neoos overrides;
 *	every VMA of this mapping points here, which is how container_of()
 *	finds the mapping from a VMA
 * @host_ops: the target file's own vm_operations, for chaining
 * @refs: one per VMA (the first VMA's is taken in neoos_dev_mmap(), a
 *	forked child's in neoos_vm_open()) plus one held by the MAP ioctl
 *	while it runs
 * @file: the target file, borrowed from NEOOS_IOC_MAP's reference while
 *	it installs the mapping; not used afterwards (the VMAs hold the
 *	target through vm_file)
 * @dev_file: NULL until the first VMA exists; then the core's reference
 *	on the /dev/neoos file that VMA was made on, taken over by
 *	neoos_dev_mmap(); it pins neoos.ko while any VMA of the mapping lives
 * @id: unique among all neoos mappings since the module was loaded, hence
 *	within every process; set when the first VMA is made, so a failed
 *	MAP takes none
 * @offset: byte offset in the file the caller asked for
 * @length: byte length the caller asked for
 * @page_off: @offset's offset within its page: the user address is
 *	vm_start + @page_off
 * @vma_len: length of the page-aligned VMA around the user range
 * @vm_deny: VM_MAY* (and VM_SHARED) flags the target's descriptor does not
 *	permit, cleared from the VMA before the target's ->mmap sees it
 * @prot: NEOOS_PROT_* at map time
 * @flags: NEOOS_MAP_SHARED or NEOOS_MAP_PRIVATE, and NEOOS_MAP_ANONYMOUS
 */
struct neoos_mapping {
	struct vm_operations_struct vm_ops;
	const struct vm_operations_struct *host_ops;
	refcount_t refs;
	struct file *file;
	struct file *dev_file;
	u64 id;
	u64 offset;
	u64 length;
	unsigned long page_off;
	unsigned long vma_len;
	unsigned long vm_deny;
	u32 prot;
	u32 flags;
};

/**
 * struct neoos_counters - module-wide counters, for leak checks and stats
 * @mappings: live struct neoos_mapping objects
 * @vmas: live VMAs of those mappings
 * @maps: successful NEOOS_IOC_MAP calls since load
 * @unmaps: successful NEOOS_IOC_UNMAP calls since load
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

/* check.c */
int neoos_check_target(struct file *file, struct neoos_map *args);
unsigned long neoos_vm_deny(struct file *file, u32 flags);

/* map.c */
long neoos_ioctl_map(struct neoos_file *nf, struct file *dev_file,
		     void __user *argp);
int neoos_dev_mmap(struct file *dev_file, struct vm_area_struct *vma);
unsigned long neoos_dev_get_unmapped_area(struct file *dev_file,
					  unsigned long addr,
					  unsigned long len,
					  unsigned long pgoff,
					  unsigned long flags);

/* vma.c */
int neoos_vm_may_split(struct vm_area_struct *vma, unsigned long addr);
int neoos_vma_adopt(struct neoos_mapping *map, struct vm_area_struct *vma);
void neoos_mapping_put(struct neoos_mapping *map);

/* lookup.c */
struct vm_area_struct *neoos_find_exact(struct mm_struct *mm, u64 addr,
					u64 length);
struct vm_area_struct *neoos_find_addr(struct mm_struct *mm, u64 addr);
struct vm_area_struct *neoos_find_id(struct mm_struct *mm, u64 id);
u32 neoos_vma_prot(struct vm_area_struct *vma);

/* unmap.c */
long neoos_ioctl_unmap(void __user *argp);
void neoos_unmap_new(unsigned long start, u64 id);

/* query.c */
long neoos_ioctl_info(void __user *argp);
long neoos_ioctl_list(void __user *argp);

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

#endif /* _NEOOS_H */
