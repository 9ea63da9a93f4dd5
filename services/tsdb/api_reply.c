/* api_reply.c - the envelope of every JSON answer of the HTTP API, and
 * the small formatting helpers the endpoints share. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "api.h"
#include "api_internal.h"
#include "promql/parse.h"

#define JSON_CTYPE "application/json"

static const struct {
	const char *name;
	int status;
} errtypes[] = {
	[API_ERR_BAD_DATA] = { "bad_data", 400 },
	[API_ERR_EXEC] = { "execution", 422 },
	[API_ERR_CANCELED] = { "canceled", 503 },
	[API_ERR_TIMEOUT] = { "timeout", 503 },
	[API_ERR_INTERNAL] = { "internal", 500 },
	[API_ERR_NOT_FOUND] = { "not_found", 404 },
	[API_ERR_UNAVAILABLE] = { "unavailable", 503 },
};

const char *api_errtype_str(enum api_errtype type)
{
	return errtypes[type].name;
}

int api_errtype_status(enum api_errtype type)
{
	return errtypes[type].status;
}

void api_begin(struct jsonw *w, struct buf *out)
{
	jsonw_init(w, out);
	jsonw_obj_begin(w);
	jsonw_key(w, "status");
	jsonw_str(w, "success");
	jsonw_key(w, "data");
}

void api_end(struct httpd_req *req, struct jsonw *w, struct buf *out,
	     const char *const *warnings, size_t nwarnings)
{
	if (nwarnings) {
		jsonw_key(w, "warnings");
		jsonw_arr_begin(w);
		for (size_t i = 0; i < nwarnings; i++)
			jsonw_str(w, warnings[i]);
		jsonw_arr_end(w);
	}
	jsonw_obj_end(w);
	if (!jsonw_ok(w)) {
		api_error(req, API_ERR_INTERNAL, "the answer could not be encoded");
		return;
	}
	api_note_status(200);
	httpd_reply(req, 200, JSON_CTYPE, out->p, out->len);
}

void api_error(struct httpd_req *req, enum api_errtype type, const char *msg)
{
	struct buf b = BUF_INIT;
	struct jsonw w;
	jsonw_init(&w, &b);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "status");
	jsonw_str(&w, "error");
	jsonw_key(&w, "errorType");
	jsonw_str(&w, api_errtype_str(type));
	jsonw_key(&w, "error");
	jsonw_str(&w, msg);
	jsonw_obj_end(&w);
	api_note_status(api_errtype_status(type));
	httpd_reply(req, api_errtype_status(type), JSON_CTYPE, b.p, b.len);
	buf_free(&b);
}

void api_errorf(struct httpd_req *req, enum api_errtype type, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	api_error(req, type, b.p ? b.p : "");
	buf_free(&b);
}

void api_write_labels(struct jsonw *w, const struct labels *ls)
{
	jsonw_obj_begin(w);
	for (size_t i = 0; i < ls->n; i++) {
		jsonw_key(w, ls->v[i].name);
		jsonw_str(w, ls->v[i].value);
	}
	jsonw_obj_end(w);
}

int64_t api_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void api_format_rfc3339(struct buf *out, int64_t ms)
{
	time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	int frac = (int)(ms - (int64_t)secs * 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	buf_printf(out, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		   tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (frac) {
		char f[8];
		snprintf(f, sizeof f, "%03d", frac);
		int n = 3;
		while (f[n - 1] == '0')
			n--;
		buf_printf(out, ".%.*s", n, f);
	}
	buf_putc(out, 'Z');
}

void api_format_duration(int64_t ms, char *out, size_t outlen)
{
	struct buf b = BUF_INIT;
	promql_format_duration(ms, &b);
	snprintf(out, outlen, "%s", b.p ? b.p : "0s");
	buf_free(&b);
}
