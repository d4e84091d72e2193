/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel API differences between the supported kernels (6.1 to 7.3), kept
 * in one place so the rest of neoos reads like code for one kernel.  Each
 * helper names the release that changed the API.
 */
#ifndef _NEOOS_COMPAT_H
#define _NEOOS_COMPAT_H

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/shmem_fs.h>
#include <linux/version.h>

/*
 * vm_flags became read-only behind vm_flags_set() in 6.3, which also takes
 * the per-VMA write lock.  Callers hold mmap_lock for writing.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void neoos_vma_flags_set(struct vm_area_struct *vma,
				       vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#else
static inline void neoos_vma_flags_set(struct vm_area_struct *vma,
				       vm_flags_t flags)
{
	vm_flags_set(vma, flags);
}
#endif

/*
 * Per-VMA locks (6.4): page faults may run under a VMA's own lock instead
 * of mmap_lock, so a VMA's vm_ops are only changed after taking its write
 * lock.  Before 6.4, mmap_lock held for writing excludes every fault.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
static inline void neoos_vma_start_write(struct vm_area_struct *vma)
{
	mmap_assert_write_locked(vma->vm_mm);
}
#else
static inline void neoos_vma_start_write(struct vm_area_struct *vma)
{
	vma_start_write(vma);
}
#endif

/*
 * The page at @addr of the caller's mm, with a reference, as a load
 * (or with FOLL_WRITE a store) would reach it: get_user_pages() lost its
 * vmas argument in 6.5.  The caller holds mmap_lock, which this never
 * drops.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
static inline long neoos_get_user_page(unsigned long addr,
				       unsigned int gup_flags,
				       struct page **page)
{
	return get_user_pages(addr, 1, gup_flags, page, NULL);
}
#else
static inline long neoos_get_user_page(unsigned long addr,
				       unsigned int gup_flags,
				       struct page **page)
{
	return get_user_pages(addr, 1, gup_flags, page);
}
#endif

/*
 * The path a file was opened by, for a backing file that overlayfs or FUSE
 * passthrough put into a VMA: file_user_path() since 6.8.  Before, such a
 * file (6.1: only overlayfs) was opened with that path as its own f_path
 * (open_with_fake_path()).
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
static inline const struct path *neoos_file_user_path(struct file *file)
{
	return &file->f_path;
}
#else
static inline const struct path *neoos_file_user_path(struct file *file)
{
	return file_user_path(file);
}
#endif

/*
 * An unlinked shmem file of @size bytes on an S_PRIVATE inode (what LSMs
 * take for anonymous memory), charged to commit accounting for its size.
 * shmem_kernel_file_setup() makes one, but 6.1 does not export it: there
 * the flag is set on shmem_file_setup()'s inode before anyone else has
 * the file.  The LSM label the inode was given meanwhile decides
 * nothing: every access check allows an S_PRIVATE inode.  From 7.0 (seen
 * in 7.2 and 7.3)
 * shmem_kernel_file_setup() takes vma_flags_t, vm_flags_t before.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
static inline struct file *neoos_anon_file_setup(const char *name, loff_t size)
{
	struct file *file = shmem_file_setup(name, size, 0);

	if (!IS_ERR(file))
		inode_set_flags(file_inode(file), S_PRIVATE, S_PRIVATE);
	return file;
}
#elif LINUX_VERSION_CODE < KERNEL_VERSION(7, 0, 0)
static inline struct file *neoos_anon_file_setup(const char *name, loff_t size)
{
	return shmem_kernel_file_setup(name, size, 0);
}
#else
static inline struct file *neoos_anon_file_setup(const char *name, loff_t size)
{
	return shmem_kernel_file_setup(name, size, EMPTY_VMA_FLAGS);
}
#endif

/*
 * The dumpability half of __ptrace_may_access(): may the caller inspect
 * @task, whose mm is @mm?  Yes if @task is dumpable by its owner, or the
 * caller has CAP_SYS_PTRACE in the namespace @task's executable was
 * loaded in.  Until 7.2 that state is the mm's (get_dumpable(),
 * mm->user_ns); from 7.2 it is the task's exec_state, which is replaced
 * under RCU.  The caller holds @task's exec_update_lock, so neither
 * changes under it by an exec.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(7, 2, 0)
static inline bool neoos_task_dumpable_by_caller(struct task_struct *task,
						 struct mm_struct *mm)
{
	return get_dumpable(mm) == SUID_DUMP_USER ||
	       ns_capable(mm->user_ns, CAP_SYS_PTRACE);
}
#else
#include <linux/sched/exec_state.h>

static inline bool neoos_task_dumpable_by_caller(struct task_struct *task,
						 struct mm_struct *mm)
{
	const struct task_exec_state *es;
	bool ok;

	rcu_read_lock();
	es = rcu_dereference(task->exec_state);
	ok = READ_ONCE(es->dumpable) == TASK_DUMPABLE_OWNER ||
	     ns_capable(es->user_ns, CAP_SYS_PTRACE);
	rcu_read_unlock();
	return ok;
}
#endif

#endif /* _NEOOS_COMPAT_H */
