/* goconv.c - Go's strconv/strings/utf8 behaviour for the collectors that
 * must agree with node_exporter on odd input. See goconv.h. */
#include "goconv.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int lower(int c)
{
	return c | 0x20; /* only meaningful for letters */
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Go's underscoreOK: underscores only between digits, or between a base
 * prefix and a digit. */
static int underscore_ok(const char *s, size_t n)
{
	char saw = '^';
	size_t i = 0;
	if (n >= 1 && (s[0] == '-' || s[0] == '+')) {
		s++;
		n--;
	}
	int hex = 0;
	if (n >= 2 && s[0] == '0' &&
	    (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
		i = 2;
		saw = '0';
		hex = lower(s[1]) == 'x';
	}
	for (; i < n; i++) {
		if (is_digit(s[i]) || (hex && lower(s[i]) >= 'a' && lower(s[i]) <= 'f')) {
			saw = '0';
			continue;
		}
		if (s[i] == '_') {
			if (saw != '0')
				return 0;
			saw = '_';
			continue;
		}
		if (saw == '_')
			return 0;
		saw = '!';
	}
	return saw != '_';
}

static size_t prefix_ci(const char *s, size_t n, const char *word)
{
	size_t i = 0;
	while (i < n && word[i] && lower((unsigned char)s[i]) == word[i])
		i++;
	return i;
}

/* inf, infinity, nan (Go's strconv.special); returns bytes used or 0. */
static size_t float_special(const char *s, size_t n, double *out)
{
	if (n == 0)
		return 0;
	double sign = 1;
	size_t ns = 0;
	switch (s[0]) {
	case '+':
	case '-':
		if (s[0] == '-')
			sign = -1;
		ns = 1;
		s++;
		n--;
		/* fall through */
	case 'i':
	case 'I': {
		size_t k = prefix_ci(s, n, "infinity");
		if (k > 3 && k < 8)
			k = 3;
		if (k == 3 || k == 8) {
			*out = sign * INFINITY;
			return ns + k;
		}
		return 0;
	}
	case 'n':
	case 'N':
		if (prefix_ci(s, n, "nan") == 3) {
			*out = NAN;
			return 3;
		}
		return 0;
	}
	return 0;
}

/* The syntax check of Go's readFloat; returns 1 if all of s is a float. */
static int float_syntax(const char *s, size_t n)
{
	size_t i = 0;
	if (n == 0)
		return 0;
	if (s[0] == '+' || s[0] == '-')
		i++;
	int hex = 0;
	if (i + 2 < n && s[i] == '0' && lower(s[i + 1]) == 'x') {
		hex = 1;
		i += 2;
	}
	int sawdot = 0, sawdigits = 0, underscores = 0;
	for (; i < n; i++) {
		char c = s[i];
		if (c == '_') {
			underscores = 1;
			continue;
		}
		if (c == '.') {
			if (sawdot)
				break;
			sawdot = 1;
			continue;
		}
		if (is_digit(c) || (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
			sawdigits = 1;
			continue;
		}
		break;
	}
	if (!sawdigits)
		return 0;
	if (i < n && lower(s[i]) == (hex ? 'p' : 'e')) {
		i++;
		if (i >= n)
			return 0;
		if (s[i] == '+' || s[i] == '-')
			i++;
		if (i >= n || !is_digit(s[i]))
			return 0;
		for (; i < n && (is_digit(s[i]) || s[i] == '_'); i++)
			if (s[i] == '_')
				underscores = 1;
	} else if (hex) {
		return 0; /* a hexadecimal mantissa needs its exponent */
	}
	if (underscores && !underscore_ok(s, i))
		return 0;
	return i == n;
}

int goconv_parse_float(const char *s, size_t n, double *out)
{
	/* Most /proc values are plain decimal integers: up to 15 digits are
	 * exact in a double, as strtod would make them (a leading zero is
	 * fine: Go reads "0123" as 123 too). */
	if (n && n <= 15) {
		uint64_t u = 0;
		size_t i = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			u = u * 10 + (uint64_t)(s[i++] - '0');
		if (i == n) {
			*out = (double)u;
			return 0;
		}
	}
	double v;
	size_t k = float_special(s, n, &v);
	if (k) {
		if (k != n)
			return -1;
		*out = v;
		return 0;
	}
	if (!float_syntax(s, n))
		return -1;
	/* strtod wants a terminated string without Go's digit separators. */
	char small[128];
	char *tmp = n < sizeof small ? small : malloc(n + 1);
	if (!tmp)
		return -1;
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '_')
			tmp[m++] = s[i];
	tmp[m] = 0;
	errno = 0;
	char *end;
	v = strtod(tmp, &end);
	int bad = *end != 0 || (errno == ERANGE && isinf(v));
	if (tmp != small)
		free(tmp);
	if (bad)
		return -1;
	*out = v;
	return 0;
}

int goconv_parse_uint(const char *s, size_t n, int base, uint64_t *out)
{
	if (n == 0 || (base != 0 && base != 10))
		return -1;
	const char *s0 = s;
	size_t n0 = n;
	int base0 = base == 0;
	if (base0) {
		base = 10;
		if (s[0] == '0') {
			if (n >= 3 && lower(s[1]) == 'b') {
				base = 2;
				s += 2, n -= 2;
			} else if (n >= 3 && lower(s[1]) == 'o') {
				base = 8;
				s += 2, n -= 2;
			} else if (n >= 3 && lower(s[1]) == 'x') {
				base = 16;
				s += 2, n -= 2;
			} else {
				base = 8;
				s++, n--;
			}
		}
	}
	uint64_t v = 0, cutoff = UINT64_MAX / (uint64_t)base + 1;
	int underscores = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned c = (unsigned char)s[i], d;
		if (c == '_' && base0) {
			underscores = 1;
			continue;
		}
		if (is_digit((int)c))
			d = c - '0';
		else if (lower((int)c) >= 'a' && lower((int)c) <= 'z')
			d = (unsigned)lower((int)c) - 'a' + 10;
		else
			return -1;
		if (d >= (unsigned)base)
			return -1;
		if (v >= cutoff)
			return -1;
		v *= (uint64_t)base;
		uint64_t v1 = v + d;
		if (v1 < v)
			return -1;
		v = v1;
	}
	if (underscores && !underscore_ok(s0, n0))
		return -1;
	*out = v;
	return 0;
}

int goconv_parse_int(const char *s, size_t n, int base, int64_t *out)
{
	if (n == 0)
		return -1;
	int neg = 0;
	if (s[0] == '+') {
		s++, n--;
	} else if (s[0] == '-') {
		neg = 1;
		s++, n--;
	}
	uint64_t u;
	if (goconv_parse_uint(s, n, base, &u) != 0)
		return -1;
	const uint64_t cutoff = (uint64_t)1 << 63;
	if ((!neg && u >= cutoff) || (neg && u > cutoff))
		return -1;
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

/* CVTTSD2SI: truncation, or the "integer indefinite" value when the
 * result does not fit. */
static int64_t cvttsd2si(double x)
{
	if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0))
		return INT64_MIN;
	return (int64_t)x;
}

uint64_t goconv_f64_to_u64(double x)
{
	const double cutoff = 9223372036854775808.0;
	if (x < cutoff)
		return (uint64_t)cvttsd2si(x);
	return (uint64_t)cvttsd2si(x - cutoff) | ((uint64_t)1 << 63);
}

/* Decode one UTF-8 sequence as Go's utf8.DecodeRune does; returns its
 * length and the code point, or length 1 and -1 when invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, long *cp)
{
	unsigned c = s[0];
	*cp = -1;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t len;
	unsigned lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 1;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 1;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 1;
	long v = (long)(c & (0xFF >> (len + 1)));
	for (size_t i = 1; i < len; i++)
		v = (v << 6) | (s[i] & 0x3F);
	*cp = v;
	return len;
}

static int rune_is_space(long r)
{
	switch (r) {
	case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
	case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
	case 0x202F: case 0x205F: case 0x3000:
		return 1;
	}
	return r >= 0x2000 && r <= 0x200A;
}

size_t goconv_space_len(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	long r;
	size_t len = utf8_decode((const unsigned char *)s, n, &r);
	return rune_is_space(r) ? len : 0;
}

void goconv_trim_space(const char **sp, size_t *np)
{
	const char *s = *sp;
	size_t n = *np, k;
	while ((k = goconv_space_len(s, n)) != 0) {
		s += k;
		n -= k;
	}
	/* From the end, as utf8.DecodeLastRune: find the start of the last
	 * sequence (at most 4 bytes back); bytes that do not form exactly one
	 * valid sequence are an invalid rune, which is not space. */
	while (n > 0) {
		size_t back = 1;
		while (back < 4 && back < n && ((unsigned char)s[n - back] & 0xC0) == 0x80)
			back++;
		long r;
		size_t len = utf8_decode((const unsigned char *)s + n - back, back, &r);
		if (len != back || !rune_is_space(r))
			break;
		n -= back;
	}
	*sp = s;
	*np = n;
}

int goconv_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		long r;
		size_t len = utf8_decode(p + i, n - i, &r);
		if (r < 0)
			return 0;
		i += len;
	}
	return 1;
}

char *goconv_utf8_repair(struct arena *a, const char *s, size_t n)
{
	/* Worst case: every byte invalid and alone, each becoming 3 bytes. */
	char *out = arena_alloc(a, n * 3 + 1);
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0;
	int invalid = 0;
	while (i < n) {
		if (p[i] < 0x80) {
			out[o++] = (char)p[i++];
			invalid = 0;
			continue;
		}
		long r;
		size_t len = utf8_decode(p + i, n - i, &r);
		if (r < 0) {
			i++;
			if (!invalid) {
				memcpy(out + o, "\xEF\xBF\xBD", 3);
				o += 3;
				invalid = 1;
			}
			continue;
		}
		memcpy(out + o, p + i, len);
		o += len;
		i += len;
		invalid = 0;
	}
	out[o] = 0;
	return out;
}
