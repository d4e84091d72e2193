// SPDX-License-Identifier: GPL-2.0
/*
 * The programs the suite runs besides its own: neoosctl, the fuzzer, the
 * examples and the NeoOS pages' programs, found where the tree and
 * "make install" put them, relative to the test program itself.
 * Part of the selftests' helpers (common.h); nothing here needs libneoos.
 *
 * The layout, from the directory of a test program (LAYER/x_test):
 *   .                   neoos-fuzz, seeds/
 *   ../../libneoos      libneoos.so.1, which the programs' RUNPATH names
 *   ../../tools/neoosctl, ../../examples
 * which is the tree's (selftests/LAYER) and INSTALL_PATH's (neoos/LAYER).
 * The packaged suite carries neither libneoos nor neoosctl: it uses
 * libneoos1's library and neoos-tools' neoosctl, found as any program
 * finds them.
 */

#include <libgen.h>
#include <limits.h>

#include "common.h"

/* Where the tree's programs are, from the test program's directory. */
static const char *const t_prog_dirs[] = {
	".", "../../tools/neoosctl", "../../examples",
};

/* This test program's directory, resolved; "" if /proc cannot say. */
static const char *t_exe_dir(void)
{
	static char dir[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n;

	if (dir[0])
		return dir;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return "";
	exe[n] = 0;
	snprintf(dir, sizeof(dir), "%s", dirname(exe));
	return dir;
}

/* @rel below the test program's directory, if it exists; else NULL. */
char *t_beside(const char *rel)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", t_exe_dir(), rel) >=
	    (int)sizeof(path))
		return NULL;
	return realpath(path, NULL);
}

const char *t_prog(const char *name)
{
	char rel[PATH_MAX], *path, *dirs, *dir, *save;
	size_t i;

	for (i = 0; i < sizeof(t_prog_dirs) / sizeof(t_prog_dirs[0]); i++) {
		snprintf(rel, sizeof(rel), "%s/%s", t_prog_dirs[i], name);
		path = t_beside(rel);
		if (path && !access(path, X_OK))
			return path;
		free(path);
	}
	dirs = strdup(getenv("PATH") ?: "/usr/bin:/bin");
	for (dir = strtok_r(dirs, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		snprintf(rel, sizeof(rel), "%s/%s", dir, name);
		if (!access(rel, X_OK)) {
			free(dirs);
			return strdup(rel);
		}
	}
	free(dirs);
	return NULL;
}

/*
 * The programs the suite runs load the libneoos its own programs do: the
 * one beside them when there is one (a tree that was only built, or
 * "make install"'s INSTALL_PATH), else the system's.
 */
__attribute__((constructor)) static void t_prog_libneoos(void)
{
	char *lib = t_beside("../../libneoos/libneoos.so.1");

	if (lib)
		setenv("LD_LIBRARY_PATH", dirname(lib), 1);
	free(lib);
}
