/* SPDX-License-Identifier: MIT */
/*
 * The process's /dev/neoos descriptor.
 *
 * Opened lazily by the first call that needs it, once per process: the
 * descriptor is published with a compare-and-swap, so racing threads
 * agree on one and close theirs.  No lock is held, so fork() at any
 * moment leaves the child a usable state: the child inherits the
 * descriptor and the same open file.  O_CLOEXEC: a new program image
 * starts over.
 *
 * The program owns its descriptor table and may close the descriptor, or
 * dup2() something else over it, behind the library's back.  An ioctl that
 * fails with EBADF or ENOTTY is therefore checked against the device the
 * descriptor was opened on; if the number no longer names it, the library
 * forgets it (without closing what is there now), opens the device again
 * and repeats the call once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/neoos.h>

#include "include/error.h"
#include "internal.h"

static int neoos_dev_fd = -1;
/* The device number of /dev/neoos, set before any descriptor is published. */
static dev_t neoos_dev_rdev;

static const char *neoos_device_path(void)
{
	const char *path = secure_getenv("NEOOS_DEVICE");

	return path && *path ? path : NEOOS_DEVICE_PATH;
}

static int neoos_check_version(int fd)
{
	static int warned;
	struct neoos_version v = { 0 };

	if (ioctl(fd, NEOOS_IOC_VERSION, &v) < 0)
		return E_NOSYS;
	if (v.major == NEOOS_ABI_MAJOR)
		return 0;
	if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		fprintf(stderr,
			"libneoos: %s speaks neoos ABI %u.%u, this library needs %u.x; "
			"install a matching neoos.ko\n",
			neoos_device_path(), v.major, v.minor, NEOOS_ABI_MAJOR);
	return E_NOSYS;
}

static int neoos_device_open(void)
{
	struct stat st;
	int fd, ret;

	fd = open(neoos_device_path(), O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return __neoos_open_errno_to_error(errno);
	ret = neoos_check_version(fd);
	if (!ret && fstat(fd, &st))
		ret = __neoos_errno_to_error(errno);
	if (ret) {
		close(fd);
		return ret;
	}
	__atomic_store_n(&neoos_dev_rdev, st.st_rdev, __ATOMIC_RELAXED);
	return fd;
}

int __neoos_device(void)
{
	int fd = __atomic_load_n(&neoos_dev_fd, __ATOMIC_ACQUIRE);
	int expected = -1;

	if (fd >= 0)
		return fd;
	fd = neoos_device_open();
	if (fd < 0)
		return __neoos_set_error(fd);
	if (!__atomic_compare_exchange_n(&neoos_dev_fd, &expected, fd, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		close(fd);
		fd = expected;
	}
	return fd;
}

/*
 * Has the program closed (or replaced) descriptor @fd, which the library
 * had opened on /dev/neoos?  If so, forget it.
 */
static int neoos_device_lost(int fd)
{
	struct stat st;
	int expected = fd;

	if (!fstat(fd, &st) && S_ISCHR(st.st_mode) &&
	    st.st_rdev == __atomic_load_n(&neoos_dev_rdev, __ATOMIC_RELAXED))
		return 0;
	__atomic_compare_exchange_n(&neoos_dev_fd, &expected, -1, 0,
				    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	return 1;
}

int __neoos_ioctl(int dev, unsigned long cmd, void *arg)
{
	int saved, ret = ioctl(dev, cmd, arg);

	if (ret >= 0 || (errno != EBADF && errno != ENOTTY))
		return ret;
	saved = errno;
	if (!neoos_device_lost(dev)) {
		errno = saved;
		return ret;
	}
	dev = __neoos_device();
	if (dev < 0) {
		/* E_* codes are negated errnos: sys_errno() gets @dev back. */
		errno = -dev;
		return NEOOS_IOCTL_NODEV;
	}
	return ioctl(dev, cmd, arg);
}
