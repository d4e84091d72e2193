/* SPDX-License-Identifier: MIT */
/*
 * The extended mapping calls: sys_mmap_ex(), sys_munmap_id(), sys_msync()
 * and sys_mprotect().  sys_msync() is NEOOS_IOC_MSYNC, which finds the
 * mapping and syncs it in one request.  sys_mprotect() is Linux's own
 * mprotect(2) of the whole neoos VMA, which the kernel allows (only
 * partial ones are refused) and checks against what the file's
 * descriptor permits, made under the layout lock below.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "include/libneoos.h"
#include "internal.h"

/*
 * sys_mprotect() is two calls, INFO and mprotect(2), which the module
 * cannot make one (mprotect(2) is not a module's to call).  So that the
 * address INFO found still holds mapping @id when mprotect(2) runs, the
 * process's maps and unmaps through libneoos wait for a sys_mprotect()
 * in progress, and it for them; they share the lock among themselves.
 * Plain munmap(2) and mmap(2) are not held back (see neoos(4)).  Writers
 * first, so that a stream of maps cannot starve sys_mprotect().
 */
static pthread_rwlock_t neoos_layout_lock =
	PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;

/* fork(2)'s child has one thread: whatever the others held is gone. */
static void neoos_layout_lock_reset(void)
{
	neoos_layout_lock = (pthread_rwlock_t)
		PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
}

__attribute__((constructor)) static void neoos_layout_lock_init(void)
{
	pthread_atfork(NULL, NULL, neoos_layout_lock_reset);
}

void *__neoos_map(struct neoos_map *m)
{
	int dev = __neoos_device();
	int ret;

	if (dev < 0)
		return NULL;
	pthread_rwlock_rdlock(&neoos_layout_lock);
	ret = __neoos_ioctl(dev, NEOOS_IOC_MAP, m);
	pthread_rwlock_unlock(&neoos_layout_lock);
	if (ret < 0) {
		__neoos_fail();
		return NULL;
	}
	return (void *)(uintptr_t)m->addr;
}

int __neoos_unmap(struct neoos_unmap *u)
{
	int dev = __neoos_device();
	int ret;

	if (dev < 0)
		return dev;
	pthread_rwlock_rdlock(&neoos_layout_lock);
	ret = __neoos_ioctl(dev, NEOOS_IOC_UNMAP, u);
	pthread_rwlock_unlock(&neoos_layout_lock);
	if (ret == 0)
		return E_OK;
	if (ret == NEOOS_IOCTL_NODEV)
		return __neoos_fail();
	return __neoos_set_error(__neoos_unmap_errno_to_error(errno));
}

__neoos_public void *sys_mmap_ex(void *hint, uint64_t length, int prot,
				 int flags, int fd, uint64_t offset,
				 uint64_t *id)
{
	struct neoos_map m = {
		.fd = fd,
		.prot = (uint32_t)prot,
		.flags = (uint32_t)flags,
		.offset = offset,
		.length = length,
		.addr = (uintptr_t)hint,
	};
	void *addr;

	if (prot < 0 || flags < 0) {
		__neoos_set_error(E_INVAL);
		return NULL;
	}
	addr = __neoos_map(&m);
	if (addr && id)
		*id = m.id;
	return addr;
}

__neoos_public int sys_munmap_id(uint64_t id)
{
	struct neoos_unmap u = { .id = id, .flags = NEOOS_UNMAP_BY_ID };

	return __neoos_unmap(&u);
}

/*
 * The page-aligned range around mapping @id: [*start, *start + *len); the
 * user range starts *user_off bytes into it.
 */
static int neoos_vma_of(uint64_t id, uintptr_t *start, uint64_t *len,
			uint64_t *user_off)
{
	struct neoos_info info = { .query = NEOOS_INFO_BY_ID, .id = id };
	long page = sysconf(_SC_PAGESIZE);
	int dev = __neoos_device();

	if (dev < 0)
		return dev;
	if (__neoos_ioctl(dev, NEOOS_IOC_INFO, &info) < 0)
		return __neoos_fail();
	*start = (uintptr_t)info.addr & ~(uintptr_t)(page - 1);
	*user_off = info.addr - *start;
	*len = (*user_off + info.length + page - 1) & ~(uint64_t)(page - 1);
	return 0;
}

static int neoos_mman_prot(int prot)
{
	return ((prot & NEOOS_PROT_READ) ? PROT_READ : 0) |
	       ((prot & NEOOS_PROT_WRITE) ? PROT_WRITE : 0) |
	       ((prot & NEOOS_PROT_EXEC) ? PROT_EXEC : 0);
}

__neoos_public int sys_mprotect(uint64_t id, int prot)
{
	uint64_t len = 0, off = 0;
	uintptr_t start = 0;
	int ret;

	if (prot & ~NEOOS_PROT_ALL)
		return __neoos_set_error(E_INVAL);
	pthread_rwlock_wrlock(&neoos_layout_lock);
	ret = neoos_vma_of(id, &start, &len, &off);
	if (!ret && mprotect((void *)start, len, neoos_mman_prot(prot)))
		ret = __neoos_fail();
	pthread_rwlock_unlock(&neoos_layout_lock);
	return ret;
}

__neoos_public int sys_msync(uint64_t id, uint64_t offset, uint64_t length,
			     int flags)
{
	struct neoos_msync m = {
		.id = id,
		.offset = offset,
		.length = length,
		.flags = (uint32_t)flags,
	};
	int dev;

	if (flags < 0)
		return __neoos_set_error(E_INVAL);
	dev = __neoos_device();
	if (dev < 0)
		return dev;
	if (__neoos_ioctl(dev, NEOOS_IOC_MSYNC, &m) < 0)
		return __neoos_fail();
	return E_OK;
}
