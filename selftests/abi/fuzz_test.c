// SPDX-License-Identifier: GPL-2.0
/*
 * Runs neoos-fuzz (built beside it) for a bounded time: random and hostile ioctls,
 * maps, faults, forks, truncation and munmap(2) from 4 processes.  It
 * exits 0 only if the module's live_mappings and live_vmas come back to
 * where they were; the runner fails on any kernel splat it caused.
 */
#include <libneoos.h>

#include "common.h"
#include "kselftest_harness.h"

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

TEST_F_TIMEOUT(fuzz, bounded_run_leaks_nothing, 90)
{
	char line[512], last[512] = "";
	struct leak_snap before;
	unsigned long calls = 0, maps = 0;
	long leaked = -1;
	int status;
	const char *fuzz = t_prog("neoos-fuzz");
	char cmd[PATH_MAX + 64];
	FILE *f;

	if (!fuzz)
		SKIP(return, "neoos-fuzz is not beside fuzz_test");
	t_leak_snapshot(&before);
	snprintf(cmd, sizeof(cmd), "%s -t 15 -p 4 -s 20240601 2>&1", fuzz);
	f = popen(cmd, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		printf("# %s", line);
		if (sscanf(line, "neoos-fuzz: %lu calls, %lu maps, %ld leaked",
			   &calls, &maps, &leaked) == 3)
			snprintf(last, sizeof(last), "%s", line);
	}
	fflush(stdout);
	status = pclose(f);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("status %#x", status);
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_NE(0, last[0]) TH_LOG("no summary line");
	EXPECT_EQ(0, leaked);
	EXPECT_NO_LEAK(&before, "neoos-fuzz");
	EXPECT_LT(1000, calls);
	EXPECT_LT(10, maps);
	ksft_print_msg("neoos-figure: fuzzer: %lu random ioctl calls, %lu maps from 4 processes in 15 s, %ld objects leaked\n",
		       calls, maps, leaked);
	fflush(stdout);
}

TEST_HARNESS_MAIN
