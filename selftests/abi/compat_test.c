// SPDX-License-Identifier: GPL-2.0
/*
 * The ABI from a 32-bit process: built with -m32 (a static i386 binary),
 * it drives every ioctl through compat_ptr_ioctl.  The structures must
 * have the same size and layout as in a 64-bit process - no compat code
 * in the module - and user pointers travel as __u64.
 */
#include <limits.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/neoos.h>

#include "common.h"
#include "kselftest_harness.h"
#include "neoosctl/ctl.h"

#ifndef NO_M32
/* The sizes a 64-bit process sees (x86-64). */
_Static_assert(sizeof(struct neoos_version) == 16, "version");
_Static_assert(sizeof(struct neoos_map) == 48, "map");
_Static_assert(sizeof(struct neoos_unmap) == 32, "unmap");
_Static_assert(sizeof(struct neoos_info) == 88, "info");
_Static_assert(sizeof(struct neoos_rw) == 40, "rw");
_Static_assert(sizeof(struct neoos_list) == 16, "list");
_Static_assert(sizeof(struct neoos_stats) == 64, "stats");
_Static_assert(sizeof(struct neoos_msync) == 32, "msync");
_Static_assert(offsetof(struct neoos_map, offset) == 16, "map.offset");
_Static_assert(offsetof(struct neoos_info, id) == 8, "info.id");
_Static_assert(offsetof(struct neoos_info, path_size) == 48, "info.path_size");
_Static_assert(offsetof(struct neoos_info, vma_start) == NEOOS_INFO_SIZE_1_0,
	       "info.vma_start");
_Static_assert(offsetof(struct neoos_list, ids) == 8, "list.ids");
#endif

FIXTURE(compat) {
	int dev, fd;
};

FIXTURE_SETUP(compat)
{
	self->dev = open(NEOOS_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, t_make_pattern_file("compat_test.data", 4 * PAGE));
	self->fd = open("compat_test.data", O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(compat)
{
	if (self->fd > 0)
		close(self->fd);
	if (self->dev > 0)
		close(self->dev);
	unlink("compat_test.data");
}

TEST_F(compat, every_ioctl_from_32_bit)
{
	struct neoos_version v = { 0 };
	struct neoos_map m = {
		.fd = self->fd,
		.flags = NEOOS_MAP_SHARED | NEOOS_MAP_PROT_FROM_FD,
		.offset = PAGE + 3,
		.length = 2 * PAGE,
	};
	char path[256] = "";
	struct neoos_info info = {
		.query = NEOOS_INFO_BY_ID,
		.path = (uintptr_t)path,
		.path_size = sizeof(path),
	};
	uint64_t ids[4];
	struct neoos_list l = { .count = 4, .ids = (uintptr_t)ids };
	char buf[8];
	struct neoos_rw rw = { .length = 5, .buf = (uintptr_t)buf };
	struct neoos_stats st;
	struct neoos_unmap u;
	unsigned char *p;

	ASSERT_EQ(0, ioctl(self->dev, NEOOS_IOC_VERSION, &v));
	EXPECT_EQ(NEOOS_ABI_MAJOR, v.major);

	ASSERT_EQ(0, ioctl(self->dev, NEOOS_IOC_MAP, &m));
	EXPECT_GT(1ULL << 32, m.addr);
	p = (unsigned char *)(uintptr_t)m.addr;
	EXPECT_EQ(t_pattern_byte(PAGE + 3), p[0]);
	p[1] = 'c';
	EXPECT_EQ('c', t_file_byte("compat_test.data", PAGE + 4));

	info.id = m.id;
	ASSERT_EQ(0, ioctl(self->dev, NEOOS_IOC_INFO, &info));
	EXPECT_EQ(m.addr, info.addr);
	EXPECT_EQ(2 * PAGE, info.length);
	EXPECT_EQ(PAGE + 3, info.offset);
	EXPECT_TRUE(strstr(path, "compat_test.data") != NULL);

	ASSERT_EQ(0, ioctl(self->dev, NEOOS_IOC_LIST, &l));
	EXPECT_EQ(1, l.count);
	EXPECT_EQ(m.id, ids[0]);

	rw.id = m.id;
	ASSERT_EQ(0, ioctl(self->dev, NEOOS_IOC_WRITE, &(struct neoos_rw){
		.id = m.id, .offset = 2, .length = 2, .buf = (uintptr_t)"zz" }));
	ASSERT_EQ(0, ioctl(self->dev, NEOOS_IOC_READ, &rw));
	EXPECT_EQ('c', buf[1]);
	EXPECT_EQ('z', buf[2]);
	ASSERT_EQ(0, ioctl(self->dev, NEOOS_IOC_MSYNC, &(struct neoos_msync){
		.id = m.id, .offset = 2, .length = 2, .flags = NEOOS_MS_SYNC }));

	ASSERT_EQ(0, ioctl(self->dev, NEOOS_IOC_STATS, &st));
	EXPECT_LE(1, st.live_mappings);

	/* Padding and unknown flags are refused here too. */
	u = (struct neoos_unmap){ .addr = m.addr, .length = m.length, .pad = 1 };
	EXPECT_EQ(-1, ioctl(self->dev, NEOOS_IOC_UNMAP, &u));
	EXPECT_EQ(EINVAL, errno);
	u.pad = 0;
	ASSERT_EQ(0, ioctl(self->dev, NEOOS_IOC_UNMAP, &u));
	EXPECT_EQ(KILLED(SIGSEGV), t_run_child(t_touch_read, p));
}

/*
 * INFO by address about a 64-bit process (`neoosctl json`, which maps a
 * file for us), whose mappings lie above a 32-bit caller's TASK_SIZE.
 */
TEST_F(compat, info_by_address_of_a_64_bit_process)
{
	struct neoos_info by_id = { .query = NEOOS_INFO_BY_ID };
	struct neoos_info by_addr = { .query = NEOOS_INFO_BY_ADDR };
	char path[PATH_MAX];
	struct ctl c;
	int64_t id;

	if (!t_prog("neoosctl"))
		SKIP(return, NO_NEOOSCTL);
	T_NEED_ROOT("CAP_SYS_PTRACE, for INFO of another process (neoos(4))");
	signal(SIGPIPE, SIG_IGN);
	ASSERT_TRUE(realpath("compat_test.data", path) != NULL);
	ASSERT_EQ(0, ctl_start(&c));
	id = ctl_mmap(&c, path, 0, PAGE, 3, true);
	ASSERT_LT(0, id);

	by_id.pid = c.pid;
	by_id.id = id;
	ASSERT_EQ(0, ioctl(self->dev, NEOOS_IOC_INFO, &by_id));
	EXPECT_LE(1ULL << 32, by_id.addr) TH_LOG("not above 4 GiB");
	by_addr.pid = c.pid;
	by_addr.addr = by_id.addr + 1;
	EXPECT_EQ(0, ioctl(self->dev, NEOOS_IOC_INFO, &by_addr))
		TH_LOG("INFO by address: %s", strerror(errno));
	EXPECT_EQ(id, by_addr.id);
	EXPECT_EQ(c.pid, by_addr.owner_pid);

	EXPECT_EQ(0, ctl_finish(&c));
}

/*
 * Built 64-bit (without a 32-bit toolchain, or for the Debian package,
 * where an i386 program would be another architecture's), there is
 * nothing to test: the whole program skips.  Not a SKIP in FIXTURE_SETUP:
 * 6.1's harness runs the test after a setup that skipped.
 */
int main(int argc, char **argv)
{
	if (sizeof(void *) != 4) {
		ksft_print_header();
		ksft_exit_skip("not a 32-bit build: no 32-bit toolchain (gcc-multilib)\n");
	}
	return test_harness_run(argc, argv);
}
