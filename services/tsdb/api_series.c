/* api_series.c - /api/v1/series, /api/v1/labels and
 * /api/v1/label/<name>/values: the index, through the querier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_internal.h"

/* The widest time range a request may name (Prometheus's minTime/maxTime
 * stand-ins): the engine's bounds. */
#define API_MIN_TIME (-PROMQL_MAX_TIME_MS)
#define API_MAX_TIME PROMQL_MAX_TIME_MS

/* ---- a set of strings (arena-backed open addressing) ---- */

struct strset {
	const char **slot;
	size_t cap, n;
	struct arena *a;
};

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void strset_grow(struct strset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	const char **slot = arena_alloc(s->a, cap * sizeof *slot);
	memset(slot, 0, cap * sizeof *slot);
	for (size_t i = 0; i < s->cap; i++)
		if (s->slot[i]) {
			size_t k = str_hash(s->slot[i]) & (cap - 1);
			while (slot[k])
				k = (k + 1) & (cap - 1);
			slot[k] = s->slot[i];
		}
	s->slot = slot;
	s->cap = cap;
}

static void strset_add(struct strset *s, const char *v)
{
	if ((s->n + 1) * 2 > s->cap)
		strset_grow(s);
	size_t k = str_hash(v) & (s->cap - 1);
	while (s->slot[k]) {
		if (!strcmp(s->slot[k], v))
			return;
		k = (k + 1) & (s->cap - 1);
	}
	s->slot[k] = v;
	s->n++;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The members, sorted, as an array in the set's arena. */
static const char **strset_sorted(struct strset *s)
{
	const char **out = arena_alloc(s->a, (s->n + 1) * sizeof *out);
	size_t k = 0;
	for (size_t i = 0; i < s->cap; i++)
		if (s->slot[i])
			out[k++] = s->slot[i];
	qsort(out, k, sizeof *out, cmp_str);
	return out;
}

/* ---- parameters ---- */

int api_match_params(struct httpd_req *req, struct api_params *p, bool required,
		     struct api_matcher_set **sets, size_t *nsets)
{
	char err[512];
	int rc = api_params_parse(req, p, err, sizeof err);
	if (rc == -2)
		return -1;
	if (rc != 0) {
		api_errorf(req, API_ERR_BAD_DATA, "error parsing form values: %s", err);
		return -1;
	}
	size_t n;
	const char **sel = api_param_all(p, "match[]", &req->arena, &n);
	if (n == 0 && required) {
		api_error(req, API_ERR_BAD_DATA, "no match[] parameter provided");
		return -1;
	}
	if (api_parse_matchers(&req->arena, sel, n, sets, err, sizeof err) != 0) {
		api_errorf(req, API_ERR_BAD_DATA, "invalid parameter \"match[]\": %s", err);
		return -1;
	}
	*nsets = n;
	return 0;
}

/* limit=: 0 (absent) or a positive count. Returns 0, or -1 after
 * answering. */
static int limit_param(struct httpd_req *req, const struct api_params *p, size_t *limit)
{
	const char *s = api_param(p, "limit");
	*limit = 0;
	if (!s || !*s)
		return 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (*end || v < 0) {
		api_errorf(req, API_ERR_BAD_DATA,
			   "invalid parameter \"limit\": cannot parse \"%.64s\" to a valid limit", s);
		return -1;
	}
	*limit = (size_t)v;
	return 0;
}

static int range_params(struct httpd_req *req, const struct api_params *p, int64_t *start,
			int64_t *end)
{
	if (api_time_param(req, p, "start", API_MIN_TIME, start) != 0 ||
	    api_time_param(req, p, "end", API_MAX_TIME, end) != 0)
		return -1;
	if (*end < *start) {
		api_error(req, API_ERR_BAD_DATA,
			  "invalid parameter \"end\": end timestamp must not be before start time");
		return -1;
	}
	return 0;
}

/* Does the series have a sample in the querier's range? (The querier may
 * return series without any; Prometheus lists only those with data.) */
static int has_sample(struct promql_storage_series *s)
{
	int64_t t;
	double v;
	return s->iter->next(s->iter, &t, &v);
}

static int cmp_labels(const void *a, const void *b)
{
	return labels_cmp(a, b);
}

/* Select the series of every set; the union, sorted and without
 * duplicates, goes to *out. Returns 0 or a negative storage error. */
static int select_union(struct api *api, struct promql_querier *q, struct arena *a,
			const struct api_matcher_set *sets, size_t nsets, int64_t start,
			int64_t end, struct labels **out, size_t *nout)
{
	struct labels *all = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < nsets; i++) {
		struct promql_storage_series *ss;
		size_t ns;
		int rc = q->select(q, sets[i].m, sets[i].n, start, end, a, &ss, &ns);
		if (rc < 0)
			return rc;
		for (size_t k = 0; k < ns; k++) {
			rc = has_sample(&ss[k]);
			if (rc < 0)
				return rc;
			if (rc == 0)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				struct labels *nn = arena_alloc(a, cap * sizeof *nn);
				if (n)
					memcpy(nn, all, n * sizeof *nn);
				all = nn;
			}
			all[n++] = ss[k].labels;
		}
	}
	if (nsets > 1 && n > 1) {
		qsort(all, n, sizeof *all, cmp_labels);
		size_t w = 1;
		for (size_t i = 1; i < n; i++)
			if (!labels_equal(&all[i], &all[w - 1]))
				all[w++] = all[i];
		n = w;
	}
	(void)api;
	*out = all;
	*nout = n;
	return 0;
}

static struct promql_querier *open_querier(struct api *api, struct httpd_req *req,
					   int64_t start, int64_t end)
{
	struct promql_querier *q = api->storage.querier(api->storage.ctx, start, end);
	if (!q)
		api_error(req, API_ERR_INTERNAL, "the storage could not be read");
	return q;
}

static void reply_strings(struct httpd_req *req, const char *const *v, size_t n, size_t limit)
{
	struct buf out = BUF_INIT;
	struct jsonw w;
	api_begin(&w, &out);
	jsonw_arr_begin(&w);
	if (limit && n > limit)
		n = limit;
	for (size_t i = 0; i < n; i++)
		jsonw_str(&w, v[i]);
	jsonw_arr_end(&w);
	api_end(req, &w, &out, NULL, 0);
	buf_free(&out);
}

void api_handle_series(struct httpd_req *req, void *ctx)
{
	struct api *api = ctx;
	struct api_params p;
	struct api_matcher_set *sets;
	size_t nsets, limit;
	int64_t start, end;
	if (api_match_params(req, &p, true, &sets, &nsets) != 0 ||
	    range_params(req, &p, &start, &end) != 0 || limit_param(req, &p, &limit) != 0)
		return;
	struct promql_querier *q = open_querier(api, req, start, end);
	if (!q)
		return;
	struct labels *ls;
	size_t n;
	int rc = select_union(api, q, &req->arena, sets, nsets, start, end, &ls, &n);
	if (rc < 0) {
		q->close(q);
		api_error(req, API_ERR_INTERNAL, "the storage could not be read");
		return;
	}
	if (limit && n > limit)
		n = limit;
	struct buf out = BUF_INIT;
	struct jsonw w;
	api_begin(&w, &out);
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < n; i++)
		api_write_labels(&w, &ls[i]);
	jsonw_arr_end(&w);
	q->close(q);
	api_end(req, &w, &out, NULL, 0);
	buf_free(&out);
}

/* Every series, for the label endpoints without match[] when the storage
 * has no listing of its own. */
static struct api_matcher_set *all_series(struct arena *a)
{
	struct api_matcher_set *set = arena_alloc(a, sizeof *set);
	set->m = arena_alloc(a, sizeof *set->m);
	set->n = 1;
	if (labels_matcher_init(set->m, a, LABELS_MATCH_RE, LABELS_METRIC_NAME, ".+", NULL) != 0)
		return NULL;
	return set;
}

/* The label names (name == NULL) or the values of label name. */
static void label_listing(struct httpd_req *req, struct api *api, const char *name)
{
	struct api_params p;
	struct api_matcher_set *sets;
	size_t nsets, limit;
	int64_t start, end;
	if (api_match_params(req, &p, false, &sets, &nsets) != 0 ||
	    range_params(req, &p, &start, &end) != 0 || limit_param(req, &p, &limit) != 0)
		return;
	const char **v;
	size_t n;
	if (nsets == 0 && (name ? api->storage.label_values != NULL
				  : api->storage.label_names != NULL)) {
		int rc = name ? api->storage.label_values(api->storage.ctx, name, &req->arena, &v, &n)
			      : api->storage.label_names(api->storage.ctx, &req->arena, &v, &n);
		if (rc != 0) {
			api_error(req, API_ERR_INTERNAL, "the storage could not be read");
			return;
		}
		reply_strings(req, v, n, limit);
		return;
	}
	if (nsets == 0) {
		sets = all_series(&req->arena);
		nsets = 1;
		if (!sets) {
			api_error(req, API_ERR_INTERNAL, "cannot select every series");
			return;
		}
	}
	struct promql_querier *q = open_querier(api, req, start, end);
	if (!q)
		return;
	struct labels *ls;
	size_t nls;
	int rc = select_union(api, q, &req->arena, sets, nsets, start, end, &ls, &nls);
	if (rc < 0) {
		q->close(q);
		api_error(req, API_ERR_INTERNAL, "the storage could not be read");
		return;
	}
	struct strset set = { .a = &req->arena };
	for (size_t i = 0; i < nls; i++) {
		if (name) {
			const char *val = labels_get(&ls[i], name);
			if (val && *val)
				strset_add(&set, val);
		} else {
			for (size_t k = 0; k < ls[i].n; k++)
				strset_add(&set, ls[i].v[k].name);
		}
	}
	v = strset_sorted(&set);
	reply_strings(req, v, set.n, limit);
	q->close(q);
}

void api_handle_labels(struct httpd_req *req, void *ctx)
{
	label_listing(req, ctx, NULL);
}

void api_handle_label_values(struct httpd_req *req, void *ctx)
{
	/* /api/v1/label/<name>/values */
	static const char prefix[] = "/api/v1/label/", suffix[] = "/values";
	const char *path = req->path;
	size_t len = strlen(path);
	if (len <= sizeof prefix - 1 + sizeof suffix - 1 ||
	    strcmp(path + len - (sizeof suffix - 1), suffix) != 0) {
		api_handle_api_not_found(req, ctx);
		return;
	}
	char *name = arena_strndup(&req->arena, path + sizeof prefix - 1,
				   len - (sizeof prefix - 1) - (sizeof suffix - 1));
	if (!labels_valid_name(name)) {
		struct buf b = BUF_INIT;
		labels_quote(name, strlen(name), &b);
		api_errorf(req, API_ERR_BAD_DATA, "invalid label name: %s", b.p);
		buf_free(&b);
		return;
	}
	label_listing(req, ctx, name);
}
