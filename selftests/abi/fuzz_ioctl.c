// SPDX-License-Identifier: MIT
/*
 * neoos-fuzz: random ioctl commands with arguments that are random,
 * hostile (bad pointers, kernel addresses, reserved bits) or valid.
 */
#include "fuzz.h"

/* A pointer the kernel may write through: scratch, or a bad one. */
static uint64_t out_ptr(struct worker *w)
{
	switch (below(7)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return KADDR;
	case 3: return (uintptr_t)w->unmapped;
	case 4: return (uintptr_t)w->ro_page;
	case 5: return UINT64_MAX - below(4096);
	default: return (uintptr_t)(w->buf + below(PAGE));
	}
}

static uint64_t any_id(struct worker *w)
{
	switch (below(4)) {
	case 0:
		return rnd();
	case 1:
		return below(64);
	default:
		if (w->nmaps)
			return w->maps[below(w->nmaps)].id + below(3) - 1;
		return below(100000);
	}
}

static int any_fd(struct worker *w)
{
	switch (below(8)) {
	case 0: return -1;
	case 1: return (int)rnd();
	case 2: return w->dev;
	case 3: return below(20);
	case 4: return w->memfd;
	default: return w->fds[below(NFILES)];
	}
}

static uint64_t any_len(void)
{
	switch (below(6)) {
	case 0: return rnd();
	case 1: return 0;
	case 2: return UINT64_MAX - below(3);
	default: return 1 + below(8 * PAGE);
	}
}

static uint32_t any_bits(uint32_t valid)
{
	return below(8) ? (uint32_t)rnd() & valid : (uint32_t)rnd();
}

/* Random ioctl: random bytes, valid-ish fields, safe output pointers. */
void random_ioctl(struct worker *w)
{
	static const unsigned long cmds[] = {
		NEOOS_IOC_VERSION, NEOOS_IOC_MAP, NEOOS_IOC_UNMAP,
		NEOOS_IOC_INFO, NEOOS_IOC_READ, NEOOS_IOC_WRITE,
		NEOOS_IOC_LIST, NEOOS_IOC_STATS, NEOOS_IOC_MSYNC,
		NEOOS_IOC_INFO_1_0,
	};
	const unsigned int ncmds = sizeof(cmds) / sizeof(cmds[0]);
	union {
		struct neoos_map m;
		struct neoos_unmap u;
		struct neoos_info i;
		struct neoos_rw rw;
		struct neoos_list l;
		struct neoos_msync ms;
		uint64_t raw[16];
	} a;
	unsigned long cmd = cmds[below(ncmds)], arg = (unsigned long)&a;

	for (int i = 0; i < 16; i++)
		a.raw[i] = below(2) ? rnd() : 0;
	switch (below(12)) {
	case 0:
		arg = (unsigned long)out_ptr(w);
		break;
	case 1:
		/*
		 * Same magic, an unknown number, random size and direction.
		 * Never a real command with unchecked random pointers in it.
		 */
		cmd = _IOC(below(4), NEOOS_IOC_MAGIC, ncmds + below(256 - ncmds),
			   below(1 << 13));
		break;
	case 2:
		/* A real number with a wrong size or direction. */
		cmd = _IOC(below(4), NEOOS_IOC_MAGIC, _IOC_NR(cmd),
			   below(1 << 13));
		for (unsigned int i = 0; i < ncmds; i++)
			if (cmd == cmds[i])
				cmd ^= _IOC(0, 0, 0, 8);
		break;
	default:
		break;
	}

	if (cmd == NEOOS_IOC_MAP) {
		if (below(4)) {
			a.m.fd = any_fd(w);
			a.m.prot = any_bits(NEOOS_PROT_ALL);
			a.m.flags = any_bits(NEOOS_MAP_FLAGS);
			a.m.pad = below(8) ? 0 : (uint32_t)rnd();
			a.m.offset = below(3) ? below(4) * PAGE + below(2) * below(PAGE) : rnd();
			a.m.length = any_len();
		}
		/* Hints, never MAP_FIXED: page aligned or not. */
		a.m.addr = below(2) ? 0 : rnd() & ~(below(4) ? PAGE - 1 : 0);
	} else if (cmd == NEOOS_IOC_UNMAP) {
		if (below(4)) {
			a.u.flags = any_bits(NEOOS_UNMAP_BY_ID);
			a.u.pad = below(8) ? 0 : (uint32_t)rnd();
			a.u.id = any_id(w);
			if (w->nmaps && below(2)) {
				struct map *m = &w->maps[below(w->nmaps)];

				a.u.addr = (uintptr_t)m->addr + below(3) - 1;
				a.u.length = m->length + below(3) - 1;
			}
		}
	} else if (cmd == NEOOS_IOC_INFO || cmd == NEOOS_IOC_INFO_1_0) {
		if (below(4)) {
			a.i.query = any_bits(3);
			a.i.pid = below(2) ? 0 : w->npeers ?
				  w->peers[below(w->npeers)] : (int)rnd();
			a.i.id = any_id(w);
			a.i.pad = below(8) ? 0 : (uint32_t)rnd();
			if (w->nmaps && below(2))
				a.i.addr = (uintptr_t)w->maps[below(w->nmaps)].addr +
					   below(PAGE);
		}
		a.i.path = out_ptr(w);
		a.i.path_size = below(4) ? below(PAGE) : (uint32_t)rnd();
		if (a.i.path == (uintptr_t)w->buf)
			a.i.path_size = PAGE;
		else if (a.i.path >= (uintptr_t)w->buf &&
			 a.i.path < (uintptr_t)w->buf + PAGE)
			a.i.path_size = (uint32_t)((uintptr_t)w->buf + PAGE - a.i.path);
	} else if (cmd == NEOOS_IOC_READ || cmd == NEOOS_IOC_WRITE) {
		if (below(4)) {
			a.rw.id = any_id(w);
			a.rw.offset = below(3) ? below(2 * PAGE) : rnd();
			a.rw.length = below(3) ? below(PAGE) : rnd();
			a.rw.flags = below(8) ? 0 : (uint32_t)rnd();
			a.rw.pad = below(8) ? 0 : (uint32_t)rnd();
		}
		a.rw.buf = out_ptr(w);
		/* The kernel writes at most PAGE of scratch (buf is 2 pages). */
		if (a.rw.buf >= (uintptr_t)w->buf &&
		    a.rw.buf < (uintptr_t)w->buf + PAGE && a.rw.length > PAGE)
			a.rw.length = below(PAGE);
	} else if (cmd == NEOOS_IOC_MSYNC) {
		if (below(4)) {
			a.ms.id = any_id(w);
			a.ms.offset = below(3) ? below(2 * PAGE) : rnd();
			a.ms.length = below(3) ? below(2 * PAGE) : rnd();
			a.ms.flags = any_bits(NEOOS_MS_ASYNC | NEOOS_MS_INVALIDATE |
					      NEOOS_MS_SYNC);
			a.ms.pad = below(8) ? 0 : (uint32_t)rnd();
		}
	} else if (cmd == NEOOS_IOC_LIST) {
		a.l.pid = below(2) ? 0 : w->npeers ?
			  w->peers[below(w->npeers)] : (int)rnd();
		a.l.count = below(3) ? below(PAGE / 8) : (uint32_t)rnd();
		a.l.ids = out_ptr(w);
		/* LIST writes count ids: only into scratch, aligned to fit. */
		if (a.l.ids >= (uintptr_t)w->buf &&
		    a.l.ids < (uintptr_t)w->buf + 2 * PAGE) {
			a.l.ids = (uintptr_t)w->buf;
			if (a.l.count > PAGE / 8)
				a.l.count = PAGE / 8;
		}
	}
	count_call();
	if (ioctl(w->dev, cmd, arg) == 0 && cmd == NEOOS_IOC_MAP &&
	    arg == (unsigned long)&a) {
		__atomic_add_fetch(&counts->maps, 1, __ATOMIC_RELAXED);
		if (w->nmaps < MAXMAPS) {
			w->maps[w->nmaps++] = (struct map){
				(char *)(uintptr_t)a.m.addr, a.m.length, a.m.id };
		} else {
			struct neoos_unmap u = { .id = a.m.id,
						 .flags = NEOOS_UNMAP_BY_ID };

			ioctl(w->dev, NEOOS_IOC_UNMAP, &u);
		}
	}
}
