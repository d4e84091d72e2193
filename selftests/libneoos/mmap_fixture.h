/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture of the sys_mmap() tests: a pattern file of FILE_SIZE bytes,
 * named after the program, on ext4 (the working directory) and on tmpfs.
 * Include after kselftest_harness.h.
 */
#ifndef NEOOS_SELFTEST_MMAP_FIXTURE_H
#define NEOOS_SELFTEST_MMAP_FIXTURE_H

#include <errno.h>

#define FILE_SIZE	(16 * PAGE)

FIXTURE(file) {
	char path[256];
};

FIXTURE_VARIANT(file) {
	const char *dir;
};

FIXTURE_VARIANT_ADD(file, ext4) {
	.dir = ".",
};

FIXTURE_VARIANT_ADD(file, tmpfs) {
	.dir = "/dev/shm",
};

FIXTURE_SETUP(file)
{
	snprintf(self->path, sizeof(self->path), "%s/%s.%d",
		 variant->dir, program_invocation_short_name, getpid());
	ASSERT_EQ(0, t_make_pattern_file(self->path, FILE_SIZE));
}

FIXTURE_TEARDOWN(file)
{
	unlink(self->path);
}

#endif
