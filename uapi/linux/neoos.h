/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * neoos - NeoOS memory-mapping personality for Linux
 *
 * The ABI between the /dev/neoos misc device and libneoos: structures,
 * numbers and what each field holds.  What each ioctl does, the rules
 * they all follow and every error they return are in ioctl_neoos(2) and
 * ioctl_neoos_map(2); the device and its mappings in neoos(4); NeoOS's
 * E_* codes and how libneoos derives them in neoos(7).
 */
#ifndef _UAPI_LINUX_NEOOS_H
#define _UAPI_LINUX_NEOOS_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define NEOOS_ABI_MAJOR		1
#define NEOOS_ABI_MINOR		2

/* The device node: the misc device "neoos" */
#define NEOOS_DEVICE_NAME	"neoos"
#define NEOOS_DEVICE_PATH	"/dev/" NEOOS_DEVICE_NAME

/**
 * struct neoos_version - answer of NEOOS_IOC_VERSION
 * @major: ABI major; a library built for another major must not use the
 *	device
 * @minor: ABI minor; new minors only add ioctls and flags
 * @pad: zero
 */
struct neoos_version {
	__u32 major;
	__u32 minor;
	__u32 pad[2];
};

/* Protection, as in the NeoOS MmapManager (1 read, 2 write, 4 exec). */
#define NEOOS_PROT_NONE		0x0
#define NEOOS_PROT_READ		0x1
#define NEOOS_PROT_WRITE	0x2
#define NEOOS_PROT_EXEC		0x4
#define NEOOS_PROT_ALL		(NEOOS_PROT_READ | NEOOS_PROT_WRITE | \
				 NEOOS_PROT_EXEC)

/* Mapping type: exactly one of SHARED and PRIVATE (copy-on-write). */
#define NEOOS_MAP_SHARED	0x1
#define NEOOS_MAP_PRIVATE	0x2
/* NeoOS's sys_mmap: prot 0, the access comes from the fd's open mode. */
#define NEOOS_MAP_PROT_FROM_FD	0x4
/* Zero-filled memory, no file: fd must be -1 and offset 0. */
#define NEOOS_MAP_ANONYMOUS	0x8
#define NEOOS_MAP_FLAGS		(NEOOS_MAP_SHARED | NEOOS_MAP_PRIVATE | \
				 NEOOS_MAP_PROT_FROM_FD | NEOOS_MAP_ANONYMOUS)

/**
 * struct neoos_map - argument of NEOOS_IOC_MAP
 * @fd: in: a regular file with a page cache, opened for reading; -1 with
 *	NEOOS_MAP_ANONYMOUS
 * @prot: in: NEOOS_PROT_*; 0 with NEOOS_MAP_PROT_FROM_FD
 * @flags: in: NEOOS_MAP_*
 * @pad: zero
 * @offset: in: byte offset in the file; need not be page aligned
 * @length: in: bytes to map; offset + length must not pass the end of the
 *	file at map time
 * @addr: in: page-aligned address hint (0: none); out: address of byte
 *	@offset
 * @id: out: the mapping's id, unique within the calling process
 */
struct neoos_map {
	__s32 fd;
	__u32 prot;
	__u32 flags;
	__u32 pad;
	__u64 offset;
	__u64 length;
	__u64 addr;
	__u64 id;
};

/* NEOOS_IOC_UNMAP: find the mapping by @id instead of @addr and @length. */
#define NEOOS_UNMAP_BY_ID	0x1

/*
 * The errnos with which NEOOS_IOC_UNMAP fails having removed nothing
 * (ioctl_neoos(2)), as an array initializer, for code that has the errno
 * names (<errno.h>); with any other, the mapping is gone and writing it
 * back failed.  The module reports a writeback error that is one of these
 * as EIO.
 */
#define NEOOS_UNMAP_KEPT_ERRNOS	{ EINVAL, EFAULT, EINTR, ENOMEM, EPERM }

/**
 * struct neoos_unmap - argument of NEOOS_IOC_UNMAP
 * @addr: exactly the address NEOOS_IOC_MAP returned (0 with BY_ID)
 * @length: exactly the length it was given (0 with BY_ID)
 * @id: with NEOOS_UNMAP_BY_ID, the mapping's id; else 0
 * @flags: 0 or NEOOS_UNMAP_BY_ID
 * @pad: zero
 */
struct neoos_unmap {
	__u64 addr;
	__u64 length;
	__u64 id;
	__u32 flags;
	__u32 pad;
};

/* NEOOS_IOC_INFO queries: exactly one. */
#define NEOOS_INFO_BY_ID	0x1
#define NEOOS_INFO_BY_ADDR	0x2

/**
 * struct neoos_info - argument of NEOOS_IOC_INFO
 * @query: in: NEOOS_INFO_BY_ID or NEOOS_INFO_BY_ADDR
 * @pid: in: 0 for the calling process, else a process id
 * @id: in with BY_ID; out: the mapping's id
 * @addr: in with BY_ADDR: any address of the pages it occupies; out: the
 *	address of its first byte
 * @length: out: its length in bytes
 * @offset: out: the file offset of its first byte (0 if anonymous)
 * @path: in: a buffer for the file's path, or 0
 * @path_size: in: size of @path's buffer; the path is NUL-terminated and
 *	truncated to fit
 * @path_len: out: length of the whole path, without the NUL (which may be
 *	longer than PATH_MAX, as in /proc/PID/maps)
 * @prot: out: NEOOS_PROT_* in force (mprotect() changes it)
 * @map_flags: out: NEOOS_MAP_SHARED or NEOOS_MAP_PRIVATE, and
 *	NEOOS_MAP_ANONYMOUS
 * @owner_pid: out: the process the mapping belongs to
 * @pad: zero
 * @vma_start: out (ABI 1.2): the start of the VMA the mapping is, aligned
 *	to the target's page size (a huge page's on hugetlbfs); what
 *	mprotect(2) or madvise(2) of the whole mapping must be given
 * @vma_length: out (ABI 1.2): that VMA's length
 */
struct neoos_info {
	__u32 query;
	__s32 pid;
	__u64 id;
	__u64 addr;
	__u64 length;
	__u64 offset;
	__u64 path;
	__u32 path_size;
	__u32 path_len;
	__u32 prot;
	__u32 map_flags;
	__s32 owner_pid;
	__u32 pad;
	__u64 vma_start;
	__u64 vma_length;
};

/*
 * struct neoos_info as ABI 1.0 and 1.1 define it, up to @pad: programs
 * built then send NEOOS_IOC_INFO_1_0, and the module reads and writes
 * that much of their struct.
 */
#define NEOOS_INFO_SIZE_1_0	72

/**
 * struct neoos_rw - argument of NEOOS_IOC_READ and NEOOS_IOC_WRITE
 * @id: a mapping of the calling process
 * @offset: byte offset in the mapping
 * @length: bytes to copy; @offset + @length must not pass its end
 * @buf: the caller's buffer
 * @flags: zero
 * @pad: zero
 */
struct neoos_rw {
	__u64 id;
	__u64 offset;
	__u64 length;
	__u64 buf;
	__u32 flags;
	__u32 pad;
};

/* NEOOS_IOC_MSYNC flags, as msync(2)'s: one of ASYNC and SYNC, maybe INVALIDATE. */
#define NEOOS_MS_ASYNC		0x1
#define NEOOS_MS_INVALIDATE	0x2
#define NEOOS_MS_SYNC		0x4

/**
 * struct neoos_msync - argument of NEOOS_IOC_MSYNC (ABI 1.1)
 * @id: a mapping of the calling process
 * @offset: byte offset in the mapping
 * @length: bytes from @offset, 0 for the rest of the mapping; @offset +
 *	@length must not pass its end
 * @flags: NEOOS_MS_*
 * @pad: zero
 */
struct neoos_msync {
	__u64 id;
	__u64 offset;
	__u64 length;
	__u32 flags;
	__u32 pad;
};

/**
 * struct neoos_list - argument of NEOOS_IOC_LIST
 * @pid: 0 for the calling process, else a process id (as for INFO)
 * @count: in: room in @ids; out: the number of mappings, which may be
 *	more than was room for
 * @ids: an array of __u64 receiving the mappings' ids, or 0
 */
struct neoos_list {
	__s32 pid;
	__u32 count;
	__u64 ids;
};

/**
 * struct neoos_stats - answer of NEOOS_IOC_STATS: module-wide counters
 * @live_mappings: mappings that exist (fork shares one between processes)
 * @live_vmas: VMAs of those mappings, across all processes
 * @maps: successful NEOOS_IOC_MAP calls since the module was loaded
 * @unmaps: NEOOS_IOC_UNMAP calls that removed a mapping since then
 * @pad: zero
 */
struct neoos_stats {
	__u64 live_mappings;
	__u64 live_vmas;
	__u64 maps;
	__u64 unmaps;
	__u64 pad[4];
};

#define NEOOS_IOC_MAGIC		0xE4

#define NEOOS_IOC_VERSION	_IOR(NEOOS_IOC_MAGIC, 0x00, struct neoos_version)
#define NEOOS_IOC_MAP		_IOWR(NEOOS_IOC_MAGIC, 0x01, struct neoos_map)
#define NEOOS_IOC_UNMAP		_IOW(NEOOS_IOC_MAGIC, 0x02, struct neoos_unmap)
#define NEOOS_IOC_INFO		_IOWR(NEOOS_IOC_MAGIC, 0x03, struct neoos_info)
#define NEOOS_IOC_INFO_1_0	_IOC(_IOC_READ | _IOC_WRITE, NEOOS_IOC_MAGIC, 0x03, \
				     NEOOS_INFO_SIZE_1_0)
#define NEOOS_IOC_READ		_IOW(NEOOS_IOC_MAGIC, 0x04, struct neoos_rw)
#define NEOOS_IOC_WRITE		_IOW(NEOOS_IOC_MAGIC, 0x05, struct neoos_rw)
#define NEOOS_IOC_LIST		_IOWR(NEOOS_IOC_MAGIC, 0x06, struct neoos_list)
#define NEOOS_IOC_STATS		_IOR(NEOOS_IOC_MAGIC, 0x07, struct neoos_stats)
#define NEOOS_IOC_MSYNC		_IOW(NEOOS_IOC_MAGIC, 0x08, struct neoos_msync)

#endif /* _UAPI_LINUX_NEOOS_H */
