/* Unit tests for services/tsdb/textparse.h: the text format and OpenMetrics
 * parsers, strict OpenMetrics checks, limits and Content-Type choice. The
 * expectations were checked against Prometheus 2.42's own parsers. */
#include <stdint.h>
#include <string.h>

#include "../unit.h"
#include "../../../services/tsdb/textparse_internal.h"

/* Parse s whole; returns the last code (0 at a clean end) and counts the
 * series. */
static int textparse_test_run(enum textparse_format f, unsigned flags, const char *s, int *series)
{
	struct textparse p;
	textparse_init(&p, f, s, strlen(s), NULL, flags);
	int e, n = 0;
	while ((e = textparse_next(&p)) > 0)
		if (e == TEXTPARSE_SERIES)
			n++;
	textparse_free(&p);
	if (series)
		*series = n;
	return e;
}

static int prom_ok(const char *s)
{
	return textparse_test_run(TEXTPARSE_PROM, 0, s, NULL) == 0;
}

static int om_ok(const char *s)
{
	return textparse_test_run(TEXTPARSE_OPENMETRICS, 0, s, NULL) == 0;
}

static int om_strict_ok(const char *s)
{
	return textparse_test_run(TEXTPARSE_OPENMETRICS, TEXTPARSE_STRICT, s, NULL) == 0;
}

TEST(textparse_prom_series_labels_and_timestamp)
{
	const char *in = "# HELP http_requests_total The total\\nnumber \\\\ of \\\"requests\\\".\n"
			 "# TYPE http_requests_total counter\n"
			 "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
			 "msdos{path=\"C:\\\\DIR\\\\F\",error=\"no\\n\\\"F\\\"\"} 1.458255915e9\n";
	struct textparse p;
	textparse_init(&p, TEXTPARSE_PROM, in, strlen(in), NULL, 0);
	CHECK_INT(textparse_next(&p), TEXTPARSE_HELP);
	CHECK_INT(p.cur.name_len, strlen("http_requests_total"));
	/* The text format resolves \\ and \n in HELP, not \". */
	CHECK(p.cur.text_len == strlen("The total\nnumber \\ of \\\"requests\\\".") &&
	      memcmp(p.cur.text, "The total\nnumber \\ of \\\"requests\\\".", p.cur.text_len) == 0);
	CHECK_INT(textparse_next(&p), TEXTPARSE_TYPE);
	CHECK_INT(p.cur.type, TEXTPARSE_MT_COUNTER);
	CHECK_INT(textparse_next(&p), TEXTPARSE_SERIES);
	CHECK_DBL(p.cur.value, 1027);
	CHECK(p.cur.has_ts);
	CHECK_INT(p.cur.ts, 1395066363000LL);
	struct labels l;
	CHECK_INT(textparse_labels(&p, &l), 0);
	CHECK_INT(l.n, 3);
	CHECK_STR(l.v[0].name, "__name__");
	CHECK_STR(l.v[0].value, "http_requests_total");
	CHECK_STR(l.v[1].name, "code");
	CHECK_STR(l.v[2].value, "post");
	CHECK_INT(textparse_next(&p), TEXTPARSE_SERIES);
	CHECK(!p.cur.has_ts);
	CHECK_DBL(p.cur.value, 1.458255915e9);
	CHECK_INT(textparse_labels(&p, &l), 0);
	CHECK_STR(labels_get(&l, "path"), "C:\\DIR\\F");
	CHECK_STR(labels_get(&l, "error"), "no\n\"F\"");
	CHECK_INT(textparse_next(&p), TEXTPARSE_END);
	CHECK_INT(textparse_next(&p), TEXTPARSE_END);
	textparse_free(&p);
}

TEST(textparse_prom_series_bytes_are_a_cache_key)
{
	const char *in = "a{x=\"1\"} 1\na{x=\"1\"} 2 5\nb 3\n";
	struct textparse p;
	textparse_init(&p, TEXTPARSE_PROM, in, strlen(in), NULL, 0);
	CHECK_INT(textparse_next(&p), TEXTPARSE_SERIES);
	CHECK(p.cur.series_len == 8 && memcmp(p.cur.series, "a{x=\"1\"}", 8) == 0);
	CHECK_INT(textparse_next(&p), TEXTPARSE_SERIES);
	CHECK(p.cur.series_len == 8 && memcmp(p.cur.series, "a{x=\"1\"}", 8) == 0);
	CHECK_INT(textparse_next(&p), TEXTPARSE_SERIES);
	CHECK(p.cur.series_len == 1 && p.cur.series[0] == 'b');
	textparse_free(&p);
}

TEST(textparse_prom_special_values)
{
	const char *in = "a +Inf\nb -Inf\nc NaN\nd nan\ne Infinity\nf .5\ng 5.\nh 1E3\n";
	struct textparse p;
	textparse_init(&p, TEXTPARSE_PROM, in, strlen(in), NULL, 0);
	double want[] = { INFINITY, -INFINITY, NAN, NAN, INFINITY, 0.5, 5, 1000 };
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		CHECK_INT(textparse_next(&p), TEXTPARSE_SERIES);
		CHECK_DBL(p.cur.value, want[i]);
		if (isnan(want[i])) {
			uint64_t bits;
			memcpy(&bits, &p.cur.value, sizeof bits);
			CHECK(bits == 0x7ff8000000000001ull); /* never a staleness marker */
		}
	}
	CHECK_INT(textparse_next(&p), TEXTPARSE_END);
	textparse_free(&p);
}

TEST(textparse_prom_rejects_what_prometheus_rejects)
{
	CHECK(!prom_ok("a 0x1p3\n"));   /* hex floats */
	CHECK(!prom_ok("a 0x10\n"));
	CHECK(!prom_ok("a 1_000\n"));   /* underscores */
	CHECK(!prom_ok("a 1e400\n"));   /* out of range */
	CHECK(!prom_ok("a +NaN\n"));    /* Go takes no sign on NaN */
	CHECK(!prom_ok("a infin\n"));
	CHECK(!prom_ok("a 1 -5\n"));    /* timestamps are digits only */
	CHECK(!prom_ok("a 1 1.5\n"));
	CHECK(!prom_ok("a 1 9223372036854775808\n")); /* int64 overflow */
	CHECK(!prom_ok("a\n"));
	CHECK(!prom_ok("a{b} 1\n"));
	CHECK(!prom_ok("a{b=c} 1\n"));
	CHECK(!prom_ok("a{b=\"c} 1\n"));
	CHECK(!prom_ok("a{,b=\"c\"} 1\n"));
	CHECK(!prom_ok("# TYPE a gaugehistogram\n")); /* not a text-format type */
	CHECK(!prom_ok("# TYPE a\n"));
	CHECK(!prom_ok("# HELP \n"));
	CHECK(!prom_ok("a{b=\"\xff\"} 1\n")); /* invalid UTF-8 */
	CHECK(!prom_ok("# HELP a \xc0\xaf\n"));
	CHECK(!prom_ok("{a=\"b\"} 1\n"));
	CHECK(!prom_ok("  a 1\n")); /* Prometheus reads "  a" as the name, then refuses it */
	CHECK(!prom_ok("a{b=\"x\x00y\"} 1\n"));
}

TEST(textparse_prom_accepts_what_prometheus_accepts)
{
	CHECK(prom_ok(""));
	CHECK(prom_ok("\n\n\n"));
	CHECK(prom_ok("a 1")); /* no final newline */
	CHECK(prom_ok("a{b=\"c\",} 1\n")); /* trailing comma */
	CHECK(prom_ok("a{b=\"c\" d=\"e\"} 1\n")); /* and even no comma */
	CHECK(prom_ok("a { b = \"c\" } 1 \t 2 \n"));
	CHECK(prom_ok("a{} 1\n"));
	CHECK(prom_ok("a{b=\"line\nbreak\"} 1\n")); /* raw newline in a value */
	CHECK(prom_ok("# just a comment\n#also one\n# HELP\n# TYPEX y\n"));
	CHECK(prom_ok("# HELP a\n# HELP a \n"));
	CHECK(prom_ok("# TYPE a untyped\n"));
	CHECK(prom_ok("a 1\n\x00 anything after a NUL at a line start\x01\xff"));
	CHECK(prom_ok("a{b=\"\\q\"} 1\n")); /* unknown escapes stay */
	CHECK(prom_ok("a 00001 0000\n"));
}

TEST(textparse_prom_comment_help_type_entries)
{
	const char *in = "# a comment\n# HELP a-b x\n# TYPE g  gauge\n";
	struct textparse p;
	textparse_init(&p, TEXTPARSE_PROM, in, strlen(in), NULL, 0);
	CHECK_INT(textparse_next(&p), TEXTPARSE_COMMENT);
	CHECK(p.cur.text_len == 11 && memcmp(p.cur.text, "# a comment", 11) == 0);
	/* Prometheus drops the first byte after the name, whatever it is. */
	CHECK_INT(textparse_next(&p), TEXTPARSE_HELP);
	CHECK(p.cur.name_len == 1 && p.cur.text_len == 3 && memcmp(p.cur.text, "b x", 3) == 0);
	/* "  gauge" loses one blank and is then no type. */
	CHECK_INT(textparse_next(&p), TEXTPARSE_ESYNTAX);
	CHECK_STR(textparse_error(&p), "3:10: invalid metric type \" gauge\"");
	CHECK_INT(textparse_next(&p), TEXTPARSE_ESYNTAX);
	textparse_free(&p);
}

TEST(textparse_error_positions)
{
	const char *in = "ok 1\nok{a=\"b\"} 2\nbad{a=\"b\" 3\n";
	struct textparse p;
	textparse_init(&p, TEXTPARSE_PROM, in, strlen(in), NULL, 0);
	CHECK_INT(textparse_next(&p), TEXTPARSE_SERIES);
	CHECK_INT(textparse_next(&p), TEXTPARSE_SERIES);
	CHECK_INT(textparse_next(&p), TEXTPARSE_ESYNTAX);
	CHECK_INT(p.err_line, 3);
	CHECK_INT(p.err_col, 11);
	CHECK_STR(textparse_error(&p), "3:11: expected label name, got \"INVALID\"");
	textparse_free(&p);
}

TEST(textparse_labels_duplicates_and_empty_values)
{
	const char *in = "a{x=\"1\",x=\"2\"} 1\nb{__name__=\"c\"} 1\nd{e=\"\",f=\"g\"} 1\n";
	struct textparse p;
	struct labels l;
	textparse_init(&p, TEXTPARSE_PROM, in, strlen(in), NULL, 0);
	CHECK_INT(textparse_next(&p), TEXTPARSE_SERIES);
	CHECK_INT(textparse_labels(&p, &l), TEXTPARSE_EDUPLABEL);
	CHECK_INT(textparse_next(&p), TEXTPARSE_SERIES);
	CHECK_INT(textparse_labels(&p, &l), TEXTPARSE_EDUPLABEL);
	CHECK_INT(textparse_next(&p), TEXTPARSE_SERIES);
	CHECK_INT(textparse_labels(&p, &l), 0);
	CHECK_INT(l.n, 2); /* e="" is dropped */
	CHECK_STR(l.v[1].name, "f");
	textparse_free(&p);
}

TEST(textparse_om_series_timestamps_and_exemplars)
{
	const char *in = "# TYPE a counter\n"
			 "# HELP a help \\\"q\\\" \\n\n"
			 "a_total{x=\"y\"} 1 1.5 # {trace_id=\"ab\\\"c\"} 0.5 123.25\n"
			 "a_created 1.6e9\n"
			 "b_bucket{le=\"+Inf\"} 4 # {} 2\n"
			 "c 1 12345678901234567890.5\n"
			 "d 1 -0.0005\n"
			 "# EOF\n";
	struct textparse p;
	textparse_init(&p, TEXTPARSE_OPENMETRICS, in, strlen(in), NULL, 0);
	CHECK_INT(textparse_next(&p), TEXTPARSE_TYPE);
	CHECK_INT(p.cur.type, TEXTPARSE_MT_COUNTER);
	CHECK_INT(textparse_next(&p), TEXTPARSE_HELP);
	/* OpenMetrics resolves \" in HELP too. */
	CHECK(p.cur.text_len == 10 && memcmp(p.cur.text, "help \"q\" \n", 10) == 0);
	CHECK_INT(textparse_next(&p), TEXTPARSE_SERIES);
	CHECK_INT(p.cur.ts, 1500);
	CHECK(p.cur.has_exemplar);
	struct textparse_exemplar ex;
	CHECK_INT(textparse_exemplar(&p, &ex), 1);
	CHECK_DBL(ex.value, 0.5);
	CHECK(ex.has_ts);
	CHECK_INT(ex.ts, 123250);
	CHECK_INT(ex.labels.n, 1);
	CHECK_STR(ex.labels.v[0].value, "ab\"c");
	struct labels l;
	CHECK_INT(textparse_labels(&p, &l), 0);
	CHECK_STR(labels_get(&l, "__name__"), "a_total");
	CHECK_INT(textparse_next(&p), TEXTPARSE_SERIES);
	CHECK(!p.cur.has_exemplar);
	CHECK_INT(textparse_exemplar(&p, &ex), 0);
	CHECK_INT(textparse_next(&p), TEXTPARSE_SERIES);
	CHECK_INT(textparse_exemplar(&p, &ex), 1);
	CHECK_INT(ex.labels.n, 0);
	CHECK(!ex.has_ts);
	CHECK_INT(textparse_next(&p), TEXTPARSE_SERIES);
	CHECK(p.cur.ts == INT64_MIN); /* as Go's conversion on amd64 */
	CHECK_INT(textparse_next(&p), TEXTPARSE_SERIES);
	CHECK_INT(p.cur.ts, 0); /* truncated toward zero */
	CHECK_INT(textparse_next(&p), TEXTPARSE_END);
	textparse_free(&p);
}

TEST(textparse_om_grammar)
{
	CHECK(om_ok("# EOF\n"));
	CHECK(om_ok("# EOF"));
	CHECK(om_ok("a 1\n# EOF"));
	CHECK(om_ok("# HELP a \n# UNIT a \n# EOF\n"));
	CHECK(om_ok("# UNIT a_seconds seconds\n# EOF\n"));
	CHECK(om_ok("# TYPE a info\n# TYPE b stateset\n# TYPE c gaugehistogram\n# TYPE d unknown\n# EOF\n"));
	CHECK(om_ok("a{b=\"c\",d=\"e\"} 1 2 # {} 3\n# EOF\n") == 0); /* no exemplar on "a" */
	CHECK(om_ok("a_total{b=\"c\"} 1 # {x=\"y\"} 3 4\n# EOF\n"));

	CHECK(!om_ok(""));
	CHECK(!om_ok("a 1\n"));                /* no # EOF */
	CHECK(!om_ok("# EOF\n\n"));            /* data after # EOF */
	CHECK(!om_ok("# EOF\na 1\n"));
	CHECK(!om_ok("a 1\n\n# EOF\n"));       /* blank line */
	CHECK(!om_ok("a  1\n# EOF\n"));        /* two spaces */
	CHECK(!om_ok("a 1 \n# EOF\n"));        /* trailing space */
	CHECK(!om_ok(" a 1\n# EOF\n"));
	CHECK(!om_ok("a\t1\n# EOF\n"));
	CHECK(!om_ok("# a comment\n# EOF\n")); /* no free comments */
	CHECK(!om_ok("#HELP a x\n# EOF\n"));
	CHECK(!om_ok("# HELP a\n# EOF\n"));
	CHECK(!om_ok("# TYPE a untyped\n# EOF\n"));
	CHECK(!om_ok("# TYPE a gauge \n# EOF\n"));
	CHECK(!om_ok("# UNIT a seconds\n# EOF\n"));
	CHECK(!om_ok("# UNIT a_xseconds seconds\n# EOF\n"));
	CHECK(!om_ok("a{b=\"c\",} 1\n# EOF\n")); /* no trailing comma */
	CHECK(!om_ok("a{b=\"c\"d=\"e\"} 1\n# EOF\n"));
	CHECK(!om_ok("a 1 NaN\n# EOF\n"));
	CHECK(!om_ok("a 1 Inf\n# EOF\n"));
	CHECK(!om_ok("a 1 0x1p-3\n# EOF\n"));
	CHECK(!om_ok("a 1 # {x=\"y\"} 1\n# EOF\n")); /* exemplar on a name without _total/_bucket */
	CHECK(!om_ok("a_total 1 # {x=\"y\"}\n# EOF\n"));
	CHECK(!om_ok("a_total 1 # {x=\"y\"} 1 \n# EOF\n"));
	CHECK(!om_ok("a_total 1 #{x=\"y\"} 1\n# EOF\n"));
	CHECK(!om_ok("a_total 1 # {x=\"y\"} 1 NaN\n# EOF\n"));
	CHECK(!om_ok("a{b=\"line\nbreak\"} 1\n# EOF\n"));
}

TEST(textparse_om_strict_rules)
{
	/* Prometheus takes these; the OpenMetrics rules do not. */
	const char *bad[] = {
		"# TYPE a counter\na_total -1\n# EOF\n",
		"# TYPE a counter\na_total NaN\n# EOF\n",
		"# TYPE a counter\n# TYPE a counter\n# EOF\n",
		"# HELP a x\n# HELP a x\n# EOF\n",
		"# TYPE a gauge\na 1\n# HELP a x\n# EOF\n",
		"# TYPE a_created gauge\n# TYPE a counter\n# EOF\n",
		"# TYPE a histogram\na_bucket{le=\"1\"} 0\n# EOF\n",
		"# TYPE a histogram\na_bucket{le=\"2\"} 0\na_bucket{le=\"1\"} 0\na_bucket{le=\"+Inf\"} 0\n# EOF\n",
		"# TYPE a histogram\na_bucket{le=\"+Inf\"} 1\na_count 2\na_sum 1\n# EOF\n",
		"# TYPE a histogram\na_bucket{le=\"+INF\"} 0\n# EOF\n",
		"# TYPE a histogram\na_bucket{le=\"+Inf\"} 1.5\n# EOF\n",
		"# TYPE a summary\na{quantile=\"1.5\"} 0\n# EOF\n",
		"# TYPE a summary\na 0\n# EOF\n",
		"# TYPE a stateset\na{a=\"x\"} 2\n# EOF\n",
		"# TYPE a info\na_info 2\n# EOF\n",
		"# TYPE a gauge\na 0 2\na 0 1\n# EOF\n",
		"# TYPE a gauge\na 0 1\na 0\n# EOF\n",
		"a{x=\"1\"} 0\na{x=\"2\"} 0\na{x=\"1\"} 0\n# EOF\n",
		"# TYPE x_u info\n# UNIT x_u u\n# EOF\n",
		"# TYPE a_bucket gauge\na_bucket 1 # {a=\"b\"} 0.5\n# EOF\n",
		"a{x=\"1\",x=\"2\"} 1\n# EOF\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (!om_ok(bad[i]) || om_strict_ok(bad[i])) {
			unit_fail(__FILE__, __LINE__, "case %zu: want lax ok, strict rejected:\n%s", i,
				  bad[i]);
			return;
		}
	}
	const char *good[] = {
		"# TYPE a histogram\na_bucket{le=\"1.0\"} 0\na_bucket{le=\"+Inf\"} 3\na_count 3\na_sum 2\n# EOF\n",
		"# TYPE a gaugehistogram\na_bucket{le=\"-1\"} 1\na_bucket{le=\"+Inf\"} 3\na_gcount 3\na_gsum -5\n# EOF\n",
		"# TYPE a summary\na_count 1\na_sum 2\na{quantile=\"0.5\"} 0.7\n# EOF\n",
		"# TYPE a stateset\na{a=\"x\"} 1\na{a=\"y\"} 0\n# EOF\n",
		"# TYPE a gauge\na 1 0\na 2 0\na 3 1\n# EOF\n",
		"# TYPE a counter\n# UNIT a_seconds seconds\n# EOF\n",
		"# HELP a_seconds x\n# TYPE a_seconds counter\n# UNIT a_seconds seconds\na_seconds_total 1\na_seconds_created 1\n# EOF\n",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		if (!om_strict_ok(good[i])) {
			unit_fail(__FILE__, __LINE__, "case %zu: strict rejected a valid input:\n%s", i,
				  good[i]);
			return;
		}
	}
}

TEST(textparse_strict_error_message)
{
	const char *in = "# TYPE a counter\na_total 1\na_total -1\n# EOF\n";
	struct textparse p;
	textparse_init(&p, TEXTPARSE_OPENMETRICS, in, strlen(in), NULL, TEXTPARSE_STRICT);
	CHECK_INT(textparse_next(&p), TEXTPARSE_TYPE);
	CHECK_INT(textparse_next(&p), TEXTPARSE_SERIES);
	CHECK_INT(textparse_next(&p), TEXTPARSE_ESEMANTIC);
	CHECK_STR(textparse_error(&p), "3:1: counter-like samples cannot be negative (family \"a\")");
	textparse_free(&p);
}

TEST(textparse_limits)
{
	struct textparse_limits lim = { 40, 2, 4, 8 };
	struct {
		const char *in;
		int want;
	} cases[] = {
		{ "a{b=\"1\",c=\"2\"} 1\n", TEXTPARSE_END },
		{ "a{b=\"1\",c=\"2\",d=\"3\"} 1\n", TEXTPARSE_ELIMIT },
		{ "a{bbbbb=\"1\"} 1\n", TEXTPARSE_ELIMIT },
		{ "a{b=\"123456789\"} 1\n", TEXTPARSE_ELIMIT },
		{ "abcdefghi 1\n", TEXTPARSE_ELIMIT },
		{ "a 1.00000000000000000000000000000000000000000000\n", TEXTPARSE_ELIMIT },
		{ "# 4567890123456789012345678901234567890\n", TEXTPARSE_END },
		{ "# 4567890123456789012345678901234567890123\n", TEXTPARSE_ELIMIT },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct textparse p;
		textparse_init(&p, TEXTPARSE_PROM, cases[i].in, strlen(cases[i].in), &lim, 0);
		int e;
		while ((e = textparse_next(&p)) > 0)
			;
		textparse_free(&p);
		if (e != cases[i].want) {
			unit_fail(__FILE__, __LINE__, "case %zu: got %d, want %d", i, e, cases[i].want);
			return;
		}
	}
}

TEST(textparse_many_series)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < 5000; i++)
		buf_printf(&b, "m{i=\"%d\",j=\"x\"} %d %d\n", i, i, i);
	int n;
	CHECK_INT(textparse_test_run(TEXTPARSE_PROM, 0, b.p, &n), 0);
	CHECK_INT(n, 5000);
	buf_puts(&b, "# EOF\n");
	CHECK_INT(textparse_test_run(TEXTPARSE_OPENMETRICS, TEXTPARSE_STRICT, b.p, &n), 0);
	CHECK_INT(n, 5000);
	buf_free(&b);
}

TEST(textparse_content_type)
{
	struct {
		const char *ct;
		enum textparse_format want;
		int rc;
	} cases[] = {
		{ NULL, TEXTPARSE_PROM, 0 },
		{ "", TEXTPARSE_PROM, 0 },
		{ "text/plain; version=0.0.4; charset=utf-8", TEXTPARSE_PROM, 0 },
		{ "application/openmetrics-text; version=1.0.0; charset=utf-8", TEXTPARSE_OPENMETRICS, 0 },
		{ "application/openmetrics-text;version=0.0.1", TEXTPARSE_OPENMETRICS, 0 },
		{ "Application/OpenMetrics-Text", TEXTPARSE_OPENMETRICS, 0 },
		{ " application/openmetrics-text ;", TEXTPARSE_OPENMETRICS, 0 },
		{ "application/openmetrics-text; version=\"1.0.0\"", TEXTPARSE_OPENMETRICS, 0 },
		{ "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily", TEXTPARSE_PROM, 0 },
		{ "application/json", TEXTPARSE_PROM, 0 },
		{ "text", TEXTPARSE_PROM, 0 },
		/* unparsable: Prometheus falls back to the text parser */
		{ "application/openmetrics-text; version", TEXTPARSE_PROM, TEXTPARSE_ECONTENTTYPE },
		{ "application/openmetrics-text; a=1; a=2", TEXTPARSE_PROM, TEXTPARSE_ECONTENTTYPE },
		{ "application/openmetrics-text x", TEXTPARSE_PROM, TEXTPARSE_ECONTENTTYPE },
		{ "/plain", TEXTPARSE_PROM, TEXTPARSE_ECONTENTTYPE },
		{ "text/", TEXTPARSE_PROM, TEXTPARSE_ECONTENTTYPE },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum textparse_format f = TEXTPARSE_OPENMETRICS;
		int rc = textparse_format_for(cases[i].ct, &f);
		if (rc != cases[i].rc || f != cases[i].want) {
			unit_fail(__FILE__, __LINE__, "%s: got rc %d format %d", cases[i].ct, rc, f);
			return;
		}
	}
	CHECK_STR(TEXTPARSE_ACCEPT_HEADER,
		  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
		  "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
}

TEST(textparse_mtype_names)
{
	CHECK_STR(textparse_mtype_name(TEXTPARSE_MT_UNKNOWN), "unknown");
	CHECK_STR(textparse_mtype_name(TEXTPARSE_MT_GAUGEHISTOGRAM), "gaugehistogram");
	CHECK_STR(textparse_strerror(TEXTPARSE_ELIMIT), "exposition exceeds a limit");
}

/* ---- the float fast path: bit-identical to strtod ---- */

/* Check one decimal: the fast path, when it answers, gives strtod's bits;
 * the full parser always does. Returns 1 when the fast path answered, 0
 * when it fell back, -1 on a mismatch (printed). */
static int textparse_test_fast_one(const char *s)
{
	size_t n = strlen(s);
	double want = strtod(s, NULL), got = 0, full = 0;
	struct textparse p;
	textparse_init(&p, TEXTPARSE_PROM, "", 0, NULL, 0);
	int rc = textparse_parse_float(&p, (const unsigned char *)s, n, &full);
	textparse_free(&p);
	if (rc != 0 || (!isinf(want) && memcmp(&full, &want, sizeof want) != 0)) {
		printf("  parse_float(\"%s\") = %d, %a; strtod %a\n", s, rc, full, want);
		return -1;
	}
	if (!textparse_decimal_fast((const unsigned char *)s, n, &got))
		return 0;
	if (memcmp(&got, &want, sizeof want) != 0) {
		printf("  fast(\"%s\") = %a, strtod %a\n", s, got, want);
		return -1;
	}
	return 1;
}

TEST(textparse_float_fast_edges)
{
	static const char *const fast[] = {
		"0", "-0", "+0", "0.0", "-0.0", ".5", "5.", "0.1", "-0.1", "0.2", "0.3",
		"1", "123456", "9007199254740992", "-9007199254740992", "1e22", "1E22",
		"1e-22", "4.35", "123.456e3", "123.456e-3", "1.797693134862315", "0.000001",
		"1e+5", "2.5e-3", "9007199254740991e-22", "3.14159265358979", "0e400",
		"-0e-400", "00000000000000000000000000001", "0.0000000000000000000001",
		"123456789012345e-3", "100", "0.5e1",
	};
	for (size_t k = 0; k < sizeof fast / sizeof fast[0]; k++)
		CHECK_STR(textparse_test_fast_one(fast[k]) == 1 ? "fast" : fast[k], "fast");
	/* Beyond the exact range: strtod decides (and the result is its). */
	static const char *const slow[] = {
		"9007199254740993", "18446744073709551615", "1e23", "1e-23", "5e-324",
		"2.2250738585072014e-308", "4.9406564584124654e-324", "1.7976931348623157e308",
		"12345678901234567890", "0.1234567890123456789012", "123e-99999999999",
		"1e-400", "-1e-400", "2.4703282292062327e-324", "0.00000000000000000000001", "1.7976931348623157",
		"1234567890123456789e-3",
	};
	for (size_t k = 0; k < sizeof slow / sizeof slow[0]; k++)
		CHECK_STR(textparse_test_fast_one(slow[k]) == 0 ? "slow" : slow[k], "slow");
	/* Not decimals at all: the fast path declines, the parser decides. */
	static const char *const bad[] = {"", "+", "-", ".", "e5", "1e", "1e+", "1.2.3", "0x10",
					  "1_0", "nan", "Inf", "-inf", "1 ", " 1", "1e5x"};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		double d = 42;
		CHECK(!textparse_decimal_fast((const unsigned char *)bad[k], strlen(bad[k]), &d));
		CHECK(d == 42);
	}
	/* Overflow is still an error (Go: "value out of range"). */
	struct textparse p;
	textparse_init(&p, TEXTPARSE_PROM, "", 0, NULL, 0);
	double d = 0;
	CHECK(textparse_parse_float(&p, (const unsigned char *)"123e99999999999", 15, &d) == -1);
	CHECK(textparse_parse_float(&p, (const unsigned char *)"1e309", 5, &d) == -1);
	textparse_free(&p);
	CHECK(textparse_decimal_fast((const unsigned char *)"-0", 2, &d));
	CHECK(d == 0 && signbit(d));
	CHECK(textparse_decimal_fast((const unsigned char *)"+0.0e-5", 7, &d));
	CHECK(d == 0 && !signbit(d));
}

static uint64_t textparse_test_rand(uint64_t *st)
{
	/* splitmix64: a fixed sequence, so a failure reproduces. */
	uint64_t z = (*st += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

TEST(textparse_float_fast_random)
{
	uint64_t st = 20261125;
	long fast = 0, slow = 0;
	char s[80];
	for (long k = 0; k < 1000000; k++) {
		uint64_t r = textparse_test_rand(&st);
		/* 1..20 digits, a '.' somewhere or none, sometimes an exponent
		 * in -30..30 (so both sides of the |p| <= 22 edge are hit). */
		int nd = 1 + (int)(r % 20), dot = (int)((r >> 5) % (nd + 2)) - 1;
		size_t len = 0;
		if (r & (1u << 10))
			s[len++] = '-';
		uint64_t dr = textparse_test_rand(&st);
		for (int j = 0; j < nd; j++) {
			if (j == dot)
				s[len++] = '.';
			if (j % 19 == 18)
				dr = textparse_test_rand(&st);
			s[len++] = (char)('0' + dr % 10);
			dr /= 10;
		}
		if (dot == nd)
			s[len++] = '.';
		if (r & (1u << 11))
			len += (size_t)snprintf(s + len, sizeof s - len, "e%d", (int)((r >> 16) % 61) - 30);
		s[len] = 0;
		int rc = textparse_test_fast_one(s);
		CHECK(rc >= 0);
		if (rc)
			fast++;
		else
			slow++;
	}
	/* Both paths were exercised, the fast one mostly. */
	CHECK(fast > 500000 && slow > 10000);
}

TEST(textparse_float_fast_doubles)
{
	/* Shortest and %.17g spellings of random doubles across the range. */
	uint64_t st = 7;
	char s[64];
	for (long k = 0; k < 200000; k++) {
		uint64_t bits = textparse_test_rand(&st);
		double d;
		memcpy(&d, &bits, sizeof d);
		if (!isfinite(d))
			continue;
		snprintf(s, sizeof s, k & 1 ? "%.17g" : "%.15g", d);
		CHECK(textparse_test_fast_one(s) >= 0);
		/* Small integers and short decimals, as exporters write them. */
		snprintf(s, sizeof s, "%.*f", (int)(bits % 7), (double)(bits >> 40) / 1000.0);
		CHECK(textparse_test_fast_one(s) >= 0);
	}
}

/* Label values: ASCII passes, UTF-8 passes, bad UTF-8 and NUL bytes do not
 * (the ASCII-only shortcut must keep these verdicts), in both formats. */
static int textparse_test_len(enum textparse_format f, const char *s, size_t n, char *err,
			      size_t errsz)
{
	struct textparse p;
	textparse_init(&p, f, s, n, NULL, 0);
	int e;
	while ((e = textparse_next(&p)) > 0)
		;
	snprintf(err, errsz, "%s", textparse_error(&p));
	textparse_free(&p);
	return e;
}

TEST(textparse_label_value_bytes)
{
	static const struct {
		const char *s;
		size_t n;
		const char *err; /* NULL: accepted */
	} cases[] = {
		{"a{b=\"plain ascii ~\"} 1\n", sizeof "a{b=\"plain ascii ~\"} 1\n" - 1, NULL},
		{"a{b=\"caf\xc3\xa9\"} 1\n", sizeof "a{b=\"caf\xc3\xa9\"} 1\n" - 1, NULL},
		{"a{b=\"\xe2\x82\xac x\"} 1\n", sizeof "a{b=\"\xe2\x82\xac x\"} 1\n" - 1, NULL},
		{"a{b=\"caf\xc3\"} 1\n", sizeof "a{b=\"caf\xc3\"} 1\n" - 1, "invalid UTF-8 label value"},
		{"a{b=\"\xff\"} 1\n", sizeof "a{b=\"\xff\"} 1\n" - 1, "invalid UTF-8 label value"},
		{"a{b=\"x\0y\"} 1\n", sizeof "a{b=\"x\0y\"} 1\n" - 1, "NUL byte in a label value"},
		{"a{b=\"\0\"} 1\n", sizeof "a{b=\"\0\"} 1\n" - 1, "NUL byte in a label value"},
		{"a{b=\"\xc3\xa9\0\"} 1\n", sizeof "a{b=\"\xc3\xa9\0\"} 1\n" - 1, "NUL byte in a label value"},
		{"a{b=\"\0\xff\"} 1\n", sizeof "a{b=\"\0\xff\"} 1\n" - 1, "invalid UTF-8 label value"},
	};
	char err[256], om[64];
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		for (int f = 0; f < 2; f++) {
			const char *s = cases[k].s;
			size_t n = cases[k].n;
			if (f) {
				memcpy(om, s, n);
				memcpy(om + n, "# EOF\n", 6);
				s = om;
				n += 6;
			}
			int e = textparse_test_len(f ? TEXTPARSE_OPENMETRICS : TEXTPARSE_PROM, s, n, err,
						   sizeof err);
			if (!cases[k].err) {
				CHECK_STR(err, "");
				CHECK_INT(e, 0);
			} else {
				CHECK(e == TEXTPARSE_ESYNTAX);
				CHECK(strstr(err, cases[k].err) != NULL);
			}
		}
	}
}
