/* Unit tests of the cpufreq collector, on a small sysfs tree. Owner: helper h1. */
#include "../unit.h"
#include "xtest.h"

extern const struct collector cpufreq_collector;

/* A cpufreq directory with every file procfs reads as text. */
static void cpufreq_dir(const char *root, const char *cpu)
{
	static const char *const text[] = { "scaling_available_governors", "scaling_driver",
					    "scaling_governor", "related_cpus", "scaling_setspeed" };
	char rel[128];
	for (size_t i = 0; i < sizeof text / sizeof *text; i++) {
		snprintf(rel, sizeof rel, "devices/system/cpu/%s/cpufreq/%s", cpu, text[i]);
		xtest_write(root, rel, "x\n");
	}
}

TEST(cpufreq_reads_present_files_only)
{
	char *root = xtest_tree("cpufreq-test");
	CHECK(root != NULL);
	cpufreq_dir(root, "cpu0");
	xtest_write(root, "devices/system/cpu/cpu0/cpufreq/cpuinfo_cur_freq", "1800000\n");
	xtest_write(root, "devices/system/cpu/cpu0/cpufreq/cpuinfo_min_freq", "800000\n");
	xtest_write(root, "devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "3700000\n");
	xtest_write(root, "devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", "1699981\n");
	xtest_write(root, "devices/system/cpu/cpu0/cpufreq/scaling_min_freq", "800000\n");
	xtest_write(root, "devices/system/cpu/cpu0/cpufreq/scaling_max_freq", "3700000\n");
	xtest_write(root, "devices/system/cpu/cpu1/topology/core_id", "1\n"); /* no cpufreq */
	cpufreq_dir(root, "cpu12");
	xtest_write(root, "devices/system/cpu/cpu12/cpufreq/scaling_cur_freq", "8000\n");
	xtest_write(root, "devices/system/cpu/cpufreq/boost", "1\n"); /* not a CPU */

	char *o;
	int rc = xtest_collect(&cpufreq_collector, NULL, root, NULL, XTEST_HELP, &o);
	CHECK_INT(rc, 0);
	CHECK(strstr(o, "# TYPE node_cpu_frequency_hertz gauge\n") != NULL);
	CHECK(strstr(o, "\nnode_cpu_frequency_hertz{cpu=\"0\"} 1.8e+09\n") != NULL);
	CHECK(strstr(o, "\nnode_cpu_frequency_min_hertz{cpu=\"0\"} 8e+08\n") != NULL);
	CHECK(strstr(o, "\nnode_cpu_frequency_max_hertz{cpu=\"0\"} 3.7e+09\n") != NULL);
	CHECK(strstr(o, "\nnode_cpu_scaling_frequency_hertz{cpu=\"0\"} 1.699981e+09\n") != NULL);
	CHECK(strstr(o, "\nnode_cpu_scaling_frequency_hertz{cpu=\"12\"} 8e+06\n") != NULL);
	CHECK(strstr(o, "frequency_min_hertz{cpu=\"12\"}") == NULL);
	CHECK(strstr(o, "{cpu=\"1\"}") == NULL);
	free(o);

	/* a number that does not parse fails everything */
	xtest_write(root, "devices/system/cpu/cpu12/cpufreq/scaling_min_freq", "fast\n");
	rc = xtest_collect(&cpufreq_collector, NULL, root, NULL, XTEST_HELP, &o);
	CHECK(rc < 0);
	CHECK_STR(o, "");
	free(o);

	/* so does a missing text file */
	xtest_write(root, "devices/system/cpu/cpu12/cpufreq/scaling_min_freq", "1000\n");
	xtest_unlink(root, "devices/system/cpu/cpu0/cpufreq/scaling_setspeed");
	rc = xtest_collect(&cpufreq_collector, NULL, root, NULL, XTEST_HELP, &o);
	CHECK(rc < 0);
	CHECK_STR(o, "");
	free(o);

	CHECK(xtest_rmtree(root) == 0);

	/* no sysfs at all: nothing, and no failure (like an empty glob) */
	rc = xtest_collect(&cpufreq_collector, NULL, root, NULL, XTEST_HELP, &o);
	CHECK_INT(rc, 0);
	CHECK_STR(o, "");
	free(o);
	free(root);
}
