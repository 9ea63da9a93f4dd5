/* Tests of the powersupplyclass collector (services/exporter/collector/
 * powersupplyclass.c) on small sysfs trees: the fixture's AC and BAT0,
 * Go-style integers, ignored supplies and what fails the collector. */
#include "../unit.h"
#include "xtest.h"

extern const struct collector powersupplyclass_collector;

/* Scrape the sysfs tree root; with ignored != NULL, set the flag and run
 * setup() first (each pattern once: a compiled pattern lives as long as the
 * program, as after start-up). Returns the output (malloc'd). */
static char *ps_scrape(const char *root, int *rc, const char *ignored)
{
	if (ignored) {
		const char **flag = powersupplyclass_collector.flags[0].dest;
		*flag = ignored;
		if (powersupplyclass_collector.setup() != 0)
			unit_fail(__FILE__, __LINE__, "setup failed for \"%s\"", ignored);
	}
	char *out;
	*rc = xtest_collect(&powersupplyclass_collector, NULL, root, NULL, XTEST_HELP, &out);
	return out;
}

TEST(powersupplyclass_fixture_and_rules)
{
	char *root = xtest_tree("psu");
	CHECK(root != NULL);
	int rc;
	free(ps_scrape(root, &rc, NULL));
	CHECK(rc < 0); /* no class/power_supply */

	xtest_write(root, "class/power_supply/AC/online", "0\n");
	xtest_write(root, "class/power_supply/AC/type", "Mains\n");
	xtest_write(root, "class/power_supply/AC/uevent", "POWER_SUPPLY_NAME=AC\n");
	xtest_write(root, "class/power_supply/BAT0/capacity", "81\n");
	xtest_write(root, "class/power_supply/BAT0/capacity_level", "Normal\n");
	xtest_write(root, "class/power_supply/BAT0/cycle_count", "0\n");
	xtest_write(root, "class/power_supply/BAT0/energy_full", "45070000\n");
	xtest_write(root, "class/power_supply/BAT0/energy_now", "36580000\n");
	xtest_write(root, "class/power_supply/BAT0/manufacturer", "LGC\n");
	xtest_write(root, "class/power_supply/BAT0/model_name", "LNV-45N1\xc0\xc0\n");
	xtest_write(root, "class/power_supply/BAT0/power_now", "5002000\n");
	xtest_write(root, "class/power_supply/BAT0/status", "Discharging\n");
	xtest_write(root, "class/power_supply/BAT0/type", "Battery\n");
	xtest_write(root, "class/power_supply/BAT0/voltage_min_design", "10800000\n");
	xtest_write(root, "class/power_supply/BAT0/temp", "255\n");
	xtest_write(root, "class/power_supply/BAT0/charge_now", "0x10\n");
	xtest_write(root, "class/power_supply/BAT0/alarm", "2253000\n");
	char *out = ps_scrape(root, &rc, NULL); /* nothing ignored yet */
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
	free(out);

	out = ps_scrape(root, &rc, "");
	CHECK(rc == 0 && !strstr(out, "node_power_supply")); /* "" matches every name */
	free(out);
	out = ps_scrape(root, &rc, "^A");
	CHECK(rc == 0 && !strstr(out, "\"AC\"") && strstr(out, "\"BAT0\""));
	free(out);

	/* A numeric attribute that is not a Go integer fails everything,
	 * even for an ignored supply. */
	xtest_write(root, "class/power_supply/AC/voltage_avg", "N/A\n");
	out = ps_scrape(root, &rc, NULL); /* AC is still ignored */
	CHECK(rc < 0 && !strstr(out, "node_power_supply"));
	free(out);

	CHECK(xtest_rmtree(root) == 0);
	free(root);
}
