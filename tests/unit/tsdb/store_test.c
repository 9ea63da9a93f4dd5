/* The LMDB store: append/query round trips, restart, rejections, many
 * series and matchers, snapshots, retention, concurrency, and the PromQL
 * engine over it against the in-memory store. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../../lib/labels.h"
#include "../../../lib/metricset.h"
#include "../../../services/tsdb/promql/eval.h"
#include "../../../services/tsdb/promql/memstore.h"
#include "../../../services/tsdb/promql/parse.h"
#include "../../../services/tsdb/store/store.h"
#include "../../../services/tsdb/store/store_internal.h"
#include "../unit.h"

static void st_tmpdir(char *dir, size_t n)
{
	snprintf(dir, n, "/tmp/pharos-store-test-XXXXXX");
	if (!mkdtemp(dir))
		abort();
}

static void st_rmdir(const char *dir)
{
	const char *files[] = { "data.mdb", "lock.mdb", "lock" };
	char p[512];

	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

static struct tsdb_store *st_open(const char *dir, int64_t retention_ms)
{
	struct tsdb_store_opts o = { dir, retention_ms, 0, 60000, 0 };
	struct tsdb_store *s = NULL;
	char err[256];

	if (tsdb_store_open(&s, &o, err, sizeof err) < 0) {
		fprintf(stderr, "open: %s\n", err);
		return NULL;
	}
	return s;
}

static struct labels st_labels(struct arena *a, const char *name, const char *k1, const char *v1,
			       const char *k2, const char *v2)
{
	const char *names[3] = { "__name__", k1, k2 };
	const char *values[3] = { name, v1, v2 };
	struct labels l;

	labels_from_pairs(a, names, values, k2 ? 3 : k1 ? 2 : 1, &l);
	return l;
}

static int st_select(struct promql_querier *q, struct arena *a, enum labels_match_type t,
		     const char *name, const char *value, int64_t mint, int64_t maxt,
		     struct promql_storage_series **out, size_t *n)
{
	struct labels_matcher m;

	if (labels_matcher_init(&m, a, t, name, value, NULL) < 0)
		return -100;
	return q->select(q, &m, 1, mint, maxt, a, out, n);
}

/* Count the samples of one iterator, checking increasing times. */
static long st_count(struct promql_iter *it, int64_t *first, int64_t *last, double *lastv)
{
	int64_t t, prev = INT64_MIN;
	double v;
	long n = 0;
	int rc;

	while ((rc = it->next(it, &t, &v)) == 1) {
		if (t <= prev)
			return -1;
		if (n == 0 && first)
			*first = t;
		prev = t;
		n++;
		if (lastv)
			*lastv = v;
	}
	if (last)
		*last = prev;
	return rc < 0 ? -1 : n;
}

TEST(store_append_query_restart)
{
	char dir[64];
	struct arena a = ARENA_INIT;
	struct promql_storage_series *ss;
	size_t n;
	int64_t t0 = 1700000000000LL;

	st_tmpdir(dir, sizeof dir);
	struct tsdb_store *s = st_open(dir, 0);
	CHECK(s);
	/* A second opener is refused while the first holds the store. */
	struct tsdb_store_opts o = { dir, 0, 0, 0, 0 };
	struct tsdb_store *s2 = NULL;
	char err[256];
	CHECK(tsdb_store_open(&s2, &o, err, sizeof err) < 0);
	CHECK(strstr(err, "in use") != NULL);

	struct labels l1 = st_labels(&a, "up", "job", "a", NULL, NULL);
	struct labels l2 = st_labels(&a, "up", "job", "b", NULL, NULL);
	uint64_t r1 = 0, r2 = 0;
	/* Two hours of 15 s samples: four windows, chunks cut along the way. */
	for (int i = 0; i < 480; i++) {
		struct tsdb_appender *ap = tsdb_appender_begin(s);
		CHECK_INT(tsdb_append(ap, &r1, i ? NULL : &l1, t0 + i * 15000LL, i * 1.5), 0);
		CHECK_INT(tsdb_append(ap, &r2, &l2, t0 + i * 15000LL, i % 10 == 9 ? promql_stale_nan() : i), 0);
		CHECK_INT(tsdb_appender_commit(ap), 0);
		if (i % 100 == 50)
			CHECK_INT(tsdb_store_flush(s), 0);
	}
	CHECK(r1 != 0 && r2 != 0 && r1 != r2);

	for (int pass = 0; pass < 3; pass++) {
		struct promql_querier *q = tsdb_querier(s, t0, t0 + 480 * 15000LL);
		CHECK(q);
		CHECK_INT(st_select(q, &a, LABELS_MATCH_EQ, "__name__", "up", t0, t0 + 480 * 15000LL, &ss, &n), 0);
		CHECK_INT(n, 2);
		CHECK_STR(labels_get(&ss[0].labels, "job"), "a");
		CHECK_STR(labels_get(&ss[1].labels, "job"), "b");
		int64_t first, last;
		double lastv;
		CHECK_INT(st_count(ss[0].iter, &first, &last, &lastv), 480);
		CHECK_INT(first, t0);
		CHECK_INT(last, t0 + 479 * 15000LL);
		CHECK_DBL(lastv, 479 * 1.5);
		/* Stale markers come back bit for bit. */
		int64_t t;
		double v;
		int stale = 0;
		while (ss[1].iter->next(ss[1].iter, &t, &v) == 1)
			stale += promql_is_stale_nan(v);
		CHECK_INT(stale, 48);
		/* A sub-range. */
		CHECK_INT(st_select(q, &a, LABELS_MATCH_EQ, "job", "a", t0 + 1000, t0 + 60000, &ss, &n), 0);
		CHECK_INT(n, 1);
		CHECK_INT(st_count(ss[0].iter, &first, NULL, NULL), 4);
		CHECK_INT(first, t0 + 15000);
		q->close(q);
		/* Restart: close (flushes) and open again; then a crash-like
		 * restart of a copy is covered by store_kill_recovery. */
		tsdb_store_close(s);
		s = st_open(dir, 0);
		CHECK(s);
	}
	/* Appending goes on after a restart, through the labels. */
	struct tsdb_appender *ap = tsdb_appender_begin(s);
	uint64_t r = 0;
	CHECK_INT(tsdb_append(ap, &r, &l1, t0 + 480 * 15000LL, 7), 0);
	CHECK_INT(r, r1);
	CHECK_INT(tsdb_append(ap, &r, NULL, t0 + 478 * 15000LL, 7), TSDB_ERR_OUT_OF_ORDER);
	CHECK_INT(tsdb_append(ap, &r, NULL, t0 + 479 * 15000LL, 7), TSDB_ERR_DUPLICATE);
	CHECK_INT(tsdb_appender_commit(ap), 0);
	tsdb_store_close(s);
	st_rmdir(dir);
	arena_free(&a);
}

TEST(store_rejects_per_sample)
{
	char dir[64];
	struct arena a = ARENA_INIT;
	int64_t t0 = 1700000000000LL;

	st_tmpdir(dir, sizeof dir);
	struct tsdb_store *s = st_open(dir, 3600 * 1000LL);
	CHECK(s);
	struct labels l = st_labels(&a, "m", NULL, NULL, NULL, NULL);
	struct tsdb_appender *ap = tsdb_appender_begin(s);
	uint64_t r = 0, bad = 0;
	CHECK_INT(tsdb_append(ap, &r, &l, t0, 1), 0);
	CHECK_INT(tsdb_appender_commit(ap), 0);
	ap = tsdb_appender_begin(s);
	CHECK_INT(tsdb_append(ap, &r, NULL, t0 - 1, 1), TSDB_ERR_OUT_OF_ORDER);
	CHECK_INT(tsdb_append(ap, &r, NULL, t0, 2), TSDB_ERR_DUPLICATE);
	CHECK_INT(tsdb_append(ap, &r, NULL, t0, 1), 0); /* same value: ignored */
	CHECK_INT(tsdb_append(ap, &r, NULL, t0 + 1, NAN), 0);
	CHECK_INT(tsdb_append(ap, &r, NULL, t0 + 2, -INFINITY), 0);
	bad = 999999;
	CHECK_INT(tsdb_append(ap, &bad, NULL, t0, 1), TSDB_ERR_UNKNOWN_REF);
	bad = 0;
	struct labels empty = LABELS_EMPTY;
	CHECK_INT(tsdb_append(ap, &bad, &empty, t0, 1), TSDB_ERR_LABELS);
	struct labels noname = st_labels(&a, "x", NULL, NULL, NULL, NULL);
	struct label nl[1] = { { "job", "x" } };
	noname.v = nl;
	noname.n = 1;
	CHECK_INT(tsdb_append(ap, &bad, &noname, t0, 1), TSDB_ERR_LABELS);
	struct label unsorted[2] = { { "__name__", "m" }, { "a", "x" } };
	struct labels us = { unsorted, 2 };
	unsorted[0].name = "z";
	CHECK_INT(tsdb_append(ap, &bad, &us, t0, 1), TSDB_ERR_LABELS);
	CHECK_INT(tsdb_appender_commit(ap), 0);
	/* Out of bounds: far older than the newest sample. */
	ap = tsdb_appender_begin(s);
	uint64_t r2 = 0;
	struct labels l2 = st_labels(&a, "m2", NULL, NULL, NULL, NULL);
	CHECK_INT(tsdb_append(ap, &r2, &l2, t0 - 2 * 3600 * 1000LL, 1), TSDB_ERR_OUT_OF_BOUNDS);
	/* A rolled back batch leaves nothing. */
	CHECK_INT(tsdb_append(ap, &r, NULL, t0 + 100, 5), 0);
	tsdb_appender_rollback(ap);

	struct promql_querier *q = tsdb_querier(s, t0 - 10, t0 + 1000);
	struct promql_storage_series *ss;
	size_t n;
	CHECK_INT(st_select(q, &a, LABELS_MATCH_EQ, "__name__", "m", t0 - 10, t0 + 1000, &ss, &n), 0);
	CHECK_INT(n, 1);
	int64_t last;
	double lastv;
	CHECK_INT(st_count(ss[0].iter, NULL, &last, &lastv), 3);
	CHECK_INT(last, t0 + 2);
	CHECK(isinf(lastv) && lastv < 0);
	q->close(q);

	struct mset ms;
	struct buf out = BUF_INIT;
	mset_init(&ms);
	tsdb_store_metrics(s, &ms);
	mset_write(&ms, &out);
	CHECK(strstr(out.p, "prometheus_tsdb_out_of_order_samples_total{type=\"float\"} 1") != NULL);
	CHECK(strstr(out.p, "prometheus_tsdb_head_samples_appended_total{type=\"float\"} 3") != NULL);
	CHECK(strstr(out.p, "prometheus_tsdb_out_of_bound_samples_total{type=\"float\"} 1") != NULL);
	CHECK(strstr(out.p, "prometheus_tsdb_head_series 2") != NULL);
	buf_free(&out);
	mset_free(&ms);
	tsdb_store_close(s);
	st_rmdir(dir);
	arena_free(&a);
}

TEST(store_many_series_matchers_labels)
{
	char dir[64];
	struct arena a = ARENA_INIT;
	int64_t t0 = 1700000000000LL;

	st_tmpdir(dir, sizeof dir);
	struct tsdb_store *s = st_open(dir, 0);
	CHECK(s);
	char name[32], inst[32];
	struct tsdb_appender *ap = tsdb_appender_begin(s);
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof name, "metric_%d", i % 20);
		snprintf(inst, sizeof inst, "host%d", i / 20);
		struct labels l = i % 100 == 0 ? st_labels(&a, name, "inst", inst, NULL, NULL)
					       : st_labels(&a, name, "inst", inst, "zone", i % 2 ? "east" : "west");
		uint64_t r = 0;
		CHECK_INT(tsdb_append(ap, &r, &l, t0, i), 0);
		if (i == 999) { /* half of them reach LMDB before the query */
			CHECK_INT(tsdb_appender_commit(ap), 0);
			CHECK_INT(tsdb_store_flush(s), 0);
			ap = tsdb_appender_begin(s);
		}
	}
	CHECK_INT(tsdb_appender_commit(ap), 0);

	struct promql_querier *q = tsdb_querier(s, t0, t0);
	struct promql_storage_series *ss;
	size_t n;
	CHECK_INT(st_select(q, &a, LABELS_MATCH_EQ, "__name__", "metric_3", t0, t0, &ss, &n), 0);
	CHECK_INT(n, 100);
	for (size_t i = 1; i < n; i++)
		CHECK(labels_cmp(&ss[i - 1].labels, &ss[i].labels) < 0);
	CHECK_INT(st_select(q, &a, LABELS_MATCH_NEQ, "zone", "east", t0, t0, &ss, &n), 0);
	CHECK_INT(n, 1000);
	CHECK_INT(st_select(q, &a, LABELS_MATCH_RE, "inst", "host1.", t0, t0, &ss, &n), 0);
	CHECK_INT(n, 200);
	CHECK_INT(st_select(q, &a, LABELS_MATCH_NRE, "__name__", "metric_1.*", t0, t0, &ss, &n), 0);
	CHECK_INT(n, 900); /* metric_1 and metric_10..19 left out */
	/* A missing label matches as "": zone="" picks those without one. */
	CHECK_INT(st_select(q, &a, LABELS_MATCH_EQ, "zone", "", t0, t0, &ss, &n), 0);
	CHECK_INT(n, 20);
	CHECK_INT(st_select(q, &a, LABELS_MATCH_RE, "zone", "west|", t0, t0, &ss, &n), 0);
	CHECK_INT(n, 1000);
	/* Two matchers at once. */
	struct labels_matcher m2[2];
	CHECK_INT(labels_matcher_init(&m2[0], &a, LABELS_MATCH_EQ, "__name__", "metric_4", NULL), 0);
	CHECK_INT(labels_matcher_init(&m2[1], &a, LABELS_MATCH_RE, "inst", "host(1|2)", NULL), 0);
	CHECK_INT(q->select(q, m2, 2, t0, t0, &a, &ss, &n), 0);
	CHECK_INT(n, 2);
	CHECK_STR(labels_get(&ss[0].labels, "inst"), "host1");
	double v;
	int64_t t;
	CHECK_INT(ss[0].iter->next(ss[0].iter, &t, &v), 1);
	CHECK_DBL(v, 24);
	/* Outside the time range nothing is selected. */
	CHECK_INT(st_select(q, &a, LABELS_MATCH_EQ, "__name__", "metric_3", t0 + 3600000 * 5, t0 + 3600000 * 6, &ss, &n), 0);
	CHECK_INT(n, 0);
	q->close(q);

	const char **vals;
	CHECK_INT(tsdb_label_names(s, &a, &vals, &n), 0);
	CHECK_INT(n, 3);
	CHECK_STR(vals[0], "__name__");
	CHECK_STR(vals[1], "inst");
	CHECK_STR(vals[2], "zone");
	CHECK_INT(tsdb_label_values(s, "zone", &a, &vals, &n), 0);
	CHECK_INT(n, 2);
	CHECK_STR(vals[0], "east");
	CHECK_INT(tsdb_label_values(s, "inst", &a, &vals, &n), 0);
	CHECK_INT(n, 100);
	CHECK_INT(tsdb_label_values(s, "nope", &a, &vals, &n), 0);
	CHECK_INT(n, 0);
	struct tsdb_status stt;
	CHECK_INT(tsdb_store_flush(s), 0);
	CHECK_INT(tsdb_store_status(s, &a, &stt), 0);
	CHECK_INT(stt.num_series, 2000);
	CHECK_INT(stt.n_series_by_metric, 10);
	CHECK_INT(stt.series_by_metric[0].value, 100);
	CHECK_STR(stt.values_by_label[0].name, "inst");
	CHECK_INT(stt.values_by_label[0].value, 100);
	tsdb_store_close(s);
	st_rmdir(dir);
	arena_free(&a);
}

TEST(store_querier_is_a_snapshot)
{
	char dir[64];
	struct arena a = ARENA_INIT;
	int64_t t0 = 1700000000000LL;
	uint64_t r = 0;

	st_tmpdir(dir, sizeof dir);
	struct tsdb_store *s = st_open(dir, 0);
	CHECK(s);
	struct labels l = st_labels(&a, "m", NULL, NULL, NULL, NULL);
	for (int i = 0; i < 10; i++) {
		struct tsdb_appender *ap = tsdb_appender_begin(s);
		CHECK_INT(tsdb_append(ap, &r, &l, t0 + i * 60000LL, i), 0);
		CHECK_INT(tsdb_appender_commit(ap), 0);
	}
	struct promql_querier *q = tsdb_querier(s, 0, INT64_MAX);
	/* After the snapshot: more samples, a cut across a window, a flush,
	 * a new series. None of it is seen. */
	for (int i = 10; i < 100; i++) {
		struct tsdb_appender *ap = tsdb_appender_begin(s);
		CHECK_INT(tsdb_append(ap, &r, &l, t0 + i * 60000LL, i), 0);
		CHECK_INT(tsdb_appender_commit(ap), 0);
		if (i % 20 == 0)
			CHECK_INT(tsdb_store_flush(s), 0);
	}
	struct labels l2 = st_labels(&a, "m", "x", "y", NULL, NULL);
	struct tsdb_appender *ap = tsdb_appender_begin(s);
	uint64_t r2 = 0;
	CHECK_INT(tsdb_append(ap, &r2, &l2, t0 + 99 * 60000LL, 1), 0);
	CHECK_INT(tsdb_appender_commit(ap), 0);
	CHECK_INT(tsdb_store_flush(s), 0);

	struct promql_storage_series *ss;
	size_t n;
	CHECK_INT(st_select(q, &a, LABELS_MATCH_EQ, "__name__", "m", INT64_MIN, INT64_MAX, &ss, &n), 0);
	CHECK_INT(n, 1);
	int64_t last;
	CHECK_INT(st_count(ss[0].iter, NULL, &last, NULL), 10);
	CHECK_INT(last, t0 + 9 * 60000LL);
	q->close(q);
	q = tsdb_querier(s, 0, INT64_MAX);
	CHECK_INT(st_select(q, &a, LABELS_MATCH_EQ, "__name__", "m", INT64_MIN, INT64_MAX, &ss, &n), 0);
	CHECK_INT(n, 2);
	CHECK_INT(st_count(ss[0].iter, NULL, &last, NULL), 100);
	q->close(q);
	tsdb_store_close(s);
	st_rmdir(dir);
	arena_free(&a);
}

TEST(store_retention_by_time_and_size)
{
	char dir[64];
	struct arena a = ARENA_INIT;
	int64_t t0 = 1700000000000LL, day = 24 * 3600 * 1000LL;
	uint64_t r = 0;

	st_tmpdir(dir, sizeof dir);
	struct tsdb_store *s = st_open(dir, day);
	CHECK(s);
	struct labels l = st_labels(&a, "m", NULL, NULL, NULL, NULL);
	/* Three days at one sample a minute. */
	for (int i = 0; i < 3 * 1440; i++) {
		struct tsdb_appender *ap = tsdb_appender_begin(s);
		CHECK_INT(tsdb_append(ap, &r, &l, t0 + i * 60000LL, i), 0);
		CHECK_INT(tsdb_appender_commit(ap), 0);
		if (i % 200 == 0)
			CHECK_INT(tsdb_store_flush(s), 0);
	}
	CHECK_INT(tsdb_store_flush(s), 0);
	struct promql_querier *q = tsdb_querier(s, 0, INT64_MAX);
	struct promql_storage_series *ss;
	size_t n;
	int64_t first;
	CHECK_INT(st_select(q, &a, LABELS_MATCH_EQ, "__name__", "m", INT64_MIN, INT64_MAX, &ss, &n), 0);
	CHECK_INT(n, 1);
	long cnt = st_count(ss[0].iter, &first, NULL, NULL);
	/* About one day (plus at most a window) is left. */
	CHECK(cnt >= 1440 && cnt <= 1440 + 60);
	CHECK(first >= t0 + 3 * 1440 * 60000LL - day - 30 * 60000LL - 60000);
	q->close(q);
	tsdb_store_close(s);
	st_rmdir(dir);

	/* Size: a tiny limit keeps only the newest windows. */
	st_tmpdir(dir, sizeof dir);
	struct tsdb_store_opts o = { dir, 0, 400 * 1024, 60000, 0 };
	char err[256];
	CHECK_INT(tsdb_store_open(&s, &o, err, sizeof err), 0);
	char name[32];
	for (int i = 0; i < 600; i++) {
		struct tsdb_appender *ap = tsdb_appender_begin(s);
		for (int k = 0; k < 100; k++) {
			snprintf(name, sizeof name, "m%d", k);
			struct labels lk = st_labels(&a, name, NULL, NULL, NULL, NULL);
			uint64_t rk = 0;
			CHECK_INT(tsdb_append(ap, &rk, &lk, t0 + i * 600000LL, (double)i / 3.0), 0);
		}
		CHECK_INT(tsdb_appender_commit(ap), 0);
		CHECK_INT(tsdb_store_flush(s), 0);
	}
	q = tsdb_querier(s, 0, INT64_MAX);
	CHECK_INT(st_select(q, &a, LABELS_MATCH_EQ, "__name__", "m0", INT64_MIN, INT64_MAX, &ss, &n), 0);
	CHECK_INT(n, 1);
	cnt = st_count(ss[0].iter, &first, NULL, NULL);
	if (!(cnt > 3 && cnt < 600))
		fprintf(stderr, "size retention left %ld samples\n", cnt);
	CHECK(cnt > 3 && cnt < 600);
	q->close(q);
	struct stat sb;
	char path[128];
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	CHECK(stat(path, &sb) == 0);
	fprintf(stderr, "size retention: %ld of 600 samples left, file %lld bytes\n", cnt, (long long)sb.st_size);
	CHECK(sb.st_size < 2 * 400 * 1024);
	tsdb_store_close(s);
	st_rmdir(dir);
	arena_free(&a);
}

struct st_conc {
	struct tsdb_store *s;
	int id;
	int errors;
};

static void *st_appender_thread(void *arg)
{
	struct st_conc *c = arg;
	struct arena a = ARENA_INIT;
	char name[32];
	uint64_t refs[50] = { 0 };
	int64_t t0 = 1700000000000LL;

	for (int i = 0; i < 200; i++) {
		struct tsdb_appender *ap = tsdb_appender_begin(c->s);
		for (int k = 0; k < 50; k++) {
			snprintf(name, sizeof name, "c%d_%d", c->id, k);
			struct labels l = st_labels(&a, name, "t", "x", NULL, NULL);
			if (tsdb_append(ap, &refs[k], refs[k] ? NULL : &l, t0 + i * 10000LL, i + k) != 0)
				c->errors++;
		}
		tsdb_appender_commit(ap);
	}
	arena_free(&a);
	return NULL;
}

TEST(store_concurrent_appenders_and_querier)
{
	char dir[64];
	struct arena a = ARENA_INIT;
	pthread_t th[3];
	struct st_conc cs[3];

	st_tmpdir(dir, sizeof dir);
	struct tsdb_store *s = st_open(dir, 0);
	CHECK(s);
	for (int i = 0; i < 3; i++) {
		cs[i] = (struct st_conc){ s, i, 0 };
		pthread_create(&th[i], NULL, st_appender_thread, &cs[i]);
	}
	/* Query while they append: each series' samples are a prefix of
	 * what is being written, in order. */
	for (int k = 0; k < 20; k++) {
		struct promql_querier *q = tsdb_querier(s, 0, INT64_MAX);
		struct promql_storage_series *ss;
		size_t n;
		CHECK(q);
		CHECK_INT(st_select(q, &a, LABELS_MATCH_EQ, "t", "x", INT64_MIN, INT64_MAX, &ss, &n), 0);
		for (size_t i = 0; i < n; i++)
			CHECK(st_count(ss[i].iter, NULL, NULL, NULL) >= 0);
		q->close(q);
		if (k % 5 == 0)
			tsdb_store_flush(s);
		arena_reset(&a);
	}
	for (int i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		CHECK_INT(cs[i].errors, 0);
	}
	struct promql_querier *q = tsdb_querier(s, 0, INT64_MAX);
	struct promql_storage_series *ss;
	size_t n;
	CHECK_INT(st_select(q, &a, LABELS_MATCH_EQ, "t", "x", INT64_MIN, INT64_MAX, &ss, &n), 0);
	CHECK_INT(n, 150);
	for (size_t i = 0; i < n; i++)
		CHECK_INT(st_count(ss[i].iter, NULL, NULL, NULL), 200);
	q->close(q);
	tsdb_store_close(s);
	st_rmdir(dir);
	arena_free(&a);
}

/* The same queries through the engine over memstore and over the store. */
TEST(store_promql_matches_memstore)
{
	char dir[64];
	struct arena a = ARENA_INIT;
	int64_t t0 = 1700000000000LL;
	char name[32], inst[32];

	st_tmpdir(dir, sizeof dir);
	struct tsdb_store *s = st_open(dir, 0);
	CHECK(s);
	struct promql_memstore *mem = promql_memstore_new();
	uint64_t refs[40] = { 0 };
	uint64_t seed = 12345;
	double vals[40] = { 0 };
	for (int i = 0; i < 720; i++) { /* an hour at 5 s */
		struct tsdb_appender *ap = tsdb_appender_begin(s);
		for (int k = 0; k < 40; k++) {
			snprintf(name, sizeof name, k < 20 ? "req_total" : "temp");
			snprintf(inst, sizeof inst, "i%d", k % 20);
			struct labels l = st_labels(&a, name, "instance", inst, "job", k % 3 ? "api" : "db");
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			uint64_t rr = seed >> 33;
			vals[k] = k < 20 ? vals[k] + (double)(rr % 101)
					 : round((vals[k] + ((double)(rr % 201) - 100) / 100) * 100) / 100;
			double v = (i == 500 && k == 3) ? promql_stale_nan() : vals[k];
			CHECK_INT(tsdb_append(ap, &refs[k], &l, t0 + i * 5000LL, v), 0);
			CHECK_INT(promql_memstore_append(mem, &l, t0 + i * 5000LL, v), 0);
		}
		CHECK_INT(tsdb_appender_commit(ap), 0);
		if (i % 97 == 0)
			CHECK_INT(tsdb_store_flush(s), 0);
		arena_reset(&a);
	}
	const char *queries[] = {
		"sum by (job) (rate(req_total[1m]))",
		"temp{instance=~\"i1.*\"}",
		"max_over_time(temp[10m]) - min_over_time(temp[10m])",
		"count(req_total{job!=\"db\"})",
		"req_total offset 20m",
	};
	for (int pass = 0; pass < 2; pass++) {
		for (size_t qi = 0; qi < sizeof queries / sizeof *queries; qi++) {
			struct promql_node *expr;
			struct promql_value v1, v2;
			struct promql_eval_error e1, e2;
			struct promql_eval_opts opts = PROMQL_EVAL_OPTS_INIT;
			struct promql_error perr;
			CHECK_INT(promql_parse(queries[qi], strlen(queries[qi]), &a, &expr, &perr), 0);
			struct promql_querier *q = tsdb_querier(s, INT64_MIN, INT64_MAX);
			int64_t start = t0 + 15 * 60000, end = t0 + 59 * 60000;
			CHECK_INT(promql_eval_range(q, expr, start, end, 30000, &opts, &a, &v1, &e1), 0);
			CHECK_INT(promql_eval_range(promql_memstore_querier(mem), expr, start, end, 30000, &opts,
						    &a, &v2, &e2), 0);
			CHECK_INT(v1.type, v2.type);
			CHECK_INT(v1.u.matrix.n, v2.u.matrix.n);
			CHECK(v1.u.matrix.n > 0);
			for (size_t i = 0; i < v1.u.matrix.n; i++) {
				struct promql_series *x = &v1.u.matrix.series[i], *y = &v2.u.matrix.series[i];
				CHECK(labels_equal(&x->metric, &y->metric));
				CHECK_INT(x->npoints, y->npoints);
				for (size_t j = 0; j < x->npoints; j++) {
					CHECK_INT(x->points[j].t, y->points[j].t);
					CHECK(memcmp(&x->points[j].v, &y->points[j].v, 8) == 0);
				}
			}
			q->close(q);
		}
		tsdb_store_close(s);
		s = st_open(dir, 0);
		CHECK(s);
	}
	promql_memstore_free(mem);
	tsdb_store_close(s);
	st_rmdir(dir);
	arena_free(&a);
}

/* kill -9 after a flush: what was flushed is there when the store opens
 * again, and appending goes on. */
TEST(store_kill_recovery)
{
	char dir[64];
	struct arena a = ARENA_INIT;
	int64_t t0 = 1700000000000LL;
	int fds[2];

	st_tmpdir(dir, sizeof dir);
	CHECK(pipe(fds) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct tsdb_store *s = st_open(dir, 0);
		struct arena ca = ARENA_INIT;
		uint64_t refs[20] = { 0 };
		char name[16];
		if (!s)
			_exit(1);
		for (int i = 0;; i++) {
			struct tsdb_appender *ap = tsdb_appender_begin(s);
			for (int k = 0; k < 20; k++) {
				snprintf(name, sizeof name, "m%d", k);
				struct labels l = st_labels(&ca, name, NULL, NULL, NULL, NULL);
				tsdb_append(ap, &refs[k], &l, t0 + i * 5000LL, i * 0.5 + k);
			}
			tsdb_appender_commit(ap);
			if (i % 50 == 49 && tsdb_store_flush(s) == 0) {
				int done = i + 1;
				if (write(fds[1], &done, sizeof done) != sizeof done)
					_exit(1);
			}
			arena_reset(&ca);
		}
	}
	close(fds[1]);
	int flushed = 0, got;
	/* Let it run across several windows (chunks cut, checkpoints). */
	while (flushed < 1500 && read(fds[0], &got, sizeof got) == sizeof got)
		flushed = got;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	while (read(fds[0], &got, sizeof got) == sizeof got)
		flushed = got;
	close(fds[0]);
	CHECK(flushed >= 1500);

	struct tsdb_store *s = st_open(dir, 0);
	CHECK(s);
	struct promql_querier *q = tsdb_querier(s, INT64_MIN, INT64_MAX);
	struct promql_storage_series *ss;
	size_t n;
	CHECK_INT(st_select(q, &a, LABELS_MATCH_RE, "__name__", "m.*", INT64_MIN, INT64_MAX, &ss, &n), 0);
	CHECK_INT(n, 20);
	for (size_t i = 0; i < n; i++) {
		int64_t first, last;
		long cnt = st_count(ss[i].iter, &first, &last, NULL);
		CHECK(cnt >= flushed);
		CHECK_INT(first, t0);
		CHECK_INT(cnt, (last - t0) / 5000 + 1); /* no gap */
	}
	q->close(q);
	struct tsdb_appender *ap = tsdb_appender_begin(s);
	struct labels l = st_labels(&a, "m0", NULL, NULL, NULL, NULL);
	uint64_t r = 0;
	CHECK_INT(tsdb_append(ap, &r, &l, t0 + 100000 * 5000LL, 1), 0);
	CHECK_INT(tsdb_appender_commit(ap), 0);
	tsdb_store_close(s);
	st_rmdir(dir);
	arena_free(&a);
}

/* More new series than one flush writes: they reach LMDB over several
 * flushes, are queryable all along, and survive a restart. */
TEST(store_many_new_series_over_flushes)
{
	char dir[64];
	struct arena a = ARENA_INIT;
	int64_t t0 = 1700000000000LL;
	char name[32];

	st_tmpdir(dir, sizeof dir);
	struct tsdb_store *s = st_open(dir, 0);
	CHECK(s);
	for (int round_ = 0; round_ < 3; round_++) {
		struct tsdb_appender *ap = tsdb_appender_begin(s);
		for (int i = 0; i < 20000; i++) {
			snprintf(name, sizeof name, "s%d", i);
			struct labels l = st_labels(&a, "many", "id", name, NULL, NULL);
			uint64_t r = 0;
			CHECK_INT(tsdb_append(ap, &r, &l, t0 + round_ * 5000LL, i), 0);
		}
		CHECK_INT(tsdb_appender_commit(ap), 0);
		if (round_ == 0) /* 8192 of them reach LMDB; close writes the rest */
			CHECK_INT(tsdb_store_flush(s), 0);
		arena_reset(&a);
		struct promql_querier *q = tsdb_querier(s, INT64_MIN, INT64_MAX);
		struct promql_storage_series *ss;
		size_t n;
		CHECK_INT(st_select(q, &a, LABELS_MATCH_EQ, "__name__", "many", INT64_MIN, INT64_MAX, &ss, &n), 0);
		CHECK_INT(n, 20000);
		long total = 0;
		for (size_t i = 0; i < n; i++)
			total += st_count(ss[i].iter, NULL, NULL, NULL);
		CHECK_INT(total, 20000L * (round_ + 1));
		q->close(q);
		arena_reset(&a);
	}
	tsdb_store_close(s); /* writes what the flushes above left */
	s = st_open(dir, 0);
	CHECK(s);
	struct promql_querier *q = tsdb_querier(s, INT64_MIN, INT64_MAX);
	struct promql_storage_series *ss;
	size_t n;
	CHECK_INT(st_select(q, &a, LABELS_MATCH_RE, "id", "s1.*", INT64_MIN, INT64_MAX, &ss, &n), 0);
	CHECK_INT(n, 11111);
	for (size_t i = 0; i < n; i++)
		CHECK_INT(st_count(ss[i].iter, NULL, NULL, NULL), 3);
	q->close(q);
	const char **vals;
	CHECK_INT(tsdb_label_values(s, "id", &a, &vals, &n), 0);
	CHECK_INT(n, 20000);
	tsdb_store_close(s);
	st_rmdir(dir);
	arena_free(&a);
}

/* Head chunks grow class by class in every series at once: the slab must
 * give a block back once its last slot is freed, or the buffers left
 * behind at every step would add up to several times the heads' size. */
TEST(store_slab_gives_back_empty_blocks)
{
	struct tsdb_slab sl;
	enum { N = 4000 };
	static struct chunk_bits b[N];

	memset(&sl, 0, sizeof sl);
	memset(b, 0, sizeof b);
	uint64_t peak = 0;
	/* every chunk grows a sample at a time, as in a window */
	for (int step = 0; step < 300; step++) {
		for (int i = 0; i < N; i++) {
			tsdb_bits_reserve(&sl, &b[i], 12);
			b[i].p[b[i].nbits / 8] = (uint8_t)i;
			b[i].nbits += 12;
		}
		if (sl.reserved > peak)
			peak = sl.reserved;
	}
	/* the data survived every move */
	int bad = 0;
	for (int i = 0; i < N; i++)
		if (b[i].p[(b[i].nbits - 12) / 8] != (uint8_t)i || b[i].cap < (b[i].nbits + 7) / 8)
			bad++;
	CHECK(bad == 0);
	/* 450 bytes each: what is taken from malloc stays within about
	 * 1.5x what is handed out, not the sum of every class passed */
	CHECK(sl.bytes >= (uint64_t)N * 450);
	CHECK(sl.reserved <= sl.bytes * 3 / 2);
	CHECK(peak <= (uint64_t)N * 450 * 2);
	for (int i = 0; i < N; i++) {
		tsdb_slab_free(&sl, b[i].p, b[i].cap);
		b[i].p = NULL;
	}
	CHECK(sl.bytes == 0);
	/* at most one empty block kept per class */
	CHECK(sl.reserved <= (uint64_t)TSDB_SLAB_CLASSES * 64 * 1024);
	tsdb_slab_destroy(&sl);
}
