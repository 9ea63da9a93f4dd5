/* meminfo: node_memory_<Field>[_bytes] from /proc/meminfo. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collector.h"
#include "../keptfile.h"

/* Add one family per line of /proc/meminfo text (modified in place).
 * "Active(anon):  123 kB" becomes node_memory_Active_anon_bytes 125952;
 * lines without a unit keep their value and get no _bytes suffix.
 * Malformed lines are skipped. Returns the number of families added. */
int meminfo_parse(struct scrape *s, char *text)
{
	int added = 0;
	char *line;
	while ((line = next_line(&text)) != NULL) {
		char *f[4];
		int n = split_fields(line, f, 4);
		if (n < 2 || n > 3)
			continue;
		size_t kl = strlen(f[0]);
		if (kl < 2 || f[0][kl - 1] != ':')
			continue;
		f[0][kl - 1] = 0;
		double v;
		if (parse_double(f[1], &v) != 0)
			continue;
		/* node_exporter rewrites "Name(sub)" as "Name_sub". */
		char key[128];
		char *open = strchr(f[0], '('), *close = strrchr(f[0], ')');
		if (open && close && close > open)
			snprintf(key, sizeof key, "%.*s_%.*s%s", (int)(open - f[0]), f[0],
				 (int)(close - open - 1), open + 1, close + 1);
		else
			cat_str(key, sizeof key, f[0], NULL);
		char name[192];
		if (n == 3)
			v *= 1024;
		cat_str(name, sizeof name, "node_memory_", key, n == 3 ? "_bytes" : "", NULL);
		char help[256];
		cat_str(help, sizeof help, "Memory information field ", key, " from /proc/meminfo.",
			NULL);
		if (mset_gauge(s->ms, name, help, v, NULL) == 0)
			added++;
	}
	return added;
}

static int meminfo_update(struct scrape *s)
{
	char *text = kept_read_arena(s, cpath(s, exporter_paths.procfs, "meminfo"));
	if (!text)
		return -errno;
	return meminfo_parse(s, text) > 0 ? 0 : -EINVAL;
}

const struct collector meminfo_collector = { "meminfo", 1, meminfo_update, NULL, NULL };
