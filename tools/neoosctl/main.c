// SPDX-License-Identifier: MIT
/*
 * neoosctl: drive neoos from the command line.
 *
 *   neoosctl json        NeoOS MmapManager requests on stdin, one JSON
 *                        object a line, answered one a line on stdout
 *   neoosctl maps [PID]  a process's neoos mappings, like pmap(1)
 *   neoosctl stats       neoos.ko's counters
 *   neoosctl version     this tool's version and neoos.ko's ABI
 *   neoosctl --version   this tool's version only (no device needed)
 *
 * Exit status: 0, 1 when the command failed, 2 for a bad command line.
 * This file reads the command line and hands it to one command; see
 * neoosctl.h for where each command lives.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "neoosctl.h"

static void usage(FILE *f)
{
	fputs("usage: neoosctl COMMAND\n"
	      "\n"
	      "  json        serve NeoOS MmapManager requests, one JSON object a\n"
	      "              line on stdin, one response a line on stdout\n"
	      "  maps [PID]  list the neoos mappings of process PID (default: own)\n"
	      "  stats       print neoos.ko's counters\n"
	      "  version     print neoosctl's version and neoos.ko's ABI\n"
	      "  --version   print neoosctl's version only\n"
	      "\n"
	      "See neoosctl(1).\n", f);
}

/* A process id: decimal digits only, 1 to INT_MAX. */
static bool parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > INT_MAX)
		return false;
	*pid = (pid_t)v;
	return true;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	pid_t pid = 0;

	if (!cmd || !strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "json") && argc == 2)
		return cmd_json();
	if (!strcmp(cmd, "maps") && argc <= 3 &&
	    (argc == 2 || parse_pid(argv[2], &pid)))
		return cmd_maps(pid);
	if (!strcmp(cmd, "stats") && argc == 2)
		return cmd_stats();
	if (!strcmp(cmd, "version") && argc == 2)
		return cmd_version();
	if (!strcmp(cmd, "--version") && argc == 2)
		return cmd_tool_version();
	fprintf(stderr, "neoosctl: bad command line\n");
	usage(stderr);
	return 2;
}
