/* processes: node_processes_{pids,threads,max_processes,max_threads} and
 * the process / thread counts by scheduler state, from /proc/<pid>/stat
 * and /proc/<pid>/task/<tid>/stat. Off by default, as in node_exporter. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../lib/dirscan.h"
#include "../collector.h"
#include "../keptfile.h"

/* Counts by state ("R", "S", "D", "I", ... on Linux). A few dozen
 * distinct states at most; more are not counted. */
#define PROCESSES_MAX_STATES 32
struct processes_states {
	size_t n;
	struct {
		char state[8];
		double count;
	} v[PROCESSES_MAX_STATES];
};

/* What /proc/<pid>/stat says that this collector uses. */
struct processes_stat {
	char state[8];   /* the third field; one character on Linux */
	long long threads; /* num_threads */
};

/* Is s a whole signed (or, with is_unsigned, unsigned) decimal integer
 * that fits 64 bits? node_exporter (procfs) rejects a stat file whose
 * fields do not scan into their Go integer types. */
static int processes_int_ok(const char *s, int is_unsigned, long long *out)
{
	const char *p = s;
	if (*p == '+' || *p == '-') {
		if (*p == '-' && is_unsigned)
			return 0;
		p++;
	}
	if (*p < '0' || *p > '9')
		return 0;
	errno = 0;
	char *end;
	if (is_unsigned) {
		unsigned long long v = strtoull(s, &end, 10);
		if (out)
			*out = (long long)v;
	} else {
		long long v = strtoll(s, &end, 10);
		if (out)
			*out = v;
	}
	return *end == 0 && errno == 0;
}

/* Parse the text of /proc/<pid>/stat (modified in place): the command is
 * between the first '(' and the last ')'; then come the state and the 39
 * integer fields that procfs scans (ppid .. delayacct_blkio_ticks), each
 * of which must fit its Go type's signedness. A state of 8 or more
 * characters is rejected too (Linux writes one). Returns 0 or -EINVAL. */
int processes_parse_stat(char *text, struct processes_stat *out)
{
	/* 1 = unsigned, 0 = signed, for the 39 fields after the state. */
	static const char unsigned_field[39] = {
		0, 0, 0, 0, 0,             /* ppid pgrp session tty_nr tpgid */
		1, 1, 1, 1, 1, 1, 1,       /* flags minflt cminflt majflt cmajflt utime stime */
		0, 0, 0, 0, 0, 0,          /* cutime cstime priority nice num_threads itrealvalue */
		1, 1, 0, 1,                /* starttime vsize rss rsslim */
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* startcode .. cnswap */
		0, 0,                      /* exit_signal processor */
		1, 1, 1,                   /* rt_priority policy delayacct_blkio_ticks */
	};
	char *l = strchr(text, '(');
	char *r = strrchr(text, ')');
	if (!l || !r || r < l || !r[1])
		return -EINVAL;
	/* Newlines separate fields as blanks do (Go's Fscan). */
	for (char *p = r + 2; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	char *f[40];
	int n = split_fields(r + 2, f, 40);
	if (n < 40 || strlen(f[0]) >= sizeof out->state)
		return -EINVAL;
	for (int i = 0; i < 39; i++) {
		long long v;
		if (!processes_int_ok(f[i + 1], unsigned_field[i], &v))
			return -EINVAL;
		if (i == 16)
			out->threads = v;
	}
	strcpy(out->state, f[0]);
	return 0;
}

/* Read a small /proc file into buf (NUL-terminated). Returns 0 or -errno. */
static int processes_read(const char *path, char *buf, size_t size)
{
	int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = 0;
	while (len < size - 1) {
		ssize_t k = read(fd, buf + len, size - 1 - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	buf[len] = 0;
	return 0;
}

/* Errors that mean "the process went away meanwhile". */
static int processes_vanished(int rc)
{
	return rc == -ENOENT || rc == -ESRCH;
}

static int processes_is_pid(const char *name)
{
	if (!*name)
		return 0;
	for (const char *p = name; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return strlen(name) <= 18;
}

static void processes_count(struct processes_states *st, const char *state)
{
	for (size_t i = 0; i < st->n; i++) {
		if (!strcmp(st->v[i].state, state)) {
			st->v[i].count++;
			return;
		}
	}
	if (st->n == PROCESSES_MAX_STATES)
		return;
	strcpy(st->v[st->n].state, state); /* shorter than 8: see processes_parse_stat */
	st->v[st->n++].count = 1;
}

struct processes_task_walk {
	const char *dir;                 /* <procfs>/<pid>/task */
	const char *pid;
	const struct processes_stat *ps; /* the process's own stat */
	struct processes_states *ts;
};

/* dirscan callback for one entry of /proc/<pid>/task. */
static int processes_task(const char *name, unsigned char type, void *ctx)
{
	(void)type;
	struct processes_task_walk *w = ctx;
	if (!processes_is_pid(name))
		return 0;
	if (!strcmp(name, w->pid)) {
		processes_count(w->ts, w->ps->state);
		return 0;
	}
	char path[1024], buf[2048];
	snprintf(path, sizeof path, "%s/%s/stat", w->dir, name);
	int r = processes_read(path, buf, sizeof buf);
	if (processes_vanished(r))
		return 0;
	struct processes_stat t;
	if (r == 0)
		r = processes_parse_stat(buf, &t);
	if (r < 0)
		return r;
	processes_count(w->ts, t.state);
	return 0;
}

/* Count the states of pid's threads (the main thread gets the process's
 * own state). Returns 0 or -errno. */
static int processes_threads(const char *pid, const struct processes_stat *ps,
			     struct processes_states *ts)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/%s/task", exporter_paths.procfs, pid);
	struct processes_task_walk w = { dir, pid, ps, ts };
	int rc = dirscan(dir, processes_task, &w);
	return processes_vanished(rc) ? 0 : rc;
}

struct processes_walk {
	struct processes_states *ps, *ts;
	double pids, threads;
};

/* dirscan callback for one entry of /proc. */
static int processes_pid(const char *name, unsigned char type, void *ctx)
{
	(void)type;
	struct processes_walk *w = ctx;
	if (!processes_is_pid(name))
		return 0;
	char path[1024], buf[2048];
	snprintf(path, sizeof path, "%s/%s/stat", exporter_paths.procfs, name);
	int r = processes_read(path, buf, sizeof buf);
	if (processes_vanished(r))
		return 0;
	struct processes_stat st;
	if (r == 0)
		r = processes_parse_stat(buf, &st);
	if (r == 0)
		r = processes_threads(name, &st, w->ts);
	if (r < 0)
		return r;
	w->pids++;
	w->threads += (double)st.threads;
	processes_count(w->ps, st.state);
	return 0;
}

static void processes_states_add(struct scrape *s, const char *family, const char *help,
				 const char *label, const struct processes_states *st)
{
	struct mfamily *f = mset_family(s->ms, family, help, METRIC_GAUGE);
	for (size_t i = 0; i < st->n; i++) {
		const char *v = st->v[i].state;
		mset_add(s->ms, f, st->v[i].count, 1, &label, &v);
	}
}

static int processes_update(struct scrape *s)
{
	struct processes_walk w;
	w.ps = arena_alloc(s->arena, sizeof *w.ps);
	w.ts = arena_alloc(s->arena, sizeof *w.ts);
	w.ps->n = w.ts->n = 0;
	w.pids = w.threads = 0;
	int rc = dirscan(exporter_paths.procfs, processes_pid, &w);
	if (rc < 0)
		return rc;
	double threads = w.threads, pids = w.pids;
	struct processes_states *ps = w.ps, *ts = w.ts;

	mset_gauge(s->ms, "node_processes_threads", "Threads of all processes together.",
		   threads, NULL);
	uint64_t max;
	rc = kept_read_u64(cpath(s, exporter_paths.procfs, "sys/kernel/threads-max"), &max);
	if (rc < 0)
		return rc;
	mset_gauge(s->ms, "node_processes_max_threads",
		   "Most threads the kernel allows (kernel.threads-max).", (double)max, NULL);
	processes_states_add(s, "node_processes_state", "Processes by scheduler state.", "state",
			     ps);
	processes_states_add(s, "node_processes_threads_state", "Threads by scheduler state.",
			     "thread_state", ts);
	rc = kept_read_u64(cpath(s, exporter_paths.procfs, "sys/kernel/pid_max"), &max);
	if (rc < 0)
		return rc;
	mset_gauge(s->ms, "node_processes_pids", "Processes (PIDs in use).", pids, NULL);
	mset_gauge(s->ms, "node_processes_max_processes",
		   "Highest PID the kernel hands out (kernel.pid_max).", (double)max, NULL);
	return 0;
}

const struct collector processes_collector = { "processes", 0, processes_update, NULL, NULL };
