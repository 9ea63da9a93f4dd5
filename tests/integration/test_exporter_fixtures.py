"""pharos-exporter against node_exporter 1.5.0's end-to-end fixtures: the
same fake /proc and /sys, the same flags, and per collector the output must
equal e2e-output.txt line for line (HELP texts aside: ours are our own)."""
import os
import re
import subprocess
import tarfile

import pytest

from conftest import BIN, CONFORMANCE, ROOT, http_get

E2E = os.path.join(CONFORMANCE, "node_exporter", "v1.5.0")
FIXTURES = os.path.join(ROOT, "build", "fixtures", "node_exporter-1.5.0")

# The collectors of the issue that the fixture covers (filesystem, timex and
# uname are off in the reference test; tcpstat is not in it).
COLLECTORS = """arp conntrack cpu cpufreq diskstats entropy filefd hwmon interrupts
loadavg meminfo netclass netdev netstat os powersupplyclass pressure processes
schedstat sockstat softnet stat textfile thermal_zone time udp_queues vmstat""".split()

# The reference test's flags that concern these collectors (E2E-NOTES.md).
FLAGS = [
    "--path.rootfs=collector/fixtures",
    "--path.procfs=collector/fixtures/proc",
    "--path.sysfs=collector/fixtures/sys",
    "--path.udev.data=collector/fixtures/udev/data",
    "--collector.textfile.directory=collector/fixtures/textfile/two_metric_files/",
    "--collector.arp.device-exclude=nope",
    "--collector.netclass.ignored-devices=(dmz|int)",
    "--collector.netclass.ignore-invalid-speed",
    "--collector.netdev.device-include=lo",
    "--collector.cpu.info",
    "--collector.cpu.info.bugs-include=^(cpu_meltdown|spectre_.*|mds)$",
    "--collector.cpu.info.flags-include=^(aes|avx.?|constant_tsc)$",
    "--collector.stat.softirq",
    "--collector.disable-defaults",
    "--no-collector.filesystem", "--no-collector.timex", "--no-collector.uname",
    "--log.level=debug",
]

SKIP_RE = re.compile(r"^(go_|node_exporter_build_info|node_scrape_collector_duration_seconds|"
                     r"process_|node_textfile_mtime_seconds|node_time_(zone|seconds)|"
                     r"node_network_(receive|transmit)_(bytes|packets)_total)")

pytestmark = pytest.mark.skipif(not os.path.isdir(E2E),
                                reason=f"{E2E} is absent: no node_exporter fixtures to compare with")


def family_of(line):
    if line.startswith("# "):
        return line.split()[2]
    m = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line)
    return m.group(0) if m else ""


def load_families():
    fams = {}
    with open(os.path.join(ROOT, "tests", "integration", "data", "e2e_families.tsv")) as f:
        for line in f:
            if line.startswith("#"):
                continue
            fam, coll = line.rstrip("\n").split("\t")
            fams[fam] = coll
    return fams


def sample_family(line, fams):
    """The family a sample line belongs to (summary/histogram suffixes)."""
    name = family_of(line)
    if name in fams:
        return name
    for suf in ("_bucket", "_sum", "_count"):
        if name.endswith(suf) and name[: -len(suf)] in fams:
            return name[: -len(suf)]
    return name


def by_collector(lines, fams):
    out = {}
    for line in lines:
        if not line or line.startswith("# HELP"):
            continue
        if SKIP_RE.match(line):
            continue
        m = re.match(r'node_scrape_collector_success\{collector="([^"]+)"\}', line)
        if m:
            out.setdefault(m.group(1), []).append(line)
            continue
        coll = fams.get(sample_family(line, fams))
        if coll:
            out.setdefault(coll, []).append(line)
    return out


@pytest.fixture(scope="module")
def fixture_tree():
    if not os.path.isdir(os.path.join(FIXTURES, "collector", "fixtures", "sys")):
        os.makedirs(FIXTURES, exist_ok=True)
        with tarfile.open(os.path.join(E2E, "fixtures-unpacked.tar.gz")) as t:
            t.extractall(FIXTURES)
    return FIXTURES


@pytest.fixture(scope="module")
def scrapes(fixture_tree):
    from conftest import Daemon, free_port
    port = free_port()
    have = implemented()
    # Flags of collectors pharos does not have yet would be refused; those
    # collectors fail below instead.
    def wanted(flag):
        if not flag.startswith(("--collector.", "--no-collector.")):
            return True
        return flag == "--collector.disable-defaults" or \
            flag.split(".")[1].split("=")[0] in have
    flags = [f for f in FLAGS if wanted(f)]
    argv = [os.path.join(BIN, "pharos-exporter")] + flags + \
        [f"--collector.{c}" for c in have] + [f"--web.listen-address=127.0.0.1:{port}"]
    d = Daemon(argv, port, cwd=fixture_tree)
    try:
        status, _, body = http_get(d.url("/metrics"))
        assert status == 200
    finally:
        rc = d.stop()
    assert rc == 0, d.output()
    fams = load_families()
    with open(os.path.join(E2E, "e2e-output.txt")) as f:
        want = by_collector(f.read().splitlines(), fams)
    got = by_collector(body.decode().splitlines(), fams)
    return want, got


def implemented():
    out = subprocess.run([os.path.join(BIN, "pharos-exporter"), "--help"],
                         capture_output=True, text=True).stdout
    return [c for c in COLLECTORS + ["filesystem", "timex", "uname"]
            if f"--[no-]collector.{c}\n" in out]


@pytest.mark.parametrize("collector", COLLECTORS)
def test_collector_matches_fixture(scrapes, collector):
    want, got = scrapes
    w, g = want.get(collector, []), got.get(collector, [])
    import difflib
    diff = list(difflib.unified_diff(w, g, "e2e-output.txt", "pharos", lineterm="", n=1))
    assert not diff, f"{collector}: {len(diff)} diff lines\n" + "\n".join(diff[:80])
