#include "service.h"

#include <signal.h>
#include <string.h>

typedef void (*svc_action)(struct svc *s, int64_t now);

static const char *const svc_names[SVC_NSTATES] = {
	"down", "starting", "up", "backing-off", "stopping",
};

const char *svc_state_name(enum svc_state st)
{
	return st < SVC_NSTATES ? svc_names[st] : "?";
}

void svc_init(struct svc *s, const struct cfg_service *cfg, const struct svc_ops *ops,
	      const struct svc_timing *timing)
{
	memset(s, 0, sizeof *s);
	s->cfg = cfg;
	s->ops = ops;
	s->timing = timing;
	s->state = SVC_DOWN;
	s->backoff_ms = timing->initial_ms;
	s->last_status = -1;
	s->log_fd = -1;
	s->notify_fd = -1;
	probe_init(&s->probe);
	logring_init(&s->ring);
}

int svc_ready_for_dependants(const struct svc *s)
{
	return s->state == SVC_UP || s->skipped || !s->cfg->enabled;
}

/* ---- actions: each sets the next state ---- */

static void svc_became_up(struct svc *s, int64_t now)
{
	s->state = SVC_UP;
	s->up_since = now;
	/* Once it has stayed up this long, a crash is not part of a loop. */
	s->deadline = now + s->timing->reset_ms;
}

static void svc_wait(struct svc *s, int64_t now)
{
	s->state = SVC_BACKOFF;
	s->deadline = now + s->backoff_ms;
	s->backoff_ms = s->backoff_ms * 2 > s->timing->max_ms ? s->timing->max_ms
								: s->backoff_ms * 2;
}

static void a_spawn(struct svc *s, int64_t now)
{
	s->want_up = 1;
	s->started_at = now;
	if (s->ops->spawn(s, s->ops->ctx) < 0) {
		/* fork failed: as if it died at once, never a busy loop */
		s->pid = 0;
		svc_wait(s, now);
		return;
	}
	s->starts++;
	switch (s->cfg->ready) {
	case CFG_READY_NONE:
		svc_became_up(s, now);
		break;
	case CFG_READY_HTTP:
		s->state = SVC_STARTING;
		s->deadline = now + s->timing->probe_ms;
		break;
	case CFG_READY_FD:
		s->state = SVC_STARTING;
		s->deadline = 0; /* the notification pipe wakes us */
		break;
	}
}

static void a_restart_now(struct svc *s, int64_t now)
{
	s->backoff_ms = s->timing->initial_ms;
	a_spawn(s, now);
}

static void a_ready(struct svc *s, int64_t now)
{
	svc_became_up(s, now);
}

static void a_probe(struct svc *s, int64_t now)
{
	s->ops->probe(s, s->ops->ctx);
	s->deadline = now + s->timing->probe_ms;
}

static void a_stable(struct svc *s, int64_t now)
{
	(void)now;
	s->backoff_ms = s->timing->initial_ms;
	s->deadline = 0;
}

static void a_crashed(struct svc *s, int64_t now)
{
	s->pid = 0;
	probe_stop(&s->probe);
	if (s->state == SVC_UP && now - s->up_since >= s->timing->reset_ms)
		s->backoff_ms = s->timing->initial_ms;
	s->restarts++;
	svc_wait(s, now);
}

static void a_stop(struct svc *s, int64_t now)
{
	s->want_up = 0;
	probe_stop(&s->probe);
	s->ops->kill(s, SIGTERM, s->ops->ctx);
	s->state = SVC_STOPPING;
	s->deadline = now + s->timing->stop_timeout_ms;
}

static void a_stop_restart(struct svc *s, int64_t now)
{
	a_stop(s, now);
	s->want_up = 1;
}

static void a_kill(struct svc *s, int64_t now)
{
	s->ops->kill(s, SIGKILL, s->ops->ctx);
	s->deadline = now + 1000; /* again, should it survive (it cannot, unless D state) */
}

static void a_stopped(struct svc *s, int64_t now)
{
	s->pid = 0;
	s->deadline = 0;
	if (s->want_up) {
		a_restart_now(s, now);
		return;
	}
	s->state = SVC_DOWN;
}

static void a_cancel(struct svc *s, int64_t now)
{
	(void)now;
	s->want_up = 0;
	s->deadline = 0;
	s->state = SVC_DOWN;
}

static void a_want_up(struct svc *s, int64_t now)
{
	(void)now;
	s->want_up = 1;
}

static void a_want_down(struct svc *s, int64_t now)
{
	(void)now;
	s->want_up = 0;
}

/* NULL: the event means nothing in that state. */
static const svc_action svc_actions[SVC_NSTATES][SVC_NEVENTS] = {
	/*                 START      STOP         RESTART          READY    EXIT       TIMER */
	[SVC_DOWN]     = { a_spawn,   NULL,        a_restart_now,   NULL,    NULL,      NULL },
	[SVC_STARTING] = { NULL,      a_stop,      a_stop_restart,  a_ready, a_crashed, a_probe },
	[SVC_UP]       = { NULL,      a_stop,      a_stop_restart,  NULL,    a_crashed, a_stable },
	[SVC_BACKOFF]  = { NULL,      a_cancel,    a_restart_now,   NULL,    NULL,      a_spawn },
	[SVC_STOPPING] = { a_want_up, a_want_down, a_want_up,       NULL,    a_stopped, a_kill },
};

enum svc_state svc_event(struct svc *s, enum svc_event ev, int64_t now)
{
	enum svc_state from = s->state;
	svc_action a = svc_actions[s->state][ev];
	if (!a)
		return s->state;
	a(s, now);
	if (s->ops->changed)
		s->ops->changed(s, from, s->ops->ctx);
	return s->state;
}
