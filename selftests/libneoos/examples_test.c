// SPDX-License-Identifier: GPL-2.0
/*
 * The example programs in examples/: a file copy through neoos mappings,
 * two processes talking through one shared mapping, the record reader.
 */
#include "common.h"
#include "kselftest_harness.h"

static bool same_files(const char *a, const char *b)
{
	return t_sh_capture(NULL, 0, "cmp -s %s %s", a, b) == 0;
}

TEST(mmcp_copies_small_unaligned_and_empty_files)
{
	ASSERT_EQ(0, t_make_pattern_file("cp_small", 12345));
	EXPECT_EQ(0, t_sh_capture(NULL, 0, EXAMPLES "/mmcp cp_small cp_small.copy"));
	EXPECT_TRUE(same_files("cp_small", "cp_small.copy"));

	ASSERT_EQ(0, t_make_pattern_file("cp_empty", 0));
	EXPECT_EQ(0, t_sh_capture(NULL, 0, EXAMPLES "/mmcp cp_empty cp_empty.copy"));
	EXPECT_TRUE(same_files("cp_empty", "cp_empty.copy"));
	unlink("cp_small");
	unlink("cp_small.copy");
	unlink("cp_empty");
	unlink("cp_empty.copy");
}

TEST(mmcp_copies_in_windows)
{
	/* 40 MiB + 7 bytes through 4 MiB windows: eleven windows. */
	ASSERT_EQ(0, t_make_pattern_file("cp_big", (40 << 20) + 7));
	EXPECT_EQ(0, t_sh_capture(NULL, 0, EXAMPLES "/mmcp -w 4 cp_big cp_big.copy"));
	EXPECT_TRUE(same_files("cp_big", "cp_big.copy"));
	unlink("cp_big");
	unlink("cp_big.copy");
}

TEST(mmcp_reports_errors)
{
	char out[512];

	EXPECT_NE(0, t_sh_capture(out, sizeof(out), EXAMPLES "/mmcp no_such_file x 2>&1"));
	EXPECT_NE(NULL, strstr(out, "cannot open no_such_file"));
	ASSERT_EQ(0, t_make_pattern_file("cp_src", 100));
	EXPECT_NE(0, t_sh_capture(out, sizeof(out),
			 EXAMPLES "/mmcp cp_src no/such/dir/x 2>&1"));
	EXPECT_NE(NULL, strstr(out, "cannot create"));
	EXPECT_NE(0, t_sh_capture(out, sizeof(out), EXAMPLES "/mmcp . x 2>&1"));
	EXPECT_NE(0, t_sh_capture(out, sizeof(out), EXAMPLES "/mmcp 2>&1"));
	unlink("cp_src");
}

TEST(ipc_ping_pong_through_one_file)
{
	char out[128];

	EXPECT_EQ(0, t_sh_capture(out, sizeof(out), EXAMPLES "/ipc ipc_board 2000"));
	EXPECT_STREQ("turns 4000 last child\n", out);
	unlink("ipc_board");
}

TEST(record_reader)
{
	char out[128], expect[128];
	int valid = 0;
	double sum = 0;

	for (int i = 0; i < 1000; i++) {
		if (i % 3) {
			valid++;
			sum += (float)i / 2;
		}
	}
	snprintf(expect, sizeof(expect),
		 "1000 registros, %d validos, suma %.1f\n", valid, sum);
	ASSERT_EQ(0, t_sh_capture(NULL, 0, EXAMPLES "/registros write reg.bin 1000"));
	EXPECT_EQ(0, t_sh_capture(out, sizeof(out), EXAMPLES "/registros read reg.bin"));
	EXPECT_STREQ(expect, out);
	unlink("reg.bin");
}

TEST_HARNESS_MAIN
