/* svcmetrics.h - the supervisor's metrics, the node_exporter way: a .prom
 * file in the exporter's textfile collector directory, replaced atomically
 * (written to a hidden temporary file, then renamed) on every change.
 *
 *   pharos_service_up{service}                 1 when up (ready), else 0
 *   pharos_service_state{service,state}        1 for the current state
 *   pharos_service_restarts_total{service}     restarts after an exit
 *   pharos_service_starts_total{service}       processes spawned
 *   pharos_service_backoff_seconds{service}    the delay before the next restart
 *   pharos_service_start_time_seconds{service} when the process started (unix time)
 *   pharos_service_last_exit_code{service}     exit status, or 128+signal; -1 none yet
 */
#ifndef PHAROS_SUPERVISOR_SVCMETRICS_H
#define PHAROS_SUPERVISOR_SVCMETRICS_H

#include <stddef.h>
#include <stdint.h>

#include "../lib/buf.h"
#include "service.h"

#define SVCMETRICS_FILE "pharos_init.prom"

/* Append the text exposition for the n services in svcs to out.
 * [in] mono_now, real_now: the monotonic and the real clock, in ms, to
 *      turn monotonic start times into unix times. Services not in the
 *      role are left out. */
void svcmetrics_format(struct buf *out, const struct svc *svcs, size_t n, int64_t mono_now,
		       int64_t real_now);

/* Format and replace <dir>/pharos_init.prom. Returns 0 or negative errno. */
int svcmetrics_write(const char *dir, const struct svc *svcs, size_t n, int64_t mono_now,
		     int64_t real_now);

#endif
