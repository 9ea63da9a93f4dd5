"""pharos-tsdb after kill -9: what was flushed is there, and the restarted
server is ready at once (no replay); SIGTERM flushes and exits 0."""
import os
import signal
import subprocess
import time

import pytest

from conftest import free_port, http_get, wait_http
from test_tsdb_api import TSDB, Target, api, wait_query, write_config

pytestmark = pytest.mark.skipif(not os.path.exists(TSDB), reason=f"{TSDB} is not built")


def start(tmp_path, cfg, port, flush="1s"):
    log = open(tmp_path / f"tsdb-{port}.log", "a")
    p = subprocess.Popen([TSDB, f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path}/data",
                          f"--storage.tsdb.flush-interval={flush}",
                          f"--web.listen-address=127.0.0.1:{port}"],
                         stdout=log, stderr=subprocess.STDOUT)
    return p


def count(port, q):
    st, j = api(port, "/api/v1/query", {"query": q})
    assert st == 200, j
    r = j["data"]["result"]
    return float(r[0]["value"][1]) if r else 0


def test_kill9_keeps_flushed_samples_and_restarts_ready(tmp_path):
    t = Target()
    cfg = tmp_path / "prometheus.yml"
    write_config(cfg, t.port)
    port = free_port()
    p = start(tmp_path, cfg, port)
    try:
        wait_http(f"http://127.0.0.1:{port}/-/ready", proc=p, want_status=200)
        wait_query(port, 'count_over_time(py_gauge{kind="a"}[10m])',
                   lambda r: r and float(r[0]["value"][1]) >= 5, timeout=20)
        # what is visible 2 flush intervals before the kill is durable
        before = count(port, 'count_over_time(py_gauge{kind="a"}[10m])')
        oldest = count(port, 'min_over_time(timestamp(py_gauge{kind="a"})[10m:1s])')
        time.sleep(2.2)
        p.send_signal(signal.SIGKILL)
        p.wait(5)
        t0 = time.time()
        p = start(tmp_path, cfg, port)
        wait_http(f"http://127.0.0.1:{port}/-/ready", proc=p, want_status=200, timeout=5)
        ready_after = time.time() - t0
        assert ready_after < 2.0, f"ready after {ready_after:.2f}s"
        after = count(port, 'count_over_time(py_gauge{kind="a"}[10m])')
        assert after >= before, (before, after)
        assert count(port, 'min_over_time(timestamp(py_gauge{kind="a"})[10m:1s])') == oldest
        # and it goes on scraping into the same series
        wait_query(port, 'count_over_time(py_gauge{kind="a"}[10m])',
                   lambda r: r and float(r[0]["value"][1]) > after, timeout=10)
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            rc = p.wait(15)
            assert rc == 0, open(tmp_path / f"tsdb-{port}.log").read()
        t.close()


def test_sigterm_flushes_without_staleness_markers(tmp_path):
    t = Target()
    cfg = tmp_path / "prometheus.yml"
    write_config(cfg, t.port)
    port = free_port()
    p = start(tmp_path, cfg, port, flush="1h")
    wait_http(f"http://127.0.0.1:{port}/-/ready", proc=p, want_status=200)
    wait_query(port, 'py_gauge{kind="a"}', lambda r: len(r) == 1)
    before = count(port, 'count(py_gauge)')
    p.send_signal(signal.SIGTERM)
    assert p.wait(15) == 0
    t.close()
    # with an hour's flush interval only the clean shutdown made them durable
    p = start(tmp_path, cfg, port)
    try:
        wait_http(f"http://127.0.0.1:{port}/-/ready", proc=p, want_status=200)
        assert count(port, 'count_over_time(py_gauge{kind="a"}[10m])') >= 1
        # as Prometheus, no staleness markers at shutdown: the last sample
        # stays visible for the lookback delta, so a quick restart leaves
        # no gap in the series
        assert count(port, 'count(py_gauge)') == before
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(15) == 0
