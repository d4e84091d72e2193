// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetimes around neoos mappings: the module stays while a mapping does,
 * calls without the device fail as documented,
 * exec and exit clean up, threads map and unmap at once, memfd seals see
 * neoos's writable mappings exactly as they see mmap(2)'s, and the kernel
 * memory a mapping holds is charged to its maker's memory cgroup.
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <libneoos.h>
#include <syscalls.h>

#include "common.h"
#include "kselftest_harness.h"

static int delete_module(const char *name)
{
	return syscall(__NR_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

static int load_module(void)
{
	const char *ko = getenv("NEOOS_KO");
	int fd, ret;

	if (!ko)
		return -ENOENT;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

/*
 * Runs in a child so that the parent, and libneoos's descriptor in it,
 * keeps no reference to the module.
 */
static int rmmod_with_mapping(const char *path)
{
	int fd = sys_open(path, O_RDWR);
	char *p = sys_mmap(fd, 0, PAGE);
	int dev;

	if (!p)
		return 10;
	sys_close(fd);
	/* Close libneoos's /dev/neoos descriptor: only the VMA is left. */
	for (dev = 3; dev < 64; dev++)
		close(dev);
	if (delete_module("neoos") != -EWOULDBLOCK &&
	    delete_module("neoos") != -EBUSY)
		return 11;
	p[1] = 'R';
	/* libneoos's descriptor is gone too: unmap with munmap(2). */
	if (munmap(p, PAGE))
		return 12;
	return 0;
}

TEST(rmmod_refused_while_mapped_then_allowed)
{
	const char *path = "lifetime_rmmod";
	int status;
	pid_t pid;

	if (!getenv("NEOOS_KO"))
		SKIP(return, "NEOOS_KO is not set: cannot reload neoos.ko");
	T_NEED_ROOT("rmmod and insmod of neoos.ko take CAP_SYS_MODULE");
	ASSERT_EQ(0, t_make_pattern_file(path, PAGE));
	pid = fork();
	if (pid == 0)
		_exit(rmmod_with_mapping(path));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ('R', t_file_byte(path, 1));

	/* Without the device, sys_mmap fails cleanly with E_NOSYS. */
	pid = fork();
	if (pid == 0) {
		int fd = sys_open(path, O_RDWR);

		if (delete_module("neoos"))
			_exit(20);
		_exit(!sys_mmap(fd, 0, PAGE) && sys_errno() == E_NOSYS ? 0 : 21);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* Put it back for whatever runs next. */
	ASSERT_EQ(0, load_module());
	ASSERT_EQ(0, access(NEOOS_DEVICE_PATH, F_OK));
	unlink(path);
}

/*
 * Without the device (NEOOS_DEVICE names no node, and the library's
 * descriptor is closed under it), a call with a bad argument still fails
 * with E_INVAL: every call checks its arguments before it opens the
 * device.  A call with good arguments gets E_NOSYS.  Returns the number
 * of the first check that failed, 0 if none.
 */
static int calls_without_device(void *unused)
{
	struct neoos_mapping_info info;
	struct neoos_stats st;
	int n = 0;

	(void)unused;
	if (setenv("NEOOS_DEVICE", "/nonexistent/neoos", 1) ||
	    syscall(__NR_close_range, 3, ~0U, 0))
		return 100;
#define CHECK(ok) do { n++; if (!(ok)) return n; } while (0)
	CHECK(!sys_mmap(-1, 0, PAGE) && sys_errno() == E_INVAL);
	CHECK(sys_munmap(NULL, PAGE) == E_INVAL);
	CHECK(!sys_mmap_ex(NULL, PAGE, -1, NEOOS_MAP_SHARED, 0, 0, NULL) &&
	      sys_errno() == E_INVAL);
	CHECK(sys_mprotect(1, 0x100) == E_INVAL);
	CHECK(sys_msync(1, 0, 0, -1) == E_INVAL);
	CHECK(sys_mmap_info(1, NULL) == E_INVAL);
	CHECK(sys_mmap_info_addr(&n, NULL) == E_INVAL);
	CHECK(sys_mmap_list(0, NULL, -1) == E_INVAL);
	CHECK(neoos_stats(NULL) == E_INVAL);
	CHECK(!sys_mmap(0, 0, PAGE) && sys_errno() == E_NOSYS);
	CHECK(sys_mmap_info(1, &info) == E_NOSYS);
	CHECK(sys_munmap_id(1) == E_NOSYS);
	CHECK(neoos_stats(&st) == E_NOSYS);
	CHECK(sys_errno() == E_NOSYS);
#undef CHECK
	return 0;
}

TEST(argument_errors_before_the_device)
{
	EXPECT_EQ(0, t_run_child(calls_without_device, NULL))
		TH_LOG("the check of that number in calls_without_device() failed");
}

TEST(insmod_rmmod_100_times)
{
	int i;

	if (!getenv("NEOOS_KO"))
		SKIP(return, "NEOOS_KO is not set: cannot reload neoos.ko");
	T_NEED_ROOT("rmmod and insmod of neoos.ko take CAP_SYS_MODULE");
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, delete_module("neoos")) TH_LOG("round %d", i);
		ASSERT_EQ(0, load_module()) TH_LOG("round %d", i);
	}
	/* And it still works. */
	ASSERT_EQ(0, t_make_pattern_file("lifetime_reload", PAGE));
	int fd = sys_open("lifetime_reload", O_RDWR);
	char *p = sys_mmap(fd, 0, PAGE);

	ASSERT_NE(NULL, p);
	EXPECT_EQ(E_OK, sys_munmap(p, PAGE));
	sys_close(fd);
	unlink("lifetime_reload");
	ksft_print_msg("neoos-figure: insmod/rmmod cycles: %d\n", i);
	fflush(stdout);
}

TEST(exec_without_munmap_keeps_writes)
{
	const char *path = "lifetime_exec";
	int status;
	pid_t pid;

	ASSERT_EQ(0, t_make_pattern_file(path, PAGE));
	pid = fork();
	if (pid == 0) {
		int fd = sys_open(path, O_RDWR);
		char *p = sys_mmap(fd, 0, PAGE);

		if (!p)
			_exit(2);
		p[9] = 'X';
		execl("/bin/true", "true", NULL);
		_exit(3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ('X', t_file_byte(path, 9));
	unlink(path);
}

struct thread_arg {
	const char *path;
	int id;
	int failures;
};

static void *map_fault_unmap(void *data)
{
	struct thread_arg *a = data;
	int fd = sys_open(a->path, O_RDWR);

	for (int i = 0; i < 300; i++) {
		int page = (a->id * 31 + i) % 16;
		unsigned char *p = sys_mmap(fd, page * PAGE, 2 * PAGE);

		if (!p) {
			a->failures++;
			continue;
		}
		if (p[0] != t_pattern_byte(page * PAGE))
			a->failures++;
		p[PAGE + 64 + a->id] = (unsigned char)a->id;
		if (sys_munmap(p, 2 * PAGE) != E_OK)
			a->failures++;
	}
	sys_close(fd);
	return NULL;
}

TEST(threads_map_fault_unmap_concurrently)
{
	enum { THREADS = 8 };
	struct thread_arg args[THREADS];
	pthread_t tids[THREADS];
	const char *path = "lifetime_threads";

	ASSERT_EQ(0, t_make_pattern_file(path, 18 * PAGE));
	for (int i = 0; i < THREADS; i++) {
		args[i] = (struct thread_arg){ .path = path, .id = i };
		ASSERT_EQ(0, pthread_create(&tids[i], NULL, map_fault_unmap,
					    &args[i]));
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(tids[i], NULL);
		EXPECT_EQ(0, args[i].failures) TH_LOG("thread %d", i);
	}
	unlink(path);
}

TEST(memfd_write_seal_vs_writable_mapping)
{
	int fd = memfd_create("neoos", MFD_ALLOW_SEALING);
	char *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, PAGE));
	p = sys_mmap(fd, 0, PAGE);
	ASSERT_NE(NULL, p);
	p[0] = 'M';
	/* A live writable mapping blocks the seal... */
	EXPECT_EQ(-1, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	EXPECT_EQ(EBUSY, errno);
	/* ...until it is gone. */
	ASSERT_EQ(E_OK, sys_munmap(p, PAGE));
	EXPECT_EQ(0, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	/* Now writable mappings are refused, read-only ones are not. */
	EXPECT_EQ(NULL, sys_mmap(fd, 0, PAGE));
	EXPECT_EQ(E_PERM, sys_errno());
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ('M', p[0]);
	munmap(p, PAGE);
	close(fd);
}

TEST(memfd_future_write_seal)
{
	int fd = memfd_create("neoos", MFD_ALLOW_SEALING);
	char *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, PAGE));
	ASSERT_EQ(0, fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
	p = sys_mmap(fd, 0, PAGE);
	EXPECT_EQ(NULL, p);
	EXPECT_EQ(E_PERM, sys_errno());
	close(fd);
}

TEST(memfd_seals_balanced_after_many_mappings)
{
	int fd = memfd_create("neoos", MFD_ALLOW_SEALING);
	char *maps[32];

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, PAGE));
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 32; i++) {
			maps[i] = sys_mmap(fd, 0, PAGE);
			ASSERT_NE(NULL, maps[i]);
		}
		/* A fork doubles the writable VMAs; its exit removes them. */
		if (fork() == 0)
			_exit(0);
		wait(NULL);
		EXPECT_EQ(-1, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
		for (int i = 0; i < 32; i++)
			ASSERT_EQ(E_OK, sys_munmap(maps[i], PAGE));
	}
	EXPECT_EQ(0, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	close(fd);
}

#define CHARGE_MAPS	8000

/*
 * Make @n mappings of the first page of @fd, with sys_mmap() if @neoos,
 * else mmap(2); say so on @ready, hold them until @hold reads EOF, then
 * unmap them; 0 if all of that worked.  Every mapping maps file offset 0,
 * so no two VMAs can merge.
 */
static int hold_maps(int fd, bool neoos, int n, int ready, int hold)
{
	void **maps = calloc(n, sizeof(*maps));
	char c;
	int i;

	CHK(maps);
	for (i = 0; i < n; i++) {
		maps[i] = neoos ? sys_mmap(fd, 0, PAGE) :
			mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			     fd, 0);
		CHK(maps[i] && maps[i] != MAP_FAILED);
	}
	/* Closed, so that the parent sees EOF if a sibling fails. */
	CHK(write(ready, "m", 1) == 1 && !close(ready));
	CHK(read(hold, &c, 1) == 0);
	for (i = 0; i < n; i++)
		CHK(neoos ? sys_munmap(maps[i], PAGE) == E_OK :
			    munmap(maps[i], PAGE) == 0);
	free(maps);
	return 0;
}

/*
 * Bytes memory cgroup @cg was charged while @n mappings of the first page
 * of @fd lived, made with sys_mmap() if @neoos, else mmap(2).
 * They are spread over t_timeout_scale() processes (common.h): on a debug
 * kernel the VMAs of one mm would make the test quadratic.  The children
 * are in @cg too, and cost the same on both sides.
 */
static long charged_for_maps(const char *cg, int fd, bool neoos, int n)
{
	int procs = t_timeout_scale(), ready[2], hold[2], status, i, bad = 0;
	long before, after = -1;
	char c;

	/* n / procs mappings each, for exactly n in all */
	while (procs > 1 && n % procs)
		procs--;
	if (pipe(ready))
		return -1;
	if (pipe(hold)) {
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	before = t_memcg_current(cg);
	for (i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid < 0)
			break;
		if (pid == 0) {
			close(ready[0]);
			close(hold[1]);
			_exit(hold_maps(fd, neoos, n / procs,
					ready[1], hold[0]));
		}
	}
	close(ready[1]);
	close(hold[0]);
	/* One byte from each child that made its mappings. */
	for (i = 0; i < procs && read(ready[0], &c, 1) == 1; i++)
		;
	if (i == procs)
		after = t_memcg_current(cg);
	close(hold[1]);
	close(ready[0]);
	while (wait(&status) > 0)
		bad |= !WIFEXITED(status) || WEXITSTATUS(status);
	return before < 0 || after < 0 || bad ? -1 : after - before;
}

/* In a child, inside the cgroup: 0 if neoos's objects were charged. */
static int charge_child(void *arg)
{
	int fd = *(int *)arg;
	long native, neoos;

	if (!t_join_memcg("neoos-charge", "max"))
		return 2;
	/* Some of each first, so neither side pays for first-use setup. */
	if (charged_for_maps("neoos-charge", fd, false, CHARGE_MAPS / 8) < 0 ||
	    charged_for_maps("neoos-charge", fd, true, CHARGE_MAPS / 8) < 0)
		return 3;
	native = charged_for_maps("neoos-charge", fd, false, CHARGE_MAPS);
	neoos = charged_for_maps("neoos-charge", fd, true, CHARGE_MAPS);
	ksft_print_msg("memory.current grew %ld bytes for %d mmap(2) mappings, %ld for %d sys_mmap ones\n",
		       native, CHARGE_MAPS, neoos, CHARGE_MAPS);
	if (native < 0 || neoos < 0)
		return 3;
	/*
	 * Both pay for their VMAs and page tables; neoos's mapping objects
	 * (256 bytes each) come on top.  Without __GFP_ACCOUNT they would be
	 * charged to nobody and the two would grow alike.
	 */
	return neoos - native >= CHARGE_MAPS * 128L ? 0 : 1;
}

FIXTURE(memcg) {};
FIXTURE_SETUP(memcg) {}
FIXTURE_TEARDOWN(memcg) {}

/*
 * A process in a memory cgroup cannot pin uncharged kernel memory through
 * neoos: each mapping's kernel object is charged to the cgroup, as its VMA
 * is.  Tens of thousands of mmap and munmap calls: a few seconds on a
 * production kernel, minutes on the debug kernel (120 s, times
 * t_timeout_scale(), is the harness's limit there).
 */
TEST_F_TIMEOUT(memcg, mapping_memory_charged_to_memcg, 120)
{
	int fd, ret;

	T_NEED_ROOT("makes a memory cgroup and moves a child into it");
	ASSERT_EQ(0, t_make_pattern_file("charge.dat", PAGE));
	fd = open("charge.dat", O_RDWR);
	ASSERT_LE(0, fd);
	ret = t_run_child(charge_child, &fd);
	close(fd);
	unlink("charge.dat");
	rmdir("/sys/fs/cgroup/neoos-charge");
	if (ret == 2)
		SKIP(return, "no cgroup2 memory controller to join");
	ASSERT_EQ(0, ret);
}

TEST_HARNESS_MAIN
