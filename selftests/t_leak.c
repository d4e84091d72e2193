// SPDX-License-Identifier: GPL-2.0
/*
 * What a test leaves behind: neoos's live mappings and VMAs, the module's
 * reference count and the process's VMAs, before and after.
 * Part of the selftests' helpers (common.h); nothing here needs libneoos.
 */

#include "common.h"

/*
 * libneoos's, when the program links it (see t_leak_snapshot()); a weak
 * reference, so that a program without libneoos links and sees NULL.
 */
extern int neoos_stats(struct neoos_stats *st) __attribute__((weak));

/*
 * Without libneoos a descriptor is opened for the one ioctl and closed
 * before the reference count is read: kept open, it would take a
 * descriptor number a test may mean to be closed.
 */
static int stats_of_module(struct neoos_stats *st)
{
	int dev, ret;

	if (neoos_stats)
		return neoos_stats(st);
	dev = open(NEOOS_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -1;
	ret = ioctl(dev, NEOOS_IOC_STATS, st);
	close(dev);
	return ret;
}

void t_leak_snapshot(struct leak_snap *s)
{
	memset(s, 0, sizeof(*s));
	/* First: the descriptor it reads them through is open from here on. */
	if (stats_of_module(&s->st))
		s->st.live_mappings = s->st.live_vmas = ~0ULL;
	s->refcnt = t_module_refcnt();
	s->vmas = t_vma_count();
}

static int differs(const char *what, const char *name, long long before,
		   long long now)
{
	if (before == now)
		return 0;
	if (what)
		fprintf(stderr, "# %s: %s %lld before, %lld now\n", what,
			name, before, now);
	return 1;
}

int t_leak_check(const struct leak_snap *before, const char *what)
{
	struct leak_snap now;

	t_leak_snapshot(&now);
	return differs(what, "neoos live_mappings",
		       before->st.live_mappings, now.st.live_mappings) +
	       differs(what, "neoos live_vmas",
		       before->st.live_vmas, now.st.live_vmas) +
	       differs(what, "neoos.ko reference count",
		       before->refcnt, now.refcnt) +
	       differs(what, "VMAs in /proc/self/maps",
		       before->vmas, now.vmas);
}
