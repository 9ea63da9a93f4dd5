/* Unit tests of the PromQL back end's pure pieces (the promqltest series
 * notation, extrapolation, quantiles, regression, number formatting) and
 * of the evaluator's API: result kinds, error classes, limits. */
#include <math.h>
#include <string.h>
#include <time.h>

#include "../../../lib/labels.h"
#include "../../../services/tsdb/promql/eval_internal.h"
#include "../../../services/tsdb/promql/memstore.h"
#include "../../../services/tsdb/promql/parse.h"
#include "../unit.h"

/* The script parser is test code (tests/promql), not part of the library. */
#include "../../promql/script.c"

/* ---- the promqltest notation ---- */

TEST(promqltest_series_expanding_notation)
{
	struct arena a = ARENA_INIT;
	struct pqt_series s;
	char err[200];

	CHECK_INT(pqt_parse_series("m{a=\"x\\ny\", b='z'} 1+2x3 _x2 stale -1x1 1-1x2 Inf -Inf NaN _ 5x0",
				   &a, &s, err, sizeof err), 0);
	CHECK_INT(s.nlabels, 3);
	CHECK_STR(s.labels[0].name, "__name__");
	CHECK_STR(s.labels[0].value, "m");
	CHECK_STR(s.labels[1].value, "x\ny");
	CHECK_STR(s.labels[2].value, "z");
	CHECK_INT(s.nvalues, 4 + 2 + 1 + 2 + 3 + 3 + 1 + 1);
	CHECK_DBL(s.values[0].v, 1);
	CHECK_DBL(s.values[3].v, 7);
	CHECK(s.values[4].omitted && s.values[5].omitted);
	CHECK(promql_is_stale_nan(s.values[6].v));
	CHECK_DBL(s.values[7].v, -1);
	CHECK_DBL(s.values[8].v, -1);
	CHECK_DBL(s.values[9].v, 1);
	CHECK_DBL(s.values[11].v, -1);
	CHECK(isinf(s.values[12].v) && s.values[12].v > 0);
	CHECK(isinf(s.values[13].v) && s.values[13].v < 0);
	CHECK(isnan(s.values[14].v) && !promql_is_stale_nan(s.values[14].v));
	CHECK(s.values[15].omitted);
	CHECK_DBL(s.values[16].v, 5);

	CHECK_INT(pqt_parse_series("{} 1.5e3 .5", &a, &s, err, sizeof err), 0);
	CHECK_INT(s.nlabels, 0);
	CHECK_DBL(s.values[0].v, 1500);
	CHECK_DBL(s.values[1].v, 0.5);
	CHECK_INT(pqt_parse_series("a:b:c 1", &a, &s, err, sizeof err), 0);
	CHECK_STR(s.labels[0].value, "a:b:c");

	CHECK_INT(pqt_parse_series("m 1+x3", &a, &s, err, sizeof err), -1);
	CHECK_INT(pqt_parse_series("m foo", &a, &s, err, sizeof err), -1);
	CHECK_INT(pqt_parse_series("m{a=\"x} 1", &a, &s, err, sizeof err), -1);
	CHECK_INT(pqt_parse_series("m 1x99999999999", &a, &s, err, sizeof err), -1);
	arena_free(&a);
}

TEST(promqltest_durations_numbers_comparison)
{
	int64_t ms;
	double d;

	CHECK_INT(pqt_parse_duration("5m", 2, &ms), 0);
	CHECK_INT(ms, 300000);
	CHECK_INT(pqt_parse_duration("1h30m10s5ms", 11, &ms), 0);
	CHECK_INT(ms, 5410005);
	CHECK_INT(pqt_parse_duration("0", 1, &ms), 0);
	CHECK_INT(ms, 0);
	CHECK_INT(pqt_parse_duration("1y", 2, &ms), 0);
	CHECK_INT(ms, 365LL * 86400000);
	CHECK_INT(pqt_parse_duration("5", 1, &ms), -1);
	CHECK_INT(pqt_parse_duration("1s1m", 4, &ms), -1);
	CHECK_INT(pqt_parse_duration("", 0, &ms), -1);

	CHECK_INT(pqt_parse_number("0x10", &d), 0);
	CHECK_DBL(d, 16);
	CHECK_INT(pqt_parse_number("-Inf", &d), 0);
	CHECK(isinf(d) && d < 0);
	CHECK_INT(pqt_parse_number("1e3", &d), 0);
	CHECK_DBL(d, 1000);
	CHECK_INT(pqt_parse_number("{} 1", &d), -1);

	CHECK(pqt_almost_equal(NAN, NAN));
	CHECK(pqt_almost_equal(INFINITY, INFINITY));
	CHECK(!pqt_almost_equal(INFINITY, -INFINITY));
	CHECK(pqt_almost_equal(1, 1 + 1e-9));
	CHECK(!pqt_almost_equal(1, 1.00001));
	CHECK(!pqt_almost_equal(0, 1e-300));
}

TEST(promqltest_script_commands)
{
	struct arena a = ARENA_INIT;
	struct pqt_script sc;
	char err[200];
	const char *text = "load 5m\n  m{a=\"1\"} 0+1x2\n\n# c\neval_ordered instant at 10m sort(m)\n"
			   "  m{a=\"1\"} 2\n\nclear\neval instant at 0s 1+1\n  2\n";

	CHECK_INT(pqt_script_parse(text, &a, &sc, err, sizeof err), 0);
	CHECK_INT(sc.ncmds, 4);
	CHECK_INT(sc.cmds[0].kind, PQT_LOAD);
	CHECK_INT(sc.cmds[0].step_ms, 300000);
	CHECK_INT(sc.cmds[0].series[0].nvalues, 3);
	CHECK_INT(sc.cmds[1].kind, PQT_EVAL);
	CHECK(sc.cmds[1].ordered);
	CHECK_INT(sc.cmds[1].line, 5);
	CHECK_INT(sc.cmds[1].at_ms, 600000);
	CHECK_STR(sc.cmds[1].expr, "sort(m)");
	CHECK_INT(sc.cmds[1].nexpect, 1);
	CHECK_INT(sc.cmds[2].kind, PQT_CLEAR);
	CHECK_INT(sc.cmds[3].kind, PQT_EVAL);
	CHECK(sc.cmds[3].expect_scalar);
	arena_free(&a);

	struct arena b = ARENA_INIT;
	CHECK_INT(pqt_script_parse("eval instant at 0s 1\n  2\nclear\n", &b, &sc, err, sizeof err), 0);
	CHECK(sc.cmds[0].expect_scalar);
	CHECK_DBL(sc.cmds[0].scalar, 2);
	CHECK_INT(pqt_script_parse("bogus\n", &b, &sc, err, sizeof err), -1);
	CHECK_INT(pqt_script_parse("eval instant 5m x\n", &b, &sc, err, sizeof err), -1);
	arena_free(&b);
}

/* ---- numeric pieces ---- */

static struct promql_point P(int64_t t, double v)
{
	return (struct promql_point){ t, v };
}

TEST(promql_extrapolated_rate_rules)
{
	/* Samples on the window's edges: no extrapolation. */
	struct promql_point a[] = { P(0, 0), P(60000, 60), P(120000, 120) };
	CHECK_DBL(promql_extrapolated_rate(a, 3, 0, 120000, 120000, true, true), 1);
	CHECK_DBL(promql_extrapolated_rate(a, 3, 0, 120000, 120000, true, false), 120);

	/* A counter reset adds the value before the reset. */
	struct promql_point r[] = { P(0, 10), P(10000, 2) };
	CHECK_DBL(promql_extrapolated_rate(r, 2, 0, 10000, 10000, true, false), 2);
	CHECK_DBL(promql_extrapolated_rate(r, 2, 0, 10000, 10000, false, false), -8);

	/* Extrapolation toward the start stops where the counter would be 0. */
	struct promql_point z[] = { P(10000, 5), P(20000, 15), P(30000, 25) };
	CHECK_DBL(promql_extrapolated_rate(z, 3, 0, 40000, 40000, true, false), 35);
	CHECK_DBL(promql_extrapolated_rate(z, 3, 0, 40000, 40000, true, true), 0.875);
	CHECK_DBL(promql_extrapolated_rate(z, 3, 0, 40000, 40000, false, false), 40);

	/* Far from the edges: half an average step on each side. */
	struct promql_point f[] = { P(100000, 0), P(110000, 10) };
	CHECK_DBL(promql_extrapolated_rate(f, 2, 0, 200000, 200000, false, false), 20);
}

/* ev_window_slide() walks the steps in order and must find, at every
 * step, the same window as ev_window_at()'s binary searches, and say
 * whether a point in it is below its predecessor. */
TEST(promql_window_slide_matches_search)
{
	struct promql_point pts[200];
	unsigned seed = 12345;
	int64_t t = -50000;

	for (size_t i = 0; i < 200; i++) {
		seed = seed * 1103515245u + 12345u;
		t += 1 + (int64_t)(seed >> 16) % 30000; /* irregular gaps */
		pts[i] = P(t, (double)((seed >> 8) % 50)); /* frequent drops */
	}
	static const int64_t ranges[] = { 1, 15000, 60000, 300000, 10000000 };
	static const int64_t steps[] = { 1000, 7000, 60000, 400000 };
	static const int64_t offsets[] = { 0, 30000, -90000 };
	for (size_t r = 0; r < 5; r++)
		for (size_t s = 0; s < 4; s++)
			for (size_t o = 0; o < 3; o++)
				for (int at = 0; at < 2; at++) {
					struct ev_window_src w;
					memset(&w, 0, sizeof w);
					w.buf = pts;
					w.nbuf = 200;
					w.range = ranges[r];
					w.offset = offsets[o];
					w.has_at = at;
					w.at = 1234567;
					w.ev_start = -100000;
					for (int64_t ts = -100000; ts < t + 500000; ts += steps[s]) {
						size_t lo1, hi1, lo2, hi2;
						int64_t a1, b1, a2, b2;
						bool drops, want = false;
						ev_window_at(&w, ts, &lo1, &hi1, &a1, &b1);
						ev_window_slide(&w, ts, &lo2, &hi2, &a2, &b2, &drops);
						CHECK(lo1 == lo2 && hi1 == hi2 && a1 == a2 && b1 == b2);
						for (size_t i = lo1 + 1; i < hi1; i++)
							if (pts[i].v < pts[i - 1].v)
								want = true;
						CHECK(drops == want);
					}
				}
}

TEST(promql_bucket_quantile_rules)
{
	struct promql_bucket b[4];

#define B3(a, ca, bb, cb, c, cc) \
	(b[0] = (struct promql_bucket){ a, ca }, b[1] = (struct promql_bucket){ bb, cb }, \
	 b[2] = (struct promql_bucket){ c, cc })
	B3(1, 10, 2, 20, INFINITY, 20);
	CHECK_DBL(promql_bucket_quantile(0.5, b, 3), 1);
	B3(2, 20, INFINITY, 20, 1, 10); /* unsorted input */
	CHECK_DBL(promql_bucket_quantile(0.75, b, 3), 1.5);
	B3(1, 10, 2, 20, INFINITY, 20);
	CHECK_DBL(promql_bucket_quantile(1, b, 3), 2);
	CHECK(isinf(promql_bucket_quantile(-0.1, b, 3)) && promql_bucket_quantile(-0.1, b, 3) < 0);
	CHECK(isinf(promql_bucket_quantile(1.1, b, 3)) && promql_bucket_quantile(1.1, b, 3) > 0);
	CHECK(isnan(promql_bucket_quantile(NAN, b, 3)));
	B3(1, 10, 2, 20, 3, 20); /* no +Inf bucket */
	CHECK(isnan(promql_bucket_quantile(0.5, b, 3)));
	B3(1, 0, 2, 0, INFINITY, 0); /* no observations */
	CHECK(isnan(promql_bucket_quantile(0.5, b, 3)));
	b[0] = (struct promql_bucket){ INFINITY, 5 }; /* +Inf alone */
	CHECK(isnan(promql_bucket_quantile(0.5, b, 1)));
	B3(1, 10, 2, 5, INFINITY, 20); /* non-monotonic counts are fixed up */
	CHECK_DBL(promql_bucket_quantile(0.5, b, 3), 1);
	b[0] = (struct promql_bucket){ 1, 5 };
	b[1] = (struct promql_bucket){ INFINITY, 10 };
	CHECK_DBL(promql_bucket_quantile(0.9, b, 2), 1); /* in +Inf: highest finite bound */
	b[0] = (struct promql_bucket){ -1, 5 };
	b[1] = (struct promql_bucket){ INFINITY, 10 };
	CHECK_DBL(promql_bucket_quantile(0.2, b, 2), -1); /* lowest bucket <= 0 */
	B3(1, 5, 1, 5, INFINITY, 10); /* equal bounds are merged */
	CHECK_DBL(promql_bucket_quantile(0.5, b, 3), 0.5);
#undef B3
}

TEST(promql_quantile_and_regression)
{
	double v[] = { 4, 1, 3, 2 };
	CHECK_DBL(promql_quantile(0.5, v, 4), 2.5);
	CHECK_DBL(promql_quantile(0, v, 4), 1);
	CHECK_DBL(promql_quantile(1, v, 4), 4);
	CHECK(isnan(promql_quantile(0.5, v, 0)));
	CHECK(isinf(promql_quantile(2, v, 4)));

	struct promql_point p[] = { P(0, 1), P(1000, 3), P(2000, 5) };
	double slope, icpt;
	promql_linear_regression(p, 3, 0, &slope, &icpt);
	CHECK_DBL(slope, 2);
	CHECK_DBL(icpt, 1);
	promql_linear_regression(p, 3, 2000, &slope, &icpt);
	CHECK_DBL(icpt, 5);
	struct promql_point c[] = { P(0, 7), P(1000, 7) };
	promql_linear_regression(c, 2, 0, &slope, &icpt);
	CHECK_DBL(slope, 0);
	CHECK_DBL(icpt, 7);
	struct promql_point i[] = { P(0, INFINITY), P(1000, INFINITY) };
	promql_linear_regression(i, 2, 0, &slope, &icpt);
	CHECK(isnan(slope) && isnan(icpt));
}

TEST(promql_format_float_like_go)
{
	char b[400];
	ev_format_float_f(1e20, b, sizeof b);
	CHECK_STR(b, "100000000000000000000");
	ev_format_float_f(0.1, b, sizeof b);
	CHECK_STR(b, "0.1");
	ev_format_float_f(1.5e-7, b, sizeof b);
	CHECK_STR(b, "0.00000015");
	ev_format_float_f(-2, b, sizeof b);
	CHECK_STR(b, "-2");
	ev_format_float_f(123.456, b, sizeof b);
	CHECK_STR(b, "123.456");
	ev_format_float_f(NAN, b, sizeof b);
	CHECK_STR(b, "NaN");
	ev_format_float_f(-INFINITY, b, sizeof b);
	CHECK_STR(b, "-Inf");
	ev_format_float_f(INFINITY, b, sizeof b);
	CHECK_STR(b, "+Inf");
}

/* ---- the evaluator's API ---- */

static struct promql_memstore *load(const char *script)
{
	struct arena a = ARENA_INIT;
	struct pqt_script sc;
	char err[200];
	struct promql_memstore *ms = promql_memstore_new();

	if (pqt_script_parse(script, &a, &sc, err, sizeof err) == 0) {
		for (size_t c = 0; c < sc.ncmds; c++) {
			for (size_t i = 0; i < sc.cmds[c].nseries; i++) {
				const struct pqt_series *s = &sc.cmds[c].series[i];
				const char *names[16], *values[16];
				struct labels l;
				for (size_t j = 0; j < s->nlabels && j < 16; j++) {
					names[j] = s->labels[j].name;
					values[j] = s->labels[j].value;
				}
				labels_from_pairs(&a, names, values, s->nlabels, &l);
				for (size_t j = 0; j < s->nvalues; j++)
					if (!s->values[j].omitted)
						promql_memstore_append(ms, &l,
								       (int64_t)j * sc.cmds[c].step_ms,
								       s->values[j].v);
			}
		}
	}
	arena_free(&a);
	return ms;
}

static int eval_at(struct promql_memstore *ms, struct arena *a, const char *q, int64_t t,
		   const struct promql_eval_opts *o, struct promql_value *out,
		   struct promql_eval_error *err)
{
	struct promql_node *n;
	struct promql_error perr;

	if (promql_parse(q, strlen(q), a, &n, &perr) < 0)
		return -100;
	return promql_eval_instant(promql_memstore_querier(ms), n, t, o, a, out, err);
}

static int eval_range(struct promql_memstore *ms, struct arena *a, const char *q, int64_t s,
		      int64_t e, int64_t step, const struct promql_eval_opts *o,
		      struct promql_value *out, struct promql_eval_error *err)
{
	struct promql_node *n;
	struct promql_error perr;

	if (promql_parse(q, strlen(q), a, &n, &perr) < 0)
		return -100;
	return promql_eval_range(promql_memstore_querier(ms), n, s, e, step, o, a, out, err);
}

TEST(promql_eval_result_kinds)
{
	struct promql_memstore *ms = load("load 10s\n  m{a=\"1\"} 0 1 stale 2\n  m{a=\"2\"} 5x3\n");
	struct arena a = ARENA_INIT;
	struct promql_value v;
	struct promql_eval_error err;

	CHECK_INT(eval_at(ms, &a, "m", 10000, NULL, &v, &err), 0);
	CHECK_INT(v.type, PROMQL_TYPE_VECTOR);
	CHECK_INT(v.u.vector.n, 2);
	CHECK_STR(labels_get(&v.u.vector.samples[0].metric, "a"), "1");
	CHECK_INT(v.u.vector.samples[0].t, 10000);
	CHECK_DBL(v.u.vector.samples[0].v, 1);

	/* The staleness marker at 20s hides m{a="1"}. */
	CHECK_INT(eval_at(ms, &a, "m", 25000, NULL, &v, &err), 0);
	CHECK_INT(v.u.vector.n, 1);
	CHECK_STR(labels_get(&v.u.vector.samples[0].metric, "a"), "2");

	CHECK_INT(eval_at(ms, &a, "scalar(m{a=\"2\"}) * 2", 10000, NULL, &v, &err), 0);
	CHECK_INT(v.type, PROMQL_TYPE_SCALAR);
	CHECK_DBL(v.u.scalar.v, 10);

	CHECK_INT(eval_at(ms, &a, "\"hi\"", 0, NULL, &v, &err), 0);
	CHECK_INT(v.type, PROMQL_TYPE_STRING);
	CHECK_STR(v.u.string.s, "hi");

	/* A range selector gives raw samples; the stale marker is left out. */
	CHECK_INT(eval_at(ms, &a, "m[30s]", 30000, NULL, &v, &err), 0);
	CHECK_INT(v.type, PROMQL_TYPE_MATRIX);
	CHECK_INT(v.u.matrix.n, 2);
	CHECK_INT(v.u.matrix.series[0].npoints, 3);
	CHECK_INT(v.u.matrix.series[0].points[2].t, 30000);
	CHECK_INT(v.u.matrix.series[1].npoints, 4);

	/* A range query is a sorted matrix stamped with the steps. */
	CHECK_INT(eval_range(ms, &a, "m", 0, 30000, 10000, NULL, &v, &err), 0);
	CHECK_INT(v.type, PROMQL_TYPE_MATRIX);
	CHECK_INT(v.u.matrix.n, 2);
	CHECK_STR(labels_get(&v.u.matrix.series[0].metric, "a"), "1");
	CHECK_INT(v.u.matrix.series[0].npoints, 3); /* 0, 10s, 30s */
	CHECK_INT(v.u.matrix.series[0].points[2].t, 30000);
	CHECK_INT(v.u.matrix.series[1].npoints, 4);

	arena_free(&a);
	promql_memstore_free(ms);
}

TEST(promql_eval_errors_have_api_classes)
{
	struct promql_memstore *ms = load("load 10s\n  m{a=\"1\"} 1+1x100\n  n{a=\"1\"} 1+1x100\n"
					  "  o{b=\"1\"} 1\n  o{b=\"2\"} 1\n");
	struct arena a = ARENA_INIT;
	struct promql_value v;
	struct promql_eval_error err;
	struct promql_eval_opts o = PROMQL_EVAL_OPTS_INIT;

	CHECK_INT(eval_at(ms, &a, "-{a=\"1\"}", 0, NULL, &v, &err), PROMQL_ERR_EVAL);
	CHECK_INT(err.type, PROMQL_ERRTYPE_EXECUTION);
	CHECK(strstr(err.msg, "same labelset") != NULL);
	CHECK_STR(promql_errtype_str(err.type), "execution");

	CHECK_INT(eval_at(ms, &a, "m + on() o", 0, NULL, &v, &err), PROMQL_ERR_EVAL);
	CHECK_INT(err.type, PROMQL_ERRTYPE_EXECUTION);
	CHECK(strstr(err.msg, "many-to-many") != NULL);
	CHECK_INT(eval_at(ms, &a, "o + on() m", 0, NULL, &v, &err), PROMQL_ERR_EVAL);
	CHECK(strstr(err.msg, "multiple matches for labels") != NULL);

	CHECK_INT(eval_range(ms, &a, "m", 0, 1000, 0, NULL, &v, &err), PROMQL_ERR_EVAL);
	CHECK_INT(err.type, PROMQL_ERRTYPE_BAD_DATA);
	CHECK_INT(eval_range(ms, &a, "m", 1000, 0, 10, NULL, &v, &err), PROMQL_ERR_EVAL);
	CHECK_INT(err.type, PROMQL_ERRTYPE_BAD_DATA);
	CHECK_INT(eval_range(ms, &a, "m", 0, 11002, 1, NULL, &v, &err), PROMQL_ERR_EVAL);
	CHECK_INT(err.type, PROMQL_ERRTYPE_BAD_DATA);
	CHECK_INT(eval_range(ms, &a, "m", 0, 11000, 1, NULL, &v, &err), 0);
	CHECK_INT(eval_range(ms, &a, "m[1m]", 0, 1000, 10, NULL, &v, &err), PROMQL_ERR_EVAL);
	CHECK_INT(err.type, PROMQL_ERRTYPE_BAD_DATA);
	CHECK_INT(eval_at(ms, &a, "m", PROMQL_MAX_TIME_MS + 1, NULL, &v, &err), PROMQL_ERR_EVAL);
	CHECK_INT(err.type, PROMQL_ERRTYPE_BAD_DATA);

	o.max_samples = 50;
	CHECK_INT(eval_range(ms, &a, "m", 0, 100000, 1000, &o, &v, &err), PROMQL_ERR_EVAL);
	CHECK_INT(err.type, PROMQL_ERRTYPE_EXECUTION);
	CHECK(strstr(err.msg, "samples") != NULL);
	CHECK_INT(eval_at(ms, &a, "sum_over_time(m[1000s])", 1000000, &o, &v, &err), PROMQL_ERR_EVAL);
	CHECK_INT(eval_at(ms, &a, "sum_over_time(m[100s])", 1000000, &o, &v, &err), 0);
	CHECK_DBL(v.u.vector.samples[0].v, 91 + 92 + 93 + 94 + 95 + 96 + 97 + 98 + 99 + 100 + 101);

	/* a long subquery of a cheap expression: its steps alone must
	 * notice the deadline (1 ms; the query needs seconds) */
	o.max_samples = 0;
	o.timeout_ms = 1;
	CHECK_INT(eval_at(ms, &a, "count_over_time(vector(1)[30d:1s])", 2592000000, &o, &v, &err),
		  PROMQL_ERR_EVAL);
	CHECK_INT(err.type, PROMQL_ERRTYPE_TIMEOUT);
	o.timeout_ms = 0;

	volatile int cancel = 1;
	o.cancel = &cancel;
	CHECK_INT(eval_at(ms, &a, "m", 0, &o, &v, &err), PROMQL_ERR_EVAL);
	CHECK_INT(err.type, PROMQL_ERRTYPE_CANCELED);

	CHECK_INT(eval_at(ms, &a, "holt_winters(m[1m], 2, 0.5)", 60000, NULL, &v, &err),
		  PROMQL_ERR_EVAL);
	CHECK(strstr(err.msg, "smoothing factor") != NULL);
	CHECK_INT(eval_at(ms, &a, "label_replace(m, \"a-b\", \"x\", \"a\", \".*\")", 0, NULL, &v,
			  &err), PROMQL_ERR_EVAL);
	CHECK_INT(eval_at(ms, &a, "count_values(\"1x\", m)", 0, NULL, &v, &err), PROMQL_ERR_EVAL);
	CHECK_INT(eval_at(ms, &a, "topk(1e300, m)", 0, NULL, &v, &err), PROMQL_ERR_EVAL);

	arena_free(&a);
	promql_memstore_free(ms);
}

TEST(promql_eval_semantics_spot_checks)
{
	struct promql_memstore *ms = load("load 1m\n  c{i=\"a\"} 0+60x10\n  c{i=\"b\"} 0+120x10\n"
					  "  h{le=\"1\"} 10x10\n  h{le=\"+Inf\"} 20x10\n");
	struct arena a = ARENA_INIT;
	struct promql_value v;
	struct promql_eval_error err;

	CHECK_INT(eval_at(ms, &a, "rate(c{i=\"a\"}[5m])", 600000, NULL, &v, &err), 0);
	CHECK_DBL(v.u.vector.samples[0].v, 1);
	CHECK_INT(eval_at(ms, &a, "histogram_quantile(0.75, h)", 0, NULL, &v, &err), 0);
	CHECK_DBL(v.u.vector.samples[0].v, 1); /* rank in +Inf: highest finite bound */
	CHECK_INT(eval_at(ms, &a, "sort_desc(c)", 600000, NULL, &v, &err), 0);
	CHECK_STR(labels_get(&v.u.vector.samples[0].metric, "i"), "b");
	CHECK_INT(eval_at(ms, &a, "count_values(\"v\", c)", 60000, NULL, &v, &err), 0);
	CHECK_INT(v.u.vector.n, 2);
	CHECK_STR(labels_get(&v.u.vector.samples[0].metric, "v"), "60");
	/* Subquery steps are aligned to multiples of the step. */
	CHECK_INT(eval_at(ms, &a, "count_over_time(c{i=\"a\"}[2m:50s])", 601000, NULL, &v, &err), 0);
	CHECK_DBL(v.u.vector.samples[0].v, 3); /* 500s, 550s, 600s */
	CHECK_INT(eval_at(ms, &a, "absent(nope{x=\"y\"})", 0, NULL, &v, &err), 0);
	CHECK_STR(labels_get(&v.u.vector.samples[0].metric, "x"), "y");
	arena_free(&a);
	promql_memstore_free(ms);
}

/* A range function inside a subquery with billions of tiny steps: the
 * steps whose window is empty are skipped, not visited one by one, and the
 * scratch array is not sized by the step count (8.64e9 steps here). */
TEST(promql_eval_range_function_skips_empty_steps)
{
	struct promql_memstore *ms = load("load 1m\n  m{i=\"1\"} 0+1x60\n");
	struct arena a = ARENA_INIT;
	struct promql_value v;
	struct promql_eval_error err;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT(eval_at(ms, &a, "max_over_time(rate(m[1m])[100d:1ms])", 3600000, NULL, &v, &err),
		  0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK_INT(v.u.vector.n, 1);
	CHECK_DBL(v.u.vector.samples[0].v, 1.0 / 60);
	CHECK(t1.tv_sec - t0.tv_sec < 10);
	/* Where windows are not empty, the outputs still count: a
	 * count_over_time at every millisecond of the hour of data. */
	struct promql_eval_opts o = { 0 };
	o.max_samples = 100000;
	CHECK(eval_at(ms, &a, "max_over_time(count_over_time(m[1m])[100d:1ms])", 3600000, &o, &v,
		      &err) != 0);
	CHECK_INT(err.type, PROMQL_ERRTYPE_EXECUTION);
	arena_free(&a);
	promql_memstore_free(ms);
}
