/* softnet: packet processing per CPU from /proc/net/softnet_stat
 * (node_softnet_*). Owner: helper h1.
 *
 * One line per online CPU, hexadecimal columns; the first three are
 * packets processed, packets dropped and times the budget ran out. As in
 * node_exporter 1.5 the cpu label is the line's index (not the CPU
 * number some kernels print in a later column). Because the labels
 * depend on the position, a malformed line (fewer than 9 columns, or a
 * column that is not a 32-bit hex number) fails the whole file, as it
 * does in procfs, rather than being skipped. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "../collector.h"
#include "../keptfile.h"

#define SOFTNET_MIN_COLUMNS 9

/* Whole-string hexadecimal uint32, no prefix or sign. */
static int softnet_hex32(const char *p, uint32_t *out)
{
	if (!*p)
		return -1;
	uint64_t v = 0;
	for (; *p; p++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (*p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			return -1;
		v = v * 16 + d;
		if (v > UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* Add the families for /proc/net/softnet_stat text (modified in place).
 * Returns the number of CPUs, or -1 (and adds nothing) if a line is
 * malformed. */
int softnet_parse(struct scrape *s, char *text)
{
	/* Validate everything first: nothing is reported from a bad file. */
	size_t lines = 0;
	for (const char *p = text; *p;) {
		lines++;
		while (*p && *p != '\n')
			p++;
		if (*p)
			p++;
	}
	uint32_t (*v)[3] = arena_alloc(s->arena, (lines ? lines : 1) * sizeof *v);
	size_t n = 0;
	char *line;
	while ((line = next_line(&text)) != NULL && n < lines) {
		char *f[SOFTNET_MIN_COLUMNS];
		if (split_fields(line, f, SOFTNET_MIN_COLUMNS) < SOFTNET_MIN_COLUMNS)
			return -1;
		for (int i = 0; i < 3; i++)
			if (softnet_hex32(f[i], &v[n][i]) != 0)
				return -1;
		n++;
	}
	struct mfamily *fams[3] = {
		mset_family(s->ms, "node_softnet_processed_total",
			    "Packets each CPU took from its network backlog.", METRIC_COUNTER),
		mset_family(s->ms, "node_softnet_dropped_total",
			    "Packets each CPU dropped because its backlog was full.", METRIC_COUNTER),
		mset_family(s->ms, "node_softnet_times_squeezed_total",
			    "Times each CPU stopped processing packets with work left, its budget spent.",
			    METRIC_COUNTER),
	};
	const char *label = "cpu";
	for (size_t i = 0; i < n; i++) {
		char cpu[24];
		snprintf(cpu, sizeof cpu, "%zu", i);
		const char *val = cpu;
		for (int k = 0; k < 3; k++)
			mset_add(s->ms, fams[k], (double)v[i][k], 1, &label, &val);
	}
	return (int)n;
}

static int softnet_update(struct scrape *s)
{
	char *text = kept_read_arena(s, cpath(s, exporter_paths.procfs, "net/softnet_stat"));
	if (!text)
		return -errno;
	return softnet_parse(s, text) < 0 ? -EINVAL : 0;
}

const struct collector softnet_collector = { "softnet", 1, softnet_update, NULL, NULL };
