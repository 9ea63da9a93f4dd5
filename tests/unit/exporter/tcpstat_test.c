/* collector/tcpstat.c: counting sockets from /proc/net/tcp text and from
 * sock_diag replies. */
#include "../unit.h"
#include "nettest.h"

extern const struct collector tcpstat_collector;

static const char tcp_text[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
	"timeout inode\n"
	"   0: 00000000:0016 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        "
	"0 12345 1 0000000000000000 100 0 0 10 0\n"
	"   1: 0100007F:1F90 0100007F:C350 01 00000010:00000020 00:00000000 00000000  1000        "
	"0 12346 1 0000000000000000 20 4 30 10 -1\n"
	"   2: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        "
	"0 12347 1 0000000000000000 20 4 30 10 -1\n"
	"   3: 0100007F:C351 0100007F:1F90 06 00000000:00000000 03:00000100 00000000     0        "
	"0 0 3 0000000000000000\n";

TEST(tcpstat_proc_text)
{
	struct nettest t;
	nettest_init(&t);
	static struct tcpstat_counts c;
	tcpstat_init(&c);
	struct tcpstat_proc p = { &c, 0 };
	char *text = arena_strdup(&t.arena, tcp_text), *line;
	while ((line = next_line(&text)) != NULL)
		CHECK(tcpstat_proc_line(line, &p) == 0);
	tcpstat_emit(&t.s, &c);
	CHECK(nettest_has(&t, "# TYPE node_tcp_connection_states gauge"));
	CHECK(nettest_has(&t, "node_tcp_connection_states{state=\"listen\"} 1"));
	CHECK(nettest_has(&t, "node_tcp_connection_states{state=\"established\"} 2"));
	CHECK(nettest_has(&t, "node_tcp_connection_states{state=\"time_wait\"} 1"));
	CHECK(nettest_has(&t, "node_tcp_connection_states{state=\"tx_queued_bytes\"} 16"));
	CHECK(nettest_has(&t, "node_tcp_connection_states{state=\"rx_queued_bytes\"} 35"));
	CHECK(strstr(nettest_text(&t), "close_wait") == NULL);
	char bad[] = "   4: 0100007F:C351 0100007F:1F90 06";
	CHECK(tcpstat_proc_line(bad, &p) == 0); /* skipped */
	CHECK_DBL(c.v[6], 1);
	nettest_free(&t);
}

static struct nl_msg diag(unsigned char b[NL_INET_DIAG_MSG_LEN], unsigned state, uint32_t rq,
			  uint32_t wq)
{
	memset(b, 0, NL_INET_DIAG_MSG_LEN);
	b[0] = 2; /* AF_INET */
	b[1] = (unsigned char)state;
	memcpy(b + 56, &rq, 4);
	memcpy(b + 60, &wq, 4);
	return (struct nl_msg){ NL_SOCK_DIAG_BY_FAMILY, 2, b, NL_INET_DIAG_MSG_LEN };
}

TEST(tcpstat_diag_messages)
{
	struct nettest t;
	nettest_init(&t);
	static struct tcpstat_counts c;
	tcpstat_init(&c);
	unsigned char b[NL_INET_DIAG_MSG_LEN];
	struct nl_msg m = diag(b, 10, 0, 4096); /* a listener reports its backlog limit */
	CHECK(tcpstat_diag_msg(&m, &c) == 0);
	m = diag(b, 1, 5, 7);
	tcpstat_diag_msg(&m, &c);
	m = diag(b, 0, 0, 0); /* no such state: "unknown" */
	tcpstat_diag_msg(&m, &c);
	m = diag(b, 200, 0, 0);
	tcpstat_diag_msg(&m, &c);
	m = diag(b, 12, 0, 0); /* lands on rx_queued_bytes, as in node_exporter */
	tcpstat_diag_msg(&m, &c);
	m = diag(b, 1, 0, 0);
	m.len = 40; /* too short: skipped */
	tcpstat_diag_msg(&m, &c);
	m = diag(b, 1, 0, 0);
	m.type = 3;
	tcpstat_diag_msg(&m, &c);
	tcpstat_emit(&t.s, &c);
	CHECK(nettest_has(&t, "node_tcp_connection_states{state=\"listen\"} 1"));
	CHECK(nettest_has(&t, "node_tcp_connection_states{state=\"established\"} 1"));
	CHECK(nettest_has(&t, "node_tcp_connection_states{state=\"unknown\"} 2"));
	CHECK(nettest_has(&t, "node_tcp_connection_states{state=\"tx_queued_bytes\"} 4103"));
	CHECK(nettest_has(&t, "node_tcp_connection_states{state=\"rx_queued_bytes\"} 6"));
	nettest_free(&t);
}

TEST(tcpstat_update_on_this_kernel)
{
	struct nettest t;
	nettest_init(&t);
	int rc = tcpstat_collector.update(&t.s);
	CHECK_INT(rc, 0);
	/* Whatever the sockets, the queued-bytes series are always there. */
	CHECK(strstr(nettest_text(&t), "{state=\"tx_queued_bytes\"}") != NULL);
	CHECK(strstr(nettest_text(&t), "{state=\"rx_queued_bytes\"}") != NULL);
	nettest_free(&t);
}
