// SPDX-License-Identifier: GPL-2.0
/*
 * The concurrency layer: threads of one process making neoos requests at
 * once, sharing one descriptor (and, separately, each with its own), with
 * fork and exit in flight.  Every call's result is checked, and every
 * store is checked in the file afterwards with pread(2) on a descriptor
 * of its own.  Each request must be atomic with respect to the process's
 * other threads' requests: no call fails that would have succeeded
 * alone, none touches a mapping another call made or removed, a READ or
 * WRITE copies only within the mapping it named or fails, a failed MAP
 * takes no id, and every store made before sys_munmap is called, or
 * racing it while the mapping still exists, is written back before it
 * returns E_OK.
 *
 * Which interleavings are forced and which are only made likely is said
 * beside each test; the forced ones use userfaultfd (a stalled user copy)
 * or a thread holding mmap_lock for reading (MADV_POPULATE_READ).
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>

#include <linux/userfaultfd.h>

#include <libneoos.h>

#include "common.h"
#include "kselftest_harness.h"

#define RW	(NEOOS_PROT_READ | NEOOS_PROT_WRITE)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* A file name of this test program's own, @tag telling files apart. */
static void test_path(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "%s.%s.%d", program_invocation_short_name, tag,
		 getpid());
}

/* @len bytes of @path at @pos, by pread(2) on a descriptor of its own. */
static int file_read(const char *path, off_t pos, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len, pos);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

/* A file of @size bytes, each @byte; 0 or -errno. */
static int make_filled_file(const char *path, size_t size, int byte)
{
	unsigned char buf[PAGE];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	memset(buf, byte, sizeof(buf));
	for (size_t done = 0; done < size; done += PAGE) {
		if (write(fd, buf, PAGE) != PAGE) {
			close(fd);
			return -EIO;
		}
	}
	close(fd);
	return 0;
}

/* Do the @len bytes at @p hold the pattern of a file's bytes from @pos? */
static bool is_pattern_at(const unsigned char *p, size_t len, uint64_t pos)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != t_pattern_byte(pos + i))
			return false;
	return true;
}

/* Does @p hold @len bytes of @byte? */
static bool all_bytes(const unsigned char *p, size_t len, int byte)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (unsigned char)byte)
			return false;
	return true;
}

/*
 * ---- 1: eight threads map, store, unmap their own page of one file ----
 *
 * Issue 22, item 1: with one descriptor shared by the threads, two
 * threads' fresh mappings of adjacent file pages can land at adjacent
 * addresses and be merged by the core before either is adopted; MAP then
 * failed with E_NOMEM.  With a descriptor per thread (different struct
 * files never merge) the same load is the control.  Not forced: the
 * merge needs two MAPs in flight at once; 8 threads x 300 maps, and up
 * to MSU_ROUNDS times that while MSU_SECONDS last.
 */
#define MSU_THREADS	8
#define MSU_ITERS	300
#define MSU_ROUNDS	10
#define MSU_SECONDS	12

struct msu_thread {
	const char *path;
	int fd;			/* the shared descriptor, or -1: open one */
	int idx;		/* the file page it maps */
	double deadline;
	int maps, map_fails, unmap_fails, first_err;
	unsigned char expect[MSU_ITERS];	/* bytes 0.. of its page */
};

static void *msu_worker(void *data)
{
	struct msu_thread *t = data;
	int fd = t->fd;

	if (fd < 0)
		fd = sys_open(t->path, O_RDWR);
	if (fd < 0) {
		t->first_err = fd;
		t->map_fails = -1;
		return NULL;
	}
	for (int n = 0; n < MSU_ROUNDS * MSU_ITERS; n++) {
		int i = n % MSU_ITERS, r = n / MSU_ITERS, ret;
		unsigned char *p, v;

		/* 300 maps at least, more while there is time. */
		if (n >= MSU_ITERS && now_s() > t->deadline)
			break;
		p = sys_mmap(fd, t->idx * PAGE, PAGE);
		t->maps++;
		if (!p) {
			t->map_fails++;
			if (!t->first_err)
				t->first_err = sys_errno();
			continue;
		}
		/* A byte the file does not hold there yet. */
		v = (unsigned char)(1 + t->idx * 31 + r * 17 + i * 7);
		if (v == t->expect[i])
			v ^= 0x80;
		p[i] = v;
		t->expect[i] = v;
		ret = sys_munmap(p, PAGE);
		if (ret != E_OK) {
			t->unmap_fails++;
			if (!t->first_err)
				t->first_err = ret;
		}
	}
	if (t->fd < 0)
		sys_close(fd);
	return NULL;
}

FIXTURE(map_store_unmap) {
	char path[64];
};

FIXTURE_VARIANT(map_store_unmap) {
	bool own_fd;
};

FIXTURE_VARIANT_ADD(map_store_unmap, shared_fd) {
	.own_fd = false,
};

FIXTURE_VARIANT_ADD(map_store_unmap, own_fd) {
	.own_fd = true,
};

FIXTURE_SETUP(map_store_unmap)
{
	test_path(self->path, sizeof(self->path), "msu");
	ASSERT_EQ(0, t_make_pattern_file(self->path, MSU_THREADS * PAGE));
}

FIXTURE_TEARDOWN(map_store_unmap)
{
	unlink(self->path);
}

TEST_F(map_store_unmap, eight_threads)
{
	struct msu_thread t[MSU_THREADS];
	pthread_t tid[MSU_THREADS];
	unsigned char page[PAGE];
	int fd = -1, maps = 0, map_fails = 0, unmap_fails = 0, lost = 0;
	double t0;

	if (!variant->own_fd) {
		fd = sys_open(self->path, O_RDWR);
		ASSERT_LE(0, fd);
	}
	for (int i = 0; i < MSU_THREADS; i++) {
		t[i] = (struct msu_thread){
			.path = self->path, .fd = fd, .idx = i,
			.deadline = now_s() + MSU_SECONDS,
		};
		for (int j = 0; j < MSU_ITERS; j++)
			t[i].expect[j] = t_pattern_byte(i * PAGE + j);
	}
	t0 = now_s();
	for (int i = 0; i < MSU_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, msu_worker, &t[i]));
	for (int i = 0; i < MSU_THREADS; i++)
		ASSERT_EQ(0, pthread_join(tid[i], NULL));
	t0 = now_s() - t0;
	if (fd >= 0)
		sys_close(fd);

	for (int i = 0; i < MSU_THREADS; i++) {
		maps += t[i].maps;
		map_fails += t[i].map_fails;
		unmap_fails += t[i].unmap_fails;
		EXPECT_EQ(0, t[i].map_fails + t[i].unmap_fails)
			TH_LOG("thread %d: %d of %d maps failed, %d unmaps failed, first error %d (%s)",
			       i, t[i].map_fails, t[i].maps, t[i].unmap_fails,
			       t[i].first_err, sys_strerror(t[i].first_err));
		/* Every store of the thread, the last one of each byte. */
		ASSERT_EQ(0, file_read(self->path, i * PAGE, page, PAGE));
		for (int j = 0; j < PAGE; j++) {
			unsigned char want = j < MSU_ITERS ? t[i].expect[j] :
					     t_pattern_byte(i * PAGE + j);

			if (page[j] != want && lost++ < 5)
				TH_LOG("page %d byte %d: %#x, stored %#x",
				       i, j, page[j], want);
		}
	}
	EXPECT_EQ(0, lost);
	ksft_print_msg("neoos-figure: threads %s fd: %d sys_mmap/store/sys_munmap in %.1f s, %d maps failed, %d unmaps failed, %d bytes lost\n",
		       variant->own_fd ? "own" : "shared", maps, t0, map_fails,
		       unmap_fails, lost);
	fflush(stdout);
}

/*
 * ---- 2: a MAP that fails takes no id ----
 *
 * Issue 22, item 5: the argument struct of a raw NEOOS_IOC_MAP lies in a
 * read-only page, so the kernel reads it but cannot write the answer
 * back: EFAULT, every time.  Such a MAP must leave no mapping, count no
 * map, and take no id: ids come from a module-wide counter and nothing
 * else maps through neoos while the suite runs, so the next MAP gets the
 * id after the last successful one.  Deterministic.
 */
static int dev_stats(int dev, struct neoos_stats *st)
{
	return ioctl(dev, NEOOS_IOC_STATS, st) ? -errno : 0;
}

TEST(failed_map_takes_no_id)
{
	enum { TRIES = 10 };
	struct neoos_stats st0, st1;
	struct neoos_map m, *ro;
	uint64_t first;
	char path[64];
	int dev, fd, list0, vmas0, efaults = 0;

	test_path(path, sizeof(path), "ids");
	ASSERT_EQ(0, t_make_pattern_file(path, PAGE));
	fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	dev = open(NEOOS_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);

	m = (struct neoos_map){
		.fd = fd, .prot = RW, .flags = NEOOS_MAP_SHARED, .length = PAGE,
	};
	ASSERT_EQ(0, t_dev_map(dev, &m));
	first = m.id;
	ASSERT_NE(0, first);

	ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	*ro = (struct neoos_map){
		.fd = fd, .prot = RW, .flags = NEOOS_MAP_SHARED, .length = PAGE,
	};
	ASSERT_EQ(0, mprotect(ro, PAGE, PROT_READ));

	list0 = sys_mmap_list(0, NULL, 0);
	ASSERT_EQ(1, list0);
	ASSERT_EQ(0, dev_stats(dev, &st0));
	vmas0 = t_vma_count();
	for (int i = 0; i < TRIES; i++) {
		errno = 0;
		EXPECT_EQ(-1, ioctl(dev, NEOOS_IOC_MAP, ro));
		if (errno == EFAULT)
			efaults++;
		else
			TH_LOG("try %d: errno %d (%s), not EFAULT", i, errno,
			       strerror(errno));
	}
	EXPECT_EQ(TRIES, efaults);
	/* Nothing was left: no mapping, no VMA, no counted map. */
	EXPECT_EQ(list0, sys_mmap_list(0, NULL, 0));
	EXPECT_EQ(vmas0, t_vma_count());
	ASSERT_EQ(0, dev_stats(dev, &st1));
	EXPECT_EQ(st0.live_mappings, st1.live_mappings);
	EXPECT_EQ(st0.live_vmas, st1.live_vmas);
	EXPECT_EQ(st0.maps, st1.maps);

	/* And no id: the next MAP gets the one after @first. */
	m = (struct neoos_map){
		.fd = fd, .prot = RW, .flags = NEOOS_MAP_SHARED, .length = PAGE,
	};
	ASSERT_EQ(0, t_dev_map(dev, &m));
	EXPECT_EQ(first + 1, m.id)
		TH_LOG("%d failed MAPs took %llu ids", TRIES,
		       (unsigned long long)(m.id - first - 1));
	ksft_print_msg("neoos-figure: failed MAPs (EFAULT on copy-out): %d, ids they took: %llu\n",
		       TRIES, (unsigned long long)(m.id - first - 1));
	fflush(stdout);

	EXPECT_EQ(0, t_dev_unmap(dev, m.addr, PAGE));
	EXPECT_EQ(E_OK, sys_munmap_id(first));
	munmap(ro, PAGE);
	close(dev);
	close(fd);
	unlink(path);
}

/*
 * ---- MAP's answer, with the argument's page zapped by another thread ----
 *
 * MAP writes its answer into the argument under mmap_lock, with page
 * faults disabled, having written the argument once before taking any
 * lock; when the page is gone by then, it takes the index entry back,
 * pins the page and writes again.  Here another thread zaps the
 * argument's page (MADV_DONTNEED of shared memory, which keeps its
 * contents) as fast as it can while the main thread maps and unmaps
 * through it: every MAP must succeed, with an answer that names its
 * mapping (the exact-range UNMAP and the UNMAP by id find it) and ids
 * that only grow.  That the zap lands inside MAP's window is made likely,
 * not forced: the window is the target's vm_mmap(), a third of the
 * pair's time.
 */
#define ZAP_SECONDS	3
#define ZAP_MIN_MAPS	200

struct zapper {
	void *page;
	atomic_bool stop;
	long zaps;
};

static void *zapper_thread(void *data)
{
	struct zapper *z = data;

	while (!atomic_load(&z->stop)) {
		if (madvise(z->page, PAGE, MADV_DONTNEED))
			return (void *)(long)errno;
		z->zaps++;
	}
	return NULL;
}

TEST(map_answer_survives_zapped_argument)
{
	struct neoos_map *arg;
	struct zapper z = { .zaps = 0 };
	uint64_t last_id = 0;
	long maps = 0, bad = 0;
	pthread_t thr;
	double end;
	char path[64];
	void *res;
	int dev, fd;

	test_path(path, sizeof(path), "zap");
	ASSERT_EQ(0, t_make_pattern_file(path, PAGE));
	fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	dev = open(NEOOS_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	z.page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, z.page);
	/* Straddling nothing: the struct sits at the end of the page. */
	arg = (struct neoos_map *)((char *)z.page + PAGE - sizeof(*arg));
	atomic_init(&z.stop, false);
	ASSERT_EQ(0, pthread_create(&thr, NULL, zapper_thread, &z));

	end = now_s() + ZAP_SECONDS;
	while (now_s() < end || maps < ZAP_MIN_MAPS) {
		int err;

		*arg = (struct neoos_map){
			.fd = fd, .prot = RW, .flags = NEOOS_MAP_SHARED,
			.length = PAGE,
		};
		err = t_dev_map(dev, arg);
		if (err) {
			TH_LOG("map %ld: %s", maps, strerror(-err));
			bad++;
			break;
		}
		maps++;
		if (arg->id <= last_id || !is_pattern_at((void *)arg->addr,
							 64, 0)) {
			TH_LOG("map %ld: id %llu after %llu, addr %#llx",
			       maps, (unsigned long long)arg->id,
			       (unsigned long long)last_id,
			       (unsigned long long)arg->addr);
			bad++;
			break;
		}
		last_id = arg->id;
		err = maps & 1 ? t_dev_unmap(dev, arg->addr, PAGE) :
				 sys_munmap_id(arg->id);
		if (err) {
			TH_LOG("unmap %ld: %d", maps, err);
			bad++;
			break;
		}
	}
	atomic_store(&z.stop, true);
	ASSERT_EQ(0, pthread_join(thr, &res));
	EXPECT_EQ(NULL, res);
	EXPECT_EQ(0, bad);
	ksft_print_msg("neoos-figure: maps through a zapped argument: %ld, zaps: %ld\n",
		       maps, z.zaps);
	fflush(stdout);
	EXPECT_EQ(0, sys_mmap_list(0, NULL, 0));
	munmap(z.page, PAGE);
	close(dev);
	close(fd);
	unlink(path);
}

/*
 * ---- 3: READ/WRITE by id race an UNMAP and a MAP at the same address ----
 *
 * Issue 22, item 4: a READ or WRITE names a mapping, not an address.  A
 * userfaultfd-registered page of the caller's buffer stalls the request
 * inside its user copy, deterministically; meanwhile another thread
 * unmaps the mapping by id and maps file Y at the same address (with
 * the old address as the hint; when the hint does not land there, the
 * round is skipped and said so).  Once the stall is resolved, the
 * request must not touch Y: either it fails (E_INVAL is expected), or -
 * a module that kept the UNMAP waiting behind the stalled request - it
 * completed on X before X went away.  Y must be unchanged in its mapping
 * and in the file.  The READ copies two pages and stalls on the first
 * page of its buffer, so that what it copies next comes from whatever
 * is mapped then.
 */
#define RACE_ROUNDS	4
#define RACE_LEN	(2 * PAGE)

/* Wait up to @ms for a missing-page fault on @page: 0, or -errno. */
static int uffd_wait_fault(int uffd, void *page, int ms)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&pfd, 1, ms) != 1)
		return -ETIMEDOUT;
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
		return -errno;
	if (msg.event != UFFD_EVENT_PAGEFAULT ||
	    (msg.arg.pagefault.address & ~(uint64_t)(PAGE - 1)) !=
	    (uintptr_t)page)
		return -EPROTO;
	return 0;
}

/* Resolve the fault on @page with a page of @byte. */
static int uffd_fill(int uffd, void *page, int byte)
{
	static unsigned char src[PAGE];
	struct uffdio_copy c = {
		.dst = (uintptr_t)page,
		.src = (uintptr_t)src,
		.len = PAGE,
	};

	memset(src, byte, PAGE);
	return ioctl(uffd, UFFDIO_COPY, &c) ? -errno : 0;
}

struct rw_req {
	bool write;
	uint64_t id;
	void *buf;
	int ret;
};

static void *rw_req_thread(void *data)
{
	struct rw_req *r = data;

	if (r->write)
		r->ret = sys_mmap_write(r->id, 0, r->buf, PAGE);
	else
		r->ret = sys_mmap_read(r->id, 0, r->buf, RACE_LEN);
	return NULL;
}

struct remap_req {
	uint64_t old_id;
	void *hint;
	int fd;
	int unmap_ret;
	void *addr;
	uint64_t id;
	int map_err;
	atomic_int done;
};

static void *remap_thread(void *data)
{
	struct remap_req *q = data;

	q->unmap_ret = sys_munmap_id(q->old_id);
	if (q->unmap_ret == E_OK) {
		q->addr = sys_mmap_ex(q->hint, RACE_LEN, RW, NEOOS_MAP_SHARED,
				      q->fd, 0, &q->id);
		if (!q->addr)
			q->map_err = sys_errno();
	}
	atomic_store(&q->done, 1);
	return NULL;
}

enum race_outcome {
	RACE_FAILED,		/* the request failed and touched nothing */
	RACE_BEFORE,		/* it completed on X before X went away */
	RACE_SKIPPED,		/* Y did not land at X's address */
	RACE_BAD,		/* it touched Y, or passed off Y's bytes */
};

/*
 * One round: X and Y are RACE_LEN-byte files of the pattern and of 'Y'
 * bytes, @fx and @fy descriptors of them.  WRITE stores 'W' bytes.
 */
static enum race_outcome rw_race_round(struct __test_metadata *_metadata,
				       bool write, const char *px_path,
				       const char *py_path, int fx, int fy,
				       int *blocked)
{
	unsigned char *buf, *x, disk[RACE_LEN];
	struct remap_req q = { .fd = fy };
	struct rw_req r = { .write = write };
	enum race_outcome out = RACE_BAD;
	pthread_t req, remap;
	bool y_ok, x_ok;
	int uffd, waited;

	ASSERT_EQ(0, t_make_pattern_file(px_path, RACE_LEN));
	ASSERT_EQ(0, make_filled_file(py_path, RACE_LEN, 'Y'));
	x = sys_mmap_ex(NULL, RACE_LEN, RW, NEOOS_MAP_SHARED, fx, 0, &r.id);
	ASSERT_NE(NULL, x);

	/* The caller's buffer: page 0 missing and registered, page 1 not. */
	buf = mmap(NULL, RACE_LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	memset(buf + PAGE, 0xEE, PAGE);
	uffd = t_uffd_open();
	if (uffd < 0)
		SKIP(return RACE_SKIPPED, "userfaultfd: %s", strerror(-uffd));
	ASSERT_EQ(0, t_uffd_register(uffd, buf, PAGE));
	r.buf = buf;

	ASSERT_EQ(0, pthread_create(&req, NULL, rw_req_thread, &r));
	ASSERT_EQ(0, uffd_wait_fault(uffd, buf, 10000))
		TH_LOG("the %s never touched its buffer",
		       write ? "WRITE" : "READ");

	/* The request is stalled in its copy: unmap X, map Y in its place. */
	q.old_id = r.id;
	q.hint = x;
	ASSERT_EQ(0, pthread_create(&remap, NULL, remap_thread, &q));
	for (waited = 0; waited < 300 && !atomic_load(&q.done); waited++)
		sleep_us(10000);
	if (!atomic_load(&q.done))
		(*blocked)++;
	/* Let the request go on (and the UNMAP, if it waited for it). */
	ASSERT_EQ(0, uffd_fill(uffd, buf, write ? 'W' : 0xEE));
	ASSERT_EQ(0, pthread_join(remap, NULL));
	ASSERT_EQ(0, pthread_join(req, NULL));
	close(uffd);

	EXPECT_EQ(E_OK, q.unmap_ret);
	EXPECT_NE(NULL, q.addr) TH_LOG("mapping Y: %s", sys_strerror(q.map_err));

	/* Y: its mapping and its file hold only 'Y' bytes. */
	y_ok = q.addr && all_bytes(q.addr, RACE_LEN, 'Y');
	ASSERT_EQ(0, file_read(py_path, 0, disk, RACE_LEN));
	y_ok = y_ok && all_bytes(disk, RACE_LEN, 'Y');
	ASSERT_EQ(0, file_read(px_path, 0, disk, RACE_LEN));
	x_ok = t_mem_is_pattern(disk, RACE_LEN);

	if (q.addr != (void *)x)
		out = RACE_SKIPPED;
	else if (write && r.ret < 0 && y_ok && x_ok)
		out = RACE_FAILED;
	else if (write && r.ret == E_OK && y_ok && all_bytes(disk, PAGE, 'W') &&
		 is_pattern_at(disk + PAGE, PAGE, PAGE))
		out = RACE_BEFORE;
	else if (!write && r.ret < 0 && y_ok)
		out = RACE_FAILED;
	else if (!write && r.ret == E_OK && y_ok &&
		 t_mem_is_pattern(buf, RACE_LEN))
		out = RACE_BEFORE;
	if (out == RACE_BAD || out == RACE_SKIPPED)
		TH_LOG("%s: returned %d (%s); X at %p, Y mapped at %p; Y %s; X %s; buffer %s",
		       write ? "WRITE" : "READ", r.ret,
		       sys_strerror(r.ret), x, q.addr,
		       y_ok ? "unchanged" : "CHANGED",
		       x_ok ? "unchanged" : "changed",
		       write ? "-" : t_mem_is_pattern(buf, RACE_LEN) ?
		       "X's bytes" : all_bytes(buf + PAGE, PAGE, 'Y') ?
		       "X's page 0 then Y's page 1" : "other bytes");
	if (q.addr)
		EXPECT_EQ(E_OK, sys_munmap_id(q.id));
	munmap(buf, RACE_LEN);
	return out;
}

static void rw_race(struct __test_metadata *_metadata, bool write)
{
	int fx, fy, n[RACE_BAD + 1] = { 0 }, blocked = 0;
	char px[64], py[64];

	test_path(px, sizeof(px), "X");
	test_path(py, sizeof(py), "Y");
	ASSERT_EQ(0, t_make_pattern_file(px, RACE_LEN));
	fx = open(px, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fx);
	fy = open(py, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	ASSERT_LE(0, fy);
	for (int i = 0; i < RACE_ROUNDS && !_metadata->skip; i++)
		n[rw_race_round(_metadata, write, px, py, fx, fy, &blocked)]++;
	close(fx);
	close(fy);
	unlink(px);
	unlink(py);
	if (_metadata->skip)
		return;
	EXPECT_EQ(0, n[RACE_BAD]);
	if (!n[RACE_BAD] && n[RACE_SKIPPED] == RACE_ROUNDS)
		SKIP(return,
		     "Y never landed at X's address (the hint is a hint)");
	ksft_print_msg("neoos-figure: %s by id stalled (userfaultfd) while its mapping was replaced: %d rounds, %d failed cleanly, %d completed before the unmap (which waited %d times), %d crossed into the other file, %d skipped (hint missed)\n",
		       write ? "WRITE" : "READ", RACE_ROUNDS, n[RACE_FAILED],
		       n[RACE_BEFORE], blocked, n[RACE_BAD], n[RACE_SKIPPED]);
	fflush(stdout);
}

TEST(write_by_id_races_unmap_and_remap)
{
	rw_race(_metadata, true);
}

TEST(read_by_id_races_unmap_and_remap)
{
	rw_race(_metadata, false);
}

/*
 * ---- 4: threads unmap the same mapping at once ----
 *
 * UNMAP_THREADS threads sys_munmap the same (addr, len) at once: exactly
 * one may succeed, the others find nothing (E_INVAL).  Meanwhile another
 * thread maps the same file wherever the kernel puts it - often the
 * hole the first UNMAP just made - with another length, so that no
 * by-address UNMAP of the contested range can name its mappings: each
 * must survive the round, found by sys_mmap_info_addr() under its id and
 * read through, before it is unmapped.  Not forced: the UNMAPs race for
 * real, with a fresh mapping each round, UNMAP_ROUNDS rounds and more
 * while UNMAP_SECONDS last.
 */
#define UNMAP_THREADS	4
#define UNMAP_ROUNDS	200
#define UNMAP_MAX_ROUNDS 5000
#define UNMAP_SECONDS	5
#define UNMAP_MAPPER	3		/* maps per round */
#define UNMAP_SMALL	100		/* the mapper's length */

struct unmap_race {
	pthread_barrier_t start, end;
	int fd;
	void *target;
	int ret[UNMAP_THREADS];
	bool stop;
	/* the mapper's, this round */
	int nmaps, map_fails, first_err;
	void *addr[UNMAP_MAPPER];
	uint64_t id[UNMAP_MAPPER];
};

struct unmapper {
	struct unmap_race *u;
	int idx;
};

static void *unmapper_thread(void *data)
{
	struct unmapper *a = data;
	struct unmap_race *u = a->u;

	for (;;) {
		pthread_barrier_wait(&u->start);
		if (u->stop)
			return NULL;
		u->ret[a->idx] = sys_munmap(u->target, PAGE);
		pthread_barrier_wait(&u->end);
	}
}

static void *mapper_thread(void *data)
{
	struct unmap_race *u = data;

	for (;;) {
		pthread_barrier_wait(&u->start);
		if (u->stop)
			return NULL;
		u->nmaps = 0;
		for (int k = 0; k < UNMAP_MAPPER; k++) {
			uint64_t id;
			void *p = sys_mmap_ex(NULL, UNMAP_SMALL, RW,
					      NEOOS_MAP_SHARED, u->fd, 0, &id);

			if (!p) {
				u->map_fails++;
				if (!u->first_err)
					u->first_err = sys_errno();
				continue;
			}
			u->addr[u->nmaps] = p;
			u->id[u->nmaps++] = id;
		}
		pthread_barrier_wait(&u->end);
	}
}

TEST(unmap_twice_races)
{
	struct unmapper a[UNMAP_THREADS];
	pthread_t tid[UNMAP_THREADS + 1];
	struct unmap_race *u;
	int rounds = 0, ok_rounds = 0, multi_ok = 0, none_ok = 0;
	int bad_err = 0, target_fails = 0, maps = 0, vanished = 0;
	int unmapped_late = 0;
	char path[64];
	double t0;

	u = calloc(1, sizeof(*u));
	ASSERT_NE(NULL, u);
	test_path(path, sizeof(path), "twice");
	ASSERT_EQ(0, t_make_pattern_file(path, PAGE));
	u->fd = sys_open(path, O_RDWR);
	ASSERT_LE(0, u->fd);
	ASSERT_EQ(0, pthread_barrier_init(&u->start, NULL, UNMAP_THREADS + 2));
	ASSERT_EQ(0, pthread_barrier_init(&u->end, NULL, UNMAP_THREADS + 2));
	for (int i = 0; i < UNMAP_THREADS; i++) {
		a[i] = (struct unmapper){ .u = u, .idx = i };
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, unmapper_thread,
					    &a[i]));
	}
	ASSERT_EQ(0, pthread_create(&tid[UNMAP_THREADS], NULL, mapper_thread,
				    u));

	t0 = now_s();
	for (int r = 0; r < UNMAP_MAX_ROUNDS; r++) {
		int oks = 0;

		if (r >= UNMAP_ROUNDS && now_s() - t0 > UNMAP_SECONDS)
			break;
		u->target = sys_mmap(u->fd, 0, PAGE);
		if (!u->target) {
			target_fails++;
			continue;
		}
		rounds++;
		pthread_barrier_wait(&u->start);
		pthread_barrier_wait(&u->end);
		for (int i = 0; i < UNMAP_THREADS; i++) {
			if (u->ret[i] == E_OK)
				oks++;
			else if (u->ret[i] != E_INVAL && bad_err++ < 3)
				TH_LOG("round %d: sys_munmap returned %d (%s)",
				       r, u->ret[i], sys_strerror(u->ret[i]));
		}
		if (oks == 1)
			ok_rounds++;
		else if (oks)
			multi_ok++;
		else
			none_ok++;

		/* Every mapping the mapper made is still there, whole. */
		for (int i = 0; i < u->nmaps; i++) {
			struct neoos_mapping_info info;
			unsigned char *p = u->addr[i];

			maps++;
			if (sys_mmap_info_addr(p, &info) != E_OK ||
			    info.id != u->id[i] || info.addr != p ||
			    info.length != UNMAP_SMALL) {
				if (vanished++ < 3)
					TH_LOG("round %d: mapping id %llu at %p is gone",
					       r, (unsigned long long)u->id[i],
					       p);
				continue;
			}
			EXPECT_EQ(t_pattern_byte(UNMAP_SMALL - 1),
				  p[UNMAP_SMALL - 1]);
			if (sys_munmap(p, UNMAP_SMALL) != E_OK)
				unmapped_late++;
		}
	}
	u->stop = true;
	pthread_barrier_wait(&u->start);
	for (int i = 0; i <= UNMAP_THREADS; i++)
		ASSERT_EQ(0, pthread_join(tid[i], NULL));
	t0 = now_s() - t0;

	EXPECT_EQ(0, target_fails);
	EXPECT_EQ(0, u->map_fails)
		TH_LOG("first error %d (%s)", u->first_err,
		       sys_strerror(u->first_err));
	EXPECT_EQ(0, multi_ok);
	EXPECT_EQ(0, none_ok);
	EXPECT_EQ(0, bad_err);
	EXPECT_EQ(0, vanished);
	EXPECT_EQ(0, unmapped_late);
	EXPECT_EQ(0, sys_mmap_list(0, NULL, 0));
	ksft_print_msg("neoos-figure: %d threads unmapping one mapping at once, %d rounds in %.1f s: %d with one success, %d with several, %d with none; %d of the %d concurrent mappings vanished\n",
		       UNMAP_THREADS, rounds, t0, ok_rounds, multi_ok,
		       none_ok, vanished, maps);
	fflush(stdout);
	sys_close(u->fd);
	pthread_barrier_destroy(&u->start);
	pthread_barrier_destroy(&u->end);
	free(u);
	unlink(path);
}

/*
 * ---- 5: every request at once, with fork and exit ----
 *
 * MIX_WORKERS threads sharing one descriptor each own MIX_PAGES pages of
 * the file and loop: MAP a range of them (any offset alignment), READ it
 * by id and compare, WRITE by id, store through the mapping, read it
 * back through the mapping, LIST (its id is there), INFO, sys_msync now
 * and then, UNMAP by id.  Another thread forks children that check their
 * copy of a neoos mapping by address, store into it and _exit.  Every
 * call is checked and the file must end up holding what the threads
 * wrote.  Not forced: MIX_SECONDS of it.
 */
#define MIX_WORKERS	4
#define MIX_PAGES	4
#define MIX_SECONDS	6
#define MIX_FORK_PAGE	(MIX_WORKERS * MIX_PAGES)
#define MIX_FORK_SLOTS	256

struct mix {
	int fd;
	double deadline;
	atomic_int workers_left;
	/* the forker's mapping */
	unsigned char *fp;
	uint64_t fid;
};

struct mix_worker {
	struct mix *m;
	int idx;
	int iters, fails;
	char what[160];		/* the first failure */
	unsigned char shadow[MIX_PAGES * PAGE];
};

struct mix_forker {
	struct mix *m;
	int forks, fails;
	char what[160];
	unsigned char shadow[MIX_FORK_SLOTS];
};

#define MIX_FAIL(w, fmt, ...) do {					\
	if (!(w)->fails++)						\
		snprintf((w)->what, sizeof((w)->what), fmt,		\
			 ##__VA_ARGS__);				\
} while (0)

static void mix_iteration(struct mix_worker *w, int it)
{
	unsigned char buf[3 * PAGE], data[64];
	struct neoos_mapping_info info;
	uint64_t off = (it % 2) * PAGE + (it * 13) % 200;
	uint64_t len = PAGE + (it * 29) % PAGE;
	uint64_t o = (it * 7) % len, n = len - o < 64 ? len - o : 64;
	uint64_t ids[16], id;
	unsigned char *p;
	int ret, cnt;
	bool listed = false;

	p = sys_mmap_ex(NULL, len, RW, NEOOS_MAP_SHARED, w->m->fd,
			w->idx * MIX_PAGES * PAGE + off, &id);
	if (!p) {
		MIX_FAIL(w, "iteration %d: MAP: %s", it,
			 sys_strerror(sys_errno()));
		return;
	}
	ret = sys_mmap_read(id, 0, buf, len);
	if (ret != E_OK)
		MIX_FAIL(w, "iteration %d: READ: %s", it, sys_strerror(ret));
	else if (memcmp(buf, w->shadow + off, len))
		MIX_FAIL(w, "iteration %d: READ returned other bytes", it);

	for (uint64_t i = 0; i < n; i++)
		data[i] = (unsigned char)(w->idx * 64 + it + i);
	ret = sys_mmap_write(id, o, data, n);
	if (ret != E_OK)
		MIX_FAIL(w, "iteration %d: WRITE: %s", it, sys_strerror(ret));
	else
		memcpy(w->shadow + off + o, data, n);
	if (ret == E_OK && memcmp(p + o, data, n))
		MIX_FAIL(w, "iteration %d: WRITE not seen in the mapping", it);
	p[len - 1] = (unsigned char)(it ^ 0x5a);
	w->shadow[off + len - 1] = (unsigned char)(it ^ 0x5a);

	cnt = sys_mmap_list(0, ids, 16);
	if (cnt < 1 || cnt > MIX_WORKERS + 1)
		MIX_FAIL(w, "iteration %d: LIST counted %d", it, cnt);
	for (int i = 0; i < cnt && i < 16; i++)
		listed |= ids[i] == id;
	if (cnt >= 1 && !listed)
		MIX_FAIL(w, "iteration %d: LIST lacks id %llu", it,
			 (unsigned long long)id);
	ret = sys_mmap_info(id, &info);
	if (ret != E_OK || info.addr != p || info.length != len ||
	    info.id != id)
		MIX_FAIL(w, "iteration %d: INFO: %s", it, sys_strerror(ret));
	if (it % 4 == 0) {
		ret = sys_msync(id, 0, 0, NEOOS_MS_SYNC);
		if (ret != E_OK)
			MIX_FAIL(w, "iteration %d: msync: %s", it,
				 sys_strerror(ret));
	}
	ret = sys_munmap_id(id);
	if (ret != E_OK)
		MIX_FAIL(w, "iteration %d: UNMAP: %s", it, sys_strerror(ret));
}

static void *mix_worker_thread(void *data)
{
	struct mix_worker *w = data;

	while (now_s() < w->m->deadline)
		mix_iteration(w, w->iters++);
	atomic_fetch_sub(&w->m->workers_left, 1);
	return NULL;
}

/* A forked child: its own copy of the forker's mapping, by address. */
static int mix_child(struct mix *m, int k)
{
	struct neoos_mapping_info info;

	if (sys_mmap_info_addr(m->fp, &info) != E_OK)
		return 2;
	if (info.id != m->fid || info.addr != m->fp ||
	    info.owner_pid != getpid())
		return 3;
	if (sys_mmap_info(m->fid, &info) != E_OK || info.addr != m->fp)
		return 4;
	m->fp[k % MIX_FORK_SLOTS] = (unsigned char)(k * 3 + 1);
	/* Every other child unmaps its copy; the others leave it to exit. */
	if (k % 2 && sys_munmap_id(m->fid) != E_OK)
		return 5;
	return 0;
}

static void *mix_forker_thread(void *data)
{
	struct mix_forker *f = data;
	struct mix *m = f->m;

	while (atomic_load(&m->workers_left) > 0) {
		int k = f->forks++, status;
		pid_t pid = fork();

		if (pid < 0) {
			MIX_FAIL(f, "fork %d: %s", k, strerror(errno));
			continue;
		}
		if (pid == 0)
			_exit(mix_child(m, k));
		if (waitpid(pid, &status, 0) != pid) {
			MIX_FAIL(f, "fork %d: waitpid: %s", k,
				 strerror(errno));
			continue;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			MIX_FAIL(f, "fork %d: child status %#x", k, status);
		else
			f->shadow[k % MIX_FORK_SLOTS] =
				(unsigned char)(k * 3 + 1);
	}
	return NULL;
}

TEST(map_unmap_read_mix_with_fork)
{
	struct mix m = { 0 };
	struct mix_worker *w;
	struct mix_forker f = { .m = &m };
	pthread_t tid[MIX_WORKERS + 1];
	unsigned char *disk;
	int iters = 0, fails = 0, lost = 0;
	char path[64];

	test_path(path, sizeof(path), "mix");
	ASSERT_EQ(0, t_make_pattern_file(path, (MIX_FORK_PAGE + 1) * PAGE));
	m.fd = sys_open(path, O_RDWR);
	ASSERT_LE(0, m.fd);
	m.fp = sys_mmap_ex(NULL, PAGE, RW, NEOOS_MAP_SHARED, m.fd,
			   MIX_FORK_PAGE * PAGE, &m.fid);
	ASSERT_NE(NULL, m.fp);
	for (int i = 0; i < MIX_FORK_SLOTS; i++)
		f.shadow[i] = t_pattern_byte(MIX_FORK_PAGE * PAGE + i);
	w = calloc(MIX_WORKERS, sizeof(*w));
	ASSERT_NE(NULL, w);
	disk = malloc((MIX_FORK_PAGE + 1) * PAGE);
	ASSERT_NE(NULL, disk);

	m.deadline = now_s() + MIX_SECONDS;
	atomic_store(&m.workers_left, MIX_WORKERS);
	for (int i = 0; i < MIX_WORKERS; i++) {
		w[i].m = &m;
		w[i].idx = i;
		for (int j = 0; j < MIX_PAGES * PAGE; j++)
			w[i].shadow[j] = t_pattern_byte(i * MIX_PAGES * PAGE + j);
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, mix_worker_thread,
					    &w[i]));
	}
	ASSERT_EQ(0, pthread_create(&tid[MIX_WORKERS], NULL,
				    mix_forker_thread, &f));
	for (int i = 0; i <= MIX_WORKERS; i++)
		ASSERT_EQ(0, pthread_join(tid[i], NULL));

	for (int i = 0; i < MIX_WORKERS; i++) {
		iters += w[i].iters;
		fails += w[i].fails;
		EXPECT_EQ(0, w[i].fails)
			TH_LOG("thread %d: %d of %d iterations failed; first: %s",
			       i, w[i].fails, w[i].iters, w[i].what);
	}
	EXPECT_EQ(0, f.fails)
		TH_LOG("%d of %d forks failed; first: %s", f.fails, f.forks,
		       f.what);
	EXPECT_EQ(1, sys_mmap_list(0, NULL, 0));
	EXPECT_EQ(E_OK, sys_munmap_id(m.fid));
	sys_close(m.fd);

	/* The file holds what every thread and child wrote last. */
	ASSERT_EQ(0, file_read(path, 0, disk, (MIX_FORK_PAGE + 1) * PAGE));
	for (int i = 0; i < MIX_WORKERS; i++) {
		unsigned char *d = disk + i * MIX_PAGES * PAGE;

		for (int j = 0; j < MIX_PAGES * PAGE; j++)
			if (d[j] != w[i].shadow[j] && lost++ < 3)
				TH_LOG("thread %d's byte %d: %#x, not %#x",
				       i, j, d[j], w[i].shadow[j]);
	}
	for (int i = 0; i < MIX_FORK_SLOTS; i++)
		if (disk[MIX_FORK_PAGE * PAGE + i] != f.shadow[i] &&
		    lost++ < 6)
			TH_LOG("the children's byte %d: %#x, not %#x", i,
			       disk[MIX_FORK_PAGE * PAGE + i], f.shadow[i]);
	EXPECT_EQ(0, lost);
	ksft_print_msg("neoos-figure: mix of %d threads sharing a descriptor: %d MAP/READ/WRITE/store/LIST/INFO/UNMAP iterations (%d failed) and %d forks in %d s, %d bytes lost\n",
		       MIX_WORKERS, iters, fails, f.forks, MIX_SECONDS, lost);
	fflush(stdout);
	free(disk);
	free(w);
	unlink(path);
}

/*
 * ---- 6: UNMAP writes back a store that raced it ----
 *
 * Issue 22, item 2: a thread stores into a shared writable mapping while
 * another calls sys_munmap on it.  When sys_munmap returns E_OK the
 * mapping is gone, and every store that completed - the storing thread
 * learns which was last from its SIGSEGV, caught with siglongjmp - must
 * be on disk: the range is neither dirty nor under writeback
 * (cachestat(2), Linux 6.5 and later) and the blocks the file has on
 * its device hold the last store (read past the page cache, with
 * O_DIRECT).  The window between UNMAP's lookup and the unmap itself is
 * widened by a thread holding mmap_lock for reading with
 * MADV_POPULATE_READ over a large anonymous range: UNMAP's munmap waits
 * for it, while a store can still fault under the per-VMA lock (6.4 and
 * later; on 6.1 a fault waits behind the queued munmap, so stores
 * cannot reach the window there).  The store starts a varying delay
 * after sys_munmap is called, so that in most rounds it lands in the
 * window.
 */
#define FLUSH_ROUNDS	40
#define FLUSH_SECONDS	12
#define POPULATE_MB	256

#ifndef __NR_cachestat
#define __NR_cachestat	451
#endif

struct t_cachestat_range {
	uint64_t off;
	uint64_t len;
};

struct t_cachestat {
	uint64_t nr_cache;
	uint64_t nr_dirty;
	uint64_t nr_writeback;
	uint64_t nr_evicted;
	uint64_t nr_recently_evicted;
};

static int cachestat(int fd, uint64_t off, uint64_t len,
		     struct t_cachestat *cs)
{
	struct t_cachestat_range r = { off, len };

	return syscall(__NR_cachestat, fd, &r, cs, 0) ? -errno : 0;
}

struct flush_race {
	/* the populating thread */
	char *big;
	size_t big_len;
	atomic_int populate;		/* 1: go, 2: in madvise, 0: done */
	int populate_err;
	/* the storing thread */
	atomic_int store_go;
	atomic_int store_done;
	long delay_us;
	volatile uint64_t *p;
	volatile uint64_t last_done;	/* the value of the last store made */
	volatile uint64_t next;
	volatile int stores;		/* stores made this round */
	bool stop;
};

static __thread sigjmp_buf store_env;
static __thread volatile int store_armed;

static void store_segv(int sig)
{
	if (store_armed) {
		store_armed = 0;
		siglongjmp(store_env, 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void *populate_thread(void *data)
{
	struct flush_race *f = data;

	for (;;) {
		while (atomic_load(&f->populate) != 1 && !f->stop)
			sleep_us(200);
		if (f->stop)
			return NULL;
		atomic_store(&f->populate, 2);
		if (madvise(f->big, f->big_len, MADV_POPULATE_READ) &&
		    !f->populate_err)
			f->populate_err = errno;
		madvise(f->big, f->big_len, MADV_DONTNEED);
		atomic_store(&f->populate, 0);
	}
}

static void *store_thread(void *data)
{
	struct flush_race *f = data;
	struct timespec t0, t;

	for (;;) {
		while (!atomic_load(&f->store_go) && !f->stop)
			sleep_us(100);
		if (f->stop)
			return NULL;
		atomic_store(&f->store_go, 0);
		f->stores = 0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			clock_gettime(CLOCK_MONOTONIC, &t);
		} while ((t.tv_sec - t0.tv_sec) * 1000000 +
			 (t.tv_nsec - t0.tv_nsec) / 1000 < f->delay_us);
		if (!sigsetjmp(store_env, 1)) {
			store_armed = 1;
			for (;;) {
				uint64_t v = f->next + 1;

				*f->p = v;
				f->next = v;
				f->last_done = v;
				f->stores++;
			}
		}
		atomic_store(&f->store_done, 1);
	}
}

TEST(unmap_flushes_racing_store)
{
	struct sigaction sa = { .sa_handler = store_segv }, old;
	struct flush_race *f;
	struct t_cachestat cs;
	pthread_t pop, st;
	/* O_DIRECT reads need an aligned buffer. */
	static unsigned char disk[PAGE] __attribute__((aligned(PAGE)));
	uint64_t on_disk, expect = 0;
	int fd, rounds = 0, raced = 0, dirty = 0, stale = 0, has_cs;
	int has_disk, unmap_fails = 0;
	double t_start, unmap_ms_max = 0, unmap_ms_sum = 0, pop_ms;
	char path[64];

	f = calloc(1, sizeof(*f));
	ASSERT_NE(NULL, f);
	test_path(path, sizeof(path), "flush");
	ASSERT_EQ(0, make_filled_file(path, PAGE, 0));
	fd = sys_open(path, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fsync(fd));
	has_cs = cachestat(fd, 0, PAGE, &cs) == 0;
	has_disk = t_disk_bytes(path, 0, disk, PAGE) == 0;
	if (!has_cs && !has_disk)
		SKIP(goto out_close,
		     "neither cachestat(2) nor the file's blocks on its device");

	f->big_len = (size_t)POPULATE_MB << 20;
	f->big = mmap(NULL, f->big_len, PROT_READ,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, f->big);
	/* Page by page, not a huge zero page per 2 MiB. */
	madvise(f->big, f->big_len, MADV_NOHUGEPAGE);
	pop_ms = now_s();
	ASSERT_EQ(0, madvise(f->big, f->big_len, MADV_POPULATE_READ));
	pop_ms = (now_s() - pop_ms) * 1000;
	madvise(f->big, f->big_len, MADV_DONTNEED);

	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, &old));
	ASSERT_EQ(0, pthread_create(&pop, NULL, populate_thread, f));
	ASSERT_EQ(0, pthread_create(&st, NULL, store_thread, f));

	t_start = now_s();
	for (int r = 0; r < FLUSH_ROUNDS && now_s() - t_start < FLUSH_SECONDS;
	     r++) {
		uint64_t *p = sys_mmap(fd, 0, PAGE);
		double t0, ms;
		int ret;

		if (!p) {
			TH_LOG("round %d: sys_mmap: %s", r,
			       sys_strerror(sys_errno()));
			unmap_fails++;
			break;
		}
		rounds++;
		f->p = p;
		/* 50 us .. 12.8 ms after sys_munmap was called */
		f->delay_us = 50L << (r % 9);

		/* A reader holds mmap_lock... */
		atomic_store(&f->populate, 1);
		while (atomic_load(&f->populate) == 1)
			sleep_us(50);
		sleep_us(1000);
		/* ...while UNMAP runs and a store starts. */
		atomic_store(&f->store_go, 1);
		t0 = now_s();
		ret = sys_munmap(p, PAGE);
		ms = (now_s() - t0) * 1000;
		if (ret == E_OK && has_cs &&
		    !cachestat(fd, 0, PAGE, &cs) &&
		    (cs.nr_dirty || cs.nr_writeback)) {
			if (dirty++ < 3)
				TH_LOG("round %d: after sys_munmap returned E_OK the page is %s",
				       r, cs.nr_dirty ? "dirty" :
				       "under writeback");
		}
		while (!atomic_load(&f->store_done))
			sleep_us(100);
		atomic_store(&f->store_done, 0);
		while (atomic_load(&f->populate))
			sleep_us(100);
		if (ret != E_OK) {
			TH_LOG("round %d: sys_munmap: %s", r,
			       sys_strerror(ret));
			unmap_fails++;
			break;
		}
		unmap_ms_sum += ms;
		if (ms > unmap_ms_max)
			unmap_ms_max = ms;
		if (f->stores) {
			raced++;
			expect = f->last_done;
		}
		if (has_disk) {
			ASSERT_EQ(0, t_disk_bytes(path, 0, disk, PAGE));
			memcpy(&on_disk, disk, sizeof(on_disk));
			if (on_disk != expect && stale++ < 3)
				TH_LOG("round %d: the disk holds store %llu, the last one made was %llu (%d stores this round)",
				       r, (unsigned long long)on_disk,
				       (unsigned long long)expect, f->stores);
		}
		/* Whatever this round left dirty is the next one's start. */
		ASSERT_EQ(0, fsync(fd));
	}
	f->stop = true;
	ASSERT_EQ(0, pthread_join(pop, NULL));
	ASSERT_EQ(0, pthread_join(st, NULL));
	sigaction(SIGSEGV, &old, NULL);
	EXPECT_EQ(0, f->populate_err);
	munmap(f->big, f->big_len);

	EXPECT_EQ(0, unmap_fails);
	EXPECT_EQ(0, dirty);
	EXPECT_EQ(0, stale);
	/* The file's content, through the page cache, as well. */
	EXPECT_EQ(0, file_read(path, 0, disk, PAGE));
	memcpy(&on_disk, disk, sizeof(on_disk));
	EXPECT_EQ(expect, on_disk);
	ksft_print_msg("neoos-figure: store racing sys_munmap: %d rounds, %d with stores made while it ran, %d left dirty, %d not on disk; populating %d MiB took %.0f ms, sys_munmap %.1f ms on average, %.1f ms at most; checked with%s cachestat%s\n",
		       rounds, raced, dirty, stale, POPULATE_MB, pop_ms,
		       rounds ? unmap_ms_sum / rounds : 0.0, unmap_ms_max,
		       has_cs ? "" : "out", has_disk ? " and the device" :
		       ", not the device");
	fflush(stdout);
out_close:
	sys_close(fd);
	free(f);
	unlink(path);
}

/*
 * ---- 7, 8: sys_mprotect and sys_msync by id race an UNMAP and a MAP ----
 *
 * Issue 22's first goal, for the two by-id calls that act through a
 * second step: a thread A loops over sys_mprotect(X, READ) and
 * sys_mprotect(X, READ|WRITE) - or sys_msync(X, MS_SYNC|MS_INVALIDATE) -
 * on whatever id mapping X has now, while the test's thread B, round
 * after round, unmaps X by id, maps file Y read-write (for msync,
 * locked) at X's old address, checks Y, unmaps it and maps a fresh X (a
 * new id, published to A).  A call naming X must reach X or fail
 * with E_INVAL: never change Y's protection (seen as a SIGSEGV on a store
 * into Y, caught with siglongjmp, or a /proc/self/maps line without 'w'),
 * never fail with E_BUSY (only the locked Y gives msync(2) a reason to;
 * X is never locked), and never fail with E_NOMEM (an mprotect(2) or
 * msync(2) of X's old range after X went away and nothing, or something
 * else, took its place).  mlock(2) leaves a neoos VMA as it is (it is
 * VM_DONTEXPAND, so VM_SPECIAL), so Y is locked by being made under
 * mlockall(MCL_FUTURE), and /proc/self/smaps must say so every round.
 *
 * libneoos once made these calls as INFO by id and then mprotect(2) or
 * msync(2) of the address INFO returned, with nothing between the two:
 * a thread that unmapped X and mapped Y between them had the call land
 * on Y.  That window is a return to user space and a few instructions
 * wide; nothing kernel-side can be held to widen it, so it is stressed
 * instead: A and B are pinned to one CPU, and B sleeps between its steps.
 * B's wake-up preempts A at its next return to user space, which is very
 * often the end of INFO, so that A sits in the window with X's address
 * while B unmaps X and maps Y; B's next sleep lets A finish its call -
 * onto Y, with the old library - before B looks at Y.  For msync, X is
 * a memfd, whose MS_SYNC costs nothing: of an ext4 file it issues a
 * device flush, and A, asleep in it most of the time, is rarely caught
 * in the window.  With the old library under TCG on 7.3, in 8 s: Y lost
 * write in about 1 round in 6 and msync saw E_BUSY about every other
 * round; unpinned, 1 round in 17 and 1 in 3.5; with X on ext4, msync saw
 * E_BUSY 3 times in 1,243 rounds.  Not forced: up to BYID_ROUNDS rounds
 * while BYID_SECONDS last.
 */
#define BYID_ROUNDS	4000
#define BYID_SECONDS	8
#define BYID_GAP_US	200
#define BYID_LEN	PAGE

struct byid_race {
	bool msync;			/* else sys_mprotect */
	_Atomic uint64_t id;		/* X's id now */
	atomic_bool stop;
	/* A's calls, by result */
	long calls, ok, inval, busy, nomem, other;
	int first_other;
};

static void *byid_caller(void *data)
{
	struct byid_race *b = data;

	while (!atomic_load(&b->stop)) {
		uint64_t id = atomic_load(&b->id);

		for (int k = 0; k < 2; k++) {
			int ret = b->msync ?
				sys_msync(id, 0, 0,
					  NEOOS_MS_SYNC | NEOOS_MS_INVALIDATE) :
				sys_mprotect(id, k ? RW : NEOOS_PROT_READ);

			b->calls++;
			if (ret == E_OK)
				b->ok++;
			else if (ret == E_INVAL)
				b->inval++;
			else if (ret == E_BUSY)
				b->busy++;
			else if (ret == E_NOMEM)
				b->nomem++;
			else if (!b->other++)
				b->first_other = ret;
		}
	}
	return NULL;
}

/* Store @v at @p: false, or true if the store faulted. */
static bool store_faults(volatile unsigned char *p, unsigned char v)
{
	if (sigsetjmp(store_env, 1))
		return true;
	store_armed = 1;
	*p = v;
	store_armed = 0;
	return false;
}

static void byid_race(struct __test_metadata *_metadata, bool msync)
{
	struct sigaction sa = { .sa_handler = store_segv }, old;
	struct byid_race *b;
	cpu_set_t cpus;
	pthread_t a;
	char px[64], py[64];
	int fx, fy, cpu, rounds = 0, elsewhere = 0, segv = 0, no_w = 0;
	int bad_unmap = 0, not_locked = 0;
	unsigned char *x, *y;
	uint64_t xid, yid;
	double t0;

	b = calloc(1, sizeof(*b));
	ASSERT_NE(NULL, b);
	b->msync = msync;
	test_path(px, sizeof(px), "bidX");
	test_path(py, sizeof(py), "bidY");
	ASSERT_EQ(0, t_make_pattern_file(px, BYID_LEN));
	ASSERT_EQ(0, make_filled_file(py, BYID_LEN, 'Y'));
	if (msync) {
		/* Syncing X costs nothing, so A stays on the CPU. */
		fx = memfd_create("neoos-byid-X", MFD_CLOEXEC);
		ASSERT_LE(0, fx);
		ASSERT_EQ(0, ftruncate(fx, BYID_LEN));
	} else {
		fx = sys_open(px, O_RDWR);
		ASSERT_LE(0, fx);
	}
	fy = sys_open(py, O_RDWR);
	ASSERT_LE(0, fy);

	/* A (created below, inheriting it) and B share one CPU. */
	cpu = sched_getcpu();
	ASSERT_LE(0, cpu);
	CPU_ZERO(&cpus);
	CPU_SET(cpu, &cpus);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpus), &cpus));
	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, &old));

	x = sys_mmap_ex(NULL, BYID_LEN, RW, NEOOS_MAP_SHARED, fx, 0, &xid);
	ASSERT_NE(NULL, x);
	atomic_store(&b->id, xid);
	ASSERT_EQ(0, pthread_create(&a, NULL, byid_caller, b));

	t0 = now_s();
	for (int r = 0; r < BYID_ROUNDS && now_s() - t0 < BYID_SECONDS; r++) {
		struct vma v;
		int ret;

		rounds++;
		/* A calls on X; B's wake-up preempts it somewhere. */
		sleep_us(BYID_GAP_US);
		ret = sys_munmap_id(xid);
		if (ret != E_OK && bad_unmap++ < 3)
			TH_LOG("round %d: sys_munmap_id(X): %s", r,
			       sys_strerror(ret));
		if (msync)
			ASSERT_EQ(0, mlockall(MCL_FUTURE));
		y = sys_mmap_ex(x, BYID_LEN, RW, NEOOS_MAP_SHARED, fy, 0, &yid);
		ASSERT_NE(NULL, y) TH_LOG("round %d: mapping Y: %s", r,
					  sys_strerror(sys_errno()));
		/* Y stays locked; nothing mapped from here on is. */
		if (msync)
			ASSERT_EQ(0, munlockall());
		if (y != x)
			elsewhere++;
		/* A finishes the call it was in. */
		sleep_us(BYID_GAP_US);
		if (msync) {
			if (t_vma_has_flag(y, "lo") != 1 && not_locked++ < 3)
				TH_LOG("round %d: Y is not locked", r);
		} else {
			if (store_faults(y + r % BYID_LEN, (unsigned char)r) &&
			    segv++ < 3)
				TH_LOG("round %d: a store into Y (at %p, X was at %p) faulted",
				       r, y, x);
			ASSERT_EQ(0, t_vma_at(y, &v));
			if (v.perms[1] != 'w' && no_w++ < 3)
				TH_LOG("round %d: /proc/self/maps has Y %s",
				       r, v.perms);
		}
		ret = sys_munmap_id(yid);
		if (ret != E_OK && bad_unmap++ < 3)
			TH_LOG("round %d: sys_munmap_id(Y): %s", r,
			       sys_strerror(ret));
		x = sys_mmap_ex(x, BYID_LEN, RW, NEOOS_MAP_SHARED, fx, 0, &xid);
		ASSERT_NE(NULL, x) TH_LOG("round %d: mapping X: %s", r,
					  sys_strerror(sys_errno()));
		atomic_store(&b->id, xid);
	}
	atomic_store(&b->stop, true);
	ASSERT_EQ(0, pthread_join(a, NULL));
	t0 = now_s() - t0;
	sigaction(SIGSEGV, &old, NULL);

	EXPECT_EQ(0, bad_unmap);
	EXPECT_EQ(0, not_locked);
	EXPECT_EQ(0, segv);
	EXPECT_EQ(0, no_w);
	EXPECT_EQ(0, b->busy);
	EXPECT_EQ(0, b->nomem);
	EXPECT_EQ(0, b->other)
		TH_LOG("first other result: %d (%s)", b->first_other,
		       sys_strerror(b->first_other));
	/* A race that A never won would show nothing. */
	EXPECT_LT(0, b->ok);
	EXPECT_EQ(E_OK, sys_munmap_id(xid));
	EXPECT_EQ(0, sys_mmap_list(0, NULL, 0));
	if (msync)
		ksft_print_msg("neoos-figure: sys_msync(X, SYNC|INVALIDATE) by id on one CPU with X replaced by a locked Y: %d rounds in %.1f s (%d with Y elsewhere), %ld calls: %ld E_OK, %ld E_INVAL, %ld E_BUSY, %ld E_NOMEM, %ld other\n",
			       rounds, t0, elsewhere, b->calls, b->ok,
			       b->inval, b->busy, b->nomem, b->other);
	else
		ksft_print_msg("neoos-figure: sys_mprotect(X, READ / READ|WRITE) by id on one CPU with X replaced by Y: %d rounds in %.1f s (%d with Y elsewhere), Y lost write %d times (%d by /proc/self/maps); %ld calls: %ld E_OK, %ld E_INVAL, %ld E_NOMEM, %ld other\n",
			       rounds, t0, elsewhere, segv, no_w, b->calls,
			       b->ok, b->inval, b->nomem, b->other + b->busy);
	fflush(stdout);
	if (msync)
		close(fx);
	else
		sys_close(fx);
	sys_close(fy);
	unlink(px);
	unlink(py);
	free(b);
}

TEST(mprotect_by_id_races_unmap_and_remap)
{
	byid_race(_metadata, false);
}

TEST(msync_by_id_races_unmap_and_remap)
{
	byid_race(_metadata, true);
}

TEST_HARNESS_MAIN
