// SPDX-License-Identifier: GPL-2.0-only
/*
 * NEOOS_IOC_STATS: the module-wide counters, for leak checks (the live
 * counts return to where they were once every mapping is gone) and for
 * "neoosctl stats".  They are per CPU so that the map and unmap paths
 * touch no shared cache line; the sum is taken here.
 */

#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/uaccess.h>

#include "internal.h"
#include <linux/neoos.h>

DEFINE_PER_CPU(struct neoos_counters, neoos_counters);

static void neoos_counters_sum(struct neoos_stats *st)
{
	long mappings = 0, vmas = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct neoos_counters *c = per_cpu_ptr(&neoos_counters, cpu);

		mappings += READ_ONCE(c->mappings);
		vmas += READ_ONCE(c->vmas);
		st->maps += READ_ONCE(c->maps);
		st->unmaps += READ_ONCE(c->unmaps);
	}
	/* Between two CPUs' reads an object may have moved: never negative. */
	st->live_mappings = max(mappings, 0L);
	st->live_vmas = max(vmas, 0L);
}

long neoos_ioctl_stats(void __user *argp)
{
	struct neoos_stats st = { 0 };

	neoos_counters_sum(&st);
	if (copy_to_user(argp, &st, sizeof(st)))
		return -EFAULT;
	return 0;
}
