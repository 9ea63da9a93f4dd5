/* Unit tests for the remote-write receiver (services/tsdb/remote/
 * remote_write.c) over a real store in a temporary directory: samples
 * land and read back, unsorted labels are accepted, invalid series are
 * skipped, out-of-order and duplicate samples are 400 and roll back the
 * whole request, corrupt bodies are 400; then once over HTTP (lib/httpd
 * serving the handler, lib/httpclient posting to it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit.h"
#include "../../../lib/httpclient.h"
#include "../../../lib/httpd.h"
#include "../../../services/tsdb/remote/prompb.h"
#include "../../../services/tsdb/remote/remote.h"
#include "../../../services/tsdb/remote/remote_internal.h"
#include "../../../services/tsdb/remote/snappy.h"
#include "../../../services/tsdb/store/store.h"

struct rr_fixture {
	char dir[64];
	struct tsdb_store *s;
};

static int rr_open(struct rr_fixture *f)
{
	snprintf(f->dir, sizeof f->dir, "/tmp/pharos-rr-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	struct tsdb_store_opts o = { .dir = f->dir };
	char err[256];
	if (tsdb_store_open(&f->s, &o, err, sizeof err) != 0) {
		fprintf(stderr, "tsdb_store_open: %s\n", err);
		return -1;
	}
	return 0;
}

static void rr_close(struct rr_fixture *f)
{
	tsdb_store_close(f->s);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->dir);
}

/* A message builder: series of label pairs "n1", "v1", ..., NULL. */
static void rr_series(struct buf *msg, const char *const *pairs, const struct prompb_sample *s,
		      size_t n)
{
	struct buf l = BUF_INIT;
	for (size_t i = 0; pairs[i]; i += 2)
		prompb_put_label(&l, pairs[i], strlen(pairs[i]), pairs[i + 1], strlen(pairs[i + 1]));
	prompb_put_series(msg, l.p, l.len, s, n);
	buf_free(&l);
}

/* Compress msg and ingest it; returns the status, the text in err. */
static int rr_ingest(struct tsdb_store *s, const struct buf *msg, char *err, size_t errlen)
{
	size_t cap = snappy_max_compressed_length(msg->len), clen;
	uint8_t *c = malloc(cap);
	snappy_compress(msg->p ? msg->p : "", msg->len, c, cap, &clen);
	struct buf m = BUF_INIT;
	int st = remote_write_ingest(s, c, clen, &m);
	snprintf(err, errlen, "%s", m.p ? m.p : "");
	buf_free(&m);
	free(c);
	return st;
}

/* Samples of the series with __name__ = name and (if set) lab = val:
 * returns how many, and the sum of their values, in [mint, maxt]. */
static int rr_count(struct tsdb_store *s, const char *name, const char *lab, const char *val,
		    double *sum)
{
	struct promql_querier *q = tsdb_querier(s, INT64_MIN / 2, INT64_MAX / 2);
	if (!q)
		return -1;
	struct arena a = ARENA_INIT;
	struct labels_matcher m[2];
	size_t nm = 1;
	labels_matcher_init(&m[0], &a, LABELS_MATCH_EQ, "__name__", name, NULL);
	if (lab)
		labels_matcher_init(&m[nm++], &a, LABELS_MATCH_EQ, lab, val, NULL);
	struct promql_storage_series *ss;
	size_t n;
	int count = 0;
	*sum = 0;
	if (q->select(q, m, nm, INT64_MIN / 2, INT64_MAX / 2, &a, &ss, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			int64_t t;
			double v;
			while (ss[i].iter->next(ss[i].iter, &t, &v) == 1) {
				count++;
				*sum += v;
			}
		}
	} else {
		count = -1;
	}
	q->close(q);
	arena_free(&a);
	return count;
}

TEST(remote_receiver_stores_samples_and_sorts_labels)
{
	struct rr_fixture f;
	CHECK_INT(rr_open(&f), 0);
	struct buf msg = BUF_INIT;
	/* Labels out of order (job before __name__), an empty value that is
	 * dropped, and a second series with three samples. */
	const char *s1[] = { "job", "node", "__name__", "rw_a", "empty", "", NULL };
	const char *s2[] = { "__name__", "rw_b", "instance", "h:1", NULL };
	struct prompb_sample a1[1] = { { 1.5, 1000 } };
	struct prompb_sample b3[3] = { { 1, 1000 }, { 2, 2000 }, { 3, 3000 } };
	rr_series(&msg, s1, a1, 1);
	rr_series(&msg, s2, b3, 3);
	char err[256];
	CHECK_INT(rr_ingest(f.s, &msg, err, sizeof err), 204);
	double sum;
	CHECK_INT(rr_count(f.s, "rw_a", "job", "node", &sum), 1);
	CHECK_DBL(sum, 1.5);
	CHECK_INT(rr_count(f.s, "rw_b", "instance", "h:1", &sum), 3);
	CHECK_DBL(sum, 6);
	/* The empty label was dropped, not stored as a value. */
	struct arena a = ARENA_INIT;
	const char **names;
	size_t nn;
	CHECK_INT(tsdb_label_names(f.s, &a, &names, &nn), 0);
	for (size_t i = 0; i < nn; i++)
		CHECK(strcmp(names[i], "empty") != 0);
	arena_free(&a);
	buf_free(&msg);
	rr_close(&f);
}

TEST(remote_receiver_out_of_order_and_duplicates_roll_back)
{
	struct rr_fixture f;
	CHECK_INT(rr_open(&f), 0);
	struct buf msg = BUF_INIT;
	const char *s1[] = { "__name__", "rw_o", NULL };
	const char *s2[] = { "__name__", "rw_other", NULL };
	struct prompb_sample first[1] = { { 1, 5000 } };
	rr_series(&msg, s1, first, 1);
	char err[256];
	CHECK_INT(rr_ingest(f.s, &msg, err, sizeof err), 204);

	/* A new series, then an older sample of rw_o: 400, and the new
	 * series must not be stored either. */
	buf_reset(&msg);
	struct prompb_sample other[1] = { { 7, 6000 } };
	struct prompb_sample old[1] = { { 2, 4000 } };
	rr_series(&msg, s2, other, 1);
	rr_series(&msg, s1, old, 1);
	CHECK_INT(rr_ingest(f.s, &msg, err, sizeof err), 400);
	CHECK_STR(err, "out of order sample");
	double sum;
	CHECK(rr_count(f.s, "rw_other", NULL, NULL, &sum) <= 0);
	CHECK_INT(rr_count(f.s, "rw_o", NULL, NULL, &sum), 1);

	/* Same timestamp, another value: duplicate. Same value: accepted. */
	buf_reset(&msg);
	struct prompb_sample dup[1] = { { 9, 5000 } };
	rr_series(&msg, s1, dup, 1);
	CHECK_INT(rr_ingest(f.s, &msg, err, sizeof err), 400);
	CHECK_STR(err, "duplicate sample for timestamp");
	buf_reset(&msg);
	rr_series(&msg, s1, first, 1);
	CHECK_INT(rr_ingest(f.s, &msg, err, sizeof err), 204);
	CHECK_INT(rr_count(f.s, "rw_o", NULL, NULL, &sum), 1);
	CHECK_DBL(sum, 1);
	buf_free(&msg);
	rr_close(&f);
}

TEST(remote_receiver_skips_invalid_series)
{
	struct rr_fixture f;
	CHECK_INT(rr_open(&f), 0);
	struct buf msg = BUF_INIT;
	const char *bad_name[] = { "__name__", "rw_x", "0bad", "v", NULL };
	const char *bad_metric[] = { "__name__", "rw-x", NULL };
	const char *no_name[] = { "job", "x", NULL };
	const char *dup[] = { "__name__", "rw_x", "a", "1", "a", "2", NULL };
	const char *bad_utf8[] = { "__name__", "rw_x", "a", "\xff\xfe", NULL };
	const char *good[] = { "__name__", "rw_good", NULL };
	struct prompb_sample s[2] = { { 1, 1000 }, { 2, 2000 } };
	rr_series(&msg, bad_name, s, 2);
	rr_series(&msg, bad_metric, s, 2);
	rr_series(&msg, no_name, s, 2);
	rr_series(&msg, dup, s, 2);
	rr_series(&msg, bad_utf8, s, 2);
	rr_series(&msg, good, s, 2);
	char err[256];
	CHECK_INT(rr_ingest(f.s, &msg, err, sizeof err), 204);
	double sum;
	CHECK_INT(rr_count(f.s, "rw_good", NULL, NULL, &sum), 2);
	CHECK(rr_count(f.s, "rw_x", NULL, NULL, &sum) <= 0);
	buf_free(&msg);
	rr_close(&f);
}

TEST(remote_receiver_rejects_corrupt_bodies)
{
	struct rr_fixture f;
	CHECK_INT(rr_open(&f), 0);
	struct buf m = BUF_INIT;
	/* Not snappy at all (a header that never ends). */
	CHECK_INT(remote_write_ingest(f.s, "\xff\xff\xff\xff\xff\xff", 6, &m), 400);
	CHECK(strstr(m.p, "snappy") != NULL);
	/* Declares more than the limit. */
	buf_reset(&m);
	CHECK_INT(remote_write_ingest(f.s, "\xff\xff\xff\xff\x0f", 5, &m), 400);
	CHECK(strstr(m.p, "over the limit") != NULL);
	/* Valid snappy around a bad protobuf (timeseries as a varint). */
	buf_reset(&m);
	CHECK_INT(remote_write_ingest(f.s, "\x02\x04\x08\x01", 4, &m), 400);
	CHECK(strstr(m.p, "prompb: byte 0") != NULL);
	/* An empty request is fine. */
	buf_reset(&m);
	CHECK_INT(remote_write_ingest(f.s, "\x00", 1, &m), 204);
	/* No store. */
	buf_reset(&m);
	CHECK_INT(remote_write_ingest(NULL, "\x00", 1, &m), 503);
	buf_free(&m);
	rr_close(&f);
}

TEST(remote_receiver_over_http)
{
	struct rr_fixture f;
	CHECK_INT(rr_open(&f), 0);
	struct httpd_route routes[] = { { "/api/v1/write", HTTPD_POST, remote_write_handler, f.s } };
	struct httpd_opts ho = { .listen = "127.0.0.1:0", .threads = 2 };
	struct httpd *h;
	char err[256];
	CHECK_INT(httpd_start(&h, &ho, routes, 1, err, sizeof err), 0);
	char url[96];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/write", httpd_port(h));

	struct buf msg = BUF_INIT;
	const char *s1[] = { "__name__", "rw_http", NULL };
	struct prompb_sample smp[2] = { { 4, 1000 }, { 5, 2000 } };
	rr_series(&msg, s1, smp, 2);
	size_t cap = snappy_max_compressed_length(msg.len), clen;
	uint8_t *c = malloc(cap);
	snappy_compress(msg.p, msg.len, c, cap, &clen);
	struct http_header hd[2] = { { "Content-Encoding", "snappy" },
				     { "X-Prometheus-Remote-Write-Version", "0.1.0" } };
	struct http_request rq = { .method = "POST", .url = url, .headers = hd, .nheaders = 2,
				   .body = c, .body_len = clen,
				   .content_type = "application/x-protobuf", .timeout_ms = 5000 };
	struct http_response rs;
	int rc = http_do(&rq, NULL, &rs, err, sizeof err);
	int st1 = rs.status;
	http_response_free(&rs);
	/* The newest sample again with its value: not an error (a sender's
	 * retry after a lost reply). */
	buf_reset(&msg);
	rr_series(&msg, s1, smp + 1, 1);
	size_t clen2;
	uint8_t *c2 = malloc(snappy_max_compressed_length(msg.len));
	snappy_compress(msg.p, msg.len, c2, snappy_max_compressed_length(msg.len), &clen2);
	rq.body = c2;
	rq.body_len = clen2;
	rc |= http_do(&rq, NULL, &rs, err, sizeof err);
	int st2 = rs.status;
	http_response_free(&rs);
	free(c2);
	/* A corrupt body. */
	rq.body = "\x05\x00";
	rq.body_len = 2;
	rc |= http_do(&rq, NULL, &rs, err, sizeof err);
	int st3 = rs.status;
	http_response_free(&rs);
	/* GET is not allowed. */
	struct http_request get = { .url = url, .timeout_ms = 5000 };
	rc |= http_do(&get, NULL, &rs, err, sizeof err);
	int st4 = rs.status;
	http_response_free(&rs);
	httpd_stop(h);
	free(c);
	buf_free(&msg);
	CHECK_INT(rc, 0);
	CHECK_INT(st1, 204);
	CHECK_INT(st2, 204);
	CHECK_INT(st3, 400);
	CHECK_INT(st4, 405);
	double sum;
	CHECK_INT(rr_count(f.s, "rw_http", NULL, NULL, &sum), 2);
	CHECK_DBL(sum, 9);
	rr_close(&f);
}
