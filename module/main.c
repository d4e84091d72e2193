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
 *  - struct neoos_mapping: one per successful NEOOS_IOC_MAP.  MAP maps the
 *    target itself with vm_mmap(), so the core makes the VMA - and every
 *    decision mmap(2) makes for a file - exactly as for mmap(2) of the
 *    caller's descriptor (map.c).  MAP then takes mmap_lock for writing,
 *    checks that the VMA at the returned address is the one it made and
 *    exactly the range, and adopts it (vma.c): vma->vm_ops becomes a copy
 *    of the target's vm_operations, embedded in the neoos_mapping, with
 *    neoos overrides, and the VMA gets VM_DONTEXPAND.  The VMA belongs to
 *    the target's i_mmap tree like any other mapping of it: truncation,
 *    writeback and reclaim see it.  Each VMA (fork makes more) holds a
 *    reference to the neoos_mapping; the last VMA to close frees it.
 *
 *  - File references: MAP's fget() reference to the target is MAP's own
 *    and is dropped when MAP returns; each VMA holds the file in vm_file
 *    with the reference the core took (or, for overlayfs and FUSE
 *    passthrough, the backing file the target's ->mmap put there).  The
 *    neoos_mapping holds a reference to the /dev/neoos file MAP was issued
 *    on, taken at adoption.  It pins neoos.ko (fops->owner) for as long as
 *    any VMA lives, even after every /dev/neoos descriptor is closed,
 *    because the VMAs point at code and data of this module.
 *
 * Mappings are found through VMAs: by address with vma_lookup(), by id
 * through the id index (index.c), which only says where to look and is
 * checked against the VMA there.  MAP works on current->mm, and UNMAP,
 * READ and WRITE look their address or id up in current->mm, so they
 * cannot reach another process's mappings, whichever /dev/neoos
 * descriptor they are issued on.  Ids come from one module-wide counter,
 * so they are unique within every process; fork copies them with the
 * mappings.  INFO and LIST may look at another process, read-only and
 * with ptrace-like permission (query.c).
 *
 * Atomicity: every request is atomic with respect to the other neoos
 * requests of the process's threads.  READ, WRITE, INFO and LIST check
 * and act in one hold of mmap_lock (READ and WRITE once per page, each
 * page looking the id up again, and again after a fault that dropped the
 * lock for its I/O).  MSYNC turns the id into a file range in one hold
 * and syncs the file after it, as msync(2) does.  MAP and UNMAP must
 * drop mmap_lock between their check and vm_mmap()/vm_munmap(); they
 * hold the process's request lock across both (mm_lock.c), so that no
 * other MAP or UNMAP of the process runs in between.  MAP publishes
 * nothing - id, address, mapping - until its last step, in one hold of
 * mmap_lock for writing; a failed MAP leaves nothing.
 *
 * Locking, outermost first:
 *  - the request lock (mm_lock.c): one MAP or UNMAP at a time per mm;
 *  - mmap_lock, and on 6.4+ the per-VMA locks: the VMAs; a VMA is adopted
 *    under mmap_lock held for writing and its own write lock;
 *  - the id index's bucket locks (index.c), only inside its insert and
 *    remove; lookups are RCU.
 * A neoos_mapping is immutable once adopted except for its refcount; the
 * counters are per CPU.  VMA callbacks run under the core's locks.
 */

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "internal.h"
#include <linux/neoos.h>

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
	void __user *argp = (void __user *)parm;

	switch (cmd) {
	case NEOOS_IOC_VERSION:
		return neoos_ioctl_version(argp);
	case NEOOS_IOC_MAP:
		return neoos_ioctl_map(file, argp);
	case NEOOS_IOC_UNMAP:
		return neoos_ioctl_unmap(argp);
	case NEOOS_IOC_INFO:
		return neoos_ioctl_info(argp, sizeof(struct neoos_info));
	case NEOOS_IOC_INFO_1_0:
		return neoos_ioctl_info(argp, NEOOS_INFO_SIZE_1_0);
	case NEOOS_IOC_READ:
		return neoos_ioctl_rw(argp, false);
	case NEOOS_IOC_WRITE:
		return neoos_ioctl_rw(argp, true);
	case NEOOS_IOC_LIST:
		return neoos_ioctl_list(argp);
	case NEOOS_IOC_STATS:
		return neoos_ioctl_stats(argp);
	case NEOOS_IOC_MSYNC:
		return neoos_ioctl_msync(argp);
	default:
		return -ENOIOCTLCMD;
	}
}

static const struct file_operations neoos_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= neoos_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice neoos_misc = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= NEOOS_DEVICE_NAME,
	.fops		= &neoos_fops,
	.mode		= 0666,
};

static int __init neoos_init(void)
{
	int ret;

	neoos_mm_lock_init();
	ret = neoos_index_init();
	if (ret)
		return ret;
	ret = misc_register(&neoos_misc);
	if (ret)
		neoos_index_exit();
	return ret;
}
module_init(neoos_init);

static void __exit neoos_exit(void)
{
	misc_deregister(&neoos_misc);
	neoos_index_exit();
}
module_exit(neoos_exit);

MODULE_DESCRIPTION("NeoOS memory-mapping personality (/dev/neoos)");
MODULE_LICENSE("GPL");
MODULE_VERSION(NEOOS_VERSION);
