/* filesystem: node_filesystem_{size,free,avail}_bytes, files, files_free,
 * readonly and device_error for the mounts in /proc/1/mounts (or
 * /proc/mounts), from statfs(2) on <rootfs>/<mount point>.
 *
 * statfs runs through fsstat.h, so a hung mount costs the scrape at most
 * --collector.filesystem.mount-timeout once and is then reported with
 * device_error 1 (without asking it) until its call returns. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#include "../../../lib/log.h"
#include "../collector.h"
#include "../keptfile.h"
#include "../fsstat.h"

static const char filesystem_default_mp_exclude[] =
	"^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";
static const char filesystem_default_fs_exclude[] =
	"^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|"
	"iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|"
	"sysfs|tracefs)$";

static const char *filesystem_mp_exclude = filesystem_default_mp_exclude;
static const char *filesystem_fs_exclude = filesystem_default_fs_exclude;
static const char *filesystem_old_mp_exclude; /* deprecated names */
static const char *filesystem_old_fs_exclude;
static const char *filesystem_timeout_flag = "5s";

/* Set up by filesystem_configure(), read-only afterwards (dev_filter's
 * memo is thread-safe). A filter without a pattern stands for the default
 * pattern, matched by code instead. */
static struct dev_filter filesystem_mp_filter, filesystem_fs_filter;
static double filesystem_timeout = 5;

static struct flag filesystem_flags[] = {
	{ "collector.filesystem.mount-points-exclude", FLAG_STRING, &filesystem_mp_exclude,
	  "Regular expression of mount points to leave out.", 0 },
	{ "collector.filesystem.fs-types-exclude", FLAG_STRING, &filesystem_fs_exclude,
	  "Regular expression of filesystem types to leave out.", 0 },
	{ "collector.filesystem.ignored-mount-points", FLAG_STRING, &filesystem_old_mp_exclude,
	  "Deprecated: the old name of --collector.filesystem.mount-points-exclude.", 0 },
	{ "collector.filesystem.ignored-fs-types", FLAG_STRING, &filesystem_old_fs_exclude,
	  "Deprecated: the old name of --collector.filesystem.fs-types-exclude.", 0 },
	{ "collector.filesystem.mount-timeout", FLAG_STRING, &filesystem_timeout_flag,
	  "Longest wait for one mount's statfs; a mount that takes longer is reported with "
	  "device_error 1 until it answers again.", 0 },
	{ 0 },
};

/* Parse a Go duration ("5s", "1m30s", "250ms", "1.5h"). Returns 0 and the
 * seconds, or -1. */
int filesystem_parse_duration(const char *s, double *out)
{
	static const struct {
		const char *unit;
		double seconds;
	} units[] = {
		{ "ns", 1e-9 }, { "us", 1e-6 }, { "\xc2\xb5s", 1e-6 }, { "\xce\xbcs", 1e-6 },
		{ "ms", 1e-3 }, { "s", 1 },     { "m", 60 },           { "h", 3600 },
	};
	int neg = 0;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!strcmp(s, "0")) {
		*out = 0;
		return 0;
	}
	if (!*s)
		return -1;
	double total = 0;
	while (*s) {
		const char *start = s;
		while ((*s >= '0' && *s <= '9') || *s == '.')
			s++;
		if (s == start || (s - start == 1 && *start == '.'))
			return -1;
		char num[64];
		if ((size_t)(s - start) >= sizeof num)
			return -1;
		memcpy(num, start, (size_t)(s - start));
		num[s - start] = 0;
		char *end;
		double v = strtod(num, &end);
		if (*end) /* e.g. a second '.' */
			return -1;
		size_t best = 0;
		double mult = 0;
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
			size_t l = strlen(units[i].unit);
			if (!strncmp(s, units[i].unit, l) && l > best) {
				best = l;
				mult = units[i].seconds;
			}
		}
		if (!best)
			return -1;
		s += best;
		total += v * mult;
	}
	*out = neg ? -total : total;
	return 0;
}

/* Make f exclude what pattern matches; the default pattern is left to
 * code (f stays empty). */
static int filesystem_compile(struct dev_filter *f, const char *pattern, const char *deflt,
			      const char *flag)
{
	dev_filter_free(f);
	if (pattern == deflt || !strcmp(pattern, deflt))
		return 0;
	/* An empty pattern matches everything, as in Go; "^" says so in ERE. */
	return dev_filter_init(f, NULL, *pattern ? pattern : "^", flag);
}

/* Resolve the flags as node_exporter does (a deprecated name may replace
 * the new one when the new one was not given) and compile the patterns.
 * Returns 0 or -1 after printing why. */
int filesystem_configure(const char *mp_exclude, int mp_given, const char *old_mp,
			 const char *fs_exclude, int fs_given, const char *old_fs,
			 const char *timeout)
{
	if (old_mp && *old_mp) {
		if (mp_given) {
			fprintf(stderr, "pharos-exporter: --collector.filesystem.ignored-mount-points and "
					"--collector.filesystem.mount-points-exclude are mutually exclusive\n");
			return -1;
		}
		log_warn("--collector.filesystem.ignored-mount-points is deprecated; use "
			 "--collector.filesystem.mount-points-exclude");
		mp_exclude = old_mp;
	}
	if (old_fs && *old_fs) {
		if (fs_given) {
			fprintf(stderr, "pharos-exporter: --collector.filesystem.ignored-fs-types and "
					"--collector.filesystem.fs-types-exclude are mutually exclusive\n");
			return -1;
		}
		log_warn("--collector.filesystem.ignored-fs-types is deprecated; use "
			 "--collector.filesystem.fs-types-exclude");
		fs_exclude = old_fs;
	}
	double t;
	if (filesystem_parse_duration(timeout, &t) != 0 || t <= 0) {
		fprintf(stderr, "pharos-exporter: --collector.filesystem.mount-timeout: \"%s\" is not "
				"a positive duration (e.g. 5s)\n", timeout);
		return -1;
	}
	filesystem_timeout = t;
	if (filesystem_compile(&filesystem_mp_filter, mp_exclude, filesystem_default_mp_exclude,
			       "collector.filesystem.mount-points-exclude") != 0 ||
	    filesystem_compile(&filesystem_fs_filter, fs_exclude, filesystem_default_fs_exclude,
			       "collector.filesystem.fs-types-exclude") != 0)
		return -1;
	return 0;
}

static int filesystem_setup(void)
{
	/* A flag still points at its default string unless it was given. */
	return filesystem_configure(filesystem_mp_exclude,
				    filesystem_mp_exclude != filesystem_default_mp_exclude,
				    filesystem_old_mp_exclude, filesystem_fs_exclude,
				    filesystem_fs_exclude != filesystem_default_fs_exclude,
				    filesystem_old_fs_exclude, filesystem_timeout_flag);
}

/* The default mount point pattern, by code: it is matched for every mount
 * on every scrape. "^/(dev|proc|sys)($|/)" or one of the prefixes
 * below followed by at least one character. */
static int filesystem_default_mp_match(const char *mp)
{
	static const char *const dirs[] = { "/dev", "/proc", "/sys" };
	static const char *const prefixes[] = { "/run/credentials/", "/var/lib/docker/",
						"/var/lib/containers/storage/" };
	for (size_t i = 0; i < 3; i++) {
		size_t l = strlen(dirs[i]);
		if (!strncmp(mp, dirs[i], l) && (mp[l] == 0 || mp[l] == '/'))
			return 1;
	}
	for (size_t i = 0; i < 3; i++) {
		size_t l = strlen(prefixes[i]);
		if (!strncmp(mp, prefixes[i], l) && mp[l] != 0)
			return 1;
	}
	return 0;
}

static int filesystem_default_fs_match(const char *fs)
{
	static const char *const types[] = {
		"autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs",
		"devpts", "devtmpfs", "fusectl", "hugetlbfs", "iso9660", "mqueue", "nsfs",
		"overlay", "proc", "procfs", "pstore", "rpc_pipefs", "securityfs", "selinuxfs",
		"squashfs", "sysfs", "tracefs",
	};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (!strcmp(fs, types[i]))
			return 1;
	return 0;
}

/* Is this mount left out by the exclude patterns? */
int filesystem_excluded(const char *mountpoint, const char *fstype)
{
	if (filesystem_mp_filter.has_exclude ? dev_filter_ignored(&filesystem_mp_filter, mountpoint)
					     : filesystem_default_mp_match(mountpoint))
		return 1;
	return filesystem_fs_filter.has_exclude ? dev_filter_ignored(&filesystem_fs_filter, fstype)
						: filesystem_default_fs_match(fstype);
}

/* One line of a mounts file. Strings point into the parsed text. */
struct filesystem_mount {
	const char *device, *mountpoint, *fstype, *options;
};

/* Replace every "\040" by a blank and "\011" by a tab, in place; the only
 * escapes of fstab(5) that node_exporter undoes. */
static void filesystem_unescape(char *s)
{
	char *o = s;
	while (*s) {
		if (s[0] == '\\' && s[1] == '0' && ((s[2] == '4' && s[3] == '0') ||
						    (s[2] == '1' && s[3] == '1'))) {
			*o++ = s[2] == '4' ? ' ' : '\t';
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = 0;
}

/* Parse mounts text (modified in place) into an arena array of mounts.
 * Mount points are unescaped and, unless rootfs is "/", have the rootfs
 * prefix removed (as node_exporter does when it runs in a container with
 * the host's root at --path.rootfs). Lines with fewer than four fields are
 * skipped. Returns the number of mounts; *out is arena-owned. */
int filesystem_parse_mounts(struct scrape *s, char *text, const char *rootfs,
			    struct filesystem_mount **out)
{
	size_t cap = 16, n = 0;
	struct filesystem_mount *m = arena_alloc(s->arena, cap * sizeof *m);
	size_t rl = strlen(rootfs);
	int strip = strcmp(rootfs, "/") != 0;
	char *line;
	while ((line = next_line(&text)) != NULL) {
		char *f[4];
		if (split_fields(line, f, 4) < 4)
			continue;
		if (n == cap) {
			struct filesystem_mount *bigger = arena_alloc(s->arena, 2 * cap * sizeof *m);
			memcpy(bigger, m, n * sizeof *m);
			m = bigger;
			cap *= 2;
		}
		filesystem_unescape(f[1]);
		char *mp = f[1];
		if (strip && !strncmp(mp, rootfs, rl)) {
			mp += rl;
			if (!*mp)
				mp = "/";
		}
		m[n++] = (struct filesystem_mount){ f[0], mp, f[2], f[3] };
	}
	*out = m;
	return (int)n;
}

static int filesystem_readonly(const char *options)
{
	for (const char *p = options; *p;) {
		size_t l = strcspn(p, ",");
		if (l == 2 && p[0] == 'r' && p[1] == 'o')
			return 1;
		p += l;
		if (*p)
			p++;
	}
	return 0;
}

/* node_exporter's filepath.Join(rootfs, mountpoint), for absolute mount
 * points. */
static char *filesystem_stat_path(struct scrape *s, const char *rootfs, const char *mp)
{
	size_t rl = strlen(rootfs);
	while (rl > 0 && rootfs[rl - 1] == '/')
		rl--;
	while (*mp == '/')
		mp++;
	if (rl == 0)
		return arena_printf(s->arena, "/%s", mp);
	return arena_printf(s->arena, "%.*s%s%s", (int)rl, rootfs, *mp ? "/" : "", mp);
}

/* Add the families for mounts m[0..n) with their stat results. */
void filesystem_add(struct scrape *s, const struct filesystem_mount *m, size_t n,
		    const struct fsstat_result *r)
{
	static const struct {
		const char *name, *help;
	} fams[7] = {
		{ "node_filesystem_device_error",
		  "1 if statfs on the mount point failed (or timed out), else 0." },
		{ "node_filesystem_size_bytes", "Size of the filesystem, in bytes." },
		{ "node_filesystem_free_bytes", "Free space on the filesystem, in bytes." },
		{ "node_filesystem_avail_bytes",
		  "Free space that users other than root may use, in bytes." },
		{ "node_filesystem_files", "Inodes (file nodes) of the filesystem." },
		{ "node_filesystem_files_free", "Free inodes (file nodes) of the filesystem." },
		{ "node_filesystem_readonly", "1 if the filesystem is mounted read-only, else 0." },
	};
	struct mfamily *f[7];
	for (int i = 0; i < 7; i++)
		f[i] = mset_family(s->ms, fams[i].name, fams[i].help, METRIC_GAUGE);
	static const char *const names[3] = { "device", "mountpoint", "fstype" };
	for (size_t i = 0; i < n; i++) {
		const char *values[3] = { m[i].device, m[i].mountpoint, m[i].fstype };
		mset_add(s->ms, f[0], r[i].err ? 1 : 0, 3, names, values);
		if (r[i].err)
			continue;
		const struct statfs *st = &r[i].st;
		double bsize = (double)st->f_bsize;
		double v[6] = {
			(double)st->f_blocks * bsize, (double)st->f_bfree * bsize,
			(double)st->f_bavail * bsize, (double)st->f_files, (double)st->f_ffree,
			filesystem_readonly(m[i].options),
		};
		for (int k = 0; k < 6; k++)
			mset_add(s->ms, f[k + 1], v[k], 3, names, values);
	}
}

/* Is fstype a local disk or memory filesystem, whose statfs does not
 * wait on anything outside this machine? */
static int filesystem_local_type(const char *fstype)
{
	static const char *const local[] = { "ext2", "ext3", "ext4", "xfs", "tmpfs", "ramfs",
					     "devtmpfs", "vfat", NULL };
	for (int i = 0; local[i]; i++)
		if (!strcmp(fstype, local[i]))
			return 1;
	return 0;
}

/* Read the mounts, stat those not excluded and add the families.
 * Returns 0 or -errno when no mounts file can be read. */
int filesystem_collect(struct scrape *s, const char *procfs, const char *rootfs, fsstat_fn fn)
{
	char *text = kept_read_arena(s, cpath(s, procfs, "1/mounts"));
	if (!text && errno == ENOENT) /* hidepid: fall back to our own view */
		text = kept_read_arena(s, cpath(s, procfs, "mounts"));
	if (!text)
		return -errno;
	struct filesystem_mount *all;
	int n = filesystem_parse_mounts(s, text, rootfs, &all);
	struct filesystem_mount *m = arena_alloc(s->arena, (size_t)(n ? n : 1) * sizeof *m);
	const char **paths = arena_alloc(s->arena, (size_t)(n ? n : 1) * sizeof *paths);
	size_t k = 0;
	for (int i = 0; i < n; i++) {
		if (filesystem_excluded(all[i].mountpoint, all[i].fstype))
			continue;
		m[k] = all[i];
		paths[k++] = filesystem_stat_path(s, rootfs, all[i].mountpoint);
	}
	struct fsstat_result *r = arena_alloc(s->arena, (k ? k : 1) * sizeof *r);
	/* Local disk and memory filesystems answer statfs from in-memory
	 * counters and have no remote party to wait for: they are asked
	 * here, saving the hand-over to a helper thread (a wake-up and a
	 * context switch each way, ~0.2 ms of latency on the test VM). The
	 * others (nfs, cifs, fuse, ...) go through fsstat_batch's bounded
	 * wait. */
	const char **remote = arena_alloc(s->arena, (k ? k : 1) * sizeof *remote);
	size_t *where = arena_alloc(s->arena, (k ? k : 1) * sizeof *where);
	size_t nremote = 0;
	for (size_t i = 0; i < k; i++) {
		if (!filesystem_local_type(m[i].fstype) || fsstat_is_stuck(paths[i])) {
			where[nremote] = i;
			remote[nremote++] = paths[i];
			continue;
		}
		memset(&r[i], 0, sizeof r[i]);
		errno = 0;
		if (fn(paths[i], &r[i].st) != 0)
			r[i].err = errno ? errno : EIO;
	}
	if (nremote) {
		struct fsstat_result *rr = arena_alloc(s->arena, nremote * sizeof *rr);
		fsstat_batch(remote, nremote, filesystem_timeout, fn, rr);
		for (size_t i = 0; i < nremote; i++)
			r[where[i]] = rr[i];
	}
	for (size_t i = 0; i < k; i++)
		if (r[i].err)
			log_debug("statfs %s: %s", paths[i], strerror(r[i].err));
	filesystem_add(s, m, k, r);
	return 0;
}

static int filesystem_update(struct scrape *s)
{
	return filesystem_collect(s, exporter_paths.procfs, exporter_paths.rootfs, statfs);
}

const struct collector filesystem_collector = { "filesystem", 1, filesystem_update,
						filesystem_flags, filesystem_setup };
