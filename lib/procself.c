#include "procself.h"

#include "dirscan.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static int count_one(const char *name, unsigned char type, void *ctx)
{
	(void)name;
	(void)type;
	++*(int *)ctx;
	return 0;
}

static int count_fds(void)
{
	int n = 0;
	if (dirscan("/proc/self/fd", count_one, &n) < 0)
		return -1;
	return n - 1; /* the descriptor dirscan holds */
}

/* The boot time never changes: read /proc/stat (a large file) once. */
static double boot_time(void)
{
	static _Atomic double cached = -1;
	if (cached >= 0)
		return cached;
	FILE *f = fopen("/proc/stat", "re");
	if (!f)
		return -1;
	char line[256];
	double bt = -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "btime ", 6)) {
			bt = strtod(line + 6, NULL);
			break;
		}
	fclose(f);
	cached = bt;
	return bt;
}

int procself_collect(struct mset *ms)
{
	int rc = 0;
	char buf[1024];
	int fd = openat(AT_FDCWD, "/proc/self/stat", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		buf[n] = 0;
		/* Fields after the command name, which may hold spaces and ')'. */
		char *p = strrchr(buf, ')');
		unsigned long long utime = 0, stime = 0, starttime = 0, vsize = 0;
		long long rss = 0;
		if (p && sscanf(p + 2,
				"%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu "
				"%*d %*d %*d %*d %*d %*d %llu %llu %lld",
				&utime, &stime, &starttime, &vsize, &rss) == 5) {
			double tck = (double)sysconf(_SC_CLK_TCK);
			mset_counter(ms, "process_cpu_seconds_total",
				     "User and system CPU time used by the process, in seconds.",
				     (double)(utime + stime) / tck, NULL);
			mset_gauge(ms, "process_virtual_memory_bytes",
				   "Size of the process's virtual address space, in bytes.",
				   (double)vsize, NULL);
			mset_gauge(ms, "process_resident_memory_bytes",
				   "Resident set size of the process, in bytes.",
				   (double)rss * (double)sysconf(_SC_PAGESIZE), NULL);
			double bt = boot_time();
			if (bt >= 0)
				mset_gauge(ms, "process_start_time_seconds",
					   "When the process started, in seconds since the Unix epoch.",
					   bt + (double)starttime / tck, NULL);
		} else {
			rc = -1;
		}
	} else {
		rc = -1;
	}
	int fds = count_fds();
	if (fds >= 0)
		mset_gauge(ms, "process_open_fds", "File descriptors the process has open.",
			   fds, NULL);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		mset_gauge(ms, "process_max_fds", "Limit on open file descriptors of the process.",
			   rl.rlim_cur == RLIM_INFINITY ? 18446744073709551615.0 : (double)rl.rlim_cur, NULL);
	if (getrlimit(RLIMIT_AS, &rl) == 0)
		mset_gauge(ms, "process_virtual_memory_max_bytes",
			   "Limit on the process's virtual address space, in bytes.",
			   rl.rlim_cur == RLIM_INFINITY ? 18446744073709551615.0 : (double)rl.rlim_cur, NULL);
	return rc;
}
