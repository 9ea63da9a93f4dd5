/* Unit tests for services/tsdb/remote/snappy.h: round trips over random,
 * repetitive and incompressible data, hand-built blocks with every element
 * type, and corrupt blocks that must be rejected. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit.h"
#include "../../../services/tsdb/remote/snappy.h"

static uint64_t snappy_test_rng = 0x9e3779b97f4a7c15ull;

static uint32_t snappy_test_rand(void)
{
	snappy_test_rng ^= snappy_test_rng << 13;
	snappy_test_rng ^= snappy_test_rng >> 7;
	snappy_test_rng ^= snappy_test_rng << 17;
	return (uint32_t)(snappy_test_rng >> 16);
}

/* Compress and decompress; returns the compressed size, or -1 if the round
 * trip did not give the input back. */
static long snappy_test_round_trip(const uint8_t *in, size_t n)
{
	size_t cap = snappy_max_compressed_length(n), clen = 0, dlen = 0, decl = 0;
	uint8_t *c = malloc(cap), *d = malloc(n ? n : 1);
	long ret = -1;
	if (snappy_compress(in, n, c, cap, &clen) != 0 || clen > cap)
		goto out;
	if (snappy_decoded_length(c, clen, &decl) != 0 || decl != n)
		goto out;
	if (snappy_decompress(c, clen, d, n, &dlen) != 0 || dlen != n)
		goto out;
	if (n && memcmp(in, d, n) != 0)
		goto out;
	ret = (long)clen;
out:
	free(c);
	free(d);
	return ret;
}

TEST(snappy_round_trip_sizes)
{
	/* Every small size, including those below the matcher's minimum. */
	uint8_t buf[300];
	for (size_t n = 0; n <= sizeof buf; n++) {
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)("abcab"[i % 5]);
		CHECK(snappy_test_round_trip(buf, n) >= 0);
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)snappy_test_rand();
		CHECK(snappy_test_round_trip(buf, n) >= 0);
	}
}

TEST(snappy_round_trip_random_incompressible)
{
	size_t n = 200000; /* spans several 64 KiB fragments */
	uint8_t *in = malloc(n);
	for (size_t i = 0; i < n; i++)
		in[i] = (uint8_t)snappy_test_rand();
	long c = snappy_test_round_trip(in, n);
	free(in);
	CHECK(c >= 0);
	/* Incompressible data grows only by the literal headers. */
	CHECK((size_t)c <= n + n / 1000 + 16);
}

TEST(snappy_round_trip_repetitive)
{
	size_t n = 300000;
	uint8_t *in = malloc(n);
	memset(in, 'x', n);
	long c1 = snappy_test_round_trip(in, n);
	/* A text-like mix: words from a small vocabulary. */
	static const char *words[] = { "http_requests_total", "job", "node", "instance",
				       "localhost:9100", "method", "GET", "POST", "code", "200" };
	size_t pos = 0;
	while (pos < n) {
		const char *w = words[snappy_test_rand() % 10];
		size_t l = strlen(w);
		if (l > n - pos)
			l = n - pos;
		memcpy(in + pos, w, l);
		pos += l;
	}
	long c2 = snappy_test_round_trip(in, n);
	free(in);
	CHECK(c1 >= 0);
	CHECK(c1 < (long)(n / 20)); /* a run compresses ~21:1 (3-byte copies of 64) */
	CHECK(c2 >= 0);
	CHECK(c2 < (long)(n / 2));
}

TEST(snappy_round_trip_long_matches_and_far_offsets)
{
	/* A random 40 KiB block repeated: matches at offsets near 40000 and
	 * as long as the rest of the fragment. */
	size_t blk = 40000, n = 3 * blk + 123;
	uint8_t *in = malloc(n);
	for (size_t i = 0; i < blk; i++)
		in[i] = (uint8_t)snappy_test_rand();
	for (size_t i = blk; i < n; i++)
		in[i] = in[i - blk];
	long c = snappy_test_round_trip(in, n);
	free(in);
	CHECK(c >= 0);
	/* Matches never cross a 64 KiB fragment, so the second fragment
	 * (bytes 65536..) sends its first 40000 bytes as literals again. */
	CHECK((size_t)c < 2 * blk + blk / 8);
	CHECK((size_t)c > 2 * blk);
}

/* Decode a hand-built block; returns the code and the output. */
static int snappy_test_decode(const uint8_t *blk, size_t n, char *out, size_t cap, size_t *len)
{
	return snappy_decompress(blk, n, out, cap, len);
}

TEST(snappy_hand_built_every_element)
{
	char out[256];
	size_t len = 0;
	/* literal "abcd", copy1 (len 4, off 4), copy2 (len 3, off 2), copy4
	 * (len 2, off 11) → "abcd" "abcd" "bcd" "cd"... build step by step. */
	const uint8_t blk[] = {
		13,                           /* declared length */
		3 << 2, 'a', 'b', 'c', 'd',   /* literal, len 4 */
		1 | (0 << 2) | (0 << 5), 4,   /* copy1: len 4, offset 4 → abcd */
		2 | (2 << 2), 2, 0,           /* copy2: len 3, offset 2 → cdc */
		3 | (1 << 2), 11, 0, 0, 0,    /* copy4: len 2, offset 11 → ab */
	};
	CHECK_INT(snappy_test_decode(blk, sizeof blk, out, sizeof out, &len), 0);
	CHECK_INT(len, 13);
	CHECK(memcmp(out, "abcdabcdcdcab", 13) == 0);

	/* Overlapping copy: "ab" then copy len 7 offset 2 → ababababa. */
	const uint8_t ov[] = { 9, 1 << 2, 'a', 'b', 1 | (3 << 2), 2 };
	CHECK_INT(snappy_test_decode(ov, sizeof ov, out, sizeof out, &len), 0);
	CHECK(memcmp(out, "ababababa", 9) == 0);

	/* Literal with a 1-byte length (tag 60): 61 bytes. */
	uint8_t lit[2 + 1 + 61];
	lit[0] = 61;
	lit[1] = 60 << 2;
	lit[2] = 60; /* len - 1 */
	for (int i = 0; i < 61; i++)
		lit[3 + i] = (uint8_t)('A' + i % 26);
	CHECK_INT(snappy_test_decode(lit, 3 + 61, out, sizeof out, &len), 0);
	CHECK_INT(len, 61);
	CHECK(out[60] == 'A' + 60 % 26);

	/* Literal with a 2-byte length (tag 61), 3 (62) and 4 (63): 5 bytes
	 * each, lengths written with leading zero bytes. */
	for (int bytes = 2; bytes <= 4; bytes++) {
		uint8_t b[16];
		size_t k = 0;
		b[k++] = 5;
		b[k++] = (uint8_t)((59 + bytes) << 2);
		b[k++] = 4;
		for (int i = 1; i < bytes; i++)
			b[k++] = 0;
		memcpy(b + k, "hello", 5);
		k += 5;
		CHECK_INT(snappy_test_decode(b, k, out, sizeof out, &len), 0);
		CHECK(len == 5 && memcmp(out, "hello", 5) == 0);
	}

	/* Empty block. */
	const uint8_t empty[] = { 0 };
	CHECK_INT(snappy_test_decode(empty, 1, out, sizeof out, &len), 0);
	CHECK_INT(len, 0);

	/* Multi-byte length header: 200 = 0xc8 0x01, a run of 'z'. */
	const uint8_t run[] = { 0xc8, 0x01, 0 << 2, 'z', 2 | (63 << 2), 1, 0, 2 | (63 << 2), 1, 0,
				2 | (63 << 2), 1, 0, 2 | (6 << 2), 1, 0 };
	CHECK_INT(snappy_test_decode(run, sizeof run, out, sizeof out, &len), 0);
	CHECK_INT(len, 200);
	CHECK(out[0] == 'z' && out[199] == 'z');
}

TEST(snappy_corrupt_rejected)
{
	char out[64];
	size_t len;
	/* No header at all; a header that never ends; over 32 bits. */
	CHECK_INT(snappy_test_decode((const uint8_t *)"", 0, out, sizeof out, &len), SNAPPY_ERR_HEADER);
	const uint8_t h1[] = { 0x80, 0x80 };
	CHECK_INT(snappy_test_decode(h1, sizeof h1, out, sizeof out, &len), SNAPPY_ERR_HEADER);
	const uint8_t h2[] = { 0xff, 0xff, 0xff, 0xff, 0x7f };
	CHECK_INT(snappy_test_decode(h2, sizeof h2, out, sizeof out, &len), SNAPPY_ERR_HEADER);
	const uint8_t h3[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 };
	CHECK_INT(snappy_test_decode(h3, sizeof h3, out, sizeof out, &len), SNAPPY_ERR_HEADER);
	/* Declared length above the buffer. */
	const uint8_t big[] = { 100, 0 << 2, 'a' };
	CHECK_INT(snappy_test_decode(big, sizeof big, out, sizeof out, &len), SNAPPY_ERR_BUFFER);
	/* Literal running past the input. */
	const uint8_t t1[] = { 4, 3 << 2, 'a', 'b' };
	CHECK_INT(snappy_test_decode(t1, sizeof t1, out, sizeof out, &len), SNAPPY_ERR_TRUNCATED);
	/* Literal length bytes missing. */
	const uint8_t t2[] = { 4, 61 << 2, 3 };
	CHECK_INT(snappy_test_decode(t2, sizeof t2, out, sizeof out, &len), SNAPPY_ERR_TRUNCATED);
	/* A 4-byte literal length of 0xffffffff (len 2^32). */
	const uint8_t t3[] = { 4, 63 << 2, 0xff, 0xff, 0xff, 0xff, 'a' };
	CHECK(snappy_test_decode(t3, sizeof t3, out, sizeof out, &len) < 0);
	/* Copy elements cut short. */
	const uint8_t t4[] = { 8, 0 << 2, 'a', 1 };
	CHECK_INT(snappy_test_decode(t4, sizeof t4, out, sizeof out, &len), SNAPPY_ERR_TRUNCATED);
	const uint8_t t5[] = { 8, 0 << 2, 'a', 2, 1 };
	CHECK_INT(snappy_test_decode(t5, sizeof t5, out, sizeof out, &len), SNAPPY_ERR_TRUNCATED);
	const uint8_t t6[] = { 8, 0 << 2, 'a', 3, 1, 0, 0 };
	CHECK_INT(snappy_test_decode(t6, sizeof t6, out, sizeof out, &len), SNAPPY_ERR_TRUNCATED);
	/* Offset 0; offset before the start; copy as the first element. */
	const uint8_t o1[] = { 5, 0 << 2, 'a', 1, 0 };
	CHECK_INT(snappy_test_decode(o1, sizeof o1, out, sizeof out, &len), SNAPPY_ERR_OFFSET);
	const uint8_t o2[] = { 5, 0 << 2, 'a', 1, 2 };
	CHECK_INT(snappy_test_decode(o2, sizeof o2, out, sizeof out, &len), SNAPPY_ERR_OFFSET);
	const uint8_t o3[] = { 4, 1, 1 };
	CHECK_INT(snappy_test_decode(o3, sizeof o3, out, sizeof out, &len), SNAPPY_ERR_OFFSET);
	const uint8_t o4[] = { 5, 0 << 2, 'a', 3, 0, 0, 0, 0x80 };
	CHECK_INT(snappy_test_decode(o4, sizeof o4, out, sizeof out, &len), SNAPPY_ERR_OFFSET);
	/* More output than declared: by a literal, by a copy. */
	const uint8_t v1[] = { 1, 1 << 2, 'a', 'b' };
	CHECK_INT(snappy_test_decode(v1, sizeof v1, out, sizeof out, &len), SNAPPY_ERR_OVERRUN);
	const uint8_t v2[] = { 4, 0 << 2, 'a', 1, 1 };
	CHECK_INT(snappy_test_decode(v2, sizeof v2, out, sizeof out, &len), SNAPPY_ERR_OVERRUN);
	/* Less output than declared. */
	const uint8_t s1[] = { 3, 1 << 2, 'a', 'b' };
	CHECK_INT(snappy_test_decode(s1, sizeof s1, out, sizeof out, &len), SNAPPY_ERR_SHORT);
	CHECK(strstr(snappy_strerror(SNAPPY_ERR_OFFSET), "offset") != NULL);
}

TEST(snappy_truncations_of_a_valid_block_fail_cleanly)
{
	uint8_t in[2000];
	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (uint8_t)((i % 7 == 0) ? snappy_test_rand() : 'q');
	uint8_t c[4096], d[2000];
	size_t clen, dlen;
	CHECK_INT(snappy_compress(in, sizeof in, c, sizeof c, &clen), 0);
	for (size_t k = 0; k < clen; k++)
		CHECK(snappy_decompress(c, k, d, sizeof d, &dlen) < 0);
	CHECK_INT(snappy_decompress(c, clen, d, sizeof d, &dlen), 0);
	/* Flip bytes one at a time: any result is fine but a crash; a
	 * success must produce the declared length. */
	for (size_t k = 0; k < clen; k++) {
		uint8_t save = c[k];
		c[k] ^= 0x5a;
		if (snappy_decompress(c, clen, d, sizeof d, &dlen) == 0)
			CHECK(dlen <= sizeof d);
		c[k] = save;
	}
	/* The output buffer must hold the bound. */
	CHECK_INT(snappy_compress(in, sizeof in, c, 100, &clen), SNAPPY_ERR_BUFFER);
}
