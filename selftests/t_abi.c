// SPDX-License-Identifier: GPL-2.0
/*
 * The device every test program needs, and the raw ABI: MAP and UNMAP on
 * a descriptor of it, without libneoos.
 * Part of the selftests' helpers (common.h); nothing here needs libneoos.
 */

#include "common.h"

/* kselftest's exit status for a program that cannot run here */
#define T_KSFT_SKIP	4

/*
 * Every program needs neoos.ko's device.  Without it a program says so in
 * one kselftest SKIP and exits before its first test, as kselftest's
 * ksft_exit_skip() does, instead of failing each test on a descriptor
 * it cannot open.  Run before main(), in every program the helpers are
 * linked into.
 */
__attribute__((constructor)) static void t_need_device(void)
{
	if (!access(NEOOS_DEVICE_PATH, F_OK))
		return;
	printf("TAP version 13\n1..0 # SKIP neoos.ko is not loaded: %s is missing\n",
	       NEOOS_DEVICE_PATH);
	fflush(stdout);
	_exit(T_KSFT_SKIP);
}

int t_dev_map(int dev, struct neoos_map *m)
{
	return ioctl(dev, NEOOS_IOC_MAP, m) ? -errno : 0;
}

int t_dev_unmap(int dev, uint64_t addr, uint64_t length)
{
	struct neoos_unmap u = { .addr = addr, .length = length };

	return ioctl(dev, NEOOS_IOC_UNMAP, &u) ? -errno : 0;
}

int t_map_refused(int dev, int fd, uint64_t len, int err, const char *what)
{
	struct neoos_map m = {
		.fd = fd,
		.length = len,
		.prot = NEOOS_PROT_READ | NEOOS_PROT_WRITE,
		.flags = NEOOS_MAP_SHARED,
	};
	struct leak_snap before;
	int ret, failed = 0;

	t_leak_snapshot(&before);
	ret = t_dev_map(dev, &m);
	if (ret != -err) {
		fprintf(stderr, "# NEOOS_IOC_MAP of %s: %s, want %s\n", what,
			ret ? strerror(-ret) : "mapped", strerror(err));
		failed++;
	}
	if (!ret && t_dev_unmap(dev, m.addr, len)) {
		fprintf(stderr, "# %s: cannot unmap it again\n", what);
		failed++;
	}
	return failed + t_leak_check(&before, what);
}
