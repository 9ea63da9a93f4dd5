#include "../unit.h"

#include <signal.h>

#include "../../../supervisor/service.h"

/* Fakes: spawning always works and hands out pids; kills are recorded. */
struct fake {
	int spawns, kills[2]; /* SIGTERM, SIGKILL */
	int probes;
	pid_t next_pid;
};

static int f_spawn(struct svc *s, void *ctx)
{
	struct fake *f = ctx;
	f->spawns++;
	s->pid = ++f->next_pid;
	return 0;
}

static void f_kill(struct svc *s, int sig, void *ctx)
{
	struct fake *f = ctx;
	(void)s;
	f->kills[sig == SIGKILL]++;
}

static void f_probe(struct svc *s, void *ctx)
{
	(void)s;
	((struct fake *)ctx)->probes++;
}

static const struct svc_timing timing = { 1000, 60000, 30000, 10000, 200 };

static void setup(struct svc *s, struct cfg_service *c, struct svc_ops *ops, struct fake *f,
		  enum cfg_ready ready)
{
	memset(c, 0, sizeof *c);
	memset(f, 0, sizeof *f);
	c->name = "x";
	c->enabled = 1;
	c->ready = ready;
	*ops = (struct svc_ops){ f_spawn, f_kill, f_probe, NULL, f };
	svc_init(s, c, ops, &timing);
}

TEST(svc_backoff_doubles_to_max_and_resets_after_stable_run)
{
	struct svc s;
	struct cfg_service c;
	struct svc_ops ops;
	struct fake f;
	setup(&s, &c, &ops, &f, CFG_READY_NONE);
	int64_t now = 0;
	CHECK_INT(svc_event(&s, SVC_EV_START, now), SVC_UP);
	static const int64_t want[] = { 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000 };
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		now += 10; /* dies at once */
		CHECK_INT(svc_event(&s, SVC_EV_EXIT, now), SVC_BACKOFF);
		CHECK_INT(s.deadline - now, want[i]);
		CHECK_INT(s.restarts, i + 1);
		now = s.deadline;
		CHECK_INT(svc_event(&s, SVC_EV_TIMER, now), SVC_UP);
	}
	CHECK_INT(f.spawns, 9);
	/* A stable run: the timer set at "up" resets the delay. */
	CHECK_INT(s.deadline, now + 30000);
	now = s.deadline;
	CHECK_INT(svc_event(&s, SVC_EV_TIMER, now), SVC_UP);
	CHECK_INT(s.deadline, 0);
	now += 5000;
	CHECK_INT(svc_event(&s, SVC_EV_EXIT, now), SVC_BACKOFF);
	CHECK_INT(s.deadline - now, 1000);
}

TEST(svc_http_readiness_probes_until_ready)
{
	struct svc s;
	struct cfg_service c;
	struct svc_ops ops;
	struct fake f;
	setup(&s, &c, &ops, &f, CFG_READY_HTTP);
	CHECK_INT(svc_event(&s, SVC_EV_START, 0), SVC_STARTING);
	CHECK_INT(s.deadline, 200);
	CHECK_INT(svc_event(&s, SVC_EV_TIMER, 200), SVC_STARTING);
	CHECK_INT(f.probes, 1);
	CHECK_INT(s.deadline, 400);
	CHECK_INT(svc_event(&s, SVC_EV_READY, 300), SVC_UP);
	CHECK_INT(s.up_since, 300);
	/* Dying while starting counts as a crash too. */
	setup(&s, &c, &ops, &f, CFG_READY_FD);
	CHECK_INT(svc_event(&s, SVC_EV_START, 0), SVC_STARTING);
	CHECK_INT(s.deadline, 0);
	CHECK_INT(svc_event(&s, SVC_EV_EXIT, 5), SVC_BACKOFF);
}

TEST(svc_stop_terms_then_kills_after_timeout)
{
	struct svc s;
	struct cfg_service c;
	struct svc_ops ops;
	struct fake f;
	setup(&s, &c, &ops, &f, CFG_READY_NONE);
	svc_event(&s, SVC_EV_START, 0);
	CHECK_INT(svc_event(&s, SVC_EV_STOP, 100), SVC_STOPPING);
	CHECK_INT(f.kills[0], 1);
	CHECK_INT(s.deadline, 10100);
	CHECK_INT(svc_event(&s, SVC_EV_TIMER, 10100), SVC_STOPPING);
	CHECK_INT(f.kills[1], 1);
	CHECK_INT(svc_event(&s, SVC_EV_EXIT, 10200), SVC_DOWN);
	CHECK_INT(s.restarts, 0);
	CHECK_INT(s.pid, 0);
	/* Nothing happens to a service that is down but a start. */
	CHECK_INT(svc_event(&s, SVC_EV_TIMER, 20000), SVC_DOWN);
	CHECK_INT(svc_event(&s, SVC_EV_EXIT, 20000), SVC_DOWN);
}

TEST(svc_restart_and_stop_from_backoff)
{
	struct svc s;
	struct cfg_service c;
	struct svc_ops ops;
	struct fake f;
	setup(&s, &c, &ops, &f, CFG_READY_NONE);
	svc_event(&s, SVC_EV_START, 0);
	CHECK_INT(svc_event(&s, SVC_EV_RESTART, 50), SVC_STOPPING);
	CHECK_INT(svc_event(&s, SVC_EV_EXIT, 60), SVC_UP);
	CHECK_INT(f.spawns, 2);
	CHECK_INT(s.restarts, 0);
	svc_event(&s, SVC_EV_EXIT, 70);
	svc_event(&s, SVC_EV_TIMER, s.deadline);
	svc_event(&s, SVC_EV_EXIT, 2000);
	CHECK_INT(s.state, SVC_BACKOFF);
	CHECK_INT(s.backoff_ms, 4000);
	/* restart from backing-off: now, with the delay reset */
	CHECK_INT(svc_event(&s, SVC_EV_RESTART, 2100), SVC_UP);
	CHECK_INT(s.backoff_ms, 1000);
	svc_event(&s, SVC_EV_EXIT, 2200);
	CHECK_INT(svc_event(&s, SVC_EV_STOP, 2300), SVC_DOWN);
	CHECK_INT(s.deadline, 0);
	CHECK_INT(svc_event(&s, SVC_EV_START, 2400), SVC_UP);
}

TEST(svc_state_names)
{
	CHECK_STR(svc_state_name(SVC_BACKOFF), "backing-off");
	CHECK_STR(svc_state_name(SVC_STOPPING), "stopping");
}
