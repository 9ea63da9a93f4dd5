/* collector/netclass.c: sysfs values, the netlink and ethtool messages. */
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
