/* dirscan.h - read a directory without opendir().
 *
 * musl's opendir() mallocs a 2 KiB stream that its allocator maps and
 * unmaps on every call; a scrape that walks /sys would do that dozens of
 * times. dirscan reads the entries with getdents64 into a stack buffer. */
#ifndef PHAROS_DIRSCAN_H
#define PHAROS_DIRSCAN_H

/* Call fn(name, d_type, ctx) for each entry of path except "." and "..",
 * in the order the kernel returns them. name is valid during the call only.
 * fn returns 0 to go on, non-zero to stop (that value is returned).
 * Returns 0 at the end, fn's non-zero value, or -errno. */
int dirscan(const char *path, int (*fn)(const char *name, unsigned char type, void *ctx),
	    void *ctx);

#endif
