/* querier.h - the narrow storage interface the PromQL evaluator reads through.
 *
 * The evaluator never sees how samples are stored: it asks a querier for
 * the series matching a list of label matchers that may have samples in a
 * time range, then walks each series' samples in time order. The in-memory
 * store (memstore.h) implements it for the test runner and unit tests;
 * pharos-tsdb implements it over LMDB.
 *
 * A querier is a struct whose first member is struct promql_querier (C's
 * way to spell an interface): the implementation casts the pointer back to
 * its own type. The same holds for struct promql_iter.
 *
 * Times are int64 milliseconds since the Unix epoch; values are float64.
 * Samples may be the staleness marker (promql_is_stale_nan()); the querier
 * returns them like any other sample and the evaluator interprets them.
 *
 * Lifetime and ownership:
 *  - The caller creates the querier (implementation-specific call), hands
 *    it to any number of evaluations, and ends it with q->close(q). The
 *    evaluator never calls close.
 *  - Everything select() returns (the array, each label set and its
 *    strings, each iterator) is allocated from the arena passed to
 *    select() or is storage that outlives that arena; it stays valid until
 *    the arena is freed AND the querier is closed, whichever comes first
 *    for the implementation (pharos-tsdb copies label strings into the
 *    arena, so labels survive close; iterators do not: they must not be
 *    used after close).
 *  - Nothing returned is freed by the caller; there is no per-series
 *    release call.
 *
 * The evaluator calls select() once per selector of the query (a query
 * with three selectors makes three calls), with the time range Prometheus
 * would use for it; it reads each iterator once, front to back.
 *
 * Thread safety: one querier is used by one thread at a time.
 */
#ifndef PHAROS_PROMQL_QUERIER_H
#define PHAROS_PROMQL_QUERIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../../lib/buf.h"
#include "../../../lib/labels.h"

/* The bit pattern Prometheus writes for a staleness marker (a NaN). */
#define PROMQL_STALE_NAN_BITS 0x7ff0000000000002ULL

static inline bool promql_is_stale_nan(double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof bits);
	return bits == PROMQL_STALE_NAN_BITS;
}

static inline double promql_stale_nan(void)
{
	uint64_t bits = PROMQL_STALE_NAN_BITS;
	double v;

	memcpy(&v, &bits, sizeof v);
	return v;
}

/* Error codes a querier may return (besides other negative errno values,
 * which the evaluator reports as internal storage errors). */
#define PROMQL_QERR_IO (-5)     /* -EIO: storage could not be read */
#define PROMQL_QERR_NOMEM (-12) /* -ENOMEM */

/* A forward-only cursor over one series' samples, restricted to the time
 * range given to select(): it yields exactly the samples with
 * mint <= t <= maxt, in strictly increasing t. */
struct promql_iter {
	/* Move to the next sample. Returns 1 and sets *t and *v, 0 at the
	 * end (then every later call returns 0 too), or a negative error. */
	int (*next)(struct promql_iter *it, int64_t *t, double *v);
};

/* One selected series. */
struct promql_storage_series {
	struct labels labels;     /* the full label set incl. __name__ */
	struct promql_iter *iter; /* positioned before its first sample */
};

struct promql_querier {
	/* Select the series whose labels satisfy every matcher (a label a
	 * series lacks counts as the empty value, as in Prometheus) and that
	 * may have samples in [mint, maxt] (a series without any sample in
	 * the range may be returned; its iterator then yields nothing).
	 * [in]  matchers: nmatchers of them (at least one); borrowed for the
	 *       duration of the call only.
	 * [in]  arena: for the returned array, iterators and whatever else
	 *       the implementation needs per call.
	 * [out] out, nout: the series, sorted by labels_cmp(), no two with
	 *       equal labels.
	 * Returns 0 or a negative error code. */
	int (*select)(struct promql_querier *q, const struct labels_matcher *matchers,
		      size_t nmatchers, int64_t mint, int64_t maxt, struct arena *arena,
		      struct promql_storage_series **out, size_t *nout);
	/* End the querier: release what it holds (e.g. a read transaction).
	 * Iterators from it become invalid. */
	void (*close)(struct promql_querier *q);
};

#endif
