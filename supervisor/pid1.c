#include "pid1.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../lib/dirscan.h"
#include "../lib/log.h"
#include "data.h"
#include "net.h"
#include "role.h"

/* From <linux/input.h>, which musl-gcc does not see. */
#define PID1_EV_KEY 0x01
#define PID1_KEY_POWER 116
#define PID1_EVIOCGBIT(ev, len) _IOC(_IOC_READ, 'E', 0x20 + (ev), len)
struct pid1_input_event {
	struct { long sec, usec; } time;
	unsigned short type, code;
	int value;
};

static void pid1_mount(const char *src, const char *dst, const char *type,
		       unsigned long flags, const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) < 0 && errno != EBUSY)
		log_error("mount %s on %s: %s", type, dst, strerror(errno));
}

/* The kernel gives init /dev/console as fds 0-2 only when the initramfs
 * has a /dev/console node; ours has none, so open it from devtmpfs. When
 * the fds are there already (a console node, or a test harness), keep them. */
static void pid1_console(void)
{
	if (fcntl(1, F_GETFD) >= 0 && fcntl(2, F_GETFD) >= 0)
		return;
	int fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

int pid1_load_modules(const char *list)
{
	char buf[8192], path[512], dir[256];
	int fd = open(list, O_RDONLY | O_CLOEXEC), failed = 0, ok = 0;
	if (fd < 0) {
		if (errno != ENOENT)
			log_warn("modules: %s: %s", list, strerror(errno));
		return 0;
	}
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	snprintf(dir, sizeof dir, "%s", list);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		strcpy(dir, ".");
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		line += strspn(line, " \t");
		if (!*line || *line == '#')
			continue;
		if (*line == '/')
			snprintf(path, sizeof path, "%s", line);
		else
			snprintf(path, sizeof path, "%s/%s", dir, line);
		int mfd = open(path, O_RDONLY | O_CLOEXEC);
		if (mfd < 0 || syscall(SYS_finit_module, mfd, "", 0) < 0) {
			if (errno != EEXIST) {
				log_warn("module %s: %s", line, strerror(errno));
				failed++;
			}
		} else {
			ok++;
		}
		if (mfd >= 0)
			close(mfd);
	}
	log_info("modules: %d loaded, %d failed", ok, failed);
	return failed;
}

void pid1_boot(struct cfg *cfg, const char *root_prefix, const char *imds_url)
{
	pid1_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	pid1_mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	pid1_mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	pid1_console();
	pid1_mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=0620");
	pid1_mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	pid1_mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	pid1_mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	/* Ctrl-Alt-Del becomes SIGINT, handled as a shutdown. */
	reboot(RB_DISABLE_CAD);
	log_info("pharos-init %s as PID 1", PHAROS_VERSION);

	pid1_load_modules(cfg->modules);
	if (sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
		log_warn("hostname %s: %s", cfg->hostname, strerror(errno));
	int net_ok = net_setup(&cfg->net) == 0;

	char dev[256];
	if (data_find(root_prefix, cfg->data_label, dev, sizeof dev) == 0) {
		if (cfg->data_grow)
			data_grow(dev);
		data_mount(dev, cfg->data_mount);
	} else {
		log_warn("data: no partition labelled %s; %s stays on the root tmpfs",
			 cfg->data_label, cfg->data_mount);
	}

	struct role_probe rp = {
		.root = root_prefix,
		.data_dir = cfg->data_mount,
		.imds_url = imds_url ? imds_url : net_ok ? "http://169.254.169.254" : NULL,
		.imds_timeout_ms = 1000,
		.mount = 1,
	};
	char role[ROLE_MAX], err[128];
	const char *src = role_find(&rp, role, sizeof role);
	if (!strcmp(src, "default")) {
		log_info("role %s (from the configuration; no other source has one)", cfg->role);
		return;
	}
	if (cfg_set_role(cfg, role, err, sizeof err) < 0) {
		log_error("role from %s: %s; using all", src, err);
		cfg_set_role(cfg, "all", NULL, 0);
	} else {
		log_info("role %s (from %s)", role, src);
	}
}

static int pid1_scan_input(const char *name, unsigned char type, void *ctx)
{
	int *out = ctx;
	unsigned long bits[768 / (8 * sizeof(unsigned long)) + 1];
	char path[300];
	(void)type;
	if (strncmp(name, "event", 5))
		return 0;
	snprintf(path, sizeof path, "/dev/input/%s", name);
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	memset(bits, 0, sizeof bits);
	if (ioctl(fd, PID1_EVIOCGBIT(PID1_EV_KEY, sizeof bits), bits) >= 0 &&
	    (bits[PID1_KEY_POWER / (8 * sizeof(unsigned long))] >>
	     (PID1_KEY_POWER % (8 * sizeof(unsigned long)))) & 1) {
		log_info("power button: %s", path);
		*out = fd;
		return 1;
	}
	close(fd);
	return 0;
}

int pid1_power_button(void)
{
	int fd = -1;
	dirscan("/dev/input", pid1_scan_input, &fd);
	return fd;
}

int pid1_power_read(int fd)
{
	struct pid1_input_event ev[16];
	ssize_t n = read(fd, ev, sizeof ev);
	for (ssize_t i = 0; i < n / (ssize_t)sizeof *ev; i++)
		if (ev[i].type == PID1_EV_KEY && ev[i].code == PID1_KEY_POWER && ev[i].value == 1)
			return 1;
	return 0;
}

void pid1_poweroff(const struct cfg *cfg)
{
	sync();
	if (umount2(cfg->data_mount, 0) < 0 && errno != EINVAL && errno != ENOENT) {
		log_warn("umount %s: %s; remounting read-only", cfg->data_mount, strerror(errno));
		mount(NULL, cfg->data_mount, NULL, MS_REMOUNT | MS_RDONLY, NULL);
	}
	sync();
	log_info("power off");
	reboot(RB_POWER_OFF);
	for (;;) /* PID 1 must never exit */
		pause();
}
