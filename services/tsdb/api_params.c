/* api_params.c - request parameters of the HTTP API: the form (query
 * string and urlencoded POST body), times, durations and match[]. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_internal.h"
#include "promql/parse.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode s[0..len) ('+' is a space, %XX a byte) into the arena. */
static char *unescape(struct arena *a, const char *s, size_t len, char *err, size_t errlen)
{
	char *out = arena_alloc(a, len + 1), *o = out;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%') {
			int hi = i + 1 < len ? hexval((unsigned char)s[i + 1]) : -1;
			int lo = i + 2 < len ? hexval((unsigned char)s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				snprintf(err, errlen, "invalid URL escape \"%.*s\"",
					 (int)(len - i < 3 ? len - i : 3), s + i);
				return NULL;
			}
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = 0;
	return out;
}

int api_params_parse_form(struct arena *a, const char *s, size_t len, struct api_params *p,
			  char *err, size_t errlen)
{
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && s[j] != '&')
			j++;
		if (memchr(s + i, ';', j - i)) {
			snprintf(err, errlen, "invalid semicolon separator in query");
			return -1;
		}
		if (j > i) {
			if (p->n >= API_MAX_PARAMS) {
				snprintf(err, errlen, "more than %d parameters", API_MAX_PARAMS);
				return -1;
			}
			const char *eq = memchr(s + i, '=', j - i);
			size_t klen = eq ? (size_t)(eq - (s + i)) : j - i;
			char *k = unescape(a, s + i, klen, err, errlen);
			if (!k)
				return -1;
			char *v = eq ? unescape(a, eq + 1, (size_t)(s + j - eq - 1), err, errlen)
				     : arena_strdup(a, "");
			if (!v)
				return -1;
			if (p->n % 16 == 0) {
				const char **nn = arena_alloc(a, (p->n + 16) * sizeof *nn);
				const char **nv = arena_alloc(a, (p->n + 16) * sizeof *nv);
				if (p->n) {
					memcpy(nn, p->names, p->n * sizeof *nn);
					memcpy(nv, p->values, p->n * sizeof *nv);
				}
				p->names = nn;
				p->values = nv;
			}
			p->names[p->n] = k;
			p->values[p->n] = v;
			p->n++;
		}
		i = j + 1;
	}
	return 0;
}

int api_params_parse(struct httpd_req *req, struct api_params *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	/* As Go's ParseForm: the body's values come before the URL's. */
	if (req->method_bit == HTTPD_POST) {
		const char *ct = httpd_header(req, "Content-Type");
		if (ct && !strncasecmp(ct, "application/x-www-form-urlencoded", 33)) {
			struct buf body = BUF_INIT;
			if (httpd_read_body(req, &body) != 0) {
				/* the HTTP layer answered (413, or 400 for a
				 * broken body) */
				api_note_status(413);
				buf_free(&body);
				return -2; /* already answered */
			}
			char *copy = arena_strndup(&req->arena, body.p ? body.p : "", body.len);
			size_t len = body.len;
			buf_free(&body);
			if (api_params_parse_form(&req->arena, copy, len, p, err, errlen) != 0)
				return -1;
		}
	}
	if (req->query &&
	    api_params_parse_form(&req->arena, req->query, strlen(req->query), p, err, errlen) != 0)
		return -1;
	return 0;
}

const char *api_param(const struct api_params *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->names[i], name))
			return p->values[i];
	return NULL;
}

const char **api_param_all(const struct api_params *p, const char *name, struct arena *a,
			   size_t *n)
{
	size_t k = 0;
	for (size_t i = 0; i < p->n; i++)
		k += !strcmp(p->names[i], name);
	const char **out = arena_alloc(a, (k + 1) * sizeof *out);
	k = 0;
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->names[i], name))
			out[k++] = p->values[i];
	*n = k;
	return out;
}

/* Go's strconv.ParseFloat accepts decimal and hex floats, "inf",
 * "infinity" and "nan" in any case, with a sign; strtod accepts the same
 * set plus leading space, which we refuse. */
static int parse_go_float(const char *s, double *out)
{
	if (!*s || *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v')
		return -1;
	if (strchr(s, '_') || strchr(s, '('))
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (*end || end == s)
		return -1;
	*out = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* RFC 3339 as Go's time.Parse(time.RFC3339Nano) reads it. */
static int parse_rfc3339(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, se;
	size_t len = strlen(s);
	if (len < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d) || s[10] != 'T' || digits(s + 11, 2, &h) || s[13] != ':' ||
	    digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
		return -1;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
	    h > 23 || mi > 59 || se > 59)
		return -1;
	const char *p = s + 19;
	int64_t frac_ms = 0;
	if (*p == '.') {
		p++;
		int nd = 0;
		int64_t scale = 100;
		while (*p >= '0' && *p <= '9') {
			if (nd < 3) {
				frac_ms += (*p - '0') * scale;
				scale /= 10;
			}
			nd++;
			p++;
		}
		if (nd == 0 || nd > 9)
			return -1;
	}
	int64_t off = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return -1;
		off = (oh * 60 + om) * 60;
		if (*p == '-')
			off = -off;
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	int64_t secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 +
		       se - off;
	*ms = secs * 1000 + frac_ms;
	return 0;
}

int api_parse_time(const char *s, int64_t *ms, char *err, size_t errlen)
{
	double f;
	if (parse_go_float(s, &f) == 0) {
		/* Prometheus keeps milliseconds: the fraction is rounded to
		 * three decimals. Times beyond what the engine accepts are
		 * refused here rather than wrapped. */
		if (isnan(f) || fabs(f) > (double)PROMQL_MAX_TIME_MS / 1000) {
			snprintf(err, errlen, "cannot parse \"%.64s\" to a valid timestamp: out of range",
				 s);
			return -1;
		}
		double ip;
		double frac = modf(f, &ip);
		*ms = (int64_t)ip * 1000 + (int64_t)llround(frac * 1000);
		return 0;
	}
	if (parse_rfc3339(s, ms) == 0)
		return 0;
	snprintf(err, errlen, "cannot parse \"%.64s\" to a valid timestamp", s);
	return -1;
}

int api_parse_duration(const char *s, int64_t *ms, char *err, size_t errlen)
{
	double f;
	if (parse_go_float(s, &f) == 0) {
		double v = f * 1000;
		if (isnan(v) || v >= 9.2e18 || v <= -9.2e18) {
			snprintf(err, errlen,
				 "cannot parse \"%.64s\" to a valid duration: it overflows int64", s);
			return -1;
		}
		*ms = (int64_t)v;
		return 0;
	}
	if (promql_parse_duration(s, strlen(s), ms) == 0)
		return 0;
	snprintf(err, errlen, "cannot parse \"%.64s\" to a valid duration", s);
	return -1;
}

int api_parse_matchers(struct arena *a, const char *const *sel, size_t n,
		       struct api_matcher_set **out, char *err, size_t errlen)
{
	struct api_matcher_set *sets = arena_alloc(a, (n + 1) * sizeof *sets);
	for (size_t i = 0; i < n; i++) {
		struct promql_node *node;
		struct promql_error perr;
		if (promql_parse_selector(sel[i], strlen(sel[i]), a, &node, &perr) != 0) {
			struct buf b = BUF_INIT;
			promql_error_format(&perr, &b);
			snprintf(err, errlen, "%s", b.p ? b.p : "parse error");
			buf_free(&b);
			return -1;
		}
		sets[i].m = node->u.vs.matchers;
		sets[i].n = node->u.vs.nmatchers;
		bool nonempty = false;
		for (size_t k = 0; k < sets[i].n; k++)
			if (!labels_matcher_matches_empty(&sets[i].m[k]))
				nonempty = true;
		if (!nonempty) {
			snprintf(err, errlen, "match[] must contain at least one non-empty matcher");
			return -1;
		}
	}
	*out = sets;
	return 0;
}
