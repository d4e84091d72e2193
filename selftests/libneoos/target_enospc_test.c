// SPDX-License-Identifier: GPL-2.0
/*
 * A neoos mapping is a mapping of the target made by the core: every
 * decision mmap(2) makes for a file is made for the target file, never for
 * /dev/neoos or the descriptor it was opened with.  Wherever it can, each
 * test maps the same descriptor with mmap(2) too and asserts "the same as
 * mmap(2)".
 *
 * Here, ENOSPC from writeback (a full dm-thin pool): it is reported by
 * UNMAP, and the mapping is gone all the same.
 *
 * Each test checks that it leaves nothing behind (t_leak_check()): neoos's
 * live mappings and VMAs, the module's reference count and this
 * process's VMAs.
 */
#include <sys/mman.h>
#include <sys/mount.h>

#include <libneoos.h>

#include "common.h"
#include "kselftest_harness.h"


/* ---- ENOSPC from writeback: a full dm-thin pool ---- */

#define THIN_POOL	"neoos-target-pool"
#define THIN_VOL	"neoos-target-thin"
#define THIN_DIR	"target_thin"
#define THIN_META_MB	4
#define THIN_DATA_MB	96
#define THIN_VIRT_MB	512
#define THIN_FILE	(64 * PAGE)

/*
 * xfs on a thin volume of a small pool, the pool filled up.  xfs, because
 * it records a failed write's own errno for fsync(2) (iomap), where 6.1's
 * ext4 records EIO whatever the device said; mkfs.xfs takes 64 MiB of the
 * pool for the log.
 */
FIXTURE(thin) {
	bool skipped;
	char meta[64], data[64];
	bool pool, vol, mounted;
	int fd, dev;
	void *native;
};

FIXTURE_SETUP(thin)
{
	char status[512];

	self->fd = self->dev = -1;
	self->native = MAP_FAILED;
	T_SETUP_NEED_ROOT("mounts xfs on a dm-thin device over loop devices");
	if (t_sh("command -v dmsetup losetup mkfs.xfs >/dev/null"))
		SETUP_SKIP("dmsetup, losetup or mkfs.xfs missing");
	if (t_sh("modprobe dm_thin_pool 2>/dev/null; dmsetup targets | grep -qw thin-pool"))
		SETUP_SKIP("no dm-thin (modprobe dm_thin_pool failed)");
	if (t_sh("modprobe xfs 2>/dev/null; grep -qw xfs /proc/filesystems"))
		SETUP_SKIP("no xfs (modprobe xfs failed)");
	/* A fresh image file reads as zeros: an empty pool's metadata. */
	ASSERT_EQ(0, t_loop_image("target_thin.meta", THIN_META_MB, self->meta,
				sizeof(self->meta)));
	ASSERT_EQ(0, t_loop_image("target_thin.data", THIN_DATA_MB, self->data,
				sizeof(self->data)));
	/* 64 KiB blocks; writes past the pool's space fail at once. */
	ASSERT_EQ(0, t_sh("dmsetup create " THIN_POOL " --table '0 %d thin-pool %s %s 128 0 2 skip_block_zeroing error_if_no_space'",
			THIN_DATA_MB * 2048, self->meta, self->data));
	self->pool = true;
	ASSERT_EQ(0, t_sh("dmsetup message " THIN_POOL " 0 'create_thin 0'"));
	ASSERT_EQ(0, t_sh("dmsetup create " THIN_VOL " --table '0 %d thin /dev/mapper/" THIN_POOL " 0'",
			THIN_VIRT_MB * 2048));
	self->vol = true;
	ASSERT_EQ(0, t_sh("mkfs.xfs -q -f -K -d noalign /dev/mapper/" THIN_VOL));
	mkdir(THIN_DIR, 0755);
	ASSERT_EQ(0, mount("/dev/mapper/" THIN_VOL, THIN_DIR, "xfs", 0, NULL))
		TH_LOG("mount xfs: %s", strerror(errno));
	self->mounted = true;
	/* Fill the pool: this file's writeback fails past what is left. */
	t_sh("dd if=/dev/zero of=" THIN_DIR "/fill bs=1M count=%d conv=fsync 2>/dev/null",
	   THIN_DATA_MB);
	t_sh_capture(status, sizeof(status), "dmsetup status " THIN_POOL);
	ASSERT_NE(NULL, strstr(status, "out_of_data_space"))
		TH_LOG("pool not full: %s", status);
}

FIXTURE_TEARDOWN(thin)
{
	if (self->native != MAP_FAILED)
		munmap(self->native, THIN_FILE);
	if (self->fd >= 0)
		close(self->fd);
	if (self->dev >= 0)
		close(self->dev);
	if (self->mounted)
		EXPECT_UNMOUNTED(THIN_DIR);
	rmdir(THIN_DIR);
	if (self->vol)
		t_sh("dmsetup remove --retry " THIN_VOL);
	if (self->pool)
		t_sh("dmsetup remove --retry " THIN_POOL);
	if (self->meta[0])
		t_sh("losetup -d %s", self->meta);
	if (self->data[0])
		t_sh("losetup -d %s", self->data);
	unlink("target_thin.meta");
	unlink("target_thin.data");
}

/* A sparse file on the thin volume: its blocks are not in the pool yet. */
static int thin_file(const char *name)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), THIN_DIR "/%s", name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0 && ftruncate(fd, THIN_FILE)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Stores through a shared mapping of a file whose blocks the full pool
 * cannot provide: writeback fails with ENOSPC, which fsync(2) reports
 * (the control) and UNMAP must report too - and the mapping is gone all
 * the same.
 */
TEST_F(thin, unmap_reports_enospc_mapping_gone)
{
	struct leak_snap before;
	struct neoos_map m;
	int ret;

	SKIPPED();
	self->fd = thin_file("native");
	ASSERT_LE(0, self->fd);
	self->native = mmap(NULL, THIN_FILE, PROT_READ | PROT_WRITE, MAP_SHARED,
			    self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->native);
	memset(self->native, 'n', THIN_FILE);
	ASSERT_EQ(-1, fsync(self->fd)) TH_LOG("fsync after stores into a full pool succeeded");
	ASSERT_EQ(ENOSPC, errno) TH_LOG("fsync: %s", strerror(errno));
	munmap(self->native, THIN_FILE);
	self->native = MAP_FAILED;
	close(self->fd);

	self->fd = thin_file("neoos");
	ASSERT_LE(0, self->fd);
	self->dev = open(NEOOS_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, self->dev);
	t_leak_snapshot(&before);
	m = (struct neoos_map){ .fd = self->fd, .length = THIN_FILE,
				.prot = NEOOS_PROT_READ | NEOOS_PROT_WRITE,
				.flags = NEOOS_MAP_SHARED };
	ASSERT_EQ(0, t_dev_map(self->dev, &m));
	memset((void *)(uintptr_t)m.addr, 'x', THIN_FILE);
	ret = t_dev_unmap(self->dev, m.addr, THIN_FILE);
	EXPECT_EQ(-ENOSPC, ret) TH_LOG("NEOOS_IOC_UNMAP: %s",
				       ret ? strerror(-ret) : "success");
	EXPECT_EQ(0, t_vmas_in((void *)(uintptr_t)m.addr, THIN_FILE));
	EXPECT_NO_LEAK(&before, "UNMAP with ENOSPC");
	EXPECT_EQ(-EINVAL, t_dev_unmap(self->dev, m.addr, THIN_FILE));
}

/* NeoOS's sys_munmap has one code for a failed flush: E_IO. */
TEST_F(thin, sys_munmap_reports_e_io)
{
	struct leak_snap before;
	char *p;

	SKIPPED();
	self->fd = thin_file("neoos_lib");
	ASSERT_LE(0, self->fd);
	t_leak_snapshot(&before);
	p = sys_mmap(self->fd, 0, THIN_FILE);
	ASSERT_NE(NULL, p) TH_LOG("E %d", sys_errno());
	memset(p, 'l', THIN_FILE);
	EXPECT_EQ(E_IO, sys_munmap(p, THIN_FILE));
	EXPECT_EQ(0, t_vmas_in(p, THIN_FILE));
	EXPECT_EQ(0, sys_mmap_list(0, NULL, 0));
	EXPECT_NO_LEAK(&before, "sys_munmap with ENOSPC");
	EXPECT_EQ(E_INVAL, sys_munmap(p, THIN_FILE));
}

TEST_HARNESS_MAIN
