/* procstat.h - parse /proc/stat, shared by the cpu and stat collectors.
 *
 * Owner: helper h1 (cpu, stat collectors).
 *
 * Follows prometheus/procfs v0.8.0 (the version node_exporter 1.5 uses):
 * CPU times are divided by USER_HZ (100), per-CPU entries are indexed by
 * the number in "cpuN" with missing numbers left at zero, and every field
 * absent from the file stays zero. Where procfs would fail the whole file
 * on one bad line, we skip that line instead.
 */
#ifndef PHAROS_EXPORTER_PROCSTAT_H
#define PHAROS_EXPORTER_PROCSTAT_H

#include <stddef.h>
#include <stdint.h>

#include "../../lib/buf.h"

/* Ticks per second of the /proc/stat CPU columns (USER_HZ). Linux
 * reports 100 on every architecture node_exporter supports. */
#define PROCSTAT_USER_HZ 100.0

/* "cpuN" lines with N at or above this are ignored (Linux's NR_CPUS
 * tops out at 8192); it bounds what one file can make us allocate. */
#define PROCSTAT_MAX_CPUS 16384

/* The CPU time columns, in /proc/stat order. */
enum procstat_mode {
	PROCSTAT_USER, PROCSTAT_NICE, PROCSTAT_SYSTEM, PROCSTAT_IDLE,
	PROCSTAT_IOWAIT, PROCSTAT_IRQ, PROCSTAT_SOFTIRQ, PROCSTAT_STEAL,
	PROCSTAT_GUEST, PROCSTAT_GUEST_NICE,
	PROCSTAT_NMODES
};

/* Seconds spent per mode by one CPU (or all of them). */
struct procstat_cpu {
	double t[PROCSTAT_NMODES];
};

/* The softirq vectors of the "softirq" line, in file order. */
enum {
	PROCSTAT_NSOFTIRQ = 10
};
/* Their names as node_exporter's stat collector labels them
 * (hi timer net_tx net_rx block block_iopoll tasklet sched hrtimer rcu). */
extern const char *const procstat_softirq_names[PROCSTAT_NSOFTIRQ];

struct procstat {
	uint64_t boot_time;        /* btime */
	uint64_t intr;             /* first number of "intr" */
	uint64_t ctxt;
	uint64_t processes;        /* forks since boot */
	uint64_t procs_running;
	uint64_t procs_blocked;
	uint64_t softirq_total;
	uint64_t softirq[PROCSTAT_NSOFTIRQ];
	struct procstat_cpu total; /* the "cpu" line */
	/* Index = CPU number; numbers without a line are all zero. Owned by
	 * the arena given to procstat_parse. NULL when ncpu is 0. */
	struct procstat_cpu *cpu;
	size_t ncpu;
};

/* Parse the text of /proc/stat (modified in place) into *out.
 * [in]  a:   where out->cpu is allocated; it lives as long as the arena.
 * Malformed lines are skipped. Never fails. */
void procstat_parse(struct arena *a, char *text, struct procstat *out);

struct scrape;
/* Read and parse <procfs>/stat for collector scrape s, once per scrape
 * (scrape_begin()): the cpu and stat collectors then report the same
 * reading. [out] *out: valid until the scrape's arena is reset.
 * Returns 0 or -errno. */
int procstat_read(struct scrape *s, const struct procstat **out);

#endif
