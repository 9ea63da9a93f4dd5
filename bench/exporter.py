"""pharos-exporter against Debian's prometheus-node-exporter 1.5, same run.

Both run their default collectors (the reference with --no-collector.systemd,
upstream's default; Debian turns it on). For each: CPU per scrape (utime +
stime of the process over N sequential keep-alive scrapes), median and p99
latency of those scrapes, throughput with wrk (-t1 -c4), peak RSS (VmHWM)
after all that, and binary size."""
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time

from _proc import cpu_seconds, free_port, status_kb

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
N = int(os.environ.get("BENCH_SCRAPES", "500"))
WRK_SECONDS = os.environ.get("BENCH_WRK_SECONDS", "5")


def measure(argv):
    port = free_port()
    p = subprocess.Popen(argv + [f"--web.listen-address=127.0.0.1:{port}"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(20):  # warm-up
            conn.request("GET", "/metrics")
            conn.getresponse().read()
        c0 = cpu_seconds(p.pid)
        lat = []
        size = 0
        for _ in range(N):
            t0 = time.perf_counter()
            conn.request("GET", "/metrics")
            body = conn.getresponse().read()
            lat.append(time.perf_counter() - t0)
            size = len(body)
        cpu = (cpu_seconds(p.pid) - c0) / N
        conn.close()
        rps = None
        if shutil.which("wrk"):
            out = subprocess.run(["wrk", "-t1", "-c4", f"-d{WRK_SECONDS}s",
                                  f"http://127.0.0.1:{port}/metrics"],
                                 capture_output=True, text=True).stdout
            m = re.search(r"Requests/sec:\s+([\d.]+)", out)
            rps = float(m.group(1)) if m else None
        lat.sort()
        return {
            "cpu_ms": cpu * 1000,
            "p50_ms": statistics.median(lat) * 1000,
            "p99_ms": lat[int(len(lat) * 0.99) - 1] * 1000,
            "rps": rps,
            "rss_mb": status_kb(p.pid, "VmHWM") / 1024,
            "size_kb": os.path.getsize(argv[0]) / 1024,
            "body_kb": size / 1024,
        }
    finally:
        p.terminate()
        p.wait(10)


def main():
    ours = os.path.join(os.environ.get("PHAROS_BIN", os.path.join(ROOT, "build", "bin")), "pharos-exporter")
    ref = "/usr/bin/prometheus-node-exporter"
    if not os.path.exists(ref):
        print(f"exporter bench skipped: {ref} not installed")
        return
    a = measure([ours])
    b = measure([ref, "--no-collector.systemd"])
    rows = [
        ("CPU per scrape (ms)", "cpu_ms", "≤ 0.1×", lambda r: r <= 0.1),
        ("median latency (ms)", "p50_ms", "≤ 0.2×", lambda r: r <= 0.2),
        ("p99 latency (ms)", "p99_ms", "", None),
        ("throughput, wrk -t1 -c4 (req/s)", "rps", "≥ 10×", lambda r: r >= 10),
        ("peak RSS, VmHWM (MB)", "rss_mb", "≤ 0.1×", lambda r: r <= 0.1),
        ("binary (KB)", "size_kb", "≤ 400 KB", None),
        ("scrape body (KB)", "body_kb", "", None),
    ]
    print(f"### pharos-exporter vs node_exporter 1.5 ({N} sequential scrapes, wrk {WRK_SECONDS} s)")
    print()
    print("| figure | pharos | node_exporter | ratio | target |")
    print("|---|---:|---:|---:|---|")
    for label, key, target, ok in rows:
        x, y = a[key], b[key]
        if x is None or y is None:
            print(f"| {label} | {x} | {y} | n/a | {target} |")
            continue
        ratio = x / y if y else float("nan")
        mark = ""
        if ok is not None:
            mark = " ✓" if ok(ratio) else " ✗"
        if key == "size_kb":
            mark = " ✓" if x <= 400 else " ✗"
        print(f"| {label} | {x:.2f} | {y:.2f} | {ratio:.3f}× | {target}{mark} |")


if __name__ == "__main__":
    sys.exit(main())
