// SPDX-License-Identifier: GPL-2.0
/*
 * The example programs in examples/: a file copy through neoos mappings,
 * two processes talking through one shared mapping, the record reader.
 */
#include "common.h"
#include "kselftest_harness.h"

/* Example program @name: the tree's, or the one installed beside the suite. */
static const char *ex(const char *name)
{
	return t_prog(name) ?: name;
}

static bool same_files(const char *a, const char *b)
{
	return t_sh_capture(NULL, 0, "cmp -s %s %s", a, b) == 0;
}

TEST(mmcp_copies_small_unaligned_and_empty_files)
{
	ASSERT_EQ(0, t_make_pattern_file("cp_small", 12345));
	EXPECT_EQ(0, t_sh_capture(NULL, 0, "%s cp_small cp_small.copy", ex("mmcp")));
	EXPECT_TRUE(same_files("cp_small", "cp_small.copy"));

	ASSERT_EQ(0, t_make_pattern_file("cp_empty", 0));
	EXPECT_EQ(0, t_sh_capture(NULL, 0, "%s cp_empty cp_empty.copy", ex("mmcp")));
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
	EXPECT_EQ(0, t_sh_capture(NULL, 0, "%s -w 4 cp_big cp_big.copy", ex("mmcp")));
	EXPECT_TRUE(same_files("cp_big", "cp_big.copy"));
	unlink("cp_big");
	unlink("cp_big.copy");
}

TEST(mmcp_reports_errors)
{
	char out[512];

	EXPECT_NE(0, t_sh_capture(out, sizeof(out), "%s no_such_file x 2>&1", ex("mmcp")));
	EXPECT_NE(NULL, strstr(out, "cannot open no_such_file"));
	ASSERT_EQ(0, t_make_pattern_file("cp_src", 100));
	EXPECT_NE(0, t_sh_capture(out, sizeof(out),
			 "%s cp_src no/such/dir/x 2>&1", ex("mmcp")));
	EXPECT_NE(NULL, strstr(out, "cannot create"));
	EXPECT_NE(0, t_sh_capture(out, sizeof(out), "%s . x 2>&1", ex("mmcp")));
	EXPECT_NE(0, t_sh_capture(out, sizeof(out), "%s 2>&1", ex("mmcp")));
	unlink("cp_src");
}

TEST(ipc_ping_pong_through_one_file)
{
	char out[128];

	EXPECT_EQ(0, t_sh_capture(out, sizeof(out), "%s ipc_board 2000", ex("ipc")));
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
	ASSERT_EQ(0, t_sh_capture(NULL, 0, "%s write reg.bin 1000", ex("registros")));
	EXPECT_EQ(0, t_sh_capture(out, sizeof(out), "%s read reg.bin", ex("registros")));
	EXPECT_STREQ(expect, out);
	unlink("reg.bin");
}

TEST_HARNESS_MAIN
