/* Unit tests of the schedstat collector. Owner: helper h1. */
#include "../unit.h"
#include "xtest.h"

int schedstat_parse(struct scrape *s, char *text);

TEST(schedstat_fixture)
{
	char *o;
	int n = xtest_parse(schedstat_parse,
		"version 15\n"
		"timestamp 15819019232\n"
		"cpu0 498494191 0 3533438552 2553969831 3853684107 2465731542 2045936778163039 343796328169361 4767485306\n"
		"domain0 00000000,00000003 212499247 210112015 1861015 1860405436 536440 369895 32599\n"
		"cpu1 518377256 0 4155211005 2778589869 10466382 2867629021 1904686152592476 364107263788241 5145567945\n",
		XTEST_HELP, &o);
	CHECK_INT(n, 2);
	CHECK(strstr(o, "# TYPE node_schedstat_running_seconds_total counter\n") != NULL);
	CHECK(strstr(o, "\nnode_schedstat_running_seconds_total{cpu=\"0\"} 2.045936778163039e+06\n") != NULL);
	CHECK(strstr(o, "\nnode_schedstat_waiting_seconds_total{cpu=\"1\"} 364107.263788241\n") != NULL);
	CHECK(strstr(o, "\nnode_schedstat_timeslices_total{cpu=\"1\"} 5.145567945e+09\n") != NULL);
	free(o);
}

TEST(schedstat_odd_lines)
{
	char *o;
	int n = xtest_parse(schedstat_parse,
		"cpu0 1 2 3 4 5 6 7 8\n"                        /* eight numbers */
		"cpu1 1 2 3 4 5 6  7 8 9\n"                     /* double space */
		"cpu2 1 2 3 4 5 6 99999999999999999999999 8 9\n" /* overflow */
		"cpux 1 2 3 4 5 6 7 8 9\n"
		"xcpu3 1 2 3 4 5 6 7000000000 8 9 10 11\n"      /* matched inside the line */
		"cpu cpu4 1 2 3 4 5 6 7 8 9\n",
		XTEST_HELP, &o);
	CHECK_INT(n, 2);
	CHECK(strstr(o, "\nnode_schedstat_running_seconds_total{cpu=\"3\"} 7\n") != NULL);
	CHECK(strstr(o, "\nnode_schedstat_timeslices_total{cpu=\"3\"} 9\n") != NULL);
	CHECK(strstr(o, "{cpu=\"4\"}") != NULL);
	CHECK(strstr(o, "{cpu=\"0\"}") == NULL && strstr(o, "{cpu=\"1\"}") == NULL &&
	      strstr(o, "{cpu=\"2\"}") == NULL);
	free(o);
}
