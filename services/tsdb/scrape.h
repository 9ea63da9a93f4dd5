/* scrape.h - the scrape manager: pharos-tsdb's scraper, as Prometheus
 * 2.42's scrape manager, scrape pools and scrape loops.
 *
 * The manager turns the scrape_configs of a struct prom_config into
 * targets (static_configs and file_sd_configs, relabel_configs applied:
 * target.h), runs one scrape loop per target, and appends what each
 * scrape returns to the store:
 *
 *  - each loop runs in its own thread (at most SCRAPE_MAX_TARGETS loops;
 *    targets beyond that are listed as dropped with a reason in the log);
 *  - a target's scrapes happen at fixed points of the wall clock: every
 *    scrape_interval, at an offset within the interval taken from a hash
 *    of the target's labels and URL and of the host (as Prometheus's
 *    scrape pool spreads its targets), so many targets do not scrape at
 *    once and a target keeps its phase across restarts;
 *  - every sample of a scrape is stamped with the scrape's scheduled time
 *    (a multiple of the interval plus the offset), so consecutive samples
 *    are exactly one interval apart, unless honor_timestamps is true and
 *    the exposition gives a timestamp;
 *  - the request is Prometheus's: the same Accept header (OpenMetrics
 *    preferred, text 0.0.4 next), X-Prometheus-Scrape-Timeout-Seconds,
 *    User-Agent "Prometheus/2.42.0" (some exporters look at it), params,
 *    basic_auth / authorization, tls_config; the response is parsed with
 *    textparse.h in the format its Content-Type names;
 *  - per sample: the target's labels are merged (honor_labels: exposed
 *    labels win; otherwise target labels win and clashing exposed labels
 *    are kept as exported_<name>), metric_relabel_configs run, the limits
 *    apply (sample_limit, label_limit, label_name_length_limit,
 *    label_value_length_limit, body_size_limit: crossing one fails the
 *    whole scrape, up = 0, nothing of it is stored, as in Prometheus);
 *  - a per-target cache maps the series as written in the exposition to
 *    the store's series ref, so a series seen before costs no label work;
 *  - after each scrape the report series are stored: up,
 *    scrape_duration_seconds, scrape_samples_scraped,
 *    scrape_samples_post_metric_relabeling, scrape_series_added;
 *  - staleness markers (promql_stale_nan()) are written for series of the
 *    previous scrape missing from this one, for every series of a failed
 *    scrape's target, and for every series of a target that goes away
 *    (removed by a reload or a file_sd change; not at shutdown);
 *  - samples the store refuses (out of order, duplicate timestamp, out of
 *    bounds) are counted per target and in the manager's metrics
 *    (prometheus_target_scrapes_sample_*_total) and logged, and the
 *    scrape goes on;
 *  - metadata (TYPE, HELP, UNIT) of each target's metrics is kept for
 *    /api/v1/metadata and /api/v1/targets/metadata.
 *
 * Threads: every function here may be called from any thread; they take
 * the manager's lock. The sink's fn is called from the scrape threads
 * (several at once) and must be thread-safe.
 */
#ifndef PHAROS_TSDB_SCRAPE_H
#define PHAROS_TSDB_SCRAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../lib/buf.h"
#include "../../lib/labels.h"

struct prom_config;
struct tsdb_store;
struct mset;

/* Upper bound on running scrape loops (threads; each has a 512 KiB stack
 * reservation, of which little is touched, and one kept-alive HTTP
 * connection). */
#define SCRAPE_MAX_TARGETS 4096

/* The User-Agent of every scrape. */
#define SCRAPE_USER_AGENT "Prometheus/2.42.0"

/* Receives every sample the scraper stores (report series and staleness
 * markers included), after the scrape's batch committed, for
 * remote_write: only while the applied config has remote_write entries
 * (without them the series caches do not keep labels, which saves memory
 * per series; adding or removing remote_write restarts the loops, whose
 * series carry on without a gap). ls and its strings are borrowed for the
 * call only. Called from scrape threads, concurrently. */
struct scrape_sink {
	void (*fn)(void *ctx, const struct labels *ls, int64_t t_ms, double v);
	void *ctx;
};

struct scrape_manager;

/* Create a manager that appends to store (borrowed: it must outlive the
 * manager). sink may be NULL; it is copied. No target runs until
 * scrape_manager_apply(). Returns 0 or -ENOMEM. */
int scrape_manager_new(struct scrape_manager **out, struct tsdb_store *store,
		       const struct scrape_sink *sink);

/* Make the running targets those of cfg (at start and at every reload).
 * [in] cfg: borrowed until the next apply or scrape_manager_free(): the
 *      caller keeps it alive that long (the loops read their scrape
 *      config, relabel rules and limits from it).
 * Targets whose labels, URL and scrape config are unchanged keep running
 * without a gap in their series; changed ones restart (their series
 * continue when the way samples are labelled did not change, else they
 * get staleness markers first); removed ones stop and get staleness
 * markers. file_sd files are read here and then re-read by the manager's
 * own thread when they change and every refresh_interval.
 * Returns 0. A file_sd file that cannot be read or parsed is logged and
 * counted (prometheus_sd_file_read_errors_total); the targets of the
 * readable files are used, and when a later re-read of a file_sd config
 * fails, that config's previous targets are kept. A target whose labels
 * are invalid (target.h) is logged and skipped, as Prometheus does. */
int scrape_manager_apply(struct scrape_manager *m, const struct prom_config *cfg);

/* Stop every loop (waiting for scrapes in flight, at most their timeout;
 * a request in flight is cancelled) and free the manager. Like
 * Prometheus at shutdown, no staleness markers are written: a restart
 * within the lookback delta continues the series without a gap. NULL is
 * a no-op. */
void scrape_manager_free(struct scrape_manager *m);

enum scrape_health {
	SCRAPE_HEALTH_UNKNOWN, /* not scraped yet */
	SCRAPE_HEALTH_UP,
	SCRAPE_HEALTH_DOWN,
};

/* "unknown", "up", "down" (as /api/v1/targets writes them). */
const char *scrape_health_name(enum scrape_health h);

/* One target, as /api/v1/targets shows it. Every pointer is allocated from
 * the arena given to scrape_manager_targets(). */
struct scrape_target_info {
	struct labels discovered_labels; /* before relabel_configs, __ labels included */
	struct labels labels;            /* final target labels (empty for dropped) */
	const char *scrape_pool;         /* the job_name */
	const char *scrape_url;          /* "" for dropped targets */
	const char *global_url;          /* scrape_url with the host's name for
					  * localhost, as Prometheus's globalUrl */
	enum scrape_health health;
	const char *last_error;          /* "" when the last scrape succeeded */
	int64_t last_scrape_ms;          /* wall-clock start of the last scrape; 0 = never */
	double last_scrape_duration_s;
	int64_t interval_ms, timeout_ms;
};

/* Snapshot of the targets: active ones (running loops), sorted by scrape
 * pool then by labels, and dropped ones (relabel_configs dropped them, or
 * beyond SCRAPE_MAX_TARGETS), sorted likewise.
 * [out] active, dropped: arrays in a. Returns 0. */
int scrape_manager_targets(struct scrape_manager *m, struct arena *a,
			   struct scrape_target_info **active, size_t *nactive,
			   struct scrape_target_info **dropped, size_t *ndropped);

/* One metric's metadata as the exposition declared it. type is
 * textparse_mtype_name()'s spelling ("counter", "gauge", "histogram",
 * "gaugehistogram", "summary", "info", "stateset", "unknown"); help and
 * unit are "" when not given. */
struct scrape_metadata {
	const char *metric;
	const char *type;
	const char *help;
	const char *unit;
};

/* The metadata of every target's metrics, for /api/v1/metadata: sorted by
 * metric name, then type, help, unit; each (metric, type, help, unit) once.
 * [in] metric: only this metric; NULL or "" = all.
 * [in] limit: at most this many distinct metric names; < 0 = no limit.
 * [out] out: array and strings in a. Returns 0. */
int scrape_manager_metadata(struct scrape_manager *m, struct arena *a, const char *metric,
			    long limit, struct scrape_metadata **out, size_t *n);

/* Per-target metadata, for /api/v1/targets/metadata. */
struct scrape_target_metadata {
	struct labels target; /* the target's labels */
	struct scrape_metadata md;
};

/* [in] match: keep a target when match(ctx, its labels) returns true;
 *      NULL = every target (the API evaluates match_target with it).
 * [in] metric: only this metric; NULL or "" = all.
 * [in] limit: at most this many entries; < 0 = no limit.
 * [out] out: array, labels and strings in a; ordered by target (as
 *       scrape_manager_targets()), then metric name. Returns 0. */
int scrape_manager_target_metadata(struct scrape_manager *m, struct arena *a,
				   bool (*match)(void *ctx, const struct labels *target),
				   void *ctx, const char *metric, long limit,
				   struct scrape_target_metadata **out, size_t *n);

/* Add the scraper's own metrics to ms, with Prometheus's names:
 * prometheus_target_scrape_pools_total, prometheus_target_scrape_pool_targets
 * {scrape_job}, prometheus_target_scrapes_sample_duplicate_timestamp_total,
 * prometheus_target_scrapes_sample_out_of_order_total,
 * prometheus_target_scrapes_sample_out_of_bounds_total,
 * prometheus_target_scrapes_exceeded_sample_limit_total,
 * prometheus_target_scrapes_exceeded_body_size_limit_total,
 * prometheus_target_scrape_pool_exceeded_label_limits_total,
 * prometheus_target_scrapes_cache_flush_forced_total,
 * prometheus_target_sync_length_seconds_sum/_count,
 * prometheus_sd_file_read_errors_total, prometheus_sd_file_scan_duration_seconds. */
void scrape_manager_metrics(struct scrape_manager *m, struct mset *ms);

#endif
