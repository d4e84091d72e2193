// SPDX-License-Identifier: GPL-2.0-only
/*
 * NEOOS_IOC_MSYNC: msync(2) of part of a mapping named by id.
 *
 * The id is looked up and turned into a file range under one hold of
 * mmap_lock, so the request reaches only the mapping it names: libneoos
 * once made it as INFO and then msync(2) of the address, between which
 * another thread could unmap the id and map something else there.  What
 * is done for the range is what mm/msync.c does for it: MS_INVALIDATE of
 * a locked mapping is -EBUSY; MS_SYNC of a shared mapping writes back
 * and waits for the file pages behind the pages that hold the range, with
 * vfs_fsync_range() as msync(2) calls it (datasync); MS_ASYNC does
 * nothing, the kernel tracking dirty pages itself.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/uaccess.h>

#include "internal.h"
#include <linux/neoos.h>

#define NEOOS_MS_FLAGS	(NEOOS_MS_ASYNC | NEOOS_MS_INVALIDATE | NEOOS_MS_SYNC)

/*
 * Under mmap_lock: check @args against its mapping, and for MS_SYNC of a
 * shared mapping return its file, with a reference, and the byte range of
 * the file pages to write in [*@start, *@end].
 */
static int neoos_msync_resolve(struct mm_struct *mm,
			       const struct neoos_msync *args,
			       struct file **file, loff_t *start, loff_t *end)
{
	struct neoos_mapping *mapping;
	struct vm_area_struct *vma;
	unsigned long first, last;
	u64 length;

	mmap_assert_locked(mm);
	vma = neoos_find_id(mm, args->id);
	mapping = neoos_vma_mapping(vma);
	if (!mapping || args->offset > mapping->length)
		return -EINVAL;
	length = args->length ?: mapping->length - args->offset;
	if (length > mapping->length - args->offset)
		return -EINVAL;
	if ((args->flags & NEOOS_MS_INVALIDATE) && (vma->vm_flags & VM_LOCKED))
		return -EBUSY;
	if (!(args->flags & NEOOS_MS_SYNC) || !(vma->vm_flags & VM_SHARED) ||
	    !length)
		return 0;

	/* The pages holding the range, as offsets into the VMA. */
	first = round_down(mapping->page_off + args->offset, PAGE_SIZE);
	last = round_up(mapping->page_off + args->offset + length, PAGE_SIZE);
	*start = ((loff_t)vma->vm_pgoff << PAGE_SHIFT) + first;
	*end = *start + (last - first) - 1;
	*file = get_file(vma->vm_file);
	return 0;
}

long neoos_ioctl_msync(void __user *argp)
{
	struct mm_struct *mm = current->mm;
	struct neoos_msync args;
	struct file *file = NULL;
	loff_t start, end;
	int ret;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.pad || !neoos_flags_one_of(args.flags, NEOOS_MS_FLAGS,
					    NEOOS_MS_ASYNC, NEOOS_MS_SYNC))
		return -EINVAL;
	if (mmap_read_lock_killable(mm))
		return -EINTR;
	ret = neoos_msync_resolve(mm, &args, &file, &start, &end);
	mmap_read_unlock(mm);
	if (ret || !file)
		return ret;
	/* As msync(2): the mapping's file, not the range's current VMA. */
	ret = vfs_fsync_range(file, start, end, 1);
	fput(file);
	return ret;
}
