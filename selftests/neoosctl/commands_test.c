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


/* Run @cmd; its output into @out (up to @size), its exit status back. */
static int run(const char *cmd, char *out, size_t size)
{
	FILE *f = popen(cmd, "r");
	size_t n;
	int status;

	if (!f)
		return -1;
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	status = pclose(f);
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
	char path[PATH_MAX + 32], cwd[PATH_MAX], cmd[PATH_MAX + 128];
	char *out = malloc(65536), *line, *save;
	int up[2], down[2], rows = 0, status;
	bool seen_rw = false, seen_ro = false, total = false;
	pid_t pid;
	char c;

	if (access(NEOOSCTL, X_OK))
		SKIP(return, "%s not built", NEOOSCTL);
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

	snprintf(cmd, sizeof(cmd), "%s maps %d", NEOOSCTL, pid);
	EXPECT_EQ(0, run(cmd, out, 65536));
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
	snprintf(cmd, sizeof(cmd), "%s maps %d 2>&1", NEOOSCTL, pid);
	EXPECT_EQ(1, run(cmd, out, 65536));
	EXPECT_NE(NULL, strstr(out, "no such process"));
	unlink(path);
	free(out);
}

TEST(commands)
{
	char out[4096], want[64];

	if (access(NEOOSCTL, X_OK))
		SKIP(return, "%s not built", NEOOSCTL);
	EXPECT_EQ(0, run(NEOOSCTL " version", out, sizeof(out)));
	snprintf(want, sizeof(want), "neoos.ko ABI %d.%d\n", NEOOS_ABI_MAJOR,
		 NEOOS_ABI_MINOR);
	EXPECT_NE(NULL, strstr(out, want));
	EXPECT_EQ(0, strncmp(out, "neoosctl ", 9));
	/* --version: that first line alone, the device unasked */
	snprintf(want, sizeof(want), "neoosctl %s (neoos ABI %d.%d)\n",
		 NEOOS_VERSION, NEOOS_ABI_MAJOR, NEOOS_ABI_MINOR);
	EXPECT_EQ(0, run("NEOOS_DEVICE=/nonexistent " NEOOSCTL " --version",
			 out, sizeof(out)));
	EXPECT_STREQ(want, out);

	EXPECT_EQ(0, run(NEOOSCTL " stats", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "live_mappings "));
	EXPECT_NE(NULL, strstr(out, "\nunmaps "));

	EXPECT_EQ(0, run(NEOOSCTL " --help", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "usage: neoosctl"));
	EXPECT_EQ(0, run(NEOOSCTL " maps", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "total 0 mappings, 0 bytes"));
	EXPECT_EQ(2, run(NEOOSCTL " frobnicate 2>/dev/null", out, sizeof(out)));
	EXPECT_EQ(2, run(NEOOSCTL " maps 12x 2>/dev/null", out, sizeof(out)));
	EXPECT_EQ(2, run(NEOOSCTL " json extra 2>/dev/null </dev/null", out,
			 sizeof(out)));
	EXPECT_EQ(0, run("echo | " NEOOSCTL " json", out, sizeof(out)));
	EXPECT_STREQ("", out);
}

TEST_HARNESS_MAIN
