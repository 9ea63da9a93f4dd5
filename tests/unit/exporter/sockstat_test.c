/* collector/sockstat.c: sockstat and sockstat6 text. */
#include "../unit.h"
#include "nettest.h"

extern const struct collector sockstat_collector;

static const char ss4[] = "sockets: used 229\n"
			  "TCP: inuse 4 orphan 0 tw 4 alloc 17 mem 1\n"
			  "UDP: inuse 0 mem 0\n"
			  "UDPLITE: inuse 0\n"
			  "RAW: inuse 0\n"
			  "FRAG: inuse 0 memory 0\n";
static const char ss6[] = "TCP6: inuse 17\n"
			  "UDP6: inuse 9\n"
			  "UDPLITE6: inuse 0\n"
			  "RAW6: inuse 1\n"
			  "FRAG6: inuse 0 memory 0\n";

TEST(sockstat_fixture)
{
	struct nettest t;
	nettest_init(&t);
	static struct sockstat st4, st6;
	char *a = arena_strdup(&t.arena, ss4), *b = arena_strdup(&t.arena, ss6);
	CHECK(sockstat_parse(a, &st4) == 0);
	CHECK(sockstat_parse(b, &st6) == 0);
	sockstat_emit(&t.s, &st4, 0, 4096);
	sockstat_emit(&t.s, &st6, 1, 4096);
	CHECK(nettest_has(&t, "# TYPE node_sockstat_sockets_used gauge"));
	CHECK(nettest_has(&t, "node_sockstat_sockets_used 229"));
	CHECK(nettest_has(&t, "node_sockstat_TCP_inuse 4"));
	CHECK(nettest_has(&t, "node_sockstat_TCP_orphan 0"));
	CHECK(nettest_has(&t, "node_sockstat_TCP_tw 4"));
	CHECK(nettest_has(&t, "node_sockstat_TCP_alloc 17"));
	CHECK(nettest_has(&t, "node_sockstat_TCP_mem 1"));
	CHECK(nettest_has(&t, "node_sockstat_TCP_mem_bytes 4096"));
	CHECK(nettest_has(&t, "node_sockstat_UDP_mem_bytes 0"));
	CHECK(nettest_has(&t, "node_sockstat_FRAG_memory 0"));
	CHECK(nettest_has(&t, "node_sockstat_TCP6_inuse 17"));
	CHECK(nettest_has(&t, "node_sockstat_RAW6_inuse 1"));
	CHECK(strstr(nettest_text(&t), "UDPLITE_mem") == NULL);
	CHECK(strstr(nettest_text(&t), "FRAG_mem_bytes") == NULL);
	nettest_free(&t);
}

TEST(sockstat_go_numbers_and_malformed)
{
	static struct sockstat st;
	char hex[] = "TCP: inuse 0x10 tw 010\nsockets: nothing 1\n";
	CHECK(sockstat_parse(hex, &st) == 0);
	CHECK_INT(st.protos[0].v[0], 16);
	CHECK_INT(st.protos[0].v[2], 8);
	CHECK(st.has_used && st.used == 0);
	struct nettest big;
	nettest_init(&big);
	char huge[] = "TCP: inuse 1 mem 9223372036854775807\n";
	CHECK(sockstat_parse(huge, &st) == 0);
	sockstat_emit(&big.s, &st, 0, 4096); /* wraps as in Go, no overflow trap */
	CHECK(nettest_has(&big, "node_sockstat_TCP_mem_bytes -4096"));
	nettest_free(&big);
	/* Odd pairs, short lines, bad values, double spaces, blank lines:
	 * skipped, the good line stays. */
	char mixed[] = "ODD: inuse 1 tw\nSHORT: inuse\nBAD: inuse x\nTWO:  inuse 1\n\n"
		       "UDP: inuse 3\n";
	CHECK(sockstat_parse(mixed, &st) == 0);
	CHECK_INT(st.nprotos, 1);
	CHECK_STR(st.protos[0].name, "UDP");
	CHECK_INT(st.protos[0].v[0], 3);
	/* sockets_used belongs to the IPv4 file only. */
	struct nettest t;
	nettest_init(&t);
	char six[] = "sockets: used 5\nTCP6: inuse 1\n";
	CHECK(sockstat_parse(six, &st) == 0);
	sockstat_emit(&t.s, &st, 1, 4096);
	CHECK(strstr(nettest_text(&t), "sockets_used") == NULL);
	nettest_free(&t);
}

TEST(sockstat_update_tolerates_missing_files)
{
	struct nettest t;
	nettest_init(&t);
	CHECK(nettest_tree(&t) != NULL);
	const char *saved = exporter_paths.procfs;
	exporter_paths.procfs = t.dir;
	int none = sockstat_collector.update(&t.s);
	CHECK(nettest_file(&t, "net/sockstat6", ss6) == 0);
	int six = sockstat_collector.update(&t.s);
	CHECK(nettest_file(&t, "net/sockstat", "TCP: inuse\nsockets: used 3\n") == 0);
	int bad = sockstat_collector.update(&t.s);
	exporter_paths.procfs = saved;
	CHECK_INT(none, 0);
	CHECK_INT(six, 0);
	CHECK_INT(bad, 0);
	CHECK(nettest_has(&t, "node_sockstat_sockets_used 3"));
	CHECK(strstr(nettest_text(&t), "node_sockstat_TCP_") == NULL);
	CHECK(nettest_has(&t, "node_sockstat_UDP6_inuse 9"));
	nettest_free(&t);
}
