/* pressure: pressure stall information from /proc/pressure/{cpu,io,memory}
 * (node_pressure_*). Owner: helper h1.
 *
 * Each file has a "some" line (time at least one task was stalled) and,
 * for io and memory, a "full" line (time all non-idle tasks were):
 *   some avg10=0.00 avg60=0.00 avg300=0.00 total=14036781
 * The totals are microseconds. As in node_exporter 1.5 the resources are
 * read in the order cpu, io, memory and the first one that is missing
 * (kernel without PSI) or disabled stops the collector, which then
 * reports failure; what was read before stays. A malformed some/full line
 * fails the collector; other lines are ignored. */
#include <errno.h>
#include <string.h>

#include "../collector.h"
#include "../keptfile.h"

/* The totals of one file, in microseconds. */
struct pressure_stats {
	int has_some, has_full;
	uint64_t some_total, full_total;
};

/* One "avg10=... avg60=... avg300=... total=N" tail. */
static int pressure_line(char **f, int n, uint64_t *total)
{
	static const char *const keys[4] = { "avg10=", "avg60=", "avg300=", "total=" };
	if (n < 5)
		return -1;
	for (int i = 0; i < 4; i++) {
		size_t kl = strlen(keys[i]);
		if (strncmp(f[i + 1], keys[i], kl) != 0)
			return -1;
		double avg;
		if (i < 3 && parse_double(f[i + 1] + kl, &avg) != 0)
			return -1;
		if (i == 3 && parse_u64(f[i + 1] + kl, total) != 0)
			return -1;
	}
	return 0;
}

/* Parse the text of one /proc/pressure file (modified in place).
 * Returns 0, or -1 if a some/full line is malformed. */
int pressure_parse(char *text, struct pressure_stats *out)
{
	memset(out, 0, sizeof *out);
	char *line;
	while ((line = next_line(&text)) != NULL) {
		char *f[6];
		int n = split_fields(line, f, 6);
		if (n == 0)
			continue;
		if (!strcmp(f[0], "some")) {
			if (pressure_line(f, n, &out->some_total) != 0)
				return -1;
			out->has_some = 1;
		} else if (!strcmp(f[0], "full")) {
			if (pressure_line(f, n, &out->full_total) != 0)
				return -1;
			out->has_full = 1;
		}
	}
	return 0;
}

/* Microseconds to seconds the way node_exporter computes it (two
 * divisions, which can differ from one in the last bit). */
static double pressure_seconds(uint64_t us)
{
	return (double)us / 1000.0 / 1000.0;
}

static void pressure_add(struct scrape *s, int present, uint64_t us, const char *name,
			 const char *help)
{
	if (present)
		mset_counter(s->ms, name, help, pressure_seconds(us), NULL);
}

/* Add the families of one resource ("cpu", "io" or "memory"). */
void pressure_emit(struct scrape *s, const char *res, const struct pressure_stats *p)
{
	if (!strcmp(res, "cpu")) {
		pressure_add(s, p->has_some, p->some_total, "node_pressure_cpu_waiting_seconds_total",
			     "Seconds in which at least one task waited for a CPU.");
	} else if (!strcmp(res, "io")) {
		pressure_add(s, p->has_some, p->some_total, "node_pressure_io_waiting_seconds_total",
			     "Seconds in which at least one task waited for I/O.");
		pressure_add(s, p->has_full, p->full_total, "node_pressure_io_stalled_seconds_total",
			     "Seconds in which every non-idle task waited for I/O.");
	} else if (!strcmp(res, "memory")) {
		pressure_add(s, p->has_some, p->some_total, "node_pressure_memory_waiting_seconds_total",
			     "Seconds in which at least one task waited for memory.");
		pressure_add(s, p->has_full, p->full_total, "node_pressure_memory_stalled_seconds_total",
			     "Seconds in which every non-idle task waited for memory.");
	}
}

static int pressure_update(struct scrape *s)
{
	static const char *const res[3] = { "cpu", "io", "memory" };
	for (int i = 0; i < 3; i++) {
		char *text = kept_read_arena(s, cpath(s, exporter_paths.procfs, "pressure/%s", res[i]));
		if (!text)
			return -errno; /* ENOENT / EOPNOTSUPP: no PSI here */
		struct pressure_stats p;
		if (pressure_parse(text, &p) != 0)
			return -EINVAL;
		pressure_emit(s, res[i], &p);
	}
	return 0;
}

const struct collector pressure_collector = { "pressure", 1, pressure_update, NULL, NULL };
