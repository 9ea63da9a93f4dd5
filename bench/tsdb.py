"""pharos-tsdb against Prometheus 2.42 on the synthetic workload, same run.

The workload is anchors-measured.md's: 10 targets of 10,000 series each
(100 metric names x 100 label values, labels group and series; 50 counters
synth_cNN_total growing by a random integer 0..100 per scrape, 50 gauges
synth_gNN taking a random step in [-1, 1] rounded to 2 decimals), plus
Debian's prometheus-node-exporter, all scraped every 5 s. The targets are
build/bin/synth-targets (bench/synth.c): one C process serving the 10
ports, about 0.4 ms of CPU per 450 KB body. (A Python server costs 10 ms
of CPU per body for the generation alone, 4 % of a core at this load,
more than Prometheus's ingest itself; it would have disturbed the figures.)
Each server scrapes with its own client name (params: client=...), and
synth-targets keeps one copy of every target's state per client, started
from the same seed: both servers store the same values, each advancing
exactly once per its own scrape. Apart from that parameter the two
prometheus.yml files are the same; Prometheus also gets
--web.enable-admin-api (for the snapshot at the end).

Both servers run at the same time for MINUTES, on data directories under
build/bench/tsdb/. Then, per server:
  ingest CPU per sample: utime + stime of the process (/proc/PID/stat, all
      threads, dead ones included) divided by the samples it appended
      (prometheus_tsdb_head_samples_appended_total from its own /metrics),
      over the run after a warm-up (the first minute, or the first third of
      a shorter run: series creation is measured apart).
  RSS per active series: VmRSS / prometheus_tsdb_head_series, at the end.
  disk per sample: allocated bytes of the whole data directory (du; LMDB's
      file is sparse) after a clean stop, divided by the samples appended.
      For Prometheus the directory is its WAL (no block is cut in the
      first 3 hours); the WAL alone and the head written as a block
      (admin API snapshot, at the end) are shown too. On a short run the
      series index weighs on that figure (100,558 series against 36
      samples each in 3 minutes), so the growth of the data directory
      (du, live) per sample appended over the run after the warm-up is
      shown as well: the cost of a sample once its series exists.
      pharos-tsdb keeps one chunk per series and 30-minute window of
      sample time, written when the series' first sample of the next
      window (:00 or :30) arrives (services/tsdb/FORMAT.md): a run that
      crosses no such boundary measures its index, head log and
      checkpoints, not its chunks. When the run crosses one, the bytes of
      the chunks written divided by the samples appended before the last
      boundary crossed is the "chunks written" row (pharos-tsdb's /metrics
      is read once more at each boundary). Its own counters of chunk and
      head-log bytes are printed below the table.
  restart: both stopped (SIGTERM), then each started again on its data
      directory, pharos first (while Prometheus is still down), and timed
      from exec to the first 200 from /-/ready.
  range queries: anchors-measured.md's three, 3 min range ending at the
      stop, 5 s step, through each server's /api/v1/query_range (HTTP and
      JSON included, a new connection each): median wall time of RUNS
      runs after a warm-up, the two servers' runs alternating; the
      process's mean CPU time per run; series and points returned.
  RSS after the queries: VmRSS once all queries ran.

Environment: PHAROS_BENCH_TSDB_MINUTES (default 3; 1 for a quick check),
PHAROS_BENCH_TSDB_RUNS (default 5), PHAROS_BENCH_TSDB_KEEP=1 keeps the data
directories, PHAROS_BIN (default build/bin: pharos-tsdb and synth-targets).
Without pharos-tsdb, Prometheus runs alone and the pharos column says "not
built"."""
import http.client
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse

from _proc import free_port, status_kb

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("PHAROS_BIN", os.path.join(ROOT, "build", "bin"))
MINUTES = float(os.environ.get("PHAROS_BENCH_TSDB_MINUTES", "3"))
RUNS = max(1, int(os.environ.get("PHAROS_BENCH_TSDB_RUNS", "5")))
KEEP = os.environ.get("PHAROS_BENCH_TSDB_KEEP") == "1"
WORK = os.path.join(ROOT, "build", "bench", "tsdb")
PROMETHEUS = "/usr/bin/prometheus"
NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"
INTERVAL_S = 5
RANGE_S = 180
WINDOW_S = 1800  # pharos-tsdb's chunk window (services/tsdb/FORMAT.md)
QUERIES = [
    ("rate(synth_c00_total[1m])", "1,000 series"),
    ('sum(rate({__name__=~"synth_c.+"}[1m]))', "50,000 series"),
    ('sum(rate({__name__=~"synth_.+"}[1m]))', "100,000 series"),
]
CLK_TCK = os.sysconf("SC_CLK_TCK")
METRIC_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)")


def proc_cpu(pid):
    """utime + stime in seconds from /proc/PID/stat: every thread, those
    that already exited included (10 ms ticks)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def du(path):
    """(allocated bytes, apparent bytes) of everything under path."""
    alloc = size = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            alloc += st.st_blocks * 512
            size += st.st_size
    return alloc, size


def breakdown(path):
    """What is in a data directory: each entry's allocated size."""
    parts = []
    for entry in sorted(os.listdir(path)):
        p = os.path.join(path, entry)
        if os.path.isdir(p) and not os.path.islink(p):
            n = du(p)[0]
            files = sum(len(f) for _, _, f in os.walk(p))
            parts.append(f"{entry}/ {n / 2**20:.1f} MB in {files} file(s)")
        else:
            parts.append(f"{entry} {os.lstat(p).st_blocks * 512 / 2**10:.0f} KB")
    return ", ".join(parts)


def http_get(port, path, timeout=10, method="GET"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


class Server:
    """One TSDB server (Prometheus or pharos-tsdb) on its own data dir."""

    def __init__(self, name, binary, client, extra_flags=()):
        self.name, self.binary, self.client = name, binary, client
        self.extra_flags = list(extra_flags)
        self.dir = os.path.join(WORK, name)
        self.data = os.path.join(self.dir, "data")
        self.cfg = os.path.join(self.dir, "prometheus.yml")
        self.port = free_port()
        self.proc = None
        self.log = None
        self.error = None  # why this side has no figures, or None

    def write_config(self, synth_ports, node_port):
        targets = ", ".join(f"'127.0.0.1:{p}'" for p in synth_ports)
        with open(self.cfg, "w") as f:
            f.write(f"""global:
  scrape_interval: {INTERVAL_S}s
  scrape_timeout: 4s
scrape_configs:
  - job_name: synth
    params:
      client: [{self.client}]
    static_configs:
      - targets: [{targets}]
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:{node_port}']
""")

    def start(self):
        self.log = open(os.path.join(self.dir, "log.txt"), "a")
        self.t_exec = time.perf_counter()
        self.proc = subprocess.Popen(
            [self.binary, f"--config.file={self.cfg}", f"--storage.tsdb.path={self.data}",
             f"--web.listen-address=127.0.0.1:{self.port}"] + self.extra_flags,
            stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout=120):
        """Seconds from exec to the first 200 from /-/ready."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"exited with status {self.proc.returncode} before /-/ready")
            try:
                if http_get(self.port, "/-/ready", timeout=2)[0] == 200:
                    return time.perf_counter() - self.t_exec
            except OSError:
                pass
            time.sleep(0.005)
        raise RuntimeError(f"/-/ready not 200 within {timeout} s")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=60):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode
        self.proc = None
        self.log.close()
        return rc

    def metrics(self):
        """Its own /metrics as {name: sum of the values over label sets}."""
        status, body = http_get(self.port, "/metrics")
        if status != 200:
            raise RuntimeError(f"/metrics: HTTP {status}")
        out = {}
        for line in body.decode("utf-8", "replace").splitlines():
            m = METRIC_LINE.match(line)
            if m:
                try:
                    out[m.group(1)] = out.get(m.group(1), 0.0) + float(m.group(3))
                except ValueError:
                    pass
        return out

    def head_series(self):
        m = self.metrics()
        if "prometheus_tsdb_head_series" in m:
            return m["prometheus_tsdb_head_series"]
        status, body = http_get(self.port, "/api/v1/status/tsdb")
        if status != 200:
            raise RuntimeError("neither prometheus_tsdb_head_series nor /api/v1/status/tsdb")
        return float(json.loads(body)["data"]["headStats"]["numSeries"])

    def appended(self):
        """prometheus_tsdb_head_samples_appended_total, summed over its
        label sets; absent counts as 0 (Prometheus shows it only once its
        first scrape is committed)."""
        return self.metrics().get("prometheus_tsdb_head_samples_appended_total", 0.0)

    def snapshot(self):
        """CPU seconds, samples appended and bytes allocated on disk, now."""
        return proc_cpu(self.proc.pid), self.appended(), du(self.data)[0]

    def tail_log(self, n=5):
        try:
            with open(os.path.join(self.dir, "log.txt"), errors="replace") as f:
                return " / ".join(l.strip() for l in f.readlines()[-n:])
        except OSError:
            return ""

    def query_once(self, expr, start, end):
        """One /api/v1/query_range: (wall s, process CPU s, series, points)."""
        path = "/api/v1/query_range?" + urllib.parse.urlencode(
            {"query": expr, "start": start, "end": end, "step": INTERVAL_S})
        c0 = proc_cpu(self.proc.pid)
        t0 = time.perf_counter()
        status, raw = http_get(self.port, path, timeout=300)
        wall = time.perf_counter() - t0
        cpu = proc_cpu(self.proc.pid) - c0
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {raw[:200]!r}")
        body = json.loads(raw)
        if body.get("status") != "success":
            raise RuntimeError(f"{body.get('errorType')}: {body.get('error')}")
        result = body["data"]["result"]
        return wall, cpu, len(result), sum(len(x["values"]) for x in result)


def stored_values(server, selector, t):
    """The raw values of one series up to t (a range-vector query)."""
    path = "/api/v1/query?" + urllib.parse.urlencode(
        {"query": f"{selector}[{int(MINUTES * 60) + 120}s]", "time": t})
    status, raw = http_get(server.port, path, timeout=60)
    body = json.loads(raw)
    if status != 200 or body.get("status") != "success":
        raise RuntimeError(f"{selector}: HTTP {status}: {raw[:200]!r}")
    result = body["data"]["result"]
    if len(result) != 1:
        raise RuntimeError(f"{selector}: {len(result)} series")
    return [v for _, v in result[0]["values"]]


def compare_stored(servers, synth_ports, t_stop):
    """A sentence: do the servers hold the same values for a few series?"""
    picks = [("synth_c00_total", 0, synth_ports[0]), ("synth_c49_total", 4999, synth_ports[-1]),
             ("synth_g00", 5000, synth_ports[0]), ("synth_g49", 9999, synth_ports[-1])]
    compared = 0
    try:
        for name, series, port in picks:
            sel = f'{name}{{series="{series}",instance="127.0.0.1:{port}"}}'
            vals = [stored_values(s, sel, t_stop) for s in servers]
            n = min(len(v) for v in vals)
            for k in range(n):
                if float(vals[0][k]) != float(vals[1][k]):
                    return (f"Stored values DIFFER: {sel}, sample {k}: {servers[0].name} {vals[0][k]}, "
                            f"{servers[1].name} {vals[1][k]}.")
            compared += n
    except (OSError, RuntimeError, ValueError, KeyError) as e:
        return f"Stored values not compared: {e}."
    return (f"Stored values agree: {len(picks)} series (counters and gauges), {compared} samples "
            f"compared one by one.")


def fmt(x, digits=2):
    if x is None:
        return "—"
    if isinstance(x, str):
        return x
    return f"{x:,.{digits}f}"


def stage(servers, what, fn):
    """Run fn(server) for each server that has no error yet; an exception
    becomes that server's error (the other side goes on)."""
    out = {}
    for s in servers:
        if s.error:
            continue
        try:
            out[s.name] = fn(s)
        except Exception as e:  # noqa: BLE001 - any failure is reported in the table
            s.error = f"{what}: {e}"
            if s.alive():
                s.stop()
    return out


def main():
    for path in (PROMETHEUS, NODE_EXPORTER):
        if not os.path.exists(path):
            print(f"tsdb bench skipped: {path} not installed")
            return 0
    synth_bin = os.path.join(BIN, "synth-targets")
    if not os.path.exists(synth_bin):
        print(f"tsdb bench skipped: {synth_bin} not built (make bench builds it)")
        return 0
    pharos_bin = os.path.join(BIN, "pharos-tsdb")
    shutil.rmtree(WORK, ignore_errors=True)
    prom = Server("prometheus", PROMETHEUS, "prometheus", ["--web.enable-admin-api"])
    ph = Server("pharos", pharos_bin, "pharos")
    if not os.path.exists(pharos_bin):
        ph.error = "not built"
    servers = [s for s in (ph, prom)]
    for s in servers:
        os.makedirs(s.dir)
    total_s = MINUTES * 60
    warm_s = min(60.0, total_s / 3)
    synth = node = None
    r = {s.name: {} for s in servers}
    notes = []
    try:
        synth = subprocess.Popen([synth_bin], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = synth.stdout.readline().split()
        if not line or line[0] != "ports":
            raise RuntimeError(f"synth-targets did not start: {line}")
        synth_ports = [int(p) for p in line[1:]]
        node_port = free_port()
        node = subprocess.Popen([NODE_EXPORTER, "--no-collector.systemd",
                                 f"--web.listen-address=127.0.0.1:{node_port}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        live = [s for s in servers if not s.error]
        for s in live:
            s.write_config(synth_ports, node_port)
        for s in live:
            s.start()
        t0 = time.time()
        stage(servers, "start", lambda s: s.wait_ready(60))
        synth_cpu0 = proc_cpu(synth.pid)

        def sleep_until(t):
            while time.time() < t:
                time.sleep(min(5.0, max(0.0, t - time.time())))
                for s in servers:
                    if not s.error and not s.alive():
                        s.error = f"exited with status {s.proc.returncode}: {s.tail_log()}"

        sleep_until(t0 + warm_s)
        a = stage(servers, "metrics", lambda s: s.snapshot())
        # pharos-tsdb cuts its chunks when the first sample of a new
        # 30-minute window arrives: what it had appended at each boundary
        # the run crosses is what its cut chunks hold.
        at_boundary = []
        b = (math.floor(time.time() / WINDOW_S) + 1) * WINDOW_S
        while b < t0 + total_s - 30 and not ph.error:
            sleep_until(b)
            try:
                at_boundary.append(ph.appended())
            except (OSError, RuntimeError, http.client.HTTPException):
                break
            b += WINDOW_S
        sleep_until(t0 + total_s)
        b = stage(servers, "metrics", lambda s: s.snapshot())
        for s in servers:
            if s.name in a and s.name in b:
                (c0, n0, d0), (c1, n1, d1) = a[s.name], b[s.name]
                r[s.name]["disk_growth_b"] = (d1 - d0) / (n1 - n0) if n1 > n0 else None
                r[s.name]["cpu_us"] = (c1 - c0) / (n1 - n0) * 1e6 if n1 > n0 else None
                r[s.name]["rate"] = (n1 - n0) / (total_s - warm_s)
                r[s.name]["cpu_first_us"] = c0 / n0 * 1e6 if n0 else None
        hs = stage(servers, "head series", lambda s: s.head_series())
        for s in servers:
            if s.name in hs:
                r[s.name]["series"] = hs[s.name]
                rss = status_kb(s.proc.pid, "VmRSS") * 1024
                r[s.name]["rss_mb"] = rss / 2**20
                r[s.name]["rss_per_series_kb"] = rss / hs[s.name] / 1024 if hs[s.name] else None

        # Stop both; the query range ends at the last full step before.
        def appended_some(s):
            n = s.appended()
            if n <= 0:
                raise RuntimeError("prometheus_tsdb_head_samples_appended_total is absent or 0")
            return n

        final = stage(servers, "metrics", appended_some)
        if not ph.error:
            # Where pharos-tsdb's bytes went (its own counters, if it has them).
            try:
                m = ph.metrics()
                parts = [f"{k.replace('pharos_tsdb_', '')} {m[k]:,.0f}" for k in (
                    "pharos_tsdb_head_log_bytes_written_total", "pharos_tsdb_checkpoints_total",
                    "pharos_tsdb_chunks_written_total", "pharos_tsdb_chunk_bytes_written_total")
                    if k in m]
                if parts and final.get("pharos"):
                    notes.append(f"pharos-tsdb's own counters at the stop: {', '.join(parts)}; "
                                 f"{final['pharos']:,.0f} samples appended.")
                cb = m.get("pharos_tsdb_chunk_bytes_written_total", 0)
                if at_boundary and cb:
                    r["pharos"]["chunk_b"] = cb / at_boundary[-1]
            except (OSError, RuntimeError, http.client.HTTPException):
                pass
        t_stop = time.time()
        for s in servers:
            if s.alive():
                rc = s.stop()
                if rc not in (0, None):
                    notes.append(f"{s.name} exited with status {rc} on SIGTERM.")
        synth_cpu = proc_cpu(synth.pid) - synth_cpu0
        synth_wall = time.time() - t0
        for s in servers:
            if s.name not in final:
                continue
            alloc, size = du(s.data)
            r[s.name]["samples"] = final[s.name]
            r[s.name]["disk_b"] = alloc / final[s.name]
            r[s.name]["disk_mb"] = alloc / 2**20
            r[s.name]["disk_apparent_mb"] = size / 2**20
            if s is prom:
                wal, _ = du(os.path.join(s.data, "wal"))
                r[s.name]["wal_b"] = wal / final[s.name]
                notes.append(f"Prometheus's data directory after the stop: {breakdown(s.data)}.")
            else:
                notes.append(f"pharos-tsdb's data directory after the stop: {breakdown(s.data)} "
                             f"(apparent size {size / 2**20:.1f} MB).")

        # Restart: pharos alone first, then Prometheus.
        for s in servers:
            if s.error:
                continue
            s.start()
            try:
                r[s.name]["restart_s"] = s.wait_ready(300)
            except Exception as e:  # noqa: BLE001
                s.error = f"restart: {e}: {s.tail_log()}"
                s.stop()

        end = math.floor(t_stop / INTERVAL_S) * INTERVAL_S - INTERVAL_S
        start = end - RANGE_S
        # Runs alternate between the servers (and which goes first), so
        # that the machine's load drifts over both alike.
        for i, (expr, _) in enumerate(QUERIES):
            runs = {s.name: [] for s in servers}
            for k in range(RUNS + 1):
                order = servers if k % 2 else servers[::-1]
                res = stage(order, f"query {expr}", lambda s: s.query_once(expr, start, end))
                for name, v in res.items():
                    if k:  # the first run of each is a warm-up
                        runs[name].append(v)
            for name, vs in runs.items():
                if len(vs) == RUNS:
                    r[name][f"q{i}_ms"] = statistics.median(v[0] for v in vs) * 1000
                    r[name][f"q{i}_cpu_ms"] = statistics.mean(v[1] for v in vs) * 1000
                    r[name][f"q{i}_shape"] = f"{vs[-1][2]} series, {vs[-1][3]} points"
        for s in servers:
            if not s.error and s.alive():
                r[s.name]["rss_after_mb"] = status_kb(s.proc.pid, "VmRSS") / 1024

        # Both servers got the same values, one per scrape: compare what
        # they stored for a few series (the common prefix: one may have
        # scraped once more than the other before the stop).
        if not ph.error and not prom.error:
            notes.append(compare_stored([ph, prom], synth_ports, t_stop))

        # Prometheus's head written as a block, for comparison.
        if not prom.error:
            try:
                st, body = http_get(prom.port, "/api/v1/admin/tsdb/snapshot", timeout=300, method="POST")
                snap = os.path.join(prom.data, "snapshots", json.loads(body)["data"]["name"])
                blk_bytes = blk_samples = 0
                for blk in os.listdir(snap):
                    with open(os.path.join(snap, blk, "meta.json")) as f:
                        blk_samples += json.load(f)["stats"]["numSamples"]
                    blk_bytes += du(os.path.join(snap, blk))[0]
                r["prometheus"]["block_b"] = blk_bytes / blk_samples if blk_samples else None
            except Exception as e:  # noqa: BLE001
                notes.append(f"Prometheus snapshot failed: {e}.")

        st, body = http_get(synth_ports[0], "/stats")
        served = {c["name"]: sum(c["requests"]) for c in json.loads(body)["clients"]}
        notes.append(f"synth-targets used {synth_cpu:.2f} CPU-s over the {synth_wall / 60:.1f} min "
                     f"of scraping ({synth_cpu / synth_wall * 100:.2f} % of one core); bodies served "
                     + ", ".join(f"{k or 'no client name'} {v:,}" for k, v in sorted(served.items())) + ".")
    finally:
        for s in servers:
            if s.alive():
                s.stop()
        for p in (synth, node):
            if p is not None and p.poll() is None:
                p.terminate()
                p.wait(10)
        if not KEEP:
            for s in servers:
                shutil.rmtree(s.data, ignore_errors=True)

    if prom.error:
        print(f"tsdb bench: Prometheus failed: {prom.error}")
        return 1
    rows = [
        ("ingest CPU per sample, after warm-up (µs)", "cpu_us", "≤ 0.5×", lambda x, y: x / y <= 0.5),
        (f"ingest CPU per sample, first {warm_s:.0f} s incl. series creation (µs)", "cpu_first_us", "", None),
        ("samples appended per second", "rate", "", None),
        ("active series (head series)", "series", "", None),
        ("RSS per active series (KB)", "rss_per_series_kb", "≤ 0.25×", lambda x, y: x / y <= 0.25),
        ("VmRSS at the end of the ingest (MB)", "rss_mb", "", None),
        ("disk per sample, whole data dir (bytes)", "disk_b", "≤ 1.2 B", lambda x, y: x <= 1.2),
        ("disk growth per sample after warm-up, live (bytes)", "disk_growth_b", "≤ 1.2 B",
         lambda x, y: x <= 1.2),
        ("disk per sample, chunks written (bytes)", "chunk_b", "≤ 1.2 B", lambda x, y: x <= 1.2),
        ("disk per sample, WAL only (bytes)", "wal_b", "", None),
        ("disk per sample, head written as a block (bytes)", "block_b", "", None),
        ("restart on the data → /-/ready (s)", "restart_s", "≤ 0.1×", lambda x, y: x / y <= 0.1),
    ]
    for i, (expr, what) in enumerate(QUERIES):
        rows.append((f"`{expr}` ({what}), median wall (ms)", f"q{i}_ms", "≤ 0.5×",
                     lambda x, y: x / y <= 0.5))
        rows.append((f"`{expr}`, CPU per run (ms)", f"q{i}_cpu_ms", "", None))
    rows.append(("VmRSS after the range queries (MB)", "rss_after_mb", "≤ 0.25×", lambda x, y: x / y <= 0.25))

    print(f"### pharos-tsdb vs Prometheus 2.42 (synthetic workload: 10 targets x 10,000 series + "
          f"node exporter, {INTERVAL_S} s scrapes, {MINUTES:g} min, both at once; queries "
          f"{RANGE_S // 60} min range, {INTERVAL_S} s step, median of {RUNS} runs after a warm-up)")
    print()
    print("| figure | pharos | Prometheus | ratio | target |")
    print("|---|---:|---:|---:|---|")
    pr, pp = r["pharos"], r["prometheus"]
    for label, key, target, ok in rows:
        x, y = pr.get(key), pp.get(key)
        if ph.error == "not built" and key not in ("block_b", "wal_b"):
            x = "not built"
        ratio = "n/a"
        mark = ""
        if isinstance(x, (int, float)) and isinstance(y, (int, float)) and y:
            ratio = f"{x / y:.3f}×"
        if ok is not None and isinstance(x, (int, float)) and (isinstance(y, (int, float)) and y or target.endswith(" B")):
            mark = " ✓" if ok(x, y) else " ✗"
        digits = 0 if key in ("rate", "series") else 3 if key.endswith("_us") or key == "restart_s" else 2
        print(f"| {label} | {fmt(x, digits)} | {fmt(y, digits)} | {ratio} | {target}{mark} |")
    print()
    if ph.error and ph.error != "not built":
        print(f"pharos-tsdb: {ph.error}")
        print()
    for i, (expr, _) in enumerate(QUERIES):
        shapes = [f"{n} {r[n].get(f'q{i}_shape')}" for n in ("pharos", "prometheus") if r[n].get(f"q{i}_shape")]
        if shapes:
            notes.append(f"`{expr}` returned: " + "; ".join(shapes) + ".")
    for n in notes:
        print(n)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
