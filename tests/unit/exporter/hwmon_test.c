/* Tests of the hwmon collector (services/exporter/collector/hwmon.c): file
 * name splitting, name cleaning, and a scrape of a small sysfs tree shaped
 * like node_exporter's fixture (chips found through device links, name
 * files and bare directories). */
#include "../unit.h"
#include "xtest.h"

char *hwmon_clean_name(struct scrape *s, const char *in, size_t n);
int hwmon_explode(struct scrape *s, const char *name, char **type, long *num, char **prop);
extern const struct collector hwmon_collector;

TEST(hwmon_explode_like_the_regexp)
{
	struct arena a = ARENA_INIT;
	struct scrape s = { NULL, &a };
	char *type, *prop;
	long num;
	CHECK(hwmon_explode(&s, "temp1_crit_alarm", &type, &num, &prop) == 0);
	CHECK(!strcmp(type, "temp") && num == 1 && !strcmp(prop, "crit_alarm"));
	CHECK(hwmon_explode(&s, "pwm1_auto_point1_pwm", &type, &num, &prop) == 0);
	CHECK(!strcmp(type, "pwm") && num == 1 && !strcmp(prop, "auto_point1_pwm"));
	CHECK(hwmon_explode(&s, "beep_enable", &type, &num, &prop) == 0);
	CHECK(!strcmp(type, "beep_enable") && num == 0 && !strcmp(prop, ""));
	CHECK(hwmon_explode(&s, "in010_input", &type, &num, &prop) == 0);
	CHECK(!strcmp(type, "in") && num == 10 && !strcmp(prop, "input"));
	CHECK(hwmon_explode(&s, "fan2", &type, &num, &prop) == 0);
	CHECK(!strcmp(type, "fan") && num == 2 && !strcmp(prop, ""));
	/* The greedy type backs off when the rest cannot match. */
	CHECK(hwmon_explode(&s, "in_x1y", &type, &num, &prop) == 0);
	CHECK(!strcmp(type, "in") && num == 0 && !strcmp(prop, "x1y"));
	CHECK(hwmon_explode(&s, "temp1a", &type, &num, &prop) == -1);
	CHECK(hwmon_explode(&s, "temp1_", &type, &num, &prop) == -1);
	CHECK(hwmon_explode(&s, "1temp", &type, &num, &prop) == -1);
	CHECK(hwmon_explode(&s, "temp99999999999999999999_input", &type, &num, &prop) == -1);
	arena_free(&a);
}

TEST(hwmon_clean_name_like_node_exporter)
{
	struct arena a = ARENA_INIT;
	struct scrape s = { NULL, &a };
	CHECK_STR(hwmon_clean_name(&s, "coretemp.0", 10), "coretemp_0");
	CHECK_STR(hwmon_clean_name(&s, "My-Chip.X\n", 10), "my_chip_x");
	CHECK_STR(hwmon_clean_name(&s, "__a:b__", 7), "a:b");
	CHECK_STR(hwmon_clean_name(&s, "\xc3\x89X_\xc4\xb0", 6), "x_i"); /* ÉX_İ */
	CHECK_STR(hwmon_clean_name(&s, "\xe2\x84\xaa\xff", 4), "k");     /* Kelvin sign */
	CHECK_STR(hwmon_clean_name(&s, "\n", 1), "");
	arena_free(&a);
}

TEST(hwmon_scrapes_a_fixture_tree)
{
	char *root = xtest_tree("hwmon");
	CHECK(root != NULL);
	char *out;
	int rc = xtest_collect(&hwmon_collector, NULL, root, NULL, XTEST_HELP, &out);
	CHECK(rc < 0); /* no class/hwmon: no data */
	free(out);

	/* coretemp: a device link, a name file, labelled temperatures */
	xtest_write(root, "devices/platform/coretemp.0/hwmon/hwmon0/name", "coretemp\n");
	xtest_write(root, "devices/platform/coretemp.0/hwmon/hwmon0/temp1_input", "55000\n");
	xtest_write(root, "devices/platform/coretemp.0/hwmon/hwmon0/temp1_crit", "100000\n");
	xtest_write(root, "devices/platform/coretemp.0/hwmon/hwmon0/temp1_crit_alarm", "0\n");
	xtest_write(root, "devices/platform/coretemp.0/hwmon/hwmon0/temp1_label", "Physical id 0\n");
	xtest_symlink(root, "../../../coretemp.0", "devices/platform/coretemp.0/hwmon/hwmon0/device");
	xtest_write(root, "class/hwmon", NULL);
	xtest_symlink(root, "../../devices/platform/coretemp.0/hwmon/hwmon0", "class/hwmon/hwmon0");
	/* applesmc: sensors only in the device directory, no name file */
	xtest_write(root, "devices/platform/applesmc.768/fan1_input", "0\n");
	xtest_write(root, "devices/platform/applesmc.768/fan1_min", "2160\n");
	xtest_write(root, "devices/platform/applesmc.768/fan1_manual", "0\n");
	xtest_write(root, "devices/platform/applesmc.768/fan1_safe", "");
	xtest_write(root, "devices/platform/applesmc.768/fan1_label", "Left side  \n");
	xtest_write(root, "devices/platform/applesmc.768/hwmon/hwmon2/x", "");
	xtest_symlink(root, "../../../applesmc.768", "devices/platform/applesmc.768/hwmon/hwmon2/device");
	xtest_symlink(root, "../../devices/platform/applesmc.768/hwmon/hwmon2", "class/hwmon/hwmon2");
	/* nct6779: a name file, no device */
	xtest_write(root, "class/hwmon/hwmon3/name", "nct6779\n");
	xtest_write(root, "class/hwmon/hwmon3/in1_input", "1024\n");
	xtest_write(root, "class/hwmon/hwmon3/in1_alarm", "1\n");
	xtest_write(root, "class/hwmon/hwmon3/in1_beep", "0\n");
	xtest_write(root, "class/hwmon/hwmon3/fan2_target", "27000\n");
	xtest_write(root, "class/hwmon/hwmon3/pwm1_enable", "5\n");
	xtest_write(root, "class/hwmon/hwmon3/power1_average", "12345678\n");
	xtest_write(root, "class/hwmon/hwmon3/energy1_input", "123456789\n");
	xtest_write(root, "class/hwmon/hwmon3/curr1_input", "1500\n");
	xtest_write(root, "class/hwmon/hwmon3/humidity1_input", "45000\n");
	xtest_write(root, "class/hwmon/hwmon3/update_interval", "1000\n");
	xtest_write(root, "class/hwmon/hwmon3/in2_input", " 5\n"); /* not a Go float: skipped */
	/* hwmon4: neither name nor device */
	xtest_write(root, "class/hwmon/hwmon4/temp1_input", "54000\n");
	xtest_write(root, "class/hwmon/afile", "not a chip\n");

	rc = xtest_collect(&hwmon_collector, NULL, root, NULL, XTEST_HELP, &out);
	CHECK_INT(rc, 0);
	const char *want[] = {
		"node_hwmon_chip_names{chip=\"nct6779\",chip_name=\"nct6779\"} 1\n",
		"node_hwmon_chip_names{chip=\"platform_coretemp_0\",chip_name=\"coretemp\"} 1\n",
		"node_hwmon_temp_celsius{chip=\"platform_coretemp_0\",sensor=\"temp1\"} 55\n",
		"node_hwmon_temp_crit_celsius{chip=\"platform_coretemp_0\",sensor=\"temp1\"} 100\n",
		"node_hwmon_temp_crit_alarm_celsius{chip=\"platform_coretemp_0\",sensor=\"temp1\"} 0\n",
		"node_hwmon_sensor_label{chip=\"platform_coretemp_0\",label=\"Physical id 0\",sensor=\"temp1\"} 1\n",
		"node_hwmon_sensor_label{chip=\"platform_applesmc_768\",label=\"Left side  \",sensor=\"fan1\"} 1\n",
		"node_hwmon_fan_rpm{chip=\"platform_applesmc_768\",sensor=\"fan1\"} 0\n",
		"node_hwmon_fan_min_rpm{chip=\"platform_applesmc_768\",sensor=\"fan1\"} 2160\n",
		"node_hwmon_fan_manual{chip=\"platform_applesmc_768\",sensor=\"fan1\"} 0\n",
		"node_hwmon_in_volts{chip=\"nct6779\",sensor=\"in1\"} 1.024\n",
		"node_hwmon_in_alarm{chip=\"nct6779\",sensor=\"in1\"} 1\n",
		"node_hwmon_in_beep_enabled{chip=\"nct6779\",sensor=\"in1\"} 0\n",
		"node_hwmon_fan_target_rpm{chip=\"nct6779\",sensor=\"fan2\"} 27000\n",
		"node_hwmon_pwm_enable{chip=\"nct6779\",sensor=\"pwm1\"} 5\n",
		"node_hwmon_power_average_watt{chip=\"nct6779\",sensor=\"power1\"} 12.345678\n",
		"# TYPE node_hwmon_energy_joule_total counter\n",
		"node_hwmon_energy_joule_total{chip=\"nct6779\",sensor=\"energy1\"} 123.456789\n",
		"node_hwmon_curr_amps{chip=\"nct6779\",sensor=\"curr1\"} 1.5\n",
		"node_hwmon_humidity{chip=\"nct6779\",sensor=\"humidity1\"} 0.045\n",
		"node_hwmon_update_interval_seconds{chip=\"nct6779\",sensor=\"update_interval0\"} 1\n",
		"node_hwmon_temp_celsius{chip=\"hwmon4\",sensor=\"temp1\"} 54\n",
		NULL,
	};
	for (int i = 0; want[i]; i++)
		if (!strstr(out, want[i]))
			unit_fail(__FILE__, __LINE__, "missing: %s", want[i]);
	CHECK(!strstr(out, "fan1_safe") && !strstr(out, "fan_safe") && !strstr(out, "sensor=\"in2\""));
	CHECK(!strstr(out, "chip_name=\"\"") && !strstr(out, "afile"));
	free(out);

	CHECK(xtest_rmtree(root) == 0);
	free(root);
}
