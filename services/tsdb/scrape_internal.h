/* scrape_internal.h - the parts of the scraper shared between its files:
 *
 *   scrape_cache.c   the per-target series cache (exposition text -> ref)
 *                    and the per-target metadata table
 *   scrape_append.c  one scrape's processing: body -> appends, staleness,
 *                    report series (no I/O: unit tests drive it directly)
 *   scrape_loop.c    one target's thread: schedule, HTTP, processing
 *   scrape.c         the manager: targets from the config, reloads,
 *                    file_sd refresh, the API's views, metrics
 *
 * Not a public interface: only the scrape*.c files and their tests use it.
 */
#ifndef PHAROS_TSDB_SCRAPE_INTERNAL_H
#define PHAROS_TSDB_SCRAPE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../lib/buf.h"
#include "../../lib/httpclient.h"
#include "../../lib/labels.h"
#include "config.h"
#include "relabel.h"
#include "scrape.h"
#include "textparse.h"

/* ---- where samples go ----
 * The processing appends through this small interface so that tests can
 * record what a scrape appends; scrape_storage_tsdb() wraps store.h. */
struct scrape_storage {
	/* Start a batch; NULL when the store cannot (the scrape then fails). */
	void *(*begin)(void *ctx);
	/* As tsdb_append(): *ref 0 or a ref from an earlier call; returns 0
	 * or a TSDB_ERR_* code. */
	int (*append)(void *app, uint64_t *ref, const struct labels *ls, int64_t t, double v);
	int (*commit)(void *app);
	void (*rollback)(void *app);
	void *ctx;
};

struct tsdb_store;
/* The interface over a real store (borrowed). */
struct scrape_storage scrape_storage_tsdb(struct tsdb_store *s);

/* ---- the series cache ---- */

#define SCRAPE_ENTRY_DROPPED 0x1u /* metric_relabel_configs dropped the series */

/* One series as a target exposes it. Allocated in one piece: the struct,
 * the key bytes, and (when the cache keeps labels) the final label set. */
struct scrape_entry {
	uint64_t hash;        /* of the key */
	uint64_t ref;         /* the store's series ref (0 for dropped) */
	uint32_t seen_iter;   /* cache iteration in which it was last seen */
	uint32_t track_round; /* round in which a sample without timestamp was
			       * appended (for staleness) */
	uint32_t key_len;
	uint32_t flags;       /* SCRAPE_ENTRY_* */
	uint32_t pos;         /* index in the order of the scrape that last saw it */
	uint32_t nlabels;     /* final labels kept after the key (0: none kept) */
	char key[];           /* the series as written in the exposition */
};

/* The final labels an entry keeps (empty unless the cache keeps labels).
 * Borrowed from the entry. */
static inline struct labels scrape_entry_labels(const struct scrape_entry *e)
{
	if (!e->nlabels)
		return LABELS_EMPTY;
	size_t off = (sizeof(struct scrape_entry) + e->key_len + 1 + 7) & ~(size_t)7;
	return (struct labels){ (const struct label *)(const void *)((const char *)e + off),
				e->nlabels };
}

/* Open addressing, linear probing; backward-shift deletion. */
struct scrape_cache {
	struct scrape_entry **slots;
	size_t cap, n;        /* cap a power of two */
	uint32_t iter;        /* successful, non-empty scrapes so far */
	uint32_t round;       /* every processing call (for staleness); from 1 */
	uint32_t prev_round;  /* the last round whose series stand (0 = none) */
	size_t successful_count; /* entries after the last successful scrape */
	bool keep_labels;     /* store final labels in entries (a sink needs them) */
	/* The entries in the order the last processing call met them, and
	 * the order being built: an exposition lists its series in the same
	 * order scrape after scrape, so the entry after the last one met is
	 * almost always the next line's, found without hashing. Only entries
	 * met in one call are listed, and a cache flush removes only entries
	 * not met in the call that flushes, so both lists hold live entries. */
	struct scrape_entry **order, **prev_order;
	size_t norder, nprev_order, order_cap, prev_order_cap;
};

/* Remove entry e (freed). */
void scrape_cache_remove(struct scrape_cache *c, struct scrape_entry *e);
/* Record e as the next entry met by this call. */
void scrape_cache_record(struct scrape_cache *c, struct scrape_entry *e);
/* This call's order becomes the one the next call predicts from. */
void scrape_cache_order_done(struct scrape_cache *c);

void scrape_cache_init(struct scrape_cache *c, bool keep_labels);
void scrape_cache_free(struct scrape_cache *c);
/* 64-bit hash of a byte string (fast, word at a time). */
uint64_t scrape_hash(const void *p, size_t n);
/* The entry for key, or NULL. */
struct scrape_entry *scrape_cache_get(struct scrape_cache *c, const char *key, size_t len,
				      uint64_t hash);
/* Add an entry (the key must not be present). ls (may be NULL) is deep
 * copied when the cache keeps labels. Returns the entry. */
struct scrape_entry *scrape_cache_add(struct scrape_cache *c, const char *key, size_t len,
				      uint64_t hash, uint64_t ref, const struct labels *ls,
				      uint32_t flags);
/* Remove entries not seen in iteration c->iter (after a successful scrape),
 * or all of them when c->n grew wildly during failures (Prometheus's
 * forced flush). Returns true when it flushed. */
bool scrape_cache_iter_done(struct scrape_cache *c, bool successful);

/* ---- metadata ---- */

struct scrape_meta {
	char *metric;            /* owned */
	enum textparse_mtype type;
	char *help, *unit;       /* owned; "" when not given */
	uint32_t last_iter;
};

struct scrape_meta_table {
	pthread_mutex_t mu;      /* the API reads while the loop writes */
	struct scrape_meta *v;   /* sorted by metric name */
	size_t n, cap;
};

void scrape_meta_init(struct scrape_meta_table *t);
void scrape_meta_free(struct scrape_meta_table *t);
/* Record a TYPE (which = 0), HELP (1) or UNIT (2) line of metric name. */
void scrape_meta_set(struct scrape_meta_table *t, const char *name, size_t name_len, int which,
		     enum textparse_mtype type, const char *text, size_t text_len, uint32_t iter);
/* Drop metadata not seen for more than 10 iterations. */
void scrape_meta_expire(struct scrape_meta_table *t, uint32_t iter);

/* ---- one target's processing ---- */

/* What processing needs from the scrape config and the target. Pointers
 * are borrowed (the relabel rules from the config, labels from the
 * target): the loop swaps this struct under its lock on reload. */
struct scrape_opts {
	struct labels target_labels; /* public labels (no "__" ones), sorted */
	bool honor_labels, honor_timestamps;
	const struct relabel_config *const *mrc;
	size_t nmrc;
	uint64_t sample_limit, label_limit, label_name_length_limit, label_value_length_limit;
	struct textparse_limits parse_limits;
};

/* Outcome of one processing call. */
struct scrape_result {
	bool up;
	uint64_t total;        /* samples in the exposition */
	uint64_t added;        /* after metric relabeling */
	uint64_t series_added; /* new series */
	uint64_t out_of_order, duplicate, out_of_bounds, stale_written;
	bool sample_limit_hit, label_limit_hit, cache_flushed;
	char err[512];         /* why the scrape failed ("" when up) */
};

/* Per-target state that lives as long as the target (and is handed from
 * an old loop to its replacement when the config change keeps the way
 * series are labelled). */
struct scrape_state {
	struct scrape_cache cache;
	struct scrape_meta_table meta;
	struct arena arena;          /* per-scrape scratch (new series only) */
	struct labels_builder lb;
	struct textparse parser;     /* the current scrape's parser */
	/* samples waiting for the sink until the batch commits */
	/* what the batch appended: for staleness tracking (track) and for
	 * the sink, applied once the batch has committed */
	struct scrape_pending {
		struct scrape_entry *e;
		int64_t t;
		double v;
		bool track;
	} *pending;
	size_t npending, pending_cap;
	/* entries the current call created with a ref: forgotten again when
	 * its batch is rolled back (the store need not keep those series) */
	struct scrape_entry **added;
	size_t nadded, added_cap;
	int64_t last_t;              /* timestamp of the last processing call */
	bool scraped;                /* at least one scrape was processed */
};

void scrape_state_init(struct scrape_state *st, bool keep_labels);
void scrape_state_free(struct scrape_state *st);

/* Process one scrape of a target, as Prometheus's scrapeAndReport after
 * the HTTP request: the body's samples are appended in one batch (or,
 * when scrape_err is set or the body breaks a rule or limit, nothing of it
 * and staleness markers for the previous scrape's series instead), then
 * the report series (up, scrape_duration_seconds, ...) at t.
 * [in] body, len: the response body (NULL/0 after a failed request).
 * [in] content_type: the response's Content-Type (NULL = text format).
 * [in] t: the scrape's timestamp (ms).
 * [in] now_ms: wall-clock now, for the 10-minute "too far in the future" bound.
 * [in] scrape_err: why the request failed, or NULL.
 * [in] duration_s: how long the scrape took.
 * [in] sink: may be NULL; receives every committed sample.
 * [out] res: filled in.
 * Returns 0, or a negative code when the store failed (res->err says). */
int scrape_process(struct scrape_state *st, const struct scrape_opts *o,
		   const struct scrape_storage *stg, const struct scrape_sink *sink,
		   const char *body, size_t len, const char *content_type, int64_t t,
		   int64_t now_ms, const char *scrape_err, double duration_s,
		   struct scrape_result *res);

/* The target goes away: staleness markers at t for every series of the
 * last scrape and for the report series. Returns 0 or a store error. */
int scrape_process_end(struct scrape_state *st, const struct scrape_opts *o,
		       const struct scrape_storage *stg, const struct scrape_sink *sink,
		       int64_t t);

/* The metadata of a state's table, appended to out (strings in a). */
void scrape_state_metadata(struct scrape_state *st, struct arena *a, const char *metric,
			   struct scrape_metadata **out, size_t *n, size_t *cap);

/* After a restart that changed how series are labelled: staleness
 * markers at t for the series the old state had in its last scrape that
 * the new state's first scrape did not append (by ref). Returns 0 or a
 * store error. */
int scrape_process_legacy(struct scrape_state *legacy, const struct scrape_state *st,
			  const struct scrape_storage *stg, const struct scrape_sink *sink,
			  int64_t t);

/* ---- targets and loops ---- */

/* How a loop fetches: fixed for the loop's life (a change restarts the
 * loop). Strings in the loop's arena. */
struct scrape_fetch {
	const char *url;
	int64_t interval_ms, timeout_ms;
	uint64_t offset_ms;          /* phase within the interval */
	uint64_t body_size_limit;    /* 0 = SCRAPE_MAX_BODY */
	const char *basic_user, *basic_pass, *basic_pass_file;
	const char *auth_type, *auth_cred, *auth_cred_file;
	struct http_tls_config tls;
	const char *unsupported;     /* non-NULL: every scrape fails with this */
	bool follow_redirects;       /* up to 10, as Go's client */
	char timeout_hdr[32];        /* X-Prometheus-Scrape-Timeout-Seconds */
};

/* Hard cap on a scrape body when body_size_limit is not set. */
#define SCRAPE_MAX_BODY ((uint64_t)256 << 20)

/* What the loop shows and processes with: swapped on a reload that keeps
 * the loop (under the loop's lock). Owns its arena. */
struct scrape_tinfo {
	struct arena arena;
	const char *job;
	const char *key;             /* identity: job, labels (all), URL */
	const char *fp_fetch;        /* fingerprint of struct scrape_fetch's inputs */
	const char *fp_proc;         /* ... of what decides a series' labels */
	struct labels labels;        /* final, "__" labels included */
	struct labels discovered;
	const char *url;
	struct scrape_opts opts;     /* target_labels in arena; mrc in the config */
	bool keep_labels;            /* the series cache keeps final labels (for the
				      * sink: only when remote_write is configured) */
	struct scrape_fetch fetch;   /* the fetch settings this info asks for */
};

struct scrape_manager;

struct scrape_loop {
	struct scrape_manager *m;
	pthread_t th;
	bool started;
	int stop_pipe[2];            /* readable = stop (cancels the request too) */
	pthread_mutex_t mu;          /* info, state use, status */
	struct scrape_tinfo *info;   /* owned */
	struct scrape_fetch fetch;   /* copy of info->fetch at start; strings in info
				      * of the first info (kept in fetch_arena) */
	struct arena fetch_arena;
	struct scrape_state *st;     /* owned; NULL after a handover */
	struct scrape_state *legacy; /* owned: the replaced state, for one diff */
	bool stop_stale;             /* write staleness markers when stopping */
	/* status for /api/v1/targets */
	enum scrape_health health;
	char last_error[512];
	int64_t last_scrape_ms;
	double last_duration_s;
};

/* Create a loop for info (ownership passes), with state st (NULL = new)
 * and legacy (may be NULL; ownership passes). Does not start it. */
struct scrape_loop *scrape_loop_new(struct scrape_manager *m, struct scrape_tinfo *info,
				    struct scrape_state *st, struct scrape_state *legacy);
int scrape_loop_start(struct scrape_loop *l);
/* Ask a loop to stop (no wait). stale: write staleness markers on the way out. */
void scrape_loop_signal_stop(struct scrape_loop *l, bool stale);
/* Wait for a signalled loop and free it. Returns its state when keep_state
 * (the caller owns it then), else frees it and returns NULL. */
struct scrape_state *scrape_loop_join_free(struct scrape_loop *l, bool keep_state);
/* Replace the loop's info (a reload that keeps the loop). Frees the old. */
void scrape_loop_swap_info(struct scrape_loop *l, struct scrape_tinfo *info);
void scrape_tinfo_free(struct scrape_tinfo *ti);

/* Manager hooks the loops call (scrape.c). */
const struct scrape_storage *scrape_manager_storage(struct scrape_manager *m);
const struct scrape_sink *scrape_manager_sink(struct scrape_manager *m);
void scrape_manager_count(struct scrape_manager *m, const struct scrape_result *res,
			  bool body_limit);

#endif
