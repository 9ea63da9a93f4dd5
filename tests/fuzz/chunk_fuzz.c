/* libFuzzer target for the store's chunk decoders (services/tsdb/store/
 * chunk.h): the input is read as a disk chunk and as a head stream; both
 * must end (by a count, an end or an error) without reading out of bounds,
 * and yield strictly increasing timestamps. The input is also read as
 * samples (16 bytes each) that are encoded both ways and must decode to
 * the same bits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../services/tsdb/store/chunk.h"

#include <stdio.h>

static void chunk_fuzz_fail(int line)
{
	fprintf(stderr, "chunk_fuzz.c:%d: check failed\n", line);
	abort();
}

#define chunk_fuzz_check(ok)                      \
	do {                                      \
		if (!(ok))                        \
			chunk_fuzz_fail(__LINE__); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy whose end the sanitizers can see. */
	uint8_t *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);

	struct chunk_iter it;
	int64_t t, prev = INT64_MIN;
	double v;
	int rc, n = 0;
	if (chunk_iter_init(&it, copy, size) == 0) {
		while ((rc = chunk_iter_next(&it, &t, &v)) == 1) {
			chunk_fuzz_check(t > prev || n == 0);
			prev = t;
			chunk_fuzz_check(++n <= CHUNK_MAX_SAMPLES);
		}
		chunk_fuzz_check(rc == 0 || rc == CHUNK_ERR_CORRUPT);
	}
	struct chunk_reader r;
	chunk_reader_init(&r, copy, size * 8, NULL);
	n = 0;
	prev = INT64_MIN;
	while ((rc = chunk_reader_next(&r, &t, &v)) == 1) {
		chunk_fuzz_check(n == 0 || t > prev);
		prev = t;
		n++;
	}
	chunk_fuzz_check(rc == 0 || rc == CHUNK_ERR_CORRUPT);

	/* Round trip of the input read as (t delta, value) pairs. */
	size_t ns = size / 16;
	if (ns > CHUNK_MAX_SAMPLES)
		ns = CHUNK_MAX_SAMPLES;
	if (ns > 0) {
		int64_t *ts = malloc(ns * sizeof *ts);
		double *vs = malloc(ns * sizeof *vs);
		int64_t tt = 0;
		for (size_t i = 0; i < ns; i++) {
			uint64_t d;
			memcpy(&d, copy + 16 * i, 8);
			tt += 1 + (int64_t)(d % 1000000007ULL);
			ts[i] = tt;
			memcpy(&vs[i], copy + 16 * i + 8, 8);
		}
		struct chunk_bits b = { NULL, 0, 0 };
		struct chunk_state st;
		chunk_state_init(&st);
		for (size_t i = 0; i < ns; i++)
			chunk_append(&b, &st, ts[i], vs[i]);
		chunk_reader_init(&r, b.p, b.nbits, NULL);
		for (size_t i = 0; i < ns; i++) {
			chunk_fuzz_check(chunk_reader_next(&r, &t, &v) == 1);
			chunk_fuzz_check(t == ts[i] && memcmp(&v, &vs[i], 8) == 0);
		}
		struct buf out = BUF_INIT;
		chunk_fuzz_check(chunk_encode(ts, vs, ns, &out) == 0);
		chunk_fuzz_check(chunk_iter_init(&it, (uint8_t *)out.p, out.len) == 0);
		for (size_t i = 0; i < ns; i++) {
			chunk_fuzz_check(chunk_iter_next(&it, &t, &v) == 1);
			chunk_fuzz_check(t == ts[i] && memcmp(&v, &vs[i], 8) == 0);
		}
		chunk_fuzz_check(chunk_iter_next(&it, &t, &v) == 0);
		buf_free(&out);
		free(b.p);
		free(ts);
		free(vs);
	}
	free(copy);
	return 0;
}
