/* fsstat.h - statfs(2) on many mount points without letting one that
 * hangs (a dead NFS server, a stuck FUSE daemon) block the caller.
 *
 * Owned by the filesystem collector. node_exporter calls statfs in the
 * scrape and, once a call has taken longer than
 * --collector.filesystem.mount-timeout, marks that mount point "stuck"
 * and skips it in later scrapes until the call returns. Here the calls run
 * on a helper thread; the caller waits at most `timeout` seconds for each
 * one. A call that takes longer is abandoned: the caller goes on (with a
 * new helper thread for the remaining paths) and the path is remembered as
 * stuck until the abandoned call returns, which then forgets it. While a
 * path is stuck it is not asked again, so each hung mount costs at most one
 * blocked thread, and at most FSSTAT_MAX_HUNG threads are ever blocked.
 * Helper threads are reused from one batch to the next (a couple stay
 * parked between scrapes), so a batch normally starts no thread.
 *
 * Thread-safe: several scrapes may call fsstat_batch() at once.
 */
#ifndef PHAROS_EXPORTER_FSSTAT_H
#define PHAROS_EXPORTER_FSSTAT_H

#include <stddef.h>
#include <sys/vfs.h>

/* Most helper threads left blocked in a call at any time; once reached,
 * paths that are not yet known to be stuck get EAGAIN without a call. */
#define FSSTAT_MAX_HUNG 32

struct fsstat_result {
	/* 0: st is valid. Otherwise an errno: the call's own error;
	 * ETIMEDOUT: no answer within the timeout (the path is now stuck);
	 * EBUSY: the path was already stuck, it was not asked;
	 * EAGAIN: not asked, too many blocked threads or no thread could be
	 * started. */
	int err;
	struct statfs st;
};

/* The call to make, statfs(2) in production; tests pass a fake. Returns 0,
 * or -1 with errno set. */
typedef int (*fsstat_fn)(const char *path, struct statfs *st);

/* Stat paths[0..n) in order with fn, waiting at most timeout seconds
 * (> 0) for each.
 * [in]  paths: borrowed for the duration of the call (copied for the
 *       helper thread, which may outlive the call).
 * [out] out: n results, out[i] for paths[i]. */
void fsstat_batch(const char *const *paths, size_t n, double timeout, fsstat_fn fn,
		  struct fsstat_result *out);

/* Is path currently remembered as stuck? */
int fsstat_is_stuck(const char *path);

#endif
