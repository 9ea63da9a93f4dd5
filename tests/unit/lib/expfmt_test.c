#include <math.h>

#include "../../../lib/expfmt.h"
#include "../unit.h"

static const char *fmt(double v)
{
	static char out[EXPFMT_DOUBLE_MAX];
	expfmt_format_double(out, v);
	return out;
}

/* Expected strings are what Go's strconv.FormatFloat(v, 'g', -1, 64)
 * prints, which is what Prometheus's client writes. */
TEST(expfmt_double_integers)
{
	CHECK_STR(fmt(0), "0");
	CHECK_STR(fmt(1), "1");
	CHECK_STR(fmt(-7), "-7");
	CHECK_STR(fmt(100000), "100000");
	CHECK_STR(fmt(999999), "999999");
	CHECK_STR(fmt(1000000), "1e+06");
	CHECK_STR(fmt(1150976), "1.150976e+06");
	CHECK_STR(fmt(21894266880.0), "2.189426688e+10");
	CHECK_STR(fmt(1418183276), "1.418183276e+09");
	CHECK_STR(fmt(18446744073709551615.0), "1.8446744073709552e+19");
	CHECK_STR(fmt(9007199254740993.0), "9.007199254740992e+15");
}

TEST(expfmt_double_fractions)
{
	CHECK_STR(fmt(0.1), "0.1");
	CHECK_STR(fmt(0.25), "0.25");
	CHECK_STR(fmt(1.5), "1.5");
	CHECK_STR(fmt(0.0001), "0.0001");
	CHECK_STR(fmt(0.00001), "1e-05");
	CHECK_STR(fmt(0.000123), "0.000123");
	CHECK_STR(fmt(1.0 / 3), "0.3333333333333333");
	CHECK_STR(fmt(2.0 / 3), "0.6666666666666666");
	CHECK_STR(fmt(123456.789), "123456.789");
	CHECK_STR(fmt(1234567.5), "1.2345675e+06");
	CHECK_STR(fmt(-0.5), "-0.5");
	CHECK_STR(fmt(1e100), "1e+100");
	CHECK_STR(fmt(1.7976931348623157e308), "1.7976931348623157e+308");
	CHECK_STR(fmt(5e-324), "5e-324");
	CHECK_STR(fmt(0.1 + 0.2), "0.30000000000000004");
}

TEST(expfmt_double_specials)
{
	CHECK_STR(fmt(INFINITY), "+Inf");
	CHECK_STR(fmt(-INFINITY), "-Inf");
	CHECK_STR(fmt(NAN), "NaN");
	CHECK_STR(fmt(-0.0), "0");
}

TEST(expfmt_double_round_trips)
{
	/* Every formatted value must read back as the same double. */
	double vals[] = { 3.14159, 2.718281828459045, 1e-7, 6.02214076e23, 0.007, 123.456e-10,
			  4503599627370497.0, 1e21, 1e22, 12345678901234567890.0 };
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		const char *s = fmt(vals[i]);
		CHECK(strtod(s, NULL) == vals[i]);
	}
}

TEST(expfmt_escapes)
{
	struct buf b = BUF_INIT;
	expfmt_write_label_value(&b, "a\\b\"c\nd");
	CHECK_STR(b.p, "a\\\\b\\\"c\\nd");
	buf_reset(&b);
	expfmt_write_help(&b, "x\\y\"z\n");
	CHECK_STR(b.p, "x\\\\y\"z\\n");
	buf_free(&b);
}

TEST(expfmt_names)
{
	CHECK(expfmt_valid_metric_name("node_cpu_seconds_total"));
	CHECK(expfmt_valid_metric_name("a:b"));
	CHECK(!expfmt_valid_metric_name("0abc"));
	CHECK(!expfmt_valid_metric_name(""));
	CHECK(!expfmt_valid_metric_name("a-b"));
	CHECK(expfmt_valid_label_name("_x1"));
	CHECK(!expfmt_valid_label_name("a:b"));
	CHECK(!expfmt_valid_label_name("1a"));
}
