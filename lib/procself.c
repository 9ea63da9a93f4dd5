#include "procself.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Descriptors below this are counted with one poll(): a closed one
 * answers POLLNVAL. Listing /proc/self/fd instead makes the kernel look up
 * a dentry per open descriptor (~3% of a scrape with the ~70 kept files);
 * poll() only takes a reference to each file. */
#define PROCSELF_POLL_FDS 256

struct procself_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Open descriptors of the process, not counting the one used to count
 * them: those below PROCSELF_POLL_FDS by poll(), the rest by listing
 * /proc/self/fd from that position on (procfs numbers the entry of
 * descriptor n as position n + 2, after "." and ".."). If poll() fails
 * (a descriptor limit under PROCSELF_POLL_FDS, EINTR) the whole directory
 * is listed. Returns the count, or -1. */
static int count_fds(void)
{
	int dfd = openat(AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	int n = 0;
	long from = 0; /* the first descriptor left to the listing */
	struct pollfd pfd[PROCSELF_POLL_FDS];
	for (int i = 0; i < PROCSELF_POLL_FDS; i++)
		pfd[i] = (struct pollfd){ .fd = i, .events = 0 };
	if (poll(pfd, PROCSELF_POLL_FDS, 0) >= 0) {
		for (int i = 0; i < PROCSELF_POLL_FDS; i++)
			n += !(pfd[i].revents & POLLNVAL);
		from = PROCSELF_POLL_FDS;
		if (lseek(dfd, from + 2, SEEK_SET) < 0) {
			n = 0;
			from = 0;
			if (lseek(dfd, 0, SEEK_SET) < 0) {
				close(dfd);
				return -1;
			}
		}
	}
	_Alignas(8) char buf[4096];
	for (;;) {
		long got = syscall(SYS_getdents64, dfd, buf, sizeof buf);
		if (got < 0) {
			close(dfd);
			return -1;
		}
		if (got == 0)
			break;
		for (long off = 0; off < got;) {
			const struct procself_dirent64 *d = (const void *)(buf + off);
			off += d->d_reclen;
			n += d->d_name[0] != '.'; /* descriptor names are digits */
		}
	}
	close(dfd);
	return n - 1; /* dfd */
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
