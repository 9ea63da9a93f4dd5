/* fsstat: statfs(2) with a bounded wait per call; see fsstat.h.
 *
 * A batch hands its paths to one helper thread (a "job"), which stats
 * them one after the other and posts each result. The caller waits for
 * each result with a deadline; when one does not come in time it marks the
 * job abandoned, remembers the path as stuck, and starts a new job for the
 * remaining paths. The job is shared by the caller and the helper and
 * freed by whichever lets go of it last (refs).
 *
 * Helper threads are kept (up to FSSTAT_MAX_IDLE idle ones) and reused:
 * starting a thread per scrape would cost more than the statfs calls. A
 * job is only queued when an idle helper or a thread started for it will
 * take it at once, so the caller's deadline is not spent in a queue. */
#include "fsstat.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../lib/buf.h"

#define FSSTAT_MAX_STUCK 64
#define FSSTAT_MAX_IDLE 2

/* Paths whose call is still outstanding, with how many abandoned calls
 * are blocked on each; and how many helper threads are blocked overall. */
static pthread_mutex_t fsstat_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char *path; /* owned (malloc); NULL = free slot */
	int calls;
} fsstat_stuck[FSSTAT_MAX_STUCK];
static int fsstat_hung;

struct fsstat_job {
	struct fsstat_job *next; /* in fsstat_queue */
	pthread_mutex_t mu;
	pthread_cond_t cv; /* signalled with the last result; CLOCK_MONOTONIC */
	int refs;          /* 2 while both the caller and the helper hold it */
	int abandoned;     /* the caller gave up on result `done` */
	size_t n, done;    /* results 0..done-1 are posted */
	size_t started;    /* call started-1 is running (or done) since item_start */
	struct timespec item_start;
	fsstat_fn fn;
	size_t bytes;      /* of the allocation holding the job and what follows */
	char **paths;      /* n copies, in the same allocation */
	struct fsstat_result *res; /* n results, in the same allocation */
};

/* Jobs handed over but not yet taken by a helper, and helpers waiting
 * for one. Invariant: fsstat_queued <= fsstat_idle + threads starting. */
static pthread_mutex_t fsstat_pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fsstat_pool_cv = PTHREAD_COND_INITIALIZER;
static struct fsstat_job *fsstat_queue;
static int fsstat_queued, fsstat_idle;

/* One job's memory is kept for the next batch (most scrapes run one
 * batch at a time), so that steady-state scrapes do not call malloc:
 * musl's allocator maps and unmaps memory on such patterns. */
static struct fsstat_job *fsstat_spare; /* guarded by fsstat_pool_mu */

static void fsstat_job_put(struct fsstat_job *j)
{
	pthread_mutex_lock(&j->mu);
	int last = --j->refs == 0;
	pthread_mutex_unlock(&j->mu);
	if (!last)
		return;
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mu);
	pthread_mutex_lock(&fsstat_pool_mu);
	if (!fsstat_spare || fsstat_spare->bytes < j->bytes) {
		struct fsstat_job *old = fsstat_spare;
		fsstat_spare = j;
		j = old;
	}
	pthread_mutex_unlock(&fsstat_pool_mu);
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

/* Run job j on this helper thread, then let go of it. Only the last
 * result is signalled: the caller needs no wake-up per call, it sleeps
 * until the end or the current call's deadline. */
static void fsstat_helper(struct fsstat_job *j)
{
	for (size_t i = 0; i < j->n; i++) {
		pthread_mutex_lock(&j->mu);
		int abandoned = j->abandoned;
		if (!abandoned) {
			j->started = i + 1;
			clock_gettime(CLOCK_MONOTONIC, &j->item_start);
		}
		pthread_mutex_unlock(&j->mu);
		if (abandoned) { /* given up on before this call even started */
			fsstat_unmark_stuck(j->paths[i]);
			break;
		}
		struct fsstat_result r;
		memset(&r, 0, sizeof r);
		errno = 0;
		if (j->fn(j->paths[i], &r.st) != 0)
			r.err = errno ? errno : EIO;
		pthread_mutex_lock(&j->mu);
		abandoned = j->abandoned;
		if (!abandoned) {
			j->res[i] = r;
			j->done = i + 1;
			if (j->done == j->n)
				pthread_cond_signal(&j->cv);
		}
		pthread_mutex_unlock(&j->mu);
		if (abandoned) { /* the caller gave up on this very call */
			fsstat_unmark_stuck(j->paths[i]);
			break;
		}
	}
	fsstat_job_put(j);
}


static void *fsstat_helper_loop(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&fsstat_pool_mu);
	for (;;) {
		while (!fsstat_queue) {
			if (fsstat_idle >= FSSTAT_MAX_IDLE) {
				pthread_mutex_unlock(&fsstat_pool_mu);
				return NULL;
			}
			fsstat_idle++;
			pthread_cond_wait(&fsstat_pool_cv, &fsstat_pool_mu);
			fsstat_idle--;
		}
		struct fsstat_job *j = fsstat_queue;
		fsstat_queue = j->next;
		fsstat_queued--;
		pthread_mutex_unlock(&fsstat_pool_mu);
		fsstat_helper(j);
		pthread_mutex_lock(&fsstat_pool_mu);
	}
}

/* Hand j to a helper: an idle one, or a new thread. Returns 0, or -1 if
 * no thread could be started (j is then not queued). */
static int fsstat_submit(struct fsstat_job *j)
{
	pthread_mutex_lock(&fsstat_pool_mu);
	j->next = fsstat_queue;
	fsstat_queue = j;
	fsstat_queued++;
	int need_thread = fsstat_queued > fsstat_idle;
	if (!need_thread)
		pthread_cond_signal(&fsstat_pool_cv);
	pthread_mutex_unlock(&fsstat_pool_mu);
	if (!need_thread)
		return 0;

	pthread_attr_t ta;
	pthread_attr_init(&ta);
	pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&ta, 128 * 1024);
	pthread_t t;
	int rc = pthread_create(&t, &ta, fsstat_helper_loop, NULL);
	pthread_attr_destroy(&ta);
	if (rc == 0)
		return 0;
	/* Take j back, unless a helper that just got free has taken it. */
	pthread_mutex_lock(&fsstat_pool_mu);
	int taken = 1;
	for (struct fsstat_job **p = &fsstat_queue; *p; p = &(*p)->next) {
		if (*p == j) {
			*p = j->next;
			fsstat_queued--;
			taken = 0;
			break;
		}
	}
	pthread_mutex_unlock(&fsstat_pool_mu);
	return taken ? 0 : -1;
}

static struct fsstat_job *fsstat_job_start(const char *const *paths, size_t n, fsstat_fn fn)
{
	/* One block: the job, the results, the path pointers, the strings. */
	size_t bytes = sizeof(struct fsstat_job) + n * (sizeof(struct fsstat_result) + sizeof(char *));
	for (size_t i = 0; i < n; i++)
		bytes += strlen(paths[i]) + 1;
	pthread_mutex_lock(&fsstat_pool_mu);
	struct fsstat_job *j = NULL;
	if (fsstat_spare && fsstat_spare->bytes >= bytes) {
		j = fsstat_spare;
		fsstat_spare = NULL;
		bytes = j->bytes;
	}
	pthread_mutex_unlock(&fsstat_pool_mu);
	if (!j)
		j = xmalloc(bytes);
	memset(j, 0, sizeof *j);
	j->bytes = bytes;
	j->res = (struct fsstat_result *)(j + 1);
	j->paths = (char **)(j->res + n);
	char *p = (char *)(j->paths + n);
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(paths[i]) + 1;
		j->paths[i] = memcpy(p, paths[i], l);
		p += l;
	}
	pthread_mutex_init(&j->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cv, &ca);
	pthread_condattr_destroy(&ca);
	j->refs = 2;
	j->n = n;
	j->fn = fn;

	if (fsstat_submit(j) != 0) {
		j->refs = 1;
		fsstat_job_put(j);
		return NULL;
	}
	return j;
}

static struct timespec fsstat_ts_add(struct timespec ts, double seconds)
{
	time_t sec = (time_t)seconds;
	ts.tv_sec += sec;
	ts.tv_nsec += (long)((seconds - (double)sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static int fsstat_ts_passed(struct timespec ts)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > ts.tv_sec || (now.tv_sec == ts.tv_sec && now.tv_nsec >= ts.tv_nsec);
}

/* Wait (with j->mu held) until job j is complete or a call overruns: a
 * call may take `timeout` from its start; one that has not started yet
 * (the helper is slow to run) gets `timeout` from when the caller began
 * waiting for it. Returns the index of the overrunning call, or j->n. */
static size_t fsstat_wait(struct fsstat_job *j, double timeout)
{
	size_t waiting_for = (size_t)-1;
	struct timespec own = { 0, 0 };
	while (j->done < j->n) {
		size_t i = j->done;
		if (i != waiting_for && j->started != i + 1) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			own = fsstat_ts_add(now, timeout);
			waiting_for = i;
		}
		struct timespec dl = j->started == i + 1 ? fsstat_ts_add(j->item_start, timeout) : own;
		int rc = pthread_cond_timedwait(&j->cv, &j->mu, &dl);
		if (rc != ETIMEDOUT || j->done != i)
			continue;
		dl = j->started == i + 1 ? fsstat_ts_add(j->item_start, timeout) : own;
		if (fsstat_ts_passed(dl))
			return i;
	}
	return j->n;
}

void fsstat_batch(const char *const *paths, size_t n, double timeout, fsstat_fn fn,
		  struct fsstat_result *out)
{
	if (n == 0)
		return;
	/* The paths to ask: those not known to be stuck. */
	/* On the stack for the usual few dozen mounts. */
	const char *todo_small[64];
	size_t where_small[64];
	const char **todo = n <= 64 ? todo_small : xmalloc(n * sizeof *todo);
	size_t *where = n <= 64 ? where_small : xmalloc(n * sizeof *where);
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
		size_t seen = fsstat_wait(j, timeout);
		for (size_t i = 0; i < seen; i++)
			out[where[k + i]] = j->res[i];
		if (seen < j->n) {
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
	if (todo != todo_small) {
		free(todo);
		free(where);
	}
}
