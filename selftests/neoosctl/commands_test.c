// SPDX-License-Identifier: GPL-2.0
/*
 * neoosctl's commands other than json: maps (of another process too),
 * version, --version, stats, --help, and the exit status of bad arguments.
 */
#include <limits.h>
#include <sys/mman.h>

#include <libneoos.h>

#include "common.h"
#include "ctl.h"
#include "kselftest_harness.h"


/*
 * Run "@pre neoosctl @args" through the shell; its output into @out (up
 * to @size), its exit status back.
 */
static int ctl_sh(char *out, size_t size, const char *pre, const char *args)
{
	int status = t_sh_capture(out, size, "%s %s %s", pre,
				  t_prog("neoosctl"), args);

	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A child holding two mappings until its pipe closes. */
static void hold_mappings(const char *path, int report, int wait_fd)
{
	int rw = open(path, O_RDWR), ro = open(path, O_RDONLY);
	uint64_t id;
	char c;

	if (rw < 0 || ro < 0 ||
	    !sys_mmap_ex(NULL, CTL_FILE_SIZE, NEOOS_PROT_READ | NEOOS_PROT_WRITE,
			 NEOOS_MAP_SHARED, rw, 0, &id) ||
	    !sys_mmap_ex(NULL, 100, NEOOS_PROT_READ, NEOOS_MAP_PRIVATE, ro, 7,
			 &id))
		_exit(1);
	if (write(report, "k", 1) != 1)
		_exit(1);
	if (read(wait_fd, &c, 1) < 0)
		_exit(1);
	_exit(0);
}

TEST(maps_of_another_process)
{
	char path[PATH_MAX + 32], cwd[PATH_MAX], args[64];
	char *out = malloc(65536), *line, *save;
	int up[2], down[2], rows = 0, status;
	bool seen_rw = false, seen_ro = false, total = false;
	pid_t pid;
	char c;

	if (!t_prog("neoosctl"))
		SKIP(return, NO_NEOOSCTL);
	T_NEED_ROOT("CAP_SYS_PTRACE, for the maps of another process (neoos(4))");
	ASSERT_NE(NULL, realpath(".", cwd));
	snprintf(path, sizeof(path), "%s/neoosctl_maps.%d", cwd, getpid());
	ASSERT_EQ(0, t_make_pattern_file(path, CTL_FILE_SIZE));
	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		hold_mappings(path, up[1], down[0]);
	}
	close(up[1]);
	close(down[0]);
	ASSERT_EQ(1, read(up[0], &c, 1));

	snprintf(args, sizeof(args), "maps %d", pid);
	EXPECT_EQ(0, ctl_sh(out, 65536, "", args));
	TH_LOG("%s", out);
	line = strtok_r(out, "\n", &save);
	ASSERT_NE(NULL, line);
	EXPECT_EQ(0, strncmp(line, "ID", 2));
	while ((line = strtok_r(NULL, "\n", &save))) {
		if (!strncmp(line, "total", 5)) {
			char want[64];

			snprintf(want, sizeof(want), "total 2 mappings, %d bytes",
				 CTL_FILE_SIZE + 100);
			EXPECT_STREQ(want, line);
			total = true;
			continue;
		}
		rows++;
		EXPECT_NE(NULL, strstr(line, path));
		if (strstr(line, " rw- ") && strstr(line, " shared "))
			seen_rw = true;
		if (strstr(line, " r-- ") && strstr(line, " private ") &&
		    strstr(line, " 7 "))
			seen_ro = true;
	}
	EXPECT_EQ(2, rows);
	EXPECT_TRUE(seen_rw);
	EXPECT_TRUE(seen_ro);
	EXPECT_TRUE(total);

	close(down[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);

	/* Gone now: an error on stderr, exit 1. */
	snprintf(args, sizeof(args), "maps %d 2>&1", pid);
	EXPECT_EQ(1, ctl_sh(out, 65536, "", args));
	EXPECT_NE(NULL, strstr(out, "no such process"));
	unlink(path);
	free(out);
}

TEST(commands)
{
	char out[4096], want[64];

	if (!t_prog("neoosctl"))
		SKIP(return, NO_NEOOSCTL);
	EXPECT_EQ(0, ctl_sh(out, sizeof(out), "", "version"));
	snprintf(want, sizeof(want), "neoos.ko ABI %d.%d\n", NEOOS_ABI_MAJOR,
		 NEOOS_ABI_MINOR);
	EXPECT_NE(NULL, strstr(out, want));
	EXPECT_EQ(0, strncmp(out, "neoosctl ", 9));
	/* --version: that first line alone, the device unasked */
	snprintf(want, sizeof(want), "neoosctl %s (neoos ABI %d.%d)\n",
		 NEOOS_VERSION, NEOOS_ABI_MAJOR, NEOOS_ABI_MINOR);
	EXPECT_EQ(0, ctl_sh(out, sizeof(out), "NEOOS_DEVICE=/nonexistent",
			    "--version"));
	EXPECT_STREQ(want, out);

	EXPECT_EQ(0, ctl_sh(out, sizeof(out), "", "stats"));
	EXPECT_NE(NULL, strstr(out, "live_mappings "));
	EXPECT_NE(NULL, strstr(out, "\nunmaps "));

	EXPECT_EQ(0, ctl_sh(out, sizeof(out), "", "--help"));
	EXPECT_NE(NULL, strstr(out, "usage: neoosctl"));
	EXPECT_EQ(0, ctl_sh(out, sizeof(out), "", "maps"));
	EXPECT_NE(NULL, strstr(out, "total 0 mappings, 0 bytes"));
	EXPECT_EQ(2, ctl_sh(out, sizeof(out), "", "frobnicate 2>/dev/null"));
	EXPECT_EQ(2, ctl_sh(out, sizeof(out), "", "maps 12x 2>/dev/null"));
	EXPECT_EQ(2, ctl_sh(out, sizeof(out), "",
			    "json extra 2>/dev/null </dev/null"));
	EXPECT_EQ(0, ctl_sh(out, sizeof(out), "echo |", "json"));
	EXPECT_STREQ("", out);
}

TEST_HARNESS_MAIN
