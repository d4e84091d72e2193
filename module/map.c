// SPDX-License-Identifier: GPL-2.0-only
/*
 * NEOOS_IOC_MAP: check a request against the target file (check.c), then
 * let the core build the VMA through vm_mmap() on /dev/neoos and turn it
 * into a mapping of the target in neoos_dev_mmap().
 */

#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "neoos.h"
#include <linux/neoos.h>

static atomic64_t neoos_next_id = ATOMIC64_INIT(0);

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
 * The file to map: the caller's fd, or for anonymous memory a new unlinked
 * shmem file, as MAP_SHARED | MAP_ANONYMOUS gets from shmem_zero_setup().
 */
static struct file *neoos_map_target(const struct neoos_map *args)
{
	struct file *file;

	if (args->flags & NEOOS_MAP_ANONYMOUS)
		return shmem_file_setup("neoos-anon", args->length, 0);
	/* fget() refuses O_PATH descriptors, which cannot be mapped. */
	file = fget(args->fd);
	return file ?: ERR_PTR(-EBADF);
}

/* The mapping borrows the caller's reference to @file. */
static struct neoos_mapping *neoos_mapping_alloc(struct file *file,
						 const struct neoos_map *args)
{
	struct neoos_mapping *map;
	u64 vma_len;

	/* Charged to the caller's memory cgroup, as its VMAs are. */
	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map)
		return ERR_PTR(-ENOMEM);

	map->page_off = offset_in_page(args->offset);
	vma_len = PAGE_ALIGN(map->page_off + args->length);
	if (!vma_len || vma_len > TASK_SIZE) {
		kfree(map);
		return ERR_PTR(-ENOMEM);
	}
	refcount_set(&map->refs, 1);
	map->file = file;
	map->offset = args->offset;
	map->length = args->length;
	map->vma_len = vma_len;
	map->prot = args->prot;
	map->flags = args->flags & (NEOOS_MAP_SHARED | NEOOS_MAP_PRIVATE |
				    NEOOS_MAP_ANONYMOUS);
	map->vm_deny = neoos_vm_deny(file, map->flags);
	neoos_count(mappings, 1);
	return map;
}

static unsigned long neoos_mmap_prot(u32 prot)
{
	return ((prot & NEOOS_PROT_READ) ? PROT_READ : 0) |
	       ((prot & NEOOS_PROT_WRITE) ? PROT_WRITE : 0) |
	       ((prot & NEOOS_PROT_EXEC) ? PROT_EXEC : 0);
}

/*
 * Build the VMA.  vm_mmap() calls neoos_dev_mmap() in this task, which
 * finds @map through @nf.
 *
 * A shared VMA that may become writable is linked into the target with an
 * unconditional mapping_allow_writable(); mapping_map_writable() first
 * refuses the map on a write-sealed memfd and keeps i_mmap_writable from
 * going through zero while the VMA is being made, exactly as mmap_region()
 * does for the file it is given.
 */
static unsigned long neoos_mapping_install(struct neoos_file *nf,
					   struct file *dev_file,
					   struct neoos_mapping *map, u64 hint)
{
	struct address_space *mapping = map->file->f_mapping;
	bool writable = (map->flags & NEOOS_MAP_SHARED) &&
			!(map->vm_deny & VM_MAYWRITE);
	unsigned long flags, addr;
	int ret;

	if (writable) {
		ret = mapping_map_writable(mapping);
		if (ret)
			return ret;
	}

	flags = (map->flags & NEOOS_MAP_SHARED) ? MAP_SHARED : MAP_PRIVATE;
	mutex_lock(&nf->map_lock);
	nf->pending = map;
	WRITE_ONCE(nf->pending_task, current);
	addr = vm_mmap(dev_file, hint, map->vma_len, neoos_mmap_prot(map->prot),
		       flags, map->offset - map->page_off);
	WRITE_ONCE(nf->pending_task, NULL);
	nf->pending = NULL;
	mutex_unlock(&nf->map_lock);

	if (writable)
		mapping_unmap_writable(mapping);
	return addr;
}

long neoos_ioctl_map(struct neoos_file *nf, struct file *dev_file,
		     void __user *argp)
{
	struct neoos_mapping *map;
	struct neoos_map args;
	unsigned long addr;
	struct file *file;
	int ret;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	ret = neoos_map_check_args(&args);
	if (ret)
		return ret;

	file = neoos_map_target(&args);
	if (IS_ERR(file))
		return PTR_ERR(file);
	ret = neoos_check_target(file, &args);
	if (ret) {
		fput(file);
		return ret;
	}
	map = neoos_mapping_alloc(file, &args);
	if (IS_ERR(map)) {
		fput(file);
		return PTR_ERR(map);
	}

	addr = neoos_mapping_install(nf, dev_file, map, args.addr);
	/*
	 * Once neoos_dev_mmap() made the VMA, our reference to the file is
	 * the VMA's vm_file (which the core drops itself if it failed after
	 * that); until then it is still ours.
	 */
	if (!map->dev_file)
		fput(file);
	args.addr = addr + map->page_off;
	args.id = map->id;
	neoos_mapping_put(map);
	if (IS_ERR_VALUE(addr))
		return (long)addr;

	if (copy_to_user(argp, &args, sizeof(args))) {
		/* Nobody learnt the address: take the mapping back. */
		neoos_unmap_new(addr, args.id);
		return -EFAULT;
	}
	/* Only now has the call succeeded: a failed ioctl changes nothing. */
	neoos_count(maps, 1);
	return 0;
}

/*
 * The ->get_unmapped_area of /dev/neoos: place the mapping where the core
 * would place a mapping of the target itself.
 *
 * vm_mmap() on /dev/neoos asks the device where to put the VMA.  Without
 * this, every neoos mapping got the mm's default placement, while ext4,
 * xfs or tmpfs (thp_get_unmapped_area(), shmem_get_unmapped_area()) align
 * large mappings to a PMD.  An unaligned VMA costs an extra fault per
 * mapping, because fault-around windows are aligned in the address space
 * (tools/neoos-bench, minflt_seq_256m: 4097 faults against 4096), and
 * keeps huge pages from being mapped by PMD.  Outside NEOOS_IOC_MAP the
 * default placement is used; neoos_dev_mmap() refuses such a mapping.
 */
unsigned long neoos_dev_get_unmapped_area(struct file *dev_file,
					  unsigned long addr,
					  unsigned long len,
					  unsigned long pgoff,
					  unsigned long flags)
{
	struct neoos_file *nf = dev_file->private_data;
	struct file *file;

	if (READ_ONCE(nf->pending_task) != current)
		return neoos_mm_get_unmapped_area(dev_file, addr, len, pgoff,
						  flags);
	file = nf->pending->file;
	if (file->f_op->get_unmapped_area)
		return file->f_op->get_unmapped_area(file, addr, len, pgoff,
						     flags);
	return neoos_mm_get_unmapped_area(file, addr, len, pgoff, flags);
}

/*
 * The ->mmap of /dev/neoos.  Only NEOOS_IOC_MAP may map the device, and
 * what it gets is a mapping of the target file.
 */
int neoos_dev_mmap(struct file *dev_file, struct vm_area_struct *vma)
{
	struct neoos_file *nf = dev_file->private_data;
	struct neoos_mapping *map;
	struct file *file;
	int ret;

	if (READ_ONCE(nf->pending_task) != current)
		return -ENODEV;
	map = nf->pending;
	file = map->file;

	/*
	 * The VM_MAY* flags were computed for /dev/neoos: take away what the
	 * target's descriptor does not allow before its ->mmap sees them.
	 */
	if (map->vm_deny)
		neoos_vma_flags_clear(vma, map->vm_deny);

	/*
	 * vma_set_file(), with the references moved instead of taken and
	 * dropped: the VMA gets NEOOS_IOC_MAP's reference to the target, and
	 * the core's reference to /dev/neoos, which the VMA held, becomes
	 * the mapping's pin on this module.  On failure both go back, and
	 * the core drops its own reference as usual.
	 */
	vma->vm_file = file;
	ret = call_mmap(file, vma);
	if (!ret)
		ret = neoos_vma_adopt(map, vma);
	if (ret) {
		vma->vm_file = dev_file;
		return ret;
	}
	map->dev_file = dev_file;
	/*
	 * Only a mapping that got this far takes an id, so a MAP that failed
	 * (no address space, say) uses none.  The VMA is not in the mm's
	 * tree yet, so nobody can look the mapping up before the id is set.
	 */
	map->id = atomic64_inc_return(&neoos_next_id);
	return 0;
}
