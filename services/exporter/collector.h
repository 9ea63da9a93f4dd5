/* collector.h - the interface between pharos-exporter and its collectors.
 *
 * A collector is one file in collector/ that reads one part of /proc or
 * /sys and adds node_exporter-compatible families to the scrape's metric
 * set. It declares itself with a struct collector and is listed in
 * collectors.c. Reading (file I/O) stays apart from parsing: parse
 * functions take text, so unit tests feed them fixture strings.
 *
 * Collectors run one after the other within a scrape, but several scrapes
 * may run at once on different threads: update() must not keep mutable
 * state outside the struct scrape it is given (or guard it with a lock).
 */
#ifndef PHAROS_EXPORTER_COLLECTOR_H
#define PHAROS_EXPORTER_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "../../lib/buf.h"
#include "../../lib/flags.h"
#include "../../lib/metricset.h"

/* Paths from --path.procfs, --path.sysfs, --path.rootfs, --path.udev.data.
 * Set once at start, read-only afterwards. */
struct exporter_paths {
	const char *procfs;
	const char *sysfs;
	const char *rootfs;
	const char *udev_data;
};
extern struct exporter_paths exporter_paths;

/* What one collector sees during one scrape. */
struct scrape {
	struct mset *ms;     /* where families go */
	struct arena *arena; /* scratch memory, freed after the scrape */
};

struct collector {
	const char *name;  /* as in --collector.<name> and the collector label */
	int default_on;    /* node_exporter 1.5's default */
	/* Add this collector's families to s->ms.
	 * Returns 0, or a negative errno / -1 when the collector failed (its
	 * node_scrape_collector_success is then 0); what it added stays. */
	int (*update)(struct scrape *s);
	/* Optional: the collector's own flags, ended by a {NULL} entry. */
	struct flag *flags;
	/* Optional: called once after flags are parsed; returns 0 or -1 after
	 * printing why (e.g. a bad regular expression). */
	int (*setup)(void);
};

/* ---- one scrape's memos ----
 * A scrape runs its collectors one after another on one thread. Files that
 * several collectors read (/proc/stat: cpu and stat) are read once per
 * scrape: main.c calls scrape_begin() before the first collector, and a
 * memo made under one scrape number is not used under another. Outside a
 * scrape (unit tests, fuzzing) the number is 0 and nothing is memoised. */
void scrape_begin(void);
/* Back to "outside a scrape" (number 0) on this thread. */
void scrape_end(void);
unsigned long scrape_current(void);

/* ---- helpers for collectors (collector_util.c) ---- */

/* Largest file a collector reads; bigger ones are cut (a collector then
 * sees a truncated last line, which the parsers skip). */
#define COLLECTOR_MAX_FILE (8u << 20)

/* Build "<root>/<fmt...>" into the scrape arena. root is a path prefix
 * such as exporter_paths.procfs. Returns the string (arena-owned). */
char *cpath(struct scrape *s, const char *root, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Join the strings given (the list ends with NULL) into out: cap bytes,
 * always NUL-terminated, cut if longer. Returns the length. For metric
 * names and help texts built per sample (snprintf is much slower). */
size_t cat_str(char *out, size_t cap, ...);

/* Read a whole file into b (reset first). Returns 0 or -errno. */
int read_file(const char *path, struct buf *b);

/* Read a whole file into the scrape arena. Returns the NUL-terminated
 * text (arena-owned) or NULL with errno set. */
char *read_file_arena(struct scrape *s, const char *path);

/* Read a small sysfs-style file: first line, trailing whitespace removed.
 * [out] out: outlen bytes. Returns 0 or -errno. */
int read_line(const char *path, char *out, size_t outlen);

/* Read a sysfs-style file holding one number. Returns 0 or -errno
 * (-EINVAL if it does not parse). */
int read_u64(const char *path, uint64_t *out);
int read_double(const char *path, double *out);

/* List the entries of a directory (without "." and ".."), sorted by name.
 * Returns the count (>= 0) or -errno; *names is an arena-owned array of
 * arena-owned strings. */
int list_dir(struct scrape *s, const char *path, char ***names);

/* Split line into whitespace-separated fields, in place. Returns the
 * number of fields stored (at most max). */
int split_fields(char *line, char **fields, int max);

/* Iterate lines: returns the next line (NUL-terminated in place) and moves
 * *p past it, or NULL at the end. */
char *next_line(char **p);

/* Parse a whole string as an unsigned/float number. Returns 0 or -1. */
int parse_u64(const char *s, uint64_t *out);
int parse_double(const char *s, double *out);

/* node_exporter's family name sanitising: characters outside
 * [a-zA-Z0-9_] become '_' (into the scrape arena). */
char *sanitize_name(struct scrape *s, const char *name);

/* Regex flags (Go RE2 syntax in node_exporter; POSIX ERE here, anchored
 * the same way node_exporter anchors each flag). */
struct dev_filter {
	int has_include, has_exclude;
	void *include, *exclude; /* regex_t *, owned */
	void *cache;             /* name -> verdict memo, owned; see below */
};
/* Compile the include/exclude patterns (either may be NULL or "").
 * Returns 0 or -1 after printing the error naming flag_name. */
int dev_filter_init(struct dev_filter *f, const char *include, const char *exclude,
		    const char *flag_name);
/* Release what dev_filter_init() allocated; f becomes empty. */
void dev_filter_free(struct dev_filter *f);
/* Should name be skipped? Thread-safe. Verdicts are remembered per name
 * (device names rarely change, and musl's regexec allocates on every
 * call), up to a bounded number of names. */
int dev_filter_ignored(const struct dev_filter *f, const char *name);

#endif
