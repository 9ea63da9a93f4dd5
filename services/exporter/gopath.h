/* gopath.h - Go's path/filepath Clean, Join and Glob, which decide the
 * file names node_exporter puts in labels (owner: the textfile
 * collector). Thread-safe; results live in the caller's arena. */
#ifndef PHAROS_EXPORTER_GOPATH_H
#define PHAROS_EXPORTER_GOPATH_H

#include <stddef.h>

#include "../../lib/buf.h"

/* filepath.Clean: one slash between elements, no "." elements, ".."
 * resolved lexically, no trailing slash, "." for an empty result.
 * Returns a new arena-owned string. */
char *gopath_clean(struct arena *a, const char *path);

/* filepath.Join(dir, name): the two joined by one slash, then cleaned;
 * an empty part is left out. Returns a new arena-owned string. */
char *gopath_join(struct arena *a, const char *dir, const char *name);

/* The largest number of paths gopath_glob returns. */
#define GOPATH_GLOB_MAX 4096

/* filepath.Glob: the paths matching pattern (shell-style * ? [..] and
 * backslash escapes within each path element; a '*' does not cross '/'),
 * sorted per directory level as Go returns them. A pattern without
 * metacharacters yields itself if it exists (lstat). Unreadable
 * directories are skipped.
 * [out] paths: arena-owned array of arena-owned strings.
 * Returns the count: 0 if nothing matches or the pattern is malformed
 * (node_exporter treats both the same way). At most GOPATH_GLOB_MAX
 * paths are returned. */
int gopath_glob(struct arena *a, const char *pattern, char ***paths);

#endif
