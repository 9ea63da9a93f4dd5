/* metricset.h - collect metric families, then write them sorted.
 *
 * A struct mset gathers what one scrape produces, in any order, from any
 * number of producers, and writes it the way Prometheus's Go client does:
 * families sorted by name, each family's series sorted by label values,
 * labels of a series sorted by name. Series of a family that repeat an
 * earlier series' labels are dropped (the first one wins).
 *
 * Memory: everything added (names, help, label strings) is copied into the
 * set's arena; callers keep ownership of what they pass in. Pointers
 * returned (struct mfamily *) are owned by the set and valid until
 * mset_free(). A set is not thread-safe: one per scrape.
 */
#ifndef PHAROS_METRICSET_H
#define PHAROS_METRICSET_H

#include <stddef.h>

#include "buf.h"
#include "expfmt.h"

/* Limits that keep one scrape bounded whatever the inputs say. */
#define MSET_MAX_LABELS 64
#define MSET_MAX_SERIES 1000000

struct mfamily;
struct msample;

struct mset {
	struct arena arena;
	struct mfamily **table; /* open addressing by name hash */
	size_t table_cap, nfamilies;
	size_t nseries;
};

void mset_init(struct mset *ms);
void mset_free(struct mset *ms);
/* Empty the set but keep its memory (table and arena) for the next use. */
void mset_reset(struct mset *ms);

/* Find the family called name, or create it with help and type.
 * If the family exists, help and type are left as first given.
 * Returns NULL (and adds nothing) if name is not a valid metric name. */
struct mfamily *mset_family(struct mset *ms, const char *name, const char *help,
			    enum metric_type type);

/* Add a series with one value (counter, gauge, untyped) to fam.
 * [in] names, values: n label pairs, in any order; empty values are
 *      written as they are (label=""), as the Go client does; a NULL value
 *      counts as empty. Invalid label names make the call a no-op
 *      returning -1. Returns 0 on success. */
int mset_add(struct mset *ms, struct mfamily *fam, double v, size_t n,
	     const char *const *names, const char *const *values);

/* Add a summary or histogram series.
 * [in] bounds/counts: nb quantiles (summary: bounds are quantiles, counts
 *      the values) or buckets (histogram: bounds are upper bounds, counts
 *      cumulative); a histogram gets a +Inf bucket if it has none. */
int mset_add_dist(struct mset *ms, struct mfamily *fam, size_t n,
		  const char *const *names, const char *const *values,
		  double count, double sum, size_t nb, const double *bounds,
		  const double *counts);

/* Convenience: family + series in one call. The variadic tail is label
 * name/value pairs (const char *), terminated by NULL. */
int mset_gauge(struct mset *ms, const char *name, const char *help, double v, ...)
	__attribute__((sentinel));
int mset_counter(struct mset *ms, const char *name, const char *help, double v, ...)
	__attribute__((sentinel));
int mset_untyped(struct mset *ms, const char *name, const char *help, double v, ...)
	__attribute__((sentinel));
/* Same with an explicit type. */
int mset_metric(struct mset *ms, enum metric_type t, const char *name,
		const char *help, double v, ...) __attribute__((sentinel));

/* Number of families so far. */
size_t mset_count(const struct mset *ms);

/* Sort and append the whole set in text format 0.0.4 to out. */
void mset_write(struct mset *ms, struct buf *out);

#endif
