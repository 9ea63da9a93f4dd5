/* conntrack: node_nf_conntrack_entries and _entries_limit from
 * /proc/sys/net/netfilter/nf_conntrack_{count,max}, and the per-CPU
 * counters of /proc/net/stat/nf_conntrack summed into
 * node_nf_conntrack_stat_*. */
#include <errno.h>
#include <string.h>

#include "../collector.h"
#include "../keptfile.h"
#include "../netcollectors.h"
#include "../netutil.h"

/* The summed columns of /proc/net/stat/nf_conntrack: column index and
 * metric suffix. */
static const struct {
	int col;
	const char *name, *help;
} ct_stats[] = {
	{ 2, "found", "Conntrack lookups that found an entry." },
	{ 4, "invalid", "Packets conntrack could not track." },
	{ 5, "ignore", "Packets that already had a conntrack entry attached." },
	{ 8, "insert", "Entries added to the conntrack table." },
	{ 9, "insert_failed", "Entries that could not be added (already present)." },
	{ 10, "drop", "Packets dropped because conntrack failed for them." },
	{ 11, "early_drop", "Entries dropped to make room when the table was full." },
	{ 16, "search_restart", "Table lookups restarted because the table was resized." },
};
#define CT_NSTATS (int)(sizeof ct_stats / sizeof ct_stats[0])
_Static_assert(sizeof ct_stats / sizeof ct_stats[0] == CONNTRACK_NSTATS, "CONNTRACK_NSTATS");

/* After the header, a line is 17 hexadecimal columns; other lines are
 * skipped (prometheus/procfs fails the file). sums follow ct_stats. */
int conntrack_parse_stat(char *text, double sums[CONNTRACK_NSTATS])
{
	for (int i = 0; i < CT_NSTATS; i++)
		sums[i] = 0;
	char *line = next_line(&text); /* header */
	if (!line)
		return 0;
	while ((line = next_line(&text)) != NULL) {
		char *f[18];
		if (split_fields(line, f, 18) != 17)
			continue;
		uint64_t v[17];
		int i;
		for (i = 0; i < 17; i++)
			if (netutil_parse_uint(f[i], 16, &v[i]) != 0)
				break;
		if (i < 17)
			continue;
		for (i = 0; i < CT_NSTATS; i++)
			sums[i] += (double)v[ct_stats[i].col];
	}
	return 0;
}

/* One number in a file, white space trimmed (node_exporter's
 * readUintFromFile). Returns 0 or -errno (-EINVAL if not a number). */
static int ct_read_uint(struct scrape *s, const char *rel, double *out)
{
	char *text = kept_read_arena(s, cpath(s, exporter_paths.procfs, "%s", rel));
	if (!text)
		return -errno;
	uint64_t v;
	if (netutil_parse_uint(netutil_trim(text), 10, &v) != 0)
		return -EINVAL;
	*out = (double)v;
	return 0;
}

static int conntrack_update(struct scrape *s)
{
	double v;
	int rc = ct_read_uint(s, "sys/net/netfilter/nf_conntrack_count", &v);
	if (rc < 0)
		return rc; /* -ENOENT: conntrack is not loaded */
	mset_gauge(s->ms, "node_nf_conntrack_entries", "Connections conntrack tracks now.", v,
		   NULL);
	rc = ct_read_uint(s, "sys/net/netfilter/nf_conntrack_max", &v);
	if (rc < 0)
		return rc;
	mset_gauge(s->ms, "node_nf_conntrack_entries_limit",
		   "Most connections the conntrack table can hold.", v, NULL);
	char *text = kept_read_arena(s, cpath(s, exporter_paths.procfs, "net/stat/nf_conntrack"));
	if (!text)
		return -errno;
	double sums[CT_NSTATS];
	conntrack_parse_stat(text, sums);
	for (int i = 0; i < CT_NSTATS; i++) {
		char name[64];
		strcpy(name, "node_nf_conntrack_stat_");
		strcat(name, ct_stats[i].name);
		mset_gauge(s->ms, name, ct_stats[i].help, sums[i], NULL);
	}
	return 0;
}

const struct collector conntrack_collector = { "conntrack", 1, conntrack_update, NULL, NULL };
