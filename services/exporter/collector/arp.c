/* arp: node_arp_entries{device}, the neighbour entries per device in
 * /proc/net/arp. */
#include <errno.h>
#include <string.h>

#include "../collector.h"
#include "../netcollectors.h"

static const char *arp_include = "", *arp_exclude = "";
static struct dev_filter arp_filter;

static struct flag arp_flags[] = {
	{ "collector.arp.device-include", FLAG_STRING, &arp_include,
	  "Regexp of devices whose ARP entries are counted (not with device-exclude).", 0 },
	{ "collector.arp.device-exclude", FLAG_STRING, &arp_exclude,
	  "Regexp of devices whose ARP entries are not counted (not with device-include).", 0 },
	{ 0 },
};

static int arp_setup(void)
{
	/* node_exporter 1.5 accepts both at once (a device must match the
	 * include pattern and not the exclude one); so does pharos. The
	 * exclude pattern is checked alone first so that an error names the
	 * right flag. */
	static struct dev_filter exclude_alone;
	if (*arp_exclude && dev_filter_init(&exclude_alone, NULL, arp_exclude,
					    "collector.arp.device-exclude"))
		return -1;
	return dev_filter_init(&arp_filter, arp_include, arp_exclude,
			       "collector.arp.device-include");
}

#define ARP_MAX_DEVICES 4096

/* The device is the last column; the header line starts with "IP". As in
 * node_exporter, a line with fewer than six columns fails the file.
 * Devices come out in order of first appearance. */
int arp_parse(char *text, struct arp_count *out, int max)
{
	int n = 0;
	char *line;
	while ((line = next_line(&text)) != NULL) {
		char *first = NULL, *last = NULL;
		int nc = 0;
		for (char *p = line; *p;) {
			while (*p == ' ' || *p == '\t' || *p == '\r')
				p++;
			if (!*p)
				break;
			if (!first)
				first = p;
			last = p;
			nc++;
			while (*p && *p != ' ' && *p != '\t' && *p != '\r')
				p++;
			if (*p)
				*p++ = 0;
		}
		if (nc < 6)
			return -EINVAL;
		if (!strcmp(first, "IP"))
			continue;
		int i;
		for (i = 0; i < n; i++)
			if (!strcmp(out[i].device, last))
				break;
		if (i == n) {
			if (n == max)
				continue;
			out[n++] = (struct arp_count){ last, 0 };
		}
		out[i].n++;
	}
	return n;
}

static int arp_update(struct scrape *s)
{
	char *text = read_file_arena(s, cpath(s, exporter_paths.procfs, "net/arp"));
	if (!text)
		return -errno;
	struct arp_count *c = arena_alloc(s->arena, ARP_MAX_DEVICES * sizeof *c);
	int n = arp_parse(text, c, ARP_MAX_DEVICES);
	if (n < 0)
		return n;
	const char *ln = "device";
	for (int i = 0; i < n; i++) {
		if (dev_filter_ignored(&arp_filter, c[i].device))
			continue;
		struct mfamily *fam = mset_family(s->ms, "node_arp_entries",
						  "Entries in the ARP table, per device.",
						  METRIC_GAUGE);
		mset_add(s->ms, fam, c[i].n, 1, &ln, &c[i].device);
	}
	return 0;
}

const struct collector arp_collector = { "arp", 1, arp_update, arp_flags, arp_setup };
