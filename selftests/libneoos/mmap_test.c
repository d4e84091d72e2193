// SPDX-License-Identifier: GPL-2.0
/*
 * sys_mmap() as the NeoOS page describes it, on ext4 (the runner's disk,
 * the working directory) and on tmpfs.
 */
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <linux/fs.h>
#include <sys/ioctl.h>

#include <libneoos.h>
#include <syscalls.h>

#include "common.h"
#include "kselftest_harness.h"

#include "mmap_fixture.h"

TEST_F(file, rdwr_reads_file_and_stores_reach_it)
{
	int fd = sys_open(self->path, O_RDWR);
	unsigned char *p;

	ASSERT_LE(0, fd);
	p = sys_mmap(fd, 0, FILE_SIZE);
	ASSERT_NE(NULL, p) TH_LOG("E %d", sys_errno());
	for (int i = 0; i < FILE_SIZE; i += 97)
		ASSERT_EQ(t_pattern_byte(i), p[i]);
	p[10] = 'X';
	p[FILE_SIZE - 1] = 'Y';
	/* Seen by read(2) before any unmap: the same page cache. */
	EXPECT_EQ('X', t_file_byte(self->path, 10));
	EXPECT_EQ('Y', t_file_byte(self->path, FILE_SIZE - 1));
	EXPECT_EQ(E_OK, sys_munmap(p, FILE_SIZE));
	EXPECT_EQ('X', t_file_byte(self->path, 10));
	EXPECT_EQ(E_OK, sys_close(fd));
}

TEST_F(file, write_2_sees_mapping)
{
	int fd = sys_open(self->path, O_RDWR);
	char *p;

	ASSERT_LE(0, fd);
	p = sys_mmap(fd, PAGE, PAGE);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(1, pwrite(fd, "Q", 1, PAGE + 5));
	EXPECT_EQ('Q', p[5]);
	EXPECT_EQ(E_OK, sys_munmap(p, PAGE));
	sys_close(fd);
}

TEST_F(file, rdonly_store_segv)
{
	int fd = sys_open(self->path, O_RDONLY);
	char *p;

	ASSERT_LE(0, fd);
	p = sys_mmap(fd, 0, PAGE);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(t_pattern_byte(0), (unsigned char)p[0]);
	EXPECT_EQ(KILLED(SIGSEGV), t_run_child(t_touch_write, p));
	/* Nor can it be made writable. */
	EXPECT_EQ(-1, mprotect(p, PAGE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(t_pattern_byte(0), t_file_byte(self->path, 0));
	EXPECT_EQ(E_OK, sys_munmap(p, PAGE));
	sys_close(fd);
}

TEST_F(file, wronly_eperm)
{
	int fd = sys_open(self->path, O_WRONLY);

	ASSERT_LE(0, fd);
	EXPECT_EQ(NULL, sys_mmap(fd, 0, PAGE));
	EXPECT_EQ(E_PERM, sys_errno());
	sys_close(fd);
}

TEST_F(file, bad_offsets_and_sizes_einval)
{
	int fd = sys_open(self->path, O_RDWR);
	struct {
		int offset, size;
	} bad[] = {
		{ 0, 0 }, { 0, -1 }, { -1, PAGE }, { -PAGE, PAGE },
		{ 0, FILE_SIZE + 1 }, { 1, FILE_SIZE }, { FILE_SIZE, 1 },
		{ FILE_SIZE - PAGE, 2 * PAGE }, { 0x7fffffff, 0x7fffffff },
		{ 0x7fffffff, 1 }, { 1, 0x7fffffff }, { 0, -0x7fffffff - 1 },
		{ -0x7fffffff - 1, PAGE },
	};

	struct neoos_stats after;
	struct leak_snap before;
	int vmas_before = t_vmas_in(NULL, ~0UL >> 1);

	ASSERT_LE(0, fd);
	t_leak_snapshot(&before);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(NULL, sys_mmap(fd, bad[i].offset, bad[i].size))
			TH_LOG("offset %d size %d", bad[i].offset, bad[i].size);
		EXPECT_EQ(E_INVAL, sys_errno());
	}
	/* A failed call changes nothing. */
	EXPECT_NO_LEAK(&before, "refused sys_mmap calls");
	ASSERT_EQ(E_OK, neoos_stats(&after));
	EXPECT_EQ(before.st.maps, after.maps);
	EXPECT_EQ(vmas_before, t_vmas_in(NULL, ~0UL >> 1));
	/* The whole file and its last byte are fine. */
	char *p = sys_mmap(fd, FILE_SIZE - 1, 1);

	ASSERT_NE(NULL, p);
	EXPECT_EQ(t_pattern_byte(FILE_SIZE - 1), (unsigned char)*p);
	EXPECT_EQ(E_OK, sys_munmap(p, 1));
	sys_close(fd);
}

TEST_F(file, unaligned_offset_points_at_byte)
{
	int fd = sys_open(self->path, O_RDWR);
	int offsets[] = { 1, 100, PAGE - 1, PAGE + 3, 3 * PAGE + 2048 };

	ASSERT_LE(0, fd);
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		int off = offsets[i], size = PAGE + 10;
		unsigned char *p = sys_mmap(fd, off, size);

		ASSERT_NE(NULL, p) TH_LOG("offset %d", off);
		EXPECT_EQ((uintptr_t)off % PAGE, (uintptr_t)p % PAGE);
		EXPECT_EQ(t_pattern_byte(off), p[0]);
		EXPECT_EQ(t_pattern_byte(off + size - 1), p[size - 1]);
		p[1] = 'U';
		EXPECT_EQ('U', t_file_byte(self->path, off + 1));
		/* Only the exact pointer unmaps it. */
		EXPECT_EQ(E_INVAL, sys_munmap(p - off % PAGE, size));
		EXPECT_EQ(E_OK, sys_munmap(p, size));
	}
	sys_close(fd);
}

TEST_F(file, closing_fd_keeps_mapping)
{
	int fd = sys_open(self->path, O_RDWR);
	char *p;

	ASSERT_LE(0, fd);
	p = sys_mmap(fd, 0, PAGE);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(E_OK, sys_close(fd));
	p[7] = 'C';
	EXPECT_EQ('C', t_file_byte(self->path, 7));
	EXPECT_EQ(E_OK, sys_munmap(p, PAGE));
	EXPECT_EQ('C', t_file_byte(self->path, 7));
}

TEST_F(file, truncate_then_access_sigbus)
{
	int fd = sys_open(self->path, O_RDWR);
	char *p;

	ASSERT_LE(0, fd);
	p = sys_mmap(fd, 0, FILE_SIZE);
	ASSERT_NE(NULL, p);
	t_touch_read(p + 5 * PAGE);
	ASSERT_EQ(0, ftruncate(fd, PAGE));
	EXPECT_EQ(0, t_run_child(t_touch_read, p));
	EXPECT_EQ(KILLED(SIGBUS), t_run_child(t_touch_read, p + 5 * PAGE));
	EXPECT_EQ(KILLED(SIGBUS), t_run_child(t_touch_write, p + 2 * PAGE));
	EXPECT_EQ(E_OK, sys_munmap(p, FILE_SIZE));
	sys_close(fd);
}

TEST_F(file, two_processes_share_through_mappings)
{
	int fd = sys_open(self->path, O_RDWR);
	volatile char *p;
	int status;
	pid_t pid;

	ASSERT_LE(0, fd);
	p = sys_mmap(fd, 0, PAGE);
	ASSERT_NE(NULL, p);
	p[0] = 0;
	pid = fork();
	if (pid == 0) {
		/* A separate mapping in the child, made after fork. */
		int cfd = sys_open(self->path, O_RDWR);
		volatile char *q = sys_mmap(cfd, 0, PAGE);

		if (!q)
			_exit(2);
		while (q[0] != 'P')
			;
		q[1] = 'C';
		_exit(sys_munmap((void *)q, PAGE) == E_OK ? 0 : 3);
	}
	ASSERT_LT(0, pid);
	p[0] = 'P';
	for (int i = 0; i < 100000 && p[1] != 'C'; i++)
		usleep(100);
	EXPECT_EQ('C', p[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(E_OK, sys_munmap((void *)p, PAGE));
	sys_close(fd);
}

TEST_F(file, child_exit_without_munmap_keeps_writes)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int fd = sys_open(self->path, O_RDWR);
		char *p = sys_mmap(fd, 0, FILE_SIZE);

		if (!p)
			_exit(2);
		p[3 * PAGE + 1] = 'E';
		_exit(0);
	}
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ('E', t_file_byte(self->path, 3 * PAGE + 1));
}

TEST_F(file, fork_child_inherits_and_unmaps)
{
	int fd = sys_open(self->path, O_RDWR);
	char *p;
	int status;
	pid_t pid;

	ASSERT_LE(0, fd);
	p = sys_mmap(fd, 0, PAGE);
	ASSERT_NE(NULL, p);
	pid = fork();
	if (pid == 0) {
		p[20] = 'K';
		if (sys_munmap(p, PAGE) != E_OK)
			_exit(3);
		/* Gone in the child only. */
		_exit(sys_munmap(p, PAGE) == E_INVAL ? 0 : 4);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ('K', p[20]);
	EXPECT_EQ(E_OK, sys_munmap(p, PAGE));
	sys_close(fd);
}

TEST_HARNESS_MAIN
