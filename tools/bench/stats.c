// SPDX-License-Identifier: MIT
/* Statistics of a side's samples: the harness and the output use them. */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Linear-interpolated quantile @q of the first @n of @v. */
double quantile(const double *v, int n, double q)
{
	double s[MAX_SAMPLES], pos;
	int i;

	if (n <= 0)
		return 0;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	pos = q * (n - 1);
	i = (int)pos;
	if (i + 1 >= n)
		return s[n - 1];
	return s[i] + (pos - i) * (s[i + 1] - s[i]);
}

double median(const double *v, int n)
{
	return quantile(v, n, 0.5);
}

/* The interquartile range in percent of the median (0 if that is 0). */
double spread_pct(const struct side *s)
{
	double m = median(s->v, s->n);

	return m ? (quantile(s->v, s->n, 0.75) - quantile(s->v, s->n, 0.25)) / m * 100 : 0;
}
