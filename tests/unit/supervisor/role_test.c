#include "../unit.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../supervisor/role.h"

TEST(role_cmdline_last_wins)
{
	char r[ROLE_MAX];
	CHECK_INT(role_from_cmdline("console=ttyS0 role=app quiet role=monitor\n", r, sizeof r), 0);
	CHECK_STR(r, "monitor");
	CHECK_INT(role_from_cmdline("console=ttyS0 prole=x role= role=a;b\n", r, sizeof r), -ENOENT);
}

TEST(role_text_forms)
{
	char r[ROLE_MAX];
	CHECK_INT(role_from_text("#cloud-config\nfoo: 1\nrole: \"tsdb,alerter\"\n", 0, r, sizeof r), 0);
	CHECK_STR(r, "tsdb,alerter");
	CHECK_INT(role_from_text("net1=1.2.3.4/24\nrole=app\n", 0, r, sizeof r), 0);
	CHECK_STR(r, "app");
	CHECK_INT(role_from_text("dashboard\n", 0, r, sizeof r), -ENOENT);
	CHECK_INT(role_from_text("dashboard\n", 1, r, sizeof r), 0);
	CHECK_STR(r, "dashboard");
	CHECK_INT(role_from_text("two words\n", 1, r, sizeof r), -ENOENT);
}

TEST(role_smbios_oem_strings)
{
	/* type 11, length 5, handle, count 2, then the strings */
	static const unsigned char raw[] = { 11, 5, 0, 0, 2, 'n', 'e', 't', '=', '1', 0,
					     'r', 'o', 'l', 'e', '=', 'a', 'p', 'p', 0, 0 };
	char r[ROLE_MAX];
	CHECK_INT(role_from_smbios(raw, sizeof raw, r, sizeof r), 0);
	CHECK_STR(r, "app");
	CHECK_INT(role_from_smbios(raw, 12, r, sizeof r), -ENOENT); /* cut short */
	static const unsigned char other[] = { 1, 5, 0, 0, 1, 'r', 'o', 'l', 'e', '=', 'x', 0, 0 };
	CHECK_INT(role_from_smbios(other, sizeof other, r, sizeof r), -ENOENT);
}

TEST(role_cidata_labels)
{
	static unsigned char bs[512];
	const char *fs = NULL;
	memset(bs, 0, sizeof bs);
	bs[510] = 0x55, bs[511] = 0xAA;
	bs[0x26] = 0x29;
	memcpy(bs + 0x2B, "cidata     ", 11);
	memcpy(bs + 0x36, "FAT12   ", 8);
	CHECK_INT(role_is_cidata(bs, sizeof bs, &fs), 1);
	CHECK_STR(fs, "vfat");
	memcpy(bs + 0x2B, "DATA       ", 11);
	CHECK_INT(role_is_cidata(bs, sizeof bs, &fs), 0);
	memset(bs, 0, sizeof bs);
	bs[510] = 0x55, bs[511] = 0xAA;
	bs[0x42] = 0x29;
	memcpy(bs + 0x47, "CIDATA     ", 11);
	memcpy(bs + 0x52, "FAT32   ", 8);
	CHECK_INT(role_is_cidata(bs, sizeof bs, &fs), 1);
}

static void put(const char *root, const char *rel, const void *data, size_t n)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	for (char *s = path + strlen(root) + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(path, 0755);
			*s = '/';
		}
	FILE *f = fopen(path, "w");
	fwrite(data, 1, n, f);
	fclose(f);
}

TEST(role_find_in_order)
{
	char root[] = "/tmp/pharos-role-XXXXXX", r[ROLE_MAX];
	CHECK(mkdtemp(root) != NULL);
	struct role_probe p = { .root = root };
	CHECK_STR(role_find(&p, r, sizeof r), "default");
	CHECK_STR(r, "all");
	put(root, "data/pharos.yml", "role: [tsdb, alerter]\n", 22);
	CHECK_STR(role_find(&p, r, sizeof r), "data");
	CHECK_STR(r, "tsdb,alerter");
	put(root, "data/role", "app\n", 4);
	CHECK_STR(role_find(&p, r, sizeof r), "data");
	CHECK_STR(r, "app");
	/* a cidata disk: the label in the device, user-data where it is mounted */
	static unsigned char bs[512];
	bs[510] = 0x55, bs[511] = 0xAA, bs[0x26] = 0x29;
	memcpy(bs + 0x2B, "cidata     ", 11);
	memcpy(bs + 0x36, "FAT16   ", 8);
	put(root, "dev/vdb", bs, sizeof bs);
	put(root, "sys/class/block/vdb/uevent", "DEVNAME=vdb\n", 12);
	put(root, "run/cidata/user-data", "#cloud-config\nrole: dashboard\n", 30);
	CHECK_STR(role_find(&p, r, sizeof r), "cidata");
	CHECK_STR(r, "dashboard");
	static const unsigned char raw[] = { 11, 5, 0, 0, 1, 'r', 'o', 'l', 'e', '=', 'm', 'o',
					     'n', 'i', 't', 'o', 'r', 0, 0 };
	put(root, "sys/firmware/dmi/entries/11-0/raw", raw, sizeof raw);
	CHECK_STR(role_find(&p, r, sizeof r), "smbios");
	CHECK_STR(r, "monitor");
	put(root, "sys/firmware/qemu_fw_cfg/by_name/opt/org.pharos/role/raw", "tsdb", 4);
	CHECK_STR(role_find(&p, r, sizeof r), "fw_cfg");
	CHECK_STR(r, "tsdb");
	put(root, "proc/cmdline", "console=ttyS0 role=exporter\n", 28);
	CHECK_STR(role_find(&p, r, sizeof r), "cmdline");
	CHECK_STR(r, "exporter");
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	CHECK_INT(system(cmd), 0);
}
