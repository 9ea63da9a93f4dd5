/* sd_file.h - file-based service discovery (file_sd_configs), as
 * Prometheus 2.42: every file matching one of the globs (names must end in
 * .json, .yml or .yaml) holds a list of target groups
 *   [{"targets": ["host:port", ...], "labels": {"name": "value", ...}}, ...]
 * in JSON or YAML. Each group gets the label __meta_filepath (the file's
 * path) and the source "path:index".
 *
 * A struct sd_file watches one file_sd_config: sd_file_changed() says
 * whether a matching file appeared, vanished or changed (mtime, size,
 * inode) since the last sd_file_read(), so the scraper re-reads on change
 * and every refresh_interval.
 *
 * Errors are "file:line:col: message" lines. A file that cannot be read
 * or parsed contributes no groups (Prometheus keeps the previous groups of
 * that file; the caller may keep its previous result when
 * sd_file_read() reports errors).
 *
 * Limits: a file over 16 MiB, more than 100000 targets in total or more
 * than 1000 files per config is an error.
 */
#ifndef PHAROS_TSDB_SD_FILE_H
#define PHAROS_TSDB_SD_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../lib/buf.h"
#include "config.h"

struct sd_file_stamp {
	char *path;   /* owned by the struct sd_file */
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns;
};

struct sd_file {
	const struct prom_file_sd_config *cfg; /* borrowed; must outlive this */
	struct sd_file_stamp *stamps;          /* files seen at the last read; owned */
	size_t nstamps;
	int read_once;
};

/* Prepare sd to watch cfg (no I/O). */
void sd_file_init(struct sd_file *sd, const struct prom_file_sd_config *cfg);
/* Release what sd owns. */
void sd_file_free(struct sd_file *sd);

/* Expand the globs, read and parse every matching file.
 * [in] a: arena for the groups (arrays, strings, labels).
 * [out] groups, ngroups: all groups of all files, in file-name order.
 * [out] errors: problems appended as lines (may be NULL).
 * Returns 0 when everything was read, -EINVAL when some file had errors
 * (the groups of the good files are still returned). Records the files'
 * stamps for sd_file_changed(). */
int sd_file_read(struct sd_file *sd, struct arena *a, struct prom_target_group **groups,
		 size_t *ngroups, struct buf *errors);

/* 1 when the set of matching files or any file's mtime/size/inode changed
 * since the last sd_file_read() (or nothing was read yet), else 0. */
int sd_file_changed(const struct sd_file *sd);

/* Parse one file's content (JSON when name ends in .json, else YAML).
 * [in] path: the file name, for __meta_filepath, sources and messages.
 * Groups are appended to *groups and *ngroups (arrays grown in a).
 * Returns 0 or -EINVAL (errors appended). */
int sd_file_parse(const char *path, const char *data, size_t len, struct arena *a,
		  struct prom_target_group **groups, size_t *ngroups, struct buf *errors);

#endif
