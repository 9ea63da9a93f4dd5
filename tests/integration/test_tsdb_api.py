"""pharos-tsdb's HTTP API end to end: it scrapes a small Python target (and
pharos-exporter), then every endpoint is asked what Grafana, promtool and
people ask, and the answers are checked against the shapes of
../shared/conformance/api-samples/prometheus-2.42/ and, where cheap,
against Debian's Prometheus 2.42 scraping the same target."""
import json
import os
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import BIN, CONFORMANCE, free_port, http_get, wait_http

TSDB = os.path.join(BIN, "pharos-tsdb")
SAMPLES = os.path.join(CONFORMANCE, "api-samples", "prometheus-2.42")
PROMETHEUS = "/usr/bin/prometheus"

pytestmark = pytest.mark.skipif(not os.path.exists(TSDB), reason=f"{TSDB} is not built")

TARGET_BODY = """# HELP py_gauge A gauge of the test target.
# TYPE py_gauge gauge
py_gauge{kind="a"} 1.5
py_gauge{kind="b"} -2
py_gauge{kind="html<&>"} 1e-7
# HELP py_requests_total Requests of the test target.
# TYPE py_requests_total counter
py_requests_total{code="200"} 1027
py_requests_total{code="500"} 3
"""


class Target:
    """A tiny exporter on loopback that always answers TARGET_BODY."""

    def __init__(self):
        class H(BaseHTTPRequestHandler):
            def do_GET(self):
                body = TARGET_BODY.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def write_config(path, target_port, extra_jobs="", external=""):
    with open(path, "w") as f:
        f.write(f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
{external}
scrape_configs:
  - job_name: py
    static_configs:
      - targets: ['127.0.0.1:{target_port}']
{extra_jobs}""")


def api(port, path, params=None, post=False, timeout=10):
    """(status, parsed JSON) of an API call."""
    url = f"http://127.0.0.1:{port}{path}"
    data = None
    headers = {}
    if params is not None:
        enc = urllib.parse.urlencode(params, doseq=True)
        if post:
            data = enc.encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            url += "?" + enc
    req = urllib.request.Request(url, data=data, headers=headers,
                                 method="POST" if post else "GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        body = e.read()
        try:
            return e.code, json.loads(body)
        except ValueError:
            return e.code, body.decode(errors="replace")


def wait_query(port, query, pred, timeout=15):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        st, j = api(port, "/api/v1/query", {"query": query})
        last = j
        if st == 200 and pred(j["data"]["result"]):
            return j
        time.sleep(0.2)
    raise AssertionError(f"{query}: condition not met: {last}")


@pytest.fixture
def target():
    t = Target()
    yield t
    t.close()


@pytest.fixture
def tsdb(daemon, tmp_path, target):
    exporter = os.path.join(BIN, "pharos-exporter")
    extra = ""
    if os.path.exists(exporter):
        ep = free_port()
        daemon([exporter], port=ep)
        extra = f"""  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:{ep}']
"""
    cfg = tmp_path / "prometheus.yml"
    write_config(cfg, target.port, extra, external="  external_labels:\n    replica: r1")
    d = daemon([TSDB, f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path}/data",
                "--web.enable-lifecycle"])
    d.cfg = cfg
    wait_query(d.port, 'up{job="py"}', lambda r: len(r) == 1 and r[0]["value"][1] == "1")
    return d


# ---- shapes ----

def shape(v):
    """The JSON value's structure: dict keys with their shapes, the shape
    of a list's first element, a scalar's type."""
    if isinstance(v, dict):
        return {k: shape(x) for k, x in v.items()}
    if isinstance(v, list):
        return [shape(v[0])] if v else []
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    return type(v).__name__


# Objects whose keys are data (label sets), not schema: compared as maps
# of strings.
LABEL_MAPS = {"metric", "labels", "discoveredLabels", "annotations"}


def is_string_map(v):
    return isinstance(v, dict) and all(isinstance(k, str) and isinstance(x, str)
                                       for k, x in v.items())


def same_shape(ours, ref, path="$", maps=False):
    """ours has every key of ref with the same kind of value (lists are
    compared by their first element when both have one); with maps, ref
    and ours are label sets (any keys, string values)."""
    if maps:
        assert is_string_map(ours), f"{path}: want a label set, got {ours!r}"
    elif isinstance(ref, dict):
        assert isinstance(ours, dict), f"{path}: want an object, got {ours!r}"
        for k, v in ref.items():
            assert k in ours, f"{path}: key {k!r} missing (have {sorted(ours)})"
            same_shape(ours[k], v, f"{path}.{k}", k in LABEL_MAPS)
    elif isinstance(ref, list):
        assert isinstance(ours, list), f"{path}: want a list, got {ours!r}"
        if ref and ours:
            same_shape(ours[0], ref[0], path + "[0]", is_string_map(ref[0]) and
                       path == "$.data")
    else:
        assert shape(ours) == shape(ref), f"{path}: {ours!r} is not like {ref!r}"


def sample(name):
    p = os.path.join(SAMPLES, name + ".json")
    if not os.path.exists(p):
        pytest.skip(f"{p} is absent")
    with open(p) as f:
        return json.load(f)


@pytest.mark.parametrize("name,path,params", [
    ("query_vector_up", "/api/v1/query", {"query": "up"}),
    ("query_vector", "/api/v1/query", {"query": "sum by (job) (py_requests_total)"}),
    ("query_scalar", "/api/v1/query", {"query": "11"}),
    ("series", "/api/v1/series", {"match[]": "py_gauge"}),
    ("labels", "/api/v1/labels", {}),
    ("label___name___values", "/api/v1/label/__name__/values", {}),
    ("status_buildinfo", "/api/v1/status/buildinfo", {}),
    ("status_runtimeinfo", "/api/v1/status/runtimeinfo", {}),
    ("status_tsdb", "/api/v1/status/tsdb", {}),
    ("targets", "/api/v1/targets", {}),
    ("alerts", "/api/v1/alerts", {}),
    ("rules", "/api/v1/rules", {}),
    ("alertmanagers", "/api/v1/alertmanagers", {}),
])
def test_shapes_as_prometheus(tsdb, name, path, params):
    ref = sample(name)
    st, ours = api(tsdb.port, path, params)
    assert st == 200, ours
    same_shape(ours, ref)


def test_range_shape_and_values(tsdb):
    ref = sample("query_range_matrix")
    now = time.time()
    st, j = api(tsdb.port, "/api/v1/query_range",
                {"query": 'py_gauge{kind="a"}', "start": now - 3, "end": now, "step": "1"},
                post=True)
    assert st == 200, j
    same_shape(j, ref)
    for t, v in j["data"]["result"][0]["values"]:
        assert v == "1.5"


def test_error_shape(tsdb):
    ref = sample("query_error_bad_data")
    st, j = api(tsdb.port, "/api/v1/query", {"query": "1+"})
    assert st == 400
    assert set(j) == set(ref)
    assert j["errorType"] == "bad_data"
    assert j["error"].startswith('invalid parameter "query": 1:3: parse error')


def test_values_are_formatted_as_prometheus(tsdb):
    j = wait_query(tsdb.port, "py_gauge", lambda r: len(r) == 3)
    vals = {s["metric"]["kind"]: s["value"][1] for s in j["data"]["result"]}
    assert vals == {"a": "1.5", "b": "-2", "html<&>": "1e-07"}  # as Prometheus writes it
    st, j = api(tsdb.port, "/api/v1/query", {"query": "1e-7"})
    assert j["data"]["result"][1] == "0.0000001"  # a scalar: always the 'f' form
    st, j = api(tsdb.port, "/api/v1/query", {"query": "1/0", "time": "100.5"})
    assert j["data"]["result"] == [100.5, "+Inf"]
    st, j = api(tsdb.port, "/api/v1/query", {"query": "-1/0", "time": "2023-11-14T22:13:20Z"})
    assert j["data"]["result"] == [1700000000, "-Inf"]
    st, j = api(tsdb.port, "/api/v1/query", {"query": "0/0"})
    assert j["data"]["result"][1] == "NaN"
    # Go's encoding/json escapes <, > and & in strings
    _, _, raw = http_get(tsdb.url("/api/v1/series?match[]=py_gauge"))
    assert b"html\\u003c\\u0026\\u003e" in raw


# ---- Grafana's Prometheus data source ----

def test_grafana_sequence(tsdb):
    p = tsdb.port
    st, j = api(p, "/api/v1/query", {"query": "1+1", "time": str(time.time())})
    assert st == 200 and j["data"]["result"][1] == "2"
    st, j = api(p, "/api/v1/status/buildinfo")
    assert st == 200 and j["data"]["version"].startswith("2.")
    now = int(time.time())
    st, j = api(p, "/api/v1/labels", {"start": now - 3600, "end": now})
    assert st == 200 and {"__name__", "job", "instance", "kind"} <= set(j["data"])
    st, j = api(p, "/api/v1/label/__name__/values", {"start": now - 3600, "end": now, "limit": 2})
    assert st == 200 and len(j["data"]) == 2 and j["data"] == sorted(j["data"])
    st, j = api(p, "/api/v1/label/job/values", {"match[]": "py_gauge"})
    assert j["data"] == ["py"]
    st, j = api(p, "/api/v1/series", {"match[]": ['py_gauge{kind="a"}', 'up{job="py"}'],
                                      "start": now - 3600, "end": now + 60})
    assert st == 200
    assert sorted(s["__name__"] for s in j["data"]) == ["py_gauge", "up"]
    step = 15
    start = (now - 300) // step * step
    st, j = api(p, "/api/v1/query_range", {"query": 'rate(py_requests_total[1m])',
                                            "start": start, "end": now // step * step,
                                            "step": step}, post=True)
    assert st == 200 and j["data"]["resultType"] == "matrix"
    for s in j["data"]["result"]:
        for t, v in s["values"]:
            assert (t - start) % step == 0
            assert float(v) == 0


# ---- hostile requests ----

@pytest.mark.parametrize("path,params,status,etype", [
    ("/api/v1/query", {"query": "up", "time": "yesterday"}, 400, "bad_data"),
    ("/api/v1/query", {"query": "sum(", "time": "1"}, 400, "bad_data"),
    ("/api/v1/query", {"query": "up", "timeout": "-x"}, 400, "bad_data"),
    ("/api/v1/query_range", {"query": "up", "start": "1", "end": "0", "step": "1"}, 400, "bad_data"),
    ("/api/v1/query_range", {"query": "up", "start": "0", "end": "1e9", "step": "1"}, 400, "bad_data"),
    ("/api/v1/query_range", {"query": "up", "start": "0", "end": "10", "step": "-1"}, 400, "bad_data"),
    ("/api/v1/query_range", {"query": "up", "start": "0", "end": "10"}, 400, "bad_data"),
    ("/api/v1/series", {}, 400, "bad_data"),
    ("/api/v1/series", {"match[]": '{job=~".*"}'}, 400, "bad_data"),
    ("/api/v1/series", {"match[]": "up{"}, 400, "bad_data"),
    ("/api/v1/labels", {"start": "x"}, 400, "bad_data"),
    ("/api/v1/label/__name__/values", {"limit": "-1"}, 400, "bad_data"),
    ("/api/v1/label/1abc/values", {}, 400, "bad_data"),
    ("/api/v1/query", {"query": "x" * 2000 + "{" * 3000}, 400, "bad_data"),
    ("/api/v1/query", {"query": "(" * 100000 + "1" + ")" * 100000}, 400, "bad_data"),
])
def test_hostile_requests(tsdb, path, params, status, etype):
    post = len(urllib.parse.urlencode(params)) > 4000
    st, j = api(tsdb.port, path, params, post=post)
    assert st == status, j
    assert j["status"] == "error" and j["errorType"] == etype, j
    # the server is still there
    assert api(tsdb.port, "/api/v1/query", {"query": "1"})[0] == 200


def test_unknown_paths_and_methods(tsdb):
    assert http_get(tsdb.url("/api/v1/nonexistent"))[0] == 404
    assert http_get(tsdb.url("/nonexistent"))[0] == 404
    assert http_get(tsdb.url("/api/v1/label/job/valuez"))[0] == 404
    assert http_get(tsdb.url("/api/v1/query"), method="DELETE")[0] == 405
    assert http_get(tsdb.url("/-/reload"))[0] == 405
    st, _, body = http_get(tsdb.url("/api/v1/write"), method="POST")
    assert st == 404 and b"--web.enable-remote-write-receiver" in body
    # a body over the limit
    req = urllib.request.Request(tsdb.url("/api/v1/query"), data=b"query=" + b"1" * (8 << 20),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        urllib.request.urlopen(req, timeout=10)
        code = 200
    except urllib.error.HTTPError as e:
        code = e.code
    except OSError:
        code = 413  # the server may close before reading it all
    assert code == 413


def test_query_timeout_and_max_samples(daemon, tmp_path, target):
    cfg = tmp_path / "prometheus.yml"
    write_config(cfg, target.port)
    d = daemon([TSDB, f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path}/data",
                "--query.max-samples=10"])
    wait_query(d.port, 'up', lambda r: len(r) == 1)
    st, j = api(d.port, "/api/v1/query", {"query": "sum_over_time(vector(1)[1m:1s])"})
    assert st == 422 and j["errorType"] == "execution", j
    assert "sample" in j["error"]
    st, j = api(d.port, "/api/v1/query", {"query": "count_over_time(py_gauge[1h:1ms])",
                                          "timeout": "0.001"})
    assert st in (503, 422), j
    assert j["errorType"] in ("timeout", "execution"), j


# ---- the other endpoints ----

def test_targets_and_metadata(tsdb, target):
    st, j = api(tsdb.port, "/api/v1/targets")
    py = [t for t in j["data"]["activeTargets"] if t["scrapePool"] == "py"]
    assert len(py) == 1
    t = py[0]
    assert t["health"] == "up" and t["lastError"] == ""
    assert t["scrapeUrl"] == f"http://127.0.0.1:{target.port}/metrics"
    assert t["labels"] == {"instance": f"127.0.0.1:{target.port}", "job": "py"}
    assert t["scrapeInterval"] == "1s"
    st, j = api(tsdb.port, "/api/v1/targets", {"state": "dropped"})
    assert j["data"]["activeTargets"] == []
    st, j = api(tsdb.port, "/api/v1/targets/metadata",
                {"match_target": '{job="py"}', "metric": "py_requests_total"})
    assert st == 200, j
    assert j["data"] == [{"target": {"instance": f"127.0.0.1:{target.port}", "job": "py"},
                          "type": "counter", "help": "Requests of the test target.",
                          "unit": ""}]
    st, j = api(tsdb.port, "/api/v1/targets/metadata", {"match_target": '{job="py"}'})
    assert {m["metric"] for m in j["data"]} >= {"py_gauge", "py_requests_total"}
    st, j = api(tsdb.port, "/api/v1/targets/metadata", {"match_target": "{"})
    assert st == 400 and j["errorType"] == "bad_data"
    st, j = api(tsdb.port, "/api/v1/metadata", {"metric": "py_gauge"})
    assert j["data"] == {"py_gauge": [{"type": "gauge", "help": "A gauge of the test target.",
                                       "unit": ""}]}


def test_status_flags_and_config(tsdb):
    st, j = api(tsdb.port, "/api/v1/status/flags")
    f = j["data"]
    assert f["config.file"] == str(tsdb.cfg)
    assert f["query.lookback-delta"] == "5m" and f["storage.tsdb.retention.time"] == "0s"
    st, j = api(tsdb.port, "/api/v1/status/runtimeinfo")
    assert j["data"]["storageRetention"] == "15d"
    assert f["web.enable-lifecycle"] == "true"
    st, j = api(tsdb.port, "/api/v1/status/config")
    assert "job_name: py" in j["data"]["yaml"]
    assert "scrape_timeout: 1s" in j["data"]["yaml"]


def test_federate(tsdb):
    st, h, body = http_get(tsdb.url("/federate?match[]=" + urllib.parse.quote('py_gauge{kind="a"}')))
    assert st == 200, body
    lines = body.decode().splitlines()
    assert lines[0] == "# TYPE py_gauge untyped"
    name_labels, value, ts = lines[1].rsplit(" ", 2)
    assert name_labels.startswith('py_gauge{instance="127.0.0.1:')
    assert 'job="py"' in name_labels and 'kind="a"' in name_labels
    assert 'replica="r1"' in name_labels  # the external label
    assert value == "1.5" and abs(int(ts) / 1000 - time.time()) < 10
    st, _, body = http_get(tsdb.url("/federate?match[]=" + urllib.parse.quote("{")))
    assert st == 400


def test_metrics_and_health(tsdb):
    api(tsdb.port, "/api/v1/query", {"query": "1"})
    st, _, body = http_get(tsdb.url("/metrics"))
    text = body.decode()
    assert st == 200
    assert 'prometheus_http_requests_total{code="200",handler="/api/v1/query"}' in text
    assert "process_resident_memory_bytes" in text
    assert "prometheus_config_last_reload_successful 1" in text
    assert http_get(tsdb.url("/-/healthy"))[0] == 200
    assert http_get(tsdb.url("/-/ready"))[0] == 200
    # the UI pages and assets
    for p in ("/graph", "/targets", "/alerts", "/status", "/static/app.js", "/static/style.css"):
        st, h, body = http_get(tsdb.url(p))
        assert st == 200 and body, p
    assert http_get(tsdb.url("/static/nope.js"))[0] == 404
    # / redirects to /graph (urllib follows it)
    st, h, body = http_get(tsdb.url("/"))
    assert st == 200 and b"app.js" in body


# ---- reload ----

def test_reload_bad_config_keeps_the_old_one(tsdb, target):
    good = tsdb.cfg.read_text()
    tsdb.cfg.write_text(good.replace("scrape_interval: 1s", "scrape_intervall: 1s"))
    st, _, body = http_get(tsdb.url("/-/reload"), method="POST")
    assert st == 500
    assert b"prometheus.yml:2:" in body and b"scrape_intervall" in body
    st, j = api(tsdb.port, "/api/v1/status/runtimeinfo")
    assert j["data"]["reloadConfigSuccess"] is False
    # still scraping with the old config
    time.sleep(2.5)
    wait_query(tsdb.port, 'time() - timestamp(up{job="py"})', lambda r: r and float(r[0]["value"][1]) < 2.5)
    # SIGHUP with the same bad file: logged with file:line:col, old kept
    tsdb.proc.send_signal(1)
    time.sleep(0.5)
    assert "scrape_intervall" in tsdb.output()
    # a good config again: a new job appears
    tsdb.cfg.write_text(good + f"""  - job_name: py2
    static_configs:
      - targets: ['127.0.0.1:{target.port}']
""")
    st, _, body = http_get(tsdb.url("/-/reload"), method="POST")
    assert st == 200, body
    wait_query(tsdb.port, 'up{job="py2"}', lambda r: len(r) == 1)
    st, j = api(tsdb.port, "/api/v1/status/runtimeinfo")
    assert j["data"]["reloadConfigSuccess"] is True


def test_reload_needs_lifecycle(daemon, tmp_path, target):
    cfg = tmp_path / "prometheus.yml"
    write_config(cfg, target.port)
    d = daemon([TSDB, f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path}/data"])
    assert http_get(d.url("/-/reload"), method="POST")[0] == 403
    assert http_get(d.url("/-/quit"), method="POST")[0] == 403


def test_quit(daemon, tmp_path, target):
    cfg = tmp_path / "prometheus.yml"
    write_config(cfg, target.port)
    d = daemon([TSDB, f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path}/data",
                "--web.enable-lifecycle"])
    assert http_get(d.url("/-/quit"), method="POST")[0] == 200
    assert d.proc.wait(15) == 0


def test_bad_flags_and_config_at_start(tmp_path):
    r = subprocess.run([TSDB, "--no-such-flag"], capture_output=True, timeout=10)
    assert r.returncode == 100
    r = subprocess.run([TSDB, "--query.timeout=soon"], capture_output=True, timeout=10)
    assert r.returncode == 100
    cfg = tmp_path / "bad.yml"
    cfg.write_text("scrape_configs:\n  - job_name: x\n    scrape_interval: 1z\n")
    r = subprocess.run([TSDB, f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path}/d"],
                       capture_output=True, timeout=10)
    assert r.returncode == 100
    assert b"bad.yml:3:" in r.stderr
    r = subprocess.run([TSDB, "--version"], capture_output=True, timeout=10)
    assert r.returncode == 0 and r.stdout.strip()


# ---- against the real Prometheus ----

@pytest.mark.skipif(not os.path.exists(PROMETHEUS), reason="Debian's prometheus is absent")
def test_same_answers_as_prometheus(tsdb, daemon, tmp_path, target):
    cfg = tmp_path / "prom.yml"
    write_config(cfg, target.port)
    prom = daemon([PROMETHEUS, f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path}/prom"])
    wait_query(prom.port, 'up{job="py"}', lambda r: len(r) == 1, timeout=20)
    wait_query(prom.port, 'count_over_time(py_gauge{kind="a"}[1m])', lambda r: r and float(r[0]["value"][1]) >= 3, timeout=20)
    queries = ['py_gauge', '1e-7', 'vector(1e21)', '-1e-300 * vector(1)', 'sum by (code) (py_requests_total)', 'py_gauge * 2 > 0',
               'rate(py_requests_total[30s])', 'label_replace(py_gauge, "x", "$1", "kind", "(.)")',
               'count(up{job="py"})', 'vector(1)', '1e300 * 10', 'scalar(py_gauge{kind="b"})']
    for q in queries:
        a = api(tsdb.port, "/api/v1/query", {"query": q})
        b = api(prom.port, "/api/v1/query", {"query": q})
        assert a[0] == b[0] == 200, (q, a, b)
        da, db = a[1]["data"], b[1]["data"]
        assert da["resultType"] == db["resultType"], q
        if da["resultType"] == "vector":
            ma = {json.dumps(s["metric"], sort_keys=True): float(s["value"][1]) for s in da["result"]}
            mb = {json.dumps(s["metric"], sort_keys=True): float(s["value"][1]) for s in db["result"]}
            assert set(ma) == set(mb), q
            sa = {json.dumps(s["metric"], sort_keys=True): s["value"][1] for s in da["result"]}
            sb = {json.dumps(s["metric"], sort_keys=True): s["value"][1] for s in db["result"]}
            for k in ma:
                assert ma[k] == pytest.approx(mb[k], rel=1e-9, abs=1e-12), (q, k)
                if ma[k] == mb[k]:
                    assert sa[k] == sb[k], (q, k)  # written the same way too
        else:
            assert float(da["result"][1]) == pytest.approx(float(db["result"][1])), q
            if float(da["result"][1]) == float(db["result"][1]):
                assert da["result"][1] == db["result"][1], q
    for path, params in [("/api/v1/series", {"match[]": "py_gauge"}),
                         ("/api/v1/label/kind/values", {}),
                         ("/api/v1/query", {"query": "1+"}),
                         ("/api/v1/query_range", {"query": "up", "start": "1", "end": "0", "step": "1"}),
                         ("/api/v1/series", {}),
                         ("/api/v1/series", {"match[]": '{job=~".*"}'}),
                         ("/api/v1/query_range", {"query": "up", "start": "0", "end": "1e9", "step": "1"}),
                         ("/api/v1/query_range", {"query": "up", "start": "0", "end": "10", "step": "0"}),
                         ("/api/v1/query_range", {"query": "up[5m]", "start": "0", "end": "10", "step": "1"}),
                         ("/api/v1/query", {"query": "up", "timeout": "-x"}),
                         ("/api/v1/label/1abc/values", {}),
                         ("/api/v1/rules", {"type": "x"}),
                         ("/api/v1/metadata", {"limit": "x"}),
                         ("/api/v1/targets", {"state": "x"}),
                         ("/api/v1/query_exemplars", {"query": "up"})]:
        a, b = api(tsdb.port, path, params), api(prom.port, path, params)
        assert a[0] == b[0], (path, a, b)
        if a[0] == 200:
            assert a[1] == b[1], path
        else:
            assert a[1]["errorType"] == b[1]["errorType"], path
            # the part of the message clients parse: which parameter
            if b[1]["error"].startswith("invalid parameter"):
                assert a[1]["error"].split(":")[0] == b[1]["error"].split(":")[0], (path, a, b)


@pytest.mark.skipif(not os.path.exists(PROMETHEUS), reason="Debian's prometheus is absent")
def test_prometheus_federates_from_pharos(tsdb, daemon, tmp_path):
    """Debian's Prometheus scrapes pharos-tsdb's /federate as it would
    scrape another Prometheus (honor_labels, match[])."""
    cfg = tmp_path / "fed.yml"
    cfg.write_text(f"""global:
  scrape_interval: 1s
scrape_configs:
  - job_name: federate
    honor_labels: true
    metrics_path: /federate
    params:
      'match[]': ['{{job="py"}}']
    static_configs:
      - targets: ['127.0.0.1:{tsdb.port}']
""")
    prom = daemon([PROMETHEUS, f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path}/fed"])
    j = wait_query(prom.port, 'py_gauge{replica="r1"}', lambda r: len(r) == 3, timeout=20)
    got = {s["metric"]["kind"]: s["value"][1] for s in j["data"]["result"]}
    assert got == {"a": "1.5", "b": "-2", "html<&>": "1e-07"}
    for s in j["data"]["result"]:
        assert s["metric"]["job"] == "py"  # honor_labels kept the federated job
    st, j = api(prom.port, "/api/v1/query", {"query": 'up{job="federate"}'})
    assert j["data"]["result"][0]["value"][1] == "1"


@pytest.mark.skipif(not os.path.exists(PROMETHEUS), reason="Debian's prometheus is absent")
def test_status_like_prometheus(daemon, tmp_path, target):
    """Same prometheus.yml for both: /api/v1/status/config byte for byte,
    and the flags both have, with the same values."""
    cfg = tmp_path / "prometheus.yml"
    write_config(cfg, target.port, external="  external_labels:\n    site: a\n")
    ours = daemon([TSDB, f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path}/ours"])
    prom = daemon([PROMETHEUS, f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path}/prom"])
    # Prometheus answers its API with 503 until its storage is ready
    wait_http(prom.url("/-/ready"), timeout=20, want_status=200)
    a = http_get(ours.url("/api/v1/status/config"))[2]
    b = http_get(prom.url("/api/v1/status/config"))[2]
    assert a == b
    fa = api(ours.port, "/api/v1/status/flags")[1]["data"]
    fb = api(prom.port, "/api/v1/status/flags")[1]["data"]
    for k in ("config.file", "query.lookback-delta", "query.max-samples", "query.timeout",
              "storage.tsdb.retention.time", "web.enable-lifecycle",
              "web.enable-remote-write-receiver", "log.level"):
        assert fa[k] == fb[k], k


def test_query_concurrency_limit(daemon, tmp_path, target):
    """With --query.max-concurrency=1 a second query waits for the first;
    its wait counts against its timeout; health checks are not held up."""
    cfg = tmp_path / "prometheus.yml"
    write_config(cfg, target.port)
    d = daemon([TSDB, f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path}/data",
                "--query.max-concurrency=1"])
    slow = {}

    def run_slow():
        slow["r"] = api(d.port, "/api/v1/query",
                        {"query": "count_over_time(vector(1)[30d:1s])"}, timeout=60)

    th = threading.Thread(target=run_slow)
    th.start()
    time.sleep(0.3)
    t0 = time.time()
    st, j = api(d.port, "/api/v1/query", {"query": "1", "timeout": "0.3"})
    waited = time.time() - t0
    busy = th.is_alive()
    assert http_get(d.url("/-/healthy"), timeout=2)[0] == 200
    th.join(60)
    assert slow["r"][0] == 200 and slow["r"][1]["data"]["result"][0]["value"][1] == "2592000"
    if busy:  # the slow query was still running: the second one had to wait
        assert st == 503 and j["errorType"] == "timeout", j
        assert 0.25 < waited < 5
    assert api(d.port, "/api/v1/query", {"query": "1"})[0] == 200
