/* Unit tests of the softnet collector. Owner: helper h1. */
#include "../unit.h"
#include "xtest.h"

int softnet_parse(struct scrape *s, char *text);

TEST(softnet_fixture)
{
	char *o;
	int n = xtest_parse(softnet_parse,
		"00049279 00000000 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"
		"000dfb82 00000029 0000000a 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"
		"00551c3f 00000000 00000055 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"
		"002f8339 00000000 00000032 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000",
		XTEST_HELP, &o);
	CHECK_INT(n, 4);
	CHECK(strstr(o, "# TYPE node_softnet_processed_total counter\n") != NULL);
	CHECK(strstr(o, "\nnode_softnet_processed_total{cpu=\"2\"} 5.577791e+06\n") != NULL);
	CHECK(strstr(o, "\nnode_softnet_dropped_total{cpu=\"1\"} 41\n") != NULL);
	CHECK(strstr(o, "\nnode_softnet_times_squeezed_total{cpu=\"3\"} 50\n") != NULL);
	free(o);
}

TEST(softnet_bad_lines_fail_the_file)
{
	int n;
	char *o;
	const char *bad[] = {
		"1 2 3 4 5 6 7 8 9\n1 2 3 4 5 6 7 8\n", /* 8 columns */
		"1 2 3 4 5 6 7 8 9\n\n1 2 3 4 5 6 7 8 9\n", /* empty line */
		"1 g 3 4 5 6 7 8 9\n",
		"1 2 100000000 4 5 6 7 8 9\n",          /* more than 32 bits */
		"0x1 2 3 4 5 6 7 8 9\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		n = xtest_parse(softnet_parse, bad[i], XTEST_HELP, &o);
		CHECK_INT(n, -1);
		CHECK_STR(o, "");
		free(o);
	}
	n = xtest_parse(softnet_parse, "", XTEST_HELP, &o);
	CHECK_INT(n, 0);
	free(o);
	n = xtest_parse(softnet_parse, "ffffffff 0 0 0 0 0 0 0 0 1 2 3 4\n", XTEST_HELP, &o);
	CHECK_INT(n, 1);
	CHECK(strstr(o, "\nnode_softnet_processed_total{cpu=\"0\"} 4.294967295e+09\n") != NULL);
	free(o);
}
