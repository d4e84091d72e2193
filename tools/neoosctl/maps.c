// SPDX-License-Identifier: MIT
/*
 * neoosctl maps [PID]: a process's neoos mappings, one line each under a
 * header, then a total, like pmap(1).  No PID (0 here) means neoosctl's
 * own.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libneoos.h>

#include "neoosctl.h"

static void prot_string(int prot, char s[4])
{
	s[0] = prot & NEOOS_PROT_READ ? 'r' : '-';
	s[1] = prot & NEOOS_PROT_WRITE ? 'w' : '-';
	s[2] = prot & NEOOS_PROT_EXEC ? 'x' : '-';
	s[3] = '\0';
}

static int maps_error(pid_t pid, int err)
{
	/* The kernel's ESRCH arrives folded into E_INVAL. */
	if (err == E_INVAL && pid && kill(pid, 0) < 0 && errno == ESRCH)
		fprintf(stderr, "neoosctl: %d: no such process\n", (int)pid);
	else
		fprintf(stderr, "neoosctl: %d: %s\n",
			(int)(pid ? pid : getpid()), sys_strerror(err));
	return 1;
}

/* The ids of @pid's mappings: the list may grow between two calls. */
static int list_ids(pid_t pid, uint64_t **ids)
{
	int n = sys_mmap_list(pid, NULL, 0);

	while (n >= 0) {
		uint64_t *p = realloc(*ids, (n ? n : 1) * sizeof(**ids));
		int m;

		if (!p)
			return E_NOMEM;
		*ids = p;
		m = sys_mmap_list(pid, p, n);
		if (m <= n)
			return m;
		n = m;
	}
	return n;
}

static void print_mapping(const struct neoos_mapping_info *info)
{
	char prot[4];
	bool shared = info->flags & NEOOS_MAP_SHARED;
	bool anon = info->flags & NEOOS_MAP_ANONYMOUS;
	const char *type = shared ? "shared" : "private";

	prot_string(info->prot, prot);
	printf("%-8" PRIu64 " %016" PRIxPTR " %12" PRIu64 " %-4s %-12s %12"
	       PRIu64 " %s\n",
	       info->id, (uintptr_t)info->addr, info->length, prot,
	       anon ? (shared ? "shared,anon" : "private,anon") : type,
	       info->offset, anon ? "[anon]" : info->path);
}

int cmd_maps(pid_t pid)
{
	struct neoos_mapping_info *info = malloc(sizeof(*info));
	uint64_t *ids = NULL, total = 0;
	int n, shown = 0;

	if (!info)
		return maps_error(pid, E_NOMEM);
	n = list_ids(pid, &ids);
	if (n < 0) {
		free(info);
		free(ids);
		return maps_error(pid, n);
	}
	printf("%-8s %-16s %12s %-4s %-12s %12s %s\n", "ID", "ADDRESS",
	       "SIZE", "PROT", "FLAGS", "OFFSET", "PATH");
	for (int i = 0; i < n; i++) {
		/* A mapping unmapped since the list was taken is skipped. */
		if (sys_mmap_info_pid(pid, ids[i], info) < 0)
			continue;
		print_mapping(info);
		total += info->length;
		shown++;
	}
	printf("total %d mapping%s, %" PRIu64 " bytes\n", shown,
	       shown == 1 ? "" : "s", total);
	free(info);
	free(ids);
	return fflush(stdout) == EOF ? 1 : 0;
}
