/* api_federate.c - /federate: the newest sample of every series that a
 * match[] selects, in the text exposition format, with the external
 * labels attached as Prometheus attaches them. */
#include <stdlib.h>
#include <string.h>

#include "../../lib/expfmt.h"
#include "api.h"
#include "api_internal.h"

/* Most series one federation answer carries (a hostile match[] such as
 * {__name__=~".+"} on a big store would otherwise build an unbounded
 * answer in memory). */
#define FEDERATE_MAX_SERIES 2000000

struct fed_sample {
	struct labels ls;
	const char *name;
	int64_t t;
	double v;
};

static int cmp_sample(const void *a, const void *b)
{
	const struct fed_sample *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : labels_cmp(&x->ls, &y->ls);
}

static void write_label(struct buf *out, bool *first, const char *name, const char *value)
{
	buf_putc(out, *first ? '{' : ',');
	*first = false;
	buf_puts(out, name);
	buf_puts(out, "=\"");
	expfmt_write_label_value(out, value);
	buf_putc(out, '"');
}

void api_handle_federate(struct httpd_req *req, void *ctx)
{
	struct api *api = ctx;
	struct api_params p;
	struct api_matcher_set *sets;
	size_t nsets;
	char err[512];
	int rc = api_params_parse(req, &p, err, sizeof err);
	if (rc == -2)
		return;
	if (rc != 0) {
		api_note_status(400);
		httpd_error(req, 400, err);
		return;
	}
	size_t nsel;
	const char **sel = api_param_all(&p, "match[]", &req->arena, &nsel);
	if (api_parse_matchers(&req->arena, sel, nsel, &sets, err, sizeof err) != 0) {
		api_note_status(400);
		httpd_error(req, 400, err);
		return;
	}
	nsets = nsel;
	int64_t maxt = api_now_ms();
	int64_t lookback = api->eval.lookback_delta_ms ? api->eval.lookback_delta_ms
						       : PROMQL_DEFAULT_LOOKBACK_MS;
	int64_t mint = maxt - lookback;

	struct fed_sample *vec = NULL;
	size_t n = 0, cap = 0;
	struct promql_querier *q = NULL;
	if (nsets) {
		q = api->storage.querier(api->storage.ctx, mint, maxt);
		if (!q) {
			api_note_status(500);
			httpd_error(req, 500, "the storage could not be read");
			return;
		}
	}
	for (size_t i = 0; i < nsets; i++) {
		struct promql_storage_series *ss;
		size_t ns;
		if (q->select(q, sets[i].m, sets[i].n, mint, maxt, &req->arena, &ss, &ns) < 0)
			goto storage_error;
		for (size_t k = 0; k < ns; k++) {
			int64_t t, lt = 0;
			double v, lv = 0;
			int got = 0, r;
			while ((r = ss[k].iter->next(ss[k].iter, &t, &v)) == 1) {
				lt = t, lv = v;
				got = 1;
			}
			if (r < 0)
				goto storage_error;
			/* the text format cannot carry a staleness marker */
			if (!got || promql_is_stale_nan(lv))
				continue;
			const char *name = labels_get(&ss[k].labels, LABELS_METRIC_NAME);
			if (!name)
				continue; /* a series without a name cannot be written */
			if (n == cap) {
				if (cap >= FEDERATE_MAX_SERIES) {
					q->close(q);
					api_note_status(422);
					httpd_error(req, 422, "too many series for one federation "
							      "request; narrow the match[] selectors");
					return;
				}
				cap = cap ? cap * 2 : 256;
				struct fed_sample *nv = arena_alloc(&req->arena, cap * sizeof *nv);
				if (n)
					memcpy(nv, vec, n * sizeof *nv);
				vec = nv;
			}
			vec[n++] = (struct fed_sample){ ss[k].labels, name, lt, lv };
		}
	}
	qsort(vec, n, sizeof *vec, cmp_sample);

	pthread_mutex_lock(&api->lock);
	struct labels ext = labels_copy(&req->arena, &api->external_labels);
	pthread_mutex_unlock(&api->lock);
	/* Prometheus always attaches instance, empty when the external labels
	 * do not set it. */
	const char **ext_names = arena_alloc(&req->arena, (ext.n + 1) * sizeof *ext_names);
	const char **ext_values = arena_alloc(&req->arena, (ext.n + 1) * sizeof *ext_values);
	size_t next = 0;
	bool have_instance = labels_has(&ext, "instance");
	for (size_t i = 0; i < ext.n; i++) {
		if (!have_instance && strcmp(ext.v[i].name, "instance") > 0) {
			ext_names[next] = "instance", ext_values[next++] = "";
			have_instance = true;
		}
		ext_names[next] = ext.v[i].name, ext_values[next++] = ext.v[i].value;
	}
	if (!have_instance)
		ext_names[next] = "instance", ext_values[next++] = "";

	struct buf out = BUF_INIT;
	const char *last = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct fed_sample *s = &vec[i];
		if (!last || strcmp(last, s->name)) {
			buf_printf(&out, "# TYPE %s untyped\n", s->name);
			last = s->name;
		}
		buf_puts(&out, s->name);
		bool first = true;
		for (size_t k = 0; k < s->ls.n; k++)
			if (strcmp(s->ls.v[k].name, LABELS_METRIC_NAME) && *s->ls.v[k].value)
				write_label(&out, &first, s->ls.v[k].name, s->ls.v[k].value);
		for (size_t k = 0; k < next; k++)
			if (!labels_has(&s->ls, ext_names[k]))
				write_label(&out, &first, ext_names[k], ext_values[k]);
		if (!first)
			buf_putc(&out, '}');
		buf_putc(&out, ' ');
		expfmt_write_double(&out, s->v);
		buf_printf(&out, " %lld\n", (long long)s->t);
	}
	if (q)
		q->close(q);
	api_note_status(200);
	httpd_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", out.p ? out.p : "",
		    out.len);
	buf_free(&out);
	return;
storage_error:
	q->close(q);
	api_note_status(500);
	httpd_error(req, 500, "the storage could not be read");
}
