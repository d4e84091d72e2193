// SPDX-License-Identifier: MIT
/* neoosctl stats: neoos.ko's counters, one "name value" line each. */
#include <stdio.h>

#include <libneoos.h>

#include "neoosctl.h"

int cmd_stats(void)
{
	struct neoos_stats st;
	int ret = neoos_stats(&st);

	if (ret < 0) {
		fprintf(stderr, "neoosctl: stats: %s\n", sys_strerror(ret));
		return 1;
	}
	printf("live_mappings %llu\n", (unsigned long long)st.live_mappings);
	printf("live_vmas %llu\n", (unsigned long long)st.live_vmas);
	printf("maps %llu\n", (unsigned long long)st.maps);
	printf("unmaps %llu\n", (unsigned long long)st.unmaps);
	return fflush(stdout) == EOF ? 1 : 0;
}
