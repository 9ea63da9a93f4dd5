/* netcollectors.h - the parsing entry points of the network collectors
 * (collector/{netdev,netclass,netstat,sockstat,udp_queues,arp,conntrack,
 * tcpstat}.c; owner: h3). Each collector's update() reads its files or asks
 * netlink and hands the text or messages to these functions, so unit tests
 * can feed them fixture text and hand-made netlink messages.
 *
 * Conventions: text is modified in place; families go to s->ms; strings in
 * the structs are owned by the struct (arrays) unless a comment says they
 * point into the caller's text. A malformed line is skipped where
 * node_exporter would fail the whole collector (docs/exporter.md): one bad
 * line costs its own series only.
 */
#ifndef PHAROS_EXPORTER_NETCOLLECTORS_H
#define PHAROS_EXPORTER_NETCOLLECTORS_H

#include <stddef.h>
#include <stdint.h>

#include "collector.h"
#include "netlink.h"

/* ---- netdev ---- */

/* Number of counter names netdev knows (kernel names, /proc/net/dev names
 * and node_exporter's folded names). */
#define NETDEV_NKEYS 34

/* One device's counters; bit k of have: v[k] is present. */
struct netdev_dev {
	char name[64];
	uint64_t v[NETDEV_NKEYS];
	uint64_t have;
	struct netdev_dev *next;
};

/* Fill d from one RTM_NEWLINK message (IFLA_IFNAME and IFLA_STATS64 of 184
 * or more bytes). Returns 0, or -1 if the message lacks either. */
int netdev_parse_link(const struct nl_msg *m, struct netdev_dev *d);
/* Parse /proc/net/dev text into an arena list, skipping devices f ignores
 * (f may be NULL) and malformed lines. Returns 0. */
int netdev_parse_procfs(struct scrape *s, char *text, const struct dev_filter *f,
			struct netdev_dev **out);
/* Rename/sum the counters into /proc/net/dev's names as node_exporter
 * does without --collector.netdev.enable-detailed-metrics. */
void netdev_fold_legacy(struct netdev_dev *d);
/* Add node_network_<counter>_total{device} for every device of list;
 * unless detailed, netdev_fold_legacy() is applied first (list changes). */
void netdev_emit(struct scrape *s, struct netdev_dev *list, int detailed);
/* The scope label of node_network_address_info for a 4- or 16-byte
 * address: "link-local", "interface-local", "global" or "". */
const char *netdev_addr_scope(const unsigned char *ip, size_t len);

/* ---- netclass ---- */

#define NETCLASS_VALUE_MAX 128 /* sysfs reads are cut here, as in procfs */
#define NETCLASS_NSTRINGS 5    /* address broadcast duplex ifalias operstate */
#define NETCLASS_NFIELDS 17    /* the numeric files netclass reports */

struct netclass_iface {
	const char *name; /* borrowed */
	char str[NETCLASS_NSTRINGS][NETCLASS_VALUE_MAX + 1];
	int64_t v[NETCLASS_NFIELDS];
	uint32_t have; /* bit i: v[i] was read */
};
/* Record the trimmed content of file (a name in /sys/class/net/<dev>/);
 * numbers use Go's base-0 syntax and count as 0 if they do not parse.
 * Unknown names are ignored. */
void netclass_iface_set(struct netclass_iface *ifc, const char *file, const char *value);
/* Add node_network_up, _info and one family per numeric file read. A
 * negative speed is left out when ignore_invalid_speed is set. */
void netclass_emit(struct scrape *s, const struct netclass_iface *ifc, int ignore_invalid_speed);

/* One RTM_NEWLINK message as --collector.netclass.netlink sees it. */
struct netclass_link {
	char name[64];
	char address[100], broadcast[100], ifalias[2 * NETCLASS_VALUE_MAX + 1];
	uint16_t type;
	uint32_t index, flags, mtu, link, group, txqlen;
	uint32_t carrier_changes, carrier_up, carrier_down;
	uint8_t carrier, link_mode, operstate;
	unsigned has_alias : 1, has_carrier : 1, has_changes : 1, has_up : 1, has_down : 1,
		has_mode : 1, has_group : 1, has_txqlen : 1, has_stats : 1;
	uint64_t stats[24];
	/* IFLA_ADDRESS and IFLA_BROADCAST as sent (addr_len bytes each; 0
	 * when absent); address/broadcast above are Go's rendering of them. */
	unsigned char addr[32], brd[32];
	uint8_t addr_len, brd_len;
};
/* Returns 0, or -1 if m is not an RTM_NEWLINK message with a name. */
int netclass_parse_link(const struct nl_msg *m, struct netclass_link *l);
/* Fill ifc with what l says exactly as /sys/class/net/<dev>/ would: the
 * address, broadcast, ifalias and operstate texts, and carrier, dormant
 * (only while the device is up, as sysfs answers them), the carrier
 * counters, iface_id, iface_link, link_mode, mtu, netdev_group,
 * tx_queue_len and type. ifc->have gets a bit for every field set.
 * Returns the bits (in ifc->have's numbering) of the numeric files sysfs
 * must still provide: flags (sysfs has dev->flags, netlink a derived
 * value), speed (ethtool), addr_assign_type, dev_id, name_assign_type,
 * and whatever an old kernel leaves out of the message. The duplex text
 * (ethtool) always comes from sysfs. */
uint32_t netclass_iface_from_link(const struct netclass_link *l, struct netclass_iface *ifc);

/* duplex: ethtool's name ("Full", "Half", "Unknown") or "". with_stats
 * adds the traffic statistics as gauges. */
void netclass_emit_link(struct scrape *s, const struct netclass_link *l, const char *duplex,
			int with_stats);

/* One ethtool link-modes reply. */
struct netclass_linkmode {
	char name[64];
	uint32_t speed; /* Mbit/s; 0xffffffff: unknown */
	int duplex;     /* -1: not reported */
	struct netclass_linkmode *next;
};
/* data/len: the reply after its genetlink header. Returns 0, or -1 if it
 * names no device. */
int netclass_parse_linkmode(const unsigned char *data, size_t len, struct netclass_linkmode *lm);

/* ---- netstat ---- */

/* Parse /proc/net/netstat, /proc/net/snmp and /proc/net/snmp6 (NULL when
 * absent), merge them as node_exporter does, and add the untyped
 * node_netstat_<Proto>_<Field> whose "<Proto>_<Field>" f accepts as an
 * include pattern (NULL: all). A header line without a matching values
 * line, and a value that is not a number (Go's ParseFloat), are skipped.
 * Returns 0. */
int netstat_parse(struct scrape *s, char *netstat, char *snmp, char *snmp6,
		  const struct dev_filter *f);

/* ---- sockstat ---- */

#define SOCKSTAT_MAX_PROTOS 64
#define SOCKSTAT_NKEYS 6 /* inuse orphan tw alloc mem memory */

struct sockstat_proto {
	char name[32];
	int64_t v[SOCKSTAT_NKEYS];
	unsigned have; /* bit k: v[k] was given (inuse is reported anyway) */
};
struct sockstat {
	int has_used;
	int64_t used;
	int nprotos; /* protocols beyond SOCKSTAT_MAX_PROTOS are dropped */
	struct sockstat_proto protos[SOCKSTAT_MAX_PROTOS];
};
/* Parse one /proc/net/sockstat{,6} file; malformed lines are skipped.
 * Returns 0. */
int sockstat_parse(char *text, struct sockstat *out);
/* Add node_sockstat_<PROTO>_<key> (and _mem_bytes = mem * page_size);
 * node_sockstat_sockets_used only when !ipv6. */
void sockstat_emit(struct scrape *s, const struct sockstat *st, int ipv6, long page_size);

/* ---- udp_queues ---- */

struct udp_queues_sum {
	int line; /* lines seen; the first is the header */
	double tx, rx;
};
/* netutil_each_line() callback: add one line of /proc/net/udp{,6} to the
 * sums (ctx: struct udp_queues_sum); a malformed line is skipped.
 * Returns 0. */
int udp_queues_line(char *line, void *ctx);

/* ---- arp ---- */

struct arp_count {
	const char *device; /* points into the parsed text */
	double n;
};
/* Count /proc/net/arp entries per device, skipping lines of fewer than six
 * columns. [out] out: an arena array, in order of first appearance.
 * Returns the number of devices. */
int arp_parse(struct scrape *s, char *text, struct arp_count **out);

/* ---- conntrack ---- */

#define CONNTRACK_NSTATS 8 /* found invalid ignore insert insert_failed drop
			    * early_drop search_restart */
/* Sum the per-CPU lines of /proc/net/stat/nf_conntrack, skipping lines
 * that are not 17 hexadecimal columns. Returns 0. */
int conntrack_parse_stat(char *text, double sums[CONNTRACK_NSTATS]);

/* ---- tcpstat ---- */

struct tcpstat_counts {
	double v[256]; /* by node_exporter's key: TCP state, 12 rx / 13 tx bytes */
	unsigned char have[256];
};
void tcpstat_init(struct tcpstat_counts *c);
/* nl_request() callback: count one sock_diag reply (ctx: counts). */
int tcpstat_diag_msg(const struct nl_msg *m, void *ctx);
struct tcpstat_proc {
	struct tcpstat_counts *c;
	int line; /* lines seen; the first is the header */
};
/* netutil_each_line() callback: count one /proc/net/tcp{,6} line (ctx:
 * struct tcpstat_proc); a malformed line is skipped. Returns 0. */
int tcpstat_proc_line(char *line, void *ctx);
/* Add node_tcp_connection_states{state}. */
void tcpstat_emit(struct scrape *s, const struct tcpstat_counts *c);

#endif
