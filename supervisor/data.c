#include "data.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "../lib/dirscan.h"
#include "../lib/log.h"

/* From <linux/fs.h>, <linux/blkpg.h> and ext4, which musl-gcc does not see. */
#define DATA_BLKGETSIZE64 _IOR(0x12, 114, size_t)
#define DATA_BLKPG _IO(0x12, 105)
#define DATA_BLKPG_RESIZE_PARTITION 3
#define DATA_EXT4_IOC_RESIZE_FS _IOW('f', 16, uint64_t)
struct data_blkpg_partition {
	long long start, length;
	int pno;
	char devname[64], volname[64];
};
struct data_blkpg_ioctl_arg {
	int op, flags, datalen;
	void *data;
};

#define SECTOR 512u

uint32_t data_crc32(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++) {
		c ^= b[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
	}
	return ~c;
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

static int data_pio(int fd, void *buf, size_t n, uint64_t off, int wr)
{
	ssize_t r = wr ? pwrite(fd, buf, n, (off_t)off) : pread(fd, buf, n, (off_t)off);
	return r == (ssize_t)n ? 0 : r < 0 ? -errno : -EIO;
}

static void data_header_crc(unsigned char *h)
{
	uint32_t hs = le32(h + 12);
	put32(h + 16, 0);
	put32(h + 16, data_crc32(h, hs));
}

int data_gpt_grow(int fd, uint64_t disk_bytes, int pno, uint64_t *start, uint64_t *len)
{
	unsigned char h[SECTOR], b[SECTOR];
	unsigned char *ents = NULL;
	int rc;
	uint64_t last = disk_bytes / SECTOR - 1;
	if ((rc = data_pio(fd, h, SECTOR, SECTOR, 0)))
		return rc;
	uint32_t hs = le32(h + 12), n = le32(h + 80), es = le32(h + 84);
	if (memcmp(h, "EFI PART", 8) || hs < 92 || hs > SECTOR || es < 128 || es > 4096 ||
	    n == 0 || n > 4096 || pno < 1 || (uint32_t)pno > n)
		return -EINVAL;
	uint32_t crc = le32(h + 16);
	put32(h + 16, 0);
	if (data_crc32(h, hs) != crc)
		return -EINVAL;
	put32(h + 16, crc);
	size_t esz = (size_t)n * es, esec = (esz + SECTOR - 1) / SECTOR;
	ents = calloc(1, esec * SECTOR);
	if (!ents)
		return -ENOMEM;
	uint64_t elba = le64(h + 72);
	if ((rc = data_pio(fd, ents, esz, elba * SECTOR, 0)))
		goto fail;
	rc = -EINVAL;
	if (data_crc32(ents, esz) != le32(h + 88))
		goto fail;
	unsigned char *e = ents + (size_t)(pno - 1) * es;
	uint64_t pfirst = le64(e + 32), plast = le64(e + 40);
	*start = pfirst * SECTOR;
	*len = (plast - pfirst + 1) * SECTOR;
	uint64_t old_backup = le64(h + 32);
	if (old_backup == last) {
		rc = 0; /* the disk did not grow */
		goto fail;
	}
	rc = -EBUSY;
	for (uint32_t i = 0; i < n; i++)
		if (i != (uint32_t)(pno - 1) && le64(ents + (size_t)i * es + 40) > plast)
			goto fail;
	uint64_t last_usable = last - esec - 1;
	uint64_t new_last = ((last_usable + 1) / 2048) * 2048 - 1; /* end on a MiB boundary */
	if (new_last < plast)
		new_last = plast;
	put64(e + 40, new_last);
	uint32_t ecrc = data_crc32(ents, esz);
	/* Primary: header at LBA 1, entries where they were. */
	put64(h + 32, last);
	put64(h + 48, last_usable);
	put32(h + 88, ecrc);
	data_header_crc(h);
	if ((rc = data_pio(fd, ents, esz, elba * SECTOR, 1)) ||
	    (rc = data_pio(fd, h, SECTOR, SECTOR, 1)))
		goto fail;
	/* Backup: entries just before the last sector, header in it. */
	put64(h + 24, last);
	put64(h + 32, 1);
	put64(h + 72, last - esec);
	data_header_crc(h);
	if ((rc = data_pio(fd, ents, esz, (last - esec) * SECTOR, 1)) ||
	    (rc = data_pio(fd, h, SECTOR, last * SECTOR, 1)))
		goto fail;
	/* The stale backup header in the middle of the disk goes. */
	memset(b, 0, sizeof b);
	if (old_backup < last && old_backup > 1)
		data_pio(fd, b, SECTOR, old_backup * SECTOR, 1);
	fsync(fd);
	*len = (new_last - pfirst + 1) * SECTOR;
	free(ents);
	return new_last > plast;
fail:
	free(ents);
	return rc;
}

struct data_scan {
	const char *root, *label;
	char *dev;
	size_t devlen;
	int found;
};

static int data_scan_one(const char *name, unsigned char type, void *ctx)
{
	struct data_scan *sc = ctx;
	char path[512], buf[2048];
	(void)type;
	snprintf(path, sizeof path, "%s/sys/class/block/%s/uevent", sc->root, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		buf[n > 0 ? n : 0] = 0;
		for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
			if (!strncmp(l, "PARTNAME=", 9) && !strcmp(l + 9, sc->label))
				goto found;
	}
	/* An ext4 filesystem's own label (a disk without GPT). */
	unsigned char sb[1024];
	snprintf(path, sizeof path, "%s/dev/%s", sc->root, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int ok = pread(fd, sb, sizeof sb, 1024) == (ssize_t)sizeof sb && sb[0x38] == 0x53 &&
		 sb[0x39] == 0xEF && strnlen((char *)sb + 0x78, 16) == strlen(sc->label) &&
		 !strncmp((char *)sb + 0x78, sc->label, 16);
	close(fd);
	if (!ok)
		return 0;
found:
	snprintf(sc->dev, sc->devlen, "/dev/%s", name);
	sc->found = 1;
	return 1;
}

int data_find(const char *root, const char *label, char *dev, size_t devlen)
{
	char path[512];
	struct data_scan sc = { root ? root : "", label, dev, devlen, 0 };
	snprintf(path, sizeof path, "%s/sys/class/block", sc.root);
	dirscan(path, data_scan_one, &sc);
	return sc.found ? 0 : -ENOENT;
}

/* "/dev/vda2" -> disk "/dev/vda", partition 2, from sysfs. */
static int data_disk_of(const char *dev, char *disk, size_t disklen, int *pno)
{
	const char *name = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
	char path[512], link[512], buf[32];
	if (disklen < 8)
		return -EINVAL;
	snprintf(path, sizeof path, "/sys/class/block/%s/partition", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	*pno = atoi(buf);
	/* /sys/class/block/vda2 -> ../../devices/.../vda/vda2 */
	snprintf(path, sizeof path, "/sys/class/block/%s", name);
	n = readlink(path, link, sizeof link - 1);
	if (n <= 0 || *pno <= 0)
		return -EINVAL;
	link[n] = 0;
	char *slash = strrchr(link, '/');
	if (!slash)
		return -EINVAL;
	*slash = 0;
	slash = strrchr(link, '/');
	snprintf(disk, disklen, "/dev/%s", slash ? slash + 1 : link);
	return 0;
}

int data_grow(const char *dev)
{
	char disk[600];
	int pno = 0, rc;
	uint64_t size, start, len;
	if ((rc = data_disk_of(dev, disk, sizeof disk, &pno)) < 0) {
		log_warn("grow: %s: cannot find its disk: %s", dev, strerror(-rc));
		return rc;
	}
	int fd = open(disk, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		log_warn("grow: %s: %s", disk, strerror(errno));
		return -errno;
	}
	if (ioctl(fd, DATA_BLKGETSIZE64, &size) < 0) {
		rc = -errno;
		goto fail;
	}
	rc = data_gpt_grow(fd, size, pno, &start, &len);
	if (rc == 1) {
		struct data_blkpg_partition p = { .start = (long long)start,
						  .length = (long long)len, .pno = pno };
		struct data_blkpg_ioctl_arg a = { .op = DATA_BLKPG_RESIZE_PARTITION,
						  .datalen = sizeof p, .data = &p };
		if (ioctl(fd, DATA_BLKPG, &a) < 0) {
			rc = -errno;
			log_warn("grow: BLKPG on %s: %s (the new size counts after a reboot)",
				 disk, strerror(errno));
			goto fail;
		}
		log_info("grow: %s partition %d now %llu MiB", disk, pno,
			 (unsigned long long)(len >> 20));
	} else if (rc < 0) {
		log_warn("grow: %s: %s", disk, strerror(-rc));
	}
fail:
	close(fd);
	return rc;
}

int data_mount(const char *dev, const char *dir)
{
	mkdir(dir, 0755);
	if (mount(dev, dir, "ext4", MS_NOATIME | MS_NODEV | MS_NOSUID, NULL) < 0) {
		int e = errno;
		log_error("data: mount %s on %s: %s", dev, dir, strerror(e));
		return -e;
	}
	log_info("data: %s mounted on %s", dev, dir);
	/* Grow the filesystem to the partition, online. */
	const char *name = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
	char path[512], buf[32];
	struct statvfs sv;
	snprintf(path, sizeof path, "/sys/class/block/%s/size", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || statvfs(dir, &sv) < 0 || sv.f_frsize == 0) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	uint64_t sectors = 0;
	for (const char *d = buf; *d >= '0' && *d <= '9'; d++)
		sectors = sectors * 10 + (uint64_t)(*d - '0');
	uint64_t want = sectors * SECTOR / sv.f_frsize;
	if (want > sv.f_blocks + 1024) { /* slack: the fs rounds to its groups */
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0 && ioctl(dfd, DATA_EXT4_IOC_RESIZE_FS, &want) == 0)
			log_info("data: ext4 grown to %llu blocks", (unsigned long long)want);
		else
			log_warn("data: ext4 online resize: %s", strerror(errno));
		if (dfd >= 0)
			close(dfd);
	}
	return 0;
}
