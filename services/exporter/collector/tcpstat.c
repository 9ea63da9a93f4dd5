/* tcpstat (off by default): node_tcp_connection_states{state}, the number of
 * TCP sockets per state plus the bytes in their receive and send queues
 * (states "rx_queued_bytes", "tx_queued_bytes"), over IPv4 and, when
 * /proc/net/tcp6 exists, IPv6.
 *
 * Like node_exporter 1.5 the sockets are dumped with netlink sock_diag.
 * Where netlink is not available (a sandbox that forbids it) pharos falls
 * back to /proc/net/tcp{,6}; the counts are the same, but there a listening
 * socket's send queue is 0 where sock_diag reports its backlog limit. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "../collector.h"
#include "../netcollectors.h"
#include "../netlink.h"
#include "../netutil.h"

/* node_exporter's keys: TCP states 1..11, then 12 and 13 stand for the
 * queued bytes; every other number prints as "unknown". */
#define TCPSTAT_RX_QUEUED 12
#define TCPSTAT_TX_QUEUED 13

static const char *const tcpstat_names[14] = {
	NULL, "established", "syn_sent", "syn_recv", "fin_wait1", "fin_wait2", "time_wait",
	"close", "close_wait", "last_ack", "listen", "closing", "rx_queued_bytes",
	"tx_queued_bytes",
};

void tcpstat_init(struct tcpstat_counts *c)
{
	memset(c, 0, sizeof *c);
	c->have[TCPSTAT_RX_QUEUED] = c->have[TCPSTAT_TX_QUEUED] = 1;
}

/* Count one socket. A state of 12 or 13 lands on the queued-bytes keys,
 * as it does in node_exporter (the kernel reports no such states here). */
static void tcpstat_count(struct tcpstat_counts *c, unsigned state, double rq, double wq)
{
	c->v[TCPSTAT_TX_QUEUED] += wq;
	c->v[TCPSTAT_RX_QUEUED] += rq;
	state &= 0xff;
	c->v[state]++;
	c->have[state] = 1;
}

/* struct inet_diag_msg: the state at byte 1, the receive and send queues
 * at bytes 56 and 60. Other messages are skipped. */
int tcpstat_diag_msg(const struct nl_msg *m, void *ctx)
{
	if (m->type != NL_SOCK_DIAG_BY_FAMILY || m->len < NL_INET_DIAG_MSG_LEN)
		return 0;
	uint32_t rq, wq;
	memcpy(&rq, m->data + 56, 4);
	memcpy(&wq, m->data + 60, 4);
	tcpstat_count(ctx, m->data[1], rq, wq);
	return 0;
}

int tcpstat_proc_line(char *line, void *ctx)
{
	struct tcpstat_proc *p = ctx;
	if (p->line++ == 0)
		return 0;
	struct netutil_sock sk;
	if (netutil_parse_sock_line(line, &sk) != 0)
		return 0; /* skipped */
	tcpstat_count(p->c, (unsigned)(sk.state > 255 ? 255 : sk.state), (double)sk.rx_queue,
		      (double)sk.tx_queue);
	return 0;
}

/* Keys 0 and 14..255 all print as "unknown" (node_exporter would print
 * one series per key, all with the same label); pharos sums them. */
void tcpstat_emit(struct scrape *s, const struct tcpstat_counts *c)
{
	struct mfamily *f = mset_family(s->ms, "node_tcp_connection_states",
					"TCP sockets per state, and the bytes queued in them.",
					METRIC_GAUGE);
	const char *ln = "state";
	double unknown = 0;
	int has_unknown = 0;
	for (int k = 0; k < 256; k++) {
		if (!c->have[k])
			continue;
		if (k >= 1 && k <= 13) {
			mset_add(s->ms, f, c->v[k], 1, &ln, &tcpstat_names[k]);
		} else {
			unknown += c->v[k];
			has_unknown = 1;
		}
	}
	if (has_unknown) {
		const char *lv = "unknown";
		mset_add(s->ms, f, unknown, 1, &ln, &lv);
	}
}

static int tcpstat_netlink(int family, struct tcpstat_counts *c)
{
	unsigned char req[NL_INET_DIAG_REQ_LEN] = { 0 };
	uint32_t states = 0xfff; /* every TCP state */
	req[0] = (unsigned char)family;
	req[1] = 6; /* IPPROTO_TCP */
	memcpy(req + 4, &states, 4);
	return nl_request(NL_PROTO_SOCK_DIAG, NL_SOCK_DIAG_BY_FAMILY, NL_F_REQUEST | NL_F_DUMP, req,
			  sizeof req, tcpstat_diag_msg, c);
}

static int tcpstat_procfs(struct scrape *s, const char *file, struct tcpstat_counts *c)
{
	struct tcpstat_proc p = { c, 0 };
	return netutil_each_line(cpath(s, exporter_paths.procfs, "%s", file), tcpstat_proc_line,
				 &p);
}

static int tcpstat_update(struct scrape *s)
{
	struct tcpstat_counts *c = arena_alloc(s->arena, sizeof *c);
	struct stat st;
	int v6 = stat(cpath(s, exporter_paths.procfs, "net/tcp6"), &st) == 0;
	tcpstat_init(c);
	int rc = tcpstat_netlink(AF_INET, c);
	if (rc == 0 && v6)
		rc = tcpstat_netlink(AF_INET6, c);
	if (rc < 0) {
		/* No sock_diag here: count from /proc/net/tcp{,6} instead. */
		tcpstat_init(c);
		int prc = tcpstat_procfs(s, "net/tcp", c);
		if (prc == 0 && v6)
			prc = tcpstat_procfs(s, "net/tcp6", c);
		if (prc < 0)
			return rc;
	}
	tcpstat_emit(s, c);
	return 0;
}

const struct collector tcpstat_collector = { "tcpstat", 0, tcpstat_update, NULL, NULL };
