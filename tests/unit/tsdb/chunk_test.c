/* Round trips of the stream and disk chunk encodings on regular,
 * irregular, random, NaN/Inf/stale and extreme inputs. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../../services/tsdb/promql/querier.h"
#include "../../../services/tsdb/store/chunk.h"
#include "../unit.h"

static uint64_t chunk_test_rng = 88172645463325252ULL;

static uint64_t rnd(void)
{
	chunk_test_rng ^= chunk_test_rng << 13;
	chunk_test_rng ^= chunk_test_rng >> 7;
	chunk_test_rng ^= chunk_test_rng << 17;
	return chunk_test_rng;
}

static uint64_t dbits(double v)
{
	uint64_t b;
	memcpy(&b, &v, 8);
	return b;
}

/* Encode both ways, decode both ways, compare bit for bit. Returns the
 * disk chunk size, or -1 on a mismatch. */
static long roundtrip(const int64_t *ts, const double *vs, size_t n)
{
	struct chunk_bits b = { NULL, 0, 0 };
	struct chunk_state st;
	struct chunk_reader r;
	struct buf out = BUF_INIT;
	struct chunk_iter it;
	int64_t t;
	double v;
	long rc = -1;
	size_t i;

	chunk_state_init(&st);
	for (i = 0; i < n; i++)
		chunk_append(&b, &st, ts[i], vs[i]);
	chunk_reader_init(&r, b.p, b.nbits, NULL);
	for (i = 0; i < n; i++)
		if (chunk_reader_next(&r, &t, &v) != 1 || t != ts[i] || dbits(v) != dbits(vs[i]))
			goto done;
	if (chunk_reader_next(&r, &t, &v) != 0)
		goto done;
	/* Appending after a reader rebuilt the state gives the same bits. */
	if (r.st.t != st.t || r.st.p != st.p || r.st.e != st.e || r.st.w != st.w || r.st.n != st.n)
		goto done;
	if (chunk_encode(ts, vs, n, &out) < 0 || chunk_iter_init(&it, (uint8_t *)out.p, out.len) < 0)
		goto done;
	for (i = 0; i < n; i++)
		if (chunk_iter_next(&it, &t, &v) != 1 || t != ts[i] || dbits(v) != dbits(vs[i]))
			goto done;
	if (chunk_iter_next(&it, &t, &v) != 0)
		goto done;
	rc = (long)out.len;
done:
	free(b.p);
	buf_free(&out);
	return rc;
}

TEST(chunk_decimal_scale_is_exact)
{
	int64_t i;
	CHECK_INT(chunk_decimal_scale(0.0, &i), 0);
	CHECK_INT(chunk_decimal_scale(-0.0, &i), -1);
	CHECK_INT(chunk_decimal_scale(12.0, &i), 0);
	CHECK_INT(i, 12);
	CHECK_INT(chunk_decimal_scale(0.1, &i), 1);
	CHECK_INT(i, 1);
	CHECK_INT(chunk_decimal_scale(-50.37, &i), 2);
	CHECK_INT(i, -5037);
	CHECK_INT(chunk_decimal_scale(1.0 / 3.0, &i), -1);
	CHECK_INT(chunk_decimal_scale(NAN, &i), -1);
	CHECK_INT(chunk_decimal_scale(INFINITY, &i), -1);
	CHECK_INT(chunk_decimal_scale(1e300, &i), -1);
	CHECK_INT(chunk_decimal_scale(1e-300, &i), -1);
}

TEST(chunk_roundtrip_workload_and_size)
{
	enum { N = 360 };
	int64_t ts[N];
	double c[N], g[N];
	double cv = 1000, gv = 50;

	for (int i = 0; i < N; i++) {
		ts[i] = 1700000000000LL + 5000LL * i;
		cv += (double)(rnd() % 101);
		c[i] = cv;
		gv = round((gv + ((double)(rnd() % 201) - 100) / 100.0) * 100) / 100;
		g[i] = gv;
	}
	long cs = roundtrip(ts, c, N), gs = roundtrip(ts, g, N);
	printf("chunk: %d samples: counter %ld bytes, gauge %ld bytes\n", N, cs, gs);
	CHECK(cs > 0);
	CHECK(gs > 0);
	/* Counters: ~7 bits a sample; gauges: ~8; timestamps: nothing. */
	CHECK(cs <= N * 7 / 8 + 40);
	CHECK(gs <= N * 8 / 8 + 40);
}

TEST(chunk_roundtrip_special_values)
{
	enum { N = 200 };
	int64_t ts[N];
	double vs[N];
	for (int i = 0; i < N; i++) {
		ts[i] = -1000000 + i * 7 + (i % 3);
		switch (i % 9) {
		case 0: vs[i] = NAN; break;
		case 1: vs[i] = INFINITY; break;
		case 2: vs[i] = -INFINITY; break;
		case 3: vs[i] = -0.0; break;
		case 4: vs[i] = promql_stale_nan(); break;
		case 5: vs[i] = 1e308; break;
		case 6: vs[i] = 5e-324; break;
		case 7: vs[i] = (double)i / 7.0; break;
		default: vs[i] = i * 0.25; break;
		}
	}
	CHECK(roundtrip(ts, vs, N) > 0);
	/* A NaN with a payload and the stale marker keep their bits. */
	uint64_t payload = 0x7ff8000000001234ULL;
	double pn;
	memcpy(&pn, &payload, 8);
	int64_t t2[3] = { 1, 2, 3 };
	double v2[3] = { pn, promql_stale_nan(), 1.5 };
	CHECK(roundtrip(t2, v2, 3) > 0);
}

TEST(chunk_roundtrip_random_and_irregular)
{
	enum { N = CHUNK_MAX_SAMPLES };
	static int64_t ts[N];
	static double vs[N];

	for (int round_ = 0; round_ < 40; round_++) {
		int64_t t = (int64_t)(rnd() % 2000000000000ULL) - 1000000000000LL;
		size_t n = 1 + rnd() % N;
		for (size_t i = 0; i < n; i++) {
			int kind = (int)(round_ % 5);
			t += kind == 0 ? 15000 : 1 + (int64_t)(rnd() % (kind == 1 ? 100000 : 1ULL << (rnd() % 40)));
			ts[i] = t;
			uint64_t r = rnd();
			switch ((r >> 60) % 6) {
			case 0: memcpy(&vs[i], &r, 8); break; /* any bits, NaNs included */
			case 1: vs[i] = (double)(int64_t)(r % 1000000) / 1000.0; break;
			case 2: vs[i] = (double)(int64_t)r; break;
			case 3: vs[i] = (double)(r % 3); break;
			case 4: vs[i] = ((double)(int64_t)(r % 20001) - 10000) / 100.0; break;
			default: vs[i] = 9007199254740991.0 * ((r & 1) ? 1 : -1); break;
			}
		}
		CHECK(roundtrip(ts, vs, n) > 0);
	}
	/* Extreme timestamps and one sample. */
	int64_t te[3] = { INT64_MIN / 4, 0, INT64_MAX / 4 };
	double ve[3] = { 1, 2, 3 };
	CHECK(roundtrip(te, ve, 3) > 0);
	CHECK(roundtrip(te, ve, 1) > 0);
}

TEST(chunk_decoders_reject_garbage)
{
	uint8_t junk[64];
	struct chunk_iter it;
	int64_t t;
	double v;

	for (int round_ = 0; round_ < 2000; round_++) {
		size_t n = rnd() % sizeof junk;
		for (size_t i = 0; i < n; i++)
			junk[i] = (uint8_t)rnd();
		if (n)
			junk[0] = (uint8_t)(1 + rnd() % 2);
		if (chunk_iter_init(&it, junk, n) < 0)
			continue;
		int k = 0, rc;
		while ((rc = chunk_iter_next(&it, &t, &v)) == 1 && k < 2000)
			k++;
		CHECK(rc <= 1);
	}
	struct buf out = BUF_INIT;
	int64_t ts[2] = { 5, 5 };
	double vs[2] = { 1, 2 };
	CHECK_INT(chunk_encode(ts, vs, 2, &out), -1);
	CHECK_INT(chunk_encode(ts, vs, 0, &out), -1);
	buf_free(&out);
}

TEST(chunk_bits_extract_and_append)
{
	struct chunk_bits b = { NULL, 0, 0 }, c = { NULL, 0, 0 };
	struct chunk_state st;
	struct buf frag = BUF_INIT;

	chunk_state_init(&st);
	for (int i = 0; i < 100; i++)
		chunk_append(&b, &st, i * 1000, i % 7 ? i * 1.5 : NAN);
	uint32_t cut[] = { 0, 3, 77, 500, b.nbits };
	for (size_t k = 0; k + 1 < sizeof cut / sizeof *cut; k++) {
		buf_reset(&frag);
		chunk_bits_extract(&b, cut[k], cut[k + 1], &frag);
		chunk_bits_append(&c, (uint8_t *)frag.p, cut[k + 1] - cut[k]);
	}
	CHECK_INT(c.nbits, b.nbits);
	CHECK(memcmp(c.p, b.p, (b.nbits + 7) / 8) == 0);
	free(b.p);
	free(c.p);
	buf_free(&frag);
}
