/* api_admin.c - the route table, the API's own state and counters, and
 * the small endpoints: /-/healthy, /-/ready, /-/reload, /metrics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/metricset.h"
#include "../../lib/procself.h"
#include "api.h"
#include "api_internal.h"

#ifndef PHAROS_VERSION
#define PHAROS_VERSION "0.1.0"
#endif
#ifndef PHAROS_REVISION
#define PHAROS_REVISION "unknown"
#endif

/* Every route: path for the router, methods, the "handler" label of
 * prometheus_http_requests_total (Prometheus's spelling), handler. */
static const struct {
	const char *path;
	unsigned methods;
	const char *label;
	httpd_handler fn;
} table[] = {
	{ "/api/v1/query", HTTPD_GET | HTTPD_POST, "/api/v1/query", api_handle_query },
	{ "/api/v1/query_range", HTTPD_GET | HTTPD_POST, "/api/v1/query_range", api_handle_query_range },
	{ "/api/v1/query_exemplars", HTTPD_GET | HTTPD_POST, "/api/v1/query_exemplars", api_handle_query_exemplars },
	{ "/api/v1/series", HTTPD_GET | HTTPD_POST, "/api/v1/series", api_handle_series },
	{ "/api/v1/labels", HTTPD_GET | HTTPD_POST, "/api/v1/labels", api_handle_labels },
	{ "/api/v1/label/*", HTTPD_GET, "/api/v1/label/:name/values", api_handle_label_values },
	{ "/api/v1/targets", HTTPD_GET, "/api/v1/targets", api_handle_targets },
	{ "/api/v1/metadata", HTTPD_GET, "/api/v1/metadata", api_handle_metadata },
	{ "/api/v1/targets/metadata", HTTPD_GET, "/api/v1/targets/metadata", api_handle_target_metadata },
	{ "/api/v1/rules", HTTPD_GET, "/api/v1/rules", api_handle_rules },
	{ "/api/v1/alerts", HTTPD_GET, "/api/v1/alerts", api_handle_alerts },
	{ "/api/v1/alertmanagers", HTTPD_GET, "/api/v1/alertmanagers", api_handle_alertmanagers },
	{ "/api/v1/status/buildinfo", HTTPD_GET, "/api/v1/status/buildinfo", api_handle_buildinfo },
	{ "/api/v1/status/config", HTTPD_GET, "/api/v1/status/config", api_handle_config },
	{ "/api/v1/status/flags", HTTPD_GET, "/api/v1/status/flags", api_handle_flags },
	{ "/api/v1/status/runtimeinfo", HTTPD_GET, "/api/v1/status/runtimeinfo", api_handle_runtimeinfo },
	{ "/api/v1/status/tsdb", HTTPD_GET, "/api/v1/status/tsdb", api_handle_tsdb },
	{ "/api/v1/*", HTTPD_GET | HTTPD_POST | HTTPD_PUT | HTTPD_DELETE, "/api/v1/*path", api_handle_api_not_found },
	{ "/federate", HTTPD_GET | HTTPD_POST, "/federate", api_handle_federate },
	{ "/metrics", HTTPD_GET, "/metrics", api_handle_metrics },
	{ "/-/healthy", HTTPD_GET, "/-/healthy", api_handle_healthy },
	{ "/-/ready", HTTPD_GET, "/-/ready", api_handle_ready },
	{ "/-/reload", HTTPD_POST | HTTPD_PUT, "/-/reload", api_handle_reload },
	{ "/-/quit", HTTPD_POST | HTTPD_PUT, "/-/quit", api_handle_quit },
	{ "/", HTTPD_GET, "/", api_handle_web },
	{ "/graph", HTTPD_GET, "/graph", api_handle_web },
	{ "/targets", HTTPD_GET, "/targets", api_handle_web },
	{ "/alerts", HTTPD_GET, "/alerts", api_handle_web },
	{ "/status", HTTPD_GET, "/status", api_handle_web },
	{ "/static/*", HTTPD_GET, "/static/*filepath", api_handle_web },
};
#define NROUTES (sizeof table / sizeof table[0])

/* Status codes counted by prometheus_http_requests_total; anything else
 * is counted under its class (the last entries). */
static const int codes[] = { 200, 204, 302, 400, 403, 404, 405, 413, 422, 500, 503 };
#define NCODES (sizeof codes / sizeof codes[0])

static _Thread_local int last_status;

void api_note_status(int status)
{
	last_status = status;
}

struct route_ctx {
	struct api *api;
	size_t idx;
};

static void counted(struct httpd_req *req, void *ctx)
{
	struct route_ctx *rc = ctx;
	last_status = 0;
	table[rc->idx].fn(req, rc->api);
	/* A reply sent by the HTTP layer itself (e.g. 413 for a body over
	 * the limit) is not seen here: it counts as 400. */
	int st = last_status ? last_status : 400;
	size_t k = 0;
	while (k < NCODES && codes[k] != st)
		k++;
	if (k == NCODES)
		k = st >= 500 ? NCODES - 2 : NCODES - 8; /* 500 or 400 */
	atomic_fetch_add(&rc->api->counters[rc->idx * NCODES + k], 1);
}

const struct httpd_route *api_routes(struct api *api, size_t *n)
{
	struct route_ctx *rc = api->route_ctx;
	for (size_t i = 0; i < NROUTES; i++) {
		rc[i] = (struct route_ctx){ api, i };
		api->routes[i] = (struct httpd_route){ table[i].path, table[i].methods, counted,
						       &rc[i] };
	}
	*n = NROUTES;
	return api->routes;
}

void api_init(struct api *api)
{
	memset(api, 0, sizeof *api);
	pthread_mutex_init(&api->lock, NULL);
	pthread_cond_init(&api->slot_freed, NULL);
	api->ext_arena = (struct arena)ARENA_INIT;
	api->start_ms = api_now_ms();
	api->counters = xcalloc(NROUTES * NCODES, sizeof *api->counters);
	api->routes = xcalloc(NROUTES, sizeof *api->routes);
	api->route_ctx = xcalloc(NROUTES, sizeof(struct route_ctx));
	atomic_init(&api->ready, 0);
}

void api_free(struct api *api)
{
	free(api->config_text);
	arena_free(&api->ext_arena);
	free((void *)api->counters);
	free(api->routes);
	free(api->route_ctx);
	pthread_cond_destroy(&api->slot_freed);
	pthread_mutex_destroy(&api->lock);
}

void api_set_config(struct api *api, const char *text, const struct labels *external, bool ok)
{
	pthread_mutex_lock(&api->lock);
	if (text) {
		free(api->config_text);
		api->config_text = xstrdup(text);
		arena_free(&api->ext_arena);
		api->external_labels = external ? labels_copy(&api->ext_arena, external)
						: LABELS_EMPTY;
	}
	api->reload_ok = ok;
	if (ok)
		api->last_config_ms = api_now_ms();
	pthread_mutex_unlock(&api->lock);
}

void api_set_ready(struct api *api, bool ready)
{
	atomic_store(&api->ready, ready ? 1 : 0);
}

static void text_reply(struct httpd_req *req, int status, const char *msg)
{
	api_note_status(status);
	httpd_reply(req, status, "text/plain; charset=utf-8", msg, strlen(msg));
}

void api_handle_healthy(struct httpd_req *req, void *ctx)
{
	text_reply(req, 200, "pharos-tsdb is healthy.\n");
}

void api_handle_ready(struct httpd_req *req, void *ctx)
{
	struct api *api = ctx;
	if (atomic_load(&api->ready))
		text_reply(req, 200, "pharos-tsdb is ready.\n");
	else
		text_reply(req, 503, "Service Unavailable\n");
}

void api_handle_reload(struct httpd_req *req, void *ctx)
{
	struct api *api = ctx;
	if (!api->enable_lifecycle) {
		text_reply(req, 403, "Lifecycle API is not enabled.\n");
		return;
	}
	if (!api->reload) {
		text_reply(req, 500, "failed to reload config: reloading is not possible here\n");
		return;
	}
	struct buf err = BUF_INIT;
	if (api->reload(api->reload_ctx, &err) != 0) {
		/* One line per problem; the answer names them all. */
		while (err.len && err.p[err.len - 1] == '\n')
			err.p[--err.len] = 0;
		struct buf msg = BUF_INIT;
		buf_printf(&msg, "failed to reload config: %s\n", err.p ? err.p : "error");
		text_reply(req, 500, msg.p);
		buf_free(&msg);
	} else {
		text_reply(req, 200, "");
	}
	buf_free(&err);
}

void api_handle_quit(struct httpd_req *req, void *ctx)
{
	struct api *api = ctx;
	if (!api->enable_lifecycle) {
		text_reply(req, 403, "Lifecycle API is not enabled.\n");
		return;
	}
	text_reply(req, 200, "Shutting down.\n");
	if (api->quit)
		api->quit(api->reload_ctx);
}

void api_handle_api_not_found(struct httpd_req *req, void *ctx)
{
	(void)ctx;
	text_reply(req, 404, "404 page not found\n");
}

static void own_metrics(struct api *api, struct mset *ms)
{
	struct mfamily *f = mset_family(ms, "prometheus_http_requests_total",
					"HTTP requests answered, by handler and status code.",
					METRIC_COUNTER);
	for (size_t i = 0; i < NROUTES; i++)
		for (size_t k = 0; k < NCODES; k++) {
			unsigned long v = atomic_load(&api->counters[i * NCODES + k]);
			if (!v && codes[k] != 200)
				continue;
			char code[8];
			snprintf(code, sizeof code, "%d", codes[k]);
			const char *names[] = { "code", "handler" };
			const char *values[] = { code, table[i].label };
			mset_add(ms, f, (double)v, 2, names, values);
		}
	mset_gauge(ms, "prometheus_build_info",
		   "Always 1; the labels say which build serves (pharos-tsdb, Prometheus 2.42 API).",
		   1, "branch", "pharos", "goversion", "none", "revision",
		   "pharos-" PHAROS_VERSION "-" PHAROS_REVISION, "version", "2.42.0", NULL);
	pthread_mutex_lock(&api->lock);
	bool ok = api->reload_ok;
	double last = (double)(api->last_config_ms / 1000);
	pthread_mutex_unlock(&api->lock);
	mset_gauge(ms, "prometheus_config_last_reload_successful",
		   "1 if the last configuration load or reload worked, else 0.", ok ? 1 : 0, NULL);
	mset_gauge(ms, "prometheus_config_last_reload_success_timestamp_seconds",
		   "When the configuration was last loaded with success (Unix seconds).", last,
		   NULL);
	mset_gauge(ms, "prometheus_ready", "1 once the server answers queries.",
		   atomic_load(&api->ready) ? 1 : 0, NULL);
}

void api_handle_metrics(struct httpd_req *req, void *ctx)
{
	struct api *api = ctx;
	struct mset ms;
	mset_init(&ms);
	procself_collect(&ms);
	own_metrics(api, &ms);
	if (api->collect)
		api->collect(api->collect_ctx, &ms);
	struct buf out = BUF_INIT;
	mset_write(&ms, &out);
	api_note_status(200);
	httpd_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", out.p ? out.p : "",
		    out.len);
	buf_free(&out);
	mset_free(&ms);
}
