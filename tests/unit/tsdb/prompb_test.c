/* Unit tests for services/tsdb/remote/prompb.h: round trips, hand-built
 * wire bytes, unknown fields of every wire type, wrong wire types,
 * truncation at every byte, and the limits. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../unit.h"
#include "../../../services/tsdb/remote/prompb.h"

static int prompb_test_streq(struct prompb_str s, const char *want)
{
	return s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

TEST(prompb_round_trip)
{
	struct buf msg = BUF_INIT, labs = BUF_INIT;
	/* Series 1: two labels, three samples (negative, zero and large
	 * timestamps; a staleness NaN whose bits must survive). */
	prompb_put_label(&labs, "__name__", 8, "up", 2);
	prompb_put_label(&labs, "job", 3, "node", 4);
	uint64_t stale_bits = 0x7ff0000000000002ull;
	double stale;
	memcpy(&stale, &stale_bits, 8);
	struct prompb_sample s1[3] = { { 1.5, -1000 }, { 0, 0 }, { stale, INT64_MAX } };
	prompb_put_series(&msg, labs.p, labs.len, s1, 3);
	/* Series 2: a label value of 300 bytes (2-byte lengths), no samples. */
	buf_reset(&labs);
	char big[300];
	memset(big, 'v', sizeof big);
	prompb_put_label(&labs, "__name__", 8, big, sizeof big);
	prompb_put_series(&msg, labs.p, labs.len, NULL, 0);

	struct prompb_reader r;
	struct prompb_series s;
	prompb_reader_init(&r, msg.p, msg.len, NULL);
	CHECK_INT(prompb_reader_next(&r, &s), 1);
	CHECK_INT(s.nlabels, 2);
	CHECK(prompb_test_streq(s.labels[0].name, "__name__"));
	CHECK(prompb_test_streq(s.labels[0].value, "up"));
	CHECK(prompb_test_streq(s.labels[1].name, "job"));
	CHECK(prompb_test_streq(s.labels[1].value, "node"));
	CHECK_INT(s.nsamples, 3);
	CHECK_DBL(s.samples[0].value, 1.5);
	CHECK_INT(s.samples[0].timestamp, -1000);
	CHECK_INT(s.samples[1].timestamp, 0);
	CHECK_INT(s.samples[2].timestamp, INT64_MAX);
	uint64_t got_bits;
	memcpy(&got_bits, &s.samples[2].value, 8);
	CHECK(got_bits == stale_bits);
	CHECK_INT(s.offset, 0);
	CHECK_INT(prompb_reader_next(&r, &s), 1);
	CHECK_INT(s.nlabels, 1);
	CHECK_INT(s.labels[0].value.len, 300);
	CHECK_INT(s.nsamples, 0);
	CHECK_INT(prompb_reader_next(&r, &s), 0);
	CHECK_INT(prompb_reader_next(&r, &s), 0);
	CHECK_INT(r.nseries, 2);
	CHECK_INT(r.nsamples, 3);
	prompb_reader_free(&r);
	buf_free(&msg);
	buf_free(&labs);
}

TEST(prompb_hand_built_bytes)
{
	/* WriteRequest{timeseries:[{labels:[{name:"a",value:"b"}],
	 * samples:[{value:2.0,timestamp:1700000000000}]}]} as Go's encoder
	 * writes it: 2.0 = 0x4000000000000000; 1700000000000 = varint
	 * 80 d0 95 ff bc 31. */
	const uint8_t msg[] = {
		0x0a, 0x1a,                                     /* timeseries, 26 bytes */
		0x0a, 0x06, 0x0a, 0x01, 'a', 0x12, 0x01, 'b',  /* label */
		0x12, 0x10,                                     /* sample, 16 bytes */
		0x09, 0, 0, 0, 0, 0, 0, 0, 0x40,                /* value */
		0x10, 0x80, 0xd0, 0x95, 0xff, 0xbc, 0x31,       /* timestamp */
	};
	struct prompb_reader r;
	struct prompb_series s;
	prompb_reader_init(&r, msg, sizeof msg, NULL);
	CHECK_INT(prompb_reader_next(&r, &s), 1);
	CHECK_INT(s.nlabels, 1);
	CHECK(prompb_test_streq(s.labels[0].name, "a"));
	CHECK(prompb_test_streq(s.labels[0].value, "b"));
	CHECK_INT(s.nsamples, 1);
	CHECK_DBL(s.samples[0].value, 2.0);
	CHECK_INT(s.samples[0].timestamp, 1700000000000LL);
	CHECK_INT(prompb_reader_next(&r, &s), 0);
	prompb_reader_free(&r);

	/* Our writer produces the very same bytes. */
	struct buf b = BUF_INIT, l = BUF_INIT;
	prompb_put_label(&l, "a", 1, "b", 1);
	struct prompb_sample smp = { 2.0, 1700000000000LL };
	prompb_put_series(&b, l.p, l.len, &smp, 1);
	CHECK_INT(b.len, sizeof msg);
	CHECK(memcmp(b.p, msg, sizeof msg) == 0);
	buf_free(&b);
	buf_free(&l);

	/* proto3 defaults: an empty Sample and a Label with no value. */
	const uint8_t defaults[] = { 0x0a, 0x07, 0x0a, 0x03, 0x0a, 0x01, 'x', 0x12, 0x00 };
	prompb_reader_init(&r, defaults, sizeof defaults, NULL);
	CHECK_INT(prompb_reader_next(&r, &s), 1);
	CHECK_INT(s.labels[0].value.len, 0);
	CHECK_INT(s.nsamples, 1);
	CHECK_DBL(s.samples[0].value, 0);
	CHECK_INT(s.samples[0].timestamp, 0);
	prompb_reader_free(&r);

	/* An empty message has no series. */
	prompb_reader_init(&r, "", 0, NULL);
	CHECK_INT(prompb_reader_next(&r, &s), 0);
	prompb_reader_free(&r);
}

TEST(prompb_unknown_fields_skipped)
{
	/* Unknown fields of every wire type at every level, metadata (3),
	 * exemplars (3) and histograms (4) of a series, a group with a
	 * nested group. */
	const uint8_t msg[] = {
		0x10, 0x96, 0x01,                          /* WR field 2 varint */
		0x1a, 0x03, 0x08, 0x01, 0x12,              /* metadata: bytes (3 of them) */
		0x0a, 0x32,                                /* timeseries, 50 bytes */
		0x0a, 0x0e,                                /*  label, 14 bytes */
		0x0a, 0x01, 'n',                           /*   name */
		0x19, 1, 2, 3, 4, 5, 6, 7, 8,              /*   field 3 fixed64 (9 bytes) */
		0x12, 0x00,                                /*   value "" */
		0x1a, 0x02, 0x10, 0x01,                    /*  exemplar */
		0x22, 0x00,                                /*  histogram */
		0x2d, 1, 2, 3, 4,                          /*  field 5 fixed32 */
		0x33, 0x3b, 0x08, 0x01, 0x3c, 0x34,        /*  group 6 { group 7 { f1 } } */
		0x12, 0x0f,                                /*  sample, 15 bytes */
		0x18, 0x05,                                /*   field 3 varint */
		0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f,        /*   value 1.0 */
		0x10, 0x07,                                /*   timestamp 7 */
		0x22, 0x00,                                /*   field 4 bytes */
		0x7a, 0x01, 0x00,                          /* WR field 15 bytes */
	};
	struct prompb_reader r;
	struct prompb_series s;
	prompb_reader_init(&r, msg, sizeof msg, NULL);
	int rc = prompb_reader_next(&r, &s);
	if (rc < 0)
		unit_fail(__FILE__, __LINE__, "%s", r.err);
	CHECK_INT(rc, 1);
	CHECK_INT(s.nlabels, 1);
	CHECK(prompb_test_streq(s.labels[0].name, "n"));
	CHECK_INT(s.labels[0].value.len, 0);
	CHECK_INT(s.nsamples, 1);
	CHECK_DBL(s.samples[0].value, 1.0);
	CHECK_INT(s.samples[0].timestamp, 7);
	CHECK_INT(s.nexemplars, 1);
	CHECK_INT(s.nhistograms, 1);
	CHECK_INT(prompb_reader_next(&r, &s), 0);
	CHECK_INT(r.nmetadata, 1);
	prompb_reader_free(&r);
}

static int prompb_test_first(const uint8_t *msg, size_t n, const struct prompb_limits *lim,
			     char *err, size_t errlen)
{
	struct prompb_reader r;
	struct prompb_series s;
	prompb_reader_init(&r, msg, n, lim);
	int rc;
	while ((rc = prompb_reader_next(&r, &s)) == 1)
		;
	if (err)
		snprintf(err, errlen, "%s", r.err);
	prompb_reader_free(&r);
	return rc;
}

TEST(prompb_malformed_rejected)
{
	char err[200];
	/* Wrong wire types for known fields. */
	const uint8_t w1[] = { 0x08, 0x01 }; /* timeseries as varint */
	CHECK_INT(prompb_test_first(w1, sizeof w1, NULL, err, sizeof err), PROMPB_ERR_WIRETYPE);
	CHECK(strstr(err, "byte 0: WriteRequest.timeseries: wrong wire type 0") != NULL);
	const uint8_t w2[] = { 0x0a, 0x04, 0x12, 0x02, 0x08, 0x01 }; /* Sample.value varint */
	CHECK_INT(prompb_test_first(w2, sizeof w2, NULL, err, sizeof err), PROMPB_ERR_WIRETYPE);
	CHECK(strstr(err, "byte 4: Sample.value") != NULL);
	const uint8_t w3[] = { 0x0a, 0x04, 0x0a, 0x02, 0x08, 0x01 }; /* Label.name varint */
	CHECK_INT(prompb_test_first(w3, sizeof w3, NULL, err, sizeof err), PROMPB_ERR_WIRETYPE);
	const uint8_t w4[] = { 0x0f }; /* wire type 7 */
	CHECK_INT(prompb_test_first(w4, sizeof w4, NULL, err, sizeof err), PROMPB_ERR_WIRETYPE);
	/* Field number 0. */
	const uint8_t f0[] = { 0x02, 0x00 };
	CHECK_INT(prompb_test_first(f0, sizeof f0, NULL, err, sizeof err), PROMPB_ERR_FIELD);
	/* Length past the end; sub-message length past its parent. */
	const uint8_t l1[] = { 0x0a, 0x05, 0x0a };
	CHECK_INT(prompb_test_first(l1, sizeof l1, NULL, err, sizeof err), PROMPB_ERR_TRUNCATED);
	const uint8_t l2[] = { 0x0a, 0x02, 0x0a, 0x05, 0x0a, 0x01, 'a', 0x12, 0x00 };
	CHECK_INT(prompb_test_first(l2, sizeof l2, NULL, err, sizeof err), PROMPB_ERR_TRUNCATED);
	/* Varint of 11 bytes; 10th byte above 1. */
	const uint8_t v1[] = { 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
	CHECK_INT(prompb_test_first(v1, sizeof v1, NULL, err, sizeof err), PROMPB_ERR_VARINT);
	const uint8_t v2[] = { 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 };
	CHECK_INT(prompb_test_first(v2, sizeof v2, NULL, err, sizeof err), PROMPB_ERR_VARINT);
	/* Groups: unclosed, mismatched, stray end. */
	const uint8_t g1[] = { 0x13, 0x08, 0x01 };
	CHECK_INT(prompb_test_first(g1, sizeof g1, NULL, err, sizeof err), PROMPB_ERR_FIELD);
	const uint8_t g2[] = { 0x13, 0x1c };
	CHECK_INT(prompb_test_first(g2, sizeof g2, NULL, err, sizeof err), PROMPB_ERR_FIELD);
	const uint8_t g3[] = { 0x14 };
	CHECK_INT(prompb_test_first(g3, sizeof g3, NULL, err, sizeof err), PROMPB_ERR_FIELD);
	/* Groups nested past the depth bound. */
	uint8_t deep[200];
	for (size_t i = 0; i < sizeof deep; i++)
		deep[i] = 0x13;
	CHECK_INT(prompb_test_first(deep, sizeof deep, NULL, err, sizeof err), PROMPB_ERR_FIELD);
	/* Truncated fixed fields. */
	const uint8_t t1[] = { 0x0a, 0x05, 0x12, 0x03, 0x09, 0x00, 0x00 };
	CHECK_INT(prompb_test_first(t1, sizeof t1, NULL, err, sizeof err), PROMPB_ERR_TRUNCATED);
	const uint8_t t2[] = { 0x1d, 0x00, 0x00 };
	CHECK_INT(prompb_test_first(t2, sizeof t2, NULL, err, sizeof err), PROMPB_ERR_TRUNCATED);
}

TEST(prompb_every_truncation_is_an_error_or_a_clean_prefix)
{
	struct buf msg = BUF_INIT, labs = BUF_INIT;
	prompb_put_label(&labs, "__name__", 8, "metric", 6);
	prompb_put_label(&labs, "instance", 8, "host:9100", 9);
	struct prompb_sample smp[2] = { { 1, 1000 }, { 2, 2000 } };
	for (int i = 0; i < 3; i++)
		prompb_put_series(&msg, labs.p, labs.len, smp, 2);
	size_t one = msg.len / 3;
	for (size_t k = 0; k < msg.len; k++) {
		int rc = prompb_test_first((const uint8_t *)msg.p, k, NULL, NULL, 0);
		/* A cut exactly between series is a shorter valid message. */
		if (k % one == 0)
			CHECK_INT(rc, 0);
		else
			CHECK(rc < 0);
	}
	buf_free(&msg);
	buf_free(&labs);
}

TEST(prompb_limits)
{
	struct buf msg = BUF_INIT, labs = BUF_INIT;
	prompb_put_label(&labs, "__name__", 8, "m", 1);
	prompb_put_label(&labs, "a", 1, "0123456789", 10);
	struct prompb_sample smp[3] = { { 1, 1 }, { 2, 2 }, { 3, 3 } };
	prompb_put_series(&msg, labs.p, labs.len, smp, 3);
	prompb_put_series(&msg, labs.p, labs.len, smp, 3);
	const uint8_t *m = (const uint8_t *)msg.p;
	char err[200];

	struct prompb_limits lim = prompb_default_limits;
	CHECK_INT(prompb_test_first(m, msg.len, &lim, err, sizeof err), 0);
	lim.max_series = 1;
	CHECK_INT(prompb_test_first(m, msg.len, &lim, err, sizeof err), PROMPB_ERR_LIMIT);
	CHECK(strstr(err, "more than 1 series") != NULL);
	lim = prompb_default_limits;
	lim.max_samples = 5;
	CHECK_INT(prompb_test_first(m, msg.len, &lim, err, sizeof err), PROMPB_ERR_LIMIT);
	lim = prompb_default_limits;
	lim.max_series_samples = 2;
	CHECK_INT(prompb_test_first(m, msg.len, &lim, err, sizeof err), PROMPB_ERR_LIMIT);
	lim = prompb_default_limits;
	lim.max_labels = 1;
	CHECK_INT(prompb_test_first(m, msg.len, &lim, err, sizeof err), PROMPB_ERR_LIMIT);
	lim = prompb_default_limits;
	lim.max_value_len = 9;
	CHECK_INT(prompb_test_first(m, msg.len, &lim, err, sizeof err), PROMPB_ERR_LIMIT);
	CHECK(strstr(err, "label value of 10 bytes") != NULL);
	lim = prompb_default_limits;
	lim.max_name_len = 7;
	CHECK_INT(prompb_test_first(m, msg.len, &lim, err, sizeof err), PROMPB_ERR_LIMIT);
	buf_free(&msg);
	buf_free(&labs);
}
