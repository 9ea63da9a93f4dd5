/* eval_agg.c - aggregation operators (sum, avg, count, min, max, group,
 * stddev, stdvar, topk, bottomk, quantile, count_values) with by/without,
 * computed step by step with Prometheus's numerics: plain summation for
 * sum, the incremental (overflow-safe) mean for avg, Welford's update for
 * stddev/stdvar, NaN-aware min/max, and topk/bottomk through the same
 * binary heap Prometheus uses, so ties come out in the same order. */
#include "eval_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The largest float64 that converts to int64 without overflow. */
#define EV_MAX_INT64_F 9223372036854774784.0
#define EV_MIN_INT64_F -9223372036854775808.0

struct heap_el {
	double v;
	size_t si; /* input series */
};

/* Ordering of Prometheus's value heaps: topk's (min at the root, NaN
 * lowest) or bottomk's (max at the root, NaN lowest too). */
static bool heap_less(const struct heap_el *h, size_t i, size_t j, bool reverse)
{
	if (isnan(h[i].v))
		return true;
	return reverse ? h[i].v > h[j].v : h[i].v < h[j].v;
}

static void heap_swap(struct heap_el *h, size_t i, size_t j)
{
	struct heap_el t = h[i];

	h[i] = h[j];
	h[j] = t;
}

static void heap_up(struct heap_el *h, size_t j, bool rev)
{
	while (j > 0) {
		size_t i = (j - 1) / 2;
		if (!heap_less(h, j, i, rev))
			break;
		heap_swap(h, i, j);
		j = i;
	}
}

static void heap_down(struct heap_el *h, size_t i, size_t n, bool rev)
{
	for (;;) {
		size_t j1 = 2 * i + 1;
		if (j1 >= n)
			break;
		size_t j = j1;
		if (j1 + 1 < n && heap_less(h, j1 + 1, j1, rev))
			j = j1 + 1;
		if (!heap_less(h, j, i, rev))
			break;
		heap_swap(h, i, j);
		i = j;
	}
}

/* sort.Sort(sort.Reverse(heap)): Go uses insertion sort up to 12
 * elements, which is stable; larger groups get a stable merge sort on the
 * same order (Go's pdqsort may order ties differently there). */
static bool before_rev(const struct heap_el *x, const struct heap_el *y, bool rev)
{
	struct heap_el pair[2] = { *y, *x };

	return heap_less(pair, 0, 1, rev); /* Reverse(less)(x, y) = less(y, x) */
}

static void sort_heap_reverse(struct heap_el *h, size_t n, bool rev)
{
	if (n <= 12) {
		for (size_t i = 1; i < n; i++)
			for (size_t j = i; j > 0 && heap_less(h, j - 1, j, rev); j--)
				heap_swap(h, j, j - 1);
		return;
	}
	struct heap_el *tmp = xmalloc(n * sizeof *tmp);
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = before_rev(&h[j], &h[i], rev) ? h[j++] : h[i++];
			while (i < mid)
				tmp[k++] = h[i++];
			while (j < hi)
				tmp[k++] = h[j++];
		}
		memcpy(h, tmp, n * sizeof *h);
	}
	free(tmp);
}

/* Per-group state during one step. */
struct group {
	uint64_t stamp; /* step this state belongs to */
	double value, mean;
	double count;
	struct heap_el *heap;
	size_t nheap, capheap;
	double *vals; /* quantile */
	size_t nvals, capvals;
	size_t out_si; /* output series, SIZE_MAX until known */
};

struct agg_ctx {
	struct ev *ev;
	const struct promql_aggregate *a;
	const struct ev_matrix *V;
	size_t *gid; /* per input series */
	struct labels *glabels; /* per group */
	struct group *g;
	size_t ngroups;
	size_t *order; /* groups in order of first appearance at this step */
	size_t norder;
	struct ev_out o;
};

static void group_heap_push(struct group *g, double v, size_t si)
{
	if (g->nheap == g->capheap) {
		g->capheap = g->capheap ? g->capheap * 2 : 4;
		g->heap = xrealloc(g->heap, g->capheap * sizeof *g->heap);
	}
	g->heap[g->nheap].v = v;
	g->heap[g->nheap].si = si;
	g->nheap++;
}

static void group_val_push(struct group *g, double v)
{
	if (g->nvals == g->capvals) {
		g->capvals = g->capvals ? g->capvals * 2 : 8;
		g->vals = xrealloc(g->vals, g->capvals * sizeof *g->vals);
	}
	g->vals[g->nvals++] = v;
}

static void agg_first(enum promql_agg_op op, struct group *g, double v, size_t si)
{
	g->value = v;
	g->mean = v;
	g->count = 1;
	g->nheap = 0;
	g->nvals = 0;
	switch (op) {
	case PROMQL_AGG_STDDEV:
	case PROMQL_AGG_STDVAR:
		g->value = 0;
		break;
	case PROMQL_AGG_TOPK:
	case PROMQL_AGG_BOTTOMK:
		group_heap_push(g, v, si);
		break;
	case PROMQL_AGG_QUANTILE:
		group_val_push(g, v);
		break;
	case PROMQL_AGG_GROUP:
		g->value = 1;
		break;
	default:
		break;
	}
}

static void agg_add(enum promql_agg_op op, struct group *g, double v, size_t si, int64_t k)
{
	switch (op) {
	case PROMQL_AGG_SUM:
		g->value += v;
		break;
	case PROMQL_AGG_AVG:
		g->count++;
		if (isinf(g->mean)) {
			/* Inf of the same sign keeps the mean; a finite value
			 * cannot move an infinite mean. */
			if (isinf(v) && (g->mean > 0) == (v > 0))
				break;
			if (!isinf(v) && !isnan(v))
				break;
		}
		g->mean += v / g->count - g->mean / g->count;
		break;
	case PROMQL_AGG_MAX:
		if (g->value < v || isnan(g->value))
			g->value = v;
		break;
	case PROMQL_AGG_MIN:
		if (g->value > v || isnan(g->value))
			g->value = v;
		break;
	case PROMQL_AGG_COUNT:
	case PROMQL_AGG_COUNT_VALUES:
		g->count++;
		break;
	case PROMQL_AGG_STDDEV:
	case PROMQL_AGG_STDVAR: {
		g->count++;
		double delta = v - g->mean;
		g->mean += delta / g->count;
		g->value += delta * (v - g->mean);
		break;
	}
	case PROMQL_AGG_TOPK:
	case PROMQL_AGG_BOTTOMK: {
		bool rev = op == PROMQL_AGG_BOTTOMK;
		bool better = rev ? g->heap[0].v > v : g->heap[0].v < v;
		if ((int64_t)g->nheap < k || better || isnan(g->heap[0].v)) {
			if ((int64_t)g->nheap == k) {
				if (k == 1) {
					g->heap[0].v = v;
					g->heap[0].si = si;
					break;
				}
				/* heap.Pop */
				heap_swap(g->heap, 0, g->nheap - 1);
				heap_down(g->heap, 0, g->nheap - 1, rev);
				g->nheap--;
			}
			group_heap_push(g, v, si);
			heap_up(g->heap, g->nheap - 1, rev);
		}
		break;
	}
	case PROMQL_AGG_QUANTILE:
		group_val_push(g, v);
		break;
	case PROMQL_AGG_GROUP:
		break;
	}
}

static int agg_emit(struct agg_ctx *c, size_t gi, int64_t ts, double q)
{
	struct ev *ev = c->ev;
	enum promql_agg_op op = c->a->op;
	struct group *g = &c->g[gi];
	double v = g->value;

	switch (op) {
	case PROMQL_AGG_AVG:
		v = g->mean;
		break;
	case PROMQL_AGG_COUNT:
	case PROMQL_AGG_COUNT_VALUES:
		v = g->count;
		break;
	case PROMQL_AGG_STDVAR:
		v = g->value / g->count;
		break;
	case PROMQL_AGG_STDDEV:
		v = sqrt(g->value / g->count);
		break;
	case PROMQL_AGG_QUANTILE:
		v = promql_quantile(q, g->vals, g->nvals);
		break;
	case PROMQL_AGG_TOPK:
	case PROMQL_AGG_BOTTOMK:
		if (g->nheap > 1)
			sort_heap_reverse(g->heap, g->nheap, op == PROMQL_AGG_BOTTOMK);
		for (size_t i = 0; i < g->nheap; i++) {
			int rc = ev_out_add(ev, &c->o, &c->V->s[g->heap[i].si].metric, ts,
					    g->heap[i].v);
			if (rc < 0)
				return rc;
		}
		return 0;
	default:
		break;
	}
	if (g->out_si == SIZE_MAX)
		g->out_si = ev_out_series(&c->o, &c->glabels[gi]);
	return ev_out_add_at(ev, &c->o, g->out_si, ts, v);
}

/* Group labels of metric under the aggregation's by/without clause. */
static struct labels group_labels(struct ev *ev, const struct promql_aggregate *a,
				  const struct labels *metric)
{
	if (a->without)
		return ev_labels_drop(ev, metric, a->grouping, a->ngrouping, true);
	if (a->ngrouping == 0)
		return LABELS_EMPTY;
	return ev_labels_keep(ev, metric, a->grouping, a->ngrouping);
}

/* Assign a group to every input series. */
static void assign_groups(struct agg_ctx *c)
{
	struct ev_hmap h = EV_HMAP_INIT;
	size_t n = c->V->n;

	c->gid = xmalloc((n + 1) * sizeof *c->gid);
	c->glabels = xmalloc((n + 1) * sizeof *c->glabels);
	c->ngroups = 0;
	for (size_t i = 0; i < n; i++) {
		struct labels gl = group_labels(c->ev, c->a, &c->V->s[i].metric);
		uint64_t key = labels_hash(&gl);
		size_t slot = SIZE_MAX, g, found = SIZE_MAX;
		while (ev_hmap_next(&h, key, &slot, &g)) {
			if (labels_equal(&c->glabels[g], &gl)) {
				found = g;
				break;
			}
		}
		if (found == SIZE_MAX) {
			found = c->ngroups++;
			c->glabels[found] = gl;
			ev_hmap_put(&h, key, found);
		}
		c->gid[i] = found;
	}
	ev_hmap_free(&h);
	c->g = xcalloc(c->ngroups + 1, sizeof *c->g);
	for (size_t i = 0; i < c->ngroups; i++)
		c->g[i].out_si = SIZE_MAX;
	c->order = xmalloc((c->ngroups + 1) * sizeof *c->order);
}

static void agg_free(struct agg_ctx *c)
{
	for (size_t i = 0; i < c->ngroups; i++) {
		free(c->g[i].heap);
		free(c->g[i].vals);
	}
	free(c->g);
	free(c->gid);
	free(c->glabels);
	free(c->order);
}

/* count_values: the group depends on the sample's value, so labels are
 * built per sample. */
static int count_values(struct ev *ev, const struct promql_aggregate *a, const char *label,
			const struct ev_matrix *V, struct ev_matrix *out)
{
	struct ev_stepper st;
	struct ev_out o = EV_OUT_INIT;
	struct labels_builder lb = LABELS_BUILDER_INIT;
	struct arena scratch = ARENA_INIT;
	struct ev_hmap h = EV_HMAP_INIT;
	struct cv_group {
		struct labels l;
		double count;
	} *gs = NULL;
	size_t ngs = 0, capgs = 0;
	const char **names = xmalloc((a->ngrouping + 1) * sizeof *names);
	int rc = 0;

	if (a->ngrouping)
		memcpy(names, a->grouping, a->ngrouping * sizeof *names);
	names[a->ngrouping] = label;
	ev_stepper_init(&st, V);
	for (int64_t ts = ev->start; ts <= ev->end; ts += ev->interval) {
		size_t n = ev_stepper_at(&st, ts);
		struct ev ev_scratch = *ev;

		if ((rc = ev_check(ev)) < 0)
			break;
		arena_reset(&scratch);
		ev_hmap_clear(&h);
		ngs = 0;
		ev_scratch.arena = &scratch;
		for (size_t i = 0; i < n; i++) {
			char num[400];
			struct labels ml, gl;
			ev_format_float_f(st.vec[i].v, num, sizeof num);
			labels_builder_reset(&lb, &V->s[st.vec[i].si].metric);
			labels_builder_set(&lb, label, arena_strdup(&scratch, num));
			labels_builder_finish(&lb, &scratch, &ml);
			if (a->without)
				gl = ev_labels_drop(&ev_scratch, &ml, a->grouping, a->ngrouping, true);
			else
				gl = ev_labels_keep(&ev_scratch, &ml, names, a->ngrouping + 1);
			uint64_t key = labels_hash(&gl);
			size_t slot = SIZE_MAX, g, found = SIZE_MAX;
			while (ev_hmap_next(&h, key, &slot, &g)) {
				if (labels_equal(&gs[g].l, &gl)) {
					found = g;
					break;
				}
			}
			if (found == SIZE_MAX) {
				if (ngs == capgs) {
					capgs = capgs ? capgs * 2 : 16;
					gs = xrealloc(gs, capgs * sizeof *gs);
				}
				found = ngs++;
				gs[found].l = gl;
				gs[found].count = 0;
				ev_hmap_put(&h, key, found);
			}
			gs[found].count++;
		}
		for (size_t g = 0; g < ngs && rc == 0; g++) {
			struct labels keep = labels_copy(ev->arena, &gs[g].l);
			size_t si = ev_out_series(&o, &keep);
			rc = ev_out_add_at(ev, &o, si, ts, gs[g].count);
		}
		if (rc < 0)
			break;
	}
	ev_stepper_free(&st);
	ev_hmap_free(&h);
	labels_builder_free(&lb);
	arena_free(&scratch);
	free(gs);
	free(names);
	if (rc < 0) {
		ev_out_free(ev, &o);
		return rc;
	}
	return ev_out_finish(ev, &o, out);
}

int ev_aggregate(struct ev *ev, const struct promql_node *n, struct ev_matrix *out)
{
	const struct promql_aggregate *a = &n->u.agg;
	struct ev_matrix P = EV_MATRIX_INIT, V = EV_MATRIX_INIT;
	struct agg_ctx c;
	struct ev_stepper st;
	uint64_t stamp = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if (a->op == PROMQL_AGG_COUNT_VALUES) {
		const struct promql_node *p = ev_unparen(a->param);
		const char *label = p && p->kind == PROMQL_NODE_STRING ? p->u.string.value : "";
		if (!ev_valid_label_name(label))
			return ev_fail(ev, PROMQL_ERRTYPE_EXECUTION, "invalid label name \"%s\"",
				       label);
		if ((rc = ev_eval(ev, a->expr, &V)) < 0)
			return rc;
		rc = count_values(ev, a, label, &V, out);
		ev_matrix_free(ev, &V);
		return rc;
	}
	if (a->param) {
		/* Prometheus does not look for step-invariant parts in a
		 * parameter. */
		struct ev pev = *ev;
		pev.no_wrap = true;
		if ((rc = ev_eval(&pev, a->param, &P)) < 0)
			return rc;
	}
	if ((rc = ev_eval(ev, a->expr, &V)) < 0) {
		ev_matrix_free(ev, &P);
		return rc;
	}
	memset(&c, 0, sizeof c);
	c.ev = ev;
	c.a = a;
	c.V = &V;
	assign_groups(&c);
	ev_stepper_init(&st, &V);
	size_t k = 0;
	for (int64_t ts = ev->start; ts <= ev->end; ts += ev->interval, k++) {
		size_t nv = ev_stepper_at(&st, ts);
		int64_t kk = 0;
		double q = 0;

		if ((rc = ev_check(ev)) < 0)
			goto done;
		if (a->op == PROMQL_AGG_TOPK || a->op == PROMQL_AGG_BOTTOMK) {
			double f = ev_scalar_at(&P, k);
			if (!(f <= EV_MAX_INT64_F && f >= EV_MIN_INT64_F)) {
				char num[400];
				ev_format_float_f(f, num, sizeof num);
				rc = ev_fail(ev, PROMQL_ERRTYPE_EXECUTION,
					     "scalar value %s overflows int64", num);
				goto done;
			}
			kk = (int64_t)f;
			if (kk < 1)
				continue;
		} else if (a->op == PROMQL_AGG_QUANTILE) {
			q = ev_scalar_at(&P, k);
		}
		stamp++;
		c.norder = 0;
		for (size_t i = 0; i < nv; i++) {
			size_t si = st.vec[i].si, gi = c.gid[si];
			struct group *g = &c.g[gi];
			if (g->stamp != stamp) {
				g->stamp = stamp;
				c.order[c.norder++] = gi;
				agg_first(a->op, g, st.vec[i].v, si);
				continue;
			}
			agg_add(a->op, g, st.vec[i].v, si, kk);
		}
		for (size_t i = 0; i < c.norder; i++)
			if ((rc = agg_emit(&c, c.order[i], ts, q)) < 0)
				goto done;
	}
	rc = 0;
done:
	ev_stepper_free(&st);
	agg_free(&c);
	ev_matrix_free(ev, &P);
	ev_matrix_free(ev, &V);
	if (rc < 0) {
		ev_out_free(ev, &c.o);
		return rc;
	}
	return ev_out_finish(ev, &c.o, out);
}
