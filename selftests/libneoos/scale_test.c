// SPDX-License-Identifier: GPL-2.0
/*
 * Scale: a request that names one mapping, by id or by address, costs the
 * same whether the process has 1 live neoos mapping or tens of thousands.
 *
 * One process times each call with 1 live mapping, makes SCALE_MAPPINGS
 * more (4 KiB each, every one of its own page of a sparse file, so that no
 * page has more than one VMA in its file's rmap and no writeback walks
 * thousands of them), times each call again, removes them and times the
 * 1-mapping case once more.  The calls:
 *
 *   read       sys_mmap_read() of 4 bytes of the oldest mapping, by id
 *   write      sys_mmap_write() of 4 bytes into it, by id
 *   info       sys_mmap_info() of it, by id
 *   info_addr  sys_mmap_info_addr() of its first byte
 *   msync      sys_msync(NEOOS_MS_ASYNC) of the middle mapping, by id
 *   unmap_map  sys_munmap_id() of the oldest mapping and sys_mmap_ex() of
 *              its page again (it goes back into the same hole): one pair
 *
 * The oldest mapping is the worst case for a lookup that walks the VMAs
 * from the bottom: mmap places top-down, so it is the highest.
 *
 * Each figure is the median over SCALE_ROUNDS rounds of the mean time per
 * call within a round (CLOCK_MONOTONIC); a round is up to SCALE_CALLS
 * calls, fewer when the call is so slow that they would take more than
 * SCALE_ROUND_SECS.  The 1-mapping figure is the median of the rounds of
 * both 1-mapping phases, which bracket the large one in time, so a host
 * that got slower or faster meanwhile moves both sides alike.  Each ratio
 * must stay within SCALE_BOUND: generous, for TCG's noise; an index that
 * is O(1) or O(log n) gives about 1, a walk of every VMA hundreds.
 *
 * Under a debug kernel (NEOOS_TIMEOUT_SCALE > 1) DEBUG_VM_MAPLE_TREE's
 * validate_mm() walks the whole mm on every VMA change, which makes making
 * 30,000 mappings quadratic and unmap_map O(n) by the kernel's own check:
 * there it makes SCALE_MAPPINGS / scale of them, and unmap_map's ratio is
 * printed but not held to the bound.  The lookups stay bounded.
 */
#include <sched.h>
#include <sys/mman.h>
#include <time.h>

#include <libneoos.h>

#include "common.h"
#include "kselftest_harness.h"

#define SCALE_MAPPINGS		30000
#define SCALE_BOUND		3.0
#define SCALE_ROUNDS		9
#define SCALE_CALLS		2000
#define SCALE_ROUND_SECS	0.1
#define MAX_MAP_COUNT		"/proc/sys/vm/max_map_count"

enum scale_call { READ, WRITE, INFO, INFO_ADDR, MSYNC, UNMAP_MAP, NCALLS };

static const char *const call_name[NCALLS] = {
	[READ] = "read", [WRITE] = "write", [INFO] = "info",
	[INFO_ADDR] = "info_addr", [MSYNC] = "msync", [UNMAP_MAP] = "unmap_map",
};

FIXTURE(scale) {
	bool skipped;
	char path[256];
	int fd;
	int count;		/* the many: SCALE_MAPPINGS, less on a debug kernel */
	int n;			/* live mappings, ids[0..n) */
	uint64_t *ids;
	char **addrs;
	long old_max;		/* vm.max_map_count to restore, or -1 */
	struct leak_snap before;
	/* the samples: [0] 1 mapping (both phases), [1] count */
	double v[2][NCALLS][2 * SCALE_ROUNDS];
	int nv[2][NCALLS];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Mapping @i: 4 KiB of page @i of the file, shared read-write. */
static int map_one(FIXTURE_DATA(scale) *self, int i)
{
	uint64_t id;
	char *p = sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			      NEOOS_MAP_SHARED, self->fd, (uint64_t)i * PAGE, &id);

	if (!p)
		return sys_errno();
	self->addrs[i] = p;
	self->ids[i] = id;
	return E_OK;
}

/* One call of @c; E_OK or the E_* code it failed with. */
static int one_call(FIXTURE_DATA(scale) *self, enum scale_call c)
{
	static struct neoos_mapping_info info;
	static char buf[4] = "neo";
	int ret;

	switch (c) {
	case READ:
		return sys_mmap_read(self->ids[0], 0, buf, 4);
	case WRITE:
		return sys_mmap_write(self->ids[0], 8, buf, 4);
	case INFO:
		ret = sys_mmap_info(self->ids[0], &info);
		return ret ? ret : info.addr == self->addrs[0] ? E_OK : E_INVAL;
	case INFO_ADDR:
		ret = sys_mmap_info_addr(self->addrs[0], &info);
		return ret ? ret : info.id == self->ids[0] ? E_OK : E_INVAL;
	case MSYNC:
		return sys_msync(self->ids[self->n / 2], 0, 0, NEOOS_MS_ASYNC);
	case UNMAP_MAP:
		ret = sys_munmap_id(self->ids[0]);
		return ret ? ret : map_one(self, 0);
	default:
		return E_INVAL;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[2 * SCALE_ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/*
 * Time every call with the mappings there are now, into the samples of
 * @set; E_OK, or the first failure (*@failed says which call).
 */
static int time_calls(FIXTURE_DATA(scale) *self, int set,
		      enum scale_call *failed)
{
	for (int c = 0; c < NCALLS; c++) {
		double t, per;
		int ret = E_OK, calls, i, r;

		*failed = c;
		/*
		 * One untimed call (it may fault the page in), then the
		 * fastest of three runs of 5 sizes the rounds.
		 */
		ret = one_call(self, c);
		for (per = 1e9, r = 0; r < 3 && !ret; r++) {
			t = now();
			for (i = 0; i < 5 && !ret; i++)
				ret = one_call(self, c);
			t = (now() - t) / 5;
			if (t < per)
				per = t;
		}
		calls = per * SCALE_CALLS > SCALE_ROUND_SECS ?
			(int)(SCALE_ROUND_SECS / per) : SCALE_CALLS;
		if (calls < 5)
			calls = 5;
		for (r = 0; r < SCALE_ROUNDS && !ret; r++) {
			t = now();
			for (i = 0; i < calls && !ret; i++)
				ret = one_call(self, c);
			self->v[set][c][self->nv[set][c]++] = (now() - t) / calls;
		}
		if (ret)
			return ret;
	}
	return E_OK;
}

/*
 * Stay on one CPU, as neoos-bench does: a migration puts the other CPU
 * into the mm's cpumask and every later TLB flush interrupts it too.
 */
static void pin_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

FIXTURE_SETUP(scale)
{
	long need;

	self->old_max = -1;
	self->fd = -1;
	self->count = SCALE_MAPPINGS / t_timeout_scale();
	if (self->count < 1000)
		self->count = 1000;
	T_SETUP_NEED_ROOT("raises vm.max_map_count");
	self->ids = calloc(self->count, sizeof(*self->ids));
	self->addrs = calloc(self->count, sizeof(*self->addrs));
	ASSERT_NE(NULL, self->ids);
	ASSERT_NE(NULL, self->addrs);
	/* what the program maps itself, and room for the harness's stdio */
	need = t_vma_count() + self->count + 1000;
	self->old_max = t_read_long(MAX_MAP_COUNT);
	ASSERT_LT(0, self->old_max);
	if (self->old_max < need) {
		ASSERT_TRUE(t_write_long(MAX_MAP_COUNT, need));
	} else {
		self->old_max = -1;
	}
	snprintf(self->path, sizeof(self->path), "./%s.%d",
		 program_invocation_short_name, getpid());
	self->fd = open(self->path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ftruncate(self->fd, (off_t)self->count * PAGE));
	t_leak_snapshot(&self->before);
	pin_cpu();
}

FIXTURE_TEARDOWN(scale)
{
	if (self->fd >= 0) {
		close(self->fd);
		unlink(self->path);
	}
	if (self->old_max > 0)
		EXPECT_TRUE(t_write_long(MAX_MAP_COUNT, self->old_max));
	free(self->ids);
	free(self->addrs);
}

TEST_F_TIMEOUT(scale, by_id_and_by_address_independent_of_mapping_count, 240)
{
	double t0, t_make, t_unmap, one, many;
	enum scale_call failed;
	int ret, i, c;

	SKIPPED();
	ASSERT_EQ(E_OK, map_one(self, 0));
	self->n = 1;
	ret = time_calls(self, 0, &failed);
	ASSERT_EQ(E_OK, ret) TH_LOG("%s with 1 mapping", call_name[failed]);

	/* the oldest is page 0's, dirtied by "write": clean, so unmap_map's
	 * sys_munmap_id() has nothing to write back */
	ASSERT_EQ(0, fsync(self->fd));
	t0 = now();
	for (i = 1; i < self->count; i++) {
		ret = map_one(self, i);
		ASSERT_EQ(E_OK, ret) TH_LOG("mapping %d: E %d", i, ret);
		self->n = i + 1;
	}
	t_make = now() - t0;
	/* placed top-down: the oldest is the highest, the worst for a walk */
	EXPECT_LT(self->addrs[1], self->addrs[0]);
	EXPECT_LT(self->addrs[self->count - 1], self->addrs[0]);
	ret = time_calls(self, 1, &failed);
	ASSERT_EQ(E_OK, ret) TH_LOG("%s with %d mappings", call_name[failed],
				    self->count);

	ASSERT_EQ(0, fsync(self->fd));
	t0 = now();
	for (i = self->count - 1; i > 0; i--) {
		ret = sys_munmap(self->addrs[i], PAGE);
		ASSERT_EQ(E_OK, ret) TH_LOG("mapping %d: E %d", i, ret);
		self->n = i;
	}
	t_unmap = now() - t0;
	ret = time_calls(self, 0, &failed);
	ASSERT_EQ(E_OK, ret) TH_LOG("%s with 1 mapping again", call_name[failed]);

	ksft_print_msg("neoos-figure: scale: made %d mappings in %.1f s (%.1f us each), removed them in %.1f s\n",
		       self->count, t_make, t_make / (self->count - 1) * 1e6,
		       t_unmap);
	for (c = 0; c < NCALLS; c++) {
		one = median(self->v[0][c], self->nv[0][c]);
		many = median(self->v[1][c], self->nv[1][c]);
		ksft_print_msg("neoos-figure: scale: %-9s %9.1f us with 1 mapping, %9.1f us with %d: ratio %.2f\n",
			       call_name[c], one * 1e6, many * 1e6,
			       self->count, many / one);
	}
	/* the harness's child ends with _exit(): what stdio holds is lost */
	fflush(stdout);
	for (c = 0; c < NCALLS; c++) {
		/* validate_mm() on a debug kernel: see the top of the file */
		if (c == UNMAP_MAP && t_timeout_scale() > 1)
			continue;
		one = median(self->v[0][c], self->nv[0][c]);
		many = median(self->v[1][c], self->nv[1][c]);
		EXPECT_TRUE(many / one <= SCALE_BOUND)
			TH_LOG("%s: %.2f times slower with %d mappings than with 1",
			       call_name[c], many / one, self->count);
	}

	ASSERT_EQ(E_OK, sys_munmap(self->addrs[0], PAGE));
	self->n = 0;
	EXPECT_NO_LEAK(&self->before, "scale");
}

TEST_HARNESS_MAIN
