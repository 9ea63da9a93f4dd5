/* Tests of the thermal_zone collector (services/exporter/collector/
 * thermal_zone.c) on small sysfs trees: the fixture's zone and cooling
 * device, the optional files, and what fails the collector. */
#include "../unit.h"
#include "xtest.h"

extern const struct collector thermal_zone_collector;

TEST(thermal_zone_fixture_and_failures)
{
	char *root = xtest_tree("thermal");
	CHECK(root != NULL);
	char *out;
	int rc = xtest_collect(&thermal_zone_collector, NULL, root, NULL, XTEST_HELP, &out);
	CHECK(rc == 0 && !strstr(out, "node_thermal")); /* no class/thermal: nothing, no error */
	free(out);

	xtest_write(root, "class/thermal/thermal_zone0/type", "cpu-thermal\n");
	xtest_write(root, "class/thermal/thermal_zone0/policy", "step_wise\n");
	xtest_write(root, "class/thermal/thermal_zone0/temp", "12376\n");
	xtest_write(root, "class/thermal/cooling_device0/type", "Processor\n");
	xtest_write(root, "class/thermal/cooling_device0/max_state", "3\n");
	xtest_write(root, "class/thermal/cooling_device0/cur_state", "0\n");
	xtest_write(root, "class/thermal/thermal_zoneX/type", "not a zone\n");
	rc = xtest_collect(&thermal_zone_collector, NULL, root, NULL, XTEST_HELP, &out);
	CHECK_INT(rc, 0);
	CHECK(strstr(out, "# TYPE node_thermal_zone_temp gauge\n"
			  "node_thermal_zone_temp{type=\"cpu-thermal\",zone=\"0\"} 12.376\n"));
	CHECK(strstr(out, "node_cooling_device_cur_state{name=\"0\",type=\"Processor\"} 0\n"));
	CHECK(strstr(out, "node_cooling_device_max_state{name=\"0\",type=\"Processor\"} 3\n"));
	CHECK(!strstr(out, "not a zone"));
	free(out);

	/* Optional files: valid, or absent. A bad passive fails everything. */
	xtest_write(root, "class/thermal/thermal_zone0/mode", "enabled\n");
	xtest_write(root, "class/thermal/thermal_zone0/passive", "0\n");
	xtest_write(root, "class/thermal/thermal_zone12/type", "acpitz\n");
	xtest_write(root, "class/thermal/thermal_zone12/policy", "step_wise\n");
	xtest_write(root, "class/thermal/thermal_zone12/temp", " -1000 \n");
	rc = xtest_collect(&thermal_zone_collector, NULL, root, NULL, XTEST_HELP, &out);
	CHECK(rc == 0 && strstr(out, "node_thermal_zone_temp{type=\"acpitz\",zone=\"12\"} -1\n"));
	free(out);
	xtest_write(root, "class/thermal/thermal_zone12/passive", "x\n");
	rc = xtest_collect(&thermal_zone_collector, NULL, root, NULL, XTEST_HELP, &out);
	CHECK(rc < 0 && !strstr(out, "node_thermal_zone_temp") && !strstr(out, "cooling"));
	free(out);
	xtest_write(root, "class/thermal/thermal_zone12/passive", "1\n");

	/* A cooling device that does not parse fails the cooling devices
	 * only; the zones are already in. */
	xtest_write(root, "class/thermal/cooling_device1/type", "Fan\n");
	xtest_write(root, "class/thermal/cooling_device1/max_state", "0x3\n");
	xtest_write(root, "class/thermal/cooling_device1/cur_state", "-1\n");
	rc = xtest_collect(&thermal_zone_collector, NULL, root, NULL, XTEST_HELP, &out);
	CHECK(rc < 0 && strstr(out, "node_thermal_zone_temp") && !strstr(out, "cooling"));
	free(out);
	xtest_write(root, "class/thermal/cooling_device1/max_state", "10\n");
	rc = xtest_collect(&thermal_zone_collector, NULL, root, NULL, XTEST_HELP, &out);
	CHECK(rc == 0 && strstr(out, "node_cooling_device_cur_state{name=\"1\",type=\"Fan\"} -1\n"));
	free(out);

	/* A zone without its policy file fails the collector. */
	xtest_write(root, "class/thermal/thermal_zone3/type", "x\n");
	xtest_write(root, "class/thermal/thermal_zone3/temp", "1\n");
	rc = xtest_collect(&thermal_zone_collector, NULL, root, NULL, XTEST_HELP, &out);
	CHECK(rc < 0);
	free(out);

	CHECK(xtest_rmtree(root) == 0);
	free(root);
}
