/* eval_internal.h - what the evaluator's files share (not a public API).
 *
 * Model (Prometheus's): every instant-vector or scalar expression evaluates
 * to a matrix over the evaluator's steps start, start+interval, ..., end:
 * one struct ev_series per output label set, holding a point for each step
 * at which the series has a value, stamped with the step's time. A scalar
 * is one series with no labels and a point at every step. An instant query
 * is the case start == end. Subqueries run a child evaluator with their
 * own steps.
 *
 * Memory: point arrays of intermediate matrices come from the query's
 * point pool (struct ev_pool, carved from the caller's arena), owned by
 * their matrix and given back with ev_matrix_free() as soon as the parent
 * is done with them; series arrays and per-node scratch are on the heap;
 * label sets live in the caller's arena (ev->arena), which also receives
 * the result. Every point held counts against
 * the max-samples limit while it is alive.
 */
#ifndef PHAROS_PROMQL_EVAL_INTERNAL_H
#define PHAROS_PROMQL_EVAL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>

#include "eval.h"

struct ev_series {
	struct labels metric; /* arena (or querier) memory */
	struct promql_point *pts; /* heap, owned */
	size_t n, cap;
	bool unsorted; /* points were appended out of time order */
};

struct ev_matrix {
	struct ev_series *s; /* heap, owned */
	size_t n, cap;
};

#define EV_MATRIX_INIT { NULL, 0, 0 }

/* Point arrays are recycled within a query: freed arrays go to a free
 * list per size class (four classes per power of two: a quarter of an
 * array wasted at most) and come back for the next series. All of them
 * are carved from the caller's arena (ev->arena), which receives the
 * result anyway: the final matrix's arrays become the result without a
 * copy, and a query maps no scratch memory of its own that it would
 * unmap again at the end (musl's allocator returns large blocks to the
 * kernel at once, which costs a TLB shootdown each time, and touching
 * fresh pages costs a page fault per 4 KiB). The price: the arena holds
 * the query's peak of points until the caller frees it. */
#define EV_POOL_BINS (4 * 46)

struct ev_hmap;

struct ev_pool {
	void *bins[EV_POOL_BINS]; /* singly linked through the first word */
	/* memo of ev_invariant(): node address -> 0/1 */
	uint64_t *inv_keys;
	size_t *inv_vals, inv_cap, inv_n;
};

/* The subqueries around the expression being evaluated, innermost first:
 * Prometheus selects each selector's samples once per query, over a time
 * range derived from the query's start and end and these (see
 * ev_select_range()). */
struct ev_sqctx {
	const struct ev_sqctx *up;
	int64_t offset, range;
	bool has_at;
	int64_t at;
};

struct ev {
	struct promql_querier *q;
	struct arena *arena;
	int64_t start, end, interval; /* this evaluator's steps (ms) */
	int64_t lookback;
	int64_t max_samples;
	int64_t *cur_samples; /* shared by an evaluator and its children */
	int64_t qstart, qend; /* the query's start and end, for @ start()/end() */
	int64_t default_step;
	int64_t deadline_ns; /* CLOCK_MONOTONIC; 0 = none */
	const volatile int *cancel;
	unsigned *tick; /* shared counter: check the clock every so often */
	struct promql_eval_error *err;
	struct ev_pool *pool; /* shared by an evaluator and its children */
	/* Inside an aggregation's parameter: Prometheus never looks for
	 * step-invariant parts there, so nothing is evaluated once-and-
	 * repeated (see ev_eval_wrapped()). */
	bool no_wrap;
	const struct ev_sqctx *sq; /* enclosing subqueries, NULL at top level */
	int depth;
};

/* Where an @ modifier points at step ts. Prometheus folds @ into an offset
 * relative to the evaluator's first step, so a selector with @ that is
 * evaluated step by step (not as part of a step-invariant expression)
 * moves with the step: at + (ts - start). Inside a step-invariant
 * expression the evaluator has one step and this is at itself. */
static inline int64_t ev_at_base(const struct ev *ev, int64_t at, int64_t ts)
{
	return at + (ts - ev->start);
}

/* Number of steps of ev (>= 0). */
static inline size_t ev_nsteps(const struct ev *ev)
{
	if (ev->end < ev->start)
		return 0;
	return (size_t)((ev->end - ev->start) / ev->interval) + 1;
}

/* Index of step time ts. */
static inline size_t ev_step_index(const struct ev *ev, int64_t ts)
{
	return (size_t)((ts - ev->start) / ev->interval);
}

/* ---- errors and limits (eval.c) ---- */

/* Record an error (the first one wins) and return PROMQL_ERR_EVAL. */
int ev_fail(struct ev *ev, enum promql_errtype type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Timeout / cancel check, cheap enough to call in inner loops. Returns 0
 * or PROMQL_ERR_EVAL. */
int ev_check(struct ev *ev);
/* Account for n more samples held in memory; fails past the limit. */
int ev_add_samples(struct ev *ev, int64_t n);
static inline void ev_release_samples(struct ev *ev, int64_t n)
{
	*ev->cur_samples -= n;
}
/* The error for a too-many-samples condition. */
int ev_fail_too_many(struct ev *ev);

/* The time an @ modifier points to (at->kind != PROMQL_AT_NONE). */
int64_t ev_at_time(const struct ev *ev, const struct promql_at *at);

/* ---- matrices (eval.c) ---- */

/* Add an empty series with this metric; returns its index. */
size_t ev_matrix_add_series(struct ev_matrix *m, const struct labels *metric);
/* A point array of at least *cap points (rounded up; *cap is updated),
 * and giving one back. */
struct promql_point *ev_points_get(struct ev *ev, size_t *cap);
void ev_points_put(struct ev *ev, struct promql_point *p, size_t cap);
/* Append a point (counts one sample). */
int ev_series_push(struct ev *ev, struct ev_series *s, int64_t t, double v);
/* Release the points and the array; uncounts the samples. */
void ev_matrix_free(struct ev *ev, struct ev_matrix *m);
/* Sort the points of series flagged unsorted; fail with the duplicate
 * labelset error if one series has two points at the same time. */
int ev_matrix_fix_order(struct ev *ev, struct ev_matrix *m);
/* Drop series that have no points. */
void ev_matrix_compact(struct ev *ev, struct ev_matrix *m);
/* Fail with the duplicate-labelset error if two series (both with
 * points) have equal label sets. */
int ev_matrix_check_unique(struct ev *ev, const struct ev_matrix *m);

/* The duplicate-labelset error. */
int ev_fail_duplicate(struct ev *ev, const struct labels *l);

/* ---- per-step views of a matrix (eval.c) ---- */

struct ev_step_sample {
	size_t si; /* series index in the matrix */
	double v;
};

struct ev_stepper {
	const struct ev_matrix *m;
	size_t *pos;               /* per series: next point */
	struct ev_step_sample *vec; /* the samples at the current step */
	size_t n;
};

void ev_stepper_init(struct ev_stepper *st, const struct ev_matrix *m);
/* Gather the samples at step ts (steps must be visited in order). */
size_t ev_stepper_at(struct ev_stepper *st, int64_t ts);
void ev_stepper_free(struct ev_stepper *st);

/* The value of a scalar matrix at step index k (NaN if missing). */
double ev_scalar_at(const struct ev_matrix *m, size_t k);

/* ---- output collector (eval.c) ---- */

/* A hash map from 64-bit keys to indexes, several entries per key
 * allowed (the caller verifies candidates). */
struct ev_hmap {
	uint64_t *keys;
	size_t *vals; /* index + 1; 0 = empty slot */
	size_t cap, n;
};

#define EV_HMAP_INIT { NULL, NULL, 0, 0 }

void ev_hmap_put(struct ev_hmap *h, uint64_t key, size_t val);
/* Empty the map, keeping its memory. */
void ev_hmap_clear(struct ev_hmap *h);
/* Iterate the values stored under key: *slot starts at SIZE_MAX.
 * Returns true and sets *val for each candidate. */
bool ev_hmap_next(const struct ev_hmap *h, uint64_t key, size_t *slot, size_t *val);
void ev_hmap_free(struct ev_hmap *h);

/* Collects output samples into series keyed by label set. */
struct ev_out {
	struct ev_matrix m;
	struct ev_hmap by_hash;
};

#define EV_OUT_INIT { EV_MATRIX_INIT, EV_HMAP_INIT }

/* The index of the output series with this metric (created if new). */
size_t ev_out_series(struct ev_out *o, const struct labels *metric);
/* Add a sample to series si; a second sample at the same t is the
 * duplicate-labelset error. */
int ev_out_add_at(struct ev *ev, struct ev_out *o, size_t si, int64_t t, double v);
/* Both of the above. */
int ev_out_add(struct ev *ev, struct ev_out *o, const struct labels *metric, int64_t t,
	       double v);
/* Finish: fix the point order, hand the matrix to *out, free the rest. */
int ev_out_finish(struct ev *ev, struct ev_out *o, struct ev_matrix *out);
/* Free everything (on an error path). */
void ev_out_free(struct ev *ev, struct ev_out *o);

/* ---- labels (eval_labels.c) ---- */

/* l without __name__ (l itself when it has none). Arena memory. */
struct labels ev_drop_name(struct ev *ev, const struct labels *l);
/* l restricted to names (keep) or without names and __name__ (drop). */
struct labels ev_labels_keep(struct ev *ev, const struct labels *l, const char *const *names,
			     size_t n);
struct labels ev_labels_drop(struct ev *ev, const struct labels *l, const char *const *names,
			     size_t n, bool drop_name);
/* Are a and b equal on the named labels (on == true) or on all labels
 * except the named ones and __name__ (on == false)? */
bool ev_labels_match_equal(const struct labels *a, const struct labels *b,
			   const char *const *names, size_t n, bool on);
/* Format l into a short string for error messages (arena memory). */
const char *ev_labels_str(struct ev *ev, const struct labels *l);
/* Is s a valid label name? */
bool ev_valid_label_name(const char *s);
/* Go's strconv.FormatFloat(v, 'f', -1, 64) into buf (>= 400 bytes). */
void ev_format_float_f(double v, char *buf, size_t len);

/* ---- the node evaluators ---- */

/* Evaluate an expression of scalar or instant-vector type into out. */
int ev_eval(struct ev *ev, const struct promql_node *n, struct ev_matrix *out);
/* Is n step-invariant by Prometheus's rules (its value cannot change
 * between steps: every selector in it has @, no time-dependent function)? */
bool ev_invariant(struct ev *ev, const struct promql_node *n);
/* Evaluate n as Prometheus evaluates the operand of a binary operator or
 * function argument, a subquery's expression or a whole query: when n is
 * step-invariant, once at the first step and repeated at every step;
 * otherwise as ev_eval(). */
int ev_eval_wrapped(struct ev *ev, const struct promql_node *n, struct ev_matrix *out);
/* Evaluate a range-vector expression (matrix selector or subquery) at the
 * single time ev->start, giving raw points (eval_select.c). */
int ev_eval_range_vector(struct ev *ev, const struct promql_node *n, struct ev_matrix *out);

/* eval_select.c */
int ev_vector_selector(struct ev *ev, const struct promql_node *n, bool timestamps,
		       struct ev_matrix *out);
int ev_subquery(struct ev *ev, const struct promql_node *n, struct ev_matrix *out);

/* Windows of a range-vector argument, series by series (eval_select.c). */
struct ev_window_src {
	const struct promql_node *node; /* the matrix selector or subquery */
	int64_t range, offset;
	bool has_at;
	int64_t at;
	int64_t ev_start; /* first step of the evaluator (see ev_at_base()) */
	/* a matrix selector's storage series, or a subquery's result */
	struct promql_storage_series *ss;
	struct ev_matrix sub;
	bool is_sub;
	size_t n; /* number of series */
	/* the current series' samples (stale markers removed) */
	struct promql_point *buf;
	size_t nbuf, capbuf;
	/* ev_window_slide()'s state for the current series: the window
	 * [lo, hi) of the last step, and the last point in [1, hi) that is
	 * below its predecessor (a counter reset; 0 = none) */
	size_t lo, hi, last_drop;
};

int ev_window_open(struct ev *ev, const struct promql_node *n, struct ev_window_src *w);
/* Load series i into w->buf; *metric gets its labels. */
int ev_window_load(struct ev *ev, struct ev_window_src *w, size_t i, struct labels *metric);
/* The window of step ts: points [*lo, *hi) of w->buf, and its bounds. */
void ev_window_at(const struct ev_window_src *w, int64_t ts, size_t *lo, size_t *hi,
		  int64_t *mint, int64_t *maxt);
/* The same for steps visited in increasing order after ev_window_load():
 * the window's ends only move forward, so the whole series is walked once
 * over all steps instead of searched at each. *drops is true when a point
 * in (lo, hi) is below its predecessor (a counter reset in the window). */
void ev_window_slide(struct ev_window_src *w, int64_t ts, size_t *lo, size_t *hi,
		     int64_t *mint, int64_t *maxt, bool *drops);
void ev_window_close(struct ev *ev, struct ev_window_src *w);

/* eval_binop.c */
int ev_binary(struct ev *ev, const struct promql_node *n, struct ev_matrix *out);
/* eval_agg.c */
int ev_aggregate(struct ev *ev, const struct promql_node *n, struct ev_matrix *out);
/* eval_funcs.c */
int ev_call(struct ev *ev, const struct promql_node *n, struct ev_matrix *out);
/* eval_range.c: calls with a range-vector argument */
int ev_call_range(struct ev *ev, const struct promql_node *n, size_t matrix_arg,
		  struct ev_matrix *out);
/* Labels absent()/absent_over_time() give: the equality matchers of a
 * selector argument (eval_funcs.c). */
struct labels ev_absent_labels(struct ev *ev, const struct promql_node *arg);

/* Strip parentheses. */
const struct promql_node *ev_unparen(const struct promql_node *n);

/* ---- pure numeric pieces (histogram.c, eval_range.c), for unit tests ---- */

struct promql_bucket {
	double upper;
	double count;
};

/* Prometheus's bucketQuantile over classic buckets (sorted here, in
 * place). Returns NaN when there are fewer than two buckets, no +Inf
 * bucket, or no observations. */
double promql_bucket_quantile(double q, struct promql_bucket *b, size_t n);

/* Prometheus's quantile over values (sorted here, in place). */
double promql_quantile(double q, double *v, size_t n);

/* extrapolatedRate: the rate/increase/delta of points[0..n) (n >= 2)
 * observed in the window [range_start, range_end] (ms), range in ms. */
double promql_extrapolated_rate(const struct promql_point *p, size_t n, int64_t range_start,
				int64_t range_end, int64_t range, bool is_counter, bool is_rate);

/* Least-squares slope and intercept at intercept_time (ms). */
void promql_linear_regression(const struct promql_point *p, size_t n, int64_t intercept_time,
			      double *slope, double *intercept);

/* Neumaier-compensated summation step. */
static inline void promql_kahan_inc(double inc, double *sum, double *c)
{
	double t = *sum + inc;

	if (fabs(*sum) >= fabs(inc))
		*c += (*sum - t) + inc;
	else
		*c += (inc - t) + *sum;
	*sum = t;
}

#endif
