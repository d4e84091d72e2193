// SPDX-License-Identifier: MIT
/*
 * The output: the JSON of every sample (bench.json, read by whoever
 * compares runs) and the table with its ratio lines (read by people and
 * by "make bench").  Key names and column layout are an interface:
 * docs/performance.md and the top Makefile rely on them.
 */
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void json_side(FILE *f, const struct side *s)
{
	int i;

	fprintf(f, "{\"label\": ");
	json_str(f, s->def.label);
	fprintf(f, ", \"median\": %.6g, \"q1\": %.6g, \"q3\": %.6g, \"min\": %.6g, \"max\": %.6g, \"iqr_pct\": %.3f, \"samples\": [",
		median(s->v, s->n), quantile(s->v, s->n, 0.25),
		quantile(s->v, s->n, 0.75), quantile(s->v, s->n, 0),
		quantile(s->v, s->n, 1), spread_pct(s));
	for (i = 0; i < s->n; i++)
		fprintf(f, "%s%.6g", i ? ", " : "", s->v[i]);
	fprintf(f, "]");
	for (i = 0; i < s->n && s->aux[i] == 0; i++)
		;
	if (i < s->n) {
		fprintf(f, ", \"minflt\": [");
		for (i = 0; i < s->n; i++)
			fprintf(f, "%s%.0f", i ? ", " : "", s->aux[i]);
		fprintf(f, "]");
	}
	fprintf(f, "}");
}

void json_write(FILE *f, double total)
{
	struct utsname u;
	int i;

	uname(&u);
	fprintf(f, "{\n  \"tool\": \"neoos-bench\",\n  \"kernel\": ");
	json_str(f, u.release);
	fprintf(f, ",\n  \"machine\": ");
	json_str(f, u.machine);
	fprintf(f, ",\n  \"cpus\": %ld,\n  \"mem_kib\": %ld,\n  \"page_size\": %ld,\n",
		sysconf(_SC_NPROCESSORS_ONLN),
		sysconf(_SC_PHYS_PAGES) * (page_size / 1024), page_size);
	fprintf(f, "  \"clock\": \"CLOCK_MONOTONIC\",\n  \"min_rounds\": %d,\n  \"min_secs\": %g,\n  \"max_rounds\": %d,\n  \"stable_pct\": %g,\n  \"total_secs\": %.1f,\n  \"cases\": [\n",
		min_rounds, min_secs, max_rounds, stable_pct, total);
	for (i = 0; i < nresults; i++) {
		const struct result *r = &results[i];

		fprintf(f, "    {\"name\": ");
		json_str(f, r->name);
		fprintf(f, ", \"unit\": ");
		json_str(f, r->unit);
		fprintf(f, ", \"reference\": %s, \"note\": ", r->reference ? "true" : "false");
		json_str(f, r->note);
		fprintf(f, ", \"ratio\": %.4f, \"rounds\": %d, \"stop\": ", r->ratio, r->rounds);
		json_str(f, r->stop);
		fprintf(f, ", \"secs\": %.2f,\n     \"neoos\": ", r->secs);
		json_side(f, &r->a);
		fprintf(f, ",\n     \"native\": ");
		json_side(f, &r->b);
		fprintf(f, "}%s\n", i + 1 < nresults ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
}

void table(void)
{
	struct utsname u;
	int i;

	uname(&u);
	printf("neoos-bench on %s (%s), %ld CPUs, %ld MiB; medians, spread = IQR %% of median\n",
	       u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN),
	       sysconf(_SC_PHYS_PAGES) * (page_size / 1024) / 1024);
	printf("%-29s %8s %12s %7s %12s %7s %6s %6s\n", "case", "unit",
	       "neoos", "spread", "native", "spread", "rounds", "ratio");
	for (i = 0; i < nresults; i++) {
		const struct result *r = &results[i];

		printf("%-29s %8s %12.3f %6.1f%% %12.3f %6.1f%% %6d %6.2f\n",
		       r->name, r->unit, median(r->a.v, r->a.n), spread_pct(&r->a),
		       median(r->b.v, r->b.n), spread_pct(&r->b), r->rounds, r->ratio);
	}
	printf("notes:\n");
	for (i = 0; i < nresults; i++)
		printf("  %-27s %s\n", results[i].name, results[i].note);
	for (i = 0; i < nresults; i++)
		if (!results[i].reference)
			printf("bench %s ratio %.2f\n", results[i].name, results[i].ratio);
}

