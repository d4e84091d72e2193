// SPDX-License-Identifier: GPL-2.0
/*
 * Malformed calls to every /dev/neoos ioctl, from a table: bad pointers,
 * reserved flag bits and padding, overflowing offsets and lengths, extreme
 * integers, unaligned hints, descriptors of every kind and wrong ioctl
 * numbers.  Each row names the exact errno (read off the module's sources),
 * and after each one nothing may have changed: t_leak_check() and the
 * module's map and unmap counters.
 */
#include <limits.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <termios.h>

#include <libneoos.h>

#include "common.h"
#include "kselftest_harness.h"

#define KADDR		0xffffffff81000000ULL

/* Where a row's argument pointer points. */
enum ptr_kind {
	P_NULL,
	P_ONE,
	P_KERNEL,
	P_UNMAPPED,
	P_STRADDLE,	/* the struct runs off a page into an unmapped one */
	P_ULONG_MAX,
	P_NR,
};

/* Descriptors for NEOOS_IOC_MAP's fd. */
enum fd_kind {
	F_RW, F_RO, F_WO, F_PIPE, F_SOCK, F_EVENTFD, F_EPOLL, F_TIMERFD,
	F_DIR, F_OPATH, F_DEVNULL, F_DEVNEOOS, F_MEMFD_RO, F_SYSFS, F_PROC,
	F_CLOSED, F_NEG1, F_NEG2, F_INT_MIN, F_INT_MAX, F_BIG, F_NR,
};

struct ctx {
	int dev;
	int fd[F_NR];
	char path[64];
	uint64_t id_rw, id_ro, id_none;	/* live mappings */
	char *addr_rw, *addr_ro;
	char *valid;		/* a read-write page (not neoos) */
	char *ro_page;		/* a read-only anonymous page */
	char *unmapped;		/* a page that was unmapped */
	char buf[FSIZE];
	union {
		struct neoos_version v;
		struct neoos_map m;
		struct neoos_unmap u;
		struct neoos_info i;
		struct neoos_rw rw;
		struct neoos_list l;
		struct neoos_stats s;
		struct neoos_msync ms;
		char raw[256];
	} arg;
};

/* How a row builds its argument. */
enum build {
	B_PTR,		/* a: enum ptr_kind */
	B_ROPAGE,	/* a valid argument in a read-only page */
	B_MAP,		/* a valid map, then field a := b */
	B_MAP_FD,	/* a: enum fd_kind, b: prot */
	B_MAP_FROMFD,	/* a: enum fd_kind, with PROT_FROM_FD */
	B_MAP_ANON,	/* anonymous, field a := b */
	B_UNMAP,	/* unmap by address of the RW mapping, field a := b */
	B_UNMAP_ID,	/* unmap by id of the RW mapping, field a := b */
	B_INFO,		/* info by id of the RW mapping, field a := b */
	B_READ,		/* read 1 byte of the RW mapping, field a := b */
	B_WRITE,	/* the same for write */
	B_LIST,		/* list own, field a := b */
	B_MSYNC,	/* msync all of the RW mapping, field a := b */
	B_RAW,		/* the ioctl number is the point; arg is the buffer */
};

/* Fields, for "field a := b". */
enum field {
	M_NONE, M_FD, M_PROT, M_FLAGS, M_PAD, M_OFFSET, M_LENGTH, M_ADDR,
	M_OFFLEN,	/* offset := b, length := FSIZE - offset clamp */
	U_ADDR, U_LENGTH, U_ID, U_FLAGS, U_PAD,
	I_QUERY, I_PID, I_ID, I_ADDR, I_PATH, I_PATH_NOSIZE, I_PAD,
	RW_ID, RW_OFFSET, RW_LENGTH, RW_BUF, RW_FLAGS, RW_PAD, RW_ON_RO,
	RW_ON_NONE,
	L_PID, L_COUNT, L_IDS,
	MS_ID, MS_OFFSET, MS_LENGTH, MS_FLAGS, MS_PAD,
};

/* Special values of b. */
#define V_UNMAPPED	0x7fff0001ULL	/* c->unmapped */
#define V_RO_PAGE	0x7fff0002ULL	/* c->ro_page */
#define V_NOT_NEOOS	0x7fff0003ULL	/* c->valid: a mapping, not neoos */
#define V_ID_OTHER	0x7fff0004ULL	/* an id never given out */

struct row {
	const char *name;
	unsigned long cmd;
	enum build build;
	int a;
	uint64_t b;
	int err;
};

static struct ctx C;

static uint64_t special(struct ctx *c, uint64_t v)
{
	switch (v) {
	case V_UNMAPPED:
		return (uintptr_t)c->unmapped;
	case V_RO_PAGE:
		return (uintptr_t)c->ro_page;
	case V_NOT_NEOOS:
		return (uintptr_t)c->valid;
	case V_ID_OTHER:
		return c->id_none + 1000000;
	}
	return v;
}

static void *bad_ptr(struct ctx *c, int kind, size_t size)
{
	switch (kind) {
	case P_NULL:
		return NULL;
	case P_ONE:
		return (void *)1;
	case P_KERNEL:
		return (void *)KADDR;
	case P_UNMAPPED:
		return c->unmapped;
	case P_STRADDLE:
		return c->unmapped - size / 2;
	default:
		return (void *)ULONG_MAX;
	}
}

static size_t cmd_size(unsigned long cmd)
{
	return _IOC_SIZE(cmd) ? _IOC_SIZE(cmd) : 8;
}

static void valid_arg(struct ctx *c, unsigned long cmd)
{
	memset(&c->arg, 0, sizeof(c->arg));
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(NEOOS_IOC_MAP):
		c->arg.m.fd = c->fd[F_RW];
		c->arg.m.prot = NEOOS_PROT_READ | NEOOS_PROT_WRITE;
		c->arg.m.flags = NEOOS_MAP_SHARED;
		c->arg.m.length = PAGE;
		break;
	case _IOC_NR(NEOOS_IOC_UNMAP):
		/* Not used for a read-only page: it would unmap. */
		c->arg.u.id = V_ID_OTHER;
		c->arg.u.flags = NEOOS_UNMAP_BY_ID;
		break;
	case _IOC_NR(NEOOS_IOC_INFO):
		c->arg.i.query = NEOOS_INFO_BY_ID;
		c->arg.i.id = c->id_rw;
		break;
	case _IOC_NR(NEOOS_IOC_READ):
	case _IOC_NR(NEOOS_IOC_WRITE):
		c->arg.rw.id = c->id_rw;
		c->arg.rw.length = 1;
		c->arg.rw.buf = (uintptr_t)c->buf;
		break;
	case _IOC_NR(NEOOS_IOC_LIST):
		c->arg.l.count = 0;
		break;
	case _IOC_NR(NEOOS_IOC_MSYNC):
		c->arg.ms.id = c->id_rw;
		c->arg.ms.flags = NEOOS_MS_SYNC;
		break;
	}
}

static void set_field(struct ctx *c, int f, uint64_t v)
{
	v = special(c, v);
	switch (f) {
	case M_FD: c->arg.m.fd = (int32_t)v; break;
	case M_PROT: c->arg.m.prot = v; break;
	case M_FLAGS: c->arg.m.flags = v; break;
	case M_PAD: c->arg.m.pad = v; break;
	case M_OFFSET: c->arg.m.offset = v; break;
	case M_LENGTH: c->arg.m.length = v; break;
	case M_ADDR: c->arg.m.addr = v; break;
	case U_ADDR: c->arg.u.addr = v; break;
	case U_LENGTH: c->arg.u.length = v; break;
	case U_ID: c->arg.u.id = v; break;
	case U_FLAGS: c->arg.u.flags = v; break;
	case U_PAD: c->arg.u.pad = v; break;
	case I_QUERY: c->arg.i.query = v; break;
	case I_PID: c->arg.i.pid = (int32_t)v; break;
	case I_ID: c->arg.i.id = v; break;
	case I_ADDR:
		c->arg.i.query = NEOOS_INFO_BY_ADDR;
		c->arg.i.addr = v;
		break;
	case I_PATH: c->arg.i.path = v; c->arg.i.path_size = 64; break;
	case I_PATH_NOSIZE: c->arg.i.path = v; c->arg.i.path_size = 0; break;
	case I_PAD: c->arg.i.pad = v; break;
	case RW_ID: c->arg.rw.id = v; break;
	case RW_OFFSET: c->arg.rw.offset = v; break;
	case RW_LENGTH: c->arg.rw.length = v; break;
	case RW_BUF: c->arg.rw.buf = v; break;
	case RW_FLAGS: c->arg.rw.flags = v; break;
	case RW_PAD: c->arg.rw.pad = v; break;
	case RW_ON_RO: c->arg.rw.id = c->id_ro; break;
	case RW_ON_NONE: c->arg.rw.id = c->id_none; break;
	case L_PID: c->arg.l.pid = (int32_t)v; break;
	case L_COUNT: c->arg.l.count = v; c->arg.l.ids = (uintptr_t)c->buf; break;
	case L_IDS: c->arg.l.ids = v; c->arg.l.count = 4; break;
	case MS_ID: c->arg.ms.id = v; break;
	case MS_OFFSET: c->arg.ms.offset = v; break;
	case MS_LENGTH: c->arg.ms.length = v; break;
	case MS_FLAGS: c->arg.ms.flags = v; break;
	case MS_PAD: c->arg.ms.pad = v; break;
	}
}

/* Build a row's argument; return the ioctl's third argument. */
static unsigned long build(struct ctx *c, const struct row *r)
{
	switch (r->build) {
	case B_PTR:
		return (unsigned long)bad_ptr(c, r->a, cmd_size(r->cmd));
	case B_ROPAGE:
		valid_arg(c, r->cmd);
		mprotect(c->ro_page, PAGE, PROT_READ | PROT_WRITE);
		memcpy(c->ro_page, &c->arg, cmd_size(r->cmd));
		mprotect(c->ro_page, PAGE, PROT_READ);
		return (unsigned long)c->ro_page;
	case B_MAP:
	case B_UNMAP_ID:
	case B_INFO:
	case B_READ:
	case B_WRITE:
	case B_LIST:
	case B_MSYNC:
		valid_arg(c, r->cmd);
		set_field(c, r->a, r->b);
		break;
	case B_MAP_FD:
		valid_arg(c, r->cmd);
		c->arg.m.fd = c->fd[r->a];
		c->arg.m.prot = r->b;
		c->arg.m.length = 1;
		break;
	case B_MAP_FROMFD:
		valid_arg(c, r->cmd);
		c->arg.m.fd = c->fd[r->a];
		c->arg.m.prot = 0;
		c->arg.m.flags |= NEOOS_MAP_PROT_FROM_FD;
		c->arg.m.length = 1;
		break;
	case B_MAP_ANON:
		valid_arg(c, r->cmd);
		c->arg.m.fd = -1;
		c->arg.m.flags = NEOOS_MAP_SHARED | NEOOS_MAP_ANONYMOUS;
		set_field(c, r->a, r->b);
		break;
	case B_UNMAP:
		memset(&c->arg, 0, sizeof(c->arg));
		c->arg.u.addr = (uintptr_t)c->addr_rw;
		c->arg.u.length = FSIZE;
		set_field(c, r->a, r->b);
		break;
	case B_RAW:
		valid_arg(c, r->cmd);
		break;
	}
	return (unsigned long)&c->arg;
}

#define PTR_ROWS(cmd)							\
	{ #cmd " NULL", cmd, B_PTR, P_NULL, 0, EFAULT },		\
	{ #cmd " 1", cmd, B_PTR, P_ONE, 0, EFAULT },			\
	{ #cmd " kernel address", cmd, B_PTR, P_KERNEL, 0, EFAULT },	\
	{ #cmd " unmapped page", cmd, B_PTR, P_UNMAPPED, 0, EFAULT },	\
	{ #cmd " straddling unmapped", cmd, B_PTR, P_STRADDLE, 0, EFAULT }, \
	{ #cmd " ULONG_MAX", cmd, B_PTR, P_ULONG_MAX, 0, EFAULT }

#define RW	(NEOOS_PROT_READ | NEOOS_PROT_WRITE)
#define RD	NEOOS_PROT_READ

static const struct row fixed_rows[] = {
	PTR_ROWS(NEOOS_IOC_VERSION),
	PTR_ROWS(NEOOS_IOC_MAP),
	PTR_ROWS(NEOOS_IOC_UNMAP),
	PTR_ROWS(NEOOS_IOC_INFO),
	PTR_ROWS(NEOOS_IOC_INFO_1_0),
	PTR_ROWS(NEOOS_IOC_READ),
	PTR_ROWS(NEOOS_IOC_WRITE),
	PTR_ROWS(NEOOS_IOC_LIST),
	PTR_ROWS(NEOOS_IOC_STATS),
	PTR_ROWS(NEOOS_IOC_MSYNC),
	/* Valid input, output page read-only: nothing may be left behind. */
	{ "VERSION to read-only page", NEOOS_IOC_VERSION, B_ROPAGE, 0, 0, EFAULT },
	{ "STATS to read-only page", NEOOS_IOC_STATS, B_ROPAGE, 0, 0, EFAULT },
	{ "MAP in read-only page", NEOOS_IOC_MAP, B_ROPAGE, 0, 0, EFAULT },
	{ "INFO in read-only page", NEOOS_IOC_INFO, B_ROPAGE, 0, 0, EFAULT },
	{ "INFO 1.0 in read-only page", NEOOS_IOC_INFO_1_0, B_ROPAGE, 0, 0, EFAULT },
	{ "LIST in read-only page", NEOOS_IOC_LIST, B_ROPAGE, 0, 0, EFAULT },

	/* MAP: the arguments alone. */
	{ "MAP pad 1", NEOOS_IOC_MAP, B_MAP, M_PAD, 1, EINVAL },
	{ "MAP pad ~0", NEOOS_IOC_MAP, B_MAP, M_PAD, UINT32_MAX, EINVAL },
	{ "MAP flags 0", NEOOS_IOC_MAP, B_MAP, M_FLAGS, 0, EINVAL },
	{ "MAP shared|private", NEOOS_IOC_MAP, B_MAP, M_FLAGS, 3, EINVAL },
	{ "MAP flags ~0", NEOOS_IOC_MAP, B_MAP, M_FLAGS, UINT32_MAX, EINVAL },
	{ "MAP prot ~0", NEOOS_IOC_MAP, B_MAP, M_PROT, UINT32_MAX, EINVAL },
	{ "MAP prot INT_MIN", NEOOS_IOC_MAP, B_MAP, M_PROT, 0x80000000u, EINVAL },
	{ "MAP PROT_FROM_FD with prot", NEOOS_IOC_MAP, B_MAP, M_FLAGS,
	  NEOOS_MAP_SHARED | NEOOS_MAP_PROT_FROM_FD, EINVAL },
	{ "MAP length 0", NEOOS_IOC_MAP, B_MAP, M_LENGTH, 0, EINVAL },
	{ "MAP hint 1", NEOOS_IOC_MAP, B_MAP, M_ADDR, 1, EINVAL },
	{ "MAP hint 0xfff", NEOOS_IOC_MAP, B_MAP, M_ADDR, 0xfff, EINVAL },
	{ "MAP hint page+1", NEOOS_IOC_MAP, B_MAP, M_ADDR, 0x10001000 + 1, EINVAL },
	{ "MAP hint ULONG_MAX", NEOOS_IOC_MAP, B_MAP, M_ADDR, ULONG_MAX, EINVAL },
	{ "MAP hint kernel+1", NEOOS_IOC_MAP, B_MAP, M_ADDR, KADDR + 1, EINVAL },
	{ "MAP fd -2", NEOOS_IOC_MAP, B_MAP, M_FD, (uint32_t)-2, EBADF },
	{ "MAP fd INT_MIN", NEOOS_IOC_MAP, B_MAP, M_FD, (uint32_t)INT_MIN, EBADF },
	/* MAP: offsets and lengths against the file (FSIZE bytes). */
	{ "MAP offset UINT64_MAX", NEOOS_IOC_MAP, B_MAP, M_OFFSET, UINT64_MAX, EOVERFLOW },
	{ "MAP offset LLONG_MAX", NEOOS_IOC_MAP, B_MAP, M_OFFSET, LLONG_MAX, EOVERFLOW },
	{ "MAP offset INT_MIN sign-extended", NEOOS_IOC_MAP, B_MAP, M_OFFSET,
	  (uint64_t)(int64_t)INT_MIN, EOVERFLOW },
	{ "MAP length UINT64_MAX", NEOOS_IOC_MAP, B_MAP, M_LENGTH, UINT64_MAX, EOVERFLOW },
	{ "MAP length LLONG_MAX+1", NEOOS_IOC_MAP, B_MAP, M_LENGTH,
	  (uint64_t)LLONG_MAX + 1, EOVERFLOW },
	{ "MAP length ULONG_MAX-4095", NEOOS_IOC_MAP, B_MAP, M_LENGTH,
	  ULONG_MAX - 4095, EOVERFLOW },
	{ "MAP length INT_MAX", NEOOS_IOC_MAP, B_MAP, M_LENGTH, INT_MAX, EINVAL },
	{ "MAP length UINT32_MAX", NEOOS_IOC_MAP, B_MAP, M_LENGTH, UINT32_MAX, EINVAL },
	{ "MAP length FSIZE+1", NEOOS_IOC_MAP, B_MAP, M_LENGTH, FSIZE + 1, EINVAL },
	{ "MAP offset FSIZE", NEOOS_IOC_MAP, B_MAP, M_OFFSET, FSIZE, EINVAL },
	{ "MAP offset INT_MAX", NEOOS_IOC_MAP, B_MAP, M_OFFSET, INT_MAX, EINVAL },
	/* MAP: descriptors of every kind. */
	{ "MAP fd pipe", NEOOS_IOC_MAP, B_MAP_FD, F_PIPE, RD, EINVAL },
	{ "MAP fd socket", NEOOS_IOC_MAP, B_MAP_FD, F_SOCK, RD, EINVAL },
	{ "MAP fd eventfd", NEOOS_IOC_MAP, B_MAP_FD, F_EVENTFD, RD, EINVAL },
	{ "MAP fd epoll", NEOOS_IOC_MAP, B_MAP_FD, F_EPOLL, RD, EINVAL },
	{ "MAP fd timerfd", NEOOS_IOC_MAP, B_MAP_FD, F_TIMERFD, RD, EINVAL },
	{ "MAP fd directory", NEOOS_IOC_MAP, B_MAP_FD, F_DIR, RD, EINVAL },
	{ "MAP fd O_PATH", NEOOS_IOC_MAP, B_MAP_FD, F_OPATH, RD, EBADF },
	{ "MAP fd /dev/null", NEOOS_IOC_MAP, B_MAP_FD, F_DEVNULL, RD, EINVAL },
	{ "MAP fd /dev/neoos", NEOOS_IOC_MAP, B_MAP_FD, F_DEVNEOOS, RD, EINVAL },
	{ "MAP fd /dev/neoos PROT_FROM_FD", NEOOS_IOC_MAP, B_MAP_FROMFD, F_DEVNEOOS, 0, EINVAL },
	{ "MAP fd memfd O_RDONLY, RW", NEOOS_IOC_MAP, B_MAP_FD, F_MEMFD_RO, RW, EACCES },
	{ "MAP fd memfd O_RDONLY, WRITE", NEOOS_IOC_MAP, B_MAP_FD, F_MEMFD_RO,
	  NEOOS_PROT_WRITE, EACCES },
	{ "MAP fd O_RDONLY, RW", NEOOS_IOC_MAP, B_MAP_FD, F_RO, RW, EACCES },
	{ "MAP fd O_WRONLY, READ", NEOOS_IOC_MAP, B_MAP_FD, F_WO, RD, EACCES },
	{ "MAP fd O_WRONLY, PROT_FROM_FD", NEOOS_IOC_MAP, B_MAP_FROMFD, F_WO, 0, EACCES },
	{ "MAP fd sysfs attribute (no ->mmap)", NEOOS_IOC_MAP, B_MAP_FD, F_SYSFS, RD, ENODEV },
	/* Empty as procfs files are: the range is outside it, checked first. */
	{ "MAP fd procfs file (empty, no ->mmap)", NEOOS_IOC_MAP, B_MAP_FD, F_PROC, RD, EINVAL },
	{ "MAP fd closed", NEOOS_IOC_MAP, B_MAP_FD, F_CLOSED, RD, EBADF },
	{ "MAP fd -1 not anonymous", NEOOS_IOC_MAP, B_MAP_FD, F_NEG1, RD, EBADF },
	{ "MAP fd INT_MAX", NEOOS_IOC_MAP, B_MAP_FD, F_INT_MAX, RD, EBADF },
	{ "MAP fd 1<<20", NEOOS_IOC_MAP, B_MAP_FD, F_BIG, RD, EBADF },
	{ "MAP fd closed PROT_FROM_FD", NEOOS_IOC_MAP, B_MAP_FROMFD, F_CLOSED, 0, EBADF },
	/* MAP: anonymous. */
	{ "MAP anon fd 0", NEOOS_IOC_MAP, B_MAP_ANON, M_FD, 0, EINVAL },
	{ "MAP anon fd rw file", NEOOS_IOC_MAP, B_MAP_ANON, M_FD, 3, EINVAL },
	{ "MAP anon offset", NEOOS_IOC_MAP, B_MAP_ANON, M_OFFSET, PAGE, EINVAL },
	{ "MAP anon offset UINT64_MAX", NEOOS_IOC_MAP, B_MAP_ANON, M_OFFSET, UINT64_MAX, EINVAL },
	{ "MAP anon PROT_FROM_FD", NEOOS_IOC_MAP, B_MAP_ANON, M_FLAGS,
	  NEOOS_MAP_SHARED | NEOOS_MAP_ANONYMOUS | NEOOS_MAP_PROT_FROM_FD, EINVAL },
	{ "MAP anon length 0", NEOOS_IOC_MAP, B_MAP_ANON, M_LENGTH, 0, EINVAL },
	{ "MAP anon length UINT64_MAX", NEOOS_IOC_MAP, B_MAP_ANON, M_LENGTH, UINT64_MAX, ENOMEM },
	{ "MAP anon length 1<<48", NEOOS_IOC_MAP, B_MAP_ANON, M_LENGTH, 1ULL << 48, ENOMEM },
	{ "MAP anon hint 1", NEOOS_IOC_MAP, B_MAP_ANON, M_ADDR, 1, EINVAL },

	/* UNMAP. */
	{ "UNMAP flags ~0", NEOOS_IOC_UNMAP, B_UNMAP, U_FLAGS, UINT32_MAX, EINVAL },
	{ "UNMAP pad", NEOOS_IOC_UNMAP, B_UNMAP, U_PAD, 1, EINVAL },
	{ "UNMAP pad INT_MIN", NEOOS_IOC_UNMAP, B_UNMAP, U_PAD, 0x80000000u, EINVAL },
	{ "UNMAP with id, not BY_ID", NEOOS_IOC_UNMAP, B_UNMAP, U_ID, 1, EINVAL },
	{ "UNMAP length 0", NEOOS_IOC_UNMAP, B_UNMAP, U_LENGTH, 0, EINVAL },
	{ "UNMAP length-1", NEOOS_IOC_UNMAP, B_UNMAP, U_LENGTH, FSIZE - 1, EINVAL },
	{ "UNMAP length+1", NEOOS_IOC_UNMAP, B_UNMAP, U_LENGTH, FSIZE + 1, EINVAL },
	{ "UNMAP length UINT64_MAX", NEOOS_IOC_UNMAP, B_UNMAP, U_LENGTH, UINT64_MAX, EINVAL },
	{ "UNMAP addr 0", NEOOS_IOC_UNMAP, B_UNMAP, U_ADDR, 0, EINVAL },
	{ "UNMAP addr kernel", NEOOS_IOC_UNMAP, B_UNMAP, U_ADDR, KADDR, EINVAL },
	{ "UNMAP addr ULONG_MAX", NEOOS_IOC_UNMAP, B_UNMAP, U_ADDR, ULONG_MAX, EINVAL },
	{ "UNMAP addr unmapped", NEOOS_IOC_UNMAP, B_UNMAP, U_ADDR, V_UNMAPPED, EINVAL },
	{ "UNMAP addr not neoos", NEOOS_IOC_UNMAP, B_UNMAP, U_ADDR, V_NOT_NEOOS, EINVAL },
	{ "UNMAP BY_ID with addr", NEOOS_IOC_UNMAP, B_UNMAP_ID, U_ADDR, V_NOT_NEOOS, EINVAL },
	{ "UNMAP BY_ID with length", NEOOS_IOC_UNMAP, B_UNMAP_ID, U_LENGTH, FSIZE, EINVAL },
	{ "UNMAP BY_ID id 0", NEOOS_IOC_UNMAP, B_UNMAP_ID, U_ID, 0, EINVAL },
	{ "UNMAP BY_ID id UINT64_MAX", NEOOS_IOC_UNMAP, B_UNMAP_ID, U_ID, UINT64_MAX, EINVAL },
	{ "UNMAP BY_ID id never given", NEOOS_IOC_UNMAP, B_UNMAP_ID, U_ID, V_ID_OTHER, EINVAL },
	{ "UNMAP BY_ID flags ~0", NEOOS_IOC_UNMAP, B_UNMAP_ID, U_FLAGS, UINT32_MAX, EINVAL },

	/* INFO. */
	{ "INFO query 0", NEOOS_IOC_INFO, B_INFO, I_QUERY, 0, EINVAL },
	{ "INFO query BY_ID|BY_ADDR", NEOOS_IOC_INFO, B_INFO, I_QUERY, 3, EINVAL },
	{ "INFO query ~0", NEOOS_IOC_INFO, B_INFO, I_QUERY, UINT32_MAX, EINVAL },
	{ "INFO pad", NEOOS_IOC_INFO, B_INFO, I_PAD, 1, EINVAL },
	{ "INFO path without size", NEOOS_IOC_INFO, B_INFO, I_PATH_NOSIZE, V_NOT_NEOOS, EINVAL },
	{ "INFO pid -1", NEOOS_IOC_INFO, B_INFO, I_PID, (uint32_t)-1, EINVAL },
	{ "INFO pid INT_MIN", NEOOS_IOC_INFO, B_INFO, I_PID, (uint32_t)INT_MIN, EINVAL },
	{ "INFO pid INT_MAX", NEOOS_IOC_INFO, B_INFO, I_PID, INT_MAX, ESRCH },
	{ "INFO id 0", NEOOS_IOC_INFO, B_INFO, I_ID, 0, EINVAL },
	{ "INFO id UINT64_MAX", NEOOS_IOC_INFO, B_INFO, I_ID, UINT64_MAX, EINVAL },
	{ "INFO id never given", NEOOS_IOC_INFO, B_INFO, I_ID, V_ID_OTHER, EINVAL },
	{ "INFO addr 0", NEOOS_IOC_INFO, B_INFO, I_ADDR, 0, EINVAL },
	{ "INFO addr kernel", NEOOS_IOC_INFO, B_INFO, I_ADDR, KADDR, EINVAL },
	{ "INFO addr ULONG_MAX", NEOOS_IOC_INFO, B_INFO, I_ADDR, ULONG_MAX, EINVAL },
	{ "INFO addr not neoos", NEOOS_IOC_INFO, B_INFO, I_ADDR, V_NOT_NEOOS, EINVAL },
	{ "INFO path 1", NEOOS_IOC_INFO, B_INFO, I_PATH, 1, EFAULT },
	{ "INFO path kernel", NEOOS_IOC_INFO, B_INFO, I_PATH, KADDR, EFAULT },
	{ "INFO path unmapped", NEOOS_IOC_INFO, B_INFO, I_PATH, V_UNMAPPED, EFAULT },
	{ "INFO path read-only", NEOOS_IOC_INFO, B_INFO, I_PATH, V_RO_PAGE, EFAULT },

	/* READ and WRITE. */
	{ "READ id 0", NEOOS_IOC_READ, B_READ, RW_ID, 0, EINVAL },
	{ "READ id UINT64_MAX", NEOOS_IOC_READ, B_READ, RW_ID, UINT64_MAX, EINVAL },
	{ "READ id never given", NEOOS_IOC_READ, B_READ, RW_ID, V_ID_OTHER, EINVAL },
	{ "READ offset UINT64_MAX", NEOOS_IOC_READ, B_READ, RW_OFFSET, UINT64_MAX, EINVAL },
	{ "READ offset = length (1 byte)", NEOOS_IOC_READ, B_READ, RW_OFFSET, FSIZE, EINVAL },
	{ "READ length UINT64_MAX", NEOOS_IOC_READ, B_READ, RW_LENGTH, UINT64_MAX, EINVAL },
	{ "READ length FSIZE+1", NEOOS_IOC_READ, B_READ, RW_LENGTH, FSIZE + 1, EINVAL },
	{ "READ length INT_MIN", NEOOS_IOC_READ, B_READ, RW_LENGTH,
	  (uint64_t)(int64_t)INT_MIN, EINVAL },
	{ "READ buf NULL", NEOOS_IOC_READ, B_READ, RW_BUF, 0, EFAULT },
	{ "READ buf kernel", NEOOS_IOC_READ, B_READ, RW_BUF, KADDR, EFAULT },
	{ "READ buf unmapped", NEOOS_IOC_READ, B_READ, RW_BUF, V_UNMAPPED, EFAULT },
	{ "READ buf read-only", NEOOS_IOC_READ, B_READ, RW_BUF, V_RO_PAGE, EFAULT },
	{ "READ buf ULONG_MAX", NEOOS_IOC_READ, B_READ, RW_BUF, ULONG_MAX, EFAULT },
	{ "READ PROT_NONE mapping", NEOOS_IOC_READ, B_READ, RW_ON_NONE, 0, EACCES },
	{ "WRITE id 0", NEOOS_IOC_WRITE, B_WRITE, RW_ID, 0, EINVAL },
	{ "WRITE id never given", NEOOS_IOC_WRITE, B_WRITE, RW_ID, V_ID_OTHER, EINVAL },
	{ "WRITE offset UINT64_MAX", NEOOS_IOC_WRITE, B_WRITE, RW_OFFSET, UINT64_MAX, EINVAL },
	{ "WRITE length UINT64_MAX", NEOOS_IOC_WRITE, B_WRITE, RW_LENGTH, UINT64_MAX, EINVAL },
	{ "WRITE buf NULL", NEOOS_IOC_WRITE, B_WRITE, RW_BUF, 0, EFAULT },
	{ "WRITE buf kernel", NEOOS_IOC_WRITE, B_WRITE, RW_BUF, KADDR, EFAULT },
	{ "WRITE buf unmapped", NEOOS_IOC_WRITE, B_WRITE, RW_BUF, V_UNMAPPED, EFAULT },
	{ "WRITE read-only mapping", NEOOS_IOC_WRITE, B_WRITE, RW_ON_RO, 0, EACCES },
	{ "WRITE PROT_NONE mapping", NEOOS_IOC_WRITE, B_WRITE, RW_ON_NONE, 0, EACCES },

	/* MSYNC. */
	{ "MSYNC id 0", NEOOS_IOC_MSYNC, B_MSYNC, MS_ID, 0, EINVAL },
	{ "MSYNC id never given", NEOOS_IOC_MSYNC, B_MSYNC, MS_ID, V_ID_OTHER, EINVAL },
	{ "MSYNC offset FSIZE+1", NEOOS_IOC_MSYNC, B_MSYNC, MS_OFFSET, FSIZE + 1, EINVAL },
	{ "MSYNC offset UINT64_MAX", NEOOS_IOC_MSYNC, B_MSYNC, MS_OFFSET, UINT64_MAX, EINVAL },
	{ "MSYNC length FSIZE+1", NEOOS_IOC_MSYNC, B_MSYNC, MS_LENGTH, FSIZE + 1, EINVAL },
	{ "MSYNC length UINT64_MAX", NEOOS_IOC_MSYNC, B_MSYNC, MS_LENGTH, UINT64_MAX, EINVAL },
	{ "MSYNC flags 0", NEOOS_IOC_MSYNC, B_MSYNC, MS_FLAGS, 0, EINVAL },
	{ "MSYNC SYNC|ASYNC", NEOOS_IOC_MSYNC, B_MSYNC, MS_FLAGS,
	  NEOOS_MS_SYNC | NEOOS_MS_ASYNC, EINVAL },
	{ "MSYNC INVALIDATE alone", NEOOS_IOC_MSYNC, B_MSYNC, MS_FLAGS,
	  NEOOS_MS_INVALIDATE, EINVAL },
	{ "MSYNC unknown flag", NEOOS_IOC_MSYNC, B_MSYNC, MS_FLAGS,
	  NEOOS_MS_SYNC | 0x100, EINVAL },
	{ "MSYNC pad", NEOOS_IOC_MSYNC, B_MSYNC, MS_PAD, 1, EINVAL },

	/* LIST. */
	{ "LIST count UINT32_MAX", NEOOS_IOC_LIST, B_LIST, L_COUNT, UINT32_MAX, EINVAL },
	{ "LIST count 1M+1", NEOOS_IOC_LIST, B_LIST, L_COUNT, 1024 * 1024 + 1, EINVAL },
	{ "LIST ids 1", NEOOS_IOC_LIST, B_LIST, L_IDS, 1, EFAULT },
	{ "LIST ids kernel", NEOOS_IOC_LIST, B_LIST, L_IDS, KADDR, EFAULT },
	{ "LIST ids unmapped", NEOOS_IOC_LIST, B_LIST, L_IDS, V_UNMAPPED, EFAULT },
	{ "LIST ids read-only", NEOOS_IOC_LIST, B_LIST, L_IDS, V_RO_PAGE, EFAULT },
	{ "LIST pid -1", NEOOS_IOC_LIST, B_LIST, L_PID, (uint32_t)-1, EINVAL },
	{ "LIST pid INT_MIN", NEOOS_IOC_LIST, B_LIST, L_PID, (uint32_t)INT_MIN, EINVAL },
	{ "LIST pid INT_MAX", NEOOS_IOC_LIST, B_LIST, L_PID, INT_MAX, ESRCH },

	/* Wrong ioctl numbers and sizes. */
	{ "cmd 0", 0, B_RAW, 0, 0, ENOTTY },
	{ "cmd ~0", 0xffffffffu, B_RAW, 0, 0, ENOTTY },
	{ "nr 9", _IO(NEOOS_IOC_MAGIC, 0x09), B_RAW, 0, 0, ENOTTY },
	{ "nr 0xff", _IOWR(NEOOS_IOC_MAGIC, 0xff, struct neoos_map), B_RAW, 0, 0, ENOTTY },
	{ "MAP, size 8 short", _IOWR(NEOOS_IOC_MAGIC, 0x01, __u64), B_RAW, 0, 0, ENOTTY },
	{ "MAP, size +8", _IOC(_IOC_READ | _IOC_WRITE, NEOOS_IOC_MAGIC, 0x01,
			       sizeof(struct neoos_map) + 8), B_RAW, 0, 0, ENOTTY },
	{ "MAP, no direction", _IOC(_IOC_NONE, NEOOS_IOC_MAGIC, 0x01,
				    sizeof(struct neoos_map)), B_RAW, 0, 0, ENOTTY },
	{ "VERSION as _IOW", _IOW(NEOOS_IOC_MAGIC, 0x00, struct neoos_version),
	  B_RAW, 0, 0, ENOTTY },
	{ "UNMAP as _IOWR", _IOWR(NEOOS_IOC_MAGIC, 0x02, struct neoos_unmap),
	  B_RAW, 0, 0, ENOTTY },
	{ "STATS size 0", _IO(NEOOS_IOC_MAGIC, 0x07), B_RAW, 0, 0, ENOTTY },
	{ "MSYNC as _IOWR", _IOWR(NEOOS_IOC_MAGIC, 0x08, struct neoos_msync),
	  B_RAW, 0, 0, ENOTTY },
	{ "magic 0xE5", _IOWR(0xE5, 0x01, struct neoos_map), B_RAW, 0, 0, ENOTTY },
	{ "TCGETS", TCGETS, B_RAW, 0, 0, ENOTTY },
};

#define MAX_ROWS	1024

static struct row rows[MAX_ROWS];
static char names[MAX_ROWS][64];

/* The fixed rows, then one per reserved bit of every flags field. */
static int make_rows(void)
{
	int n = 0;

	for (size_t i = 0; i < sizeof(fixed_rows) / sizeof(fixed_rows[0]); i++)
		rows[n++] = fixed_rows[i];
	for (int b = 0; b < 32; b++) {
		uint32_t bit = 1u << b;
		struct { unsigned long cmd; enum build bu; int f; uint32_t reserved;
			 const char *what; } bits[] = {
			{ NEOOS_IOC_MAP, B_MAP, M_FLAGS, ~NEOOS_MAP_FLAGS, "MAP flags" },
			{ NEOOS_IOC_MAP, B_MAP, M_PROT, ~NEOOS_PROT_ALL, "MAP prot" },
			{ NEOOS_IOC_MAP, B_MAP, M_PAD, ~0u, "MAP pad" },
			{ NEOOS_IOC_UNMAP, B_UNMAP, U_FLAGS, ~NEOOS_UNMAP_BY_ID, "UNMAP flags" },
			{ NEOOS_IOC_UNMAP, B_UNMAP, U_PAD, ~0u, "UNMAP pad" },
			{ NEOOS_IOC_INFO, B_INFO, I_QUERY,
			  ~(NEOOS_INFO_BY_ID | NEOOS_INFO_BY_ADDR), "INFO query" },
			{ NEOOS_IOC_INFO, B_INFO, I_PAD, ~0u, "INFO pad" },
			{ NEOOS_IOC_READ, B_READ, RW_FLAGS, ~0u, "READ flags" },
			{ NEOOS_IOC_READ, B_READ, RW_PAD, ~0u, "READ pad" },
			{ NEOOS_IOC_WRITE, B_WRITE, RW_FLAGS, ~0u, "WRITE flags" },
			{ NEOOS_IOC_WRITE, B_WRITE, RW_PAD, ~0u, "WRITE pad" },
		};

		for (size_t k = 0; k < sizeof(bits) / sizeof(bits[0]); k++) {
			uint64_t v = bit;

			if (!(bits[k].reserved & bit))
				continue;
			/* Keep the rest of the field valid. */
			if (bits[k].f == M_FLAGS)
				v |= NEOOS_MAP_SHARED;
			else if (bits[k].f == M_PROT)
				v |= NEOOS_PROT_READ;
			else if (bits[k].f == I_QUERY)
				v |= NEOOS_INFO_BY_ID;
			if (n >= MAX_ROWS)
				return -1;
			snprintf(names[n], sizeof(names[n]), "%s bit %d",
				 bits[k].what, b);
			rows[n] = (struct row){ names[n], bits[k].cmd,
						bits[k].bu, bits[k].f, v, EINVAL };
			n++;
		}
	}
	return n;
}

static int open_fds(struct ctx *c)
{
	int p[2], sv[2], memfd;
	char mpath[64];

	c->fd[F_RW] = open(c->path, O_RDWR);
	c->fd[F_RO] = open(c->path, O_RDONLY);
	c->fd[F_WO] = open(c->path, O_WRONLY);
	if (pipe(p))
		return -1;
	c->fd[F_PIPE] = p[0];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	c->fd[F_SOCK] = sv[0];
	c->fd[F_EVENTFD] = eventfd(0, 0);
	c->fd[F_EPOLL] = epoll_create1(0);
	c->fd[F_TIMERFD] = timerfd_create(CLOCK_MONOTONIC, 0);
	c->fd[F_DIR] = open(".", O_RDONLY | O_DIRECTORY);
	c->fd[F_OPATH] = open(c->path, O_PATH);
	c->fd[F_DEVNULL] = open("/dev/null", O_RDWR);
	c->fd[F_DEVNEOOS] = c->dev;
	memfd = memfd_create("hostile", 0);
	if (memfd < 0 || ftruncate(memfd, FSIZE))
		return -1;
	snprintf(mpath, sizeof(mpath), "/proc/self/fd/%d", memfd);
	c->fd[F_MEMFD_RO] = open(mpath, O_RDONLY);
	close(memfd);
	c->fd[F_SYSFS] = open("/sys/kernel/uevent_seqnum", O_RDONLY);
	c->fd[F_PROC] = open("/proc/self/status", O_RDONLY);
	c->fd[F_CLOSED] = dup(0);
	close(c->fd[F_CLOSED]);
	c->fd[F_NEG1] = -1;
	c->fd[F_NEG2] = -2;
	c->fd[F_INT_MIN] = INT_MIN;
	c->fd[F_INT_MAX] = INT_MAX;
	c->fd[F_BIG] = 1 << 20;
	for (int i = 0; i < F_CLOSED; i++)
		if (c->fd[i] < 0) {
			fprintf(stderr, "# fd kind %d: %s\n", i, strerror(errno));
			return -1;
		}
	return 0;
}

static int map_ioctl(struct ctx *c, int fd, uint32_t prot, uint64_t *id,
		     char **addr)
{
	struct neoos_map m = { .fd = fd, .prot = prot,
			       .flags = NEOOS_MAP_SHARED, .length = FSIZE };

	if (ioctl(c->dev, NEOOS_IOC_MAP, &m))
		return -errno;
	*id = m.id;
	*addr = (char *)(uintptr_t)m.addr;
	return 0;
}

TEST(hostile_table)
{
	struct ctx *c = &C;
	struct neoos_stats after;
	struct leak_snap before;
	char *two;
	int n, tried = 0, failed = 0;

	snprintf(c->path, sizeof(c->path), "hostile_test.%d", getpid());
	ASSERT_EQ(0, t_make_pattern_file(c->path, FSIZE));
	c->dev = open(NEOOS_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, c->dev);
	ASSERT_EQ(0, open_fds(c));
	ASSERT_EQ(0, map_ioctl(c, c->fd[F_RW], NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			       &c->id_rw, &c->addr_rw));
	ASSERT_EQ(0, map_ioctl(c, c->fd[F_RO], NEOOS_PROT_READ, &c->id_ro,
			       &c->addr_ro));
	{
		char *a;

		ASSERT_EQ(0, map_ioctl(c, c->fd[F_RW], NEOOS_PROT_NONE,
				       &c->id_none, &a));
	}
	c->valid = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	c->ro_page = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	ASSERT_NE(MAP_FAILED, c->valid);
	ASSERT_NE(MAP_FAILED, c->ro_page);
	/* Last, so that nothing of the setup lands in the hole. */
	two = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, two);
	ASSERT_EQ(0, munmap(two + PAGE, PAGE));
	c->unmapped = two + PAGE;

	n = make_rows();
	ASSERT_LT(60, n);
	for (int i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		unsigned long arg;
		long ret;
		int err;

		t_leak_snapshot(&before);
		arg = build(c, r);
		errno = 0;
		ret = ioctl(c->dev, r->cmd, arg);
		err = errno;
		tried++;
		if (t_leak_check(&before, r->name)) {
			failed++;
			TH_LOG("row %d \"%s\" left something behind", i, r->name);
		}
		ASSERT_EQ(0, ioctl(c->dev, NEOOS_IOC_STATS, &after));
		if (ret != -1 || err != r->err) {
			failed++;
			TH_LOG("row %d \"%s\": returned %ld errno %d (%s), want %d (%s)",
			       i, r->name, ret, err, strerror(err), r->err,
			       strerror(r->err));
		}
		if (before.st.maps != after.maps ||
		    before.st.unmaps != after.unmaps) {
			failed++;
			TH_LOG("row %d \"%s\" counted: maps %llu->%llu unmaps %llu->%llu",
			       i, r->name,
			       (unsigned long long)before.st.maps,
			       (unsigned long long)after.maps,
			       (unsigned long long)before.st.unmaps,
			       (unsigned long long)after.unmaps);
		}
	}
	ksft_print_msg("neoos-figure: bad inputs tried: %d across every ioctl, %d unexpected results\n",
		       tried, failed);
	fflush(stdout);
	EXPECT_EQ(0, failed);

	/* The live mappings survived all of it, bytes and all. */
	for (int i = 0; i < FSIZE; i += 251) {
		EXPECT_EQ(t_pattern_byte(i), (unsigned char)c->addr_rw[i]);
		EXPECT_EQ(t_pattern_byte(i), (unsigned char)c->addr_ro[i]);
	}
	EXPECT_EQ(1, t_vmas_in(c->addr_rw, FSIZE));
	if (c->dev >= 0) {
		struct neoos_unmap u = { .id = c->id_none,
					 .flags = NEOOS_UNMAP_BY_ID };

		EXPECT_EQ(0, ioctl(c->dev, NEOOS_IOC_UNMAP, &u));
		u.id = c->id_ro;
		EXPECT_EQ(0, ioctl(c->dev, NEOOS_IOC_UNMAP, &u));
		u = (struct neoos_unmap){ .addr = (uintptr_t)c->addr_rw,
					  .length = FSIZE };
		EXPECT_EQ(0, ioctl(c->dev, NEOOS_IOC_UNMAP, &u));
	}
	unlink(c->path);
}

TEST_HARNESS_MAIN
