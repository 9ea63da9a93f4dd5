/* Tests for collector/filesystem.c: mounts parsing, the exclude patterns
 * and their fast paths, flag resolution, and a whole scrape of a fake
 * /proc/1/mounts whose mount points are real directories. */
#include "../unit.h"
#include "xtest.h"

#include <errno.h>
#include <sys/vfs.h>

#include "../../../services/exporter/fsstat.h"

struct filesystem_mount {
	const char *device, *mountpoint, *fstype, *options;
};
int filesystem_parse_duration(const char *s, double *out);
int filesystem_configure(const char *mp_exclude, int mp_given, const char *old_mp,
			 const char *fs_exclude, int fs_given, const char *old_fs,
			 const char *timeout);
int filesystem_excluded(const char *mountpoint, const char *fstype);
int filesystem_parse_mounts(struct scrape *s, char *text, const char *rootfs,
			    struct filesystem_mount **out);
int filesystem_collect(struct scrape *s, const char *procfs, const char *rootfs, fsstat_fn fn);

#define FS_MP_DEFAULT \
	"^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"
#define FS_TYPE_DEFAULT \
	"^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|" \
	"iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|" \
	"sysfs|tracefs)$"

static int fs_defaults(void)
{
	return filesystem_configure(FS_MP_DEFAULT, 0, NULL, FS_TYPE_DEFAULT, 0, NULL, "5s");
}

TEST(filesystem_durations)
{
	double d;
	CHECK_INT(filesystem_parse_duration("5s", &d), 0);
	CHECK_DBL(d, 5);
	CHECK_INT(filesystem_parse_duration("1m30s", &d), 0);
	CHECK_DBL(d, 90);
	CHECK_INT(filesystem_parse_duration("250ms", &d), 0);
	CHECK_DBL(d, 0.25);
	CHECK_INT(filesystem_parse_duration("1.5h", &d), 0);
	CHECK_DBL(d, 5400);
	CHECK_INT(filesystem_parse_duration("10us", &d), 0);
	CHECK_DBL(d, 1e-5);
	CHECK_INT(filesystem_parse_duration("0", &d), 0);
	CHECK_DBL(d, 0);
	CHECK(filesystem_parse_duration("5", &d) != 0);
	CHECK(filesystem_parse_duration("", &d) != 0);
	CHECK(filesystem_parse_duration("s", &d) != 0);
	CHECK(filesystem_parse_duration("5x", &d) != 0);
	CHECK(filesystem_parse_duration("1.2.3s", &d) != 0);
	CHECK(filesystem_parse_duration(".s", &d) != 0);
}

TEST(filesystem_flags)
{
	CHECK_INT(fs_defaults(), 0);
	CHECK(filesystem_configure(FS_MP_DEFAULT, 0, NULL, FS_TYPE_DEFAULT, 0, NULL, "0s") != 0);
	CHECK(filesystem_configure(FS_MP_DEFAULT, 0, NULL, FS_TYPE_DEFAULT, 0, NULL, "-1s") != 0);
	CHECK(filesystem_configure("^/x", 1, "^/y", FS_TYPE_DEFAULT, 0, NULL, "5s") != 0);
	CHECK(filesystem_configure(FS_MP_DEFAULT, 0, NULL, "^x$", 1, "^y$", "5s") != 0);
	CHECK(filesystem_configure("(", 1, NULL, FS_TYPE_DEFAULT, 0, NULL, "5s") != 0);

	/* The deprecated names replace the defaults. */
	CHECK_INT(filesystem_configure(FS_MP_DEFAULT, 0, "^/srv", FS_TYPE_DEFAULT, 0, "^ext4$",
				       "5s"), 0);
	CHECK(filesystem_excluded("/srv/data", "xfs"));
	CHECK(!filesystem_excluded("/proc", "xfs"));
	CHECK(filesystem_excluded("/", "ext4"));
	CHECK(!filesystem_excluded("/", "tmpfs"));
	/* An empty pattern matches everything, as Go's regexp does. */
	CHECK_INT(filesystem_configure("", 1, NULL, FS_TYPE_DEFAULT, 0, NULL, "5s"), 0);
	CHECK(filesystem_excluded("/", "ext4"));
	CHECK_INT(fs_defaults(), 0);
}

/* The code that stands in for the default patterns agrees with them. */
TEST(filesystem_default_patterns)
{
	static const char *const mps[] = {
		"/", "/dev", "/dev/", "/dev/shm", "/devices", "/proc", "/proc/sys/fs/binfmt_misc",
		"/sys", "/sys/fs/cgroup", "/system", "/run", "/run/credentials", "/run/credentials/",
		"/run/credentials/a", "/run/credentials/a/b", "/var/lib/docker", "/var/lib/docker/",
		"/var/lib/docker/overlay2/x/merged", "/var/lib/containers/storage/overlay",
		"/var/lib/containers/storage", "/home/dev", "/mnt/proc", "/boot/efi", "dev",
	};
	static const char *const types[] = {
		"ext4", "xfs", "tmpfs", "cgroup", "cgroup2", "cgroup3", "proc", "procfs", "procfs2",
		"overlay", "overlayfs", "nfs4", "fuse.sshfs", "sysfs", "tracefs", "", "devtmpfs",
	};
	int fast[64][64], n = 0;
	CHECK_INT(fs_defaults(), 0);
	for (size_t i = 0; i < sizeof mps / sizeof mps[0]; i++)
		for (size_t j = 0; j < sizeof types / sizeof types[0]; j++)
			fast[i][j] = filesystem_excluded(mps[i], types[j]);
	/* The same patterns with a redundant group go through regexec. */
	CHECK_INT(filesystem_configure("(" FS_MP_DEFAULT ")", 1, NULL, "(" FS_TYPE_DEFAULT ")", 1,
				       NULL, "5s"), 0);
	for (size_t i = 0; i < sizeof mps / sizeof mps[0]; i++) {
		for (size_t j = 0; j < sizeof types / sizeof types[0]; j++) {
			if (filesystem_excluded(mps[i], types[j]) != fast[i][j]) {
				unit_fail(__FILE__, __LINE__, "%s %s: regex and code disagree", mps[i],
					  types[j]);
				fs_defaults();
				return;
			}
			n += fast[i][j];
		}
	}
	CHECK_INT(fs_defaults(), 0);
	CHECK(n > 0);
}

TEST(filesystem_mounts_parsing)
{
	struct xtest t;
	xtest_init(&t);
	char text[] = "/dev/vda / ext4 rw,relatime 0 0\n"
		      "short line\n"
		      "//srv/share /host/mnt/my\\040share\\011x cifs ro,relatime 0 0\n"
		      "tmpfs /host tmpfs rw 0 0\n"
		      "tmpfs /hostile tmpfs rw 0 0\n"
		      "a /x\\134y t o\n";
	struct filesystem_mount *m;
	int n = filesystem_parse_mounts(&t.s, text, "/host", &m);
	int ok = n == 5 && !strcmp(m[0].mountpoint, "/") && !strcmp(m[0].options, "rw,relatime") &&
		 !strcmp(m[1].device, "//srv/share") && !strcmp(m[1].mountpoint, "/mnt/my share\tx") &&
		 !strcmp(m[1].fstype, "cifs") && !strcmp(m[2].mountpoint, "/") &&
		 !strcmp(m[3].mountpoint, "ile") && /* a plain prefix, as node_exporter strips */
		 !strcmp(m[4].mountpoint, "/x\\134y");
	char text2[] = "/dev/vda / ext4 rw 0 0\n";
	int n2 = filesystem_parse_mounts(&t.s, text2, "/", &m);
	int ok2 = n2 == 1 && !strcmp(m[0].mountpoint, "/");
	xtest_free(&t);
	CHECK(ok);
	CHECK(ok2);
}

/* A scrape of procfs/rootfs; *rc gets its result. Returns the output
 * without HELP lines (malloc'd). */
static char *fs_collect(const char *procfs, const char *rootfs, int *rc)
{
	struct xtest t;
	xtest_init(&t);
	*rc = filesystem_collect(&t.s, procfs, rootfs, statfs);
	char *out = xtest_render(&t.ms, XTEST_NO_HELP);
	xtest_free(&t);
	return out;
}

TEST(filesystem_scrape)
{
	CHECK_INT(fs_defaults(), 0);
	char *root = xtest_tree("filesystem");
	CHECK(root != NULL);
	char proc[256], data[256];
	snprintf(proc, sizeof proc, "%s/proc", root);
	snprintf(data, sizeof data, "%s/data", root);
	xtest_write(root, "data", NULL);
	/* With rootfs = the scratch directory: "/data" is <tmp>/data. */
	int w = xtest_write(root, "proc/1/mounts",
			    "/dev/sdz1 /data ext4 rw,relatime 0 0\n"
			    "/dev/sdz1 /data ext4 rw,relatime 0 0\n" /* a duplicate */
			    "/dev/sdz2 /data ext4 ro,noatime 0 0\n"   /* same labels */
			    "server:/x /gone nfs4 rw 0 0\n"
			    "proc /proc proc rw 0 0\n"
			    "tmpfs /var/lib/docker/x tmpfs rw 0 0\n"
			    "/dev/sdz3 /data xfs ro 0 0\n");
	CHECK_INT(w, 0);
	struct statfs st;
	CHECK_INT(statfs(data, &st), 0);
	int rc;
	char *out = fs_collect(proc, root, &rc);

	char want[4096];
	double bs = (double)st.f_bsize;
	char size[64], files[64];
	snprintf(size, sizeof size, "%.17g", (double)st.f_blocks * bs);
	snprintf(files, sizeof files, "%.17g", (double)st.f_files);
	snprintf(want, sizeof want,
		 "# TYPE node_filesystem_avail_bytes gauge\n"
		 "node_filesystem_avail_bytes{device=\"/dev/sdz1\",fstype=\"ext4\",mountpoint=\"/data\"} ");
	int has_avail = strstr(out, want) != NULL;
	int ok = rc == 0 && has_avail &&
		 strstr(out, "node_filesystem_device_error{device=\"/dev/sdz1\",fstype=\"ext4\",mountpoint=\"/data\"} 0\n") &&
		 strstr(out, "node_filesystem_device_error{device=\"/dev/sdz2\",fstype=\"ext4\",mountpoint=\"/data\"} 0\n") &&
		 strstr(out, "node_filesystem_device_error{device=\"server:/x\",fstype=\"nfs4\",mountpoint=\"/gone\"} 1\n") &&
		 strstr(out, "node_filesystem_readonly{device=\"/dev/sdz1\",fstype=\"ext4\",mountpoint=\"/data\"} 0\n") &&
		 strstr(out, "node_filesystem_readonly{device=\"/dev/sdz2\",fstype=\"ext4\",mountpoint=\"/data\"} 1\n") &&
		 strstr(out, "node_filesystem_readonly{device=\"/dev/sdz3\",fstype=\"xfs\",mountpoint=\"/data\"} 1\n") &&
		 !strstr(out, "size_bytes{device=\"server:/x\"") && !strstr(out, "\"/proc\"") &&
		 !strstr(out, "docker");
	/* Sizes and inode counts are statfs's, exactly. */
	char *line = strstr(out, "node_filesystem_size_bytes{device=\"/dev/sdz1\"");
	char *fl = strstr(out, "node_filesystem_files{device=\"/dev/sdz1\"");
	double got_size = line ? strtod(strchr(line, '}') + 1, NULL) : -1;
	double got_files = fl ? strtod(strchr(fl, '}') + 1, NULL) : -1;
	if (!ok)
		fprintf(stderr, "got:\n%s", out);
	free(out);

	/* Without 1/mounts, <procfs>/mounts is read. */
	xtest_unlink(root, "proc/1/mounts");
	xtest_write(root, "proc/mounts", "/dev/sdz9 /data ext4 rw 0 0\n");
	out = fs_collect(proc, root, &rc);
	int fallback = rc == 0 && strstr(out, "device=\"/dev/sdz9\"") != NULL;
	free(out);
	xtest_unlink(root, "proc/mounts");
	out = fs_collect(proc, root, &rc);
	int missing = rc == -ENOENT && !strcmp(out, "");
	free(out);
	xtest_rmtree(root);
	free(root);

	CHECK(ok);
	CHECK_DBL(got_size, (double)st.f_blocks * bs);
	CHECK_DBL(got_files, (double)st.f_files);
	CHECK(fallback);
	CHECK(missing);
}
