/* stat: kernel counters from /proc/stat - interrupts, context switches,
 * forks, boot time, running/blocked processes and (with
 * --collector.stat.softirq) softirqs per vector. Owner: helper h1. */
#include <errno.h>

#include "../collector.h"
#include "../keptfile.h"
#include "../procstat.h"

static int stat_softirq;

static struct flag stat_flags[] = {
	{ "collector.stat.softirq", FLAG_BOOL, &stat_softirq,
	  "Also export node_softirqs_total, softirqs per vector.", 0 },
	{ 0 },
};

/* Add the families of one parsed /proc/stat. Lines missing from the
 * file are reported as 0, as node_exporter does. */
void stat_emit(struct scrape *s, const struct procstat *st, int softirq)
{
	struct mset *ms = s->ms;
	mset_counter(ms, "node_intr_total", "Interrupts serviced since boot, all sources together.",
		     (double)st->intr, NULL);
	mset_counter(ms, "node_context_switches_total", "Context switches since boot.",
		     (double)st->ctxt, NULL);
	mset_counter(ms, "node_forks_total", "Processes and threads created since boot.",
		     (double)st->processes, NULL);
	mset_gauge(ms, "node_boot_time_seconds", "When the system booted, in seconds since the Unix epoch.",
		   (double)st->boot_time, NULL);
	mset_gauge(ms, "node_procs_running", "Processes currently runnable.",
		   (double)st->procs_running, NULL);
	mset_gauge(ms, "node_procs_blocked", "Processes currently blocked on I/O.",
		   (double)st->procs_blocked, NULL);
	if (!softirq)
		return;
	struct mfamily *f = mset_family(ms, "node_softirqs_total",
					"Softirqs raised since boot, by vector.", METRIC_COUNTER);
	const char *name = "vector";
	for (int i = 0; i < PROCSTAT_NSOFTIRQ; i++)
		mset_add(ms, f, (double)st->softirq[i], 1, &name, &procstat_softirq_names[i]);
}

static int stat_update(struct scrape *s)
{
	const struct procstat *st;
	int rc = procstat_read(s, &st);
	if (rc < 0)
		return rc;
	stat_emit(s, st, stat_softirq);
	return 0;
}

const struct collector stat_collector = { "stat", 1, stat_update, stat_flags, NULL };
