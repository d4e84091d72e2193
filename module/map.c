// SPDX-License-Identifier: GPL-2.0-only
/*
 * NEOOS_IOC_MAP: NeoOS's sys_mmap, and the extended MAP.
 *
 * A neoos mapping is made by the core exactly as mmap(2) of the target
 * makes one: vm_mmap() on the target file.  So every rule the kernel has
 * for a file mapping is applied to the file being mapped, by the code that
 * owns the rule: the descriptor's access mode and the VM_MAY* flags, memfd
 * seals, append-only and swap files, noexec mounts and READ_IMPLIES_EXEC,
 * security_mmap_file() with the LSMs and IMA, commit accounting, hugetlb
 * reservations, the file's own get_unmapped_area() and ->mmap (or
 * ->mmap_prepare).  NEOOS_IOC_MAP then adopts the VMA it finds at the
 * address vm_mmap() returned (vma.c), which makes it exact-range.
 *
 * Between vm_mmap() and the adoption, mmap_lock is dropped.  In that
 * window the core may already have merged the new range into an adjacent
 * mapping of the same open file, and other threads of the caller may
 * unmap, mprotect or replace the range with plain mmap(2) and munmap(2);
 * neoos_map_adopt() tells these apart and never adopts what it did not
 * map.  Other threads' MAP and UNMAP wait: MAP holds the process's
 * request lock (mm_lock.c) from the first vm_mmap() to the adoption.
 */

#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/hugetlb.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmap_lock.h>
#include <linux/path.h>
#include <linux/sched.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "internal.h"
#include <linux/neoos.h>

/*
 * How many places MAP tries when the core merges its new range into a
 * neighbour (neoos_map_install()).  Each further merge needs yet another
 * mapping of the same open file, with the same flags, that ends or starts
 * exactly where the retry lands, at exactly the adjacent file offset.
 */
#define NEOOS_MAP_TRIES	4

/* The checks that need nothing but the arguments. */
static int neoos_map_check_args(const struct neoos_map *args)
{
	if (args->pad || !neoos_flags_one_of(args->flags, NEOOS_MAP_FLAGS,
					     NEOOS_MAP_SHARED, NEOOS_MAP_PRIVATE))
		return -EINVAL;
	if (args->flags & NEOOS_MAP_PROT_FROM_FD) {
		if (args->prot)
			return -EINVAL;
	} else if (args->prot & ~NEOOS_PROT_ALL) {
		return -EINVAL;
	}
	if (!args->length || offset_in_page(args->addr))
		return -EINVAL;
	if (args->flags & NEOOS_MAP_ANONYMOUS) {
		if (args->fd != -1 || args->offset ||
		    (args->flags & NEOOS_MAP_PROT_FROM_FD))
			return -EINVAL;
	} else if (args->fd < 0) {
		return -EBADF;
	}
	return 0;
}

/*
 * Can the address space hold a VMA of @len bytes, page aligned (0: the
 * length wrapped when it was rounded)?  mmap(2)'s ENOMEM otherwise.
 */
static bool neoos_vma_len_fits(u64 len)
{
	return len && len <= TASK_SIZE;
}

/*
 * NeoOS's sys_mmap maps with the access the descriptor was opened with.
 * O_WRONLY asks for READ | WRITE, which the core refuses (-EACCES) as
 * mmap(2) refuses any mapping of a descriptor not open for reading.
 */
static u32 neoos_prot_from_fd(const struct file *file)
{
	u32 prot = NEOOS_PROT_READ;

	if (file->f_mode & FMODE_WRITE)
		prot |= NEOOS_PROT_WRITE;
	return prot;
}

/*
 * The file to map, with a reference the caller drops: the caller's fd, or
 * for anonymous memory a new unlinked shmem file, made as
 * shmem_zero_setup() makes the one behind MAP_SHARED | MAP_ANONYMOUS: an
 * S_PRIVATE inode named "dev/zero", which LSMs treat as anonymous memory
 * and /proc/<pid>/maps shows as "/dev/zero (deleted)", charged to commit
 * accounting for its size.
 *
 * Private anonymous memory is a private mapping of such a file, because a
 * VMA that neoos's vm_operations hold is never anonymous
 * (vma_is_anonymous() is !vm_ops), and no export lets a module fault
 * anonymous pages into a VMA of its own.  A private mapping of the file
 * allocates a shmem page at any fault, where an anonymous VMA maps the
 * zero page for a read, and keeps it under the copy-on-write page once
 * written: a written page is held twice.  So a writable one is charged
 * twice: once by vm_mmap() for the private mapping, as for MAP_PRIVATE |
 * MAP_ANONYMOUS, once by the file for its size (a read-only one, which
 * mmap(2) would not charge, once, and again by mprotect() to writable).
 * Under vm.overcommit_memory=2 MAP is refused what it could not hold,
 * rather than a later store being killed with SIGBUS.
 */
static struct file *neoos_map_target(const struct neoos_map *args)
{
	struct file *file;

	if (args->flags & NEOOS_MAP_ANONYMOUS) {
		/*
		 * mmap(2) refuses a length the address space cannot hold
		 * before it makes the memory file, which would refuse more
		 * than it can hold with EINVAL.
		 */
		if (!neoos_vma_len_fits(PAGE_ALIGN(args->length)))
			return ERR_PTR(-ENOMEM);
		file = neoos_anon_file_setup("dev/zero", args->length);
		/*
		 * shmem's internal mount has no size or inode limit, so its
		 * ENOSPC is an inode that could not be allocated: out of
		 * memory, which MAP reports as ENOMEM.
		 */
		if (PTR_ERR_OR_ZERO(file) == -ENOSPC)
			return ERR_PTR(-ENOMEM);
		return file;
	}
	/* fget() refuses O_PATH descriptors, which cannot be mapped. */
	file = fget(args->fd);
	return file ?: ERR_PTR(-EBADF);
}

/*
 * The length of the VMA around [offset, offset + length).  mmap(2) rounds
 * a length on hugetlbfs up to the huge page (ksys_mmap_pgoff()), which
 * vm_mmap() does not go through; everything else is page aligned.
 */
static u64 neoos_vma_len(struct file *file, unsigned long page_off,
			 u64 length)
{
	u64 len = PAGE_ALIGN(page_off + length);

	if (file_inode(file)->i_sb->s_magic == HUGETLBFS_MAGIC)
		len = ALIGN(len, huge_page_size(hstate_file(file)));
	return len;
}

static struct neoos_mapping *neoos_mapping_alloc(struct file *file,
						 const struct neoos_map *args)
{
	struct neoos_mapping *mapping;
	u64 vma_len;

	mapping = kzalloc(sizeof(*mapping), GFP_KERNEL_ACCOUNT);
	if (!mapping)
		return ERR_PTR(-ENOMEM);

	mapping->page_off = offset_in_page(args->offset);
	vma_len = neoos_vma_len(file, mapping->page_off, args->length);
	if (!neoos_vma_len_fits(vma_len)) {
		kfree(mapping);
		return ERR_PTR(-ENOMEM);
	}
	mapping->offset = args->offset;
	mapping->length = args->length;
	mapping->vma_len = vma_len;
	mapping->prot = args->prot;
	mapping->flags = args->flags & (NEOOS_MAP_SHARED | NEOOS_MAP_PRIVATE |
				    NEOOS_MAP_ANONYMOUS);
	return mapping;
}

/* Is @vma's file @file, or the backing file @file's ->mmap put there? */
static bool neoos_vma_file_is(struct vm_area_struct *vma, struct file *file)
{
	return vma->vm_file == file ||
	       path_equal(neoos_file_user_path(vma->vm_file), &file->f_path);
}

/*
 * What one vm_mmap() of MAP asks for, copied out of the neoos_mapping so
 * that it can still be compared with after the mapping was adopted (and
 * may have been freed by another thread).
 */
struct neoos_attempt {
	struct file *file;
	unsigned long len;
	pgoff_t pgoff;
	bool shared;
};

/**
 * neoos_vma_is_new - is @vma what vm_mmap() made for @a at @start?
 * @a: the request
 * @vma: the VMA at @start, or NULL
 * @start: the address vm_mmap() returned
 *
 * A VMA of @a's file (or of the backing file overlayfs or FUSE passthrough
 * put there), not a neoos VMA, shared or private as asked, that is exactly
 * [@start, @start + len) is taken to be the new one; its vm_pgoff is not
 * compared, because a target's ->mmap may move it (sysfs PCI resource
 * files do).  One that is larger and holds the file pages asked for at
 * @start is the new one merged into a neighbour.  Only a thread of the
 * caller that unmaps the new range and maps the same file there again,
 * before MAP returned the address, can make it another VMA; that VMA is
 * then adopted instead, after the same checks.
 *
 * Return: 0 if @vma is exactly the new range, -EAGAIN if the core merged
 * the new range into a larger VMA, -EBUSY if the range holds something
 * else now.
 */
static int neoos_vma_is_new(const struct neoos_attempt *a,
			    struct vm_area_struct *vma, unsigned long start)
{
	unsigned long end = start + a->len;

	if (!vma || !vma->vm_file || neoos_vma_mapping(vma) ||
	    !neoos_vma_file_is(vma, a->file) ||
	    !(vma->vm_flags & VM_MAYSHARE) != !a->shared ||
	    vma->vm_start > start || vma->vm_end < end)
		return -EBUSY;
	/* Exactly the range, whatever the target's ->mmap made of vm_pgoff. */
	if (vma->vm_start == start && vma->vm_end == end)
		return 0;
	/* Larger: merged, which the core does only with the adjacent pages. */
	if (vma->vm_pgoff + ((start - vma->vm_start) >> PAGE_SHIFT) != a->pgoff)
		return -EBUSY;
	return -EAGAIN;
}

/*
 * Where MAP's answer goes: the caller's argument.  The answer is written
 * under mmap_lock, where no page fault may be taken, so it is copied with
 * page faults disabled; the argument was written once before MAP took any
 * lock (neoos_answer_probe()), so its page is nearly always present and
 * writable then.  When it is not (reclaim, or another thread's munmap(2)
 * or mprotect(2) of it in between), MAP pins the argument's pages and
 * tries once more: a pinned page is written with memcpy_to_page(), which
 * cannot fail.  A pin for writing breaks copy-on-write, and fork(2) leaves
 * a pinned page to the parent, so the caller sees what is written there.
 */
struct neoos_answer {
	struct page *pages[2];
	void __user *argp;
	int n;
};

/*
 * Fail before anything if @argp cannot take the answer: write back the
 * bytes just read from it, which also faults its pages in.
 */
static int neoos_answer_probe(struct neoos_answer *ans, void __user *argp,
			      const struct neoos_map *args)
{
	ans->argp = argp;
	ans->n = 0;
	return copy_to_user(argp, args, sizeof(*args)) ? -EFAULT : 0;
}

/* Pin the pages of the argument; -EFAULT if they cannot be written. */
static int neoos_answer_pin(struct neoos_answer *ans)
{
	unsigned long uaddr = (unsigned long)ans->argp;
	unsigned long first = uaddr & PAGE_MASK;
	int n = (PAGE_ALIGN(uaddr + sizeof(struct neoos_map)) - first) >>
		PAGE_SHIFT;
	int ret;

	ret = pin_user_pages_fast(first, n, FOLL_WRITE, ans->pages);
	if (ret == n) {
		ans->n = n;
		return 0;
	}
	if (ret > 0)
		unpin_user_pages(ans->pages, ret);
	return ret == -ENOMEM || ret == -EINTR ? ret : -EFAULT;
}

/*
 * Write @args into the argument, under mmap_lock.  Return: 0, or -EFAULT
 * if it is not pinned and a page fault would have been needed.
 */
static int neoos_answer_write(struct neoos_answer *ans,
			      const struct neoos_map *args)
{
	size_t off = offset_in_page(ans->argp), done = 0;
	int i;

	if (!ans->n)
		return copy_to_user_nofault(ans->argp, args, sizeof(*args));
	for (i = 0; i < ans->n; i++) {
		size_t n = min(sizeof(*args) - done, PAGE_SIZE - off);

		memcpy_to_page(ans->pages[i], off, (const char *)args + done, n);
		done += n;
		off = 0;
	}
	return 0;
}

static void neoos_answer_unpin(struct neoos_answer *ans, bool written)
{
	if (ans->n)
		unpin_user_pages_dirty_lock(ans->pages, ans->n, written);
}

/* neoos_map_adopt(): the attempt is exactly the range, but not adopted. */
#define NEOOS_MAP_READY		1
/* neoos_map_adopt(): the id index could not take an entry just now. */
#define NEOOS_MAP_INDEX_BUSY	2
/* neoos_map_adopt(): the answer needs the argument's pages pinned. */
#define NEOOS_MAP_PIN		3

/* How often MAP waits for the id index to grow (neoos_index_add()). */
#define NEOOS_MAP_INDEX_WAITS	8

/*
 * Adopt for @mapping the VMA vm_mmap() made for @a at @start, or with
 * @check_only only see whether it could be.  In one hold of mmap_lock for
 * writing: the VMA is checked to be exactly the attempt, the id is taken,
 * the answer is written to the caller's argument and the VMA is adopted.
 * So a MAP that fails has published nothing, and once mmap_lock is
 * dropped the mapping is the caller's: another thread may unmap it and
 * free @mapping, so nothing of @mapping is read afterwards.
 *
 * Return: 0 (adopted), NEOOS_MAP_READY (@check_only: could be),
 * NEOOS_MAP_INDEX_BUSY (try again), -EAGAIN (merged into a larger VMA,
 * see neoos_map_install()), -EBUSY (the range holds something else now),
 * -ENODEV (the target made a mapping neoos refuses), -EINTR (a fatal
 * signal: the process is exiting, which takes the attempt down).
 */
static int neoos_map_adopt(struct neoos_mapping *mapping,
			   const struct neoos_attempt *a, struct file *dev_file,
			   unsigned long start, bool check_only,
			   struct neoos_answer *ans, struct neoos_map *args)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	int ret;

	if (mmap_write_lock_killable(mm))
		return -EINTR;
	vma = vma_lookup(mm, start);
	ret = neoos_vma_is_new(a, vma, start);
	if (!ret)
		ret = neoos_vma_check(vma);
	if (!ret && check_only)
		ret = NEOOS_MAP_READY;
	if (ret)
		goto out;

	WRITE_ONCE(mapping->start, start);
	if (neoos_index_add(mapping)) {
		ret = NEOOS_MAP_INDEX_BUSY;
		goto out;
	}
	args->addr = start + mapping->page_off;
	args->id = mapping->id;
	if (neoos_answer_write(ans, args)) {
		neoos_index_undo(mapping);
		ret = NEOOS_MAP_PIN;
		goto out;
	}
	neoos_vma_adopt(mapping, vma, dev_file);
out:
	mmap_write_unlock(mm);
	return ret;
}

/*
 * Take back the attempt for @a at @start: unmap exactly its range if it
 * still is what neoos_vma_is_new() takes for the attempt, merged or not.
 * Nothing else is ever unmapped.  The caller holds the request lock, so
 * no other MAP or UNMAP of the process runs in the window between the
 * check and vm_munmap(); see neoos(4) for what plain munmap(2) and
 * mmap(2) of other threads can do there.
 *
 * Return: 0 (taken back, or nothing of the attempt is left), or
 * vm_munmap()'s error: -ENOMEM when taking back a merged attempt needs a
 * split beyond vm.max_map_count, -EINTR for a dying process.
 */
static int neoos_map_take_back(const struct neoos_attempt *a,
			       unsigned long start)
{
	struct mm_struct *mm = current->mm;
	bool ours;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	ours = neoos_vma_is_new(a, vma_lookup(mm, start), start) != -EBUSY;
	mmap_read_unlock(mm);
	return ours ? vm_munmap(start, a->len) : 0;
}

/* The attempts MAP left where the core merged them, newest last. */
struct neoos_merged {
	unsigned long start[NEOOS_MAP_TRIES];
	int n;
};

/* Take back every merged attempt; on error, those not taken back stay. */
static int neoos_map_take_back_merged(const struct neoos_attempt *a,
				      struct neoos_merged *m)
{
	int ret;

	while (m->n) {
		ret = neoos_map_take_back(a, m->start[m->n - 1]);
		if (ret)
			return ret;
		m->n--;
	}
	return 0;
}

/*
 * The attempt at *@addr stands alone: take back the merged ones before it
 * is adopted.  Taking back an attempt that filled a hole between two of
 * the caller's mappings needs a split, which fails at vm.max_map_count
 * while the new attempt holds a VMA of its own; then the new attempt is
 * taken back first, which makes room, and MAP maps again.
 *
 * Return: 0 to adopt the attempt at *@addr, -EAGAIN to map again (*@addr
 * is 0 then), or the error of a take-back.
 */
static int neoos_map_clear_merged(const struct neoos_attempt *a,
				  struct neoos_merged *m, unsigned long *addr)
{
	int ret = neoos_map_take_back_merged(a, m);

	if (ret != -ENOMEM)
		return ret;
	ret = neoos_map_take_back(a, *addr);
	if (ret)
		return ret;
	*addr = 0;
	return neoos_map_take_back_merged(a, m) ?: -EAGAIN;
}

/*
 * Map @file for @mapping and adopt the VMA; on success @args holds the answer,
 * already written to @ans.  The caller holds the request lock.
 *
 * The core merges a new file mapping into an adjacent VMA of the same open
 * file with the same flags and the following (or preceding) file pages -
 * say the caller's own mmap(2) of the next page of the same fd.  Such a
 * VMA is the caller's, not ours to adopt.  (Two MAPs' fresh attempts never
 * meet: the request lock orders them, and an adopted VMA never merges.)
 * The attempt is left in place while MAP tries again without the hint, so
 * that the next vm_mmap() cannot land in the same spot.  When an attempt
 * stands alone, the merged ones are taken back before it is adopted
 * (neoos_map_clear_merged()): unmapping exactly an attempt's range gives
 * the neighbour its own extent back, and a MAP that fails must leave
 * nothing behind.
 *
 * Return: 0, or an error with nothing of MAP left in the address space,
 * unless taking an attempt back failed too: then that error (-ENOMEM at
 * vm.max_map_count, even with the new attempt gone), and the attempt
 * stays merged into the caller's mapping, as mmap(2) at that place would
 * have left it.
 */
static int neoos_map_install(struct neoos_mapping *mapping, struct file *file,
			     struct file *dev_file, struct neoos_answer *ans,
			     struct neoos_map *args)
{
	const struct neoos_attempt a = {
		.file = file,
		.len = mapping->vma_len,
		.pgoff = mapping->offset >> PAGE_SHIFT,
		.shared = mapping->flags & NEOOS_MAP_SHARED,
	};
	unsigned long prot = neoos_prot_to_mmap(mapping->prot);
	unsigned long hint = args->addr, addr = 0;
	struct neoos_merged m = { .n = 0 };
	int tries = 0, waits = 0, ret, err;

	do {
		if (!addr) {
			/* Merged at every place tried: no room where it stands alone. */
			if (tries++ == NEOOS_MAP_TRIES) {
				ret = -ENOMEM;
				break;
			}
			addr = vm_mmap(file, hint, a.len, prot,
				       a.shared ? MAP_SHARED : MAP_PRIVATE,
				       a.pgoff << PAGE_SHIFT);
			if (IS_ERR_VALUE(addr)) {
				ret = (int)addr;
				addr = 0;
				break;
			}
			hint = 0;
		}
		ret = neoos_map_adopt(mapping, &a, dev_file, addr, m.n > 0,
				      ans, args);
		if (ret == -EAGAIN) {
			m.start[m.n++] = addr;
			addr = 0;
		} else if (ret == NEOOS_MAP_READY) {
			ret = neoos_map_clear_merged(&a, &m, &addr) ?: -EAGAIN;
		} else if (ret == NEOOS_MAP_PIN) {
			/* Once only: a pinned argument always takes the answer. */
			ret = neoos_answer_pin(ans) ?: -EAGAIN;
		} else if (ret == NEOOS_MAP_INDEX_BUSY) {
			/* The table grows in its own worker: let it. */
			ret = -ENOMEM;
			if (waits++ < NEOOS_MAP_INDEX_WAITS) {
				usleep_range(1000, 2000);
				ret = -EAGAIN;
			}
		}
	} while (ret == -EAGAIN);

	if (!ret)
		return 0;
	/* The new attempt first: it may be what makes room for the others. */
	err = addr ? neoos_map_take_back(&a, addr) : 0;
	err = neoos_map_take_back_merged(&a, &m) ?: err;
	return err ?: ret;
}

long neoos_ioctl_map(struct file *dev_file, void __user *argp)
{
	struct neoos_answer ans;
	struct neoos_mm_waiter w;
	struct neoos_mapping *mapping;
	struct neoos_map args;
	struct file *file;
	long ret;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	ret = neoos_map_check_args(&args);
	if (ret)
		return ret;
	/* An argument that cannot take the answer fails before anything. */
	ret = neoos_answer_probe(&ans, argp, &args);
	if (ret)
		return ret;

	file = neoos_map_target(&args);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto out_unpin;
	}
	ret = neoos_check_target(file, &args);
	if (ret)
		goto out_fput;
	if (args.flags & NEOOS_MAP_PROT_FROM_FD)
		args.prot = neoos_prot_from_fd(file);
	mapping = neoos_mapping_alloc(file, &args);
	if (IS_ERR(mapping)) {
		ret = PTR_ERR(mapping);
		goto out_fput;
	}

	ret = neoos_mm_lock(&w, current->mm);
	if (!ret) {
		ret = neoos_map_install(mapping, file, dev_file, &ans, &args);
		neoos_mm_unlock(&w);
	}
	/*
	 * On success @mapping belongs to its VMA, which may already be gone again
	 * (another thread).  On failure it was never adopted nor left in the
	 * id index, and is still ours.
	 */
	if (ret)
		neoos_mapping_discard(mapping);
	else
		neoos_count(maps, 1);
out_fput:
	/* Each VMA vm_mmap() made took its own reference to the file. */
	fput(file);
out_unpin:
	neoos_answer_unpin(&ans, !ret);
	return ret;
}
