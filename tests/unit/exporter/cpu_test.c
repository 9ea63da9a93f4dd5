/* Unit tests of the cpu collector and its helpers (procstat.c for the
 * CPU lines, cpuinfo.c). Owner: helper h1. */
#include <stdint.h>

#include "../../../services/exporter/cpuinfo.h"
#include "../../../services/exporter/procstat.h"
#include "../unit.h"
#include "xtest.h"

struct cpu_seconds_cache {
	struct procstat_cpu *v;
	size_t n;
};
void cpu_cache_update(struct cpu_seconds_cache *c, const struct procstat_cpu *cur, size_t n);
void cpu_emit_seconds(struct scrape *s, const struct procstat_cpu *v, size_t n, int guest);
void cpu_emit_info(struct scrape *s, struct cpuinfo_cpu *cpus, int n,
		   const struct dev_filter *flags, const struct dev_filter *bugs);
int cpu_isolated_parse(struct arena *a, char *text, uint16_t **cpus);
extern const struct collector cpu_collector;


TEST(procstat_cpu_lines_fixture)
{
	struct arena a = ARENA_INIT;
	char text[] = "cpu  301854 612 111922 8979004 3552 2 3944 0 44 36\n"
		      "cpu0 44490 19 21045 1087069 220 1 3410 0 2 1\n"
		      "cpu1 47869 23 16474 1110787 591 0 46 0 3 2\n"
		      "cpu3 47054 102 15683 1113230\n"
		      "intr 8885917 17 0 0\n"
		      "ctxt 38014093\n";
	struct procstat st;
	procstat_parse(&a, text, &st);
	CHECK_INT(st.ncpu, 4);
	CHECK_DBL(st.total.t[PROCSTAT_USER], 3018.54);
	CHECK_DBL(st.cpu[0].t[PROCSTAT_USER], 444.9);
	CHECK_DBL(st.cpu[0].t[PROCSTAT_SOFTIRQ], 34.1);
	CHECK_DBL(st.cpu[1].t[PROCSTAT_GUEST_NICE], 0.02);
	/* cpu2 has no line: zeros; cpu3 has only four columns */
	CHECK_DBL(st.cpu[2].t[PROCSTAT_IDLE], 0);
	CHECK_DBL(st.cpu[3].t[PROCSTAT_IDLE], 11132.3);
	CHECK_DBL(st.cpu[3].t[PROCSTAT_IOWAIT], 0);
	CHECK_INT(st.intr, 8885917);
	CHECK_INT(st.ctxt, 38014093);
	arena_free(&a);
}

TEST(procstat_cpu_lines_malformed)
{
	struct arena a = ARENA_INIT;
	char text[] = "cpu0 1 2 x 4\n"        /* bad number: skipped */
		      "cpufoo 1 2 3\n"        /* bad name */
		      "cpu99999999 1 2 3\n"   /* beyond PROCSTAT_MAX_CPUS */
		      "cpu1\n"                /* no values */
		      "cpu2 100 200\n"
		      "cpu2 300 400\n"        /* repeated: last wins */
		      "btime notanumber\n"
		      "\n"
		      "cpu";                  /* truncated */
	struct procstat st;
	procstat_parse(&a, text, &st);
	CHECK_INT(st.ncpu, 3);
	CHECK_DBL(st.cpu[0].t[PROCSTAT_USER], 0);
	CHECK_DBL(st.cpu[2].t[PROCSTAT_USER], 3);
	CHECK_DBL(st.cpu[2].t[PROCSTAT_NICE], 4);
	CHECK_INT(st.boot_time, 0);

	char empty[] = "";
	procstat_parse(&a, empty, &st);
	CHECK_INT(st.ncpu, 0);
	CHECK(st.cpu == NULL);
	arena_free(&a);
}

TEST(cpu_cache_never_decreases_and_resets_on_replug)
{
	struct cpu_seconds_cache c = { NULL, 0 };
	struct procstat_cpu r[2];
	memset(r, 0, sizeof r);
	r[0].t[PROCSTAT_USER] = 10;
	r[0].t[PROCSTAT_IDLE] = 100;
	r[1].t[PROCSTAT_USER] = 20;
	r[1].t[PROCSTAT_IDLE] = 200;
	cpu_cache_update(&c, r, 2);
	CHECK_DBL(c.v[0].t[PROCSTAT_USER], 10);

	/* user goes back a little: the old value stays */
	r[0].t[PROCSTAT_USER] = 9;
	r[0].t[PROCSTAT_IDLE] = 101;
	/* idle drops by 3 s or more: cpu1 starts afresh */
	r[1].t[PROCSTAT_USER] = 5;
	r[1].t[PROCSTAT_IDLE] = 197;
	cpu_cache_update(&c, r, 2);
	CHECK_DBL(c.v[0].t[PROCSTAT_USER], 10);
	CHECK_DBL(c.v[0].t[PROCSTAT_IDLE], 101);
	CHECK_DBL(c.v[1].t[PROCSTAT_USER], 5);
	CHECK_DBL(c.v[1].t[PROCSTAT_IDLE], 197);

	/* idle drops by less than 3 s: kept */
	r[1].t[PROCSTAT_IDLE] = 195;
	cpu_cache_update(&c, r, 2);
	CHECK_DBL(c.v[1].t[PROCSTAT_IDLE], 197);

	/* the CPU count changes: everything starts afresh */
	r[0].t[PROCSTAT_USER] = 1;
	cpu_cache_update(&c, r, 1);
	CHECK_INT(c.n, 1);
	CHECK_DBL(c.v[0].t[PROCSTAT_USER], 1);

	cpu_cache_update(&c, r, 0);
	CHECK_INT(c.n, 0);
	CHECK(c.v == NULL);
}

TEST(cpu_emit_seconds_modes_and_guest)
{
	struct xtest t;
	xtest_init(&t);
	struct procstat_cpu v[2];
	memset(v, 0, sizeof v);
	v[0].t[PROCSTAT_USER] = 444.9;
	v[1].t[PROCSTAT_GUEST] = 0.03;
	v[1].t[PROCSTAT_GUEST_NICE] = 0.02;
	cpu_emit_seconds(&t.s, v, 2, 1);
	char *o = xtest_render(&t.ms, XTEST_HELP);
	CHECK(xtest_has_line(o, "# TYPE node_cpu_seconds_total counter"));
	CHECK(xtest_has_line(o, "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 444.9"));
	CHECK(xtest_has_line(o, "node_cpu_seconds_total{cpu=\"1\",mode=\"steal\"} 0"));
	CHECK(xtest_has_line(o, "node_cpu_guest_seconds_total{cpu=\"1\",mode=\"user\"} 0.03"));
	CHECK(xtest_has_line(o, "node_cpu_guest_seconds_total{cpu=\"1\",mode=\"nice\"} 0.02"));
	CHECK(strstr(o, "mode=\"guest\"") == NULL);
	free(o);
	xtest_free(&t);

	xtest_init(&t);
	cpu_emit_seconds(&t.s, v, 2, 0);
	o = xtest_render(&t.ms, XTEST_HELP);
	CHECK(strstr(o, "node_cpu_guest_seconds_total") == NULL);
	CHECK(xtest_has_line(o, "node_cpu_seconds_total{cpu=\"1\",mode=\"idle\"} 0"));
	free(o);
	xtest_free(&t);
}

static const char cpuinfo_x86[] =
	"\n"
	"processor\t: 0\n"
	"vendor_id\t: GenuineIntel\n"
	"cpu family\t: 6\n"
	"model\t\t: 142\n"
	"model name\t: Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz\n"
	"stepping\t: 10\n"
	"microcode\t: 0xb4\n"
	"cpu MHz\t\t: not-a-number\n"
	"cache size\t: 8192 KB\n"
	"physical id\t: 0\n"
	"core id\t\t: 0\n"
	"flags\t\t: fpu vme aes avx avx2 constant_tsc avx512f\n"
	"bugs\t\t: cpu_meltdown spectre_v1 spectre_v2 mds swapgs\n"
	"power management:\n"
	"\n"
	"processor\t: 1\r\n"
	"vendor_id\t: GenuineIntel\n"
	"core id\t\t: 1\n"
	"model name\t: with: colon\n";

TEST(cpuinfo_x86_fields)
{
	struct arena a = ARENA_INIT;
	char *text = arena_strdup(&a, cpuinfo_x86);
	struct cpuinfo_cpu *c;
	CHECK_INT(cpuinfo_parse_x86(&a, text, &c), 2);
	CHECK_INT(c[0].processor, 0);
	CHECK_STR(c[0].vendor, "GenuineIntel");
	CHECK_STR(c[0].family, "6");
	CHECK_STR(c[0].model, "142");
	CHECK_STR(c[0].model_name, "Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz");
	CHECK_STR(c[0].microcode, "0xb4");
	CHECK_STR(c[0].cache_size, "8192 KB");
	CHECK_STR(c[0].physical_id, "0");
	CHECK_STR(c[0].bugs, "cpu_meltdown spectre_v1 spectre_v2 mds swapgs");
	CHECK_INT(c[1].processor, 1);
	CHECK_STR(c[1].core_id, "1");
	CHECK_STR(c[1].model_name, "with: colon");
	CHECK_STR(c[1].stepping, "");
	CHECK_STR(c[1].flags, "");
	arena_free(&a);
}

TEST(cpuinfo_x86_rejects)
{
	struct arena a = ARENA_INIT;
	struct cpuinfo_cpu *c;
	CHECK_INT(cpuinfo_parse_x86(&a, arena_strdup(&a, ""), &c), -1);
	CHECK_INT(cpuinfo_parse_x86(&a, arena_strdup(&a, "vendor_id : x\n"), &c), -1);
	CHECK_INT(cpuinfo_parse_x86(&a, arena_strdup(&a, "processor:0\n"), &c), -1);
	CHECK_INT(cpuinfo_parse_x86(&a, arena_strdup(&a, "processor : zero\n"), &c), -1);
	CHECK_INT(cpuinfo_parse_x86(&a, arena_strdup(&a, "processor : 0\nprocessor : -1\n"), &c), -1);
	CHECK_INT(cpuinfo_parse_x86(&a, arena_strdup(&a, "processor : 99999999999\n"), &c), -1);
	/* Go's base-0 syntax */
	CHECK_INT(cpuinfo_parse_x86(&a, arena_strdup(&a, "processor : 0x10\n"), &c), 1);
	CHECK_INT(c[0].processor, 16);
	CHECK_INT(cpuinfo_parse_x86(&a, arena_strdup(&a, "processor : 010\n"), &c), 1);
	CHECK_INT(c[0].processor, 8);
	arena_free(&a);
}

TEST(cpuinfo_arm_layouts)
{
	struct arena a = ARENA_INIT;
	struct cpuinfo_cpu *c;
	char *v8 = arena_strdup(&a, "processor\t: 0\nBogoMIPS\t: 48.00\nFeatures\t: fp asimd\n"
				    "CPU implementer\t: 0x41\n\nprocessor\t: 1\nBogoMIPS\t: 48.00\n"
				    "Features\t: fp asimd evtstrm\n");
	CHECK_INT(cpuinfo_parse_arm(&a, v8, &c), 2);
	CHECK_INT(c[1].processor, 1);
	CHECK_STR(c[0].flags, "fp asimd evtstrm"); /* the last Features line, for all */
	CHECK_STR(c[0].model_name, "");

	char *v7 = arena_strdup(&a, "Processor\t: ARMv7 Processor rev 4 (v7l)\nBogoMIPS\t: 38.40\n"
				    "Features\t: half thumb\nHardware\t: BCM2835\n");
	CHECK_INT(cpuinfo_parse_arm(&a, v7, &c), 1);
	CHECK_INT(c[0].processor, 0);
	CHECK_STR(c[0].model_name, "ARMv7 Processor rev 4 (v7l)");
	CHECK_STR(c[0].flags, "half thumb");

	char *pi = arena_strdup(&a, "processor\t: 0\nmodel name\t: ARMv7 Processor rev 4 (v7l)\n"
				    "processor\t: 1\nmodel name\t: second\n");
	CHECK_INT(cpuinfo_parse_arm(&a, pi, &c), 2);
	CHECK_STR(c[1].model_name, "second");
	CHECK_STR(c[1].flags, "");

	CHECK_INT(cpuinfo_parse_arm(&a, arena_strdup(&a, "Hardware : x\n"), &c), -1);
	arena_free(&a);
}

TEST(cpu_emit_info_and_filtered_words)
{
	struct xtest t;
	xtest_init(&t);
	char *text = arena_strdup(&t.arena, cpuinfo_x86);
	struct cpuinfo_cpu *c;
	int n = cpuinfo_parse_x86(&t.arena, text, &c);
	CHECK_INT(n, 2);
	struct dev_filter test_flags, test_bugs, test_none;
	CHECK(dev_filter_init(&test_flags, "^(aes|avx.?|constant_tsc)$", NULL, "f") == 0);
	CHECK(dev_filter_init(&test_bugs, "^(cpu_meltdown|spectre_.*|mds)$", NULL, "b") == 0);
	cpu_emit_info(&t.s, c, n, &test_flags, &test_bugs);
	char *o = xtest_render(&t.ms, XTEST_HELP);
	CHECK(xtest_has_line(o, "node_cpu_info{cachesize=\"8192 KB\",core=\"0\",cpu=\"0\",family=\"6\","
			  "microcode=\"0xb4\",model=\"142\",model_name=\"Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz\","
			  "package=\"0\",stepping=\"10\",vendor=\"GenuineIntel\"} 1"));
	CHECK(xtest_has_line(o, "node_cpu_info{cachesize=\"\",core=\"1\",cpu=\"1\",family=\"\",microcode=\"\","
			  "model=\"\",model_name=\"with: colon\",package=\"\",stepping=\"\",vendor=\"GenuineIntel\"} 1"));
	CHECK(xtest_has_line(o, "node_cpu_flag_info{flag=\"aes\"} 1"));
	CHECK(xtest_has_line(o, "node_cpu_flag_info{flag=\"avx2\"} 1"));
	CHECK(xtest_has_line(o, "node_cpu_flag_info{flag=\"constant_tsc\"} 1"));
	CHECK(strstr(o, "avx512f") == NULL);
	CHECK(strstr(o, "flag=\"fpu\"") == NULL);
	CHECK(xtest_has_line(o, "node_cpu_bug_info{bug=\"spectre_v2\"} 1"));
	CHECK(strstr(o, "swapgs") == NULL);
	free(o);
	xtest_free(&t);
	dev_filter_free(&test_flags);
	dev_filter_free(&test_bugs);

	/* Without include patterns there are no flag/bug families. */
	xtest_init(&t);
	text = arena_strdup(&t.arena, cpuinfo_x86);
	n = cpuinfo_parse_x86(&t.arena, text, &c);
	CHECK(dev_filter_init(&test_none, "", NULL, "x") == 0);
	cpu_emit_info(&t.s, c, n, &test_none, &test_none);
	o = xtest_render(&t.ms, XTEST_HELP);
	CHECK(strstr(o, "node_cpu_info{") != NULL);
	CHECK(strstr(o, "flag_info") == NULL && strstr(o, "bug_info") == NULL);
	free(o);
	xtest_free(&t);
	dev_filter_free(&test_none);
}

TEST(cpu_isolated_lists)
{
	struct arena a = ARENA_INIT;
	uint16_t *c;
	CHECK_INT(cpu_isolated_parse(&a, arena_strdup(&a, "1,3-5,9\n"), &c), 5);
	CHECK_INT(c[0], 1);
	CHECK_INT(c[1], 3);
	CHECK_INT(c[3], 5);
	CHECK_INT(c[4], 9);
	CHECK_INT(cpu_isolated_parse(&a, arena_strdup(&a, "\n"), &c), 0);
	CHECK_INT(cpu_isolated_parse(&a, arena_strdup(&a, "2,,3"), &c), 2);
	CHECK_INT(cpu_isolated_parse(&a, arena_strdup(&a, "5-3"), &c), 0);
	CHECK_INT(cpu_isolated_parse(&a, arena_strdup(&a, "a"), &c), -1);
	CHECK_INT(cpu_isolated_parse(&a, arena_strdup(&a, "1-2-3"), &c), -1);
	CHECK_INT(cpu_isolated_parse(&a, arena_strdup(&a, "1 "), &c), -1);
	CHECK_INT(cpu_isolated_parse(&a, arena_strdup(&a, "0-99999999"), &c), -1);
	arena_free(&a);
}

/* ---- the whole collector on a small tree ---- */

TEST(cpu_update_throttles_isolated_and_stat)
{
	char *root = xtest_tree("cpu-test");
	CHECK(root != NULL);
	xtest_write(root, "proc/stat", "cpu  1 1 1 1\ncpu0 100 0 0 400 0 0 0 0 0 0\ncpu1 200 0 0 500\n");
	xtest_write(root, "sys/devices/system/cpu/isolated", "1\n");
	/* package 0: cpu0 and cpu2 share core 0, cpu0 has no core count,
	 * so cpu2's is used; cpu1 (core 1) has no topology at all */
	xtest_write(root, "sys/devices/system/cpu/cpu0/topology/physical_package_id", "0\n");
	xtest_write(root, "sys/devices/system/cpu/cpu0/topology/core_id", "0\n");
	xtest_write(root, "sys/devices/system/cpu/cpu0/thermal_throttle/package_throttle_count", "30\n");
	xtest_write(root, "sys/devices/system/cpu/cpu2/topology/physical_package_id", "0\n");
	xtest_write(root, "sys/devices/system/cpu/cpu2/topology/core_id", "0\n");
	xtest_write(root, "sys/devices/system/cpu/cpu2/thermal_throttle/core_throttle_count", "7\n");
	xtest_write(root, "sys/devices/system/cpu/cpu2/thermal_throttle/package_throttle_count", "99\n");
	xtest_write(root, "sys/devices/system/cpu/cpu1/thermal_throttle/core_throttle_count", "5\n");
	xtest_write(root, "sys/devices/system/cpu/cpufreq/policy0", "");

	char proc[600], sys[600];
	snprintf(proc, sizeof proc, "%s/proc", root);
	snprintf(sys, sizeof sys, "%s/sys", root);
	char *o;
	int rc = xtest_collect(&cpu_collector, proc, sys, NULL, XTEST_HELP, &o);
	CHECK(xtest_rmtree(root) == 0);
	free(root);

	CHECK_INT(rc, 0);
	CHECK(xtest_has_line(o, "node_cpu_seconds_total{cpu=\"1\",mode=\"user\"} 2"));
	CHECK(xtest_has_line(o, "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 4"));
	CHECK(xtest_has_line(o, "node_cpu_isolated{cpu=\"1\"} 1"));
	CHECK(xtest_has_line(o, "node_cpu_core_throttles_total{core=\"0\",package=\"0\"} 7"));
	CHECK(xtest_has_line(o, "node_cpu_package_throttles_total{package=\"0\"} 30"));
	CHECK(strstr(o, "core=\"1\"") == NULL);
	free(o);
}
