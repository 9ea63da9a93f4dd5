"""pharos-exporter's tcpstat collector against node_exporter 1.5 on this
machine: both ask the same kernel, so the states and the queued bytes must
agree. Connections come and go between two scrapes (other tests run on this
host too), so the reference is scraped before and after pharos and the
comparison is retried until it lands in a quiet moment."""
import os
import re
import socket
import time

import pytest

from conftest import BIN, Daemon, free_port, http_get

REF = "/usr/bin/prometheus-node-exporter"
FLAGS = ["--collector.disable-defaults", "--collector.tcpstat"]

pytestmark = pytest.mark.skipif(not os.access(REF, os.X_OK),
                                reason=f"{REF} (node_exporter 1.5.0) is not installed")

LINE = re.compile(r'node_tcp_connection_states\{state="([a-z0-9_]+)"\} (\S+)$')


def states(d):
    status, _, body = http_get(d.url("/metrics"))
    assert status == 200
    text = body.decode()
    assert 'node_scrape_collector_success{collector="tcpstat"} 1' in text
    assert "# TYPE node_tcp_connection_states gauge" in text
    return {m.group(1): float(m.group(2))
            for m in map(LINE.match, text.splitlines()) if m}


def consistent(before, ours, after):
    """ours was taken between before and after; scrapes leave their own
    connections in time_wait, so that count may only grow."""
    for state in set(before) | set(ours) | set(after):
        b, o, a = (x.get(state, 0.0) for x in (before, ours, after))
        if state == "time_wait":
            if not b <= o <= a:
                return False
        elif not b == o == a:
            return False
    return set(ours) >= set(before) and set(ours) <= set(after) | set(before)


def test_tcpstat_matches_node_exporter(daemon):
    # Sockets this test owns: a listener with a backlog of 17 and an
    # established pair with 1000 bytes waiting to be read.
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(17)
    cli = socket.create_connection(srv.getsockname())
    acc, _ = srv.accept()
    cli.sendall(b"x" * 1000)
    ref = None
    try:
        ours = daemon([os.path.join(BIN, "pharos-exporter")] + FLAGS)
        port = free_port()
        ref = Daemon([REF] + FLAGS + [f"--web.listen-address=127.0.0.1:{port}"], port)
        last = None
        for _ in range(30):
            before, mine, after = states(ref), states(ours), states(ref)
            assert mine.keys() >= {"rx_queued_bytes", "tx_queued_bytes", "listen",
                                   "established"}
            assert mine["rx_queued_bytes"] >= 1000
            if consistent(before, mine, after):
                return
            last = (before, mine, after)
            time.sleep(0.2)
        pytest.fail(f"no consistent sample in 30 tries; last: reference {last[0]}, "
                    f"pharos {last[1]}, reference {last[2]}")
    finally:
        if ref is not None:
            ref.stop()  # node_exporter dies of SIGTERM: its status is not checked
        for s in (cli, acc, srv):
            s.close()
