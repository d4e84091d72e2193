/* SPDX-License-Identifier: MIT */
/*
 * The extended mapping calls: sys_mmap_ex(), sys_munmap_id(), sys_msync()
 * and sys_mprotect().  sys_msync() is NEOOS_IOC_MSYNC, which finds the
 * mapping and syncs it in one request.  sys_mprotect() is Linux's own
 * mprotect(2) of the whole neoos VMA, as the module reports it (INFO's
 * vma_start and vma_length: nothing here rounds), which the kernel allows
 * (only partial ones are refused) and checks against what the file's
 * descriptor permits, made under the layout lock (request.c).
 */
#include <stdint.h>
#include <sys/mman.h>

#include "include/libneoos.h"
#include "internal.h"

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

	if (prot < 0 || flags < 0) {
		__neoos_set_error(E_INVAL);
		return NULL;
	}
	if (__neoos_request(NEOOS_IOC_MAP, &m))
		return NULL;
	if (id)
		*id = m.id;
	return (void *)(uintptr_t)m.addr;
}

__neoos_public int sys_munmap_id(uint64_t id)
{
	struct neoos_unmap u = { .id = id, .flags = NEOOS_UNMAP_BY_ID };

	return __neoos_request(NEOOS_IOC_UNMAP, &u);
}

static int neoos_mman_prot(int prot)
{
	return ((prot & NEOOS_PROT_READ) ? PROT_READ : 0) |
	       ((prot & NEOOS_PROT_WRITE) ? PROT_WRITE : 0) |
	       ((prot & NEOOS_PROT_EXEC) ? PROT_EXEC : 0);
}

__neoos_public int sys_mprotect(uint64_t id, int prot)
{
	struct neoos_info info = { .query = NEOOS_INFO_BY_ID, .id = id };
	int ret;

	if (prot & ~NEOOS_PROT_ALL)
		return __neoos_set_error(E_INVAL);
	__neoos_layout_lock();
	ret = __neoos_request(NEOOS_IOC_INFO, &info);
	if (!ret && mprotect((void *)(uintptr_t)info.vma_start,
			     info.vma_length, neoos_mman_prot(prot)))
		ret = __neoos_fail();
	__neoos_layout_unlock();
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

	if (flags < 0)
		return __neoos_set_error(E_INVAL);
	return __neoos_request(NEOOS_IOC_MSYNC, &m);
}
