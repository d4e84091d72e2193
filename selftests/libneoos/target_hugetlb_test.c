// SPDX-License-Identifier: GPL-2.0
/*
 * A neoos mapping is a mapping of the target made by the core: every
 * decision mmap(2) makes for a file is made for the target file, never for
 * /dev/neoos or the descriptor it was opened with.  Wherever it can, each
 * test maps the same descriptor with mmap(2) too and asserts "the same as
 * mmap(2)".
 *
 * Here, hugetlbfs: a 4096-byte map is a huge page, as mmap(2) makes it,
 * sys_mprotect() and sys_msync() take that huge page as mprotect(2) and
 * msync(2) do, and it is not charged to Committed_AS, as mmap(2)'s is not; a page that a
 * userfaultfd monitor provides reaches READ and WRITE by id as it reaches
 * a load and a store, and a READ whose fault waits for the monitor while
 * another thread unmaps the mapping reports the mapping gone.
 *
 * Each test checks that it leaves nothing behind (t_leak_check()): neoos's
 * live mappings and VMAs, the module's reference count and this
 * process's VMAs.
 */
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#include <linux/userfaultfd.h>

#include <libneoos.h>

#include "common.h"
#include "kselftest_harness.h"

#define HUGE		(2UL << 20)

/* ---- hugetlbfs ---- */

#define HUGE_DIR	"target_huge"

FIXTURE(huge) {
	bool skipped;
	long nr_before;
	bool mounted;
	int fd;
	void *native;	/* a test's mmap(2) mapping, HUGE bytes */
};

FIXTURE_SETUP(huge)
{
	unsigned char *p;

	self->fd = -1;
	self->nr_before = -1;
	self->native = MAP_FAILED;
	T_SETUP_NEED_ROOT("reserves huge pages (vm.nr_hugepages) and mounts hugetlbfs");
	self->nr_before = t_nr_hugepages(-1);
	if (self->nr_before < 0)
		SETUP_SKIP("no " NR_HUGEPAGES ": kernel without hugetlb");
	if (t_nr_hugepages(self->nr_before + 4) < self->nr_before + 4)
		SETUP_SKIP("the pool could not get 4 huge pages (memory fragmented?)");
	mkdir(HUGE_DIR, 0755);
	ASSERT_EQ(0, mount("none", HUGE_DIR, "hugetlbfs", 0, "pagesize=2M"));
	self->mounted = true;
	self->fd = open(HUGE_DIR "/file", O_RDWR | O_CREAT, 0644);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ftruncate(self->fd, HUGE));
	p = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (size_t i = 0; i < HUGE; i += PAGE)
		p[i] = t_pattern_byte(i);
	ASSERT_EQ(0, munmap(p, HUGE));
}

FIXTURE_TEARDOWN(huge)
{
	if (self->native != MAP_FAILED)
		munmap(self->native, HUGE);
	if (self->fd >= 0)
		close(self->fd);
	unlink(HUGE_DIR "/file");
	if (self->mounted)
		EXPECT_UNMOUNTED(HUGE_DIR);
	rmdir(HUGE_DIR);
	if (self->nr_before >= 0)
		t_nr_hugepages(self->nr_before);
}

/*
 * mmap(2) rounds the length of a hugetlbfs mapping up to the huge page
 * (ksys_mmap_pgoff()); vm_mmap() alone would refuse 4096 bytes.
 */
TEST_F(huge, map_4096_bytes_like_mmap)
{
	struct leak_snap before;
	unsigned char *q, *p;
	struct vma nv, v;

	SKIPPED();
	t_leak_snapshot(&before);
	q = self->native = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
				self->fd, 0);
	ASSERT_NE(MAP_FAILED, q) TH_LOG("mmap(2) of 4096 bytes: %s", strerror(errno));
	ASSERT_EQ(0, t_vma_at(q, &nv));
	EXPECT_EQ(HUGE, nv.end - nv.start);

	p = sys_mmap(self->fd, 0, PAGE);
	ASSERT_NE(NULL, p) TH_LOG("sys_mmap of 4096 bytes: E %d", sys_errno());
	ASSERT_EQ(0, t_vma_at(p, &v));
	EXPECT_EQ(nv.end - nv.start, v.end - v.start);
	EXPECT_EQ(0, (uintptr_t)p % HUGE);
	EXPECT_EQ(t_pattern_byte(0), p[0]);
	p[1] = 'H';
	EXPECT_EQ('H', q[1]);
	EXPECT_EQ(E_OK, sys_munmap(p, PAGE));
	EXPECT_EQ(0, t_vmas_in(p, HUGE));
	EXPECT_EQ('H', q[1]);
	EXPECT_EQ(0, munmap(q, HUGE));
	self->native = MAP_FAILED;
	EXPECT_NO_LEAK(&before, "hugetlbfs 4096-byte map");
}

/*
 * mprotect(2) and msync(2) of a 4096-byte hugetlbfs mapping take its
 * whole VMA, a huge page; sys_mprotect() and sys_msync() of the neoos
 * mapping must work as they do, with the VMA the module reports (a range
 * rounded to base pages would split the huge page: EINVAL).
 */
TEST_F(huge, mprotect_and_msync_of_4096_bytes_like_mmap)
{
	struct leak_snap before;
	unsigned char *q, *p;
	struct vma nv, v;
	uint64_t id = 0;

	SKIPPED();
	t_leak_snapshot(&before);
	q = self->native = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
				self->fd, 0);
	ASSERT_NE(MAP_FAILED, q);
	q[2] = 'N';
	EXPECT_EQ(0, msync(q, HUGE, MS_SYNC)) TH_LOG("msync(2): %s", strerror(errno));
	EXPECT_EQ(0, mprotect(q, HUGE, PROT_READ)) TH_LOG("mprotect(2): %s", strerror(errno));
	ASSERT_EQ(0, t_vma_at(q, &nv));

	p = sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			NEOOS_MAP_SHARED, self->fd, 0, &id);
	ASSERT_NE(NULL, p) TH_LOG("sys_mmap_ex of 4096 bytes: E %d", sys_errno());
	p[3] = 'S';
	EXPECT_EQ(E_OK, sys_msync(id, 0, 0, NEOOS_MS_SYNC)) TH_LOG("E %d", sys_errno());
	EXPECT_EQ(E_OK, sys_mprotect(id, NEOOS_PROT_READ)) TH_LOG("E %d", sys_errno());
	ASSERT_EQ(0, t_vma_at(p, &v));
	EXPECT_STREQ(nv.perms, v.perms);
	EXPECT_EQ(nv.end - nv.start, v.end - v.start);
	EXPECT_EQ('S', q[3]);
	EXPECT_EQ(E_OK, sys_mprotect(id, NEOOS_PROT_READ | NEOOS_PROT_WRITE));
	p[4] = 'W';
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	EXPECT_EQ('W', q[4]);
	EXPECT_EQ(0, munmap(q, HUGE));
	self->native = MAP_FAILED;
	EXPECT_NO_LEAK(&before, "hugetlbfs 4096-byte mprotect and msync");
}

/*
 * hugetlb memory is accounted by hugetlb's own reservations, never in
 * Committed_AS (accountable_mapping()): a private writable neoos mapping
 * of a hugetlbfs file must not be charged there either.  Least of three
 * tries, against noise from anything else that runs.
 */
TEST_F(huge, private_not_charged_to_committed_as)
{
	long native = LONG_MAX, neoos = LONG_MAX, before_kb, after_kb;
	struct leak_snap before;
	uint64_t id;
	void *q, *p;

	SKIPPED();
	t_leak_snapshot(&before);
	for (int i = 0; i < 3; i++) {
		before_kb = t_meminfo_kb("Committed_AS:");
		q = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			 self->fd, 0);
		after_kb = t_meminfo_kb("Committed_AS:");
		ASSERT_NE(MAP_FAILED, q);
		ASSERT_EQ(0, munmap(q, HUGE));
		if (after_kb - before_kb < native)
			native = after_kb - before_kb;

		before_kb = t_meminfo_kb("Committed_AS:");
		p = sys_mmap_ex(NULL, HUGE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
				NEOOS_MAP_PRIVATE, self->fd, 0, &id);
		after_kb = t_meminfo_kb("Committed_AS:");
		ASSERT_NE(NULL, p) TH_LOG("E %d", sys_errno());
		ASSERT_EQ(E_OK, sys_munmap_id(id));
		if (after_kb - before_kb < neoos)
			neoos = after_kb - before_kb;
	}
	EXPECT_GT(1024, neoos - native)
		TH_LOG("Committed_AS for a private writable 2 MiB hugetlbfs mapping: mmap(2) +%ld kB, neoos +%ld kB",
		       native, neoos);
	EXPECT_NO_LEAK(&before, "hugetlbfs private map");
}

/*
 * READ and WRITE by id fault a missing page in as a load or store by the
 * caller would, which a userfaultfd monitor serves: the fault may drop
 * mmap_lock and wait (FAULT_FLAG_ALLOW_RETRY).  Faulted in under
 * mmap_lock by get_user_pages() alone, userfaultfd refuses the fault
 * (SIGBUS: "FAULT_FLAG_ALLOW_RETRY missing", with a stack dump on a
 * CONFIG_DEBUG_VM kernel) and the request fails with E_IO; and a page
 * whose I/O a thread of the caller serves (FUSE) would deadlock the same
 * way as soon as that thread needed mmap_lock.  hugetlbfs because
 * userfaultfd registers neoos's shmem VMAs only from 7.x on (vma.c).
 */
#define UFFD_FILE	HUGE_DIR "/uffd"
#define UFFD_MS		5000

struct monitor {
	int uffd;
	void *area;	/* two huge pages */
	int served;
	int err;
};

/* Serve two missing-page faults, with 'R' and 'W' huge pages. */
static void *monitor_thread(void *data)
{
	struct monitor *m = data;
	struct pollfd pfd = { .fd = m->uffd, .events = POLLIN };
	unsigned char *src;

	src = mmap(NULL, HUGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (src == MAP_FAILED) {
		m->err = errno;
		return NULL;
	}
	while (m->served < 2) {
		struct uffd_msg msg;
		struct uffdio_copy c;
		uint64_t page;

		if (poll(&pfd, 1, UFFD_MS) != 1) {
			m->err = ETIMEDOUT;
			break;
		}
		if (read(m->uffd, &msg, sizeof(msg)) != sizeof(msg)) {
			m->err = errno;
			break;
		}
		if (msg.event != UFFD_EVENT_PAGEFAULT) {
			m->err = EPROTO;
			break;
		}
		page = msg.arg.pagefault.address & ~(uint64_t)(HUGE - 1);
		memset(src, page == (uintptr_t)m->area ? 'R' : 'W', HUGE);
		c = (struct uffdio_copy){
			.dst = page, .src = (uintptr_t)src, .len = HUGE,
		};
		if (ioctl(m->uffd, UFFDIO_COPY, &c)) {
			m->err = errno;
			break;
		}
		m->served++;
	}
	munmap(src, HUGE);
	return NULL;
}

static void *idle_thread(void *data)
{
	return data;
}

/*
 * The file of a userfaultfd test, @size bytes, after the leak snapshot
 * into @before (glibc keeps a joined thread's stack for the next thread:
 * one is made and joined first); its descriptor, or -errno.
 */
static int uffd_file(struct leak_snap *before, off_t size)
{
	pthread_t thr;
	int fd, err;

	err = pthread_create(&thr, NULL, idle_thread, NULL);
	if (!err)
		err = pthread_join(thr, NULL);
	if (err)
		return -err;
	t_leak_snapshot(before);
	fd = open(UFFD_FILE, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

TEST_F(huge, read_write_by_id_served_by_userfaultfd)
{
	struct monitor m = { .uffd = -1 };
	struct leak_snap before;
	unsigned char buf[64], back;
	pthread_t thr;
	uint64_t id;
	int fd, rret, wret;

	SKIPPED();
	fd = uffd_file(&before, 2 * HUGE);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", UFFD_FILE, strerror(-fd));
	m.area = sys_mmap_ex(NULL, 2 * HUGE,
			     NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			     NEOOS_MAP_SHARED, fd, 0, &id);
	ASSERT_NE(NULL, m.area) TH_LOG("E %d", sys_errno());
	m.uffd = t_uffd_open();
	ASSERT_LE(0, m.uffd) TH_LOG("userfaultfd: %s", strerror(-m.uffd));
	ASSERT_EQ(0, t_uffd_register(m.uffd, m.area, 2 * HUGE))
		TH_LOG("registering the neoos mapping");
	ASSERT_EQ(0, pthread_create(&thr, NULL, monitor_thread, &m));

	rret = sys_mmap_read(id, 100, buf, sizeof(buf));
	memset(buf + 1, 'x', sizeof(buf) - 1);
	wret = sys_mmap_write(id, HUGE + 100, buf + 1, sizeof(buf) - 1);
	ASSERT_EQ(0, pthread_join(thr, NULL));
	EXPECT_EQ(E_OK, rret);
	EXPECT_EQ('R', buf[0]);
	EXPECT_EQ(E_OK, wret);
	EXPECT_EQ(2, m.served) TH_LOG("monitor: %s", strerror(m.err));
	/* What WRITE stored is in the page the monitor provided. */
	ASSERT_EQ(1, pread(fd, &back, 1, HUGE + 100));
	EXPECT_EQ('x', back);
	ASSERT_EQ(1, pread(fd, &back, 1, HUGE + 99));
	EXPECT_EQ('W', back);

	close(m.uffd);
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	close(fd);
	unlink(UFFD_FILE);
	EXPECT_NO_LEAK(&before, "hugetlbfs userfaultfd");
}

/* A READ by id, on a thread of its own. */
struct waiting_read {
	uint64_t id;
	unsigned char buf[16];
	int ret;
};

static void *read_thread(void *data)
{
	struct waiting_read *r = data;

	r->ret = sys_mmap_read(r->id, 100, r->buf, sizeof(r->buf));
	return NULL;
}

/*
 * READ's fault waits for the monitor with mmap_lock dropped, and another
 * thread unmaps the mapping meanwhile.  Woken without a page, the fault
 * finds the mapping gone: READ reports that (E_INVAL, as for a page it
 * had not reached yet), not an I/O error, and copies nothing.
 */
TEST_F(huge, read_whose_fault_waits_while_the_mapping_goes)
{
	struct waiting_read r = { .ret = 1 };
	struct pollfd pfd = { .events = POLLIN };
	struct uffdio_range wake;
	struct leak_snap before;
	struct uffd_msg msg;
	pthread_t thr;
	void *p;
	int fd;

	SKIPPED();
	fd = uffd_file(&before, HUGE);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", UFFD_FILE, strerror(-fd));
	p = sys_mmap_ex(NULL, HUGE, NEOOS_PROT_READ, NEOOS_MAP_SHARED, fd, 0,
			&r.id);
	ASSERT_NE(NULL, p) TH_LOG("E %d", sys_errno());
	pfd.fd = t_uffd_open();
	ASSERT_LE(0, pfd.fd) TH_LOG("userfaultfd: %s", strerror(-pfd.fd));
	ASSERT_EQ(0, t_uffd_register(pfd.fd, p, HUGE));
	memset(r.buf, '?', sizeof(r.buf));
	ASSERT_EQ(0, pthread_create(&thr, NULL, read_thread, &r));

	/* The reader's fault is waiting: unmap under it, then wake it. */
	ASSERT_EQ(1, poll(&pfd, 1, UFFD_MS)) TH_LOG("no fault to serve");
	ASSERT_EQ(sizeof(msg), read(pfd.fd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);
	EXPECT_EQ(E_OK, sys_munmap_id(r.id));
	wake = (struct uffdio_range){ .start = (uintptr_t)p, .len = HUGE };
	EXPECT_EQ(0, ioctl(pfd.fd, UFFDIO_WAKE, &wake));
	ASSERT_EQ(0, pthread_join(thr, NULL));
	EXPECT_EQ(E_INVAL, r.ret) TH_LOG("READ of a mapping unmapped under its fault");
	EXPECT_EQ('?', r.buf[0]);

	close(pfd.fd);
	close(fd);
	unlink(UFFD_FILE);
	EXPECT_NO_LEAK(&before, "hugetlbfs userfaultfd, unmapped under a fault");
}

TEST_HARNESS_MAIN
