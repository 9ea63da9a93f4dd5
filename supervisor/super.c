#include "super.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/log.h"
#include "spawn.h"
#include "svcmetrics.h"

#define SUPER_PROBE_MS 200

int64_t super_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t super_real_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void super_sigset(sigset_t *set)
{
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT,
				    SIGUSR1, SIGUSR2, SIGPWR };
	sigemptyset(set);
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
		sigaddset(set, sigs[i]);
}

int super_signals(struct super *S)
{
	sigset_t set;
	super_sigset(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	S->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return S->sigfd < 0 ? -errno : 0;
}

static int super_mkdirs(const char *path)
{
	char p[4096];
	if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p)
		return -ENAMETOOLONG;
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(p, 0755);
			*s = '/';
		}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static struct svc *super_find(struct super *S, const char *name)
{
	for (size_t i = 0; i < S->nsvc; i++)
		if (!strcmp(S->svc[i].cfg->name, name))
			return &S->svc[i];
	return NULL;
}

/* ---- the ops the state machine calls ---- */

static int op_spawn(struct svc *s, void *ctx)
{
	(void)ctx;
	int rc = spawn_service(s);
	if (rc < 0)
		log_error("%s: cannot start: %s", s->cfg->name, strerror(-rc));
	return rc;
}

static void op_kill(struct svc *s, int sig, void *ctx)
{
	(void)ctx;
	spawn_kill(s, sig);
}

static void op_probe(struct svc *s, void *ctx)
{
	char addr[64];
	(void)ctx;
	if (s->cfg->listen && cfg_probe_addr(s->cfg->listen, addr, sizeof addr) == 0)
		probe_start(&s->probe, addr);
}

/* ms as "12.345" (no floating point: it keeps printf's float code out of
 * the binary). [out] out: at least 24 bytes. */
static const char *super_secs(int64_t ms, char *out)
{
	if (ms < 0)
		ms = 0;
	snprintf(out, 24, "%lld.%03lld", (long long)(ms / 1000), (long long)(ms % 1000));
	return out;
}

static void super_exit_text(int status, char *out, size_t len)
{
	if (status < 0)
		snprintf(out, len, "-");
	else if (WIFSIGNALED(status))
		snprintf(out, len, "signal %d", WTERMSIG(status));
	else
		snprintf(out, len, "status %d", WEXITSTATUS(status));
}

static void op_changed(struct svc *s, enum svc_state from, void *ctx)
{
	struct super *S = ctx;
	S->dirty = 1;
	if (from == s->state)
		return;
	if (s->state == SVC_BACKOFF) {
		char ex[64], t1[24], t2[24];
		super_exit_text(s->last_status, ex, sizeof ex);
		log_warn("%s: exited (%s) after %ss; restart %llu in %ss%s", s->cfg->name, ex,
			 super_secs(S->now - s->started_at, t1),
			 (unsigned long long)s->restarts, super_secs(s->deadline - S->now, t2),
			 s->restarts > 1 && s->deadline - S->now > S->timing.initial_ms
				 ? " (crash loop)" : "");
	} else if (s->state == SVC_STARTING || (s->state == SVC_UP && from != SVC_STARTING)) {
		log_info("%s: started, pid %d", s->cfg->name, (int)s->pid);
	} else if (s->state == SVC_UP) {
		char t[24];
		log_info("%s: ready after %ss", s->cfg->name, super_secs(S->now - s->started_at, t));
	} else if (s->state == SVC_DOWN) {
		log_info("%s: stopped", s->cfg->name);
	}
}

int super_init(struct super *S, struct cfg *cfg, int pid1)
{
	S->cfg = cfg;
	S->pid1 = pid1;
	S->extra_fd = -1;
	S->timing = (struct svc_timing){
		.initial_ms = cfg->backoff_initial_ms,
		.max_ms = cfg->backoff_max_ms,
		.reset_ms = cfg->backoff_reset_ms,
		.stop_timeout_ms = cfg->stop_timeout_ms,
		.probe_ms = SUPER_PROBE_MS,
	};
	S->ops = (struct svc_ops){ op_spawn, op_kill, op_probe, op_changed, S };
	S->now = super_mono_ms();
	if (!pid1)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	int rc;
	if ((rc = super_mkdirs(cfg->data_dir)) < 0)
		log_error("cannot create data_dir %s: %s", cfg->data_dir, strerror(-rc));
	if ((rc = super_mkdirs(cfg->textfile_dir)) < 0)
		log_error("cannot create textfile_dir %s: %s", cfg->textfile_dir, strerror(-rc));
	for (size_t i = 0; i < cfg->nsvc; i++) {
		struct svc *s = &S->svc[S->nsvc++];
		const struct cfg_service *c = &cfg->svc[i];
		svc_init(s, c, &S->ops, &S->timing);
		if (!c->enabled)
			continue;
		if ((int)strlen(c->name) > S->namewidth)
			S->namewidth = (int)strlen(c->name);
		if (strchr(c->argv[0], '/') && access(c->argv[0], X_OK) < 0) {
			s->skipped = 1;
			log_warn("%s: skipped: %s %s", c->name, c->argv[0],
				 errno == ENOENT ? "does not exist (not built yet?)"
						 : "is not executable");
			continue;
		}
		if (c->user && getuid() != 0)
			log_warn("%s: user %s ignored: pharos-init is not running as root",
				 c->name, c->user);
		s->pending = 1;
	}
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", cfg->control_socket);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		super_mkdirs(dir);
	}
	S->ctl.handle = NULL;
	if ((rc = control_listen(&S->ctl, cfg->control_socket)) < 0)
		log_error("control socket %s: %s", cfg->control_socket, strerror(-rc));
	S->dirty = 1;
	return 0;
}

/* ---- output of the services ---- */

static void super_emit(const char *line, size_t len, void *ctx)
{
	struct svc *s = ctx;
	char out[LOGLINE_MAX + 64];
	struct super *S = s->ops->ctx;
	int n = snprintf(out, sizeof out, "%-*s | ", S->namewidth, s->cfg->name);
	memcpy(out + n, line, len);
	out[n + len] = '\n';
	logring_put(&s->ring, line, len);
	for (size_t off = 0, all = (size_t)n + len + 1; off < all;) {
		ssize_t w = write(1, out + off, all - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
}

/* Read what the pipe holds; close it at end of stream. */
static void super_drain_log(struct svc *s)
{
	char buf[4096];
	while (s->log_fd >= 0) {
		ssize_t r = read(s->log_fd, buf, sizeof buf);
		if (r > 0) {
			logsplit_feed(&s->split, buf, (size_t)r, super_emit, s);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		logsplit_flush(&s->split, super_emit, s);
		close(s->log_fd);
		s->log_fd = -1;
	}
}

static void super_notify(struct super *S, struct svc *s)
{
	char buf[256];
	ssize_t r = read(s->notify_fd, buf, sizeof buf);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r > 0 && !memchr(buf, '\n', (size_t)r))
		return;
	close(s->notify_fd);
	s->notify_fd = -1;
	if (r > 0)
		svc_event(s, SVC_EV_READY, S->now);
}

/* ---- children and signals ---- */

static void super_reap(struct super *S)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < S->nsvc; i++) {
			struct svc *s = &S->svc[i];
			if (s->pid != pid)
				continue;
			super_drain_log(s);
			s->last_status = status;
			svc_event(s, SVC_EV_EXIT, S->now);
			break;
		}
	}
}

static void super_signal(struct super *S)
{
	struct signalfd_siginfo si;
	while (read(S->sigfd, &si, sizeof si) == sizeof si) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			super_reap(S);
			break;
		case SIGHUP:
			log_info("SIGHUP: nothing to reload (restart services with pharos-init restart)");
			break;
		default:
			if (S->shutting_down) {
				log_warn("signal %u again: killing every service now", si.ssi_signo);
				S->forced = 1;
			} else {
				log_info("signal %u: shutting down", si.ssi_signo);
			}
			super_shutdown(S);
		}
	}
}

void super_shutdown(struct super *S)
{
	S->shutting_down = 1;
	for (size_t i = 0; i < S->nsvc; i++) {
		S->svc[i].pending = 0;
		if (S->svc[i].state == SVC_BACKOFF)
			svc_event(&S->svc[i], SVC_EV_STOP, S->now);
	}
}

/* Start what may start; during shutdown, stop the latest started first.
 * Returns 1 when a shutdown is complete. */
static int super_schedule(struct super *S)
{
	if (!S->shutting_down) {
		for (size_t i = 0; i < S->nsvc; i++) {
			struct svc *s = &S->svc[i];
			if (!s->pending)
				continue;
			int ok = 1;
			for (size_t d = 0; d < s->cfg->nafter; d++) {
				struct svc *dep = super_find(S, s->cfg->after[d]);
				if (dep && !svc_ready_for_dependants(dep))
					ok = 0;
			}
			if (!ok)
				continue;
			s->pending = 0;
			s->start_seq = ++S->start_seq;
			svc_event(s, SVC_EV_START, S->now);
		}
		return 0;
	}
	struct svc *last = NULL;
	for (size_t i = 0; i < S->nsvc; i++) {
		struct svc *s = &S->svc[i];
		if (s->state == SVC_BACKOFF)
			svc_event(s, SVC_EV_STOP, S->now);
		if (s->state == SVC_DOWN)
			continue;
		if (S->forced && s->pid)
			spawn_kill(s, SIGKILL);
		if (s->state == SVC_STOPPING)
			return 0; /* one at a time, in reverse order */
		if (!last || s->start_seq > last->start_seq)
			last = s;
	}
	if (!last)
		return 1;
	svc_event(last, SVC_EV_STOP, S->now);
	return 0;
}

/* ---- the control interface ---- */

void super_status(struct super *S, struct buf *out)
{
	buf_printf(out, "%-12s %-12s %7s %10s %8s %10s  %s\n", "SERVICE", "STATE", "PID", "UPTIME",
		   "RESTARTS", "BACKOFF", "LAST EXIT");
	for (size_t i = 0; i < S->nsvc; i++) {
		struct svc *s = &S->svc[i];
		char ex[64], up[32] = "-", state[48], t[24], b[24];
		if (!s->cfg->enabled)
			continue;
		super_exit_text(s->last_status, ex, sizeof ex);
		if (s->pid)
			snprintf(up, sizeof up, "%ss", super_secs(S->now - s->started_at, t));
		snprintf(state, sizeof state, "%s", s->skipped ? "skipped"
				    : s->pending ? "waiting" : svc_state_name(s->state));
		buf_printf(out, "%-12s %-12s %7d %10s %8llu %9ss  %s", s->cfg->name, state,
			   (int)s->pid, up, (unsigned long long)s->restarts,
			   super_secs(s->backoff_ms, b), ex);
		if (s->state == SVC_BACKOFF)
			buf_printf(out, "; next start in %ss%s", super_secs(s->deadline - S->now, t),
				   s->restarts > 1 ? " (crash loop)" : "");
		if (s->skipped)
			buf_printf(out, "; %s is missing", s->cfg->argv[0]);
		buf_putc(out, '\n');
	}
}

static void super_control(const char *req, struct buf *reply, void *ctx)
{
	struct super *S = ctx;
	char verb[16] = "", name[64] = "";
	S->now = super_mono_ms();
	size_t vl = strcspn(req, " ");
	snprintf(verb, sizeof verb, "%.*s", (int)vl, req);
	if (req[vl])
		snprintf(name, sizeof name, "%s", req + vl + 1 + strspn(req + vl + 1, " "));
	if (!strcmp(verb, "status")) {
		buf_puts(reply, "ok\n");
		super_status(S, reply);
		return;
	}
	if (!strcmp(verb, "shutdown")) {
		buf_puts(reply, "ok\n");
		log_info("shutdown requested over the control socket");
		super_shutdown(S);
		return;
	}
	static const struct {
		const char *verb;
		enum svc_event ev;
	} verbs[] = { { "restart", SVC_EV_RESTART }, { "start", SVC_EV_START },
		      { "stop", SVC_EV_STOP }, { "log", SVC_NEVENTS } };
	for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++) {
		if (strcmp(verb, verbs[i].verb))
			continue;
		struct svc *s = super_find(S, name);
		if (!s || !s->cfg->enabled) {
			buf_printf(reply, "error: no service \"%s\" in this role\n", name);
			return;
		}
		if (verbs[i].ev == SVC_NEVENTS) {
			buf_puts(reply, "ok\n");
			buf_reserve(reply, LOGRING_SIZE);
			reply->len += logring_copy(&s->ring, reply->p + reply->len, LOGRING_SIZE);
			reply->p[reply->len] = 0;
			return;
		}
		if (S->shutting_down || s->skipped) {
			buf_printf(reply, "error: %s\n", S->shutting_down ? "shutting down"
									  : "service was skipped");
			return;
		}
		s->pending = 0;
		if (!s->start_seq)
			s->start_seq = ++S->start_seq;
		svc_event(s, verbs[i].ev, S->now);
		log_info("%s: %s requested", s->cfg->name, verb);
		buf_printf(reply, "ok\n%s: %s\n", s->cfg->name, svc_state_name(s->state));
		return;
	}
	buf_printf(reply, "error: unknown command \"%s\" (status, restart, start, stop, log, shutdown)\n",
		   verb);
}

/* After the services: orphans they left behind are our children too (a
 * subreaper in dev mode, PID 1 in the image). Reap them; as PID 1 also
 * signal whatever is left, so nothing writes to /data during unmount. */
static void super_reap_rest(struct super *S)
{
	int64_t end = super_mono_ms() + S->timing.stop_timeout_ms;
	int killed = 0;
	if (S->pid1)
		kill(-1, SIGTERM);
	for (;;) {
		int st;
		pid_t p;
		while ((p = waitpid(-1, &st, WNOHANG)) > 0)
			;
		if (p < 0 && errno == ECHILD)
			return;
		int64_t left = end - super_mono_ms();
		if (left <= 0) {
			if (!S->pid1 || killed) {
				log_warn("processes left behind by services are still running");
				return;
			}
			kill(-1, SIGKILL);
			killed = 1;
			end = super_mono_ms() + 1000;
			continue;
		}
		struct pollfd pfd = { .fd = S->sigfd, .events = POLLIN };
		struct signalfd_siginfo si;
		if (poll(&pfd, 1, (int)left) > 0)
			while (read(S->sigfd, &si, sizeof si) == sizeof si)
				;
	}
}

/* ---- the loop ---- */

#define SUPER_MAX_FDS (3 + CONTROL_MAX_CLIENTS + 1 + 3 * CFG_MAX_SERVICES)

int super_run(struct super *S)
{
	struct pollfd pfd[SUPER_MAX_FDS];
	struct {
		struct svc *s;
		int kind; /* 0 log, 1 notify, 2 probe */
	} who[SUPER_MAX_FDS];
	S->ctl.handle = super_control;
	S->ctl.ctx = S;
	for (;;) {
		S->now = super_mono_ms();
		if (super_schedule(S))
			break;
		if (S->dirty) {
			S->dirty = 0;
			int rc = svcmetrics_write(S->cfg->textfile_dir, S->svc, S->nsvc, S->now,
						  super_real_ms());
			if (rc < 0)
				log_error("cannot write %s/%s: %s", S->cfg->textfile_dir,
					  SVCMETRICS_FILE, strerror(-rc));
		}
		int n = 0;
		pfd[n++] = (struct pollfd){ .fd = S->sigfd, .events = POLLIN };
		if (S->extra_fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = S->extra_fd, .events = POLLIN };
		int ctl0 = n;
		int nctl = control_pollfds(&S->ctl, pfd + n);
		n += nctl;
		int svc0 = n;
		int64_t next = -1;
		for (size_t i = 0; i < S->nsvc; i++) {
			struct svc *s = &S->svc[i];
			if (s->log_fd >= 0) {
				who[n].s = s, who[n].kind = 0;
				pfd[n++] = (struct pollfd){ .fd = s->log_fd, .events = POLLIN };
			}
			if (s->notify_fd >= 0) {
				who[n].s = s, who[n].kind = 1;
				pfd[n++] = (struct pollfd){ .fd = s->notify_fd, .events = POLLIN };
			}
			if (s->probe.fd >= 0) {
				who[n].s = s, who[n].kind = 2;
				pfd[n++] = (struct pollfd){ .fd = s->probe.fd,
							    .events = probe_events(&s->probe) };
			}
			if (s->deadline && (next < 0 || s->deadline < next))
				next = s->deadline;
		}
		int64_t extra = S->timer_deadline ? S->timer_deadline() : 0;
		if (extra && (next < 0 || extra < next))
			next = extra;
		int timeout = -1;
		if (next >= 0)
			timeout = next <= S->now ? 0 : (int)(next - S->now > 3600000 ? 3600000
										  : next - S->now);
		int r = poll(pfd, (nfds_t)n, timeout);
		if (r < 0 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			sleep(1); /* never spin */
			continue;
		}
		S->now = super_mono_ms();
		if (r > 0) {
			if (pfd[0].revents)
				super_signal(S);
			if (S->extra_fd >= 0 && pfd[1].revents && S->extra_read &&
			    S->extra_read(S->extra_fd) == 1) {
				log_info("power button: shutting down");
				super_shutdown(S);
			}
			control_io(&S->ctl, pfd + ctl0, nctl);
			for (int i = svc0; i < n; i++) {
				struct svc *s = who[i].s;
				if (!pfd[i].revents)
					continue;
				if (who[i].kind == 0 && s->log_fd == pfd[i].fd)
					super_drain_log(s);
				else if (who[i].kind == 1 && s->notify_fd == pfd[i].fd)
					super_notify(S, s);
				else if (who[i].kind == 2 && s->probe.fd == pfd[i].fd &&
					 probe_io(&s->probe, pfd[i].revents) == 1)
					svc_event(s, SVC_EV_READY, S->now);
			}
		}
		if (extra && extra <= S->now && S->timer_fn)
			S->timer_fn(S->now);
		for (size_t i = 0; i < S->nsvc; i++) {
			struct svc *s = &S->svc[i];
			if (s->deadline && s->deadline <= S->now) {
				s->deadline = 0;
				svc_event(s, SVC_EV_TIMER, S->now);
			}
		}
	}
	super_reap_rest(S);
	S->now = super_mono_ms();
	svcmetrics_write(S->cfg->textfile_dir, S->svc, S->nsvc, S->now, super_real_ms());
	control_close(&S->ctl, S->cfg->control_socket);
	return 0;
}
