/* Tests of Go's conversions (services/exporter/goconv.c) and paths
 * (services/exporter/gopath.c), against what Go's strconv, strings and
 * path/filepath return for the same input. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../services/exporter/goconv.h"
#include "../../../services/exporter/gopath.h"
#include "../unit.h"

static int pf(const char *s, double *v)
{
	return goconv_parse_float(s, strlen(s), v);
}

TEST(goconv_parse_float_like_go)
{
	double v;
	CHECK(pf("1.5e3", &v) == 0 && v == 1500);
	CHECK(pf(".5", &v) == 0 && v == 0.5);
	CHECK(pf("5.", &v) == 0 && v == 5);
	CHECK(pf("+7", &v) == 0 && v == 7);
	CHECK(pf("-0", &v) == 0 && v == 0 && signbit(v));
	CHECK(pf("0x1.8p1", &v) == 0 && v == 3);
	CHECK(pf("0x1p-2", &v) == 0 && v == 0.25);
	CHECK(pf("1_000.5", &v) == 0 && v == 1000.5);
	CHECK(pf("0x_1p0", &v) == 0 && v == 1);
	CHECK(pf("inf", &v) == 0 && isinf(v) && v > 0);
	CHECK(pf("-Infinity", &v) == 0 && isinf(v) && v < 0);
	CHECK(pf("+INF", &v) == 0 && isinf(v));
	CHECK(pf("NaN", &v) == 0 && isnan(v));
	CHECK(pf("1e-400", &v) == 0 && v == 0); /* underflow is not an error */
	/* Go refuses these. */
	const char *bad[] = { "", " 1", "1 ", "1e", "e5", ".", "0x10", "0x", "1p2", "+nan",
			      "infin", "1__0", "_1", "1_", "1_.5", "1e400", "-1e400", "nan(1)",
			      "0x1.8", "1,5", "--1", NULL };
	for (int i = 0; bad[i]; i++)
		if (pf(bad[i], &v) == 0)
			unit_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
	/* Long inputs go through the heap path. */
	char longnum[300];
	memset(longnum, '1', sizeof longnum - 1);
	longnum[sizeof longnum - 1] = 0;
	longnum[1] = '.';
	CHECK(pf(longnum, &v) == 0 && v > 1.1 && v < 1.2);
}

TEST(goconv_parse_int_bases)
{
	int64_t v;
	uint64_t u;
	CHECK(goconv_parse_int("-42", 3, 10, &v) == 0 && v == -42);
	CHECK(goconv_parse_int("+42", 3, 10, &v) == 0 && v == 42);
	CHECK(goconv_parse_int("9223372036854775807", 19, 10, &v) == 0 && v == INT64_MAX);
	CHECK(goconv_parse_int("-9223372036854775808", 20, 10, &v) == 0 && v == INT64_MIN);
	CHECK(goconv_parse_int("9223372036854775808", 19, 10, &v) != 0);
	CHECK(goconv_parse_int("1_000", 5, 10, &v) != 0);
	CHECK(goconv_parse_int("1_000", 5, 0, &v) == 0 && v == 1000);
	CHECK(goconv_parse_int("0x1F", 4, 0, &v) == 0 && v == 31);
	CHECK(goconv_parse_int("010", 3, 0, &v) == 0 && v == 8);
	CHECK(goconv_parse_int("0o17", 4, 0, &v) == 0 && v == 15);
	CHECK(goconv_parse_int("0b101", 5, 0, &v) == 0 && v == 5);
	CHECK(goconv_parse_int("0", 1, 0, &v) == 0 && v == 0);
	CHECK(goconv_parse_int("0x", 2, 0, &v) != 0);
	CHECK(goconv_parse_int("08", 2, 0, &v) != 0);
	CHECK(goconv_parse_int("0x_", 3, 0, &v) != 0);
	CHECK(goconv_parse_int("", 0, 10, &v) != 0);
	CHECK(goconv_parse_int("-", 1, 10, &v) != 0);
	CHECK(goconv_parse_int("12a", 3, 10, &v) != 0);
	CHECK(goconv_parse_uint("18446744073709551615", 20, 10, &u) == 0 && u == UINT64_MAX);
	CHECK(goconv_parse_uint("18446744073709551616", 20, 10, &u) != 0);
	CHECK(goconv_parse_uint("-1", 2, 10, &u) != 0);
}

TEST(goconv_float_to_uint64_amd64)
{
	CHECK(goconv_f64_to_u64(2693) == 2693);
	CHECK(goconv_f64_to_u64(2.9) == 2);
	CHECK(goconv_f64_to_u64(-0.5) == 0);
	CHECK(goconv_f64_to_u64(-1) == UINT64_MAX);
	CHECK(goconv_f64_to_u64(1e19) == 10000000000000000000ull);
	CHECK(goconv_f64_to_u64(NAN) == (uint64_t)1 << 63);
	CHECK(goconv_f64_to_u64(INFINITY) == (uint64_t)1 << 63);
	CHECK(goconv_f64_to_u64(-INFINITY) == (uint64_t)1 << 63);
	CHECK(goconv_f64_to_u64(1e30) == (uint64_t)1 << 63);
}

TEST(goconv_trim_and_utf8)
{
	const char *s = " \t\xc2\xa0 x y\n\xe3\x80\x80";
	size_t n = strlen(s);
	goconv_trim_space(&s, &n);
	CHECK(n == 3 && !strncmp(s, "x y", 3));
	s = "\xff \n";
	n = strlen(s);
	goconv_trim_space(&s, &n);
	CHECK(n == 1); /* an invalid byte is not space */
	s = "\n\n";
	n = 2;
	goconv_trim_space(&s, &n);
	CHECK(n == 0);
	CHECK(goconv_utf8_valid("caf\xc3\xa9", 5));
	CHECK(!goconv_utf8_valid("\xc3", 1));
	CHECK(!goconv_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
	CHECK(!goconv_utf8_valid("\xc0\xaf", 2));     /* overlong */
	CHECK(!goconv_utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
	struct arena a = ARENA_INIT;
	/* node_exporter's fixture model_name: two bad bytes, one U+FFFD */
	CHECK_STR(goconv_utf8_repair(&a, "LNV-45N1\xc0\xc0", 10), "LNV-45N1\xef\xbf\xbd");
	CHECK_STR(goconv_utf8_repair(&a, "\xff" "a\xff\xfe", 4), "\xef\xbf\xbd" "a\xef\xbf\xbd");
	CHECK_STR(goconv_utf8_repair(&a, "ok \xef\xbf\xbd", 6), "ok \xef\xbf\xbd");
	arena_free(&a);
}

TEST(gopath_clean_and_join)
{
	struct arena a = ARENA_INIT;
	CHECK_STR(gopath_clean(&a, ""), ".");
	CHECK_STR(gopath_clean(&a, "a//b/./c/"), "a/b/c");
	CHECK_STR(gopath_clean(&a, "a/b/../../.."), "..");
	CHECK_STR(gopath_clean(&a, "/../x"), "/x");
	CHECK_STR(gopath_clean(&a, "/"), "/");
	CHECK_STR(gopath_clean(&a, "../../a/.."), "../..");
	CHECK_STR(gopath_join(&a, "collector/fixtures/textfile/two_metric_files/", "metrics1.prom"),
		  "collector/fixtures/textfile/two_metric_files/metrics1.prom");
	CHECK_STR(gopath_join(&a, "", "x"), "x");
	CHECK_STR(gopath_join(&a, "", ""), "");
	arena_free(&a);
}

TEST(gopath_glob_matches_per_level)
{
	char root[] = "/tmp/pharos-glob-XXXXXX";
	CHECK(mkdtemp(root) != NULL);
	struct arena a = ARENA_INIT;
	const char *dirs[] = { "b_x", "a_x", "c_y", "a_x/sub_x", ".h_x" };
	for (size_t i = 0; i < 5; i++)
		mkdir(arena_printf(&a, "%s/%s", root, dirs[i]), 0755);
	char **m;
	int n = gopath_glob(&a, arena_printf(&a, "%s/*_x", root), &m);
	CHECK_INT(n, 3); /* a '*' matches a leading dot, as in Go */
	CHECK_STR(m[0], arena_printf(&a, "%s/.h_x", root));
	CHECK_STR(m[1], arena_printf(&a, "%s/a_x", root));
	n = gopath_glob(&a, arena_printf(&a, "%s/*/sub_?", root), &m);
	CHECK_INT(n, 1);
	CHECK_STR(m[0], arena_printf(&a, "%s/a_x/sub_x", root));
	CHECK_INT(gopath_glob(&a, arena_printf(&a, "%s/c_y", root), &m), 1);
	CHECK_INT(gopath_glob(&a, arena_printf(&a, "%s/nope", root), &m), 0);
	CHECK_INT(gopath_glob(&a, arena_printf(&a, "%s/[", root), &m), 0);
	for (int i = 4; i >= 0; i--)
		rmdir(arena_printf(&a, "%s/%s", root, dirs[i]));
	rmdir(root);
	arena_free(&a);
}
