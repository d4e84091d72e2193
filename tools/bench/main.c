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
 * Files are made in the current directory.
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
		"(or writes it to FILE), then the table, then 'bench <case> ratio <x.xx>'.\n");
}

int main(int argc, char **argv)
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
	double t0;
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
	page_size = sysconf(_SC_PAGESIZE);
	pin_cpu();
	setvbuf(stdout, NULL, _IOLBF, 0);

	t0 = now();
	case_map_unmap("map_unmap_4k", "bench-4k", 4 * KIB, 2000, 40);
	case_map_unmap("map_unmap_64m", "bench-64m", 64 * MIB, 2000, 40);
	case_ioctl();
	case_map_cost(20);
	case_fault_read(50);
	case_fault_write(50);
	case_copy(80);

	if (json_path) {
		FILE *f = fopen(json_path, "w");

		if (!f)
			die("%s", json_path);
		json_write(f, now() - t0);
		fclose(f);
	} else {
		printf("-----BEGIN NEOOS-BENCH JSON-----\n");
		json_write(stdout, now() - t0);
		printf("-----END NEOOS-BENCH JSON-----\n");
	}
	table();
	unlink("bench-4k");
	unlink("bench-64m");
	unlink("bench-sparse-1g");
	unlink("bench-read-256m");
	unlink("bench-write-64m");
	unlink("bench-copy-src");
	unlink("bench-copy-dst");
	return 0;
}
