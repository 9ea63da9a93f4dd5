/* eval.c - the evaluator's entry points, dispatch and shared machinery:
 * errors and limits, intermediate matrices, per-step views, the output
 * collector. Node kinds live in eval_select.c, eval_binop.c, eval_agg.c,
 * eval_funcs.c and eval_range.c. */
#include "eval_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Recursion guard on top of the parser's own nesting limit. */
#define EV_MAX_DEPTH 2000
/* Bounds that keep time arithmetic far from int64 overflow. */
#define EV_MAX_LOOKBACK_MS (10LL * 365 * 24 * 3600 * 1000)
#define EV_MAX_TIMEOUT_MS (1000LL * 24 * 3600 * 1000)

static bool time_ok(int64_t t)
{
	return t >= -PROMQL_MAX_TIME_MS && t <= PROMQL_MAX_TIME_MS;
}

const char *promql_errtype_str(enum promql_errtype t)
{
	switch (t) {
	case PROMQL_ERRTYPE_BAD_DATA:
		return "bad_data";
	case PROMQL_ERRTYPE_EXECUTION:
		return "execution";
	case PROMQL_ERRTYPE_TIMEOUT:
		return "timeout";
	case PROMQL_ERRTYPE_CANCELED:
		return "canceled";
	case PROMQL_ERRTYPE_INTERNAL:
		return "internal";
	case PROMQL_ERRTYPE_NONE:
		break;
	}
	return "";
}

/* ---- errors and limits ---- */

int ev_fail(struct ev *ev, enum promql_errtype type, const char *fmt, ...)
{
	va_list ap;

	if (ev->err && ev->err->type == PROMQL_ERRTYPE_NONE) {
		ev->err->type = type;
		va_start(ap, fmt);
		vsnprintf(ev->err->msg, sizeof ev->err->msg, fmt, ap);
		va_end(ap);
	}
	return PROMQL_ERR_EVAL;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The clock is read on every call when always is set (once per node of
 * the expression), else every 1024th call (inner loops over samples and
 * steps, where a vDSO call per point would show). */
static int ev_check_clock(struct ev *ev, bool always)
{
	if (ev->cancel && *ev->cancel)
		return ev_fail(ev, PROMQL_ERRTYPE_CANCELED,
			       "query was canceled during expression evaluation");
	if (ev->deadline_ns && (always || (++*ev->tick & 1023) == 0) &&
	    now_ns() > ev->deadline_ns)
		return ev_fail(ev, PROMQL_ERRTYPE_TIMEOUT,
			       "query timed out during expression evaluation");
	return 0;
}

int ev_check(struct ev *ev)
{
	return ev_check_clock(ev, false);
}

int ev_fail_too_many(struct ev *ev)
{
	return ev_fail(ev, PROMQL_ERRTYPE_EXECUTION,
		       "query would hold more than %lld samples in memory at once; "
		       "narrow the selection or the time range",
		       (long long)ev->max_samples);
}

int ev_add_samples(struct ev *ev, int64_t n)
{
	*ev->cur_samples += n;
	if (*ev->cur_samples > ev->max_samples)
		return ev_fail_too_many(ev);
	return 0;
}

int64_t ev_at_time(const struct ev *ev, const struct promql_at *at)
{
	switch (at->kind) {
	case PROMQL_AT_START:
		return ev->qstart;
	case PROMQL_AT_END:
		return ev->qend;
	default:
		return at->ms;
	}
}

int ev_fail_duplicate(struct ev *ev, const struct labels *l)
{
	return ev_fail(ev, PROMQL_ERRTYPE_EXECUTION,
		       "vector cannot contain metrics with the same labelset: "
		       "more than one series would be %s",
		       ev_labels_str(ev, l));
}

const struct promql_node *ev_unparen(const struct promql_node *n)
{
	while (n && n->kind == PROMQL_NODE_PAREN)
		n = n->u.paren;
	return n;
}

/* ---- matrices ---- */

size_t ev_matrix_add_series(struct ev_matrix *m, const struct labels *metric)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 8;
		m->s = xrealloc(m->s, m->cap * sizeof *m->s);
	}
	memset(&m->s[m->n], 0, sizeof m->s[m->n]);
	m->s[m->n].metric = *metric;
	return m->n++;
}

/* Size classes of pooled point arrays: four per power of two (4, 5, 6, 7,
 * 8, 10, 12, 14, 16, 20, ...), so an array sized for a known number of
 * points wastes at most a quarter of it, and every class is recycled. */
static unsigned pool_class(size_t cap, size_t *size)
{
	unsigned b = 2;

	while (((size_t)2 << b) <= cap && b < 60)
		b++;
	/* 2^b <= cap < 2^(b+1): cap's class is the next quarter step */
	size_t base = (size_t)1 << b, quarter = base / 4;
	unsigned k = 0;
	if (cap > base)
		k = (unsigned)((cap - base + quarter - 1) / quarter);
	if (k == 4) {
		b++;
		base <<= 1;
		k = 0;
	}
	*size = base + k * (base / 4);
	return (b - 2) * 4 + k;
}

struct promql_point *ev_points_get(struct ev *ev, size_t *cap)
{
	size_t size;
	unsigned c = pool_class(*cap < 4 ? 4 : *cap, &size);
	void *p;

	*cap = size;
	if (c < EV_POOL_BINS && ev->pool->bins[c]) {
		p = ev->pool->bins[c];
		memcpy(&ev->pool->bins[c], p, sizeof(void *));
		return p;
	}
	return arena_alloc(ev->arena, size * sizeof(struct promql_point));
}

void ev_points_put(struct ev *ev, struct promql_point *p, size_t cap)
{
	size_t size;
	unsigned c;

	if (!p || cap < 4)
		return;
	c = pool_class(cap, &size);
	if (c >= EV_POOL_BINS || size != cap)
		return; /* not from the pool: stays in the arena until the end */
	memcpy(p, &ev->pool->bins[c], sizeof(void *));
	ev->pool->bins[c] = p;
}

int ev_series_push(struct ev *ev, struct ev_series *s, int64_t t, double v)
{
	/* every point of every intermediate result passes here: the one
	 * place that sees a long subquery's steps pile up */
	if (ev_add_samples(ev, 1) < 0 || ev_check(ev) < 0)
		return PROMQL_ERR_EVAL;
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 8;
		struct promql_point *np = ev_points_get(ev, &ncap);
		if (s->n)
			memcpy(np, s->pts, s->n * sizeof *np);
		ev_points_put(ev, s->pts, s->cap);
		s->pts = np;
		s->cap = ncap;
	}
	if (s->n && t < s->pts[s->n - 1].t)
		s->unsorted = true;
	s->pts[s->n].t = t;
	s->pts[s->n].v = v;
	s->n++;
	return 0;
}

void ev_matrix_free(struct ev *ev, struct ev_matrix *m)
{
	for (size_t i = 0; i < m->n; i++) {
		ev_release_samples(ev, (int64_t)m->s[i].n);
		ev_points_put(ev, m->s[i].pts, m->s[i].cap);
	}
	free(m->s);
	m->s = NULL;
	m->n = m->cap = 0;
}

static int cmp_point(const void *a, const void *b)
{
	const struct promql_point *x = a, *y = b;

	return x->t < y->t ? -1 : x->t > y->t;
}

int ev_matrix_fix_order(struct ev *ev, struct ev_matrix *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct ev_series *s = &m->s[i];
		if (!s->unsorted)
			continue;
		qsort(s->pts, s->n, sizeof *s->pts, cmp_point);
		for (size_t j = 1; j < s->n; j++)
			if (s->pts[j].t == s->pts[j - 1].t)
				return ev_fail_duplicate(ev, &s->metric);
		s->unsorted = false;
	}
	return 0;
}

void ev_matrix_compact(struct ev *ev, struct ev_matrix *m)
{
	size_t j = 0;

	for (size_t i = 0; i < m->n; i++) {
		if (m->s[i].n == 0) {
			ev_points_put(ev, m->s[i].pts, m->s[i].cap);
			continue;
		}
		m->s[j++] = m->s[i];
	}
	m->n = j;
}

int ev_matrix_check_unique(struct ev *ev, const struct ev_matrix *m)
{
	struct ev_hmap h = EV_HMAP_INIT;
	int rc = 0;

	if (m->n < 2)
		return 0;
	for (size_t i = 0; i < m->n && rc == 0; i++) {
		if (m->s[i].n == 0)
			continue;
		uint64_t key = labels_hash(&m->s[i].metric);
		size_t slot = SIZE_MAX, j;
		while (ev_hmap_next(&h, key, &slot, &j)) {
			if (labels_equal(&m->s[j].metric, &m->s[i].metric)) {
				rc = ev_fail_duplicate(ev, &m->s[i].metric);
				break;
			}
		}
		ev_hmap_put(&h, key, i);
	}
	ev_hmap_free(&h);
	return rc;
}

/* ---- per-step views ---- */

void ev_stepper_init(struct ev_stepper *st, const struct ev_matrix *m)
{
	st->m = m;
	st->pos = xcalloc(m->n ? m->n : 1, sizeof *st->pos);
	st->vec = xmalloc((m->n ? m->n : 1) * sizeof *st->vec);
	st->n = 0;
}

size_t ev_stepper_at(struct ev_stepper *st, int64_t ts)
{
	const struct ev_matrix *m = st->m;

	st->n = 0;
	for (size_t i = 0; i < m->n; i++) {
		const struct ev_series *s = &m->s[i];
		size_t p = st->pos[i];
		while (p < s->n && s->pts[p].t < ts)
			p++;
		if (p < s->n && s->pts[p].t == ts) {
			st->vec[st->n].si = i;
			st->vec[st->n].v = s->pts[p].v;
			st->n++;
			p++;
		}
		st->pos[i] = p;
	}
	return st->n;
}

void ev_stepper_free(struct ev_stepper *st)
{
	free(st->pos);
	free(st->vec);
	st->pos = NULL;
	st->vec = NULL;
}

double ev_scalar_at(const struct ev_matrix *m, size_t k)
{
	if (m->n == 0 || k >= m->s[0].n)
		return NAN;
	return m->s[0].pts[k].v;
}

/* ---- hash map ---- */

static void hmap_grow(struct ev_hmap *h)
{
	size_t ncap = h->cap ? h->cap * 2 : 64;
	uint64_t *keys = xmalloc(ncap * sizeof *keys);
	size_t *vals = xcalloc(ncap, sizeof *vals);

	for (size_t i = 0; i < h->cap; i++) {
		if (!h->vals[i])
			continue;
		size_t s = (size_t)h->keys[i] & (ncap - 1);
		while (vals[s])
			s = (s + 1) & (ncap - 1);
		keys[s] = h->keys[i];
		vals[s] = h->vals[i];
	}
	free(h->keys);
	free(h->vals);
	h->keys = keys;
	h->vals = vals;
	h->cap = ncap;
}

void ev_hmap_put(struct ev_hmap *h, uint64_t key, size_t val)
{
	if ((h->n + 1) * 2 > h->cap)
		hmap_grow(h);
	size_t s = (size_t)key & (h->cap - 1);
	while (h->vals[s])
		s = (s + 1) & (h->cap - 1);
	h->keys[s] = key;
	h->vals[s] = val + 1;
	h->n++;
}

bool ev_hmap_next(const struct ev_hmap *h, uint64_t key, size_t *slot, size_t *val)
{
	if (!h->cap)
		return false;
	size_t mask = h->cap - 1;
	size_t s = *slot == SIZE_MAX ? (size_t)key & mask : (*slot + 1) & mask;
	for (; h->vals[s]; s = (s + 1) & mask) {
		if (h->keys[s] == key) {
			*slot = s;
			*val = h->vals[s] - 1;
			return true;
		}
	}
	return false;
}

void ev_hmap_clear(struct ev_hmap *h)
{
	if (h->cap)
		memset(h->vals, 0, h->cap * sizeof *h->vals);
	h->n = 0;
}

void ev_hmap_free(struct ev_hmap *h)
{
	free(h->keys);
	free(h->vals);
	h->keys = NULL;
	h->vals = NULL;
	h->cap = h->n = 0;
}

/* ---- output collector ---- */

size_t ev_out_series(struct ev_out *o, const struct labels *metric)
{
	uint64_t key = labels_hash(metric);
	size_t slot = SIZE_MAX, i;

	while (ev_hmap_next(&o->by_hash, key, &slot, &i))
		if (labels_equal(&o->m.s[i].metric, metric))
			return i;
	i = ev_matrix_add_series(&o->m, metric);
	ev_hmap_put(&o->by_hash, key, i);
	return i;
}

int ev_out_add_at(struct ev *ev, struct ev_out *o, size_t si, int64_t t, double v)
{
	struct ev_series *s = &o->m.s[si];

	if (s->n && s->pts[s->n - 1].t == t)
		return ev_fail_duplicate(ev, &s->metric);
	return ev_series_push(ev, s, t, v);
}

int ev_out_add(struct ev *ev, struct ev_out *o, const struct labels *metric, int64_t t,
	       double v)
{
	return ev_out_add_at(ev, o, ev_out_series(o, metric), t, v);
}

int ev_out_finish(struct ev *ev, struct ev_out *o, struct ev_matrix *out)
{
	int rc = ev_matrix_fix_order(ev, &o->m);

	ev_hmap_free(&o->by_hash);
	if (rc < 0) {
		ev_matrix_free(ev, &o->m);
		return rc;
	}
	ev_matrix_compact(ev, &o->m);
	*out = o->m;
	memset(&o->m, 0, sizeof o->m);
	return 0;
}

void ev_out_free(struct ev *ev, struct ev_out *o)
{
	ev_hmap_free(&o->by_hash);
	ev_matrix_free(ev, &o->m);
}

/* ---- simple node kinds ---- */

static int ev_number(struct ev *ev, double v, struct ev_matrix *out)
{
	struct labels empty = LABELS_EMPTY;
	size_t si = ev_matrix_add_series(out, &empty);

	for (int64_t ts = ev->start; ts <= ev->end; ts += ev->interval)
		if (ev_series_push(ev, &out->s[si], ts, v) < 0)
			return PROMQL_ERR_EVAL;
	return 0;
}

static int ev_unary(struct ev *ev, const struct promql_node *n, struct ev_matrix *out)
{
	int rc = ev_eval(ev, n->u.unary.expr, out);

	if (rc < 0 || n->u.unary.op != PROMQL_OP_SUB)
		return rc;
	bool scalar = promql_node_type(n->u.unary.expr) == PROMQL_TYPE_SCALAR;
	for (size_t i = 0; i < out->n; i++) {
		struct ev_series *s = &out->s[i];
		if (!scalar)
			s->metric = ev_drop_name(ev, &s->metric);
		for (size_t j = 0; j < s->n; j++)
			s->pts[j].v = -s->pts[j].v;
	}
	if (!scalar)
		return ev_matrix_check_unique(ev, out);
	return 0;
}

/* ---- step invariance (Prometheus's StepInvariantExpr) ---- */

static bool invariant_uncached(struct ev *ev, const struct promql_node *n)
{
	switch (n->kind) {
	case PROMQL_NODE_NUMBER:
	case PROMQL_NODE_STRING:
		return true;
	case PROMQL_NODE_VECTOR_SELECTOR:
		return n->u.vs.at.kind != PROMQL_AT_NONE;
	case PROMQL_NODE_MATRIX_SELECTOR:
		return n->u.ms.vs->u.vs.at.kind != PROMQL_AT_NONE;
	case PROMQL_NODE_SUBQUERY:
		return n->u.sq.at.kind != PROMQL_AT_NONE;
	case PROMQL_NODE_PAREN:
		return ev_invariant(ev, n->u.paren);
	case PROMQL_NODE_UNARY:
		return ev_invariant(ev, n->u.unary.expr);
	case PROMQL_NODE_AGGREGATE:
		/* The parameter does not count (as in Prometheus). */
		return ev_invariant(ev, n->u.agg.expr);
	case PROMQL_NODE_BINARY: {
		bool l = ev_invariant(ev, n->u.bin.lhs), r = ev_invariant(ev, n->u.bin.rhs);
		return l && r;
	}
	case PROMQL_NODE_CALL: {
		bool inv = !promql_function_time_dependent(n->u.call.func->id);
		for (size_t i = 0; i < n->u.call.nargs; i++)
			if (!ev_invariant(ev, n->u.call.args[i]))
				inv = false;
		return inv;
	}
	}
	return false;
}

bool ev_invariant(struct ev *ev, const struct promql_node *n)
{
	struct ev_pool *p = ev->pool;
	uint64_t key = (uint64_t)(uintptr_t)n;
	size_t mask, i;

	if (p->inv_cap) {
		mask = p->inv_cap - 1;
		for (i = (size_t)(key * 0x9E3779B97F4A7C15ULL >> 20) & mask; p->inv_vals[i];
		     i = (i + 1) & mask)
			if (p->inv_keys[i] == key)
				return p->inv_vals[i] == 2;
	}
	bool inv = invariant_uncached(ev, n);
	if ((p->inv_n + 1) * 2 > p->inv_cap) {
		size_t ocap = p->inv_cap, ncap = ocap ? ocap * 2 : 64;
		uint64_t *ok = p->inv_keys;
		size_t *ov = p->inv_vals;
		p->inv_keys = xcalloc(ncap, sizeof *p->inv_keys);
		p->inv_vals = xcalloc(ncap, sizeof *p->inv_vals);
		p->inv_cap = ncap;
		for (size_t j = 0; j < ocap; j++) {
			if (!ov[j])
				continue;
			for (i = (size_t)(ok[j] * 0x9E3779B97F4A7C15ULL >> 20) & (ncap - 1);
			     p->inv_vals[i]; i = (i + 1) & (ncap - 1))
				;
			p->inv_keys[i] = ok[j];
			p->inv_vals[i] = ov[j];
		}
		free(ok);
		free(ov);
	}
	mask = p->inv_cap - 1;
	for (i = (size_t)(key * 0x9E3779B97F4A7C15ULL >> 20) & mask; p->inv_vals[i];
	     i = (i + 1) & mask)
		;
	p->inv_keys[i] = key;
	p->inv_vals[i] = inv ? 2 : 1;
	p->inv_n++;
	return inv;
}

int ev_eval_wrapped(struct ev *ev, const struct promql_node *n, struct ev_matrix *out)
{
	const struct promql_node *inner = ev_unparen(n);
	int rc;

	if (ev->no_wrap || ev->start == ev->end || inner->kind == PROMQL_NODE_NUMBER ||
	    inner->kind == PROMQL_NODE_STRING || !ev_invariant(ev, n))
		return ev_eval(ev, n, out);
	/* Once, at the first step; then the same values at every step. */
	struct ev one = *ev;
	one.end = one.start;
	if ((rc = ev_eval(&one, n, out)) < 0)
		return rc;
	for (size_t i = 0; i < out->n; i++) {
		struct ev_series *s = &out->s[i];
		if (s->n != 1)
			continue;
		double v = s->pts[0].v;
		for (int64_t ts = ev->start + ev->interval; ts <= ev->end; ts += ev->interval) {
			if ((rc = ev_series_push(ev, s, ts, v)) < 0) {
				ev_matrix_free(ev, out);
				return rc;
			}
		}
	}
	return 0;
}

int ev_eval(struct ev *ev, const struct promql_node *n, struct ev_matrix *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = ev_check_clock(ev, true)) < 0)
		return rc;
	if (++ev->depth > EV_MAX_DEPTH) {
		ev->depth--;
		return ev_fail(ev, PROMQL_ERRTYPE_EXECUTION, "expression nested too deeply");
	}
	switch (n->kind) {
	case PROMQL_NODE_NUMBER:
		rc = ev_number(ev, n->u.number, out);
		break;
	case PROMQL_NODE_PAREN:
		rc = ev_eval(ev, n->u.paren, out);
		break;
	case PROMQL_NODE_UNARY:
		rc = ev_unary(ev, n, out);
		break;
	case PROMQL_NODE_VECTOR_SELECTOR:
		rc = ev_vector_selector(ev, n, false, out);
		break;
	case PROMQL_NODE_CALL:
		rc = ev_call(ev, n, out);
		break;
	case PROMQL_NODE_AGGREGATE:
		rc = ev_aggregate(ev, n, out);
		break;
	case PROMQL_NODE_BINARY:
		rc = ev_binary(ev, n, out);
		break;
	default:
		rc = ev_fail(ev, PROMQL_ERRTYPE_EXECUTION,
			     "unexpected %s expression where an instant vector or scalar "
			     "is needed",
			     promql_value_type_doc(promql_node_type(n)));
		break;
	}
	ev->depth--;
	if (rc < 0)
		ev_matrix_free(ev, out);
	return rc;
}

/* ---- entry points ---- */

static void ev_setup(struct ev *ev, struct promql_querier *q, const struct promql_eval_opts *opts,
		     struct arena *arena, int64_t *cur, unsigned *tick, struct ev_pool *pool,
		     struct promql_eval_error *err)
{
	static const struct promql_eval_opts defaults = PROMQL_EVAL_OPTS_INIT;

	if (!opts)
		opts = &defaults;
	memset(ev, 0, sizeof *ev);
	ev->q = q;
	ev->arena = arena;
	ev->lookback = opts->lookback_delta_ms > 0 ? opts->lookback_delta_ms
						   : PROMQL_DEFAULT_LOOKBACK_MS;
	if (ev->lookback > EV_MAX_LOOKBACK_MS)
		ev->lookback = EV_MAX_LOOKBACK_MS;
	ev->max_samples = opts->max_samples > 0 ? opts->max_samples : PROMQL_DEFAULT_MAX_SAMPLES;
	ev->default_step = opts->default_subquery_step_ms > 0 ? opts->default_subquery_step_ms
							     : PROMQL_DEFAULT_SUBQUERY_STEP_MS;
	int64_t timeout = opts->timeout_ms ? opts->timeout_ms : PROMQL_DEFAULT_TIMEOUT_MS;
	if (timeout > EV_MAX_TIMEOUT_MS)
		timeout = EV_MAX_TIMEOUT_MS;
	ev->deadline_ns = timeout > 0 ? now_ns() + timeout * 1000000 : 0;
	ev->cancel = opts->cancel;
	*cur = 0;
	*tick = 0;
	ev->cur_samples = cur;
	ev->tick = tick;
	ev->err = err;
	memset(pool, 0, sizeof *pool);
	ev->pool = pool;
	if (err) {
		err->type = PROMQL_ERRTYPE_NONE;
		err->msg[0] = 0;
	}
}

static int cmp_series_labels(const void *a, const void *b)
{
	const struct promql_series *x = a, *y = b;

	return labels_cmp(&x->metric, &y->metric);
}

/* Turn the final matrix into a sorted result matrix. Its point arrays are
 * in the caller's arena already (see ev_points_get()): the result takes
 * them over instead of copying them, and they leave the recycling pool. */
static void to_result_matrix(struct ev *ev, struct ev_matrix *m, struct promql_value *out)
{
	size_t n = 0;

	out->type = PROMQL_TYPE_MATRIX;
	out->u.matrix.series = arena_alloc(ev->arena, (m->n ? m->n : 1) * sizeof(struct promql_series));
	for (size_t i = 0; i < m->n; i++) {
		struct ev_series *s = &m->s[i];
		if (!s->n)
			continue;
		struct promql_series *r = &out->u.matrix.series[n++];
		r->metric = s->metric;
		r->npoints = s->n;
		r->points = s->pts;
		s->pts = NULL;
		s->cap = 0;
	}
	out->u.matrix.n = n;
	qsort(out->u.matrix.series, n, sizeof *out->u.matrix.series, cmp_series_labels);
}

static int eval_instant(struct ev *evp, const struct promql_node *expr, int64_t t,
			struct promql_value *out)
{
	struct ev ev = *evp;
	struct ev_matrix m = EV_MATRIX_INIT;
	struct arena *arena = ev.arena;
	int rc;

	ev.start = ev.end = ev.qstart = ev.qend = t;
	ev.interval = 1;
	memset(out, 0, sizeof *out);
	if (!time_ok(t))
		return ev_fail(&ev, PROMQL_ERRTYPE_BAD_DATA, "the evaluation time is out of range");

	enum promql_value_type type = promql_node_type(expr);
	const struct promql_node *inner = ev_unparen(expr);
	switch (type) {
	case PROMQL_TYPE_STRING:
		if (inner->kind != PROMQL_NODE_STRING)
			return ev_fail(&ev, PROMQL_ERRTYPE_EXECUTION, "unexpected string expression");
		out->type = PROMQL_TYPE_STRING;
		out->u.string.t = t;
		out->u.string.s = arena_strndup(arena, inner->u.string.value, inner->u.string.len);
		out->u.string.len = inner->u.string.len;
		return 0;
	case PROMQL_TYPE_MATRIX:
		rc = ev_eval_range_vector(&ev, inner, &m);
		if (rc < 0)
			return rc;
		to_result_matrix(&ev, &m, out);
		ev_matrix_free(&ev, &m);
		return 0;
	case PROMQL_TYPE_SCALAR:
	case PROMQL_TYPE_VECTOR:
		break;
	default:
		return ev_fail(&ev, PROMQL_ERRTYPE_BAD_DATA, "expression has no value type");
	}
	rc = ev_eval(&ev, expr, &m);
	if (rc < 0)
		return rc;
	if (type == PROMQL_TYPE_SCALAR) {
		out->type = PROMQL_TYPE_SCALAR;
		out->u.scalar.t = t;
		out->u.scalar.v = ev_scalar_at(&m, 0);
	} else {
		size_t n = 0;
		out->type = PROMQL_TYPE_VECTOR;
		out->u.vector.samples =
			arena_alloc(arena, (m.n ? m.n : 1) * sizeof *out->u.vector.samples);
		for (size_t i = 0; i < m.n; i++) {
			if (!m.s[i].n)
				continue;
			struct promql_sample *s = &out->u.vector.samples[n++];
			s->metric = m.s[i].metric;
			s->t = t;
			s->v = m.s[i].pts[0].v;
		}
		out->u.vector.n = n;
	}
	ev_matrix_free(&ev, &m);
	return 0;
}

static int eval_range(struct ev *evp, const struct promql_node *expr, int64_t start, int64_t end,
		      int64_t step, struct promql_value *out)
{
	struct ev ev = *evp;
	struct ev_matrix m = EV_MATRIX_INIT;
	int rc;

	memset(out, 0, sizeof *out);
	if (step <= 0)
		return ev_fail(&ev, PROMQL_ERRTYPE_BAD_DATA,
			       "the query step must be a positive duration");
	if (!time_ok(start) || !time_ok(end))
		return ev_fail(&ev, PROMQL_ERRTYPE_BAD_DATA, "the time range is out of range");
	if (end < start)
		return ev_fail(&ev, PROMQL_ERRTYPE_BAD_DATA,
			       "the end of the range must not be before its start");
	if ((end - start) / step > PROMQL_MAX_POINTS_PER_SERIES)
		return ev_fail(&ev, PROMQL_ERRTYPE_BAD_DATA,
			       "more than %d points per series requested; use a larger step",
			       PROMQL_MAX_POINTS_PER_SERIES);
	enum promql_value_type type = promql_node_type(expr);
	if (type != PROMQL_TYPE_SCALAR && type != PROMQL_TYPE_VECTOR)
		return ev_fail(&ev, PROMQL_ERRTYPE_BAD_DATA,
			       "a range query needs a scalar or instant vector expression, "
			       "not a %s",
			       promql_value_type_doc(type));
	ev.start = ev.qstart = start;
	ev.end = ev.qend = end;
	ev.interval = step;
	rc = ev_eval_wrapped(&ev, expr, &m);
	if (rc < 0)
		return rc;
	to_result_matrix(&ev, &m, out);
	ev_matrix_free(&ev, &m);
	return 0;
}

int promql_eval_instant(struct promql_querier *q, const struct promql_node *expr, int64_t t,
			const struct promql_eval_opts *opts, struct arena *arena,
			struct promql_value *out, struct promql_eval_error *err)
{
	struct ev ev;
	struct ev_pool pool;
	int64_t cur;
	unsigned tick;
	int rc;

	ev_setup(&ev, q, opts, arena, &cur, &tick, &pool, err);
	rc = eval_instant(&ev, expr, t, out);
	free(pool.inv_keys);
	free(pool.inv_vals);
	return rc;
}

int promql_eval_range(struct promql_querier *q, const struct promql_node *expr, int64_t start,
		      int64_t end, int64_t step, const struct promql_eval_opts *opts,
		      struct arena *arena, struct promql_value *out,
		      struct promql_eval_error *err)
{
	struct ev ev;
	struct ev_pool pool;
	int64_t cur;
	unsigned tick;
	int rc;

	ev_setup(&ev, q, opts, arena, &cur, &tick, &pool, err);
	rc = eval_range(&ev, expr, start, end, step, out);
	free(pool.inv_keys);
	free(pool.inv_vals);
	return rc;
}
