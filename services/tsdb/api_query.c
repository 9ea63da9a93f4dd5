/* api_query.c - /api/v1/query, /api/v1/query_range and
 * /api/v1/query_exemplars: PromQL over the storage. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "api_internal.h"
#include "promql/parse.h"

static enum api_errtype errtype_of(enum promql_errtype t)
{
	switch (t) {
	case PROMQL_ERRTYPE_BAD_DATA: return API_ERR_BAD_DATA;
	case PROMQL_ERRTYPE_TIMEOUT: return API_ERR_TIMEOUT;
	case PROMQL_ERRTYPE_CANCELED: return API_ERR_CANCELED;
	case PROMQL_ERRTYPE_INTERNAL: return API_ERR_INTERNAL;
	default: return API_ERR_EXEC;
	}
}

static void write_point(struct jsonw *w, int64_t t, double v)
{
	jsonw_arr_begin(w);
	jsonw_timestamp(w, t);
	jsonw_sample_value(w, v);
	jsonw_arr_end(w);
}

void api_write_value(struct jsonw *w, const struct promql_value *v)
{
	jsonw_obj_begin(w);
	jsonw_key(w, "resultType");
	switch (v->type) {
	case PROMQL_TYPE_SCALAR:
		jsonw_str(w, "scalar");
		jsonw_key(w, "result");
		/* Prometheus writes a scalar's value in the 'f' form always,
		 * a vector's or matrix's with 'e' for tiny and huge values */
		jsonw_arr_begin(w);
		jsonw_timestamp(w, v->u.scalar.t);
		jsonw_scalar_value(w, v->u.scalar.v);
		jsonw_arr_end(w);
		break;
	case PROMQL_TYPE_STRING:
		jsonw_str(w, "string");
		jsonw_key(w, "result");
		jsonw_arr_begin(w);
		jsonw_timestamp(w, v->u.string.t);
		jsonw_strn(w, v->u.string.s, v->u.string.len);
		jsonw_arr_end(w);
		break;
	case PROMQL_TYPE_VECTOR:
		jsonw_str(w, "vector");
		jsonw_key(w, "result");
		jsonw_arr_begin(w);
		for (size_t i = 0; i < v->u.vector.n; i++) {
			const struct promql_sample *s = &v->u.vector.samples[i];
			jsonw_obj_begin(w);
			jsonw_key(w, "metric");
			api_write_labels(w, &s->metric);
			jsonw_key(w, "value");
			write_point(w, s->t, s->v);
			jsonw_obj_end(w);
		}
		jsonw_arr_end(w);
		break;
	default:
		jsonw_str(w, "matrix");
		jsonw_key(w, "result");
		jsonw_arr_begin(w);
		for (size_t i = 0; i < v->u.matrix.n; i++) {
			const struct promql_series *s = &v->u.matrix.series[i];
			jsonw_obj_begin(w);
			jsonw_key(w, "metric");
			api_write_labels(w, &s->metric);
			jsonw_key(w, "values");
			jsonw_arr_begin(w);
			for (size_t k = 0; k < s->npoints; k++)
				write_point(w, s->points[k].t, s->points[k].v);
			jsonw_arr_end(w);
			jsonw_obj_end(w);
		}
		jsonw_arr_end(w);
		break;
	}
	jsonw_obj_end(w);
}

/* The time parameter name, or def when absent. Returns 0, or -1 after
 * answering bad_data. */
int api_form_params(struct httpd_req *req, struct api_params *p)
{
	char err[256];
	int rc = api_params_parse(req, p, err, sizeof err);
	if (rc == -2)
		return -1;
	if (rc != 0) {
		api_errorf(req, API_ERR_BAD_DATA, "error parsing form values: %s", err);
		return -1;
	}
	return 0;
}

int api_time_param(struct httpd_req *req, const struct api_params *p, const char *name,
		   int64_t def, int64_t *out)
{
	const char *s = api_param(p, name);
	if (!s || !*s) {
		*out = def;
		return 0;
	}
	char err[160];
	if (api_parse_time(s, out, err, sizeof err) != 0) {
		api_errorf(req, API_ERR_BAD_DATA, "invalid parameter \"%s\": %s", name, err);
		return -1;
	}
	return 0;
}

/* The evaluation options of one request: the API's, with the request's
 * timeout= when it is shorter. Returns 0, or -1 after answering. */
static int eval_opts(struct api *api, struct httpd_req *req, const struct api_params *p,
		     struct promql_eval_opts *o)
{
	*o = api->eval;
	const char *to = api_param(p, "timeout");
	if (to && *to) {
		int64_t ms;
		char err[160];
		if (api_parse_duration(to, &ms, err, sizeof err) != 0) {
			api_errorf(req, API_ERR_BAD_DATA, "invalid parameter \"timeout\": %s", err);
			return -1;
		}
		if (ms <= 0)
			ms = 1; /* an elapsed deadline: the engine reports the timeout */
		int64_t cur = o->timeout_ms ? o->timeout_ms : PROMQL_DEFAULT_TIMEOUT_MS;
		if (cur < 0 || ms < cur)
			o->timeout_ms = ms;
	}
	return 0;
}

/* Parse the query= parameter. Returns 0, or -1 after answering. */
static int parse_query(struct httpd_req *req, const struct api_params *p,
		       struct promql_node **expr)
{
	const char *q = api_param(p, "query");
	if (!q)
		q = "";
	struct promql_error perr;
	if (promql_parse(q, strlen(q), &req->arena, expr, &perr) != 0) {
		struct buf b = BUF_INIT;
		promql_error_format(&perr, &b);
		api_errorf(req, API_ERR_BAD_DATA, "invalid parameter \"query\": %s", b.p ? b.p : "");
		buf_free(&b);
		return -1;
	}
	return 0;
}

/* Wait for one of the max_concurrency evaluation slots, at most
 * timeout_ms. Returns 0 with a slot, or -1 when the wait timed out. */
static int slot_take(struct api *api, int64_t timeout_ms)
{
	if (api->max_concurrency <= 0)
		return 0;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(timeout_ms / 1000);
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	int rc = 0;
	pthread_mutex_lock(&api->lock);
	while (api->running >= api->max_concurrency && rc == 0)
		if (pthread_cond_timedwait(&api->slot_freed, &api->lock, &until) != 0 &&
		    api->running >= api->max_concurrency)
			rc = -1;
	if (rc == 0)
		api->running++;
	pthread_mutex_unlock(&api->lock);
	return rc;
}

static void slot_give(struct api *api)
{
	if (api->max_concurrency <= 0)
		return;
	pthread_mutex_lock(&api->lock);
	api->running--;
	pthread_cond_signal(&api->slot_freed);
	pthread_mutex_unlock(&api->lock);
}

static void run(struct api *api, struct httpd_req *req, const struct promql_node *expr,
		bool range, int64_t start, int64_t end, int64_t step,
		const struct promql_eval_opts *o)
{
	int64_t timeout = o->timeout_ms ? o->timeout_ms : PROMQL_DEFAULT_TIMEOUT_MS;
	int64_t t0 = api_now_ms();
	if (slot_take(api, timeout < 0 ? INT32_MAX : timeout) != 0) {
		api_error(req, API_ERR_TIMEOUT, "query timed out waiting for a free query slot");
		return;
	}
	/* the wait counts against the query's time, as in Prometheus */
	struct promql_eval_opts left = *o;
	if (timeout > 0) {
		left.timeout_ms = timeout - (api_now_ms() - t0);
		if (left.timeout_ms <= 0)
			left.timeout_ms = 1;
	}
	o = &left;
	struct promql_querier *q = api->storage.querier(api->storage.ctx, INT64_MIN, INT64_MAX);
	if (!q) {
		slot_give(api);
		api_error(req, API_ERR_INTERNAL, "the storage could not be read");
		return;
	}
	struct promql_value v;
	struct promql_eval_error eerr = { 0 };
	int rc = range ? promql_eval_range(q, expr, start, end, step, o, &req->arena, &v, &eerr)
		       : promql_eval_instant(q, expr, start, o, &req->arena, &v, &eerr);
	if (rc != 0) {
		q->close(q);
		slot_give(api);
		api_error(req, errtype_of(eerr.type), eerr.msg[0] ? eerr.msg : "evaluation failed");
		return;
	}
	struct buf out = BUF_INIT;
	struct jsonw w;
	api_begin(&w, &out);
	api_write_value(&w, &v);
	q->close(q);
	slot_give(api);
	api_end(req, &w, &out, NULL, 0);
	buf_free(&out);
}

void api_handle_query(struct httpd_req *req, void *ctx)
{
	struct api *api = ctx;
	struct api_params p;
	if (api_form_params(req, &p) != 0)
		return;
	int64_t t;
	if (api_time_param(req, &p, "time", api_now_ms(), &t) != 0)
		return;
	struct promql_eval_opts o;
	if (eval_opts(api, req, &p, &o) != 0)
		return;
	struct promql_node *expr;
	if (parse_query(req, &p, &expr) != 0)
		return;
	run(api, req, expr, false, t, t, 0, &o);
}

void api_handle_query_range(struct httpd_req *req, void *ctx)
{
	struct api *api = ctx;
	struct api_params p;
	if (api_form_params(req, &p) != 0)
		return;
	static const char *const names[] = { "start", "end" };
	int64_t se[2];
	for (int i = 0; i < 2; i++) {
		const char *s = api_param(&p, names[i]);
		if (!s || !*s) {
			api_errorf(req, API_ERR_BAD_DATA, "invalid parameter \"%s\": %s", names[i],
				   "cannot parse \"\" to a valid timestamp");
			return;
		}
		if (api_time_param(req, &p, names[i], 0, &se[i]) != 0)
			return;
	}
	if (se[1] < se[0]) {
		api_error(req, API_ERR_BAD_DATA,
			  "invalid parameter \"end\": end timestamp must not be before start time");
		return;
	}
	int64_t step;
	char err[256];
	const char *st = api_param(&p, "step");
	if (api_parse_duration(st ? st : "", &step, err, sizeof err) != 0) {
		api_errorf(req, API_ERR_BAD_DATA, "invalid parameter \"step\": %s", err);
		return;
	}
	if (step <= 0) {
		api_error(req, API_ERR_BAD_DATA,
			  "invalid parameter \"step\": zero or negative query resolution step "
			  "widths are not accepted. Try a positive integer");
		return;
	}
	/* The same bound as Prometheus, computed without overflow. */
	if ((uint64_t)se[1] - (uint64_t)se[0] > (uint64_t)step * PROMQL_MAX_POINTS_PER_SERIES +
							(uint64_t)step - 1) {
		api_error(req, API_ERR_BAD_DATA,
			  "exceeded maximum resolution of 11,000 points per timeseries. Try "
			  "decreasing the query resolution (?step=XX)");
		return;
	}
	struct promql_eval_opts o;
	if (eval_opts(api, req, &p, &o) != 0)
		return;
	struct promql_node *expr;
	if (parse_query(req, &p, &expr) != 0)
		return;
	run(api, req, expr, true, se[0], se[1], step, &o);
}

/* Exemplars are not stored: the request is checked as Prometheus checks
 * it and the answer is an empty list. */
void api_handle_query_exemplars(struct httpd_req *req, void *ctx)
{
	(void)ctx;
	struct api_params p;
	if (api_form_params(req, &p) != 0)
		return;
	int64_t start, end;
	if (api_time_param(req, &p, "start", INT64_MIN / 2, &start) != 0 ||
	    api_time_param(req, &p, "end", INT64_MAX / 2, &end) != 0)
		return;
	if (end < start) {
		api_error(req, API_ERR_BAD_DATA,
			  "invalid parameter \"end\": end timestamp must not be before start time");
		return;
	}
	struct promql_node *expr;
	if (parse_query(req, &p, &expr) != 0)
		return;
	struct buf out = BUF_INIT;
	struct jsonw w;
	api_begin(&w, &out);
	jsonw_arr_begin(&w);
	jsonw_arr_end(&w);
	api_end(req, &w, &out, NULL, 0);
	buf_free(&out);
}
