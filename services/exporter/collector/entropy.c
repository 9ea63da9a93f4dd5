/* entropy: node_entropy_available_bits and node_entropy_pool_size_bits
 * from /proc/sys/kernel/random/. */
#include <errno.h>
#include <stdint.h>

#include "../collector.h"
#include "../keptfile.h"

/* The files node_exporter (procfs.KernelRandom) reads. All of them must
 * hold a number if they exist; missing ones are skipped. Only the first
 * two are exported. */
static const char *const entropy_files[] = {
	"entropy_avail", "poolsize", "urandom_min_reseed_secs", "write_wakeup_threshold",
	"read_wakeup_threshold",
};
#define ENTROPY_NFILES (sizeof entropy_files / sizeof entropy_files[0])

/* Read <dir>/<file> for each of entropy_files.
 * [out] v, have: the value and whether the file exists.
 * Returns 0, or -errno / -EINVAL for a file that exists but cannot be
 * read or does not hold an unsigned number. */
int entropy_read(struct scrape *s, const char *dir, uint64_t v[ENTROPY_NFILES],
		 int have[ENTROPY_NFILES])
{
	for (size_t i = 0; i < ENTROPY_NFILES; i++) {
		have[i] = 0;
		int rc = kept_read_u64(cpath(s, dir, "%s", entropy_files[i]), &v[i]);
		if (rc == -ENOENT)
			continue;
		if (rc < 0)
			return rc;
		have[i] = 1;
	}
	return 0;
}

static int entropy_update(struct scrape *s)
{
	uint64_t v[ENTROPY_NFILES];
	int have[ENTROPY_NFILES];
	int rc = entropy_read(s, cpath(s, exporter_paths.procfs, "sys/kernel/random"), v, have);
	if (rc < 0)
		return rc;
	if (!have[0])
		return -ENOENT;
	mset_gauge(s->ms, "node_entropy_available_bits",
		   "Entropy the kernel's random pool currently holds, in bits.", (double)v[0],
		   NULL);
	if (!have[1])
		return -ENOENT;
	mset_gauge(s->ms, "node_entropy_pool_size_bits",
		   "Size of the kernel's entropy pool, in bits.", (double)v[1], NULL);
	return 0;
}

const struct collector entropy_collector = { "entropy", 1, entropy_update, NULL, NULL };
