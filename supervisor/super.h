/* super.h - the supervisor: every service of the configuration, one poll()
 * loop fed by a signalfd, the services' pipes, readiness probes, the
 * control socket and timers computed from the nearest deadline. Idle, it
 * sleeps in poll() with no timeout at all.
 *
 * Both modes use it: dev mode (a plain process; a subreaper, so orphans of
 * services are reaped too) and PID 1 (main.c does the system setup before
 * and the poweroff after). */
#ifndef PHAROS_SUPERVISOR_SUPER_H
#define PHAROS_SUPERVISOR_SUPER_H

#include <stdint.h>

#include "config.h"
#include "control.h"
#include "service.h"

struct super {
	struct cfg *cfg;              /* borrowed; outlives the supervisor */
	struct svc svc[CFG_MAX_SERVICES];
	size_t nsvc;
	struct svc_timing timing;
	struct svc_ops ops;
	struct control ctl;
	int sigfd;                    /* signalfd for the blocked signals */
	int extra_fd;                 /* PID 1: the power button (evdev), or -1 */
	int (*extra_read)(int fd);    /* reads extra_fd; returns 1 to shut down */
	/* PID 1: another timer (DHCP renewal): called when the time returned
	 * by timer_deadline() has come; 0 means none. */
	int64_t (*timer_deadline)(void);
	int64_t (*timer_fn)(int64_t now);
	int pid1;
	int shutting_down;            /* 1 after SIGTERM/SIGINT/"shutdown" */
	int forced;                   /* a second signal: SIGKILL everything */
	int start_seq;
	int dirty;                    /* metrics file out of date */
	int namewidth;                /* for aligned "name | line" output */
	int64_t now;                  /* monotonic ms, updated each turn */
};

/* Block the supervisor's signals and open the signalfd. Call before any
 * other thread or child exists. Returns 0 or negative errno. */
int super_signals(struct super *S);

/* Prepare the services of cfg (the enabled ones become pending; one whose
 * program is missing is reported and skipped), create data_dir and
 * textfile_dir, and listen on the control socket (a failure there is
 * logged, not fatal). Returns 0 or negative errno. */
int super_init(struct super *S, struct cfg *cfg, int pid1);

/* Run until a shutdown has stopped every service. Returns 0. */
int super_run(struct super *S);

/* Begin an orderly shutdown (services stopped in reverse start order). */
void super_shutdown(struct super *S);

/* The text of "pharos-init status" into out. */
void super_status(struct super *S, struct buf *out);

/* Monotonic and real clocks in ms. */
int64_t super_mono_ms(void);
int64_t super_real_ms(void);

#endif
