// SPDX-License-Identifier: GPL-2.0
/*
 * I/O failures under neoos mappings: a filesystem on a device-mapper
 * device whose table is switched to the "error" target under it, a full
 * filesystem, and a filesystem shut down.  Nothing written may be lost
 * silently: sys_munmap and sys_msync report E_IO, once per error.
 */
#include <sys/ioctl.h>
#include <sys/mount.h>

#include <libneoos.h>

#include "common.h"
#include "kselftest_harness.h"

#define DM_NAME		"neoos-io-test"
#define IMG_MB		32
#define EXT4_IOC_SHUTDOWN	_IOR('X', 125, __u32)
#define EXT4_GOING_FLAGS_NOLOGFLUSH	0x2

FIXTURE(dm) {
	char loop[64];
	char dir[64];
	unsigned long sectors;
	bool mounted;
	bool skipped;
};

FIXTURE_SETUP(dm)
{
	FILE *f;

	T_SETUP_NEED_ROOT("mounts ext4 on a device-mapper device over a loop device");
	if (t_sh("command -v dmsetup losetup mkfs.ext4 >/dev/null"))
		SETUP_SKIP("dmsetup, losetup or mkfs.ext4 missing");
	t_sh("modprobe dm_mod 2>/dev/null; modprobe loop 2>/dev/null");
	ASSERT_EQ(0, t_sh("truncate -s %dM io_test.img", IMG_MB));
	f = popen("losetup -f --show io_test.img", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(self->loop, sizeof(self->loop), f));
	pclose(f);
	self->loop[strcspn(self->loop, "\n")] = 0;
	self->sectors = IMG_MB * 2048UL;
	ASSERT_EQ(0, t_sh("dmsetup create %s --table '0 %lu linear %s 0'",
			DM_NAME, self->sectors, self->loop));
	/* No journal: a failed write must not take the filesystem down. */
	ASSERT_EQ(0, t_sh("mkfs.ext4 -q -F -O ^has_journal /dev/mapper/%s",
			DM_NAME));
	snprintf(self->dir, sizeof(self->dir), "io_mnt");
	mkdir(self->dir, 0755);
	ASSERT_EQ(0, mount("/dev/mapper/" DM_NAME, self->dir, "ext4", 0,
			   "errors=continue"));
	self->mounted = true;
}

FIXTURE_TEARDOWN(dm)
{
	if (self->mounted && umount(self->dir))
		perror("umount");
	t_sh("dmsetup remove --retry %s 2>/dev/null", DM_NAME);
	if (self->loop[0])
		t_sh("losetup -d %s", self->loop);
	unlink("io_test.img");
	rmdir(self->dir);
}

static int dm_table(const char *table)
{
	/* No flush, no freeze: dirty pages must meet the new table. */
	return t_sh("dmsetup suspend --nolockfs --noflush %s && "
		  "dmsetup reload %s --table '%s' && dmsetup resume %s",
		  DM_NAME, DM_NAME, table, DM_NAME);
}

static int dm_fail(unsigned long sectors)
{
	char t[128];

	snprintf(t, sizeof(t), "0 %lu error", sectors);
	return dm_table(t);
}

static int dm_heal(unsigned long sectors, const char *loop)
{
	char t[128];

	snprintf(t, sizeof(t), "0 %lu linear %s 0", sectors, loop);
	return dm_table(t);
}

/* A file with allocated, written-back blocks, and its path. */
static int settled_file(const char *dir, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/data", dir);
	if (t_make_pattern_file(path, 4 * PAGE))
		return -1;
	fd = open(path, O_RDWR);
	if (fd < 0 || fsync(fd))
		return -1;
	return fd;
}

TEST_F(dm, munmap_reports_eio_once_then_recovers)
{
	char path[128], *p;
	int fd;

	SKIPPED();
	fd = settled_file(self->dir, path, sizeof(path));
	ASSERT_LE(0, fd);
	p = sys_mmap(fd, 0, 4 * PAGE);
	ASSERT_NE(NULL, p);
	memset(p + PAGE, 'E', PAGE);
	ASSERT_EQ(0, dm_fail(self->sectors));
	EXPECT_EQ(E_IO, sys_munmap(p, 4 * PAGE));
	/* The mapping is gone all the same. */
	EXPECT_EQ(0, sys_mmap_list(0, NULL, 0));

	/* Reported once: a clean map and unmap on the same fd is fine. */
	p = sys_mmap(fd, 0, 4 * PAGE);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(E_OK, sys_munmap(p, 4 * PAGE));

	/* A new error is a new report. */
	p = sys_mmap(fd, 0, 4 * PAGE);
	ASSERT_NE(NULL, p);
	p[2 * PAGE] = 'F';
	EXPECT_EQ(E_IO, sys_munmap(p, 4 * PAGE));

	/* After the device recovers, writes reach it again. */
	ASSERT_EQ(0, dm_heal(self->sectors, self->loop));
	p = sys_mmap(fd, 0, 4 * PAGE);
	ASSERT_NE(NULL, p);
	memset(p + 3 * PAGE, 'R', PAGE);
	EXPECT_EQ(E_OK, sys_munmap(p, 4 * PAGE));
	close(fd);
	t_drop_caches();
	EXPECT_EQ('R', t_file_byte(path, 3 * PAGE + 10));
}

TEST_F(dm, msync_reports_eio_once)
{
	char path[128];
	uint64_t id;
	char *p;
	int fd;

	SKIPPED();
	fd = settled_file(self->dir, path, sizeof(path));
	ASSERT_LE(0, fd);
	p = sys_mmap_ex(NULL, 4 * PAGE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			NEOOS_MAP_SHARED, fd, 0, &id);
	ASSERT_NE(NULL, p);
	p[0] = 'M';
	ASSERT_EQ(0, dm_fail(self->sectors));
	EXPECT_EQ(E_IO, sys_msync(id, 0, 0, NEOOS_MS_SYNC));
	/*
	 * While the device fails, MS_SYNC (fsync) may fail afresh writing
	 * the inode; once it works again, the old error is not repeated.
	 */
	ASSERT_EQ(0, dm_heal(self->sectors, self->loop));
	EXPECT_EQ(E_OK, sys_msync(id, 0, 0, NEOOS_MS_SYNC));
	p[1] = 'N';
	EXPECT_EQ(E_OK, sys_msync(id, 0, 0, NEOOS_MS_SYNC));
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	close(fd);
}

TEST_F(dm, shut_down_filesystem_mmap_eio)
{
	__u32 how = EXT4_GOING_FLAGS_NOLOGFLUSH;
	char path[128];
	int fd;

	SKIPPED();
	fd = settled_file(self->dir, path, sizeof(path));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, EXT4_IOC_SHUTDOWN, &how));
	EXPECT_EQ(NULL, sys_mmap(fd, 0, PAGE));
	EXPECT_EQ(E_IO, sys_errno());
	close(fd);
}

static int fill_hole(void *p)
{
	/* Every page of a sparse file on a full filesystem. */
	for (size_t i = 0; i < (64UL << 20); i += PAGE)
		((volatile char *)p)[i] = 1;
	return 0;
}

TEST_F(dm, store_into_hole_on_full_fs_sigbus)
{
	char path[128], fill[128];
	char *p;
	int fd;

	SKIPPED();
	snprintf(fill, sizeof(fill), "%s/fill", self->dir);
	/* Fill the filesystem, then map a sparse file larger than it. */
	t_sh("dd if=/dev/zero of=%s bs=1M 2>/dev/null", fill);
	snprintf(path, sizeof(path), "%s/sparse", self->dir);
	fd = open(path, O_RDWR | O_CREAT, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 64 << 20));
	p = sys_mmap(fd, 0, 64 << 20);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(KILLED(SIGBUS), t_run_child(fill_hole, p));
	EXPECT_EQ(E_OK, sys_munmap(p, 64 << 20));
	close(fd);
}

TEST_HARNESS_MAIN
