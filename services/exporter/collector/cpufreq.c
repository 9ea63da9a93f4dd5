/* cpufreq: CPU frequencies from /sys/devices/system/cpu/cpuN/cpufreq
 * (node_cpu_frequency_*_hertz, node_cpu_scaling_frequency_*_hertz).
 * Owner: helper h1.
 *
 * As in node_exporter 1.5 (procfs v0.8.0): a CPU without a cpufreq
 * directory is skipped; a frequency file that is missing or not readable
 * by us leaves that one metric out; any other error - a number that does
 * not parse, or one of the text files (governors, driver, ...) missing -
 * fails the whole collector and nothing is reported. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "../collector.h"
#include "../keptfile.h"
#include "../sysfs_cpu.h"

/* The kHz files, in the order of the families below. */
enum { CPUFREQ_NFILES = 6 };
static const char *const cpufreq_files[CPUFREQ_NFILES] = {
	"cpuinfo_cur_freq", "cpuinfo_min_freq", "cpuinfo_max_freq",
	"scaling_cur_freq", "scaling_min_freq", "scaling_max_freq",
};
static const char *const cpufreq_families[CPUFREQ_NFILES][2] = {
	{ "node_cpu_frequency_hertz", "Current frequency of the CPU as the hardware reports it, in hertz." },
	{ "node_cpu_frequency_min_hertz", "Lowest frequency the CPU hardware supports, in hertz." },
	{ "node_cpu_frequency_max_hertz", "Highest frequency the CPU hardware supports, in hertz." },
	{ "node_cpu_scaling_frequency_hertz", "Current frequency of the CPU as cpufreq scaling sees it, in hertz." },
	{ "node_cpu_scaling_frequency_min_hertz", "Lowest frequency cpufreq scaling may choose for the CPU, in hertz." },
	{ "node_cpu_scaling_frequency_max_hertz", "Highest frequency cpufreq scaling may choose for the CPU, in hertz." },
};

/* Files procfs reads as text; they must be readable or the whole
 * collector fails (their contents are not reported). cpuinfo_transition_latency
 * is read as a number and must parse if present. */
static const char *const cpufreq_text_files[] = {
	"scaling_available_governors", "scaling_driver", "scaling_governor",
	"related_cpus", "scaling_setspeed",
};

struct cpufreq_cpu {
	const char *name; /* "0" for cpu0 */
	int has[CPUFREQ_NFILES];
	double khz[CPUFREQ_NFILES];
};

/* Read one kHz file: 1 if present, 0 if missing/not permitted,
 * negative errno otherwise. */
static int cpufreq_read(struct scrape *s, const char *dir, const char *file, double *khz)
{
	uint64_t v;
	int rc = kept_read_u64(cpath(s, dir, "%s", file), &v);
	if (rc == -ENOENT || rc == -EACCES || rc == -EPERM)
		return 0;
	if (rc < 0)
		return rc;
	*khz = (double)v;
	return 1;
}

/* Read the cpufreq directory dir of CPU name into *c. Returns 0 or a
 * negative errno that fails the collector. */
static int cpufreq_read_cpu(struct scrape *s, const char *dir, struct cpufreq_cpu *c)
{
	double unused;
	int rc = cpufreq_read(s, dir, "cpuinfo_transition_latency", &unused);
	if (rc < 0)
		return rc;
	for (int f = 0; f < CPUFREQ_NFILES; f++) {
		rc = cpufreq_read(s, dir, cpufreq_files[f], &c->khz[f]);
		if (rc < 0)
			return rc;
		c->has[f] = rc;
	}
	for (size_t f = 0; f < sizeof cpufreq_text_files / sizeof *cpufreq_text_files; f++) {
		char line[128];
		rc = kept_read_line(cpath(s, dir, "%s", cpufreq_text_files[f]), line, sizeof line);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Add the families for n CPUs read earlier. */
void cpufreq_emit(struct scrape *s, const struct cpufreq_cpu *cpus, int n)
{
	const char *label = "cpu";
	for (int f = 0; f < CPUFREQ_NFILES; f++) {
		struct mfamily *fam = mset_family(s->ms, cpufreq_families[f][0],
						  cpufreq_families[f][1], METRIC_GAUGE);
		for (int i = 0; i < n; i++)
			if (cpus[i].has[f])
				mset_add(s->ms, fam, cpus[i].khz[f] * 1000.0, 1, &label, &cpus[i].name);
	}
}

static int cpufreq_update(struct scrape *s)
{
	char **dirs;
	int n = sysfs_cpu_list(s, &dirs);
	struct cpufreq_cpu *cpus = arena_alloc(s->arena, (n ? (size_t)n : 1) * sizeof *cpus);
	int k = 0;
	for (int i = 0; i < n; i++) {
		const char *dir = cpath(s, exporter_paths.sysfs, "devices/system/cpu/%s/cpufreq", dirs[i]);
		struct stat st;
		if (stat(dir, &st) != 0) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		memset(&cpus[k], 0, sizeof cpus[k]);
		cpus[k].name = dirs[i] + 3;
		int rc = cpufreq_read_cpu(s, dir, &cpus[k]);
		if (rc < 0)
			return rc;
		k++;
	}
	cpufreq_emit(s, cpus, k);
	return 0;
}

const struct collector cpufreq_collector = { "cpufreq", 1, cpufreq_update, NULL, NULL };
