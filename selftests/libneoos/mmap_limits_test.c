// SPDX-License-Identifier: GPL-2.0
/*
 * sys_mmap() at its edges, on ext4 (the runner's disk, the working
 * directory) and on tmpfs: many mappings, an exhausted address space,
 * vm.max_map_count, append-only and immutable files, and descriptors that
 * are not what a program means (the library's own, closed, bad).
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

/* Ten thousand, divided by t_timeout_scale() (common.h), 32 at least. */
TEST_F(file, ten_thousand_mappings)
{
	const int N = 10000 / t_timeout_scale() > 32 ? 10000 / t_timeout_scale() : 32;
	int fd = sys_open(self->path, O_RDWR);
	char **maps = calloc(N, sizeof(*maps));

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, maps);
	if (N != 10000)
		TH_LOG("%d mappings: validate_mm() would make more quadratic here", N);
	for (int i = 0; i < N; i++) {
		maps[i] = sys_mmap(fd, (i % 16) * PAGE, PAGE);
		ASSERT_NE(NULL, maps[i]) TH_LOG("map %d: E %d", i, sys_errno());
	}
	for (int i = 0; i < N; i++)
		ASSERT_EQ(t_pattern_byte((i % 16) * PAGE), (unsigned char)maps[i][0]);
	/* The last mapping and the first one of the same page share it. */
	maps[N - 1][1] = 'Z';
	EXPECT_EQ('Z', maps[(N - 1) % 16][1]);
	for (int i = 0; i < N; i++)
		ASSERT_EQ(E_OK, sys_munmap(maps[i], PAGE));
	free(maps);
	sys_close(fd);
}

TEST_F(file, enomem_when_address_space_exhausted)
{
	int fd = sys_open(self->path, O_RDWR);
	struct rlimit old, lim;
	pid_t pid;
	int status;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, getrlimit(RLIMIT_AS, &old));
	pid = fork();
	if (pid == 0) {
		void *p;

		/* Only what is mapped now, plus less than one page. */
		lim.rlim_cur = lim.rlim_max = 64 << 20;
		if (setrlimit(RLIMIT_AS, &lim))
			_exit(2);
		/* Fill the address space, then ask for more. */
		while (mmap(NULL, 1 << 20, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED)
			;
		while (mmap(NULL, PAGE, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED)
			;
		p = sys_mmap(fd, 0, PAGE);
		_exit(!p && sys_errno() == E_NOMEM ? 0 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child status %#x", status);
	sys_close(fd);
}

TEST_F(file, enomem_at_max_map_count)
{
	int fd = sys_open(self->path, O_RDONLY);
	char old[32] = "";
	int sysctl, status;
	pid_t pid;

	T_NEED_ROOT("changes vm.max_map_count");
	ASSERT_LE(0, fd);
	sysctl = open("/proc/sys/vm/max_map_count", O_RDWR);
	ASSERT_LE(0, sysctl);
	ASSERT_LT(0, read(sysctl, old, sizeof(old) - 1));
	pid = fork();
	if (pid == 0) {
		char buf[32];
		int n = t_vmas_in(NULL, ~0UL >> 1);

		/* Room for about one more mapping ([vsyscall] is not counted). */
		snprintf(buf, sizeof(buf), "%d", n + 1);
		if (pwrite(sysctl, buf, strlen(buf), 0) < 0)
			_exit(2);
		for (int i = 0; i < 4; i++)
			if (!sys_mmap(fd, 0, PAGE))
				_exit(sys_errno() == E_NOMEM && i > 0 ? 0 : 3);
		_exit(4);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_LT(0, pwrite(sysctl, old, strlen(old), 0));
	close(sysctl);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("status %#x", status);
	sys_close(fd);
}

static int set_inode_flag(const char *path, int flag, bool on)
{
	int fd = open(path, O_RDONLY), attr, ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, FS_IOC_GETFLAGS, &attr);
	if (!ret) {
		attr = on ? attr | flag : attr & ~flag;
		ret = ioctl(fd, FS_IOC_SETFLAGS, &attr);
	}
	close(fd);
	return ret ? -errno : 0;
}

TEST_F(file, append_only_file_eperm)
{
	int fd;

	T_NEED_ROOT("chattr +a (FS_APPEND_FL) takes CAP_LINUX_IMMUTABLE");
	ASSERT_EQ(0, set_inode_flag(self->path, FS_APPEND_FL, true));
	fd = sys_open(self->path, O_RDWR | O_APPEND);
	ASSERT_LE(0, fd);
	/* A writable fd on an append-only file maps nothing shared. */
	EXPECT_EQ(NULL, sys_mmap(fd, 0, PAGE));
	EXPECT_EQ(E_PERM, sys_errno());
	sys_close(fd);
	/* Read-only is fine. */
	fd = sys_open(self->path, O_RDONLY);
	ASSERT_NE(NULL, sys_mmap(fd, 0, PAGE));
	sys_close(fd);
	ASSERT_EQ(0, set_inode_flag(self->path, FS_APPEND_FL, false));
}

/*
 * An immutable file through a descriptor opened for writing before it
 * became immutable: sys_mmap does what mmap(2) of that descriptor does,
 * and so does a store (ext4 refuses it at page_mkwrite with SIGBUS; tmpfs
 * lets it through, for both).
 */
TEST_F(file, immutable_file_as_mmap)
{
	char *n, *p;
	int fd;

	T_NEED_ROOT("chattr +i (FS_IMMUTABLE_FL) takes CAP_LINUX_IMMUTABLE");
	fd = sys_open(self->path, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, set_inode_flag(self->path, FS_IMMUTABLE_FL, true));
	n = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	p = sys_mmap(fd, 0, PAGE);
	EXPECT_EQ(n == MAP_FAILED, p == NULL);
	if (n != MAP_FAILED && p) {
		int native = t_run_child(t_touch_write, n);

		EXPECT_EQ(native, t_run_child(t_touch_write, p));
		if (!strcmp(variant->dir, "."))	/* the ext4 work disk */
			EXPECT_EQ(KILLED(SIGBUS), native);
	}
	if (n != MAP_FAILED)
		munmap(n, PAGE);
	if (p)
		EXPECT_EQ(E_OK, sys_munmap(p, PAGE));
	ASSERT_EQ(0, set_inode_flag(self->path, FS_IMMUTABLE_FL, false));
	sys_close(fd);
}

/* The descriptor number libneoos opened /dev/neoos on, or -1. */
static int neoos_fd_number(void)
{
	char link[64], target[64];
	ssize_t n;

	for (int fd = 0; fd < 1024; fd++) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = 0;
		if (!strcmp(target, NEOOS_DEVICE_PATH))
			return fd;
	}
	return -1;
}

/*
 * A program may close every descriptor it does not know about, or dup2()
 * over them: the next NeoOS call still works, and what the program put on
 * that number is left alone.
 */
TEST_F(file, device_descriptor_closed_by_program)
{
	int fd, dev, other, pipefd[2];
	char *p;

	fd = sys_open(self->path, O_RDWR);
	ASSERT_LE(0, fd);
	p = sys_mmap(fd, 0, PAGE);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(E_OK, sys_munmap(p, PAGE));
	dev = neoos_fd_number();
	ASSERT_LE(0, dev);

	/* Closed, and the number reused for another file. */
	ASSERT_EQ(0, close(dev));
	other = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, other);
	if (other != dev) {
		ASSERT_EQ(dev, dup2(other, dev));
		close(other);
		other = dev;
	}
	p = sys_mmap(fd, 0, PAGE);
	ASSERT_NE(NULL, p) TH_LOG("sys_mmap after close: %d", sys_errno());
	p[0] = 'c';
	ASSERT_EQ(E_OK, sys_munmap(p, PAGE));
	EXPECT_EQ('c', t_file_byte(self->path, 0));
	EXPECT_EQ(0, fcntl(other, F_GETFD));	/* still open, still ours */
	EXPECT_EQ(0, close(other));

	/* dup2() of a pipe over the library's new descriptor. */
	dev = neoos_fd_number();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, pipe(pipefd));
	ASSERT_EQ(dev, dup2(pipefd[1], dev));
	p = sys_mmap(fd, 0, PAGE);
	ASSERT_NE(NULL, p) TH_LOG("sys_mmap after dup2: %d", sys_errno());
	EXPECT_EQ(E_OK, sys_munmap(p, PAGE));
	EXPECT_EQ(1, write(dev, "x", 1));	/* the pipe is still there */
	EXPECT_EQ(0, close(dev));
	close(pipefd[0]);
	close(pipefd[1]);
	sys_close(fd);
}

TEST(bad_fds_einval)
{
	int pipefd[2], sv[2], efd, dfd, pfd, dev;
	int fds[8], n = 0;

	ASSERT_EQ(0, pipe(pipefd));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	efd = eventfd(0, 0);
	dfd = open(".", O_RDONLY | O_DIRECTORY);
	pfd = open("/proc/self/exe", O_PATH);
	dev = open(NEOOS_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, efd);
	ASSERT_LE(0, dfd);
	ASSERT_LE(0, pfd);
	ASSERT_LE(0, dev);
	fds[n++] = pipefd[0];
	fds[n++] = sv[0];
	fds[n++] = efd;
	fds[n++] = dfd;
	fds[n++] = pfd;
	fds[n++] = dev;
	fds[n++] = 1000;	/* not open */
	fds[n++] = -1;
	for (int i = 0; i < n; i++) {
		EXPECT_EQ(NULL, sys_mmap(fds[i], 0, PAGE)) TH_LOG("fd #%d", i);
		EXPECT_EQ(E_INVAL, sys_errno()) TH_LOG("fd #%d", i);
	}
}

TEST_HARNESS_MAIN
