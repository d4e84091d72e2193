/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * neoos - NeoOS memory-mapping personality for Linux
 *
 * The ABI between the /dev/neoos misc device and libneoos.
 *
 * Rules every ioctl follows:
 *  - structures contain only __u32/__s32/__u64 fields and explicit padding,
 *    so 32-bit and 64-bit processes see the same layout (no compat code);
 *  - user pointers and addresses travel as __u64;
 *  - unknown flag bits and non-zero padding are rejected with -EINVAL, so
 *    they can be given a meaning later without breaking old binaries;
 *  - a failed ioctl changes nothing.
 *
 * Errors (the ioctls return precise Linux errnos; libneoos folds them into
 * NeoOS's E_* codes, see neoos(7)):
 *   EBADF   fd is not open                               -> E_INVAL
 *   EINVAL  bad fd type, offset, size, flags or padding  -> E_INVAL
 *   EOVERFLOW offset + length overflows                  -> E_INVAL
 *   ENODEV  the file has no page cache to map            -> E_INVAL
 *   ENOMEM  no address space (RLIMIT_AS, max_map_count)  -> E_NOMEM
 *   EACCES, EPERM, ETXTBSY  access refused               -> E_PERM
 *   EIO     I/O or writeback error                       -> E_IO
 *   EFAULT  bad user pointer                             -> E_INVAL
 */
#ifndef _UAPI_LINUX_NEOOS_H
#define _UAPI_LINUX_NEOOS_H

#include <linux/types.h>

#define NEOOS_ABI_MAJOR		1
#define NEOOS_ABI_MINOR		0

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

/* Mapping type: exactly one of SHARED and PRIVATE. */
#define NEOOS_MAP_SHARED	0x1
#define NEOOS_MAP_PRIVATE	0x2
/*
 * NeoOS sys_mmap semantics: ignore @prot and derive it from the fd's access
 * mode (O_RDONLY: read-only, O_RDWR: read-write, O_WRONLY: -EACCES).
 */
#define NEOOS_MAP_PROT_FROM_FD	0x4
#define NEOOS_MAP_FLAGS		(NEOOS_MAP_SHARED | NEOOS_MAP_PRIVATE | \
				 NEOOS_MAP_PROT_FROM_FD)

/**
 * struct neoos_map - argument of NEOOS_IOC_MAP
 * @fd: in: a regular file with a page cache, opened for reading
 * @prot: in: NEOOS_PROT_* (ignored with NEOOS_MAP_PROT_FROM_FD)
 * @flags: in: NEOOS_MAP_*
 * @pad: zero
 * @offset: in: byte offset in the file; need not be page aligned
 * @length: in: bytes to map; offset + length must not pass the end of the
 *	file at map time
 * @addr: in: address hint (0: none); out: address of byte @offset
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

/**
 * struct neoos_unmap - argument of NEOOS_IOC_UNMAP
 * @addr: exactly the address NEOOS_IOC_MAP returned
 * @length: exactly the length it was given
 * @flags: zero
 * @pad: zero
 *
 * Writes the mapping's dirty pages to the file and waits for them, then
 * removes the mapping; a writeback error is reported as -EIO once, and the
 * mapping is removed all the same (like close(2)).
 */
struct neoos_unmap {
	__u64 addr;
	__u64 length;
	__u32 flags;
	__u32 pad;
};

#define NEOOS_IOC_MAGIC		0xE4

#define NEOOS_IOC_VERSION	_IOR(NEOOS_IOC_MAGIC, 0x00, struct neoos_version)
#define NEOOS_IOC_MAP		_IOWR(NEOOS_IOC_MAGIC, 0x01, struct neoos_map)
#define NEOOS_IOC_UNMAP		_IOW(NEOOS_IOC_MAGIC, 0x02, struct neoos_unmap)

#endif /* _UAPI_LINUX_NEOOS_H */
