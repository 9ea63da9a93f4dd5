/* fsstat: statfs(2) with a bounded wait per call; see fsstat.h.
 *
 * A batch hands its paths to one helper thread (a "job"), which stats
 * them one after the other and posts each result. The caller waits for
 * each result with a deadline; when one does not come in time it marks the
 * job abandoned, remembers the path as stuck, and starts a new job for the
 * remaining paths. The job is shared by the caller and the helper and
 * freed by whichever lets go of it last (refs). */
#include "fsstat.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../lib/buf.h"

#define FSSTAT_MAX_STUCK 64

/* Paths whose call is still outstanding, with how many abandoned calls
 * are blocked on each; and how many helper threads are blocked overall. */
static pthread_mutex_t fsstat_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char *path; /* owned (malloc); NULL = free slot */
	int calls;
} fsstat_stuck[FSSTAT_MAX_STUCK];
static int fsstat_hung;

struct fsstat_job {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* signalled on each result; CLOCK_MONOTONIC */
	int refs;          /* 2 while both the caller and the helper hold it */
	int abandoned;     /* the caller gave up on result `done` */
	size_t n, done;    /* results 0..done-1 are posted */
	fsstat_fn fn;
	char **paths;                /* n copies, owned (one block after the array) */
	struct fsstat_result *res;   /* n results, owned */
};

static void fsstat_job_put(struct fsstat_job *j)
{
	pthread_mutex_lock(&j->mu);
	int last = --j->refs == 0;
	pthread_mutex_unlock(&j->mu);
	if (!last)
		return;
	free(j->paths);
	free(j->res);
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

/* With fsstat_mu held. */
static int fsstat_stuck_slot(const char *path)
{
	for (int i = 0; i < FSSTAT_MAX_STUCK; i++)
		if (fsstat_stuck[i].path && !strcmp(fsstat_stuck[i].path, path))
			return i;
	return -1;
}

int fsstat_is_stuck(const char *path)
{
	pthread_mutex_lock(&fsstat_mu);
	int stuck = fsstat_stuck_slot(path) >= 0;
	pthread_mutex_unlock(&fsstat_mu);
	return stuck;
}

/* An abandoned call on path has started blocking a helper thread. If the
 * table is full the path is not remembered (it will be asked again, at
 * the cost of another thread, within FSSTAT_MAX_HUNG). */
static void fsstat_mark_stuck(const char *path)
{
	pthread_mutex_lock(&fsstat_mu);
	fsstat_hung++;
	int i = fsstat_stuck_slot(path);
	if (i < 0) {
		for (i = 0; i < FSSTAT_MAX_STUCK && fsstat_stuck[i].path; i++)
			;
		if (i < FSSTAT_MAX_STUCK) {
			fsstat_stuck[i].path = xstrdup(path);
			fsstat_stuck[i].calls = 0;
		}
	}
	if (i < FSSTAT_MAX_STUCK)
		fsstat_stuck[i].calls++;
	pthread_mutex_unlock(&fsstat_mu);
}

/* An abandoned call on path has returned. */
static void fsstat_unmark_stuck(const char *path)
{
	pthread_mutex_lock(&fsstat_mu);
	fsstat_hung--;
	int i = fsstat_stuck_slot(path);
	if (i >= 0 && --fsstat_stuck[i].calls == 0) {
		free(fsstat_stuck[i].path);
		fsstat_stuck[i].path = NULL;
	}
	pthread_mutex_unlock(&fsstat_mu);
}

static void *fsstat_helper(void *arg)
{
	struct fsstat_job *j = arg;
	for (size_t i = 0; i < j->n; i++) {
		struct fsstat_result r;
		memset(&r, 0, sizeof r);
		errno = 0;
		if (j->fn(j->paths[i], &r.st) != 0)
			r.err = errno ? errno : EIO;
		pthread_mutex_lock(&j->mu);
		int abandoned = j->abandoned;
		if (!abandoned) {
			j->res[i] = r;
			j->done = i + 1;
			pthread_cond_signal(&j->cv);
		}
		pthread_mutex_unlock(&j->mu);
		if (abandoned) { /* the caller gave up on this very call */
			fsstat_unmark_stuck(j->paths[i]);
			break;
		}
	}
	fsstat_job_put(j);
	return NULL;
}

static struct fsstat_job *fsstat_job_start(const char *const *paths, size_t n, fsstat_fn fn)
{
	struct fsstat_job *j = xcalloc(1, sizeof *j);
	pthread_mutex_init(&j->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cv, &ca);
	pthread_condattr_destroy(&ca);
	j->refs = 2;
	j->n = n;
	j->fn = fn;
	size_t bytes = n * sizeof *j->paths;
	for (size_t i = 0; i < n; i++)
		bytes += strlen(paths[i]) + 1;
	j->paths = xmalloc(bytes);
	char *p = (char *)(j->paths + n);
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(paths[i]) + 1;
		j->paths[i] = memcpy(p, paths[i], l);
		p += l;
	}
	j->res = xcalloc(n, sizeof *j->res);

	pthread_attr_t ta;
	pthread_attr_init(&ta);
	pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&ta, 128 * 1024);
	pthread_t t;
	int rc = pthread_create(&t, &ta, fsstat_helper, j);
	pthread_attr_destroy(&ta);
	if (rc != 0) {
		j->refs = 1;
		fsstat_job_put(j);
		return NULL;
	}
	return j;
}

static struct timespec fsstat_deadline(double timeout)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	time_t sec = (time_t)timeout;
	long nsec = (long)((timeout - (double)sec) * 1e9);
	ts.tv_sec += sec;
	ts.tv_nsec += nsec;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

void fsstat_batch(const char *const *paths, size_t n, double timeout, fsstat_fn fn,
		  struct fsstat_result *out)
{
	if (n == 0)
		return;
	/* The paths to ask: those not known to be stuck. */
	const char **todo = xmalloc(n * sizeof *todo);
	size_t *where = xmalloc(n * sizeof *where);
	size_t ntodo = 0;
	pthread_mutex_lock(&fsstat_mu);
	for (size_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof out[i]);
		if (fsstat_stuck_slot(paths[i]) >= 0) {
			out[i].err = EBUSY;
			continue;
		}
		todo[ntodo] = paths[i];
		where[ntodo++] = i;
	}
	pthread_mutex_unlock(&fsstat_mu);

	size_t k = 0;
	while (k < ntodo) {
		pthread_mutex_lock(&fsstat_mu);
		int too_many = fsstat_hung >= FSSTAT_MAX_HUNG;
		pthread_mutex_unlock(&fsstat_mu);
		struct fsstat_job *j = too_many ? NULL : fsstat_job_start(todo + k, ntodo - k, fn);
		if (!j) {
			for (; k < ntodo; k++)
				out[where[k]].err = EAGAIN;
			break;
		}
		pthread_mutex_lock(&j->mu);
		size_t seen = 0;
		int timed_out = 0;
		while (seen < j->n && !timed_out) {
			struct timespec dl = fsstat_deadline(timeout);
			while (j->done == seen) {
				int rc = pthread_cond_timedwait(&j->cv, &j->mu, &dl);
				if (rc == ETIMEDOUT && j->done == seen) {
					timed_out = 1;
					break;
				}
			}
			for (; seen < j->done; seen++)
				out[where[k + seen]] = j->res[seen];
		}
		if (timed_out) {
			/* Marked while j->mu is held: the helper can only unmark
			 * after it has seen `abandoned`, i.e. after this. */
			fsstat_mark_stuck(j->paths[seen]);
			j->abandoned = 1;
			out[where[k + seen]].err = ETIMEDOUT;
			seen++;
		}
		pthread_mutex_unlock(&j->mu);
		fsstat_job_put(j);
		k += seen;
	}
	free(todo);
	free(where);
}
