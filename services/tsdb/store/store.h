/* store.h - pharos-tsdb's storage: series index and compressed samples in
 * one LMDB environment, with the newest samples of each series in memory.
 *
 * This header is the contract between the storage and its users: the
 * scraper and the remote-write receiver append through an appender, the
 * PromQL engine and the HTTP API read through a querier (promql/querier.h)
 * and the label listing calls below. How the bytes lie in LMDB is in
 * services/tsdb/FORMAT.md.
 *
 * Threads: any number of appenders and queriers may be used at once from
 * different threads; one appender or querier is used by one thread at a
 * time. Everything else here may be called from any thread.
 *
 * Times are int64 milliseconds since the Unix epoch.
 */
#ifndef PHAROS_TSDB_STORE_H
#define PHAROS_TSDB_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../../../lib/buf.h"
#include "../../../lib/labels.h"
#include "../promql/querier.h"

struct mset;

/* Error codes (negative). Per-sample errors reject that sample only; the
 * appender stays usable. */
enum {
	TSDB_ERR_OUT_OF_ORDER = -1001,  /* t older than the series' newest sample */
	TSDB_ERR_DUPLICATE = -1002,     /* same t as the newest sample, another value */
	TSDB_ERR_OUT_OF_BOUNDS = -1003, /* t older than what the store still accepts (retention) */
	TSDB_ERR_UNKNOWN_REF = -1004,   /* the ref given no longer names a series: pass labels */
	TSDB_ERR_LABELS = -1005,        /* labels empty, unsorted, duplicate names, no __name__ ... */
	TSDB_ERR_FULL = -1006,          /* the map or the disk is full (also logged and counted) */
	TSDB_ERR_IO = -1007,            /* LMDB or the file system failed */
	TSDB_ERR_LIMIT = -1008,         /* a configured limit (e.g. maximum series) */
};

/* A short English text for an error code above. */
const char *tsdb_strerror(int code);

struct tsdb_store_opts {
	const char *dir;             /* --storage.tsdb.path; created if missing */
	int64_t retention_ms;        /* --storage.tsdb.retention.time; 0 = 15d */
	uint64_t retention_bytes;    /* --storage.tsdb.retention.size; 0 = no limit */
	int64_t flush_interval_ms;   /* what may be lost on a crash; 0 = default (5 s) */
	uint64_t map_size;           /* LMDB map size; 0 = default (grows as needed) */
};

struct tsdb_store;

/* Open (or create) the store in opts->dir. Returns 0, or -1 with a message
 * in err. A second process opening the same dir fails (lock file). Opening
 * is quick whatever the amount of data: nothing is replayed that grows
 * with the data. */
int tsdb_store_open(struct tsdb_store **out, const struct tsdb_store_opts *opts, char *err,
		    size_t errlen);
/* Flush what is in memory, close LMDB, free everything. */
void tsdb_store_close(struct tsdb_store *s);
/* Make everything appended so far durable now (also done every
 * flush_interval by the store's own thread). Returns 0 or an error. */
int tsdb_store_flush(struct tsdb_store *s);

/* ---- writing ---- */

struct tsdb_appender;

/* A batch of appends (one scrape, one remote-write request). Its samples
 * become visible to queriers at commit, all at once. */
struct tsdb_appender *tsdb_appender_begin(struct tsdb_store *s);
/* Append one sample.
 * [in,out] ref: 0, or the ref this call returned earlier for the same
 *          labels (the fast path: labels are then not looked at, and may
 *          be NULL). Set to the series' ref on success.
 * [in]     ls: the series' labels, sorted by name, with __name__ (may be
 *          NULL when *ref != 0). Copied when a series is created.
 * The value may be the staleness marker (promql_stale_nan()).
 * Returns 0, or a TSDB_ERR_* for this sample (the appender goes on). */
int tsdb_append(struct tsdb_appender *a, uint64_t *ref, const struct labels *ls, int64_t t,
		double v);
/* Publish the batch and free the appender. Returns 0 or an error (then
 * nothing of the batch is visible). */
int tsdb_appender_commit(struct tsdb_appender *a);
/* Drop the batch and free the appender. */
void tsdb_appender_rollback(struct tsdb_appender *a);

/* ---- reading ---- */

/* A querier over the samples with mint <= t <= maxt (promql/querier.h
 * says how it is used; the caller ends it with q->close(q)). It reads a
 * consistent snapshot: appends committed after this call are not seen.
 * Returns NULL only when out of memory or on an LMDB error. */
struct promql_querier *tsdb_querier(struct tsdb_store *s, int64_t mint, int64_t maxt);

/* Every label name of every stored series, sorted, no duplicates.
 * Strings and array in arena. Returns 0 or an error. */
int tsdb_label_names(struct tsdb_store *s, struct arena *arena, const char ***out, size_t *n);
/* Every value of label name over the stored series, sorted, no
 * duplicates. Strings and array in arena. Returns 0 or an error. */
int tsdb_label_values(struct tsdb_store *s, const char *name, struct arena *arena,
		      const char ***out, size_t *n);

/* ---- status ---- */

#define TSDB_STATUS_TOP 10

struct tsdb_status_count {
	const char *name; /* a metric name, a label name, or "name=value" */
	uint64_t value;
};

/* What /api/v1/status/tsdb shows (Prometheus's headStats and top-10 lists). */
struct tsdb_status {
	uint64_t num_series;
	uint64_t num_label_pairs;
	uint64_t chunk_count;
	int64_t min_time, max_time; /* of the stored samples; 0 when empty */
	struct tsdb_status_count series_by_metric[TSDB_STATUS_TOP];
	struct tsdb_status_count values_by_label[TSDB_STATUS_TOP];
	struct tsdb_status_count bytes_by_label[TSDB_STATUS_TOP];
	struct tsdb_status_count series_by_pair[TSDB_STATUS_TOP];
	size_t n_series_by_metric, n_values_by_label, n_bytes_by_label, n_series_by_pair;
};

/* Fill st; names are allocated from arena. Returns 0 or an error. */
int tsdb_store_status(struct tsdb_store *s, struct arena *arena, struct tsdb_status *st);

/* Add the store's own metrics (series, samples appended, rejected samples
 * by reason, flushes and their duration, bytes on disk, full-map errors,
 * retention deletions) to ms, with Prometheus's prometheus_tsdb_* names
 * where one exists. */
void tsdb_store_metrics(struct tsdb_store *s, struct mset *ms);

#endif
