/* prompb_fuzz - any bytes as a remote-write WriteRequest, first as the raw
 * protobuf, then (when it is a valid snappy block) decompressed, the way
 * the receiver reads a body. Besides what the sanitizers catch, the target
 * checks the reader's promises: strings inside the message and within the
 * limits, counts within the limits, and an error stays an error; and the
 * receiver's label validation: what it accepts is sorted, unique, with
 * valid names and a metric name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../services/tsdb/remote/prompb.h"
#include "../../services/tsdb/remote/remote_internal.h"
#include "../../services/tsdb/remote/snappy.h"

static void prompb_fuzz_check(int ok)
{
	if (!ok)
		abort();
}

static void prompb_fuzz_read(const uint8_t *msg, size_t n)
{
	/* Tight limits so that they are reached often. */
	struct prompb_limits lim = { 64, 256, 32, 16, 64, 256 };
	struct prompb_reader r;
	struct prompb_series s;
	prompb_reader_init(&r, msg, n, &lim);
	int rc;
	size_t total = 0;
	while ((rc = prompb_reader_next(&r, &s)) == 1) {
		prompb_fuzz_check(s.nlabels <= lim.max_labels);
		prompb_fuzz_check(s.nsamples <= lim.max_series_samples);
		prompb_fuzz_check(s.offset < n);
		for (size_t i = 0; i < s.nlabels; i++) {
			const struct prompb_label *l = &s.labels[i];
			prompb_fuzz_check(l->name.len <= lim.max_name_len);
			prompb_fuzz_check(l->value.len <= lim.max_value_len);
			if (l->name.len)
				prompb_fuzz_check((const uint8_t *)l->name.p >= msg &&
						  (const uint8_t *)l->name.p + l->name.len <= msg + n);
			if (l->value.len)
				prompb_fuzz_check((const uint8_t *)l->value.p >= msg &&
						  (const uint8_t *)l->value.p + l->value.len <= msg + n);
		}
		total += s.nsamples;

		struct arena a = ARENA_INIT;
		struct labels ls;
		const char *why = NULL;
		if (remote_series_labels(&s, &a, &ls, &why) == 0) {
			prompb_fuzz_check(labels_get(&ls, "__name__") != NULL);
			for (size_t i = 0; i < ls.n; i++) {
				prompb_fuzz_check(labels_valid_name(ls.v[i].name));
				prompb_fuzz_check(ls.v[i].value[0] != 0);
				if (i)
					prompb_fuzz_check(strcmp(ls.v[i - 1].name, ls.v[i].name) < 0);
			}
		} else {
			prompb_fuzz_check(why != NULL);
		}
		arena_free(&a);
	}
	prompb_fuzz_check(total <= lim.max_samples && r.nseries <= lim.max_series);
	if (rc < 0) {
		prompb_fuzz_check(r.err[0] != 0);
		prompb_fuzz_check(prompb_reader_next(&r, &s) == rc);
	}
	prompb_reader_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy whose end the sanitizers can see. */
	uint8_t *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	prompb_fuzz_read(copy, size);
	free(copy);

	size_t want, got;
	if (snappy_decoded_length(data, size, &want) == 0 && want <= (1u << 20)) {
		uint8_t *out = malloc(want ? want : 1);
		if (snappy_decompress(data, size, out, want, &got) == 0)
			prompb_fuzz_read(out, got);
		free(out);
	}
	return 0;
}
