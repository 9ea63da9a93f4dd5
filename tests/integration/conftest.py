"""Shared fixtures for the integration tests: where the binaries are, free
ports, and starting a daemon that is always stopped again."""
import os
import re
import socket
import subprocess
import time
import urllib.request

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("PHAROS_BIN", os.path.join(ROOT, "build", "bin"))
ASAN_BIN = os.environ.get("PHAROS_ASAN_BIN", os.path.join(ROOT, "build", "asan", "bin"))
SHARED = os.path.abspath(os.path.join(ROOT, "..", "shared"))
CONFORMANCE = os.path.join(SHARED, "conformance")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=10, headers=None, method="GET"):
    """Return (status, headers, body bytes); HTTP errors are returned too."""
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def wait_http(url, timeout=10.0, proc=None, want_status=None):
    """Wait until url answers (with want_status, if given)."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"exited with status {proc.returncode}")
        try:
            r = http_get(url, timeout=2)
            if want_status is None or r[0] == want_status:
                return r
            last = f"status {r[0]}"
        except OSError as e:
            last = e
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout}s: {last}")


EXPOSITION_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$')


def parse_exposition(text, prefixes, collectors=()):
    """A scrape's families whose names start with prefixes, plus the
    node_scrape_collector_success lines of the given collectors:
    ({family: type}, {(name, labels text): value})."""
    types, samples = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            if name.startswith(prefixes):
                types[name] = typ
            continue
        if line.startswith("#") or not line:
            continue
        m = EXPOSITION_SAMPLE.match(line)
        assert m, f"unparsable line: {line!r}"
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        if name.startswith(prefixes) or (
                name == "node_scrape_collector_success" and
                any(f'"{c}"' in labels for c in collectors)):
            samples[(name, labels)] = float(value)
    return types, samples


class Daemon:
    def __init__(self, argv, port, cwd=None, env=None):
        self.argv, self.port = argv, port
        self.log = open(os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                     f"pharos-test-{port}.log"), "w+")
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        try:
            wait_http(f"http://127.0.0.1:{port}/", proc=self.proc)
        except RuntimeError as e:
            self.stop()
            raise RuntimeError(f"{argv[0]} did not start ({e}):\n" + self.output())

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture
def daemon():
    """daemon(argv_without_listen, port=None) starts a binary with
    --web.listen-address on a free loopback port and stops it at the end."""
    started = []

    def start(argv, port=None, cwd=None, env=None, listen_flag="--web.listen-address"):
        port = port or free_port()
        d = Daemon(list(argv) + [f"{listen_flag}=127.0.0.1:{port}"], port, cwd=cwd, env=env)
        started.append(d)
        return d

    yield start
    for d in started:
        rc = d.stop()
        # pharos daemons exit 0 on SIGTERM; a sanitizer report does not.
        # (The Go reference binaries die of the signal: not checked.)
        if os.path.basename(d.argv[0]).startswith("pharos-"):
            assert rc == 0, f"{d.argv[0]} exited {rc}:\n{d.output()}"
