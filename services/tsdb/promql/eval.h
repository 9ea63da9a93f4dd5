/* eval.h - evaluate a PromQL syntax tree against a querier.
 *
 * Semantics are Prometheus 2.42's for float samples: an instant query is a
 * range query with one step; every sub-expression is evaluated for all
 * steps at once; a vector selector takes, at each step, the newest sample
 * at or before the step's time (minus offset, or at the @ time) that is no
 * older than the lookback delta and is not a staleness marker; a range
 * selector takes the samples in the closed window [t - range, t]; a
 * subquery evaluates its expression at the multiples of its step inside
 * its window. See docs/promql.md for the model and the limits.
 *
 * Memory: the result (every array, label set and string it points to) is
 * allocated from the arena the caller passes, except label strings that
 * come from the querier (see querier.h: valid as long as the querier's
 * data is). The point arrays of intermediate results are taken from the
 * same arena (and recycled within the query), so until the caller frees
 * it the arena holds as much as the query held at its peak (bounded by
 * max_samples); other scratch memory is released before returning. An
 * arena kept across queries with arena_reset() spares each query the
 * mapping of fresh memory. The syntax tree
 * is read, never modified, so one tree may be evaluated many times (and by
 * several threads, each with its own arena and querier).
 */
#ifndef PHAROS_PROMQL_EVAL_H
#define PHAROS_PROMQL_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../../lib/buf.h"
#include "../../../lib/labels.h"
#include "ast.h"
#include "querier.h"

#define PROMQL_DEFAULT_LOOKBACK_MS (5 * 60 * 1000)
#define PROMQL_DEFAULT_MAX_SAMPLES 50000000
#define PROMQL_DEFAULT_SUBQUERY_STEP_MS (60 * 1000)
#define PROMQL_MAX_POINTS_PER_SERIES 11000
#define PROMQL_DEFAULT_TIMEOUT_MS (2 * 60 * 1000)
/* Query times (and start/end of range queries) must lie within
 * +-PROMQL_MAX_TIME_MS, so that no time arithmetic can overflow. */
#define PROMQL_MAX_TIME_MS 4000000000000000000LL

/* Evaluation error code (PROMQL_ERR_PARSE, -1, is the parser's). */
#define PROMQL_ERR_EVAL (-2)

/* The class of an error, as the HTTP API's errorType reports it. */
enum promql_errtype {
	PROMQL_ERRTYPE_NONE,
	PROMQL_ERRTYPE_BAD_DATA,  /* "bad_data": the request cannot be run */
	PROMQL_ERRTYPE_EXECUTION, /* "execution": failed while evaluating */
	PROMQL_ERRTYPE_TIMEOUT,   /* "timeout": the deadline passed */
	PROMQL_ERRTYPE_CANCELED,  /* "canceled": the cancel flag was raised */
	PROMQL_ERRTYPE_INTERNAL,  /* "internal": the storage failed */
};

/* "bad_data", "execution", "timeout", "canceled", "internal" ("" for none). */
const char *promql_errtype_str(enum promql_errtype t);

struct promql_eval_error {
	enum promql_errtype type;
	char msg[256]; /* NUL-terminated, Prometheus-shaped, our own words */
};

struct promql_eval_opts {
	/* How far back a vector selector looks for a sample; 0 = 5m; at
	 * most 10 years. */
	int64_t lookback_delta_ms;
	/* Most samples held in memory at once; 0 = 50,000,000. */
	int64_t max_samples;
	/* Wall-clock budget from the start of the call, in ms; 0 = 2m (as
	 * Prometheus's default), negative = none. */
	int64_t timeout_ms;
	/* Step of a subquery written without one ([5m:]); 0 = 1m. Prometheus
	 * uses its global evaluation interval. */
	int64_t default_subquery_step_ms;
	/* Optional: evaluation stops with PROMQL_ERRTYPE_CANCELED soon after
	 * *cancel becomes non-zero (set from another thread). Borrowed. */
	const volatile int *cancel;
};

/* Default options: every field 0 / NULL. */
#define PROMQL_EVAL_OPTS_INIT { 0, 0, 0, 0, NULL }

struct promql_point {
	int64_t t; /* ms */
	double v;
};

struct promql_sample {
	struct labels metric;
	int64_t t; /* ms */
	double v;
};

struct promql_series {
	struct labels metric;
	struct promql_point *points; /* npoints of them, increasing t */
	size_t npoints;
};

/* A query result. type says which member is meaningful. */
struct promql_value {
	enum promql_value_type type;
	union {
		struct {
			int64_t t;
			double v;
		} scalar;
		struct {
			int64_t t;
			const char *s; /* NUL-terminated */
			size_t len;
		} string;
		struct {
			struct promql_sample *samples;
			size_t n;
		} vector; /* in Prometheus's result order (not sorted) */
		struct {
			struct promql_series *series;
			size_t n;
		} matrix; /* sorted by labels_cmp() */
	} u;
};

/* Evaluate expr at time t (ms).
 * [in]  q: the storage; borrowed.
 * [in]  expr: a tree from promql_parse(); read only.
 * [in]  opts: NULL for defaults.
 * [in]  arena: receives the result.
 * [out] out: scalar, string, vector (samples stamped t) or, for a range
 *       selector or subquery, matrix (samples at their own times).
 * [out] err: on failure, type and message; may be NULL.
 * Returns 0 or PROMQL_ERR_EVAL (bad_data if t is out of range). */
int promql_eval_instant(struct promql_querier *q, const struct promql_node *expr, int64_t t,
			const struct promql_eval_opts *opts, struct arena *arena,
			struct promql_value *out, struct promql_eval_error *err);

/* Evaluate expr at start, start+step, ... up to end (ms), as Prometheus's
 * query_range does. expr must be of scalar or instant-vector type. The
 * result is always a matrix, sorted by labels (a scalar expression gives
 * one series with no labels). Fails with bad_data when end < start,
 * step <= 0, or there would be more than PROMQL_MAX_POINTS_PER_SERIES
 * steps. Arguments and return value as promql_eval_instant(). */
int promql_eval_range(struct promql_querier *q, const struct promql_node *expr, int64_t start,
		      int64_t end, int64_t step, const struct promql_eval_opts *opts,
		      struct arena *arena, struct promql_value *out,
		      struct promql_eval_error *err);

#endif
