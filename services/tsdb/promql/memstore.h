/* memstore.h - an in-memory sample store implementing the querier interface.
 *
 * For the promqltest runner and unit tests: series are kept in RAM as
 * arrays of (t, v), appended in time order. Not meant for production data
 * volumes: selection scans every series, or with an equality matcher on
 * __name__ only that name's series (binary search in the sorted array).
 *
 *   struct promql_memstore *ms = promql_memstore_new();
 *   promql_memstore_append(ms, &labels, 0, 1.0);
 *   struct promql_querier *q = promql_memstore_querier(ms);
 *   ... promql_eval_instant(q, ...) ...
 *   q->close(q);
 *   promql_memstore_free(ms);
 *
 * Ownership: the store owns copies of every label set appended and every
 * sample. Label sets that select() returns point into the store and stay
 * valid until promql_memstore_clear() or promql_memstore_free(); results
 * of an evaluation that reference them are therefore valid only as long as
 * the store's contents are. Iterators are allocated from the arena given to
 * select() and read the store directly: do not append to a series while
 * iterating it.
 */
#ifndef PHAROS_PROMQL_MEMSTORE_H
#define PHAROS_PROMQL_MEMSTORE_H

#include <stdint.h>

#include "../../../lib/labels.h"
#include "querier.h"

/* Error codes of promql_memstore_append(). */
#define PROMQL_MEMSTORE_OUT_OF_ORDER (-34) /* -ERANGE: t before the last sample */
#define PROMQL_MEMSTORE_DUPLICATE (-17)    /* -EEXIST: same t, different value */
#define PROMQL_MEMSTORE_BAD_LABELS (-22)   /* -EINVAL: empty label set */

struct promql_memstore;

/* A new, empty store. Never NULL (allocation failure aborts). */
struct promql_memstore *promql_memstore_new(void);

/* Free the store and everything in it. NULL is a no-op. */
void promql_memstore_free(struct promql_memstore *ms);

/* Drop every series (Prometheus's test `clear`). */
void promql_memstore_clear(struct promql_memstore *ms);

/* Append one sample to the series with exactly these labels, creating it
 * if needed (the label set is deep-copied). Samples of a series must come
 * in increasing time; appending the same (t, v) again is accepted and
 * ignored (bitwise equal v), as Prometheus's head does.
 * Returns 0, PROMQL_MEMSTORE_OUT_OF_ORDER, PROMQL_MEMSTORE_DUPLICATE or
 * PROMQL_MEMSTORE_BAD_LABELS. */
int promql_memstore_append(struct promql_memstore *ms, const struct labels *ls, int64_t t,
			   double v);

/* Number of series and of samples held. */
size_t promql_memstore_series_count(const struct promql_memstore *ms);
size_t promql_memstore_sample_count(const struct promql_memstore *ms);

/* A querier reading this store. The querier is part of the store (there is
 * one per store; calling this again returns the same one); its close() is
 * a no-op. Valid until promql_memstore_free(). */
struct promql_querier *promql_memstore_querier(struct promql_memstore *ms);

#endif
