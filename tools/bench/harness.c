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

/* A case's result, a reference one if its name says so. */
struct result *new_result(const char *name, const char *unit,
			  const char *note, struct side_def a, struct side_def b)
{
	struct result *r = &results[nresults++];

	memset(r, 0, sizeof(*r));
	r->name = name;
	r->unit = unit;
	r->note = note;
	r->reference = !strncmp(name, "ref_", 4);
	r->a.def = a;
	r->b.def = b;
	return r;
}

/* What a second is in @unit: run() measures time in seconds. */
static double per_second(const char *unit)
{
	if (!strcmp(unit, "ns"))
		return 1e9;
	if (!strcmp(unit, "us"))
		return 1e6;
	if (!strcmp(unit, "ms"))
		return 1e3;
	errno = 0;
	die("unit %s is not a time", unit);
	return 0;
}

/* One sample of @s, in @scale per second, appended to its samples. */
static void sample(struct side *s, void *ctx, double scale)
{
	s->aux[s->n] = 0;
	s->v[s->n] = s->def.run(ctx, s->def.arg, &s->aux[s->n]) * scale;
	s->n++;
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
	double t0 = now(), scale = per_second(r->unit);
	int i;

	budget *= budget_scale;
	/* a warm-up round of each side, not kept */
	sample(&r->a, ctx, scale);
	sample(&r->b, ctx, scale);
	r->a.n = r->b.n = 0;
	for (i = 0; i < max_rounds && i < MAX_SAMPLES; i++) {
		sample(&r->a, ctx, scale);
		sample(&r->b, ctx, scale);
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

