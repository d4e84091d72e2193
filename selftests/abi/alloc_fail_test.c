// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures on every request's path.  With the kernel's fault
 * injection (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC), each request runs
 * again and again with the n-th allocation of the calling task failed, n
 * = 1, 2, 3, ... (/proc/thread-self/fail-nth), until it runs to the end
 * without an n-th.  The failure may hit neoos's own allocations, the
 * core's inside vm_mmap() and vm_munmap(), the file system's or the
 * page cache's.  Every run that fails must return the request's
 * documented error (ENOMEM, which sys_mmap reports as E_NOMEM) and
 * change nothing a user can see: no mapping, no VMA, no module reference
 * left behind (t_leak_check()), the mapping of an UNMAP still whole with
 * its stores; every run that succeeds must give the right answer (the
 * file's bytes, the stores in the file).  Reports of the kernel's
 * checkers (a debug kernel's KASAN, lockdep, kmemleak) fail the run in
 * the runner.
 *
 * The counting is the kernel's: every should_fail() call of the task
 * counts, in neoos and in the core, so that n covers each allocation on
 * the path once.  The test touches its buffers before it arms the count,
 * so that none of its own page faults takes an n.  Production kernels
 * have no fault injection: the test then skips and says so.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>

#include <error.h>
#include <libneoos.h>
#include <syscalls.h>

#include "common.h"
#include "kselftest_harness.h"

#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define DEBUGFS_FI	"/sys/kernel/debug"
/* More fault sites than any request has: a loop that reaches it is a bug. */
#define MAX_NTH		2000
#define FILE_LEN	(16 * PAGE)

/*
 * What the fault attributes must say for fail-nth to reach every
 * allocation of a request: not only those that cannot sleep, of any
 * order, and without a report for each failure (the console is slow).
 */
static const struct knob {
	const char *path;
	const char *value;
} knobs[] = {
	{ DEBUGFS_FI "/failslab/ignore-gfp-wait", "N" },
	{ DEBUGFS_FI "/failslab/verbose", "0" },
	{ DEBUGFS_FI "/fail_page_alloc/ignore-gfp-wait", "N" },
	{ DEBUGFS_FI "/fail_page_alloc/ignore-gfp-highmem", "N" },
	{ DEBUGFS_FI "/fail_page_alloc/min-order", "0" },
	{ DEBUGFS_FI "/fail_page_alloc/verbose", "0" },
};
#define NKNOBS	ARRAY_SIZE(knobs)

/* What a request's run saw. */
struct tally {
	int runs;	/* runs with a failure injected */
	int failed;	/* ... that the request reported */
};

FIXTURE(inject) {
	bool skipped;
	int nth;		/* FAIL_NTH */
	int dev;		/* /dev/neoos */
	int fd;			/* the target file, FILE_LEN pattern bytes */
	char saved[NKNOBS][32];
	unsigned char buf[FILE_LEN];
};

static int knob_read(const char *path, char *val, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, val, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	val[n] = '\0';
	val[strcspn(val, "\n")] = '\0';
	return 0;
}

static int knob_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/* Is this the 6.12-debug kernel (tools/vm/debug-kernel), which has it all? */
static bool debug_kernel(void)
{
	struct utsname u;

	return !uname(&u) && strstr(u.release, "-neoos-debug");
}

/* Both fixtures' objects: /dev/neoos, and FILE_LEN pattern bytes in "target". */
static void open_dev_and_target(struct __test_metadata *_metadata, int *dev, int *fd)
{
	*dev = open(NEOOS_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, *dev);
	ASSERT_EQ(0, t_make_pattern_file("target", FILE_LEN));
	*fd = open("target", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, *fd);
}

FIXTURE_SETUP(inject)
{
	size_t i;

	self->nth = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	/* on the debug kernel, a skip would hide that nothing was tested */
	if (self->nth < 0)
		ASSERT_FALSE(debug_kernel()) TH_LOG("the debug kernel has no %s", FAIL_NTH);
	if (self->nth < 0)
		SETUP_SKIP("no %s: this kernel has no CONFIG_FAULT_INJECTION (a production kernel; make check-debug runs this test)",
			   FAIL_NTH);
	for (i = 0; i < NKNOBS; i++) {
		if (knob_read(knobs[i].path, self->saved[i], sizeof(self->saved[i])))
			SETUP_SKIP("no %s: this kernel has no CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC or CONFIG_FAULT_INJECTION_DEBUG_FS, or debugfs is not mounted",
				   knobs[i].path);
	}
	T_SETUP_NEED_ROOT("sets up fault injection in debugfs");
	for (i = 0; i < NKNOBS; i++) {
		const struct knob *k = &knobs[i];

		ASSERT_EQ(0, knob_write(k->path, k->value)) TH_LOG("cannot write %s", k->path);
	}
	open_dev_and_target(_metadata, &self->dev, &self->fd);
}

FIXTURE_TEARDOWN(inject)
{
	size_t i;

	if (self->skipped)
		return;
	for (i = 0; i < NKNOBS; i++)
		knob_write(knobs[i].path, self->saved[i]);
	close(self->fd);
	close(self->dev);
	close(self->nth);
}

/*
 * Run @req(@arg) with the task's @n-th fault site failing.  Its return (0
 * or -errno) goes to *@ret; true if the n-th site was reached, false if
 * the request has fewer.  The count is disarmed again before anything
 * else runs.  If fail-nth cannot be armed or read, *@ret is -EIO and the
 * site counts as not reached, which ends the caller's loop with a
 * failure it reports.
 */
static bool run_failing_nth(int nth, int n, int (*req)(void *), void *arg, int *ret)
{
	char num[16];
	int len = snprintf(num, sizeof(num), "%d", n);
	ssize_t got;

	*ret = -EIO;
	if (pwrite(nth, num, len, 0) != len)
		return false;
	*ret = req(arg);
	got = pread(nth, num, sizeof(num) - 1, 0);
	if (pwrite(nth, "0", 1, 0) != 1 || got <= 0) {
		*ret = -EIO;
		return false;
	}
	num[got] = '\0';
	return atoi(num) == 0;
}

/* ---- the requests, each with what it works on ---- */

struct req {
	int dev;
	unsigned long cmd;		/* the request req_ioctl() makes */
	void *arg;			/* its argument, one of those below */
	struct neoos_map map;		/* MAP's argument, or the mapping */
	struct neoos_unmap unmap;
	struct neoos_info info;
	struct neoos_list list;
	struct neoos_rw rw;
	struct neoos_stats stats;
	struct neoos_msync msync;
	char path[256];
	uint64_t ids[8];
	unsigned char *buf;
};

/* The request @r names, for run_failing_nth(): 0 or -errno. */
static int req_ioctl(void *a)
{
	struct req *r = a;

	return ioctl(r->dev, r->cmd, r->arg) ? -errno : 0;
}

/* A MAP made without injection, as the other requests' object. */
static int map_plain(struct req *r, int fd, uint32_t flags)
{
	memset(&r->map, 0, sizeof(r->map));
	r->map.fd = fd;
	r->map.prot = NEOOS_PROT_READ | NEOOS_PROT_WRITE;
	r->map.flags = flags;
	r->map.length = FILE_LEN;
	return t_dev_map(r->dev, &r->map);
}

/* Touch every page of @p, so that no page fault of ours takes an n. */
static void prefault(volatile unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += PAGE)
		(void)p[i];
}

static void print_tally(const char *what, const struct tally *t, int n)
{
	ksft_print_msg("%s: %d fault sites, %d failures reported, %d absorbed\n",
		       what, n - 1, t->failed, t->runs - t->failed);
	/* the harness ends a test that passed with _exit() */
	fflush(stdout);
}

/*
 * MAP with @flags (@fd -1 for an anonymous one, @hint an address to try
 * first): each failing run returns ENOMEM and leaves nothing; the run
 * that completes maps the file's bytes.
 */
static void map_case(struct __test_metadata *_metadata, FIXTURE_DATA(inject) *self,
		     int fd, uint32_t flags, bool hint, const char *what)
{
	struct tally t = { 0 };
	struct leak_snap before;
	struct req r = { .dev = self->dev, .cmd = NEOOS_IOC_MAP, .arg = &r.map };
	void *free_range = NULL;
	bool reached;
	int n, ret;

	if (hint) {
		/* an address that is free: reserved, then given back */
		free_range = mmap(NULL, FILE_LEN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, free_range);
		ASSERT_EQ(0, munmap(free_range, FILE_LEN));
	}
	for (n = 1; n < MAX_NTH; n++) {
		memset(&r.map, 0, sizeof(r.map));
		r.map.fd = fd;
		r.map.prot = NEOOS_PROT_READ | NEOOS_PROT_WRITE;
		r.map.flags = flags;
		r.map.length = FILE_LEN;
		r.map.addr = (uintptr_t)free_range;
		t_leak_snapshot(&before);
		reached = run_failing_nth(self->nth, n, req_ioctl, &r, &ret);
		if (reached)
			t.runs++;
		if (ret) {
			t.failed++;
			EXPECT_EQ(-ENOMEM, ret)
				TH_LOG("%s, allocation %d failed: %s", what, n, strerror(-ret));
			EXPECT_NO_LEAK(&before, what);
			if (ret != -ENOMEM || !reached)
				break;
			continue;
		}
		/* mapped: it must be the file's bytes, and go away cleanly */
		if (fd >= 0)
			EXPECT_TRUE(t_mem_is_pattern((void *)(uintptr_t)r.map.addr, FILE_LEN))
				TH_LOG("%s, allocation %d failed: wrong bytes", what, n);
		EXPECT_EQ(0, t_dev_unmap(self->dev, r.map.addr, FILE_LEN));
		EXPECT_NO_LEAK(&before, what);
		if (!reached)
			break;
	}
	EXPECT_GT(MAX_NTH, n) TH_LOG("%s never ran without a failure", what);
	/* a MAP allocates at least its VMA: injection that never hit is broken */
	EXPECT_LT(0, t.failed) TH_LOG("%s: no allocation failure was reported", what);
	print_tally(what, &t, n);
}

TEST_F(inject, map_file_shared)
{
	SKIPPED();
	map_case(_metadata, self, self->fd, NEOOS_MAP_SHARED, false, "MAP shared");
}

TEST_F(inject, map_file_private)
{
	SKIPPED();
	map_case(_metadata, self, self->fd, NEOOS_MAP_PRIVATE, false, "MAP private");
}

TEST_F(inject, map_anonymous)
{
	SKIPPED();
	map_case(_metadata, self, -1, NEOOS_MAP_SHARED | NEOOS_MAP_ANONYMOUS, false,
		 "MAP anonymous");
}

TEST_F(inject, map_with_hint)
{
	SKIPPED();
	map_case(_metadata, self, self->fd, NEOOS_MAP_SHARED, true, "MAP with a hint");
}

/*
 * UNMAP of a mapping, clean or with a store in every page: a failing run
 * returns ENOMEM and leaves the mapping whole with its stores, or (dirty
 * only) EIO when writing back failed, which removed it as documented; a
 * run that succeeds has written every store to the file.  After a run
 * that removed the mapping, with the failure absorbed or reported as
 * EIO, the next n gets a new mapping, until a run reaches no n-th site.
 */
static void unmap_case(struct __test_metadata *_metadata, FIXTURE_DATA(inject) *self,
		       bool dirty, const char *what)
{
	struct tally t = { 0 };
	struct leak_snap before;
	struct req r = { .dev = self->dev, .cmd = NEOOS_IOC_UNMAP, .arg = &r.unmap };
	unsigned char *p = NULL;
	struct vma v;
	bool reached = true;
	size_t i;
	int n, ret;

	t_leak_snapshot(&before);
	for (n = 1; n < MAX_NTH && reached; n++) {
		if (!p) {
			ASSERT_EQ(0, map_plain(&r, self->fd, NEOOS_MAP_SHARED));
			p = (unsigned char *)(uintptr_t)r.map.addr;
		}
		if (dirty) {
			for (i = 0; i < FILE_LEN; i += PAGE)
				p[i] = (unsigned char)(n + i / PAGE);
		}
		prefault(p, FILE_LEN);
		memset(&r.unmap, 0, sizeof(r.unmap));
		r.unmap.addr = r.map.addr;
		r.unmap.length = FILE_LEN;
		reached = run_failing_nth(self->nth, n, req_ioctl, &r, &ret);
		t.runs += reached;
		if (ret == -ENOMEM && reached) {
			/* untouched: all of it still mapped, with the stores */
			t.failed++;
			EXPECT_TRUE(!t_vma_at(p, &v) && v.end >= r.map.addr + FILE_LEN)
				TH_LOG("%s, allocation %d failed: the mapping is not whole", what, n);
			if (dirty)
				EXPECT_EQ((unsigned char)n, p[0]);
			continue;
		}
		if (ret == -EIO && dirty && reached) {
			/* the documented loss, reported: the mapping is gone */
			t.failed++;
			EXPECT_NE(0, t_vma_at(p, &v));
			p = NULL;
			continue;
		}
		EXPECT_EQ(0, ret) TH_LOG("%s, allocation %d failed: %s", what, n, strerror(-ret));
		if (ret)
			break;
		EXPECT_NE(0, t_vma_at(p, &v));
		for (i = 0; dirty && i < FILE_LEN; i += PAGE)
			EXPECT_EQ((unsigned char)(n + i / PAGE), t_file_byte("target", i))
				TH_LOG("%s: the store at %zu did not reach the file", what, i);
		p = NULL;
	}
	EXPECT_GT(MAX_NTH, n) TH_LOG("%s never ran without a failure", what);
	/* an UNMAP frees and may allocate: injection that never hit is broken */
	EXPECT_LT(0, t.runs) TH_LOG("%s: no allocation was failed", what);
	if (p && t_vma_at(p, &v) == 0)
		t_dev_unmap(self->dev, r.map.addr, FILE_LEN);
	EXPECT_NO_LEAK(&before, what);
	print_tally(what, &t, n);
	/* the next test's file is the pattern again */
	if (dirty)
		ASSERT_EQ(0, t_make_pattern_file("target", FILE_LEN));
}

TEST_F(inject, unmap_clean)
{
	SKIPPED();
	unmap_case(_metadata, self, false, "UNMAP clean");
}

TEST_F(inject, unmap_dirty)
{
	SKIPPED();
	unmap_case(_metadata, self, true, "UNMAP dirty");
}

/*
 * A request about a mapping that reads or copies: each failing run
 * returns ENOMEM; none changes the mapping; the run that completes gives
 * the right answer (@check).
 */
static void query_case(struct __test_metadata *_metadata, FIXTURE_DATA(inject) *self,
		       struct req *r, void (*arm)(struct req *),
		       bool (*check)(struct req *), bool allocates, const char *what)
{
	struct tally t = { 0 };
	struct leak_snap before;
	bool reached;
	int n, ret;

	t_leak_snapshot(&before);
	for (n = 1; n < MAX_NTH; n++) {
		arm(r);
		reached = run_failing_nth(self->nth, n, req_ioctl, r, &ret);
		if (reached)
			t.runs++;
		if (ret) {
			t.failed++;
			EXPECT_EQ(-ENOMEM, ret)
				TH_LOG("%s, allocation %d failed: %s", what, n, strerror(-ret));
			EXPECT_NO_LEAK(&before, what);
			if (ret != -ENOMEM || !reached)
				break;
			continue;
		}
		EXPECT_TRUE(check(r)) TH_LOG("%s, allocation %d failed: wrong answer", what, n);
		EXPECT_NO_LEAK(&before, what);
		if (!reached)
			break;
	}
	EXPECT_GT(MAX_NTH, n) TH_LOG("%s never ran without a failure", what);
	if (allocates)
		EXPECT_LT(0, t.failed) TH_LOG("%s: no allocation failure was reported", what);
	print_tally(what, &t, n);
}

static void arm_info(struct req *r)
{
	memset(&r->info, 0, sizeof(r->info));
	r->arg = &r->info;
	r->info.query = NEOOS_INFO_BY_ADDR;
	r->info.addr = r->map.addr + PAGE;
	r->info.path = (uintptr_t)r->path;
	r->info.path_size = sizeof(r->path);
	memset(r->path, 0, sizeof(r->path));
}

static bool info_right(struct req *r)
{
	return r->info.id == r->map.id && r->info.addr == r->map.addr &&
	       r->info.length == FILE_LEN && strstr(r->path, "/target");
}

static void arm_list(struct req *r)
{
	memset(&r->list, 0, sizeof(r->list));
	r->arg = &r->list;
	memset(r->ids, 0, sizeof(r->ids));
	r->list.count = 8;
	r->list.ids = (uintptr_t)r->ids;
}

static bool list_right(struct req *r)
{
	return r->list.count == 1 && r->ids[0] == r->map.id;
}

static void arm_rw(struct req *r)
{
	memset(&r->rw, 0, sizeof(r->rw));
	r->arg = &r->rw;
	r->rw.id = r->map.id;
	r->rw.offset = PAGE / 2;
	r->rw.length = 2 * PAGE;
	r->rw.buf = (uintptr_t)r->buf;
	prefault(r->buf, 2 * PAGE);
}

static bool read_right(struct req *r)
{
	size_t i;

	for (i = 0; i < 2 * PAGE; i++)
		if (r->buf[i] != t_pattern_byte(PAGE / 2 + i))
			return false;
	return true;
}

static bool write_right(struct req *r)
{
	unsigned char *p = (unsigned char *)(uintptr_t)r->map.addr;

	return !memcmp(p + PAGE / 2, r->buf, 2 * PAGE);
}

static void arm_stats(struct req *r)
{
	memset(&r->stats, 0, sizeof(r->stats));
	r->arg = &r->stats;
}

static bool stats_right(struct req *r)
{
	return r->stats.live_mappings >= 1 && r->stats.maps >= 1;
}

/* MS_SYNC of part of the mapping, made dirty first. */
static void arm_msync(struct req *r)
{
	memset(&r->msync, 0, sizeof(r->msync));
	r->arg = &r->msync;
	r->msync.id = r->map.id;
	r->msync.offset = PAGE / 2;
	r->msync.length = PAGE;
	r->msync.flags = NEOOS_MS_SYNC;
	((unsigned char *)(uintptr_t)r->map.addr)[PAGE] ^= 1;
}

/* MSYNC answers with its return value alone, which query_case() checks. */
static bool msync_right(struct req *r)
{
	(void)r;
	return true;
}

/* @what on a shared mapping of the target, made and removed around it. */
static void on_mapping(struct __test_metadata *_metadata, FIXTURE_DATA(inject) *self,
		       unsigned long cmd, void (*arm)(struct req *),
		       bool (*check)(struct req *), bool allocates, const char *what)
{
	struct req r = { .dev = self->dev, .cmd = cmd, .buf = self->buf };
	struct leak_snap before;

	t_leak_snapshot(&before);
	ASSERT_EQ(0, map_plain(&r, self->fd, NEOOS_MAP_SHARED));
	prefault((unsigned char *)(uintptr_t)r.map.addr, FILE_LEN);
	query_case(_metadata, self, &r, arm, check, allocates, what);
	EXPECT_EQ(0, t_dev_unmap(self->dev, r.map.addr, FILE_LEN));
	EXPECT_NO_LEAK(&before, what);
}

TEST_F(inject, info)
{
	SKIPPED();
	on_mapping(_metadata, self, NEOOS_IOC_INFO, arm_info, info_right, true, "INFO");
}

TEST_F(inject, list)
{
	SKIPPED();
	on_mapping(_metadata, self, NEOOS_IOC_LIST, arm_list, list_right, true, "LIST");
}

TEST_F(inject, read)
{
	SKIPPED();
	on_mapping(_metadata, self, NEOOS_IOC_READ, arm_rw, read_right, true, "READ");
}

TEST_F(inject, write)
{
	size_t i;

	SKIPPED();
	for (i = 0; i < 2 * PAGE; i++)
		self->buf[i] = (unsigned char)~t_pattern_byte(PAGE / 2 + i);
	on_mapping(_metadata, self, NEOOS_IOC_WRITE, arm_rw, write_right, true, "WRITE");
}

TEST_F(inject, stats)
{
	SKIPPED();
	on_mapping(_metadata, self, NEOOS_IOC_STATS, arm_stats, stats_right, false, "STATS");
}

TEST_F(inject, msync)
{
	SKIPPED();
	on_mapping(_metadata, self, NEOOS_IOC_MSYNC, arm_msync, msync_right, false, "MSYNC");
}

/* The NeoOS call itself: sys_mmap reports an allocation failure as E_NOMEM. */
struct sys_arg {
	int fd;
	void *p;
	int err;
};

static int call_sys_mmap(void *a)
{
	struct sys_arg *s = a;

	s->p = sys_mmap(s->fd, 0, FILE_LEN);
	s->err = s->p ? E_OK : sys_errno();
	return s->p ? 0 : -ENOMEM;
}

TEST_F(inject, sys_mmap_e_nomem)
{
	struct sys_arg s;
	struct leak_snap before;
	int n, ret, nomem = 0;
	bool reached;

	SKIPPED();
	s.fd = sys_open("target", O_RDWR);
	ASSERT_LE(0, s.fd);
	/* libneoos opens /dev/neoos on the first call: not under injection */
	s.p = sys_mmap(s.fd, 0, FILE_LEN);
	ASSERT_NE(NULL, s.p);
	ASSERT_EQ(E_OK, sys_munmap(s.p, FILE_LEN));
	for (n = 1; n < MAX_NTH; n++) {
		t_leak_snapshot(&before);
		reached = run_failing_nth(self->nth, n, call_sys_mmap, &s, &ret);
		if (!s.p) {
			nomem++;
			EXPECT_EQ(E_NOMEM, s.err) TH_LOG("allocation %d failed: E %d", n, s.err);
			EXPECT_NO_LEAK(&before, "sys_mmap");
			if (s.err != E_NOMEM || !reached)
				break;
			continue;
		}
		EXPECT_TRUE(t_mem_is_pattern(s.p, FILE_LEN));
		EXPECT_EQ(E_OK, sys_munmap(s.p, FILE_LEN));
		EXPECT_NO_LEAK(&before, "sys_mmap");
		if (!reached)
			break;
	}
	EXPECT_GT(MAX_NTH, n);
	EXPECT_LT(0, nomem) TH_LOG("no allocation failure reached sys_mmap's caller");
	ksft_print_msg("sys_mmap: %d fault sites, E_NOMEM %d times\n", n - 1, nomem);
	fflush(stdout);
	sys_close(s.fd);
}

/*
 * The id index (module/index.c) is a hash table that grows in a worker of
 * its own.  A MAP that finds it full before the worker has grown it
 * allocates a larger table itself, without sleeping; when that fails too
 * it waits for the worker a few times (NEOOS_MAP_INDEX_WAITS), and then
 * fails with ENOMEM, having taken no id.  fail-nth cannot reach that path:
 * the table is full only after enough MAPs, and its worker grows it in
 * time.  Here every allocation made under rhashtable's
 * bucket_table_alloc() fails, for every task, the worker's included
 * (failslab and fail_page_alloc, with their stack-trace filter on that
 * function), and the process maps pages of the target until a MAP has to
 * wait.  Other hash tables of the kernel cannot grow meanwhile either,
 * which a test VM does not miss for the few seconds this takes.
 */
#define TABLE_FN	"bucket_table_alloc"
#define FI_SLAB		DEBUGFS_FI "/failslab/"
#define FI_PAGE		DEBUGFS_FI "/fail_page_alloc/"
/* More MAPs than the index's table has room for, below vm.max_map_count. */
#define INDEX_MAPS	30000

/* The attributes of both, as the test sets them; "probability" is last. */
static const char *const index_attrs[] = {
	"task-filter", "interval", "space", "times", "verbose",
	"ignore-gfp-wait", "stacktrace-depth", "require-start", "require-end",
	"probability",
};
#define NATTRS	ARRAY_SIZE(index_attrs)

FIXTURE(index) {
	bool skipped;
	int dev;
	int fd;				/* the target, FILE_LEN pattern bytes */
	unsigned long fn_start, fn_end;	/* TABLE_FN's code */
	char saved[2][NATTRS][32];	/* failslab's, fail_page_alloc's */
	uint64_t addr[INDEX_MAPS];	/* the mappings made */
	uint64_t id[INDEX_MAPS];
	int n;
};

/* [*@start, *@end) of function @fn's code, from /proc/kallsyms: 0 or -1. */
static int kallsyms_range(const char *fn, unsigned long *start, unsigned long *end)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	unsigned long a, next = ~0UL;
	char type, name[256];
	size_t len = strlen(fn);

	*start = 0;
	if (!f)
		return -1;
	/* gcc may name a specialised copy fn.isra.0, fn.constprop.0... */
	while (fscanf(f, "%lx %c %255s%*[^\n]", &a, &type, name) == 3) {
		if (!*start && (type == 't' || type == 'T') &&
		    !strncmp(name, fn, len) && (!name[len] || name[len] == '.'))
			*start = a;
	}
	rewind(f);
	while (*start && fscanf(f, "%lx %c %255s%*[^\n]", &a, &type, name) == 3)
		if (a > *start && a < next)
			next = a;
	fclose(f);
	*end = next;
	return *start && next != ~0UL ? 0 : -1;
}

static const char *const fi_dirs[] = { FI_SLAB, FI_PAGE };

static int fi_write(int dir, const char *attr, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "%s%s", fi_dirs[dir], attr);
	return knob_write(path, val);
}

/* Fail every allocation under TABLE_FN, in every task, until disarmed. */
static int index_arm(FIXTURE_DATA(index) *self)
{
	char start[32], end[32];
	int d, ret = 0;

	snprintf(start, sizeof(start), "0x%lx", self->fn_start);
	snprintf(end, sizeof(end), "0x%lx", self->fn_end);
	for (d = 0; d < 2; d++) {
		ret |= fi_write(d, "task-filter", "N");
		ret |= fi_write(d, "interval", "1");
		ret |= fi_write(d, "space", "0");
		ret |= fi_write(d, "times", "-1");
		ret |= fi_write(d, "verbose", "0");
		ret |= fi_write(d, "ignore-gfp-wait", "N");
		ret |= fi_write(d, "stacktrace-depth", "32");
		ret |= fi_write(d, "require-start", start);
		ret |= fi_write(d, "require-end", end);
		ret |= fi_write(d, "probability", "100");
	}
	return ret;
}

static int index_disarm(void)
{
	return fi_write(0, "probability", "0") | fi_write(1, "probability", "0");
}

FIXTURE_SETUP(index)
{
	char path[128];
	size_t d, i;

	if (access(FI_SLAB "require-start", F_OK)) {
		/* on the debug kernel, a skip would hide that nothing was tested */
		ASSERT_FALSE(debug_kernel()) TH_LOG("the debug kernel has no %srequire-start", FI_SLAB);
		SETUP_SKIP("no %srequire-start: this kernel has no CONFIG_FAILSLAB with CONFIG_FAULT_INJECTION_STACKTRACE_FILTER (a production kernel; make check-debug runs this test)",
			   FI_SLAB);
	}
	T_SETUP_NEED_ROOT("sets up fault injection in debugfs and reads /proc/kallsyms");
	ASSERT_EQ(0, kallsyms_range(TABLE_FN, &self->fn_start, &self->fn_end))
		TH_LOG("no %s in /proc/kallsyms: the kernel inlined it, or hides addresses", TABLE_FN);
	for (d = 0; d < 2; d++) {
		for (i = 0; i < NATTRS; i++) {
			snprintf(path, sizeof(path), "%s%s", fi_dirs[d], index_attrs[i]);
			ASSERT_EQ(0, knob_read(path, self->saved[d][i], sizeof(self->saved[d][i])))
				TH_LOG("cannot read %s", path);
		}
	}
	open_dev_and_target(_metadata, &self->dev, &self->fd);
}

FIXTURE_TEARDOWN(index)
{
	size_t d, i;
	int k;

	if (self->skipped)
		return;
	index_disarm();
	/* probability last, as it was saved */
	for (d = 0; d < 2; d++)
		for (i = 0; i < NATTRS; i++)
			fi_write(d, index_attrs[i], self->saved[d][i]);
	for (k = 0; k < self->n; k++)
		t_dev_unmap(self->dev, self->addr[k], PAGE);
	close(self->fd);
	close(self->dev);
}

/* The target's page that the @k-th mapping of the index tests maps. */
static uint64_t index_page_off(int k)
{
	return (uint64_t)(k % (FILE_LEN / PAGE)) * PAGE;
}

/* MAP the next page of the target: 0 or -errno; the answer is recorded. */
static int index_map(FIXTURE_DATA(index) *self)
{
	struct neoos_map m = {
		.fd = self->fd,
		.prot = NEOOS_PROT_READ | NEOOS_PROT_WRITE,
		.flags = NEOOS_MAP_SHARED,
		.offset = index_page_off(self->n),
		.length = PAGE,
	};
	int ret = t_dev_map(self->dev, &m);

	if (!ret) {
		self->addr[self->n] = m.addr;
		self->id[self->n++] = m.id;
	}
	return ret;
}

/* Every mapping made holds its page of the target, and ids were consecutive. */
static void index_check(struct __test_metadata *_metadata, FIXTURE_DATA(index) *self)
{
	int k;

	for (k = 0; k < self->n; k++) {
		const unsigned char *p = (const unsigned char *)(uintptr_t)self->addr[k];

		EXPECT_EQ(t_pattern_byte(index_page_off(k) + 1), p[1])
			TH_LOG("mapping %d: wrong bytes", k);
		if (k)
			EXPECT_EQ(self->id[k - 1] + 1, self->id[k])
				TH_LOG("MAP %d took id %llu after %llu: an id was lost", k,
				       (unsigned long long)self->id[k],
				       (unsigned long long)self->id[k - 1]);
	}
}

/*
 * The index stays full: the MAP that finds it so fails with ENOMEM after
 * its waits, with no mapping, no VMA and no id taken; once the table can
 * grow again, the next MAP gets the next id.
 */
TEST_F_TIMEOUT(index, map_fails_when_the_index_cannot_grow, 300)
{
	struct leak_snap before;
	struct timespec t0, t1;
	int base, made, ret = 0;

	SKIPPED();
	ASSERT_EQ(0, index_map(self));
	t_leak_snapshot(&before);
	base = self->n;
	ASSERT_EQ(0, index_arm(self));
	while (self->n < INDEX_MAPS) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ret = index_map(self);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (ret)
			break;
	}
	ASSERT_EQ(0, index_disarm());
	ASSERT_EQ(-ENOMEM, ret) TH_LOG("%d MAPs and the index never refused one", self->n);
	/* what the MAPs that succeeded made, and nothing of the last one */
	made = self->n - base;
	before.st.live_mappings += made;
	before.st.live_vmas += made;
	before.vmas += made;
	EXPECT_NO_LEAK(&before, "the MAP the index refused");
	/* it waited for the worker before it gave up */
	EXPECT_LE(8 * 1000000LL, (t1.tv_sec - t0.tv_sec) * 1000000000LL + t1.tv_nsec - t0.tv_nsec);
	ASSERT_EQ(0, index_map(self));
	index_check(_metadata, self);
	ksft_print_msg("the index refused MAP %d; the next MAP took id %llu\n", self->n,
		       (unsigned long long)self->id[self->n - 1]);
	fflush(stdout);
}

/* What map_waits_until_the_index_grows' watcher shares with its mapping thread. */
struct index_watch {
	pid_t tid;		/* the mapping thread */
	atomic_bool done;	/* it stopped mapping */
	atomic_bool seen;	/* the watcher saw it wait for the worker */
};

/*
 * Is thread @tid asleep in MAP's wait for the index?  /proc shows a
 * sleeping task's stack without the scheduler's own functions, sleeps
 * such as usleep_range() included, so the wait's first frame is
 * neoos_map_install() itself; its other sleeps are for mmap_lock, which
 * nothing else takes while this test maps.
 */
static bool waits_for_index(pid_t tid)
{
	char path[64], stack[4096];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stack", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, stack, sizeof(stack) - 1);
	close(fd);
	if (n <= 0)
		return false;
	stack[n] = '\0';
	stack[strcspn(stack, "\n")] = '\0';
	return strstr(stack, "] neoos_map_install+");
}

/* Let the index grow as soon as a MAP waits for it. */
static void *index_watcher(void *arg)
{
	struct index_watch *w = arg;

	while (!atomic_load(&w->done)) {
		if (waits_for_index(w->tid)) {
			atomic_store(&w->seen, !index_disarm());
			break;
		}
	}
	return NULL;
}

/*
 * A MAP that finds the index full waits for its worker and, once the
 * table could grow, succeeds: no MAP fails, and ids stay consecutive.
 */
TEST_F_TIMEOUT(index, map_waits_until_the_index_grows, 300)
{
	struct index_watch w = { .tid = gettid() };
	pthread_t watcher;
	int ret = 0;

	SKIPPED();
	ASSERT_EQ(0, index_map(self));
	ASSERT_EQ(0, index_arm(self));
	ASSERT_EQ(0, pthread_create(&watcher, NULL, index_watcher, &w));
	while (self->n < INDEX_MAPS && !atomic_load(&w.seen)) {
		ret = index_map(self);
		if (ret)
			break;
	}
	atomic_store(&w.done, true);
	pthread_join(watcher, NULL);
	ASSERT_EQ(0, index_disarm());
	EXPECT_EQ(0, ret) TH_LOG("MAP %d failed: %s", self->n, strerror(-ret));
	ASSERT_TRUE(atomic_load(&w.seen)) TH_LOG("%d MAPs and none waited for the index", self->n);
	index_check(_metadata, self);
	ksft_print_msg("MAP %d waited for the index and succeeded\n", self->n);
	fflush(stdout);
}

TEST_HARNESS_MAIN
