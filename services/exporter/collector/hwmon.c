/* hwmon: node_hwmon_* from /sys/class/hwmon, as node_exporter 1.5 names
 * them.
 *
 * Each hwmonN directory is one chip. Its label is built from where the
 * chip's "device" link points ("platform_coretemp_0" for
 * .../platform/coretemp.0), else from its "name" file, else from the
 * directory's own name. Sensor files <type><n>_<property> (temp1_input,
 * fan2_min, in0_alarm, ...) of the known types are read from the chip
 * directory and then from its device directory (which wins), and become
 * node_hwmon_<type>[_<property>]_<unit> with the value converted to base
 * units (millidegrees, millivolts, milliamperes -> 1; microwatts,
 * microjoules -> 1; humidity in milli-percent -> ratio). Alarms, faults
 * and beep switches keep their raw value; properties without a known
 * unit are exported as they are.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../collector.h"
#include "../goconv.h"

/* The sensor types node_exporter reads; other files are ignored. */
static const char *const hwmon_types[] = {
	"vrm", "beep_enable", "update_interval", "in", "cpu", "fan",
	"pwm", "temp", "curr", "power", "energy", "humidity", "intrusion", NULL,
};

struct hwmon_prop {
	const char *name;  /* "" for the bare <type><n> file */
	const char *value; /* file content without surrounding newlines */
};

struct hwmon_sensor {
	const char *name; /* <type><n>, n without leading zeros, 0 if absent */
	const char *type;
	struct hwmon_prop *props;
	size_t nprops, cap;
};

struct hwmon_chip {
	struct hwmon_sensor *sensors;
	size_t n, cap;
};

/* node_exporter's cleanMetricName: lower case, every character other than
 * [a-z0-9:_] replaced by '_', leading and trailing '_' removed. Returns a
 * string in the scrape arena. */
char *hwmon_clean_name(struct scrape *s, const char *in, size_t n)
{
	char *out = arena_alloc(s->arena, n + 1);
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)in[i];
		if (c < 0x80) {
			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c + 32);
			int keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':' || c == '_';
			out[o++] = keep ? (char)c : '_';
			i++;
			continue;
		}
		/* One '_' per character; two characters lower-case to ASCII
		 * letters: U+0130 (capital I with dot) and U+212A (Kelvin). */
		size_t len = 1;
		if (c >= 0xC2 && c <= 0xF4) {
			size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
			if (i + want <= n && goconv_utf8_valid(in + i, want))
				len = want;
		}
		if (len == 2 && c == 0xC4 && (unsigned char)in[i + 1] == 0xB0)
			out[o++] = 'i';
		else if (len == 3 && c == 0xE2 && (unsigned char)in[i + 1] == 0x84 &&
			 (unsigned char)in[i + 2] == 0xAA)
			out[o++] = 'k';
		else
			out[o++] = '_';
		i += len;
	}
	size_t a = 0;
	while (a < o && out[a] == '_')
		a++;
	while (o > a && out[o - 1] == '_')
		o--;
	out[o] = 0;
	return out + a;
}

/* Split a sensor file name as node_exporter's pattern
 * ^([^0-9]+)([0-9]*)?(_(.+))?$ does under Go's leftmost-first rules:
 * type (the longest run of non-digits that lets the rest match; it may
 * hold '_'), number (0 if none), property ('.' matches no newline).
 * [out] type and prop point into the scrape arena.
 * Returns 0, or -1 if the name does not fit (or the number overflows). */
int hwmon_explode(struct scrape *s, const char *name, char **type, long *num, char **prop)
{
	size_t n = strlen(name), t = 0;
	while (t < n && !(name[t] >= '0' && name[t] <= '9'))
		t++;
	if (t == 0)
		return -1;
	size_t d = t;
	while (d < n && name[d] >= '0' && name[d] <= '9')
		d++;
	/* "_<one or more characters, no newline>" from position i to the end? */
#define HWMON_TAIL_OK(i) (name[i] == '_' && (i) + 1 < n && !memchr(name + (i) + 1, '\n', n - (i) - 1))
	if (d < n && !HWMON_TAIL_OK(d)) {
		/* Backtrack: a shorter type followed directly by the property. */
		size_t k = t - 1;
		while (k > 0 && !HWMON_TAIL_OK(k))
			k--;
		if (k == 0)
			return -1;
		t = d = k;
	}
#undef HWMON_TAIL_OK
	int64_t v = 0;
	if (d > t && goconv_parse_int(name + t, d - t, 10, &v) != 0)
		return -1;
	*type = arena_strndup(s->arena, name, t);
	*num = (long)v;
	*prop = arena_strdup(s->arena, d < n ? name + d + 1 : "");
	return 0;
}

static int hwmon_known_type(const char *type)
{
	for (int i = 0; hwmon_types[i]; i++)
		if (!strcmp(hwmon_types[i], type))
			return 1;
	return 0;
}

static const char *hwmon_prop(const struct hwmon_sensor *sn, const char *name)
{
	for (size_t i = 0; i < sn->nprops; i++)
		if (!strcmp(sn->props[i].name, name))
			return sn->props[i].value;
	return NULL;
}

/* Record sensor/prop = value; a later value for the same pair wins. */
static void hwmon_chip_set(struct scrape *s, struct hwmon_chip *c, const char *sensor,
			   const char *type, const char *prop, const char *value)
{
	struct hwmon_sensor *sn = NULL;
	for (size_t i = 0; i < c->n && !sn; i++)
		if (!strcmp(c->sensors[i].name, sensor))
			sn = &c->sensors[i];
	if (!sn) {
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 16;
			struct hwmon_sensor *v = arena_alloc(s->arena, cap * sizeof *v);
			if (c->n)
				memcpy(v, c->sensors, c->n * sizeof *v);
			c->sensors = v;
			c->cap = cap;
		}
		sn = &c->sensors[c->n++];
		*sn = (struct hwmon_sensor){ arena_strdup(s->arena, sensor), arena_strdup(s->arena, type),
					     NULL, 0, 0 };
	}
	for (size_t i = 0; i < sn->nprops; i++)
		if (!strcmp(sn->props[i].name, prop)) {
			sn->props[i].value = arena_strdup(s->arena, value);
			return;
		}
	if (sn->nprops == sn->cap) {
		size_t cap = sn->cap ? sn->cap * 2 : 8;
		struct hwmon_prop *v = arena_alloc(s->arena, cap * sizeof *v);
		if (sn->nprops)
			memcpy(v, sn->props, sn->nprops * sizeof *v);
		sn->props = v;
		sn->cap = cap;
	}
	sn->props[sn->nprops++] = (struct hwmon_prop){ arena_strdup(s->arena, prop),
						       arena_strdup(s->arena, value) };
}

/* The help text each family got first. node_exporter's help texts name
 * the sensor element, and its client library drops a series whose help
 * differs from the one its family already has (e.g. curr0 from the bare
 * "curr" file next to curr1_input); this list lets us do the same. */
struct hwmon_helps {
	const char **name, **help;
	size_t n, cap;
};

static int hwmon_help_ok(struct scrape *s, struct hwmon_helps *h, const char *name,
			 const char *help)
{
	for (size_t i = 0; i < h->n; i++)
		if (!strcmp(h->name[i], name))
			return !strcmp(h->help[i], help);
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		const char **nv = arena_alloc(s->arena, cap * sizeof *nv);
		const char **hv = arena_alloc(s->arena, cap * sizeof *hv);
		if (h->n) {
			memcpy(nv, h->name, h->n * sizeof *nv);
			memcpy(hv, h->help, h->n * sizeof *hv);
		}
		h->name = nv;
		h->help = hv;
		h->cap = cap;
	}
	h->name[h->n] = arena_strdup(s->arena, name);
	h->help[h->n++] = arena_strdup(s->arena, help);
	return 1;
}

static void hwmon_emit(struct scrape *s, struct hwmon_helps *h, enum metric_type t,
		       const char *name, const char *help, double v, const char *chip,
		       const char *sensor)
{
	if (hwmon_help_ok(s, h, name, help))
		mset_metric(s->ms, t, name, help, v, "chip", chip, "sensor", sensor, NULL);
}

#define hwmon_gauge(s, h, name, help, v, chip, sensor) \
	hwmon_emit(s, h, METRIC_GAUGE, name, help, v, chip, sensor)

/* Turn one sensor's properties into metrics. */
static void hwmon_sensor_emit(struct scrape *s, struct hwmon_helps *h, const char *chip,
			      const struct hwmon_sensor *sn)
{
	const char *type = sn->type, *sensor = sn->name;
	const char *label = hwmon_prop(sn, "label");
	if (label)
		mset_gauge(s->ms, "node_hwmon_sensor_label",
			   "Always 1; the label says what a chip's sensor measures.", 1,
			   "chip", chip, "sensor", sensor, "label",
			   goconv_utf8_repair(s->arena, label, strlen(label)), NULL);

	const char *bare = hwmon_prop(sn, "");
	double v;
	if (!strcmp(type, "beep_enable")) {
		hwmon_gauge(s, h, "node_hwmon_beep_enabled", "1 if the chip may beep on alarms, else 0.",
			    bare && !strcmp(bare, "1") ? 1 : 0, chip, sensor);
		return;
	}
	if (!strcmp(type, "vrm")) {
		if (bare && goconv_parse_float(bare, strlen(bare), &v) == 0)
			hwmon_gauge(s, h, "node_hwmon_voltage_regulator_version",
				    "Voltage regulator module version the chip reports.", v, chip, sensor);
		return;
	}
	if (!strcmp(type, "update_interval")) {
		if (bare && goconv_parse_float(bare, strlen(bare), &v) == 0)
			hwmon_gauge(s, h, "node_hwmon_update_interval_seconds",
				    "How often the chip updates its readings, in seconds.", v * 0.001,
				    chip, sensor);
		return;
	}

	char name[256], help[256];
	for (size_t i = 0; i < sn->nprops; i++) {
		const char *el = sn->props[i].name, *val = sn->props[i].value;
		if (!strcmp(el, "label"))
			continue;
		int n;
		if (!strcmp(el, "input"))
			n = snprintf(name, sizeof name, "node_hwmon_%s%s", type, bare ? "_input" : "");
		else if (*el)
			n = snprintf(name, sizeof name, "node_hwmon_%s_%s", type,
				     hwmon_clean_name(s, el, strlen(el)));
		else
			n = snprintf(name, sizeof name, "node_hwmon_%s", type);
		if (n < 0 || (size_t)n >= sizeof name - 16)
			continue;
		char *end = name + n;
		if (goconv_parse_float(val, strlen(val), &v) != 0)
			continue;

		/* The help texts vary with the element wherever node_exporter's
		 * do, so that families agree or disagree in the same places. */
		if (!strcmp(el, "fault") || !strcmp(el, "alarm")) {
			snprintf(help, sizeof help, "Sensor %s status of a %s sensor (1: raised).", el, type);
			hwmon_gauge(s, h, name, help, v, chip, sensor);
		} else if (!strcmp(el, "beep")) {
			strcpy(end, "_enabled");
			hwmon_gauge(s, h, name, "1 if the sensor beeps on alarms, else 0.", v, chip, sensor);
		} else if (!strcmp(type, "in") || !strcmp(type, "cpu")) {
			strcpy(end, "_volts");
			snprintf(help, sizeof help, "Voltage sensor reading (%s), in volts.", el);
			hwmon_gauge(s, h, name, help, v * 0.001, chip, sensor);
		} else if (!strcmp(type, "temp") && strcmp(el, "type") != 0) {
			strcpy(end, "_celsius");
			snprintf(help, sizeof help, "Temperature sensor reading (%s), in degrees Celsius.",
				 *el ? el : "input");
			hwmon_gauge(s, h, name, help, v * 0.001, chip, sensor);
		} else if (!strcmp(type, "curr")) {
			strcpy(end, "_amps");
			snprintf(help, sizeof help, "Current sensor reading (%s), in amperes.", el);
			hwmon_gauge(s, h, name, help, v * 0.001, chip, sensor);
		} else if (!strcmp(type, "energy")) {
			strcpy(end, "_joule_total");
			snprintf(help, sizeof help, "Energy used so far (%s), in joules.", el);
			hwmon_emit(s, h, METRIC_COUNTER, name, help, v / 1000000.0, chip, sensor);
		} else if (!strcmp(type, "power") && !strcmp(el, "accuracy")) {
			hwmon_gauge(s, h, name, "Accuracy of the power meter, as a ratio.", v / 1000000.0,
				    chip, sensor);
		} else if (!strcmp(type, "power") &&
			   (!strcmp(el, "average_interval") || !strcmp(el, "average_interval_min") ||
			    !strcmp(el, "average_interval_max"))) {
			strcpy(end, "_seconds");
			snprintf(help, sizeof help, "Power meter averaging interval (%s), in seconds.", el);
			hwmon_gauge(s, h, name, help, v * 0.001, chip, sensor);
		} else if (!strcmp(type, "power")) {
			strcpy(end, "_watt");
			snprintf(help, sizeof help, "Power sensor reading (%s), in watts.", el);
			hwmon_gauge(s, h, name, help, v / 1000000.0, chip, sensor);
		} else if (!strcmp(type, "humidity")) {
			snprintf(help, sizeof help, "Relative humidity (%s), as a ratio from 0 to 1.", el);
			hwmon_gauge(s, h, name, help, v / 1000000.0, chip, sensor);
		} else if (!strcmp(type, "fan") && (!strcmp(el, "input") || !strcmp(el, "min") ||
						     !strcmp(el, "max") || !strcmp(el, "target"))) {
			strcpy(end, "_rpm");
			snprintf(help, sizeof help, "Fan speed (%s), in revolutions per minute.", el);
			hwmon_gauge(s, h, name, help, v, chip, sensor);
		} else {
			snprintf(help, sizeof help, "Value of the %s sensor's %s file, as the chip gives it.",
				 type, el);
			hwmon_gauge(s, h, name, help, v, chip, sensor);
		}
	}
}

/* node_exporter's sysReadFile: one read of at most 128 bytes (some
 * drivers misbehave on more), then newlines trimmed at both ends. */
static int hwmon_read_value(const char *path, char *out)
{
	int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, out, 128);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	size_t a = 0, b = (size_t)n;
	while (a < b && out[a] == '\n')
		a++;
	while (b > a && out[b - 1] == '\n')
		b--;
	memmove(out, out + a, b - a);
	out[b - a] = 0;
	return 0;
}

/* Read every known sensor file of dir into c. Returns 0 or -errno. */
static int hwmon_collect(struct scrape *s, const char *dir, struct hwmon_chip *c)
{
	char **names;
	int n = list_dir(s, dir, &names);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		char *type, *prop;
		long num;
		if (hwmon_explode(s, names[i], &type, &num, &prop) != 0 || !hwmon_known_type(type))
			continue;
		char val[129];
		if (hwmon_read_value(arena_printf(s->arena, "%s/%s", dir, names[i]), val) != 0)
			continue;
		hwmon_chip_set(s, c, arena_printf(s->arena, "%s%ld", type, num), type, prop, val);
	}
	return 0;
}

/* The chip's name file, cleaned; NULL if unreadable, "" if it cleans to
 * nothing. */
static const char *hwmon_name_file(struct scrape *s, const char *dir)
{
	struct buf b = BUF_INIT;
	const char *r = NULL;
	if (read_file(arena_printf(s->arena, "%s/name", dir), &b) == 0)
		r = hwmon_clean_name(s, b.p, b.len);
	buf_free(&b);
	return r;
}

/* The chip label (node_exporter's hwmonName). Returns NULL if there is
 * nothing to build one from. */
static const char *hwmon_chip_name(struct scrape *s, const char *dir)
{
	char *real = realpath(arena_printf(s->arena, "%s/device", dir), NULL);
	if (real) {
		char *slash = strrchr(real, '/');
		const char *dev = slash ? slash + 1 : real;
		size_t plen = slash ? (size_t)(slash - real) : 0;
		while (plen > 0 && real[plen - 1] == '/')
			plen--;
		size_t t = plen;
		while (t > 0 && real[t - 1] != '/')
			t--;
		char *cdev = hwmon_clean_name(s, dev, strlen(dev));
		char *ctype = hwmon_clean_name(s, real + t, plen - t);
		free(real);
		if (*ctype && *cdev)
			return arena_printf(s->arena, "%s_%s", ctype, cdev);
		if (*cdev)
			return cdev;
	}
	const char *name = hwmon_name_file(s, dir);
	if (name && *name)
		return name;
	real = realpath(dir, NULL);
	if (!real)
		return NULL;
	char *slash = strrchr(real, '/');
	const char *base = slash ? slash + 1 : real;
	char *c = hwmon_clean_name(s, base, strlen(base));
	free(real);
	return *c ? c : NULL;
}

static int hwmon_update_chip(struct scrape *s, struct hwmon_helps *h, const char *dir)
{
	const char *chip = hwmon_chip_name(s, dir);
	if (!chip)
		return -ENOENT;
	struct hwmon_chip c = { NULL, 0, 0 };
	int rc = hwmon_collect(s, dir, &c);
	if (rc < 0)
		return rc;
	const char *dev = arena_printf(s->arena, "%s/device", dir);
	struct stat st;
	if (stat(dev, &st) == 0 && (rc = hwmon_collect(s, dev, &c)) < 0)
		return rc;

	const char *human = hwmon_name_file(s, dir);
	if (human && *human)
		mset_gauge(s->ms, "node_hwmon_chip_names",
			   "Always 1; chip_name is the chip's own name for itself.", 1,
			   "chip", chip, "chip_name", human, NULL);
	for (size_t i = 0; i < c.n; i++)
		hwmon_sensor_emit(s, h, chip, &c.sensors[i]);
	return 0;
}

static int hwmon_update(struct scrape *s)
{
	const char *root = cpath(s, exporter_paths.sysfs, "class/hwmon");
	char **names;
	int n = list_dir(s, root, &names);
	if (n < 0)
		return n;
	int err = 0;
	struct hwmon_helps helps = { NULL, NULL, 0, 0 };
	for (int i = 0; i < n; i++) {
		const char *dir = arena_printf(s->arena, "%s/%s", root, names[i]);
		struct stat st;
		if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		int rc = hwmon_update_chip(s, &helps, dir);
		if (rc < 0)
			err = rc;
	}
	return err;
}

const struct collector hwmon_collector = { "hwmon", 1, hwmon_update, NULL, NULL };
