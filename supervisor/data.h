/* data.h - the data partition: find it by name, grow it to the end of its
 * disk on first boot, mount it.
 *
 * Growing (tested steps from reference/image-notes.md §10): if the GPT's
 * backup header is not at the end of the disk (the disk was enlarged, as
 * EC2 root volumes are), the last partition is extended to the last usable
 * sector (rounded down to 1 MiB), both GPT headers and entry arrays are
 * rewritten with new CRCs, the kernel is told (BLKPG_RESIZE_PARTITION),
 * and after mounting, ext4 is grown online (EXT4_IOC_RESIZE_FS). No
 * resize2fs or growpart is needed. A second boot finds nothing to do. */
#ifndef PHAROS_SUPERVISOR_DATA_H
#define PHAROS_SUPERVISOR_DATA_H

#include <stddef.h>
#include <stdint.h>

/* Find the partition whose GPT name (PARTNAME in its uevent) or ext4
 * label is label, under <root>/sys/class/block. [out] dev: "/dev/vda2".
 * Returns 0 or -ENOENT. */
int data_find(const char *root, const char *label, char *dev, size_t devlen);

/* Grow partition number pno (1-based) of the GPT disk open as fd, of
 * disk_bytes bytes (512-byte sectors), if the disk grew. The partition
 * must be the last one on the disk.
 * [out] start, len: the partition's new extent in bytes.
 * Returns 1 when grown, 0 when there was nothing to do, or negative errno
 * (-EINVAL: no valid GPT; -EBUSY: another partition lies beyond it). */
int data_gpt_grow(int fd, uint64_t disk_bytes, int pno, uint64_t *start, uint64_t *len);

/* data_gpt_grow() on the disk holding partition dev, then tell the kernel.
 * Returns 1 grown, 0 nothing to do, negative errno. */
int data_grow(const char *dev);

/* Mount dev (ext4) on dir, creating dir, then grow the filesystem to the
 * partition's size if it is smaller. Returns 0 or negative errno. */
int data_mount(const char *dev, const char *dir);

/* CRC-32 (IEEE, as GPT uses it). */
uint32_t data_crc32(const void *p, size_t n);

#endif
