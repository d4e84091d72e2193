// SPDX-License-Identifier: GPL-2.0
/*
 * Inode flags and swap files are honoured as by mmap(2): an append-only
 * file cannot be mapped writable, an immutable one cannot be written
 * through any mapping, and an active swap file cannot be mapped for
 * writing at all.
 */
#include <sys/mman.h>
#include <sys/swap.h>

#include <libneoos.h>

#include "common.h"
#include "kselftest_harness.h"


/* A root-owned ext4 file in the test directory with inode flags to undo. */
FIXTURE(iflags) {
	char path[64];
	int rw;
};

FIXTURE_SETUP(iflags)
{
	snprintf(self->path, sizeof(self->path), "security_iflags.%d",
		 getpid());
	ASSERT_EQ(0, t_make_pattern_file(self->path, FSIZE));
	self->rw = open(self->path, O_RDWR);
	ASSERT_LE(0, self->rw);
}

FIXTURE_TEARDOWN(iflags)
{
	int flags = 0;

	if (!ioctl(self->rw, FS_IOC_GETFLAGS, &flags)) {
		flags &= ~(FS_APPEND_FL | FS_IMMUTABLE_FL);
		ioctl(self->rw, FS_IOC_SETFLAGS, &flags);
	}
	close(self->rw);
	unlink(self->path);
}

static int set_iflag(int fd, int flag)
{
	int flags;

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags))
		return -errno;
	flags |= flag;
	if (ioctl(fd, FS_IOC_SETFLAGS, &flags))
		return -errno;
	return 0;
}

TEST_F(iflags, append_only)
{
	int ro, ap;
	unsigned char *p;
	uint64_t id;

	T_NEED_ROOT("chattr +a (FS_APPEND_FL) takes CAP_LINUX_IMMUTABLE");
	ASSERT_EQ(0, set_iflag(self->rw, FS_APPEND_FL));
	/* The fd opened for writing before: no shared mapping at all. */
	EXPECT_EQ(NULL, sys_mmap(self->rw, 0, FSIZE));
	EXPECT_EQ(E_PERM, sys_errno());
	EXPECT_EQ(NULL, sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ,
				    NEOOS_MAP_SHARED, self->rw, 0, NULL));
	EXPECT_EQ(E_PERM, sys_errno());
	ap = open(self->path, O_RDWR | O_APPEND);
	ASSERT_LE(0, ap);
	EXPECT_EQ(NULL, sys_mmap(ap, 0, FSIZE));
	EXPECT_EQ(E_PERM, sys_errno());
	close(ap);
	/* Read-only: readable, never writable. */
	ro = open(self->path, O_RDONLY);
	ASSERT_LE(0, ro);
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ, NEOOS_MAP_SHARED, ro, 0,
			&id);
	ASSERT_NE(NULL, p);
	EXPECT_TRUE(t_mem_is_pattern(p, FSIZE));
	EXPECT_EQ(E_PERM, sys_mprotect(id, NEOOS_PROT_READ | NEOOS_PROT_WRITE));
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	/* Private copies are the mapper's own. */
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			NEOOS_MAP_PRIVATE, self->rw, 0, &id);
	ASSERT_NE(NULL, p);
	memset(p, 'a', FSIZE);
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	close(ro);
	EXPECT_TRUE(t_file_is_pattern(self->path, FSIZE));
}

TEST_F(iflags, immutable)
{
	unsigned char *p, *n;
	uint64_t id;
	int ro;

	T_NEED_ROOT("chattr +i (FS_IMMUTABLE_FL) takes CAP_LINUX_IMMUTABLE");
	ASSERT_EQ(0, set_iflag(self->rw, FS_IMMUTABLE_FL));
	EXPECT_EQ(-1, open(self->path, O_RDWR));
	EXPECT_EQ(EPERM, errno);
	/*
	 * The fd opened for writing before: sys_mmap does what mmap(2) of it
	 * does (the kernel decides, on the file), and no store reaches the
	 * file through either (ext4 refuses it at page_mkwrite).
	 */
	n = mmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->rw, 0);
	p = sys_mmap(self->rw, 0, FSIZE);
	EXPECT_EQ(n == MAP_FAILED, p == NULL);
	if (n != MAP_FAILED) {
		int sig = t_run_child(t_touch_write, n);

		EXPECT_TRUE(sig == KILLED(SIGBUS) || sig == KILLED(SIGSEGV))
			TH_LOG("mmap(2) store into immutable file: %d", sig);
		EXPECT_EQ(sig, t_run_child(t_touch_write, p));
		munmap(n, FSIZE);
	}
	if (p)
		EXPECT_EQ(E_OK, sys_munmap(p, FSIZE));
	ro = open(self->path, O_RDONLY);
	ASSERT_LE(0, ro);
	p = sys_mmap(ro, 0, FSIZE);
	ASSERT_NE(NULL, p);
	EXPECT_TRUE(t_mem_is_pattern(p, FSIZE));
	EXPECT_EQ(E_PERM, sys_mprotect(ID_AT(p), NEOOS_PROT_READ |
						 NEOOS_PROT_WRITE));
	EXPECT_EQ(E_OK, sys_munmap(p, FSIZE));
	/*
	 * Read-only shared through the writable fd: should it be made
	 * writable, no store may reach the immutable file.
	 */
	p = sys_mmap_ex(NULL, FSIZE, NEOOS_PROT_READ, NEOOS_MAP_SHARED,
			self->rw, 0, &id);
	ASSERT_NE(NULL, p);
	if (sys_mprotect(id, NEOOS_PROT_READ | NEOOS_PROT_WRITE) == E_OK) {
		int sig = t_run_child(t_touch_write, p);

		EXPECT_TRUE(sig == KILLED(SIGBUS) || sig == KILLED(SIGSEGV))
			TH_LOG("store into immutable file: %d", sig);
	}
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	close(ro);
	EXPECT_TRUE(t_file_is_pattern(self->path, FSIZE));
	t_drop_caches();
	EXPECT_TRUE(t_file_is_pattern(self->path, FSIZE));
}

/* A swap file: pages of zeros with a version-1 swap header. */
FIXTURE(swap) {
	char path[64];
	int rw;
	bool on;
};

#define SWAP_PAGES	64

FIXTURE_SETUP(swap)
{
	static unsigned char page[PAGE];
	uint32_t v;

	snprintf(self->path, sizeof(self->path), "security_swap.%d", getpid());
	self->rw = open(self->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, self->rw);
	memset(page, 0, sizeof(page));
	for (int i = 1; i < SWAP_PAGES; i++)
		ASSERT_EQ(PAGE, pwrite(self->rw, page, PAGE, (off_t)i * PAGE));
	v = 1;
	memcpy(page + 1024, &v, 4);			/* version */
	v = SWAP_PAGES - 1;
	memcpy(page + 1028, &v, 4);			/* last_page */
	memcpy(page + PAGE - 10, "SWAPSPACE2", 10);
	ASSERT_EQ(PAGE, pwrite(self->rw, page, PAGE, 0));
	ASSERT_EQ(0, fsync(self->rw));
}

FIXTURE_TEARDOWN(swap)
{
	if (self->on)
		swapoff(self->path);
	close(self->rw);
	unlink(self->path);
}

TEST_F(swap, swap_file_refused)
{
	unsigned char *p;
	uint64_t id;

	T_NEED_ROOT("swapon(2) of the swap file takes CAP_SYS_ADMIN");
	if (swapon(self->path, 0)) {
		if (errno == ENOSYS)
			SKIP(return, "kernel without swap support (swapon: %s)",
			     strerror(errno));
		ASSERT_EQ(0, -errno) TH_LOG("swapon: %s", strerror(errno));
	}
	self->on = true;
	EXPECT_EQ(NULL, sys_mmap(self->rw, 0, PAGE));
	EXPECT_EQ(E_PERM, sys_errno());
	EXPECT_EQ(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
				    NEOOS_MAP_SHARED, self->rw, 0, NULL));
	EXPECT_EQ(E_PERM, sys_errno());
	EXPECT_EQ(NULL, sys_mmap_ex(NULL, PAGE, NEOOS_PROT_WRITE,
				    NEOOS_MAP_SHARED, self->rw, PAGE, NULL));
	EXPECT_EQ(E_PERM, sys_errno());
	/* Reading the swap header is harmless and allowed, as by mmap(2). */
	p = sys_mmap_ex(NULL, PAGE, NEOOS_PROT_READ, NEOOS_MAP_PRIVATE,
			self->rw, 0, &id);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, memcmp(p + PAGE - 10, "SWAPSPACE2", 10));
	EXPECT_EQ(E_OK, sys_munmap_id(id));
	ASSERT_EQ(0, swapoff(self->path));
	self->on = false;
	/* After swapoff it is a file again. */
	p = sys_mmap(self->rw, 0, PAGE);
	EXPECT_NE(NULL, p);
	if (p)
		EXPECT_EQ(E_OK, sys_munmap(p, PAGE));
}

TEST_HARNESS_MAIN
