// SPDX-License-Identifier: GPL-2.0
/*
 * Load: many processes x threads mapping, faulting, unmapping, forking,
 * exiting and being killed, over a file larger than the memory they may
 * use (a memory cgroup), so reclaim and writeback run under the mappings.
 * Afterwards every page of the file must hold what the model says was
 * written last - nothing lost - and neoos's live counters must be back
 * where they were.
 *
 * The model lives in shared anonymous memory, so it survives SIGKILL:
 * before a thread writes version v of page p it records pending[p] = v,
 * after it records committed[p] = v.  A page is right if it holds
 * committed[p] everywhere, or - if its writer died in between - each
 * word holds either the committed or the pending stamp.  That needs one
 * writer per page at a time: a partition belongs to one thread, or to the
 * child it forked while it waits, and a killed worker's process group -
 * that child included - is reaped before a fresh worker takes over.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <time.h>

#include <libneoos.h>

#include "common.h"
#include "kselftest_harness.h"

#define FILE_MB		320
#define NPAGES		(FILE_MB * 256)
#define PROCS		4
#define THREADS		3
#define PARTS		(PROCS * THREADS)
#define PART_PAGES	(NPAGES / PARTS)
#define SECONDS		30
#define CGROUP_MB	96

struct page_model {
	_Atomic uint32_t committed;
	_Atomic uint32_t pending;
};

struct model {
	struct page_model page[NPAGES];
	_Atomic uint64_t ops;		/* map+touch+unmap cycles */
	_Atomic uint64_t forks;
	_Atomic uint64_t errors;
	_Atomic int stop;
};

static struct model *model;
static const char *stress_path = "stress.data";

static uint64_t stamp(uint32_t page, uint32_t version)
{
	return ((uint64_t)page << 32) | version;
}

static void write_page(uint64_t *p, uint32_t page, uint32_t version)
{
	uint64_t s = stamp(page, version);

	atomic_store(&model->page[page].pending, version);
	for (int i = 0; i < PAGE / 8; i++)
		p[i] = s;
	atomic_store(&model->page[page].committed, version);
}

static bool page_ok(const uint64_t *p, uint32_t page)
{
	uint32_t c = atomic_load(&model->page[page].committed);
	uint32_t pend = atomic_load(&model->page[page].pending);

	for (int i = 0; i < PAGE / 8; i++) {
		if (p[i] == stamp(page, c) && (c || p[i] == 0))
			continue;
		if (c == 0 && p[i] == 0)
			continue;
		if (pend != c && p[i] == stamp(page, pend))
			continue;
		return false;
	}
	return true;
}

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)*s;
}

/*
 * Count a failed call or a wrong page, and say which: the first few of a
 * run are printed, as "#" lines the TAP log keeps (written at once, from
 * whichever worker process saw it).
 */
static void stress_error(const char *what, uint32_t page, int err)
{
	if (atomic_fetch_add(&model->errors, 1) < 8)
		dprintf(STDOUT_FILENO, "# stress: %s (page %u): %s\n", what,
			page, err ? sys_strerror(err) : "wrong contents");
}

/* One cycle on partition @part: map a window, write and check, unmap. */
static void cycle(int fd, int part, uint64_t *seed)
{
	uint32_t first = part * PART_PAGES + rnd(seed) % (PART_PAGES - 64);
	uint32_t n = 1 + rnd(seed) % 64;
	uint64_t *p = sys_mmap(fd, (int)(first * (uint64_t)PAGE),
			       (int)(n * PAGE));
	int ret;

	if (!p) {
		stress_error("sys_mmap failed", first, sys_errno());
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint64_t *pg = p + i * (PAGE / 8);

		if (!page_ok(pg, first + i))
			stress_error("page read through the mapping", first + i, 0);
		if (rnd(seed) % 2) {
			uint32_t v = atomic_load(&model->page[first + i].committed) + 1;

			write_page(pg, first + i, v);
		}
	}
	ret = sys_munmap(p, (int)(n * PAGE));
	if (ret != E_OK)
		stress_error("sys_munmap failed", first, ret);
	atomic_fetch_add(&model->ops, 1);
}

struct worker {
	int part;
	uint64_t seed;
};

static void *worker_thread(void *arg)
{
	struct worker *w = arg;
	int fd = sys_open(stress_path, O_RDWR);

	while (!atomic_load(&model->stop)) {
		cycle(fd, w->part, &w->seed);
		/* Sometimes hand the partition to a forked child for a while. */
		if (rnd(&w->seed) % 64 == 0) {
			pid_t pid = fork();

			if (pid == 0) {
				for (int i = 0; i < 8; i++)
					cycle(fd, w->part, &w->seed);
				/* Exit with mappings left: exit must clean up. */
				sys_mmap(fd, 0, PAGE);
				_exit(0);
			}
			if (pid > 0) {
				waitpid(pid, NULL, 0);
				atomic_fetch_add(&model->forks, 1);
			}
		}
	}
	sys_close(fd);
	return NULL;
}

static void worker_process(int proc, uint64_t seed)
{
	struct worker w[THREADS];
	pthread_t tid[THREADS];

	for (int t = 0; t < THREADS; t++) {
		w[t].part = proc * THREADS + t;
		w[t].seed = seed * 7919 + t + 1;
		pthread_create(&tid[t], NULL, worker_thread, &w[t]);
	}
	for (int t = 0; t < THREADS; t++)
		pthread_join(tid[t], NULL);
	_exit(0);
}

/* A worker in a process group of its own, which its forked children join. */
static pid_t spawn(int proc, uint64_t seed)
{
	pid_t pid = fork();

	if (pid == 0) {
		setpgid(0, 0);
		worker_process(proc, seed);
	}
	if (pid > 0)
		setpgid(pid, pid);
	return pid;
}

/*
 * SIGKILL worker @pid and everything it forked, and reap them all: a
 * child it forked outlives it otherwise and writes on in the partition
 * the fresh worker is given.  The caller is a child subreaper, so that
 * child is the caller's to reap once the worker is gone.  Return how many
 * such children there were.
 */
static int kill_worker(pid_t pid)
{
	int children = 0;
	pid_t r;

	kill(-pid, SIGKILL);
	while ((r = waitpid(-pid, NULL, 0)) > 0)
		children += r != pid;
	return children;
}

/* Put this process (and so its workers) in a small memory cgroup. */
static bool limit_memory(void)
{
	char max[32];

	snprintf(max, sizeof(max), "%d", CGROUP_MB << 20);
	return t_join_memcg("neoos-stress", max);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress)
{
}

FIXTURE_TEARDOWN(stress)
{
}

/* SECONDS of load, then reading back 320 MiB: well past the default 30 s. */
TEST_F_TIMEOUT(stress, load_with_kills_then_nothing_lost, 150)
{
	struct leak_snap before;
	pid_t pids[PROCS];
	uint64_t lost = 0, kills = 0, orphans = 0;
	bool limited;
	double t0;
	int fd;

	T_NEED_ROOT("makes a memory cgroup and writes vm.drop_caches");
	model = mmap(NULL, sizeof(*model), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, model);
	fd = open(stress_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, (off_t)FILE_MB << 20));
	t_leak_snapshot(&before);

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	limited = limit_memory();
	t0 = now();
	for (int i = 0; i < PROCS; i++)
		pids[i] = spawn(i, i + 1);
	while (now() - t0 < SECONDS) {
		int victim = rand() % PROCS;

		usleep(1500000);
		/* Kill a worker mid-flight and put a fresh one in its place. */
		orphans += kill_worker(pids[victim]);
		pids[victim] = spawn(victim, 1000 + kills);
		kills++;
	}
	atomic_store(&model->stop, 1);
	for (int i = 0; i < PROCS; i++)
		waitpid(pids[i], NULL, 0);

	/* Read it all back from the disk, not the page cache. */
	t_drop_caches();
	for (uint32_t page = 0; page < NPAGES; page++) {
		uint64_t buf[PAGE / 8];

		ASSERT_EQ(PAGE, pread(fd, buf, PAGE, (off_t)page * PAGE));
		if (!page_ok(buf, page))
			lost += PAGE;
	}
	/* Killed workers' mappings go as their exits finish: let them. */
	for (int i = 0; i < 200 && t_leak_check(&before, NULL); i++)
		usleep(10000);
	EXPECT_NO_LEAK(&before, "load with kills");
	EXPECT_EQ(0, atomic_load(&model->errors));
	EXPECT_EQ(0, lost);
	ksft_print_msg("neoos-figure: load %llu map/touch/unmap cycles in %.0f s (%.0f/s), %d processes x %d threads, %llu forks, %llu SIGKILLs (%llu of a forked child too), memory cgroup %s, file %d MiB, bytes lost %llu\n",
		       (unsigned long long)atomic_load(&model->ops), now() - t0,
		       atomic_load(&model->ops) / (now() - t0), PROCS, THREADS,
		       (unsigned long long)atomic_load(&model->forks),
		       (unsigned long long)kills, (unsigned long long)orphans,
		       limited ? "96 MiB" : "unavailable", FILE_MB,
		       (unsigned long long)lost);
	fflush(stdout);
	close(fd);
	unlink(stress_path);
}

static sigjmp_buf fault_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(fault_jmp, sig);
}

struct race {
	int fd;
	char *p;
	_Atomic int stop;
	_Atomic uint64_t sigbus;
	_Atomic uint64_t faults;
};

static void *toucher(void *arg)
{
	struct race *r = arg;
	uint64_t seed = (uintptr_t)&seed;

	while (!atomic_load(&r->stop)) {
		uint32_t pg = rnd(&seed) % 256;

		if (sigsetjmp(fault_jmp, 1)) {
			atomic_fetch_add(&r->sigbus, 1);
			continue;
		}
		r->p[pg * PAGE] = 1;
		atomic_fetch_add(&r->faults, 1);
	}
	return NULL;
}

TEST_F_TIMEOUT(stress, truncate_and_hole_punch_race_faults_and_unmaps, 60)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	struct race r = { 0 };
	uint64_t truncs = 0, cycles = 0;
	pthread_t tid;
	double t0;
	pid_t pid;
	int status;

	/* The fault side runs in a child: its SIGBUS handler is its own. */
	pid = fork();
	if (pid == 0) {
		r.fd = open("race.data", O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (r.fd < 0 || ftruncate(r.fd, 256 * PAGE))
			_exit(2);
		sigaction(SIGBUS, &sa, NULL);
		t0 = now();
		while (now() - t0 < 8) {
			r.p = sys_mmap(r.fd, 0, 256 * PAGE);
			if (!r.p)
				_exit(3);
			atomic_store(&r.stop, 0);
			pthread_create(&tid, NULL, toucher, &r);
			for (int i = 0; i < 20; i++) {
				if (ftruncate(r.fd, (rand() % 256) * PAGE) ||
				    fallocate(r.fd, FALLOC_FL_PUNCH_HOLE |
					      FALLOC_FL_KEEP_SIZE,
					      (rand() % 256) * PAGE, 8 * PAGE) ||
				    ftruncate(r.fd, 256 * PAGE))
					_exit(4);
				truncs++;
			}
			atomic_store(&r.stop, 1);
			pthread_join(tid, NULL);
			if (sys_munmap(r.p, 256 * PAGE) != E_OK)
				_exit(5);
			cycles++;
		}
		ksft_print_msg("neoos-figure: faults injected: %llu truncates/hole punches raced %llu faults over %llu map/unmap cycles, %llu SIGBUS survived\n",
			       (unsigned long long)truncs,
			       (unsigned long long)atomic_load(&r.faults),
			       (unsigned long long)cycles,
			       (unsigned long long)atomic_load(&r.sigbus));
		fflush(stdout);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	unlink("race.data");
}

TEST_HARNESS_MAIN
