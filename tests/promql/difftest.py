#!/usr/bin/env python3
"""difftest.py - make a promqltest script whose expectations come from a real
Prometheus, for differential testing of our PromQL engine.

    python3 tests/promql/difftest.py [--prometheus /usr/bin/prometheus]
        [--promtool /usr/bin/promtool] [--out build/promql-compliance.test]

It writes synthetic data shaped like the PromLabs demo service's metrics
(the ones the PromQL compliance suite queries), loads the same samples into
Prometheus (promtool tsdb create-blocks-from openmetrics, then a Prometheus
on that data directory), asks Prometheus for every query of the compliance
suite (../shared/conformance/promql-compliance/promql-test-queries.expanded.txt)
plus our extra queries, as instant queries at several times, and writes
the answers as a promqltest script: `load` with the data, then one
`eval instant at` per query and time. Run it with
    build/asan/promqltest build/promql-compliance.test
Each query also runs once as a range query (eval range). Queries Prometheus
rejects become eval_fail cases (parse errors are left out: they test the
parser, not the evaluator); range-vector results cannot be expressed in the
script language and are left out, and so are instant cases where
Prometheus's own range query disagrees with its instant query (the runner
checks that agreement of us, as Prometheus's harness does).
"""

import argparse
import json
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

STEP = 15  # seconds between samples
POINTS = 241  # 0 .. 60m
EVAL_TIMES = ["20m", "45m", "50m7s", "60m", "63m"]
RANGE = ("10m", "62m", "37s")  # one range query per query: from, to, step
INSTANCES = ["demo.promlabs.com:10000", "demo.promlabs.com:10001", "demo.promlabs.com:10002"]

# Queries of our own, on top of the compliance suite.
EXTRA_QUERIES = [
    'demo_memory_usage_bytes * on(instance) group_left(mode) demo_cpu_usage_seconds_total{mode="idle"}',
    'demo_cpu_usage_seconds_total / ignoring(mode) group_left demo_num_cpus',
    'demo_num_cpus * on(instance) group_right demo_memory_usage_bytes',
    'demo_memory_usage_bytes and on(instance) demo_num_cpus > 3',
    'demo_memory_usage_bytes unless on(type) demo_memory_usage_bytes{type="free"}',
    'demo_memory_usage_bytes{type="free"} or on(instance) demo_num_cpus',
    'label_replace(demo_num_cpus, "port", "$2", "instance", "(.*):(.*)")',
    'label_replace(demo_num_cpus, "x", "${1}y$1y", "instance", "demo\\\\.(\\\\w+)\\\\..*")',
    'label_join(demo_num_cpus, "joined", "-", "instance", "job")',
    'quantile by (type) (0.3, demo_memory_usage_bytes)',
    'topk by (instance) (2, demo_memory_usage_bytes)',
    'bottomk without (type) (1, demo_memory_usage_bytes)',
    'count_values by (instance) ("cpus", demo_num_cpus)',
    'count_values without (instance) ("cpus", demo_num_cpus)',
    'stddev by (instance) (rate(demo_cpu_usage_seconds_total[5m]))',
    'avg_over_time(demo_memory_usage_bytes[7m:45s] offset 2m)',
    'max_over_time(rate(demo_cpu_usage_seconds_total[1m])[10m:])',
    'sum_over_time(demo_num_cpus[5m] @ 600)',
    'rate(demo_cpu_usage_seconds_total[5m] @ 1800)',
    'demo_memory_usage_bytes @ 1000 offset -1m',
    'sum_over_time(demo_memory_usage_bytes[3m:20s] @ 1234.5 offset 10s)',
    'absent_over_time(demo_intermittent_metric[2m])',
    'absent(demo_intermittent_metric{instance="demo.promlabs.com:10000", job="demo"})',
    'present_over_time(demo_intermittent_metric[1m])',
    'last_over_time(demo_intermittent_metric[10m])',
    'quantile_over_time(0.25, demo_memory_usage_bytes[10m])',
    'stdvar_over_time(demo_disk_usage_bytes[15m])',
    'holt_winters(demo_disk_usage_bytes[10m], 0.3, 0.6)',
    'resets(demo_cpu_usage_seconds_total[30m])',
    'irate(demo_cpu_usage_seconds_total[2m])',
    'idelta(demo_memory_usage_bytes[90s])',
    'deriv(demo_disk_usage_bytes[20m]) > 0',
    'timestamp(demo_intermittent_metric)',
    'sort_desc(sum by (type) (demo_memory_usage_bytes))',
    'scalar(sum(demo_num_cpus)) * demo_num_cpus',
    'vector(scalar(demo_num_cpus))',
    'clamp(demo_memory_usage_bytes, 2e8, 5e8)',
    'sgn(deriv(demo_memory_usage_bytes[5m]))',
    'demo_memory_usage_bytes % 7 == bool 3',
    'demo_num_cpus atan2 3',
    '-demo_num_cpus ^ 2',
    'group by (instance) (demo_memory_usage_bytes)',
    'count by (le) (demo_api_request_duration_seconds_bucket)',
    'histogram_quantile(0.9, sum by (le) (rate(demo_api_request_duration_seconds_bucket[5m])))',
    'histogram_quantile(0.5, sum by (le, method) (rate(demo_api_request_duration_seconds_bucket[10m])))',
    'sum without (le) (demo_api_request_duration_seconds_bucket) / ignoring(le) group_left demo_api_request_duration_seconds_count',
    'changes(demo_intermittent_metric[10m])',
    'increase(demo_cpu_usage_seconds_total[1m:15s])',
    'rate(demo_cpu_usage_seconds_total[2m] offset -3m)',
    'min_over_time(demo_memory_usage_bytes[5m] offset 1m) < bool 3e8',
    'avg without (instance) (demo_memory_usage_bytes) != 0',
    'demo_memory_usage_bytes > on(instance, type) group_left max by (instance, type) (demo_memory_usage_bytes offset 1m)',
    'sum(demo_memory_usage_bytes) by (instance) / on(instance) sum(demo_memory_usage_bytes)',
    # NaN, infinities, negative zero.
    'demo_weird',
    'sum(demo_weird)', 'avg(demo_weird)', 'min(demo_weird)', 'max(demo_weird)',
    'stddev(demo_weird)', 'stdvar(demo_weird)', 'count(demo_weird)', 'group(demo_weird)',
    'quantile(0.5, demo_weird)', 'quantile(0.9, demo_weird)',
    'topk(2, demo_weird)', 'bottomk(2, demo_weird)', 'sort(demo_weird)', 'sort_desc(demo_weird)',
    'sort(demo_memory_usage_bytes)', 'sort_desc(demo_cpu_usage_seconds_total)',
    'topk(3, demo_memory_usage_bytes)', 'bottomk by (instance) (2, demo_memory_usage_bytes)',
    'count_values("v", demo_weird)',
    'avg_over_time(demo_weird[2m])', 'sum_over_time(demo_weird[2m])',
    'min_over_time(demo_weird[2m])', 'max_over_time(demo_weird[2m])',
    'stddev_over_time(demo_weird[2m])', 'quantile_over_time(0.5, demo_weird[2m])',
    'changes(demo_weird[3m])', 'resets(demo_weird[3m])', 'deriv(demo_weird[2m])',
    'rate(demo_weird[2m])', 'delta(demo_weird[2m])', 'irate(demo_weird[1m])',
    'predict_linear(demo_weird[2m], 60)',
    'demo_weird > 0', 'demo_weird == bool demo_weird', 'demo_weird != demo_weird',
    'demo_weird + on(k) group_left demo_weird', 'clamp_max(demo_weird, 1)',
    'clamp_min(demo_weird, -1)', 'round(demo_weird, 0.3)', 'sgn(demo_weird)',
    'abs(demo_weird)', 'sqrt(demo_weird)', 'ln(demo_weird)', 'exp(demo_weird)',
    'demo_weird % 2', 'demo_weird ^ 0.5', '1 / demo_weird', 'demo_weird atan2 demo_weird',
    'histogram_quantile(0.5, demo_weird_bucket)', 'histogram_quantile(0.99, demo_weird_bucket)',
    'scalar(demo_weird)', 'timestamp(demo_weird)', 'day_of_week(demo_weird)',
    'label_replace(demo_weird, "k", "", "k", "a")',
    'demo_flappy_total', 'rate(demo_flappy_total[1m])', 'count_over_time(demo_flappy_total[1m])',
    'last_over_time(demo_flappy_total[30s])', 'timestamp(demo_flappy_total)',
    'demo_flappy_total offset 20s', 'changes(demo_flappy_total[2m])',
    'sum_over_time(demo_flappy_total[1m:10s])', 'absent(demo_flappy_total{instance="x"})',
    'demo_intermittent_metric offset 1m', 'count_over_time(demo_intermittent_metric[5m])',
    'predict_linear(demo_disk_usage_bytes[5m] @ 1800, 60)', 'timestamp(demo_num_cpus @ 1800)',
    'deriv(demo_disk_usage_bytes[5m] @ 1800)', 'time() + demo_num_cpus @ 1800',
    'hour(demo_batch_last_success_timestamp_seconds @ 1800)',
    'sum_over_time(timestamp(demo_num_cpus @ 1000)[5m:1m])',
    # Where Prometheus's step-invariance machinery shows through.
    'timestamp(demo_num_cpus @ 1800 offset 5m)',
    'topk(scalar(floor(demo_memory_usage_bytes{type="free",instance="demo.promlabs.com:10000"} / 1e8)), demo_memory_usage_bytes @ 1800)',
    'topk(scalar(floor(demo_memory_usage_bytes{type="free",instance="demo.promlabs.com:10000"} @ 1800 / 1e8)), demo_memory_usage_bytes)',
    'quantile(scalar(demo_weird{k="c"}), demo_memory_usage_bytes @ 1800)',
    'quantile_over_time(scalar(demo_weird{k="c"}), demo_memory_usage_bytes[5m] @ 1800)',
    'predict_linear(demo_disk_usage_bytes[5m:1m] @ 1800, 60)',
    'sum_over_time(predict_linear(demo_disk_usage_bytes[2m] @ 1800, 60)[5m:1m])',
    'demo_memory_usage_bytes @ 1800 + time()',
    'rate(demo_cpu_usage_seconds_total[5m] @ 1800) * time()',
    # Assorted corners.
    'demo_cpu_usage_seconds_total * on(instance) group_left(job) demo_num_cpus',
    'demo_num_cpus * on(instance) group_left(mode) demo_cpu_usage_seconds_total{mode="idle"}',
    'demo_memory_usage_bytes / on(instance, nonexistent) group_left demo_num_cpus',
    'demo_memory_usage_bytes * ignoring(type) group_left demo_num_cpus',
    'demo_memory_usage_bytes == on() group_left vector(1)',
    'demo_memory_usage_bytes or vector(0)', 'vector(0) or demo_num_cpus',
    'demo_memory_usage_bytes unless on(instance) demo_num_cpus{instance="demo.promlabs.com:10001"}',
    'demo_memory_usage_bytes and ignoring(type) demo_num_cpus',
    'count_values("job", demo_num_cpus)', 'count_values("instance", demo_num_cpus) by (instance)',
    'label_replace(demo_num_cpus, "all", "$0", "instance", ".*:(.*)")',
    'label_replace(demo_num_cpus, "p", "${port}-$port.x-$$-$", "instance", ".*:(?P<port>\\\\d+)")',
    'label_replace(demo_num_cpus, "p", "$1", "instance", "nomatch(.*)")',
    'label_replace(demo_num_cpus, "__name__", "renamed", "", "")',
    'absent(nonexistent{job="a", job="b", x=~"y", z="w"})', 'absent(nonexistent{job!="a"})',
    'absent_over_time(nonexistent{a="b"}[1m])', 'absent(sum(nonexistent))',
    'sort(demo_num_cpus)', 'sort_desc(demo_num_cpus)', 'topk(2, demo_num_cpus)',
    'bottomk(2, demo_num_cpus)', 'topk(1, demo_batch_last_success_timestamp_seconds - demo_batch_last_success_timestamp_seconds)',
    'quantile(0.5, demo_weird)', 'quantile(NaN, demo_memory_usage_bytes)',
    'rate(demo_num_cpus[16s])', 'irate(demo_num_cpus[15s])', 'delta(demo_num_cpus[1m])',
    'demo_memory_usage_bytes offset 2h', 'demo_memory_usage_bytes offset -2h',
    'max_over_time(demo_memory_usage_bytes[5m:30s] offset -1m)',
    'avg_over_time(demo_memory_usage_bytes[7m:17s])', 'sum_over_time(demo_num_cpus[1m:7s] offset 13s)',
    'demo_num_cpus @ 100.5', 'demo_num_cpus @ 1e2', 'sum_over_time(demo_num_cpus[10m] @ 300.001)',
    'sqrt(-demo_num_cpus)', 'ln(-demo_num_cpus)', 'clamp(demo_num_cpus, 10, 1)',
    'timestamp(demo_num_cpus offset 1m)', 'timestamp(-demo_num_cpus)', 'vector(time())',
    'scalar(vector(1))', 'scalar(demo_num_cpus)', 'holt_winters(demo_weird[2m], 0.5, 0.5)',
    'predict_linear(demo_disk_usage_bytes[10m], -600)', 'sum without (__name__) (demo_num_cpus)',
    'sum by (__name__) ({__name__=~"demo_num_cpus|demo_disk_usage_bytes"})',
    'count by (nonexistent) (demo_num_cpus)', '1 - demo_num_cpus', 'demo_num_cpus > bool 4',
    '-(demo_num_cpus)', '+demo_num_cpus', 'demo_num_cpus >= 5', '5 >= demo_num_cpus',
    '(demo_num_cpus > 4) + 1', 'stddev(demo_num_cpus) by (job)', 'stdvar without (instance) (demo_num_cpus)',
    'avg(demo_weird{k="b"})', 'group without (type) (demo_memory_usage_bytes)',
    'count_values("v", round(rate(demo_cpu_usage_seconds_total[5m]), 0.1))',
    'histogram_quantile(0.5, demo_api_request_duration_seconds_bucket{le!="+Inf"})',
    'histogram_quantile(0.5, label_replace(demo_api_request_duration_seconds_bucket, "le", "1e1", "le", "10"))',
    'resets(demo_weird[5m])', 'changes(demo_weird[1h])', 'deriv(demo_weird[5m])',
    'sum(rate(demo_api_request_duration_seconds_sum[5m])) / sum(rate(demo_api_request_duration_seconds_count[5m]))',
    'minute(demo_num_cpus @ 3599)', 'year(vector(-62135596801))', 'day_of_week(vector(-1))',
    'days_in_month(vector(951782400))', 'day_of_year(vector(1e18))', 'month(vector(NaN))',
    'hour(vector(Inf))',
    # Near the sample limit (Prometheus runs with --query.max-samples=10000,
    # as the test harness does).
    'demo_api_request_duration_seconds_bucket + demo_api_request_duration_seconds_bucket',
    'sum(demo_api_request_duration_seconds_bucket) + sum(demo_api_request_duration_seconds_bucket)',
    'rate(demo_api_request_duration_seconds_bucket[1h])',
    'count_over_time(demo_api_request_duration_seconds_bucket[30m:10s])',
    'sum(count_over_time(demo_cpu_usage_seconds_total[30m:10s]))',
    'max_over_time(demo_api_request_duration_seconds_bucket[1h])',
]


def gen_series(rng):
    """Return {labels tuple: [value or None per step]}."""
    series = {}

    def add(name, labels, values):
        key = tuple(sorted([("__name__", name)] + list(labels.items())))
        series[key] = values

    for idx, inst in enumerate(INSTANCES):
        base = {"instance": inst, "job": "demo"}
        add("demo_num_cpus", base, [float(4 + idx % 2)] * POINTS)
        for t, lo, hi in (("buffers", 1e7, 5e7), ("cached", 1e8, 4e8), ("free", 1e8, 9e8), ("used", 2e8, 7e8)):
            v, vals = rng.uniform(lo, hi), []
            for i in range(POINTS):
                v = min(hi, max(lo, v + rng.uniform(-1, 1) * (hi - lo) * 0.03))
                vals.append(float(int(v)))
            add("demo_memory_usage_bytes", dict(base, type=t), vals)
        for mode, rate in (("idle", 3.5), ("system", 0.2), ("user", 0.4)):
            v, vals = rng.uniform(0, 1000), []
            reset_at = rng.randrange(40, POINTS - 40)
            for i in range(POINTS):
                if i == reset_at:
                    v = rng.uniform(0, 5)
                v += rate * STEP * rng.uniform(0.7, 1.3)
                vals.append(round(v, 3))
            add("demo_cpu_usage_seconds_total", dict(base, mode=mode), vals)
        v, vals = 4e9 + idx * 1e8, []
        for i in range(POINTS):
            v += rng.uniform(-2e5, 1e6)
            vals.append(float(int(v)))
        add("demo_disk_usage_bytes", base, vals)
        v, vals = 1.6e9 + idx * 86400 * 40, []
        for i in range(POINTS):
            if i % 20 == 0:
                v += rng.choice([300, 3600, 86400 * 3])
            vals.append(v)
        add("demo_batch_last_success_timestamp_seconds", base, vals)
        # Present for a while, then absent longer than the lookback delta;
        # a scrape that loses a series writes a staleness marker.
        vals, prev_on = [], False
        for i in range(POINTS):
            on = (i // 40) % 2 == (idx % 2)
            vals.append(float(i % 7) if on else (STALE if prev_on else None))
            prev_on = on
        add("demo_intermittent_metric", base, vals)
        # Gone for a moment only: stale markers inside the lookback delta.
        vals = []
        for i in range(POINTS):
            vals.append(STALE if i % 17 in (5, 6) else float(i * (idx + 1)))
        add("demo_flappy_total", base, vals)
        buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
        for method, path in (("GET", "/api/foo"), ("POST", "/api/bar")):
            lab = dict(base, method=method, path=path, status="200")
            counts = [0.0] * (len(buckets) + 1)
            total_sum = 0.0
            series_b = [[] for _ in counts]
            s_sum, s_cnt = [], []
            for i in range(POINTS):
                for _ in range(rng.randrange(0, 30)):
                    obs = rng.expovariate(8)
                    total_sum += obs
                    for bi, ub in enumerate(buckets):
                        if obs <= ub:
                            counts[bi] += 1
                    counts[-1] += 1
                for bi in range(len(counts)):
                    series_b[bi].append(counts[bi])
                s_sum.append(round(total_sum, 6))
                s_cnt.append(counts[-1])
            for bi, ub in enumerate(buckets + [float("inf")]):
                le = "+Inf" if ub == float("inf") else repr(ub)
                add("demo_api_request_duration_seconds_bucket", dict(lab, le=le), series_b[bi])
            add("demo_api_request_duration_seconds_sum", lab, s_sum)
            add("demo_api_request_duration_seconds_count", lab, s_cnt)
    # Values that test NaN, infinity and signed-zero handling.
    cyc = {"a": [1, float("nan"), float("-inf"), 0, -3.5, float("inf"), 2],
           "b": [float("nan"), float("nan"), 5, -0.0, 1e308, -1e308, 7],
           "c": [0.1, 0.2, -0.3, 1e-300, 3, 3, float("nan"), 9]}
    for k, c in cyc.items():
        add("demo_weird", {"k": k}, [float(c[i % len(c)]) for i in range(POINTS)])
    for le, c in (("0.5", [1, 2, float("nan"), 4]), ("1", [1, 3, 3, float("inf")]),
                  ("+Inf", [1, 2, 5, 6]), ("2", [0, 0, 0, 0])):
        add("demo_weird_bucket", {"le": le}, [float(c[i % len(c)]) for i in range(POINTS)])
    return series


class _Stale:
    """The staleness marker (a special NaN) in generated data."""


STALE = _Stale()


def fmt_value(v):
    if v is STALE:
        return "stale"
    if v != v:
        return "NaN"
    if v in (float("inf"), float("-inf")):
        return "+Inf" if v > 0 else "-Inf"
    r = repr(v)
    return r[:-2] if r.endswith(".0") else r


def quote(s):
    return json.dumps(s, ensure_ascii=False)


def fmt_labels(key):
    return "{" + ", ".join("%s=%s" % (k, quote(v)) for k, v in key) + "}"


def write_openmetrics(series, path):
    by_name = {}
    for key, vals in series.items():
        by_name.setdefault(dict(key)["__name__"], []).append((key, vals))
    with open(path, "w") as f:
        for name in sorted(by_name):
            f.write("# TYPE %s unknown\n" % name)
            for key, vals in by_name[name]:
                lab = ",".join("%s=%s" % (k, quote(v)) for k, v in key if k != "__name__")
                for i, v in enumerate(vals):
                    if v is None or v is STALE:
                        continue
                    f.write("%s{%s} %s %d\n" % (name, lab, fmt_value(v), i * STEP))
        f.write("# EOF\n")


# ---- remote write (protobuf + snappy, written by hand: stdlib only) ----

def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(num, wire, payload):
    if wire == 2:
        return _varint(num << 3 | 2) + _varint(len(payload)) + payload
    if wire == 1:
        return _varint(num << 3 | 1) + payload
    return _varint(num << 3 | 0) + _varint(payload)


def _float_bits(v):
    if v is STALE:
        return struct.pack("<Q", 0x7FF0000000000002)
    return struct.pack("<d", v)


def _snappy_literal(data):
    """Snappy block format using literals only (valid, uncompressed)."""
    out = bytearray(_varint(len(data)))
    for i in range(0, len(data), 65536):
        chunk = data[i:i + 65536]
        n = len(chunk) - 1
        if n < 60:
            out.append(n << 2)
        elif n < 256:
            out += bytes([60 << 2, n])
        else:
            out += bytes([61 << 2]) + struct.pack("<H", n)
        out += chunk
    return bytes(out)


def remote_write(port, series):
    for key, vals in series.items():
        ts = b"".join(_field(1, 2, _field(1, 2, k.encode()) + _field(2, 2, v.encode()))
                      for k, v in key)
        for i, v in enumerate(vals):
            if v is None:
                continue
            ts += _field(2, 2, _field(1, 1, _float_bits(v)) + _field(2, 0, i * STEP * 1000))
        body = _snappy_literal(_field(1, 2, ts))
        req = urllib.request.Request(
            "http://127.0.0.1:%d/api/v1/write" % port, data=body, method="POST",
            headers={"Content-Encoding": "snappy", "Content-Type": "application/x-protobuf",
                     "X-Prometheus-Remote-Write-Version": "0.1.0"})
        with urllib.request.urlopen(req, timeout=30) as r:
            if r.status // 100 != 2:
                sys.exit("difftest: remote write failed: %d" % r.status)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def prom_query(port, query, t, rng=None):
    if rng:
        url = "http://127.0.0.1:%d/api/v1/query_range?%s" % (port, urllib.parse.urlencode(
            {"query": query, "start": rng[0], "end": rng[1], "step": rng[2]}))
    else:
        url = "http://127.0.0.1:%d/api/v1/query?%s" % (
            port, urllib.parse.urlencode({"query": query, "time": "%.3f" % t}))
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        return json.load(e)


def _close(a, b):
    if a == b or (a != a and b != b):
        return True
    if a != a or b != b or abs(a) == float("inf") or abs(b) == float("inf"):
        return False
    return abs(a - b) <= 1e-6 * (abs(a) + abs(b))


def self_consistent(port, q, t, data):
    """Does Prometheus's own range query from t-1m to t+1m give, at t, what
    its instant query gave? (The test harness checks this of us; for a few
    queries, e.g. @ under predict_linear, Prometheus itself does not hold.)"""
    res = prom_query(port, q, None, (t - 60, t + 60, 60))
    if res.get("status") != "success":
        return False
    got = {}
    for s in res["data"]["result"]:
        for tt, v in s["values"]:
            if abs(float(tt) - t) < 1e-9:
                got[tuple(sorted(s["metric"].items()))] = float(v)
    if data["resultType"] == "scalar":
        return len(got) == 1 and _close(list(got.values())[0], float(data["result"][1]))
    want = {tuple(sorted(s["metric"].items())): float(s["value"][1]) for s in data["result"]}
    return got.keys() == want.keys() and all(_close(got[k], want[k]) for k in want)


def _answer_key(data):
    if data["resultType"] == "scalar":
        return ("scalar", data["result"][1])
    return tuple(sorted((tuple(sorted(s["metric"].items())), s["value"][1])
                        for s in data["result"]))


def deterministic(port, q, t, data):
    """Does Prometheus give the same answer when asked again? Where topk or
    bottomk choose among ties, the choice follows the order in which a Go
    map hands out series (random per evaluation), e.g.
    topk(1, x - x): such a case could only pass by chance."""
    if not any(f in q for f in ("topk", "bottomk")):
        return True
    want = _answer_key(data)
    for _ in range(4):
        res = prom_query(port, q, t)
        if res.get("status") != "success" or _answer_key(res["data"]) != want:
            return False
    return True


def parse_dur(s):
    total, num = 0, ""
    units = {"s": 1, "m": 60, "h": 3600}
    for ch in s:
        if ch.isdigit():
            num += ch
        else:
            total += int(num) * units[ch]
            num = ""
    return total


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--prometheus", default="/usr/bin/prometheus")
    ap.add_argument("--promtool", default="/usr/bin/promtool")
    ap.add_argument("--queries", default=os.path.join(
        here, "../../../shared/conformance/promql-compliance/promql-test-queries.expanded.txt"))
    ap.add_argument("--out", default=os.path.join(here, "../../build/promql-compliance.test"))
    ap.add_argument("--blocks", dest="remote_write", action="store_false",
                    help="load the data with promtool (no staleness markers) rather than "
                         "through the remote-write receiver")
    args = ap.parse_args()

    rng = random.Random(42)
    series = gen_series(rng)
    queries = []
    with open(args.queries) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            queries.append(line.rstrip("\n").split("\t", 1)[1])
    queries += EXTRA_QUERIES

    tmp = tempfile.mkdtemp(prefix="pharos-difftest-")
    proc = None
    try:
        om = os.path.join(tmp, "data.om")
        write_openmetrics(series, om)
        data = os.path.join(tmp, "data")
        if not args.remote_write:
            subprocess.run([args.promtool, "tsdb", "create-blocks-from", "openmetrics", om, data],
                           check=True, stdout=subprocess.DEVNULL)
        cfg = os.path.join(tmp, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global: {}\nscrape_configs: []\n")
        port = free_port()
        proc = subprocess.Popen([args.prometheus, "--config.file=" + cfg,
                                 "--storage.tsdb.path=" + data,
                                 "--storage.tsdb.retention.time=100y",
                                 "--query.max-samples=10000",
                                 "--web.enable-remote-write-receiver",
                                 "--web.listen-address=127.0.0.1:%d" % port],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % port, timeout=1) as r:
                    if r.status == 200:
                        break
            except Exception:
                pass
            time.sleep(0.2)
        else:
            sys.exit("difftest: Prometheus did not become ready")
        if args.remote_write:
            remote_write(port, series)
        version = "?"
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/api/v1/status/buildinfo" % port) as r:
                version = json.load(r)["data"]["version"]
        except Exception:
            pass

        out = []
        out.append("# Generated by tests/promql/difftest.py: expectations are the answers of")
        out.append("# Prometheus %s to the PromQL compliance suite's queries (and ours) on" % version)
        out.append("# synthetic data shaped like the PromLabs demo service's. Do not edit; re-run.")
        out.append("")
        out.append("load %ds" % STEP)
        for key in sorted(series):
            vals = series[key]
            out.append("  %s %s" % (fmt_labels(key), " ".join(
                "_" if v is None else fmt_value(v) for v in vals)))
        out.append("")
        kept = skipped = inconsistent = undetermined = 0
        for q in queries:
            for at in EVAL_TIMES:
                res = prom_query(port, q, parse_dur(at))
                if res.get("status") != "success":
                    if res.get("errorType") == "bad_data":
                        skipped += 1  # a parse error: the parser's business
                        continue
                    out.append("eval_fail instant at %s %s" % (at, q))
                    out.append("")
                    kept += 1
                    continue
                d = res["data"]
                if d["resultType"] == "matrix" or d["resultType"] == "string":
                    skipped += 1
                    continue
                if not self_consistent(port, q, parse_dur(at), d):
                    inconsistent += 1
                    continue
                if not deterministic(port, q, parse_dur(at), d):
                    undetermined += 1
                    continue
                ordered = q.split("(")[0].strip() in ("sort", "sort_desc", "topk", "bottomk")
                out.append("eval%s instant at %s %s" % ("_ordered" if ordered else "", at, q))
                if d["resultType"] == "scalar":
                    out.append("  " + d["result"][1])
                else:
                    for s in d["result"]:
                        key = sorted(s["metric"].items(), key=lambda kv: kv[0])
                        out.append("  %s %s" % (fmt_labels(key), s["value"][1]))
                out.append("")
                kept += 1
        r0, r1, rs = (parse_dur(x) for x in RANGE)
        nsteps = (r1 - r0) // rs + 1
        for q in queries:
            res = prom_query(port, q, None, (r0, r1, rs))
            head = "range from %s to %s step %s %s" % (RANGE[0], RANGE[1], RANGE[2], q)
            if res.get("status") != "success":
                if res.get("errorType") == "bad_data":
                    skipped += 1
                    continue
                out.append("eval_fail " + head)
                out.append("")
                kept += 1
                continue
            out.append("eval " + head)
            for s in res["data"]["result"]:
                key = sorted(s["metric"].items(), key=lambda kv: kv[0])
                vals = ["_"] * nsteps
                for t, v in s["values"]:
                    vals[int(round((float(t) - r0) / rs))] = v
                out.append("  %s %s" % (fmt_labels(key), " ".join(vals)))
            out.append("")
            kept += 1
        with open(args.out, "w") as f:
            f.write("\n".join(out) + "\n")
        print("difftest: wrote %d cases to %s (%d skipped; %d instant cases left out because "
              "Prometheus's own range query disagrees with its instant query there; %d "
              "because Prometheus answers them differently from one ask to the next)"
              % (kept, args.out, skipped, inconsistent, undetermined))
    finally:
        if proc:
            proc.terminate()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
