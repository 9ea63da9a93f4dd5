/* diskstats: node_disk_* from /proc/diskstats, plus node_disk_info,
 * node_disk_filesystem_info, node_disk_device_mapper_info and
 * node_disk_ata_* from the udev database (<udev.data>/b<major>:<minor>). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../lib/log.h"
#include "../collector.h"
#include "../keptfile.h"

static const char diskstats_default_exclude[] =
	"^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$";

static const char *diskstats_exclude = diskstats_default_exclude;
static const char *diskstats_include;
static const char *diskstats_ignored; /* deprecated name of device-exclude */
static struct dev_filter diskstats_filter;

static struct flag diskstats_flags[] = {
	{ "collector.diskstats.device-exclude", FLAG_STRING, &diskstats_exclude,
	  "Regular expression of block devices to leave out (not together with device-include).",
	  0 },
	{ "collector.diskstats.device-include", FLAG_STRING, &diskstats_include,
	  "Regular expression of the only block devices to report (not together with device-exclude).",
	  0 },
	{ "collector.diskstats.ignored-devices", FLAG_STRING, &diskstats_ignored,
	  "Deprecated: the old name of --collector.diskstats.device-exclude.", 0 },
	{ 0 },
};

/* Resolve the filter flags as node_exporter does, with one difference:
 * giving only --collector.diskstats.device-include drops the default
 * exclude pattern (node_exporter 1.5 refuses to start then, a bug fixed
 * in 1.6). Returns 0 or -1 after printing why. */
int diskstats_set_filter(const char *exclude, int exclude_given, const char *include,
			 const char *ignored)
{
	if (ignored && *ignored) {
		if (exclude_given) {
			fprintf(stderr, "pharos-exporter: --collector.diskstats.ignored-devices and "
					"--collector.diskstats.device-exclude are mutually exclusive\n");
			return -1;
		}
		log_warn("--collector.diskstats.ignored-devices is deprecated; use "
			 "--collector.diskstats.device-exclude");
		exclude = ignored;
		exclude_given = 1;
	}
	if (include && *include) {
		if (exclude_given && exclude && *exclude) {
			fprintf(stderr, "pharos-exporter: --collector.diskstats.device-exclude and "
					"--collector.diskstats.device-include are mutually exclusive\n");
			return -1;
		}
		exclude = NULL;
	}
	dev_filter_free(&diskstats_filter);
	return dev_filter_init(&diskstats_filter, include, exclude,
			       include && *include ? "collector.diskstats.device-include"
						   : "collector.diskstats.device-exclude");
}

static int diskstats_setup(void)
{
	/* The flag still points at the default string unless it was given. */
	return diskstats_set_filter(diskstats_exclude,
				    diskstats_exclude != diskstats_default_exclude,
				    diskstats_include, diskstats_ignored);
}

/* ---- /proc/diskstats ---- */

/* One line of /proc/diskstats. */
struct diskstats_line {
	unsigned major, minor;
	const char *name;  /* points into the line */
	int nstats;        /* how many of stats[] the line has (11 to 17) */
	uint64_t stats[17];
};

/* Parse one line of /proc/diskstats (modified in place): major, minor,
 * name and up to 17 counters. Returns 0, or -1 if the line is malformed
 * (a field that is not a number) or has fewer than 11 counters; node_exporter
 * keeps only lines with at least 14 fields as well. */
int diskstats_parse_line(char *line, struct diskstats_line *out)
{
	char *f[20];
	int n = split_fields(line, f, 20);
	if (n < 14)
		return -1;
	uint64_t major, minor;
	if (parse_u64(f[0], &major) != 0 || parse_u64(f[1], &minor) != 0 ||
	    major > 0xffffffffu || minor > 0xffffffffu)
		return -1;
	out->major = (unsigned)major;
	out->minor = (unsigned)minor;
	out->name = f[2];
	out->nstats = n - 3;
	for (int i = 0; i < out->nstats; i++)
		if (parse_u64(f[3 + i], &out->stats[i]) != 0)
			return -1;
	return 0;
}

/* ---- the udev database ---- */

enum diskstats_udev_key {
	UDEV_ID_PATH, UDEV_ID_WWN, UDEV_ID_MODEL, UDEV_ID_SERIAL_SHORT, UDEV_ID_REVISION,
	UDEV_ID_FS_TYPE, UDEV_ID_FS_USAGE, UDEV_ID_FS_UUID, UDEV_ID_FS_VERSION,
	UDEV_DM_NAME, UDEV_DM_UUID, UDEV_DM_VG_NAME, UDEV_DM_LV_NAME, UDEV_DM_LV_LAYER,
	UDEV_ID_ATA, UDEV_ID_ATA_WRITE_CACHE, UDEV_ID_ATA_WRITE_CACHE_ENABLED,
	UDEV_ID_ATA_ROTATION_RATE_RPM, UDEV_NKEYS
};
static const char *const diskstats_udev_keys[UDEV_NKEYS] = {
	"ID_PATH", "ID_WWN", "ID_MODEL", "ID_SERIAL_SHORT", "ID_REVISION",
	"ID_FS_TYPE", "ID_FS_USAGE", "ID_FS_UUID", "ID_FS_VERSION",
	"DM_NAME", "DM_UUID", "DM_VG_NAME", "DM_LV_NAME", "DM_LV_LAYER",
	"ID_ATA", "ID_ATA_WRITE_CACHE", "ID_ATA_WRITE_CACHE_ENABLED",
	"ID_ATA_ROTATION_RATE_RPM",
};

/* The udev properties the collector uses; NULL when absent. */
struct diskstats_udev {
	const char *v[UDEV_NKEYS];
};

/* Parse a udev database file (modified in place; out's strings point into
 * it): the "E:KEY=value" lines are the device's properties; a key given
 * twice keeps its last value; other lines are ignored. */
void diskstats_udev_parse(char *text, struct diskstats_udev *out)
{
	memset(out, 0, sizeof *out);
	char *line;
	while ((line = next_line(&text)) != NULL) {
		if (line[0] != 'E' || line[1] != ':')
			continue;
		char *key = line + 2, *eq = strchr(key, '=');
		if (!eq)
			continue;
		*eq = 0;
		char *val = eq + 1;
		size_t vl = strlen(val);
		if (vl && val[vl - 1] == '\r') /* as Go's line scanner drops it */
			val[vl - 1] = 0;
		for (int k = 0; k < UDEV_NKEYS; k++) {
			if (!strcmp(key, diskstats_udev_keys[k])) {
				out->v[k] = val;
				break;
			}
		}
	}
}

static const char *diskstats_or_empty(const char *s)
{
	return s ? s : "";
}

/* ---- output ---- */

/* The per-device counters, in /proc/diskstats order. */
static const struct {
	const char *name, *help;
	enum metric_type type;
	double scale;
} diskstats_metrics[17] = {
	{ "node_disk_reads_completed_total", "Reads completed.", METRIC_COUNTER, 1 },
	{ "node_disk_reads_merged_total", "Adjacent reads merged into one.", METRIC_COUNTER, 1 },
	{ "node_disk_read_bytes_total", "Bytes read.", METRIC_COUNTER, 512 },
	{ "node_disk_read_time_seconds_total", "Seconds spent in reads, summed over all reads.",
	  METRIC_COUNTER, 0.001 },
	{ "node_disk_writes_completed_total", "Writes completed.", METRIC_COUNTER, 1 },
	{ "node_disk_writes_merged_total", "Adjacent writes merged into one.", METRIC_COUNTER, 1 },
	{ "node_disk_written_bytes_total", "Bytes written.", METRIC_COUNTER, 512 },
	{ "node_disk_write_time_seconds_total", "Seconds spent in writes, summed over all writes.",
	  METRIC_COUNTER, 0.001 },
	{ "node_disk_io_now", "I/Os in flight right now.", METRIC_GAUGE, 1 },
	{ "node_disk_io_time_seconds_total", "Seconds during which the device had I/O in flight.",
	  METRIC_COUNTER, 0.001 },
	{ "node_disk_io_time_weighted_seconds_total",
	  "Seconds of I/O time weighted by the number of I/Os in flight.", METRIC_COUNTER, 0.001 },
	{ "node_disk_discards_completed_total", "Discards completed.", METRIC_COUNTER, 1 },
	{ "node_disk_discards_merged_total", "Adjacent discards merged into one.", METRIC_COUNTER,
	  1 },
	{ "node_disk_discarded_sectors_total", "Sectors discarded.", METRIC_COUNTER, 1 },
	{ "node_disk_discard_time_seconds_total",
	  "Seconds spent in discards, summed over all discards.", METRIC_COUNTER, 0.001 },
	{ "node_disk_flush_requests_total", "Flush requests completed.", METRIC_COUNTER, 1 },
	{ "node_disk_flush_requests_time_seconds_total",
	  "Seconds spent in flush requests, summed over all of them.", METRIC_COUNTER, 0.001 },
};

/* The node_disk_ata_* gauges and the udev property each comes from. */
static const struct {
	const char *name, *help;
	enum diskstats_udev_key key;
} diskstats_ata[3] = {
	{ "node_disk_ata_write_cache", "1 if the ATA disk has a write cache.",
	  UDEV_ID_ATA_WRITE_CACHE },
	{ "node_disk_ata_write_cache_enabled", "1 if the ATA disk's write cache is on.",
	  UDEV_ID_ATA_WRITE_CACHE_ENABLED },
	{ "node_disk_ata_rotation_rate_rpm", "Rotation rate of the ATA disk (0 for an SSD).",
	  UDEV_ID_ATA_ROTATION_RATE_RPM },
};

struct diskstats_families {
	struct mfamily *stat[17], *info, *fs, *dm, *ata[3];
};

static void diskstats_families(struct scrape *s, struct diskstats_families *f)
{
	for (int i = 0; i < 17; i++)
		f->stat[i] = mset_family(s->ms, diskstats_metrics[i].name, diskstats_metrics[i].help,
					 diskstats_metrics[i].type);
	f->info = mset_family(s->ms, "node_disk_info",
			      "Always 1; the labels describe the block device (from udev).",
			      METRIC_GAUGE);
	f->fs = mset_family(s->ms, "node_disk_filesystem_info",
			    "Always 1; the labels describe the filesystem on the device (from udev).",
			    METRIC_GAUGE);
	f->dm = mset_family(s->ms, "node_disk_device_mapper_info",
			    "Always 1; the labels describe the device-mapper device (from udev).",
			    METRIC_GAUGE);
	for (int i = 0; i < 3; i++)
		f->ata[i] = mset_family(s->ms, diskstats_ata[i].name, diskstats_ata[i].help,
					METRIC_GAUGE);
}

/* Add everything for one device. */
static void diskstats_add_device(struct scrape *s, const struct diskstats_families *f,
				 const struct diskstats_line *d, const struct diskstats_udev *u)
{
	const char *dev = "device";
	char major[16], minor[16];
	snprintf(major, sizeof major, "%u", d->major);
	snprintf(minor, sizeof minor, "%u", d->minor);
	static const char *const info_names[] = { "device", "major", "minor", "path",
						  "wwn", "model", "serial", "revision" };
	const char *info_values[] = {
		d->name, major, minor, diskstats_or_empty(u->v[UDEV_ID_PATH]),
		diskstats_or_empty(u->v[UDEV_ID_WWN]), diskstats_or_empty(u->v[UDEV_ID_MODEL]),
		diskstats_or_empty(u->v[UDEV_ID_SERIAL_SHORT]),
		diskstats_or_empty(u->v[UDEV_ID_REVISION]),
	};
	mset_add(s->ms, f->info, 1, 8, info_names, info_values);

	for (int i = 0; i < d->nstats && i < 17; i++)
		mset_add(s->ms, f->stat[i], (double)d->stats[i] * diskstats_metrics[i].scale, 1, &dev,
			 &d->name);

	if (u->v[UDEV_ID_FS_TYPE] && *u->v[UDEV_ID_FS_TYPE]) {
		static const char *const names[] = { "device", "type", "usage", "uuid", "version" };
		const char *values[] = {
			d->name, u->v[UDEV_ID_FS_TYPE], diskstats_or_empty(u->v[UDEV_ID_FS_USAGE]),
			diskstats_or_empty(u->v[UDEV_ID_FS_UUID]),
			diskstats_or_empty(u->v[UDEV_ID_FS_VERSION]),
		};
		mset_add(s->ms, f->fs, 1, 5, names, values);
	}
	if (u->v[UDEV_DM_NAME] && *u->v[UDEV_DM_NAME]) {
		static const char *const names[] = { "device",  "name",    "uuid",
						     "vg_name", "lv_name", "lv_layer" };
		const char *values[] = {
			d->name, u->v[UDEV_DM_NAME], diskstats_or_empty(u->v[UDEV_DM_UUID]),
			diskstats_or_empty(u->v[UDEV_DM_VG_NAME]),
			diskstats_or_empty(u->v[UDEV_DM_LV_NAME]),
			diskstats_or_empty(u->v[UDEV_DM_LV_LAYER]),
		};
		mset_add(s->ms, f->dm, 1, 6, names, values);
	}
	if (u->v[UDEV_ID_ATA] && *u->v[UDEV_ID_ATA]) {
		for (int i = 0; i < 3; i++) {
			double v;
			const char *str = u->v[diskstats_ata[i].key];
			if (str && parse_double(str, &v) == 0)
				mset_add(s->ms, f->ata[i], v, 1, &dev, &d->name);
		}
	}
}

/* Read up to size-1 bytes of path into buf (NUL-terminated).
 * Returns 0 or -errno; *len is the number of bytes read. */
static int diskstats_read_small(const char *path, char *buf, size_t size, size_t *len)
{
	int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = 0;
	while (n < size - 1) {
		ssize_t k = read(fd, buf + n, size - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	buf[n] = 0;
	*len = n;
	return 0;
}

/* Add the families for /proc/diskstats text (modified in place), reading
 * each reported device's udev file under udev_dir (may be NULL: no udev
 * data). Malformed lines are skipped. Returns the number of devices. */
int diskstats_parse(struct scrape *s, char *text, const char *udev_dir)
{
	struct diskstats_families f;
	diskstats_families(s, &f);
	int devices = 0;
	char *line;
	while ((line = next_line(&text)) != NULL) {
		struct diskstats_line d;
		if (diskstats_parse_line(line, &d) != 0 || dev_filter_ignored(&diskstats_filter, d.name))
			continue;
		/* Usually a few hundred bytes: read on the stack, or into the
		 * arena when it does not fit. */
		struct diskstats_udev u;
		char small[8192];
		char *udev = NULL;
		if (udev_dir) {
			char path[1024];
			snprintf(path, sizeof path, "%s/b%u:%u", udev_dir, d.major, d.minor);
			size_t len = 0;
			if (diskstats_read_small(path, small, sizeof small, &len) == 0)
				udev = len < sizeof small - 1 ? small : read_file_arena(s, path);
		}
		if (udev)
			diskstats_udev_parse(udev, &u);
		else
			memset(&u, 0, sizeof u);
		diskstats_add_device(s, &f, &d, &u);
		devices++;
	}
	return devices;
}

static int diskstats_update(struct scrape *s)
{
	char *text = kept_read_arena(s, cpath(s, exporter_paths.procfs, "diskstats"));
	if (!text)
		return -errno;
	diskstats_parse(s, text, exporter_paths.udev_data);
	return 0;
}

const struct collector diskstats_collector = { "diskstats", 1, diskstats_update, diskstats_flags,
					       diskstats_setup };
