// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/neoos device itself: its node, the VERSION ioctl, the ABI
 * rules every ioctl follows, INFO's two sizes (ABI 1.2 and before), the module reference each open holds, and
 * mmap(2) of the device, which is refused.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>

#include <linux/neoos.h>

#include "common.h"
#include "kselftest_harness.h"

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open(NEOOS_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open /dev/neoos: %s", strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST(node_mode_and_numbers)
{
	unsigned int maj, min;
	struct stat st;
	FILE *f;

	ASSERT_EQ(0, stat(NEOOS_DEVICE_PATH, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 0777);
	f = fopen("/sys/class/misc/neoos/dev", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(2, fscanf(f, "%u:%u", &maj, &min));
	fclose(f);
	EXPECT_EQ(10, maj);	/* MISC_MAJOR */
	EXPECT_EQ(maj, major(st.st_rdev));
	EXPECT_EQ(min, minor(st.st_rdev));
}

TEST_F(dev, version)
{
	struct neoos_version v;

	memset(&v, 0xff, sizeof(v));
	ASSERT_EQ(0, ioctl(self->fd, NEOOS_IOC_VERSION, &v));
	EXPECT_EQ(NEOOS_ABI_MAJOR, v.major);
	EXPECT_EQ(NEOOS_ABI_MINOR, v.minor);
	EXPECT_EQ(0, v.pad[0]);
	EXPECT_EQ(0, v.pad[1]);
}

TEST_F(dev, version_bad_pointer)
{
	EXPECT_EQ(-1, ioctl(self->fd, NEOOS_IOC_VERSION, (void *)16));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(dev, unknown_ioctls_enotty)
{
	struct neoos_version v;
	unsigned long cmds[] = {
		_IOR(NEOOS_IOC_MAGIC, 0x7f, struct neoos_version),
		_IO(NEOOS_IOC_MAGIC, 0x00),
		_IOR(NEOOS_IOC_MAGIC, 0x00, __u64),	/* wrong size */
		_IOW(NEOOS_IOC_MAGIC, 0x00, struct neoos_version), /* wrong dir */
		_IOR('x', 0x00, struct neoos_version),	/* wrong magic */
		TCGETS,
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->fd, cmds[i], &v)) TH_LOG("cmd %#lx", cmds[i]);
		EXPECT_EQ(ENOTTY, errno) TH_LOG("cmd %#lx", cmds[i]);
	}
}

static int map_ioctl(int dev, struct neoos_map *m)
{
	return ioctl(dev, NEOOS_IOC_MAP, m) ? errno : 0;
}

/*
 * INFO reports the VMA the mapping is (ABI 1.2): here 5000 bytes from
 * file offset 100, two pages, as /proc/self/maps shows them.  A program
 * built for ABI 1.0 or 1.1 has a 72-byte struct neoos_info and sends
 * NEOOS_IOC_INFO_1_0: it gets the same answer, and nothing past those 72
 * bytes is read or written.
 */
TEST_F(dev, info_reports_the_vma_and_keeps_abi_1_0)
{
	union {
		struct neoos_info i;
		unsigned char b[sizeof(struct neoos_info) + 16];
	} u1;
	unsigned char *buf = u1.b;
	struct neoos_info *old = &u1.i, info = {
		.query = NEOOS_INFO_BY_ID,
	};
	struct neoos_map m = {
		.prot = NEOOS_PROT_READ | NEOOS_PROT_WRITE,
		.flags = NEOOS_MAP_SHARED,
		.offset = 100,
		.length = 5000,
	};
	struct neoos_unmap u = { .flags = NEOOS_UNMAP_BY_ID };
	struct neoos_info *at_edge;
	char *edge;
	struct vma v;

	m.fd = memfd_create("info", MFD_CLOEXEC);
	ASSERT_LE(0, m.fd);
	ASSERT_EQ(0, ftruncate(m.fd, 3 * PAGE));
	ASSERT_EQ(0, map_ioctl(self->fd, &m));
	ASSERT_EQ(0, t_vma_at((void *)(uintptr_t)m.addr, &v));

	info.id = m.id;
	ASSERT_EQ(0, ioctl(self->fd, NEOOS_IOC_INFO, &info)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(m.addr, info.addr);
	EXPECT_EQ(5000, info.length);
	EXPECT_EQ(v.start, info.vma_start);
	EXPECT_EQ(v.end - v.start, info.vma_length);
	EXPECT_EQ(2 * PAGE, info.vma_length);

	memset(buf, 0xa5, sizeof(u1.b));
	memset(buf, 0, NEOOS_INFO_SIZE_1_0);
	old->query = NEOOS_INFO_BY_ID;
	old->id = m.id;
	ASSERT_EQ(0, ioctl(self->fd, NEOOS_IOC_INFO_1_0, buf)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(m.addr, old->addr);
	EXPECT_EQ(5000, old->length);
	EXPECT_EQ(100, old->offset);
	EXPECT_EQ(getpid(), old->owner_pid);
	for (size_t k = NEOOS_INFO_SIZE_1_0; k < sizeof(u1.b); k++) {
		EXPECT_EQ(0xa5, buf[k]) TH_LOG("byte %zu written", k);
	}

	/* Nor read: the 72 bytes end where an inaccessible page begins. */
	edge = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, edge);
	ASSERT_EQ(0, mprotect(edge + PAGE, PAGE, PROT_NONE));
	at_edge = (struct neoos_info *)(edge + PAGE - NEOOS_INFO_SIZE_1_0);
	memcpy(at_edge, buf, NEOOS_INFO_SIZE_1_0);
	EXPECT_EQ(0, ioctl(self->fd, NEOOS_IOC_INFO_1_0, at_edge)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(m.addr, at_edge->addr);
	EXPECT_EQ(0, munmap(edge, 2 * PAGE));

	u.id = m.id;
	EXPECT_EQ(0, ioctl(self->fd, NEOOS_IOC_UNMAP, &u));
	close(m.fd);
}

TEST_F(dev, map_reserved_fields_einval)
{
	int fd = open("dev_test.file", O_RDWR | O_CREAT | O_TRUNC, 0644);
	struct neoos_map m;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, PAGE));

	m = (struct neoos_map){ .fd = fd, .flags = NEOOS_MAP_SHARED,
				.prot = NEOOS_PROT_READ, .length = PAGE };
	m.pad = 1;
	EXPECT_EQ(EINVAL, map_ioctl(self->fd, &m));

	for (int bit = 3; bit < 32; bit++) {
		m = (struct neoos_map){ .fd = fd, .prot = NEOOS_PROT_READ,
					.length = PAGE };
		m.flags = NEOOS_MAP_SHARED | (1u << bit);
		EXPECT_EQ(EINVAL, map_ioctl(self->fd, &m)) TH_LOG("flag bit %d", bit);
		m.flags = NEOOS_MAP_SHARED;
		m.prot = NEOOS_PROT_READ | (1u << bit);
		EXPECT_EQ(EINVAL, map_ioctl(self->fd, &m)) TH_LOG("prot bit %d", bit);
	}
	/* Neither or both of SHARED and PRIVATE. */
	m = (struct neoos_map){ .fd = fd, .prot = NEOOS_PROT_READ, .length = PAGE };
	EXPECT_EQ(EINVAL, map_ioctl(self->fd, &m));
	m.flags = NEOOS_MAP_SHARED | NEOOS_MAP_PRIVATE;
	EXPECT_EQ(EINVAL, map_ioctl(self->fd, &m));
	/* prot must be zero when it comes from the fd. */
	m.flags = NEOOS_MAP_SHARED | NEOOS_MAP_PROT_FROM_FD;
	EXPECT_EQ(EINVAL, map_ioctl(self->fd, &m));
	/* Unaligned hint. */
	m = (struct neoos_map){ .fd = fd, .prot = NEOOS_PROT_READ, .length = PAGE,
				.flags = NEOOS_MAP_SHARED, .addr = 0x10000001 };
	EXPECT_EQ(EINVAL, map_ioctl(self->fd, &m));
	close(fd);
	unlink("dev_test.file");
}

TEST_F(dev, unmap_reserved_fields_einval)
{
	struct neoos_unmap u = { .addr = 0x10000000, .length = PAGE };

	u.pad = 1;
	EXPECT_EQ(-1, ioctl(self->fd, NEOOS_IOC_UNMAP, &u));
	EXPECT_EQ(EINVAL, errno);
	u.pad = 0;
	u.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, NEOOS_IOC_UNMAP, &u));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, NEOOS_IOC_UNMAP, (void *)8));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(dev, direct_mmap_refused)
{
	void *p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, self->fd, 0);

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENODEV, errno);
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
}

TEST(open_close_keeps_refcount)
{
	int before = t_module_refcnt();
	int fds[64];

	ASSERT_LE(0, before);
	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < 64; i++) {
			fds[i] = open(NEOOS_DEVICE_PATH, O_RDWR);
			ASSERT_LE(0, fds[i]);
		}
		EXPECT_EQ(before + 64, t_module_refcnt());
		for (int i = 0; i < 64; i++)
			close(fds[i]);
	}
	EXPECT_EQ(before, t_module_refcnt());
}

/* mmap(2) of /dev/neoos itself, outside NEOOS_IOC_MAP: refused. */
TEST(direct_mmap_of_device)
{
	int dev = open(NEOOS_DEVICE_PATH, O_RDWR);
	struct neoos_stats after;
	struct leak_snap before;

	ASSERT_LE(0, dev);
	t_leak_snapshot(&before);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ, MAP_SHARED, dev, 0));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE, dev, 0));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_NO_LEAK(&before, "mmap(2) of /dev/neoos");
	/* Not a counter moved. */
	ASSERT_EQ(0, ioctl(dev, NEOOS_IOC_STATS, &after));
	EXPECT_EQ(0, memcmp(&before.st, &after, sizeof(after)));
	close(dev);
}

TEST_HARNESS_MAIN
