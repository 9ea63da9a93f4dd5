/* thermal_zone: node_thermal_zone_temp{zone,type} and
 * node_cooling_device_{cur,max}_state{name,type} from /sys/class/thermal.
 *
 * As node_exporter 1.5 (through procfs 0.8): every zone needs readable
 * type, policy and temp files, and mode and passive files that are either
 * absent, unreadable for permission reasons, or valid; a zone whose read
 * fails with ENODATA is skipped, any other problem fails the collector
 * before a zone is exported. Cooling devices need type, max_state and
 * cur_state; one bad device fails them all (zones already exported stay).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "../collector.h"
#include "../goconv.h"
#include "../sysread.h"

/* A whole file, white space trimmed, as a Go integer (procfs's
 * ReadIntFromFile / ReadUintFromFile). Returns 0, -errno, or -EINVAL. */
static int thermal_read_number(const char *path, int64_t *i, uint64_t *u)
{
	struct buf b = BUF_INIT;
	int rc = read_file(path, &b);
	if (rc == 0) {
		const char *p = b.p;
		size_t len = b.len;
		goconv_trim_space(&p, &len);
		if (i ? goconv_parse_int(p, len, 10, i) : goconv_parse_uint(p, len, 10, u))
			rc = -EINVAL;
	}
	buf_free(&b);
	return rc;
}

/* The names in dir that are prefix followed by a digit (the glob
 * "<prefix>[0-9]*"), sorted. Returns the count, 0 if dir is unreadable. */
static int thermal_glob(struct scrape *s, const char *dir, const char *prefix, char ***out)
{
	char **names;
	int n = list_dir(s, dir, &names);
	if (n <= 0) {
		*out = names;
		return 0;
	}
	size_t pl = strlen(prefix);
	int k = 0;
	for (int i = 0; i < n; i++)
		if (!strncmp(names[i], prefix, pl) && names[i][pl] >= '0' && names[i][pl] <= '9')
			names[k++] = names[i];
	*out = names;
	return k;
}

static int is_permission(int rc)
{
	return rc == -EACCES || rc == -EPERM;
}

/* Read one zone. Returns 0, 1 to skip it (ENODATA), or -errno / -EINVAL. */
static int thermal_zone_read(struct scrape *s, const char *dir, char *type, int64_t *temp)
{
	char buf[SYSREAD_MAX + 1];
	int rc = sysread_trimmed(arena_printf(s->arena, "%s/type", dir), type);
	if (rc >= 0)
		rc = sysread_trimmed(arena_printf(s->arena, "%s/policy", dir), buf);
	if (rc >= 0)
		rc = thermal_read_number(arena_printf(s->arena, "%s/temp", dir), temp, NULL);
	if (rc >= 0) {
		int m = sysread_trimmed(arena_printf(s->arena, "%s/mode", dir), buf);
		if (m < 0 && m != -ENOENT && !is_permission(m))
			rc = m;
	}
	if (rc >= 0) {
		uint64_t passive;
		int m = thermal_read_number(arena_printf(s->arena, "%s/passive", dir), NULL, &passive);
		if (m < 0 && m != -ENOENT && !is_permission(m))
			rc = m;
	}
	return rc == -ENODATA ? 1 : rc < 0 ? rc : 0;
}

static int thermal_zones(struct scrape *s, const char *root)
{
	char **names;
	int n = thermal_glob(s, root, "thermal_zone", &names);
	const char **zone = arena_alloc(s->arena, (size_t)(n ? n : 1) * sizeof *zone);
	char (*type)[SYSREAD_MAX + 1] = arena_alloc(s->arena, (size_t)(n ? n : 1) * sizeof *type);
	int64_t *temp = arena_alloc(s->arena, (size_t)(n ? n : 1) * sizeof *temp);
	int k = 0;
	for (int i = 0; i < n; i++) {
		int rc = thermal_zone_read(s, arena_printf(s->arena, "%s/%s", root, names[i]),
					   type[k], &temp[k]);
		if (rc < 0)
			return rc;
		if (rc == 1)
			continue;
		zone[k++] = names[i] + strlen("thermal_zone");
	}
	for (int i = 0; i < k; i++)
		mset_gauge(s->ms, "node_thermal_zone_temp", "Temperature of the thermal zone, in degrees Celsius.",
			   (double)temp[i] / 1000.0, "zone", zone[i], "type", type[i], NULL);
	return 0;
}

static int thermal_state(struct scrape *s, const char *dir, const char *file, int64_t *v)
{
	char buf[SYSREAD_MAX + 1];
	int n = sysread_trimmed(arena_printf(s->arena, "%s/%s", dir, file), buf);
	if (n < 0)
		return n;
	return goconv_parse_int(buf, (size_t)n, 10, v) == 0 ? 0 : -EINVAL;
}

static int thermal_cooling(struct scrape *s, const char *root)
{
	char **names;
	int n = thermal_glob(s, root, "cooling_device", &names);
	char (*type)[SYSREAD_MAX + 1] = arena_alloc(s->arena, (size_t)(n ? n : 1) * sizeof *type);
	int64_t *max = arena_alloc(s->arena, (size_t)(n ? n : 1) * sizeof *max);
	int64_t *cur = arena_alloc(s->arena, (size_t)(n ? n : 1) * sizeof *cur);
	for (int i = 0; i < n; i++) {
		const char *dir = arena_printf(s->arena, "%s/%s", root, names[i]);
		int rc = sysread_trimmed(arena_printf(s->arena, "%s/type", dir), type[i]);
		if (rc >= 0)
			rc = thermal_state(s, dir, "max_state", &max[i]);
		if (rc >= 0)
			rc = thermal_state(s, dir, "cur_state", &cur[i]);
		if (rc < 0)
			return rc;
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i] + strlen("cooling_device");
		mset_gauge(s->ms, "node_cooling_device_cur_state",
			   "Throttle state the cooling device is in now.", (double)cur[i],
			   "name", name, "type", type[i], NULL);
		mset_gauge(s->ms, "node_cooling_device_max_state",
			   "Highest throttle state the cooling device supports.", (double)max[i],
			   "name", name, "type", type[i], NULL);
	}
	return 0;
}

static int thermal_zone_update(struct scrape *s)
{
	const char *root = cpath(s, exporter_paths.sysfs, "class/thermal");
	int rc = thermal_zones(s, root);
	if (rc < 0)
		return rc;
	return thermal_cooling(s, root);
}

const struct collector thermal_zone_collector = { "thermal_zone", 1, thermal_zone_update, NULL, NULL };
