"""The exposition parsers of pharos-tsdb against reference data.

1. The OpenMetrics test suite's parser cases
   (../shared/conformance/openmetrics/parser-testdata.tar.gz): each case is a
   folder with test.json ({"shouldParse": bool}) and the exposition; the
   tarball is extracted under build/ at test time and every case goes through
   `textparse-check --format openmetrics --strict` (the suite's
   cmd-parser-text). Every case must be classified right; cases that cannot
   be would be listed, with a reason, in openmetrics-expected-failures.txt
   beside this file (there are none).
2. The exposition samples of Prometheus's textparse tests
   (../shared/conformance/exposition/): *.prom.txt through the text-format
   parser, *.om.txt through the OpenMetrics parser (Prometheus's semantics, as
   a scrape uses it), each with the number of samples counted here
   independently.

Skipped, saying so, when ../shared is absent.
"""
import json
import os
import shutil
import subprocess
import tarfile
import tempfile

import pytest

from conftest import ASAN_BIN, CONFORMANCE, ROOT

CHECK = os.path.join(ASAN_BIN, "textparse-check")
OM_TARBALL = os.path.join(CONFORMANCE, "openmetrics", "parser-testdata.tar.gz")
EXPOSITION = os.path.join(CONFORMANCE, "exposition")
EXPECTED_FAILURES = os.path.join(os.path.dirname(__file__), "openmetrics-expected-failures.txt")


@pytest.fixture(scope="module")
def check_bin():
    if not os.access(CHECK, os.X_OK):
        pytest.fail(f"{CHECK} is missing: build it with `make {os.path.relpath(CHECK, ROOT)}`")
    return CHECK


@pytest.fixture(scope="module")
def om_cases():
    if not os.path.exists(OM_TARBALL):
        pytest.skip(f"OpenMetrics suite absent: {OM_TARBALL} not found")
    base = os.path.join(ROOT, "build")
    os.makedirs(base, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="openmetrics-testdata-", dir=base)
    try:
        with tarfile.open(OM_TARBALL) as t:
            for m in t.getmembers():
                if not (m.isfile() or m.isdir()) or m.name.startswith("/") or ".." in m.name.split("/"):
                    raise RuntimeError(f"unexpected tar member {m.name}")
            t.extractall(tmp)
        cases = []
        for dirpath, _, files in os.walk(tmp):
            if "test.json" in files:
                with open(os.path.join(dirpath, "test.json")) as f:
                    spec = json.load(f)
                assert spec.get("type", "text") == "text"
                with open(os.path.join(dirpath, spec["file"]), "rb") as f:
                    data = f.read()
                cases.append((os.path.basename(dirpath), spec["shouldParse"], data))
        yield sorted(cases)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def expected_failures():
    names = set()
    if os.path.exists(EXPECTED_FAILURES):
        with open(EXPECTED_FAILURES) as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line:
                    names.add(line.split()[0])
    return names


def run_check(check_bin, data, *args):
    return subprocess.run([check_bin, *args], input=data, capture_output=True, timeout=30)


def test_openmetrics_parser_suite(check_bin, om_cases):
    allowed = expected_failures()
    wrong, right = [], 0
    for name, should_parse, data in om_cases:
        r = run_check(check_bin, data, "--format", "openmetrics", "--strict")
        assert r.returncode in (0, 1), f"{name}: exit {r.returncode}: {r.stderr.decode()}"
        assert b"Sanitizer" not in r.stderr and b"runtime error" not in r.stderr, r.stderr.decode()
        if r.returncode == 1:
            # "textparse-check: LINE:COL: what"
            head = r.stderr.decode().strip().split(": ", 2)
            pos = head[1].split(":") if len(head) == 3 else []
            assert len(pos) == 2 and all(x.isdigit() for x in pos), \
                f"{name}: no position in {r.stderr.decode()!r}"
        if (r.returncode == 0) == should_parse:
            right += 1
        elif name not in allowed:
            wrong.append(f"{name}: want {'parse' if should_parse else 'reject'}, "
                         f"got {'parse' if r.returncode == 0 else r.stderr.decode().strip()}")
    print(f"OpenMetrics parser cases: {right}/{len(om_cases)} classified right")
    assert len(om_cases) >= 200, f"only {len(om_cases)} cases found in {OM_TARBALL}"
    assert not wrong, "\n".join(wrong)


def count_samples(data, fmt):
    """Samples in an exposition, counted line by line (independent of the C
    parser): every line that is neither blank nor a # line is one sample."""
    n = 0
    for line in data.decode("utf-8").split("\n"):
        s = line.strip() if fmt == "prom" else line
        if not s or s.startswith("#"):
            continue
        n += 1
    return n


def exposition_files():
    if not os.path.isdir(EXPOSITION):
        return []
    return sorted(f for f in os.listdir(EXPOSITION) if f.endswith((".prom.txt", ".om.txt")))


@pytest.mark.parametrize("name", exposition_files() or ["(absent)"])
def test_exposition_samples_parse(check_bin, name):
    if name == "(absent)":
        pytest.skip(f"exposition samples absent: {EXPOSITION} not found")
    fmt = "openmetrics" if name.endswith(".om.txt") else "prom"
    with open(os.path.join(EXPOSITION, name), "rb") as f:
        data = f.read()
    r = run_check(check_bin, data, "--format", fmt, "--count")
    assert r.returncode == 0, f"{name}: {r.stderr.decode()}"
    want = count_samples(data, "prom" if fmt == "prom" else "om")
    assert want > 0
    assert int(r.stdout) == want, f"{name}: parsed {int(r.stdout)} samples, counted {want}"
