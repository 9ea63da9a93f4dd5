/* interrupts: per-CPU interrupt counts from /proc/interrupts
 * (node_interrupts_total{cpu,type,info,devices}). Off by default.
 * Owner: helper h1.
 *
 * The header line has one column per CPU. An interrupt line is "NAME:"
 * then one count per CPU, then a description. For numbered interrupts
 * the first word of the description is the controller/trigger ("info")
 * and the rest the devices; for named ones ("NMI", "LOC", ...) the whole
 * description is "info" and devices is empty. Descriptions are rejoined
 * with single spaces. Lines with fewer than CPUs + 2 columns (ERR, MIS)
 * are skipped; when a name repeats, the last line wins (node_exporter
 * keeps them in a map). A count that is not a number is left out and
 * the collector reports failure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collector.h"
#include "../keptfile.h"

static int intr_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

/* Count the whitespace-separated words of s. */
static size_t intr_count_words(const char *s)
{
	size_t n = 0;
	while (*s) {
		while (*s && intr_blank(*s))
			s++;
		if (!*s)
			break;
		n++;
		while (*s && !intr_blank(*s))
			s++;
	}
	return n;
}

/* Split off up to max words of *p (ending each with a NUL); *p moves past
 * them. Returns the count. */
static size_t intr_words(char **p, char **w, size_t max)
{
	size_t n = 0;
	char *s = *p;
	while (n < max) {
		while (*s && intr_blank(*s))
			s++;
		if (!*s)
			break;
		w[n++] = s;
		while (*s && !intr_blank(*s))
			s++;
		if (*s)
			*s++ = 0;
	}
	*p = s;
	return n;
}

/* The remaining words of s joined by single spaces, into the arena. */
static char *intr_join(struct scrape *s, const char *rest)
{
	char *out = arena_alloc(s->arena, strlen(rest) + 1), *o = out;
	while (*rest) {
		while (*rest && intr_blank(*rest))
			rest++;
		if (!*rest)
			break;
		if (o != out)
			*o++ = ' ';
		while (*rest && !intr_blank(*rest))
			*o++ = *rest++;
	}
	*o = 0;
	return out;
}

/* Go's strconv.Atoi succeeds: optional sign, then decimal digits. */
static int intr_is_number(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (!*s || strlen(s) > 18)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* A set of interrupt names seen (open addressing, arena-owned). */
struct intr_seen {
	const char **slot;
	size_t mask;
};

static void intr_seen_init(struct scrape *s, struct intr_seen *h, size_t n)
{
	size_t cap = 16;
	while (cap < 2 * n)
		cap *= 2;
	h->slot = arena_alloc(s->arena, cap * sizeof *h->slot);
	memset(h->slot, 0, cap * sizeof *h->slot);
	h->mask = cap - 1;
}

/* Add name; returns 1 if it was there already. */
static int intr_seen_add(struct intr_seen *h, const char *name)
{
	size_t i = 5381;
	for (const char *c = name; *c; c++)
		i = i * 33 + (unsigned char)*c;
	for (i &= h->mask; h->slot[i]; i = (i + 1) & h->mask)
		if (!strcmp(h->slot[i], name))
			return 1;
	h->slot[i] = name;
	return 0;
}

/* Add node_interrupts_total for /proc/interrupts text (modified in
 * place). Returns 0, -1 if the text is empty, or -2 if some count did
 * not parse (the others are still added). */
int interrupts_parse(struct scrape *s, char *text)
{
	char *header = next_line(&text);
	if (!header)
		return -1;
	size_t ncpu = intr_count_words(header);

	/* Keep the lines so they can be walked last to first: the metric set
	 * keeps the first series of a label set, node_exporter the last line. */
	size_t cap = 0;
	for (const char *p = text; *p; p++)
		if (*p == '\n')
			cap++;
	cap++;
	char **lines = arena_alloc(s->arena, cap * sizeof *lines);
	size_t nlines = 0;
	char *line;
	while ((line = next_line(&text)) != NULL && nlines < cap)
		lines[nlines++] = line;

	char **w = arena_alloc(s->arena, (ncpu + 2) * sizeof *w);
	char **cpu = arena_alloc(s->arena, (ncpu ? ncpu : 1) * sizeof *cpu);
	for (size_t i = 0; i < ncpu; i++)
		cpu[i] = arena_printf(s->arena, "%zu", i);
	struct mfamily *fam = mset_family(s->ms, "node_interrupts_total",
					  "Interrupts handled by each CPU, by interrupt.", METRIC_COUNTER);
	static const char *const names[4] = { "cpu", "type", "info", "devices" };
	struct intr_seen seen;
	intr_seen_init(s, &seen, nlines);
	int bad = 0;
	for (size_t l = nlines; l-- > 0;) {
		char *p = lines[l];
		/* name + counts + at least one word of description */
		if (intr_count_words(p) < ncpu + 2)
			continue;
		size_t n = intr_words(&p, w, ncpu + 2);
		if (n < ncpu + 2)
			continue;
		char *name = w[0];
		name[strlen(name) - 1] = 0; /* the trailing ':' */
		if (intr_seen_add(&seen, name))
			continue; /* a later line with this name won */
		const char *info, *devices;
		if (intr_is_number(name)) {
			info = w[ncpu + 1];
			devices = intr_join(s, p);
		} else {
			/* w[ncpu + 1] was cut off the rest: put the space back */
			char *desc = w[ncpu + 1];
			size_t dl = strlen(desc);
			if (*p)
				desc[dl] = ' ';
			info = intr_join(s, desc);
			devices = "";
		}
		for (size_t c = 0; c < ncpu; c++) {
			double v;
			if (parse_double(w[c + 1], &v) != 0) {
				bad = 1;
				continue;
			}
			const char *vals[4] = { cpu[c], name, info, devices };
			mset_add(s->ms, fam, v, 4, names, vals);
		}
	}
	return bad ? -2 : 0;
}

static int interrupts_update(struct scrape *s)
{
	char *text = kept_read_arena(s, cpath(s, exporter_paths.procfs, "interrupts"));
	if (!text)
		return -errno;
	return interrupts_parse(s, text) < 0 ? -EINVAL : 0;
}

const struct collector interrupts_collector = { "interrupts", 0, interrupts_update, NULL, NULL };
