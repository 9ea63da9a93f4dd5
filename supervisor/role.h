/* role.h - which role this instance has, read from the sources an
 * appliance can be given one by, first found wins:
 *
 *   1 cmdline  <root>/proc/cmdline                  "role=monitor" (kernel command line)
 *   2 fw_cfg   <root>/sys/firmware/qemu_fw_cfg/by_name/opt/org.pharos/role/raw
 *                                                   qemu -fw_cfg name=opt/org.pharos/role,string=monitor
 *   3 smbios   <root>/sys/firmware/dmi/entries/11-N/raw   an OEM string "role=monitor"
 *                                                   (qemu -smbios type=11,value=role=monitor; Vagrant sysinfo)
 *   4 imds     EC2 IMDSv2 user-data at <imds_url>/latest/user-data (token first)
 *   5 cidata   a block device labelled CIDATA (vfat or iso9660): its user-data
 *   6 data     <root><data>/role, or "role:" in <root><data>/pharos.yml
 *   7 default  "all"
 *
 * In user-data, OEM strings, fw_cfg and /data/role a role is a line
 * "role=VALUE" or "role: VALUE" (fw_cfg and /data/role may hold the bare
 * value). VALUE is a preset or service names separated by commas. */
#ifndef PHAROS_SUPERVISOR_ROLE_H
#define PHAROS_SUPERVISOR_ROLE_H

#include <stddef.h>

#define ROLE_MAX 128
#define ROLE_FWCFG_NAME "opt/org.pharos/role"

struct role_probe {
	const char *root;     /* "" on a real system; a fake tree in tests */
	const char *data_dir; /* where the data partition is mounted; NULL: /data */
	const char *imds_url; /* e.g. "http://169.254.169.254"; NULL: skip IMDS */
	int imds_timeout_ms;  /* per request */
	int mount;            /* mount a cidata device to read it (PID 1); else
			       * read <root>/run/cidata/user-data as if mounted */
};

/* Find the role. [out] out: the role (at most ROLE_MAX-1 bytes).
 * Returns the source's name ("cmdline", "fw_cfg", "smbios", "imds",
 * "cidata", "data" or "default"); a static string. */
const char *role_find(const struct role_probe *p, char *out, size_t outlen);

/* Parsers, exposed for tests. Each returns 0 with the value in out, or
 * -ENOENT when text holds no (valid) role. */
/* A kernel command line: the last "role=" word. */
int role_from_cmdline(const char *text, char *out, size_t outlen);
/* Lines "role=x" / "role: x"; with bare != 0, a text that is one word is
 * the value itself. */
int role_from_text(const char *text, int bare, char *out, size_t outlen);
/* An SMBIOS type 11 structure (header, then NUL-terminated strings). */
int role_from_smbios(const unsigned char *raw, size_t len, char *out, size_t outlen);
/* The volume label of a FAT boot sector (or an ISO 9660 image, when len
 * covers its primary volume descriptor at 32 KiB): 1 for "cidata" (any
 * case), else 0. [out] fstype: "vfat" or "iso9660" when 1. */
int role_is_cidata(const unsigned char *data, size_t len, const char **fstype);
/* Fetch EC2 IMDSv2 user-data from base (http://host[:port]) into out
 * (NUL-terminated, truncated to outlen-1). Returns 0, -ENOENT when there
 * is none (404), or negative errno. */
int role_imds_userdata(const char *base, int timeout_ms, char *out, size_t outlen);

#endif
