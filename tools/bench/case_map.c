// SPDX-License-Identifier: MIT
/*
 * The cases of mapping itself: a map and unmap pair at 4 KiB and 64 MiB,
 * the same pairs from 8 threads sharing one descriptor, what one ioctl
 * round trip costs against a plain system call, alone and between a map
 * and an unmap, and how map time grows with the size mapped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/neoos.h>
#include <libneoos.h>

#include "bench.h"

/* -- map_unmap_4k, map_unmap_64m: time per pair -- */

/* Also map_cost_1g_vs_4k's, below. */
struct map_ctx {
	int fd;
	size_t size;	/* map_unmap's; map_cost's is each side's arg */
	int pairs;
	bool native;	/* map_cost's columns: both native, or both neoos */
};

/* @native: mmap(2) and munmap(2) rather than sys_mmap and sys_munmap */
static double mu_sample(void *c, long native, double *aux)
{
	struct map_ctx *x = c;
	double t = now();
	int i;

	if (native)
		for (i = 0; i < x->pairs; i++)
			nat_unmap(nat_map(x->fd, x->size, PROT_READ | PROT_WRITE),
				  x->size);
	else
		for (i = 0; i < x->pairs; i++)
			neo_unmap(neo_map(x->fd, x->size), x->size);
	return (now() - t) / x->pairs;
}

void case_map_unmap(const char *name, const char *path, size_t size,
		    int pairs, double budget)
{
	struct map_ctx x = { .size = size, .pairs = pairs };

	x.fd = make_file(path, size, 0, O_RDWR);
	run_pair(new_result(name, "us", "time per map+unmap pair, O_RDWR file, shared read-write",
			    SIDE("sys_mmap+sys_munmap", mu_sample, false),
			    SIDE("mmap+munmap", mu_sample, true)), &x, budget);
	close(x.fd);
}

/* -- map_unmap_8threads_shared_fd: the pairs from 8 threads, time per pair -- */

#define MT_THREADS	8
#define MT_RETRIES	1000	/* failed sys_mmap calls in a row before giving up */

struct mt_ctx {
	int fd;			/* the one descriptor all threads map */
	int pairs;		/* per thread and sample */
	unsigned long failed;	/* sys_mmap calls that failed, and were retried */
	int error;		/* the last one's E_* code */
};

struct mt_thread {
	struct mt_ctx *x;
	pthread_barrier_t *start;
	pthread_t tid;
	int idx;
	bool native;
	unsigned long failed;
	int error;		/* E_* of the last failed sys_mmap, or errno */
	bool gave_up;
};

/* A sample's result, from the process that ran it. */
struct mt_answer {
	double secs;	/* per pair */
	unsigned long failed;
	int error;
};

/* @pairs map + unmap pairs of page idx of the shared descriptor. */
static void *mt_worker(void *arg)
{
	struct mt_thread *t = arg;
	struct mt_ctx *x = t->x;
	int off = t->idx * (int)(4 * KIB), i, tries;
	void *p;

	pthread_barrier_wait(t->start);
	for (i = 0; i < x->pairs; i++) {
		if (t->native) {
			p = mmap(NULL, 4 * KIB, PROT_READ | PROT_WRITE, MAP_SHARED,
				 x->fd, off);
			if (p == MAP_FAILED || munmap(p, 4 * KIB)) {
				t->error = errno;
				t->gave_up = true;
				break;
			}
			continue;
		}
		for (tries = 0; !(p = sys_mmap(x->fd, off, 4 * KIB)); tries++) {
			t->failed++;
			t->error = sys_errno();
			if (tries == MT_RETRIES)
				break;
		}
		if (!p || sys_munmap(p, 4 * KIB)) {
			t->error = p ? sys_errno() : t->error;
			t->gave_up = true;
			break;
		}
	}
	return NULL;
}

/*
 * One sample, in a process of its own forked for it: MT_THREADS threads,
 * free to run on every CPU (the bench pins only itself), start together
 * and each makes x->pairs pairs; the time is from the start to the last
 * one's end, over all pairs.  The fork keeps the threads' CPUs out of the
 * bench's own mm, whose single-threaded cases stay on one CPU.
 */
static int mt_run(struct mt_ctx *x, bool native, struct mt_answer *a)
{
	struct mt_thread t[MT_THREADS];
	pthread_barrier_t start;
	cpu_set_t all;
	double t0;
	int i;

	CPU_ZERO(&all);
	for (i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &all);
	sched_setaffinity(0, sizeof(all), &all);
	pthread_barrier_init(&start, NULL, MT_THREADS + 1);
	for (i = 0; i < MT_THREADS; i++) {
		t[i] = (struct mt_thread){ .x = x, .start = &start, .idx = i,
					   .native = native };
		if (pthread_create(&t[i].tid, NULL, mt_worker, &t[i]))
			return 1;
	}
	/* every thread waits at the barrier: it opens with this one */
	t0 = now();
	pthread_barrier_wait(&start);
	for (i = 0; i < MT_THREADS; i++)
		pthread_join(t[i].tid, NULL);
	a->secs = (now() - t0) / (MT_THREADS * x->pairs);
	for (i = 0; i < MT_THREADS; i++) {
		a->failed += t[i].failed;
		if (t[i].error)
			a->error = t[i].error;
		if (t[i].gave_up)
			return 2;
	}
	return 0;
}

/* @native: mmap(2) and munmap(2) rather than sys_mmap and sys_munmap */
static double mt_sample(void *c, long native, double *aux)
{
	struct mt_ctx *x = c;
	struct mt_answer a = { 0 };
	int fds[2], status;
	pid_t pid;

	if (pipe(fds))
		die("pipe");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int ret = mt_run(x, native, &a);

		if (write(fds[1], &a, sizeof(a)) != sizeof(a))
			_exit(3);
		_exit(ret);
	}
	close(fds[1]);
	if (read(fds[0], &a, sizeof(a)) != sizeof(a) ||
	    waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		errno = 0;
		die("map_unmap_8threads_shared_fd: %s failed (%s)",
		    native ? "mmap/munmap" : "sys_mmap/sys_munmap",
		    native ? strerror(a.error) : sys_strerror(a.error));
	}
	close(fds[0]);
	x->failed += a.failed;
	if (a.failed)
		x->error = a.error;
	return a.secs;
}

/*
 * sys_mmap calls that fail are retried (and counted): a sample that died
 * on the first would say nothing about the time, and how many failed is
 * a figure of its own, in the case's note and on stderr.
 */
void case_map_unmap_threads(double budget)
{
	static char note[256];
	struct mt_ctx x = { .pairs = 2000 / MT_THREADS };
	struct result *r;

	x.fd = make_file("bench-8t", MT_THREADS * 4 * KIB, 0, O_RDWR);
	r = new_result("map_unmap_8threads_shared_fd", "us",
		       "wall time per map+unmap pair, 8 threads of one process sharing one O_RDWR descriptor, each its own 4 KiB page, 250 pairs each per sample",
		       SIDE("sys_mmap+sys_munmap x 8 threads", mt_sample, false),
		       SIDE("mmap+munmap x 8 threads", mt_sample, true));
	run_pair(r, &x, budget);
	if (x.failed) {
		snprintf(note, sizeof(note), "%s; %lu sys_mmap calls failed (last: %s) and were retried",
			 r->note, x.failed, sys_strerror(x.error));
		r->note = note;
		fprintf(stderr, "neoos-bench: map_unmap_8threads_shared_fd: %lu sys_mmap calls failed (last: %s)\n",
			x.failed, sys_strerror(x.error));
	}
	close(x.fd);
}

/* -- ref_ioctl_vs_syscall, ref_map_unmap_ioctls: an ioctl's round trip -- */

struct io_ctx {
	int dev;
	int fd;
	int calls;	/* ref_ioctl_vs_syscall's per sample */
	int pairs;	/* ref_map_unmap_ioctls' per sample */
};

/* One NEOOS_IOC_VERSION, or with !@ioctls one getppid(). */
static inline void io_call(const struct io_ctx *x, bool ioctls)
{
	struct neoos_version v;

	if (!ioctls)
		syscall(SYS_getppid);
	else if (ioctl(x->dev, NEOOS_IOC_VERSION, &v))
		die("NEOOS_IOC_VERSION");
}

/* The calls alone, back to back. */
static double io_sample(void *c, long ioctls, double *aux)
{
	struct io_ctx *x = c;
	double t = now();
	int i;

	for (i = 0; i < x->calls; i++)
		io_call(x, ioctls);
	return (now() - t) / x->calls;
}

/* A native 4 KiB pair with one extra call after each half. */
static double io_pair(void *c, long ioctls, double *aux)
{
	struct io_ctx *x = c;
	double t = now();
	int i;

	for (i = 0; i < x->pairs; i++) {
		void *p = nat_map(x->fd, 4 * KIB, PROT_READ | PROT_WRITE);

		io_call(x, ioctls);
		nat_unmap(p, 4 * KIB);
		io_call(x, ioctls);
	}
	return (now() - t) / x->pairs;
}

/*
 * Every sys_mmap and sys_munmap is one ioctl on /dev/neoos where mmap(2)
 * and munmap(2) are plain system calls.  ref_ioctl_vs_syscall shows how
 * much of map_unmap's difference is the ioctl path itself (descriptor
 * lookup, the LSMs' file_ioctl hooks, do_vfs_ioctl()) before neoos does
 * anything.
 *
 * Its tight loop keeps the ioctl path's code and data warm; between a map
 * and an unmap they are not.  The difference of ref_map_unmap_ioctls' two
 * columns is what the two ioctls of a sys_mmap + sys_munmap pair cost
 * beyond two plain system calls in map_unmap_4k's own setting, so
 * (map_unmap_4k's native + that difference) / native is the ratio any
 * design that makes one ioctl per call cannot go below, before the module
 * does any work (docs/performance.md, "The floor").
 */
void case_ioctl(void)
{
	struct io_ctx x = { .calls = 20000, .pairs = 2000 };

	if (!want("ref_ioctl_vs_syscall") && !want("ref_map_unmap_ioctls"))
		return;
	x.dev = open_device();
	x.fd = make_file("bench-4k", 4 * KIB, 0, O_RDWR);
	if (want("ref_ioctl_vs_syscall"))
		run_pair(new_result("ref_ioctl_vs_syscall", "ns",
				    "reference: one NEOOS_IOC_VERSION ioctl, and one getppid()",
				    SIDE("ioctl(NEOOS_IOC_VERSION)", io_sample, true),
				    SIDE("getppid", io_sample, false)), &x, 20);
	if (want("ref_map_unmap_ioctls"))
		run_pair(new_result("ref_map_unmap_ioctls", "us",
				    "reference: mmap+munmap of 4 KiB, each followed by one NEOOS_IOC_VERSION / one getppid()",
				    SIDE("mmap+ioctl+munmap+ioctl", io_pair, true),
				    SIDE("mmap+getppid+munmap+getppid", io_pair, false)), &x, 40);
	close(x.fd);
	close(x.dev);
}

/* -- map_cost_1g_vs_4k: neoos map time, 1 GiB over 4 KiB -- */

/* The time to map @size bytes */
static double mc_one(void *c, long size, double *aux)
{
	struct map_ctx *x = c;
	double t, sum = 0;
	void *p;
	int i;

	for (i = 0; i < x->pairs; i++) {
		t = now();
		p = x->native ? nat_map(x->fd, size, PROT_READ | PROT_WRITE) :
				neo_map(x->fd, size);
		sum += now() - t;
		if (x->native)
			nat_unmap(p, size);
		else
			neo_unmap(p, size);
	}
	return sum / x->pairs;
}

void case_map_cost(double budget)
{
	struct map_ctx x = { .pairs = 300 };

	x.fd = make_file("bench-sparse-1g", GIB, 1, O_RDWR);
	run_pair(new_result("map_cost_1g_vs_4k", "us",
			    "columns: neoos map time of 1 GiB (sparse file) and of 4 KiB; ratio = their quotient",
			    SIDE("sys_mmap 1 GiB", mc_one, GIB),
			    SIDE("sys_mmap 4 KiB", mc_one, 4 * KIB)), &x, budget);

	/* the same quotient for native mmap, for reference */
	x.native = 1;
	run_pair(new_result("ref_native_map_cost_1g_vs_4k", "us",
			    "reference: native mmap time of 1 GiB and of 4 KiB",
			    SIDE("mmap 1 GiB", mc_one, GIB),
			    SIDE("mmap 4 KiB", mc_one, 4 * KIB)), &x, budget / 2);
	close(x.fd);
}

