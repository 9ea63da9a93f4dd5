#include "expfmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *expfmt_type_name(enum metric_type t)
{
	switch (t) {
	case METRIC_COUNTER: return "counter";
	case METRIC_GAUGE: return "gauge";
	case METRIC_SUMMARY: return "summary";
	case METRIC_HISTOGRAM: return "histogram";
	default: return "untyped";
	}
}

/* Shortest decimal digits that read back as v: digits[] without a point,
 * and the decimal exponent of the first digit (v = 0.d1d2d3... * 10^(dp)).
 * For normal doubles, a decimal of at most 15 significant digits that
 * reads back as v is what %.15e rounds to (trailing zeros aside), and the
 * correctly rounded 16 or 17 digits are the closest candidates of those
 * lengths, so at most three tries are needed. Subnormals carry fewer
 * bits: they get the plain search from one digit up. */
static int shortest_digits(double v, char *digits, int *dp)
{
	char tmp[40];
	int first = v < 2.2250738585072014e-308 ? 1 : 15;
	for (int prec = first; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
		if (prec == 17 || strtod(tmp, NULL) == v)
			break;
	}
	/* tmp is "d.ddddde[+-]xx" (v > 0 here). */
	int n = 0;
	const char *p = tmp;
	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[n++] = *p;
	int exp = atoi(p + 1);
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = 0;
	*dp = exp + 1;
	return n;
}

size_t expfmt_format_double(char *out, double v)
{
	if (isnan(v))
		return (size_t)sprintf(out, "NaN");
	if (isinf(v))
		return (size_t)sprintf(out, v > 0 ? "+Inf" : "-Inf");
	if (v == 0) /* negative zero too, as the Go client writes it */
		return (size_t)sprintf(out, "0");

	char *o = out;
	if (v < 0) {
		*o++ = '-';
		v = -v;
	}
	/* Integers below 2^53 are common (counters, bytes): print them without
	 * the snprintf round trip. */
	char digits[24];
	int nd, dp;
	if (v < 9007199254740992.0 && v == (double)(long long)v) {
		long long iv = (long long)v;
		char rev[24];
		int n = 0;
		while (iv) {
			rev[n++] = (char)('0' + iv % 10);
			iv /= 10;
		}
		dp = n;
		nd = 0;
		while (n)
			digits[nd++] = rev[--n];
		while (nd > 1 && digits[nd - 1] == '0')
			nd--;
		digits[nd] = 0;
	} else {
		nd = shortest_digits(v, digits, &dp);
	}

	int exp = dp - 1;
	/* Go's shortest 'g' switches to the exponent form below 1e-4 and from
	 * 1e+06 up (the precision it compares with is fixed at 6). */
	if (exp < -4 || exp >= 6) {
		/* d[.ddd]e±XX, at least two exponent digits. */
		*o++ = digits[0];
		if (nd > 1) {
			*o++ = '.';
			memcpy(o, digits + 1, (size_t)nd - 1);
			o += nd - 1;
		}
		*o++ = 'e';
		*o++ = exp < 0 ? '-' : '+';
		int ae = exp < 0 ? -exp : exp;
		if (ae >= 100)
			*o++ = (char)('0' + ae / 100);
		*o++ = (char)('0' + ae / 10 % 10);
		*o++ = (char)('0' + ae % 10);
		*o = 0;
		return (size_t)(o - out);
	}
	if (dp <= 0) {
		*o++ = '0';
		*o++ = '.';
		for (int i = 0; i < -dp; i++)
			*o++ = '0';
		memcpy(o, digits, (size_t)nd);
		o += nd;
	} else {
		for (int i = 0; i < dp; i++)
			*o++ = i < nd ? digits[i] : '0';
		if (nd > dp) {
			*o++ = '.';
			memcpy(o, digits + dp, (size_t)(nd - dp));
			o += nd - dp;
		}
	}
	*o = 0;
	return (size_t)(o - out);
}

void expfmt_write_double(struct buf *b, double v)
{
	buf_reserve(b, EXPFMT_DOUBLE_MAX);
	b->len += expfmt_format_double(b->p + b->len, v);
}

void expfmt_write_label_value(struct buf *b, const char *v)
{
	const char *run = v;
	for (; *v; v++) {
		const char *esc = NULL;
		if (*v == '\\')
			esc = "\\\\";
		else if (*v == '"')
			esc = "\\\"";
		else if (*v == '\n')
			esc = "\\n";
		if (esc) {
			buf_put(b, run, (size_t)(v - run));
			buf_put(b, esc, 2);
			run = v + 1;
		}
	}
	buf_put(b, run, (size_t)(v - run));
}

void expfmt_write_help(struct buf *b, const char *help)
{
	const char *run = help;
	for (; *help; help++) {
		const char *esc = NULL;
		if (*help == '\\')
			esc = "\\\\";
		else if (*help == '\n')
			esc = "\\n";
		if (esc) {
			buf_put(b, run, (size_t)(help - run));
			buf_put(b, esc, 2);
			run = help + 1;
		}
	}
	buf_put(b, run, (size_t)(help - run));
}

static int is_alpha_(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

int expfmt_valid_metric_name(const char *s)
{
	if (!*s || !(is_alpha_(*s) || *s == ':'))
		return 0;
	for (s++; *s; s++)
		if (!(is_alpha_(*s) || *s == ':' || (*s >= '0' && *s <= '9')))
			return 0;
	return 1;
}

int expfmt_valid_label_name(const char *s)
{
	if (!*s || !is_alpha_(*s))
		return 0;
	for (s++; *s; s++)
		if (!(is_alpha_(*s) || (*s >= '0' && *s <= '9')))
			return 0;
	return 1;
}
