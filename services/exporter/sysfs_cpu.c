/* sysfs_cpu.c - list /sys/devices/system/cpu/cpu[0-9]* (see sysfs_cpu.h).
 * Owner: helper h1. */
#include "sysfs_cpu.h"

int sysfs_cpu_list(struct scrape *s, char ***names)
{
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
	*names = all;
	return k;
}
