#include "../unit.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "../../../supervisor/data.h"

static void le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

static void le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* A GPT disk of `sectors` sectors with two partitions, the way sgdisk
 * lays it out: 128 entries of 128 bytes, backup at the end. */
static int make_disk(const char *path, uint64_t sectors)
{
	static unsigned char h[512], ents[128 * 128];
	memset(h, 0, sizeof h);
	memset(ents, 0, sizeof ents);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)(sectors * 512)) < 0)
		return -1;
	/* ESP 2048..4095, data 4096..8191 */
	memset(ents, 0x11, 16);
	le64(ents + 32, 2048);
	le64(ents + 40, 4095);
	memset(ents + 128, 0x22, 16);
	le64(ents + 128 + 32, 4096);
	le64(ents + 128 + 40, 8191);
	memcpy(h, "EFI PART", 8);
	le32(h + 8, 0x10000);
	le32(h + 12, 92);
	le64(h + 24, 1);
	le64(h + 32, sectors - 1);
	le64(h + 40, 34);
	le64(h + 48, sectors - 34);
	le64(h + 72, 2);
	le32(h + 80, 128);
	le32(h + 84, 128);
	le32(h + 88, data_crc32(ents, sizeof ents));
	le32(h + 16, data_crc32(h, 92));
	if (pwrite(fd, h, 512, 512) != 512 || pwrite(fd, ents, sizeof ents, 1024) != sizeof ents)
		return -1;
	return fd;
}

TEST(data_crc32_known_value)
{
	CHECK(data_crc32("123456789", 9) == 0xCBF43926u);
}

TEST(data_gpt_grow_extends_the_last_partition)
{
	char path[64];
	snprintf(path, sizeof path, "/tmp/pharos-gpt-%d.img", (int)getpid());
	/* Built for 10240 sectors (5 MiB) ... */
	int fd = make_disk(path, 10240);
	CHECK(fd >= 0);
	uint64_t start, len;
	CHECK_INT(data_gpt_grow(fd, 10240 * 512, 2, &start, &len), 0); /* nothing to do */
	CHECK_INT(len, 4096 * 512);
	/* ... then the disk becomes 32 MiB. */
	CHECK_INT(ftruncate(fd, 65536 * 512), 0);
	CHECK_INT(data_gpt_grow(fd, 65536 * 512ULL, 1, &start, &len), -EBUSY);
	CHECK_INT(data_gpt_grow(fd, 65536 * 512ULL, 2, &start, &len), 1);
	CHECK_INT(start, 4096 * 512);
	CHECK_INT(len, (63487 - 4096 + 1) * 512ULL); /* last usable 65502, MiB-aligned end 63487 */
	/* Both headers are valid and agree; a second run does nothing. */
	unsigned char h[512], b[512];
	CHECK_INT(pread(fd, h, 512, 512), 512);
	CHECK_INT(pread(fd, b, 512, 65535 * 512ULL), 512);
	CHECK(!memcmp(b, "EFI PART", 8));
	CHECK_INT(get64(h + 32), 65535);
	CHECK_INT(get64(b + 24), 65535);
	CHECK_INT(get64(b + 32), 1);
	CHECK_INT(get64(b + 72), 65535 - 32);
	CHECK_INT(data_gpt_grow(fd, 65536 * 512ULL, 2, &start, &len), 0);
	/* The backup copy validates too: check it as if it were primary. */
	uint32_t crc = (uint32_t)b[16] | (uint32_t)b[17] << 8 | (uint32_t)b[18] << 16 |
		       (uint32_t)b[19] << 24;
	memset(b + 16, 0, 4);
	CHECK(data_crc32(b, 92) == crc);
	close(fd);
	unlink(path);
}

TEST(data_find_by_partname)
{
	char root[] = "/tmp/pharos-data-XXXXXX", dev[64], path[512];
	CHECK(mkdtemp(root) != NULL);
	snprintf(path, sizeof path, "mkdir -p %s/sys/class/block/vda2 %s/sys/class/block/vda1 && "
		 "printf 'PARTN=2\\nPARTNAME=data\\n' > %s/sys/class/block/vda2/uevent && "
		 "printf 'PARTNAME=ESP\\n' > %s/sys/class/block/vda1/uevent", root, root, root, root);
	CHECK_INT(system(path), 0);
	CHECK_INT(data_find(root, "data", dev, sizeof dev), 0);
	CHECK_STR(dev, "/dev/vda2");
	CHECK_INT(data_find(root, "other", dev, sizeof dev), -ENOENT);
	snprintf(path, sizeof path, "rm -rf %s", root);
	CHECK_INT(system(path), 0);
}
