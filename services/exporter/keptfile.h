/* keptfile.h - /proc and /sys files kept open from one scrape to the next.
 *
 * Opening a file is the dear part of reading one (path walk, a new struct
 * file, and its release on close); a scrape reads the same few dozen
 * system files every time. procfs and sysfs generate a file's content
 * afresh on every read from offset 0, so a kept descriptor read with
 * pread() gives what a new open would. These functions keep a file open
 * only when it lives on procfs or sysfs (checked with fstatfs once, at
 * open): a regular file (the fixture trees of the tests, /etc/os-release)
 * may be replaced by rename, which a kept descriptor would not see, so it
 * is opened and closed each time as before.
 *
 * Use them only for paths that name the same object for the life of the
 * process (/proc/stat, /proc/net/snmp, /proc/self/stat, a CPU's sysfs
 * directory), never for /proc/<pid>/ of other processes. A kept file that
 * fails to read (its device is gone: ENODEV) is closed and opened again
 * once. At most KEPT_MAX files are kept; others are opened each time
 * (with netclass's 7 files for each of up to 16 devices, the exporter
 * keeps at most ~240 descriptors: well under a default 1024 soft limit).
 * Thread-safe. The descriptors stay open until the process exits.
 */
#ifndef PHAROS_EXPORTER_KEPTFILE_H
#define PHAROS_EXPORTER_KEPTFILE_H

#include <stddef.h>
#include <stdint.h>

#include "collector.h"

#define KEPT_MAX 128

/* read_file_arena() through a kept descriptor: the whole file (cut at
 * COLLECTOR_MAX_FILE) into the scrape arena, NUL-terminated. Returns the
 * text or NULL with errno set. */
char *kept_read_arena(struct scrape *s, const char *path);

/* One read of at most len bytes from offset 0 into out (not terminated).
 * Returns the byte count or -errno. */
long kept_read_once(const char *path, char *out, size_t len);

/* read_line() and read_u64() through a kept descriptor (same results). */
int kept_read_line(const char *path, char *out, size_t outlen);
int kept_read_u64(const char *path, uint64_t *out);

#endif
