/* procstat.c - parse /proc/stat (see procstat.h). Owner: helper h1. */
#include "procstat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "keptfile.h"

const char *const procstat_softirq_names[PROCSTAT_NSOFTIRQ] = {
	"hi", "timer", "net_tx", "net_rx", "block",
	"block_iopoll", "tasklet", "sched", "hrtimer", "rcu",
};

/* One "cpuN" line as parsed, before the lines are placed by number. */
struct procstat_line {
	long id;
	struct procstat_cpu c;
};

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Upper bound of the "cpu..." lines, so one arena array holds them. */
static size_t count_cpu_lines(const char *p)
{
	size_t n = 0;
	while (*p) {
		if (!strncmp(skip_blanks(p), "cpu", 3))
			n++;
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}

/* "cpu" -> -1, "cpuN" -> N, anything else (or N too large) -> -2. */
static long cpu_number(const char *name)
{
	const char *d = name + 3;
	if (!*d)
		return -1;
	long id = 0;
	for (; *d; d++) {
		if (*d < '0' || *d > '9')
			return -2;
		id = id * 10 + (*d - '0');
		if (id >= PROCSTAT_MAX_CPUS)
			return -2;
	}
	return id;
}

/* The time columns of a cpu line: f[1..n-1], at most PROCSTAT_NMODES of
 * them; older kernels print fewer and the rest stay zero. */
static int parse_cpu_times(char **f, int n, struct procstat_cpu *c)
{
	memset(c, 0, sizeof *c);
	for (int i = 1; i < n && i <= PROCSTAT_NMODES; i++) {
		double v;
		if (parse_double(f[i], &v) != 0)
			return -1;
		c->t[i - 1] = v / PROCSTAT_USER_HZ;
	}
	return 0;
}

void procstat_parse(struct arena *a, char *text, struct procstat *out)
{
	memset(out, 0, sizeof *out);
	size_t cap = count_cpu_lines(text), nlines = 0;
	struct procstat_line *lines = cap ? arena_alloc(a, cap * sizeof *lines) : NULL;
	long max_id = -1;

	char *line;
	while ((line = next_line(&text)) != NULL) {
		char *f[PROCSTAT_NSOFTIRQ + 2];
		int n = split_fields(line, f, PROCSTAT_NSOFTIRQ + 2);
		if (n < 2)
			continue;
		uint64_t v;
		uint64_t *dst = NULL;
		if (!strcmp(f[0], "btime"))
			dst = &out->boot_time;
		else if (!strcmp(f[0], "intr"))
			dst = &out->intr;
		else if (!strcmp(f[0], "ctxt"))
			dst = &out->ctxt;
		else if (!strcmp(f[0], "processes"))
			dst = &out->processes;
		else if (!strcmp(f[0], "procs_running"))
			dst = &out->procs_running;
		else if (!strcmp(f[0], "procs_blocked"))
			dst = &out->procs_blocked;
		if (dst) {
			if (parse_u64(f[1], &v) == 0)
				*dst = v;
			continue;
		}
		if (!strcmp(f[0], "softirq")) {
			/* The total and all ten vectors, or nothing. */
			uint64_t s[PROCSTAT_NSOFTIRQ + 1];
			if (n < PROCSTAT_NSOFTIRQ + 2)
				continue;
			int ok = 1;
			for (int i = 0; i <= PROCSTAT_NSOFTIRQ && ok; i++)
				ok = parse_u64(f[i + 1], &s[i]) == 0;
			if (!ok)
				continue;
			out->softirq_total = s[0];
			memcpy(out->softirq, s + 1, sizeof out->softirq);
			continue;
		}
		if (strncmp(f[0], "cpu", 3) != 0)
			continue;
		long id = cpu_number(f[0]);
		struct procstat_cpu c;
		if (id == -2 || parse_cpu_times(f, n, &c) != 0)
			continue;
		if (id == -1) {
			out->total = c;
		} else if (nlines < cap) {
			lines[nlines++] = (struct procstat_line){ id, c };
			if (id > max_id)
				max_id = id;
		}
	}
	if (max_id < 0)
		return;
	out->ncpu = (size_t)max_id + 1;
	out->cpu = arena_alloc(a, out->ncpu * sizeof *out->cpu);
	memset(out->cpu, 0, out->ncpu * sizeof *out->cpu);
	/* A number seen twice keeps its last line, as procfs does. */
	for (size_t i = 0; i < nlines; i++)
		out->cpu[lines[i].id] = lines[i].c;
}

/* This thread's reading for its current scrape. */
static _Thread_local struct {
	unsigned long scrape;
	struct arena *arena;
	int err;
	struct procstat *st;
} procstat_memo;

int procstat_read(struct scrape *s, const struct procstat **out)
{
	unsigned long cur = scrape_current();
	if (cur && procstat_memo.scrape == cur && procstat_memo.arena == s->arena) {
		*out = procstat_memo.st;
		return procstat_memo.err;
	}
	struct procstat *st = NULL;
	int err = 0;
	char *text = kept_read_arena(s, cpath(s, exporter_paths.procfs, "stat"));
	if (!text) {
		err = -errno;
	} else {
		st = arena_alloc(s->arena, sizeof *st);
		procstat_parse(s->arena, text, st);
	}
	if (cur) {
		procstat_memo.scrape = cur;
		procstat_memo.arena = s->arena;
		procstat_memo.err = err;
		procstat_memo.st = st;
	}
	*out = st;
	return err;
}
