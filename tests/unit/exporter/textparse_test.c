/* Tests of the text exposition format parser (services/exporter/textparse.c):
 * what node_exporter 1.5's parser accepts, what it refuses and where. */
#include <stdlib.h>

#include "../../../services/exporter/textparse.h"
#include "../unit.h"

static struct arena tp_arena = ARENA_INIT;
static char tp_err[256];

/* Parse text; returns the result or NULL (message in tp_err). */
static struct textparse_result *parse(const char *text)
{
	static struct textparse_result r;
	arena_free(&tp_arena);
	if (textparse_parse(text, strlen(text), "t.prom", &tp_arena, &r, tp_err, sizeof tp_err) != 0)
		return NULL;
	return &r;
}

static const struct textparse_family *fam(const struct textparse_result *r, const char *name)
{
	for (const struct textparse_family *f = r->families; f; f = f->next)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

static const char *label(const struct textparse_metric *m, const char *name)
{
	for (size_t i = 0; i < m->nlabels; i++)
		if (!strcmp(m->labels[i].name, name))
			return m->labels[i].value;
	return NULL;
}

TEST(textparse_fixture_files)
{
	/* node_exporter's two_metric_files/metrics1.prom */
	struct textparse_result *r = parse("testmetric1_1{foo=\"bar\"} 10\ntestmetric1_2{foo=\"baz\"} 20\n");
	CHECK(r != NULL);
	CHECK_INT(r->nfamilies, 2);
	const struct textparse_family *f = fam(r, "testmetric1_1");
	CHECK(f && f->type == METRIC_UNTYPED && f->help == NULL && f->nmetrics == 1);
	CHECK_STR(label(f->metrics, "foo"), "bar");
	CHECK_DBL(f->metrics->value, 10);
	CHECK(!r->has_timestamps);
	CHECK_STR(r->families->name, "testmetric1_1"); /* order of first mention */
}

TEST(textparse_help_type_and_escapes)
{
	struct textparse_result *r = parse(
		"# HELP http_requests_total The total number of HTTP requests.\n"
		"# TYPE http_requests_total counter\n"
		"http_requests_total{method=\"post\",code=\"200\"} 1027\n"
		"http_requests_total{method=\"post\",code=\"400\"}    3\n"
		"# HELP esc a\\\\b\\nc\n"
		"esc{path=\"C:\\\\DIR\",error=\"x:\\n\\\"F\\\"\"} 1.458255915e9\n"
		"# a comment\n\n   \t\n"
		"# TYPE lower Gauge\nlower +Inf\n");
	CHECK(r != NULL);
	const struct textparse_family *f = fam(r, "http_requests_total");
	CHECK(f && f->type == METRIC_COUNTER && f->nmetrics == 2);
	CHECK_STR(f->help, "The total number of HTTP requests.");
	CHECK_DBL(f->metrics->next->value, 3);
	f = fam(r, "esc");
	CHECK_STR(f->help, "a\\b\nc");
	CHECK_STR(label(f->metrics, "path"), "C:\\DIR");
	CHECK_STR(label(f->metrics, "error"), "x:\n\"F\"");
	CHECK_DBL(f->metrics->value, 1458255915);
	f = fam(r, "lower");
	CHECK(f && f->type == METRIC_GAUGE && isinf(f->metrics->value));
}

TEST(textparse_summary_and_histogram)
{
	struct textparse_result *r = parse(
		"# TYPE rpc summary\n"
		"rpc{service=\"a\",quantile=\"0.5\"} 4773\n"
		"rpc{quantile=\"0.99\",service=\"a\"} 76656\n"
		"rpc_sum{service=\"a\"} 1.7560473e+07\n"
		"rpc_count{service=\"a\"} 2693\n"
		"rpc_count{service=\"b\"} -1\n"
		"# TYPE req histogram\n"
		"req_bucket{le=\"0.05\"} 24054\n"
		"req_bucket{le=\"+Inf\"} 144320\n"
		"req_sum 53423\n"
		"req_count 144320.9\n");
	CHECK(r != NULL);
	const struct textparse_family *f = fam(r, "rpc");
	CHECK(f && f->type == METRIC_SUMMARY && f->nmetrics == 2);
	const struct textparse_metric *m = f->metrics;
	CHECK_INT(m->nlabels, 1); /* quantile is not a label */
	CHECK_STR(label(m, "service"), "a");
	CHECK_INT(m->count, 2693);
	CHECK_DBL(m->sum, 1.7560473e+07);
	CHECK_INT(m->npoints, 2);
	CHECK_DBL(m->points->bound, 0.5);
	CHECK_DBL(m->points->next->value, 76656);
	/* Go's uint64(-1.0) on amd64 */
	CHECK(m->next->count == UINT64_MAX);
	f = fam(r, "req");
	CHECK(f && f->type == METRIC_HISTOGRAM && f->nmetrics == 1);
	m = f->metrics;
	CHECK_INT(m->nlabels, 0);
	CHECK_INT(m->count, 144320);
	CHECK_INT(m->npoints, 2);
	CHECK(isinf(m->points->next->bound) && m->points->next->count == 144320);
	CHECK(fam(r, "rpc_sum") == NULL && fam(r, "req_bucket") == NULL);
}

TEST(textparse_suffix_families_before_type)
{
	/* name_sum before "# TYPE name summary" is a family of its own. */
	struct textparse_result *r = parse("x_sum 1\n# TYPE x summary\nx_sum 2\nx_count 3\n");
	CHECK(r != NULL);
	CHECK(fam(r, "x_sum") && fam(r, "x_sum")->nmetrics == 2);
	CHECK(fam(r, "x") && fam(r, "x")->metrics->count == 3);
	/* le is an ordinary label outside histograms */
	r = parse("c{le=\"1\",quantile=\"x\"} 1\n");
	CHECK(r && fam(r, "c")->metrics->nlabels == 2);
}

TEST(textparse_quirks_of_the_reference)
{
	/* A backslash outside HELP is dropped, so this TYPE is "counter". */
	struct textparse_result *r = parse("# TYPE a coun\\ter\na 1\n");
	CHECK(r && fam(r, "a")->type == METRIC_COUNTER);
	/* "# HELP name" without text sets no help. */
	r = parse("# HELP a   \na 1\n");
	CHECK(r && fam(r, "a")->help == NULL);
	/* Go upper-cases U+017F to 'S'. */
	r = parse("# TYPE s \xc5\xbfummary\ns_count 1\n");
	CHECK(r && fam(r, "s")->type == METRIC_SUMMARY);
	/* A family with only TYPE/HELP lines is left out, gauge_histogram too. */
	r = parse("# TYPE g gauge_histogram\n# HELP h text\n");
	CHECK(r && r->nfamilies == 0);
	/* Trailing comma, blanks everywhere, no blank before the value. */
	r = parse("a { x = \"1\" , } 1\nb{x=\"2\"}2\n");
	CHECK(r && fam(r, "a")->metrics->nlabels == 1 && fam(r, "b")->metrics->value == 2);
	/* Timestamps are parsed and reported. */
	r = parse("a 1 -5\n");
	CHECK(r && r->has_timestamps && fam(r, "a")->metrics->timestamp_ms == -5);
	/* Empty input and blank lines only are fine. */
	CHECK(parse("") != NULL);
	CHECK(parse("\n\n  \n") != NULL);
}

static void check_error(const char *text, const char *want)
{
	if (parse(text) != NULL) {
		unit_fail(__FILE__, __LINE__, "accepted: \"%s\"", text);
		return;
	}
	if (!strstr(tp_err, want))
		unit_fail(__FILE__, __LINE__, "for \"%s\": error \"%s\" lacks \"%s\"", text, tp_err, want);
}

TEST(textparse_errors_say_where)
{
	check_error("a 1", "t.prom:1:4: unexpected end of input");
	check_error("a 1\nb 2 \n", "t.prom:2:5: expected an integer timestamp");
	check_error("a 1 2 \n", "t.prom:1:6: unexpected");
	check_error("a 1 2 3\n", "t.prom:1:6:");
	check_error("a x\n", "t.prom:1:3: expected a number as value, got \"x\"");
	check_error("a\n", "t.prom:1:2: expected a number");
	check_error("a 1_000\n", "1:3: expected a number");
	check_error("a 0x1p4\n", "expected a number");
	check_error("a 1e400\n", "expected a number");
	check_error("{a=\"1\"} 1\n", "t.prom:1:1: invalid metric name");
	check_error("a{1=\"1\"} 1\n", "1:3: invalid label name");
	check_error("a{b=\"1\",b=\"2\"} 1\n", "1:9: label b repeated");
	check_error("a{__name__=\"x\"} 1\n", "1:3: label name \"__name__\" is reserved");
	check_error("a{b\"1\"} 1\n", "1:4: expected '='");
	check_error("a{b=1} 1\n", "1:5: expected '\"'");
	check_error("a{b=\"1\" c=\"2\"} 1\n", "1:9: expected ',' or '}'");
	check_error("a{b=\"x\\ty\"} 1\n", "invalid escape sequence");
	check_error("a{b=\"x\ny\"} 1\n", "runs into the end of the line");
	check_error("a{b=\"\xff\"} 1\n", "1:6: label value \"\\xff\" is not valid UTF-8");
	check_error("# HELP a x\n# HELP a y\n", "2:10: second HELP line for a");
	check_error("# HELP a x\\t\n", "1:12: invalid escape sequence");
	check_error("a 1\n# TYPE a counter\n", "2:10: second TYPE line");
	check_error("# TYPE a counter \n", "1:10: unknown metric type \"counter \"");
	check_error("# TYPE 1a counter\n", "1:8: invalid metric name in TYPE line");
	check_error("# TYPE s summary\ns{quantile=\"x\"} 1\n", "2:13: quantile label \"x\" is not a number");
	check_error("# TYPE h histogram\nh_bucket{le=\"\"} 1\n", "le label");
	check_error("# TYPE g gauge_histogram\ng 1\n", "2:1: samples of gauge_histogram g");
	check_error("a 1 1e3\n", "expected an integer timestamp");
	check_error("a 1 99999999999999999999\n", "expected an integer timestamp");
	check_error("a 1\r\n", "expected a number");
}

TEST(textparse_limits)
{
	/* More labels than a sample may carry. */
	struct buf b = BUF_INIT;
	buf_puts(&b, "a{");
	for (int i = 0; i <= TEXTPARSE_MAX_LABELS; i++)
		buf_printf(&b, "l%d=\"v\",", i);
	buf_puts(&b, "} 1\n");
	CHECK(parse(b.p) == NULL);
	CHECK(strstr(tp_err, "more than 64 labels") != NULL);
	/* Too many lines. */
	size_t n = TEXTPARSE_MAX_LINES + 1;
	char *lines = malloc(n + 1);
	memset(lines, '\n', n);
	lines[n] = 0;
	struct textparse_result r;
	arena_free(&tp_arena);
	int rc = textparse_parse(lines, n, "big", &tp_arena, &r, tp_err, sizeof tp_err);
	free(lines);
	CHECK(rc == -1 && strstr(tp_err, "big:1000001:1: more than 1000000 lines"));
	/* Input too large is refused before parsing. */
	rc = textparse_parse("", (size_t)TEXTPARSE_MAX_BYTES + 1, "huge", &tp_arena, &r, tp_err,
			     sizeof tp_err);
	CHECK(rc == -1 && strstr(tp_err, "huge:1:1: input larger than"));
	/* A short error buffer is fine. */
	char small[8];
	CHECK(textparse_parse("x", 1, "f", &tp_arena, &r, small, sizeof small) == -1);
	CHECK(strlen(small) == 7);
	buf_free(&b);
	arena_free(&tp_arena);
}
