/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel API differences between the supported kernels (6.1 and 6.12 LTS),
 * kept in one place so the rest of neoos reads like code for one kernel.
 */
#ifndef _NEOOS_COMPAT_H
#define _NEOOS_COMPAT_H

#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/version.h>

/*
 * vm_flags became read-only behind vm_flags_set()/vm_flags_clear() in 6.3,
 * which also take the per-VMA write lock.  Callers hold mmap_lock for
 * writing, as mmap handlers do.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void neoos_vma_flags_set(struct vm_area_struct *vma,
				       vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void neoos_vma_flags_clear(struct vm_area_struct *vma,
					 vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#else
static inline void neoos_vma_flags_set(struct vm_area_struct *vma,
				       vm_flags_t flags)
{
	vm_flags_set(vma, flags);
}

static inline void neoos_vma_flags_clear(struct vm_area_struct *vma,
					 vm_flags_t flags)
{
	vm_flags_clear(vma, flags);
}
#endif

/*
 * The mm's default placement of a new mapping: a function pointer in the
 * mm up to 6.9, mm_get_unmapped_area() since.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0)
static inline unsigned long
neoos_mm_get_unmapped_area(struct file *file, unsigned long addr,
			   unsigned long len, unsigned long pgoff,
			   unsigned long flags)
{
	return current->mm->get_unmapped_area(file, addr, len, pgoff, flags);
}
#else
static inline unsigned long
neoos_mm_get_unmapped_area(struct file *file, unsigned long addr,
			   unsigned long len, unsigned long pgoff,
			   unsigned long flags)
{
	return mm_get_unmapped_area(current->mm, file, addr, len, pgoff, flags);
}
#endif

#endif /* _NEOOS_COMPAT_H */
