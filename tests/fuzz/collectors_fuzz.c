/* libFuzzer target for every /proc and /sys parser of pharos-exporter.
 *
 * The first input byte picks one file of the table below; the rest of the
 * input becomes that file's content inside a private fake root (proc/,
 * sys/, etc/). Then every collector runs a scrape against that root and
 * the result is written out, as a real scrape would. Crashes, leaks and
 * undefined behaviour are what the sanitizers report; the output itself
 * is not checked. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../services/exporter/collectors.h"

static const char *const files[] = {
	"proc/meminfo", "proc/loadavg", "proc/stat", "proc/vmstat", "proc/diskstats",
	"proc/cpuinfo", "proc/interrupts", "proc/schedstat", "proc/1/mounts",
	"proc/net/dev", "proc/net/netstat", "proc/net/snmp", "proc/net/snmp6",
	"proc/net/sockstat", "proc/net/sockstat6", "proc/net/arp", "proc/net/udp",
	"proc/net/udp6", "proc/net/tcp", "proc/net/tcp6", "proc/net/softnet_stat",
	"proc/net/stat/nf_conntrack", "proc/sys/fs/file-nr",
	"proc/sys/kernel/random/entropy_avail", "proc/sys/kernel/random/poolsize",
	"proc/sys/net/netfilter/nf_conntrack_count", "proc/sys/net/netfilter/nf_conntrack_max",
	"proc/pressure/cpu", "proc/pressure/memory", "proc/pressure/io",
	"proc/sys/kernel/pid_max", "proc/sys/kernel/threads-max", "proc/1/stat",
	"sys/class/net/eth0/speed", "sys/class/net/eth0/operstate", "sys/class/net/eth0/address",
	"sys/class/net/eth0/mtu", "sys/class/hwmon/hwmon0/name", "sys/class/hwmon/hwmon0/temp1_input",
	"sys/class/hwmon/hwmon0/temp1_label", "sys/class/hwmon/hwmon0/fan1_input",
	"sys/class/thermal/thermal_zone0/temp", "sys/class/thermal/thermal_zone0/type",
	"sys/class/thermal/cooling_device0/cur_state",
	"sys/class/power_supply/BAT0/uevent", "sys/class/power_supply/BAT0/capacity",
	"sys/devices/system/clocksource/clocksource0/available_clocksource",
	"sys/devices/system/clocksource/clocksource0/current_clocksource",
	"sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq",
	"sys/devices/system/cpu/cpu0/thermal_throttle/core_throttle_count",
	"sys/devices/system/cpu/online", "sys/block/sda/queue/rotational",
	"etc/os-release", "run/udev/data/b8:0",
};
#define NFILES (sizeof files / sizeof files[0])

static char root[64];

static void mkparents(const char *path)
{
	char tmp[512];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(tmp, 0755);
			*p = '/';
		}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(root, sizeof root, "/tmp/pharos-fuzz-XXXXXX");
	if (!mkdtemp(root))
		abort();
	static char procfs[128], sysfs[128], udev[128];
	snprintf(procfs, sizeof procfs, "%s/proc", root);
	snprintf(sysfs, sizeof sysfs, "%s/sys", root);
	snprintf(udev, sizeof udev, "%s/run/udev/data", root);
	exporter_paths.procfs = procfs;
	exporter_paths.sysfs = sysfs;
	exporter_paths.rootfs = root;
	exporter_paths.udev_data = udev;
	for (int i = 0; collectors[i]; i++)
		if (collectors[i]->setup && collectors[i]->setup() != 0)
			abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char path[512];
	snprintf(path, sizeof path, "%s/%s", root, files[data[0] % NFILES]);
	mkparents(path);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(data + 1, 1, size - 1, f);
	fclose(f);

	struct mset ms;
	struct arena a = ARENA_INIT;
	struct buf out = BUF_INIT;
	mset_init(&ms);
	for (int i = 0; collectors[i]; i++) {
		/* textfile has its own target; tcpstat/filesystem would reach
		 * the real machine through netlink or statfs. */
		struct scrape s = { &ms, &a };
		collectors[i]->update(&s);
	}
	mset_write(&ms, &out);
	mset_free(&ms);
	arena_free(&a);
	buf_free(&out);
	unlink(path);
	return 0;
}
