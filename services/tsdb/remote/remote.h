/* remote.h - Prometheus remote write (spec 1.0): the sender that forwards
 * what pharos-tsdb scrapes to the remote_write endpoints of prometheus.yml,
 * and the receiver behind POST /api/v1/write.
 *
 * Wire format (both directions): an HTTP POST whose body is a protobuf
 * WriteRequest (prompb.h) compressed with snappy's *block* format
 * (snappy.h), with the headers
 *   Content-Encoding: snappy
 *   Content-Type: application/x-protobuf
 *   X-Prometheus-Remote-Write-Version: 0.1.0
 *   User-Agent: pharos-tsdb/<version>
 *
 * ---- Sender ----
 * One queue per remote_write entry of the configuration. The scraper hands
 * every sample it stores to remote_writer_push() (through its scrape_sink);
 * push adds the global external_labels, applies the entry's
 * write_relabel_configs (both once per series: a series cache keeps the
 * result) and copies the sample into one of the queue's shards. Shard
 * threads take batches of up to max_samples_per_send samples (or whatever
 * is there after batch_send_deadline), encode, compress and POST them with
 * lib/httpclient. A batch is retried with exponential backoff (min_backoff
 * doubling up to max_backoff; Retry-After honoured) on network errors, on
 * 5xx and, when retry_on_http_429 is set, on 429; it is dropped (counted
 * as failed) on any other non-2xx. A shard holds at most capacity x
 * max_shards / shards samples; beyond that the oldest sample gives way and
 * is counted as dropped: the scraper is never blocked by a slow receiver.
 * Samples of one series always go to the same shard, so each series is
 * sent in timestamp order. The number of shards starts at min_shards and
 * follows the backlog up to max_shards (at most 64) and back.
 * docs/remote-write.md has the details.
 *
 * Metrics (remote_writer_metrics), Prometheus's names, labelled
 * remote_name (the entry's name, or a short hash) and url:
 *   prometheus_remote_storage_samples_total       sent, counted at every attempt
 *   prometheus_remote_storage_samples_failed_total     non-retryable failure
 *   prometheus_remote_storage_samples_retried_total    re-sent after an error
 *   prometheus_remote_storage_samples_dropped_total    relabel drop / queue full / shutdown
 *   prometheus_remote_storage_samples_pending          queued or in flight
 *   prometheus_remote_storage_sent_batch_duration_seconds  (histogram)
 *   prometheus_remote_storage_queue_highest_sent_timestamp_seconds
 *   prometheus_remote_storage_bytes_total
 *   prometheus_remote_storage_shards, _shards_min, _shards_max,
 *   _shard_capacity, _max_samples_per_send
 * and, without labels, prometheus_remote_storage_highest_timestamp_in_seconds
 * (the newest timestamp pushed) and prometheus_remote_storage_samples_in_total.
 *
 * Threads: push, apply and metrics may be called from any thread at any
 * time (push from several scrape loops at once; applies are serialised);
 * free from one thread after every other call has returned.
 *
 * ---- Receiver ----
 * remote_write_handler() decodes the body (bounded: see REMOTE_MAX_*) and
 * appends every sample through one store appender, committed at the end.
 * Replies as Prometheus 2.42's write handler does:
 *   204 No Content  every sample stored;
 *   400 Bad Request the body does not decode (snappy, protobuf), or a
 *                   sample is out of order, a duplicate or out of bounds:
 *                   then NOTHING of the request is stored (one appender,
 *                   rolled back, as in Prometheus 2.42) and the text says
 *                   which ("out of order sample", ...);
 *   413             the body is over REMOTE_MAX_COMPRESSED;
 *   500             the store failed (the sender retries).
 * A series whose labels are invalid (bad label or metric name, value not
 * UTF-8 or with a NUL byte, duplicate names, no __name__) is skipped and
 * counted in prometheus_api_remote_write_invalid_labels_samples_total, as
 * Prometheus 2.42 does for bad names, without failing the request. Labels need not be sorted.
 * Empty label values are dropped. Native histograms and exemplars are
 * skipped (pharos stores float samples only); metadata is ignored.
 * The HTTP server's body limit (httpd_opts.max_body_bytes) must allow
 * what senders send: Prometheus's batches of 500 samples are a few KiB,
 * other senders' can reach megabytes.
 */
#ifndef PHAROS_TSDB_REMOTE_H
#define PHAROS_TSDB_REMOTE_H

#include <stddef.h>
#include <stdint.h>

#include "../../../lib/labels.h"

struct prom_config;
struct mset;
struct httpd_req;

/* Receiver limits on one request (hostile-input guards). */
#define REMOTE_MAX_COMPRESSED (32u << 20)   /* body bytes as received */
#define REMOTE_MAX_DECODED (64u << 20)      /* snappy's declared length */

/* The remote-write sender. Opaque. */
struct remote_writer;

/* Create a sender with no queues (it forwards nothing until apply).
 * [out] out: the new sender, owned by the caller (remote_writer_free).
 * Returns 0, or -ENOMEM / -errno if a thread could not be started. */
int remote_writer_new(struct remote_writer **out);

/* Make the queues match cfg->remote_write (at start and on each reload):
 * a queue whose entry is unchanged (same url, name, settings, relabel
 * rules and external labels) keeps running with its pending samples;
 * removed or changed entries get up to REMOTE_FLUSH_DEADLINE_MS to send
 * what they hold, then stop; new ones start. cfg NULL = no queues.
 * [in] cfg: borrowed until the next apply or remote_writer_free() (the
 *      queues read its write_relabel_configs), as for scrape_manager_apply.
 * Returns 0, or a negative errno (the queues then stay as they were). */
int remote_writer_apply(struct remote_writer *w, const struct prom_config *cfg);

/* Queue one sample for every remote_write entry (a scrape_sink's fn: pass
 * the writer as ctx). ls, its strings and v are copied; nothing is kept.
 * t in milliseconds. Never blocks on the network. */
void remote_writer_push(void *w, const struct labels *ls, int64_t t, double v);

/* Stop every queue: pending samples get a short last chance to be sent
 * (at most REMOTE_FLUSH_DEADLINE_MS in all), then the threads end and
 * everything is freed. w may be NULL. */
#define REMOTE_FLUSH_DEADLINE_MS 5000
void remote_writer_free(struct remote_writer *w);

/* Add the sender's metrics (see above) to ms. */
void remote_writer_metrics(struct remote_writer *w, struct mset *ms);

/* The receiver: an httpd_handler for POST /api/v1/write.
 * ctx: the struct tsdb_store * to append to (borrowed; must outlive the
 * HTTP server). Safe to run on several worker threads at once. */
void remote_write_handler(struct httpd_req *req, void *ctx);

/* Add the receiver's metrics (process-wide counters) to ms:
 * prometheus_api_remote_write_invalid_labels_samples_total,
 * pharos_remote_write_received_requests_total and
 * pharos_remote_write_received_samples_total. */
void remote_write_receiver_metrics(struct mset *ms);

#endif
