/* collector/netdev.c: /proc/net/dev and RTM_NEWLINK parsing, the folding
 * into /proc/net/dev names, address scopes. */
#include "../unit.h"
#include "nettest.h"

extern const struct collector netdev_collector;

static const char netdev_text[] =
	"Inter-|   Receive                                                |  Transmit\n"
	" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
	"errs drop fifo colls carrier compressed\n"
	"    lo: 5494056    6610    0    0    0     0          0         0  5494056    6610    "
	"0    0    0     0       0          0\n"
	"  eth0: 57434761    1720    1    2    3     4          5         6    76110     996    "
	"7    8    9    10       11          12\n"
	"veth:a1: 10 20 30 40 50 60 70 80 90 100 110 120 130 140 150 160\n";

TEST(netdev_procfs_legacy_names)
{
	struct nettest t;
	nettest_init(&t);
	char *text = arena_strdup(&t.arena, netdev_text);
	struct netdev_dev *list;
	CHECK(netdev_parse_procfs(&t.s, text, NULL, &list) == 0);
	netdev_emit(&t.s, list, 0);
	CHECK(nettest_has(&t, "# TYPE node_network_receive_bytes_total counter"));
	CHECK(nettest_has(&t, "node_network_receive_bytes_total{device=\"eth0\"} 5.7434761e+07"));
	CHECK(nettest_has(&t, "node_network_receive_errs_total{device=\"eth0\"} 1"));
	CHECK(nettest_has(&t, "node_network_receive_drop_total{device=\"eth0\"} 2"));
	CHECK(nettest_has(&t, "node_network_receive_fifo_total{device=\"eth0\"} 3"));
	CHECK(nettest_has(&t, "node_network_receive_frame_total{device=\"eth0\"} 4"));
	CHECK(nettest_has(&t, "node_network_receive_compressed_total{device=\"eth0\"} 5"));
	CHECK(nettest_has(&t, "node_network_receive_multicast_total{device=\"eth0\"} 6"));
	CHECK(nettest_has(&t, "node_network_transmit_errs_total{device=\"eth0\"} 7"));
	CHECK(nettest_has(&t, "node_network_transmit_drop_total{device=\"eth0\"} 8"));
	CHECK(nettest_has(&t, "node_network_transmit_fifo_total{device=\"eth0\"} 9"));
	CHECK(nettest_has(&t, "node_network_transmit_colls_total{device=\"eth0\"} 10"));
	CHECK(nettest_has(&t, "node_network_transmit_carrier_total{device=\"eth0\"} 11"));
	CHECK(nettest_has(&t, "node_network_transmit_compressed_total{device=\"eth0\"} 12"));
	/* The name ends at the last colon. */
	CHECK(nettest_has(&t, "node_network_transmit_packets_total{device=\"veth:a1\"} 100"));
	/* /proc/net/dev has no nohandler column. */
	CHECK(strstr(nettest_text(&t), "nohandler") == NULL);
	nettest_free(&t);
}

TEST(netdev_procfs_detailed_and_filter)
{
	struct nettest t;
	nettest_init(&t);
	static struct dev_filter f; /* kept for the program's life */
	if (!f.has_include)
		CHECK(dev_filter_init(&f, "^lo$", NULL, "test") == 0);
	char *text = arena_strdup(&t.arena, netdev_text);
	struct netdev_dev *list;
	CHECK(netdev_parse_procfs(&t.s, text, &f, &list) == 0);
	netdev_emit(&t.s, list, 1);
	CHECK(nettest_has(&t, "node_network_receive_errors_total{device=\"lo\"} 0"));
	CHECK(nettest_has(&t, "node_network_transmit_colls_total{device=\"lo\"} 0"));
	CHECK(strstr(nettest_text(&t), "eth0") == NULL);
	nettest_free(&t);
}

TEST(netdev_procfs_skips_malformed_lines)
{
	struct nettest t;
	nettest_init(&t);
	struct netdev_dev *list;
	char text[] = "h1\nh2\n"
		      "  nocolon 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
		      "  few: 1 2 3\n"
		      "  : 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
		      "bad: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 -16\n"
		      "good: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n";
	CHECK(netdev_parse_procfs(&t.s, text, NULL, &list) == 0);
	CHECK(list != NULL && list->next == NULL);
	CHECK_STR(list->name, "good");
	char empty[] = "";
	CHECK(netdev_parse_procfs(&t.s, empty, NULL, &list) == 0 && list == NULL);
	nettest_free(&t);
}

/* An RTM_NEWLINK message with a name and stats64 of stats_len bytes whose
 * field i holds 100 + i. */
static void link_msg(struct nettest_msg *m, const char *name, size_t stats_len)
{
	memset(m, 0, sizeof *m);
	m->len = NL_IFINFO_LEN;
	nettest_attr_str(m, NL_IFLA_IFNAME, name);
	uint64_t st[25];
	for (int i = 0; i < 25; i++)
		st[i] = 100 + (uint64_t)i;
	if (stats_len)
		nettest_attr(m, NL_IFLA_STATS64, st, stats_len);
}

TEST(netdev_netlink_folds_like_net_procfs)
{
	struct nettest t;
	nettest_init(&t);
	struct nettest_msg m;
	link_msg(&m, "eth0", 200);
	struct nl_msg nm = { NL_RTM_NEWLINK, 0, m.b, m.len };
	struct netdev_dev d;
	CHECK(netdev_parse_link(&nm, &d) == 0);
	CHECK_STR(d.name, "eth0");
	netdev_emit(&t.s, &d, 0);
	/* receive_dropped 106 + missed 115 */
	CHECK(nettest_has(&t, "node_network_receive_drop_total{device=\"eth0\"} 221"));
	/* frame 113 + length 110 + over 111 + crc 112 */
	CHECK(nettest_has(&t, "node_network_receive_frame_total{device=\"eth0\"} 446"));
	CHECK(nettest_has(&t, "node_network_receive_fifo_total{device=\"eth0\"} 114"));
	CHECK(nettest_has(&t, "node_network_receive_multicast_total{device=\"eth0\"} 108"));
	CHECK(nettest_has(&t, "node_network_transmit_colls_total{device=\"eth0\"} 109"));
	/* carrier 117 + aborted 116 + heartbeat 119 + window 120 */
	CHECK(nettest_has(&t, "node_network_transmit_carrier_total{device=\"eth0\"} 472"));
	CHECK(nettest_has(&t, "node_network_transmit_fifo_total{device=\"eth0\"} 118"));
	CHECK(nettest_has(&t, "node_network_receive_nohandler_total{device=\"eth0\"} 123"));
	CHECK(nettest_has(&t, "node_network_receive_packets_total{device=\"eth0\"} 100"));
	CHECK(strstr(nettest_text(&t), "errors") == NULL);
	CHECK(strstr(nettest_text(&t), "collisions") == NULL);
	nettest_free(&t);
}

TEST(netdev_netlink_detailed_old_kernel_and_junk)
{
	struct nettest t;
	nettest_init(&t);
	struct nettest_msg m;
	link_msg(&m, "lo", 184); /* before Linux 4.6: no rx_nohandler */
	struct nl_msg nm = { NL_RTM_NEWLINK, 0, m.b, m.len };
	struct netdev_dev d;
	CHECK(netdev_parse_link(&nm, &d) == 0);
	netdev_emit(&t.s, &d, 1);
	CHECK(nettest_has(&t, "node_network_receive_nohandler_total{device=\"lo\"} 0"));
	CHECK(nettest_has(&t, "node_network_receive_missed_errors_total{device=\"lo\"} 115"));
	CHECK(nettest_has(&t, "node_network_collisions_total{device=\"lo\"} 109"));
	/* No stats, short stats, no name, another message type: skipped. */
	link_msg(&m, "x", 0);
	nm.len = m.len;
	CHECK(netdev_parse_link(&nm, &d) == -1);
	link_msg(&m, "x", 100);
	nm.len = m.len;
	CHECK(netdev_parse_link(&nm, &d) == -1);
	link_msg(&m, "", 200);
	nm.len = m.len;
	CHECK(netdev_parse_link(&nm, &d) == -1);
	link_msg(&m, "x", 200);
	nm.type = 3;
	nm.len = m.len;
	CHECK(netdev_parse_link(&nm, &d) == -1);
	nm.type = NL_RTM_NEWLINK;
	nm.len = 10; /* shorter than struct ifinfomsg */
	CHECK(netdev_parse_link(&nm, &d) == -1);
	nettest_free(&t);
}

TEST(netdev_address_scopes_like_go)
{
	const unsigned char lo4[4] = { 127, 0, 0, 1 }, ll4[4] = { 169, 254, 1, 1 },
			    pub4[4] = { 192, 0, 2, 2 }, mc4[4] = { 224, 0, 0, 251 },
			    mcg4[4] = { 239, 1, 1, 1 }, bc4[4] = { 255, 255, 255, 255 };
	CHECK_STR(netdev_addr_scope(lo4, 4), "link-local");
	CHECK_STR(netdev_addr_scope(ll4, 4), "link-local");
	CHECK_STR(netdev_addr_scope(pub4, 4), "global");
	CHECK_STR(netdev_addr_scope(mc4, 4), "link-local");
	CHECK_STR(netdev_addr_scope(mcg4, 4), "");
	CHECK_STR(netdev_addr_scope(bc4, 4), "");
	unsigned char v6[16] = { 0 };
	v6[15] = 1;
	CHECK_STR(netdev_addr_scope(v6, 16), "link-local");
	v6[0] = 0xfe;
	v6[1] = 0x80;
	CHECK_STR(netdev_addr_scope(v6, 16), "link-local");
	v6[0] = 0xff;
	v6[1] = 0x01;
	CHECK_STR(netdev_addr_scope(v6, 16), "interface-local");
	v6[1] = 0x02;
	CHECK_STR(netdev_addr_scope(v6, 16), "link-local");
	v6[1] = 0x05;
	CHECK_STR(netdev_addr_scope(v6, 16), "");
	v6[0] = 0xfd;
	v6[1] = 0;
	CHECK_STR(netdev_addr_scope(v6, 16), "global");
	const unsigned char mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1 };
	CHECK_STR(netdev_addr_scope(mapped, 16), "link-local");
}

TEST(netdev_update_reads_procfs_when_told)
{
	struct nettest t;
	nettest_init(&t);
	CHECK(nettest_tree(&t) != NULL);
	CHECK(nettest_file(&t, "net/dev", netdev_text) == 0);
	/* --no-collector.netdev.netlink */
	struct flag *nl = NULL;
	for (struct flag *f = netdev_collector.flags; f->name; f++)
		if (!strcmp(f->name, "collector.netdev.netlink"))
			nl = f;
	CHECK(nl != NULL);
	const char *saved = exporter_paths.procfs;
	*(int *)nl->dest = 0;
	exporter_paths.procfs = t.dir;
	int rc = netdev_collector.update(&t.s);
	exporter_paths.procfs = saved;
	*(int *)nl->dest = 1;
	CHECK_INT(rc, 0);
	CHECK(nettest_has(&t, "node_network_transmit_colls_total{device=\"eth0\"} 10"));
	nettest_free(&t);
}
