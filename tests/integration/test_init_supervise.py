"""pharos-init in dev mode: restarts, backoff, shutdown, control, metrics,
bad input. Services are small shell and Python programs."""
import os
import re
import signal
import subprocess
import sys

import pytest

from conftest import BIN, free_port, http_get, wait_http
from initlib import INIT, Init, gone, wait_for

pytestmark = pytest.mark.skipif(not os.path.exists(INIT), reason=f"{INIT} is not built")

FAST = "restart: {initial_delay: 100ms, max_delay: 1s, reset_after: 1s}\nstop_timeout: 2s\n"


@pytest.fixture
def init(tmp_path):
    started = []

    def start(body, extra_args=()):
        i = Init(tmp_path, body, extra_args)
        started.append(i)
        return i

    yield start
    for i in started:
        i.stop()


def test_kill_9_is_restarted(init):
    i = init(FAST + "role: sleeper\nservices:\n  sleeper:\n"
             "    command: [/bin/sh, -c, 'echo hello from $$; exec sleep 1000']\n")
    pid = wait_for(lambda: i.status()["sleeper"]["pid"], what="a pid")
    assert i.status()["sleeper"]["state"] == "up"
    os.kill(pid, signal.SIGKILL)
    st = wait_for(lambda: (s := i.status()["sleeper"])["pid"] not in (0, pid) and s,
                  what="a new process")
    assert st["restarts"] == 1
    wait_for(lambda: i.metric("pharos_service_restarts_total", "sleeper") == 1 and
             i.metric("pharos_service_up", "sleeper") == 1,
             what="restarts_total 1 and up 1 in the metrics file")
    assert i.metric("pharos_service_last_exit_code", "sleeper") == 128 + 9
    out = i.output()
    assert re.search(r"^sleeper \| hello from \d+$", out, re.M), out
    assert "sleeper: exited (signal 9)" in out


def test_backoff_grows_then_resets_after_a_stable_run(init, tmp_path):
    # Exits at once four times, then stays up.
    script = tmp_path / "flaky.sh"
    script.write_text("n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count\n"
                      "echo run $n; [ $n -le 4 ] && exit 3; exec sleep 1000\n")
    i = init(FAST + f"role: flaky\nservices:\n  flaky:\n    command: [/bin/sh, {script}]\n")
    wait_for(lambda: (s := i.status()["flaky"])["state"] == "up" and s["restarts"] == 4,
             what="the fifth run")
    delays = re.findall(r"flaky: exited \(status 3\) after \S+; restart \d+ in (\S+)s", i.output())
    assert delays == ["0.100", "0.200", "0.400", "0.800"], i.output()
    # Once it has run for reset_after, the delay is back to the start.
    wait_for(lambda: i.metric("pharos_service_backoff_seconds", "flaky") == 0.1,
             what="the backoff to reset")
    os.kill(i.status()["flaky"]["pid"], signal.SIGKILL)
    wait_for(lambda: "restart 5 in" in i.output(), what="the fifth restart")
    assert "flaky: exited (signal 9) after" in i.output()
    assert re.search(r"restart 5 in 0\.100s", i.output()), i.output()


def test_missing_program_backs_off_and_builtin_is_skipped(init):
    i = init(FAST + "bin_dir: /nonexistent\nrole: [exporter, ghost]\nservices:\n"
             "  ghost:\n    command: [pharos-no-such-program]\n")
    wait_for(lambda: i.status()["ghost"]["restarts"] >= 3, what="three restarts")
    out = i.output()
    assert "exporter: skipped: /nonexistent/pharos-exporter does not exist (not built yet?)" in out
    # Found missing only at exec time (looked up in PATH): it backs off.
    assert re.search(r"^ghost +\| pharos-init: fatal: cannot run pharos-no-such-program: not found$",
                     out, re.M), out
    delays = [float(d) for d in re.findall(r"ghost: exited \(status 127\).*? in (\S+)s", out)]
    assert delays[:3] == [0.1, 0.2, 0.4], out
    st = i.status()
    assert st["exporter"]["state"] == "skipped"
    assert st["ghost"]["state"] == "backing-off" or st["ghost"]["state"] == "up"


def test_sigterm_stops_everything_in_reverse_order(init, tmp_path):
    # "stubborn" ignores SIGTERM and has a child of its own: SIGKILL after
    # the stop timeout takes the whole process group.
    i = init("stop_timeout: 1s\nrole: [first, stubborn]\nservices:\n"
             "  first:\n    command: [/bin/sh, -c, 'exec sleep 1000']\n"
             "  stubborn:\n    after: [first]\n"
             f"    command: [/bin/sh, -c, 'trap \"\" TERM; sleep 1000 & echo $! > {tmp_path}/grandchild; wait; wait']\n")
    wait_for(lambda: all(s["state"] == "up" for s in i.status().values()), what="both up")
    wait_for(lambda: (tmp_path / "grandchild").exists() and (tmp_path / "grandchild").read_text().strip(),
             what="the grandchild")
    pids = [s["pid"] for s in i.status().values()] + [int((tmp_path / "grandchild").read_text())]
    assert i.stop(signal.SIGTERM, timeout=20) == 0
    for p in pids:
        assert gone(p), f"process {p} is still there"
    out = i.output()
    assert out.index("stubborn: stopped") < out.index("first: stopped"), out
    assert "every service stopped" in out


def test_control_restart_and_log(init):
    i = init("role: [a]\nservices:\n  a:\n    command: [/bin/sh, -c, 'echo line one; echo line two; exec sleep 1000']\n")
    pid = wait_for(lambda: i.status()["a"]["pid"], what="a pid")
    wait_for(lambda: "line two" in i.ctl("log", "a")[1], what="the log")
    rc, out, _ = i.ctl("log", "a")
    assert out == "line one\nline two\n"
    rc, out, err = i.ctl("restart", "a")
    assert rc == 0, err
    wait_for(lambda: i.status()["a"]["pid"] not in (0, pid), what="a new pid")
    assert i.status()["a"]["restarts"] == 0  # asked for, not a crash
    rc, out, err = i.ctl("restart", "nope")
    assert rc == 1 and 'no service "nope"' in err
    rc, out, err = i.ctl("stop", "a")
    wait_for(lambda: i.status()["a"]["state"] == "down", what="down")
    rc, out, err = i.ctl("start", "a")
    wait_for(lambda: i.status()["a"]["state"] == "up", what="up again")


def test_readiness_orders_dependants(init, tmp_path):
    port = free_port()
    server = tmp_path / "srv.py"
    server.write_text(
        "import http.server, sys, time\n"
        "time.sleep(0.5)\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        self.send_response(200 if self.path == '/-/ready' else 404); self.end_headers()\n"
        "    def log_message(self, *a): pass\n"
        f"http.server.HTTPServer(('127.0.0.1', {port}), H).serve_forever()\n")
    i = init("role: [web, fdready, client]\nservices:\n"
             f"  web:\n    command: [{sys.executable}, {server}]\n    ready: http\n    listen: 127.0.0.1:{port}\n"
             "  fdready:\n    command: [/bin/sh, -c, 'sleep 0.3; echo >&3; exec sleep 1000']\n    ready: fd\n"
             "  client:\n    after: [web, fdready]\n    command: [/bin/sh, -c, 'echo client runs; exec sleep 1000']\n")
    wait_for(lambda: "client runs" in i.output(), what="the client")
    out = i.output()
    assert out.index("web: ready after") < out.index("client: started"), out
    assert out.index("fdready: ready after") < out.index("client: started"), out


def test_metrics_reach_the_exporter(init):
    exporter = os.path.join(BIN, "pharos-exporter")
    if not os.path.exists(exporter):
        pytest.skip("pharos-exporter is not built")
    port = free_port()
    i = init(f"bin_dir: {BIN}\nrole: app\nservices:\n  exporter:\n    listen: 127.0.0.1:{port}\n")
    wait_for(lambda: i.status()["exporter"]["state"] == "up", what="the exporter to be ready")
    _, _, body = wait_http(f"http://127.0.0.1:{port}/metrics")
    text = http_get(f"http://127.0.0.1:{port}/metrics")[2].decode()
    assert 'pharos_service_up{service="exporter"} 1' in text, text[-2000:]
    assert re.search(r"^exporter +\| ts=\S+ caller=pharos-exporter", i.output(), re.M)


def test_idle_supervisor_sleeps(init):
    i = init("restart: {reset_after: 200ms}\nrole: [a]\nservices:\n  a:\n    command: [/bin/sh, -c, 'exec sleep 1000']\n")
    wait_for(lambda: i.status()["a"]["state"] == "up", what="up")
    wait_for(lambda: i.metric("pharos_service_backoff_seconds", "a") == 1.0, what="stable")

    def stat():
        with open(f"/proc/{i.proc.pid}/status") as f:
            s = f.read()
        return (int(re.search(r"voluntary_ctxt_switches:\s+(\d+)", s).group(1)),
                int(re.search(r"VmRSS:\s+(\d+)", s).group(1)))
    import time
    # Once the reset_after timer has fired there is nothing left to wait
    # for: some 1.5 s window must pass without a single wake-up.
    for _ in range(10):
        before, rss = stat()
        time.sleep(1.5)
        after, rss = stat()
        if after == before:
            break
    assert after == before, f"{after - before} wake-ups in every idle window"
    assert rss <= 1024, f"idle RSS {rss} kB"


def test_config_error_names_file_line_column(tmp_path):
    cfg = tmp_path / "bad.yml"
    cfg.write_text("role: all\nservices:\n  exporter:\n    lisen: :9100\n")
    r = subprocess.run([INIT, "--config", str(cfg)], capture_output=True, text=True, timeout=10)
    assert r.returncode == 100
    assert f'{cfg}:4:5: unknown field "lisen"' in r.stderr
    assert "configuration refused" in r.stderr
    cfg.write_text("role: [exporter\n")
    r = subprocess.run([INIT, "check", "--config", str(cfg)], capture_output=True, text=True, timeout=10)
    assert r.returncode == 100 and f"{cfg}:2:1: " in r.stderr, r.stderr


def test_shipped_configs_are_valid():
    root = os.path.join(os.path.dirname(__file__), "..", "..", "configs")
    for name in ("pharos.yml", "pharos-app.yml", "pharos-monitor.yml", "pharos-dashboard.yml",
                 "pharos-all.yml"):
        r = subprocess.run([INIT, "check", "--config", os.path.join(root, name)],
                           capture_output=True, text=True, timeout=10)
        assert r.returncode == 0, r.stderr


@pytest.mark.skipif(os.getuid() != 0, reason="switching users needs root")
def test_service_runs_as_configured_user(init):
    i = init("role: [a]\nservices:\n  a:\n    user: \"65534:65533\"\n"
             "    command: [/bin/sh, -c, 'exec sleep 1000']\n")
    pid = wait_for(lambda: i.status()["a"]["pid"], what="a pid")
    with open(f"/proc/{pid}/status") as f:
        s = f.read()
    assert re.search(r"^Uid:\s+65534\s", s, re.M), s
    assert re.search(r"^Gid:\s+65533\s", s, re.M), s
    assert re.search(r"^Groups:\s*$", s, re.M), s
