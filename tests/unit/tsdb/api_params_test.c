/* api_params_test.c - request parsing of the HTTP API: forms, times,
 * durations, match[]. */
#include "../../../services/tsdb/api.h"
#include "../unit.h"

TEST(api_form_decodes_and_repeats)
{
	struct arena a = ARENA_INIT;
	struct api_params p = { 0 };
	char err[128];
	const char *q = "query=up%7Bjob%3D%22a%22%7D&match[]=a&match%5B%5D=b+c&empty=&flag";
	CHECK_INT(api_params_parse_form(&a, q, strlen(q), &p, err, sizeof err), 0);
	CHECK_STR(api_param(&p, "query"), "up{job=\"a\"}");
	CHECK_STR(api_param(&p, "empty"), "");
	CHECK_STR(api_param(&p, "flag"), "");
	CHECK(api_param(&p, "absent") == NULL);
	size_t n;
	const char **m = api_param_all(&p, "match[]", &a, &n);
	CHECK_INT(n, 2);
	CHECK_STR(m[0], "a");
	CHECK_STR(m[1], "b c");
	arena_free(&a);
}

TEST(api_form_rejects_bad_escapes)
{
	struct arena a = ARENA_INIT;
	struct api_params p = { 0 };
	char err[128];
	CHECK_INT(api_params_parse_form(&a, "a=%zz", 5, &p, err, sizeof err), -1);
	CHECK(strstr(err, "invalid URL escape") != NULL);
	memset(&p, 0, sizeof p);
	CHECK_INT(api_params_parse_form(&a, "a=%4", 4, &p, err, sizeof err), -1);
	memset(&p, 0, sizeof p);
	CHECK_INT(api_params_parse_form(&a, "a=1;b=2", 7, &p, err, sizeof err), -1);
	/* too many parameters */
	struct buf b = BUF_INIT;
	for (int i = 0; i < API_MAX_PARAMS + 1; i++)
		buf_puts(&b, "x=1&");
	memset(&p, 0, sizeof p);
	CHECK_INT(api_params_parse_form(&a, b.p, b.len, &p, err, sizeof err), -1);
	buf_free(&b);
	arena_free(&a);
}

TEST(api_time_formats)
{
	char err[128];
	int64_t t;
	CHECK_INT(api_parse_time("1700000000", &t, err, sizeof err), 0);
	CHECK_INT(t, 1700000000000LL);
	CHECK_INT(api_parse_time("1700000000.123", &t, err, sizeof err), 0);
	CHECK_INT(t, 1700000000123LL);
	CHECK_INT(api_parse_time("1700000000.1239", &t, err, sizeof err), 0);
	CHECK_INT(t, 1700000000124LL);
	CHECK_INT(api_parse_time("-1.5", &t, err, sizeof err), 0);
	CHECK_INT(t, -1500);
	CHECK_INT(api_parse_time("2023-11-14T22:13:20Z", &t, err, sizeof err), 0);
	CHECK_INT(t, 1700000000000LL);
	CHECK_INT(api_parse_time("2023-11-14T22:13:20.5Z", &t, err, sizeof err), 0);
	CHECK_INT(t, 1700000000500LL);
	CHECK_INT(api_parse_time("2023-11-14T23:13:20.123456789+01:00", &t, err, sizeof err), 0);
	CHECK_INT(t, 1700000000123LL);
	CHECK_INT(api_parse_time("1970-01-01T00:00:00Z", &t, err, sizeof err), 0);
	CHECK_INT(t, 0);
	CHECK_INT(api_parse_time("2024-02-29T00:00:00Z", &t, err, sizeof err), 0);
	CHECK_INT(api_parse_time("2023-02-29T00:00:00Z", &t, err, sizeof err), -1);
	CHECK_INT(api_parse_time("2023-11-14 22:13:20Z", &t, err, sizeof err), -1);
	CHECK_INT(api_parse_time("2023-11-14T22:13:20", &t, err, sizeof err), -1);
	CHECK_INT(api_parse_time("", &t, err, sizeof err), -1);
	CHECK_INT(api_parse_time(" 1", &t, err, sizeof err), -1);
	CHECK_INT(api_parse_time("abc", &t, err, sizeof err), -1);
	CHECK_STR(err, "cannot parse \"abc\" to a valid timestamp");
	CHECK_INT(api_parse_time("NaN", &t, err, sizeof err), -1);
	CHECK_INT(api_parse_time("1e300", &t, err, sizeof err), -1);
}

TEST(api_duration_formats)
{
	char err[128];
	int64_t d;
	CHECK_INT(api_parse_duration("15", &d, err, sizeof err), 0);
	CHECK_INT(d, 15000);
	CHECK_INT(api_parse_duration("0.5", &d, err, sizeof err), 0);
	CHECK_INT(d, 500);
	CHECK_INT(api_parse_duration("1m30s", &d, err, sizeof err), 0);
	CHECK_INT(d, 90000);
	CHECK_INT(api_parse_duration("5m", &d, err, sizeof err), 0);
	CHECK_INT(d, 300000);
	CHECK_INT(api_parse_duration("1e30", &d, err, sizeof err), -1);
	CHECK(strstr(err, "overflows") != NULL);
	CHECK_INT(api_parse_duration("5x", &d, err, sizeof err), -1);
	CHECK_STR(err, "cannot parse \"5x\" to a valid duration");
	CHECK_INT(api_parse_duration("", &d, err, sizeof err), -1);
}

TEST(api_match_selectors)
{
	struct arena a = ARENA_INIT;
	char err[256];
	struct api_matcher_set *sets;
	const char *ok[] = { "up", "{job=\"x\",instance=~\"a.*\"}" };
	CHECK_INT(api_parse_matchers(&a, ok, 2, &sets, err, sizeof err), 0);
	CHECK_INT(sets[0].n, 1);
	CHECK_INT(sets[1].n, 2);
	const char *empty[] = { "{job=~\".*\"}" };
	CHECK_INT(api_parse_matchers(&a, empty, 1, &sets, err, sizeof err), -1);
	CHECK_STR(err, "match[] must contain at least one non-empty matcher");
	const char *bad[] = { "up{" };
	CHECK_INT(api_parse_matchers(&a, bad, 1, &sets, err, sizeof err), -1);
	CHECK(strncmp(err, "1:", 2) == 0);
	CHECK(strstr(err, "parse error") != NULL);
	arena_free(&a);
}
