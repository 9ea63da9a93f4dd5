/* pharos-tsdb: Prometheus's server as one static binary: scrapes the
 * targets of prometheus.yml, stores the samples in LMDB, answers PromQL
 * and the rest of the HTTP API v1, sends and receives remote write.
 *
 * This file is the wiring: flags, the store, the config and its reloads,
 * the scrape manager, the remote writer, the HTTP server, and signals
 * (through a signalfd: no work in signal handlers). Exit codes: 0 after
 * SIGTERM/SIGINT, 100 for a usage error or an invalid configuration at
 * start, 111 when the system fails (store, port). */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "../../lib/flags.h"
#include "../../lib/httpd.h"
#include "../../lib/log.h"
#include "../../lib/metricset.h"
#include "api.h"
#include "config.h"
#include "promql/parse.h"
#include "remote/remote.h"
#include "scrape.h"
#include "store/store.h"

#ifndef PHAROS_VERSION
#define PHAROS_VERSION "0.1.0"
#endif

static struct {
	const char *config_file;
	const char *storage_path;
	const char *retention_time;
	const char *retention_size;
	const char *retention_old; /* --storage.tsdb.retention (deprecated spelling) */
	const char *flush_interval;
	const char *listen;
	int enable_lifecycle;
	int enable_rw_receiver;
	int enable_admin_api;
	const char *query_timeout;
	const char *query_max_samples;
	const char *lookback_delta;
	const char *log_level;
	const char *log_format;
	const char *external_url;
	const char *max_connections;
	const char *query_max_concurrency;
} opt = {
	.config_file = "prometheus.yml",
	.storage_path = "data/",
	.retention_time = "0s", /* as Prometheus: 0 means the default, 15d */
	.retention_size = "0B",
	.flush_interval = "5s",
	.listen = "0.0.0.0:9090",
	.query_timeout = "2m",
	.query_max_samples = "50000000",
	.lookback_delta = "5m",
	.log_level = "info",
	.log_format = "logfmt",
	.external_url = "",
	.max_connections = "512",
	.query_max_concurrency = "20",
};

static struct flag flags[] = {
	{ "config.file", FLAG_STRING, &opt.config_file, "Prometheus configuration file (prometheus.yml).", 0 },
	{ "storage.tsdb.path", FLAG_STRING, &opt.storage_path, "Directory of the LMDB store.", 0 },
	{ "storage.tsdb.retention.time", FLAG_STRING, &opt.retention_time, "How long samples are kept (e.g. 30d; 0s: 15d).", 0 },
	{ "storage.tsdb.retention.size", FLAG_STRING, &opt.retention_size, "Most bytes the store may use (e.g. 10GB, base 2; 0B: no limit).", 0 },
	{ "storage.tsdb.retention", FLAG_STRING, &opt.retention_old, "Deprecated spelling of --storage.tsdb.retention.time.", 0 },
	{ "storage.tsdb.flush-interval", FLAG_STRING, &opt.flush_interval, "How often appended samples are made durable; a crash loses at most this much (pharos).", 0 },
	{ "web.listen-address", FLAG_STRING, &opt.listen, "Address for the UI, the API and telemetry.", 0 },
	{ "web.enable-lifecycle", FLAG_BOOL, &opt.enable_lifecycle, "Allow POST /-/reload and /-/quit.", 0 },
	{ "web.enable-remote-write-receiver", FLAG_BOOL, &opt.enable_rw_receiver, "Accept remote write requests at /api/v1/write.", 0 },
	{ "web.enable-admin-api", FLAG_BOOL, &opt.enable_admin_api, "Accepted for compatibility; pharos has no admin API.", 0 },
	{ "web.external-url", FLAG_STRING, &opt.external_url, "Accepted for compatibility (shown in the flags status).", 0 },
	{ "web.max-connections", FLAG_STRING, &opt.max_connections, "Accepted for compatibility.", 0 },
	{ "query.timeout", FLAG_STRING, &opt.query_timeout, "Longest a query may run.", 0 },
	{ "query.max-samples", FLAG_STRING, &opt.query_max_samples, "Most samples a query may hold in memory at once.", 0 },
	{ "query.lookback-delta", FLAG_STRING, &opt.lookback_delta, "How far back an instant selector looks for a sample.", 0 },
	{ "query.max-concurrency", FLAG_STRING, &opt.query_max_concurrency, "Most queries evaluated at once; more wait for a slot.", 0 },
	{ "log.level", FLAG_STRING, &opt.log_level, "Least severe log level printed: debug, info, warn, error.", 0 },
	{ "log.format", FLAG_STRING, &opt.log_format, "Log format: logfmt (json is accepted and logged as logfmt).", 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

/* Prometheus flags that do not apply to pharos: accepted with a warning so
 * that command lines written for Prometheus keep working. */
static const char *const foreign_flags[] = {
	"web.console.templates", "web.console.libraries", "web.route-prefix", "web.page-title",
	"web.user-assets", "web.read-timeout", "web.cors.origin", "web.config.file",
	"storage.tsdb.wal-compression", "storage.tsdb.min-block-duration",
	"storage.tsdb.max-block-duration", "storage.tsdb.no-lockfile",
	"storage.tsdb.allow-overlapping-blocks", "storage.tsdb.head-chunks-write-queue-size",
	"storage.remote.flush-deadline", "storage.remote.read-sample-limit",
	"storage.remote.read-concurrent-limit", "storage.remote.read-max-bytes-in-frame",
	"rules.alert.for-outage-tolerance", "rules.alert.for-grace-period",
	"rules.alert.resend-delay", "alertmanager.notification-queue-capacity",
	"scrape.adjust-timestamps", "scrape.discovery-reload-interval",
	"scrape.timestamp-tolerance", "enable-feature", "web.enable-admin-api",
	NULL,
};

static int foreign_flag(const char *name, const char *value, void *ctx)
{
	(void)ctx;
	(void)value;
	const char *n = strncmp(name, "no-", 3) ? name : name + 3;
	for (int i = 0; foreign_flags[i]; i++)
		if (!strcmp(n, foreign_flags[i])) {
			log_warn("flag --%s does not apply to pharos-tsdb; ignored", n);
			return 0;
		}
	return -1;
}

/* Go's units.ParseBase2Bytes, as Prometheus reads retention.size:
 * an integer and a unit B, KB, MB, GB, TB, PB, EB (powers of 1024; KiB
 * spellings too). */
static int parse_bytes(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || errno || *s == '-')
		return -1;
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB", "PB", "EB" };
	static const char *const iunits[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	for (int i = 0; i < 7; i++)
		if (!strcmp(end, units[i]) || !strcmp(end, iunits[i])) {
			uint64_t r = v;
			for (int k = 0; k < i; k++) {
				if (r > UINT64_MAX / 1024)
					return -1;
				r *= 1024;
			}
			*out = r;
			return 0;
		}
	if (!*end && v == 0) {
		*out = 0;
		return 0;
	}
	return -1;
}

static int64_t duration_flag(const char *name, const char *v)
{
	int64_t ms;
	if (promql_parse_duration(v, strlen(v), &ms) != 0)
		log_fatal(100, "--%s: not a duration: \"%s\"", name, v);
	return ms;
}

/* ---- the running program ---- */

/* HTTP worker threads: queries take at most HTTP_THREADS - 4 of them. */
#define HTTP_THREADS 16

static struct tsdb_store *store;
static struct scrape_manager *scraper;
static struct remote_writer *rwriter;
static struct prom_config *config; /* in force; replaced on reload */
static pthread_mutex_t reload_lock = PTHREAD_MUTEX_INITIALIZER;
static struct api api;
static void publish_config(const struct prom_config *cfg);

static struct promql_querier *store_querier(void *ctx, int64_t mint, int64_t maxt)
{
	return tsdb_querier(ctx, mint, maxt);
}

static int store_label_names(void *ctx, struct arena *a, const char ***out, size_t *n)
{
	return tsdb_label_names(ctx, a, out, n);
}

static int store_label_values(void *ctx, const char *name, struct arena *a, const char ***out,
			      size_t *n)
{
	return tsdb_label_values(ctx, name, a, out, n);
}

static int targets_json(void *ctx, struct httpd_req *req, struct jsonw *w)
{
	(void)ctx;
	struct scrape_target_info *act, *drop;
	size_t na, nd;
	int rc = scrape_manager_targets(scraper, &req->arena, &act, &na, &drop, &nd);
	if (rc != 0)
		return rc;
	api_write_targets(w, act, na, drop, nd, httpd_query(req, "state"));
	return 0;
}

/* The "limit" parameter of the metadata endpoints: -1 (no limit) when
 * absent or empty. Returns 0, or -1 after answering bad_data. */
static int limit_param(struct httpd_req *req, long *out)
{
	const char *lim = httpd_query(req, "limit");
	*out = -1;
	if (lim && *lim) {
		char *end;
		*out = strtol(lim, &end, 10);
		if (*end) {
			api_error(req, API_ERR_BAD_DATA, "limit must be a number");
			return -1;
		}
	}
	return 0;
}

static int metadata_json(void *ctx, struct httpd_req *req, struct jsonw *w)
{
	(void)ctx;
	const char *metric = httpd_query(req, "metric");
	long limit;
	if (limit_param(req, &limit) != 0)
		return -1;
	struct scrape_metadata *md;
	size_t n;
	int rc = scrape_manager_metadata(scraper, &req->arena, metric, limit, &md, &n);
	if (rc != 0)
		return rc;
	api_write_metadata(w, md, n);
	return 0;
}

/* match_target: a target is kept when every matcher accepts its labels. */
static bool target_matches(void *ctx, const struct labels *target)
{
	const struct api_matcher_set *set = ctx;
	for (size_t i = 0; i < set->n; i++)
		if (!labels_matcher_matches(&set->m[i], labels_get(target, set->m[i].name)))
			return false;
	return true;
}

static int target_metadata_json(void *ctx, struct httpd_req *req, struct jsonw *w)
{
	(void)ctx;
	const char *metric = httpd_query(req, "metric");
	const char *match = httpd_query(req, "match_target");
	long limit;
	if (limit_param(req, &limit) != 0)
		return -1;
	struct api_matcher_set *set = NULL;
	if (match && *match) {
		struct promql_node *n;
		struct promql_error perr;
		if (promql_parse_selector(match, strlen(match), &req->arena, &n, &perr) != 0) {
			struct buf b = BUF_INIT;
			promql_error_format(&perr, &b);
			api_error(req, API_ERR_BAD_DATA, b.p ? b.p : "parse error");
			buf_free(&b);
			return -1;
		}
		set = arena_alloc(&req->arena, sizeof *set);
		set->m = n->u.vs.matchers;
		set->n = n->u.vs.nmatchers;
	}
	struct scrape_target_metadata *md;
	size_t n;
	int rc = scrape_manager_target_metadata(scraper, &req->arena, set ? target_matches : NULL,
						set, metric, limit, &md, &n);
	if (rc != 0)
		return rc;
	api_write_target_metadata(w, md, n, !metric || !*metric);
	return 0;
}

static int tsdb_status_json(void *ctx, struct httpd_req *req, struct jsonw *w)
{
	(void)ctx;
	struct tsdb_status st;
	int rc = tsdb_store_status(store, &req->arena, &st);
	if (rc != 0)
		return rc;
	api_write_tsdb_status(w, &st);
	return 0;
}

static void collect(void *ctx, struct mset *ms)
{
	(void)ctx;
	tsdb_store_metrics(store, ms);
	scrape_manager_metrics(scraper, ms);
	remote_writer_metrics(rwriter, ms);
	if (opt.enable_rw_receiver)
		remote_write_receiver_metrics(ms);
}

/* Load the config file and put it in force. On failure the running
 * config stays, the errors are logged (file:line:col) and copied to err
 * (may be NULL). Returns 0 or a negative code. */
/* Log, one line each, the settings of c that load but that pharos does
 * not act on (remote_read, proxy_url, ...). */
static void log_config_warnings(const struct prom_config *c)
{
	struct buf w = BUF_INIT;

	prom_config_warnings(c, &w);
	for (char *line = w.p, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (*line)
			log_warn("%s", line);
	}
	buf_free(&w);
}

static int reload(void *ctx, struct buf *err)
{
	(void)ctx;
	pthread_mutex_lock(&reload_lock);
	struct prom_config *nc = NULL;
	struct buf errs = BUF_INIT;
	int rc = prom_config_load(opt.config_file, &nc, &errs);
	if (rc != 0) {
		while (errs.len && errs.p[errs.len - 1] == '\n')
			errs.p[--errs.len] = 0;
		const char *p = errs.len ? errs.p : "unknown error";
		log_error("reloading the configuration failed; the running one is kept: %s", p);
		if (err)
			buf_puts(err, p);
		api_set_config(&api, NULL, NULL, false);
		buf_free(&errs);
		pthread_mutex_unlock(&reload_lock);
		return rc;
	}
	buf_free(&errs);
	log_config_warnings(nc);
	remote_writer_apply(rwriter, nc);
	scrape_manager_apply(scraper, nc);
	/* both borrowed the old config until this apply: it may go now */
	prom_config_free(config);
	config = nc;
	publish_config(nc);
	log_info("configuration reloaded from %s", opt.config_file);
	pthread_mutex_unlock(&reload_lock);
	return 0;
}

/* Publish cfg to the API: the YAML as Prometheus shows it (defaults
 * filled in, secrets hidden) and the external labels. */
static void publish_config(const struct prom_config *cfg)
{
	struct buf y = BUF_INIT;
	prom_config_marshal(cfg, &y);
	api_set_config(&api, y.p ? y.p : "", &cfg->global.external_labels, true);
	buf_free(&y);
}

/* POST /api/v1/write without --web.enable-remote-write-receiver: 404 with
 * a hint, as Prometheus answers. */
static void write_disabled(struct httpd_req *req, void *ctx)
{
	(void)ctx;
	httpd_error(req, 404,
		    "the remote write receiver is off; start with --web.enable-remote-write-receiver");
}

/* POST /-/quit: the same path as SIGTERM (the signal is blocked in every
 * thread and read from the signalfd by the main loop). */
static void quit(void *ctx)
{
	(void)ctx;
	kill(getpid(), SIGTERM);
}

/* /api/v1/status/flags: every flag with its value or default. */
static struct api_flag *flag_table(size_t *n)
{
	size_t k = 0;
	while (flags[k].name)
		k++;
	struct api_flag *t = xcalloc(k, sizeof *t);
	for (size_t i = 0; i < k; i++) {
		t[i].name = flags[i].name;
		if (flags[i].kind == FLAG_BOOL)
			t[i].value = *(int *)flags[i].dest ? "true" : "false";
		else
			t[i].value = *(const char **)flags[i].dest ? *(const char **)flags[i].dest
								   : "";
	}
	*n = k;
	return t;
}

int main(int argc, char **argv)
{
	log_init("pharos-tsdb", LOG_INFO);
	flags_parse(argc, argv, flags, PHAROS_VERSION, foreign_flag, NULL);
	enum log_level lvl;
	if (log_level_parse(opt.log_level, &lvl) != 0)
		log_fatal(100, "--log.level: unknown level \"%s\"", opt.log_level);
	log_init("pharos-tsdb", lvl);

	struct tsdb_store_opts so = { .dir = opt.storage_path };
	/* the deprecated --storage.tsdb.retention counts unless the new
	 * spelling is given too */
	const struct flag *rt = flags;
	while (strcmp(rt->name, "storage.tsdb.retention.time"))
		rt++;
	const char *ret = opt.retention_old && !rt->seen ? opt.retention_old : opt.retention_time;
	so.retention_ms = duration_flag("storage.tsdb.retention.time", ret);
	if (parse_bytes(opt.retention_size, &so.retention_bytes) != 0)
		log_fatal(100, "--storage.tsdb.retention.size: not a size: \"%s\"", opt.retention_size);
	so.flush_interval_ms = duration_flag("storage.tsdb.flush-interval", opt.flush_interval);
	if (so.flush_interval_ms <= 0)
		log_fatal(100, "--storage.tsdb.flush-interval must be positive");

	api_init(&api);
	api.eval.timeout_ms = duration_flag("query.timeout", opt.query_timeout);
	api.eval.lookback_delta_ms = duration_flag("query.lookback-delta", opt.lookback_delta);
	char *end;
	long long ms = strtoll(opt.query_max_samples, &end, 10);
	if (*end || ms <= 0)
		log_fatal(100, "--query.max-samples: not a positive count: \"%s\"",
			  opt.query_max_samples);
	api.eval.max_samples = ms;
	long mc = strtol(opt.query_max_concurrency, &end, 10);
	if (*end || mc <= 0)
		log_fatal(100, "--query.max-concurrency: not a positive count: \"%s\"",
			  opt.query_max_concurrency);
	/* a few HTTP threads stay free of queries for health checks, /metrics
	 * and the UI */
	api.max_concurrency = mc < HTTP_THREADS - 4 ? (int)mc : HTTP_THREADS - 4;
	if (api.eval.timeout_ms <= 0 || api.eval.lookback_delta_ms <= 0)
		log_fatal(100, "--query.timeout and --query.lookback-delta must be positive");

	/* The config first: a bad one stops us before anything is opened. */
	struct buf errs = BUF_INIT;
	if (prom_config_load(opt.config_file, &config, &errs) != 0) {
		fprintf(stderr, "%s", errs.p ? errs.p : "");
		log_fatal(100, "invalid configuration in %s", opt.config_file);
	}
	buf_free(&errs);
	log_config_warnings(config);

	/* Signals are read from a signalfd in the loop below; block them
	 * before any thread starts so that every thread inherits the mask. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	int sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sfd < 0)
		log_fatal(111, "signalfd: %s", strerror(errno));

	char err[512];
	if (tsdb_store_open(&store, &so, err, sizeof err) != 0)
		log_fatal(111, "unable to open the store in %s: %s", opt.storage_path, err);
	if (remote_writer_new(&rwriter) != 0)
		log_fatal(111, "out of memory");
	struct scrape_sink sink = { remote_writer_push, rwriter };
	if (scrape_manager_new(&scraper, store, &sink) != 0)
		log_fatal(111, "out of memory");

	size_t nflags;
	struct api_flag *ftab = flag_table(&nflags);
	api.storage = (struct api_storage){ store, store_querier, store_label_names,
					    store_label_values };
	api.flags = ftab;
	api.nflags = nflags;
	/* runtimeinfo's storageRetention: the time in force, and the size */
	char retention[96];
	char rdur[40];
	api_format_duration(so.retention_ms ? so.retention_ms : 15LL * 86400000, rdur,
			    sizeof rdur);
	if (so.retention_bytes)
		snprintf(retention, sizeof retention, "%s or %s", rdur, opt.retention_size);
	else
		snprintf(retention, sizeof retention, "%s", rdur);
	api.storage_retention = retention;
	api.enable_lifecycle = opt.enable_lifecycle;
	api.targets = targets_json;
	api.metadata = metadata_json;
	api.target_metadata = target_metadata_json;
	api.tsdb_status = tsdb_status_json;
	api.reload = reload;
	api.quit = quit;
	api.collect = collect;
	publish_config(config);

	remote_writer_apply(rwriter, config);
	scrape_manager_apply(scraper, config);

	size_t nroutes;
	const struct httpd_route *ar = api_routes(&api, &nroutes);
	struct httpd_route *routes = xcalloc(nroutes + 1, sizeof *routes);
	size_t k = 0;
	/* the receiver's exact path wins over the API's /api/v1/ catch-all */
	if (opt.enable_rw_receiver)
		routes[k++] = (struct httpd_route){ "/api/v1/write", HTTPD_POST, remote_write_handler,
						    store };
	else
		routes[k++] = (struct httpd_route){ "/api/v1/write", HTTPD_POST, write_disabled, NULL };
	memcpy(routes + k, ar, nroutes * sizeof *routes);
	k += nroutes;
	struct httpd_opts hopts = {
		.listen = opt.listen,
		.threads = HTTP_THREADS,
		.max_header_bytes = 16384,
		.max_body_bytes = opt.enable_rw_receiver ? REMOTE_MAX_COMPRESSED : API_MAX_BODY,
	};
	struct httpd *h;
	if (httpd_start(&h, &hopts, routes, k, err, sizeof err) != 0)
		log_fatal(111, "%s", err);
	log_info("listening on %s (port %d)", opt.listen, httpd_port(h));
	/* The store opens without replaying anything: queries can be answered
	 * as soon as the server listens. */
	api_set_ready(&api, true);
	log_info("server is ready to receive web requests");

	int code = 0;
	for (;;) {
		struct pollfd pfd = { sfd, POLLIN, 0 };
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			code = 111;
			break;
		}
		struct signalfd_siginfo si;
		if (read(sfd, &si, sizeof si) != (ssize_t)sizeof si)
			continue;
		if (si.ssi_signo == SIGHUP) {
			reload(NULL, NULL);
			continue;
		}
		log_info("received signal %d, shutting down", (int)si.ssi_signo);
		break;
	}
	api_set_ready(&api, false);
	/* The server stops first (no handler may touch the scraper or the
	 * store once they go), then scraping (staleness markers for every
	 * target), then the remote writer drains, then the store flushes. */
	httpd_stop(h);
	scrape_manager_free(scraper);
	remote_writer_free(rwriter);
	tsdb_store_close(store);
	prom_config_free(config);
	api_free(&api);
	free(routes);
	free(ftab);
	close(sfd);
	log_info("stopped");
	return code;
}
