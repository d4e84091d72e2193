// SPDX-License-Identifier: GPL-2.0
/*
 * sys_mmap over every kind of file NeoOS programs meet on Linux: ext4,
 * xfs and btrfs (each on a loop device), tmpfs and memfd.  Each gets the
 * same checks: the page cache is shared with read(2), sys_munmap writes
 * back to the device, read-only mappings refuse stores, truncation gives
 * SIGBUS, unaligned offsets work, private mappings stay private.
 *
 * hugetlbfs, whose ->mmap and placement have rules of their own, gets
 * checks of its own: huge-page-aligned mappings, a target ->mmap that
 * refuses the request after neoos has handed the VMA over, and write
 * seals on hugetlb memfds.
 */
#include <sys/mman.h>
#include <sys/mount.h>

#include <linux/neoos.h>
#include <libneoos.h>

#include "common.h"
#include "kselftest_harness.h"

#define FILE_SIZE	(16 * PAGE)

FIXTURE(fs) {
	char dir[64];
	char path[128];
	char loop[64];
	int memfd;
	bool mounted;
	bool skipped;
};

FIXTURE_VARIANT(fs) {
	const char *type;	/* filesystem, or "memfd" */
	const char *mkfs;	/* on a loop device, or NULL */
	int image_mb;
};

FIXTURE_VARIANT_ADD(fs, ext4) { .type = "ext4", .mkfs = "mkfs.ext4 -q -F", .image_mb = 64 };
FIXTURE_VARIANT_ADD(fs, xfs) { .type = "xfs", .mkfs = "mkfs.xfs -q -f", .image_mb = 512 };
FIXTURE_VARIANT_ADD(fs, btrfs) { .type = "btrfs", .mkfs = "mkfs.btrfs -q -f", .image_mb = 512 };
FIXTURE_VARIANT_ADD(fs, tmpfs) { .type = "tmpfs" };
FIXTURE_VARIANT_ADD(fs, memfd) { .type = "memfd" };

static int loop_mount(FIXTURE_DATA(fs) *self, const FIXTURE_VARIANT(fs) *variant)
{
	char img[96];
	FILE *f;

	snprintf(img, sizeof(img), "fs_test.%s.img", variant->type);
	if (t_sh("modprobe %s 2>/dev/null; truncate -s %dM %s", variant->type,
	       variant->image_mb, img))
		return -1;
	snprintf(img, sizeof(img), "losetup -f --show fs_test.%s.img",
		 variant->type);
	f = popen(img, "r");
	if (!f || !fgets(self->loop, sizeof(self->loop), f))
		return -1;
	pclose(f);
	self->loop[strcspn(self->loop, "\n")] = 0;
	if (t_sh("%s %s >/dev/null", variant->mkfs, self->loop))
		return -1;
	return mount(self->loop, self->dir, variant->type, 0, NULL);
}

FIXTURE_SETUP(fs)
{
	self->memfd = -1;
	if (!strcmp(variant->type, "memfd")) {
		self->memfd = memfd_create("fs_test", MFD_ALLOW_SEALING);
		ASSERT_LE(0, self->memfd);
		snprintf(self->path, sizeof(self->path), "/proc/self/fd/%d",
			 self->memfd);
		ASSERT_EQ(0, t_make_pattern_file(self->path, FILE_SIZE));
		return;
	}
	T_SETUP_NEED_ROOT(variant->mkfs ?
			  "makes and mounts a file system on a loop device" :
			  "mounts a tmpfs");
	snprintf(self->dir, sizeof(self->dir), "fs_test.%s", variant->type);
	mkdir(self->dir, 0755);
	if (variant->mkfs) {
		ASSERT_EQ(0, loop_mount(self, variant))
			TH_LOG("cannot make and mount %s", variant->type);
	} else {
		ASSERT_EQ(0, mount("tmpfs", self->dir, "tmpfs", 0, "size=64m"));
	}
	self->mounted = true;
	snprintf(self->path, sizeof(self->path), "%s/file", self->dir);
	ASSERT_EQ(0, t_make_pattern_file(self->path, FILE_SIZE));
}

FIXTURE_TEARDOWN(fs)
{
	if (self->memfd >= 0)
		close(self->memfd);
	if (self->mounted && umount(self->dir))
		perror("umount");
	if (self->loop[0])
		t_sh("losetup -d %s", self->loop);
	if (self->dir[0]) {
		rmdir(self->dir);
		t_sh("rm -f fs_test.%s.img", variant->type);
	}
}

static bool on_disk(const FIXTURE_VARIANT(fs) *variant)
{
	return variant->mkfs != NULL;
}

TEST_F(fs, stores_shared_with_read_and_written_back)
{
	char *p;
	int fd;

	SKIPPED();
	fd = sys_open(self->path, O_RDWR);
	ASSERT_LE(0, fd);
	p = sys_mmap(fd, 0, FILE_SIZE);
	ASSERT_NE(NULL, p) TH_LOG("E %d", sys_errno());
	EXPECT_EQ(t_pattern_byte(5 * PAGE + 3), (unsigned char)p[5 * PAGE + 3]);
	memset(p + 7 * PAGE, 'F', PAGE);
	EXPECT_EQ('F', t_file_byte(self->path, 7 * PAGE + 100));
	EXPECT_EQ(E_OK, sys_munmap(p, FILE_SIZE));
	sys_close(fd);
	if (on_disk(variant)) {
		/* From the device, not the page cache. */
		t_drop_caches();
	}
	EXPECT_EQ('F', t_file_byte(self->path, 7 * PAGE + 100));
	EXPECT_EQ(t_pattern_byte(8 * PAGE), t_file_byte(self->path, 8 * PAGE));
}

TEST_F(fs, read_only_refuses_stores)
{
	char *p;
	int fd;

	SKIPPED();
	fd = open(self->path, O_RDONLY);
	ASSERT_LE(0, fd);
	p = sys_mmap(fd, PAGE, PAGE);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(t_pattern_byte(PAGE), (unsigned char)p[0]);
	EXPECT_EQ(KILLED(SIGSEGV), t_run_child(t_touch_write, p));
	EXPECT_EQ(E_OK, sys_munmap(p, PAGE));
	close(fd);
}

TEST_F(fs, truncate_gives_sigbus)
{
	char *p;
	int fd;

	SKIPPED();
	fd = sys_open(self->path, O_RDWR);
	ASSERT_LE(0, fd);
	p = sys_mmap(fd, 0, FILE_SIZE);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, ftruncate(fd, 2 * PAGE));
	EXPECT_EQ(0, t_run_child(t_touch_read, p + PAGE));
	EXPECT_EQ(KILLED(SIGBUS), t_run_child(t_touch_read, p + 9 * PAGE));
	EXPECT_EQ(E_OK, sys_munmap(p, FILE_SIZE));
	sys_close(fd);
}

TEST_F(fs, unaligned_and_private)
{
	uint64_t id;
	unsigned char *p;
	char *q;
	int fd;

	SKIPPED();
	fd = sys_open(self->path, O_RDWR);
	ASSERT_LE(0, fd);
	p = sys_mmap(fd, 3 * PAGE + 77, 1000);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(t_pattern_byte(3 * PAGE + 77), p[0]);
	EXPECT_EQ(t_pattern_byte(3 * PAGE + 77 + 999), p[999]);
	EXPECT_EQ(E_OK, sys_munmap(p, 1000));

	q = sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			NEOOS_MAP_PRIVATE, fd, 0, &id);
	ASSERT_NE(NULL, q);
	q[0] = 'P';
	EXPECT_EQ(t_pattern_byte(0), t_file_byte(self->path, 0));
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	sys_close(fd);
}

/* ---- hugetlbfs ---- */

#define HUGE		(2UL << 20)
#define HUGE_DIR	"fs_test.huge"

FIXTURE(huge) {
	char path[64];
	long nr_before;
	bool mounted;
	bool skipped;
	int fd;
};

FIXTURE_SETUP(huge)
{
	unsigned char *p;

	self->fd = -1;
	self->nr_before = -1;
	T_SETUP_NEED_ROOT("reserves huge pages (vm.nr_hugepages) and mounts hugetlbfs");
	self->nr_before = t_nr_hugepages(-1);
	if (self->nr_before < 0)
		SETUP_SKIP("no /proc/sys/vm/nr_hugepages: kernel without hugetlb");
	if (t_nr_hugepages(self->nr_before + 4) < self->nr_before + 4)
		SETUP_SKIP("could not reserve 4 huge pages (memory fragmented?)");
	mkdir(HUGE_DIR, 0755);
	ASSERT_EQ(0, mount("none", HUGE_DIR, "hugetlbfs", 0, "pagesize=2M"));
	self->mounted = true;
	snprintf(self->path, sizeof(self->path), HUGE_DIR "/file");
	self->fd = open(self->path, O_RDWR | O_CREAT, 0644);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ftruncate(self->fd, 2 * HUGE));
	/* hugetlbfs has no write(2): fill it through a native mapping. */
	p = mmap(NULL, 2 * HUGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (size_t i = 0; i < 2 * HUGE; i += PAGE)
		p[i] = t_pattern_byte(i);
	ASSERT_EQ(0, munmap(p, 2 * HUGE));
}

FIXTURE_TEARDOWN(huge)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->path[0])
		unlink(self->path);
	/*
	 * umount fails with EBUSY while anything, a reference neoos leaked
	 * included, still holds the file.
	 */
	if (self->mounted)
		EXPECT_EQ(0, umount(HUGE_DIR)) TH_LOG("umount: %s", strerror(errno));
	rmdir(HUGE_DIR);
	if (self->nr_before >= 0)
		t_nr_hugepages(self->nr_before);
}

/* Huge-page aligned, served by the huge pages, written through. */
TEST_F(huge, maps_huge_pages)
{
	unsigned char *p, *q;

	SKIPPED();
	p = sys_mmap(self->fd, HUGE, HUGE);
	ASSERT_NE(NULL, p) TH_LOG("E %d", sys_errno());
	EXPECT_EQ(0, (uintptr_t)p % HUGE);
	EXPECT_EQ(t_pattern_byte(HUGE + 5 * PAGE), p[5 * PAGE]);
	p[7 * PAGE] = 'H';
	EXPECT_EQ(E_OK, sys_munmap(p, HUGE));

	q = mmap(NULL, HUGE, PROT_READ, MAP_SHARED, self->fd, HUGE);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ('H', q[7 * PAGE]);
	EXPECT_EQ(0, munmap(q, HUGE));
}

/*
 * An offset that is not huge-page aligned passes neoos's checks (it lies
 * inside the file) and the placement, and hugetlbfs's own ->mmap refuses
 * it after neoos has handed the VMA the file: the MAP fails with E_INVAL,
 * leaves no mapping and no reference behind (the teardown's umount would
 * fail on a leaked file), and the next MAP works.
 */
TEST_F(huge, target_mmap_refusal_leaves_nothing)
{
	struct leak_snap before;
	unsigned char *p;

	SKIPPED();
	t_leak_snapshot(&before);
	for (int i = 0; i < 16; i++) {
		EXPECT_EQ(NULL, sys_mmap(self->fd, PAGE, HUGE));
		EXPECT_EQ(E_INVAL, sys_errno());
	}
	EXPECT_NO_LEAK(&before, "refused hugetlbfs maps");

	p = sys_mmap(self->fd, 0, HUGE);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(t_pattern_byte(3 * PAGE), p[3 * PAGE]);
	EXPECT_EQ(E_OK, sys_munmap(p, HUGE));
}

/* Write seals of a hugetlb memfd hold against neoos as against mmap(2). */
TEST_F(huge, memfd_write_seal)
{
	uint64_t id;
	char *p;
	int mfd;

	SKIPPED();
	mfd = memfd_create("fs_test_huge", MFD_HUGETLB | MFD_ALLOW_SEALING);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, HUGE));
	ASSERT_EQ(0, fcntl(mfd, F_ADD_SEALS, F_SEAL_WRITE));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, HUGE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, mfd, 0));
	EXPECT_EQ(NULL, sys_mmap_ex(NULL, HUGE,
				    NEOOS_PROT_READ | NEOOS_PROT_WRITE,
				    NEOOS_MAP_SHARED, mfd, 0, &id));
	EXPECT_EQ(E_PERM, sys_errno());
	/* Read-only stays allowed, and can never be made writable. */
	p = sys_mmap_ex(NULL, HUGE, NEOOS_PROT_READ, NEOOS_MAP_SHARED, mfd, 0,
			&id);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(E_PERM, sys_mprotect(id, NEOOS_PROT_READ | NEOOS_PROT_WRITE));
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	close(mfd);
}

TEST_HARNESS_MAIN
