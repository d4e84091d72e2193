/* SPDX-License-Identifier: MIT */
/*
 * Mapping ids: information, listing, read and write by id, and the
 * module's counters.
 */
#include <stdint.h>

#include "include/libneoos.h"
#include "internal.h"

static int neoos_info(struct neoos_info *q, struct neoos_mapping_info *info)
{
	int ret;

	if (!info)
		return __neoos_set_error(E_INVAL);
	q->path = (uintptr_t)info->path;
	q->path_size = sizeof(info->path);
	/* ABI 1.0's size: any 1.x module answers it, and none of the
	 * fields after it is reported here */
	ret = __neoos_request(NEOOS_IOC_INFO_1_0, q);
	if (ret)
		return ret;
	info->id = q->id;
	info->addr = (void *)(uintptr_t)q->addr;
	info->length = q->length;
	info->offset = q->offset;
	info->prot = (int)q->prot;
	info->flags = (int)q->map_flags;
	info->owner_pid = q->owner_pid;
	return E_OK;
}

__neoos_public int sys_mmap_info(uint64_t id, struct neoos_mapping_info *info)
{
	struct neoos_info q = { .query = NEOOS_INFO_BY_ID, .id = id };

	return neoos_info(&q, info);
}

__neoos_public int sys_mmap_info_addr(const void *addr,
				      struct neoos_mapping_info *info)
{
	struct neoos_info q = {
		.query = NEOOS_INFO_BY_ADDR,
		.addr = (uintptr_t)addr,
	};

	return neoos_info(&q, info);
}

__neoos_public int sys_mmap_info_pid(pid_t pid, uint64_t id,
				     struct neoos_mapping_info *info)
{
	struct neoos_info q = {
		.query = NEOOS_INFO_BY_ID,
		.pid = pid,
		.id = id,
	};

	return neoos_info(&q, info);
}

__neoos_public int sys_mmap_list(pid_t pid, uint64_t *ids, int capacity)
{
	struct neoos_list l = {
		.pid = pid,
		.count = capacity > 0 ? (uint32_t)capacity : 0,
		.ids = capacity > 0 ? (uintptr_t)ids : 0,
	};
	int ret;

	if (capacity < 0 || (capacity && !ids))
		return __neoos_set_error(E_INVAL);
	ret = __neoos_request(NEOOS_IOC_LIST, &l);
	if (ret)
		return ret;
	return l.count > INT32_MAX ? INT32_MAX : (int)l.count;
}

static int neoos_rw(unsigned long cmd, uint64_t id, uint64_t offset,
		    uintptr_t buf, uint64_t length)
{
	struct neoos_rw rw = {
		.id = id,
		.offset = offset,
		.length = length,
		.buf = buf,
	};

	return __neoos_request(cmd, &rw);
}

__neoos_public int sys_mmap_read(uint64_t id, uint64_t offset, void *buf,
				 uint64_t length)
{
	return neoos_rw(NEOOS_IOC_READ, id, offset, (uintptr_t)buf, length);
}

__neoos_public int sys_mmap_write(uint64_t id, uint64_t offset,
				  const void *buf, uint64_t length)
{
	return neoos_rw(NEOOS_IOC_WRITE, id, offset, (uintptr_t)buf, length);
}

__neoos_public int neoos_stats(struct neoos_stats *stats)
{
	if (!stats)
		return __neoos_set_error(E_INVAL);
	return __neoos_request(NEOOS_IOC_STATS, stats);
}
