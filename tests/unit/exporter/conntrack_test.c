/* collector/conntrack.c: the per-CPU statistics and the two counters. */
#include "../unit.h"
#include "nettest.h"

extern const struct collector conntrack_collector;

static const char ct_stat[] =
	"entries  searched found new invalid ignore delete delete_list insert insert_failed drop "
	"early_drop icmp_error  expect_new expect_create expect_delete search_restart\n"
	"00000021  00000000 00000000 00000000 00000003 0000588a 00000000 00000000 00000000 "
	"00000000 00000000 00000000 00000000  00000000 00000000 00000000 00000000\n"
	"00000021  00000000 00000000 00000000 00000002 000056a4 00000000 00000000 00000000 "
	"00000000 00000000 00000000 00000000  00000000 00000000 00000000 00000002\n"
	"00000021  00000000 00000001 00000000 0000002f 00005688 00000000 00000000 00000005 "
	"00000006 00000007 00000008 00000000  00000000 00000000 00000000 00000004\n";

TEST(conntrack_stat_sums)
{
	double s[CONNTRACK_NSTATS];
	char *text = strdup(ct_stat);
	CHECK(conntrack_parse_stat(text, s) == 0);
	free(text);
	CHECK_DBL(s[0], 1);                         /* found */
	CHECK_DBL(s[1], 3 + 2 + 0x2f);              /* invalid */
	CHECK_DBL(s[2], 0x588a + 0x56a4 + 0x5688);  /* ignore */
	CHECK_DBL(s[3], 5);                         /* insert */
	CHECK_DBL(s[4], 6);                         /* insert_failed */
	CHECK_DBL(s[5], 7);                         /* drop */
	CHECK_DBL(s[6], 8);                         /* early_drop */
	CHECK_DBL(s[7], 6);                         /* search_restart */
	/* Short lines and lines with a non-hex column are skipped. */
	char mixed[] = "header\n0 0 0\n0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 xyz\n"
		       "0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
	CHECK(conntrack_parse_stat(mixed, s) == 0);
	CHECK_DBL(s[0], 1);
	char headeronly[] = "h\n";
	CHECK(conntrack_parse_stat(headeronly, s) == 0 && s[2] == 0);
}

TEST(conntrack_update_order_and_failures)
{
	struct nettest t;
	nettest_init(&t);
	CHECK(nettest_tree(&t) != NULL);
	const char *saved = exporter_paths.procfs;
	exporter_paths.procfs = t.dir;
	int unloaded = conntrack_collector.update(&t.s);
	CHECK(nettest_file(&t, "sys/net/netfilter/nf_conntrack_count", "123\n") == 0);
	CHECK(nettest_file(&t, "sys/net/netfilter/nf_conntrack_max", "65536\n") == 0);
	int nostat = conntrack_collector.update(&t.s);
	CHECK(nettest_file(&t, "net/stat/nf_conntrack", ct_stat) == 0);
	int ok = conntrack_collector.update(&t.s);
	CHECK(nettest_file(&t, "sys/net/netfilter/nf_conntrack_max", "lots\n") == 0);
	int bad = conntrack_collector.update(&t.s);
	exporter_paths.procfs = saved;
	CHECK_INT(unloaded, -ENOENT);
	CHECK_INT(nostat, -ENOENT);
	CHECK_INT(ok, 0);
	CHECK_INT(bad, -EINVAL);
	CHECK(nettest_has(&t, "node_nf_conntrack_entries 123"));
	CHECK(nettest_has(&t, "node_nf_conntrack_entries_limit 65536"));
	CHECK(nettest_has(&t, "node_nf_conntrack_stat_ignore 66998"));
	CHECK(nettest_has(&t, "node_nf_conntrack_stat_search_restart 6"));
	CHECK(nettest_has(&t, "# TYPE node_nf_conntrack_stat_drop gauge"));
	nettest_free(&t);
}
