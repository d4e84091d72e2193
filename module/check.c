// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checks a neoos mapping request makes against its target file.
 *
 * vm_mmap() computes the VMA's VM_MAY* flags and runs do_mmap()'s checks
 * against /dev/neoos, not against the target, so every check do_mmap()
 * makes on a file is made here on the target instead: read access, write
 * access for shared writable mappings, append-only, immutable and swap
 * files, noexec mounts and memfd write seals.  The LSM mmap hook
 * (security_mmap_file()) is not exported and sees /dev/neoos only.
 */

#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/overflow.h>
#include <linux/shmem_fs.h>

#include "neoos.h"
#include <linux/neoos.h>

/*
 * memfd write seals, read straight from the inode: 6.1 checks them in
 * shmem_mmap(), 6.12 only in do_mmap() (memfd_check_seals_mmap(), not
 * exported), which ran on /dev/neoos.  So neoos checks them itself.
 */
static unsigned int neoos_file_seals(struct file *file)
{
	struct inode *inode = file_inode(file);

	switch (inode->i_sb->s_magic) {
	case TMPFS_MAGIC:
		return SHMEM_I(inode)->seals;
#ifdef CONFIG_HUGETLBFS
	case HUGETLBFS_MAGIC:
		return HUGETLBFS_I(inode)->seals;
#endif
	default:
		return 0;
	}
}

static bool neoos_write_sealed(struct file *file)
{
	return neoos_file_seals(file) & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE);
}

/* Like path_noexec(), which is not exported. */
static bool neoos_path_noexec(const struct path *path)
{
	return (path->mnt->mnt_flags & MNT_NOEXEC) ||
	       (path->mnt->mnt_sb->s_iflags & SB_I_NOEXEC);
}

static u32 neoos_prot_from_fd(const struct file *file)
{
	u32 prot = NEOOS_PROT_READ;

	if (file->f_mode & FMODE_WRITE)
		prot |= NEOOS_PROT_WRITE;
	return prot;
}

/*
 * What do_mmap() checks on a file, made on the target.  @prot is the final
 * protection; @shared tells MAP_SHARED from MAP_PRIVATE.
 */
static int neoos_map_check_access(struct file *file, u32 prot, bool shared)
{
	struct inode *inode = file_inode(file);

	if (!(file->f_mode & FMODE_READ))
		return -EACCES;
	if (shared && (prot & NEOOS_PROT_WRITE)) {
		if (!(file->f_mode & FMODE_WRITE))
			return -EACCES;
		if (neoos_write_sealed(file))
			return -EPERM;
		if (IS_SWAPFILE(inode))
			return -ETXTBSY;
		if (IS_IMMUTABLE(inode))
			return -EPERM;
	}
	/* An append-only file may not be written behind its end's back. */
	if (shared && IS_APPEND(inode) && (file->f_mode & FMODE_WRITE))
		return -EACCES;
	if ((prot & NEOOS_PROT_EXEC) && neoos_path_noexec(&file->f_path))
		return -EPERM;
	return 0;
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

int neoos_check_target(struct file *file, struct neoos_map *args)
{
	bool shared = args->flags & NEOOS_MAP_SHARED;
	int ret;

	/* Anonymous memory is the caller's own: only noexec can matter. */
	if (args->flags & NEOOS_MAP_ANONYMOUS)
		return neoos_map_check_access(file, args->prot, shared);

	/* Regular files only: not /dev/neoos, pipes, sockets or directories. */
	if (!S_ISREG(file_inode(file)->i_mode))
		return -EINVAL;
	if (!file->f_op->mmap)
		return -ENODEV;
	/* O_WRONLY gives READ | WRITE here; check_access refuses it. */
	if (args->flags & NEOOS_MAP_PROT_FROM_FD)
		args->prot = neoos_prot_from_fd(file);
	ret = neoos_map_check_access(file, args->prot, shared);
	if (ret)
		return ret;
	return neoos_map_check_range(file, args->offset, args->length);
}

/**
 * neoos_vm_deny - the VMA flags a mapping of @file must not have
 * @file: the target, already through neoos_check_target()
 * @flags: the request's NEOOS_MAP_* flags
 *
 * vm_mmap() computed the VM_MAY* flags for /dev/neoos; these are the ones
 * do_mmap() would have left out for the target, so that mprotect() can
 * never give the mapping more than the descriptor allows: no shared write
 * on a read-only descriptor or a write-sealed memfd (the VMA then is not
 * VM_SHARED either, as do_mmap() does it), no exec on a noexec mount.
 * Decided once per mapping; NEOOS_IOC_MAP and neoos_dev_mmap() both use
 * the answer.
 *
 * Return: VM_MAYWRITE, VM_SHARED and VM_MAYEXEC, or some or none of them.
 */
unsigned long neoos_vm_deny(struct file *file, u32 flags)
{
	unsigned long deny = 0;

	if ((flags & NEOOS_MAP_SHARED) &&
	    (!(file->f_mode & FMODE_WRITE) || neoos_write_sealed(file)))
		deny |= VM_MAYWRITE | VM_SHARED;
	if (neoos_path_noexec(&file->f_path))
		deny |= VM_MAYEXEC;
	return deny;
}

