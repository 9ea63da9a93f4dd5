/* remote_internal.h - the parts of remote write shared between its files
 * and its unit tests; not for other modules (they use remote.h).
 *
 * A struct remote_queue is one remote_write entry's queue: its series
 * cache, its shards (threads), its HTTP clients and its counters. The
 * writer (remote_writer.c) keeps one per entry of the configuration and
 * builds its options from struct prom_remote_write; tests build options by
 * hand.
 */
#ifndef PHAROS_TSDB_REMOTE_INTERNAL_H
#define PHAROS_TSDB_REMOTE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../../lib/buf.h"
#include "../../../lib/labels.h"
#include "prompb.h"

struct tsdb_store;
struct relabel_config;
struct mset;

/* ---- receiver (remote_write.c) ---- */

/* Decode a request body (snappy block of a WriteRequest) and store its
 * samples in one appender. Returns the HTTP status to send: 204, or 400 /
 * 413 / 500 / 503 with the reason appended to msg. */
int remote_write_ingest(struct tsdb_store *store, const void *body, size_t len, struct buf *msg);

/* The labels of a received series, validated as Prometheus's receiver
 * does (label names, metric name, UTF-8 values, no duplicate names, a
 * metric name present), empty values dropped, sorted by name. Strings and
 * array in a. Returns 0, or -1 with *why set to a constant text. */
int remote_series_labels(const struct prompb_series *s, struct arena *a, struct labels *out,
			 const char **why);

/* [a-zA-Z_:][a-zA-Z0-9_:]* */
bool remote_valid_metric_name(const char *s, size_t n);

/* ---- sender queue (remote_queue.c) ---- */

/* Everything a queue needs, copied by remote_queue_new() except where
 * noted. */
struct remote_queue_opts {
	const char *url;
	const char *name;          /* remote_name label; "" = derived from the settings */
	int64_t timeout_ms;        /* per request */
	const struct http_header_pair { const char *name, *value; } *headers;
	size_t nheaders;
	const char *basic_user;    /* NULL = no basic auth */
	const char *basic_pass;
	const char *basic_pass_file; /* read (and trimmed) before each request */
	const char *auth_type;     /* NULL = no Authorization */
	const char *auth_credentials;
	const char *auth_credentials_file;
	const char *tls_ca_file, *tls_server_name;
	bool tls_insecure;
	struct labels external_labels; /* added where a series lacks the name */
	/* Borrowed, NOT copied: must stay valid until remote_queue_set_relabel()
	 * replaces them or the queue is freed. */
	const struct relabel_config *const *relabel;
	size_t nrelabel;
	/* queue_config */
	int64_t capacity, max_shards, min_shards, max_samples_per_send;
	int64_t batch_send_deadline_ms, min_backoff_ms, max_backoff_ms;
	bool retry_on_http_429;
	/* How often the shard count is reconsidered; 0 = every 5 s (tests
	 * make it short). */
	int64_t reshard_every_ms;
};

struct remote_queue;

/* Create a queue and start its shards. Returns 0 or a negative errno. */
int remote_queue_new(struct remote_queue **out, const struct remote_queue_opts *o);
/* Queue one sample (see remote_writer_push); h = labels_hash(ls). */
void remote_queue_push(struct remote_queue *q, const struct labels *ls, uint64_t h, int64_t t,
		       double v);
/* Point the queue at equivalent relabel rules of a newer config. */
void remote_queue_set_relabel(struct remote_queue *q, const struct relabel_config *const *rc,
			      size_t n);
/* Give pending samples until deadline_ms (monotonic ms) to be sent, then
 * stop the shards (cancelling requests in flight) and free the queue. */
void remote_queue_free(struct remote_queue *q, int64_t deadline_ms);
/* Add the queue's metrics to ms. */
void remote_queue_metrics(struct remote_queue *q, struct mset *ms);

struct remote_queue_stats {
	uint64_t samples_total, failed, retried, dropped, pending, bytes, requests;
	int64_t highest_sent_ms;
	size_t shards, shard_capacity;
};
void remote_queue_stats(struct remote_queue *q, struct remote_queue_stats *st);

/* Monotonic clock in ms. */
int64_t remote_now_ms(void);

#endif
