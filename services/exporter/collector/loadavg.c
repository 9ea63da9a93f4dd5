/* loadavg: node_load1, node_load5, node_load15 from /proc/loadavg. */
#include <errno.h>
#include <stdio.h>

#include "../collector.h"
#include "../keptfile.h"

/* Parse the first three fields of /proc/loadavg. Returns 0 or -1. */
int loadavg_parse(const char *text, double out[3])
{
	char tail;
	if (sscanf(text, "%lf %lf %lf%c", &out[0], &out[1], &out[2], &tail) != 4 ||
	    (tail != ' ' && tail != '\n'))
		return -1;
	return 0;
}

static int loadavg_update(struct scrape *s)
{
	char line[256];
	int rc = kept_read_line(cpath(s, exporter_paths.procfs, "loadavg"), line, sizeof line);
	if (rc < 0)
		return rc;
	double v[3];
	if (loadavg_parse(line, v) != 0)
		return -EINVAL;
	mset_gauge(s->ms, "node_load1", "System load average over the last minute.", v[0], NULL);
	mset_gauge(s->ms, "node_load5", "System load average over the last 5 minutes.", v[1], NULL);
	mset_gauge(s->ms, "node_load15", "System load average over the last 15 minutes.", v[2], NULL);
	return 0;
}

const struct collector loadavg_collector = { "loadavg", 1, loadavg_update, NULL, NULL };
