/* lib/expfmt.c's float writing, as the exporter relies on it: every
 * value reads back exactly and has the fewest significant digits that do
 * (Go's shortest formatting), over random and /proc-like values. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit.h"
#include "../../../lib/expfmt.h"

/* The fewest %.*e digits that read back as v (the plain search). */
static int min_digits(double v)
{
	char tmp[64];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
		if (strtod(tmp, NULL) == v)
			return prec;
	}
	return 17;
}

static int sig_digits(const char *s)
{
	int n = 0, started = 0, zeros = 0;
	for (; *s && *s != 'e'; s++) {
		if (*s < '0' || *s > '9')
			continue;
		if (*s == '0' && !started)
			continue;
		started = 1;
		if (*s == '0') {
			zeros++;
		} else {
			n += zeros + 1;
			zeros = 0;
		}
	}
	return n ? n : 1;
}

static int check_one(double v)
{
	char out[EXPFMT_DOUBLE_MAX + 1];
	size_t n = expfmt_format_double(out, v);
	out[n] = 0;
	if (strtod(out, NULL) != v || sig_digits(out) != min_digits(v)) {
		printf("    %.17g written as %s\n", v, out);
		return 0;
	}
	return 1;
}

TEST(floatfmt_shortest_round_trip)
{
	uint64_t x = 88172645463325252ull;
	int bad = 0;
	for (int i = 0; i < 20000 && bad < 5; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		double v;
		switch (i % 4) {
		case 0: /* /proc-like: integers over powers of ten */
			v = (double)(x % 100000000000ull) / (double)(1ull << 0) /
			    (i % 8 == 0 ? 100.0 : i % 8 == 4 ? 1000.0 : 1e9);
			break;
		case 1: /* few decimals */
			v = (double)(x % 1000000) / 1000.0 + (double)(x >> 40);
			break;
		case 2: { /* any finite positive double */
			uint64_t b = ((1 + (x >> 52) % 2046) << 52) | (x & 0xfffffffffffffull);
			memcpy(&v, &b, sizeof v);
			break;
		}
		default: /* seconds with nanoseconds */
			v = (double)(x % 4000000000ull) + (double)(x % 1000000000ull) / 1e9;
		}
		if (!check_one(v) || !check_one(-v))
			bad++;
	}
	CHECK_INT(bad, 0);
	static const double fixed[] = { 0.1, 0.2, 0.3, 0.1 + 0.2, 2888.63, 78.57600000000001,
					1e-5, 9.99999e-6, 1e-4, 123456.789, 999999.9999999999,
					1e15 - 0.5, 5e-324, 1.7976931348623157e308, 0.000123 };
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		CHECK(check_one(fixed[i]));
}
