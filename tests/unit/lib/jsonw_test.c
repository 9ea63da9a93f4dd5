/* jsonw_test.c - the JSON writer against what Go's encoding/json and
 * Prometheus's API write. */
#include <math.h>

#include "../../../lib/jsonw.h"
#include "../unit.h"

static const char *quoted(struct buf *b, const char *s, size_t n)
{
	buf_reset(b);
	jsonw_quote(b, s, n);
	return b->p;
}

TEST(jsonw_escapes_like_go)
{
	struct buf b = BUF_INIT;
	CHECK_STR(quoted(&b, "plain", 5), "\"plain\"");
	CHECK_STR(quoted(&b, "a\"b\\c", 5), "\"a\\\"b\\\\c\"");
	CHECK_STR(quoted(&b, "\n\r\t\b\f\x01", 6), "\"\\n\\r\\t\\u0008\\u000c\\u0001\"");
	CHECK_STR(quoted(&b, "<a&b>", 5), "\"\\u003ca\\u0026b\\u003e\"");
	CHECK_STR(quoted(&b, "x\0y", 3), "\"x\\u0000y\"");
	/* valid UTF-8 passes through, U+2028/9 are escaped */
	CHECK_STR(quoted(&b, "h\xc3\xa9", 3), "\"h\xc3\xa9\"");
	CHECK_STR(quoted(&b, "\xe2\x80\xa8|\xe2\x80\xa9", 7), "\"\\u2028|\\u2029\"");
	CHECK_STR(quoted(&b, "\xf0\x9f\x98\x80", 4), "\"\xf0\x9f\x98\x80\"");
	/* invalid: lone continuation, truncated, overlong, surrogate, > U+10FFFF */
	CHECK_STR(quoted(&b, "a\x80z", 3), "\"a\\ufffdz\"");
	CHECK_STR(quoted(&b, "\xc3", 1), "\"\\ufffd\"");
	CHECK_STR(quoted(&b, "\xc0\xaf", 2), "\"\\ufffd\\ufffd\"");
	CHECK_STR(quoted(&b, "\xed\xa0\x80", 3), "\"\\ufffd\\ufffd\\ufffd\"");
	CHECK_STR(quoted(&b, "\xf4\x90\x80\x80", 4), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	buf_free(&b);
}

static const char *ffmt(struct buf *b, double v)
{
	buf_reset(b);
	jsonw_format_float_f(b, v);
	return b->p;
}

TEST(jsonw_float_f_like_strconv)
{
	struct buf b = BUF_INIT;
	CHECK_STR(ffmt(&b, 1), "1");
	CHECK_STR(ffmt(&b, 0), "0");
	CHECK_STR(ffmt(&b, 0.1), "0.1");
	CHECK_STR(ffmt(&b, 12.6), "12.6");
	CHECK_STR(ffmt(&b, 9.545454545454545), "9.545454545454545");
	CHECK_STR(ffmt(&b, 1e6), "1000000");
	CHECK_STR(ffmt(&b, 1e21), "1000000000000000000000");
	CHECK_STR(ffmt(&b, 1e-7), "0.0000001");
	CHECK_STR(ffmt(&b, -2.5), "-2.5");
	CHECK_STR(ffmt(&b, 1795606152.643), "1795606152.643");
	CHECK_STR(ffmt(&b, 0.30000000000000004), "0.30000000000000004");
	CHECK_STR(ffmt(&b, INFINITY), "+Inf");
	CHECK_STR(ffmt(&b, -INFINITY), "-Inf");
	CHECK_STR(ffmt(&b, NAN), "NaN");
	CHECK_STR(ffmt(&b, 1e-20), "0.00000000000000000001");
	CHECK_INT(strlen(ffmt(&b, 5e-324)), 2 + 323 + 1);
	buf_free(&b);
}

TEST(jsonw_sample_values_like_prometheus)
{
	/* checked against Prometheus 2.42: vector(1e-7) is "1e-07", the
	 * scalar 1e-7 is "0.0000001" */
	struct buf b = BUF_INIT;
	struct jsonw w;
	jsonw_init(&w, &b);
	jsonw_arr_begin(&w);
	jsonw_sample_value(&w, 1e-7);
	jsonw_sample_value(&w, 1e21);
	jsonw_sample_value(&w, 1e-6);
	jsonw_sample_value(&w, -1e-7);
	jsonw_sample_value(&w, 123456789012345678901.0);
	jsonw_sample_value(&w, 1.5e300);
	jsonw_sample_value(&w, 0);
	jsonw_sample_value(&w, INFINITY);
	jsonw_sample_value(&w, NAN);
	jsonw_scalar_value(&w, 1e-7);
	jsonw_scalar_value(&w, 1e21);
	jsonw_arr_end(&w);
	CHECK(jsonw_ok(&w));
	CHECK_STR(b.p, "[\"1e-07\",\"1e+21\",\"0.000001\",\"-1e-07\",\"123456789012345680000\","
		       "\"1.5e+300\",\"0\",\"+Inf\",\"NaN\",\"0.0000001\",\"1000000000000000000000\"]");
	buf_free(&b);
}

TEST(jsonw_document)
{
	struct buf b = BUF_INIT;
	struct jsonw w;
	jsonw_init(&w, &b);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "status");
	jsonw_str(&w, "success");
	jsonw_key(&w, "data");
	jsonw_arr_begin(&w);
	jsonw_timestamp(&w, 1795606152643);
	jsonw_sample_value(&w, 11);
	jsonw_timestamp(&w, 1000);
	jsonw_timestamp(&w, 1050);
	jsonw_timestamp(&w, -1500);
	jsonw_double(&w, 0.009565255);
	jsonw_double(&w, 1e-7);
	jsonw_double(&w, 1e21);
	jsonw_double(&w, 123456789);
	jsonw_double(&w, NAN);
	jsonw_int(&w, -3);
	jsonw_uint(&w, 18446744073709551615ull);
	jsonw_bool(&w, true);
	jsonw_null(&w);
	jsonw_obj_begin(&w);
	jsonw_obj_end(&w);
	jsonw_arr_begin(&w);
	jsonw_arr_end(&w);
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	CHECK(jsonw_ok(&w));
	CHECK_STR(b.p, "{\"status\":\"success\",\"data\":[1795606152.643,\"11\",1,1.050,-1.500,"
		       "0.009565255,1e-7,1e+21,123456789,null,-3,18446744073709551615,true,null,"
		       "{},[]]}");
	buf_free(&b);
}

TEST(jsonw_misuse_is_recorded)
{
	struct buf b = BUF_INIT;
	struct jsonw w;
	jsonw_init(&w, &b);
	jsonw_obj_begin(&w);
	jsonw_str(&w, "value without key");
	CHECK(!jsonw_ok(&w));
	jsonw_init(&w, &b);
	jsonw_arr_begin(&w);
	jsonw_obj_end(&w);
	CHECK(!jsonw_ok(&w));
	jsonw_init(&w, &b);
	jsonw_arr_begin(&w);
	CHECK(!jsonw_ok(&w)); /* not closed */
	jsonw_init(&w, &b);
	for (int i = 0; i < JSONW_MAX_DEPTH + 1; i++)
		jsonw_arr_begin(&w);
	CHECK(!jsonw_ok(&w));
	buf_free(&b);
}

static const char *fmt_float(struct buf *b, double v, char f)
{
	buf_reset(b);
	if (f == 'e')
		jsonw_format_float_e(b, v);
	else
		jsonw_format_float_g(b, v);
	return b->p;
}

/* strconv.FormatFloat(v, 'e'/'g', -1, 64) as Go prints them. */
TEST(jsonw_float_e_g_like_strconv)
{
	struct buf b = BUF_INIT;
	CHECK_STR(fmt_float(&b, 1, 'g'), "1");
	CHECK_STR(fmt_float(&b, 0.5, 'g'), "0.5");
	CHECK_STR(fmt_float(&b, 123456, 'g'), "123456");
	CHECK_STR(fmt_float(&b, 1e6, 'g'), "1e+06");
	CHECK_STR(fmt_float(&b, 1234567, 'g'), "1.234567e+06");
	CHECK_STR(fmt_float(&b, 0.0001, 'g'), "0.0001");
	CHECK_STR(fmt_float(&b, 1.5e-5, 'g'), "1.5e-05");
	CHECK_STR(fmt_float(&b, -1.5e-7, 'g'), "-1.5e-07");
	CHECK_STR(fmt_float(&b, 0.1 + 0.2, 'g'), "0.30000000000000004");
	CHECK_STR(fmt_float(&b, 1e300, 'g'), "1e+300");
	CHECK_STR(fmt_float(&b, -0.0, 'g'), "-0");
	CHECK_STR(fmt_float(&b, INFINITY, 'g'), "+Inf");
	CHECK_STR(fmt_float(&b, NAN, 'g'), "NaN");
	CHECK_STR(fmt_float(&b, 0, 'e'), "0e+00");
	CHECK_STR(fmt_float(&b, 1e6, 'e'), "1e+06");
	CHECK_STR(fmt_float(&b, 123.25, 'e'), "1.2325e+02");
	CHECK_STR(fmt_float(&b, -INFINITY, 'e'), "-Inf");
	buf_free(&b);
}
