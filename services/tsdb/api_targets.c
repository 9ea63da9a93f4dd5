/* api_targets.c - the JSON of /api/v1/targets, /api/v1/metadata and
 * /api/v1/status/tsdb from the scraper's and the store's snapshots (the
 * snapshots are taken by the caller: see api.h). */
#include <string.h>

#include "api.h"
#include "scrape.h"
#include "store/store.h"

/* scrape_health_name()'s spelling, kept here so that this file links
 * without the scraper (the unit tests). */
static const char *health_name(enum scrape_health h)
{
	return h == SCRAPE_HEALTH_UP ? "up" : h == SCRAPE_HEALTH_DOWN ? "down" : "unknown";
}

static void target(struct jsonw *w, const struct scrape_target_info *t)
{
	struct buf b = BUF_INIT;
	char dur[40];
	jsonw_obj_begin(w);
	jsonw_key(w, "discoveredLabels");
	api_write_labels(w, &t->discovered_labels);
	jsonw_key(w, "labels");
	api_write_labels(w, &t->labels);
	jsonw_key(w, "scrapePool");
	jsonw_str(w, t->scrape_pool);
	jsonw_key(w, "scrapeUrl");
	jsonw_str(w, t->scrape_url);
	jsonw_key(w, "globalUrl");
	jsonw_str(w, t->global_url);
	jsonw_key(w, "lastError");
	jsonw_str(w, t->last_error);
	jsonw_key(w, "lastScrape");
	if (t->last_scrape_ms)
		api_format_rfc3339(&b, t->last_scrape_ms);
	else
		buf_puts(&b, "0001-01-01T00:00:00Z"); /* Go's zero time */
	jsonw_str(w, b.p);
	jsonw_key(w, "lastScrapeDuration");
	jsonw_double(w, t->last_scrape_duration_s);
	jsonw_key(w, "health");
	jsonw_str(w, health_name(t->health));
	buf_reset(&b);
	api_format_duration(t->interval_ms, dur, sizeof dur);
	jsonw_key(w, "scrapeInterval");
	jsonw_str(w, dur);
	api_format_duration(t->timeout_ms, dur, sizeof dur);
	jsonw_key(w, "scrapeTimeout");
	jsonw_str(w, dur);
	jsonw_obj_end(w);
	buf_free(&b);
}

void api_write_targets(struct jsonw *w, const struct scrape_target_info *active, size_t na,
		       const struct scrape_target_info *dropped, size_t nd, const char *state)
{
	bool any = !state || !*state || !strcasecmp(state, "any");
	bool show_active = any || !strcasecmp(state, "active");
	bool show_dropped = any || !strcasecmp(state, "dropped");
	jsonw_obj_begin(w);
	jsonw_key(w, "activeTargets");
	jsonw_arr_begin(w);
	for (size_t i = 0; show_active && i < na; i++)
		target(w, &active[i]);
	jsonw_arr_end(w);
	jsonw_key(w, "droppedTargets");
	jsonw_arr_begin(w);
	for (size_t i = 0; show_dropped && i < nd; i++) {
		jsonw_obj_begin(w);
		jsonw_key(w, "discoveredLabels");
		api_write_labels(w, &dropped[i].discovered_labels);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_obj_end(w);
}

void api_write_metadata(struct jsonw *w, const struct scrape_metadata *md, size_t n)
{
	jsonw_obj_begin(w);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		jsonw_key(w, md[i].metric);
		jsonw_arr_begin(w);
		for (; j < n && !strcmp(md[j].metric, md[i].metric); j++) {
			jsonw_obj_begin(w);
			jsonw_key(w, "type");
			jsonw_str(w, md[j].type);
			jsonw_key(w, "help");
			jsonw_str(w, md[j].help);
			jsonw_key(w, "unit");
			jsonw_str(w, md[j].unit);
			jsonw_obj_end(w);
		}
		jsonw_arr_end(w);
		i = j;
	}
	jsonw_obj_end(w);
}

void api_write_target_metadata(struct jsonw *w, const struct scrape_target_metadata *md,
			       size_t n, bool with_metric)
{
	jsonw_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		jsonw_obj_begin(w);
		jsonw_key(w, "target");
		api_write_labels(w, &md[i].target);
		if (with_metric) {
			jsonw_key(w, "metric");
			jsonw_str(w, md[i].md.metric);
		}
		jsonw_key(w, "type");
		jsonw_str(w, md[i].md.type);
		jsonw_key(w, "help");
		jsonw_str(w, md[i].md.help);
		jsonw_key(w, "unit");
		jsonw_str(w, md[i].md.unit);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

static void counts(struct jsonw *w, const char *key, const struct tsdb_status_count *c, size_t n)
{
	jsonw_key(w, key);
	jsonw_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		jsonw_obj_begin(w);
		jsonw_key(w, "name");
		jsonw_str(w, c[i].name);
		jsonw_key(w, "value");
		jsonw_uint(w, c[i].value);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

void api_write_tsdb_status(struct jsonw *w, const struct tsdb_status *st)
{
	jsonw_obj_begin(w);
	jsonw_key(w, "headStats");
	jsonw_obj_begin(w);
	jsonw_key(w, "numSeries");
	jsonw_uint(w, st->num_series);
	jsonw_key(w, "numLabelPairs");
	jsonw_uint(w, st->num_label_pairs);
	jsonw_key(w, "chunkCount");
	jsonw_uint(w, st->chunk_count);
	/* an empty store: Prometheus shows its empty head's bounds */
	bool empty = st->num_series == 0 && st->min_time == 0 && st->max_time == 0;
	jsonw_key(w, "minTime");
	jsonw_int(w, empty ? INT64_MAX : st->min_time);
	jsonw_key(w, "maxTime");
	jsonw_int(w, empty ? INT64_MIN : st->max_time);
	jsonw_obj_end(w);
	counts(w, "seriesCountByMetricName", st->series_by_metric, st->n_series_by_metric);
	counts(w, "labelValueCountByLabelName", st->values_by_label, st->n_values_by_label);
	counts(w, "memoryInBytesByLabelName", st->bytes_by_label, st->n_bytes_by_label);
	counts(w, "seriesCountByLabelValuePair", st->series_by_pair, st->n_series_by_pair);
	jsonw_obj_end(w);
}
