/* pid1.h - what pharos-init does as PID 1 before and after supervising:
 *
 *   boot:  mount /proc, /sys, /dev (devtmpfs), /dev/pts, /run and /tmp
 *          (tmpfs), /sys/fs/cgroup (cgroup2); re-open /dev/console; load
 *          the kernel modules listed in cfg->modules (finit_module, in
 *          order); set the hostname; bring up lo and the network (net.h);
 *          find, grow and mount the data partition (data.h); read the role
 *          (role.h) and apply it, falling back to "all" if it names
 *          something unknown.
 *   power: the ACPI power button (evdev, KEY_POWER) as a descriptor for
 *          the supervisor's poll loop.
 *   end:   sync, unmount the data partition, poweroff. Never returns.
 *
 * Every step logs its failure and goes on: an appliance that boots with
 * less is better than one that does not boot. */
#ifndef PHAROS_SUPERVISOR_PID1_H
#define PHAROS_SUPERVISOR_PID1_H

#include "config.h"

/* Do the boot steps above. [in] root_prefix, imds_url: as for role_find()
 * (imds_url NULL: http://169.254.169.254 once the network is up). */
void pid1_boot(struct cfg *cfg, const char *root_prefix, const char *imds_url);

/* Load the modules named in list (one file name or path per line, '#'
 * comments; relative names are looked up in the list's directory).
 * Returns the number that failed. */
int pid1_load_modules(const char *list);

/* Open the input device that reports KEY_POWER, or -1. */
int pid1_power_button(void);
/* Read events from the power button fd; 1 when it was pressed. */
int pid1_power_read(int fd);

/* sync, unmount cfg->data_mount, power off. */
void pid1_poweroff(const struct cfg *cfg) __attribute__((noreturn));

#endif
