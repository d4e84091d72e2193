/* SPDX-License-Identifier: MIT */
/*
 * The extended mapping calls: sys_mmap_ex(), sys_munmap_id(), sys_msync()
 * and sys_mprotect().  msync and mprotect are Linux's own system calls on
 * the whole neoos VMA, which the kernel allows (only partial ones are
 * refused) and checks against what the file's descriptor permits.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "include/libneoos.h"
#include "internal.h"

void *__neoos_map(struct neoos_map *m)
{
	int dev = __neoos_device();

	if (dev < 0)
		return NULL;
	if (__neoos_ioctl(dev, NEOOS_IOC_MAP, m) < 0) {
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
	ret = __neoos_ioctl(dev, NEOOS_IOC_UNMAP, u);
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
 * user range starts *user_off bytes into it and is *user_len long (if
 * @user_len is not NULL).
 */
static int neoos_vma_of(uint64_t id, uintptr_t *start, uint64_t *len,
			uint64_t *user_off, uint64_t *user_len)
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
	if (user_len)
		*user_len = info.length;
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
	uint64_t len, off;
	uintptr_t start;
	int ret;

	if (prot & ~NEOOS_PROT_ALL)
		return __neoos_set_error(E_INVAL);
	ret = neoos_vma_of(id, &start, &len, &off, NULL);
	if (ret)
		return ret;
	if (mprotect((void *)start, len, neoos_mman_prot(prot)))
		return __neoos_fail();
	return E_OK;
}

static int neoos_msync_flags(int flags)
{
	int sync = flags & (NEOOS_MS_SYNC | NEOOS_MS_ASYNC);

	if ((flags & ~(NEOOS_MS_SYNC | NEOOS_MS_ASYNC | NEOOS_MS_INVALIDATE)) ||
	    (sync != NEOOS_MS_SYNC && sync != NEOOS_MS_ASYNC))
		return -1;
	return ((flags & NEOOS_MS_SYNC) ? MS_SYNC : MS_ASYNC) |
	       ((flags & NEOOS_MS_INVALIDATE) ? MS_INVALIDATE : 0);
}

__neoos_public int sys_msync(uint64_t id, uint64_t offset, uint64_t length,
			     int flags)
{
	long page = sysconf(_SC_PAGESIZE);
	int ms = neoos_msync_flags(flags);
	uint64_t len, off, user_len, first, last;
	uintptr_t start;
	int ret;

	if (ms < 0)
		return __neoos_set_error(E_INVAL);
	ret = neoos_vma_of(id, &start, &len, &off, &user_len);
	if (ret)
		return ret;
	/* [offset, offset + length) must lie inside the mapping's bytes. */
	if (offset > user_len)
		return __neoos_set_error(E_INVAL);
	if (!length)
		length = user_len - offset;
	if (length > user_len - offset)
		return __neoos_set_error(E_INVAL);
	/* The pages covering it. */
	first = (off + offset) & ~(uint64_t)(page - 1);
	last = (off + offset + length + page - 1) & ~(uint64_t)(page - 1);
	if (msync((void *)(start + first), last - first, ms))
		return __neoos_fail();
	return E_OK;
}
