/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the neoos selftests.
 */
#ifndef NEOOS_SELFTEST_COMMON_H
#define NEOOS_SELFTEST_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

/*
 * In forked children the harness's ASSERTs cannot be used: CHK prints
 * what failed and makes the child exit non-zero, which the parent asserts.
 */
#define CHK(cond) do {							\
	if (!(cond)) {							\
		fprintf(stderr, "# %s:%d: child check failed: %s "	\
			"(errno %d %s, E %d)\n", __FILE__, __LINE__,	\
			#cond, errno, strerror(errno), sys_errno());	\
		return 1;						\
	}								\
} while (0)

/* The byte a test file holds at @pos: depends on the position. */
static inline unsigned char pattern_byte(uint64_t pos)
{
	return (unsigned char)(pos * 7 + (pos >> 12) + 1);
}

/* Create @path with @size pattern bytes; return 0 or -errno. */
static inline int make_pattern_file(const char *path, size_t size)
{
	unsigned char buf[PAGE];
	size_t done = 0;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	while (done < size) {
		size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern_byte(done + i);
		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -EIO;
		}
		done += n;
	}
	close(fd);
	return 0;
}

/* Read one byte of @path at @pos with pread(2). */
static inline int file_byte(const char *path, off_t pos)
{
	unsigned char c;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, &c, 1, pos);
	close(fd);
	return n == 1 ? c : -EIO;
}

/*
 * Run @fn(@arg) in a child and return the signal that killed it, 0 if it
 * exited with status 0, or -status if it exited otherwise.
 */
static inline int child_signal(void (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1000;
	if (WIFSIGNALED(status))
		return WTERMSIG(status);
	return -WEXITSTATUS(status);
}

static inline void touch_read(void *p)
{
	(void)*(volatile char *)p;
}

static inline void touch_write(void *p)
{
	*(volatile char *)p = 'w';
}

/* The number a sysfs, procfs or cgroup file holds, or -1. */
static inline long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long val = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &val) != 1)
		val = -1;
	fclose(f);
	return val;
}

/* Write @val to such a file; false on failure. */
static inline bool write_string(const char *path, const char *val)
{
	bool ok;
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return false;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok;
}

/* neoos.ko's module reference count, or -1. */
static inline int module_refcnt(void)
{
	return (int)read_long("/sys/module/neoos/refcnt");
}

/*
 * Run @fn(@arg) in a child (its stdio flushed before it exits): its exit
 * status, 1000 + the signal if one killed it, -1 if it could not run.
 */
static inline int run_in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		status = fn(arg);
		fflush(NULL);
		_exit(status);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) ? 1000 + WTERMSIG(status) :
				     WEXITSTATUS(status);
}

/* Run a shell command; its exit status, or -1 if it did not exit. */
static inline __attribute__((format(printf, 1, 2)))
int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Run a shell command with its stdout in @out (NUL-terminated, @len bytes
 * at most, may be NULL); return its wait status.
 */
static inline __attribute__((format(printf, 3, 4)))
int sh_capture(char *out, size_t len, const char *fmt, ...)
{
	char cmd[2048];
	size_t got;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (out) {
		got = fread(out, 1, len - 1, f);
		out[got] = 0;
	}
	return pclose(f);
}

/*
 * How many VMAs this process has: lines of /proc/self/maps, read without
 * stdio, so that counting allocates nothing that could add one.
 */
static inline int vma_count(void)
{
	char buf[4096];
	int fd = open("/proc/self/maps", O_RDONLY), n = 0;
	ssize_t r;

	if (fd < 0)
		return -1;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < r; i++)
			n += buf[i] == '\n';
	close(fd);
	return n;
}

#define NR_HUGEPAGES	"/proc/sys/vm/nr_hugepages"

/* Ask for @set huge pages (unless negative); how many there are, or -1. */
static inline long nr_hugepages(long set)
{
	char val[32];

	snprintf(val, sizeof(val), "%ld", set);
	if (set >= 0 && !write_string(NR_HUGEPAGES, val))
		return -1;
	return read_long(NR_HUGEPAGES);
}

/* How many VMAs of this process overlap [@p, @p + @len). */
static inline int vmas_in(const void *p, size_t len)
{
	unsigned long start, end, lo = (unsigned long)p, hi = lo + len;
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &start, &end) == 2 &&
		    start < hi && end > lo)
			n++;
	fclose(f);
	return n;
}

static inline void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	sync();
	if (fd >= 0) {
		if (write(fd, "3", 1) != 1)
			perror("drop_caches");
		close(fd);
	}
}

/*
 * Read @len bytes at @pos of @path as its block device holds them, past
 * the filesystem and its page cache: FIEMAP finds the blocks, O_DIRECT on
 * the device reads them.  Returns 0, -EAGAIN if the range has no blocks
 * on the device yet (delayed allocation: never written back), or -errno.
 * @pos and @len must be multiples of 4096 and within one extent.
 */
static inline int disk_bytes(const char *path, off_t pos, void *buf,
			     size_t len)
{
	struct {
		struct fiemap map;
		struct fiemap_extent ext[1];
	} fm;
	char dev[128], line[128], name[64] = "";
	struct stat st;
	off_t phys;
	FILE *f;
	int fd, ret;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return -errno;
	memset(&fm, 0, sizeof(fm));
	fm.map.fm_start = pos;
	fm.map.fm_length = len;
	fm.map.fm_extent_count = 1;
	ret = ioctl(fd, FS_IOC_FIEMAP, &fm.map);
	close(fd);
	if (ret)
		return -errno;
	if (fm.map.fm_mapped_extents != 1 ||
	    (fm.ext[0].fe_flags & (FIEMAP_EXTENT_DELALLOC |
				   FIEMAP_EXTENT_UNKNOWN |
				   FIEMAP_EXTENT_UNWRITTEN)))
		return -EAGAIN;
	phys = fm.ext[0].fe_physical + (pos - fm.ext[0].fe_logical);

	snprintf(dev, sizeof(dev), "/sys/dev/block/%u:%u/uevent",
		 major(st.st_dev), minor(st.st_dev));
	f = fopen(dev, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "DEVNAME=%63s", name) == 1)
			break;
	fclose(f);
	snprintf(dev, sizeof(dev), "/dev/%s", name);
	fd = open(dev, O_RDONLY | O_DIRECT);
	if (fd < 0)
		return -errno;
	ret = pread(fd, buf, len, phys) == (ssize_t)len ? 0 : -EIO;
	close(fd);
	return ret;
}

/* Write @val to the cgroup file @dir/@file; false on failure. */
static inline bool cgroup_write(const char *dir, const char *file,
				const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return write_string(path, val);
}

/*
 * Move this process into the memory cgroup /sys/fs/cgroup/@name, made
 * with memory.max @max ("max" for none), mounting cgroup2 and enabling
 * the memory controller if needed.  Needs root; false if it cannot.
 */
static inline bool join_memcg(const char *name, const char *max)
{
	char dir[128], pid[32];

	mkdir("/sys/fs/cgroup", 0755);
	mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL);
	if (!cgroup_write("/sys/fs/cgroup", "cgroup.subtree_control",
			  "+memory"))
		return false;
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s", name);
	mkdir(dir, 0755);
	snprintf(pid, sizeof(pid), "%d", getpid());
	return cgroup_write(dir, "memory.max", max) &&
	       cgroup_write(dir, "cgroup.procs", pid);
}

/* memory.current of /sys/fs/cgroup/@name, or -1. */
static inline long memcg_current(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/memory.current", name);
	return read_long(path);
}

#endif
