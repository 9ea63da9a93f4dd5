/* arp: node_arp_entries{device}, the neighbour entries per device in
 * /proc/net/arp. */
#include <errno.h>
#include <string.h>

#include "../collector.h"
#include "../keptfile.h"
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

static size_t arp_hash(const char *s)
{
	size_t h = 5381;
	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

/* The device is the last column; the header line starts with "IP". A
 * line with fewer than six columns is skipped (node_exporter fails the
 * file).
 * Devices come out in order of first appearance; a hash index (slots hold
 * index + 1, 0 is free) finds them, both growing in the arena. */
int arp_parse(struct scrape *s, char *text, struct arp_count **out)
{
	size_t n = 0, cap = 16, nslots = 32;
	struct arp_count *c = arena_alloc(s->arena, cap * sizeof *c);
	size_t *slot = arena_alloc(s->arena, nslots * sizeof *slot);
	memset(slot, 0, nslots * sizeof *slot);
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
		if (nc < 6 || !strcmp(first, "IP"))
			continue;
		size_t h = arp_hash(last) & (nslots - 1);
		while (slot[h] && strcmp(c[slot[h] - 1].device, last))
			h = (h + 1) & (nslots - 1);
		if (slot[h]) {
			c[slot[h] - 1].n++;
			continue;
		}
		if (n == cap) {
			struct arp_count *bigger = arena_alloc(s->arena, 2 * cap * sizeof *c);
			memcpy(bigger, c, n * sizeof *c);
			c = bigger;
			cap *= 2;
			nslots *= 2;
			slot = arena_alloc(s->arena, nslots * sizeof *slot);
			memset(slot, 0, nslots * sizeof *slot);
			for (size_t i = 0; i < n; i++) {
				size_t k = arp_hash(c[i].device) & (nslots - 1);
				while (slot[k])
					k = (k + 1) & (nslots - 1);
				slot[k] = i + 1;
			}
			h = arp_hash(last) & (nslots - 1);
			while (slot[h])
				h = (h + 1) & (nslots - 1);
		}
		c[n] = (struct arp_count){ last, 1 };
		slot[h] = ++n;
	}
	*out = c;
	return (int)n;
}

static int arp_update(struct scrape *s)
{
	char *text = kept_read_arena(s, cpath(s, exporter_paths.procfs, "net/arp"));
	if (!text)
		return -errno;
	struct arp_count *c;
	int n = arp_parse(s, text, &c);
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
