#!/usr/bin/env python3
"""expect.py - fill in the expected results of our own promqltest scripts
from a real Prometheus (2.42, /usr/bin/prometheus), so that no expectation
in tests/promql/*.test is written by hand.

    python3 tests/promql/expect.py [--prometheus /usr/bin/prometheus] FILE.test...

Each FILE is read as a promqltest script (load, clear, eval instant at,
eval_ordered, eval_fail, eval range from .. to .. step ..) and rewritten in
place: comments, load blocks and eval commands stay as written; the lines
under each eval command are replaced by Prometheus's answer. For every
segment of the script (from the start or a `clear` to the next `clear`) a
fresh Prometheus starts on an empty data directory with the harness's
settings (--query.max-samples=10000, lookback 5m) and receives the
segment's load blocks through its remote-write receiver (staleness markers
included); each eval command then becomes a query against it:
  - an error response turns the command into eval_fail (a parse error
    stops the script: the test language has no place for it);
  - an instant vector or scalar answer becomes the expected lines, once
    Prometheus's own range query from t-1m to t+1m agrees with it at t
    (the runner checks that of us, as Prometheus's harness does; where
    Prometheus itself does not hold, the script stops: change the case);
  - a range query's matrix becomes series lines with one value per step
    (`_` where a series has no point);
  - an eval_fail that Prometheus answers, or an answer of a type the
    language cannot express (a range vector, a string), stops the script
    with a message: fix the query.
The command keyword (eval / eval_ordered) is kept; eval_fail is switched
to eval (and back) according to the answer.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from difftest import (STALE, _field, _float_bits, _snappy_literal, free_port,  # noqa: E402
                      prom_query, self_consistent)

UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def parse_duration(s):
    """promqltest duration or plain number of seconds -> seconds (float)."""
    try:
        return float(s)
    except ValueError:
        pass
    total, i = 0.0, 0
    while i < len(s):
        j = i
        while j < len(s) and s[j].isdigit():
            j += 1
        if j == i:
            raise ValueError("bad duration %r" % s)
        k = j
        while k < len(s) and not s[k].isdigit():
            k += 1
        unit = s[j:k]
        if unit not in UNITS:
            raise ValueError("bad duration %r" % s)
        total += int(s[i:j]) * UNITS[unit]
        i = k
    return total


def parse_number(tok):
    low = tok.lower()
    if low in ("nan",):
        return float("nan")
    if low in ("inf", "+inf"):
        return float("inf")
    if low == "-inf":
        return float("-inf")
    if low.startswith(("0x", "-0x", "+0x")):
        return float(int(tok, 16))
    return float(tok)


def expand_values(text):
    """promqltest series values -> list of float / None (missing) / STALE."""
    out = []
    for tok in text.split():
        if tok == "_":
            out.append(None)
        elif tok.startswith("_x"):
            out += [None] * int(tok[2:])
        elif tok == "stale":
            out.append(STALE)
        elif "x" in tok and not tok.lower().startswith(("0x", "-0x", "+0x")):
            head, times = tok.rsplit("x", 1)
            n = int(times)
            # a+b / a-b: the sign that is not the value's own
            cut = max(head.rfind("+", 1), head.rfind("-", 1))
            if cut > 0 and head[cut - 1] not in "eE":
                start, inc = parse_number(head[:cut]), parse_number(head[cut:])
            else:
                start, inc = parse_number(head), 0.0
            for _ in range(n + 1):
                out.append(start)
                start += inc
        else:
            out.append(parse_number(tok))
    return out


def split_series(line):
    """'metric{a="b"} 1 2 3' -> (labels dict, values text)."""
    line = line.strip()
    i, depth, q = 0, 0, None
    while i < len(line):
        c = line[i]
        if q:
            if c == "\\":
                i += 1
            elif c == q:
                q = None
        elif c in "\"'`":
            q = c
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                i += 1
                break
        elif c in " \t" and depth == 0:
            break
        i += 1
    head, rest = line[:i], line[i:]
    labels = {}
    name, body = head, ""
    if "{" in head:
        name, body = head.split("{", 1)
        body = body[:-1]
    if name:
        labels["__name__"] = name
    # label pairs: name="value" separated by commas
    j = 0
    while j < len(body):
        while j < len(body) and body[j] in " ,":
            j += 1
        if j >= len(body):
            break
        k = body.index("=", j)
        lname = body[j:k].strip()
        k += 1
        while body[k] == " ":
            k += 1
        qc = body[k]
        k += 1
        val = []
        while body[k] != qc:
            if body[k] == "\\":
                k += 1
                val.append({"n": "\n", "t": "\t"}.get(body[k], body[k]))
            else:
                val.append(body[k])
            k += 1
        labels[lname] = "".join(val)
        j = k + 1
    return labels, rest


def remote_write(port, series):
    """series: [(labels dict, [(t_ms, value or STALE)])]. The samples go in
    time order across all series, in requests of a few thousand: the head
    refuses samples more than an hour older than its newest one."""
    allsamples = sorted(((t, i, v) for i, (_, samples) in enumerate(series)
                         for t, v in samples), key=lambda x: (x[0], x[1]))
    for c in range(0, len(allsamples), 4000):
        by_series = {}
        for t, i, v in allsamples[c:c + 4000]:
            by_series.setdefault(i, []).append((t, v))
        body = b""
        for i, samples in by_series.items():
            ts = b"".join(_field(1, 2, _field(1, 2, k.encode()) + _field(2, 2, v.encode()))
                          for k, v in sorted(series[i][0].items()))
            for t, v in samples:
                ts += _field(2, 2, _field(1, 1, _float_bits(v)) +
                             _field(2, 0, t & (2**64 - 1)))
            body += _field(1, 2, ts)
        req = urllib.request.Request(
            "http://127.0.0.1:%d/api/v1/write" % port, data=_snappy_literal(body),
            method="POST",
            headers={"Content-Encoding": "snappy", "Content-Type": "application/x-protobuf",
                     "X-Prometheus-Remote-Write-Version": "0.1.0"})
        with urllib.request.urlopen(req, timeout=30) as r:
            if r.status // 100 != 2:
                sys.exit("expect: remote write failed: %d" % r.status)


class Prometheus:
    def __init__(self, binary):
        self.tmp = tempfile.mkdtemp(prefix="pharos-expect-")
        cfg = os.path.join(self.tmp, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global: {}\nscrape_configs: []\n")
        self.port = free_port()
        self.proc = subprocess.Popen(
            [binary, "--config.file=" + cfg, "--storage.tsdb.path=" + self.tmp + "/data",
             "--storage.tsdb.retention.time=100y", "--query.max-samples=10000",
             "--query.timeout=100s", "--web.enable-remote-write-receiver",
             "--web.listen-address=127.0.0.1:%d" % self.port],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(150):
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % self.port,
                                            timeout=1) as r:
                    if r.status == 200:
                        return
            except Exception:
                pass
            time.sleep(0.2)
        self.close()
        sys.exit("expect: Prometheus did not become ready")

    def version(self):
        with urllib.request.urlopen("http://127.0.0.1:%d/api/v1/status/buildinfo"
                                    % self.port) as r:
            import json
            return json.load(r)["data"]["version"]

    def close(self):
        self.proc.terminate()
        self.proc.wait(30)
        shutil.rmtree(self.tmp, ignore_errors=True)


def fmt_value(v):
    if v != v:
        return "NaN"
    if v in (float("inf"), float("-inf")):
        return "+Inf" if v > 0 else "-Inf"
    r = repr(v)
    return r[:-2] if r.endswith(".0") else r


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def fmt_labels(metric):
    name = metric.get("__name__", "")
    rest = sorted((k, v) for k, v in metric.items() if k != "__name__")
    return name + "{" + ", ".join("%s=%s" % (k, quote(v)) for k, v in rest) + "}"


def compress(vals):
    """Series values in the load notation: runs of `_` as _xN, runs of
    integers in arithmetic progression as a+bxN (exact: both sides expand
    them by repeated addition, which is exact for integers)."""
    out, i = [], 0

    def integer(v):
        try:
            f = float(v)
        except ValueError:
            return None
        return int(f) if f == f and abs(f) < 2**52 and f == int(f) and v != "-0" else None

    while i < len(vals):
        j = i + 1
        if vals[i] == "_":
            while j < len(vals) and vals[j] == "_":
                j += 1
            out.append("_" if j - i == 1 else "_x%d" % (j - i))
            i = j
            continue
        a = integer(vals[i])
        if a is not None and i + 2 < len(vals) and integer(vals[i + 1]) is not None:
            d = integer(vals[i + 1]) - a
            while j < len(vals) and integer(vals[j]) == a + (j - i) * d:
                j += 1
            if j - i >= 3:
                out.append("%d%+dx%d" % (a, d, j - i - 1))
                i = j
                continue
        out.append(vals[i])
        i += 1
    return " ".join(out)


def answer(prom, cmd, where):
    """The eval command's keyword and expectation lines from Prometheus."""
    words = cmd.split()
    kw = words[0]
    if words[1] == "instant":
        t = parse_duration(words[3])
        query = cmd.split(None, 4)[4]
        res = prom_query(prom.port, query, t)
    else:
        start, end, step = (parse_duration(words[i]) for i in (3, 5, 7))
        query = cmd.split(None, 8)[8]
        res = prom_query(prom.port, query, None, ("%.3f" % start, "%.3f" % end, "%.3f" % step))
    rest = cmd.split(None, 1)[1]
    if res.get("status") != "success":
        if res.get("errorType") == "bad_data" and "parse error" in res.get("error", ""):
            sys.exit("%s: Prometheus cannot parse %r: %s" % (where, query, res.get("error")))
        return "eval_fail " + rest, []
    if kw == "eval_fail":
        sys.exit("%s: eval_fail, but Prometheus answers %r" % (where, query))
    d = res["data"]
    if words[1] == "instant" and d["resultType"] in ("vector", "scalar") and \
            not self_consistent(prom.port, query, t, d):
        # The runner checks an instant case as a range query too, as
        # Prometheus's harness does; Prometheus itself fails that here.
        sys.exit("%s: Prometheus's range query around %gs disagrees with its instant "
                 "query %r: change the case" % (where, t, query))
    lines = []
    if d["resultType"] == "scalar":
        lines.append("  " + fmt_value(float(d["result"][1])))
    elif d["resultType"] == "vector":
        for s in d["result"]:
            lines.append("  %s %s" % (fmt_labels(s["metric"]), fmt_value(float(s["value"][1]))))
    elif d["resultType"] == "matrix" and words[1] == "range":
        nsteps = int(round((end - start) / step)) + 1
        for s in d["result"]:
            vals = ["_"] * nsteps
            for tt, v in s["values"]:
                vals[int(round((float(tt) - start) / step))] = fmt_value(float(v))
            lines.append("  %s %s" % (fmt_labels(s["metric"]), compress(vals)))
    else:
        sys.exit("%s: %r gives a %s, which a script cannot expect" % (where, query,
                                                                    d["resultType"]))
    return kw + " " + rest, lines


def process(path, binary):
    with open(path) as f:
        src = f.read().split("\n")
    out = []
    prom = None
    pending = []  # load blocks not yet written to the current Prometheus
    i = 0
    try:
        while i < len(src):
            line = src[i]
            word = line.split(None, 1)[0] if line.strip() else ""
            if word == "clear":
                if prom:
                    prom.close()
                    prom = None
                pending = []
                out.append(line)
                i += 1
            elif word == "load":
                step_ms = round(parse_duration(line.split()[1]) * 1000)
                out.append(line)
                i += 1
                while i < len(src) and src[i].strip():
                    if src[i].lstrip().startswith("#"):
                        out.append(src[i])
                        i += 1
                        continue
                    labels, vals = split_series(src[i])
                    samples = [(k * step_ms, v) for k, v in enumerate(expand_values(vals))
                               if v is not None]
                    pending.append((labels, samples))
                    out.append(src[i])
                    i += 1
            elif word.startswith("eval"):
                if prom is None:
                    prom = Prometheus(binary)
                if pending:
                    remote_write(prom.port, pending)
                    pending = []
                head, lines = answer(prom, line.strip(), "%s:%d" % (path, i + 1))
                out.append(head)
                out += lines
                i += 1
                while i < len(src) and src[i].strip() and not src[i].lstrip().startswith("#"):
                    i += 1
            else:
                out.append(line)
                i += 1
    finally:
        if prom:
            prom.close()
    with open(path, "w") as f:
        f.write("\n".join(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prometheus", default="/usr/bin/prometheus")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    if not os.path.exists(args.prometheus):
        sys.exit("expect: %s is not installed" % args.prometheus)
    for path in args.files:
        process(path, args.prometheus)
        print("expect: %s filled in" % path)


if __name__ == "__main__":
    main()
