/* service.h - one supervised service: its state machine and its plumbing.
 *
 * States and events, as s6-supervise keeps them, in a table
 * (svc_actions[state][event] in service.c):
 *
 *   down ──start──► starting ──ready──► up ──(stable for reset_after)──► up, backoff reset
 *     ▲                │  ▲               │
 *     │              exit │timer          exit
 *     │                ▼  │               ▼
 *     └──stop──── backing-off ◄───────────┘   (delay 1 s, doubling to 60 s)
 *   starting/up ──stop/restart──► stopping ──exit──► down (or starting, on restart)
 *                                    └──timer: SIGKILL
 *
 * The machine does no I/O itself: spawning, signalling and probing go
 * through struct svc_ops, so tests drive it with fakes and a fake clock.
 */
#ifndef PHAROS_SUPERVISOR_SERVICE_H
#define PHAROS_SUPERVISOR_SERVICE_H

#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "logring.h"
#include "probe.h"

enum svc_state { SVC_DOWN, SVC_STARTING, SVC_UP, SVC_BACKOFF, SVC_STOPPING, SVC_NSTATES };
enum svc_event {
	SVC_EV_START,   /* want it up */
	SVC_EV_STOP,    /* want it down */
	SVC_EV_RESTART, /* stop if running, then start; from backing-off: start now */
	SVC_EV_READY,   /* readiness seen */
	SVC_EV_EXIT,    /* the process ended (status in last_status) */
	SVC_EV_TIMER,   /* the deadline passed */
	SVC_NEVENTS
};

struct svc;

/* What the machine asks of the outside world. ctx is passed back. */
struct svc_ops {
	/* Start the process; set s->pid. Returns 0 or negative errno. */
	int (*spawn)(struct svc *s, void *ctx);
	/* Send sig to the service's process group. */
	void (*kill)(struct svc *s, int sig, void *ctx);
	/* Start (or retry) a readiness check for a ready: http service. */
	void (*probe)(struct svc *s, void *ctx);
	/* Called after every transition (metrics, logs); may be NULL. */
	void (*changed)(struct svc *s, enum svc_state from, void *ctx);
	void *ctx;
};

struct svc_timing {
	int64_t initial_ms, max_ms, reset_ms; /* backoff */
	int64_t stop_timeout_ms;
	int64_t probe_ms;                     /* interval between readiness checks */
};

struct svc {
	const struct cfg_service *cfg;       /* borrowed from struct cfg */
	const struct svc_ops *ops;           /* borrowed */
	const struct svc_timing *timing;     /* borrowed */
	enum svc_state state;
	int want_up;          /* restart when it ends */
	int pending;          /* to be started once its dependencies are up */
	int skipped;          /* not started: binary missing (reason in log) */
	pid_t pid;            /* 0 when no process */
	int64_t deadline;     /* monotonic ms of the next timer event; 0: none */
	int64_t backoff_ms;   /* delay before the next restart */
	int64_t started_at;   /* when the current process was spawned */
	int64_t up_since;     /* when it became up */
	uint64_t restarts;    /* restarts after an unexpected exit */
	uint64_t starts;      /* processes spawned */
	int last_status;      /* wait status of the last exit; -1: none yet */
	int start_seq;        /* order of the first start (stop in reverse) */
	/* Plumbing owned by the spawner and the main loop: */
	int log_fd;           /* read end of the stdout/stderr pipe, or -1 */
	int notify_fd;        /* read end of the readiness pipe, or -1 */
	struct probe probe;   /* HTTP readiness check in flight */
	struct logsplit split;
	struct logring ring;
};

/* Set up s for cfg (state down, nothing running). Borrowed pointers must
 * outlive s. */
void svc_init(struct svc *s, const struct cfg_service *cfg, const struct svc_ops *ops,
	      const struct svc_timing *timing);

/* Feed one event at time now (monotonic ms). Returns the new state. */
enum svc_state svc_event(struct svc *s, enum svc_event ev, int64_t now);

/* "down", "starting", "up", "backing-off", "stopping". */
const char *svc_state_name(enum svc_state st);

/* 1 if the service counts as ready for its dependants: up, or not going
 * to run at all (skipped or not in the role). */
int svc_ready_for_dependants(const struct svc *s);

#endif
