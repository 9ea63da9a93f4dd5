"""promtool (Debian's, Prometheus 2.42) queries pharos-tsdb as it would
query Prometheus: query instant, query range, query series, query labels."""
import json
import os
import shutil
import subprocess
import time

import pytest

from test_tsdb_api import TSDB, Target, wait_query, write_config

PROMTOOL = shutil.which("promtool")

pytestmark = [
    pytest.mark.skipif(not os.path.exists(TSDB), reason=f"{TSDB} is not built"),
    pytest.mark.skipif(not PROMTOOL, reason="promtool is absent"),
]


@pytest.fixture
def server(daemon, tmp_path):
    t = Target()
    cfg = tmp_path / "prometheus.yml"
    write_config(cfg, t.port)
    d = daemon([TSDB, f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path}/data"])
    wait_query(d.port, 'count_over_time(py_gauge{kind="a"}[1m])',
               lambda r: r and float(r[0]["value"][1]) >= 3)
    yield d
    t.close()


def promtool(*args):
    r = subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_query_instant(server):
    out = promtool("query", "instant", "-o", "json", server.url(""), 'py_gauge{kind="a"}')
    res = json.loads(out)
    assert len(res) == 1
    assert res[0]["metric"]["kind"] == "a" and res[0]["value"][1] == "1.5"
    out = promtool("query", "instant", server.url(""), 'sum(py_requests_total)')
    assert "=> 1030 @[" in out


def test_query_range(server):
    now = time.time()
    out = promtool("query", "range", "-o", "json", f"--start={now - 5:.3f}",
                   f"--end={now:.3f}", "--step=1s", server.url(""), 'py_gauge{kind="b"}')
    res = json.loads(out)
    assert len(res) == 1 and res[0]["values"]
    assert all(v == "-2" for _, v in res[0]["values"])


def test_query_series(server):
    out = promtool("query", "series", "--match=py_gauge", server.url(""))
    lines = sorted(out.strip().splitlines())
    assert len(lines) == 3
    assert all(l.startswith('{__name__="py_gauge"') for l in lines)


def test_query_labels(server):
    out = promtool("query", "labels", server.url(""), "kind")
    assert out.split() == ["a", "b", "html<&>"]
    out = promtool("query", "labels", "--match=up", server.url(""), "job")
    assert out.split() == ["py"]


def test_bad_query_is_reported(server):
    r = subprocess.run([PROMTOOL, "query", "instant", server.url(""), "sum("],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "parse error" in r.stderr
