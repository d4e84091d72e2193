// SPDX-License-Identifier: MIT
/*
 * The harness: a case's two sides, alternated round after round until
 * they settle, and the helpers every case uses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench.h"

long page_size;
int min_rounds = DEFAULT_MIN_ROUNDS;
int max_rounds = DEFAULT_MAX_ROUNDS;
double min_secs = DEFAULT_MIN_SECS;
double stable_pct = DEFAULT_STABLE_PCT;
double budget_scale = DEFAULT_BUDGET_SCALE;
const char *only;

struct result results[MAX_RESULTS];
int nresults;

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "neoos-bench: ");
	vfprintf(stderr, fmt, ap);
	if (errno)
		fprintf(stderr, ": %s", strerror(errno));
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

struct result *new_result(const char *name, const char *unit)
{
	struct result *r = &results[nresults++];

	memset(r, 0, sizeof(*r));
	r->name = name;
	r->unit = unit;
	return r;
}

static int moved_less(double m, double p)
{
	return m > 0 && (m - p < 0 ? p - m : m - p) / m * 100 < stable_pct;
}

double ratio_of(const struct result *r, int n)
{
	return median(r->a.v, n) / median(r->b.v, n);
}

/*
 * Have both medians, and their quotient, settled over the last @lookback
 * rounds?  The quotient is checked too: two medians that each moved a bit
 * the other way can move it twice as much.
 */
static int stable(const struct result *r, int lookback)
{
	int n = r->a.n, p = n - lookback;

	return moved_less(median(r->a.v, n), median(r->a.v, p)) &&
	       moved_less(median(r->b.v, n), median(r->b.v, p)) &&
	       moved_less(ratio_of(r, n), ratio_of(r, p));
}

/*
 * Alternate a and b until both medians are stable, @budget seconds are
 * spent (after the minimum) or max_rounds ran.  One untimed warm-up each.
 *
 * The minimum time is for the short cases, whose minimum rounds can end
 * within a second: the medians of so short a run follow the host's noise
 * more than the code measured, and a few seconds of rounds average it out.
 */
void run_pair(struct result *r, void *ctx, double budget)
{
	double t0 = now(), aux;
	int i;

	budget *= budget_scale;
	r->a.run(ctx, &aux);
	r->b.run(ctx, &aux);
	for (i = 0; i < max_rounds && i < MAX_SAMPLES; i++) {
		r->a.v[r->a.n] = r->a.run(ctx, &r->a.aux[r->a.n]);
		r->a.n++;
		r->b.v[r->b.n] = r->b.run(ctx, &r->b.aux[r->b.n]);
		r->b.n++;
		if (i + 1 < min_rounds || now() - t0 < min_secs)
			continue;
		if (stable(r, 3)) {
			r->stop = "stable";
			break;
		}
		if (now() - t0 > budget) {
			r->stop = "budget";
			break;
		}
	}
	if (!r->stop)
		r->stop = "max_rounds";
	r->rounds = r->a.n;
	r->secs = now() - t0;
	r->ratio = ratio_of(r, r->a.n);
	fprintf(stderr, "neoos-bench: %-22s %2d rounds, %5.1fs, %s, ratio %.2f\n",
		r->name, r->rounds, r->secs, r->stop, r->ratio);
}

/*
 * Stay on the CPU we started on.  Every case is single-threaded; letting
 * the scheduler move it puts the other CPU in the mm's cpumask, and from
 * then on each munmap's TLB flush may interrupt that CPU too.  Such
 * cross-CPU work is expensive under TCG and depends on where the scheduler
 * happened to run the process, not on the code measured.
 */
void pin_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "neoos-bench: cannot pin to CPU %d: %s\n", cpu,
			strerror(errno));
}

int want(const char *name)
{
	return !only || strstr(only, name);
}

