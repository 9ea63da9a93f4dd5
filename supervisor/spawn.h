/* spawn.h - start a service's process the way a supervisor should.
 *
 * The child gets: its own session and process group (so a signal reaches
 * everything it forks), stdin from /dev/null, stdout and stderr into one
 * pipe that the supervisor reads line by line, the readiness pipe on the
 * configured descriptor (ready: fd), default signal dispositions and an
 * empty signal mask, and the configured user's uid/gid (when pharos-init
 * runs as root). If exec fails the child says so on its stderr (so it
 * appears in the service's log) and exits 127: the supervisor then backs
 * off like for any other crash. */
#ifndef PHAROS_SUPERVISOR_SPAWN_H
#define PHAROS_SUPERVISOR_SPAWN_H

#include "service.h"

/* Fork and exec s->cfg->argv. Sets s->pid, s->log_fd and s->notify_fd
 * (non-blocking, close-on-exec; owned by s, closed by the caller when the
 * stream ends). Returns 0 or negative errno (nothing left open). */
int spawn_service(struct svc *s);

/* Send sig to the service's process group (and to its pid, should it have
 * left the group). No-op if it has no process. */
void spawn_kill(struct svc *s, int sig);

#endif
