"""The timex collector against Debian's node_exporter 1.5.0 on this machine.
timex is off in the end-to-end fixture test (adjtimex(2) reads the host's
clock state, not a file), so here both binaries scrape the same host and
must report the same families, types and label sets, and the same values
for what does not move between two scrapes a moment apart. The time
collector's zone family, also host-dependent and skipped by the fixture
test, is compared the same way."""
import os

import pytest

from conftest import BIN, http_get, parse_exposition

EXPORTER = os.path.join(BIN, "pharos-exporter")
REFERENCE = "/usr/bin/prometheus-node-exporter"

# The kernel grows maxerror every second and may slew offset and frequency
# between the two scrapes; everything else stays put.
MOVING = ("node_timex_maxerror_seconds", "node_timex_estimated_error_seconds",
          "node_timex_offset_seconds", "node_timex_frequency_adjustment_ratio",
          "node_time_seconds")

pytestmark = pytest.mark.skipif(
    not os.access(REFERENCE, os.X_OK),
    reason=f"{REFERENCE} is absent: no reference node_exporter to compare with")



def scrape_both(daemon, collectors, prefixes, env=None):
    flags = ["--collector.disable-defaults"] + [f"--collector.{c}" for c in collectors]
    ours = daemon([EXPORTER] + flags, env=env)
    ref = daemon([REFERENCE, "--no-collector.systemd"] + flags, env=env)
    out = []
    for d in (ours, ref):
        status, _, body = http_get(d.url("/metrics"))
        assert status == 200
        out.append(parse_exposition(body.decode(), prefixes, collectors))
    return out


def compare(ours, ref):
    (otypes, osamples), (rtypes, rsamples) = ours, ref
    assert otypes == rtypes
    assert sorted(osamples) == sorted(rsamples), (
        "only pharos: %s\nonly node_exporter: %s" % (
            sorted(set(osamples) - set(rsamples)), sorted(set(rsamples) - set(osamples))))
    for key, value in rsamples.items():
        if not key[0].startswith(MOVING):
            assert osamples[key] == value, f"{key}: pharos {osamples[key]}, node_exporter {value}"


def test_timex_on_this_host(daemon):
    ours, ref = scrape_both(daemon, ["timex"], ("node_timex_",))
    compare(ours, ref)
    # adjtimex(2) needs no privilege to read: both report all 17 families.
    assert len(ref[0]) in (0, 17)


@pytest.mark.parametrize("tz", [None, "Europe/Berlin", "EST5EDT", "XYZ-3", ""])
def test_time_zone_on_this_host(daemon, tz):
    env = dict(os.environ)
    env.pop("TZ", None)
    if tz is not None:
        env["TZ"] = tz
    ours, ref = scrape_both(daemon, ["time"], ("node_time_",), env=env)
    compare(ours, ref)
