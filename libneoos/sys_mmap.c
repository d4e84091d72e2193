/* SPDX-License-Identifier: MIT */
/*
 * sys_mmap() and sys_munmap(): NeoOS's calls as NEOOS_IOC_MAP and
 * NEOOS_IOC_UNMAP on /dev/neoos.
 */
#include <stdint.h>

#include <linux/neoos.h>

#include "include/syscalls.h"
#include "internal.h"

__neoos_public void *sys_mmap(int fd, int offset, int size)
{
	struct neoos_map m = {
		.fd = fd,
		.flags = NEOOS_MAP_SHARED | NEOOS_MAP_PROT_FROM_FD,
		.offset = (uint64_t)offset,
		.length = (uint64_t)size,
	};

	if (fd < 0 || offset < 0 || size <= 0) {
		__neoos_set_error(E_INVAL);
		return NULL;
	}
	if (__neoos_request(NEOOS_IOC_MAP, &m))
		return NULL;
	return (void *)(uintptr_t)m.addr;
}

__neoos_public int sys_munmap(void *addr, int size)
{
	struct neoos_unmap u = {
		.addr = (uintptr_t)addr,
		.length = (uint64_t)size,
	};

	if (!addr || size <= 0)
		return __neoos_set_error(E_INVAL);
	return __neoos_request(NEOOS_IOC_UNMAP, &u);
}
