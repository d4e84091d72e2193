/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture of the `neoosctl json` tests: a session of the tool, and a
 * pattern file of CTL_FILE_SIZE bytes named after the program, by the path
 * the kernel reports.  Include after kselftest_harness.h.
 */
#ifndef NEOOS_SELFTEST_CTL_FIXTURE_H
#define NEOOS_SELFTEST_CTL_FIXTURE_H

#include <errno.h>
#include <limits.h>


FIXTURE(ctl) {
	char path[PATH_MAX + 32];
	unsigned char pattern[CTL_FILE_SIZE];
	struct ctl c;
};

FIXTURE_SETUP(ctl)
{
	char cwd[PATH_MAX];

	if (!t_prog("neoosctl"))
		SKIP(return, NO_NEOOSCTL);
	signal(SIGPIPE, SIG_IGN);
	/* The kernel reports the path resolved; so must we. */
	ASSERT_NE(NULL, realpath(".", cwd));
	snprintf(self->path, sizeof(self->path), "%s/%s.%d", cwd,
		 program_invocation_short_name, getpid());
	ASSERT_EQ(0, t_make_pattern_file(self->path, CTL_FILE_SIZE));
	for (int i = 0; i < CTL_FILE_SIZE; i++)
		self->pattern[i] = t_pattern_byte(i);
	ASSERT_EQ(0, ctl_start(&self->c));
}

FIXTURE_TEARDOWN(ctl)
{
	if (self->c.pid > 0) {
		kill(self->c.pid, SIGKILL);
		ctl_finish(&self->c);
	}
	unlink(self->path);
}

#endif
