/* powersupplyclass: node_power_supply_* from /sys/class/power_supply.
 *
 * As node_exporter 1.5 (through procfs 0.8): every supply directory is
 * read first, each regular file of it once (at most 128 bytes, white
 * space trimmed); a numeric attribute that does not parse as a Go integer
 * (base prefixes allowed), or a read failing other than with ENOENT,
 * EOPNOTSUPP or EINVAL, fails the whole collector. Then the supplies
 * matching --collector.powersupply.ignored-supplies are dropped and the
 * rest exported: one gauge per numeric attribute present (micro-units
 * scaled to base units, tenths of degrees to degrees) and
 * node_power_supply_info with the text attributes as labels.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../collector.h"
#include "../goconv.h"

static const char *ps_ignored = "^$";
static struct dev_filter ps_filter;
static int ps_ignore_all; /* an empty pattern matches every name */

static struct flag ps_flags[] = {
	{ "collector.powersupply.ignored-supplies", FLAG_STRING, &ps_ignored,
	  "Regular expression of power supply names to leave out (unanchored).", 0 },
	{ 0 },
};

/* How a numeric attribute is exported: divided by scale, as
 * node_power_supply_<metric>; metric NULL: read (and checked) only. */
struct ps_attr {
	const char *file, *metric;
	double scale;
};

static const struct ps_attr ps_attrs[] = {
	{ "authentic", "authentic", 1 },
	{ "calibrate", "calibrate", 1 },
	{ "capacity", "capacity", 1 },
	{ "capacity_alert_max", "capacity_alert_max", 1 },
	{ "capacity_alert_min", "capacity_alert_min", 1 },
	{ "cycle_count", "cyclecount", 1 },
	{ "online", "online", 1 },
	{ "present", "present", 1 },
	{ "time_to_empty_now", "time_to_empty_seconds", 1 },
	{ "time_to_full_now", "time_to_full_seconds", 1 },
	{ "current_boot", "current_boot", 1e6 },
	{ "current_max", "current_max", 1e6 },
	{ "current_now", "current_ampere", 1e6 },
	{ "energy_empty", "energy_empty", 1e6 },
	{ "energy_empty_design", "energy_empty_design", 1e6 },
	{ "energy_full", "energy_full", 1e6 },
	{ "energy_full_design", "energy_full_design", 1e6 },
	{ "energy_now", "energy_watthour", 1e6 },
	{ "voltage_boot", "voltage_boot", 1e6 },
	{ "voltage_max", "voltage_max", 1e6 },
	{ "voltage_max_design", "voltage_max_design", 1e6 },
	{ "voltage_min", "voltage_min", 1e6 },
	{ "voltage_min_design", "voltage_min_design", 1e6 },
	{ "voltage_now", "voltage_volt", 1e6 },
	{ "voltage_ocv", "voltage_ocv", 1e6 },
	{ "charge_control_limit", "charge_control_limit", 1e6 },
	{ "charge_control_limit_max", "charge_control_limit_max", 1e6 },
	{ "charge_counter", "charge_counter", 1e6 },
	{ "charge_empty", "charge_empty", 1e6 },
	{ "charge_empty_design", "charge_empty_design", 1e6 },
	{ "charge_full", "charge_full", 1e6 },
	{ "charge_full_design", "charge_full_design", 1e6 },
	{ "charge_now", "charge_ampere", 1e6 },
	{ "charge_term_current", "charge_term_current", 1e6 },
	{ "constant_charge_current", "constant_charge_current", 1e6 },
	{ "constant_charge_current_max", "constant_charge_current_max", 1e6 },
	{ "constant_charge_voltage", "constant_charge_voltage", 1e6 },
	{ "constant_charge_voltage_max", "constant_charge_voltage_max", 1e6 },
	{ "precharge_current", "precharge_current", 1e6 },
	{ "input_current_limit", "input_current_limit", 1e6 },
	{ "power_now", "power_watt", 1e6 },
	{ "temp", "temp_celsius", 10 },
	{ "temp_alert_max", "temp_alert_max_celsius", 10 },
	{ "temp_alert_min", "temp_alert_min_celsius", 10 },
	{ "temp_ambient", "temp_ambient_celsius", 10 },
	{ "temp_ambient_max", "temp_ambient_max_celsius", 10 },
	{ "temp_ambient_min", "temp_ambient_min_celsius", 10 },
	{ "temp_max", "temp_max_celsius", 10 },
	{ "temp_min", "temp_min_celsius", 10 },
	{ "charge_avg", NULL, 1 },
	{ "current_avg", NULL, 1 },
	{ "energy_avg", NULL, 1 },
	{ "power_avg", NULL, 1 },
	{ "time_to_empty_avg", NULL, 1 },
	{ "time_to_full_avg", NULL, 1 },
	{ "voltage_avg", NULL, 1 },
};
#define PS_NATTRS (sizeof ps_attrs / sizeof ps_attrs[0])

/* Text attributes: the file and the info label are named alike. */
static const char *const ps_texts[] = {
	"capacity_level", "charge_type", "health", "manufacturer", "model_name",
	"serial_number", "status", "technology", "type", "usb_type", "scope",
};
#define PS_NTEXTS (sizeof ps_texts / sizeof ps_texts[0])

struct powersupply {
	const char *name;
	int has[PS_NATTRS];
	int64_t val[PS_NATTRS];
	const char *text[PS_NTEXTS]; /* NULL or arena-owned */
};

/* Record one attribute file's (trimmed) content. Unknown files are
 * ignored. Returns 0, or -1 if a numeric attribute does not parse. */
int powersupply_set(struct scrape *s, struct powersupply *ps, const char *file, const char *value)
{
	for (size_t i = 0; i < PS_NATTRS; i++)
		if (!strcmp(ps_attrs[i].file, file)) {
			if (goconv_parse_int(value, strlen(value), 0, &ps->val[i]) != 0)
				return -1;
			ps->has[i] = 1;
			return 0;
		}
	for (size_t i = 0; i < PS_NTEXTS; i++)
		if (!strcmp(ps_texts[i], file)) {
			ps->text[i] = arena_strdup(s->arena, value);
			return 0;
		}
	return 0;
}

/* Add one supply's families. */
void powersupply_emit(struct scrape *s, const struct powersupply *ps)
{
	char name[96], help[160];
	for (size_t i = 0; i < PS_NATTRS; i++) {
		if (!ps->has[i] || !ps_attrs[i].metric)
			continue;
		snprintf(name, sizeof name, "node_power_supply_%s", ps_attrs[i].metric);
		snprintf(help, sizeof help, "The power supply's %s attribute%s.", ps_attrs[i].file,
			 ps_attrs[i].scale == 1e6 ? ", micro-units scaled to base units"
			 : ps_attrs[i].scale == 10 ? ", in degrees Celsius" : "");
		mset_gauge(s->ms, name, help, (double)ps->val[i] / ps_attrs[i].scale,
			   "power_supply", ps->name, NULL);
	}
	const char *ln[PS_NTEXTS + 1], *lv[PS_NTEXTS + 1];
	size_t n = 0;
	ln[n] = "power_supply";
	lv[n++] = ps->name;
	for (size_t i = 0; i < PS_NTEXTS; i++)
		if (ps->text[i] && *ps->text[i]) {
			ln[n] = ps_texts[i];
			lv[n++] = goconv_utf8_repair(s->arena, ps->text[i], strlen(ps->text[i]));
		}
	struct mfamily *f = mset_family(s->ms, "node_power_supply_info",
					"Always 1; the labels hold the power supply's text attributes.",
					METRIC_GAUGE);
	mset_add(s->ms, f, 1, n, ln, lv);
}

/* One read of at most 128 bytes, trimmed. Returns 0, 1 for a file
 * procfs skips, or -errno. */
static int ps_read(const char *path, char *out)
{
	int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 1 : -errno;
	ssize_t n = read(fd, out, 128);
	int e = errno;
	close(fd);
	if (n < 0)
		return e == ENOENT || e == EOPNOTSUPP || e == EINVAL ? 1 : -e;
	const char *p = out;
	size_t len = (size_t)n;
	goconv_trim_space(&p, &len);
	memmove(out, p, len);
	out[len] = 0;
	return 0;
}

static int ps_parse_dir(struct scrape *s, const char *dir, struct powersupply *ps)
{
	char **names;
	int n = list_dir(s, dir, &names);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		const char *path = arena_printf(s->arena, "%s/%s", dir, names[i]);
		struct stat st;
		if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		char val[129];
		int rc = ps_read(path, val);
		if (rc < 0)
			return rc;
		if (rc == 1)
			continue;
		if (powersupply_set(s, ps, names[i], val) != 0)
			return -EINVAL;
	}
	return 0;
}

static int ps_update(struct scrape *s)
{
	const char *root = cpath(s, exporter_paths.sysfs, "class/power_supply");
	char **names;
	int n = list_dir(s, root, &names);
	if (n < 0)
		return n;
	struct powersupply *ps = arena_alloc(s->arena, (size_t)(n ? n : 1) * sizeof *ps);
	memset(ps, 0, (size_t)(n ? n : 1) * sizeof *ps);
	for (int i = 0; i < n; i++) {
		ps[i].name = names[i];
		int rc = ps_parse_dir(s, arena_printf(s->arena, "%s/%s", root, names[i]), &ps[i]);
		if (rc < 0)
			return rc;
	}
	for (int i = 0; i < n; i++)
		if (!ps_ignore_all && !dev_filter_ignored(&ps_filter, names[i]))
			powersupply_emit(s, &ps[i]);
	return 0;
}

static int ps_setup(void)
{
	ps_ignore_all = *ps_ignored == 0;
	if (ps_ignore_all)
		return 0;
	return dev_filter_init(&ps_filter, NULL, ps_ignored, "collector.powersupply.ignored-supplies");
}

const struct collector powersupplyclass_collector = { "powersupplyclass", 1, ps_update, ps_flags,
						      ps_setup };
