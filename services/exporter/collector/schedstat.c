/* schedstat: per-CPU scheduler statistics from /proc/schedstat
 * (node_schedstat_*). Owner: helper h1.
 *
 * A CPU line is "cpuN" and nine numbers separated by single spaces
 * (procfs matches `cpu(\d+) (\d+) ... (\d+)` anywhere in the line); the
 * 7th, 8th and 9th numbers are nanoseconds running, nanoseconds waiting
 * and timeslices. Other lines, and lines whose numbers overflow, are
 * skipped. A missing file fails the collector (no data). */
#include <errno.h>
#include <string.h>

#include "../collector.h"
#include "../keptfile.h"

/* Digits at p: their count, 0 if none. */
static size_t schedstat_digits(const char *p)
{
	size_t n = 0;
	while (p[n] >= '0' && p[n] <= '9')
		n++;
	return n;
}

/* Match the CPU pattern at p. On success *cpu / *cpulen delimit the CPU
 * number and num[0..8] point at the nine numbers (each ended by a non-digit). */
static int schedstat_match(const char *p, const char **cpu, size_t *cpulen, const char *num[9])
{
	if (strncmp(p, "cpu", 3) != 0)
		return -1;
	p += 3;
	size_t d = schedstat_digits(p);
	if (!d)
		return -1;
	*cpu = p;
	*cpulen = d;
	p += d;
	for (int i = 0; i < 9; i++) {
		if (*p != ' ')
			return -1;
		p++;
		d = schedstat_digits(p);
		if (!d)
			return -1;
		num[i] = p;
		p += d;
	}
	return 0;
}

/* A run of decimal digits as uint64; -1 on overflow. */
static int schedstat_u64(const char *p, uint64_t *out)
{
	uint64_t v = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned dgt = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - dgt) / 10)
			return -1;
		v = v * 10 + dgt;
	}
	*out = v;
	return 0;
}

/* Add the families for /proc/schedstat text (modified in place).
 * Returns the number of CPUs reported. */
int schedstat_parse(struct scrape *s, char *text)
{
	struct mfamily *run = mset_family(s->ms, "node_schedstat_running_seconds_total",
					  "Seconds each CPU spent running tasks.", METRIC_COUNTER);
	struct mfamily *wait = mset_family(s->ms, "node_schedstat_waiting_seconds_total",
					   "Seconds tasks spent waiting to run on each CPU.",
					   METRIC_COUNTER);
	struct mfamily *slices = mset_family(s->ms, "node_schedstat_timeslices_total",
					     "Timeslices each CPU has run.", METRIC_COUNTER);
	const char *label = "cpu";
	int cpus = 0;
	char *line;
	while ((line = next_line(&text)) != NULL) {
		const char *cpu = NULL, *num[9];
		size_t cpulen = 0;
		int found = 0;
		for (const char *p = line; (p = strstr(p, "cpu")) != NULL; p++)
			if (schedstat_match(p, &cpu, &cpulen, num) == 0) {
				found = 1;
				break;
			}
		uint64_t ns_run, ns_wait, n_slices;
		if (!found || schedstat_u64(num[6], &ns_run) != 0 ||
		    schedstat_u64(num[7], &ns_wait) != 0 || schedstat_u64(num[8], &n_slices) != 0)
			continue;
		char name[32];
		if (cpulen >= sizeof name)
			continue;
		memcpy(name, cpu, cpulen);
		name[cpulen] = 0;
		const char *val = name;
		mset_add(s->ms, run, (double)ns_run / 1e9, 1, &label, &val);
		mset_add(s->ms, wait, (double)ns_wait / 1e9, 1, &label, &val);
		mset_add(s->ms, slices, (double)n_slices, 1, &label, &val);
		cpus++;
	}
	return cpus;
}

static int schedstat_update(struct scrape *s)
{
	char *text = kept_read_arena(s, cpath(s, exporter_paths.procfs, "schedstat"));
	if (!text)
		return -errno;
	schedstat_parse(s, text);
	return 0;
}

const struct collector schedstat_collector = { "schedstat", 1, schedstat_update, NULL, NULL };
