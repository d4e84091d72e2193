// SPDX-License-Identifier: GPL-2.0-only
/*
 * neoos - the NeoOS memory-mapping personality for Linux
 *
 * /dev/neoos lets a process map a file the NeoOS way: sys_mmap(fd, offset,
 * size) and sys_munmap(addr, size), exact ranges only, flushed on unmap.
 * The mappings are ordinary Linux file mappings, served by the file's own
 * page cache and vm_operations; neoos only decides who may make them and
 * refuses to let them be split, moved or grown.
 *
 * Objects and references:
 *
 *  - struct neoos_file: one per open file description of /dev/neoos.  It
 *    carries no mappings; it only hands the mapping being made from the
 *    MAP ioctl to neoos_dev_mmap().  Freed at release.
 *
 *  - struct neoos_mapping: one per successful NEOOS_IOC_MAP.  NEOOS_IOC_MAP
 *    calls vm_mmap() on the /dev/neoos file itself; neoos_dev_mmap() turns
 *    the new VMA into a mapping of the target file (a vma_set_file() that
 *    moves references, and the target's own ->mmap, as fs/coda does),
 *    then points vma->vm_ops at a copy of the target's vm_operations
 *    embedded in the neoos_mapping with neoos overrides.  From then on
 *    the VMA belongs to the target's i_mmap tree like any other mapping
 *    of it: truncation, writeback and reclaim see it.  Each VMA (fork
 *    makes more) holds a reference to the neoos_mapping; the last VMA to
 *    close frees it.
 *
 *  - Each VMA holds the target file through vm_file; the first one gets
 *    the reference NEOOS_IOC_MAP took with fget(), forks take their own.
 *    The neoos_mapping holds the reference to the /dev/neoos file the core
 *    took for the VMA before neoos_dev_mmap() gave it the target.  It
 *    pins neoos.ko (fops->owner) for as long as any VMA lives, even after
 *    every /dev/neoos descriptor is closed, because the VMAs point at code
 *    and data of this module.
 *
 * Mappings are found through VMAs, never from a table (lookup.c): MAP
 * works on current->mm, and UNMAP, READ and WRITE look their address or
 * id up in current->mm, so they cannot reach another process's mappings,
 * whichever /dev/neoos descriptor they are issued on.  Ids come from one
 * module-wide counter, so they are unique within every process; fork
 * copies them with the mappings.  INFO and LIST may look at another
 * process, read-only and with ptrace-like permission (query.c).
 *
 * Locking: neoos_file.map_lock (a mutex) is taken before mm->mmap_lock.
 * neoos_mapping is immutable once installed except for its refcount; the
 * counters are per CPU.  VMA callbacks run under the core's mmap_lock and
 * take no neoos lock.
 */

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "neoos.h"
#include <linux/neoos.h>

static int neoos_dev_open(struct inode *inode, struct file *file)
{
	struct neoos_file *nf;

	nf = kzalloc(sizeof(*nf), GFP_KERNEL_ACCOUNT);
	if (!nf)
		return -ENOMEM;
	mutex_init(&nf->map_lock);
	file->private_data = nf;
	return 0;
}

static int neoos_dev_release(struct inode *inode, struct file *file)
{
	struct neoos_file *nf = file->private_data;

	mutex_destroy(&nf->map_lock);
	kfree(nf);
	return 0;
}

static long neoos_ioctl_version(void __user *argp)
{
	struct neoos_version v = {
		.major = NEOOS_ABI_MAJOR,
		.minor = NEOOS_ABI_MINOR,
	};

	if (copy_to_user(argp, &v, sizeof(v)))
		return -EFAULT;
	return 0;
}

static long neoos_dev_ioctl(struct file *file, unsigned int cmd,
			    unsigned long parm)
{
	struct neoos_file *nf = file->private_data;
	void __user *argp = (void __user *)parm;

	switch (cmd) {
	case NEOOS_IOC_VERSION:
		return neoos_ioctl_version(argp);
	case NEOOS_IOC_MAP:
		return neoos_ioctl_map(nf, file, argp);
	case NEOOS_IOC_UNMAP:
		return neoos_ioctl_unmap(argp);
	case NEOOS_IOC_INFO:
		return neoos_ioctl_info(argp);
	case NEOOS_IOC_READ:
		return neoos_ioctl_rw(argp, false);
	case NEOOS_IOC_WRITE:
		return neoos_ioctl_rw(argp, true);
	case NEOOS_IOC_LIST:
		return neoos_ioctl_list(argp);
	case NEOOS_IOC_STATS:
		return neoos_ioctl_stats(argp);
	default:
		return -ENOIOCTLCMD;
	}
}

static const struct file_operations neoos_fops = {
	.owner		= THIS_MODULE,
	.open		= neoos_dev_open,
	.release	= neoos_dev_release,
	.unlocked_ioctl	= neoos_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= neoos_dev_mmap,
	.get_unmapped_area = neoos_dev_get_unmapped_area,
	.llseek		= noop_llseek,
};

static struct miscdevice neoos_misc = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= "neoos",
	.fops		= &neoos_fops,
	.mode		= 0666,
};

module_misc_device(neoos_misc);

MODULE_DESCRIPTION("NeoOS memory-mapping personality (/dev/neoos)");
MODULE_LICENSE("GPL");
MODULE_VERSION(NEOOS_VERSION);
