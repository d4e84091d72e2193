// SPDX-License-Identifier: GPL-2.0-only
/*
 * The life of a neoos VMA.  It starts as the core's own mapping of the
 * target (map.c); neoos_vma_adopt() then gives it a copy of its
 * vm_operations with four overrides: open and close count the VMAs of a
 * mapping, may_split refuses every split (a partial munmap, mprotect or
 * madvise), and mremap refuses moves.  Together with VM_DONTEXPAND (no
 * growth, no merge) this keeps a neoos VMA exactly the range NEOOS_IOC_MAP
 * returned.  Faults, fault-around and page_mkwrite stay the target's own.
 *
 * Why VM_DONTEXPAND: merges change VMAs without asking ->may_split or
 * calling ->close.  On 6.1, vma_merge() moves the boundary between a VMA
 * and a neighbour when an mprotect(), madvise() or mlock() of a range
 * beside the boundary makes the two compatible, and frees a VMA merged
 * whole into its neighbours; from 6.12, vma_merge_existing_range() moves
 * such boundaries the same way (only removing a VMA with ->close is
 * refused), and a new mmap(2) of the adjacent file pages or mremap()
 * growing in place extends a VMA that has ->close.  Two rules of the core
 * stop all of it: a range whose new flags include VM_SPECIAL is never
 * merged (any change to the neoos VMA itself), and VMAs whose flags
 * differ are never merged (any change beside it, any new mapping next to
 * it).  So neoos needs a VM_SPECIAL flag, which no user call sets on a
 * mapping of a regular file; VM_DONTEXPAND is the one of them that
 * changes nothing else (VM_IO, VM_PFNMAP and VM_MIXEDMAP change how
 * faults and get_user_pages() treat the VMA).  It also makes mremap()
 * refuse growth.
 *
 * Its price is that the VMA is VM_SPECIAL, which mm/ reads as "not
 * ordinary memory": mlock() and munlock() leave it as it is, so a VMA
 * locked when it was made (mlockall(MCL_FUTURE)) stays locked until it is
 * unmapped, and pages it faults in later are not mlocked; MADV_DODUMP
 * refuses it; KSM ignores MADV_MERGEABLE on it.  neoos(4) lists these
 * against mmap(2), and conformance_test shows each on every kernel.
 *
 * The copy changes the VMA's identity.  Every place in mm/, fs/, ipc/,
 * kernel/, security/, io_uring/, block/, virt/, drivers/ and arch/x86/ of
 * 6.1 and 6.12, and of 7.x as far as read (7.2 has the same
 * vm_operations_struct as 7.3), that recognises a VMA by its vm_ops
 * pointer, and what it means for a neoos VMA:
 *  - vma_is_secretmem() (GUP's check_vma_flags(), follow_page(), mlock):
 *    GUP would reach pages that are not in the direct map.  memfd_secret
 *    files are refused (neoos_file_refused()).
 *  - coda's vm_ops->open/close find coda's state by container_of() on
 *    vma->vm_ops, which would land in the copy: coda is refused.
 *  - vma_is_shmem() and vma_is_anon_shmem() (memfds and unlinked tmpfs
 *    files): on 6.1 userfaultfd registration and UFFDIO_COPY are refused
 *    with -EINVAL (from 6.12 on, userfaultfd refuses every VM_SPECIAL VMA
 *    but hugetlb's first, and 7.x finds shmem's support through
 *    vm_ops->uffd_ops, which the copy keeps); on 6.12 and 7.x
 *    shmem's per-size huge page policy and anonymous VMA names, on 6.12
 *    whole-large-folio faults, do not apply; on 7.x a multi-VMA
 *    mremap() move that covers the VMA fails (vma_multi_allowed()),
 *    which ->mremap refuses anyway.  Less is done, nothing less safely.
 *  - 6.1's io_pin_pages() (io_uring fixed buffers and provided-buffer
 *    rings) accepts file-backed memory only where vma_is_shmem() holds:
 *    buffers in a neoos mapping of shmem fail with -EOPNOTSUPP there.
 *    6.12 and 7.x leave the decision to GUP, which tests vm_ops members
 *    (->page_mkwrite), not the pointer.
 *  - xen's gntdev and privcmd, sgi-gru and x86's SGX and vDSO look for
 *    their own VMAs only, which a neoos VMA never was.
 *  - shm_vm_ops (shmdt()): SysV segments cannot be passed as an fd;
 *    through /proc they are plain shmem files.  KVM's guest_memfd,
 *    mappable on 7.x, compares no vm_ops.
 *  - kernfs compares ops inside its own ->mmap, before the copy exists;
 *    special mappings (vDSO, and on 7.x the time namespace's vvar) and
 *    sgi-gru's have no regular file.
 * hugetlb, DAX and anonymous VMAs are recognised by flags or by the file,
 * which the copy does not change.  No code compares vm_ops members with
 * particular functions.  Of the members 7.x added, ->mapped runs inside
 * vm_mmap(), before the copy exists, and ->uffd_ops is data the copy
 * keeps.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/slab.h>
#include <linux/userfaultfd_k.h>

#include "compat.h"
#include "internal.h"

/**
 * neoos_mapping_discard - free a mapping that no VMA holds
 * @mapping: never adopted, or its last VMA is closing
 *
 * After a grace period: an id lookup (neoos_find_id()) that found @mapping in
 * the index before it left may still read it.  VMA users need no delay:
 * nothing reads vma->vm_ops without mmap_lock or the VMA's own lock, and
 * ->close runs on a VMA that is already detached and write-locked.
 */
void neoos_mapping_discard(struct neoos_mapping *mapping)
{
	kfree_rcu(mapping, rcu);
}

static void neoos_mapping_free(struct neoos_mapping *mapping)
{
	struct file *dev_file = mapping->dev_file;

	neoos_count(mappings, -1);
	neoos_index_del(mapping);
	neoos_mapping_discard(mapping);
	/*
	 * Last: this may be the last reference to neoos.ko.  fput() defers
	 * the final release to task work, or, when the mm is torn down by a
	 * kworker (mmput_async()), to a work item one jiffy later.  Only
	 * this function's return runs after it, so an rmmod must finish
	 * within that jiffy, with this CPU preempted right here, to free
	 * code still running.  No module code can drop its own last
	 * reference with a smaller window.
	 */
	fput(dev_file);
}

static void neoos_mapping_put(struct neoos_mapping *mapping)
{
	if (refcount_dec_and_test(&mapping->refs))
		neoos_mapping_free(mapping);
}

/*
 * The mapping of a VMA known to be a neoos VMA (its own callbacks), with
 * no check; neoos_vma_mapping() is the one for any VMA.
 */
static struct neoos_mapping *to_neoos_mapping(struct vm_area_struct *vma)
{
	return container_of(vma->vm_ops, struct neoos_mapping, vm_ops);
}

/* fork(): the child's copy of the VMA shares the mapping. */
static void neoos_vm_open(struct vm_area_struct *vma)
{
	struct neoos_mapping *mapping = to_neoos_mapping(vma);

	refcount_inc(&mapping->refs);
	neoos_count(vmas, 1);
	if (mapping->host_ops->open)
		mapping->host_ops->open(vma);
}

static void neoos_vm_close(struct vm_area_struct *vma)
{
	struct neoos_mapping *mapping = to_neoos_mapping(vma);

	if (mapping->host_ops->close)
		mapping->host_ops->close(vma);
	neoos_count(vmas, -1);
	neoos_mapping_put(mapping);
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

/*
 * Can neoos keep its promise for @vma?  Only for page cache mappings of
 * files it does not refuse (neoos_file_refused()): a target's ->mmap may
 * have made device memory (sysfs resource files are regular files), or
 * put another file in vm_file, whose kind is checked again here.
 */
static bool neoos_vma_adoptable(struct vm_area_struct *vma)
{
	/* neoos_file_refused() includes DAX: vma_is_dax() is the same test. */
	return vma->vm_ops && vma->vm_ops->fault &&
	       !(vma->vm_flags & (VM_PFNMAP | VM_MIXEDMAP | VM_IO)) &&
	       !neoos_file_refused(vma->vm_file);
}

/**
 * neoos_vma_check - can the core's new mapping of the target be adopted?
 * @vma: the VMA vm_mmap() made for a MAP, exactly its range
 *
 * The caller holds mmap_lock for writing, and adopts @vma in the same
 * hold if this says yes.
 *
 * Return: 0, -ENODEV if neoos refuses the VMA (neoos_vma_adoptable()), or
 * -EBUSY if another thread registered it with userfaultfd before MAP
 * returned its address: such a registration could not be undone after
 * adoption, because userfaultfd refuses VM_SPECIAL VMAs other than
 * hugetlb (VM_DONTEXPAND) from 6.12 on, and on 6.1 recognises shmem by
 * its vm_ops pointer.
 */
int neoos_vma_check(struct vm_area_struct *vma)
{
	mmap_assert_write_locked(vma->vm_mm);
	if (!neoos_vma_adoptable(vma))
		return -ENODEV;
	if (userfaultfd_armed(vma))
		return -EBUSY;
	return 0;
}

/**
 * neoos_vma_adopt - make the core's new mapping of the target a neoos VMA
 * @mapping: the mapping being made, owned by the caller, with its id
 * @vma: the VMA vm_mmap() made for it, passed by neoos_vma_check()
 * @dev_file: the /dev/neoos file the MAP ioctl was issued on
 *
 * The caller holds mmap_lock for writing, since before neoos_vma_check().
 * From here on @mapping belongs to @vma (its last VMA to close frees it) and
 * holds a new reference to @dev_file.
 */
void neoos_vma_adopt(struct neoos_mapping *mapping, struct vm_area_struct *vma,
		     struct file *dev_file)
{
	mmap_assert_write_locked(vma->vm_mm);
	mapping->host_ops = vma->vm_ops;
	mapping->vm_ops = *vma->vm_ops;
	mapping->vm_ops.open = neoos_vm_open;
	mapping->vm_ops.close = neoos_vm_close;
	mapping->vm_ops.may_split = neoos_vm_may_split;
	mapping->vm_ops.mremap = neoos_vm_mremap;
	mapping->dev_file = get_file(dev_file);
	refcount_set(&mapping->refs, 1);
	neoos_count(mappings, 1);
	neoos_count(vmas, 1);

	/* Faults under the per-VMA lock must not see half of this. */
	neoos_vma_start_write(vma);
	vma->vm_ops = &mapping->vm_ops;
	neoos_vma_flags_set(vma, VM_DONTEXPAND);
}
