// SPDX-License-Identifier: MIT
/*
 * neoos-bench: neoos mappings against native Linux mmap(2), side by side.
 *
 * Every case runs its neoos variant and the native equivalent alternately
 * (neoos, native, neoos, native, ...) in the same process, so both see the
 * same machine state.  Rounds repeat until the median of each side and
 * their quotient moved less than --stable percent over the last three
 * rounds (once at least --min rounds ran and --min-secs seconds passed),
 * or the case's time budget is spent, or --max rounds ran.
 *
 * Output: the JSON of every sample between two marker lines, then a
 * table, then, last, one line per case: "bench <case> ratio <x.xx>", the
 * neoos median over the native median (lower is better).
 *
 * Files are made in the current directory.  The options are those of
 * usage() below (neoos-bench --help); "make bench" passes BENCH_ARGS.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench.h"

static const char *json_path;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: neoos-bench [--min N] [--min-secs S] [--max N] [--stable PCT]\n"
		"                   [--budget-scale X] [--only CASE[,CASE...]] [--json FILE]\n"
		"Runs in the current directory; prints the JSON of all samples between\n"
		"'-----BEGIN NEOOS-BENCH JSON-----' and '-----END NEOOS-BENCH JSON-----'\n"
		"(or writes it to FILE), then the table, then 'bench <case> ratio <x.xx>'.\n"
		"\n"
		"  --min N           at least N rounds of each case (default %d, at least 3)\n"
		"  --min-secs S      and at least S seconds of them (default %g)\n"
		"  --max N           at most N rounds (default %d, at most %d)\n"
		"  --stable PCT      stop when both medians and their quotient moved less\n"
		"                    than PCT%% over the last three rounds (default %g)\n"
		"  --budget-scale X  scale every case's time budget by X (default %g)\n"
		"  --only CASE,...   run only these cases (full names; a case brings the\n"
		"                    one in parentheses below with it)\n"
		"  --json FILE       write the JSON to FILE instead of stdout\n"
		"\n"
		"Cases: map_unmap_4k, map_unmap_64m, map_unmap_8threads_shared_fd,\n"
		"ref_ioctl_vs_syscall, ref_map_unmap_ioctls, map_cost_1g_vs_4k (and\n"
		"ref_native_map_cost_1g_vs_4k), fault_read_seq_256m (and minflt_seq_256m),\n"
		"fault_read_rand_256m, fault_write_flush_64m, copy_256m (and\n"
		"ref_copy_256m_rw_vs_cfr), scale_N_read_by_id, scale_N_msync_by_id,\n"
		"scale_N_info_by_addr, scale_N_map_unmap_by_addr (N live mappings: 1,\n"
		"1k, 10k, 60k).  See docs/performance.md.\n",
		DEFAULT_MIN_ROUNDS, DEFAULT_MIN_SECS, DEFAULT_MAX_ROUNDS, MAX_SAMPLES,
		DEFAULT_STABLE_PCT, DEFAULT_BUDGET_SCALE);
}

/*
 * The options, into the harness's settings, clamped so that a case runs
 * at least three rounds and never more than it has room to record.
 * Returns -1 to go on, else the exit status.
 */
static int parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "min", required_argument, NULL, 'n' },
		{ "min-secs", required_argument, NULL, 't' },
		{ "max", required_argument, NULL, 'x' },
		{ "stable", required_argument, NULL, 's' },
		{ "budget-scale", required_argument, NULL, 'b' },
		{ "only", required_argument, NULL, 'o' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': min_rounds = atoi(optarg); break;
		case 't': min_secs = atof(optarg); break;
		case 'x': max_rounds = atoi(optarg); break;
		case 's': stable_pct = atof(optarg); break;
		case 'b': budget_scale = atof(optarg); break;
		case 'o': only = optarg; break;
		case 'j': json_path = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (min_rounds < 3)
		min_rounds = 3;
	if (max_rounds > MAX_SAMPLES)
		max_rounds = MAX_SAMPLES;
	if (max_rounds < min_rounds)
		max_rounds = min_rounds;
	return -1;
}

/*
 * Every case, in the order of the JSON and the table, each run if --only
 * wants it; the last argument of each is its time budget in seconds,
 * before --budget-scale.  A case with several rows asks for each itself.
 */
static void run_cases(void)
{
	if (want("map_unmap_4k"))
		case_map_unmap("map_unmap_4k", "bench-4k", 4 * KIB, 2000, 40);
	if (want("map_unmap_64m"))
		case_map_unmap("map_unmap_64m", "bench-64m", 64 * MIB, 2000, 40);
	if (want("map_unmap_8threads_shared_fd"))
		case_map_unmap_threads(40);
	case_ioctl();
	if (want("map_cost_1g_vs_4k"))
		case_map_cost(20);
	case_fault_read(50);
	if (want("fault_write_flush_64m"))
		case_fault_write(50);
	if (want("copy_256m"))
		case_copy(80);
	case_scale(15);
}

/* The JSON, to --json's file or on stdout between the markers; the table. */
static void report(double total)
{
	if (json_path) {
		FILE *f = fopen(json_path, "w");

		if (!f)
			die("%s", json_path);
		json_write(f, total);
		fclose(f);
	} else {
		printf("-----BEGIN NEOOS-BENCH JSON-----\n");
		json_write(stdout, total);
		printf("-----END NEOOS-BENCH JSON-----\n");
	}
	table();
}

/* Every file the cases make with make_file(). */
static void remove_files(void)
{
	unlink("bench-4k");
	unlink("bench-64m");
	unlink("bench-sparse-1g");
	unlink("bench-read-256m");
	unlink("bench-write-64m");
	unlink("bench-copy-src");
	unlink("bench-copy-dst");
	unlink("bench-8t");
	unlink("bench-scale");
}

int main(int argc, char **argv)
{
	int status = parse_options(argc, argv);
	double t0;

	if (status >= 0)
		return status;
	page_size = sysconf(_SC_PAGESIZE);
	pin_cpu();
	setvbuf(stdout, NULL, _IOLBF, 0);

	t0 = now();
	run_cases();
	report(now() - t0);
	remove_files();
	return 0;
}
