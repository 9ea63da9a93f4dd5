#include <math.h>

#include "../../../lib/labels.h"
#include "../../../services/tsdb/promql/memstore.h"
#include "../unit.h"

static struct labels mk(struct arena *a, const char *name, const char *k, const char *v)
{
	const char *names[2] = { "__name__", k };
	const char *values[2] = { name, v };
	struct labels l;

	labels_from_pairs(a, names, values, k ? 2 : 1, &l);
	return l;
}

static int sel(struct promql_querier *q, struct arena *a, enum labels_match_type t,
	       const char *name, const char *value, int64_t mint, int64_t maxt,
	       struct promql_storage_series **out, size_t *n)
{
	struct labels_matcher m;

	if (labels_matcher_init(&m, a, t, name, value, NULL) < 0)
		return -100;
	return q->select(q, &m, 1, mint, maxt, a, out, n);
}

TEST(memstore_appends_and_selects_sorted)
{
	struct arena a = ARENA_INIT;
	struct promql_memstore *ms = promql_memstore_new();
	struct promql_querier *q = promql_memstore_querier(ms);
	struct labels b = mk(&a, "m", "i", "b"), c = mk(&a, "m", "i", "a"), o = mk(&a, "other", NULL, NULL);
	struct promql_storage_series *ss;
	size_t n;

	CHECK_INT(promql_memstore_append(ms, &b, 0, 1), 0);
	CHECK_INT(promql_memstore_append(ms, &c, 0, 2), 0);
	CHECK_INT(promql_memstore_append(ms, &o, 0, 3), 0);
	CHECK_INT(promql_memstore_append(ms, &b, 10, 4), 0);
	CHECK_INT(promql_memstore_series_count(ms), 3);
	CHECK_INT(promql_memstore_sample_count(ms), 4);

	CHECK_INT(sel(q, &a, LABELS_MATCH_EQ, "__name__", "m", 0, 100, &ss, &n), 0);
	CHECK_INT(n, 2);
	CHECK_STR(labels_get(&ss[0].labels, "i"), "a");
	CHECK_STR(labels_get(&ss[1].labels, "i"), "b");

	int64_t t;
	double v;
	CHECK_INT(ss[1].iter->next(ss[1].iter, &t, &v), 1);
	CHECK_INT(t, 0);
	CHECK_DBL(v, 1);
	CHECK_INT(ss[1].iter->next(ss[1].iter, &t, &v), 1);
	CHECK_INT(t, 10);
	CHECK_DBL(v, 4);
	CHECK_INT(ss[1].iter->next(ss[1].iter, &t, &v), 0);
	CHECK_INT(ss[1].iter->next(ss[1].iter, &t, &v), 0);

	/* A label a series lacks matches as the empty value. */
	CHECK_INT(sel(q, &a, LABELS_MATCH_EQ, "i", "", 0, 100, &ss, &n), 0);
	CHECK_INT(n, 1);
	CHECK_STR(labels_get(&ss[0].labels, "__name__"), "other");
	CHECK_INT(sel(q, &a, LABELS_MATCH_RE, "i", "a|b", 0, 100, &ss, &n), 0);
	CHECK_INT(n, 2);
	CHECK_INT(sel(q, &a, LABELS_MATCH_NRE, "i", "a", 0, 100, &ss, &n), 0);
	CHECK_INT(n, 2); /* i="b" and the series without i */
	CHECK_INT(sel(q, &a, LABELS_MATCH_NEQ, "__name__", "m", 0, 100, &ss, &n), 0);
	CHECK_INT(n, 1);

	q->close(q);
	promql_memstore_free(ms);
	arena_free(&a);
}

TEST(memstore_restricts_to_time_range)
{
	struct arena a = ARENA_INIT;
	struct promql_memstore *ms = promql_memstore_new();
	struct promql_querier *q = promql_memstore_querier(ms);
	struct labels l = mk(&a, "m", NULL, NULL);
	struct promql_storage_series *ss;
	size_t n;
	int64_t t;
	double v;

	for (int i = 0; i < 10; i++)
		CHECK_INT(promql_memstore_append(ms, &l, i * 10, i), 0);
	CHECK_INT(sel(q, &a, LABELS_MATCH_EQ, "__name__", "m", 25, 60, &ss, &n), 0);
	CHECK_INT(n, 1);
	for (int want = 30; want <= 60; want += 10) {
		CHECK_INT(ss[0].iter->next(ss[0].iter, &t, &v), 1);
		CHECK_INT(t, want);
		CHECK_DBL(v, want / 10);
	}
	CHECK_INT(ss[0].iter->next(ss[0].iter, &t, &v), 0);

	/* Bounds are inclusive. */
	CHECK_INT(sel(q, &a, LABELS_MATCH_EQ, "__name__", "m", 90, 90, &ss, &n), 0);
	CHECK_INT(n, 1);
	CHECK_INT(ss[0].iter->next(ss[0].iter, &t, &v), 1);
	CHECK_INT(t, 90);

	/* No sample in range: not selected. */
	CHECK_INT(sel(q, &a, LABELS_MATCH_EQ, "__name__", "m", 91, 200, &ss, &n), 0);
	CHECK_INT(n, 0);

	q->close(q);
	promql_memstore_free(ms);
	arena_free(&a);
}

TEST(memstore_rejects_out_of_order_and_conflicting_duplicates)
{
	struct arena a = ARENA_INIT;
	struct promql_memstore *ms = promql_memstore_new();
	struct labels l = mk(&a, "m", NULL, NULL);
	struct labels empty = LABELS_EMPTY;

	CHECK_INT(promql_memstore_append(ms, &l, 10, 1), 0);
	CHECK_INT(promql_memstore_append(ms, &l, 5, 1), PROMQL_MEMSTORE_OUT_OF_ORDER);
	CHECK_INT(promql_memstore_append(ms, &l, 10, 2), PROMQL_MEMSTORE_DUPLICATE);
	CHECK_INT(promql_memstore_append(ms, &l, 10, 1), 0); /* same sample again */
	CHECK_INT(promql_memstore_append(ms, &l, 20, promql_stale_nan()), 0);
	CHECK_INT(promql_memstore_append(ms, &l, 20, promql_stale_nan()), 0);
	CHECK_INT(promql_memstore_append(ms, &l, 20, NAN), PROMQL_MEMSTORE_DUPLICATE);
	CHECK_INT(promql_memstore_append(ms, &empty, 0, 1), PROMQL_MEMSTORE_BAD_LABELS);
	CHECK_INT(promql_memstore_sample_count(ms), 2);

	promql_memstore_clear(ms);
	CHECK_INT(promql_memstore_series_count(ms), 0);
	CHECK_INT(promql_memstore_append(ms, &l, 5, 1), 0);
	promql_memstore_free(ms);
	arena_free(&a);
}

TEST(memstore_many_series_hash_table_grows)
{
	struct arena a = ARENA_INIT;
	struct promql_memstore *ms = promql_memstore_new();
	struct promql_querier *q = promql_memstore_querier(ms);
	struct promql_storage_series *ss;
	size_t n;

	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 1000; i++) {
			char *v = arena_printf(&a, "%04d", 999 - i);
			struct labels l = mk(&a, "m", "i", v);
			CHECK_INT(promql_memstore_append(ms, &l, round, i), 0);
		}
	}
	CHECK_INT(promql_memstore_series_count(ms), 1000);
	CHECK_INT(sel(q, &a, LABELS_MATCH_RE, "i", "00.*", 0, 10, &ss, &n), 0);
	CHECK_INT(n, 100);
	CHECK_STR(labels_get(&ss[0].labels, "i"), "0000");
	CHECK_STR(labels_get(&ss[99].labels, "i"), "0099");
	promql_memstore_free(ms);
	arena_free(&a);
}

TEST(memstore_stale_nan_helpers)
{
	double s = promql_stale_nan();
	CHECK(isnan(s));
	CHECK(promql_is_stale_nan(s));
	CHECK(!promql_is_stale_nan(NAN));
	CHECK(!promql_is_stale_nan(1));
}
