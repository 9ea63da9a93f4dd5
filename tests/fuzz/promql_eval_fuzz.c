/* libFuzzer target for the PromQL evaluator.
 *
 * The input is a query; when it parses, it is evaluated against a small
 * fixed in-memory store (counters, gauges with NaN and infinities, classic
 * histogram buckets, staleness markers, a series with gaps) as an instant
 * query at three times and as a range query. Evaluation must end cleanly,
 * with a result or a typed error: the sanitizers report crashes, leaks and
 * undefined behaviour. Limits are tight (samples, time) so that hostile
 * queries such as huge subqueries end quickly with an error. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/labels.h"
#include "../../services/tsdb/promql/eval.h"
#include "../../services/tsdb/promql/memstore.h"
#include "../../services/tsdb/promql/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct promql_memstore *store;
static struct arena store_arena = ARENA_INIT;

static void add(const char *name, const char *k1, const char *v1, const char *k2,
		const char *v2, double (*f)(int))
{
	const char *names[3] = { "__name__", k1, k2 };
	const char *values[3] = { name, v1, v2 };
	struct labels l;

	labels_from_pairs(&store_arena, names, values, k2 ? 3 : k1 ? 2 : 1, &l);
	for (int i = 0; i < 60; i++) {
		double v = f(i);
		if (v == -12345)
			continue; /* a gap */
		promql_memstore_append(store, &l, (int64_t)i * 15000, v);
	}
}

static double counter(int i) { return i * 3.0 - (i > 30 ? 80 : 0); }
static double gauge(int i) { return sin(i) * 100; }
static double weird(int i)
{
	static const double w[] = { 1, NAN, INFINITY, -INFINITY, 0, -0.0, 1e308, -3 };
	return w[i % 8];
}
static double gappy(int i) { return (i / 10) % 2 ? -12345 : i; }
static double stale(int i) { return i % 9 == 4 ? promql_stale_nan() : i; }
static double b1(int i) { return i; }
static double b2(int i) { return i * 2.0; }
static double binf(int i) { return i * 3.0; }

static void setup(void)
{
	store = promql_memstore_new();
	add("c_total", "job", "a", "instance", "1", counter);
	add("c_total", "job", "a", "instance", "2", counter);
	add("c_total", "job", "b", "instance", "1", gauge);
	add("g", "job", "a", NULL, NULL, gauge);
	add("g", "job", "b", NULL, NULL, weird);
	add("gap", NULL, NULL, NULL, NULL, gappy);
	add("stale", "job", "a", NULL, NULL, stale);
	add("h_bucket", "le", "0.5", "job", "a", b1);
	add("h_bucket", "le", "1", "job", "a", b2);
	add("h_bucket", "le", "+Inf", "job", "a", binf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a = ARENA_INIT;
	struct promql_node *n;
	struct promql_error perr;
	struct promql_value v;
	struct promql_eval_error err;
	struct promql_eval_opts o = PROMQL_EVAL_OPTS_INIT;
	static const int64_t times[] = { 0, 437000, 10000000 };

	if (size > 4096)
		return 0;
	if (!store)
		setup();
	o.max_samples = 200000;
	o.timeout_ms = 2000;
	if (promql_parse((const char *)data, size, &a, &n, &perr) == 0) {
		struct promql_querier *q = promql_memstore_querier(store);
		for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
			if (promql_eval_instant(q, n, times[i], &o, &a, &v, &err) < 0 &&
			    (err.type == PROMQL_ERRTYPE_NONE || !err.msg[0]))
				abort(); /* a failure must say what failed */
		}
		if (promql_eval_range(q, n, 0, 900000, 30000, &o, &a, &v, &err) < 0 &&
		    (err.type == PROMQL_ERRTYPE_NONE || !err.msg[0]))
			abort();
		if (promql_eval_range(q, n, -3600000, 3600000, 7000, &o, &a, &v, &err) == 0 &&
		    v.type != PROMQL_TYPE_MATRIX)
			abort();
	}
	arena_free(&a);
	return 0;
}
