/* SPDX-License-Identifier: MIT */
/*
 * neoos-bench's internals, shared by its files:
 *
 *   main.c        the command line, the order of the cases, the output
 *   harness.c     rounds of a case until it is stable, the settings
 *   stats.c       quantiles of a side's samples
 *   fixtures.c    the cases' files and mappings, dying on any failure
 *   case_map.c    map_unmap_*, ref_ioctl_vs_syscall, ref_map_unmap_ioctls,
 *                 map_cost_1g_vs_4k, map_unmap_8threads_shared_fd
 *   case_fault.c  fault_read_*, minflt_seq_256m, fault_write_flush_64m
 *   case_copy.c   copy_256m and ref_copy_256m_rw_vs_cfr
 *   case_scale.c  scale_*: by-id and by-address calls with 1 to 60,000
 *                 live mappings against 1
 *   output.c      the JSON of every sample, and the table
 */
#ifndef NEOOS_BENCH_H
#define NEOOS_BENCH_H

#include <stddef.h>
#include <stdio.h>

#define KIB		1024UL
#define MIB		(1024 * KIB)
#define GIB		(1024 * MIB)
#define MAX_SAMPLES	256

/*
 * What one side of a case runs: run(ctx, arg, aux) returns one sample, a
 * time in seconds, which the harness turns into the case's unit.  @arg is the side's own, so that one function can serve
 * both columns; run() may store a second value in *aux (minor faults),
 * which is 0 otherwise.
 */
struct side_def {
	const char *label;
	double (*run)(void *ctx, long arg, double *aux);
	long arg;
};

#define SIDE(label, run, arg)	((struct side_def){ (label), (run), (arg) })

struct side {
	struct side_def def;
	double v[MAX_SAMPLES];
	double aux[MAX_SAMPLES];
	int n;
};

struct result {
	const char *name;	/* "ref_..." for a reference case */
	const char *unit;	/* "ns", "us", "ms" or "faults" */
	const char *note;
	int reference;		/* no ratio line */
	struct side a, b;	/* a: neoos, b: native */
	double ratio;
	int rounds;
	const char *stop;
	double secs;
};

#define MAX_RESULTS 48

/* The settings' defaults, which --help prints. */
#define DEFAULT_MIN_ROUNDS	11
#define DEFAULT_MAX_ROUNDS	121
#define DEFAULT_MIN_SECS	3.0
#define DEFAULT_STABLE_PCT	2.0
#define DEFAULT_BUDGET_SCALE	1.0

/* harness.c: the settings; main.c sets them from the command line. */
extern int min_rounds;
extern int max_rounds;
extern double min_secs;
extern double stable_pct;
extern double budget_scale;
extern const char *only;
extern long page_size;

/* harness.c: the results, in the order the cases ran. */
extern struct result results[MAX_RESULTS];
extern int nresults;

void die(const char *fmt, ...);
double now(void);
long minflt(void);
struct result *new_result(const char *name, const char *unit,
			  const char *note, struct side_def a, struct side_def b);
double ratio_of(const struct result *r, int n);
void run_pair(struct result *r, void *ctx, double budget);
void pin_cpu(void);
int want(const char *name);

/* stats.c */
double quantile(const double *v, int n, double q);
double median(const double *v, int n);
double spread_pct(const struct side *s);

/* fixtures.c */
int make_file(const char *path, size_t size, int sparse, int flags);
void *neo_map(int fd, size_t size);
void neo_unmap(void *p, size_t size);
void *nat_map(int fd, size_t size, int prot);
void nat_unmap(void *p, size_t size);
int open_device(void);

/* The cases: each runs only if want()ed, and adds its results. */
void case_map_unmap(const char *name, const char *path, size_t size,
		    int pairs, double budget);
void case_ioctl(void);
void case_map_unmap_threads(double budget);
void case_map_cost(double budget);
void case_fault_read(double budget);
void case_fault_write(double budget);
void case_copy(double budget);
void case_scale(double budget);

/* output.c */
void json_write(FILE *f, double total);
void table(void);

#endif /* NEOOS_BENCH_H */
