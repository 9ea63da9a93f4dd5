#include "expfmt.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
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
/* Exact powers of ten (every one up to 1e22 is a double). */
static const double pow10_tab[23] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

/* The decimal digits of u (> 0) into out; returns their count. */
static int u64_digits(uint64_t u, char *out)
{
	char rev[24];
	int n = 0;
	while (u) {
		rev[n++] = (char)('0' + u % 10);
		u /= 10;
	}
	for (int i = 0; i < n; i++)
		out[i] = rev[n - 1 - i];
	return n;
}

/* The common case without snprintf/strtod: v (> 0, not an integer below
 * 2^53) written with k decimals, k = 0, 1, 2, ..., as the integer
 * m = round(v * 10^k) over 10^k. m / 10^k is an exactly rounded division
 * of two exact doubles, so it equals what strtod makes of that decimal:
 * the first k where it gives v back is the shortest decimal that reads
 * back as v. Only m below 10^15 is tried: decimals of at most 15
 * significant digits are distinct doubles, so the candidate is unique
 * (the one %.15e finds), and v * 10^k is then within 1/8 of m, so
 * rounding the product finds it. Returns the digit count, or 0 when v
 * needs more digits (or is out of this range): the caller then searches. */
static int short_digits_fast(double v, char *digits, int *dp)
{
	if (!(v >= 1e-5 && v < 1e15))
		return 0;
	/* From here on, a miss means no decimal of 15 or fewer digits reads
	 * back as v: the caller's search may start at 16. */
	*dp = INT_MIN;
	for (int k = 0; k <= 22; k++) {
		double x = v * pow10_tab[k];
		if (x >= 1e15)
			return 0;
		uint64_t m = (uint64_t)(x + 0.5);
		if (m && (double)m / pow10_tab[k] == v) {
			int n = u64_digits(m, digits);
			*dp = n - k;
			while (n > 1 && digits[n - 1] == '0')
				n--;
			digits[n] = 0;
			return n;
		}
	}
	return 0;
}

int expfmt_shortest_digits(double v, char *digits, int *dp)
{
	*dp = 0;
	int fast = short_digits_fast(v, digits, dp);
	if (fast)
		return fast;
	char tmp[40];
	int first = *dp == INT_MIN ? 16 : v < 2.2250738585072014e-308 ? 1 : 15;
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
		nd = expfmt_shortest_digits(v, digits, &dp);
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
