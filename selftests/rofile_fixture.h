/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rofile: a pattern file of FSIZE bytes, mode 0644, in a directory other
 * users can reach, for tests that map it as root and as USER_ID.  Include
 * after common.h and kselftest_harness.h.  A test whose child becomes
 * USER_ID starts with T_NEED_ROOT(ROFILE_AS_USER).
 */
#ifndef NEOOS_ROFILE_FIXTURE_H
#define NEOOS_ROFILE_FIXTURE_H

#define ROFILE_AS_USER	"a child drops to uid 1000 to map root's file as another user"

FIXTURE(rofile) {
	char path[64];
};

FIXTURE_SETUP(rofile)
{
	snprintf(self->path, sizeof(self->path), "%s.%d",
		 program_invocation_short_name, getpid());
	ASSERT_EQ(0, t_make_pattern_file(self->path, FSIZE));
	ASSERT_EQ(0, chmod(self->path, 0644));
	/* The runner's directory must let uid 1000 reach the file. */
	ASSERT_EQ(0, chmod(".", 0755));
}

FIXTURE_TEARDOWN(rofile)
{
	unlink(self->path);
}

#endif
