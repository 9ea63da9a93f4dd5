/* config.h - pharos.yml: which services run here, and how.
 *
 *   role: all                       # a preset (app, monitor, dashboard, all),
 *                                   # a service name, or a list of them
 *   data_dir: /data                 # services keep their state below it
 *   bin_dir: /bin                   # where pharos-<service> binaries are
 *   control_socket: /run/pharos-init.sock
 *   textfile_dir: /run/pharos/textfile   # supervisor metrics (.prom) for the exporter
 *   hostname: pharos
 *   stop_timeout: 10s               # SIGTERM, then SIGKILL after this
 *   restart: {initial_delay: 1s, max_delay: 60s, reset_after: 30s}
 *   modules: /lib/modules/load.list # PID 1: kernel modules to load, in order
 *   data: {label: data, mount: /data, grow: true}   # PID 1: the data partition
 *   network: {interface: eth0, mode: dhcp}          # PID 1: dhcp, static or none
 *     # static: address: 10.0.2.15/24, gateway: 10.0.2.2, dns: [10.0.2.3], mtu: 1500
 *     # resolv_conf: /etc/resolv.conf  (where DNS goes; /run/pharos/resolv.conf if unwritable)
 *   services:
 *     exporter:                     # a built-in: exporter, tsdb, alerter, dashboard
 *       listen: ":9100"             # --web.listen-address, and where readiness is probed
 *       args: ["--collector.processes"]
 *       config_file: /etc/pharos/prometheus.yml   # passed as --config.file=
 *       user: nobody                # name, uid or uid:gid; needs root
 *     myjob:                        # any other name needs a command
 *       command: ["/usr/bin/python3", "job.py"]
 *       ready: none                 # none, http (GET /-/ready on listen) or fd
 *       ready_fd: 3                 # ready: fd - the service writes a line to fd 3
 *       after: [exporter]           # started once these are ready
 *
 * Every map is strict: an unknown field is an error naming file:line:col.
 *
 * Memory: struct cfg owns everything through its yamlconf arena; all
 * strings and arrays below stay valid until cfg_free().
 */
#ifndef PHAROS_SUPERVISOR_CONFIG_H
#define PHAROS_SUPERVISOR_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../lib/yamlconf.h"

#define CFG_MAX_SERVICES 16
#define CFG_MAX_ARGS 64

enum cfg_ready { CFG_READY_NONE, CFG_READY_HTTP, CFG_READY_FD };
enum cfg_netmode { CFG_NET_NONE, CFG_NET_DHCP, CFG_NET_STATIC };

struct cfg_service {
	const char *name;
	const char *argv[CFG_MAX_ARGS + 1]; /* NULL-terminated; argv[0] is the program */
	size_t argc;
	int builtin;          /* one of the pharos services */
	const char *listen;   /* Go-style address, or NULL */
	enum cfg_ready ready;
	int ready_fd;         /* CFG_READY_FD: the descriptor the service writes to */
	const char *after[CFG_MAX_SERVICES];
	size_t nafter;
	const char *user;     /* as written, or NULL */
	uid_t uid;            /* resolved; valid if user != NULL */
	gid_t gid;
	int enabled;          /* in the role */
	/* As configured (input to cfg_finish()): */
	const char *binary;      /* built-ins: file name in bin_dir */
	const char *data_flag;   /* built-ins: flag taking <data_dir>/<name> */
	const char **command;    /* NULL-terminated, or NULL */
	const char **args;       /* NULL-terminated, or NULL */
	const char *config_file; /* or NULL */
};

struct cfg_net {
	enum cfg_netmode mode;
	const char *interface;
	const char *address; /* static: a.b.c.d/prefix */
	const char *gateway;
	const char *dns[4];
	size_t ndns;
	int mtu;             /* 0: leave as is (DHCP may set it) */
	const char *resolv_conf; /* where DNS settings go (default /etc/resolv.conf) */
};

struct cfg {
	struct yamlconf yc;   /* owns every string; errors are in yc.errors */
	const char *role;     /* as resolved: comma-separated names, or a preset */
	const char *data_dir, *bin_dir, *control_socket, *textfile_dir, *hostname;
	const char *modules;
	const char *data_label, *data_mount;
	int data_grow;
	int64_t stop_timeout_ms, backoff_initial_ms, backoff_max_ms, backoff_reset_ms;
	struct cfg_net net;
	const char *passwd;   /* NULL: /etc/passwd (tests point it elsewhere) */
	struct cfg_service svc[CFG_MAX_SERVICES]; /* built-ins first, then others */
	size_t nsvc;
};

/* Fill c with the built-in defaults: role all, every built-in service with
 * its default flags, dev-friendly paths under ./build/run. */
void cfg_defaults(struct cfg *c);

/* Read path on top of the defaults. Returns 0, or -EINVAL (and other
 * negative errno for an unreadable file) with every problem, one per line
 * as "file:line:col: message", in c->yc.errors.p. */
int cfg_load(struct cfg *c, const char *path);

/* Select the services of role: a preset (app, monitor, dashboard, all) or
 * names separated by commas or blanks ("tsdb,alerter").
 * Returns 0, or -EINVAL with err naming the first unknown word. */
int cfg_set_role(struct cfg *c, const char *role, char *err, size_t errlen);

/* Build every service's argv from the settings (bin_dir, listen, data_dir,
 * config_file, args). Called by cfg_load(); call again after changing
 * bin_dir or textfile_dir. */
void cfg_finish(struct cfg *c);

/* The service called name, or NULL. */
struct cfg_service *cfg_service(struct cfg *c, const char *name);

/* Turn a Go listen address (":9100", "0.0.0.0:9100", "[::]:9100",
 * "127.0.0.1:9100") into the loopback address to probe, e.g.
 * "127.0.0.1:9100". [out] out: at least 64 bytes. Returns 0 or -EINVAL. */
int cfg_probe_addr(const char *listen, char *out, size_t outlen);

/* Look user up in a passwd file. Returns 0 or -ENOENT (or -errno). */
int cfg_passwd_lookup(const char *path, const char *user, uid_t *uid, gid_t *gid);

void cfg_free(struct cfg *c);

#endif
