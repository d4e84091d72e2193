// SPDX-License-Identifier: MIT
/*
 * neoos-fuzz: random sequences of valid operations on the worker's own
 * mappings: maps and unmaps through libneoos, munmap(2) of ranges of
 * them, mprotect, msync, truncation, reads and writes by id, queries,
 * faults, and fork.
 */
#include "abi/fuzz.h"

void forget(struct worker *w, int i)
{
	w->maps[i] = w->maps[--w->nmaps];
}

/* A random one of the worker's mappings for one more call, or -1. */
static int pick(struct worker *w)
{
	if (!w->nmaps)
		return -1;
	count_call();
	return below(w->nmaps);
}

static void do_map(struct worker *w)
{
	int prot = below(8), flags, fd;
	uint64_t off = 0, len, id;
	char *p;

	if (w->nmaps >= MAXMAPS)
		return;
	flags = below(2) ? NEOOS_MAP_SHARED : NEOOS_MAP_PRIVATE;
	if (!below(6)) {
		flags |= NEOOS_MAP_ANONYMOUS;
		fd = -1;
		len = 1 + below(16 * PAGE);
	} else {
		fd = below(5) ? w->fds[below(NFILES)] : w->memfd;
		off = below(8) * PAGE + (below(3) ? 0 : below(PAGE));
		len = 1 + below(12 * PAGE);
	}
	count_call();
	if (!below(5) && fd >= 0) {
		p = sys_mmap(fd, (int)off, (int)len);
		id = 0;
		if (p && sys_mmap_info_addr(p, w->info) == E_OK)
			id = w->info->id;
	} else {
		p = sys_mmap_ex(NULL, len, prot, flags, fd, off, &id);
	}
	if (!p)
		return;
	__atomic_add_fetch(&counts->maps, 1, __ATOMIC_RELAXED);
	w->maps[w->nmaps++] = (struct map){ p, len, id };
}

void do_unmap(struct worker *w)
{
	int i;

	i = pick(w);
	if (i < 0)
		return;
	if (below(2))
		sys_munmap_id(w->maps[i].id);
	else
		sys_munmap(w->maps[i].addr, (int)w->maps[i].length);
	forget(w, i);
}

/*
 * Is mapping @i still what we recorded?  Random UNMAPs may have removed it
 * behind our back, and its range may since hold something else: raw
 * munmap(2) and mprotect(2) only ever touch a range neoos vouches for.
 */
static bool still_ours(struct worker *w, int i)
{
	struct neoos_mapping_info *info = w->info;

	if (sys_mmap_info_addr(w->maps[i].addr, info) == E_OK &&
	    info->addr == w->maps[i].addr &&
	    info->length == w->maps[i].length &&
	    (!w->maps[i].id || info->id == w->maps[i].id))
		return true;
	forget(w, i);
	return false;
}

/* munmap(2) of a range inside one of our mappings, or the whole VMA. */
static void do_raw_munmap(struct worker *w)
{
	uintptr_t start, end, a, b;
	int i;

	if (!w->nmaps)
		return;
	i = below(w->nmaps);
	if (!still_ours(w, i))
		return;
	start = (uintptr_t)w->maps[i].addr & ~(PAGE - 1);
	end = ((uintptr_t)w->maps[i].addr + w->maps[i].length + PAGE - 1) &
	      ~(PAGE - 1);
	a = start + below((end - start) / PAGE) * PAGE;
	b = a + (1 + below((end - a) / PAGE)) * PAGE;
	if (below(3) == 0) {
		a = start;
		b = end;
	}
	count_call();
	if (munmap((void *)a, b - a) == 0 && a <= start && b >= end)
		forget(w, i);
}

static void do_mprotect(struct worker *w)
{
	int i, prot = below(8);

	i = pick(w);
	if (i < 0)
		return;
	if (below(2)) {
		sys_mprotect(w->maps[i].id, prot);
	} else if (still_ours(w, i)) {
		uintptr_t s = (uintptr_t)w->maps[i].addr & ~(PAGE - 1);
		uintptr_t e = (uintptr_t)w->maps[i].addr + w->maps[i].length;
		uintptr_t a = s + below(2) * PAGE;
		uintptr_t n = PAGE * (1 + below(3));

		if (a >= e)
			a = s;
		if (a + n > ((e + PAGE - 1) & ~(PAGE - 1)))
			n = ((e + PAGE - 1) & ~(PAGE - 1)) - a;
		mprotect((void *)a, n,
			 (prot & 1 ? PROT_READ : 0) | (prot & 2 ? PROT_WRITE : 0) |
			 (prot & 4 ? PROT_EXEC : 0));
	}
}

static void do_msync(struct worker *w)
{
	static const int fl[] = { NEOOS_MS_ASYNC, NEOOS_MS_SYNC,
				  NEOOS_MS_SYNC | NEOOS_MS_INVALIDATE, 7, 0 };
	int i;

	i = pick(w);
	if (i < 0)
		return;
	if (below(2))
		sys_msync(w->maps[i].id, below(PAGE), below(2 * PAGE), fl[below(5)]);
	else if (still_ours(w, i))
		msync((void *)((uintptr_t)w->maps[i].addr & ~(PAGE - 1)), PAGE,
		      below(2) ? MS_SYNC : MS_ASYNC);
}

static void do_truncate(struct worker *w)
{
	int fd = below(4) ? w->fds[below(NFILES)] : w->memfd;

	count_call();
	/* Failure (a sealed or busy file) is part of the game. */
	(void)!ftruncate(fd, below(10) * PAGE + below(PAGE));
}

static void do_rw(struct worker *w)
{
	int i;

	i = pick(w);
	if (i < 0)
		return;
	if (below(2))
		sys_mmap_read(w->maps[i].id, below(PAGE), w->buf, below(PAGE));
	else
		sys_mmap_write(w->maps[i].id, below(PAGE), w->buf, below(PAGE));
}

static void do_query(struct worker *w)
{
	uint64_t *ids = (uint64_t *)w->buf;
	pid_t pid = below(2) || !w->npeers ? 0 : w->peers[below(w->npeers)];

	count_call();
	switch (below(3)) {
	case 0:
		sys_mmap_list(pid, ids, PAGE / 8);
		break;
	case 1:
		if (w->nmaps)
			sys_mmap_info_pid(pid, w->maps[below(w->nmaps)].id,
					  w->info);
		break;
	default: {
		struct neoos_stats st;

		neoos_stats(&st);
	}
	}
}

static void do_fork(struct worker *w, int depth)
{
	pid_t pid;
	int status;

	if (depth > 1)
		return;
	count_call();
	pid = fork();
	if (pid == 0) {
		for (int n = below(30); n > 0; n--)
			step(w, depth + 1);
		_exit(0);
	}
	if (pid > 0) {
		__atomic_add_fetch(&counts->forks, 1, __ATOMIC_RELAXED);
		/* Sometimes let it run alongside for a while. */
		if (below(2))
			for (int n = below(20); n > 0; n--)
				step(w, depth + 1);
		waitpid(pid, &status, 0);
	}
}

void step(struct worker *w, int depth)
{
	int i;

	switch (below(20)) {
	case 0: case 1: case 2: case 3: case 4:
		random_ioctl(w);
		break;
	case 5: case 6: case 7:
		do_map(w);
		break;
	case 8: case 9:
		do_unmap(w);
		break;
	case 10: case 11:
		if (w->nmaps) {
			i = below(w->nmaps);
			touch(w->maps[i].addr, w->maps[i].length, below(2));
		}
		break;
	case 12:
		do_raw_munmap(w);
		break;
	case 13:
		do_mprotect(w);
		break;
	case 14:
		do_msync(w);
		break;
	case 15:
		do_truncate(w);
		break;
	case 16:
		do_rw(w);
		break;
	case 17:
		do_query(w);
		break;
	case 18:
		do_fork(w, depth);
		break;
	default:
		if (w->nmaps && below(4) == 0) {
			/* Leave a mapping of a closed fd behind. */
			int fd = open(paths[below(NFILES)], O_RDWR);

			if (fd >= 0) {
				char *p = sys_mmap(fd, 0, PAGE);

				close(fd);
				if (p && w->nmaps < MAXMAPS) {
					w->maps[w->nmaps++] =
						(struct map){ p, PAGE, 0 };
					w->maps[w->nmaps - 1].id =
						sys_mmap_info_addr(p, w->info) ?
						0 : w->info->id;
				}
			}
		}
		break;
	}
}
