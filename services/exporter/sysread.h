/* sysread.h - read a small sysfs attribute the way prometheus/procfs's
 * SysReadFile does (owner: the thermal_zone and time collectors). */
#ifndef PHAROS_EXPORTER_SYSREAD_H
#define PHAROS_EXPORTER_SYSREAD_H

/* The most SYSREAD_MAX bytes one read(2) returns, Unicode white space
 * trimmed at both ends (strings.TrimSpace). One read only: some drivers
 * misbehave when read again. A file on sysfs or procfs is kept open
 * between calls (keptfile.h) and read with pread() from offset 0.
 * [out] out: SYSREAD_MAX + 1 bytes, NUL-terminated.
 * Returns the length of the trimmed text (bytes before out[len]; it may
 * hold NUL bytes), or -errno (open or read). */
#define SYSREAD_MAX 128
int sysread_trimmed(const char *path, char *out);

#endif
