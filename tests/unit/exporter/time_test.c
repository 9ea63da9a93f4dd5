/* Tests of the time collector (services/exporter/collector/time.c): the
 * clock source families (device = index, not number) and the time
 * families. */
#include <time.h>

#include "../unit.h"
#include "xtest.h"

void time_clocksource_emit(struct scrape *s, const char *device, const char *available,
			   const char *current);
extern const struct collector time_collector;

TEST(time_clocksource_families)
{
	struct xtest t;
	xtest_init(&t);
	time_clocksource_emit(&t.s, "0", "tsc hpet  acpi_pm\t", "tsc");
	char *out = xtest_render(&t.ms, XTEST_HELP);
	CHECK(strstr(out, "# TYPE node_time_clocksource_available_info gauge\n"
			  "node_time_clocksource_available_info{clocksource=\"acpi_pm\",device=\"0\"} 1\n"
			  "node_time_clocksource_available_info{clocksource=\"hpet\",device=\"0\"} 1\n"
			  "node_time_clocksource_available_info{clocksource=\"tsc\",device=\"0\"} 1\n"));
	CHECK(strstr(out, "node_time_clocksource_current_info{clocksource=\"tsc\",device=\"0\"} 1\n"));
	free(out);
	xtest_free(&t);
}

TEST(time_scrape_of_a_tree)
{
	char *root = xtest_tree("time");
	CHECK(root != NULL);
	xtest_write(root, "devices/system/clocksource/clocksource3/available_clocksource", "tsc hpet\n");
	xtest_write(root, "devices/system/clocksource/clocksource3/current_clocksource", "hpet\n");
	xtest_write(root, "devices/system/clocksource/other/current_clocksource", "x\n");
	double before = (double)time(NULL);
	char *out;
	CHECK_INT(xtest_collect(&time_collector, NULL, root, NULL, XTEST_HELP, &out), 0);
	/* The label is the directory's position, not its number. */
	CHECK(strstr(out, "node_time_clocksource_current_info{clocksource=\"hpet\",device=\"0\"} 1\n"));
	CHECK(!strstr(out, "clocksource=\"x\""));
	char *p = strstr(out, "\nnode_time_seconds ");
	CHECK(p != NULL);
	double now = strtod(p + 19, NULL);
	CHECK(now >= before && now < before + 5);
	CHECK(strstr(out, "node_time_zone_offset_seconds{time_zone=\""));
	free(out);

	/* A clock source without its current file fails the collector after
	 * the time families, with no clock source added. */
	xtest_write(root, "devices/system/clocksource/clocksource4/available_clocksource", "tsc\n");
	CHECK(xtest_collect(&time_collector, NULL, root, NULL, XTEST_HELP, &out) < 0);
	CHECK(strstr(out, "node_time_seconds ") && !strstr(out, "clocksource_current"));
	free(out);

	CHECK(xtest_rmtree(root) == 0);
	free(root);
}
