/* Tests for fsstat.c: results in order, a call that hangs is abandoned
 * after the timeout, remembered as stuck, not asked again, and forgotten
 * once it returns. */
#include "../unit.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "../../../services/exporter/fsstat.h"

static pthread_mutex_t fs_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fs_cv = PTHREAD_COND_INITIALIZER;
static int fs_release;             /* lets the hanging calls return */
static atomic_int fs_calls_hang;   /* calls made on "/hang" */

/* A fake statfs: "/hang*" blocks until released, "/missing" fails,
 * anything else reports its length as the block count. */
static int fs_fake(const char *path, struct statfs *st)
{
	if (!strncmp(path, "/hang", 5)) {
		atomic_fetch_add(&fs_calls_hang, 1);
		pthread_mutex_lock(&fs_mu);
		while (!fs_release)
			pthread_cond_wait(&fs_cv, &fs_mu);
		pthread_mutex_unlock(&fs_mu);
	}
	if (!strcmp(path, "/missing")) {
		errno = ENOENT;
		return -1;
	}
	memset(st, 0, sizeof *st);
	st->f_blocks = strlen(path);
	st->f_bsize = 4096;
	return 0;
}

static double fs_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

TEST(fsstat_results_in_order)
{
	const char *paths[] = { "/", "/missing", "/boot", "/srv/data" };
	struct fsstat_result r[4];
	fsstat_batch(paths, 4, 5, fs_fake, r);
	CHECK_INT(r[0].err, 0);
	CHECK_INT(r[0].st.f_blocks, 1);
	CHECK_INT(r[1].err, ENOENT);
	CHECK_INT(r[2].err, 0);
	CHECK_INT(r[2].st.f_blocks, 5);
	CHECK_INT(r[3].st.f_blocks, 9);
	fsstat_batch(paths, 0, 5, fs_fake, r); /* nothing to do */
}

TEST(fsstat_statfs_root)
{
	const char *paths[] = { "/", "/nonexistent-pharos-path" };
	struct fsstat_result r[2];
	fsstat_batch(paths, 2, 5, statfs, r);
	CHECK_INT(r[0].err, 0);
	CHECK(r[0].st.f_blocks > 0);
	CHECK_INT(r[1].err, ENOENT);
}

TEST(fsstat_hung_mount)
{
	fs_release = 0;
	atomic_store(&fs_calls_hang, 0);
	const char *paths[] = { "/a", "/hang", "/b", "/hang2", "/c" };
	struct fsstat_result r[5];
	double t0 = fs_now();
	fsstat_batch(paths, 5, 0.05, fs_fake, r);
	double took = fs_now() - t0;
	CHECK_INT(r[0].err, 0);
	CHECK_INT(r[1].err, ETIMEDOUT);
	CHECK_INT(r[2].err, 0);
	CHECK_INT(r[2].st.f_blocks, 2);
	CHECK_INT(r[3].err, ETIMEDOUT);
	CHECK_INT(r[4].err, 0);
	CHECK(took < 2);
	CHECK(fsstat_is_stuck("/hang"));
	CHECK(fsstat_is_stuck("/hang2"));
	CHECK(!fsstat_is_stuck("/a"));
	CHECK_INT(atomic_load(&fs_calls_hang), 2);

	/* Stuck paths are not asked again. */
	fsstat_batch(paths, 5, 0.05, fs_fake, r);
	CHECK_INT(r[1].err, EBUSY);
	CHECK_INT(r[3].err, EBUSY);
	CHECK_INT(r[4].err, 0);
	CHECK_INT(atomic_load(&fs_calls_hang), 2);

	/* When the calls return, the paths are forgotten. */
	pthread_mutex_lock(&fs_mu);
	fs_release = 1;
	pthread_cond_broadcast(&fs_cv);
	pthread_mutex_unlock(&fs_mu);
	for (int i = 0; i < 200 && (fsstat_is_stuck("/hang") || fsstat_is_stuck("/hang2")); i++)
		usleep(10000);
	CHECK(!fsstat_is_stuck("/hang"));
	CHECK(!fsstat_is_stuck("/hang2"));
	fsstat_batch(paths, 5, 1, fs_fake, r);
	CHECK_INT(r[1].err, 0);
	CHECK_INT(r[3].err, 0);
	CHECK_INT(atomic_load(&fs_calls_hang), 4);
	usleep(20000); /* let the helper thread finish and free its job */
}

/* Two scrapes at once may both hang on the same path; it stays stuck
 * until both calls have returned. */
static void *fs_batch_thread(void *arg)
{
	const char *paths[] = { "/hang" };
	fsstat_batch(paths, 1, 0.05, fs_fake, arg);
	return NULL;
}

TEST(fsstat_concurrent_hang)
{
	fs_release = 0;
	struct fsstat_result r1, r2;
	pthread_t t1, t2;
	pthread_create(&t1, NULL, fs_batch_thread, &r1);
	pthread_create(&t2, NULL, fs_batch_thread, &r2);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	CHECK(r1.err == ETIMEDOUT || r1.err == EBUSY);
	CHECK(r2.err == ETIMEDOUT || r2.err == EBUSY);
	CHECK(fsstat_is_stuck("/hang"));
	pthread_mutex_lock(&fs_mu);
	fs_release = 1;
	pthread_cond_broadcast(&fs_cv);
	pthread_mutex_unlock(&fs_mu);
	for (int i = 0; i < 200 && fsstat_is_stuck("/hang"); i++)
		usleep(10000);
	CHECK(!fsstat_is_stuck("/hang"));
	usleep(20000);
}
