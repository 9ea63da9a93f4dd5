/* snappy_fuzz - any bytes as a snappy block (remote write's compression):
 * the decompressor must never read or write out of bounds, and what it
 * accepts must compress and decompress back to itself. The input is also
 * compressed as raw data and must round-trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../services/tsdb/remote/snappy.h"

/* Bound the output the target allocates (the receiver bounds it too). */
#define SNAPPY_FUZZ_MAX_OUT (1u << 20)

static void snappy_fuzz_round_trip(const uint8_t *in, size_t n)
{
	size_t cap = snappy_max_compressed_length(n), clen, dlen;
	uint8_t *c = malloc(cap), *d = malloc(n ? n : 1);
	if (snappy_compress(in, n, c, cap, &clen) != 0)
		abort();
	if (snappy_decompress(c, clen, d, n, &dlen) != 0 || dlen != n ||
	    (n && memcmp(in, d, n) != 0))
		abort();
	free(c);
	free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t want;
	if (snappy_decoded_length(data, size, &want) == 0 && want <= SNAPPY_FUZZ_MAX_OUT) {
		/* An exact-size buffer, so ASan sees any write past the end. */
		uint8_t *out = malloc(want ? want : 1);
		size_t got;
		if (snappy_decompress(data, size, out, want, &got) == 0) {
			if (got != want)
				abort();
			snappy_fuzz_round_trip(out, got);
		}
		free(out);
	}
	snappy_fuzz_round_trip(data, size);
	return 0;
}
