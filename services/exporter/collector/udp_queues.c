/* udp_queues: node_udp_queues{queue="rx|tx",ip="v4|v6"}, the bytes queued in
 * all UDP sockets, summed from /proc/net/udp and /proc/net/udp6. */
#include <errno.h>
#include <string.h>

#include "../collector.h"
#include "../netcollectors.h"
#include "../netutil.h"

/* A malformed line is skipped (prometheus/procfs fails the file). */
int udp_queues_line(char *line, void *ctx)
{
	struct udp_queues_sum *sum = ctx;
	if (sum->line++ == 0)
		return 0;
	struct netutil_sock sk;
	if (netutil_parse_sock_line(line, &sk) != 0)
		return 0;
	sum->tx += (double)sk.tx_queue;
	sum->rx += (double)sk.rx_queue;
	return 0;
}

static int udp_queues_update(struct scrape *s)
{
	static const char *const files[2] = { "net/udp", "net/udp6" };
	static const char *const ips[2] = { "v4", "v6" };
	int missing = 0;
	for (int i = 0; i < 2; i++) {
		struct udp_queues_sum sum = { 0 };
		int rc = netutil_each_line(cpath(s, exporter_paths.procfs, "%s", files[i]),
					   udp_queues_line, &sum);
		if (rc == -ENOENT) {
			missing++;
			continue;
		}
		if (rc < 0)
			return rc;
		struct mfamily *f = mset_family(s->ms, "node_udp_queues",
						"Bytes waiting in the receive (rx) and send (tx) "
						"queues of all UDP sockets.",
						METRIC_GAUGE);
		const char *names[2] = { "queue", "ip" };
		const char *tx[2] = { "tx", ips[i] }, *rx[2] = { "rx", ips[i] };
		mset_add(s->ms, f, sum.tx, 2, names, tx);
		mset_add(s->ms, f, sum.rx, 2, names, rx);
	}
	return missing == 2 ? -ENOENT : 0;
}

const struct collector udp_queues_collector = { "udp_queues", 1, udp_queues_update, NULL,
						NULL };
