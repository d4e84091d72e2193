// SPDX-License-Identifier: GPL-2.0-only
/*
 * NEOOS_IOC_INFO and NEOOS_IOC_LIST: what neoos mappings a process has.
 *
 * A process may always look at its own mappings.  Another process's need
 * CAP_SYS_PTRACE, on top of what /proc/PID/maps needs (mm_access() with
 * PTRACE_MODE_READ_FSCREDS), checked the same way: under the target's
 * exec_update_lock, so that an exec in progress cannot show the new mm
 * with the old credentials; the caller's fsuid and fsgid equal to every
 * uid and gid of the target, or CAP_SYS_PTRACE in the target's user
 * namespace; and a target dumpable by its owner, or CAP_SYS_PTRACE in
 * the user namespace its program was loaded in (the mm's until 7.2, the
 * task's exec_state from 7.2: neoos_task_dumpable_by_caller()), so that
 * setuid programs stay private.
 *
 * Why the capability: the part of ptrace_may_access() a module cannot
 * make is the LSM hook, security_ptrace_access_check() - neither it nor
 * ptrace_may_access() nor mm_access() is exported - and it is what keeps
 * a Landlock sandbox (which any process may enter), AppArmor or SELinux
 * confined process from reading the maps of a process of its own uid.
 * Without the hook, "same uid" is not enough.  With CAP_SYS_PTRACE over
 * the target, INFO and LIST remain weaker than /proc/PID/maps only for a
 * caller that holds the capability and is confined by an LSM policy
 * forbidding the read.
 *
 * This is an ioctl rather than a procfs or debugfs file
 * because a module cannot add files under /proc/PID, debugfs is often not
 * mounted, and libneoos already speaks to /dev/neoos; "neoosctl maps PID"
 * prints the result as pmap(1) does.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/path.h>
#include <linux/pid.h>
#include <linux/sched/coredump.h>
#include <linux/sched/signal.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "internal.h"
#include <linux/neoos.h>

/* Upper bound of NEOOS_IOC_LIST's buffer, beyond any vm.max_map_count. */
#define NEOOS_LIST_MAX	(1024 * 1024)

/*
 * __ptrace_may_access(@task, PTRACE_MODE_READ_FSCREDS) without the LSM
 * hook, and with CAP_SYS_PTRACE required (see the top of this file), for
 * @task's @mm.  The caller holds @task's exec_update_lock and task_lock().
 */
static bool neoos_may_inspect(struct task_struct *task, struct mm_struct *mm)
{
	const struct cred *tcred;
	bool ok;

	/* The caller's own threads share its mm and never get here. */
	rcu_read_lock();
	tcred = __task_cred(task);
	/* CAP_SYS_PTRACE over the target also passes the ids check. */
	ok = ns_capable(tcred->user_ns, CAP_SYS_PTRACE);
	rcu_read_unlock();
	if (!ok)
		return false;
	/* Dumpability is read after the credentials, as ptrace does. */
	smp_rmb();
	return neoos_task_dumpable_by_caller(task, mm);
}

/* mm_access(@task, PTRACE_MODE_READ_FSCREDS), as far as a module can. */
static struct mm_struct *neoos_mm_access(struct task_struct *task)
{
	struct mm_struct *mm;
	int err;

	err = down_read_killable(&task->signal->exec_update_lock);
	if (err)
		return ERR_PTR(err);
	mm = get_task_mm(task);
	if (!mm) {
		mm = ERR_PTR(-ESRCH);
	} else if (mm != current->mm) {
		bool ok;

		task_lock(task);
		ok = neoos_may_inspect(task, mm);
		task_unlock(task);
		if (!ok) {
			mmput(mm);
			mm = ERR_PTR(-EPERM);
		}
	}
	up_read(&task->signal->exec_update_lock);
	return mm;
}

/*
 * The mm of process @pid (0: the caller's), with a reference the caller
 * drops with mmput(); its tgid as the caller sees it in *@owner.
 */
static struct mm_struct *neoos_get_mm(pid_t pid, pid_t *owner)
{
	struct task_struct *task;
	struct mm_struct *mm;

	if (!pid) {
		mmget(current->mm);
		*owner = task_tgid_vnr(current);
		return current->mm;
	}
	if (pid < 0)
		return ERR_PTR(-EINVAL);

	rcu_read_lock();
	task = get_pid_task(find_vpid(pid), PIDTYPE_PID);
	rcu_read_unlock();
	if (!task)
		return ERR_PTR(-ESRCH);
	mm = neoos_mm_access(task);
	if (!IS_ERR(mm))
		*owner = task_tgid_vnr(task);
	put_task_struct(task);
	return mm;
}

/*
 * Fill @info from @vma; with @path, take a reference to the path of a file
 * mapping's file there (else leave it empty) for neoos_copy_path(), which
 * runs after mmap_lock is dropped.
 */
static void neoos_fill_info(struct neoos_info *info, struct vm_area_struct *vma,
			    struct path *path)
{
	struct neoos_mapping *mapping = neoos_vma_mapping(vma);

	info->id = mapping->id;
	info->addr = vma->vm_start + mapping->page_off;
	info->length = mapping->length;
	info->offset = (mapping->flags & NEOOS_MAP_ANONYMOUS) ? 0 : mapping->offset;
	info->prot = neoos_prot_of_vma(vma);
	info->map_flags = mapping->flags;
	info->vma_start = vma->vm_start;
	info->vma_length = vma->vm_end - vma->vm_start;
	if (path && !(mapping->flags & NEOOS_MAP_ANONYMOUS)) {
		*path = *neoos_file_user_path(vma->vm_file);
		path_get(path);
	}
}

/*
 * The longest path INFO reports.  /proc/PID/maps, whose buffer grows as a
 * line needs, shows paths longer than PATH_MAX, and so does INFO, up to
 * this; a longer one fails with ENAMETOOLONG.
 */
#define NEOOS_INFO_PATH_MAX	(256 * PATH_MAX)

/* d_path() of @path into a buffer as large as it needs, in *@bufp. */
static char *neoos_d_path(const struct path *path, char **bufp)
{
	size_t size = PATH_MAX;
	char *p;

	for (;;) {
		*bufp = kvmalloc(size, GFP_KERNEL);
		if (!*bufp)
			return ERR_PTR(-ENOMEM);
		p = d_path(path, *bufp, size);
		if (PTR_ERR_OR_ZERO(p) != -ENAMETOOLONG ||
		    size >= NEOOS_INFO_PATH_MAX)
			return p;
		kvfree(*bufp);
		size *= 2;
	}
}

/* Store @path (NULL dentry: none) in the caller's buffer; drop it. */
static int neoos_copy_path(struct neoos_info *info, struct path *path)
{
	char *buf = NULL, *p = "";
	size_t len, n;
	int ret = 0;

	if (path->dentry) {
		p = neoos_d_path(path, &buf);
		path_put(path);
		if (IS_ERR(p)) {
			ret = PTR_ERR(p);
			goto out;
		}
	}
	len = strlen(p);
	info->path_len = len;
	if (!info->path)
		goto out;
	n = min_t(size_t, len, info->path_size - 1);
	if (copy_to_user(u64_to_user_ptr(info->path), p, n) ||
	    put_user('\0', (char __user *)u64_to_user_ptr(info->path) + n))
		ret = -EFAULT;
out:
	kvfree(buf);
	return ret;
}

static int neoos_info_check(const struct neoos_info *info)
{
	if (info->pad || (info->query != NEOOS_INFO_BY_ID &&
			  info->query != NEOOS_INFO_BY_ADDR))
		return -EINVAL;
	if (info->path && !info->path_size)
		return -EINVAL;
	return 0;
}

/*
 * neoos_get_mm() and mmap_read_lock() in one: the mm of process @pid,
 * referenced and read-locked, for neoos_unlock_mm().
 */
static struct mm_struct *neoos_lock_mm(pid_t pid, pid_t *owner)
{
	struct mm_struct *mm = neoos_get_mm(pid, owner);

	if (IS_ERR(mm))
		return mm;
	if (mmap_read_lock_killable(mm)) {
		mmput(mm);
		return ERR_PTR(-EINTR);
	}
	return mm;
}

static void neoos_unlock_mm(struct mm_struct *mm)
{
	mmap_read_unlock(mm);
	mmput(mm);
}

/*
 * Find the mapping @info names and fill @info in; with @path, take its
 * file's path there.
 */
static int neoos_info_lookup(struct neoos_info *info, struct path *path)
{
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	pid_t owner;

	mm = neoos_lock_mm(info->pid, &owner);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	if (info->query == NEOOS_INFO_BY_ID)
		vma = neoos_find_id(mm, info->id);
	else
		vma = neoos_find_addr(mm, info->addr);
	if (vma)
		neoos_fill_info(info, vma, path);
	info->owner_pid = owner;
	neoos_unlock_mm(mm);
	return vma ? 0 : -EINVAL;
}

static_assert(offsetof(struct neoos_info, vma_start) == NEOOS_INFO_SIZE_1_0);

/*
 * INFO with the first @size bytes of struct neoos_info: all of it, or
 * what ABI 1.0 and 1.1 programs have (NEOOS_IOC_INFO_1_0); the fields
 * after those are out-only and are not written back.
 */
long neoos_ioctl_info(void __user *argp, size_t size)
{
	struct path path = {};
	struct neoos_info info = {};
	int ret;

	if (copy_from_user(&info, argp, size))
		return -EFAULT;
	ret = neoos_info_check(&info);
	if (ret)
		return ret;
	ret = neoos_info_lookup(&info, info.path ? &path : NULL);
	if (!ret)
		ret = neoos_copy_path(&info, &path);
	if (!ret && copy_to_user(argp, &info, size))
		ret = -EFAULT;
	return ret;
}

/* Collect up to @max ids of @mm's mappings into @ids; return how many. */
static u32 neoos_collect_ids(struct mm_struct *mm, u64 *ids, u32 max)
{
	struct vm_area_struct *vma;
	struct vma_iterator vmi;
	u32 n = 0;

	mmap_assert_locked(mm);
	vma_iter_init(&vmi, mm, 0);
	for_each_vma(vmi, vma) {
		struct neoos_mapping *mapping = neoos_vma_mapping(vma);

		if (!mapping)
			continue;
		if (n < max)
			ids[n] = mapping->id;
		n++;
	}
	return n;
}

long neoos_ioctl_list(void __user *argp)
{
	struct neoos_list args;
	struct mm_struct *mm;
	u64 *ids = NULL;
	u32 max = 0, n;
	pid_t owner;
	int ret = 0;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.ids) {
		if (args.count > NEOOS_LIST_MAX)
			return -EINVAL;
		max = args.count;
		ids = kvmalloc_array(max, sizeof(*ids), GFP_KERNEL_ACCOUNT);
		if (!ids && max)
			return -ENOMEM;
	}
	mm = neoos_lock_mm(args.pid, &owner);
	if (IS_ERR(mm)) {
		kvfree(ids);
		return PTR_ERR(mm);
	}
	n = neoos_collect_ids(mm, ids, max);
	neoos_unlock_mm(mm);

	if (max && copy_to_user(u64_to_user_ptr(args.ids), ids,
				min(n, max) * sizeof(*ids)))
		ret = -EFAULT;
	args.count = n;
	if (!ret && copy_to_user(argp, &args, sizeof(args)))
		ret = -EFAULT;
	kvfree(ids);
	return ret;
}
