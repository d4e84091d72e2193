// SPDX-License-Identifier: GPL-2.0-only
/*
 * The life of a neoos VMA.  Its vm_operations are a copy of the target
 * file's with four overrides: open and close count the VMAs of a mapping,
 * may_split refuses every partial munmap, mprotect, mlock or madvise, and
 * mremap refuses moves.  Together with VM_DONTEXPAND (no growth, no merge)
 * this keeps a neoos VMA exactly the range NEOOS_IOC_MAP returned.  Faults,
 * fault-around and page_mkwrite stay the target's own.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "compat.h"
#include "neoos.h"

static void neoos_mapping_free(struct neoos_mapping *map)
{
	/* fput() defers the final release, so this is safe from ->close. */
	if (map->dev_file)
		fput(map->dev_file);
	neoos_count(mappings, -1);
	/*
	 * No RCU delay is needed: nothing reads vma->vm_ops without holding
	 * mmap_lock or the VMA's own lock, and ->close runs on a VMA that is
	 * already detached and write-locked (6.12 then points it at
	 * vma_dummy_vm_ops).
	 */
	kfree(map);
}

void neoos_mapping_put(struct neoos_mapping *map)
{
	if (refcount_dec_and_test(&map->refs))
		neoos_mapping_free(map);
}

/* Only called on neoos VMAs, whose vm_ops are a neoos_mapping's. */
static struct neoos_mapping *neoos_vm_mapping(struct vm_area_struct *vma)
{
	return container_of(vma->vm_ops, struct neoos_mapping, vm_ops);
}

/* fork(): the child's copy of the VMA shares the mapping. */
static void neoos_vm_open(struct vm_area_struct *vma)
{
	struct neoos_mapping *map = neoos_vm_mapping(vma);

	refcount_inc(&map->refs);
	neoos_count(vmas, 1);
	if (map->host_ops->open)
		map->host_ops->open(vma);
}

static void neoos_vm_close(struct vm_area_struct *vma)
{
	struct neoos_mapping *map = neoos_vm_mapping(vma);

	if (map->host_ops->close)
		map->host_ops->close(vma);
	neoos_count(vmas, -1);
	neoos_mapping_put(map);
}

/* Also what neoos_vma_mapping() recognises a neoos VMA by. */
int neoos_vm_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

static int neoos_vm_mremap(struct vm_area_struct *vma)
{
	return -EINVAL;
}

/* Mappings neoos can keep to its promise: page cache ones. */
static bool neoos_vma_is_page_cache(struct vm_area_struct *vma)
{
	return vma->vm_ops && vma->vm_ops->fault &&
	       !(vma->vm_flags & (VM_PFNMAP | VM_MIXEDMAP | VM_IO));
}

/**
 * neoos_vma_adopt - make a freshly mmapped target VMA a neoos VMA
 * @map: the mapping being installed
 * @vma: the VMA, after the target's ->mmap succeeded; mmap_lock is held
 *	for writing
 *
 * Return: 0, or -ENODEV if the target's ->mmap made something that is not
 * a page cache mapping (device memory, DAX); the VMA is then torn down by
 * the core as if the target's ->mmap had failed.
 */
int neoos_vma_adopt(struct neoos_mapping *map, struct vm_area_struct *vma)
{
	if (!neoos_vma_is_page_cache(vma)) {
		if (vma->vm_ops && vma->vm_ops->close)
			vma->vm_ops->close(vma);
		return -ENODEV;
	}

	map->host_ops = vma->vm_ops;
	map->vm_ops = *vma->vm_ops;
	map->vm_ops.open = neoos_vm_open;
	map->vm_ops.close = neoos_vm_close;
	map->vm_ops.may_split = neoos_vm_may_split;
	map->vm_ops.mremap = neoos_vm_mremap;
	vma->vm_ops = &map->vm_ops;
	neoos_vma_flags_set(vma, VM_DONTEXPAND);

	refcount_inc(&map->refs);
	neoos_count(vmas, 1);
	return 0;
}
