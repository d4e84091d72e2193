// SPDX-License-Identifier: MIT
/*
 * neoos-fuzz - a bounded fuzzer for /dev/neoos.
 *
 *   neoos-fuzz [-t SECONDS] [-p PROCS] [-s SEED]
 *
 * Forks PROCS workers (default 4) that for SECONDS (default 20) throw
 * random ioctl commands and arguments at /dev/neoos and run random
 * sequences of valid operations: maps and unmaps through libneoos, faults
 * (caught with sigsetjmp/siglongjmp), fork and exit, mprotect, msync,
 * truncation of mapped files, munmap(2) of ranges of the mappings.  Files
 * live in a scratch directory under the current directory.  At the end
 * the module's live_mappings and live_vmas must be back where they were.
 *
 * Pointers the kernel writes through are only ever the worker's scratch
 * buffers or bad addresses, and munmap(2) only ever names ranges inside
 * the worker's own neoos mappings, so the fuzzer cannot corrupt itself.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <neoos.h>

#define PAGE		4096UL
#define NFILES		6
#define MAXMAPS		24
#define KADDR		0xffffffff81000000ULL

struct shared_counts {
	unsigned long calls;
	unsigned long maps;
	unsigned long faults;
	unsigned long forks;
};

struct map {
	char *addr;
	uint64_t length;
	uint64_t id;
};

static struct shared_counts *counts;
static char scratch[256];
static char paths[NFILES][300];
static uint64_t rng;

static sigjmp_buf fault_env;
static volatile sig_atomic_t fault_armed;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static unsigned int below(unsigned int n)
{
	return n ? (unsigned int)(rnd() % n) : 0;
}

static void on_fault(int sig)
{
	if (fault_armed) {
		fault_armed = 0;
		siglongjmp(fault_env, sig);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Touch @len bytes at @p, reading or writing; a fault is survived. */
static void touch(char *p, uint64_t len, bool write)
{
	volatile char *v = p;

	if (!len)
		return;
	if (sigsetjmp(fault_env, 1)) {
		__atomic_add_fetch(&counts->faults, 1, __ATOMIC_RELAXED);
		return;
	}
	fault_armed = 1;
	for (uint64_t off = below(PAGE); off < len; off += PAGE * (1 + below(3))) {
		if (write)
			v[off] = (char)off;
		else
			(void)v[off];
	}
	fault_armed = 0;
}

struct worker {
	int dev;
	int fds[NFILES];
	int memfd;
	struct map maps[MAXMAPS];
	int nmaps;
	char *buf;		/* 2 pages of scratch the kernel may write */
	struct neoos_mapping_info *info;	/* after them */
	char *ro_page;
	char *unmapped;
	pid_t peers[64];
	int npeers;
};

static void count_call(void)
{
	__atomic_add_fetch(&counts->calls, 1, __ATOMIC_RELAXED);
}

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

static void forget(struct worker *w, int i)
{
	w->maps[i] = w->maps[--w->nmaps];
}

/* Random ioctl: random bytes, valid-ish fields, safe output pointers. */
static void random_ioctl(struct worker *w)
{
	static const unsigned long cmds[] = {
		NEOOS_IOC_VERSION, NEOOS_IOC_MAP, NEOOS_IOC_UNMAP,
		NEOOS_IOC_INFO, NEOOS_IOC_READ, NEOOS_IOC_WRITE,
		NEOOS_IOC_LIST, NEOOS_IOC_STATS,
	};
	union {
		struct neoos_map m;
		struct neoos_unmap u;
		struct neoos_info i;
		struct neoos_rw rw;
		struct neoos_list l;
		uint64_t raw[16];
	} a;
	unsigned long cmd = cmds[below(8)], arg = (unsigned long)&a;

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
		cmd = _IOC(below(4), NEOOS_IOC_MAGIC, 8 + below(248),
			   below(1 << 13));
		break;
	case 2:
		/* A real number with a wrong size or direction. */
		cmd = _IOC(below(4), NEOOS_IOC_MAGIC, _IOC_NR(cmd),
			   below(1 << 13));
		for (int i = 0; i < 8; i++)
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
	} else if (cmd == NEOOS_IOC_INFO) {
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

static void do_unmap(struct worker *w)
{
	int i;

	if (!w->nmaps)
		return;
	i = below(w->nmaps);
	count_call();
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

	if (!w->nmaps)
		return;
	i = below(w->nmaps);
	count_call();
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

	if (!w->nmaps)
		return;
	i = below(w->nmaps);
	count_call();
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

	if (!w->nmaps)
		return;
	i = below(w->nmaps);
	count_call();
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

static void step(struct worker *w, int depth);

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

static void step(struct worker *w, int depth)
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

static int worker(int n, uint64_t seed, double deadline, pid_t *peers,
		  int npeers)
{
	struct worker w = { 0 };
	struct sigaction sa = { .sa_handler = on_fault };
	struct timespec ts;
	char *two;

	rng = seed * 0x9E3779B97F4A7C15ULL + n + 1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	w.dev = open("/dev/neoos", O_RDWR | O_CLOEXEC);
	if (w.dev < 0) {
		perror("neoos-fuzz: /dev/neoos");
		return 2;
	}
	for (int i = 0; i < NFILES; i++) {
		w.fds[i] = open(paths[i], O_RDWR);
		if (w.fds[i] < 0) {
			perror(paths[i]);
			return 2;
		}
	}
	w.memfd = memfd_create("neoos-fuzz", MFD_ALLOW_SEALING);
	if (w.memfd < 0 || ftruncate(w.memfd, 8 * PAGE))
		return 2;
	w.buf = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	w.info = (void *)(w.buf + 2 * PAGE);
	w.ro_page = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	two = mmap(NULL, 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (w.buf == MAP_FAILED || w.ro_page == MAP_FAILED || two == MAP_FAILED)
		return 2;
	munmap(two + PAGE, PAGE);
	w.unmapped = two + PAGE;
	for (int i = 0; i < npeers && i < 64; i++)
		w.peers[w.npeers++] = peers[i];

	for (unsigned long i = 0;; i++) {
		step(&w, 0);
		if ((i & 63) == 0) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			if (ts.tv_sec + ts.tv_nsec / 1e9 >= deadline)
				break;
		}
	}
	/* Half the time unmap what is left; else exit leaves it. */
	if (below(2))
		while (w.nmaps)
			do_unmap(&w);
	return 0;
}

static int stats(struct neoos_stats *st)
{
	int fd = open("/dev/neoos", O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	ret = ioctl(fd, NEOOS_IOC_STATS, st);
	close(fd);
	return ret;
}

static int make_file(const char *path, size_t size)
{
	static char page[PAGE];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	memset(page, 'f', sizeof(page));
	for (size_t done = 0; done < size; done += PAGE)
		if (write(fd, page, PAGE) != PAGE) {
			close(fd);
			return -1;
		}
	close(fd);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: neoos-fuzz [-t SECONDS] [-p PROCS] [-s SEED]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int secs = 20, procs = 4, opt, bad = 0;
	uint64_t seed = (uint64_t)time(NULL);
	struct neoos_stats before, after;
	struct timespec ts;
	double deadline;
	pid_t pids[64];
	long leaked_maps, leaked_vmas;

	while ((opt = getopt(argc, argv, "t:p:s:h")) != -1) {
		switch (opt) {
		case 't': secs = atoi(optarg); break;
		case 'p': procs = atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (optind != argc || secs < 0 || procs < 1 || procs > 64)
		usage();

	counts = mmap(NULL, sizeof(*counts), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED) {
		perror("neoos-fuzz: mmap");
		return 2;
	}
	snprintf(scratch, sizeof(scratch), "neoos-fuzz.%d", getpid());
	if (mkdir(scratch, 0755)) {
		perror(scratch);
		return 2;
	}
	for (int i = 0; i < NFILES; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/f%d", scratch, i);
		if (make_file(paths[i], (i + 1) * 2 * PAGE)) {
			perror(paths[i]);
			return 2;
		}
	}
	if (stats(&before)) {
		perror("neoos-fuzz: NEOOS_IOC_STATS");
		return 2;
	}
	printf("neoos-fuzz: seed %llu, %d processes, %d s\n",
	       (unsigned long long)seed, procs, secs);
	fflush(stdout);

	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = ts.tv_sec + ts.tv_nsec / 1e9 + secs;
	for (int i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("neoos-fuzz: fork");
			procs = i;
			bad = 1;
			break;
		}
		if (pids[i] == 0)
			_exit(worker(i, seed, deadline, pids, i));
	}
	for (int i = 0; i < procs; i++) {
		int status;

		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "neoos-fuzz: worker %d (pid %d) %s %d\n",
				i, pids[i],
				WIFSIGNALED(status) ? "killed by signal" : "exited",
				WIFSIGNALED(status) ? WTERMSIG(status) :
						      WEXITSTATUS(status));
			bad = 1;
		}
	}

	/* Deferred frees: give them up to 2 s. */
	for (int tries = 0; tries < 200; tries++) {
		if (stats(&after)) {
			perror("neoos-fuzz: NEOOS_IOC_STATS");
			return 2;
		}
		if (after.live_mappings == before.live_mappings &&
		    after.live_vmas == before.live_vmas)
			break;
		usleep(10000);
	}
	leaked_maps = (long)(after.live_mappings - before.live_mappings);
	leaked_vmas = (long)(after.live_vmas - before.live_vmas);

	for (int i = 0; i < NFILES; i++)
		unlink(paths[i]);
	rmdir(scratch);

	printf("neoos-fuzz: %lu calls, %lu maps, %lu faults, %lu forks, seed %llu\n",
	       counts->calls, counts->maps, counts->faults, counts->forks,
	       (unsigned long long)seed);
	if (leaked_maps || leaked_vmas)
		printf("neoos-fuzz: live_mappings %llu -> %llu, live_vmas %llu -> %llu\n",
		       (unsigned long long)before.live_mappings,
		       (unsigned long long)after.live_mappings,
		       (unsigned long long)before.live_vmas,
		       (unsigned long long)after.live_vmas);
	printf("neoos-fuzz: %lu calls, %lu maps, %ld leaked\n", counts->calls,
	       counts->maps, leaked_maps + leaked_vmas);
	return (leaked_maps || leaked_vmas || bad) ? 1 : 0;
}
