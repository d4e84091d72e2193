// SPDX-License-Identifier: GPL-2.0
/*
 * sys_munmap() as the NeoOS page describes it: the exact range only,
 * nothing changed by a refused call, pending changes written to the file,
 * and a neoos mapping that no other call can split, move or grow.
 */
#include <sys/mman.h>

#include <syscalls.h>

#include "common.h"
#include "kselftest_harness.h"

#define FILE_SIZE	(8 * PAGE)

FIXTURE(map) {
	char path[64];
	int fd;
	char *p;
};

FIXTURE_SETUP(map)
{
	snprintf(self->path, sizeof(self->path), "munmap_test.%d", getpid());
	ASSERT_EQ(0, t_make_pattern_file(self->path, FILE_SIZE));
	self->fd = sys_open(self->path, O_RDWR);
	ASSERT_LE(0, self->fd);
	self->p = sys_mmap(self->fd, 0, FILE_SIZE);
	ASSERT_NE(NULL, self->p);
}

FIXTURE_TEARDOWN(map)
{
	sys_close(self->fd);
	unlink(self->path);
}

/* After a refused call the mapping must be whole and working. */
static bool mapping_intact(const char *path, char *p)
{
	p[FILE_SIZE - 2] = 'I';
	return p[0] == (char)t_pattern_byte(0) &&
	       t_file_byte(path, FILE_SIZE - 2) == 'I';
}

TEST_F(map, inexact_ranges_einval)
{
	static char on_data[PAGE];
	char on_stack[64];
	char *heap = malloc(PAGE);
	char *plain = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
	struct {
		void *addr;
		int size;
	} bad[] = {
		{ self->p, FILE_SIZE - 1 }, { self->p, FILE_SIZE + 1 },
		{ self->p, PAGE }, { self->p, 0 }, { self->p, -1 },
		{ self->p, -FILE_SIZE }, { self->p + 1, FILE_SIZE - 1 },
		{ self->p + PAGE, FILE_SIZE - PAGE }, { self->p - PAGE, FILE_SIZE },
		{ NULL, FILE_SIZE }, { heap, PAGE }, { on_stack, 64 },
		{ on_data, PAGE }, { plain, PAGE }, { (void *)-4096L, PAGE },
		{ (void *)1, PAGE },
	};

	ASSERT_NE(MAP_FAILED, plain);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(E_INVAL, sys_munmap(bad[i].addr, bad[i].size))
			TH_LOG("case %zu", i);
		EXPECT_EQ(E_INVAL, sys_errno());
	}
	EXPECT_TRUE(mapping_intact(self->path, self->p));
	/* The plain mapping is untouched too. */
	EXPECT_EQ(0, plain[0]);
	munmap(plain, PAGE);
	free(heap);
	EXPECT_EQ(E_OK, sys_munmap(self->p, FILE_SIZE));
}

TEST_F(map, twice_einval)
{
	EXPECT_EQ(E_OK, sys_munmap(self->p, FILE_SIZE));
	EXPECT_EQ(E_INVAL, sys_munmap(self->p, FILE_SIZE));
}

TEST_F(map, access_after_unmap_segv)
{
	EXPECT_EQ(E_OK, sys_munmap(self->p, FILE_SIZE));
	EXPECT_EQ(KILLED(SIGSEGV), t_run_child(t_touch_read, self->p));
	EXPECT_EQ(KILLED(SIGSEGV), t_run_child(t_touch_read, self->p + FILE_SIZE - 1));
}

TEST_F(map, partial_munmap_2_refused)
{
	EXPECT_EQ(-1, munmap(self->p, PAGE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, munmap(self->p + PAGE, PAGE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, munmap(self->p + FILE_SIZE - PAGE, PAGE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, t_vmas_in(self->p, FILE_SIZE));
	EXPECT_TRUE(mapping_intact(self->path, self->p));
	EXPECT_EQ(E_OK, sys_munmap(self->p, FILE_SIZE));
}

TEST_F(map, partial_mprotect_and_mlock_refused)
{
	EXPECT_EQ(-1, mprotect(self->p, PAGE, PROT_READ));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mprotect(self->p + PAGE, PAGE, PROT_NONE));
	EXPECT_EQ(EINVAL, errno);
	/*
	 * mlock() leaves VM_SPECIAL mappings alone, as for device mappings:
	 * it succeeds without locking, and so without splitting.
	 */
	mlock(self->p + PAGE, PAGE);
	EXPECT_EQ(1, t_vmas_in(self->p, FILE_SIZE));
	EXPECT_EQ(-1, madvise(self->p + PAGE, PAGE, MADV_DONTFORK));
	EXPECT_EQ(1, t_vmas_in(self->p, FILE_SIZE));
	EXPECT_TRUE(mapping_intact(self->path, self->p));
	EXPECT_EQ(E_OK, sys_munmap(self->p, FILE_SIZE));
}

TEST_F(map, mremap_refused)
{
	void *dst = mmap(NULL, FILE_SIZE, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *q;

	ASSERT_NE(MAP_FAILED, dst);
	q = mremap(self->p, FILE_SIZE, 2 * FILE_SIZE, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, q);
	q = mremap(self->p, FILE_SIZE, PAGE, 0);
	EXPECT_EQ(MAP_FAILED, q);
	/* A move is refused after the fact: the pages go back. */
	self->p[3] = 'M';
	q = mremap(self->p, FILE_SIZE, FILE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
		   dst);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ('M', self->p[3]);
	EXPECT_TRUE(mapping_intact(self->path, self->p));
	EXPECT_EQ(E_OK, sys_munmap(self->p, FILE_SIZE));
}

TEST_F(map, map_fixed_over_it_refused)
{
	void *q = mmap(self->p + PAGE, PAGE, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_TRUE(mapping_intact(self->path, self->p));
	EXPECT_EQ(E_OK, sys_munmap(self->p, FILE_SIZE));
}

TEST_F(map, whole_range_mprotect_allowed)
{
	EXPECT_EQ(0, mprotect(self->p, FILE_SIZE, PROT_READ));
	EXPECT_EQ(KILLED(SIGSEGV), t_run_child(t_touch_write, self->p));
	EXPECT_EQ(0, mprotect(self->p, FILE_SIZE, PROT_READ | PROT_WRITE));
	EXPECT_TRUE(mapping_intact(self->path, self->p));
	EXPECT_EQ(E_OK, sys_munmap(self->p, FILE_SIZE));
}

TEST_F(map, munmap_writes_to_the_device_before_it_returns)
{
	static char buf[PAGE] __attribute__((aligned(PAGE)));

	T_NEED_ROOT("reads the file's blocks from its block device (/dev/...)");
	/*
	 * The file was just written with write(2) and nothing has flushed
	 * it: ext4 has not even allocated its blocks.  Background writeback
	 * would take seconds; sys_munmap must not.
	 */
	memset(self->p + 2 * PAGE, 'D', PAGE);
	ASSERT_EQ(E_OK, sys_munmap(self->p, FILE_SIZE));
	ASSERT_EQ(0, t_disk_bytes(self->path, 2 * PAGE, buf, PAGE));
	for (int i = 0; i < PAGE; i++) {
		ASSERT_EQ('D', buf[i]) TH_LOG("byte %d", i);
	}
	/* And the file reads back the same after the page cache is gone. */
	t_drop_caches();
	EXPECT_EQ('D', t_file_byte(self->path, 3 * PAGE - 1));
	EXPECT_EQ(t_pattern_byte(3 * PAGE), t_file_byte(self->path, 3 * PAGE));
}

TEST_F(map, without_munmap_nothing_reached_the_device_yet)
{
	static char buf[PAGE] __attribute__((aligned(PAGE)));

	/* The control for the test above: it can tell. */
	self->p[2 * PAGE] = 'N';
	EXPECT_EQ(-EAGAIN, t_disk_bytes(self->path, 2 * PAGE, buf, PAGE));
	EXPECT_EQ(E_OK, sys_munmap(self->p, FILE_SIZE));
}

TEST_HARNESS_MAIN
