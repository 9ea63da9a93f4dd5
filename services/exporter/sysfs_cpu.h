/* sysfs_cpu.h - the per-CPU directories of /sys/devices/system/cpu,
 * shared by the cpu (thermal throttles) and cpufreq collectors.
 *
 * Owner: helper h1.
 */
#ifndef PHAROS_EXPORTER_SYSFS_CPU_H
#define PHAROS_EXPORTER_SYSFS_CPU_H

#include "collector.h"

/* The entries of <sysfs>/devices/system/cpu whose names match the glob
 * "cpu[0-9]*" (what node_exporter globs), sorted by name like Go's
 * filepath.Glob ("cpu1" < "cpu10" < "cpu2").
 * [out] names: arena-owned array of arena-owned names ("cpu0", ...).
 * Returns the count; a missing or unreadable directory counts as no
 * entries (0), as a glob would. Listed once per scrape (collector.h's
 * scrape_begin()); the names are then shared by the callers: read-only. */
int sysfs_cpu_list(struct scrape *s, char ***names);

#endif
