/* collector/udp_queues.c: summing /proc/net/udp{,6}. */
#include "../unit.h"
#include "nettest.h"

extern const struct collector udp_queues_collector;

static const char udp4[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
	"timeout inode\n"
	"   0: 00000000:0016 00000000:0000 0A 00000015:00000000 00:00000000 00000000     0        "
	"0 2740 1 ffff88003d3af3c0 100 0 0 10 0\n"
	"   1: 0100007F:0035 00000000:0000 07 00000001:00000100 00:00000000 00000000   101        "
	"0 2741 2 ffff88003d3af3c0 0\n";

TEST(udp_queues_sums_lines)
{
	struct udp_queues_sum sum = { 0 };
	char *copy = strdup(udp4), *p = copy, *line;
	while ((line = next_line(&p)) != NULL)
		CHECK(udp_queues_line(line, &sum) == 0);
	free(copy);
	CHECK_DBL(sum.tx, 0x16);
	CHECK_DBL(sum.rx, 0x100);
	char bad[] = "   2: zz:0016 00000000:0000 07 0:0 00:0 0 0 0 1";
	CHECK(udp_queues_line(bad, &sum) == 0); /* skipped */
	CHECK_DBL(sum.tx, 0x16);
}

TEST(udp_queues_update_v4_v6_and_missing)
{
	struct nettest t;
	nettest_init(&t);
	CHECK(nettest_tree(&t) != NULL);
	const char *saved = exporter_paths.procfs;
	exporter_paths.procfs = t.dir;
	int none = udp_queues_collector.update(&t.s);
	CHECK(nettest_file(&t, "net/udp", udp4) == 0);
	int v4 = udp_queues_collector.update(&t.s);
	exporter_paths.procfs = saved;
	CHECK_INT(none, -ENOENT);
	CHECK_INT(v4, 0);
	CHECK(nettest_has(&t, "node_udp_queues{ip=\"v4\",queue=\"tx\"} 22"));
	CHECK(nettest_has(&t, "node_udp_queues{ip=\"v4\",queue=\"rx\"} 256"));
	CHECK(strstr(nettest_text(&t), "v6") == NULL);
	nettest_free(&t);

	nettest_init(&t);
	CHECK(nettest_tree(&t) != NULL);
	CHECK(nettest_file(&t, "net/udp", udp4) == 0);
	CHECK(nettest_file(&t, "net/udp6", "header only\n") == 0);
	exporter_paths.procfs = t.dir;
	int both = udp_queues_collector.update(&t.s);
	CHECK(nettest_file(&t, "net/udp6", "header\nbroken line\n") == 0);
	int broken = udp_queues_collector.update(&t.s);
	exporter_paths.procfs = saved;
	CHECK_INT(both, 0);
	CHECK_INT(broken, 0);
	CHECK(nettest_has(&t, "node_udp_queues{ip=\"v6\",queue=\"rx\"} 0"));
	nettest_free(&t);
}
