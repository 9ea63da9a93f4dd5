"""Remote write between pharos-tsdb and Debian's Prometheus 2.42, both ways,
and hostile bodies against pharos-tsdb's receiver.

- pharos-tsdb scrapes itself and remote-writes to a Prometheus started
  with --web.enable-remote-write-receiver: the series (with pharos's
  external labels) must be queryable in Prometheus.
- Prometheus scrapes itself and remote-writes to pharos-tsdb started with
  --web.enable-remote-write-receiver: the series must be queryable in
  pharos-tsdb, and Prometheus must report no failed samples.
- Corrupt, truncated and out-of-order bodies get 400 and leave the store
  as it was.
"""
import json
import os
import struct
import tempfile
import time
import urllib.parse
import urllib.request

import pytest

from conftest import ASAN_BIN, BIN, http_get

PROMETHEUS = "/usr/bin/prometheus"


def pharos_tsdb():
    for d in (ASAN_BIN, BIN):
        p = os.path.join(d, "pharos-tsdb")
        if os.access(p, os.X_OK):
            return p
    pytest.skip("pharos-tsdb is not built (services/tsdb/main.c absent?)")


def need_prometheus():
    if not os.access(PROMETHEUS, os.X_OK):
        pytest.skip(f"{PROMETHEUS} is not installed")


def query(d, expr):
    q = urllib.parse.urlencode({"query": expr})
    st, _, body = http_get(d.url("/api/v1/query?" + q))
    assert st == 200, body
    return json.loads(body)["data"]["result"]


def wait_result(d, expr, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = query(d, expr)
        if r:
            return r
        time.sleep(0.5)
    return []


def start_prometheus(daemon, tmp, config):
    cfg = os.path.join(tmp, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write(config)
    return daemon([PROMETHEUS, f"--config.file={cfg}",
                   f"--storage.tsdb.path={os.path.join(tmp, 'prom-data')}",
                   "--web.enable-remote-write-receiver"])


def start_pharos(daemon, tmp, config, port=None, receiver=True):
    cfg = os.path.join(tmp, "pharos.yml")
    with open(cfg, "w") as f:
        f.write(config)
    argv = [pharos_tsdb(), f"--config.file={cfg}",
            f"--storage.tsdb.path={os.path.join(tmp, 'pharos-data')}"]
    if receiver:
        argv.append("--web.enable-remote-write-receiver")
    return daemon(argv, port=port)


def test_pharos_remote_writes_to_prometheus(daemon):
    need_prometheus()
    pharos_tsdb()
    with tempfile.TemporaryDirectory() as tmp:
        prom = start_prometheus(daemon, tmp, "global:\n  scrape_interval: 1m\n")
        from conftest import free_port
        port = free_port()
        pharos = start_pharos(daemon, tmp, f"""
global:
  scrape_interval: 1s
  external_labels:
    replica: pharos-a
scrape_configs:
  - job_name: pharos-self
    static_configs:
      - targets: ['127.0.0.1:{port}']
remote_write:
  - url: {prom.url('/api/v1/write')}
    name: to-prom
    queue_config:
      batch_send_deadline: 1s
      max_samples_per_send: 100
    write_relabel_configs:
      - source_labels: [__name__]
        regex: 'scrape_.*'
        action: drop
""", port=port, receiver=False)
        r = wait_result(prom, 'up{job="pharos-self"}')
        assert r, "no up series from pharos in Prometheus:\n" + pharos.output()[-3000:]
        m = r[0]["metric"]
        assert m["replica"] == "pharos-a"
        assert m["instance"] == f"127.0.0.1:{port}"
        assert r[0]["value"][1] == "1"
        # Several scrapes arrive, in order (Prometheus would refuse
        # out-of-order samples and pharos would count them failed).
        time.sleep(3)
        n = query(prom, 'count_over_time(up{job="pharos-self"}[1m])')
        assert n and float(n[0]["value"][1]) >= 3
        # write_relabel_configs dropped the scrape_* series.
        assert query(prom, '{__name__=~"scrape_.*", job="pharos-self"}') == []
        # pharos's own metrics: sent, nothing failed.
        st, _, body = http_get(pharos.url("/metrics"))
        text = body.decode()
        assert 'prometheus_remote_storage_samples_total{remote_name="to-prom"' in text
        for line in text.splitlines():
            if line.startswith("prometheus_remote_storage_samples_failed_total{"):
                assert line.endswith(" 0"), line
        # pharos stops first (its queue drains to a live receiver) and
        # exits 0.
        assert pharos.stop() == 0, pharos.output()[-3000:]


def test_prometheus_remote_writes_to_pharos(daemon):
    need_prometheus()
    pharos_tsdb()
    with tempfile.TemporaryDirectory() as tmp:
        pharos = start_pharos(daemon, tmp, "global:\n  scrape_interval: 1m\n")
        from conftest import free_port
        port = free_port()
        cfg = os.path.join(tmp, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write(f"""
global:
  scrape_interval: 1s
  external_labels:
    source: prom
scrape_configs:
  - job_name: prom-self
    static_configs:
      - targets: ['127.0.0.1:{port}']
remote_write:
  - url: {pharos.url('/api/v1/write')}
    queue_config:
      batch_send_deadline: 1s
""")
        prom = daemon([PROMETHEUS, f"--config.file={cfg}",
                       f"--storage.tsdb.path={os.path.join(tmp, 'prom-data')}"], port=port)
        r = wait_result(pharos, 'up{job="prom-self"}', timeout=40)
        assert r, "no up series from Prometheus in pharos:\n" + pharos.output()[-3000:]
        assert r[0]["metric"]["source"] == "prom"
        # Many series of many kinds (histograms' buckets, summaries) land.
        n = query(pharos, 'count({job="prom-self"})')
        assert n and float(n[0]["value"][1]) > 100
        time.sleep(3)
        st, _, body = http_get(prom.url("/metrics"))
        failed = sent = 0.0
        for line in body.decode().splitlines():
            if line.startswith("prometheus_remote_storage_samples_failed_total{"):
                failed += float(line.rsplit(" ", 1)[1])
            if line.startswith("prometheus_remote_storage_samples_total{"):
                sent += float(line.rsplit(" ", 1)[1])
        assert sent > 0
        assert failed == 0, "Prometheus saw failed sends:\n" + pharos.output()[-3000:]


# ---- hand-built bodies (no snappy module in Debian's python3: literal-only
# blocks are valid snappy) ----

def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def field(num, wt, payload):
    if wt == 2:
        return varint(num << 3 | 2) + varint(len(payload)) + payload
    return varint(num << 3 | wt) + payload


def series(labels, samples):
    b = b""
    for k, v in labels:
        b += field(1, 2, field(1, 2, k.encode()) + field(2, 2, v.encode()))
    for v, t in samples:
        b += field(2, 2, field(1, 1, struct.pack("<d", v)) + field(2, 0, varint(t & (2**64 - 1))))
    return field(1, 2, b)


def snappy_literal(data):
    out = varint(len(data))
    pos = 0
    while pos < len(data):
        chunk = data[pos:pos + 60]
        out += bytes([(len(chunk) - 1) << 2]) + chunk
        pos += len(chunk)
    return out


def post(d, body):
    req = urllib.request.Request(d.url("/api/v1/write"), data=body, method="POST", headers={
        "Content-Encoding": "snappy", "Content-Type": "application/x-protobuf",
        "X-Prometheus-Remote-Write-Version": "0.1.0"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_pharos_receiver_bad_input(daemon):
    pharos_tsdb()
    with tempfile.TemporaryDirectory() as tmp:
        pharos = start_pharos(daemon, tmp, "global:\n  scrape_interval: 1m\n")
        now = int(time.time() * 1000)
        good = series([("__name__", "rw_test"), ("job", "t")], [(1.0, now - 2000), (2.0, now - 1000)])
        assert post(pharos, snappy_literal(good))[0] == 204
        # Unsorted labels and unknown fields are accepted.
        odd = series([("job", "t"), ("__name__", "rw_odd")], [(5.0, now - 1000)]) + \
            field(15, 0, varint(7)) + field(3, 2, b"\x08\x01")
        assert post(pharos, snappy_literal(odd))[0] == 204
        # Out of order: 400 with Prometheus's text; the other series of the
        # request is not stored.
        ooo = series([("__name__", "rw_new")], [(1.0, now)]) + \
            series([("__name__", "rw_test"), ("job", "t")], [(3.0, now - 5000)])
        st, body = post(pharos, snappy_literal(ooo))
        assert st == 400 and b"out of order sample" in body
        # Corrupt snappy, truncated protobuf, declared size too large.
        assert post(pharos, b"\xff\xff\xff")[0] == 400
        assert post(pharos, snappy_literal(good[:-3]))[0] == 400
        assert post(pharos, b"\xff\xff\xff\xff\x0f")[0] == 400
        assert post(pharos, b"")[0] == 400
        # The store is as it was.
        r = query(pharos, "rw_test")
        assert len(r) == 1 and r[0]["value"][1] == "2"
        assert query(pharos, "rw_odd")[0]["metric"] == {"__name__": "rw_odd", "job": "t"}
        assert query(pharos, "rw_new") == []
        # Still up.
        assert http_get(pharos.url("/-/healthy"))[0] == 200


def test_remote_write_added_by_reload(daemon):
    """A remote_write entry added by SIGHUP starts sending; one removed by
    the next reload stops (the queue drains and goes away)."""
    need_prometheus()
    pharos_tsdb()
    import signal
    with tempfile.TemporaryDirectory() as tmp:
        prom = start_prometheus(daemon, tmp, "global:\n  scrape_interval: 1m\n")
        from conftest import free_port
        port = free_port()
        base = f"""
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: pharos-reload
    static_configs:
      - targets: ['127.0.0.1:{port}']
"""
        pharos = start_pharos(daemon, tmp, base, port=port, receiver=False)
        time.sleep(2)
        assert query(prom, 'up{job="pharos-reload"}') == []
        with open(os.path.join(tmp, "pharos.yml"), "w") as f:
            f.write(base + f"""
remote_write:
  - url: {prom.url('/api/v1/write')}
    queue_config:
      batch_send_deadline: 1s
""")
        pharos.proc.send_signal(signal.SIGHUP)
        r = wait_result(prom, 'up{job="pharos-reload"}')
        assert r, "nothing arrived after the reload:\n" + pharos.output()[-3000:]
        st, _, body = http_get(pharos.url("/metrics"))
        assert b"prometheus_remote_storage_samples_total{" in body
        with open(os.path.join(tmp, "pharos.yml"), "w") as f:
            f.write(base)
        pharos.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 15
        while time.time() < deadline:
            st, _, body = http_get(pharos.url("/metrics"))
            if b"prometheus_remote_storage_samples_total{" not in body:
                break
            time.sleep(0.5)
        assert b"prometheus_remote_storage_samples_total{" not in body
        assert pharos.stop() == 0, pharos.output()[-3000:]
