/* collector/arp.c: counting /proc/net/arp entries per device. */
#include "../unit.h"
#include "nettest.h"

extern const struct collector arp_collector;

static const char arp_text[] =
	"IP address       HW type     Flags       HW address            Mask     Device\n"
	"192.168.1.1    0x1         0x2         cc:aa:dd:ee:aa:bb     *        eth0\n"
	"192.168.1.2    0x1         0x2         bb:cc:dd:ee:ff:aa     *        eth0\n"
	"192.168.1.4    0x1         0x2         dd:ee:ff:aa:bb:cc     *        eth1\n"
	"10.0.0.1       0x1         0x2         de:ad:be:ef:00:00     *        nope\n";

TEST(arp_counts_per_device)
{
	struct nettest t;
	nettest_init(&t);
	struct arp_count *c;
	int n = arp_parse(&t.s, arena_strdup(&t.arena, arp_text), &c);
	CHECK_INT(n, 3);
	CHECK_STR(c[0].device, "eth0");
	CHECK_DBL(c[0].n, 2);
	CHECK_STR(c[1].device, "eth1");
	CHECK_STR(c[2].device, "nope");
	/* Short and blank lines are skipped; the others still count. */
	char shortline[] = "IP address HW type Flags HW address Mask Device\n1.2.3.4 0x1 0x2 aa *\n"
			   "\n1.2.3.5 0x1 0x2 aa:bb:cc:dd:ee:ff * eth0\n";
	CHECK_INT(arp_parse(&t.s, shortline, &c), 1);
	CHECK_STR(c[0].device, "eth0");
	CHECK_DBL(c[0].n, 1);
	char empty[] = "";
	CHECK_INT(arp_parse(&t.s, empty, &c), 0);
	nettest_free(&t);
}

TEST(arp_many_devices)
{
	struct nettest t;
	nettest_init(&t);
	struct buf b = BUF_INIT;
	for (int i = 0; i < 3000; i++)
		buf_printf(&b, "10.0.%d.%d 0x1 0x2 aa:bb:cc:dd:ee:ff * veth%d\n", i / 250, i % 250,
			   i % 1000);
	struct arp_count *c;
	int n = arp_parse(&t.s, b.p, &c);
	CHECK_INT(n, 1000);
	CHECK_STR(c[999].device, "veth999");
	CHECK_DBL(c[999].n, 3);
	CHECK_DBL(c[0].n, 3);
	buf_free(&b);
	nettest_free(&t);
}

TEST(arp_update_with_exclude)
{
	struct nettest t;
	nettest_init(&t);
	CHECK(nettest_tree(&t) != NULL);
	CHECK(nettest_file(&t, "net/arp", arp_text) == 0);
	const char **exclude = arp_collector.flags[1].dest;
	const char *old = *exclude;
	*exclude = "nope";
	int setup = arp_collector.setup();
	const char *saved = exporter_paths.procfs;
	exporter_paths.procfs = t.dir;
	int rc = arp_collector.update(&t.s);
	exporter_paths.procfs = saved;
	*exclude = old;
	CHECK_INT(setup, 0);
	CHECK_INT(rc, 0);
	CHECK(nettest_has(&t, "# TYPE node_arp_entries gauge"));
	CHECK(nettest_has(&t, "node_arp_entries{device=\"eth0\"} 2"));
	CHECK(nettest_has(&t, "node_arp_entries{device=\"eth1\"} 1"));
	CHECK(strstr(nettest_text(&t), "nope") == NULL);
	/* setup() is not run again: the filter stays for the program's life,
	 * as it does in pharos-exporter. */
	nettest_free(&t);
}
