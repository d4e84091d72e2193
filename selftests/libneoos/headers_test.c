// SPDX-License-Identifier: GPL-2.0
/*
 * NeoOS's <syscalls.h> and <error.h> are self-sufficient and agree with
 * glibc: this file includes them after glibc's headers, and
 * headers_first.c (linked in) includes them first; both build with
 * -Wall -Werror, so any clash fails the build.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <error.h>
#include <syscalls.h>

#include "kselftest_harness.h"

int neoos_headers_first(int *o_flags, int *std, int *errs);

TEST(o_flags_are_linux_values)
{
	int o[6], std[3], errs[6];

	neoos_headers_first(o, std, errs);
	EXPECT_EQ(O_RDONLY, o[0]);
	EXPECT_EQ(O_WRONLY, o[1]);
	EXPECT_EQ(O_RDWR, o[2]);
	EXPECT_EQ(O_CREAT, o[3]);
	EXPECT_EQ(O_TRUNC, o[4]);
	EXPECT_EQ(O_APPEND, o[5]);
	EXPECT_EQ(STDIN_FILENO, std[0]);
	EXPECT_EQ(STDOUT_FILENO, std[1]);
	EXPECT_EQ(STDERR_FILENO, std[2]);
	/* E_OK is 0; the others negative and distinct. */
	EXPECT_EQ(0, E_OK);
	for (int i = 0; i < 6; i++) {
		EXPECT_GT(0, errs[i]);
		for (int j = 0; j < i; j++)
			EXPECT_NE(errs[i], errs[j]);
	}
}

TEST(sys_calls_work_without_module)
{
	char buf[8];
	int fd = sys_open("headers_test.tmp", O_RDWR | O_CREAT | O_TRUNC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(3, sys_write(fd, "abc", 3));
	EXPECT_EQ(E_OK, sys_close(fd));
	fd = sys_open("headers_test.tmp", O_RDONLY);
	EXPECT_EQ(3, sys_read(fd, buf, sizeof(buf)));
	EXPECT_EQ(E_OK, sys_close(fd));
	EXPECT_EQ(E_NOENT, sys_open("no/such/file", O_RDONLY));
	EXPECT_EQ(E_NOENT, sys_errno());
	EXPECT_EQ(E_INVAL, sys_close(-1));
	unlink("headers_test.tmp");
}

TEST_HARNESS_MAIN
