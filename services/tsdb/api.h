/* api.h - pharos-tsdb's HTTP API v1 and its other HTTP endpoints, as
 * Prometheus 2.42 serves them: /api/v1/query, query_range, series, labels,
 * label/<name>/values, targets, targets/metadata, metadata, status/{buildinfo,config,flags,
 * runtimeinfo,tsdb}, rules, alerts,
 * alertmanagers, query_exemplars, /federate, /-/healthy, /-/ready,
 * /-/reload, /-/quit, /metrics and the web UI (web/).
 *
 * The API is a thin envelope around the PromQL engine and the storage:
 * every JSON answer is {"status":"success","data":...} or
 * {"status":"error","errorType":...,"error":...} with Prometheus's status
 * codes (bad_data 400, execution 422, canceled and timeout 503, internal
 * 500). What the API needs from the rest of the program comes through
 * struct api: the storage as a querier factory, and callbacks for what
 * other modules know (targets, metadata, reload, metrics), so that the
 * API can be tested over the in-memory store.
 *
 * Threads: the handlers run on the HTTP server's worker threads, several
 * at once. struct api is set up before the server starts; afterwards only
 * api_set_config() and api_set_ready() change it (both thread-safe).
 */
#ifndef PHAROS_TSDB_API_H
#define PHAROS_TSDB_API_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../lib/buf.h"
#include "../../lib/httpd.h"
#include "../../lib/jsonw.h"
#include "../../lib/labels.h"
#include "promql/eval.h"
#include "promql/querier.h"

struct mset;
struct jsonw;

/* The storage as the API reads it. */
struct api_storage {
	void *ctx;
	/* A querier over [mint, maxt]; the API closes it with q->close(q).
	 * NULL means the storage failed (answered as "internal"). */
	struct promql_querier *(*querier)(void *ctx, int64_t mint, int64_t maxt);
	/* Optional fast paths for /api/v1/labels and label values without
	 * match[] (every stored series); NULL: computed through the querier
	 * with a {__name__=~".+"} selection. Same contract as
	 * tsdb_label_names() / tsdb_label_values(). */
	int (*label_names)(void *ctx, struct arena *a, const char ***out, size_t *n);
	int (*label_values)(void *ctx, const char *name, struct arena *a, const char ***out,
			    size_t *n);
};

/* One command-line flag as /api/v1/status/flags shows it. */
struct api_flag {
	const char *name;  /* without "--" */
	const char *value; /* as given, or the default */
};

/* Writes the data member of a JSON answer for one of the endpoints that
 * other modules know about; returns 0, or a negative code after which the
 * API answers 500 "internal". */
typedef int (*api_json_fn)(void *ctx, struct httpd_req *req, struct jsonw *w);

struct api {
	struct api_storage storage;
	struct promql_eval_opts eval; /* lookback, max samples, timeout */

	/* /api/v1/status/flags, in order; borrowed for the API's life. */
	const struct api_flag *flags;
	size_t nflags;
	const char *storage_retention; /* e.g. "15d", for runtimeinfo */
	bool enable_lifecycle;         /* POST /-/reload allowed */
	/* Most PromQL evaluations at once (--query.max-concurrency); more
	 * wait for a slot, at most their timeout (then "timeout"). 0: no
	 * limit. Keep it below the HTTP server's thread count so that health
	 * checks and /metrics always find a thread. */
	int max_concurrency;

	/* Optional hooks (NULL: the endpoint answers an empty list). Each
	 * writes the whole "data" value. */
	api_json_fn targets;   /* /api/v1/targets (state= in req) */
	api_json_fn metadata;  /* /api/v1/metadata (metric=, limit= in req) */
	api_json_fn target_metadata; /* /api/v1/targets/metadata (match_target=,
				      * metric=, limit=); a hook may answer a
				      * bad request itself (api_error) */
	api_json_fn tsdb_status; /* /api/v1/status/tsdb */
	void *hook_ctx;
	/* Reload the configuration (POST /-/reload): 0, or negative with the
	 * error (file:line:col: ...) in err. NULL: reload is not possible. */
	int (*reload)(void *ctx, struct buf *err);
	/* Begin a clean shutdown (POST /-/quit, lifecycle only); it must
	 * return at once (the answer is sent after). NULL: quit only
	 * answers. Called with reload_ctx. */
	void (*quit)(void *ctx);
	void *reload_ctx;
	/* Add the process's other metrics (store, scraper, remote writer)
	 * to /metrics. May be NULL. */
	void (*collect)(void *ctx, struct mset *ms);
	void *collect_ctx;

	/* ---- state the API keeps itself (api_init / api_free) ---- */
	pthread_mutex_t lock;
	pthread_cond_t slot_freed;  /* a query ended (max_concurrency) */
	int running;                /* queries evaluating now; under lock */
	char *config_text;          /* /api/v1/status/config; owned */
	struct arena ext_arena;     /* external labels' storage */
	struct labels external_labels;
	bool reload_ok;
	int64_t last_config_ms;
	int64_t start_ms;
	atomic_int ready;
	atomic_ulong *counters;     /* requests by handler and code; owned */
	struct httpd_route *routes; /* api_routes()' table; owned */
	void *route_ctx;            /* per-route context; owned */
};

/* Zero the state part and set the defaults; the caller then fills the
 * public part. */
void api_init(struct api *api);
void api_free(struct api *api);

/* Record the configuration now in force (after a load or reload):
 * text for /api/v1/status/config and external labels for /federate (both
 * copied). ok says whether the last reload attempt succeeded (a failed
 * reload calls this with text NULL and ok false, keeping the old text). */
void api_set_config(struct api *api, const char *text, const struct labels *external,
		    bool ok);
/* /-/ready answers 200 once this was called with true (503 before). */
void api_set_ready(struct api *api, bool ready);

/* The routes to hand to httpd_start(): a table owned by api whose ctx
 * members point into api. [out] n: how many. Valid until api_free(). */
const struct httpd_route *api_routes(struct api *api, size_t *n);

/* ---- request parameters (api_params.c) ---- */

/* The parameters of a request: the query string, and for POST a body of
 * type application/x-www-form-urlencoded, decoded, in order. */
struct api_params {
	const char **names, **values; /* in the request arena */
	size_t n;
};

/* Limits on what a request may carry. */
#define API_MAX_PARAMS 1024
#define API_MAX_BODY (4u << 20)

/* Parse req's parameters into p (strings in req->arena).
 * Returns 0, or -1 with a message in err (the request could not be
 * read as a form; the caller answers bad_data). */
int api_params_parse(struct httpd_req *req, struct api_params *p, char *err, size_t errlen);
/* Parse a urlencoded string s[0..len) (a=b&c=d), appending to p.
 * Returns 0, or -1 with a message in err (too many parameters, a bad
 * percent escape). */
int api_params_parse_form(struct arena *a, const char *s, size_t len, struct api_params *p,
			  char *err, size_t errlen);
/* The first value of name, or NULL. */
const char *api_param(const struct api_params *p, const char *name);
/* Every value of name, in order: an array in a, count in *n. */
const char **api_param_all(const struct api_params *p, const char *name, struct arena *a,
			   size_t *n);

/* Prometheus's time parameter: unix seconds with an optional fraction
 * ("1700000000.123"), or RFC 3339 ("2023-11-14T22:13:20.123Z",
 * "2023-11-14T23:13:20+01:00"). Returns 0 with *ms, or -1 with err. */
int api_parse_time(const char *s, int64_t *ms, char *err, size_t errlen);
/* Prometheus's duration parameter: seconds as a float ("15", "0.5") or a
 * duration ("1m30s"). Returns 0 with *ms, or -1 with err. */
int api_parse_duration(const char *s, int64_t *ms, char *err, size_t errlen);

/* match[] selectors. */
struct api_matcher_set {
	struct labels_matcher *m;
	size_t n;
};
/* Parse each selector in sel[0..n) (arena a). Rejects a selector whose
 * matchers all match the empty string, as Prometheus does.
 * Returns 0, or -1 with err ("1:4: parse error: ..."). */
int api_parse_matchers(struct arena *a, const char *const *sel, size_t n,
		       struct api_matcher_set **out, char *err, size_t errlen);

/* ---- answers (api_reply.c) ---- */

enum api_errtype {
	API_ERR_BAD_DATA,
	API_ERR_EXEC,
	API_ERR_CANCELED,
	API_ERR_TIMEOUT,
	API_ERR_INTERNAL,
	API_ERR_NOT_FOUND,
	API_ERR_UNAVAILABLE,
};

/* Begin a success answer: writes {"status":"success","data": and leaves w
 * ready for the data value. */
void api_begin(struct jsonw *w, struct buf *out);
/* End it (warnings may be NULL/0) and send it with status 200. */
void api_end(struct httpd_req *req, struct jsonw *w, struct buf *out,
	     const char *const *warnings, size_t nwarnings);
/* Send an error answer with the status code Prometheus uses for type. */
void api_error(struct httpd_req *req, enum api_errtype type, const char *msg);
/* printf-style api_error. */
void api_errorf(struct httpd_req *req, enum api_errtype type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The errorType string and HTTP status of type. */
const char *api_errtype_str(enum api_errtype type);
int api_errtype_status(enum api_errtype type);

/* Write a label set as a JSON object (names in order). */
void api_write_labels(struct jsonw *w, const struct labels *ls);
/* Now, in ms since the epoch. */
int64_t api_now_ms(void);
/* Append t (ms) as RFC 3339 with nanoseconds as Go prints time.Time
 * ("2026-11-25T11:24:31.688Z", trailing zeros dropped). */
void api_format_rfc3339(struct buf *out, int64_t ms);

/* ---- JSON of other modules' snapshots (api_targets.c) ---- */

struct scrape_target_info;
struct scrape_metadata;
struct tsdb_status;

/* /api/v1/targets' data from scrape_manager_targets()'s arrays; state is
 * the request's state= ("active", "dropped", "any" or empty; another value
 * shows neither list, as Prometheus does). */
void api_write_targets(struct jsonw *w, const struct scrape_target_info *active, size_t na,
		       const struct scrape_target_info *dropped, size_t nd, const char *state);
/* /api/v1/metadata's data from scrape_manager_metadata()'s array (sorted
 * by metric name). */
void api_write_metadata(struct jsonw *w, const struct scrape_metadata *md, size_t n);
struct scrape_target_metadata;
/* /api/v1/targets/metadata's data from scrape_manager_target_metadata()'s
 * array; with_metric false when the request named one metric (Prometheus
 * then leaves "metric" out). */
void api_write_target_metadata(struct jsonw *w, const struct scrape_target_metadata *md,
			       size_t n, bool with_metric);
/* /api/v1/status/tsdb's data. */
void api_write_tsdb_status(struct jsonw *w, const struct tsdb_status *st);
/* Append ms as Prometheus prints a duration ("15s", "1m30s") into out. */
void api_format_duration(int64_t ms, char *out, size_t outlen);

#endif
