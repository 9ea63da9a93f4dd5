/* cpuinfo.h - parse /proc/cpuinfo for the cpu collector's
 * --collector.cpu.info metrics (node_cpu_info, node_cpu_flag_info,
 * node_cpu_bug_info).
 *
 * Owner: helper h1.
 *
 * The layout of /proc/cpuinfo depends on the architecture; like
 * prometheus/procfs v0.8.0 there is one parser per family and the
 * exporter uses the one of the architecture it is built for
 * (cpuinfo_parse). A line is "key<blanks>: value": the key is trimmed,
 * the value is everything after the first ": ", untouched.
 */
#ifndef PHAROS_EXPORTER_CPUINFO_H
#define PHAROS_EXPORTER_CPUINFO_H

#include "../../lib/buf.h"

/* One logical CPU. Strings point into the text given to the parser (or
 * are ""), so they live as long as that text. */
struct cpuinfo_cpu {
	unsigned processor;
	char *vendor;      /* vendor_id (or vendor) */
	char *family;      /* cpu family */
	char *model;
	char *model_name;
	char *stepping;
	char *microcode;
	char *cache_size;
	char *physical_id;
	char *core_id;
	char *flags;       /* whitespace-separated, as in the file */
	char *bugs;
};

/* Parse x86 /proc/cpuinfo text (modified in place). The text must start
 * (after blank lines) with a "processor : N" line; each further
 * "processor" line starts the next CPU.
 * [out] out: arena-owned array. Returns the number of CPUs, or -1 if the
 * text is not x86 cpuinfo or a processor number does not parse. Other
 * malformed lines are skipped. */
int cpuinfo_parse_x86(struct arena *a, char *text, struct cpuinfo_cpu **out);

/* Parse ARM (32 and 64 bit) /proc/cpuinfo text, in place. The first
 * line is "processor : N" (one block per CPU) or, on old 32-bit kernels,
 * "Processor : <model name>". Every CPU gets the flags of the last
 * "Features" line. Same results as cpuinfo_parse_x86. */
int cpuinfo_parse_arm(struct arena *a, char *text, struct cpuinfo_cpu **out);

/* The parser for the architecture pharos-exporter is built for, or -2
 * (not supported here) on the others. */
int cpuinfo_parse(struct arena *a, char *text, struct cpuinfo_cpu **out);

#endif
