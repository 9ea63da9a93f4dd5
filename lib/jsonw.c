/* jsonw.c - JSON writer (see jsonw.h). */
#include "jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expfmt.h"
#include "utf8.h"

void jsonw_init(struct jsonw *w, struct buf *out)
{
	memset(w, 0, sizeof *w);
	w->out = out;
}

bool jsonw_ok(const struct jsonw *w)
{
	return !w->err && w->depth == 0 && !w->key_done;
}

/* Called before every value: writes the comma if needed and checks that a
 * value may come here. Returns false (and flags misuse) when it may not. */
static bool value_prefix(struct jsonw *w)
{
	if (w->err)
		return false;
	if (w->depth == 0)
		return true;
	int d = w->depth - 1;
	if (w->kind[d] == 'o') {
		if (!w->key_done) {
			w->err = true;
			return false;
		}
		w->key_done = false;
		return true;
	}
	if (w->count[d])
		buf_putc(w->out, ',');
	w->count[d] = 1;
	return true;
}

static void open_container(struct jsonw *w, char kind)
{
	if (!value_prefix(w))
		return;
	if (w->depth >= JSONW_MAX_DEPTH) {
		w->err = true;
		return;
	}
	buf_putc(w->out, kind == 'o' ? '{' : '[');
	w->kind[w->depth] = (unsigned char)kind;
	w->count[w->depth] = 0;
	w->depth++;
}

static void close_container(struct jsonw *w, char kind)
{
	if (w->err)
		return;
	if (w->depth == 0 || w->kind[w->depth - 1] != (unsigned char)kind || w->key_done) {
		w->err = true;
		return;
	}
	w->depth--;
	buf_putc(w->out, kind == 'o' ? '}' : ']');
}

void jsonw_obj_begin(struct jsonw *w) { open_container(w, 'o'); }
void jsonw_obj_end(struct jsonw *w) { close_container(w, 'o'); }
void jsonw_arr_begin(struct jsonw *w) { open_container(w, 'a'); }
void jsonw_arr_end(struct jsonw *w) { close_container(w, 'a'); }

void jsonw_keyn(struct jsonw *w, const char *s, size_t len)
{
	if (w->err)
		return;
	if (w->depth == 0 || w->kind[w->depth - 1] != 'o' || w->key_done) {
		w->err = true;
		return;
	}
	int d = w->depth - 1;
	if (w->count[d])
		buf_putc(w->out, ',');
	w->count[d] = 1;
	jsonw_quote(w->out, s, len);
	buf_putc(w->out, ':');
	w->key_done = true;
}

void jsonw_key(struct jsonw *w, const char *s)
{
	jsonw_keyn(w, s, strlen(s));
}

void jsonw_quote(struct buf *out, const char *str, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	buf_reserve(out, len + 2);
	buf_putc(out, '"');
	size_t start = 0, i = 0;
	while (i < len) {
		unsigned char c = s[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' &&
		    c != '&') {
			i++;
			continue;
		}
		uint32_t cp = 0;
		size_t l = c < 0x80 ? 1 : utf8_decode(s + i, len - i, &cp);
		if (c >= 0x80 && l > 0 && cp != 0x2028 && cp != 0x2029) {
			i += l;
			continue;
		}
		buf_put(out, s + start, i - start);
		if (c < 0x80) {
			switch (c) {
			case '"': buf_puts(out, "\\\""); break;
			case '\\': buf_puts(out, "\\\\"); break;
			case '\n': buf_puts(out, "\\n"); break;
			case '\r': buf_puts(out, "\\r"); break;
			case '\t': buf_puts(out, "\\t"); break;
			default: {
				char e[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
				buf_puts(out, e);
			}
			}
			i++;
		} else if (l == 0) {
			buf_puts(out, "\\ufffd");
			i++;
		} else {
			buf_puts(out, cp == 0x2028 ? "\\u2028" : "\\u2029");
			i += l;
		}
		start = i;
	}
	buf_put(out, s + start, len - start);
	buf_putc(out, '"');
}

void jsonw_strn(struct jsonw *w, const char *s, size_t len)
{
	if (!value_prefix(w))
		return;
	jsonw_quote(w->out, s ? s : "", s ? len : 0);
}

void jsonw_str(struct jsonw *w, const char *s)
{
	jsonw_strn(w, s, s ? strlen(s) : 0);
}

void jsonw_int(struct jsonw *w, int64_t v)
{
	if (value_prefix(w))
		buf_printf(w->out, "%lld", (long long)v);
}

void jsonw_uint(struct jsonw *w, uint64_t v)
{
	if (value_prefix(w))
		buf_printf(w->out, "%llu", (unsigned long long)v);
}

void jsonw_bool(struct jsonw *w, bool v)
{
	if (value_prefix(w))
		buf_puts(w->out, v ? "true" : "false");
}

void jsonw_null(struct jsonw *w)
{
	if (value_prefix(w))
		buf_puts(w->out, "null");
}

void jsonw_raw(struct jsonw *w, const char *json, size_t len)
{
	if (value_prefix(w))
		buf_put(w->out, json, len);
}

/* Go's 'f' and 'e' layouts of the shortest digits d[0..n) (see
 * expfmt_shortest_digits), after the sign. */
static void put_f(struct buf *out, const char *d, int n, int e)
{
	if (e <= 0) {
		buf_puts(out, "0.");
		for (int i = 0; i < -e; i++)
			buf_putc(out, '0');
		buf_put(out, d, (size_t)n);
	} else if (e >= n) {
		buf_put(out, d, (size_t)n);
		for (int i = n; i < e; i++)
			buf_putc(out, '0');
	} else {
		buf_put(out, d, (size_t)e);
		buf_putc(out, '.');
		buf_put(out, d + e, (size_t)(n - e));
	}
}

static void put_e(struct buf *out, const char *d, int n, int e)
{
	buf_putc(out, d[0]);
	if (n > 1) {
		buf_putc(out, '.');
		buf_put(out, d + 1, (size_t)(n - 1));
	}
	int x = e - 1;
	buf_printf(out, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
}

/* NaN, infinities and zeros as Go prints them in every format but 'e'.
 * Returns true when v was one of them (and is written). */
static bool put_special(struct buf *out, double v)
{
	if (isnan(v)) {
		buf_puts(out, "NaN");
		return true;
	}
	if (isinf(v)) {
		buf_puts(out, v > 0 ? "+Inf" : "-Inf");
		return true;
	}
	if (v == 0) {
		buf_puts(out, signbit(v) ? "-0" : "0");
		return true;
	}
	return false;
}

/* fmt: 'f', 'e' or 'g' (Go's FormatFloat(v, fmt, -1, 64)). */
static void format_float(struct buf *out, double v, char fmt)
{
	if (put_special(out, v)) {
		if (v == 0 && fmt == 'e')
			buf_puts(out, "e+00");
		return;
	}
	char d[24];
	int e;
	int n = expfmt_shortest_digits(fabs(v), d, &e);
	if (v < 0)
		buf_putc(out, '-');
	/* 'g' with shortest digits: 'e' when the exponent is < -4 or >= 6 */
	if (fmt == 'e' || (fmt == 'g' && (e - 1 < -4 || e - 1 >= 6)))
		put_e(out, d, n, e);
	else
		put_f(out, d, n, e);
}

void jsonw_format_float_f(struct buf *out, double v)
{
	format_float(out, v, 'f');
}

void jsonw_format_float_e(struct buf *out, double v)
{
	format_float(out, v, 'e');
}

void jsonw_format_float_g(struct buf *out, double v)
{
	format_float(out, v, 'g');
}

void jsonw_double(struct jsonw *w, double v)
{
	if (!value_prefix(w))
		return;
	if (isnan(v) || isinf(v)) {
		buf_puts(w->out, "null");
		return;
	}
	double a = fabs(v);
	if (a != 0 && (a < 1e-6 || a >= 1e21)) {
		/* Go: strconv 'e' with shortest digits, then "e-07" -> "e-7". */
		struct buf t = BUF_INIT;
		jsonw_format_float_e(&t, v);
		char *x = strchr(t.p, 'e');
		buf_put(w->out, t.p, (size_t)(x - t.p) + 2);
		buf_puts(w->out, x[2] == '0' && x[3] ? x + 3 : x + 2);
		buf_free(&t);
		return;
	}
	jsonw_format_float_f(w->out, v);
}

void jsonw_sample_value(struct jsonw *w, double v)
{
	if (!value_prefix(w))
		return;
	double a = fabs(v);
	buf_putc(w->out, '"');
	if (a != 0 && (a < 1e-6 || a >= 1e21) && !isinf(v))
		jsonw_format_float_e(w->out, v);
	else
		jsonw_format_float_f(w->out, v);
	buf_putc(w->out, '"');
}

void jsonw_scalar_value(struct jsonw *w, double v)
{
	if (!value_prefix(w))
		return;
	buf_putc(w->out, '"');
	jsonw_format_float_f(w->out, v);
	buf_putc(w->out, '"');
}

void jsonw_timestamp(struct jsonw *w, int64_t ms)
{
	if (!value_prefix(w))
		return;
	uint64_t u;
	if (ms < 0) {
		buf_putc(w->out, '-');
		u = (uint64_t)0 - (uint64_t)ms;
	} else {
		u = (uint64_t)ms;
	}
	buf_printf(w->out, "%llu", (unsigned long long)(u / 1000));
	if (u % 1000)
		buf_printf(w->out, ".%03u", (unsigned)(u % 1000));
}
