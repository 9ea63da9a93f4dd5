/* case.c - one eval command: instant run, range-mode check, @ variants,
 * result comparison (see case.h). */
#include "case.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../../lib/labels.h"
#include "../../services/tsdb/promql/eval.h"
#include "../../services/tsdb/promql/parse.h"

static void why_set(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void why_set(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

static const struct promql_eval_opts harness_opts = {
	.lookback_delta_ms = 5 * 60 * 1000,
	.max_samples = 10000,
	.timeout_ms = 100 * 1000,
	.default_subquery_step_ms = 60 * 1000,
	.cancel = NULL,
};

/* The expectations as label sets. */
struct expect {
	struct labels *l;
	double *v;
	int *pos; /* 1-based line position among the expected lines */
	size_t n;
};

static void build_expect(const struct pqt_cmd *cmd, struct arena *a, struct expect *e)
{
	e->l = arena_alloc(a, (cmd->nexpect + 1) * sizeof *e->l);
	e->v = arena_alloc(a, (cmd->nexpect + 1) * sizeof *e->v);
	e->pos = arena_alloc(a, (cmd->nexpect + 1) * sizeof *e->pos);
	e->n = 0;
	for (size_t i = 0; i < cmd->nexpect; i++) {
		const struct pqt_series *s = &cmd->expect[i];
		const char **names = arena_alloc(a, (s->nlabels + 1) * sizeof *names);
		const char **values = arena_alloc(a, (s->nlabels + 1) * sizeof *values);
		struct labels l;
		for (size_t j = 0; j < s->nlabels; j++) {
			names[j] = s->labels[j].name;
			values[j] = s->labels[j].value;
		}
		labels_from_pairs(a, names, values, s->nlabels, &l);
		/* A label set written twice: the later line wins, as in the
		 * harness's map. */
		size_t k;
		for (k = 0; k < e->n; k++)
			if (labels_equal(&e->l[k], &l))
				break;
		e->l[k] = l;
		e->v[k] = s->values[0].v;
		e->pos[k] = (int)i + 1;
		if (k == e->n)
			e->n++;
	}
}

static const char *fmt_labels(struct arena *a, const struct labels *l)
{
	struct buf b = BUF_INIT;
	const char *r;

	labels_format(l, &b);
	r = arena_strdup(a, b.p ? b.p : "{}");
	buf_free(&b);
	return r;
}

/* Compare a vector (samples, n) with the expectation. */
static bool compare_vector(const struct pqt_cmd *cmd, const struct expect *e,
			   const struct promql_sample *s, size_t n, struct arena *a, char *why,
			   size_t whylen)
{
	bool *seen = arena_alloc(a, (e->n + 1) * sizeof *seen);

	memset(seen, 0, (e->n + 1) * sizeof *seen);
	if (cmd->expect_scalar) {
		why_set(why, whylen, "expected scalar %g but got a vector of %zu samples",
			cmd->scalar, n);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		size_t k;
		for (k = 0; k < e->n; k++)
			if (labels_equal(&e->l[k], &s[i].metric))
				break;
		if (k == e->n) {
			why_set(why, whylen, "unexpected metric %s in result",
				fmt_labels(a, &s[i].metric));
			return false;
		}
		if (cmd->ordered && e->pos[k] != (int)i + 1) {
			why_set(why, whylen, "expected metric %s at position %d but was at %zu",
				fmt_labels(a, &s[i].metric), e->pos[k], i + 1);
			return false;
		}
		if (!pqt_almost_equal(e->v[k], s[i].v)) {
			why_set(why, whylen, "expected %.17g for %s but got %.17g", e->v[k],
				fmt_labels(a, &s[i].metric), s[i].v);
			return false;
		}
		seen[k] = true;
	}
	for (size_t k = 0; k < e->n; k++) {
		if (!seen[k]) {
			why_set(why, whylen, "expected metric %s with %.17g not found",
				fmt_labels(a, &e->l[k]), e->v[k]);
			return false;
		}
	}
	return true;
}

static bool compare_result(const struct pqt_cmd *cmd, const struct expect *e,
			   const struct promql_value *r, struct arena *a, char *why, size_t whylen)
{
	switch (r->type) {
	case PROMQL_TYPE_VECTOR:
		return compare_vector(cmd, e, r->u.vector.samples, r->u.vector.n, a, why, whylen);
	case PROMQL_TYPE_SCALAR:
		if (!cmd->expect_scalar) {
			why_set(why, whylen, "got scalar %.17g but expected series", r->u.scalar.v);
			return false;
		}
		if (!pqt_almost_equal(cmd->scalar, r->u.scalar.v)) {
			why_set(why, whylen, "expected scalar %.17g but got %.17g", cmd->scalar,
				r->u.scalar.v);
			return false;
		}
		return true;
	case PROMQL_TYPE_MATRIX:
		why_set(why, whylen, "received range result on instant evaluation");
		return false;
	default:
		why_set(why, whylen, "unexpected result type %s", promql_value_type_str(r->type));
		return false;
	}
}

/* ---- the @ variants ---- */

static void set_at(struct promql_at *at, int64_t ts)
{
	if (at->kind != PROMQL_AT_TIMESTAMP) {
		at->kind = PROMQL_AT_TIMESTAMP;
		at->ms = ts;
	}
}

/* Put @ ts on every selector and outermost subquery lacking one; note
 * calls of time-dependent functions outside subqueries. */
static void add_at(struct promql_node *n, int64_t ts, bool *unsafe)
{
	if (!n)
		return;
	switch (n->kind) {
	case PROMQL_NODE_VECTOR_SELECTOR:
		set_at(&n->u.vs.at, ts);
		break;
	case PROMQL_NODE_MATRIX_SELECTOR:
		set_at(&n->u.ms.vs->u.vs.at, ts);
		break;
	case PROMQL_NODE_SUBQUERY:
		set_at(&n->u.sq.at, ts);
		break; /* nothing inside a subquery with @ changes */
	case PROMQL_NODE_CALL:
		if (promql_function_time_dependent(n->u.call.func->id))
			*unsafe = true;
		for (size_t i = 0; i < n->u.call.nargs; i++)
			add_at(n->u.call.args[i], ts, unsafe);
		break;
	case PROMQL_NODE_AGGREGATE:
		add_at(n->u.agg.param, ts, unsafe);
		add_at(n->u.agg.expr, ts, unsafe);
		break;
	case PROMQL_NODE_BINARY:
		add_at(n->u.bin.lhs, ts, unsafe);
		add_at(n->u.bin.rhs, ts, unsafe);
		break;
	case PROMQL_NODE_UNARY:
		add_at(n->u.unary.expr, ts, unsafe);
		break;
	case PROMQL_NODE_PAREN:
		add_at(n->u.paren, ts, unsafe);
		break;
	default:
		break;
	}
}

/* ---- running ---- */

/* One query at one time: instant, then the range-mode check. */
static bool run_one(struct promql_querier *q, const struct pqt_cmd *cmd, const struct expect *e,
		    const struct promql_node *expr, int64_t t, const char *variant,
		    struct arena *a, char *why, size_t whylen)
{
	struct promql_value r, rr;
	struct promql_eval_error err;
	char sub[400];

	if (promql_eval_instant(q, expr, t, &harness_opts, a, &r, &err) < 0) {
		if (cmd->fail)
			return true;
		why_set(why, whylen, "%serror evaluating at %" PRId64 "ms: %s: %s", variant, t,
			promql_errtype_str(err.type), err.msg);
		return false;
	}
	if (cmd->fail) {
		why_set(why, whylen, "%sexpected an error at %" PRId64 "ms but got none", variant, t);
		return false;
	}
	if (!compare_result(cmd, e, &r, a, sub, sizeof sub)) {
		why_set(why, whylen, "%sat %" PRId64 "ms: %s", variant, t, sub);
		return false;
	}

	if (promql_eval_range(q, expr, t - 60000, t + 60000, 60000, &harness_opts, a, &rr, &err) <
	    0) {
		why_set(why, whylen, "%serror in range mode at %" PRId64 "ms: %s: %s", variant, t,
			promql_errtype_str(err.type), err.msg);
		return false;
	}
	if (cmd->ordered)
		return true;
	struct promql_sample *vec =
		arena_alloc(a, (rr.u.matrix.n + 1) * sizeof(struct promql_sample));
	size_t n = 0;
	for (size_t i = 0; i < rr.u.matrix.n; i++) {
		const struct promql_series *s = &rr.u.matrix.series[i];
		for (size_t j = 0; j < s->npoints; j++) {
			if (s->points[j].t == t) {
				vec[n].metric = s->metric;
				vec[n].t = t;
				vec[n].v = s->points[j].v;
				n++;
				break;
			}
		}
	}
	bool ok;
	if (r.type == PROMQL_TYPE_SCALAR) {
		struct promql_value sv = { .type = PROMQL_TYPE_SCALAR };
		if (n == 0) {
			why_set(why, whylen, "%srange mode at %" PRId64 "ms: no scalar value at T",
				variant, t);
			return false;
		}
		sv.u.scalar.t = t;
		sv.u.scalar.v = vec[0].v;
		ok = compare_result(cmd, e, &sv, a, sub, sizeof sub);
	} else {
		ok = compare_vector(cmd, e, vec, n, a, sub, sizeof sub);
	}
	if (!ok)
		why_set(why, whylen, "%srange mode at %" PRId64 "ms: %s", variant, t, sub);
	return ok;
}

/* eval range: the matrix must hold exactly the expected series, each with
 * points at exactly the steps whose expected value is not `_`. */
static bool run_range(struct promql_querier *q, const struct pqt_cmd *cmd,
		      const struct promql_node *expr, struct arena *a, char *why, size_t whylen)
{
	struct promql_value r;
	struct promql_eval_error err;
	size_t nsteps = (size_t)((cmd->end_ms - cmd->start_ms) / cmd->range_step_ms) + 1;
	size_t matched = 0, nexp = 0;

	if (promql_eval_range(q, expr, cmd->start_ms, cmd->end_ms, cmd->range_step_ms,
			      &harness_opts, a, &r, &err) < 0) {
		if (cmd->fail)
			return true;
		why_set(why, whylen, "error in range query: %s: %s", promql_errtype_str(err.type),
			err.msg);
		return false;
	}
	if (cmd->fail) {
		why_set(why, whylen, "expected the range query to fail, but it did not");
		return false;
	}
	for (size_t i = 0; i < cmd->nexpect; i++) {
		const struct pqt_series *es = &cmd->expect[i];
		const char *names[64], *values[64];
		struct labels l;
		size_t npts = 0;

		for (size_t j = 0; j < es->nvalues; j++)
			npts += !es->values[j].omitted;
		if (!npts)
			continue;
		nexp++;
		if (es->nvalues != nsteps) {
			why_set(why, whylen, "line %d: %zu values for %zu steps", es->line, es->nvalues,
				nsteps);
			return false;
		}
		for (size_t j = 0; j < es->nlabels && j < 64; j++) {
			names[j] = es->labels[j].name;
			values[j] = es->labels[j].value;
		}
		labels_from_pairs(a, names, values, es->nlabels < 64 ? es->nlabels : 64, &l);
		const struct promql_series *got = NULL;
		for (size_t k = 0; k < r.u.matrix.n; k++)
			if (labels_equal(&r.u.matrix.series[k].metric, &l))
				got = &r.u.matrix.series[k];
		if (!got) {
			why_set(why, whylen, "expected series %s not found", fmt_labels(a, &l));
			return false;
		}
		matched++;
		size_t p = 0;
		for (size_t j = 0; j < nsteps; j++) {
			int64_t t = cmd->start_ms + (int64_t)j * cmd->range_step_ms;
			bool have = p < got->npoints && got->points[p].t == t;
			if (es->values[j].omitted != !have) {
				why_set(why, whylen, "%s at %" PRId64 "ms: expected %s, got %s",
					fmt_labels(a, &l), t, es->values[j].omitted ? "no point" : "a point",
					have ? "a point" : "none");
				return false;
			}
			if (have && !pqt_almost_equal(es->values[j].v, got->points[p].v)) {
				why_set(why, whylen, "%s at %" PRId64 "ms: expected %.17g but got %.17g",
					fmt_labels(a, &l), t, es->values[j].v, got->points[p].v);
				return false;
			}
			p += have;
		}
		if (p != got->npoints) {
			why_set(why, whylen, "%s has points off the steps", fmt_labels(a, &l));
			return false;
		}
	}
	if (matched != r.u.matrix.n || nexp != matched) {
		for (size_t k = 0; k < r.u.matrix.n; k++) {
			bool want = false;
			for (size_t i = 0; i < cmd->nexpect && !want; i++) {
				const struct pqt_series *es = &cmd->expect[i];
				const char *names[64], *values[64];
				struct labels l;
				for (size_t j = 0; j < es->nlabels && j < 64; j++) {
					names[j] = es->labels[j].name;
					values[j] = es->labels[j].value;
				}
				labels_from_pairs(a, names, values, es->nlabels < 64 ? es->nlabels : 64, &l);
				want = labels_equal(&l, &r.u.matrix.series[k].metric);
			}
			if (!want) {
				why_set(why, whylen, "unexpected series %s in result",
					fmt_labels(a, &r.u.matrix.series[k].metric));
				return false;
			}
		}
		why_set(why, whylen, "the result has %zu series, %zu expected", r.u.matrix.n, nexp);
		return false;
	}
	return true;
}

bool pqt_run_eval(struct promql_querier *q, const struct pqt_cmd *cmd, char *why, size_t whylen)
{
	struct arena a = ARENA_INIT;
	struct promql_node *expr, *atexpr;
	struct promql_error perr;
	struct expect e;
	bool ok = false, unsafe = false;
	size_t len = strlen(cmd->expr);

	if (!cmd->range)
		build_expect(cmd, &a, &e);
	if (promql_parse(cmd->expr, len, &a, &expr, &perr) < 0) {
		struct buf b = BUF_INIT;
		promql_error_format(&perr, &b);
		why_set(why, whylen, "parse error: %s", b.p ? b.p : "");
		buf_free(&b);
		goto done;
	}
	if (cmd->range) {
		ok = run_range(q, cmd, expr, &a, why, whylen);
		goto done;
	}
	if (!run_one(q, cmd, &e, expr, cmd->at_ms, "", &a, why, whylen))
		goto done;

	/* The @ variants. */
	if (promql_parse(cmd->expr, len, &a, &atexpr, &perr) < 0) {
		why_set(why, whylen, "parse error on the second parse");
		goto done;
	}
	int64_t ts = cmd->at_ms;
	add_at(atexpr, ts, &unsafe);
	if (!unsafe) {
		int64_t times[5];
		size_t nt;
		if (ts == 0) {
			times[0] = -1000;
			times[1] = 0;
			times[2] = 1000;
			nt = 3;
		} else {
			times[0] = -10 * ts;
			times[1] = 0;
			times[2] = ts / 5;
			times[3] = ts;
			times[4] = 10 * ts;
			nt = 5;
		}
		for (size_t i = 0; i < nt; i++)
			if (!run_one(q, cmd, &e, atexpr, times[i], "with @ added: ", &a, why, whylen))
				goto done;
	}
	ok = true;
done:
	arena_free(&a);
	return ok;
}
