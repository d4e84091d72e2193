// SPDX-License-Identifier: GPL-2.0-only
/*
 * What NeoOS adds to mmap(2)'s rules, checked on the target before it is
 * mapped.
 *
 * Everything mmap(2) decides for a file - the descriptor's access mode,
 * memfd seals, append-only and swap files, noexec mounts and
 * READ_IMPLIES_EXEC, the LSM and IMA hooks, the file's own ->mmap - the
 * core decides itself, because NEOOS_IOC_MAP maps the target with
 * vm_mmap() (map.c).  Here are only the rules that are NeoOS's: a regular
 * file, a byte range inside it, and the kinds of file neoos refuses to
 * adopt (neoos_file_refused()).
 */

#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/overflow.h>

#include "internal.h"
#include <linux/neoos.h>

/**
 * neoos_file_refused - is @file of a kind neoos must not adopt a VMA of?
 * @file: a target, or the vm_file of a VMA about to be adopted
 *
 * A neoos VMA carries a copy of its file's vm_operations, so code that
 * recognises a VMA by its vm_ops pointer does not recognise it (see the
 * audit in vma.c).  Where that check guards memory safety, the file is
 * refused:
 *  - memfd_secret: vma_is_secretmem() keeps GUP (/proc/PID/mem,
 *    process_vm_readv()) away from pages that are not in the direct map;
 *  - DAX: neoos promises page cache mappings, and vma_is_dax() /
 *    vma_is_fsdax() guard GUP and the fault paths of device memory;
 *  - coda: its vm_ops->open and ->close find coda's own state with
 *    container_of(vma->vm_ops), which would land in the neoos copy.
 *
 * Return: true if @file is refused (NEOOS_IOC_MAP fails with -ENODEV).
 */
bool neoos_file_refused(struct file *file)
{
	struct inode *inode = file_inode(file);

	switch (inode->i_sb->s_magic) {
	case SECRETMEM_MAGIC:
	case CODA_SUPER_MAGIC:
		return true;
	default:
		return IS_DAX(file->f_mapping->host);
	}
}

/* The byte range must lie inside the file as it is now. */
static int neoos_map_check_range(struct file *file, u64 offset, u64 length)
{
	u64 end;

	if (check_add_overflow(offset, length, &end) || end > LLONG_MAX)
		return -EOVERFLOW;
	if (end > i_size_read(file_inode(file)))
		return -EINVAL;
	return 0;
}

/**
 * neoos_check_target - NeoOS's own rules for a mapping of @file
 * @file: the target
 * @args: the request
 *
 * Return: 0, or -EINVAL (not a regular file, range outside it), -EOVERFLOW
 * or -ENODEV (a refused kind of file).
 */
int neoos_check_target(struct file *file, const struct neoos_map *args)
{
	/* Anonymous memory is a new shmem file of the right size. */
	if (args->flags & NEOOS_MAP_ANONYMOUS)
		return 0;

	/* Regular files only: not /dev/neoos, pipes, sockets or devices. */
	if (!S_ISREG(file_inode(file)->i_mode))
		return -EINVAL;
	if (neoos_file_refused(file))
		return -ENODEV;
	return neoos_map_check_range(file, args->offset, args->length);
}
