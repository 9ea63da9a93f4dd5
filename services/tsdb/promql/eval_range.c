/* eval_range.c - functions over range vectors: rate, increase and delta
 * with Prometheus's extrapolation, irate/idelta, the *_over_time family
 * (compensated sums as in Prometheus), changes/resets, deriv and
 * predict_linear (least squares), holt_winters, absent_over_time.
 * Each input series is processed across all steps, one window per step. */
#include "eval_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* promql_extrapolated_rate(); drops false says that no point is below its
 * predecessor, so the counter-reset pass has nothing to add and is
 * skipped (the result is the same to the bit). */
static double extrapolated_rate(const struct promql_point *p, size_t n, int64_t range_start,
				int64_t range_end, int64_t range, bool is_counter, bool is_rate,
				bool drops)
{
	double result = p[n - 1].v - p[0].v;

	if (is_counter && drops) {
		double prev = p[0].v;
		for (size_t i = 1; i < n; i++) {
			if (p[i].v < prev)
				result += prev;
			prev = p[i].v;
		}
	}
	/* Distances from the first/last sample to the window's edges. */
	double to_start = (double)(p[0].t - range_start) / 1000;
	double to_end = (double)(range_end - p[n - 1].t) / 1000;
	double sampled = (double)(p[n - 1].t - p[0].t) / 1000;
	double avg_step = sampled / (double)(n - 1);

	if (is_counter && result > 0 && p[0].v >= 0) {
		/* A counter cannot go below zero: do not extrapolate the
		 * start further back than where it would have been zero. */
		double to_zero = sampled * (p[0].v / result);
		if (to_zero < to_start)
			to_start = to_zero;
	}
	/* Extrapolate to an edge only when the gap looks like the regular
	 * sample spacing (within 10%); otherwise by half a step. */
	double threshold = avg_step * 1.1;
	double interval = sampled;
	interval += to_start < threshold ? to_start : avg_step / 2;
	interval += to_end < threshold ? to_end : avg_step / 2;
	double factor = interval / sampled;
	if (is_rate)
		factor /= (double)range / 1000;
	return result * factor;
}

double promql_extrapolated_rate(const struct promql_point *p, size_t n, int64_t range_start,
				int64_t range_end, int64_t range, bool is_counter, bool is_rate)
{
	return extrapolated_rate(p, n, range_start, range_end, range, is_counter, is_rate, true);
}

void promql_linear_regression(const struct promql_point *p, size_t n, int64_t intercept_time,
			      double *slope, double *intercept)
{
	double nn = 0, sx = 0, cx = 0, sy = 0, cy = 0, sxy = 0, cxy = 0, sx2 = 0, cx2 = 0;
	double init_y = p[0].v;
	bool const_y = true;

	for (size_t i = 0; i < n; i++) {
		if (const_y && i > 0 && p[i].v != init_y)
			const_y = false;
		nn += 1.0;
		double x = (double)(p[i].t - intercept_time) / 1e3;
		promql_kahan_inc(x, &sx, &cx);
		promql_kahan_inc(p[i].v, &sy, &cy);
		promql_kahan_inc(x * p[i].v, &sxy, &cxy);
		promql_kahan_inc(x * x, &sx2, &cx2);
	}
	if (const_y) {
		if (isinf(init_y)) {
			*slope = NAN;
			*intercept = NAN;
		} else {
			*slope = 0;
			*intercept = init_y;
		}
		return;
	}
	sx += cx;
	sy += cy;
	sxy += cxy;
	sx2 += cx2;
	double cov = sxy - sx * sy / nn;
	double var = sx2 - sx * sx / nn;
	*slope = cov / var;
	*intercept = sy / nn - *slope * sx / nn;
}

static double holt_winters(const struct promql_point *p, size_t n, double sf, double tf)
{
	double s0 = 0, s1 = p[0].v, b = p[1].v - p[0].v;

	for (size_t i = 1; i < n; i++) {
		double x = sf * p[i].v;
		/* The trend at i-1 (at the first step, the initial slope). */
		if (i - 1 > 0)
			b = tf * (s1 - s0) + (1 - tf) * b;
		double y = (1 - sf) * (s1 + b);
		s0 = s1;
		s1 = x + y;
	}
	return s1;
}

static double avg_over_time(const struct promql_point *p, size_t n)
{
	double mean = 0, count = 0, c = 0;

	for (size_t i = 0; i < n; i++) {
		double v = p[i].v;
		count++;
		if (isinf(mean)) {
			if (isinf(v) && (mean > 0) == (v > 0))
				continue;
			if (!isinf(v) && !isnan(v))
				continue;
		}
		promql_kahan_inc(v / count - mean / count, &mean, &c);
	}
	return isinf(mean) ? mean : mean + c;
}

static double var_over_time(const struct promql_point *p, size_t n)
{
	double count = 0, mean = 0, cmean = 0, aux = 0, caux = 0;

	for (size_t i = 0; i < n; i++) {
		double v = p[i].v;
		count++;
		double delta = v - (mean + cmean);
		promql_kahan_inc(delta / count, &mean, &cmean);
		promql_kahan_inc(delta * (v - (mean + cmean)), &aux, &caux);
	}
	return (aux + caux) / count;
}

/* One range function on one window. Returns false when it yields no
 * sample. ts is the step's time; [mint, maxt] the window. */
static bool range_func(struct ev *ev, enum promql_func_id id, const struct promql_point *p,
		       size_t n, int64_t ts, int64_t mint, int64_t maxt, int64_t range,
		       bool drops, const double *params, double *out, int *err)
{
	switch (id) {
	case PROMQL_FUNC_RATE:
	case PROMQL_FUNC_INCREASE:
	case PROMQL_FUNC_DELTA:
		if (n < 2)
			return false;
		*out = extrapolated_rate(p, n, mint, maxt, range, id != PROMQL_FUNC_DELTA,
					 id == PROMQL_FUNC_RATE, drops);
		return true;
	case PROMQL_FUNC_IRATE:
	case PROMQL_FUNC_IDELTA: {
		if (n < 2)
			return false;
		const struct promql_point *last = &p[n - 1], *prev = &p[n - 2];
		double r;
		if (id == PROMQL_FUNC_IRATE && last->v < prev->v)
			r = last->v; /* counter reset */
		else
			r = last->v - prev->v;
		int64_t dt = last->t - prev->t;
		if (dt == 0)
			return false;
		if (id == PROMQL_FUNC_IRATE)
			r /= (double)dt / 1000;
		*out = r;
		return true;
	}
	case PROMQL_FUNC_AVG_OVER_TIME:
		*out = avg_over_time(p, n);
		return true;
	case PROMQL_FUNC_COUNT_OVER_TIME:
		*out = (double)n;
		return true;
	case PROMQL_FUNC_LAST_OVER_TIME:
		*out = p[n - 1].v;
		return true;
	case PROMQL_FUNC_MAX_OVER_TIME:
	case PROMQL_FUNC_MIN_OVER_TIME: {
		double m = p[0].v;
		for (size_t i = 0; i < n; i++) {
			double v = p[i].v;
			if ((id == PROMQL_FUNC_MAX_OVER_TIME ? v > m : v < m) || isnan(m))
				m = v;
		}
		*out = m;
		return true;
	}
	case PROMQL_FUNC_SUM_OVER_TIME: {
		double sum = 0, c = 0;
		for (size_t i = 0; i < n; i++)
			promql_kahan_inc(p[i].v, &sum, &c);
		*out = isinf(sum) ? sum : sum + c;
		return true;
	}
	case PROMQL_FUNC_QUANTILE_OVER_TIME: {
		double *vals = xmalloc(n * sizeof *vals);
		for (size_t i = 0; i < n; i++)
			vals[i] = p[i].v;
		*out = promql_quantile(params[0], vals, n);
		free(vals);
		return true;
	}
	case PROMQL_FUNC_STDDEV_OVER_TIME:
		*out = sqrt(var_over_time(p, n));
		return true;
	case PROMQL_FUNC_STDVAR_OVER_TIME:
		*out = var_over_time(p, n);
		return true;
	case PROMQL_FUNC_PRESENT_OVER_TIME:
	case PROMQL_FUNC_ABSENT_OVER_TIME:
		*out = 1;
		return true;
	case PROMQL_FUNC_CHANGES:
	case PROMQL_FUNC_RESETS: {
		double count = 0, prev = p[0].v;
		for (size_t i = 1; i < n; i++) {
			double cur = p[i].v;
			if (id == PROMQL_FUNC_RESETS ? cur < prev
						     : cur != prev && !(isnan(cur) && isnan(prev)))
				count++;
			prev = cur;
		}
		*out = count;
		return true;
	}
	case PROMQL_FUNC_DERIV: {
		double slope, icpt;
		if (n < 2)
			return false;
		/* Regress around the first sample's time, for precision. */
		promql_linear_regression(p, n, p[0].t, &slope, &icpt);
		*out = slope;
		return true;
	}
	case PROMQL_FUNC_PREDICT_LINEAR: {
		double slope, icpt;
		if (n < 2)
			return false;
		promql_linear_regression(p, n, ts, &slope, &icpt);
		*out = slope * params[1] + icpt;
		return true;
	}
	case PROMQL_FUNC_HOLT_WINTERS: {
		double sf = params[1], tf = params[2];
		if (!(sf > 0 && sf < 1)) {
			*err = ev_fail(ev, PROMQL_ERRTYPE_EXECUTION,
				       "invalid smoothing factor. Expected: 0 < sf < 1, got: %f", sf);
			return false;
		}
		if (!(tf > 0 && tf < 1)) {
			*err = ev_fail(ev, PROMQL_ERRTYPE_EXECUTION,
				       "invalid trend factor. Expected: 0 < tf < 1, got: %f", tf);
			return false;
		}
		if (n < 2)
			return false;
		*out = holt_winters(p, n, sf, tf);
		return true;
	}
	default:
		*err = ev_fail(ev, PROMQL_ERRTYPE_EXECUTION, "function takes no range vector");
		return false;
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* absent_over_time: 1 at the steps where no input series had a sample. */
static int absent_over_time(struct ev *ev, const struct promql_node *arg, struct ev_matrix *m,
			    struct ev_matrix *out)
{
	/* The steps with a sample, sorted: bounded by the samples held (a
	 * bitmap of all steps could be huge inside a long subquery). */
	size_t npts = 0, nfound = 0;
	int rc = 0;

	for (size_t i = 0; i < m->n; i++)
		npts += m->s[i].n;
	int64_t *found = xmalloc((npts + 1) * sizeof *found);
	for (size_t i = 0; i < m->n; i++)
		for (size_t j = 0; j < m->s[i].n; j++)
			found[nfound++] = m->s[i].pts[j].t;
	ev_matrix_free(ev, m);
	qsort(found, nfound, sizeof *found, cmp_i64);
	size_t u = 0;
	for (size_t i = 0; i < nfound; i++)
		if (u == 0 || found[u - 1] != found[i])
			found[u++] = found[i];
	if (u < ev_nsteps(ev)) {
		struct labels l = ev_absent_labels(ev, arg);
		size_t si = ev_matrix_add_series(out, &l), f = 0;
		for (int64_t ts = ev->start; ts <= ev->end && rc == 0; ts += ev->interval) {
			if (f < u && found[f] == ts) {
				f++;
				continue;
			}
			rc = ev_series_push(ev, &out->s[si], ts, 1);
			if (rc == 0)
				rc = ev_check(ev);
		}
	}
	free(found);
	if (rc < 0)
		ev_matrix_free(ev, out);
	return rc;
}

int ev_call_range(struct ev *ev, const struct promql_node *n, size_t mi, struct ev_matrix *out)
{
	const struct promql_call *c = &n->u.call;
	enum promql_func_id id = c->func->id;
	struct ev_matrix args[PROMQL_FUNC_MAX_ARGS];
	struct ev_window_src w;
	struct ev_matrix m = EV_MATRIX_INIT;
	int rc = 0;

	memset(out, 0, sizeof *out);
	memset(args, 0, sizeof args);
	int (*eval_arg)(struct ev *, const struct promql_node *, struct ev_matrix *) =
		ev_invariant(ev, n) ? ev_eval : ev_eval_wrapped;
	for (size_t i = 0; i < c->nargs && i < PROMQL_FUNC_MAX_ARGS; i++) {
		if (i == mi || promql_function_arg_type(c->func, i) == PROMQL_TYPE_STRING)
			continue;
		if ((rc = eval_arg(ev, c->args[i], &args[i])) < 0)
			goto free_args;
	}
	if ((rc = ev_window_open(ev, c->args[mi], &w)) < 0)
		goto free_args;
	/* One series' results go to a scratch array of one point per step,
	 * then into an array of exactly their size: no array grows (and is
	 * copied) while a series is computed, and a matrix of many short
	 * series does not hold twice the points it needs.
	 * The sample limit is counted where Prometheus counts it: at each
	 * step, the window's points (on top of what earlier series hold);
	 * at the end of a series, its output points together with the
	 * window of the last step, which is still held then. */
	/* The scratch array starts at one point per step up to 1024 and
	 * grows only for a series with more points: a subquery's inner
	 * evaluator may have billions of steps, of which only as many as
	 * the sample limit allows can ever have a point. */
	size_t nsteps = ev_nsteps(ev), tcap = nsteps < 1024 ? nsteps : 1024;
	struct promql_point *tmp = ev_points_get(ev, &tcap);
	for (size_t i = 0; i < w.n && rc == 0; i++) {
		struct labels metric;
		size_t k = 0, nout = 0, last_win = 0;
		if ((rc = ev_window_load(ev, &w, i, &metric)) < 0)
			break;
		if (w.nbuf == 0)
			continue;
		for (int64_t ts = ev->start; ts <= ev->end; ts += ev->interval, k++) {
			size_t lo, hi;
			int64_t mint, maxt;
			double params[PROMQL_FUNC_MAX_ARGS], v;
			if ((rc = ev_check(ev)) < 0)
				break;
			bool drops;
			ev_window_slide(&w, ts, &lo, &hi, &mint, &maxt, &drops);
			last_win = hi - lo;
			if (lo == hi) {
				/* Empty window: every sample is before it or after
				 * its end. Skip the steps that stay empty (a long
				 * subquery with a tiny step has billions of them). */
				if (hi >= w.nbuf)
					break; /* none after it: all later windows empty */
				int64_t skip = (w.buf[hi].t - maxt - 1) / ev->interval;
				if (skip > 0 && skip <= (ev->end - ts) / ev->interval) {
					ts += skip * ev->interval;
					k += (size_t)skip;
				}
				continue;
			}
			if (*ev->cur_samples + (int64_t)(hi - lo) > ev->max_samples) {
				rc = ev_fail_too_many(ev);
				break;
			}
			for (size_t a = 0; a < c->nargs && a < PROMQL_FUNC_MAX_ARGS; a++)
				params[a] = a == mi ? 0 : ev_scalar_at(&args[a], k);
			if (!range_func(ev, id, w.buf + lo, hi - lo, ts, mint, maxt, w.range, drops,
					params, &v, &rc)) {
				if (rc < 0)
					break;
				continue;
			}
			if (nout == tcap) {
				/* nout points already computed, more to come: past
				 * the limit if they cannot all be held */
				if (*ev->cur_samples + (int64_t)nout + 1 > ev->max_samples) {
					rc = ev_fail_too_many(ev);
					break;
				}
				size_t ncap = tcap * 2;
				struct promql_point *nt = ev_points_get(ev, &ncap);
				memcpy(nt, tmp, nout * sizeof *tmp);
				ev_points_put(ev, tmp, tcap);
				tmp = nt;
				tcap = ncap;
			}
			tmp[nout].t = ts;
			tmp[nout].v = v;
			nout++;
		}
		if (rc < 0)
			break;
		if (nout == 0)
			continue;
		if (*ev->cur_samples + (int64_t)last_win + (int64_t)nout > ev->max_samples) {
			rc = ev_fail_too_many(ev);
			break;
		}
		struct labels ol = id == PROMQL_FUNC_LAST_OVER_TIME ? metric : ev_drop_name(ev, &metric);
		size_t si = ev_matrix_add_series(&m, &ol), cap = nout;
		struct ev_series *s = &m.s[si];
		s->pts = ev_points_get(ev, &cap);
		s->cap = cap;
		s->n = nout;
		memcpy(s->pts, tmp, nout * sizeof *tmp);
		if ((rc = ev_add_samples(ev, (int64_t)nout)) < 0)
			break; /* cannot happen: checked just above */
	}
	ev_points_put(ev, tmp, tcap);
	ev_window_close(ev, &w);
	if (rc < 0)
		goto fail;
	if (id == PROMQL_FUNC_ABSENT_OVER_TIME) {
		rc = absent_over_time(ev, c->args[mi], &m, out);
		goto free_args;
	}
	if ((rc = ev_matrix_check_unique(ev, &m)) < 0)
		goto fail;
	*out = m;
	goto free_args;
fail:
	ev_matrix_free(ev, &m);
free_args:
	for (size_t i = 0; i < PROMQL_FUNC_MAX_ARGS; i++)
		ev_matrix_free(ev, &args[i]);
	return rc;
}
