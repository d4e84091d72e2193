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
 * request lock (mm_lock.c) from the first vm_mmap() to its return, so
 * two MAPs' fresh attempts never meet unadopted, which is what the core
 * would merge.
 */

#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/fs.h>
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
	u32 type = args->flags & (NEOOS_MAP_SHARED | NEOOS_MAP_PRIVATE);

	if (args->pad || (args->flags & ~NEOOS_MAP_FLAGS))
		return -EINVAL;
	if (type != NEOOS_MAP_SHARED && type != NEOOS_MAP_PRIVATE)
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
 * The file to map, with a reference the caller drops: the caller's fd, or
 * for anonymous memory a new unlinked shmem file.  A shared one is charged
 * to commit accounting for its size, as shmem_zero_setup() charges the
 * file behind MAP_SHARED | MAP_ANONYMOUS.  A private one is not
 * (VM_NORESERVE: shmem charges its pages as they are allocated), because
 * vm_mmap() charges the private mapping itself, as for MAP_PRIVATE |
 * MAP_ANONYMOUS.  Unlike an anonymous VMA, which maps the zero page on a
 * read fault, a private mapping of the file allocates a shmem page for a
 * read fault, and keeps it under a copy-on-write page once written.
 */
static struct file *neoos_map_target(const struct neoos_map *args)
{
	struct file *file;

	if (args->flags & NEOOS_MAP_ANONYMOUS) {
		file = neoos_shmem_file_setup("neoos-anon", args->length,
					      args->flags & NEOOS_MAP_PRIVATE);
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
	struct neoos_mapping *map;
	u64 vma_len;

	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map)
		return ERR_PTR(-ENOMEM);

	map->page_off = offset_in_page(args->offset);
	vma_len = neoos_vma_len(file, map->page_off, args->length);
	if (!vma_len || vma_len > TASK_SIZE) {
		kfree(map);
		return ERR_PTR(-ENOMEM);
	}
	map->offset = args->offset;
	map->length = args->length;
	map->vma_len = vma_len;
	map->prot = args->prot;
	map->flags = args->flags & (NEOOS_MAP_SHARED | NEOOS_MAP_PRIVATE |
				    NEOOS_MAP_ANONYMOUS);
	return map;
}

static unsigned long neoos_mmap_prot(u32 prot)
{
	return ((prot & NEOOS_PROT_READ) ? PROT_READ : 0) |
	       ((prot & NEOOS_PROT_WRITE) ? PROT_WRITE : 0) |
	       ((prot & NEOOS_PROT_EXEC) ? PROT_EXEC : 0);
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
 * Adopt for @map the VMA vm_mmap() made for @a at @start.  On success *@id
 * is the mapping's id: once mmap_lock is dropped, another thread may unmap
 * the mapping and free @map, so nothing of it is read afterwards.
 *
 * Return: 0, or -EAGAIN (merged, see neoos_map_install()), -EBUSY (the
 * range changed under us), -ENODEV (the target made a mapping neoos
 * refuses), -EINTR (a fatal signal: the process is exiting, which takes
 * the mapping down).
 */
static int neoos_map_adopt(struct neoos_mapping *map,
			   const struct neoos_attempt *a,
			   struct file *dev_file, unsigned long start, u64 *id)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	bool ours;
	int ret;

	if (mmap_write_lock_killable(mm))
		return -EINTR;
	vma = vma_lookup(mm, start);
	ret = neoos_vma_is_new(a, vma, start);
	ours = !ret;
	if (ours)
		ret = neoos_vma_adopt(map, vma, dev_file);
	if (!ret)
		*id = map->id;
	mmap_write_unlock(mm);

	/*
	 * A VMA that is ours but that neoos_vma_adopt() refused was checked
	 * to be exactly the new range under mmap_lock: unmap it.  (do_munmap()
	 * is not exported, so this cannot be done under the same lock hold;
	 * a thread of the caller that replaces the range in between loses
	 * its replacement.)
	 */
	if (ours && ret)
		vm_munmap(start, a->len);
	return ret;
}

/*
 * Take back an attempt for @a at @start that the core merged into a
 * neighbour: unmap exactly its range if it still is what neoos_vma_is_new()
 * takes for the attempt, merged or not - not the mapping MAP adopted
 * since, should another thread have freed the range and the retry landed
 * there.  The window between this check and vm_munmap() remains, as in
 * UNMAP.
 */
static void neoos_map_take_back(const struct neoos_attempt *a,
				unsigned long start)
{
	struct mm_struct *mm = current->mm;
	bool ours;

	mmap_read_lock(mm);
	ours = neoos_vma_is_new(a, vma_lookup(mm, start), start) != -EBUSY;
	mmap_read_unlock(mm);
	if (ours)
		vm_munmap(start, a->len);
}

/*
 * Map @file for @map and adopt the VMA; return its start or an error.
 *
 * The core merges a new file mapping into an adjacent VMA of the same open
 * file with the same flags and the following (or preceding) file pages -
 * say the caller's own mmap(2) of the next page of the same fd.  Such a
 * VMA is the caller's, not ours to adopt.  The attempt is left in place
 * while MAP tries again without the hint, so that the next vm_mmap()
 * cannot land in the same spot, and taken back at the end: unmapping
 * exactly the attempt's range gives the neighbour back its own extent.
 */
static long neoos_map_install(struct neoos_mapping *map, struct file *file,
			      struct file *dev_file, unsigned long hint,
			      u64 *id)
{
	const struct neoos_attempt a = {
		.file = file,
		.len = map->vma_len,
		.pgoff = map->offset >> PAGE_SHIFT,
		.shared = map->flags & NEOOS_MAP_SHARED,
	};
	unsigned long prot = neoos_mmap_prot(map->prot);
	unsigned long merged[NEOOS_MAP_TRIES];
	unsigned long addr = -ENOMEM;
	int n = 0, ret = -EAGAIN;

	while (ret == -EAGAIN && n < NEOOS_MAP_TRIES) {
		addr = vm_mmap(file, hint, a.len, prot,
			       a.shared ? MAP_SHARED : MAP_PRIVATE,
			       a.pgoff << PAGE_SHIFT);
		if (IS_ERR_VALUE(addr))
			break;
		ret = neoos_map_adopt(map, &a, dev_file, addr, id);
		if (ret == -EAGAIN)
			merged[n++] = addr;
		hint = 0;
	}
	while (n--)
		neoos_map_take_back(&a, merged[n]);

	if (IS_ERR_VALUE(addr))
		return (long)addr;
	/* Merged at every place tried: no room where it stands alone. */
	if (ret == -EAGAIN)
		return -ENOMEM;
	return ret ? ret : (long)addr;
}

/*
 * Undo a MAP that made its mapping but cannot report it: remove the
 * mapping @id, whose VMA starts at @start.
 *
 * Another thread of the caller may have unmapped the range since MAP
 * adopted it, and mapped something else there; that must not be touched.
 * Ids are never reused and a neoos VMA never changes its range, so the id
 * and the start name the mapping.  (The window between this check and
 * vm_munmap() remains, as in UNMAP.)
 */
static void neoos_map_undo(unsigned long start, u64 id)
{
	struct mm_struct *mm = current->mm;
	struct neoos_mapping *map;
	struct vm_area_struct *vma;
	unsigned long len = 0;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, start);
	map = neoos_vma_mapping(vma);
	if (map && map->id == id && vma->vm_start == start)
		len = vma->vm_end - vma->vm_start;
	mmap_read_unlock(mm);
	if (len)
		vm_munmap(start, len);
}

long neoos_ioctl_map(struct file *dev_file, void __user *argp)
{
	struct neoos_mm_waiter w;
	struct neoos_mapping *map;
	struct neoos_map args;
	struct file *file;
	long ret;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	ret = neoos_map_check_args(&args);
	if (ret)
		return ret;

	file = neoos_map_target(&args);
	if (IS_ERR(file))
		return PTR_ERR(file);
	ret = neoos_check_target(file, &args);
	if (ret)
		goto out_fput;
	map = neoos_mapping_alloc(file, &args);
	if (IS_ERR(map)) {
		ret = PTR_ERR(map);
		goto out_fput;
	}

	/*
	 * On success @map belongs to the VMA, which may already be gone
	 * again (another thread): only the start and the id are used below.
	 * On failure it was never adopted and is still ours.
	 */
	ret = neoos_mm_lock(&w, current->mm);
	if (ret) {
		kfree(map);
		goto out_fput;
	}
	ret = neoos_map_install(map, file, dev_file, args.addr, &args.id);
	if (IS_ERR_VALUE(ret)) {
		neoos_mm_unlock(&w);
		kfree(map);
		goto out_fput;
	}
	args.addr = ret + offset_in_page(args.offset);
	ret = 0;
	if (copy_to_user(argp, &args, sizeof(args))) {
		/* Nobody learnt the address: take the mapping back. */
		neoos_map_undo(args.addr & PAGE_MASK, args.id);
		ret = -EFAULT;
	} else {
		/* Only now has the call succeeded: a failed ioctl changes nothing. */
		neoos_count(maps, 1);
	}
	neoos_mm_unlock(&w);
out_fput:
	/* Each VMA vm_mmap() made took its own reference to the file. */
	fput(file);
	return ret;
}
