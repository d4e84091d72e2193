// SPDX-License-Identifier: GPL-2.0
/*
 * A neoos mapping is a mapping of the target made by the core: every
 * decision mmap(2) makes for a file is made for the target file, never for
 * /dev/neoos or the descriptor it was opened with.  Wherever it can, each
 * test maps the same descriptor with mmap(2) too and asserts "the same as
 * mmap(2)".
 *
 * Here, how /dev/neoos was opened (O_RDONLY, O_WRONLY, a node on a
 * noexec mount): it changes nothing about the mapping, which is the
 * target's.
 *
 * Each test checks that it leaves nothing behind (t_leak_check()): neoos's
 * live mappings and VMAs, the module's reference count and this
 * process's VMAs.
 */
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "common.h"
#include "kselftest_harness.h"


/* ---- how /dev/neoos was opened ---- */

/*
 * do_mmap() decides VM_SHARED and VM_MAYWRITE from the mapped file's
 * f_mode: for the target, never for the /dev/neoos descriptor.
 */
TEST(dev_opened_read_only)
{
	char path[64];
	struct leak_snap before;
	struct neoos_map m;
	int dev, fd, ret;
	char *q, *p;

	snprintf(path, sizeof(path), "target_devro.%d", getpid());
	ASSERT_EQ(0, t_make_pattern_file(path, FSIZE));
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);
	/* The control. */
	q = mmap(NULL, FSIZE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(0, mprotect(q, FSIZE, PROT_READ | PROT_WRITE));
	munmap(q, FSIZE);

	dev = open(NEOOS_DEVICE_PATH, O_RDONLY);
	ASSERT_LE(0, dev);
	t_leak_snapshot(&before);
	m = (struct neoos_map){ .fd = fd, .length = FSIZE,
				.prot = NEOOS_PROT_READ,
				.flags = NEOOS_MAP_SHARED };
	ret = t_dev_map(dev, &m);
	ASSERT_EQ(0, ret) TH_LOG("NEOOS_IOC_MAP on O_RDONLY /dev/neoos: %s",
				 strerror(-ret));
	p = (char *)(uintptr_t)m.addr;
	ret = mprotect(p, FSIZE, PROT_READ | PROT_WRITE);
	EXPECT_EQ(0, ret) TH_LOG("mprotect(PROT_READ | PROT_WRITE): %s",
				 strerror(errno));
	if (!ret) {
		p[10] = 'R';
		EXPECT_EQ('R', t_file_byte(path, 10));
	}
	EXPECT_EQ(0, t_dev_unmap(dev, m.addr, FSIZE));
	EXPECT_NO_LEAK(&before, "O_RDONLY /dev/neoos");
	close(dev);
	close(fd);
	unlink(path);
}

/* do_mmap() refuses a file not open for reading: the target, not /dev/neoos. */
TEST(dev_opened_write_only)
{
	char path[64];
	struct leak_snap before;
	struct neoos_map m;
	int dev, fd, ret;

	snprintf(path, sizeof(path), "target_devwo.%d", getpid());
	ASSERT_EQ(0, t_make_pattern_file(path, FSIZE));
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);
	dev = open(NEOOS_DEVICE_PATH, O_WRONLY);
	ASSERT_LE(0, dev);
	t_leak_snapshot(&before);
	m = (struct neoos_map){ .fd = fd, .length = FSIZE,
				.prot = NEOOS_PROT_READ | NEOOS_PROT_WRITE,
				.flags = NEOOS_MAP_SHARED };
	ret = t_dev_map(dev, &m);
	ASSERT_EQ(0, ret) TH_LOG("NEOOS_IOC_MAP on O_WRONLY /dev/neoos: %s",
				 strerror(-ret));
	EXPECT_EQ(t_pattern_byte(PAGE), ((unsigned char *)(uintptr_t)m.addr)[PAGE]);
	((char *)(uintptr_t)m.addr)[PAGE] = 'W';
	EXPECT_EQ(0, t_dev_unmap(dev, m.addr, FSIZE));
	EXPECT_EQ('W', t_file_byte(path, PAGE));
	EXPECT_NO_LEAK(&before, "O_WRONLY /dev/neoos");
	close(dev);
	close(fd);
	unlink(path);
}

#define NODE_DIR	"target_devnode"

FIXTURE(devnode) {
	bool skipped;
	bool mounted;
};

FIXTURE_SETUP(devnode)
{
	unsigned int maj, min;
	FILE *f;
	int n;

	T_SETUP_NEED_ROOT("mounts a tmpfs and makes a device node in it (mknod)");
	f = fopen("/sys/class/misc/neoos/dev", "r");
	ASSERT_NE(NULL, f) TH_LOG("/sys/class/misc/neoos/dev: %s", strerror(errno));
	n = fscanf(f, "%u:%u", &maj, &min);
	fclose(f);
	ASSERT_EQ(2, n);
	/* noexec, but not nodev: the node must open. */
	ASSERT_EQ(0, t_tmpfs_at(NODE_DIR, MS_NOEXEC | MS_NOSUID));
	self->mounted = true;
	ASSERT_EQ(0, mknod(NODE_DIR "/neoos", S_IFCHR | 0666, makedev(maj, min)));
}

FIXTURE_TEARDOWN(devnode)
{
	if (self->mounted)
		t_unmount(NODE_DIR);
	rmdir(NODE_DIR);
}

/* do_mmap()'s noexec check is for the target's mount, not the device's. */
TEST_F(devnode, dev_node_on_noexec_mount)
{
	char path[64];
	struct leak_snap before;
	struct neoos_map m;
	int dev, fd, ret;
	struct vma v;
	void *q;

	SKIPPED();
	snprintf(path, sizeof(path), "target_devnode.%d", getpid());
	ASSERT_EQ(0, t_make_pattern_file(path, FSIZE));
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	/* The control: the file is on an exec mount. */
	q = mmap(NULL, FSIZE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, q);
	munmap(q, FSIZE);

	dev = open(NODE_DIR "/neoos", O_RDWR);
	ASSERT_LE(0, dev) TH_LOG("open %s/neoos: %s", NODE_DIR, strerror(errno));
	t_leak_snapshot(&before);
	m = (struct neoos_map){ .fd = fd, .length = FSIZE,
				.prot = NEOOS_PROT_READ | NEOOS_PROT_EXEC,
				.flags = NEOOS_MAP_SHARED };
	ret = t_dev_map(dev, &m);
	ASSERT_EQ(0, ret) TH_LOG("NEOOS_IOC_MAP for exec through a node on a noexec mount: %s",
				 strerror(-ret));
	ASSERT_EQ(0, t_vma_at((void *)(uintptr_t)m.addr, &v));
	EXPECT_NE(NULL, strchr(v.perms, 'x')) TH_LOG("perms %s", v.perms);
	EXPECT_EQ(t_pattern_byte(7), ((unsigned char *)(uintptr_t)m.addr)[7]);
	EXPECT_EQ(0, t_dev_unmap(dev, m.addr, FSIZE));
	EXPECT_NO_LEAK(&before, "/dev/neoos node on noexec mount");
	close(dev);
	close(fd);
	unlink(path);
}

TEST_HARNESS_MAIN
