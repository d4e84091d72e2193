/* SPDX-License-Identifier: MIT */
/*
 * libneoos's extended mapping calls: the full mapping model beyond NeoOS's
 * sys_mmap()/sys_munmap() - explicit protection, shared or private
 * (copy-on-write) and anonymous mappings, 64-bit offsets, msync, mprotect,
 * and MmapManager-style mapping ids with read, write and information by id.
 *
 * Every call returns E_OK (0) or a count on success and a negative E_*
 * code on failure (sys_mmap_ex(): NULL), also kept for sys_errno().
 */
#ifndef _LIBNEOOS_H
#define _LIBNEOOS_H

#include <stdint.h>
#include <sys/types.h>

#include <linux/neoos.h>

#include "error.h"
#include "syscalls.h"

#ifdef __cplusplus
extern "C" {
#endif

/* sys_msync() flags: NEOOS_MS_* in <linux/neoos.h>. */

#define NEOOS_PATH_MAX		4096

/* What sys_mmap_info() tells about a mapping. */
struct neoos_mapping_info {
	uint64_t id;
	void *addr;		/* its first byte */
	uint64_t length;	/* bytes */
	uint64_t offset;	/* file offset of the first byte */
	int prot;		/* NEOOS_PROT_* now in force */
	int flags;		/* NEOOS_MAP_SHARED or _PRIVATE, | _ANONYMOUS */
	pid_t owner_pid;
	char path[NEOOS_PATH_MAX];	/* "" for anonymous mappings */
};

/*
 * Map @length bytes of @fd from byte @offset (any alignment), or anonymous
 * zeroed memory with NEOOS_MAP_ANONYMOUS and @fd -1.  @prot is NEOOS_PROT_*
 * (NONE, READ, WRITE, EXEC, or-ed), @flags NEOOS_MAP_SHARED or
 * NEOOS_MAP_PRIVATE, maybe | NEOOS_MAP_ANONYMOUS.  @hint, if not NULL, is
 * a page-aligned address the kernel tries first.  Stores the mapping's id
 * in *@id when @id is not NULL.  Returns the address of byte @offset.
 */
void *sys_mmap_ex(void *hint, uint64_t length, int prot, int flags, int fd,
		  uint64_t offset, uint64_t *id);

/* Unmap by id, with sys_munmap()'s flush and errors. */
int sys_munmap_id(uint64_t id);

/*
 * Write back (NEOOS_MS_SYNC: and wait for) the dirty pages of the pages
 * covering [@offset, @offset + @length) of mapping @id; @length 0 means to
 * the end.  A writeback error is E_IO, reported once.
 */
int sys_msync(uint64_t id, uint64_t offset, uint64_t length, int flags);

/* Change the protection of the whole mapping @id; E_PERM beyond the fd. */
int sys_mprotect(uint64_t id, int prot);

/* Copy between mapping @id at @offset and @buf, obeying its protection. */
int sys_mmap_read(uint64_t id, uint64_t offset, void *buf, uint64_t length);
int sys_mmap_write(uint64_t id, uint64_t offset, const void *buf,
		   uint64_t length);

/*
 * Information by id, or by any address of the pages the mapping occupies,
 * not only of its bytes.
 */
int sys_mmap_info(uint64_t id, struct neoos_mapping_info *info);
int sys_mmap_info_addr(const void *addr, struct neoos_mapping_info *info);

/*
 * Information about mapping @id of process @pid (0: the caller); another
 * process's mappings need CAP_SYS_PTRACE over it, and no more than
 * /proc/PID/maps allows (E_PERM otherwise; see neoos(4)).
 */
int sys_mmap_info_pid(pid_t pid, uint64_t id, struct neoos_mapping_info *info);

/*
 * The ids of process @pid's mappings (0: the caller), up to @capacity of
 * them into @ids; returns how many there are, which may be more.
 */
int sys_mmap_list(pid_t pid, uint64_t *ids, int capacity);

/* neoos.ko's module-wide counters. */
int neoos_stats(struct neoos_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* _LIBNEOOS_H */
