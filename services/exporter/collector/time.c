/* time: node_time_seconds, node_time_zone_offset_seconds{time_zone} and
 * the clock sources of /sys/devices/system/clocksource.
 *
 * As node_exporter 1.5: the clock source "device" label is the index of
 * the clocksource<N> directory in name order (not N); every clocksource
 * directory needs readable available_clocksource and current_clocksource
 * files, or the collector fails after the time families are added.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../collector.h"
#include "../goconv.h"
#include "../sysread.h"

/* Add the clock source families of one clocksource directory's files:
 * available (white-space separated names) and current. */
void time_clocksource_emit(struct scrape *s, const char *device, const char *available,
			   const char *current)
{
	const char *p = available;
	size_t n = strlen(p);
	while (n > 0) {
		size_t k;
		while (n > 0 && (k = goconv_space_len(p, n)) != 0)
			p += k, n -= k;
		size_t w = 0;
		while (w < n && goconv_space_len(p + w, n - w) == 0)
			w++;
		if (w == 0)
			break;
		mset_gauge(s->ms, "node_time_clocksource_available_info",
			   "Always 1 for each clock source the kernel offers (from sysfs).", 1,
			   "device", device, "clocksource", arena_strndup(s->arena, p, w), NULL);
		p += w, n -= w;
	}
	mset_gauge(s->ms, "node_time_clocksource_current_info",
		   "Always 1; the clock source the kernel uses now (from sysfs).", 1,
		   "device", device, "clocksource", current, NULL);
}

/* Go reads TZ only as the name of a zoneinfo file and falls back to UTC
 * when there is none; the C library also understands rule strings such
 * as "EST5EDT" or "XYZ-3". Set at setup: use UTC where Go would, and
 * the zoneinfo file Go would read where there is one. */
static int time_force_utc;

static int time_setup(void)
{
	const char *tz = getenv("TZ");
	if (!tz)
		return 0; /* /etc/localtime, or UTC without it: both agree */
	if (*tz == ':')
		tz++;
	if (!*tz || !strcmp(tz, "UTC")) {
		time_force_utc = 1;
		return 0;
	}
	if (*tz == '/') {
		time_force_utc = access(tz, R_OK) != 0;
		return 0;
	}
	static const char *const dirs[] = { "/usr/share/zoneinfo/", "/usr/share/lib/zoneinfo/",
					    "/usr/lib/locale/TZ/" };
	static char path[4096]; /* stays in the environment */
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		snprintf(path, sizeof path, "%s%s", dirs[i], tz);
		if (access(path, R_OK) == 0) {
			/* Point the C library at the same file: given a bare
			 * name such as "EST5EDT" it would read a rule string. */
			setenv("TZ", path, 1);
			tzset();
			return 0;
		}
	}
	time_force_utc = 1;
	return 0;
}

static int time_update(struct scrape *s)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* Go: float64(UnixNano()) / 1e9 */
	double now = (double)((long long)ts.tv_sec * 1000000000LL + ts.tv_nsec) / 1e9;
	mset_gauge(s->ms, "node_time_seconds", "Wall clock time in seconds since the Unix epoch.",
		   now, NULL);
	struct tm tm;
	time_t t = ts.tv_sec;
	const char *zone = "UTC";
	long offset = 0;
	if (!time_force_utc && localtime_r(&t, &tm)) {
		offset = tm.tm_gmtoff;
		if (tm.tm_zone && *tm.tm_zone)
			zone = tm.tm_zone;
	}
	mset_gauge(s->ms, "node_time_zone_offset_seconds",
		   "Offset of the local time zone from UTC, in seconds.", (double)offset,
		   "time_zone", zone, NULL);

	const char *root = cpath(s, exporter_paths.sysfs, "devices/system/clocksource");
	char **names;
	int n = list_dir(s, root, &names);
	const char **avail = arena_alloc(s->arena, (size_t)(n > 0 ? n : 1) * sizeof *avail);
	const char **cur = arena_alloc(s->arena, (size_t)(n > 0 ? n : 1) * sizeof *cur);
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (strncmp(names[i], "clocksource", 11) != 0 ||
		    !(names[i][11] >= '0' && names[i][11] <= '9'))
			continue;
		char a[SYSREAD_MAX + 1], c[SYSREAD_MAX + 1];
		const char *dir = arena_printf(s->arena, "%s/%s", root, names[i]);
		int rc = sysread_trimmed(arena_printf(s->arena, "%s/available_clocksource", dir), a);
		if (rc >= 0)
			rc = sysread_trimmed(arena_printf(s->arena, "%s/current_clocksource", dir), c);
		if (rc < 0)
			return rc;
		avail[k] = arena_strdup(s->arena, a);
		cur[k++] = arena_strdup(s->arena, c);
	}
	/* All read before any is added: a failure adds no clock source. */
	for (int i = 0; i < k; i++)
		time_clocksource_emit(s, arena_printf(s->arena, "%d", i), avail[i], cur[i]);
	return 0;
}

const struct collector time_collector = { "time", 1, time_update, NULL, time_setup };
