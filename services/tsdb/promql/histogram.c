/* histogram.c - quantiles: histogram_quantile over classic (le) buckets,
 * and the quantile of a set of values used by quantile() and
 * quantile_over_time(), with Prometheus's interpolation rules. */
#include "eval_internal.h"

#include <math.h>
#include <stdlib.h>

static int cmp_bucket(const void *a, const void *b)
{
	const struct promql_bucket *x = a, *y = b;

	return x->upper < y->upper ? -1 : x->upper > y->upper;
}

double promql_bucket_quantile(double q, struct promql_bucket *b, size_t n)
{
	if (isnan(q))
		return NAN;
	if (q < 0)
		return -INFINITY;
	if (q > 1)
		return INFINITY;
	if (n == 0)
		return NAN;
	qsort(b, n, sizeof *b, cmp_bucket);
	if (!(isinf(b[n - 1].upper) && b[n - 1].upper > 0))
		return NAN;

	/* Merge buckets with the same bound (e.g. "1" and "1.0"). */
	size_t m = 0;
	for (size_t i = 1; i < n; i++) {
		if (b[i].upper == b[m].upper)
			b[m].count += b[i].count;
		else
			b[++m] = b[i];
	}
	n = m + 1;

	/* Counts must not decrease with the bound; when they do (a scrape
	 * taken while buckets were being updated), carry the maximum. */
	double max = b[0].count;
	for (size_t i = 1; i < n; i++) {
		if (b[i].count > max)
			max = b[i].count;
		else if (b[i].count < max)
			b[i].count = max;
	}

	if (n < 2)
		return NAN;
	double observations = b[n - 1].count;
	if (observations == 0)
		return NAN;
	double rank = q * observations;

	/* The first bucket (among all but +Inf) holding rank, as Go's
	 * sort.Search finds it. */
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		size_t h = (lo + hi) / 2;
		if (!(b[h].count >= rank))
			lo = h + 1;
		else
			hi = h;
	}
	size_t k = lo;
	if (k == n - 1)
		return b[n - 2].upper;
	if (k == 0 && b[0].upper <= 0)
		return b[0].upper;
	double start = 0, end = b[k].upper, count = b[k].count;
	if (k > 0) {
		start = b[k - 1].upper;
		count -= b[k - 1].count;
		rank -= b[k - 1].count;
	}
	return start + (end - start) * (rank / count);
}

static int cmp_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	if (isnan(x))
		return isnan(y) ? 0 : -1;
	if (isnan(y))
		return 1;
	return x < y ? -1 : x > y;
}

double promql_quantile(double q, double *v, size_t n)
{
	if (n == 0 || isnan(q))
		return NAN;
	if (q < 0)
		return -INFINITY;
	if (q > 1)
		return INFINITY;
	qsort(v, n, sizeof *v, cmp_value);
	double rank = q * (double)(n - 1);
	double lower = fmax(0, floor(rank));
	double upper = fmin((double)(n - 1), lower + 1);
	double weight = rank - floor(rank);
	return v[(size_t)lower] * (1 - weight) + v[(size_t)upper] * weight;
}
