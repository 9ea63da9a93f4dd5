/* netdev: node_network_{receive,transmit}_*_total per network device, from
 * netlink RTM_GETLINK (the default, as in node_exporter 1.5) or from
 * /proc/net/dev (--no-collector.netdev.netlink), and with
 * --collector.netdev.address-info node_network_address_info per address.
 *
 * By default the kernel's counters are folded into the historical
 * /proc/net/dev names (receive_errs, receive_drop, transmit_colls, ...);
 * --collector.netdev.enable-detailed-metrics keeps the kernel's own. */
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "../../../lib/log.h"
#include "../collector.h"
#include "../keptfile.h"
#include "../netcollectors.h"
#include "../netlink.h"
#include "../netutil.h"

/* Every counter name netdev can produce: the kernel's struct
 * rtnl_link_stats64 fields in their order (0..23), then /proc/net/dev's
 * own columns and the folded names. */
enum {
	ND_RX_PACKETS, ND_TX_PACKETS, ND_RX_BYTES, ND_TX_BYTES, ND_RX_ERRORS, ND_TX_ERRORS,
	ND_RX_DROPPED, ND_TX_DROPPED, ND_MULTICAST, ND_COLLISIONS, ND_RX_LENGTH_ERRORS,
	ND_RX_OVER_ERRORS, ND_RX_CRC_ERRORS, ND_RX_FRAME_ERRORS, ND_RX_FIFO_ERRORS,
	ND_RX_MISSED_ERRORS, ND_TX_ABORTED_ERRORS, ND_TX_CARRIER_ERRORS, ND_TX_FIFO_ERRORS,
	ND_TX_HEARTBEAT_ERRORS, ND_TX_WINDOW_ERRORS, ND_RX_COMPRESSED, ND_TX_COMPRESSED,
	ND_RX_NOHANDLER,
	ND_NETLINK_FIELDS,
	ND_RX_FIFO = ND_NETLINK_FIELDS, ND_RX_FRAME, ND_RX_MULTICAST, ND_TX_FIFO, ND_TX_COLLS,
	ND_TX_CARRIER, ND_RX_ERRS, ND_RX_DROP, ND_TX_ERRS, ND_TX_DROP,
	ND_NKEYS
};
_Static_assert(ND_NKEYS == NETDEV_NKEYS, "netcollectors.h: NETDEV_NKEYS");

static const char *const netdev_keys[ND_NKEYS] = {
	"receive_packets", "transmit_packets", "receive_bytes", "transmit_bytes",
	"receive_errors", "transmit_errors", "receive_dropped", "transmit_dropped",
	"multicast", "collisions", "receive_length_errors", "receive_over_errors",
	"receive_crc_errors", "receive_frame_errors", "receive_fifo_errors",
	"receive_missed_errors", "transmit_aborted_errors", "transmit_carrier_errors",
	"transmit_fifo_errors", "transmit_heartbeat_errors", "transmit_window_errors",
	"receive_compressed", "transmit_compressed", "receive_nohandler",
	"receive_fifo", "receive_frame", "receive_multicast", "transmit_fifo",
	"transmit_colls", "transmit_carrier", "receive_errs", "receive_drop",
	"transmit_errs", "transmit_drop",
};

/* ---- flags and their compiled form (set once at start) ---- */

static const char *netdev_include = "", *netdev_exclude = "";
static const char *netdev_whitelist = "", *netdev_blacklist = "", *netdev_ignored = "";
static int netdev_address_info, netdev_detailed, netdev_netlink = 1;
static struct dev_filter netdev_filter;

static struct flag netdev_flags[] = {
	{ "collector.netdev.device-include", FLAG_STRING, &netdev_include,
	  "Regexp of network devices to report (not together with device-exclude).", 0 },
	{ "collector.netdev.device-exclude", FLAG_STRING, &netdev_exclude,
	  "Regexp of network devices to leave out (not together with device-include).", 0 },
	{ "collector.netdev.device-whitelist", FLAG_STRING, &netdev_whitelist,
	  "Deprecated spelling of --collector.netdev.device-include.", 0 },
	{ "collector.netdev.device-blacklist", FLAG_STRING, &netdev_blacklist,
	  "Deprecated spelling of --collector.netdev.device-exclude.", 0 },
	/* Not in node_exporter 1.5 (its pre-1.0 name); kept so that old
	 * command lines start. */
	{ "collector.netdev.ignored-devices", FLAG_STRING, &netdev_ignored,
	  "Old spelling of --collector.netdev.device-exclude.", 0 },
	{ "collector.netdev.address-info", FLAG_BOOL, &netdev_address_info,
	  "Also report node_network_address_info for every address of every device.", 0 },
	{ "collector.netdev.enable-detailed-metrics", FLAG_BOOL, &netdev_detailed,
	  "Report the kernel's own counter names instead of the /proc/net/dev ones.", 0 },
	{ "collector.netdev.netlink", FLAG_BOOL, &netdev_netlink,
	  "Read the counters over netlink rather than from /proc/net/dev.", 0 },
	{ 0 },
};

/* A deprecated alias fills its new flag, unless both were given. */
static int netdev_alias(const char *old_name, const char *old, const char *new_name,
			const char **dest)
{
	if (!*old)
		return 0;
	if (**dest) {
		fprintf(stderr, "pharos-exporter: --%s and --%s are mutually exclusive\n",
			old_name, new_name);
		return -1;
	}
	log_warn("--%s is deprecated, use --%s", old_name, new_name);
	*dest = old;
	return 0;
}

static int netdev_setup(void)
{
	if (netdev_alias("collector.netdev.device-whitelist", netdev_whitelist,
			 "collector.netdev.device-include", &netdev_include) ||
	    netdev_alias("collector.netdev.device-blacklist", netdev_blacklist,
			 "collector.netdev.device-exclude", &netdev_exclude) ||
	    netdev_alias("collector.netdev.ignored-devices", netdev_ignored,
			 "collector.netdev.device-exclude", &netdev_exclude))
		return -1;
	if (*netdev_include && *netdev_exclude) {
		fprintf(stderr, "pharos-exporter: --collector.netdev.device-include and "
				"--collector.netdev.device-exclude are mutually exclusive\n");
		return -1;
	}
	if (*netdev_include &&
	    dev_filter_init(&netdev_filter, netdev_include, NULL, "collector.netdev.device-include"))
		return -1;
	if (*netdev_exclude &&
	    dev_filter_init(&netdev_filter, NULL, netdev_exclude, "collector.netdev.device-exclude"))
		return -1;
	return 0;
}

/* ---- parsing ---- */

/* receive_nohandler needs an IFLA_STATS64 of 192 bytes (Linux 4.6). */
int netdev_parse_link(const struct nl_msg *m, struct netdev_dev *d)
{
	if (m->type != NL_RTM_NEWLINK || m->len < NL_IFINFO_LEN)
		return -1;
	memset(d, 0, sizeof *d);
	int have_stats = 0;
	struct nl_attr_iter it;
	struct nl_attr a;
	nl_attr_iter_init(&it, m->data + NL_IFINFO_LEN, m->len - NL_IFINFO_LEN);
	while (nl_attr_next(&it, &a)) {
		if (a.type == NL_IFLA_IFNAME) {
			nl_attr_str(&a, d->name, sizeof d->name);
		} else if (a.type == NL_IFLA_STATS64 && a.len >= 184) {
			size_t n = a.len >= 192 ? ND_NETLINK_FIELDS : ND_NETLINK_FIELDS - 1;
			memcpy(d->v, a.data, n * 8);
			have_stats = 1;
		}
	}
	if (!d->name[0] || !have_stats)
		return -1;
	/* node_exporter reports receive_nohandler as 0 on kernels without it. */
	d->have = ((uint64_t)1 << ND_NETLINK_FIELDS) - 1;
	return 0;
}

/* Like prometheus/procfs: the two header lines are skipped, the name ends
 * at the last ':', and 16 decimal columns follow. A line that is not like
 * that is skipped (procfs fails the whole file). */
int netdev_parse_procfs(struct scrape *s, char *text, const struct dev_filter *f,
			struct netdev_dev **out)
{
	static const int cols[16] = {
		ND_RX_BYTES, ND_RX_PACKETS, ND_RX_ERRORS, ND_RX_DROPPED, ND_RX_FIFO, ND_RX_FRAME,
		ND_RX_COMPRESSED, ND_RX_MULTICAST, ND_TX_BYTES, ND_TX_PACKETS, ND_TX_ERRORS,
		ND_TX_DROPPED, ND_TX_FIFO, ND_TX_COLLS, ND_TX_CARRIER, ND_TX_COMPRESSED,
	};
	struct netdev_dev *head = NULL, **tail = &head;
	char *line;
	*out = NULL;
	for (int n = 0; (line = next_line(&text)) != NULL; n++) {
		if (n < 2)
			continue;
		char *colon = strrchr(line, ':');
		if (!colon)
			continue;
		*colon = 0;
		char *name = netutil_trim(line);
		char *fld[17];
		if (!*name || split_fields(colon + 1, fld, 17) < 16)
			continue;
		uint64_t v[16];
		int i;
		for (i = 0; i < 16; i++)
			if (netutil_parse_uint(fld[i], 10, &v[i]) != 0)
				break;
		if (i < 16 || (f && dev_filter_ignored(f, name)))
			continue;
		struct netdev_dev *d = arena_alloc(s->arena, sizeof *d);
		memset(d, 0, sizeof *d);
		snprintf(d->name, sizeof d->name, "%s", name);
		for (i = 0; i < 16; i++) {
			d->v[cols[i]] = v[i];
			d->have |= (uint64_t)1 << cols[i];
		}
		*tail = d;
		tail = &d->next;
	}
	*out = head;
	return 0;
}

/* ---- output ---- */

static void nd_move(struct netdev_dev *d, int from, int to)
{
	d->v[to] = d->v[from];
	d->have = (d->have & ~((uint64_t)1 << from)) | (uint64_t)1 << to;
}

static uint64_t nd_take(struct netdev_dev *d, int k)
{
	if (!(d->have & ((uint64_t)1 << k)))
		return 0;
	d->have &= ~((uint64_t)1 << k);
	return d->v[k];
}

/* The same sums net/core/net-procfs.c makes for /proc/net/dev. */
void netdev_fold_legacy(struct netdev_dev *d)
{
	const uint64_t h = d->have;
#define HAS(k) (h & ((uint64_t)1 << (k)))
	if (HAS(ND_RX_ERRORS))
		nd_move(d, ND_RX_ERRORS, ND_RX_ERRS);
	if (HAS(ND_RX_DROPPED)) {
		nd_move(d, ND_RX_DROPPED, ND_RX_DROP);
		d->v[ND_RX_DROP] += nd_take(d, ND_RX_MISSED_ERRORS);
	}
	if (HAS(ND_RX_FIFO_ERRORS))
		nd_move(d, ND_RX_FIFO_ERRORS, ND_RX_FIFO);
	if (HAS(ND_RX_FRAME_ERRORS)) {
		nd_move(d, ND_RX_FRAME_ERRORS, ND_RX_FRAME);
		d->v[ND_RX_FRAME] += nd_take(d, ND_RX_LENGTH_ERRORS) +
				     nd_take(d, ND_RX_OVER_ERRORS) + nd_take(d, ND_RX_CRC_ERRORS);
	}
	if (HAS(ND_MULTICAST))
		nd_move(d, ND_MULTICAST, ND_RX_MULTICAST);
	if (HAS(ND_TX_ERRORS))
		nd_move(d, ND_TX_ERRORS, ND_TX_ERRS);
	if (HAS(ND_TX_DROPPED))
		nd_move(d, ND_TX_DROPPED, ND_TX_DROP);
	if (HAS(ND_TX_FIFO_ERRORS))
		nd_move(d, ND_TX_FIFO_ERRORS, ND_TX_FIFO);
	if (HAS(ND_COLLISIONS))
		nd_move(d, ND_COLLISIONS, ND_TX_COLLS);
	if (HAS(ND_TX_CARRIER_ERRORS)) {
		nd_move(d, ND_TX_CARRIER_ERRORS, ND_TX_CARRIER);
		d->v[ND_TX_CARRIER] += nd_take(d, ND_TX_ABORTED_ERRORS) +
				       nd_take(d, ND_TX_HEARTBEAT_ERRORS) +
				       nd_take(d, ND_TX_WINDOW_ERRORS);
	}
#undef HAS
}

void netdev_emit(struct scrape *s, struct netdev_dev *list, int detailed)
{
	struct mfamily *fam[ND_NKEYS] = { 0 };
	for (struct netdev_dev *d = list; d; d = d->next) {
		if (!detailed)
			netdev_fold_legacy(d);
		for (int k = 0; k < ND_NKEYS; k++) {
			if (!(d->have & ((uint64_t)1 << k)))
				continue;
			if (!fam[k]) {
				char name[96], help[160];
				snprintf(name, sizeof name, "node_network_%s_total", netdev_keys[k]);
				snprintf(help, sizeof help,
					 "Per-device %s count since the device appeared.",
					 netdev_keys[k]);
				fam[k] = mset_family(s->ms, name, help, METRIC_COUNTER);
				if (!fam[k])
					continue;
			}
			const char *ln = "device", *lv = d->name;
			mset_add(s->ms, fam[k], (double)d->v[k], 1, &ln, &lv);
		}
	}
}

struct netdev_nl_ctx {
	struct scrape *s;
	struct netdev_dev *head, **tail;
};

static int netdev_nl_msg(const struct nl_msg *m, void *ctx)
{
	struct netdev_nl_ctx *c = ctx;
	struct netdev_dev d;
	if (netdev_parse_link(m, &d) != 0 || dev_filter_ignored(&netdev_filter, d.name))
		return 0;
	struct netdev_dev *copy = arena_alloc(c->s->arena, sizeof *copy);
	*copy = d;
	*c->tail = copy;
	c->tail = &copy->next;
	return 0;
}

/* ---- node_network_address_info ---- */

static int prefix_len(const struct sockaddr *mask)
{
	const unsigned char *b;
	size_t n;
	if (!mask)
		return 0;
	if (mask->sa_family == AF_INET) {
		b = (const unsigned char *)&((const struct sockaddr_in *)mask)->sin_addr;
		n = 4;
	} else if (mask->sa_family == AF_INET6) {
		b = ((const struct sockaddr_in6 *)mask)->sin6_addr.s6_addr;
		n = 16;
	} else {
		return 0;
	}
	int bits = 0;
	for (size_t i = 0; i < n; i++)
		for (int j = 7; j >= 0 && (b[i] >> j & 1); j--)
			bits++;
	return bits;
}

/* Go's net.IP predicates as node_exporter's getAddrsInfo applies them;
 * IPv4-mapped IPv6 counts as IPv4. */
const char *netdev_addr_scope(const unsigned char *ip, size_t len)
{
	static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (len == 16 && memcmp(ip, v4mapped, 12) == 0) {
		ip += 12;
		len = 4;
	}
	if (len == 4) {
		if (ip[0] == 127 || (ip[0] == 169 && ip[1] == 254) ||
		    (ip[0] == 224 && ip[1] == 0 && ip[2] == 0))
			return "link-local";
		int bcast = ip[0] == 255 && ip[1] == 255 && ip[2] == 255 && ip[3] == 255;
		int unspec = !ip[0] && !ip[1] && !ip[2] && !ip[3];
		int mcast = (ip[0] & 0xf0) == 0xe0;
		return bcast || unspec || mcast ? "" : "global";
	}
	static const unsigned char loop6[16] = { [15] = 1 }, zero6[16] = { 0 };
	if (!memcmp(ip, loop6, 16) || (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80) ||
	    (ip[0] == 0xff && (ip[1] & 0x0f) == 0x02))
		return "link-local";
	if (ip[0] == 0xff && (ip[1] & 0x0f) == 0x01)
		return "interface-local";
	if (ip[0] == 0xff || !memcmp(ip, zero6, 16))
		return "";
	return "global";
}

static int netdev_address_info_update(struct scrape *s)
{
	struct ifaddrs *all;
	if (getifaddrs(&all) != 0)
		return -errno;
	struct mfamily *fam = mset_family(s->ms, "node_network_address_info",
					  "One series per address of a network device; always 1.",
					  METRIC_GAUGE);
	for (struct ifaddrs *a = all; a; a = a->ifa_next) {
		if (!a->ifa_addr || !a->ifa_name)
			continue;
		const unsigned char *ip;
		size_t len;
		if (a->ifa_addr->sa_family == AF_INET) {
			ip = (const unsigned char *)&((struct sockaddr_in *)a->ifa_addr)->sin_addr;
			len = 4;
		} else if (a->ifa_addr->sa_family == AF_INET6) {
			ip = ((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr.s6_addr;
			len = 16;
		} else {
			continue;
		}
		char addr[64], mask[16];
		netutil_format_ip(ip, len, addr);
		snprintf(mask, sizeof mask, "%d", prefix_len(a->ifa_netmask));
		const char *names[4] = { "device", "address", "netmask", "scope" };
		const char *values[4] = { a->ifa_name, addr, mask, netdev_addr_scope(ip, len) };
		mset_add(s->ms, fam, 1, 4, names, values);
	}
	freeifaddrs(all);
	return 0;
}

static int netdev_update(struct scrape *s)
{
	struct netdev_dev *list = NULL;
	if (netdev_netlink) {
		struct netdev_nl_ctx c = { s, NULL, &c.head };
		int rc = nl_link_dump(s->arena, netdev_nl_msg, &c);
		if (rc < 0)
			return rc;
		list = c.head;
	} else {
		char *text = kept_read_arena(s, cpath(s, exporter_paths.procfs, "net/dev"));
		if (!text)
			return -errno;
		int rc = netdev_parse_procfs(s, text, &netdev_filter, &list);
		if (rc < 0)
			return rc;
	}
	netdev_emit(s, list, netdev_detailed);
	if (netdev_address_info)
		return netdev_address_info_update(s);
	return 0;
}

const struct collector netdev_collector = { "netdev", 1, netdev_update, netdev_flags,
					    netdev_setup };
