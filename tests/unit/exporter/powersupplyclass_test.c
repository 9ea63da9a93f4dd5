/* Tests of the powersupplyclass collector (services/exporter/collector/
 * powersupplyclass.c) on small sysfs trees: the fixture's AC and BAT0,
 * Go-style integers, ignored supplies and what fails the collector. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../services/exporter/collector.h"
#include "../unit.h"

extern const struct collector powersupplyclass_collector;

static char ps_root[64];

static void ps_put(const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", ps_root, rel);
	for (char *p = path + strlen(ps_root) + 1; *p; p++)
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

/* Scrape the tree; with ignored != NULL, set the flag and run setup()
 * first (each pattern once: a compiled pattern lives as long as the
 * program, as after start-up). */
static char *ps_scrape(struct arena *a, int *rc, const char *ignored)
{
	const char *saved = exporter_paths.sysfs;
	if (ignored) {
		const char **flag = powersupplyclass_collector.flags[0].dest;
		*flag = ignored;
		if (powersupplyclass_collector.setup() != 0)
			unit_fail(__FILE__, __LINE__, "setup failed for \"%s\"", ignored);
	}
	exporter_paths.sysfs = ps_root;
	struct mset ms;
	mset_init(&ms);
	struct scrape s = { &ms, a };
	*rc = powersupplyclass_collector.update(&s);
	exporter_paths.sysfs = saved;
	struct buf out = BUF_INIT;
	mset_write(&ms, &out);
	char *r = arena_strdup(a, out.p ? out.p : "");
	buf_free(&out);
	mset_free(&ms);
	return r;
}

TEST(powersupplyclass_fixture_and_rules)
{
	snprintf(ps_root, sizeof ps_root, "/tmp/pharos-psu-XXXXXX");
	CHECK(mkdtemp(ps_root) != NULL);
	struct arena a = ARENA_INIT;
	int rc;
	ps_scrape(&a, &rc, NULL);
	CHECK(rc < 0); /* no class/power_supply */

	ps_put("class/power_supply/AC/online", "0\n");
	ps_put("class/power_supply/AC/type", "Mains\n");
	ps_put("class/power_supply/AC/uevent", "POWER_SUPPLY_NAME=AC\n");
	ps_put("class/power_supply/BAT0/capacity", "81\n");
	ps_put("class/power_supply/BAT0/capacity_level", "Normal\n");
	ps_put("class/power_supply/BAT0/cycle_count", "0\n");
	ps_put("class/power_supply/BAT0/energy_full", "45070000\n");
	ps_put("class/power_supply/BAT0/energy_now", "36580000\n");
	ps_put("class/power_supply/BAT0/manufacturer", "LGC\n");
	ps_put("class/power_supply/BAT0/model_name", "LNV-45N1\xc0\xc0\n");
	ps_put("class/power_supply/BAT0/power_now", "5002000\n");
	ps_put("class/power_supply/BAT0/status", "Discharging\n");
	ps_put("class/power_supply/BAT0/type", "Battery\n");
	ps_put("class/power_supply/BAT0/voltage_min_design", "10800000\n");
	ps_put("class/power_supply/BAT0/temp", "255\n");
	ps_put("class/power_supply/BAT0/charge_now", "0x10\n");
	ps_put("class/power_supply/BAT0/alarm", "2253000\n");
	char *out = ps_scrape(&a, &rc, NULL); /* nothing ignored yet */
	CHECK_INT(rc, 0);
	const char *want[] = {
		"node_power_supply_online{power_supply=\"AC\"} 0\n",
		"node_power_supply_capacity{power_supply=\"BAT0\"} 81\n",
		"node_power_supply_cyclecount{power_supply=\"BAT0\"} 0\n",
		"node_power_supply_energy_full{power_supply=\"BAT0\"} 45.07\n",
		"node_power_supply_energy_watthour{power_supply=\"BAT0\"} 36.58\n",
		"node_power_supply_power_watt{power_supply=\"BAT0\"} 5.002\n",
		"node_power_supply_voltage_min_design{power_supply=\"BAT0\"} 10.8\n",
		"node_power_supply_temp_celsius{power_supply=\"BAT0\"} 25.5\n",
		"node_power_supply_charge_ampere{power_supply=\"BAT0\"} 1.6e-05\n",
		"node_power_supply_info{power_supply=\"AC\",type=\"Mains\"} 1\n",
		"node_power_supply_info{capacity_level=\"Normal\",manufacturer=\"LGC\",model_name=\"LNV-45N1\xef\xbf\xbd\","
		"power_supply=\"BAT0\",status=\"Discharging\",type=\"Battery\"} 1\n",
		NULL,
	};
	for (int i = 0; want[i]; i++)
		if (!strstr(out, want[i]))
			unit_fail(__FILE__, __LINE__, "missing: %s", want[i]);
	CHECK(!strstr(out, "alarm") && !strstr(out, "uevent"));

	out = ps_scrape(&a, &rc, "");
	CHECK(rc == 0 && !strstr(out, "node_power_supply")); /* "" matches every name */
	out = ps_scrape(&a, &rc, "^A");
	CHECK(rc == 0 && !strstr(out, "\"AC\"") && strstr(out, "\"BAT0\""));

	/* A numeric attribute that is not a Go integer fails everything,
	 * even for an ignored supply. */
	ps_put("class/power_supply/AC/voltage_avg", "N/A\n");
	out = ps_scrape(&a, &rc, NULL); /* AC is still ignored */
	CHECK(rc < 0 && !strstr(out, "node_power_supply"));

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", ps_root);
	CHECK(system(cmd) == 0);
	arena_free(&a);
}
