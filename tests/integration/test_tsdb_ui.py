"""pharos-tsdb's web UI: the pages are served, and their script (the one
the server embeds) draws the right things when run against the live API.
No browser here: node runs app.js over a small stand-in for the DOM."""
import os
import shutil
import subprocess

import pytest

from conftest import http_get
from test_tsdb_api import TSDB, Target, wait_query, write_config

NODE = shutil.which("node")

pytestmark = [
    pytest.mark.skipif(not os.path.exists(TSDB), reason=f"{TSDB} is not built"),
    pytest.mark.skipif(not NODE, reason="node is absent"),
]

# A DOM just big enough for app.js: elements with children, attributes,
# text and listeners; the text of the whole page is printed at the end.
RUNNER = r"""
const vm = require("vm");
const [base, path, search] = process.argv.slice(1);
class Node_ {
  constructor(tag) { this.tag = tag; this.children = []; this.attrs = {}; this.className = ""; this._text = ""; }
  append(...cs) { for (const c of cs) this.children.push(typeof c === "string" ? text(c) : c); }
  setAttribute(k, v) { this.attrs[k] = String(v); }
  addEventListener() {}
  set textContent(t) { this.children = []; this._text = t; }
  get textContent() { return this._text + this.children.map(c => c.textContent).join(" "); }
}
function text(s) { const n = new Node_("#text"); n._text = s; return n; }
const byId = { main: new Node_("main") };
for (const k of ["graph", "alerts", "targets", "status"]) byId["nav-" + k] = new Node_("a");
const sandbox = {
  document: {
    getElementById: id => byId[id] || null,
    createElement: t => new Node_(t),
    createElementNS: (ns, t) => new Node_(t),
    createTextNode: s => text(s),
  },
  Node: Node_,
  location: { pathname: path, search: search || "" },
  history: { replaceState() {} },
  URLSearchParams, Date, Math, JSON, Promise, Object, console, isFinite, parseFloat, String, Number,
  fetch: (url, opts) => fetch(base + url, opts),
};
(async () => {
  const src = await (await fetch(base + "/static/app.js")).text();
  vm.runInNewContext(src, sandbox);
  await new Promise(r => setTimeout(r, 1500));
  console.log(byId.main.textContent);
})().catch(e => { console.error(e); process.exit(1); });
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ui")
    t = Target()
    cfg = tmp / "prometheus.yml"
    write_config(cfg, t.port)
    from conftest import Daemon, free_port
    port = free_port()
    d = Daemon([TSDB, f"--config.file={cfg}", f"--storage.tsdb.path={tmp}/data",
                f"--web.listen-address=127.0.0.1:{port}"], port)
    wait_query(port, 'up{job="py"}', lambda r: len(r) == 1)
    yield d
    assert d.stop() == 0, d.output()
    t.close()


def page(server, path, search=""):
    r = subprocess.run([NODE, "-e", RUNNER, server.url(""), path, search],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_pages_are_served(server):
    for p in ("/graph", "/targets", "/alerts", "/status"):
        st, h, body = http_get(server.url(p))
        assert st == 200 and h["Content-Type"].startswith("text/html")
        assert b"/static/app.js" in body


def test_targets_page(server):
    out = page(server, "/targets")
    assert "py (1/1 up)" in out and "UP" in out
    assert "/metrics" in out


def test_graph_table(server):
    out = page(server, "/graph", "?g0.expr=py_gauge&g0.tab=1")
    assert 'py_gauge{' in out and 'kind="a"' in out and "1.5" in out


def test_graph_chart_and_errors(server):
    out = page(server, "/graph", "?g0.expr=py_gauge&g0.tab=0&g0.range_input=1m")
    assert 'kind="b"' in out  # the legend
    out = page(server, "/graph", "?g0.expr=sum(&g0.tab=1")
    assert "bad_data" in out and "parse error" in out


def test_status_and_alerts_pages(server):
    out = page(server, "/status")
    assert "numSeries" in out and "storageRetention" in out and "config.file" in out
    out = page(server, "/alerts")
    assert "Alerts (0)" in out
