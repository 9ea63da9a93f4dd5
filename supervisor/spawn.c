#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Write a message to fd 2 without stdio (we are between fork and exec). */
static void spawn_say(const char *a, const char *b, const char *c)
{
	const char *parts[] = { "pharos-init: fatal: ", a, b, c, "\n" };
	for (size_t i = 0; i < 5; i++)
		if (write(2, parts[i], strlen(parts[i])) < 0)
			break;
}

static void spawn_child(struct svc *s, int logw, int notifyw)
{
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	setsid();
	int null = open("/dev/null", O_RDONLY);
	if (null >= 0 && null != 0) {
		dup2(null, 0);
		close(null);
	}
	dup2(logw, 1);
	dup2(logw, 2);
	if (logw > 2)
		close(logw);
	if (notifyw >= 0) {
		int want = s->cfg->ready_fd;
		if (notifyw != want) {
			dup2(notifyw, want);
			close(notifyw);
		} else {
			fcntl(want, F_SETFD, 0);
		}
	}
	if (s->cfg->user && getuid() == 0) {
		if (setgroups(0, NULL) < 0 || setgid(s->cfg->gid) < 0 || setuid(s->cfg->uid) < 0) {
			spawn_say("cannot switch to user ", s->cfg->user, ": ");
			_exit(111);
		}
	}
	execvp(s->cfg->argv[0], (char *const *)s->cfg->argv);
	spawn_say("cannot run ", s->cfg->argv[0], errno == ENOENT ? ": not found"
				       : errno == EACCES ? ": permission denied" : ": exec failed");
	_exit(127);
}

int spawn_service(struct svc *s)
{
	int logp[2], notp[2] = { -1, -1 };
	if (pipe2(logp, O_CLOEXEC) < 0)
		return -errno;
	if (s->cfg->ready == CFG_READY_FD && pipe2(notp, O_CLOEXEC) < 0) {
		int e = errno;
		close(logp[0]);
		close(logp[1]);
		return -e;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(logp[0]);
		close(logp[1]);
		if (notp[0] >= 0) {
			close(notp[0]);
			close(notp[1]);
		}
		return -e;
	}
	if (pid == 0) {
		close(logp[0]);
		if (notp[0] >= 0)
			close(notp[0]);
		spawn_child(s, logp[1], notp[1]);
	}
	close(logp[1]);
	fcntl(logp[0], F_SETFL, O_NONBLOCK);
	if (s->log_fd >= 0)
		close(s->log_fd); /* the previous process's stream, if still open */
	s->log_fd = logp[0];
	if (notp[0] >= 0) {
		close(notp[1]);
		fcntl(notp[0], F_SETFL, O_NONBLOCK);
	}
	if (s->notify_fd >= 0)
		close(s->notify_fd);
	s->notify_fd = notp[0];
	s->pid = pid;
	return 0;
}

void spawn_kill(struct svc *s, int sig)
{
	if (s->pid <= 0)
		return;
	kill(-s->pid, sig);
	kill(s->pid, sig);
}
