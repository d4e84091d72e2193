/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture of the extended-call tests: a pattern file of FILE_SIZE
 * bytes named after the program, open read-write and read-only.
 * Include after kselftest_harness.h.
 */
#ifndef NEOOS_SELFTEST_EXT_FIXTURE_H
#define NEOOS_SELFTEST_EXT_FIXTURE_H

#include <errno.h>

#define FILE_SIZE	(8 * PAGE)

FIXTURE(ext) {
	char path[64];
	int rw, ro;
};

FIXTURE_SETUP(ext)
{
	snprintf(self->path, sizeof(self->path), "%s.%d",
		 program_invocation_short_name, getpid());
	ASSERT_EQ(0, t_make_pattern_file(self->path, FILE_SIZE));
	self->rw = open(self->path, O_RDWR);
	self->ro = open(self->path, O_RDONLY);
	ASSERT_LE(0, self->rw);
	ASSERT_LE(0, self->ro);
}

FIXTURE_TEARDOWN(ext)
{
	close(self->rw);
	close(self->ro);
	unlink(self->path);
}

#endif
