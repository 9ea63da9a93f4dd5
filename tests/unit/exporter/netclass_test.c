/* collector/netclass.c: sysfs values, the netlink and ethtool messages. */
#include <dirent.h>
#include <fcntl.h>

#include "../unit.h"
#include "nettest.h"

extern const struct collector netclass_collector;

/* node_exporter's fixture sys/class/net/eth0. */
static const char *const eth0_files[][2] = {
	{ "addr_assign_type", "3" }, { "addr_len", "6" },
	{ "address", "01:01:01:01:01:01" }, { "broadcast", "ff:ff:ff:ff:ff:ff" },
	{ "carrier", "1" }, { "carrier_changes", "2" }, { "carrier_down_count", "1" },
	{ "carrier_up_count", "1" }, { "dev_id", "0x20" }, { "dormant", "1" },
	{ "duplex", "full" }, { "flags", "0x1303" }, { "ifalias", "" }, { "ifindex", "2" },
	{ "iflink", "2" }, { "link_mode", "1" }, { "mtu", "1500" }, { "name_assign_type", "2" },
	{ "netdev_group", "0" }, { "operstate", "up" }, { "phys_port_id", "" },
	{ "speed", "1000" }, { "tx_queue_len", "1000" }, { "type", "1" },
};

TEST(netclass_sysfs_fixture_values)
{
	struct nettest t;
	nettest_init(&t);
	struct netclass_iface ifc;
	memset(&ifc, 0, sizeof ifc);
	ifc.name = "eth0";
	for (size_t i = 0; i < sizeof eth0_files / sizeof eth0_files[0]; i++)
		netclass_iface_set(&ifc, eth0_files[i][0], eth0_files[i][1]);
	netclass_emit(&t.s, &ifc, 1);
	CHECK(nettest_has(&t, "node_network_info{address=\"01:01:01:01:01:01\",broadcast=\"ff:ff:ff:"
			      "ff:ff:ff\",device=\"eth0\",duplex=\"full\",ifalias=\"\",operstate=\"up\"} 1"));
	CHECK(nettest_has(&t, "node_network_up{device=\"eth0\"} 1"));
	CHECK(nettest_has(&t, "node_network_flags{device=\"eth0\"} 4867"));
	CHECK(nettest_has(&t, "node_network_device_id{device=\"eth0\"} 32"));
	CHECK(nettest_has(&t, "node_network_speed_bytes{device=\"eth0\"} 1.25e+08"));
	CHECK(nettest_has(&t, "# TYPE node_network_carrier_changes_total counter"));
	CHECK(nettest_has(&t, "node_network_carrier_up_changes_total{device=\"eth0\"} 1"));
	CHECK(nettest_has(&t, "node_network_iface_link_mode{device=\"eth0\"} 1"));
	CHECK(nettest_has(&t, "node_network_protocol_type{device=\"eth0\"} 1"));
	CHECK(nettest_has(&t, "node_network_transmit_queue_length{device=\"eth0\"} 1000"));
	CHECK(nettest_has(&t, "node_network_address_assign_type{device=\"eth0\"} 3"));
	CHECK(nettest_has(&t, "node_network_name_assign_type{device=\"eth0\"} 2"));
	CHECK(nettest_has(&t, "node_network_net_dev_group{device=\"eth0\"} 0"));
	nettest_free(&t);
}

TEST(netclass_speed_unknown_and_bad_numbers)
{
	struct nettest t;
	nettest_init(&t);
	struct netclass_iface ifc;
	memset(&ifc, 0, sizeof ifc);
	ifc.name = "bond0";
	netclass_iface_set(&ifc, "speed", "-1");
	netclass_iface_set(&ifc, "operstate", "down");
	netclass_iface_set(&ifc, "mtu", "garbage"); /* procfs keeps a 0 */
	netclass_iface_set(&ifc, "unknown_file", "7");
	netclass_emit(&t.s, &ifc, 1);
	CHECK(strstr(nettest_text(&t), "speed_bytes") == NULL);
	CHECK(nettest_has(&t, "node_network_up{device=\"bond0\"} 0"));
	CHECK(nettest_has(&t, "node_network_mtu_bytes{device=\"bond0\"} 0"));
	CHECK(strstr(nettest_text(&t), "carrier") == NULL); /* not read: not reported */
	nettest_free(&t);
	nettest_init(&t);
	netclass_emit(&t.s, &ifc, 0);
	CHECK(nettest_has(&t, "node_network_speed_bytes{device=\"bond0\"} -125000"));
	nettest_free(&t);
	/* A speed too large for Go's int64 arithmetic wraps there too. */
	nettest_init(&t);
	netclass_iface_set(&ifc, "speed", "9223372036854775807");
	netclass_emit(&t.s, &ifc, 0);
	CHECK(nettest_has(&t, "node_network_speed_bytes{device=\"bond0\"} -125000"));
	nettest_free(&t);
}

TEST(netclass_update_walks_sysfs_tree)
{
	struct nettest t;
	nettest_init(&t);
	CHECK(nettest_tree(&t) != NULL);
	for (size_t i = 0; i < sizeof eth0_files / sizeof eth0_files[0]; i++) {
		char rel[128], val[64];
		snprintf(rel, sizeof rel, "devices/eth0/%s", eth0_files[i][0]);
		snprintf(val, sizeof val, "%s\n", eth0_files[i][1]);
		CHECK(nettest_file(&t, rel, val) == 0);
	}
	CHECK(nettest_file(&t, "class/net/bonding_masters", "bond0\n") == 0);
	CHECK(nettest_file(&t, "class/net/dummy0/mtu", "1500\n") == 0);
	char link[128];
	snprintf(link, sizeof link, "%s/class/net/eth0", t.dir);
	CHECK(symlink("../../devices/eth0", link) == 0);
	const char *saved = exporter_paths.sysfs;
	exporter_paths.sysfs = t.dir;
	int rc = netclass_collector.update(&t.s);
	exporter_paths.sysfs = saved;
	CHECK_INT(rc, 0);
	CHECK(nettest_has(&t, "node_network_flags{device=\"eth0\"} 4867"));
	CHECK(nettest_has(&t, "node_network_mtu_bytes{device=\"dummy0\"} 1500"));
	CHECK(nettest_has(&t, "node_network_info{address=\"\",broadcast=\"\",device=\"dummy0\","
			      "duplex=\"\",ifalias=\"\",operstate=\"\"} 1"));
	CHECK(strstr(nettest_text(&t), "bonding_masters") == NULL);
	nettest_free(&t);
	/* No class/net at all: the collector fails. */
	nettest_init(&t);
	CHECK(nettest_tree(&t) != NULL);
	exporter_paths.sysfs = t.dir;
	rc = netclass_collector.update(&t.s);
	exporter_paths.sysfs = saved;
	CHECK_INT(rc, -ENOENT);
	nettest_free(&t);
}

static struct nl_msg rtm_newlink(struct nettest_msg *m, uint16_t type, int32_t index, uint32_t flags)
{
	memset(m, 0, sizeof *m);
	memcpy(m->b + 2, &type, 2);
	memcpy(m->b + 4, &index, 4);
	memcpy(m->b + 8, &flags, 4);
	m->len = NL_IFINFO_LEN;
	return (struct nl_msg){ NL_RTM_NEWLINK, 0, m->b, 0 };
}

TEST(netclass_netlink_link_message)
{
	struct nettest t;
	nettest_init(&t);
	struct nettest_msg m;
	struct nl_msg nm = rtm_newlink(&m, 1, 4, 69699);
	nettest_attr_str(&m, NL_IFLA_IFNAME, "eth0");
	const unsigned char mac[6] = { 0x02, 0xfc, 0, 0, 0, 0x01 }, bc[6] = { 0xff, 0xff, 0xff,
									  0xff, 0xff, 0xff };
	nettest_attr(&m, NL_IFLA_ADDRESS, mac, 6);
	nettest_attr(&m, NL_IFLA_BROADCAST, bc, 6);
	nettest_attr_u32(&m, NL_IFLA_MTU, 1400);
	nettest_attr_u32(&m, NL_IFLA_TXQLEN, 1000);
	nettest_attr_u32(&m, NL_IFLA_GROUP, 0);
	unsigned char up = 6, mode = 0, carrier = 1;
	nettest_attr(&m, NL_IFLA_OPERSTATE, &up, 1);
	nettest_attr(&m, NL_IFLA_LINKMODE, &mode, 1);
	nettest_attr(&m, NL_IFLA_CARRIER, &carrier, 1);
	nettest_attr_u32(&m, NL_IFLA_CARRIER_CHANGES, 2);
	uint64_t st[24] = { 11, 12, 13 };
	nettest_attr(&m, NL_IFLA_STATS64, st, 192);
	nm.len = m.len;
	struct netclass_link l;
	CHECK(netclass_parse_link(&nm, &l) == 0);
	netclass_emit_link(&t.s, &l, "Unknown", 1);
	CHECK(nettest_has(&t, "node_network_info{address=\"02:fc:00:00:00:01\",broadcast=\"ff:ff:ff:"
			      "ff:ff:ff\",device=\"eth0\",duplex=\"Unknown\",ifalias=\"\",operstate=\"up\"} 1"));
	CHECK(nettest_has(&t, "node_network_up{device=\"eth0\"} 1"));
	CHECK(nettest_has(&t, "node_network_flags{device=\"eth0\"} 69699"));
	CHECK(nettest_has(&t, "node_network_iface_link{device=\"eth0\"} 4")); /* no IFLA_LINK */
	CHECK(nettest_has(&t, "node_network_dormant{device=\"eth0\"} 0"));
	CHECK(nettest_has(&t, "node_network_carrier_changes_total{device=\"eth0\"} 2"));
	CHECK(strstr(nettest_text(&t), "carrier_up_changes") == NULL);
	CHECK(nettest_has(&t, "# TYPE node_network_receive_bytes_total gauge"));
	CHECK(nettest_has(&t, "node_network_receive_bytes_total{device=\"eth0\"} 13"));
	nettest_free(&t);

	/* Unknown operstate numbers, an alias, IFLA_LINK, no name. */
	nettest_init(&t);
	nm = rtm_newlink(&m, 772, 1, 9);
	nettest_attr_str(&m, NL_IFLA_IFNAME, "lo");
	unsigned char odd = 9;
	nettest_attr(&m, NL_IFLA_OPERSTATE, &odd, 1);
	nettest_attr_str(&m, NL_IFLA_IFALIAS, "loop");
	nettest_attr_u32(&m, NL_IFLA_LINK, 7);
	nm.len = m.len;
	CHECK(netclass_parse_link(&nm, &l) == 0);
	netclass_emit_link(&t.s, &l, "", 0);
	CHECK(nettest_has(&t, "node_network_info{address=\"\",broadcast=\"\",device=\"lo\",duplex=\"\","
			      "ifalias=\"loop\",operstate=\"unknown\"} 1"));
	CHECK(nettest_has(&t, "node_network_iface_link{device=\"lo\"} 7"));
	CHECK(nettest_has(&t, "node_network_protocol_type{device=\"lo\"} 772"));
	nm = rtm_newlink(&m, 1, 1, 0);
	nm.len = m.len;
	CHECK(netclass_parse_link(&nm, &l) == -1);
	nettest_free(&t);
}

TEST(netclass_ethtool_linkmode_reply)
{
	struct nettest_msg hdr = { .len = 0 }, m = { .len = 0 };
	nettest_attr_u32(&hdr, NL_ETHTOOL_A_HEADER_DEV_INDEX, 4);
	nettest_attr_str(&hdr, NL_ETHTOOL_A_HEADER_DEV_NAME, "eth0");
	nettest_attr(&m, NL_ETHTOOL_A_LINKMODES_HEADER | 0x8000, hdr.b, hdr.len);
	nettest_attr_u32(&m, NL_ETHTOOL_A_LINKMODES_SPEED, 0xffffffffu);
	unsigned char duplex = 0xff;
	nettest_attr(&m, NL_ETHTOOL_A_LINKMODES_DUPLEX, &duplex, 1);
	struct netclass_linkmode lm;
	CHECK(netclass_parse_linkmode(m.b, m.len, &lm) == 0);
	CHECK_STR(lm.name, "eth0");
	CHECK(lm.speed == 0xffffffffu);
	CHECK_INT(lm.duplex, 255);
	struct nettest_msg none = { .len = 0 };
	nettest_attr_u32(&none, NL_ETHTOOL_A_LINKMODES_SPEED, 1000);
	CHECK(netclass_parse_linkmode(none.b, none.len, &lm) == -1);
}

/* The default output over netlink: the values sysfs would print, and the
 * files sysfs must still give. */
TEST(netclass_iface_from_link_matches_sysfs)
{
	struct nettest t;
	nettest_init(&t);
	struct nettest_msg m;
	/* Up (IFF_UP|IFF_DORMANT), alias, IFLA_LINK, 4-byte address. */
	struct nl_msg nm = rtm_newlink(&m, 1, 3, 0x1 | 0x20000);
	nettest_attr_str(&m, NL_IFLA_IFNAME, "tun0");
	const unsigned char a4[4] = { 0x0a, 0, 0, 0xff };
	nettest_attr(&m, NL_IFLA_ADDRESS, a4, 4);
	nettest_attr(&m, NL_IFLA_BROADCAST, a4, 4);
	nettest_attr_str(&m, NL_IFLA_IFALIAS, "  uplink ");
	nettest_attr_u32(&m, NL_IFLA_LINK, 2);
	nettest_attr_u32(&m, NL_IFLA_MTU, 9000);
	nettest_attr_u32(&m, NL_IFLA_TXQLEN, 500);
	nettest_attr_u32(&m, NL_IFLA_GROUP, 3);
	unsigned char oper = 5, mode = 1, carrier = 1;
	nettest_attr(&m, NL_IFLA_OPERSTATE, &oper, 1);
	nettest_attr(&m, NL_IFLA_LINKMODE, &mode, 1);
	nettest_attr(&m, NL_IFLA_CARRIER, &carrier, 1);
	nettest_attr_u32(&m, NL_IFLA_CARRIER_CHANGES, 5);
	nettest_attr_u32(&m, NL_IFLA_CARRIER_UP_COUNT, 3);
	nettest_attr_u32(&m, NL_IFLA_CARRIER_DOWN_COUNT, 2);
	nm.len = m.len;
	struct netclass_link l;
	CHECK(netclass_parse_link(&nm, &l) == 0);
	struct netclass_iface ifc;
	memset(&ifc, 0, sizeof ifc);
	ifc.name = "tun0";
	uint32_t need = netclass_iface_from_link(&l, &ifc);
	/* flags (bit 7), speed (14), addr_assign_type (0), dev_id (5),
	 * name_assign_type (12) only. */
	CHECK(need == (1u << 7 | 1u << 14 | 1u << 0 | 1u << 5 | 1u << 12));
	netclass_iface_set(&ifc, "flags", "0x1003");
	netclass_emit(&t.s, &ifc, 1);
	CHECK(nettest_has(&t, "node_network_info{address=\"0a:00:00:ff\",broadcast=\"0a:00:00:ff\","
			      "device=\"tun0\",duplex=\"\",ifalias=\"uplink\",operstate=\"dormant\"} 1"));
	CHECK(nettest_has(&t, "node_network_up{device=\"tun0\"} 0"));
	CHECK(nettest_has(&t, "node_network_carrier{device=\"tun0\"} 1"));
	CHECK(nettest_has(&t, "node_network_dormant{device=\"tun0\"} 1"));
	CHECK(nettest_has(&t, "node_network_flags{device=\"tun0\"} 4099"));
	CHECK(nettest_has(&t, "node_network_iface_id{device=\"tun0\"} 3"));
	CHECK(nettest_has(&t, "node_network_iface_link{device=\"tun0\"} 2"));
	CHECK(nettest_has(&t, "node_network_iface_link_mode{device=\"tun0\"} 1"));
	CHECK(nettest_has(&t, "node_network_mtu_bytes{device=\"tun0\"} 9000"));
	CHECK(nettest_has(&t, "node_network_net_dev_group{device=\"tun0\"} 3"));
	CHECK(nettest_has(&t, "node_network_transmit_queue_length{device=\"tun0\"} 500"));
	CHECK(nettest_has(&t, "node_network_carrier_changes_total{device=\"tun0\"} 5"));
	CHECK(nettest_has(&t, "node_network_carrier_up_changes_total{device=\"tun0\"} 3"));
	CHECK(nettest_has(&t, "node_network_carrier_down_changes_total{device=\"tun0\"} 2"));
	CHECK(nettest_has(&t, "node_network_protocol_type{device=\"tun0\"} 1"));
	CHECK(strstr(nettest_text(&t), "speed_bytes") == NULL);
	nettest_free(&t);

	/* Down: sysfs refuses carrier and dormant; an old kernel's message
	 * without the counters, link mode, group or queue length leaves
	 * them to sysfs; no address: empty texts. */
	nettest_init(&t);
	nm = rtm_newlink(&m, 772, 1, 0x8);
	nettest_attr_str(&m, NL_IFLA_IFNAME, "lo");
	nettest_attr(&m, NL_IFLA_CARRIER, &carrier, 1);
	unsigned char down = 2;
	nettest_attr(&m, NL_IFLA_OPERSTATE, &down, 1);
	nm.len = m.len;
	CHECK(netclass_parse_link(&nm, &l) == 0);
	memset(&ifc, 0, sizeof ifc);
	ifc.name = "lo";
	need = netclass_iface_from_link(&l, &ifc);
	CHECK(need == (1u << 7 | 1u << 14 | 1u << 0 | 1u << 5 | 1u << 12 | 1u << 2 | 1u << 3 |
		       1u << 4 | 1u << 10 | 1u << 13 | 1u << 15));
	netclass_emit(&t.s, &ifc, 1);
	CHECK(nettest_has(&t, "node_network_info{address=\"\",broadcast=\"\",device=\"lo\","
			      "duplex=\"\",ifalias=\"\",operstate=\"down\"} 1"));
	CHECK(strstr(nettest_text(&t), "node_network_carrier{") == NULL);
	CHECK(strstr(nettest_text(&t), "node_network_dormant{") == NULL);
	CHECK(nettest_has(&t, "node_network_iface_link{device=\"lo\"} 1"));
	nettest_free(&t);
}

/* On this machine's /sys (when it is one): the default output, read over
 * netlink plus kept files, equals reading every file. */
TEST(netclass_live_fast_path_equals_files)
{
	struct nettest t;
	nettest_init(&t);
	CHECK(nettest_tree(&t) != NULL);
	/* A copy of /sys/class/net/<dev>/ files in a tree that is not a
	 * sysfs forces the plain path. */
	char base[128];
	snprintf(base, sizeof base, "%s/class/net", t.dir);
	struct nettest fast;
	nettest_init(&fast);
	int rc = netclass_collector.update(&fast.s);
	if (rc != 0) {
		printf("    (skipped: no /sys/class/net here)\n");
		nettest_free(&fast);
		nettest_free(&t);
		return;
	}
	/* Twice: the second run reads the kept files. */
	nettest_free(&fast);
	nettest_init(&fast);
	CHECK_INT(netclass_collector.update(&fast.s), 0);
	static const char *const files[] = { "addr_assign_type", "address", "broadcast",
		"carrier", "carrier_changes", "carrier_up_count", "carrier_down_count", "dev_id",
		"dormant", "duplex", "flags", "ifalias", "ifindex", "iflink", "link_mode", "mtu",
		"name_assign_type", "netdev_group", "operstate", "speed", "tx_queue_len", "type" };
	struct dirent **ents;
	int n = scandir("/sys/class/net", &ents, NULL, alphasort);
	CHECK(n > 0);
	for (int i = 0; i < n; i++) {
		const char *d = ents[i]->d_name;
		if (d[0] != '.' && strcmp(d, "bonding_masters") != 0)
			for (size_t j = 0; j < sizeof files / sizeof files[0]; j++) {
				char src[512], rel[300], val[NETCLASS_VALUE_MAX + 2];
				snprintf(src, sizeof src, "/sys/class/net/%s/%s", d, files[j]);
				int fd = open(src, O_RDONLY);
				if (fd < 0)
					continue;
				ssize_t k = read(fd, val, NETCLASS_VALUE_MAX);
				close(fd);
				if (k < 0)
					continue; /* EINVAL: sysfs has no value; leave the file out */
				val[k] = 0;
				snprintf(rel, sizeof rel, "class/net/%s/%s", d, files[j]);
				CHECK(nettest_file(&t, rel, val) == 0);
			}
		free(ents[i]);
	}
	free(ents);
	const char *saved = exporter_paths.sysfs;
	exporter_paths.sysfs = t.dir;
	CHECK_INT(netclass_collector.update(&t.s), 0);
	exporter_paths.sysfs = saved;
	/* Counters may move between the two reads on a busy machine; the
	 * test machine's carrier counters do not. */
	CHECK_STR(nettest_text(&fast), nettest_text(&t));
	nettest_free(&fast);
	nettest_free(&t);
}

struct dump_seen {
	int n;
	const unsigned char *first;
};

static int dump_count(const struct nl_msg *m, void *ctx)
{
	struct dump_seen *d = ctx;
	if (!d->n++)
		d->first = m->data;
	return 0;
}

/* netdev and netclass share one RTM_GETLINK dump per scrape. */
TEST(netlink_link_dump_once_per_scrape)
{
	struct nettest t;
	nettest_init(&t);
	struct dump_seen a = { 0, NULL }, b = { 0, NULL }, c = { 0, NULL };
	scrape_begin();
	int rc = nl_link_dump(&t.arena, dump_count, &a);
	if (rc < 0) {
		scrape_end();
		printf("    (skipped: no rtnetlink here: %d)\n", rc);
		nettest_free(&t);
		return;
	}
	CHECK_INT(nl_link_dump(&t.arena, dump_count, &b), 0);
	CHECK(a.n > 0 && a.n == b.n);
	CHECK(a.first == b.first); /* replayed from the scrape's copy */
	scrape_begin();
	CHECK_INT(nl_link_dump(&t.arena, dump_count, &c), 0);
	CHECK(c.n > 0 && c.first != a.first); /* a new scrape asks again */
	scrape_end();
	nettest_free(&t);
}
