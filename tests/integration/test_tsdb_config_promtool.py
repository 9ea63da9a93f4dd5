"""pharos and promtool agree on what prometheus.yml is valid.

Every file in tests/unit/data/promconfig/good/ must pass
`promtool check config --syntax-only`, every file in bad/ must fail it; the
unit test config_test.c loads the same files with pharos and checks that
good ones load and bad ones fail at the position their first line names.
Together they show the two agree, file by file. unsupported/ holds files
that pharos refuses on purpose (service discovery kinds and auth methods it
does not implement); for those the verdict of this promtool is printed, not
asserted (Debian's build leaves out some discovery kinds).
"""
import os
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "unit", "data", "promconfig")
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"


def _files(sub):
    d = os.path.join(DATA, sub)
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".yml"))


def _check(path):
    r = subprocess.run([PROMTOOL, "check", "config", "--syntax-only", path],
                       capture_output=True, text=True, timeout=30)
    return r.returncode, (r.stdout + r.stderr).strip()


needs_promtool = pytest.mark.skipif(not os.path.exists(PROMTOOL), reason="promtool is not installed")


@needs_promtool
@pytest.mark.parametrize("path", _files("good"), ids=os.path.basename)
def test_promtool_accepts_good(path):
    rc, out = _check(path)
    assert rc == 0, out


@needs_promtool
@pytest.mark.parametrize("path", _files("bad"), ids=os.path.basename)
def test_promtool_rejects_bad(path):
    rc, out = _check(path)
    assert rc != 0, "promtool accepted a file pharos rejects:\n" + out
    # The bad file documents where pharos reports the error.
    with open(path) as f:
        assert f.readline().startswith("# error: "), path


def test_enough_bad_files():
    assert len(_files("bad")) >= 30


@needs_promtool
@pytest.mark.parametrize("path", _files("unsupported"), ids=os.path.basename)
def test_unsupported_verdict(path):
    rc, out = _check(path)
    print(os.path.basename(path), "promtool:", "accepts" if rc == 0 else "rejects")


@needs_promtool
def test_sd_fixture_files_pass_promtool(tmp_path):
    """The file_sd fixtures of the unit tests are valid for Prometheus too:
    promtool (without --syntax-only) reads the files a config names."""
    sd = os.path.abspath(os.path.join(HERE, "..", "unit", "data", "sdfile"))
    cfg = tmp_path / "prometheus.yml"
    cfg.write_text("scrape_configs:\n  - job_name: sd\n    file_sd_configs:\n"
                   "      - files: ['%s/*.json', '%s/*.yml']\n" % (sd, sd))
    r = subprocess.run([PROMTOOL, "check", "config", str(cfg)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "WARNING" not in r.stdout, r.stdout
