/* arp: node_arp_entries{device}, the neighbour entries per device in
 * /proc/net/arp. */
#include <errno.h>
#include <string.h>

#include "../collector.h"

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
	 * include pattern and not the exclude one); so does pharos. */
	struct dev_filter inc, exc;
	if (dev_filter_init(&inc, arp_include, NULL, "collector.arp.device-include") ||
	    dev_filter_init(&exc, NULL, arp_exclude, "collector.arp.device-exclude"))
		return -1;
	arp_filter = inc;
	arp_filter.has_exclude = exc.has_exclude;
	arp_filter.exclude = exc.exclude;
	return 0;
}

#define ARP_MAX_DEVICES 4096

struct arp_count {
	const char *device;
	double n;
};

/* Count the entries of /proc/net/arp text (modified in place) per device
 * (the last column), skipping the header line ("IP address ..."). As in
 * node_exporter, a line with fewer than six columns fails the file.
 * [out] out: up to max devices, in order of first appearance; device
 * names point into text. Returns the number of devices or -EINVAL. */
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
