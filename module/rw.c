// SPDX-License-Identifier: GPL-2.0-only
/*
 * NEOOS_IOC_READ and NEOOS_IOC_WRITE: MmapManager's MmapRead and
 * MmapWrite.  The copy goes through the mapping's own user addresses, so
 * it takes the same faults a load or store would: the page cache for a
 * shared mapping, copy-on-write for a private one, SIGBUS territory past
 * the end of a truncated file (reported as -EIO, without a signal).
 */

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "internal.h"
#include <linux/neoos.h>

/*
 * Resolve @args to a user address range of the caller's mapping, checking
 * bounds and protection under mmap_lock.
 */
static int neoos_rw_resolve(const struct neoos_rw *args, bool write,
			    unsigned long *uaddr)
{
	struct mm_struct *mm = current->mm;
	struct neoos_mapping *map;
	struct vm_area_struct *vma;
	int ret = 0;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	vma = neoos_find_id(mm, args->id);
	map = neoos_vma_mapping(vma);
	if (!map || args->offset > map->length ||
	    args->length > map->length - args->offset)
		ret = -EINVAL;
	else if (!(vma->vm_flags & (write ? VM_WRITE : VM_READ)))
		ret = -EACCES;
	else
		*uaddr = vma->vm_start + map->page_off + args->offset;
	mmap_read_unlock(mm);
	return ret;
}

/* Copy one chunk through @bounce; the mapping side failing is -EIO. */
static int neoos_rw_chunk(void __user *map, void __user *buf, void *bounce,
			  size_t n, bool write)
{
	if (write) {
		if (copy_from_user(bounce, buf, n))
			return -EFAULT;
		if (copy_to_user(map, bounce, n))
			return -EIO;
	} else {
		if (copy_from_user(bounce, map, n))
			return -EIO;
		if (copy_to_user(buf, bounce, n))
			return -EFAULT;
	}
	return 0;
}

long neoos_ioctl_rw(void __user *argp, bool write)
{
	struct neoos_rw args;
	unsigned long uaddr;
	void *bounce;
	u64 done;
	int ret;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.flags || args.pad)
		return -EINVAL;
	ret = neoos_rw_resolve(&args, write, &uaddr);
	if (ret || !args.length)
		return ret;

	bounce = (void *)__get_free_page(GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	for (done = 0; done < args.length && !ret; ) {
		size_t n = min_t(u64, args.length - done, PAGE_SIZE);

		ret = neoos_rw_chunk((void __user *)(uaddr + done),
				     u64_to_user_ptr(args.buf + done),
				     bounce, n, write);
		done += n;
		if (!ret && fatal_signal_pending(current))
			ret = -EINTR;
		cond_resched();
	}
	free_page((unsigned long)bounce);
	return ret;
}
