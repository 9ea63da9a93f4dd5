/* netclass: node_network_up, node_network_info and one gauge or counter per
 * property of each network device, from /sys/class/net/<device>/ (the
 * default) or, with --collector.netclass.netlink, from netlink RTM_GETLINK
 * plus ethtool's link modes (speed, duplex), as node_exporter 1.5 does. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../../../lib/dirscan.h"
#include "../collector.h"
#include "../netcollectors.h"
#include "../netlink.h"
#include "../netutil.h"

/* ---- flags (set once at start) ---- */

static const char *netclass_ignored = "^$";
static int netclass_invalid_speed, netclass_netlink, netclass_rtnl_stats;
static struct dev_filter netclass_filter;
static int netclass_ignore_all; /* an empty pattern matches every name */

static struct flag netclass_flags[] = {
	{ "collector.netclass.ignored-devices", FLAG_STRING, &netclass_ignored,
	  "Regexp of network devices to leave out of the netclass collector.", 0 },
	{ "collector.netclass.ignore-invalid-speed", FLAG_BOOL, &netclass_invalid_speed,
	  "Leave out node_network_speed_bytes where the speed is negative (unknown).", 0 },
	{ "collector.netclass.netlink", FLAG_BOOL, &netclass_netlink,
	  "Read device properties over netlink instead of /sys/class/net.", 0 },
	{ "collector.netclass_rtnl.with-stats", FLAG_BOOL, &netclass_rtnl_stats,
	  "With --collector.netclass.netlink, also report each device's traffic statistics.", 0 },
	{ 0 },
};

static int netclass_setup(void)
{
	if (!*netclass_ignored) {
		netclass_ignore_all = 1;
		return 0;
	}
	return dev_filter_init(&netclass_filter, NULL, netclass_ignored,
			       "collector.netclass.ignored-devices");
}

static int netclass_skip(const char *name)
{
	return netclass_ignore_all || dev_filter_ignored(&netclass_filter, name);
}

/* ---- /sys/class/net ---- */

/* The numeric files of /sys/class/net/<device>/ and what they become. */
static const struct {
	const char *file, *metric;
	enum metric_type type;
} nc_fields[] = {
	{ "addr_assign_type", "address_assign_type", METRIC_GAUGE },
	{ "carrier", "carrier", METRIC_GAUGE },
	{ "carrier_changes", "carrier_changes_total", METRIC_COUNTER },
	{ "carrier_up_count", "carrier_up_changes_total", METRIC_COUNTER },
	{ "carrier_down_count", "carrier_down_changes_total", METRIC_COUNTER },
	{ "dev_id", "device_id", METRIC_GAUGE },
	{ "dormant", "dormant", METRIC_GAUGE },
	{ "flags", "flags", METRIC_GAUGE },
	{ "ifindex", "iface_id", METRIC_GAUGE },
	{ "iflink", "iface_link", METRIC_GAUGE },
	{ "link_mode", "iface_link_mode", METRIC_GAUGE },
	{ "mtu", "mtu_bytes", METRIC_GAUGE },
	{ "name_assign_type", "name_assign_type", METRIC_GAUGE },
	{ "netdev_group", "net_dev_group", METRIC_GAUGE },
	{ "speed", "speed_bytes", METRIC_GAUGE },
	{ "tx_queue_len", "transmit_queue_length", METRIC_GAUGE },
	{ "type", "protocol_type", METRIC_GAUGE },
};
#define NC_NFIELDS (int)(sizeof nc_fields / sizeof nc_fields[0])
_Static_assert(sizeof nc_fields / sizeof nc_fields[0] == NETCLASS_NFIELDS, "NETCLASS_NFIELDS");
#define NC_SPEED 14 /* nc_fields[NC_SPEED] is "speed" */

/* The text files that feed node_network_info. */
static const char *const nc_strings[] = { "address", "broadcast", "duplex", "ifalias",
					  "operstate" };
#define NC_NSTRINGS NETCLASS_NSTRINGS
#define NC_OPERSTATE 4
#define NC_VALUE_MAX NETCLASS_VALUE_MAX

/* "0x1003" is 4099, as Go's ParseInt(s, 0, 64) reads it; procfs keeps the
 * 0 of a failed parse rather than leaving the value out. */
void netclass_iface_set(struct netclass_iface *ifc, const char *file, const char *value)
{
	for (int i = 0; i < NC_NSTRINGS; i++)
		if (!strcmp(file, nc_strings[i])) {
			snprintf(ifc->str[i], sizeof ifc->str[i], "%s", value);
			return;
		}
	for (int i = 0; i < NC_NFIELDS; i++)
		if (!strcmp(file, nc_fields[i].file)) {
			int64_t v;
			ifc->v[i] = netutil_parse_int(value, 0, &v) == 0 ? v : 0;
			ifc->have |= 1u << i;
			return;
		}
}

static void nc_add(struct scrape *s, const char *metric, enum metric_type t, double v,
		   const char *dev)
{
	char name[96], help[160];
	cat_str(name, sizeof name, "node_network_", metric, NULL);
	cat_str(help, sizeof help, "Network device property ", metric, ", per device.", NULL);
	struct mfamily *f = mset_family(s->ms, name, help, t);
	const char *ln = "device";
	if (f)
		mset_add(s->ms, f, v, 1, &ln, &dev);
}

static void nc_add_up_info(struct scrape *s, const char *dev, int up, const char *address,
			   const char *broadcast, const char *duplex, const char *operstate,
			   const char *ifalias)
{
	nc_add(s, "up", METRIC_GAUGE, up, dev);
	struct mfamily *f = mset_family(s->ms, "node_network_info",
					"Text properties of a network device in labels; always 1.",
					METRIC_GAUGE);
	const char *names[6] = { "device", "address", "broadcast", "duplex", "operstate",
				 "ifalias" };
	const char *values[6] = { dev, address, broadcast, duplex, operstate, ifalias };
	mset_add(s->ms, f, 1, 6, names, values);
}

void netclass_emit(struct scrape *s, const struct netclass_iface *ifc, int ignore_invalid_speed)
{
	nc_add_up_info(s, ifc->name, !strcmp(ifc->str[NC_OPERSTATE], "up"), ifc->str[0],
		       ifc->str[1], ifc->str[2], ifc->str[NC_OPERSTATE], ifc->str[3]);
	for (int i = 0; i < NC_NFIELDS; i++) {
		if (!(ifc->have & (1u << i)))
			continue;
		double v = (double)ifc->v[i];
		if (i == NC_SPEED) {
			/* Mbit/s to bytes/s; -1 means unknown. Go's int64
			 * arithmetic wraps; so does this (unsigned). */
			if (ifc->v[i] < 0 && ignore_invalid_speed)
				continue;
			int64_t bits = (int64_t)((uint64_t)ifc->v[i] * 1000000u);
			v = (double)(bits / 8);
		}
		nc_add(s, nc_fields[i].metric, nc_fields[i].type, v, ifc->name);
	}
}

/* Errors procfs passes over: the file is gone or forbidden, or the driver
 * has no value ("not supported", "invalid argument"); procfs also reads
 * regular files only, hence EISDIR. */
static int nc_skippable(int e)
{
	return e == ENOENT || e == EACCES || e == EPERM || e == EOPNOTSUPP || e == EINVAL ||
	       e == EISDIR;
}

/* Read one small sysfs file like procfs's SysReadFile: one read of at most
 * 128 bytes, white space trimmed. Returns 0, 1 if the file is to be
 * skipped, or -errno for any other failure (which fails the collector). */
static int nc_read(int dirfd, const char *file, char out[NC_VALUE_MAX + 1])
{
	int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nc_skippable(errno) ? 1 : -errno;
	ssize_t n;
	do
		n = read(fd, out, NC_VALUE_MAX);
	while (n < 0 && errno == EINTR);
	int e = errno;
	close(fd);
	if (n < 0)
		return nc_skippable(e) ? 1 : -e;
	out[n] = 0;
	netutil_trim(out);
	return 0;
}

static int nc_read_iface(int dirfd, struct netclass_iface *ifc)
{
	char val[NC_VALUE_MAX + 1];
	for (int i = 0; i < NC_NSTRINGS; i++) {
		int rc = nc_read(dirfd, nc_strings[i], val);
		if (rc < 0)
			return rc;
		if (rc == 0)
			netclass_iface_set(ifc, nc_strings[i], val);
	}
	for (int i = 0; i < NC_NFIELDS; i++) {
		int rc = nc_read(dirfd, nc_fields[i].file, val);
		if (rc < 0)
			return rc;
		if (rc == 0)
			netclass_iface_set(ifc, nc_fields[i].file, val);
	}
	return 0;
}

/* ---- netlink ---- */

/* Hardware addresses print like Go's net.HardwareAddr: "aa:bb:...". */
static void nc_hwaddr(const struct nl_attr *a, char *out, size_t outlen)
{
	size_t o = 0;
	out[0] = 0;
	if (a->len < 4 || a->len > 32)
		return;
	for (size_t i = 0; i < a->len && o + 4 <= outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, i ? ":%02x" : "%02x", a->data[i]);
}

int netclass_parse_link(const struct nl_msg *m, struct netclass_link *l)
{
	if (m->type != NL_RTM_NEWLINK || m->len < NL_IFINFO_LEN)
		return -1;
	memset(l, 0, sizeof *l);
	int32_t index;
	memcpy(&l->type, m->data + 2, 2);
	memcpy(&index, m->data + 4, 4);
	memcpy(&l->flags, m->data + 8, 4);
	l->index = (uint32_t)index;
	struct nl_attr_iter it;
	struct nl_attr a;
	nl_attr_iter_init(&it, m->data + NL_IFINFO_LEN, m->len - NL_IFINFO_LEN);
	while (nl_attr_next(&it, &a)) {
		switch (a.type) {
		case NL_IFLA_IFNAME: nl_attr_str(&a, l->name, sizeof l->name); break;
		case NL_IFLA_ADDRESS:
			nc_hwaddr(&a, l->address, sizeof l->address);
			l->addr_len = (uint8_t)(a.len <= sizeof l->addr ? a.len : sizeof l->addr);
			memcpy(l->addr, a.data, l->addr_len);
			break;
		case NL_IFLA_BROADCAST:
			nc_hwaddr(&a, l->broadcast, sizeof l->broadcast);
			l->brd_len = (uint8_t)(a.len <= sizeof l->brd ? a.len : sizeof l->brd);
			memcpy(l->brd, a.data, l->brd_len);
			break;
		case NL_IFLA_IFALIAS:
			nl_attr_str(&a, l->ifalias, sizeof l->ifalias);
			l->has_alias = 1;
			break;
		case NL_IFLA_MTU: l->mtu = nl_attr_u32(&a); break;
		case NL_IFLA_LINK: l->link = nl_attr_u32(&a); break;
		case NL_IFLA_TXQLEN: l->txqlen = nl_attr_u32(&a); l->has_txqlen = 1; break;
		case NL_IFLA_OPERSTATE: l->operstate = nl_attr_u8(&a); break;
		case NL_IFLA_LINKMODE: l->link_mode = nl_attr_u8(&a); l->has_mode = 1; break;
		case NL_IFLA_GROUP: l->group = nl_attr_u32(&a); l->has_group = 1; break;
		case NL_IFLA_CARRIER: l->carrier = nl_attr_u8(&a); l->has_carrier = 1; break;
		case NL_IFLA_CARRIER_CHANGES:
			l->carrier_changes = nl_attr_u32(&a);
			l->has_changes = 1;
			break;
		case NL_IFLA_CARRIER_UP_COUNT: l->carrier_up = nl_attr_u32(&a); l->has_up = 1; break;
		case NL_IFLA_CARRIER_DOWN_COUNT:
			l->carrier_down = nl_attr_u32(&a);
			l->has_down = 1;
			break;
		case NL_IFLA_STATS64:
			if (a.len >= 184) {
				memcpy(l->stats, a.data, a.len >= 192 ? 192 : 184);
				l->has_stats = 1;
			}
			break;
		}
	}
	return l->name[0] ? 0 : -1;
}

static const char *const nc_operstates[] = { "unknown", "notpresent", "down",
					     "lowerlayerdown", "testing", "dormant", "up" };

/* The traffic statistics of --collector.netclass_rtnl.with-stats, in
 * struct rtnl_link_stats64 order. */
static const char *const nc_stats[24] = {
	"receive_packets_total", "transmit_packets_total", "receive_bytes_total",
	"transmit_bytes_total", "receive_errors_total", "transmit_errors_total",
	"receive_dropped_total", "transmit_dropped_total", "multicast_total",
	"collisions_total", "receive_length_errors_total", "receive_over_errors_total",
	"receive_crc_errors_total", "receive_frame_errors_total", "receive_fifo_errors_total",
	"receive_missed_errors_total", "transmit_aborted_errors_total",
	"transmit_carrier_errors_total", "transmit_fifo_errors_total",
	"transmit_heartbeat_errors_total", "transmit_window_errors_total",
	"receive_compressed_total", "transmit_compressed_total", "receive_nohandler_total",
};

void netclass_emit_link(struct scrape *s, const struct netclass_link *l, const char *duplex,
			int with_stats)
{
	const char *dev = l->name;
	const char *oper = l->operstate < 7 ? nc_operstates[l->operstate] : "unknown";
	nc_add_up_info(s, dev, l->operstate == 6, l->address, l->broadcast, duplex, oper,
		       l->has_alias ? l->ifalias : "");
	if (l->has_carrier)
		nc_add(s, "carrier", METRIC_GAUGE, l->carrier, dev);
	if (l->has_changes)
		nc_add(s, "carrier_changes_total", METRIC_COUNTER, l->carrier_changes, dev);
	if (l->has_up)
		nc_add(s, "carrier_up_changes_total", METRIC_COUNTER, l->carrier_up, dev);
	if (l->has_down)
		nc_add(s, "carrier_down_changes_total", METRIC_COUNTER, l->carrier_down, dev);
	nc_add(s, "flags", METRIC_GAUGE, l->flags, dev);
	nc_add(s, "iface_id", METRIC_GAUGE, l->index, dev);
	if (l->has_mode) {
		nc_add(s, "iface_link_mode", METRIC_GAUGE, l->link_mode, dev);
		/* node_exporter 1.5 reports the link mode as "dormant" too. */
		nc_add(s, "dormant", METRIC_GAUGE, l->link_mode, dev);
	}
	/* The kernel leaves IFLA_LINK out when it equals the index. */
	nc_add(s, "iface_link", METRIC_GAUGE, l->link ? l->link : l->index, dev);
	nc_add(s, "mtu_bytes", METRIC_GAUGE, l->mtu, dev);
	if (l->has_group)
		nc_add(s, "net_dev_group", METRIC_GAUGE, l->group, dev);
	if (l->has_txqlen)
		nc_add(s, "transmit_queue_length", METRIC_GAUGE, l->txqlen, dev);
	nc_add(s, "protocol_type", METRIC_GAUGE, l->type, dev);
	if (with_stats && l->has_stats)
		for (int i = 0; i < 24; i++)
			nc_add(s, nc_stats[i], METRIC_GAUGE, (double)l->stats[i], dev);
}

int netclass_parse_linkmode(const unsigned char *data, size_t len, struct netclass_linkmode *lm)
{
	memset(lm, 0, sizeof *lm);
	lm->duplex = -1;
	struct nl_attr_iter it, hit;
	struct nl_attr a, h;
	nl_attr_iter_init(&it, data, len);
	while (nl_attr_next(&it, &a)) {
		if (a.type == NL_ETHTOOL_A_LINKMODES_HEADER) {
			nl_attr_iter_init(&hit, a.data, a.len);
			while (nl_attr_next(&hit, &h))
				if (h.type == NL_ETHTOOL_A_HEADER_DEV_NAME)
					nl_attr_str(&h, lm->name, sizeof lm->name);
		} else if (a.type == NL_ETHTOOL_A_LINKMODES_SPEED) {
			lm->speed = nl_attr_u32(&a);
		} else if (a.type == NL_ETHTOOL_A_LINKMODES_DUPLEX) {
			lm->duplex = nl_attr_u8(&a);
		}
	}
	return lm->name[0] ? 0 : -1;
}

/* The name mdlayher/ethtool gives a duplex value. */
static const char *nc_duplex(int d, char *buf, size_t len)
{
	if (d == 0 || d == -1)
		return "Half"; /* an absent attribute leaves Go's zero value */
	if (d == 1)
		return "Full";
	if (d == 0xff)
		return "Unknown";
	snprintf(buf, len, "Duplex(%d)", d);
	return buf;
}

struct nc_ctx {
	struct scrape *s;
	struct netclass_linkmode *modes;
};

static int nc_linkmode_msg(const struct nl_msg *m, void *ctx)
{
	struct nc_ctx *c = ctx;
	struct netclass_linkmode lm;
	if (m->len < NL_GENL_HDR_LEN ||
	    netclass_parse_linkmode(m->data + NL_GENL_HDR_LEN, m->len - NL_GENL_HDR_LEN, &lm))
		return 0;
	if (netclass_skip(lm.name))
		return 0;
	struct netclass_linkmode *copy = arena_alloc(c->s->arena, sizeof *copy);
	*copy = lm;
	copy->next = c->modes;
	c->modes = copy;
	/* Go converts the u32 to int, so SPEED_UNKNOWN (0xffffffff) counts as
	 * a valid, huge speed there too. */
	nc_add(c->s, "speed_bytes", METRIC_GAUGE, (double)((uint64_t)lm.speed * 1000000 / 8),
	       lm.name);
	return 0;
}

static int nc_link_msg(const struct nl_msg *m, void *ctx)
{
	struct nc_ctx *c = ctx;
	struct netclass_link l;
	if (netclass_parse_link(m, &l) != 0 || netclass_skip(l.name))
		return 0;
	const char *duplex = "";
	char buf[32];
	for (struct netclass_linkmode *lm = c->modes; lm; lm = lm->next)
		if (!strcmp(lm->name, l.name))
			duplex = nc_duplex(lm->duplex, buf, sizeof buf);
	netclass_emit_link(c->s, &l, duplex, netclass_rtnl_stats);
	return 0;
}

static int netclass_netlink_update(struct scrape *s)
{
	struct nc_ctx c = { s, NULL };
	int fam = nl_genl_family("ethtool");
	if (fam > 0) {
		unsigned char req[64] = { NL_ETHTOOL_MSG_LINKMODES_GET, 1, 0, 0 };
		unsigned char hdr[16];
		size_t hoff = 0, off = NL_GENL_HDR_LEN;
		uint32_t flags = NL_ETHTOOL_FLAG_COMPACT_BITSETS;
		nl_put_attr(hdr, sizeof hdr, &hoff, NL_ETHTOOL_A_HEADER_FLAGS, &flags, 4);
		nl_put_attr(req, sizeof req, &off, NL_ETHTOOL_A_LINKMODES_HEADER | 0x8000, hdr,
			    hoff);
		int rc = nl_request(NL_PROTO_GENERIC, (uint16_t)fam, NL_F_REQUEST | NL_F_DUMP, req,
				    off, nc_linkmode_msg, &c);
		if (rc < 0 && rc != -EOPNOTSUPP && rc != -ENODEV && rc != -ENOENT)
			return rc;
	} else if (fam != -ENOENT) {
		return fam;
	}
	return nl_link_dump(s->arena, nc_link_msg, &c);
}

/* ---- the default (sysfs) output, read mostly over netlink ----
 *
 * Reading /sys/class/net/<dev>/ costs 22 files per device, three system
 * calls each. One RTM_GETLINK dump carries most of the same values, taken
 * from the same kernel fields the sysfs files print (netclass_iface_from_link
 * lists them); the rest comes from sysfs files kept open between scrapes
 * and re-read with pread(), which makes sysfs produce the value afresh.
 * The output is the sysfs path's output; the dump is used only when
 * --path.sysfs is a real sysfs and its class/net lists exactly the devices
 * netlink reports (the same network namespace), and a device's kept files
 * are trusted only while their ifindex is the one netlink gives its name.
 * Anything else falls back to reading every file, as before. */

#define SYSFS_MAGIC 0x62656572
#define NC_IFF_UP 0x1
#define NC_IFF_DORMANT 0x20000

/* nc_fields indexes. */
enum { NCF_ADDR_ASSIGN, NCF_CARRIER, NCF_CHANGES, NCF_UP, NCF_DOWN, NCF_DEV_ID, NCF_DORMANT,
       NCF_FLAGS, NCF_IFINDEX, NCF_IFLINK, NCF_LINK_MODE, NCF_MTU, NCF_NAME_ASSIGN,
       NCF_GROUP, NCF_SPEED, NCF_TXQLEN, NCF_TYPE };
_Static_assert(NCF_SPEED == NC_SPEED, "nc_fields order");

static void nc_set_u64(struct netclass_iface *ifc, int field, uint64_t v)
{
	char t[24];
	snprintf(t, sizeof t, "%llu", (unsigned long long)v);
	netclass_iface_set(ifc, nc_fields[field].file, t);
}

/* sysfs prints a hardware address as "%*phC": lower-case hex bytes joined
 * by ':' (an empty line when the device has none). */
static void nc_sysfs_mac(const unsigned char *a, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (i)
			out[o++] = ':';
		out[o++] = hex[a[i] >> 4];
		out[o++] = hex[a[i] & 15];
	}
	out[o] = 0;
}

uint32_t netclass_iface_from_link(const struct netclass_link *l, struct netclass_iface *ifc)
{
	char v[3 * 32 + 1];
	nc_sysfs_mac(l->addr, l->addr_len, v);
	netclass_iface_set(ifc, "address", v);
	nc_sysfs_mac(l->brd, l->brd_len, v);
	netclass_iface_set(ifc, "broadcast", v);
	if (l->has_alias) {
		/* sysfs writes the alias and a newline; procfs reads at most
		 * NC_VALUE_MAX bytes of that and trims. */
		char a[NC_VALUE_MAX + 1];
		size_t n = strlen(l->ifalias);
		if (n > NC_VALUE_MAX)
			n = NC_VALUE_MAX;
		memcpy(a, l->ifalias, n);
		a[n] = 0;
		netclass_iface_set(ifc, "ifalias", netutil_trim(a));
	}
	if (l->operstate < 7)
		netclass_iface_set(ifc, "operstate", nc_operstates[l->operstate]);
	/* sysfs answers carrier and dormant only while the device runs (else
	 * EINVAL, which procfs skips); IFF_DORMANT is set only then too. */
	if (l->flags & NC_IFF_UP) {
		if (l->has_carrier)
			nc_set_u64(ifc, NCF_CARRIER, l->carrier != 0);
		nc_set_u64(ifc, NCF_DORMANT, (l->flags & NC_IFF_DORMANT) != 0);
	}
	uint32_t need = 1u << NCF_FLAGS | 1u << NCF_SPEED | 1u << NCF_ADDR_ASSIGN |
			1u << NCF_DEV_ID | 1u << NCF_NAME_ASSIGN;
	if ((l->flags & NC_IFF_UP) && !l->has_carrier)
		need |= 1u << NCF_CARRIER;
	if (l->has_changes)
		nc_set_u64(ifc, NCF_CHANGES, l->carrier_changes);
	else
		need |= 1u << NCF_CHANGES;
	if (l->has_up)
		nc_set_u64(ifc, NCF_UP, l->carrier_up);
	else
		need |= 1u << NCF_UP;
	if (l->has_down)
		nc_set_u64(ifc, NCF_DOWN, l->carrier_down);
	else
		need |= 1u << NCF_DOWN;
	nc_set_u64(ifc, NCF_IFINDEX, l->index);
	/* The kernel sends IFLA_LINK only when it differs from the index. */
	nc_set_u64(ifc, NCF_IFLINK, l->link ? l->link : l->index);
	if (l->has_mode)
		nc_set_u64(ifc, NCF_LINK_MODE, l->link_mode);
	else
		need |= 1u << NCF_LINK_MODE;
	nc_set_u64(ifc, NCF_MTU, l->mtu);
	if (l->has_group)
		nc_set_u64(ifc, NCF_GROUP, l->group);
	else
		need |= 1u << NCF_GROUP;
	if (l->has_txqlen)
		nc_set_u64(ifc, NCF_TXQLEN, l->txqlen);
	else
		need |= 1u << NCF_TXQLEN;
	nc_set_u64(ifc, NCF_TYPE, l->type);
	return need;
}

/* Kept-open files, per device: ifindex first (the identity check), then
 * what netlink cannot give. Bounded: devices beyond NC_KEEP_MAX are read
 * with openat() each scrape. Guarded by nc_keep_lock. */
static const char *const nc_kept_files[] = { "ifindex", "flags", "speed", "duplex",
					     "addr_assign_type", "dev_id", "name_assign_type" };
#define NC_NKEPT 7
#define NC_KEEP_MAX 16
struct nc_kept {
	char name[64]; /* "" for a free slot */
	int fd[NC_NKEPT];
	int err[NC_NKEPT]; /* errno of a failed open, when fd[i] < 0 */
	int seen;          /* listed in the current scrape */
	uint32_t index;    /* the ifindex the files were opened under */
};
static struct nc_kept nc_keep[NC_KEEP_MAX];
static pthread_mutex_t nc_keep_lock = PTHREAD_MUTEX_INITIALIZER;
/* Is --path.sysfs a sysfs? Asked once per path (tests change it). */
static const char *nc_real_path;
static int nc_real;

static void nc_kept_close(struct nc_kept *k)
{
	for (int i = 0; i < NC_NKEPT; i++)
		if (k->fd[i] >= 0)
			close(k->fd[i]);
	memset(k, 0, sizeof *k);
}

static int nc_kept_open(struct nc_kept *k, int dirfd)
{
	for (int i = 0; i < NC_NKEPT; i++) {
		k->fd[i] = openat(dirfd, nc_kept_files[i], O_RDONLY | O_CLOEXEC);
		k->err[i] = k->fd[i] < 0 ? errno : 0;
		if (k->fd[i] < 0 && !nc_skippable(k->err[i]))
			return -k->err[i];
	}
	return 0;
}

/* nc_read() on a kept file: the same answers (0, 1 to skip, -errno). */
static int nc_pread(const struct nc_kept *k, int i, char out[NC_VALUE_MAX + 1])
{
	if (k->fd[i] < 0)
		return nc_skippable(k->err[i]) ? 1 : -k->err[i];
	ssize_t n;
	do
		n = pread(k->fd[i], out, NC_VALUE_MAX, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return nc_skippable(errno) ? 1 : -errno;
	out[n] = 0;
	netutil_trim(out);
	return 0;
}

/* The slot keeping name's files: its own, a free one, or NULL when all
 * are taken. */
static struct nc_kept *nc_kept_slot(const char *name)
{
	struct nc_kept *free_slot = NULL;
	for (int i = 0; i < NC_KEEP_MAX; i++) {
		if (!strcmp(nc_keep[i].name, name))
			return &nc_keep[i];
		if (!nc_keep[i].name[0] && !free_slot)
			free_slot = &nc_keep[i];
	}
	if (free_slot) {
		memset(free_slot, 0, sizeof *free_slot);
		for (int i = 0; i < NC_NKEPT; i++)
			free_slot->fd[i] = -1;
		snprintf(free_slot->name, sizeof free_slot->name, "%s", name);
	}
	return free_slot;
}

/* Does the kept ifindex file say index? (It does not once the device is
 * gone: sysfs then fails the read.) */
static int nc_kept_is(const struct nc_kept *k, uint32_t index)
{
	char v[NC_VALUE_MAX + 1];
	int64_t x;
	return nc_pread(k, 0, v) == 0 && netutil_parse_int(v, 0, &x) == 0 && x == (int64_t)index;
}

/* One attempt at a device from its netlink message and the few sysfs
 * files netlink lacks; reuse: trust k's open files without asking their
 * ifindex. Returns 0, 1 if the files belong to another device than l (the
 * caller then reads everything from sysfs), or -errno. */
static int nc_hybrid_try(const char *devpath, const struct netclass_link *l,
			 struct netclass_iface *ifc, struct nc_kept *k, int reuse)
{
	struct nc_kept tmp;
	int rc = 0, dirfd = -1;
	if (!reuse) {
		dirfd = openat(AT_FDCWD, devpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0)
			return nc_skippable(errno) || errno == ENOTDIR ? 1 : -errno;
		if (k) {
			char keep[64];
			memcpy(keep, k->name, sizeof keep);
			nc_kept_close(k);
			memcpy(k->name, keep, sizeof keep);
		} else {
			memset(&tmp, 0, sizeof tmp);
			k = &tmp;
		}
		rc = nc_kept_open(k, dirfd);
		if (rc == 0 && !nc_kept_is(k, l->index))
			rc = 1;
		k->index = l->index;
	}
	char v[NC_VALUE_MAX + 1];
	uint32_t need = rc == 0 ? netclass_iface_from_link(l, ifc) : 0;
	for (int i = 1; rc == 0 && i < NC_NKEPT; i++) {
		int r = nc_pread(k, i, v);
		if (r < 0)
			rc = r;
		else if (r == 0)
			netclass_iface_set(ifc, nc_kept_files[i], v);
		if (i != 3) /* duplex is a text, not a field */
			for (int f = 0; f < NC_NFIELDS; f++)
				if (!strcmp(nc_fields[f].file, nc_kept_files[i]))
					need &= ~(1u << f);
	}
	/* Fields an old kernel's message lacks: read them the plain way. */
	for (int f = 0; rc == 0 && need && f < NC_NFIELDS; f++) {
		if (!(need & (1u << f)))
			continue;
		if (dirfd < 0)
			dirfd = openat(AT_FDCWD, devpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int r = dirfd < 0 ? -errno : nc_read(dirfd, nc_fields[f].file, v);
		if (r < 0)
			rc = r;
		else if (r == 0)
			netclass_iface_set(ifc, nc_fields[f].file, v);
	}
	if (k == &tmp)
		nc_kept_close(&tmp);
	else if (rc != 0)
		nc_kept_close(k); /* free the slot; the next scrape opens afresh */
	else
		k->seen = 1;
	if (dirfd >= 0)
		close(dirfd);
	return rc;
}

/* One device, kept files first. They are trusted while netlink gives
 * their device name the ifindex they were opened under (checked then by
 * reading their ifindex file): an index names one device of the namespace
 * until that device is deleted, and the files of a deleted device fail
 * with ENODEV, which opens them afresh once. Called with nc_keep_lock
 * held. */
static int nc_read_hybrid(const char *devpath, const struct netclass_link *l,
			  struct netclass_iface *ifc)
{
	struct nc_kept *k = nc_kept_slot(ifc->name);
	int reuse = k && k->fd[0] >= 0 && k->index == l->index;
	int rc = nc_hybrid_try(devpath, l, ifc, k, reuse);
	if (rc == -ENODEV && reuse) {
		const char *name = ifc->name;
		memset(ifc, 0, sizeof *ifc);
		ifc->name = name;
		rc = nc_hybrid_try(devpath, l, ifc, nc_kept_slot(name), 0);
	}
	return rc;
}

struct nc_dump {
	struct scrape *s;
	struct netclass_link **v;
	size_t n, cap;
};

static int nc_dump_msg(const struct nl_msg *m, void *ctx)
{
	struct nc_dump *d = ctx;
	struct netclass_link *l = arena_alloc(d->s->arena, sizeof *l);
	if (netclass_parse_link(m, l) != 0)
		return 0;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct netclass_link **w = arena_alloc(d->s->arena, cap * sizeof *w);
		if (d->n)
			memcpy(w, d->v, d->n * sizeof *w);
		d->v = w;
		d->cap = cap;
	}
	d->v[d->n++] = l;
	return d->n < 100000 ? 0 : -E2BIG;
}

static int nc_link_cmp(const void *a, const void *b)
{
	return strcmp((*(struct netclass_link *const *)a)->name,
		      (*(struct netclass_link *const *)b)->name);
}

static struct netclass_link *nc_dump_find(const struct nc_dump *d, const char *name)
{
	size_t lo = 0, hi = d->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(d->v[mid]->name, name);
		if (c == 0)
			return d->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct nc_list {
	struct scrape *s;
	const char *base;
	char **v;
	size_t n, cap;
};

static int nc_list_add(const char *name, unsigned char type, void *ctx)
{
	struct nc_list *c = ctx;
	if (type == DT_UNKNOWN) {
		struct stat st;
		char *p = arena_printf(c->s->arena, "%s/%s", c->base, name);
		if (lstat(p, &st) == 0 && S_ISREG(st.st_mode))
			type = DT_REG;
	}
	if (type == DT_REG)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		char **w = arena_alloc(c->s->arena, cap * sizeof *w);
		if (c->n)
			memcpy(w, c->v, c->n * sizeof *w);
		c->v = w;
		c->cap = cap;
	}
	c->v[c->n++] = arena_strdup(c->s->arena, name);
	return c->n >= 100000;
}

/* The devices of /sys/class/net (symlinks or directories; bonding_masters
 * is a file). Returns the count or -errno; names are arena-owned. */
static int nc_list_devices(struct scrape *s, const char *base, char ***out)
{
	struct nc_list c = { s, base, NULL, 0, 0 };
	int rc = dirscan(base, nc_list_add, &c);
	if (rc < 0)
		return rc;
	*out = c.v;
	return (int)c.n;
}

static int netclass_sysfs_update(struct scrape *s)
{
	const char *base = cpath(s, exporter_paths.sysfs, "class/net");
	char **names = NULL;
	int n = nc_list_devices(s, base, &names);
	if (n < 0)
		return n;
	pthread_mutex_lock(&nc_keep_lock);
	if (nc_real_path != exporter_paths.sysfs) {
		struct statfs sf;
		nc_real = statfs(base, &sf) == 0 && sf.f_type == SYSFS_MAGIC;
		nc_real_path = exporter_paths.sysfs;
	}
	int real = nc_real;
	pthread_mutex_unlock(&nc_keep_lock);
	struct nc_dump dump = { s, NULL, 0, 0 };
	int fast = 0;
	if (real) {
		fast = nl_link_dump(s->arena, nc_dump_msg, &dump) == 0 &&
		       dump.n == (size_t)n;
		if (fast)
			qsort(dump.v, dump.n, sizeof *dump.v, nc_link_cmp);
		for (int i = 0; fast && i < n; i++)
			fast = nc_dump_find(&dump, names[i]) != NULL;
	}
	int rc = 0;
	struct netclass_iface ifc;
	if (fast)
		pthread_mutex_lock(&nc_keep_lock);
	for (int i = 0; i < n && rc >= 0; i++) {
		if (netclass_skip(names[i]))
			continue;
		memset(&ifc, 0, sizeof ifc);
		ifc.name = names[i];
		const char *devpath = arena_printf(s->arena, "%s/%s", base, names[i]);
		rc = 1;
		if (fast)
			rc = nc_read_hybrid(devpath, nc_dump_find(&dump, names[i]), &ifc);
		if (rc == 1) {
			memset(&ifc, 0, sizeof ifc);
			ifc.name = names[i];
			int fd = openat(AT_FDCWD, devpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0) {
				rc = -errno;
				break;
			}
			rc = nc_read_iface(fd, &ifc);
			close(fd);
		}
		if (rc >= 0)
			netclass_emit(s, &ifc, netclass_invalid_speed);
	}
	if (fast) {
		/* Close the files of devices that are gone. */
		for (int i = 0; i < NC_KEEP_MAX; i++) {
			if (nc_keep[i].name[0] && !nc_keep[i].seen)
				nc_kept_close(&nc_keep[i]);
			nc_keep[i].seen = 0;
		}
		pthread_mutex_unlock(&nc_keep_lock);
	}
	return rc < 0 ? rc : 0;
}

static int netclass_update(struct scrape *s)
{
	return netclass_netlink ? netclass_netlink_update(s) : netclass_sysfs_update(s);
}

const struct collector netclass_collector = { "netclass", 1, netclass_update, netclass_flags,
					      netclass_setup };
