// SPDX-License-Identifier: GPL-2.0-only
/*
 * Finding neoos mappings by address: through the VMAs of one mm, under
 * that mm's mmap_lock, so a lookup can only ever see the mappings of the
 * process whose mm it was given.  By id: index.c, which checks what its
 * index says against the VMA the same way.
 */

#include <linux/mm.h>
#include <linux/mmap_lock.h>

#include "internal.h"
#include <linux/neoos.h>

/**
 * neoos_find_addr - the VMA of the neoos mapping containing @addr
 * @mm: the mm to search; its mmap_lock is held
 * @addr: any address of the mapping's VMA
 *
 * Return: the VMA, or NULL.
 */
struct vm_area_struct *neoos_find_addr(struct mm_struct *mm, u64 addr)
{
	struct vm_area_struct *vma;

	/*
	 * No bound on @addr but the VMAs and unsigned long (a 32-bit
	 * kernel): @mm may be another process's, whose address space is
	 * not the caller's TASK_SIZE (a 32-bit caller asking about a 64-bit
	 * process).
	 */
	mmap_assert_locked(mm);
	if (addr != (unsigned long)addr)
		return NULL;
	vma = vma_lookup(mm, addr);
	return neoos_vma_mapping(vma) ? vma : NULL;
}

/**
 * neoos_find_exact - the VMA of the mapping at exactly [@addr, +@length)
 * @mm: the mm to search; its mmap_lock is held
 * @addr: the address NEOOS_IOC_MAP returned
 * @length: the length it was given
 *
 * Return: the VMA, or NULL if no neoos mapping has exactly that range.
 */
struct vm_area_struct *neoos_find_exact(struct mm_struct *mm, u64 addr,
					u64 length)
{
	struct vm_area_struct *vma = neoos_find_addr(mm, addr);
	struct neoos_mapping *mapping = neoos_vma_mapping(vma);

	if (!mapping || vma->vm_start + mapping->page_off != addr ||
	    mapping->length != length)
		return NULL;
	return vma;
}

