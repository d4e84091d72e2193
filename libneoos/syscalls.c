/* SPDX-License-Identifier: MIT */
/*
 * NeoOS's file calls, one Linux system call each.  Counts come back as is;
 * failures as negative E_* codes, also kept for sys_errno().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "include/syscalls.h"
#include "internal.h"

/* O_* bits NeoOS defines; anything else is refused, not passed on. */
#define NEOOS_OPEN_FLAGS	(O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND)

__neoos_public int sys_open(const char *path, int flags)
{
	int fd;

	if (!path || (flags & ~NEOOS_OPEN_FLAGS) ||
	    (flags & O_ACCMODE) == O_ACCMODE)
		return __neoos_set_error(E_INVAL);
	fd = open(path, flags | O_CLOEXEC, 0666);
	if (fd < 0)
		return __neoos_fail();
	return fd;
}

__neoos_public int sys_close(int fd)
{
	if (close(fd) < 0)
		return __neoos_fail();
	return E_OK;
}

/* What read(2) or write(2) of at most INT_MAX bytes returned, as NeoOS's. */
static int neoos_count(ssize_t ret)
{
	return ret < 0 ? __neoos_fail() : (int)ret;
}

__neoos_public int sys_read(int fd, void *buf, int n)
{
	if (n < 0)
		return __neoos_set_error(E_INVAL);
	return neoos_count(read(fd, buf, (size_t)n));
}

__neoos_public int sys_write(int fd, const void *buf, int n)
{
	if (n < 0)
		return __neoos_set_error(E_INVAL);
	return neoos_count(write(fd, buf, (size_t)n));
}

__neoos_public void sys_exit(int status)
{
	exit(status);
}
