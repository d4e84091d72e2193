/* SPDX-License-Identifier: MIT */
/*
 * Every request libneoos makes to the module: __neoos_request(), one
 * ioctl(2) on the process's /dev/neoos descriptor, with the errno of a
 * failure folded into an E_* code (error.c) that the calling thread's
 * sys_errno() then returns.  Every public call checks its arguments first
 * and then makes its request here; none opens the device or calls
 * ioctl(2) itself.
 *
 * The descriptor is opened lazily by the first request, once per process:
 * it is published with a compare-and-swap, so racing threads agree on one
 * and close theirs.  No lock is held, so fork() at any moment leaves the
 * child a usable state: the child inherits the descriptor and the same
 * open file.  O_CLOEXEC: a new program image starts over.
 *
 * The program owns its descriptor table and may close the descriptor, or
 * dup2() something else over it, behind the library's back.  An ioctl that
 * fails with EBADF or ENOTTY is therefore checked against the device the
 * descriptor was opened on; if the number no longer names it, the library
 * forgets it (without closing what is there now), opens the device again
 * and repeats the call once.
 *
 * The layout lock: sys_mprotect() is two calls, INFO and mprotect(2),
 * which the module cannot make one (mprotect(2) is not a module's to
 * call).  So that the range INFO found still holds the mapping when
 * mprotect(2) runs, MAP and UNMAP requests take the lock shared and
 * sys_mprotect() takes it exclusively around both calls.  Plain munmap(2)
 * and mmap(2) are not held back (see neoos(4)).  Writers first, so that a
 * stream of maps cannot starve sys_mprotect().
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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

static pthread_rwlock_t neoos_layout_lock =
	PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;

/* fork(2)'s child has one thread: whatever the others held is gone. */
static void neoos_layout_lock_reset(void)
{
	neoos_layout_lock = (pthread_rwlock_t)
		PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
}

__attribute__((constructor)) static void neoos_layout_lock_init(void)
{
	pthread_atfork(NULL, NULL, neoos_layout_lock_reset);
}

void __neoos_layout_lock(void)
{
	pthread_rwlock_wrlock(&neoos_layout_lock);
}

void __neoos_layout_unlock(void)
{
	pthread_rwlock_unlock(&neoos_layout_lock);
}

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

/* A new descriptor on the device, or E_*. */
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

/* The process's descriptor, opened on first use, or E_*. */
static int neoos_device(void)
{
	int fd = __atomic_load_n(&neoos_dev_fd, __ATOMIC_ACQUIRE);
	int expected = -1;

	if (fd >= 0)
		return fd;
	fd = neoos_device_open();
	if (fd < 0)
		return fd;
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

/* The E_* code of a request that failed in the kernel with @errnum. */
static int neoos_request_error(unsigned long cmd, int errnum)
{
	if (cmd == NEOOS_IOC_UNMAP)
		return __neoos_unmap_errno_to_error(errnum);
	return __neoos_errno_to_error(errnum);
}

/* ioctl(2) on the device, once more if the program closed it: 0 or E_*. */
static int neoos_ioctl(unsigned long cmd, void *arg)
{
	int saved, dev = neoos_device();

	if (dev < 0)
		return dev;
	if (ioctl(dev, cmd, arg) >= 0)
		return 0;
	saved = errno;
	if ((saved != EBADF && saved != ENOTTY) || !neoos_device_lost(dev))
		return neoos_request_error(cmd, saved);
	dev = neoos_device();
	if (dev < 0)
		return dev;
	if (ioctl(dev, cmd, arg) >= 0)
		return 0;
	return neoos_request_error(cmd, errno);
}

int __neoos_request(unsigned long cmd, void *arg)
{
	int layout = cmd == NEOOS_IOC_MAP || cmd == NEOOS_IOC_UNMAP;
	int ret;

	if (layout)
		pthread_rwlock_rdlock(&neoos_layout_lock);
	ret = neoos_ioctl(cmd, arg);
	if (layout)
		pthread_rwlock_unlock(&neoos_layout_lock);
	return ret ? __neoos_set_error(ret) : E_OK;
}
