// SPDX-License-Identifier: GPL-2.0-only
/*
 * NEOOS_IOC_UNMAP: NeoOS's sys_munmap.  Only the exact range a MAP
 * returned, or its id, in the calling process, is accepted.  The mapping
 * is removed first; then the range's dirty pages of a shared writable
 * mapping - munmap moved the dirty bits of its page tables to the page
 * cache - are written to the file and waited for.  A writeback error is
 * reported once, through the file's errseq cursor, exactly as fsync(2) on
 * that file would report it.
 *
 * The contract (ioctl_neoos(2)): UNMAP fails with one of
 * NEOOS_UNMAP_KEPT_ERRNOS, EINVAL, EFAULT, EINTR, ENOMEM or EPERM (a
 * mapping sealed with mseal(2)), having changed nothing,
 * and with any other error having removed the mapping and failed to write
 * some of it (EIO, ENOSPC, EDQUOT...).  So a writeback error with one of
 * those five codes is reported as EIO.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/mm.h>
#include <linux/pagemap.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "internal.h"
#include <linux/neoos.h>

/**
 * struct neoos_unmap_target - what UNMAP found under mmap_lock
 * @start: VMA start
 * @len: VMA length
 * @file: the VMA's file with a reference, for a shared writable mapping;
 *	else NULL
 * @pos: first file byte of the user range
 * @end: last file byte of the user range
 */
struct neoos_unmap_target {
	unsigned long start;
	unsigned long len;
	struct file *file;
	loff_t pos;
	loff_t end;
};

/* The VMA UNMAP names: by id, or by its exact range. */
static struct vm_area_struct *neoos_unmap_find(struct mm_struct *mm,
					       const struct neoos_unmap *args)
{
	if (args->flags & NEOOS_UNMAP_BY_ID)
		return neoos_find_id(mm, args->id);
	return neoos_find_exact(mm, args->addr, args->length);
}

/* Has the page cache a folio tagged @tag in pages [@first, @last]? */
static bool neoos_range_tagged(struct address_space *mapping, pgoff_t first,
			       pgoff_t last, xa_mark_t tag)
{
	return mapping_tagged(mapping, tag) &&
	       xa_find(&mapping->i_pages, &first, last, tag);
}

/*
 * Has [@pos, @end] of @mapping anything to write back or wait for?
 *
 * file_write_and_wait_range() goes through ->writepages and the writeback
 * wait whenever the file has any page cache at all, which a clean
 * mapping has no reason to pay for.  Every page it would write is tagged
 * dirty and every page it would wait for is tagged writeback: a store
 * through a shared mapping of a file that can be written back marks the
 * folio dirty (write-notify) before the store, and writeback moves the
 * dirty tag to the writeback tag atomically.  With neither tag in the
 * range, only the errseq check is left, which still reports an error of
 * earlier writeback exactly once, as file_write_and_wait_range() does.
 */
static bool neoos_needs_writeback(struct address_space *mapping, loff_t pos,
				  loff_t end)
{
	pgoff_t first = pos >> PAGE_SHIFT, last = end >> PAGE_SHIFT;

	return neoos_range_tagged(mapping, first, last, PAGECACHE_TAG_DIRTY) ||
	       neoos_range_tagged(mapping, first, last, PAGECACHE_TAG_WRITEBACK);
}

/*
 * An error of earlier writeback of @file that this descriptor has not seen
 * yet, consumed, as file_check_and_advance_wb_err() reports it.  That
 * function also clears AS_EIO and AS_ENOSPC on every call, two atomic
 * operations on the mapping's flags that an unmap with no new error has
 * no reason to pay; only the lockless errseq check is made then.
 */
static int neoos_check_wb_err(struct file *file)
{
	if (!errseq_check(&file->f_mapping->wb_err, READ_ONCE(file->f_wb_err)))
		return 0;
	return file_check_and_advance_wb_err(file);
}

static int neoos_unmap_lookup(struct mm_struct *mm,
			      const struct neoos_unmap *args,
			      struct neoos_unmap_target *t)
{
	struct neoos_mapping *mapping;
	struct vm_area_struct *vma;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	vma = neoos_unmap_find(mm, args);
	if (!vma) {
		mmap_read_unlock(mm);
		return -EINVAL;
	}
	mapping = neoos_vma_mapping(vma);
	t->start = vma->vm_start;
	t->len = vma->vm_end - vma->vm_start;
	t->pos = mapping->offset;
	t->end = mapping->offset + mapping->length - 1;
	/*
	 * Whether there is anything to write back is only known once the
	 * mapping is gone: until then a thread's store may dirty a page, on
	 * 6.4+ under the per-VMA lock without mmap_lock.  The VMA holds
	 * vm_file while we hold mmap_lock.
	 */
	t->file = NULL;
	if ((vma->vm_flags & VM_SHARED) && (vma->vm_flags & VM_MAYWRITE))
		t->file = get_file(vma->vm_file);
	mmap_read_unlock(mm);
	return 0;
}

/* Is @errnum one of those with which UNMAP reports "nothing removed"? */
static bool neoos_unmap_kept(int errnum)
{
	static const int kept[] = NEOOS_UNMAP_KEPT_ERRNOS;
	int i;

	for (i = 0; i < ARRAY_SIZE(kept); i++)
		if (errnum == kept[i])
			return true;
	return false;
}

/*
 * Write back [@pos, @end] of @file after its mapping was removed; report a
 * writeback error as UNMAP's contract wants it (see the top of this file).
 * Every store through the mapping is in the page cache by now: vm_munmap()
 * waited for faults in progress under the VMA's lock, and moved the dirty
 * bits of its page tables to the folios.
 */
static int neoos_unmap_flush(struct file *file, loff_t pos, loff_t end)
{
	int err;

	if (neoos_needs_writeback(file->f_mapping, pos, end))
		err = file_write_and_wait_range(file, pos, end);
	else
		err = neoos_check_wb_err(file);
	return neoos_unmap_kept(-err) ? -EIO : err;
}

long neoos_ioctl_unmap(void __user *argp)
{
	struct neoos_unmap_target t;
	struct neoos_mm_waiter w;
	struct neoos_unmap args;
	int ret;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if ((args.flags & ~NEOOS_UNMAP_BY_ID) || args.pad)
		return -EINVAL;
	if (args.flags & NEOOS_UNMAP_BY_ID ? args.addr || args.length :
					     args.id || !args.length)
		return -EINVAL;

	ret = neoos_mm_lock(&w, current->mm);
	if (ret)
		return ret;
	ret = neoos_unmap_lookup(current->mm, &args, &t);
	if (ret) {
		neoos_mm_unlock(&w);
		return ret;
	}
	/*
	 * do_munmap() is not exported, so the range is unmapped after
	 * mmap_lock was dropped.  No MAP or UNMAP of the process runs in
	 * between (the request lock); a thread of the caller that unmaps
	 * this mapping with munmap(2) and maps something else in its place
	 * with mmap(2) in between loses that.  A neoos VMA never changes its
	 * range, so nothing outside it is ever touched.
	 */
	ret = vm_munmap(t.start, t.len);
	neoos_mm_unlock(&w);
	if (!ret) {
		neoos_count(unmaps, 1);
		if (t.file)
			ret = neoos_unmap_flush(t.file, t.pos, t.end);
	}
	if (t.file)
		fput(t.file);
	return ret;
}
