/* sysfs_cpu.c - list /sys/devices/system/cpu/cpu[0-9]* (see sysfs_cpu.h).
 * Owner: helper h1. */
#include "sysfs_cpu.h"

#include <string.h>

/* This thread's listing for its current scrape (collector.h). */
static _Thread_local struct {
	unsigned long scrape;
	struct arena *arena;
	char **names;
	int n;
} sysfs_cpu_memo;

int sysfs_cpu_list(struct scrape *s, char ***names)
{
	unsigned long cur = scrape_current();
	if (!cur || sysfs_cpu_memo.scrape != cur || sysfs_cpu_memo.arena != s->arena) {
		char **all = NULL;
		int n = list_dir(s, cpath(s, exporter_paths.sysfs, "devices/system/cpu"), &all);
		if (n < 0)
			n = 0;
		int k = 0;
		for (int i = 0; i < n; i++) {
			const char *e = all[i];
			if (e[0] == 'c' && e[1] == 'p' && e[2] == 'u' && e[3] >= '0' && e[3] <= '9')
				all[k++] = all[i];
		}
		if (!cur) {
			*names = all;
			return k;
		}
		sysfs_cpu_memo.scrape = cur;
		sysfs_cpu_memo.arena = s->arena;
		sysfs_cpu_memo.names = all;
		sysfs_cpu_memo.n = k;
	}
	/* Each caller gets its own array (the names are shared). */
	int n = sysfs_cpu_memo.n;
	char **v = arena_alloc(s->arena, (size_t)(n ? n : 1) * sizeof *v);
	if (n)
		memcpy(v, sysfs_cpu_memo.names, (size_t)n * sizeof *v);
	*names = v;
	return n;
}
