/* api_status.c - /api/v1/status/{buildinfo,config,flags,runtimeinfo,tsdb},
 * /api/v1/targets, /api/v1/metadata, and the alerting endpoints that have
 * nothing to show until an alerter is attached (rules, alerts,
 * alertmanagers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "api_internal.h"

#ifndef PHAROS_VERSION
#define PHAROS_VERSION "0.1.0"
#endif
#ifndef PHAROS_REVISION
#define PHAROS_REVISION "unknown"
#endif

/* An answer whose data is written by fn (NULL: an empty object). */
static void reply_data(struct httpd_req *req, void (*fn)(struct api *, struct jsonw *),
		       struct api *api)
{
	struct buf out = BUF_INIT;
	struct jsonw w;
	api_begin(&w, &out);
	if (fn) {
		fn(api, &w);
	} else {
		jsonw_obj_begin(&w);
		jsonw_obj_end(&w);
	}
	api_end(req, &w, &out, NULL, 0);
	buf_free(&out);
}

/* An answer whose data comes from a hook (api_json_fn); without a hook the
 * empty shape written by empty(). */
static void reply_hook(struct httpd_req *req, struct api *api, api_json_fn hook,
		       void (*empty)(struct api *, struct jsonw *))
{
	struct buf out = BUF_INIT;
	struct jsonw w;
	api_begin(&w, &out);
	if (hook) {
		int rc = hook(api->hook_ctx, req, &w);
		if (req->replied) { /* the hook answered an error itself */
			buf_free(&out);
			return;
		}
		if (rc != 0) {
			buf_free(&out);
			api_error(req, API_ERR_INTERNAL, "the data could not be gathered");
			return;
		}
	} else {
		empty(api, &w);
	}
	api_end(req, &w, &out, NULL, 0);
	buf_free(&out);
}

static void buildinfo(struct api *api, struct jsonw *w)
{
	(void)api;
	/* Grafana and other clients pick features by this version: pharos
	 * speaks Prometheus 2.42's API, so that is the version it reports;
	 * the revision says which pharos build it is. */
	jsonw_obj_begin(w);
	jsonw_key(w, "version");
	jsonw_str(w, "2.42.0");
	jsonw_key(w, "revision");
	jsonw_str(w, "pharos-" PHAROS_VERSION "-" PHAROS_REVISION);
	jsonw_key(w, "branch");
	jsonw_str(w, "pharos");
	jsonw_key(w, "buildUser");
	jsonw_str(w, "pharos");
	jsonw_key(w, "buildDate");
	jsonw_str(w, __DATE__);
	jsonw_key(w, "goVersion");
	jsonw_str(w, "none (C11)");
	jsonw_obj_end(w);
}

void api_handle_buildinfo(struct httpd_req *req, void *ctx)
{
	reply_data(req, buildinfo, ctx);
}

static void config(struct api *api, struct jsonw *w)
{
	jsonw_obj_begin(w);
	jsonw_key(w, "yaml");
	pthread_mutex_lock(&api->lock);
	jsonw_str(w, api->config_text ? api->config_text : "");
	pthread_mutex_unlock(&api->lock);
	jsonw_obj_end(w);
}

void api_handle_config(struct httpd_req *req, void *ctx)
{
	reply_data(req, config, ctx);
}

static void flags(struct api *api, struct jsonw *w)
{
	jsonw_obj_begin(w);
	for (size_t i = 0; i < api->nflags; i++) {
		jsonw_key(w, api->flags[i].name);
		jsonw_str(w, api->flags[i].value ? api->flags[i].value : "");
	}
	jsonw_obj_end(w);
}

void api_handle_flags(struct httpd_req *req, void *ctx)
{
	reply_data(req, flags, ctx);
}

/* Threads of this process (/proc/self/status), Prometheus's goroutineCount
 * stand-in. */
static long thread_count(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return 0;
	char line[256];
	long n = 0;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "Threads:", 8)) {
			n = strtol(line + 8, NULL, 10);
			break;
		}
	fclose(f);
	return n;
}

static void runtimeinfo(struct api *api, struct jsonw *w)
{
	struct buf b = BUF_INIT;
	jsonw_obj_begin(w);
	jsonw_key(w, "startTime");
	api_format_rfc3339(&b, api->start_ms);
	jsonw_str(w, b.p);
	char cwd[4096];
	jsonw_key(w, "CWD");
	jsonw_str(w, getcwd(cwd, sizeof cwd) ? cwd : "");
	pthread_mutex_lock(&api->lock);
	bool ok = api->reload_ok;
	int64_t last = api->last_config_ms;
	pthread_mutex_unlock(&api->lock);
	jsonw_key(w, "reloadConfigSuccess");
	jsonw_bool(w, ok);
	jsonw_key(w, "lastConfigTime");
	buf_reset(&b);
	api_format_rfc3339(&b, last / 1000 * 1000);
	jsonw_str(w, b.p);
	jsonw_key(w, "corruptionCount");
	jsonw_int(w, 0);
	jsonw_key(w, "goroutineCount");
	jsonw_int(w, thread_count());
	jsonw_key(w, "GOMAXPROCS");
	jsonw_int(w, sysconf(_SC_NPROCESSORS_ONLN));
	jsonw_key(w, "GOGC");
	jsonw_str(w, "");
	jsonw_key(w, "GODEBUG");
	jsonw_str(w, "");
	jsonw_key(w, "storageRetention");
	jsonw_str(w, api->storage_retention ? api->storage_retention : "");
	jsonw_obj_end(w);
	buf_free(&b);
}

void api_handle_runtimeinfo(struct httpd_req *req, void *ctx)
{
	reply_data(req, runtimeinfo, ctx);
}

static void empty_tsdb(struct api *api, struct jsonw *w)
{
	(void)api;
	static const char *const lists[] = { "seriesCountByMetricName",
					     "labelValueCountByLabelName",
					     "memoryInBytesByLabelName", "seriesCountByLabelValuePair" };
	jsonw_obj_begin(w);
	jsonw_key(w, "headStats");
	jsonw_obj_begin(w);
	static const char *const keys[] = { "numSeries", "numLabelPairs", "chunkCount", "minTime",
					    "maxTime" };
	/* an empty head's bounds, as Prometheus shows them */
	const int64_t values[] = { 0, 0, 0, INT64_MAX, INT64_MIN };
	for (int i = 0; i < 5; i++) {
		jsonw_key(w, keys[i]);
		jsonw_int(w, values[i]);
	}
	jsonw_obj_end(w);
	for (int i = 0; i < 4; i++) {
		jsonw_key(w, lists[i]);
		jsonw_arr_begin(w);
		jsonw_arr_end(w);
	}
	jsonw_obj_end(w);
}

void api_handle_tsdb(struct httpd_req *req, void *ctx)
{
	struct api *api = ctx;
	reply_hook(req, api, api->tsdb_status, empty_tsdb);
}

static void empty_targets(struct api *api, struct jsonw *w)
{
	(void)api;
	jsonw_obj_begin(w);
	jsonw_key(w, "activeTargets");
	jsonw_arr_begin(w);
	jsonw_arr_end(w);
	jsonw_key(w, "droppedTargets");
	jsonw_arr_begin(w);
	jsonw_arr_end(w);
	jsonw_obj_end(w);
}

void api_handle_targets(struct httpd_req *req, void *ctx)
{
	struct api *api = ctx;
	reply_hook(req, api, api->targets, empty_targets);
}

static void empty_object(struct api *api, struct jsonw *w)
{
	(void)api;
	jsonw_obj_begin(w);
	jsonw_obj_end(w);
}

void api_handle_metadata(struct httpd_req *req, void *ctx)
{
	struct api *api = ctx;
	reply_hook(req, api, api->metadata, empty_object);
}

static void empty_list(struct api *api, struct jsonw *w)
{
	(void)api;
	jsonw_arr_begin(w);
	jsonw_arr_end(w);
}

void api_handle_target_metadata(struct httpd_req *req, void *ctx)
{
	struct api *api = ctx;
	reply_hook(req, api, api->target_metadata, empty_list);
}

static void rules(struct api *api, struct jsonw *w)
{
	(void)api;
	jsonw_obj_begin(w);
	jsonw_key(w, "groups");
	jsonw_arr_begin(w);
	jsonw_arr_end(w);
	jsonw_obj_end(w);
}

void api_handle_rules(struct httpd_req *req, void *ctx)
{
	struct api_params p;
	if (api_form_params(req, &p) != 0)
		return;
	const char *type = api_param(&p, "type");
	if (type && *type && strcmp(type, "alert") && strcmp(type, "record")) {
		struct buf q = BUF_INIT;
		labels_quote(type, strlen(type), &q);
		api_errorf(req, API_ERR_BAD_DATA, "invalid parameter \"type\": not supported value %s",
			   q.p);
		buf_free(&q);
		return;
	}
	reply_data(req, rules, ctx);
}

static void alerts(struct api *api, struct jsonw *w)
{
	(void)api;
	jsonw_obj_begin(w);
	jsonw_key(w, "alerts");
	jsonw_arr_begin(w);
	jsonw_arr_end(w);
	jsonw_obj_end(w);
}

void api_handle_alerts(struct httpd_req *req, void *ctx)
{
	reply_data(req, alerts, ctx);
}

static void alertmanagers(struct api *api, struct jsonw *w)
{
	(void)api;
	jsonw_obj_begin(w);
	jsonw_key(w, "activeAlertmanagers");
	jsonw_arr_begin(w);
	jsonw_arr_end(w);
	jsonw_key(w, "droppedAlertmanagers");
	jsonw_arr_begin(w);
	jsonw_arr_end(w);
	jsonw_obj_end(w);
}

void api_handle_alertmanagers(struct httpd_req *req, void *ctx)
{
	reply_data(req, alertmanagers, ctx);
}
