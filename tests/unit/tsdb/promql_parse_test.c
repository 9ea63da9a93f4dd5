/* Tests of the PromQL front end: lexer, parser, checks and printer
 * (services/tsdb/promql/{lex,parse,print,functions}.c).
 *
 * The tables follow the spirit of Prometheus 2.42's parser tests: every
 * valid query must parse and print in canonical form (which must parse
 * back to the same canonical form); every invalid one must fail at the
 * position Prometheus reports. The messages are our own words. */
#include "../../../services/tsdb/promql/lex.h"
#include "../../../services/tsdb/promql/parse.h"
#include "../unit.h"

struct valid_case {
	const char *in, *out;
};

static const struct valid_case valid_cases[] = {
	{ "1", "1" },
	{ "+Inf", "+Inf" },
	{ "-Inf", "-Inf" },
	{ ".5", "0.5" },
	{ "5.", "5" },
	{ "123.4567", "123.4567" },
	{ "5e-3", "0.005" },
	{ "5e3", "5000" },
	{ "0xc", "12" },
	{ "0755", "493" },
	{ "+5.5e-3", "0.0055" },
	{ "-0755", "-493" },
	{ "1 + 1", "1 + 1" },
	{ "1 - 1", "1 - 1" },
	{ "1 * 1", "1 * 1" },
	{ "1 % 1", "1 % 1" },
	{ "1 / 1", "1 / 1" },
	{ "1 == bool 1", "1 == bool 1" },
	{ "1 != bool 1", "1 != bool 1" },
	{ "1 > bool 1", "1 > bool 1" },
	{ "1 >= bool 1", "1 >= bool 1" },
	{ "1 < bool 1", "1 < bool 1" },
	{ "1 <= bool 1", "1 <= bool 1" },
	{ "-1^2", "-1 ^ 2" },
	{ "-1*2", "-1 * 2" },
	{ "-1+2", "-1 + 2" },
	{ "-1^-2", "-1 ^ -2" },
	{ "+1 + -2 * 1", "1 + -2 * 1" },
	{ "1 + 2/(3*1)", "1 + 2 / (3 * 1)" },
	{ "1 < bool 2 - 1 * 2", "1 < bool 2 - 1 * 2" },
	{ "-some_metric", "-some_metric" },
	{ "+some_metric", "+some_metric" },
	{ " +some_metric", "+some_metric" },
	{ "foo * bar", "foo * bar" },
	{ "foo * sum", "foo * sum" },
	{ "foo == 1", "foo == 1" },
	{ "foo == bool 1", "foo == bool 1" },
	{ "2.5 / bar", "2.5 / bar" },
	{ "foo and bar", "foo and bar" },
	{ "foo or bar", "foo or bar" },
	{ "foo unless bar", "foo unless bar" },
	{ "foo + bar or bla and blub", "foo + bar or bla and blub" },
	{ "foo and bar unless baz or qux", "foo and bar unless baz or qux" },
	{ "bar + on(foo) bla / on(baz, buz) group_right(test) blub", "bar + on (foo) bla / on (baz, buz) group_right (test) blub" },
	{ "foo * on(test,blub) bar", "foo * on (test, blub) bar" },
	{ "foo * on(test,blub) group_left bar", "foo * on (test, blub) group_left () bar" },
	{ "foo and on(test,blub) bar", "foo and on (test, blub) bar" },
	{ "foo and on() bar", "foo and on () bar" },
	{ "foo and ignoring(test,blub) bar", "foo and ignoring (test, blub) bar" },
	{ "foo and ignoring() bar", "foo and bar" },
	{ "foo unless on(bar) baz", "foo unless on (bar) baz" },
	{ "foo / on(test,blub) group_left(bar) bar", "foo / on (test, blub) group_left (bar) bar" },
	{ "foo / ignoring(test,blub) group_left(blub) bar", "foo / ignoring (test, blub) group_left (blub) bar" },
	{ "foo / ignoring(test,blub) group_left(bar) bar", "foo / ignoring (test, blub) group_left (bar) bar" },
	{ "foo - on(test,blub) group_right(bar,foo) bar", "foo - on (test, blub) group_right (bar, foo) bar" },
	{ "foo - ignoring(test,blub) group_right(bar,foo) bar", "foo - ignoring (test, blub) group_right (bar, foo) bar" },
	{ "foo", "foo" },
	{ "min", "min" },
	{ "foo offset 5m", "foo offset 5m" },
	{ "foo offset -7m", "foo offset -7m" },
	{ "foo OFFSET 1h30m", "foo offset 1h30m" },
	{ "foo OFFSET 1m30ms", "foo offset 1m30ms" },
	{ "foo @ 1603774568", "foo @ 1603774568.000" },
	{ "foo @ -100", "foo @ -100.000" },
	{ "foo @ .3", "foo @ 0.300" },
	{ "foo @ 3.", "foo @ 3.000" },
	{ "foo @ 3.33", "foo @ 3.330" },
	{ "foo @ 3.3333", "foo @ 3.333" },
	{ "foo @ 3.3335", "foo @ 3.334" },
	{ "foo @ 3e2", "foo @ 300.000" },
	{ "foo @ 3e-1", "foo @ 0.300" },
	{ "foo @ 0xA", "foo @ 10.000" },
	{ "foo @ -3.3e1", "foo @ -33.000" },
	{ "foo:bar{a=\"bc\"}", "foo:bar{a=\"bc\"}" },
	{ "foo{NaN='bc'}", "foo{NaN=\"bc\"}" },
	{ "foo{bar='}'}", "foo{bar=\"}\"}" },
	{ "foo{a=\"b\", foo!=\"bar\", test=~\"test\", bar!~\"baz\"}", "foo{a=\"b\",bar!~\"baz\",foo!=\"bar\",test=~\"test\"}" },
	{ "foo{a=\"b\", foo!=\"bar\", test=~\"test\", bar!~\"baz\",}", "foo{a=\"b\",bar!~\"baz\",foo!=\"bar\",test=~\"test\"}" },
	{ "test[5s]", "test[5s]" },
	{ "test[5m]", "test[5m]" },
	{ "foo[5m30s]", "foo[5m30s]" },
	{ "test[5h] OFFSET 5m", "test[5h] offset 5m" },
	{ "test[5d] OFFSET 10s", "test[5d] offset 10s" },
	{ "test[5w] offset 2w", "test[5w] offset 2w" },
	{ "test{a=\"b\"}[5y] OFFSET 3d", "test{a=\"b\"}[5y] offset 3d" },
	{ "test{a=\"b\"}[5y] @ 1603774699", "test{a=\"b\"}[5y] @ 1603774699.000" },
	{ "sum by (foo)(some_metric)", "sum by (foo) (some_metric)" },
	{ "avg by (foo)(some_metric)", "avg by (foo) (some_metric)" },
	{ "max by (foo)(some_metric)", "max by (foo) (some_metric)" },
	{ "sum without (foo) (some_metric)", "sum without (foo) (some_metric)" },
	{ "sum (some_metric) without (foo)", "sum without (foo) (some_metric)" },
	{ "stddev(some_metric)", "stddev(some_metric)" },
	{ "stdvar by (foo)(some_metric)", "stdvar by (foo) (some_metric)" },
	{ "sum by ()(some_metric)", "sum(some_metric)" },
	{ "sum by (foo,bar,)(some_metric)", "sum by (foo, bar) (some_metric)" },
	{ "sum by (foo,)(some_metric)", "sum by (foo) (some_metric)" },
	{ "topk(5, some_metric)", "topk(5, some_metric)" },
	{ "count_values(\"value\", some_metric)", "count_values(\"value\", some_metric)" },
	{ "sum without(and, by, avg, count, alert, annotations)(some_metric)", "sum without (and, by, avg, count, alert, annotations) (some_metric)" },
	{ "time()", "time()" },
	{ "floor(some_metric{foo!=\"bar\"})", "floor(some_metric{foo!=\"bar\"})" },
	{ "rate(some_metric[5m])", "rate(some_metric[5m])" },
	{ "round(some_metric)", "round(some_metric)" },
	{ "round(some_metric, 5)", "round(some_metric, 5)" },
	{ "sum(sum)", "sum(sum)" },
	{ "a + sum", "a + sum" },
	{ "\"double-quoted string \\\" with escaped quote\"", "\"double-quoted string \\\" with escaped quote\"" },
	{ "'single-quoted string \\' with escaped quote'", "\"single-quoted string ' with escaped quote\"" },
	{ "`backtick-quoted string`", "\"backtick-quoted string\"" },
	{ "foo{bar=\"baz\"}[10m:6s]", "foo{bar=\"baz\"}[10m:6s]" },
	{ "foo{bar=\"baz\"}[10m5s:1h6ms]", "foo{bar=\"baz\"}[10m5s:1h6ms]" },
	{ "foo[10m:]", "foo[10m:]" },
	{ "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:5s])", "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:5s])" },
	{ "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:])[4m:3s]", "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:])[4m:3s]" },
	{ "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] offset 4m)[4m:3s]", "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] offset 4m)[4m:3s]" },
	{ "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] @ 1603775091)[4m:3s]", "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] @ 1603775091.000)[4m:3s]" },
	{ "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] @ -160377509)[4m:3s]", "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] @ -160377509.000)[4m:3s]" },
	{ "sum without(and, by, avg, count, alert, annotations)(some_metric) [30m:10s]", "sum without (and, by, avg, count, alert, annotations) (some_metric)[30m:10s]" },
	{ "some_metric OFFSET 1m [10m:5s]", "some_metric offset 1m[10m:5s]" },
	{ "some_metric @ 123 [10m:5s]", "some_metric @ 123.000[10m:5s]" },
	{ "some_metric @ 123 offset 1m [10m:5s]", "some_metric @ 123.000 offset 1m[10m:5s]" },
	{ "some_metric offset 1m @ 123 [10m:5s]", "some_metric @ 123.000 offset 1m[10m:5s]" },
	{ "some_metric[10m:5s] offset 1m @ 123", "some_metric[10m:5s] @ 123.000 offset 1m" },
	{ "(foo + bar{nm=\"val\"})[5m:]", "(foo + bar{nm=\"val\"})[5m:]" },
	{ "(foo + bar{nm=\"val\"})[5m:] offset 10m", "(foo + bar{nm=\"val\"})[5m:] offset 10m" },
	{ "(foo + bar{nm=\"val\"} @ 1234)[5m:] @ 1603775019", "(foo + bar{nm=\"val\"} @ 1234.000)[5m:] @ 1603775019.000" },
	{ "foo @ start()", "foo @ start()" },
	{ "foo @ end()", "foo @ end()" },
	{ "test[5y] @ start()", "test[5y] @ start()" },
	{ "test[5y] @ end()", "test[5y] @ end()" },
	{ "foo[10m:6s] @ start()", "foo[10m:6s] @ start()" },
	{ "foo[10m:6s] @ end()", "foo[10m:6s] @ end()" },
	{ "start", "start" },
	{ "end", "end" },
	{ "start{end=\"foo\"}", "start{end=\"foo\"}" },
	{ "end{start=\"foo\"}", "end{start=\"foo\"}" },
	{ "foo unless on(start) bar", "foo unless on (start) bar" },
	{ "foo unless on(end) bar", "foo unless on (end) bar" },
	{ "foo # a comment", "foo" },
	{ "a + b * c", "a + b * c" },
	{ "a * b + c", "a * b + c" },
	{ "(a + b) * c", "(a + b) * c" },
	{ "a - b - c", "a - b - c" },
	{ "a / b / c", "a / b / c" },
	{ "2 ^ 3 ^ 2", "2 ^ 3 ^ 2" },
	{ "-a ^ b", "-a ^ b" },
	{ "-a * b", "-a * b" },
	{ "a ^ -b * c", "a ^ -b * c" },
	{ "a or b and c unless d", "a or b and c unless d" },
	{ "a or b or c", "a or b or c" },
	{ "a and b or c and d", "a and b or c and d" },
	{ "a == b > c", "a == b > c" },
	{ "a + b == bool c - d", "a + b == bool c - d" },
	{ "a atan2 b * c", "a atan2 b * c" },
	{ "a * b atan2 c", "a * b atan2 c" },
	{ "- - a", "--a" },
	{ "-(1)", "-(1)" },
	{ "foo[5m:] offset -1m", "foo[5m:] offset -1m" },
	{ "sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m])) / ignoring (code) group_left sum by (job) (rate(http_requests_total[5m]))", "sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m])) / ignoring (code) group_left () sum by (job) (rate(http_requests_total[5m]))" },
	{ "histogram_quantile(0.9, sum by (le) (rate(x_bucket[10m])))", "histogram_quantile(0.9, sum by (le) (rate(x_bucket[10m])))" },
	{ "label_replace(up, \"foo\", \"$1\", \"instance\", \"(.*):.*\")", "label_replace(up, \"foo\", \"$1\", \"instance\", \"(.*):.*\")" },
	{ "label_join(up, \"foo\", \",\", \"a\", \"b\", \"c\")", "label_join(up, \"foo\", \",\", \"a\", \"b\", \"c\")" },
	{ "absent(nonexistent{job=\"myjob\"})", "absent(nonexistent{job=\"myjob\"})" },
	{ "clamp(foo, 0, 1)", "clamp(foo, 0, 1)" },
	{ "holt_winters(foo[10m], 0.5, 0.5)", "holt_winters(foo[10m], 0.5, 0.5)" },
	{ "quantile_over_time(0.5, foo[5m])", "quantile_over_time(0.5, foo[5m])" },
	{ "count_values without (instance) (\"version\", build_version)", "count_values without (instance) (\"version\", build_version)" },
	{ "bottomk by (a) (3, foo)", "bottomk by (a) (3, foo)" },
	{ "quantile without (a) (0.9, foo)", "quantile without (a) (0.9, foo)" },
	{ "group without () (foo)", "group without () (foo)" },
	{ "vector(1) + scalar(foo)", "vector(1) + scalar(foo)" },
	{ "pi()", "pi()" },
	{ "day_of_week()", "day_of_week()" },
	{ "round(foo, 0.5)", "round(foo, 0.5)" },
	{ "1e6", "1e+06" },
	{ "123456", "123456" },
	{ "1234567", "1.234567e+06" },
	{ "0.0001", "0.0001" },
	{ "0.00001", "1e-05" },
	{ "1.5e-7", "1.5e-07" },
	{ "-0", "-0" },
	{ "0x1F", "31" },
	{ "NaN", "NaN" },
	{ "-nan", "NaN" },
	{ "inf", "+Inf" },
	{ "foo{a=\"\\x41\\u00e9\\U0001F600\\101\"}", "foo{a=\"A\xc3""\xa9""\xf0""\x9f""\x98""\x80""A\"}" },
	{ "foo{a=~\"a|b\", b!~\"c\"}", "foo{a=~\"a|b\",b!~\"c\"}" },
	{ "{__name__=\"foo\"}", "{__name__=\"foo\"}" },
	{ "{__name__=~\"foo|bar\", job!=\"\"}", "{__name__=~\"foo|bar\",job!=\"\"}" },
	{ "foo @ 1.5 offset 1h", "foo @ 1.500 offset 1h" },
	{ "foo offset 1y2d", "foo offset 367d" },
	{ "foo offset 2w", "foo offset 2w" },
	{ "foo offset 9d", "foo offset 9d" },
	{ "rate(foo[1h30m])", "rate(foo[1h30m])" },
	{ "foo[90m]", "foo[1h30m]" },
	{ "foo[1d]", "foo[1d]" },
	{ "foo[1ms]", "foo[1ms]" },
	{ "foo[1000ms]", "foo[1s]" },
	{ "sum(foo) by (a, b)", "sum by (a, b) (foo)" },
	{ "sum by (on, ignoring, bool, group_left, group_right, start, end, atan2, offset, nan_x) (foo)", "sum by (on, ignoring, bool, group_left, group_right, start, end, atan2, offset, nan_x) (foo)" },
	{ "foo and on (a) bar", "foo and on (a) bar" },
	{ "foo / on () group_right bar", "foo / on () group_right () bar" },
	{ "a:b:c", "a:b:c" },
	{ "a:b:c{d=\"e\"}", "a:b:c{d=\"e\"}" },
	{ "sum:rate5m", "sum:rate5m" },
	/* multi-line queries and comments */
	{ "sum(\n  rate(foo[5m]) # per second\n)\n", "sum(rate(foo[5m]))" },
	{ "  foo\t+\r\nbar  ", "foo + bar" },
};

struct invalid_case {
	const char *in, *pos; /* pos: the "line:col:" prefix */
};

static const struct invalid_case invalid_cases[] = {
	{ "", "1:1:" },
	{ "1+", "1:3:" },
	{ ".", "1:1:" },
	{ "2.5.", "1:4:" },
	{ "100..4", "1:5:" },
	{ "0deadbeef", "1:1:" },
	{ "1 /", "1:4:" },
	{ "*1", "1:1:" },
	{ "(1))", "1:5:" },
	{ "((1)", "1:5:" },
	{ "999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999", "1:1:" },
	{ "(", "1:2:" },
	{ "1 and 1", "1:1:" },
	{ "1 == 1", "1:3:" },
	{ "1 or 1", "1:1:" },
	{ "1 unless 1", "1:1:" },
	{ "1 !~ 1", "1:3:" },
	{ "1 =~ 1", "1:3:" },
	{ "-\"string\"", "1:1:" },
	{ "-test[5m]", "1:1:" },
	{ "*test", "1:1:" },
	{ "1 offset 1d", "1:1:" },
	{ "foo offset 1s offset 2s", "1:1:" },
	{ "a - on(b) ignoring(c) d", "1:11:" },
	{ "foo and 1", "1:1:" },
	{ "1 and foo", "1:1:" },
	{ "foo or 1", "1:1:" },
	{ "1 or foo", "1:1:" },
	{ "foo unless 1", "1:1:" },
	{ "1 unless foo", "1:1:" },
	{ "1 or on(bar) foo", "1:1:" },
	{ "foo == on(bar) 10", "1:1:" },
	{ "foo + group_left(baz) bar", "1:7:" },
	{ "foo and on(bar) group_left(baz) bar", "1:1:" },
	{ "foo and on(bar) group_right(baz) bar", "1:1:" },
	{ "foo or on(bar) group_left(baz) bar", "1:1:" },
	{ "foo or on(bar) group_right(baz) bar", "1:1:" },
	{ "foo unless on(bar) group_left(baz) bar", "1:1:" },
	{ "foo unless on(bar) group_right(baz) bar", "1:1:" },
	{ "http_requests{group=\"production\"} + on(instance) group_left(job,instance) cpu_count{type=\"smp\"}", "1:35:" },
	{ "foo + bool bar", "1:5:" },
	{ "foo + bool 10", "1:5:" },
	{ "foo and bool 10", "1:5:" },
	{ "foo @ +Inf", "1:1:" },
	{ "foo @ -Inf", "1:1:" },
	{ "foo @ NaN", "1:1:" },
	{ "{", "1:2:" },
	{ "}", "1:1:" },
	{ "some{", "1:6:" },
	{ "some}", "1:5:" },
	{ "some_metric{a=b}", "1:15:" },
	{ "some_metric{a:b=\"b\"}", "1:14:" },
	{ "foo{a*\"b\"}", "1:6:" },
	{ "foo{a>=\"b\"}", "1:6:" },
	{ "foo{gibberish}", "1:14:" },
	{ "foo{1}", "1:5:" },
	{ "{}", "1:1:" },
	{ "{x=\"\"}", "1:1:" },
	{ "{x=~\".*\"}", "1:1:" },
	{ "{x!~\".+\"}", "1:1:" },
	{ "{x!=\"a\"}", "1:1:" },
	{ "foo{__name__=\"bar\"}", "1:1:" },
	{ "foo{__name__= =}", "1:15:" },
	{ "foo{,}", "1:5:" },
	{ "foo{__name__ == \"bar\"}", "1:15:" },
	{ "foo{__name__=\"bar\" lol}", "1:20:" },
	{ "foo[5mm]", "1:5:" },
	{ "foo[5m1]", "1:5:" },
	{ "foo[5m:1m1]", "1:8:" },
	{ "foo[5y1hs]", "1:5:" },
	{ "foo[5m1h]", "1:5:" },
	{ "foo[5m1m]", "1:5:" },
	{ "foo[0m]", "1:5:" },
	{ "foo[\"5m\"]", "1:5:" },
	{ "foo[]", "1:5:" },
	{ "foo[1]", "1:5:" },
	{ "some_metric[5m] OFFSET 1", "1:24:" },
	{ "some_metric[5m] OFFSET 1mm", "1:24:" },
	{ "some_metric[5m] OFFSET", "1:23:" },
	{ "some_metric OFFSET 1m[5m]", "1:22:" },
	{ "some_metric[5m] @ 1m", "1:19:" },
	{ "some_metric[5m] @", "1:18:" },
	{ "some_metric @ 1234 [5m]", "1:20:" },
	{ "(foo + bar)[5m]", "1:12:" },
	{ "sum without(==)(some_metric)", "1:13:" },
	{ "sum without(,)(some_metric)", "1:13:" },
	{ "sum without(foo,,)(some_metric)", "1:17:" },
	{ "sum some_metric by (test)", "1:5:" },
	{ "sum (some_metric) by test", "1:22:" },
	{ "sum (some_metric) by test", "1:22:" },
	{ "sum () by (test)", "1:1:" },
	{ "MIN keep_common (some_metric)", "1:5:" },
	{ "MIN (some_metric) keep_common", "1:19:" },
	{ "sum (some_metric) without (test) by (test)", "1:34:" },
	{ "sum without (test) (some_metric) by (test)", "1:34:" },
	{ "topk(some_metric)", "1:1:" },
	{ "topk(some_metric,)", "1:17:" },
	{ "topk(some_metric, other_metric)", "1:6:" },
	{ "count_values(5, other_metric)", "1:14:" },
	{ "rate(some_metric[5m]) @ 1234", "1:1:" },
	{ "floor()", "1:1:" },
	{ "floor(some_metric, other_metric)", "1:1:" },
	{ "floor(some_metric, 1)", "1:1:" },
	{ "floor(1)", "1:7:" },
	{ "hour(some_metric, some_metric, some_metric)", "1:1:" },
	{ "time(some_metric)", "1:1:" },
	{ "non_existent_function_far_bar()", "1:1:" },
	{ "rate(some_metric)", "1:6:" },
	{ "-=", "1:2:" },
	{ "++-++-+-+-<", "1:11:" },
	{ "e-+=/(0)", "1:4:" },
	{ "a>b()", "1:3:" },
	{ "rate(avg)", "1:6:" },
	{ "`\\``", "1:4:" },
	{ "\"\\", "1:1:" },
	{ "\"\\c\"", "1:1:" },
	{ "\"\\x.\"", "1:1:" },
	{ "test[5d] OFFSET 10s [10m:5s]", "1:1:" },
	{ "(foo + bar{nm=\"val\"})[5m:][10m:5s]", "1:1:" },
	{ "rate(food[1m])[1h] offset 1h", "1:15:" },
	{ "rate(food[1m])[1h] @ 100", "1:15:" },
	{ "start()", "1:6:" },
	{ "end()", "1:4:" },
	/* our own additions */
	{ "foo +\n  bar{x=~\"((\"}", "2:7:" },
	{ "foo{x=~\"a(?=b)\"}", "1:5:" },
	{ "foo{x=~\"(a)\\\\1\"}", "1:5:" },
	{ "foo offset 0s", "1:12:" },
	{ "foo[5m:0s]", "1:8:" },
	{ "foo @ 1 @ 2", "1:1:" },
	{ "foo[5m] @ start() @ end()", "1:1:" },
	{ "foo @ start(", "1:13:" },
	{ "foo @ start", "1:12:" },
	{ "sum(foo) by (a) by (b)", "1:17:" },
	{ "foo bar", "1:5:" },
	{ "rate(foo[5m]", "1:13:" },
	{ "foo[5m", "1:7:" },
	{ "foo[5m:1m:1m]", "1:10:" },
	{ "foo[[5m]]", "1:5:" },
	{ "foo]", "1:4:" },
	{ "\"abc", "1:1:" },
	{ "'abc\n'", "1:1:" },
	{ "\"\\u00\"", "1:1:" },
	{ "\"\\ud800\"", "1:1:" },
	{ "\"\\U00110000\"", "1:1:" },
	{ "\"\\400\"", "1:1:" },
	{ "\"\\x00\"", "1:1:" },
	{ "foo{a=\"\\'\"}", "1:7:" },
	{ "1 + \"a\"", "1:5:" },
	{ "foo[5m] + 1", "1:1:" },
	{ "label_join(foo, \"a\")", "1:1:" },
	{ "label_join(foo, \"a\", \"b\", 1)", "1:27:" },
	{ "round(foo, 1, 2)", "1:1:" },
	{ "quantile_over_time(foo[5m])", "1:1:" },
	{ "vector(foo)", "1:8:" },
	{ "scalar(1)", "1:8:" },
	{ "sum(1)", "1:5:" },
	{ "count_values(foo, bar)", "1:14:" },
	{ "quantile(\"x\", foo)", "1:10:" },
	{ "abs(foo, )", "1:8:" },
	{ "foo and bool bar", "1:5:" },
	{ "foo + on(a) group_left(a) bar", "1:5:" },
	{ "foo ignoring", "1:5:" },
	{ "foo + ignoring(a) group_left(b", "1:31:" },
	{ "by (a) (foo)", "1:4:" },
	{ "1 + 0x", "1:5:" },
	{ "1e", "1:1:" },
	{ "0x1.8", "1:1:" },
	{ "0xffffffffffffffffff", "1:1:" },
	{ "1.5h", "1:1:" },
	{ "foo @ 1e300", "1:1:" },
	{ "foo offset 300y", "1:12:" },
	{ "foo\xff", "1:4:" },
	{ "foo \xc3\xa9", "1:5:" },
	{ "foo{a=\"b\"}{c=\"d\"}", "1:11:" },
	{ "sum by (a:b) (foo)", "1:9:" },
	{ "sum by (1) (foo)", "1:9:" },
	{ "sum by (nan) (foo)", "1:9:" },
	{ "(", "1:2:" },
	{ "foo{a", "1:6:" },
	{ "foo{a=", "1:7:" },
	{ "foo{a=\"b\"", "1:10:" },
	{ "a\n+\nb +", "3:4:" },
	/* More, with the positions Prometheus 2.42's API reported for them
	 * (queried with /usr/bin/prometheus; the messages are ours). */
	{ "foo[1000y]", "1:5:" },
	{ "last_over_time(metric[1000y] @ 1e10)", "1:23:" },
	{ "rate(foo[5m]))", "1:15:" },
	{ "rate(foo)", "1:6:" },
	{ "rate(foo[5m], 1)", "1:1:" },
	{ "sum(rate(foo[5m])) by", "1:22:" },
	{ "sum by (a) (foo) by (b)", "1:18:" },
	{ "foo offset", "1:11:" },
	{ "foo offset -", "1:13:" },
	{ "foo @", "1:6:" },
	{ "foo @ start(1)", "1:13:" },
	{ "foo @ \"1\"", "1:7:" },
	{ "foo offset 5m offset 1m", "1:1:" },
	{ "foo[5m:1m:1s]", "1:10:" },
	{ "foo[5m:1x]", "1:8:" },
	{ "foo[:1m]", "1:5:" },
	{ "foo{a=~\"(\"}", "1:5:" },
	{ "foo{a=~\"a{2,1}\"}", "1:5:" },
	{ "foo{a!~\"[z-a]\"}", "1:5:" },
	{ "{a=\"\"}", "1:1:" },
	{ "{__name__=~\".*\"}", "1:1:" },
	{ "{a!=\"b\"}", "1:1:" },
	{ "foo{a=\"b\",}[5m", "1:15:" },
	{ "label_replace(foo, \"a\", \"b\", \"c\")", "1:1:" },
	{ "histogram_quantile(foo)", "1:1:" },
	{ "topk(foo)", "1:1:" },
	{ "topk(1, foo, bar)", "1:1:" },
	{ "count_values(1, foo)", "1:14:" },
	{ "quantile(foo)", "1:1:" },
	{ "sum(foo, bar)", "1:1:" },
	{ "foo + on(a) group_left(b) group_right bar", "1:27:" },
	{ "foo and on(a) group_left bar", "1:1:" },
	{ "1 + bool 2", "1:3:" },
	{ "foo == bool on(a) group_left(b) bar[5m]", "1:33:" },
	{ "foo ^^ bar", "1:6:" },
	{ "foo +", "1:6:" },
	{ "+", "1:2:" },
	{ "-", "1:2:" },
	{ "foo{a=\"b\"} {c=\"d\"}", "1:12:" },
	{ "\"a\" + \"b\"", "1:1:" },
	{ "\"a\" + 1", "1:1:" },
	{ "sum(\"a\")", "1:5:" },
	{ "abs(\"a\")", "1:5:" },
	{ "time(1)", "1:1:" },
	{ "vector()", "1:1:" },
	{ "absent(foo[5m])", "1:8:" },
	{ "absent_over_time(foo)", "1:18:" },
	{ "scalar(foo[5m])", "1:8:" },
	{ "-foo[5m]", "1:1:" },
	{ "foo[5m] offset 1m [5m]", "1:19:" },
	{ "unknown_func(foo)", "1:1:" },
	{ "rate(foo[0s])", "1:10:" },
	{ "rate(foo[-5m])", "1:10:" },
	{ "foo[1.5m]", "1:5:" },
	{ "foo offset 1.5m", "1:12:" },
	{ "foo @ Inf", "1:1:" },
	{ "foo @ 1e19", "1:1:" },
	{ "sum without() (foo) by (a)", "1:21:" },
	{ "sum(foo) without (__name__, a", "1:30:" },
	{ "sum by (,a) (foo)", "1:9:" },
	{ "foo{a=\"\\x\"}", "1:7:" },
	{ "foo{a=\"\\u12\"}", "1:7:" },
	{ "foo{a='b\"}", "1:7:" },
	{ "foo{a=`b}", "1:7:" },
	{ "`abc", "1:1:" },
	{ "'abc\\q'", "1:1:" },
	{ "foo # comment\n+", "2:2:" },
	{ "sum(\n  rate(foo[5m]\n)", "3:2:" },
	{ "a\n\n\n   b", "4:4:" },
	{ "0x", "1:1:" },
	{ "0x1p3", "1:1:" },
	{ "1e+", "1:1:" },
	{ ".5e", "1:1:" },
	{ "NaN(foo)", "1:4:" },
	{ "foo{a=~\"a\" or b=\"c\"}", "1:12:" },
	{ "foo{a b}", "1:7:" },
	{ "foo{\"a\"=\"b\"}", "1:5:" },
	{ "foo{a=\"b\" c=\"d\"}", "1:11:" },
	{ "foo{1=\"b\"}", "1:5:" },
	{ "foo[5m] [5m]", "1:9:" },
	{ "(foo", "1:5:" },
	{ "foo)", "1:5:" },
	{ ")", "1:2:" },
	{ "foo[", "1:5:" },
	{ "foo[5", "1:5:" },
	{ "foo[5m:", "1:8:" },
	{ "foo[5m:1m", "1:10:" },
	{ "max_over_time(foo[5m:1m)", "1:24:" },
	{ "sum(", "1:5:" },
	{ "sum(foo", "1:8:" },
	{ "sum by (", "1:9:" },
	{ "sum by (a", "1:10:" },
	{ "sum by (a) (", "1:13:" },
	{ "ignoring", "1:1:" },
	{ "on(a) foo", "1:1:" },
	{ "group_left", "1:1:" },
	{ "bool", "1:1:" },
	{ "foo ignoring(a) bar", "1:5:" },
	{ "foo + ignoring(a) on(b) bar", "1:19:" },
	{ "foo + on(a) ignoring(b) bar", "1:13:" },
	{ "foo + on(a) group_left(b) group_left(c) bar", "1:27:" },
	{ "quantile_over_time(0.5)", "1:1:" },
	{ "holt_winters(foo[5m], 0.5)", "1:1:" },
	{ "clamp(foo, 1)", "1:1:" },
	{ "predict_linear(foo[5m])", "1:1:" },
	{ "sort(foo[5m])", "1:6:" },
	{ "day_of_week(foo[5m])", "1:13:" },
	{ "count_values(\"a\")", "1:1:" },
};

static char *parse_to_string(const char *q, size_t len, struct promql_error *err, int *rc)
{
	struct arena a = ARENA_INIT;
	struct promql_node *n = NULL;
	struct buf b = BUF_INIT;
	*rc = promql_parse(q, len, &a, &n, err);
	if (*rc == 0)
		promql_format(n, &b);
	else
		promql_error_format(err, &b);
	arena_free(&a);
	return buf_steal(&b);
}

TEST(promql_parse_valid_round_trip)
{
	for (size_t i = 0; i < sizeof valid_cases / sizeof valid_cases[0]; i++) {
		const struct valid_case *c = &valid_cases[i];
		struct promql_error err;
		int rc;
		char *got = parse_to_string(c->in, strlen(c->in), &err, &rc);
		if (rc != 0 || strcmp(got, c->out) != 0) {
			unit_fail(__FILE__, __LINE__, "query %s\n  got:  %s\n  want: %s", c->in, got,
				  c->out);
			free(got);
			return;
		}
		/* the canonical form is a fixed point */
		char *again = parse_to_string(got, strlen(got), &err, &rc);
		if (rc != 0 || strcmp(again, got) != 0) {
			unit_fail(__FILE__, __LINE__, "canonical form %s reparses as %s", got, again);
			free(got);
			free(again);
			return;
		}
		free(got);
		free(again);
	}
}

TEST(promql_parse_invalid_positions)
{
	for (size_t i = 0; i < sizeof invalid_cases / sizeof invalid_cases[0]; i++) {
		const struct invalid_case *c = &invalid_cases[i];
		struct promql_error err;
		int rc;
		char *got = parse_to_string(c->in, strlen(c->in), &err, &rc);
		if (rc != PROMQL_ERR_PARSE || strncmp(got, c->pos, strlen(c->pos)) != 0 ||
		    !strstr(got, " parse error: ") || err.msg[0] == 0) {
			unit_fail(__FILE__, __LINE__, "query %s\n  got:  %s\n  want: %s ...", c->in,
				  got, c->pos);
			free(got);
			return;
		}
		free(got);
	}
}

static struct promql_node *parse_ok(struct arena *a, const char *q)
{
	struct promql_node *n = NULL;
	struct promql_error err;
	if (promql_parse(q, strlen(q), a, &n, &err) != 0) {
		fprintf(stderr, "unexpected error for %s: %d:%d: %s\n", q, err.line, err.col,
			err.msg);
		return NULL;
	}
	return n;
}

TEST(promql_parse_precedence_shapes)
{
	struct arena a = ARENA_INIT;
	/* a + b * c: + at the root */
	struct promql_node *n = parse_ok(&a, "a + b * c");
	CHECK(n && n->kind == PROMQL_NODE_BINARY && n->u.bin.op == PROMQL_OP_ADD);
	CHECK(n->u.bin.rhs->kind == PROMQL_NODE_BINARY && n->u.bin.rhs->u.bin.op == PROMQL_OP_MUL);
	/* 2 ^ 3 ^ 2: right-associative */
	n = parse_ok(&a, "2 ^ 3 ^ 2");
	CHECK(n && n->u.bin.lhs->kind == PROMQL_NODE_NUMBER);
	CHECK(n->u.bin.rhs->kind == PROMQL_NODE_BINARY);
	/* a - b - c: left-associative */
	n = parse_ok(&a, "a - b - c");
	CHECK(n && n->u.bin.lhs->kind == PROMQL_NODE_BINARY);
	/* -a ^ b is -(a ^ b); -a * b is (-a) * b */
	n = parse_ok(&a, "-a ^ b");
	CHECK(n && n->kind == PROMQL_NODE_UNARY && n->u.unary.expr->kind == PROMQL_NODE_BINARY);
	n = parse_ok(&a, "-a * b");
	CHECK(n && n->kind == PROMQL_NODE_BINARY && n->u.bin.lhs->kind == PROMQL_NODE_UNARY);
	/* -1 folds into the literal, with the sign's position */
	n = parse_ok(&a, " -1");
	CHECK(n && n->kind == PROMQL_NODE_NUMBER);
	CHECK_DBL(n->u.number, -1);
	CHECK_INT(n->pos.start, 1);
	CHECK_INT(n->pos.end, 3);
	/* or < and < comparison < + */
	n = parse_ok(&a, "a or b and c == d + e");
	CHECK(n && n->u.bin.op == PROMQL_OP_OR);
	CHECK(n->u.bin.rhs->u.bin.op == PROMQL_OP_AND);
	CHECK(n->u.bin.rhs->u.bin.rhs->u.bin.op == PROMQL_OP_EQL);
	CHECK(n->u.bin.rhs->u.bin.rhs->u.bin.rhs->u.bin.op == PROMQL_OP_ADD);
	/* postfix modifiers bind to the nearest operand */
	n = parse_ok(&a, "a + b offset 5m");
	CHECK(n && n->u.bin.rhs->kind == PROMQL_NODE_VECTOR_SELECTOR);
	CHECK_INT(n->u.bin.rhs->u.vs.original_offset, 300000);
	CHECK_INT(n->u.bin.rhs->u.vs.offset, 300000);
	CHECK_INT(n->u.bin.lhs->u.vs.original_offset, 0);
	arena_free(&a);
}

TEST(promql_parse_node_fields)
{
	struct arena a = ARENA_INIT;
	struct promql_node *n = parse_ok(&a, "foo{a=\"b\", c=~\"d.*\"}[5m] @ 10.5 offset -1m");
	CHECK(n && n->kind == PROMQL_NODE_MATRIX_SELECTOR);
	CHECK_INT(n->u.ms.range, 300000);
	const struct promql_vector_selector *vs = &n->u.ms.vs->u.vs;
	CHECK_STR(vs->name, "foo");
	CHECK_INT(vs->nmatchers, 3);
	CHECK_STR(vs->matchers[2].name, "__name__");
	CHECK_STR(vs->matchers[2].value, "foo");
	CHECK(vs->matchers[1].type == LABELS_MATCH_RE);
	CHECK(labels_matcher_matches(&vs->matchers[1], "dxx"));
	CHECK(!labels_matcher_matches(&vs->matchers[1], "xd"));
	CHECK(vs->at.kind == PROMQL_AT_TIMESTAMP);
	CHECK_INT(vs->at.ms, 10500);
	CHECK_INT(vs->original_offset, -60000);
	CHECK_INT(n->pos.start, 0);
	CHECK_INT(n->pos.end, 42);
	CHECK(promql_node_type(n) == PROMQL_TYPE_MATRIX);

	n = parse_ok(&a, "rate(x[1m])[1h:5m] @ end()");
	CHECK(n && n->kind == PROMQL_NODE_SUBQUERY);
	CHECK_INT(n->u.sq.range, 3600000);
	CHECK_INT(n->u.sq.step, 300000);
	CHECK(n->u.sq.at.kind == PROMQL_AT_END);
	CHECK(n->u.sq.expr->kind == PROMQL_NODE_CALL);
	CHECK(n->u.sq.expr->u.call.func->id == PROMQL_FUNC_RATE);

	n = parse_ok(&a, "sum without (a, b) (foo)");
	CHECK(n && n->kind == PROMQL_NODE_AGGREGATE && n->u.agg.without);
	CHECK_INT(n->u.agg.ngrouping, 2);
	CHECK_STR(n->u.agg.grouping[1], "b");
	CHECK(n->u.agg.param == NULL);
	n = parse_ok(&a, "topk(3, foo)");
	CHECK(n && n->u.agg.op == PROMQL_AGG_TOPK && n->u.agg.param->kind == PROMQL_NODE_NUMBER);
	CHECK(!n->u.agg.has_grouping);

	n = parse_ok(&a, "a / on(x) group_left(y, z) b");
	CHECK(n && n->u.bin.has_matching);
	CHECK(n->u.bin.matching.card == PROMQL_CARD_MANY_TO_ONE);
	CHECK(n->u.bin.matching.on);
	CHECK_INT(n->u.bin.matching.ninclude, 2);
	n = parse_ok(&a, "a and b");
	CHECK(n && n->u.bin.has_matching && n->u.bin.matching.card == PROMQL_CARD_MANY_TO_MANY);
	n = parse_ok(&a, "a > bool 1");
	CHECK(n && !n->u.bin.has_matching && n->u.bin.return_bool);
	CHECK(promql_node_type(n) == PROMQL_TYPE_VECTOR);
	n = parse_ok(&a, "1 > bool 2");
	CHECK(n && promql_node_type(n) == PROMQL_TYPE_SCALAR);
	n = parse_ok(&a, "'a\\tb'");
	CHECK(n && n->kind == PROMQL_NODE_STRING);
	CHECK_STR(n->u.string.value, "a\tb");
	CHECK_INT(n->u.string.len, 3);
	CHECK(promql_node_type(n) == PROMQL_TYPE_STRING);
	arena_free(&a);
}

TEST(promql_parse_error_line_col)
{
	struct arena a = ARENA_INIT;
	struct promql_node *n;
	struct promql_error err;
	const char *q = "sum(\n  rate(foo[5m])\n) by bar";
	CHECK(promql_parse(q, strlen(q), &a, &n, &err) == PROMQL_ERR_PARSE);
	CHECK(n == NULL);
	CHECK_INT(err.line, 3);
	CHECK_INT(err.col, 6);
	CHECK_INT(err.pos.start, 26);
	struct buf b = BUF_INIT;
	promql_error_format(&err, &b);
	CHECK(strncmp(b.p, "3:6: parse error: ", 18) == 0);
	buf_free(&b);
	/* NULL err is allowed */
	CHECK(promql_parse("1 +", 3, &a, &n, NULL) == PROMQL_ERR_PARSE);
	/* NUL bytes inside the query */
	CHECK(promql_parse("foo\0bar", 7, &a, &n, &err) == PROMQL_ERR_PARSE);
	CHECK_INT(err.col, 4);
	/* not NUL-terminated: only len bytes are read */
	CHECK(promql_parse("foo + barXXXX", 9, &a, &n, &err) == 0);
	arena_free(&a);
}

TEST(promql_parse_hostile_depth)
{
	struct arena a = ARENA_INIT;
	struct promql_node *n;
	struct promql_error err;
	struct buf b = BUF_INIT;
	/* 1000 nested parentheses */
	for (int i = 0; i < 1000; i++)
		buf_putc(&b, '(');
	buf_putc(&b, '1');
	for (int i = 0; i < 1000; i++)
		buf_putc(&b, ')');
	CHECK(promql_parse(b.p, b.len, &a, &n, &err) == PROMQL_ERR_PARSE);
	CHECK(strstr(err.msg, "nested too deeply") != NULL);
	/* a long flat chain builds a deep tree without deep recursion */
	buf_reset(&b);
	buf_puts(&b, "1");
	for (int i = 0; i < 100000; i++)
		buf_puts(&b, " + 1");
	CHECK(promql_parse(b.p, b.len, &a, &n, &err) == PROMQL_ERR_PARSE);
	CHECK(strstr(err.msg, "nested too deeply") != NULL);
	/* unary chains and subquery chains */
	buf_reset(&b);
	for (int i = 0; i < 100000; i++)
		buf_putc(&b, '-');
	buf_puts(&b, "foo");
	CHECK(promql_parse(b.p, b.len, &a, &n, &err) == PROMQL_ERR_PARSE);
	buf_reset(&b);
	buf_puts(&b, "foo");
	for (int i = 0; i < 10000; i++)
		buf_puts(&b, "[5m:]");
	CHECK(promql_parse(b.p, b.len, &a, &n, &err) == PROMQL_ERR_PARSE);
	CHECK(strstr(err.msg, "nested too deeply") != NULL);
	/* just within the limit is fine */
	buf_reset(&b);
	for (int i = 0; i < PROMQL_MAX_DEPTH / 2 - 2; i++)
		buf_putc(&b, '(');
	buf_puts(&b, "foo");
	for (int i = 0; i < PROMQL_MAX_DEPTH / 2 - 2; i++)
		buf_putc(&b, ')');
	CHECK(promql_parse(b.p, b.len, &a, &n, &err) == 0);
	buf_free(&b);
	arena_free(&a);
}

TEST(promql_parse_selector_only)
{
	struct arena a = ARENA_INIT;
	struct promql_node *n;
	struct promql_error err;
	CHECK(promql_parse_selector("up{job=\"x\"}", 11, &a, &n, &err) == 0);
	CHECK(n->kind == PROMQL_NODE_VECTOR_SELECTOR);
	CHECK_INT(n->u.vs.nmatchers, 2);
	CHECK(promql_parse_selector("{a=~\"b\"}", 8, &a, &n, &err) == 0);
	CHECK(promql_parse_selector("up + 1", 6, &a, &n, &err) == PROMQL_ERR_PARSE);
	CHECK_INT(err.col, 4);
	CHECK(promql_parse_selector("up[5m]", 6, &a, &n, &err) == PROMQL_ERR_PARSE);
	CHECK(promql_parse_selector("1", 1, &a, &n, &err) == PROMQL_ERR_PARSE);
	arena_free(&a);
}

TEST(promql_durations)
{
	int64_t ms;
	struct {
		const char *in;
		int64_t ms;
		const char *out;
	} ok[] = {
		{ "0", 0, "0s" },          { "5m", 300000, "5m" },
		{ "1h30m", 5400000, "1h30m" }, { "1y", 31536000000LL, "1y" },
		{ "2w", 1209600000LL, "2w" }, { "8d", 691200000LL, "8d" },
		{ "1m30ms", 60030, "1m30ms" }, { "1y2w3d4h5m6s7ms", 33019506007LL, "382d4h5m6s7ms" },
		{ "1000ms", 1000, "1s" },  { "0s", 0, "0s" },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		CHECK(promql_parse_duration(ok[i].in, strlen(ok[i].in), &ms) == 0);
		CHECK_INT(ms, ok[i].ms);
		struct buf b = BUF_INIT;
		promql_format_duration(ms, &b);
		CHECK_STR(b.p, ok[i].out);
		buf_free(&b);
	}
	const char *bad[] = { "", "5", "m", "5mm", "1h1y", "1m1m", "1.5h", "5M", "-5m", "1s1ms1s",
			      "300y", "99999999999999999999s" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(promql_parse_duration(bad[i], strlen(bad[i]), &ms) != 0);
	struct buf b = BUF_INIT;
	promql_format_duration(-90000, &b);
	CHECK_STR(b.p, "-1m30s");
	buf_free(&b);
}

TEST(promql_numbers)
{
	struct {
		const char *in;
		double v;
	} ok[] = {
		{ "1", 1 }, { "0x1f", 31 }, { "0X1F", 31 }, { "017", 15 }, { "09", 9 },
		{ "1e3", 1000 }, { ".5", 0.5 }, { "5.", 5 }, { "-2.5e-1", -0.25 },
		{ "+Inf", INFINITY }, { "-inf", -INFINITY }, { "NaN", NAN }, { "1e-400", 0 },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		double v;
		CHECK(promql_parse_number(ok[i].in, strlen(ok[i].in), &v) == 0);
		CHECK_DBL(v, ok[i].v);
	}
	const char *bad[] = { "", "x", "0x", "1e", "1e400", "0x1p3", "1_000", "--1", "1 ", "0x1.8" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		double v;
		CHECK(promql_parse_number(bad[i], strlen(bad[i]), &v) != 0);
	}
	struct {
		double v;
		const char *out;
	} fmt[] = {
		{ 1, "1" }, { 0.1, "0.1" }, { 1e6, "1e+06" }, { 123456, "123456" },
		{ 1e-5, "1e-05" }, { 0.0001, "0.0001" }, { -2.5, "-2.5" }, { 1e21, "1e+21" },
		{ 1.7976931348623157e308, "1.7976931348623157e+308" }, { 5e-324, "5e-324" },
		{ INFINITY, "+Inf" }, { -INFINITY, "-Inf" }, { NAN, "NaN" }, { 100, "100" },
		{ 0.30000000000000004, "0.30000000000000004" },
	};
	for (size_t i = 0; i < sizeof fmt / sizeof fmt[0]; i++) {
		struct buf b = BUF_INIT;
		promql_format_float(fmt[i].v, &b);
		CHECK_STR(b.p, fmt[i].out);
		buf_free(&b);
	}
}

static enum promql_tok lex_types(const char *q, enum promql_tok *out, size_t max)
{
	struct promql_lexer l;
	struct promql_token t;
	promql_lex_init(&l, q, strlen(q));
	size_t n = 0;
	do {
		promql_lex_next(&l, &t);
		if (n < max)
			out[n++] = t.type;
	} while (t.type != PROMQL_TOK_EOF && t.type != PROMQL_TOK_ERROR);
	return t.type;
}

TEST(promql_lexer_contexts)
{
	enum promql_tok t[16];
	/* keywords are words at statement level, identifiers inside braces */
	CHECK(lex_types("sum{sum=\"a\"}", t, 16) == PROMQL_TOK_EOF);
	CHECK(t[0] == PROMQL_TOK_SUM && t[1] == PROMQL_TOK_LEFT_BRACE && t[2] == PROMQL_TOK_IDENTIFIER);
	CHECK(t[3] == PROMQL_TOK_EQL && t[4] == PROMQL_TOK_STRING && t[5] == PROMQL_TOK_RIGHT_BRACE);
	/* case-insensitive keywords; Inf/NaN are numbers */
	CHECK(lex_types("OFFSET Inf nan By", t, 16) == PROMQL_TOK_EOF);
	CHECK(t[0] == PROMQL_TOK_OFFSET && t[1] == PROMQL_TOK_NUMBER && t[2] == PROMQL_TOK_NUMBER);
	CHECK(t[3] == PROMQL_TOK_BY);
	/* durations and the colon inside brackets */
	CHECK(lex_types("x[1h30m:5s]", t, 16) == PROMQL_TOK_EOF);
	CHECK(t[1] == PROMQL_TOK_LEFT_BRACKET && t[2] == PROMQL_TOK_DURATION);
	CHECK(t[3] == PROMQL_TOK_COLON && t[4] == PROMQL_TOK_DURATION);
	CHECK(t[5] == PROMQL_TOK_RIGHT_BRACKET);
	/* metric names with colons; comments */
	CHECK(lex_types("a:b # c\n", t, 16) == PROMQL_TOK_EOF);
	CHECK(t[0] == PROMQL_TOK_METRIC_IDENTIFIER && t[1] == PROMQL_TOK_COMMENT);
	/* numbers versus durations */
	CHECK(lex_types("5m 5 5e3 0x1f", t, 16) == PROMQL_TOK_EOF);
	CHECK(t[0] == PROMQL_TOK_DURATION && t[1] == PROMQL_TOK_NUMBER && t[2] == PROMQL_TOK_NUMBER);
	CHECK(t[3] == PROMQL_TOK_NUMBER);
	/* regex operators only inside braces */
	CHECK(lex_types("{a=~\"b\",c!~\"d\",e!=\"f\"}", t, 16) == PROMQL_TOK_EOF);
	CHECK(t[2] == PROMQL_TOK_EQL_REGEX && t[6] == PROMQL_TOK_NEQ_REGEX && t[10] == PROMQL_TOK_NEQ);
	CHECK(lex_types("a =~ b", t, 16) == PROMQL_TOK_ERROR);
	CHECK(lex_types("\"unterminated", t, 16) == PROMQL_TOK_ERROR);
	CHECK(lex_types("`raw \\ \" '`", t, 16) == PROMQL_TOK_EOF);
}

TEST(promql_lexer_unquote)
{
	struct {
		const char *in, *out;
	} ok[] = {
		{ "\"a\\\"b\"", "a\"b" },
		{ "'a\\'b'", "a'b" },
		{ "`a\\nb`", "a\\nb" },
		{ "\"\\a\\b\\f\\n\\r\\t\\v\\\\\"", "\a\b\f\n\r\t\v\\" },
		{ "\"\\x41\\101\\u00e9\\U0001F600\"", "AA\xc3\xa9\xf0\x9f\x98\x80" },
		{ "\"\\xff\"", "\xff" },
		{ "\"\"", "" },
	};
	char msg[96];
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct buf b = BUF_INIT;
		CHECK(promql_lex_unquote(ok[i].in, strlen(ok[i].in), &b, msg, sizeof msg) == 0);
		CHECK_STR(b.p ? b.p : "", ok[i].out);
		buf_free(&b);
	}
	const char *bad[] = { "\"\\q\"", "\"\\x4\"", "\"\\777\"", "\"\\ud800\"", "'\\\"'", "\"a",
			      "x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct buf b = BUF_INIT;
		CHECK(promql_lex_unquote(bad[i], strlen(bad[i]), &b, msg, sizeof msg) == -1);
		buf_free(&b);
	}
	struct buf b = BUF_INIT;
	CHECK(promql_lex_unquote("\"\\x00\"", 6, &b, msg, sizeof msg) == -2);
	buf_free(&b);
}

TEST(promql_function_table)
{
	for (int i = 0; i < PROMQL_FUNC_COUNT; i++) {
		const struct promql_function *f = promql_function_by_id((enum promql_func_id)i);
		CHECK(f != NULL);
		CHECK_INT(f->id, i);
		CHECK(promql_function_lookup(f->name, strlen(f->name)) == f);
		if (i > 0)
			CHECK(strcmp(promql_function_by_id((enum promql_func_id)(i - 1))->name,
				     f->name) < 0);
	}
	CHECK(promql_function_lookup("nope", 4) == NULL);
	CHECK(promql_function_lookup("rat", 3) == NULL);
	CHECK(promql_function_lookup("rate(", 4)->id == PROMQL_FUNC_RATE);
	const struct promql_function *lj = promql_function_lookup("label_join", 10);
	CHECK(lj->variadic == -1);
	CHECK(promql_function_arg_type(lj, 7) == PROMQL_TYPE_STRING);
	CHECK(promql_function_lookup("time", 4)->return_type == PROMQL_TYPE_SCALAR);
	CHECK_STR(promql_value_type_doc(PROMQL_TYPE_MATRIX), "range vector");
	CHECK_STR(promql_value_type_str(PROMQL_TYPE_MATRIX), "matrix");
}
