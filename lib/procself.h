/* procself.h - the process_* metrics every Prometheus-ecosystem daemon
 * exposes about itself, read from /proc/self:
 * process_cpu_seconds_total, process_open_fds, process_max_fds,
 * process_virtual_memory_bytes, process_virtual_memory_max_bytes,
 * process_resident_memory_bytes, process_start_time_seconds.
 * Always the real /proc of the running process (flags that move the
 * exporter's procfs do not move this). */
#ifndef PHAROS_PROCSELF_H
#define PHAROS_PROCSELF_H

#include "metricset.h"

/* Add the families to ms. Returns 0, or -1 if /proc/self was unreadable
 * (whatever could be read is still added). */
int procself_collect(struct mset *ms);

#endif
