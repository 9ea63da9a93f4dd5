/* eval_select.c - reading the storage: vector selectors (lookback,
 * staleness, offset, @), range selectors and subqueries as sources of
 * windows for range-vector functions, and range vectors as query results. */
#include "eval_internal.h"

#include <stdlib.h>
#include <string.h>

struct sample_buf {
	struct promql_point *p;
	size_t n, cap;
};

static void sbuf_push(struct sample_buf *b, int64_t t, double v)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->p = xrealloc(b->p, b->cap * sizeof *b->p);
	}
	b->p[b->n].t = t;
	b->p[b->n].v = v;
	b->n++;
}

static void subquery_times(const struct ev_sqctx *c, int64_t *off, int64_t *range, bool *has_at,
			   int64_t *at)
{
	if (!c) {
		*off = *range = 0;
		*has_at = false;
		return;
	}
	subquery_times(c->up, off, range, has_at, at);
	*off += c->offset;
	*range += c->range;
	if (c->has_at) { /* an @ on a subquery restarts the sums */
		*off = c->offset;
		*range = c->range;
		*has_at = true;
		*at = c->at;
	}
}

/* The time range Prometheus selects a selector's samples for: from the
 * query's start and end, moved back by the enclosing subqueries' offsets
 * and ranges (or pinned by their @), the selector's own @, offset, and
 * range (eval_range, for a range selector) or the lookback delta.
 * Samples outside it are invisible to the selector, which matters where
 * @ is evaluated step by step (see ev_at_base()). */
static void select_range(const struct ev *ev, const struct promql_vector_selector *vs,
			 int64_t eval_range, int64_t *mint, int64_t *maxt)
{
	int64_t start = ev->qstart, end = ev->qend, soff, srange, sat;
	bool has_sat;

	subquery_times(ev->sq, &soff, &srange, &has_sat, &sat);
	if (has_sat)
		start = end = sat;
	if (vs->at.kind != PROMQL_AT_NONE) {
		start = end = ev_at_time(ev, &vs->at);
	} else {
		start -= soff + srange;
		end -= soff;
	}
	start -= eval_range ? eval_range : ev->lookback;
	*mint = start - vs->original_offset;
	*maxt = end - vs->original_offset;
}

static int select_series(struct ev *ev, const struct promql_vector_selector *vs,
			 int64_t eval_range, struct promql_storage_series **ss, size_t *n)
{
	int64_t mint, maxt;

	select_range(ev, vs, eval_range, &mint, &maxt);
	int rc = ev->q->select(ev->q, vs->matchers, vs->nmatchers, mint, maxt, ev->arena, ss, n);

	if (rc < 0)
		return ev_fail(ev, PROMQL_ERRTYPE_INTERNAL,
			       "selecting series failed in the storage (error %d)", rc);
	return 0;
}

/* Read a series' samples into b (b is emptied first). */
static int load_series(struct ev *ev, struct promql_iter *it, bool skip_stale,
		       struct sample_buf *b)
{
	int64_t t;
	double v;
	int rc;

	b->n = 0;
	while ((rc = it->next(it, &t, &v)) == 1) {
		if (skip_stale && promql_is_stale_nan(v))
			continue;
		sbuf_push(b, t, v);
		if ((b->n & 4095) == 0 && ev_check(ev) < 0)
			return PROMQL_ERR_EVAL;
	}
	if (rc < 0)
		return ev_fail(ev, PROMQL_ERRTYPE_INTERNAL,
			       "reading samples failed in the storage (error %d)", rc);
	return 0;
}

int ev_vector_selector(struct ev *ev, const struct promql_node *n, bool timestamps,
		       struct ev_matrix *out)
{
	const struct promql_vector_selector *vs = &n->u.vs;
	bool has_at = vs->at.kind != PROMQL_AT_NONE;
	int64_t at = has_at ? ev_at_time(ev, &vs->at) : 0;
	int64_t off = vs->original_offset;
	/* timestamp(v @ t) in Prometheus looks for the sample at t itself,
	 * among the samples selected for t minus the offset. */
	bool fixed_ref = timestamps && has_at;
	struct promql_storage_series *ss;
	size_t nss;
	struct sample_buf b = { NULL, 0, 0 };
	struct ev_out o = EV_OUT_INIT;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = select_series(ev, vs, 0, &ss, &nss)) < 0)
		return rc;
	for (size_t i = 0; i < nss; i++) {
		if ((rc = load_series(ev, ss[i].iter, false, &b)) < 0)
			goto fail;
		if (!b.n)
			continue;
		size_t si;
		struct labels metric = ss[i].labels;
		if (timestamps) {
			metric = ev_drop_name(ev, &metric);
			si = ev_out_series(&o, &metric);
		} else {
			si = ev_matrix_add_series(&o.m, &metric);
		}
		/* Samples [0, j) are at or before ref; ref never decreases. */
		size_t j = 0;
		for (int64_t ts = ev->start; ts <= ev->end; ts += ev->interval) {
			int64_t ref = fixed_ref ? at : (has_at ? ev_at_base(ev, at, ts) : ts) - off;
			if ((rc = ev_check(ev)) < 0)
				goto fail;
			while (j < b.n && b.p[j].t <= ref)
				j++;
			if (j == 0)
				continue;
			const struct promql_point *s = &b.p[j - 1];
			if (s->t < ref - ev->lookback || promql_is_stale_nan(s->v))
				continue;
			if (timestamps)
				rc = ev_out_add_at(ev, &o, si, ts, (double)s->t / 1000);
			else
				rc = ev_series_push(ev, &o.m.s[si], ts, s->v);
			if (rc < 0)
				goto fail;
		}
	}
	free(b.p);
	return ev_out_finish(ev, &o, out);
fail:
	free(b.p);
	ev_out_free(ev, &o);
	return rc;
}

int ev_subquery(struct ev *ev, const struct promql_node *n, struct ev_matrix *out)
{
	const struct promql_subquery *sq = &n->u.sq;
	struct ev child = *ev;
	bool has_at = sq->at.kind != PROMQL_AT_NONE;
	int64_t at = has_at ? ev_at_time(ev, &sq->at) : 0;
	int64_t off = sq->original_offset;

	memset(out, 0, sizeof *out);
	struct ev_sqctx ctx = { ev->sq, sq->original_offset, sq->range, has_at, at };

	child.sq = &ctx;
	child.interval = sq->step > 0 ? sq->step : ev->default_step;
	child.end = (has_at ? ev_at_base(ev, at, ev->end) : ev->end) - off;
	/* The first multiple of the step at or after the window's start, as
	 * Prometheus computes it (division truncating toward zero). */
	int64_t from = (has_at ? at : ev->start) - off - sq->range;
	child.start = child.interval * (from / child.interval);
	if (child.start < from)
		child.start += child.interval;
	if (child.start > child.end)
		return 0;
	return ev_eval_wrapped(&child, sq->expr, out);
}

/* ---- windows for range-vector functions ---- */

int ev_window_open(struct ev *ev, const struct promql_node *n, struct ev_window_src *w)
{
	int rc;

	memset(w, 0, sizeof *w);
	n = ev_unparen(n);
	w->node = n;
	if (n->kind == PROMQL_NODE_MATRIX_SELECTOR) {
		const struct promql_vector_selector *vs = &n->u.ms.vs->u.vs;
		w->range = n->u.ms.range;
		w->offset = vs->original_offset;
		w->has_at = vs->at.kind != PROMQL_AT_NONE;
		w->at = w->has_at ? ev_at_time(ev, &vs->at) : 0;
		w->ev_start = ev->start;
		return select_series(ev, vs, w->range, &w->ss, &w->n);
	}
	if (n->kind == PROMQL_NODE_SUBQUERY) {
		const struct promql_subquery *sq = &n->u.sq;
		w->is_sub = true;
		w->range = sq->range;
		w->offset = sq->original_offset;
		w->has_at = sq->at.kind != PROMQL_AT_NONE;
		w->at = w->has_at ? ev_at_time(ev, &sq->at) : 0;
		w->ev_start = ev->start;
		if ((rc = ev_subquery(ev, n, &w->sub)) < 0)
			return rc;
		w->n = w->sub.n;
		return 0;
	}
	return ev_fail(ev, PROMQL_ERRTYPE_EXECUTION, "a range vector argument is required here");
}

int ev_window_load(struct ev *ev, struct ev_window_src *w, size_t i, struct labels *metric)
{
	struct sample_buf b = { w->buf, 0, w->capbuf };
	int rc = 0;

	if (w->is_sub) {
		const struct ev_series *s = &w->sub.s[i];
		*metric = s->metric;
		for (size_t j = 0; j < s->n; j++)
			if (!promql_is_stale_nan(s->pts[j].v))
				sbuf_push(&b, s->pts[j].t, s->pts[j].v);
	} else {
		*metric = w->ss[i].labels;
		rc = load_series(ev, w->ss[i].iter, true, &b);
	}
	w->buf = b.p;
	w->nbuf = b.n;
	w->capbuf = b.cap;
	w->lo = w->hi = w->last_drop = 0;
	return rc;
}

void ev_window_slide(struct ev_window_src *w, int64_t ts, size_t *lo, size_t *hi,
		     int64_t *mint, int64_t *maxt, bool *drops)
{
	int64_t max = (w->has_at ? w->at + (ts - w->ev_start) : ts) - w->offset;
	int64_t min = max - w->range;
	size_t a = w->lo, b = w->hi;

	while (a < w->nbuf && w->buf[a].t < min)
		a++;
	if (b < a)
		b = a;
	while (b < w->nbuf && w->buf[b].t <= max) {
		if (b > 0 && w->buf[b].v < w->buf[b - 1].v)
			w->last_drop = b;
		b++;
	}
	w->lo = *lo = a;
	w->hi = *hi = b;
	*mint = min;
	*maxt = max;
	*drops = w->last_drop > a;
}

void ev_window_at(const struct ev_window_src *w, int64_t ts, size_t *lo, size_t *hi,
		  int64_t *mint, int64_t *maxt)
{
	int64_t max = (w->has_at ? w->at + (ts - w->ev_start) : ts) - w->offset;
	int64_t min = max - w->range;
	size_t a = 0, b = w->nbuf;

	while (a < b) { /* first point with t >= min */
		size_t m = a + (b - a) / 2;
		if (w->buf[m].t < min)
			a = m + 1;
		else
			b = m;
	}
	*lo = a;
	b = w->nbuf;
	while (a < b) { /* first point with t > max */
		size_t m = a + (b - a) / 2;
		if (w->buf[m].t <= max)
			a = m + 1;
		else
			b = m;
	}
	*hi = a;
	*mint = min;
	*maxt = max;
}

void ev_window_close(struct ev *ev, struct ev_window_src *w)
{
	if (w->is_sub)
		ev_matrix_free(ev, &w->sub);
	free(w->buf);
	w->buf = NULL;
	w->nbuf = w->capbuf = 0;
}

int ev_eval_range_vector(struct ev *ev, const struct promql_node *n, struct ev_matrix *out)
{
	struct ev_window_src w;
	int rc;

	memset(out, 0, sizeof *out);
	n = ev_unparen(n);
	if (n->kind == PROMQL_NODE_SUBQUERY)
		return ev_subquery(ev, n, out);
	if ((rc = ev_window_open(ev, n, &w)) < 0)
		return rc;
	for (size_t i = 0; i < w.n; i++) {
		struct labels metric;
		size_t lo, hi;
		int64_t mint, maxt;
		if ((rc = ev_window_load(ev, &w, i, &metric)) < 0)
			goto fail;
		ev_window_at(&w, ev->start, &lo, &hi, &mint, &maxt);
		if (lo == hi)
			continue;
		size_t si = ev_matrix_add_series(out, &metric);
		for (size_t j = lo; j < hi; j++)
			if ((rc = ev_series_push(ev, &out->s[si], w.buf[j].t, w.buf[j].v)) < 0)
				goto fail;
	}
	ev_window_close(ev, &w);
	return 0;
fail:
	ev_window_close(ev, &w);
	ev_matrix_free(ev, out);
	return rc;
}
