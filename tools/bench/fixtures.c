// SPDX-License-Identifier: MIT
/*
 * What the cases map: files made in the current directory, and map and
 * unmap helpers for both sides.  Any failure ends the run: a sample
 * taken around a failed call would measure the failure.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libneoos.h>

#include "bench.h"

/* A file of @size bytes of data (or a hole with @sparse), cached, clean. */
int make_file(const char *path, size_t size, int sparse, int flags)
{
	static char buf[1 << 20];
	size_t done;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("open %s", path);
	if (sparse) {
		if (ftruncate(fd, size))
			die("ftruncate %s", path);
	} else {
		for (done = 0; done < size; done += sizeof(buf)) {
			size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);

			memset(buf, (int)(done / sizeof(buf)) + 1, n);
			if (pwrite(fd, buf, n, done) != (ssize_t)n)
				die("write %s", path);
		}
		if (fsync(fd))
			die("fsync %s", path);
		/* read it back so that it is in the page cache */
		for (done = 0; done < size; done += sizeof(buf))
			if (pread(fd, buf, sizeof(buf), done) < 0)
				die("read %s", path);
	}
	close(fd);
	fd = open(path, flags);
	if (fd < 0)
		die("open %s", path);
	return fd;
}

void *neo_map(int fd, size_t size)
{
	void *p = sys_mmap(fd, 0, (int)size);

	if (!p)
		die("sys_mmap: %s", sys_strerror(sys_errno()));
	return p;
}

void neo_unmap(void *p, size_t size)
{
	int ret = sys_munmap(p, (int)size);

	if (ret)
		die("sys_munmap: %s", sys_strerror(ret));
}

void *nat_map(int fd, size_t size, int prot)
{
	void *p = mmap(NULL, size, prot, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

void nat_unmap(void *p, size_t size)
{
	if (munmap(p, size))
		die("munmap");
}

/* A descriptor of the device libneoos uses ($NEOOS_DEVICE or /dev/neoos). */
int open_device(void)
{
	const char *path = getenv("NEOOS_DEVICE");
	int fd = open(path && *path ? path : NEOOS_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("open /dev/neoos");
	return fd;
}
