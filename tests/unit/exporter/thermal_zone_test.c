/* Tests of the thermal_zone collector (services/exporter/collector/
 * thermal_zone.c) on small sysfs trees: the fixture's zone and cooling
 * device, the optional files, and what fails the collector. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../services/exporter/collector.h"
#include "../unit.h"

extern const struct collector thermal_zone_collector;

static char tz_root[64];

static void tz_put(const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", tz_root, rel);
	for (char *p = path + strlen(tz_root) + 1; *p; p++)
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

static char *tz_scrape(struct arena *a, int *rc)
{
	const char *saved = exporter_paths.sysfs;
	exporter_paths.sysfs = tz_root;
	struct mset ms;
	mset_init(&ms);
	struct scrape s = { &ms, a };
	*rc = thermal_zone_collector.update(&s);
	exporter_paths.sysfs = saved;
	struct buf out = BUF_INIT;
	mset_write(&ms, &out);
	char *r = arena_strdup(a, out.p ? out.p : "");
	buf_free(&out);
	mset_free(&ms);
	return r;
}

TEST(thermal_zone_fixture_and_failures)
{
	snprintf(tz_root, sizeof tz_root, "/tmp/pharos-thermal-XXXXXX");
	CHECK(mkdtemp(tz_root) != NULL);
	struct arena a = ARENA_INIT;
	int rc;
	char *out = tz_scrape(&a, &rc);
	CHECK(rc == 0 && !strstr(out, "node_thermal")); /* no class/thermal: nothing, no error */

	tz_put("class/thermal/thermal_zone0/type", "cpu-thermal\n");
	tz_put("class/thermal/thermal_zone0/policy", "step_wise\n");
	tz_put("class/thermal/thermal_zone0/temp", "12376\n");
	tz_put("class/thermal/cooling_device0/type", "Processor\n");
	tz_put("class/thermal/cooling_device0/max_state", "3\n");
	tz_put("class/thermal/cooling_device0/cur_state", "0\n");
	tz_put("class/thermal/thermal_zoneX/type", "not a zone\n");
	out = tz_scrape(&a, &rc);
	CHECK_INT(rc, 0);
	CHECK(strstr(out, "# TYPE node_thermal_zone_temp gauge\n"
			  "node_thermal_zone_temp{type=\"cpu-thermal\",zone=\"0\"} 12.376\n"));
	CHECK(strstr(out, "node_cooling_device_cur_state{name=\"0\",type=\"Processor\"} 0\n"));
	CHECK(strstr(out, "node_cooling_device_max_state{name=\"0\",type=\"Processor\"} 3\n"));
	CHECK(!strstr(out, "not a zone"));

	/* Optional files: valid, or absent. A bad passive fails everything. */
	tz_put("class/thermal/thermal_zone0/mode", "enabled\n");
	tz_put("class/thermal/thermal_zone0/passive", "0\n");
	tz_put("class/thermal/thermal_zone12/type", "acpitz\n");
	tz_put("class/thermal/thermal_zone12/policy", "step_wise\n");
	tz_put("class/thermal/thermal_zone12/temp", " -1000 \n");
	out = tz_scrape(&a, &rc);
	CHECK(rc == 0 && strstr(out, "node_thermal_zone_temp{type=\"acpitz\",zone=\"12\"} -1\n"));
	tz_put("class/thermal/thermal_zone12/passive", "x\n");
	out = tz_scrape(&a, &rc);
	CHECK(rc < 0 && !strstr(out, "node_thermal_zone_temp") && !strstr(out, "cooling"));
	tz_put("class/thermal/thermal_zone12/passive", "1\n");

	/* A cooling device that does not parse fails the cooling devices
	 * only; the zones are already in. */
	tz_put("class/thermal/cooling_device1/type", "Fan\n");
	tz_put("class/thermal/cooling_device1/max_state", "0x3\n");
	tz_put("class/thermal/cooling_device1/cur_state", "-1\n");
	out = tz_scrape(&a, &rc);
	CHECK(rc < 0 && strstr(out, "node_thermal_zone_temp") && !strstr(out, "cooling"));
	tz_put("class/thermal/cooling_device1/max_state", "10\n");
	out = tz_scrape(&a, &rc);
	CHECK(rc == 0 && strstr(out, "node_cooling_device_cur_state{name=\"1\",type=\"Fan\"} -1\n"));

	/* A zone without its policy file fails the collector. */
	tz_put("class/thermal/thermal_zone3/type", "x\n");
	tz_put("class/thermal/thermal_zone3/temp", "1\n");
	out = tz_scrape(&a, &rc);
	CHECK(rc < 0);

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tz_root);
	CHECK(system(cmd) == 0);
	arena_free(&a);
}
