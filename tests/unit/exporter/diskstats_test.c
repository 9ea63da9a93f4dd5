/* Tests for collector/diskstats.c: /proc/diskstats lines of every length
 * the kernel writes, udev properties, the device filter flags. */
#include "../unit.h"
#include "xtest.h"

#include <stdint.h>

struct diskstats_line {
	unsigned major, minor;
	const char *name;
	int nstats;
	uint64_t stats[17];
};
struct diskstats_udev {
	const char *v[18];
};
int diskstats_parse_line(char *line, struct diskstats_line *out);
void diskstats_udev_parse(char *text, struct diskstats_udev *out);
int diskstats_parse(struct scrape *s, char *text, const char *udev_dir);
int diskstats_set_filter(const char *exclude, int exclude_given, const char *include,
			 const char *ignored);

static const char diskstats_default[] = "^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$";

/* The output without HELP lines (caller frees); t is freed. */
static char *ds_render(struct xtest *t)
{
	char *out = xtest_render(&t->ms, XTEST_NO_HELP);
	xtest_free(t);
	return out;
}

/* A udev database in a fresh directory; returns its path (malloc). */
static char *ds_udev_dir(void)
{
	char *dir = xtest_tree("diskstats");
	if (!dir)
		return NULL;
	static const struct {
		const char *name, *text;
	} files[] = {
		{ "b8:32", "S:disk/by-id/ata-INTEL_SSDS9X9SI0_3EWB5Y25CWQWA7EH1U\n"
			   "I:198\n"
			   "E:ID_ATA=1\n"
			   "E:ID_TYPE=disk\n"
			   "E:ID_MODEL=INTEL_SSDS9X9SI0\n"
			   "E:ID_REVISION=0100\n"
			   "E:ID_SERIAL_SHORT=3EWB5Y25CWQWA7EH1U\n"
			   "E:ID_WWN=0x58907ddc573a5de\n"
			   "E:ID_ATA_WRITE_CACHE=1\n"
			   "E:ID_ATA_WRITE_CACHE_ENABLED=0\n"
			   "E:ID_ATA_ROTATION_RATE_RPM=0\n"
			   "E:ID_PATH=pci-0000:00:1f.2-ata-4\n"
			   "E:ID_FS_UUID=QFy9W7\n"
			   "E:ID_FS_VERSION=LVM2 001\n"
			   "E:ID_FS_TYPE=LVM2_member\n"
			   "E:ID_FS_USAGE=raid\n"
			   "G:systemd\n" },
		{ "b252:1", "S:mapper/system-swap_1\n"
			    "E:DM_NAME=system-swap_1\n"
			    "E:DM_UUID=LVM-wbGq\n"
			    "E:DM_VG_NAME=system\n"
			    "E:DM_LV_NAME=swap_1\n"
			    "E:ID_FS_TYPE=swap\n"
			    "E:ID_FS_USAGE=other\n" },
		{ "b11:0", "E:ID_MODEL=Virtual_CDROM0\r\nE:ID_FS_TYPE=\nE:ID_PATH=usb\n" },
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		if (xtest_write(dir, files[i].name, files[i].text) != 0) {
			xtest_rmtree(dir);
			free(dir);
			return NULL;
		}
	}
	return dir;
}

TEST(diskstats_line_lengths)
{
	struct diskstats_line d;
	char l11[] = "   8       0 sda 25354637 34367663 1003346126 18492372 28444756 11134226 "
		     "505697032 63877960 0 9653880 82621804";
	CHECK_INT(diskstats_parse_line(l11, &d), 0);
	CHECK_INT(d.major, 8);
	CHECK_INT(d.minor, 0);
	CHECK_STR(d.name, "sda");
	CHECK_INT(d.nstats, 11);
	CHECK_INT(d.stats[10], 82621804);
	char l17[] = "   8      32 sdc 126552 141 1657779 14 11822 1895 172905 1007 0 10730 17070 "
		     "18851 0 125173784 11130 1555 1944";
	CHECK_INT(diskstats_parse_line(l17, &d), 0);
	CHECK_INT(d.nstats, 17);
	CHECK_INT(d.stats[16], 1944);
	/* Longer lines keep the first 17 counters. */
	char l18[] = "8 33 sdc1 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18";
	CHECK_INT(diskstats_parse_line(l18, &d), 0);
	CHECK_INT(d.nstats, 17);
}

TEST(diskstats_line_malformed)
{
	struct diskstats_line d;
	char short_line[] = "8 0 sda 1 2 3 4 5 6 7 8 9 10";
	CHECK(diskstats_parse_line(short_line, &d) != 0);
	char word[] = "8 0 sda 1 2 3 4 5 six 7 8 9 10 11";
	CHECK(diskstats_parse_line(word, &d) != 0);
	char neg[] = "8 0 sda 1 2 3 4 5 -6 7 8 9 10 11";
	CHECK(diskstats_parse_line(neg, &d) != 0);
	char big_major[] = "4294967296 0 sda 1 2 3 4 5 6 7 8 9 10 11";
	CHECK(diskstats_parse_line(big_major, &d) != 0);
	char empty[] = "";
	CHECK(diskstats_parse_line(empty, &d) != 0);
}

TEST(diskstats_udev_properties)
{
	char text[] = "S:disk/by-id/x\nE:ID_PATH=pci-1\nE:ID_MODEL=A\nE:ID_MODEL=B\nE:NOEQUALS\n"
		      "L:0\nE:DM_NAME=vg-lv\nE:ID_FS_TYPE=\n";
	struct diskstats_udev u;
	diskstats_udev_parse(text, &u);
	CHECK_STR(u.v[0], "pci-1"); /* ID_PATH */
	CHECK(u.v[1] == NULL);      /* ID_WWN absent */
	CHECK_STR(u.v[2], "B");     /* the last ID_MODEL wins */
	CHECK_STR(u.v[9], "vg-lv"); /* DM_NAME */
	CHECK_STR(u.v[5], "");      /* ID_FS_TYPE present but empty */
}

TEST(diskstats_fixture_output)
{
	CHECK_INT(diskstats_set_filter(diskstats_default, 0, NULL, NULL), 0);
	char *udev = ds_udev_dir();
	CHECK(udev != NULL);
	struct xtest t;
	xtest_init(&t);
	char text[] =
		"   1       0 ram0 0 0 0 0 0 0 0 0 0 0 0\n"
		"   8      32 sdc 126552 141 1657779 14 11822 1895 172905 1007 0 10730 17070 18851 0 "
		"125173784 11130 1555 1944\n"
		"   8      33 sdc1 231 3 34466 4 24 23 106 0 0 64 64 0 0 0 0 0 0\n"
		" 252       1 dm-1 388 0 3104 84 74 0 592 0 0 76 84\n"
		"  11       0 sr0 0 0 0 0 0 0 0 0 0 0 0\n"
		"garbage line\n"
		"   8      16 sdb 1 2 3\n";
	CHECK_INT(diskstats_parse(&t.s, text, udev), 3);
	char *out = ds_render(&t);
	xtest_rmtree(udev);
	free(udev);
	static const char *const want[] = {
		"# TYPE node_disk_ata_rotation_rate_rpm gauge\nnode_disk_ata_rotation_rate_rpm{device=\"sdc\"} 0\n",
		"node_disk_ata_write_cache{device=\"sdc\"} 1\n",
		"node_disk_ata_write_cache_enabled{device=\"sdc\"} 0\n",
		"node_disk_device_mapper_info{device=\"dm-1\",lv_layer=\"\",lv_name=\"swap_1\",name=\"system-swap_1\",uuid=\"LVM-wbGq\",vg_name=\"system\"} 1\n",
		"# TYPE node_disk_discard_time_seconds_total counter\nnode_disk_discard_time_seconds_total{device=\"sdc\"} 11.13\n",
		"node_disk_discarded_sectors_total{device=\"sdc\"} 1.25173784e+08\n",
		"node_disk_filesystem_info{device=\"dm-1\",type=\"swap\",usage=\"other\",uuid=\"\",version=\"\"} 1\n",
		"node_disk_filesystem_info{device=\"sdc\",type=\"LVM2_member\",usage=\"raid\",uuid=\"QFy9W7\",version=\"LVM2 001\"} 1\n",
		"node_disk_flush_requests_time_seconds_total{device=\"sdc\"} 1.944\n",
		"node_disk_flush_requests_total{device=\"sdc\"} 1555\n",
		"node_disk_info{device=\"dm-1\",major=\"252\",minor=\"1\",model=\"\",path=\"\",revision=\"\",serial=\"\",wwn=\"\"} 1\n",
		"node_disk_info{device=\"sdc\",major=\"8\",minor=\"32\",model=\"INTEL_SSDS9X9SI0\",path=\"pci-0000:00:1f.2-ata-4\",revision=\"0100\",serial=\"3EWB5Y25CWQWA7EH1U\",wwn=\"0x58907ddc573a5de\"} 1\n",
		"node_disk_info{device=\"sr0\",major=\"11\",minor=\"0\",model=\"Virtual_CDROM0\",path=\"usb\",revision=\"\",serial=\"\",wwn=\"\"} 1\n",
		"# TYPE node_disk_io_now gauge\n",
		"node_disk_io_time_weighted_seconds_total{device=\"sdc\"} 17.07\n",
		"node_disk_read_bytes_total{device=\"sdc\"} 8.48782848e+08\n",
		"node_disk_read_time_seconds_total{device=\"sdc\"} 0.014\n",
		"node_disk_write_time_seconds_total{device=\"sdc\"} 1.0070000000000001\n",
		"node_disk_written_bytes_total{device=\"dm-1\"} 303104\n",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		if (!strstr(out, want[i])) {
			unit_fail(__FILE__, __LINE__, "missing:\n%s\nin:\n%s", want[i], out);
			free(out);
			return;
		}
	}
	/* Filtered, short and malformed lines add nothing; 11-field lines
	 * have no discard or flush counters; sr0 has an empty ID_FS_TYPE. */
	CHECK(!strstr(out, "ram0"));
	CHECK(!strstr(out, "sdc1"));
	CHECK(!strstr(out, "sdb"));
	CHECK(!strstr(out, "discards_completed_total{device=\"dm-1\"}"));
	CHECK(!strstr(out, "filesystem_info{device=\"sr0\""));
	CHECK(!strstr(out, "ata_write_cache{device=\"dm-1\""));
	free(out);
}

TEST(diskstats_filter_flags)
{
	struct xtest t;
	char text[] = "8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n8 1 sda1 1 2 3 4 5 6 7 8 9 10 11\n"
		      "7 0 loop0 1 2 3 4 5 6 7 8 9 10 11\n";
	char copy[sizeof text];

	/* device-include alone replaces the default exclude. */
	CHECK_INT(diskstats_set_filter(diskstats_default, 0, "^sda1$", NULL), 0);
	xtest_init(&t);
	memcpy(copy, text, sizeof text);
	CHECK_INT(diskstats_parse(&t.s, copy, NULL), 1);
	free(ds_render(&t));

	/* The deprecated name stands in for device-exclude. */
	CHECK_INT(diskstats_set_filter(diskstats_default, 0, NULL, "^loop"), 0);
	xtest_init(&t);
	memcpy(copy, text, sizeof text);
	CHECK_INT(diskstats_parse(&t.s, copy, NULL), 2);
	free(ds_render(&t));

	/* Given together, they are refused. */
	CHECK(diskstats_set_filter("^sd", 1, NULL, "^loop") != 0);
	CHECK(diskstats_set_filter("^sd", 1, "^sda$", NULL) != 0);
	/* An explicitly empty exclude with an include is fine. */
	CHECK_INT(diskstats_set_filter("", 1, "^sda", NULL), 0);
	CHECK(diskstats_set_filter("(", 1, NULL, NULL) != 0);
	CHECK_INT(diskstats_set_filter(diskstats_default, 0, NULL, NULL), 0);
}
