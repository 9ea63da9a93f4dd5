/* scrape_append.c - one scrape's processing, as Prometheus 2.42's
 * scrapeLoop.append / report / endOfRunStaleness.
 *
 * The steady state: parse a line, hash its series text, find the cache
 * entry, append by ref. Only a series seen for the first time goes the
 * slow way (labels parsed, target labels merged, metric_relabel_configs,
 * limits), with scratch memory from the state's arena, reset per scrape.
 *
 * Staleness: every sample appended without an explicit timestamp marks its
 * entry with the processing round once the batch is through; after the
 * body, entries marked in the previous standing round and not in this one
 * get a staleness marker. A failed scrape marks nothing, so all of the
 * previous scrape's series get markers, as in Prometheus.
 */
#include "scrape_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promql/querier.h"
#include "store/store.h"

#define MAX_AHEAD_MS (10 * 60 * 1000) /* Prometheus's maxAheadTime */

/* The report series' cache keys: the name and a 0xff byte, which no
 * exposition line can hold, as Prometheus does. */
static const char *const report_keys[] = {
	"up\xff",
	"scrape_duration_seconds\xff",
	"scrape_samples_scraped\xff",
	"scrape_samples_post_metric_relabeling\xff",
	"scrape_series_added\xff",
};
#define NREPORT (sizeof report_keys / sizeof *report_keys)

void scrape_state_init(struct scrape_state *st, bool keep_labels)
{
	memset(st, 0, sizeof *st);
	scrape_cache_init(&st->cache, keep_labels);
	scrape_meta_init(&st->meta);
	st->arena = (struct arena)ARENA_INIT;
	st->lb = (struct labels_builder)LABELS_BUILDER_INIT;
}

void scrape_state_free(struct scrape_state *st)
{
	scrape_cache_free(&st->cache);
	scrape_meta_free(&st->meta);
	arena_free(&st->arena);
	labels_builder_free(&st->lb);
	free(st->pending);
	free(st->added);
	memset(st, 0, sizeof *st);
}

static void pend(struct scrape_state *st, struct scrape_entry *e, int64_t t, double v, bool track)
{
	if (st->npending == st->pending_cap) {
		st->pending_cap = st->pending_cap ? st->pending_cap * 2 : 1024;
		st->pending = xrealloc(st->pending, st->pending_cap * sizeof *st->pending);
	}
	st->pending[st->npending++] = (struct scrape_pending){ e, t, v, track };
}

/* ---- label checks (Prometheus's messages) ---- */

/* Bytes of the first max runes of s (Go's %.50s counts runes). */
static size_t rune_prefix(const char *s, size_t max)
{
	size_t i = 0, r = 0;
	while (s[i] && r < max) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		for (size_t k = 1; k < n; k++)
			if (!s[i + k]) {
				n = k;
				break;
			}
		i += n;
		r++;
	}
	return i;
}

static bool valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		size_t n;
		uint32_t v, min;
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 2, v = *p & 0x1f, min = 0x80;
		else if (*p >= 0xe0 && *p <= 0xef)
			n = 3, v = *p & 0x0f, min = 0x800;
		else if (*p >= 0xf0 && *p <= 0xf4)
			n = 4, v = *p & 0x07, min = 0x10000;
		else
			return false;
		for (size_t k = 1; k < n; k++) {
			if ((p[k] & 0xc0) != 0x80)
				return false;
			v = v << 6 | (p[k] & 0x3f);
		}
		if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
			return false;
		p += n;
	}
	return true;
}

static bool valid_metric_name(const char *s)
{
	if (!*s)
		return false;
	for (const char *q = s; *q; q++) {
		char c = *q;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
			  (q != s && c >= '0' && c <= '9');
		if (!ok)
			return false;
	}
	return true;
}

/* Prometheus's verifyLabelLimits. Returns 0 or -1 with res->err set. */
static int check_limits(const struct labels *ls, const struct scrape_opts *o, struct scrape_result *res)
{
	const char *met = labels_get(ls, LABELS_METRIC_NAME);
	if (!met)
		met = "";
	int ml = (int)rune_prefix(met, 50);
	if (o->label_limit && ls->n > o->label_limit) {
		snprintf(res->err, sizeof res->err,
			 "label_limit exceeded (metric: %.*s, number of labels: %zu, limit: %llu)", ml, met,
			 ls->n, (unsigned long long)o->label_limit);
		return -1;
	}
	for (size_t i = 0; i < ls->n; i++) {
		const char *n = ls->v[i].name, *v = ls->v[i].value;
		size_t nl = strlen(n), vl = strlen(v);
		if (o->label_name_length_limit && nl > o->label_name_length_limit) {
			snprintf(res->err, sizeof res->err,
				 "label_name_length_limit exceeded (metric: %.*s, label name: %.*s, length: %zu, limit: %llu)",
				 ml, met, (int)rune_prefix(n, 50), n, nl,
				 (unsigned long long)o->label_name_length_limit);
			return -1;
		}
		if (o->label_value_length_limit && vl > o->label_value_length_limit) {
			struct buf q = BUF_INIT;
			labels_quote(v, rune_prefix(v, 50), &q);
			snprintf(res->err, sizeof res->err,
				 "label_value_length_limit exceeded (metric: %.*s, label name: %.*s, value: %s, length: %zu, limit: %llu)",
				 ml, met, (int)rune_prefix(n, 50), n, q.p, vl,
				 (unsigned long long)o->label_value_length_limit);
			buf_free(&q);
			return -1;
		}
	}
	return 0;
}

/* ---- the slow path: a series' final labels ---- */

enum { BUILD_KEEP = 1, BUILD_DROP = 0 };

/* Merge the target labels into the exposed ones (honor_labels, or
 * exported_ renames), run metric_relabel_configs, check the result.
 * Returns BUILD_KEEP with *out, BUILD_DROP, or -1 (res->err set: the
 * scrape fails). */
static int build_labels(struct scrape_state *st, const struct scrape_opts *o,
			const struct labels *exposed, struct labels *out, struct scrape_result *res)
{
	struct labels_builder *b = &st->lb;
	const struct labels *tl = &o->target_labels;
	labels_builder_reset(b, exposed);
	if (o->honor_labels) {
		for (size_t i = 0; i < tl->n; i++)
			if (!labels_has(exposed, tl->v[i].name))
				labels_builder_set(b, tl->v[i].name, tl->v[i].value);
	} else {
		/* conflicts: exposed labels the target overrides; renamed
		 * exported_<name> (repeated until free), shortest names first */
		struct label conf_small[32];
		struct label *conf = tl->n <= 32 ? conf_small : arena_alloc(&st->arena, tl->n * sizeof *conf);
		size_t nconf = 0;
		for (size_t i = 0; i < tl->n; i++) {
			const char *ev = labels_get(exposed, tl->v[i].name);
			if (ev && *ev)
				conf[nconf++] = (struct label){ tl->v[i].name, ev };
			labels_builder_set(b, tl->v[i].name, tl->v[i].value);
		}
		/* stable sort by name length (insertion sort: tiny) */
		for (size_t i = 1; i < nconf; i++) {
			struct label x = conf[i];
			size_t j = i;
			while (j > 0 && strlen(conf[j - 1].name) > strlen(x.name)) {
				conf[j] = conf[j - 1];
				j--;
			}
			conf[j] = x;
		}
		for (size_t i = 0; i < nconf; i++) {
			const char *nn = conf[i].name;
			for (;;) {
				nn = arena_printf(&st->arena, "exported_%s", nn);
				bool taken = labels_has(exposed, nn) || labels_has(tl, nn);
				for (size_t k = 0; k < i && !taken; k++)
					taken = strcmp(conf[k].name, nn) == 0;
				if (!taken)
					break;
			}
			conf[i].name = nn;
		}
		for (size_t i = 0; i < nconf; i++)
			labels_builder_set(b, conf[i].name, conf[i].value);
	}
	if (o->nmrc && relabel_process(o->mrc, o->nmrc, b, &st->arena) == 0)
		return BUILD_DROP;
	labels_builder_finish(b, &st->arena, out);
	if (out->n == 0)
		return BUILD_DROP;
	if (!labels_has(out, LABELS_METRIC_NAME)) {
		snprintf(res->err, sizeof res->err, "missing metric name (__name__ label)");
		return -1;
	}
	for (size_t i = 0; i < out->n; i++) {
		const struct label *l = &out->v[i];
		bool ok = labels_valid_name(l->name) && valid_utf8(l->value) &&
			  (strcmp(l->name, LABELS_METRIC_NAME) != 0 || valid_metric_name(l->value));
		if (!ok) {
			struct buf f = BUF_INIT;
			labels_format(out, &f);
			snprintf(res->err, sizeof res->err, "invalid metric name or label names: %s", f.p);
			buf_free(&f);
			return -1;
		}
	}
	if (check_limits(out, o, res) < 0) {
		res->label_limit_hit = true;
		return -1;
	}
	return BUILD_KEEP;
}

/* The name that repeats in a label set textparse refused. */
static const char *dup_name(const struct labels *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		for (size_t j = i + 1; j < ls->n; j++)
			if (strcmp(ls->v[i].name, ls->v[j].name) == 0)
				return ls->v[i].name;
	return LABELS_METRIC_NAME;
}

/* Count a per-sample store error; returns true when the scrape goes on. */
static bool count_append_error(int rc, struct scrape_result *res)
{
	switch (rc) {
	case TSDB_ERR_OUT_OF_ORDER: res->out_of_order++; return true;
	case TSDB_ERR_DUPLICATE: res->duplicate++; return true;
	case TSDB_ERR_OUT_OF_BOUNDS: res->out_of_bounds++; return true;
	default: return false;
	}
}

/* ---- the body ---- */

/* Append the body's samples into app. Returns 0, or -1 with res->err (the
 * caller rolls back). */
static int append_body(struct scrape_state *st, const struct scrape_opts *o,
		       const struct scrape_storage *stg, void *app, const char *body, size_t len,
		       const char *content_type, int64_t t_default, int64_t now_ms,
		       struct scrape_result *res)
{
	enum textparse_format fmt;
	textparse_format_for(content_type, &fmt);
	struct textparse *p = &st->parser;
	textparse_init(p, fmt, body ? body : "", body ? len : 0, &o->parse_limits, 0);
	struct scrape_cache *c = &st->cache;
	uint64_t limit_count = 0;
	size_t cursor = 0;
	int rc = 0, e;
	while ((e = textparse_next(p)) > 0) {
		const struct textparse_cur *cur = &p->cur;
		switch (e) {
		case TEXTPARSE_TYPE:
			scrape_meta_set(&st->meta, cur->name, cur->name_len, 0, cur->type, NULL, 0, c->iter);
			continue;
		case TEXTPARSE_HELP:
			scrape_meta_set(&st->meta, cur->name, cur->name_len, 1, 0, cur->text, cur->text_len,
					c->iter);
			continue;
		case TEXTPARSE_UNIT:
			scrape_meta_set(&st->meta, cur->name, cur->name_len, 2, 0, cur->text, cur->text_len,
					c->iter);
			continue;
		case TEXTPARSE_SERIES:
			break;
		default:
			continue;
		}
		res->total++;
		bool explicit_ts = cur->has_ts && o->honor_timestamps;
		int64_t t = explicit_ts ? cur->ts : t_default;
		double v = cur->value;
		/* the entry predicted by the last scrape's order, else by hash */
		struct scrape_entry *en = cursor < c->nprev_order ? c->prev_order[cursor] : NULL;
		uint64_t h = 0;
		if (en && en->key_len == cur->series_len &&
		    memcmp(en->key, cur->series, cur->series_len) == 0) {
			cursor++;
		} else {
			h = scrape_hash(cur->series, cur->series_len);
			en = scrape_cache_get(c, cur->series, cur->series_len, h);
			if (en && en->pos < c->nprev_order && c->prev_order[en->pos] == en)
				cursor = en->pos + 1;
		}
		struct labels final = LABELS_EMPTY;
		bool have_final = false;
		if (en) {
			en->seen_iter = c->iter;
			scrape_cache_record(c, en);
			if (en->flags & SCRAPE_ENTRY_DROPPED)
				continue;
		} else {
			struct labels exposed;
			if (textparse_labels(p, &exposed) < 0) {
				snprintf(res->err, sizeof res->err,
					 "label name \"%s\" is not unique: invalid sample", dup_name(&exposed));
				rc = -1;
				break;
			}
			int b = build_labels(st, o, &exposed, &final, res);
			if (b < 0) {
				rc = -1;
				break;
			}
			if (b == BUILD_DROP) {
				en = scrape_cache_add(c, cur->series, cur->series_len, h, 0, NULL,
						      SCRAPE_ENTRY_DROPPED);
				en->seen_iter = c->iter;
				scrape_cache_record(c, en);
				continue;
			}
			have_final = true;
		}
		res->added++;
		/* the limit appender, then the time-limit appender */
		if (o->sample_limit && ++limit_count > o->sample_limit) {
			res->sample_limit_hit = true;
			continue;
		}
		if (t > now_ms + MAX_AHEAD_MS) {
			res->out_of_bounds++;
			continue;
		}
		uint64_t ref = en ? en->ref : 0;
		int a = stg->append(app, &ref, have_final ? &final : NULL, t, v);
		if (a == TSDB_ERR_UNKNOWN_REF && en) {
			/* the store forgot the series (retention): labels again */
			struct labels exposed;
			if (en->nlabels) {
				final = scrape_entry_labels(en);
			} else if (textparse_labels(p, &exposed) < 0 ||
				   build_labels(st, o, &exposed, &final, res) != BUILD_KEEP) {
				snprintf(res->err, sizeof res->err, "series labels changed unexpectedly");
				rc = -1;
				break;
			}
			ref = 0;
			a = stg->append(app, &ref, &final, t, v);
		}
		if (a < 0) {
			if (count_append_error(a, res))
				continue;
			snprintf(res->err, sizeof res->err, "%s", tsdb_strerror(a));
			rc = -1;
			break;
		}
		if (!en) {
			en = scrape_cache_add(c, cur->series, cur->series_len, h, ref, &final, 0);
			en->seen_iter = c->iter;
			scrape_cache_record(c, en);
			res->series_added++;
			if (st->nadded == st->added_cap) {
				st->added_cap = st->added_cap ? st->added_cap * 2 : 256;
				st->added = xrealloc(st->added, st->added_cap * sizeof *st->added);
			}
			st->added[st->nadded++] = en;
		} else {
			en->ref = ref;
		}
		pend(st, en, t, v, !explicit_ts);
	}
	if (rc == 0 && e < 0) {
		snprintf(res->err, sizeof res->err, "%s", textparse_error(p));
		rc = -1;
	}
	if (rc == 0 && res->sample_limit_hit) {
		snprintf(res->err, sizeof res->err, "sample limit exceeded");
		rc = -1;
	}
	textparse_free(p);
	return rc;
}

/* Staleness markers for the entries of the previous standing round that
 * this round did not mark. */
static int write_stale(struct scrape_state *st, const struct scrape_storage *stg, void *app,
		       int64_t t, uint32_t round, struct scrape_result *res)
{
	struct scrape_cache *c = &st->cache;
	uint32_t prev = c->prev_round;
	if (prev == 0)
		return 0;
	double sn = promql_stale_nan();
	for (size_t i = 0; i < c->cap; i++) {
		struct scrape_entry *e = c->slots[i];
		if (!e || e->track_round != prev || e->track_round == round || !e->ref)
			continue;
		uint64_t ref = e->ref;
		struct labels kept = scrape_entry_labels(e);
		int a = stg->append(app, &ref, kept.n ? &kept : NULL, t, sn);
		if (a == 0) {
			res->stale_written++;
			pend(st, e, t, sn, false);
		} else if (a != TSDB_ERR_OUT_OF_ORDER && a != TSDB_ERR_DUPLICATE &&
			   a != TSDB_ERR_UNKNOWN_REF && a != TSDB_ERR_OUT_OF_BOUNDS) {
			/* expected ones: the target came back under a new
			 * loop, or the series is gone from the store */
			return a;
		}
	}
	return 0;
}

/* The report series' labels: __name__ plus the target's labels. */
static void report_labels(struct scrape_state *st, const struct scrape_opts *o, size_t k,
			  struct labels *out)
{
	const char *key = report_keys[k];
	char *name = arena_strndup(&st->arena, key, strlen(key) - 1);
	labels_builder_reset(&st->lb, &o->target_labels);
	labels_builder_set(&st->lb, LABELS_METRIC_NAME, name);
	labels_builder_finish(&st->lb, &st->arena, out);
}

static int append_report(struct scrape_state *st, const struct scrape_opts *o,
			 const struct scrape_storage *stg, void *app, int64_t t,
			 const double vals[NREPORT])
{
	struct scrape_cache *c = &st->cache;
	for (size_t k = 0; k < NREPORT; k++) {
		const char *key = report_keys[k];
		size_t kl = strlen(key);
		uint64_t h = scrape_hash(key, kl);
		struct scrape_entry *e = scrape_cache_get(c, key, kl, h);
		uint64_t ref = e ? e->ref : 0;
		struct labels ls = LABELS_EMPTY;
		if (!e || !ref)
			report_labels(st, o, k, &ls);
		int a = stg->append(app, &ref, ls.n ? &ls : NULL, t, vals[k]);
		if (a == TSDB_ERR_UNKNOWN_REF) {
			report_labels(st, o, k, &ls);
			ref = 0;
			a = stg->append(app, &ref, &ls, t, vals[k]);
		}
		if (a == TSDB_ERR_OUT_OF_ORDER || a == TSDB_ERR_DUPLICATE || a == TSDB_ERR_OUT_OF_BOUNDS)
			continue;
		if (a < 0)
			return a;
		if (!e)
			e = scrape_cache_add(c, key, kl, h, ref, &ls, 0);
		e->ref = ref;
		pend(st, e, t, vals[k], false);
	}
	return 0;
}

/* After a commit: staleness tracking and the sink. */
static void apply_pending(struct scrape_state *st, const struct scrape_sink *sink, uint32_t round)
{
	for (size_t i = 0; i < st->npending; i++) {
		struct scrape_pending *pd = &st->pending[i];
		if (pd->track)
			pd->e->track_round = round;
		if (sink && sink->fn && pd->e->nlabels) {
			struct labels kept = scrape_entry_labels(pd->e);
			sink->fn(sink->ctx, &kept, pd->t, pd->v);
		}
	}
	st->npending = 0;
}

/* A batch that created series did not commit: forget those series (the
 * store need not keep them), and this call's order, which lists them. */
static void forget_added(struct scrape_state *st)
{
	for (size_t i = 0; i < st->nadded; i++)
		scrape_cache_remove(&st->cache, st->added[i]);
	st->nadded = 0;
	st->cache.norder = 0;
}

int scrape_process(struct scrape_state *st, const struct scrape_opts *o,
		   const struct scrape_storage *stg, const struct scrape_sink *sink,
		   const char *body, size_t len, const char *content_type, int64_t t,
		   int64_t now_ms, const char *scrape_err, double duration_s,
		   struct scrape_result *res)
{
	memset(res, 0, sizeof *res);
	struct scrape_cache *c = &st->cache;
	uint32_t round = ++c->round;
	if (round == 0) /* wrapped: 0 means "never" */
		round = c->round = 1;
	st->npending = 0;
	c->norder = 0;
	arena_reset(&st->arena);
	void *app = stg->begin(stg->ctx);
	if (!app) {
		snprintf(res->err, sizeof res->err, "storage unavailable");
		return -1;
	}
	bool ok = scrape_err == NULL;
	st->nadded = 0;
	if (ok && append_body(st, o, stg, app, body, len, content_type, t, now_ms, res) < 0) {
		ok = false;
		stg->rollback(app);
		st->npending = 0;
		forget_added(st);
		app = stg->begin(stg->ctx);
		if (!app) {
			snprintf(res->err, sizeof res->err, "storage unavailable");
			return -1;
		}
	}
	if (scrape_err)
		snprintf(res->err, sizeof res->err, "%s", scrape_err);
	if (!ok) {
		/* nothing of this scrape stands: forget the tracking marks */
		for (size_t i = 0; i < st->npending; i++)
			st->pending[i].track = false;
	}
	/* mark this round's series before looking for vanished ones */
	for (size_t i = 0; i < st->npending; i++)
		if (st->pending[i].track)
			st->pending[i].e->track_round = round;
	int rc = write_stale(st, stg, app, t, round, res);
	res->up = ok;
	if (rc == 0) {
		double vals[NREPORT] = { ok ? 1 : 0, duration_s, (double)res->total, (double)res->added,
					 (double)res->series_added };
		rc = append_report(st, o, stg, app, t, vals);
	}
	if (rc < 0) {
		stg->rollback(app);
		st->npending = 0;
		forget_added(st);
		if (!res->err[0] || ok)
			snprintf(res->err, sizeof res->err, "append: %s", tsdb_strerror(rc));
		res->up = false;
		return rc;
	}
	rc = stg->commit(app);
	if (rc < 0) {
		st->npending = 0;
		forget_added(st);
		snprintf(res->err, sizeof res->err, "commit: %s", tsdb_strerror(rc));
		res->up = false;
		return rc;
	}
	apply_pending(st, sink, round);
	c->prev_round = round;
	scrape_cache_order_done(c);
	st->last_t = t;
	st->scraped = true;
	bool nonempty = ok && len > 0;
	res->cache_flushed = scrape_cache_iter_done(c, nonempty);
	if (nonempty)
		scrape_meta_expire(&st->meta, c->iter);
	return 0;
}

int scrape_process_end(struct scrape_state *st, const struct scrape_opts *o,
		       const struct scrape_storage *stg, const struct scrape_sink *sink,
		       int64_t t)
{
	if (!st->scraped)
		return 0;
	struct scrape_cache *c = &st->cache;
	uint32_t round = ++c->round;
	if (round == 0)
		round = c->round = 1;
	st->npending = 0;
	arena_reset(&st->arena);
	void *app = stg->begin(stg->ctx);
	if (!app)
		return -1;
	struct scrape_result res;
	memset(&res, 0, sizeof res);
	int rc = write_stale(st, stg, app, t, round, &res);
	if (rc == 0) {
		double sn = promql_stale_nan();
		double vals[NREPORT];
		for (size_t k = 0; k < NREPORT; k++)
			vals[k] = sn;
		rc = append_report(st, o, stg, app, t, vals);
	}
	if (rc < 0) {
		stg->rollback(app);
		st->npending = 0;
		return rc;
	}
	rc = stg->commit(app);
	if (rc < 0) {
		st->npending = 0;
		return rc;
	}
	apply_pending(st, sink, round);
	c->prev_round = round;
	return 0;
}

void scrape_state_metadata(struct scrape_state *st, struct arena *a, const char *metric,
			   struct scrape_metadata **out, size_t *n, size_t *cap)
{
	struct scrape_meta_table *t = &st->meta;
	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < t->n; i++) {
		const struct scrape_meta *m = &t->v[i];
		if (metric && *metric && strcmp(metric, m->metric) != 0)
			continue;
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 64;
			struct scrape_metadata *nv = arena_alloc(a, ncap * sizeof *nv);
			if (*n)
				memcpy(nv, *out, *n * sizeof *nv);
			*out = nv;
			*cap = ncap;
		}
		(*out)[(*n)++] = (struct scrape_metadata){
			arena_strdup(a, m->metric),
			textparse_mtype_name(m->type),
			arena_strdup(a, m->help),
			arena_strdup(a, m->unit),
		};
	}
	pthread_mutex_unlock(&t->mu);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int scrape_process_legacy(struct scrape_state *legacy, const struct scrape_state *st,
			  const struct scrape_storage *stg, const struct scrape_sink *sink,
			  int64_t t)
{
	const struct scrape_cache *nc = &st->cache;
	struct scrape_cache *oc = &legacy->cache;
	if (!oc->prev_round)
		return 0;
	/* the refs the new state's last scrape appended */
	uint64_t *refs = xmalloc((nc->n + 1) * sizeof *refs);
	size_t nr = 0;
	for (size_t i = 0; i < nc->cap; i++) {
		const struct scrape_entry *e = nc->slots[i];
		if (e && e->ref && nc->prev_round && e->track_round == nc->prev_round)
			refs[nr++] = e->ref;
	}
	qsort(refs, nr, sizeof *refs, cmp_u64);
	void *app = stg->begin(stg->ctx);
	if (!app) {
		free(refs);
		return -1;
	}
	legacy->npending = 0;
	double sn = promql_stale_nan();
	int rc = 0;
	for (size_t i = 0; i < oc->cap && rc == 0; i++) {
		struct scrape_entry *e = oc->slots[i];
		if (!e || !e->ref || e->track_round != oc->prev_round)
			continue;
		if (bsearch(&e->ref, refs, nr, sizeof *refs, cmp_u64))
			continue;
		uint64_t ref = e->ref;
		struct labels kept = scrape_entry_labels(e);
		int a = stg->append(app, &ref, kept.n ? &kept : NULL, t, sn);
		if (a == 0)
			pend(legacy, e, t, sn, false);
		else if (a != TSDB_ERR_OUT_OF_ORDER && a != TSDB_ERR_DUPLICATE &&
			 a != TSDB_ERR_UNKNOWN_REF && a != TSDB_ERR_OUT_OF_BOUNDS)
			rc = a;
	}
	free(refs);
	if (rc < 0) {
		stg->rollback(app);
		legacy->npending = 0;
		return rc;
	}
	rc = stg->commit(app);
	if (rc == 0)
		apply_pending(legacy, sink, 0);
	legacy->npending = 0;
	oc->prev_round = 0;
	return rc;
}
