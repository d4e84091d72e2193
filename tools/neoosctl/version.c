// SPDX-License-Identifier: MIT
/* neoosctl version: this tool's version and ABI, then neoos.ko's ABI. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <libneoos.h>

#include "neoosctl.h"

/* The tree's VERSION, passed in by the Makefile. */
#ifndef NEOOS_VERSION
#define NEOOS_VERSION "unknown"
#endif

/* --version: what a package's user asks first, on a machine that may
 * have no neoos.ko loaded yet; so nothing is asked of the device. */
int cmd_tool_version(void)
{
	printf("neoosctl %s (neoos ABI %d.%d)\n", NEOOS_VERSION,
	       NEOOS_ABI_MAJOR, NEOOS_ABI_MINOR);
	return fflush(stdout) == EOF ? 1 : 0;
}

/* Asked of the device directly: libneoos refuses a module of another
 * major ABI, and that is exactly the case worth printing. */
int cmd_version(void)
{
	const char *dev = secure_getenv("NEOOS_DEVICE");
	struct neoos_version v = { 0 };
	int fd;

	if (!dev || !*dev)
		dev = NEOOS_DEVICE_PATH;
	printf("neoosctl %s (neoos ABI %d.%d)\n", NEOOS_VERSION,
	       NEOOS_ABI_MAJOR, NEOOS_ABI_MINOR);
	fflush(stdout);
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, NEOOS_IOC_VERSION, &v) < 0) {
		fprintf(stderr, "neoosctl: %s: %s\n", dev, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	close(fd);
	printf("neoos.ko ABI %u.%u\n", v.major, v.minor);
	return fflush(stdout) == EOF ? 1 : 0;
}
