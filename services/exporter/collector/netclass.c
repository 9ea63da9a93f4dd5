/* netclass: node_network_up, node_network_info and one gauge or counter per
 * property of each network device, from /sys/class/net/<device>/ (the
 * default) or, with --collector.netclass.netlink, from netlink RTM_GETLINK
 * plus ethtool's link modes (speed, duplex), as node_exporter 1.5 does. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	snprintf(name, sizeof name, "node_network_%s", metric);
	snprintf(help, sizeof help, "Network device property %s, per device.", metric);
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

static int netclass_sysfs_update(struct scrape *s)
{
	const char *base = cpath(s, exporter_paths.sysfs, "class/net");
	DIR *d = opendir(base);
	if (!d)
		return -errno;
	int rc = 0;
	struct dirent *de;
	struct netclass_iface ifc;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		/* Devices are symlinks (or directories); bonding_masters is a file. */
		unsigned char type = de->d_type;
		if (type == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISREG(st.st_mode))
				type = DT_REG;
		}
		if (type == DT_REG || netclass_skip(de->d_name))
			continue;
		int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			rc = -errno;
			break;
		}
		memset(&ifc, 0, sizeof ifc);
		ifc.name = de->d_name;
		rc = nc_read_iface(fd, &ifc);
		close(fd);
		if (rc < 0)
			break;
		netclass_emit(s, &ifc, netclass_invalid_speed);
	}
	closedir(d);
	return rc;
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
		case NL_IFLA_ADDRESS: nc_hwaddr(&a, l->address, sizeof l->address); break;
		case NL_IFLA_BROADCAST: nc_hwaddr(&a, l->broadcast, sizeof l->broadcast); break;
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
	unsigned char req[NL_IFINFO_LEN] = { 0 };
	return nl_request(NL_PROTO_ROUTE, NL_RTM_GETLINK, NL_F_REQUEST | NL_F_DUMP, req,
			  sizeof req, nc_link_msg, &c);
}

static int netclass_update(struct scrape *s)
{
	return netclass_netlink ? netclass_netlink_update(s) : netclass_sysfs_update(s);
}

const struct collector netclass_collector = { "netclass", 1, netclass_update, netclass_flags,
					      netclass_setup };
