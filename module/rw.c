// SPDX-License-Identifier: GPL-2.0-only
/*
 * NEOOS_IOC_READ and NEOOS_IOC_WRITE: MmapManager's MmapRead and
 * MmapWrite.  A request names a mapping, not an address: each page of the
 * copy is done under one hold of mmap_lock in which the id is looked up,
 * the bounds and protection are checked, and the page a load or store at
 * that place would reach is taken with get_user_pages() - the same fault,
 * made with mmap_lock dropped for its I/O as a fault would drop it,
 * so the page cache for a shared mapping, copy-on-write for a private
 * one, SIGBUS territory past the end of a truncated file (reported as
 * -EIO, without a signal).  A mapping unmapped by another thread between
 * two pages ends the request with -EINVAL; nothing is ever copied to or
 * from whatever was mapped at its place since.  The caller's buffer is
 * copied to or from a bounce page outside mmap_lock, so a fault on it
 * (userfaultfd, a slow file) holds no lock.
 *
 * A WRITE's page is written while mmap_lock is held, so an UNMAP of the
 * mapping (which takes mmap_lock for writing) comes before or after the
 * whole page, and writes it back after.
 */

#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "internal.h"
#include <linux/neoos.h>

/*
 * The VMA of @args's mapping and the user address of byte @pos of it, with
 * bounds and protection checked.  The caller holds mmap_lock.
 */
static int neoos_rw_resolve(const struct neoos_rw *args, u64 pos, bool write,
			    struct vm_area_struct **vmap, unsigned long *uaddr)
{
	struct neoos_mapping *mapping;
	struct vm_area_struct *vma;

	vma = neoos_find_id(current->mm, args->id);
	mapping = neoos_vma_mapping(vma);
	if (!mapping || args->offset > mapping->length ||
	    args->length > mapping->length - args->offset)
		return -EINVAL;
	if (!(vma->vm_flags & (write ? VM_WRITE : VM_READ)))
		return -EACCES;
	*vmap = vma;
	*uaddr = vma->vm_start + mapping->page_off + args->offset + pos;
	return 0;
}

/* get_user_pages()'s error as READ and WRITE report it. */
static int neoos_rw_gup_error(long ret)
{
	switch (ret) {
	case -EINTR:
	case -ENOMEM:
		return ret;
	default:
		return -EIO;
	}
}

/*
 * How often a page is faulted in with mmap_lock dropped for its I/O before
 * get_user_pages() may fault it in under the lock: only a page that is
 * reclaimed again every time between the fault and the lookup gets there.
 */
#define NEOOS_RW_FAULTS	3

/*
 * The page of @args's mapping at byte @pos, with the caller's mmap_lock
 * held for reading on success and on failure.
 *
 * get_user_pages() without FOLL_UNLOCKABLE would keep mmap_lock across the
 * page's I/O, which a page fault does not (FAULT_FLAG_ALLOW_RETRY): a
 * thread of the caller that serves that I/O (FUSE) and needs mmap_lock
 * for writing would deadlock against it, and every mmap(2) of the
 * process would wait behind a slow disk.  So the page is taken with
 * FOLL_NOFAULT, and when a fault is needed, fixup_user_fault() makes it
 * as a load or store would, dropping mmap_lock for the I/O; the id is
 * then looked up again, since anything may have happened meanwhile.
 * (6.1's hugetlb GUP ignores FOLL_NOFAULT and faults under the lock, with
 * the fault's retry; hugetlbfs has no I/O to wait for.)
 */
static long neoos_rw_get_page(const struct neoos_rw *args, u64 pos,
			      bool write, struct vm_area_struct **vmap,
			      unsigned long *uaddr, struct page **page)
{
	unsigned int gup_flags = write ? FOLL_WRITE : 0;
	struct mm_struct *mm = current->mm;
	bool unlocked;
	long ret;
	int i;

	mmap_assert_locked(mm);
	for (i = 0; ; i++) {
		ret = neoos_rw_resolve(args, pos, write, vmap, uaddr);
		if (ret)
			return ret;
		ret = neoos_get_user_page(*uaddr, gup_flags |
					  (i < NEOOS_RW_FAULTS ? FOLL_NOFAULT : 0),
					  page);
		if (ret != -EFAULT || i == NEOOS_RW_FAULTS)
			break;
		unlocked = false;
		ret = fixup_user_fault(mm, *uaddr,
				       write ? FAULT_FLAG_WRITE : 0, &unlocked);
		if (!ret)
			continue;
		/*
		 * A fault that dropped mmap_lock retries at the same address,
		 * whatever is mapped there by then: its failure is the
		 * mapping's only if the mapping is still there as it was
		 * (else -EINVAL or -EACCES, as for a page not yet reached).
		 * Nothing was copied either way.
		 */
		if (unlocked) {
			long err = neoos_rw_resolve(args, pos, write, vmap,
						    uaddr);

			if (err)
				return err;
		}
		break;
	}
	return ret == 1 ? 0 : neoos_rw_gup_error(ret);
}

/*
 * Write @n bytes of @bounce into @page, as a store through the mapping
 * would: under the folio lock, after any writeback that needs the folio
 * stable (a checksumming file system or block device), then dirty.  Only
 * a folio of a file can be under such writeback; folio_wait_stable()
 * reads the file's mapping, which an anonymous folio (copy-on-write of a
 * private mapping) and a folio truncated meanwhile do not have.
 */
static void neoos_rw_store(struct vm_area_struct *vma, struct page *page,
			   unsigned long uaddr, const void *bounce, size_t n)
{
	struct folio *folio = page_folio(page);
	void *kaddr;

	folio_lock(folio);
	if (!folio_test_anon(folio) && folio->mapping)
		folio_wait_stable(folio);
	kaddr = kmap_local_page(page);
	copy_to_user_page(vma, page, uaddr, kaddr + offset_in_page(uaddr),
			  bounce, n);
	kunmap_local(kaddr);
	folio_mark_dirty(folio);
	folio_unlock(folio);
}

/*
 * Copy @n bytes between byte @pos of @args's mapping and @bounce, within
 * one page of the mapping.
 */
static int neoos_rw_page(const struct neoos_rw *args, u64 pos, size_t n,
			 void *bounce, bool write)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long uaddr;
	struct page *page;
	void *kaddr;
	long ret;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	ret = neoos_rw_get_page(args, pos, write, &vma, &uaddr, &page);
	if (ret)
		goto out;
	if (write) {
		neoos_rw_store(vma, page, uaddr, bounce, n);
	} else {
		kaddr = kmap_local_page(page);
		copy_from_user_page(vma, page, uaddr, bounce,
				    kaddr + offset_in_page(uaddr), n);
		kunmap_local(kaddr);
	}
	put_page(page);
out:
	mmap_read_unlock(mm);
	return ret;
}

/*
 * Check @args once, before anything is copied, and tell where in its page
 * the first byte lies.  A mapping's page_off never changes and its id is
 * never reused, so the pages of the copy can be cut from this.
 */
static int neoos_rw_check(const struct neoos_rw *args, bool write,
			  unsigned long *in_page)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long uaddr;
	int ret;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	ret = neoos_rw_resolve(args, 0, write, &vma, &uaddr);
	mmap_read_unlock(mm);
	if (!ret)
		*in_page = offset_in_page(uaddr);
	return ret;
}

long neoos_ioctl_rw(void __user *argp, bool write)
{
	unsigned long in_page;
	struct neoos_rw args;
	void *bounce;
	u64 done;
	int ret;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.flags || args.pad)
		return -EINVAL;
	ret = neoos_rw_check(&args, write, &in_page);
	if (ret || !args.length)
		return ret;

	bounce = (void *)__get_free_page(GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	for (done = 0; done < args.length && !ret; ) {
		size_t n = min_t(u64, args.length - done,
				 PAGE_SIZE - offset_in_page(in_page + done));
		void __user *buf = u64_to_user_ptr(args.buf + done);

		if (write && copy_from_user(bounce, buf, n))
			ret = -EFAULT;
		if (!ret)
			ret = neoos_rw_page(&args, done, n, bounce, write);
		if (!ret && !write && copy_to_user(buf, bounce, n))
			ret = -EFAULT;
		done += n;
		if (!ret && fatal_signal_pending(current))
			ret = -EINTR;
		cond_resched();
	}
	free_page((unsigned long)bounce);
	return ret;
}
