/* lib/procself.c's process_open_fds: counted with poll() below a bound and
 * by listing /proc/self/fd above it; the count must equal the directory
 * listing's, with descriptors on both sides of the bound and gaps. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit.h"
#include "../../../lib/buf.h"
#include "../../../lib/procself.h"

/* Entries of /proc/self/fd, less the one the listing holds. */
static int listed_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;
}

/* process_open_fds as procself_collect() writes it, or -1. */
static long reported_fds(void)
{
	struct mset ms;
	mset_init(&ms);
	struct buf out;
	buf_init(&out);
	long v = -1;
	if (procself_collect(&ms) == 0) {
		mset_write(&ms, &out);
		buf_putc(&out, 0);
		const char *p = strstr(out.p, "\nprocess_open_fds ");
		if (p)
			v = strtol(p + strlen("\nprocess_open_fds "), NULL, 10);
	}
	buf_free(&out);
	mset_free(&ms);
	return v;
}

TEST(procself_open_fds_matches_listing)
{
	CHECK(reported_fds() == listed_fds());
	/* Descriptors above the poll bound (256) and a gap below it. */
	int hi1 = fcntl(0, F_DUPFD_CLOEXEC, 300), hi2 = fcntl(0, F_DUPFD_CLOEXEC, 1000);
	int lo = fcntl(0, F_DUPFD_CLOEXEC, 200);
	if (hi1 >= 0 && hi2 >= 0 && lo >= 0) {
		long n = reported_fds();
		CHECK(n == listed_fds());
		close(lo);
		CHECK(reported_fds() == n - 1);
		close(hi2);
		CHECK(reported_fds() == n - 2);
		CHECK(reported_fds() == listed_fds());
	}
	if (hi1 >= 0)
		close(hi1);
	if (hi2 >= 0)
		close(hi2);
}
