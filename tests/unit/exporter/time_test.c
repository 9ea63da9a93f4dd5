/* Tests of the time collector (services/exporter/collector/time.c): the
 * clock source families (device = index, not number) and the time
 * families. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../../services/exporter/collector.h"
#include "../unit.h"

void time_clocksource_emit(struct scrape *s, const char *device, const char *available,
			   const char *current);
extern const struct collector time_collector;

static char *tm_text(struct mset *ms, struct arena *a)
{
	struct buf out = BUF_INIT;
	mset_write(ms, &out);
	char *r = arena_strdup(a, out.p ? out.p : "");
	buf_free(&out);
	return r;
}

TEST(time_clocksource_families)
{
	struct arena a = ARENA_INIT;
	struct mset ms;
	mset_init(&ms);
	struct scrape s = { &ms, &a };
	time_clocksource_emit(&s, "0", "tsc hpet  acpi_pm\t", "tsc");
	char *out = tm_text(&ms, &a);
	CHECK(strstr(out, "# TYPE node_time_clocksource_available_info gauge\n"
			  "node_time_clocksource_available_info{clocksource=\"acpi_pm\",device=\"0\"} 1\n"
			  "node_time_clocksource_available_info{clocksource=\"hpet\",device=\"0\"} 1\n"
			  "node_time_clocksource_available_info{clocksource=\"tsc\",device=\"0\"} 1\n"));
	CHECK(strstr(out, "node_time_clocksource_current_info{clocksource=\"tsc\",device=\"0\"} 1\n"));
	mset_free(&ms);
	arena_free(&a);
}

static void tm_put(const char *root, const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(path, 0755);
			*p = '/';
		}
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

TEST(time_scrape_of_a_tree)
{
	char root[] = "/tmp/pharos-time-XXXXXX";
	CHECK(mkdtemp(root) != NULL);
	struct arena a = ARENA_INIT;
	tm_put(root, "devices/system/clocksource/clocksource3/available_clocksource", "tsc hpet\n");
	tm_put(root, "devices/system/clocksource/clocksource3/current_clocksource", "hpet\n");
	tm_put(root, "devices/system/clocksource/other/current_clocksource", "x\n");
	const char *saved = exporter_paths.sysfs;
	exporter_paths.sysfs = root;
	struct mset ms;
	mset_init(&ms);
	struct scrape s = { &ms, &a };
	double before = (double)time(NULL);
	CHECK_INT(time_collector.update(&s), 0);
	char *out = tm_text(&ms, &a);
	mset_free(&ms);
	/* The label is the directory's position, not its number. */
	CHECK(strstr(out, "node_time_clocksource_current_info{clocksource=\"hpet\",device=\"0\"} 1\n"));
	CHECK(!strstr(out, "clocksource=\"x\""));
	char *p = strstr(out, "\nnode_time_seconds ");
	CHECK(p != NULL);
	double now = strtod(p + 19, NULL);
	CHECK(now >= before && now < before + 5);
	CHECK(strstr(out, "node_time_zone_offset_seconds{time_zone=\""));

	/* A clock source without its current file fails the collector after
	 * the time families, with no clock source added. */
	tm_put(root, "devices/system/clocksource/clocksource4/available_clocksource", "tsc\n");
	mset_init(&ms);
	CHECK(time_collector.update(&s) < 0);
	out = tm_text(&ms, &a);
	mset_free(&ms);
	CHECK(strstr(out, "node_time_seconds ") && !strstr(out, "clocksource_current"));
	exporter_paths.sysfs = saved;

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	CHECK(system(cmd) == 0);
	arena_free(&a);
}
