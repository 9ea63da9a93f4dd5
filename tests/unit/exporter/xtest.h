/* xtest.h - shared plumbing for the exporter collectors' unit tests
 * (xtest.c; no TEST() cases of its own).
 *
 *   - a scrape on a fresh metric set and arena (struct xtest);
 *   - the set written as text, with or without its # HELP lines;
 *   - a parse function, or a collector's update(), run on a fresh scrape
 *     and its output returned as text;
 *   - throw-away procfs/sysfs trees under /tmp.
 *
 * Every char * these functions return is malloc'd and owned by the caller
 * (free() it); every pointer passed in stays the caller's and is only
 * borrowed for the duration of the call. None of them is thread-safe
 * (xtest_collect() changes the global exporter_paths while it runs).
 *
 * The network collectors' tests have their own helpers (nettest.h).
 */
#ifndef PHAROS_TESTS_XTEST_H
#define PHAROS_TESTS_XTEST_H

#include "../../../services/exporter/collector.h"

/* keep_help arguments: whether the rendered text keeps "# HELP" lines. */
enum { XTEST_NO_HELP = 0, XTEST_HELP = 1 };

/* A scrape writing into a set and arena of its own. s points into the
 * struct itself: initialise it in place and do not copy it. */
struct xtest {
	struct mset ms;
	struct arena arena;
	struct scrape s; /* { &ms, &arena } */
};
void xtest_init(struct xtest *t);
/* Release the set and the arena (not t itself). */
void xtest_free(struct xtest *t);

/* The set written in text format 0.0.4 (mset_write), every "# HELP" line
 * left out unless keep_help. Returns a malloc'd string, "" for an empty
 * set, never NULL. ms stays the caller's and may be written again. */
char *xtest_render(struct mset *ms, int keep_help);

/* Does text hold line as a whole line ending in '\n'? line has no '\n'. */
int xtest_has_line(const char *text, const char *line);

/* Run parse on a malloc'd copy of text (exactly strlen(text) + 1 bytes, so
 * the sanitizers catch a read past its end) with a fresh struct xtest.
 * [out] out: the set rendered as by xtest_render(keep_help) (malloc'd).
 * Returns what parse returned. */
int xtest_parse(int (*parse)(struct scrape *s, char *text), const char *text, int keep_help,
		char **out);

/* Run c->update() on a fresh struct xtest with exporter_paths.procfs,
 * .sysfs and .rootfs pointed at the given roots (NULL leaves one as it is),
 * then put exporter_paths back as it was.
 * [out] out: the set rendered as by xtest_render(keep_help) (malloc'd).
 * Returns what update() returned. */
int xtest_collect(const struct collector *c, const char *procfs, const char *sysfs,
		  const char *rootfs, int keep_help, char **out);

/* ---- throw-away trees ---- */

/* Create a fresh directory /tmp/pharos-<tag>-XXXXXX. Returns its path
 * (malloc'd; the caller frees it, after xtest_rmtree() if it wants the
 * directory gone), or NULL with errno set. */
char *xtest_tree(const char *tag);

/* Write content to <root>/<rel>, creating the missing parent directories
 * (0755) and replacing any file there. With content NULL, <root>/<rel> is
 * made a directory instead. Returns 0, or -1 with errno set. */
int xtest_write(const char *root, const char *rel, const char *content);

/* Make <root>/<rel> a symbolic link to target (which is taken as it is:
 * relative targets are relative to the link's directory). The parent
 * directory must exist. Returns 0, or -1 with errno set. */
int xtest_symlink(const char *root, const char *target, const char *rel);

/* Remove the file <root>/<rel>. Returns 0, or -1 with errno set. */
int xtest_unlink(const char *root, const char *rel);

/* Remove root and everything below it, without following links. root stays
 * the caller's (not freed). Returns 0 if everything went, -1 otherwise. */
int xtest_rmtree(const char *root);

#endif
