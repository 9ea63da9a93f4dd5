/* cpu: per-CPU time from /proc/stat (node_cpu_seconds_total,
 * node_cpu_guest_seconds_total), isolated CPUs, thermal throttle counts
 * from sysfs and, with --collector.cpu.info, /proc/cpuinfo
 * (node_cpu_info, node_cpu_flag_info, node_cpu_bug_info).
 * Owner: helper h1.
 *
 * Like node_exporter 1.5, the reported CPU times never go backwards: a
 * reading below the last one reported keeps the last one, and an idle
 * time that drops by 3 s or more (a CPU was unplugged and came back)
 * starts that CPU afresh. This memory is the one piece of state kept
 * between scrapes; a mutex guards it. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collector.h"
#include "../keptfile.h"
#include "../cpuinfo.h"
#include "../procstat.h"
#include "../sysfs_cpu.h"

/* ---- flags (read-only once setup() has run) ---- */

static int cpu_guest = 1;
static int cpu_info;
static const char *cpu_flags_include = "";
static const char *cpu_bugs_include = "";
static struct dev_filter cpu_flags_filter, cpu_bugs_filter;

static struct flag cpu_flags[] = {
	{ "collector.cpu.guest", FLAG_BOOL, &cpu_guest,
	  "Export node_cpu_guest_seconds_total.", 0 },
	{ "collector.cpu.info", FLAG_BOOL, &cpu_info,
	  "Export node_cpu_info from /proc/cpuinfo.", 0 },
	{ "collector.cpu.info.flags-include", FLAG_STRING, &cpu_flags_include,
	  "Regular expression: export node_cpu_flag_info for the matching CPU flags (implies --collector.cpu.info).", 0 },
	{ "collector.cpu.info.bugs-include", FLAG_STRING, &cpu_bugs_include,
	  "Regular expression: export node_cpu_bug_info for the matching CPU bugs (implies --collector.cpu.info).", 0 },
	{ 0 },
};

static int cpu_setup(void)
{
	/* As in node_exporter, an include pattern switches the info on, and
	 * the patterns are not anchored. */
	if (*cpu_flags_include || *cpu_bugs_include)
		cpu_info = 1;
	if (dev_filter_init(&cpu_flags_filter, cpu_flags_include, NULL,
			    "collector.cpu.info.flags-include") != 0 ||
	    dev_filter_init(&cpu_bugs_filter, cpu_bugs_include, NULL,
			    "collector.cpu.info.bugs-include") != 0)
		return -1;
	return 0;
}

/* ---- /proc/stat: CPU times that never decrease ---- */

/* The last times reported per CPU (index = CPU number). */
struct cpu_seconds_cache {
	struct procstat_cpu *v; /* owned (malloc); n entries */
	size_t n;
};

/* Seconds of idle time a CPU may lose before it counts as replugged. */
#define CPU_JUMP_BACK_SECONDS 3.0

/* Fold a new reading of n CPUs into c; afterwards c->v holds what to
 * report. A different CPU count starts every CPU afresh. */
void cpu_cache_update(struct cpu_seconds_cache *c, const struct procstat_cpu *cur, size_t n)
{
	if (c->n != n) {
		free(c->v);
		c->v = n ? xcalloc(n, sizeof *c->v) : NULL;
		c->n = n;
	}
	for (size_t i = 0; i < n; i++) {
		struct procstat_cpu *old = &c->v[i];
		if (old->t[PROCSTAT_IDLE] - cur[i].t[PROCSTAT_IDLE] >= CPU_JUMP_BACK_SECONDS)
			memset(old, 0, sizeof *old);
		for (int m = 0; m < PROCSTAT_NMODES; m++)
			if (cur[i].t[m] >= old->t[m])
				old->t[m] = cur[i].t[m];
	}
}

static struct cpu_seconds_cache cpu_cache;
static pthread_mutex_t cpu_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const cpu_mode_names[PROCSTAT_NMODES] = {
	"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
	"guest", "guest_nice",
};

/* Add node_cpu_seconds_total (and node_cpu_guest_seconds_total when
 * guest is set) for n CPUs. */
void cpu_emit_seconds(struct scrape *s, const struct procstat_cpu *v, size_t n, int guest)
{
	struct mfamily *sec = mset_family(s->ms, "node_cpu_seconds_total",
					  "Seconds each CPU spent in each mode.", METRIC_COUNTER);
	struct mfamily *gst = guest ? mset_family(s->ms, "node_cpu_guest_seconds_total",
						  "Seconds each CPU spent running guests (VMs), "
						  "also counted in the user and nice modes.",
						  METRIC_COUNTER)
				    : NULL;
	static const char *const names[2] = { "cpu", "mode" };
	for (size_t i = 0; i < n; i++) {
		char num[24];
		snprintf(num, sizeof num, "%zu", i);
		const char *vals[2] = { num, NULL };
		for (int m = PROCSTAT_USER; m <= PROCSTAT_STEAL; m++) {
			vals[1] = cpu_mode_names[m];
			mset_add(s->ms, sec, v[i].t[m], 2, names, vals);
		}
		if (!gst)
			continue;
		vals[1] = "user";
		mset_add(s->ms, gst, v[i].t[PROCSTAT_GUEST], 2, names, vals);
		vals[1] = "nice";
		mset_add(s->ms, gst, v[i].t[PROCSTAT_GUEST_NICE], 2, names, vals);
	}
}

static int cpu_update_stat(struct scrape *s)
{
	const struct procstat *st;
	int rc = procstat_read(s, &st);
	if (rc < 0)
		return rc;
	struct procstat_cpu *v = arena_alloc(s->arena, (st->ncpu ? st->ncpu : 1) * sizeof *v);
	pthread_mutex_lock(&cpu_cache_lock);
	cpu_cache_update(&cpu_cache, st->cpu, st->ncpu);
	if (st->ncpu)
		memcpy(v, cpu_cache.v, st->ncpu * sizeof *v);
	pthread_mutex_unlock(&cpu_cache_lock);
	cpu_emit_seconds(s, v, st->ncpu, cpu_guest);
	return 0;
}

/* ---- /proc/cpuinfo ---- */

static int cpu_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* One <family>{<label>="word"} 1 per whitespace-separated word of list
 * (modified in place) that f lets through. */
static void cpu_emit_words(struct scrape *s, char *list, const struct dev_filter *f,
			   const char *family, const char *help, const char *label)
{
	struct mfamily *fam = mset_family(s->ms, family, help, METRIC_GAUGE);
	char *p = list;
	for (;;) {
		while (*p && cpu_blank(*p))
			p++;
		if (!*p)
			break;
		const char *word = p;
		while (*p && !cpu_blank(*p))
			p++;
		if (*p)
			*p++ = 0;
		if (!dev_filter_ignored(f, word))
			mset_add(s->ms, fam, 1, 1, &label, &word);
	}
}

/* Add node_cpu_info for each CPU and, if the filters are set (has_include),
 * node_cpu_flag_info / node_cpu_bug_info for the first CPU's words. */
void cpu_emit_info(struct scrape *s, struct cpuinfo_cpu *cpus, int n,
		   const struct dev_filter *flags, const struct dev_filter *bugs)
{
	struct mfamily *fam = mset_family(s->ms, "node_cpu_info",
					  "Identity of each CPU as /proc/cpuinfo gives it; the value is 1.",
					  METRIC_GAUGE);
	static const char *const names[10] = { "package", "core", "cpu", "vendor", "family",
					       "model", "model_name", "microcode", "stepping",
					       "cachesize" };
	for (int i = 0; i < n; i++) {
		const struct cpuinfo_cpu *c = &cpus[i];
		char num[16];
		snprintf(num, sizeof num, "%u", c->processor);
		const char *vals[10] = { c->physical_id, c->core_id, num, c->vendor, c->family,
					 c->model, c->model_name, c->microcode, c->stepping,
					 c->cache_size };
		mset_add(s->ms, fam, 1, 10, names, vals);
	}
	if (n == 0)
		return;
	if (flags->has_include)
		cpu_emit_words(s, cpus[0].flags, flags, "node_cpu_flag_info",
			       "CPU flags of the first CPU in /proc/cpuinfo that the include pattern selects; the value is 1.",
			       "flag");
	if (bugs->has_include)
		cpu_emit_words(s, cpus[0].bugs, bugs, "node_cpu_bug_info",
			       "CPU bugs of the first CPU in /proc/cpuinfo that the include pattern selects; the value is 1.",
			       "bug");
}

static int cpu_update_info(struct scrape *s)
{
	char *text = kept_read_arena(s, cpath(s, exporter_paths.procfs, "cpuinfo"));
	if (!text)
		return -errno;
	struct cpuinfo_cpu *cpus;
	int n = cpuinfo_parse(s->arena, text, &cpus);
	if (n == -2)
		return -ENOTSUP;
	if (n < 0)
		return -EINVAL;
	cpu_emit_info(s, cpus, n, &cpu_flags_filter, &cpu_bugs_filter);
	return 0;
}

/* ---- /sys/devices/system/cpu/isolated ---- */

/* Most CPUs an isolated list may name (CPU numbers are 16-bit here, as
 * in procfs). */
#define CPU_MAX_ISOLATED 65536

/* Go's strconv.Atoi on a decimal int: optional sign, digits only. */
static int parse_int(const char *s, long *out)
{
	int neg = 0;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (!*s)
		return -1;
	long v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = neg ? -v : v;
	return 0;
}

/* Parse a CPU list such as "1,3-5,9\n" (modified in place).
 * [out] cpus: arena-owned array of CPU numbers. Returns the count, or -1
 * if an item does not parse or the list names too many CPUs. */
int cpu_isolated_parse(struct arena *a, char *text, uint16_t **cpus)
{
	size_t l = strlen(text);
	while (l && text[l - 1] == '\n')
		text[--l] = 0;
	/* First pass: validate and count; second: fill. */
	size_t total = 0;
	uint16_t *out = NULL;
	for (int pass = 0; pass < 2; pass++) {
		size_t k = 0;
		const char *p = text;
		while (1) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			if (len > 0) {
				char item[64];
				if (len >= sizeof item)
					return -1;
				memcpy(item, p, len);
				item[len] = 0;
				long lo, hi;
				char *dash = strchr(item, '-');
				if (dash) {
					*dash = 0;
					if (strchr(dash + 1, '-') || parse_int(item, &lo) != 0 ||
					    parse_int(dash + 1, &hi) != 0)
						return -1;
				} else {
					if (parse_int(item, &lo) != 0)
						return -1;
					hi = lo;
				}
				if (hi >= lo && hi - lo >= CPU_MAX_ISOLATED)
					return -1;
				for (long c = lo; c <= hi; c++) {
					if (k >= CPU_MAX_ISOLATED)
						return -1;
					if (out)
						out[k] = (uint16_t)c;
					k++;
				}
			}
			if (!comma)
				break;
			p = comma + 1;
		}
		total = k;
		if (pass == 0)
			out = arena_alloc(a, (total ? total : 1) * sizeof *out);
	}
	*cpus = out;
	return (int)total;
}

static int cpu_update_isolated(struct scrape *s)
{
	char *text = kept_read_arena(s, cpath(s, exporter_paths.sysfs, "devices/system/cpu/isolated"));
	if (!text)
		return errno == ENOENT ? 0 : -errno;
	uint16_t *cpus;
	int n = cpu_isolated_parse(s->arena, text, &cpus);
	if (n < 0)
		return -EINVAL;
	struct mfamily *fam = mset_family(s->ms, "node_cpu_isolated",
					  "1 for each CPU isolated from the scheduler "
					  "(/sys/devices/system/cpu/isolated).",
					  METRIC_GAUGE);
	const char *name = "cpu";
	for (int i = 0; i < n; i++) {
		char num[8];
		snprintf(num, sizeof num, "%u", (unsigned)cpus[i]);
		const char *val = num;
		mset_add(s->ms, fam, 1, 1, &name, &val);
	}
	return 0;
}

/* ---- thermal throttles ---- */

struct cpu_topo {
	uint64_t package, core;
	int order; /* position in the sorted directory listing */
	const char *dir;
};

static int by_package_core(const void *a, const void *b)
{
	const struct cpu_topo *x = a, *y = b;
	if (x->package != y->package)
		return x->package < y->package ? -1 : 1;
	if (x->core != y->core)
		return x->core < y->core ? -1 : 1;
	return x->order - y->order;
}

static int by_package(const void *a, const void *b)
{
	const struct cpu_topo *x = a, *y = b;
	if (x->package != y->package)
		return x->package < y->package ? -1 : 1;
	return x->order - y->order;
}

/* node_cpu_core_throttles_total per (package, core) and
 * node_cpu_package_throttles_total per package. A core or package takes
 * its count from the first of its CPUs (in listing order) that has one;
 * CPUs without topology are left out. */
static void cpu_update_throttles(struct scrape *s)
{
	char **dirs;
	int n = sysfs_cpu_list(s, &dirs);
	struct cpu_topo *t = arena_alloc(s->arena, (n ? (size_t)n : 1) * sizeof *t);
	int k = 0;
	for (int i = 0; i < n; i++) {
		const char *d = cpath(s, exporter_paths.sysfs, "devices/system/cpu/%s", dirs[i]);
		if (kept_read_u64(cpath(s, d, "topology/physical_package_id"), &t[k].package) != 0 ||
		    kept_read_u64(cpath(s, d, "topology/core_id"), &t[k].core) != 0)
			continue;
		t[k].order = i;
		t[k].dir = d;
		k++;
	}

	struct mfamily *core_fam = mset_family(s->ms, "node_cpu_core_throttles_total",
					       "Times a CPU core was throttled for heat.", METRIC_COUNTER);
	struct mfamily *pkg_fam = mset_family(s->ms, "node_cpu_package_throttles_total",
					      "Times a CPU package was throttled for heat.", METRIC_COUNTER);
	static const char *const names[2] = { "package", "core" };
	qsort(t, (size_t)k, sizeof *t, by_package_core);
	for (int i = 0; i < k;) {
		int j = i;
		uint64_t v;
		int found = 0;
		for (; j < k && t[j].package == t[i].package && t[j].core == t[i].core; j++)
			if (!found && kept_read_u64(cpath(s, t[j].dir, "thermal_throttle/core_throttle_count"), &v) == 0)
				found = 1;
		if (found) {
			char pkg[24], core[24];
			snprintf(pkg, sizeof pkg, "%" PRIu64, t[i].package);
			snprintf(core, sizeof core, "%" PRIu64, t[i].core);
			const char *vals[2] = { pkg, core };
			mset_add(s->ms, core_fam, (double)v, 2, names, vals);
		}
		i = j;
	}
	qsort(t, (size_t)k, sizeof *t, by_package);
	for (int i = 0; i < k;) {
		int j = i;
		uint64_t v;
		int found = 0;
		for (; j < k && t[j].package == t[i].package; j++)
			if (!found && kept_read_u64(cpath(s, t[j].dir, "thermal_throttle/package_throttle_count"), &v) == 0)
				found = 1;
		if (found) {
			char pkg[24];
			snprintf(pkg, sizeof pkg, "%" PRIu64, t[i].package);
			const char *val = pkg;
			mset_add(s->ms, pkg_fam, (double)v, 1, names, &val);
		}
		i = j;
	}
}

static int cpu_update(struct scrape *s)
{
	int rc;
	if (cpu_info && (rc = cpu_update_info(s)) < 0)
		return rc;
	if ((rc = cpu_update_stat(s)) < 0)
		return rc;
	rc = cpu_update_isolated(s);
	cpu_update_throttles(s);
	return rc;
}

const struct collector cpu_collector = { "cpu", 1, cpu_update, cpu_flags, cpu_setup };
