/* collector/netstat.c: the three files, their merge, the field pattern. */
#include "../unit.h"
#include "nettest.h"

extern const struct collector netstat_collector;

static const char ns_netstat[] =
	"TcpExt: SyncookiesSent SyncookiesRecv ListenDrops TCPTimeouts TCPOFOQueue\n"
	"TcpExt: 0 2 0 115 7\n"
	"IpExt: InNoRoutes InOctets OutOctets\n"
	"IpExt: 0 6286396970 2786264347\n";
static const char ns_snmp[] =
	"Ip: Forwarding DefaultTTL InReceives\n"
	"Ip: 1 64 57740232\n"
	"Tcp: RtoAlgorithm MaxConn ActiveOpens CurrEstab InErrs\n"
	"Tcp: 1 -1 3556 0 5\n"
	"Udp: InDatagrams NoPorts InErrors\n"
	"Udp: 88542 120 0\n";
static const char ns_snmp6[] =
	"Ip6InReceives                   \t7\n"
	"Ip6InOctets                     \t460\n"
	"Icmp6InMsgs                     \t0\n"
	"Icmp6OutType133                 \t8\n"
	"Udp6InErrors                    \t0\n"
	"nosixhere 1\n"
	"lonely\n";

/* The default --collector.netstat.fields, compiled once for all tests. */
static const struct dev_filter *ns_default(void)
{
	static struct dev_filter f;
	static int done;
	if (!done) {
		const char *pat = *(const char **)netstat_collector.flags[0].dest;
		if (dev_filter_init(&f, pat, NULL, "collector.netstat.fields") != 0)
			return NULL;
		done = 1;
	}
	return &f;
}

TEST(netstat_default_fields)
{
	struct nettest t;
	nettest_init(&t);
	const struct dev_filter *f = ns_default();
	CHECK(f != NULL);
	CHECK(netstat_parse(&t.s, arena_strdup(&t.arena, ns_netstat), arena_strdup(&t.arena, ns_snmp),
			    arena_strdup(&t.arena, ns_snmp6), f) == 0);
	CHECK(nettest_has(&t, "# TYPE node_netstat_TcpExt_ListenDrops untyped"));
	CHECK(nettest_has(&t, "node_netstat_TcpExt_ListenDrops 0"));
	CHECK(nettest_has(&t, "node_netstat_TcpExt_SyncookiesRecv 2"));
	CHECK(nettest_has(&t, "node_netstat_TcpExt_TCPTimeouts 115"));
	CHECK(nettest_has(&t, "node_netstat_IpExt_InOctets 6.28639697e+09"));
	CHECK(nettest_has(&t, "node_netstat_Ip_Forwarding 1"));
	CHECK(nettest_has(&t, "node_netstat_Tcp_InErrs 5"));
	CHECK(nettest_has(&t, "node_netstat_Udp_NoPorts 120"));
	CHECK(nettest_has(&t, "node_netstat_Ip6_InOctets 460"));
	CHECK(nettest_has(&t, "node_netstat_Icmp6_InMsgs 0"));
	CHECK(nettest_has(&t, "node_netstat_Udp6_InErrors 0"));
	const char *out = nettest_text(&t);
	CHECK(strstr(out, "TCPOFOQueue") == NULL);
	CHECK(strstr(out, "MaxConn") == NULL);
	CHECK(strstr(out, "OutType133") == NULL);
	CHECK(strstr(out, "nosix") == NULL);
	nettest_free(&t);
}

TEST(netstat_all_fields_and_merge)
{
	struct nettest t;
	nettest_init(&t);
	/* Tcp appears in netstat too: snmp's Tcp replaces it wholly. A
	 * repeated header within one file replaces the earlier one. */
	char netstat[] = "Tcp: Stale\nTcp: 9\nIpExt: A\nIpExt: 1\nIpExt: B\nIpExt: 2\n";
	char snmp[] = "Tcp: MaxConn\nTcp: -1\n";
	CHECK(netstat_parse(&t.s, netstat, snmp, NULL, NULL) == 0);
	const char *out = nettest_text(&t);
	CHECK(nettest_has(&t, "node_netstat_Tcp_MaxConn -1"));
	CHECK(strstr(out, "Stale") == NULL);
	CHECK(strstr(out, "IpExt_A") == NULL);
	CHECK(nettest_has(&t, "node_netstat_IpExt_B 2"));
	nettest_free(&t);
	/* snmp6 lines add up within one protocol. */
	nettest_init(&t);
	char e1[] = "", e2[] = "", six[] = "Udp6A 1\nUdp6B 2\n";
	CHECK(netstat_parse(&t.s, e1, e2, six, NULL) == 0);
	CHECK(nettest_has(&t, "node_netstat_Udp6_A 1"));
	CHECK(nettest_has(&t, "node_netstat_Udp6_B 2"));
	nettest_free(&t);
}

TEST(netstat_skips_malformed_parts)
{
	struct nettest t;
	nettest_init(&t);
	/* A pair with different counts, a header whose values line is
	 * missing (the next header is taken as a header), a value that is not
	 * a number, and two spaces (an empty field): each costs only itself. */
	char netstat[] = "Tcp: A B\nTcp: 1\n"
			 "IpExt: Lost\n"
			 "Udp: X Y\nUdp: 1 x\n"
			 "Icmp: P  Q\nIcmp: 5  6\n"
			 "\n\n"
			 "Ip: Last\n";
	char snmp[] = "TcpExt: Fine\nTcpExt: 0x10\n";
	CHECK(netstat_parse(&t.s, netstat, snmp, NULL, NULL) == 0);
	const char *out = nettest_text(&t);
	CHECK(strstr(out, "Tcp_") == NULL);
	CHECK(strstr(out, "Lost") == NULL);
	CHECK(strstr(out, "Last") == NULL);
	CHECK(nettest_has(&t, "node_netstat_Udp_X 1"));
	CHECK(strstr(out, "Udp_Y") == NULL);
	CHECK(nettest_has(&t, "node_netstat_Icmp_P 5"));
	CHECK(nettest_has(&t, "node_netstat_Icmp_Q 6"));
	CHECK(strstr(out, "Icmp_ ") == NULL);
	/* Go's ParseFloat has no hex without a p exponent. */
	CHECK(strstr(out, "TcpExt_Fine") == NULL);
	nettest_free(&t);
}

TEST(netstat_update_needs_netstat_and_snmp)
{
	struct nettest t;
	nettest_init(&t);
	CHECK(nettest_tree(&t) != NULL);
	CHECK(nettest_file(&t, "net/netstat", ns_netstat) == 0);
	const char *saved = exporter_paths.procfs;
	exporter_paths.procfs = t.dir;
	int rc = netstat_collector.update(&t.s);
	CHECK_INT(rc, -ENOENT);
	CHECK(nettest_file(&t, "net/snmp", ns_snmp) == 0);
	rc = netstat_collector.update(&t.s); /* snmp6 may be missing */
	exporter_paths.procfs = saved;
	CHECK_INT(rc, 0);
	nettest_free(&t);
}
