// SPDX-License-Identifier: GPL-2.0
/*
 * Pattern files and what reached the disk.
 * Part of the selftests' helpers (common.h); nothing here needs libneoos.
 */

#include "common.h"

unsigned char t_pattern_byte(uint64_t pos)
{
	return (unsigned char)(pos * 7 + (pos >> 12) + 1);
}

int t_make_pattern_file(const char *path, size_t size)
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
			buf[i] = t_pattern_byte(done + i);
		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -EIO;
		}
		done += n;
	}
	close(fd);
	return 0;
}

bool t_file_is_pattern(const char *path, size_t size)
{
	unsigned char buf[PAGE];
	size_t done = 0;
	struct stat st;
	bool ok = true;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) || (size_t)st.st_size != size) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	while (ok && done < size) {
		ssize_t n = pread(fd, buf, sizeof(buf), done);

		if (n <= 0)
			ok = false;
		for (ssize_t i = 0; ok && i < n; i++)
			ok = buf[i] == t_pattern_byte(done + i);
		done += n > 0 ? n : 0;
	}
	close(fd);
	return ok;
}

bool t_mem_is_pattern(const unsigned char *p, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (p[i] != t_pattern_byte(i))
			return false;
	return true;
}

int t_file_byte(const char *path, off_t pos)
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

int t_disk_bytes(const char *path, off_t pos, void *buf, size_t len)
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

void t_drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	sync();
	if (fd >= 0) {
		if (write(fd, "3", 1) != 1)
			perror("drop_caches");
		close(fd);
	}
}
