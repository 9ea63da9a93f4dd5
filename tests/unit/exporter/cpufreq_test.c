/* Unit tests of the cpufreq collector, on a small sysfs tree. Owner: helper h1. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../services/exporter/collector.h"
#include "../unit.h"

extern const struct collector cpufreq_collector;

static void cpufreq_put(const char *root, const char *rel, const char *content)
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
		fputs(content, f);
		fclose(f);
	}
}

/* A cpufreq directory with every file procfs reads as text. */
static void cpufreq_dir(const char *root, const char *cpu)
{
	static const char *const text[] = { "scaling_available_governors", "scaling_driver",
					    "scaling_governor", "related_cpus", "scaling_setspeed" };
	char rel[128];
	for (size_t i = 0; i < sizeof text / sizeof *text; i++) {
		snprintf(rel, sizeof rel, "devices/system/cpu/%s/cpufreq/%s", cpu, text[i]);
		cpufreq_put(root, rel, "x\n");
	}
}

/* Run the collector on root; *rc gets its result. Returns the output (malloc'd). */
static char *cpufreq_run(const char *root, int *rc)
{
	struct exporter_paths saved = exporter_paths;
	exporter_paths.sysfs = root;
	struct mset ms;
	struct arena a = ARENA_INIT;
	mset_init(&ms);
	struct scrape s = { &ms, &a };
	*rc = cpufreq_collector.update(&s);
	exporter_paths = saved;
	struct buf out = BUF_INIT;
	mset_write(&ms, &out);
	mset_free(&ms);
	arena_free(&a);
	return buf_steal(&out);
}

TEST(cpufreq_reads_present_files_only)
{
	char root[] = "/tmp/pharos-cpufreq-test-XXXXXX";
	CHECK(mkdtemp(root) != NULL);
	cpufreq_dir(root, "cpu0");
	cpufreq_put(root, "devices/system/cpu/cpu0/cpufreq/cpuinfo_cur_freq", "1800000\n");
	cpufreq_put(root, "devices/system/cpu/cpu0/cpufreq/cpuinfo_min_freq", "800000\n");
	cpufreq_put(root, "devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "3700000\n");
	cpufreq_put(root, "devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", "1699981\n");
	cpufreq_put(root, "devices/system/cpu/cpu0/cpufreq/scaling_min_freq", "800000\n");
	cpufreq_put(root, "devices/system/cpu/cpu0/cpufreq/scaling_max_freq", "3700000\n");
	cpufreq_put(root, "devices/system/cpu/cpu1/topology/core_id", "1\n"); /* no cpufreq */
	cpufreq_dir(root, "cpu12");
	cpufreq_put(root, "devices/system/cpu/cpu12/cpufreq/scaling_cur_freq", "8000\n");
	cpufreq_put(root, "devices/system/cpu/cpufreq/boost", "1\n"); /* not a CPU */

	int rc;
	char *o = cpufreq_run(root, &rc);
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
	cpufreq_put(root, "devices/system/cpu/cpu12/cpufreq/scaling_min_freq", "fast\n");
	o = cpufreq_run(root, &rc);
	CHECK(rc < 0);
	CHECK_STR(o, "");
	free(o);

	/* so does a missing text file */
	cpufreq_put(root, "devices/system/cpu/cpu12/cpufreq/scaling_min_freq", "1000\n");
	char path[256];
	snprintf(path, sizeof path, "%s/devices/system/cpu/cpu0/cpufreq/scaling_setspeed", root);
	unlink(path);
	o = cpufreq_run(root, &rc);
	CHECK(rc < 0);
	CHECK_STR(o, "");
	free(o);

	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	CHECK(system(cmd) == 0);

	/* no sysfs at all: nothing, and no failure (like an empty glob) */
	o = cpufreq_run(root, &rc);
	CHECK_INT(rc, 0);
	CHECK_STR(o, "");
	free(o);
}
