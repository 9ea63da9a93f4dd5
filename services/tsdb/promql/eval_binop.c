/* eval_binop.c - binary operators: arithmetic, comparisons (filtering or
 * with bool), atan2, and the set operators and/or/unless, between scalars
 * and instant vectors, with Prometheus's vector matching (on, ignoring,
 * group_left, group_right) and its rules for dropping the metric name. */
#include "eval_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool is_arith(enum promql_op op)
{
	switch (op) {
	case PROMQL_OP_ADD:
	case PROMQL_OP_SUB:
	case PROMQL_OP_MUL:
	case PROMQL_OP_DIV:
	case PROMQL_OP_MOD:
	case PROMQL_OP_POW:
		return true;
	default:
		return false;
	}
}

/* The value of l op r, and whether a comparison holds (*keep). For
 * comparisons the value is l. */
static double elem_binop(enum promql_op op, double l, double r, bool *keep)
{
	*keep = true;
	switch (op) {
	case PROMQL_OP_ADD:
		return l + r;
	case PROMQL_OP_SUB:
		return l - r;
	case PROMQL_OP_MUL:
		return l * r;
	case PROMQL_OP_DIV:
		return l / r;
	case PROMQL_OP_POW:
		return pow(l, r);
	case PROMQL_OP_MOD:
		return fmod(l, r);
	case PROMQL_OP_ATAN2:
		return atan2(l, r);
	case PROMQL_OP_EQL:
		*keep = l == r;
		return l;
	case PROMQL_OP_NEQ:
		*keep = l != r;
		return l;
	case PROMQL_OP_GTR:
		*keep = l > r;
		return l;
	case PROMQL_OP_LSS:
		*keep = l < r;
		return l;
	case PROMQL_OP_GTE:
		*keep = l >= r;
		return l;
	case PROMQL_OP_LTE:
		*keep = l <= r;
		return l;
	default:
		*keep = false;
		return NAN;
	}
}

static int scalar_scalar(struct ev *ev, enum promql_op op, const struct ev_matrix *l,
			 const struct ev_matrix *r, struct ev_matrix *out)
{
	struct labels empty = LABELS_EMPTY;
	size_t si = ev_matrix_add_series(out, &empty);
	size_t k = 0;

	for (int64_t ts = ev->start; ts <= ev->end; ts += ev->interval, k++) {
		bool keep;
		double v = elem_binop(op, ev_scalar_at(l, k), ev_scalar_at(r, k), &keep);
		if (promql_op_is_comparison(op))
			v = keep ? 1 : 0;
		if (ev_series_push(ev, &out->s[si], ts, v) < 0)
			return PROMQL_ERR_EVAL;
	}
	return 0;
}

/* vec op scalar, or scalar op vec when swap. */
static int vector_scalar(struct ev *ev, const struct promql_binary *b, const struct ev_matrix *vec,
			 const struct ev_matrix *sc, bool swap, struct ev_matrix *out)
{
	struct ev_out o = EV_OUT_INIT;
	bool cmp = promql_op_is_comparison(b->op);
	bool drop = is_arith(b->op) || b->return_bool;
	int rc;

	for (size_t i = 0; i < vec->n; i++) {
		const struct ev_series *s = &vec->s[i];
		struct labels metric = drop ? ev_drop_name(ev, &s->metric) : s->metric;
		size_t oi = SIZE_MAX;
		for (size_t j = 0; j < s->n; j++) {
			double lv = s->pts[j].v, rv = ev_scalar_at(sc, ev_step_index(ev, s->pts[j].t));
			bool keep;
			if (swap) {
				double t = lv;
				lv = rv;
				rv = t;
			}
			double v = elem_binop(b->op, lv, rv, &keep);
			/* A comparison keeps the vector's value, whichever side. */
			if (cmp && swap)
				v = rv;
			if (b->return_bool) {
				v = keep ? 1 : 0;
				keep = true;
			}
			if (!keep)
				continue;
			if (oi == SIZE_MAX)
				oi = ev_out_series(&o, &metric);
			if ((rc = ev_out_add_at(ev, &o, oi, s->pts[j].t, v)) < 0)
				goto fail;
		}
		if ((rc = ev_check(ev)) < 0)
			goto fail;
	}
	return ev_out_finish(ev, &o, out);
fail:
	ev_out_free(ev, &o);
	return rc;
}

/* ---- vector/vector ---- */

struct matcher_ctx {
	const struct promql_vector_matching *m;
	uint64_t *lsig, *rsig; /* per series of each side */
};

static uint64_t signature(const struct promql_vector_matching *m, const struct labels *l)
{
	return labels_hash_subset(l, m->labels, m->nlabels, !m->on);
}

static bool same_group(const struct promql_vector_matching *m, const struct labels *a,
		       const struct labels *b)
{
	return ev_labels_match_equal(a, b, m->labels, m->nlabels, m->on);
}

/* Per-step index of one side's samples by signature. */
struct sigset {
	struct ev_hmap h;
};

static void sigset_build(struct sigset *s, const struct ev_stepper *st, const uint64_t *sig)
{
	ev_hmap_clear(&s->h);
	for (size_t i = 0; i < st->n; i++)
		ev_hmap_put(&s->h, sig[st->vec[i].si], i);
}

/* Find a sample of st (indexed in s) in the same match group as metric. */
static bool sigset_find(const struct sigset *s, const struct ev_stepper *st,
			const struct promql_vector_matching *m, uint64_t sig,
			const struct labels *metric, size_t *idx)
{
	size_t slot = SIZE_MAX, i;

	while (ev_hmap_next(&s->h, sig, &slot, &i)) {
		if (same_group(m, &st->m->s[st->vec[i].si].metric, metric)) {
			*idx = i;
			return true;
		}
	}
	return false;
}

static int set_operation(struct ev *ev, const struct promql_binary *b, const struct ev_matrix *L,
			 const struct ev_matrix *R, const uint64_t *lsig, const uint64_t *rsig,
			 struct ev_matrix *out)
{
	const struct promql_vector_matching *m = &b->matching;
	struct ev_stepper ls, rs;
	struct sigset set = { EV_HMAP_INIT };
	struct ev_out o = EV_OUT_INIT;
	size_t *lout = xmalloc((L->n + 1) * sizeof *lout), *rout = xmalloc((R->n + 1) * sizeof *rout);
	int rc = 0;

	for (size_t i = 0; i < L->n; i++)
		lout[i] = SIZE_MAX;
	for (size_t i = 0; i < R->n; i++)
		rout[i] = SIZE_MAX;
	ev_stepper_init(&ls, L);
	ev_stepper_init(&rs, R);

#define EMIT(side_out, M, st, idx)                                                       \
	do {                                                                             \
		size_t si_ = (st).vec[idx].si;                                           \
		if (side_out[si_] == SIZE_MAX)                                           \
			side_out[si_] = ev_out_series(&o, &(M)->s[si_].metric);          \
		if ((rc = ev_out_add_at(ev, &o, side_out[si_], ts, (st).vec[idx].v)) < 0) \
			goto done;                                                       \
	} while (0)

	for (int64_t ts = ev->start; ts <= ev->end; ts += ev->interval) {
		size_t nl = ev_stepper_at(&ls, ts), nr = ev_stepper_at(&rs, ts), x;
		if ((rc = ev_check(ev)) < 0)
			goto done;
		switch (b->op) {
		case PROMQL_OP_AND:
			if (!nl || !nr)
				break;
			sigset_build(&set, &rs, rsig);
			for (size_t i = 0; i < nl; i++) {
				size_t si = ls.vec[i].si;
				if (sigset_find(&set, &rs, m, lsig[si], &L->s[si].metric, &x))
					EMIT(lout, L, ls, i);
			}
			break;
		case PROMQL_OP_OR:
			for (size_t i = 0; i < nl; i++)
				EMIT(lout, L, ls, i);
			if (!nl) {
				for (size_t i = 0; i < nr; i++)
					EMIT(rout, R, rs, i);
				break;
			}
			if (!nr)
				break;
			sigset_build(&set, &ls, lsig);
			for (size_t i = 0; i < nr; i++) {
				size_t si = rs.vec[i].si;
				if (!sigset_find(&set, &ls, m, rsig[si], &R->s[si].metric, &x))
					EMIT(rout, R, rs, i);
			}
			break;
		case PROMQL_OP_UNLESS:
			if (!nl || !nr) {
				for (size_t i = 0; i < nl; i++)
					EMIT(lout, L, ls, i);
				break;
			}
			sigset_build(&set, &rs, rsig);
			for (size_t i = 0; i < nl; i++) {
				size_t si = ls.vec[i].si;
				if (!sigset_find(&set, &rs, m, lsig[si], &L->s[si].metric, &x))
					EMIT(lout, L, ls, i);
			}
			break;
		default:
			break;
		}
	}
#undef EMIT
done:
	ev_stepper_free(&ls);
	ev_stepper_free(&rs);
	ev_hmap_free(&set.h);
	free(lout);
	free(rout);
	if (rc < 0) {
		ev_out_free(ev, &o);
		return rc;
	}
	return ev_out_finish(ev, &o, out);
}

/* Cache of result label sets per (many-side series, one-side series). */
struct pair_cache {
	struct ev_hmap h;
	struct pair {
		size_t a, b, out;
	} *v;
	size_t n, cap;
};

static uint64_t pair_key(size_t a, size_t b)
{
	uint64_t k = (uint64_t)a * 0x9E3779B97F4A7C15ULL ^ ((uint64_t)b + 0x632BE59BD9B4E019ULL);
	return k ^ (k >> 29);
}

/* The labels of the result of combining many-side series ml with one-side
 * series rl, as Prometheus's resultMetric builds them. */
static struct labels result_metric(struct ev *ev, struct labels_builder *lb,
				   const struct promql_binary *b, const struct labels *ml,
				   const struct labels *rl)
{
	const struct promql_vector_matching *m = &b->matching;
	struct labels r;

	labels_builder_reset(lb, ml);
	if (is_arith(b->op))
		labels_builder_del(lb, LABELS_METRIC_NAME);
	if (m->card == PROMQL_CARD_ONE_TO_ONE) {
		if (m->on) {
			labels_builder_keep(lb, m->labels, m->nlabels);
		} else {
			for (size_t i = 0; i < m->nlabels; i++)
				labels_builder_del(lb, m->labels[i]);
		}
	}
	for (size_t i = 0; i < m->ninclude; i++) {
		const char *v = labels_get(rl, m->include[i]);
		if (v && *v)
			labels_builder_set(lb, m->include[i], v);
		else
			labels_builder_del(lb, m->include[i]);
	}
	if (b->return_bool)
		labels_builder_del(lb, LABELS_METRIC_NAME);
	labels_builder_finish(lb, ev->arena, &r);
	return r;
}

static int vector_vector(struct ev *ev, const struct promql_binary *b, const struct ev_matrix *L,
			 const struct ev_matrix *R, const uint64_t *lsig, const uint64_t *rsig,
			 struct ev_matrix *out)
{
	const struct promql_vector_matching *m = &b->matching;
	bool swap = m->card == PROMQL_CARD_ONE_TO_MANY;
	/* The "many" side is iterated, the "one" side is looked up. */
	const struct ev_matrix *MM = swap ? R : L, *OM = swap ? L : R;
	const uint64_t *msig = swap ? rsig : lsig, *osig = swap ? lsig : rsig;
	struct ev_stepper ms, os;
	struct sigset set = { EV_HMAP_INIT };
	struct ev_hmap matched = EV_HMAP_INIT; /* one-side sample index -> result */
	struct pair_cache pc = { EV_HMAP_INIT, NULL, 0, 0 };
	struct labels_builder lb = LABELS_BUILDER_INIT;
	struct ev_out o = EV_OUT_INIT;
	size_t *matched_out = NULL; /* parallel to matched: result series */
	size_t nmatched = 0, capmatched = 0;
	int rc = 0;

	ev_stepper_init(&ms, MM);
	ev_stepper_init(&os, OM);
	for (int64_t ts = ev->start; ts <= ev->end; ts += ev->interval) {
		size_t nm = ev_stepper_at(&ms, ts), no = ev_stepper_at(&os, ts);
		if ((rc = ev_check(ev)) < 0)
			goto done;
		if (!nm || !no)
			continue;
		/* Index the one side; two of its series in one group are an
		 * error (that would be many-to-many). */
		ev_hmap_clear(&set.h);
		for (size_t i = 0; i < no; i++) {
			size_t si = os.vec[i].si, x;
			if (sigset_find(&set, &os, m, osig[si], &OM->s[si].metric, &x)) {
				const struct labels *a = &OM->s[si].metric;
				const struct labels *c = &OM->s[os.vec[x].si].metric;
				struct labels g = m->on ? ev_labels_keep(ev, a, m->labels, m->nlabels)
							: ev_labels_drop(ev, a, m->labels,
									 m->nlabels, true);
				rc = ev_fail(ev, PROMQL_ERRTYPE_EXECUTION,
					     "found duplicate series for the match group %s on the "
					     "%s hand-side of the operation: [%s, %s]; many-to-many "
					     "matching not allowed: matching labels must be unique "
					     "on one side",
					     ev_labels_str(ev, &g), swap ? "left" : "right",
					     ev_labels_str(ev, a), ev_labels_str(ev, c));
				goto done;
			}
			ev_hmap_put(&set.h, osig[si], i);
		}
		ev_hmap_clear(&matched);
		nmatched = 0;
		for (size_t i = 0; i < nm; i++) {
			size_t si = ms.vec[i].si, x;
			if (!sigset_find(&set, &os, m, msig[si], &MM->s[si].metric, &x))
				continue;
			size_t oi_series = os.vec[x].si;
			double vl = ms.vec[i].v, vr = os.vec[x].v;
			bool keep;
			if (swap) {
				double t = vl;
				vl = vr;
				vr = t;
			}
			double v = elem_binop(b->op, vl, vr, &keep);
			if (b->return_bool)
				v = keep ? 1 : 0;
			else if (!keep)
				continue;

			/* Result series for this pair, cached across steps. */
			size_t slot = SIZE_MAX, pi, out_si = SIZE_MAX;
			uint64_t pk = pair_key(si, oi_series);
			while (ev_hmap_next(&pc.h, pk, &slot, &pi)) {
				if (pc.v[pi].a == si && pc.v[pi].b == oi_series) {
					out_si = pc.v[pi].out;
					break;
				}
			}
			if (out_si == SIZE_MAX) {
				struct labels rm = result_metric(ev, &lb, b, &MM->s[si].metric,
								 &OM->s[oi_series].metric);
				out_si = ev_out_series(&o, &rm);
				if (pc.n == pc.cap) {
					pc.cap = pc.cap ? pc.cap * 2 : 16;
					pc.v = xrealloc(pc.v, pc.cap * sizeof *pc.v);
				}
				pc.v[pc.n] = (struct pair){ si, oi_series, out_si };
				ev_hmap_put(&pc.h, pk, pc.n);
				pc.n++;
			}

			/* Each one-side sample may match once (one-to-one), or
			 * produce distinct result label sets (many-to-one). */
			size_t ms_slot = SIZE_MAX, mi;
			bool dup = false, seen = false;
			while (ev_hmap_next(&matched, x, &ms_slot, &mi)) {
				seen = true;
				if (m->card == PROMQL_CARD_ONE_TO_ONE || matched_out[mi] == out_si) {
					dup = true;
					break;
				}
			}
			(void)seen;
			if (dup) {
				if (m->card == PROMQL_CARD_ONE_TO_ONE)
					rc = ev_fail(ev, PROMQL_ERRTYPE_EXECUTION,
						     "multiple matches for labels: many-to-one "
						     "matching must be explicit (group_left or "
						     "group_right)");
				else
					rc = ev_fail(ev, PROMQL_ERRTYPE_EXECUTION,
						     "multiple matches for labels: grouping labels "
						     "must ensure unique matches");
				goto done;
			}
			if (nmatched == capmatched) {
				capmatched = capmatched ? capmatched * 2 : 16;
				matched_out = xrealloc(matched_out, capmatched * sizeof *matched_out);
			}
			matched_out[nmatched] = out_si;
			ev_hmap_put(&matched, x, nmatched);
			nmatched++;
			if ((rc = ev_out_add_at(ev, &o, out_si, ts, v)) < 0)
				goto done;
		}
	}
done:
	ev_stepper_free(&ms);
	ev_stepper_free(&os);
	ev_hmap_free(&set.h);
	ev_hmap_free(&matched);
	ev_hmap_free(&pc.h);
	free(pc.v);
	free(matched_out);
	labels_builder_free(&lb);
	if (rc < 0) {
		ev_out_free(ev, &o);
		return rc;
	}
	return ev_out_finish(ev, &o, out);
}

int ev_binary(struct ev *ev, const struct promql_node *n, struct ev_matrix *out)
{
	const struct promql_binary *b = &n->u.bin;
	enum promql_value_type lt = promql_node_type(b->lhs), rt = promql_node_type(b->rhs);
	struct ev_matrix L = EV_MATRIX_INIT, R = EV_MATRIX_INIT;
	int rc;

	memset(out, 0, sizeof *out);
	/* Step-invariant operands of a step-varying operation are evaluated
	 * once and repeated, as in Prometheus. */
	int (*eval_side)(struct ev *, const struct promql_node *, struct ev_matrix *) =
		ev_invariant(ev, n) ? ev_eval : ev_eval_wrapped;
	if ((rc = eval_side(ev, b->lhs, &L)) < 0)
		return rc;
	if ((rc = eval_side(ev, b->rhs, &R)) < 0) {
		ev_matrix_free(ev, &L);
		return rc;
	}
	if (lt == PROMQL_TYPE_SCALAR && rt == PROMQL_TYPE_SCALAR) {
		rc = scalar_scalar(ev, b->op, &L, &R, out);
	} else if (lt == PROMQL_TYPE_VECTOR && rt == PROMQL_TYPE_SCALAR) {
		rc = vector_scalar(ev, b, &L, &R, false, out);
	} else if (lt == PROMQL_TYPE_SCALAR && rt == PROMQL_TYPE_VECTOR) {
		rc = vector_scalar(ev, b, &R, &L, true, out);
	} else {
		uint64_t *lsig = xmalloc((L.n + 1) * sizeof *lsig);
		uint64_t *rsig = xmalloc((R.n + 1) * sizeof *rsig);
		for (size_t i = 0; i < L.n; i++)
			lsig[i] = signature(&b->matching, &L.s[i].metric);
		for (size_t i = 0; i < R.n; i++)
			rsig[i] = signature(&b->matching, &R.s[i].metric);
		if (promql_op_is_set(b->op))
			rc = set_operation(ev, b, &L, &R, lsig, rsig, out);
		else
			rc = vector_vector(ev, b, &L, &R, lsig, rsig, out);
		free(lsig);
		free(rsig);
	}
	ev_matrix_free(ev, &L);
	ev_matrix_free(ev, &R);
	if (rc < 0)
		ev_matrix_free(ev, out);
	return rc;
}
