"""pharos-exporter as a user meets it: HTTP behaviour, bad input, concurrent
scrapes (also under ASan), promtool's lint and a real Prometheus scraping it."""
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import ASAN_BIN, BIN, free_port, http_get, wait_http

EXPORTER = os.path.join(BIN, "pharos-exporter")


def families(text):
    return {l.split()[2] for l in text.splitlines() if l.startswith("# TYPE ")}


def test_metrics_endpoint_basics(daemon):
    d = daemon([EXPORTER])
    status, headers, body = http_get(d.url("/metrics"))
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = body.decode()
    fams = families(text)
    for f in ("node_load1", "node_memory_MemTotal_bytes", "node_scrape_collector_success",
              "node_scrape_collector_duration_seconds", "process_cpu_seconds_total",
              "process_resident_memory_bytes", "pharos_exporter_build_info"):
        assert f in fams, f
    assert 'node_scrape_collector_success{collector="meminfo"} 1' in text
    # Every sample line has a value that parses as a float.
    for line in text.splitlines():
        if line and not line.startswith("#"):
            float(line.rsplit(" ", 1)[1].replace("Inf", "inf"))


def test_methods_paths_and_limits(daemon):
    d = daemon([EXPORTER])
    status, headers, body = http_get(d.url("/metrics"), method="HEAD")
    assert status == 200 and body == b""
    status, headers, _ = http_get(d.url("/metrics"), method="POST")
    assert status == 405 and "GET" in headers["Allow"]
    status, _, _ = http_get(d.url("/metrics"), method="DELETE")
    assert status == 405
    assert http_get(d.url("/nope"))[0] == 404
    assert http_get(d.url("/"))[0] == 200
    # A request head far beyond the limit is refused, and the server lives on.
    with socket.create_connection(("127.0.0.1", d.port), timeout=5) as s:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 65536 + b"\r\n\r\n")
        try:
            reply = s.recv(4096)
        except ConnectionResetError:
            reply = b""
        assert not reply.startswith(b"HTTP/1.1 200")
    assert http_get(d.url("/metrics"))[0] == 200


def test_collector_filter_param(daemon):
    d = daemon([EXPORTER])
    _, _, body = http_get(d.url("/metrics?collect[]=loadavg"))
    text = body.decode()
    assert "node_load1 " in text
    assert "node_memory_MemTotal_bytes" not in text


def test_missing_proc_file_fails_one_collector_only(daemon, tmp_path):
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "loadavg").write_text("0.5 0.25 0.125 1/2 3\n")
    d = daemon([EXPORTER, f"--path.procfs={proc}", "--collector.disable-defaults",
                "--collector.loadavg", "--collector.meminfo"])
    _, _, body = http_get(d.url("/metrics"))
    text = body.decode()
    assert 'node_scrape_collector_success{collector="meminfo"} 0' in text
    assert 'node_scrape_collector_success{collector="loadavg"} 1' in text
    assert "node_load5 0.25\n" in text


def test_malformed_proc_file_is_no_crash(daemon, tmp_path):
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "loadavg").write_bytes(b"\x00\xff garbage")
    (proc / "meminfo").write_bytes(b"MemTotal: 1 kB\n\x00\x01\x02:\nBroken\n" + b"x" * 100000)
    d = daemon([EXPORTER, f"--path.procfs={proc}", "--collector.disable-defaults",
                "--collector.loadavg", "--collector.meminfo"])
    status, _, body = http_get(d.url("/metrics"))
    assert status == 200
    text = body.decode()
    assert 'node_scrape_collector_success{collector="loadavg"} 0' in text
    assert "node_memory_MemTotal_bytes 1024\n" in text


def test_bad_flags_are_usage_errors():
    for argv in (["--no-such-flag"], ["--web.listen-address"], ["--log.level=loud"],
                 ["positional"], ["--collector.meminfo=maybe"]):
        r = subprocess.run([EXPORTER] + argv, capture_output=True, text=True, timeout=10)
        assert r.returncode == 100, (argv, r.stderr)
        assert "pharos-exporter" in r.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        r = subprocess.run([EXPORTER, f"--web.listen-address=127.0.0.1:{busy.getsockname()[1]}"],
                           capture_output=True, text=True, timeout=10)
    assert r.returncode == 111 and "fatal" in r.stderr, r.stderr
    # A node_exporter collector that pharos lacks is a warning, not an error.
    port = free_port()
    p = subprocess.Popen([EXPORTER, "--collector.zfs", f"--web.listen-address=127.0.0.1:{port}"],
                         stderr=subprocess.PIPE, text=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/", proc=p)
    finally:
        p.terminate()
        err = p.communicate(timeout=5)[1]
    assert "zfs" in err and "ignored" in err


@pytest.mark.parametrize("flavour", ["musl", "asan"])
def test_concurrent_scrapes(daemon, flavour):
    binary = EXPORTER if flavour == "musl" else os.path.join(ASAN_BIN, "pharos-exporter")
    if not os.path.exists(binary):
        pytest.skip(f"{binary} not built")
    d = daemon([binary, "--web.max-requests=0"])
    errors = []

    def worker():
        for _ in range(15):
            status, _, body = http_get(d.url("/metrics"), timeout=30)
            if status != 200 or not body.endswith(b"\n") or b"node_load1" not in body:
                errors.append(status)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def promtool_problems(text):
    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=60)
    out = (r.stdout + r.stderr).splitlines()
    # Lines look like "name lint message"; keep the family name and message.
    return {l.strip() for l in out if l.strip()}


@pytest.mark.skipif(not shutil.which("promtool") or not os.path.exists(
    "/usr/bin/prometheus-node-exporter"), reason="promtool or prometheus-node-exporter not installed")
def test_promtool_finds_nothing_beyond_node_exporter(daemon):
    ours = http_get(daemon([EXPORTER]).url("/metrics"))[2].decode()
    ref = http_get(daemon(["/usr/bin/prometheus-node-exporter", "--no-collector.systemd"])
                   .url("/metrics"))[2].decode()
    extra = promtool_problems(ours) - promtool_problems(ref)
    assert not extra, "promtool lints pharos has and node_exporter 1.5 has not:\n" + "\n".join(sorted(extra))


@pytest.mark.skipif(not os.path.exists("/usr/bin/prometheus"), reason="prometheus not installed")
def test_prometheus_scrapes_exporter(daemon, tmp_path):
    d = daemon([EXPORTER])
    cfg = tmp_path / "prometheus.yml"
    cfg.write_text(f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:{d.port}']
""")
    pport = free_port()
    p = subprocess.Popen(["/usr/bin/prometheus", f"--config.file={cfg}",
                          f"--storage.tsdb.path={tmp_path / 'data'}",
                          f"--web.listen-address=127.0.0.1:{pport}"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{pport}"
        wait_http(base + "/-/ready", proc=p, timeout=30, want_status=200)
        target = None
        deadline = time.time() + 30
        while time.time() < deadline:
            _, _, body = http_get(base + "/api/v1/targets")
            active = json.loads(body)["data"]["activeTargets"]
            if active and active[0]["health"] == "up":
                target = active[0]
                break
            time.sleep(0.5)
        assert target, f"target never up: {active}"
        assert target["lastError"] == ""
        _, _, body = http_get(base + "/api/v1/query?query=scrape_samples_scraped")
        res = json.loads(body)["data"]["result"]
        assert res and float(res[0]["value"][1]) > 50
    finally:
        p.terminate()
        p.wait(10)
