"""The filesystem and uname collectors against Debian's node_exporter 1.5.0
on this machine. Both are off in the end-to-end fixture test (their output
depends on the host), so here both binaries scrape the same host and must
report the same families, label sets and the values that do not move
(sizes, inode totals, read-only flags, device errors, uname fields)."""
import os
import tempfile

import pytest

from conftest import BIN, http_get, parse_exposition

EXPORTER = os.path.join(BIN, "pharos-exporter")
REFERENCE = "/usr/bin/prometheus-node-exporter"

# node_exporter 1.5.0's own defaults: Debian patches the mount point one
# (it adds /run, /mnt and /media), so both binaries get them explicitly.
MP_EXCLUDE = ("^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|"
              "var/lib/containers/storage/.+)($|/)")
FS_EXCLUDE = ("^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|"
              "hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|"
              "selinuxfs|squashfs|sysfs|tracefs)$")

# Values that stay put between the two scrapes.
STABLE = ("node_filesystem_size_bytes", "node_filesystem_files", "node_filesystem_readonly",
          "node_filesystem_device_error", "node_uname_info")

pytestmark = pytest.mark.skipif(
    not os.access(REFERENCE, os.X_OK),
    reason=f"{REFERENCE} is absent: no reference node_exporter to compare with")



def scrape_both(daemon, flags, prefixes):
    common = ["--collector.disable-defaults"] + flags
    ours = daemon([EXPORTER] + common)
    ref = daemon([REFERENCE, "--no-collector.systemd"] + common)
    out = []
    for d in (ours, ref):
        status, _, body = http_get(d.url("/metrics"))
        assert status == 200
        out.append(parse_exposition(body.decode(), prefixes, ("filesystem", "uname")))
    return out


def compare(ours, ref):
    (otypes, osamples), (rtypes, rsamples) = ours, ref
    assert otypes == rtypes
    assert sorted(osamples) == sorted(rsamples), (
        "only pharos: %s\nonly node_exporter: %s" % (
            sorted(set(osamples) - set(rsamples)), sorted(set(rsamples) - set(osamples))))
    for key, value in rsamples.items():
        if key[0] in STABLE or key[0] == "node_scrape_collector_success":
            assert osamples[key] == value, f"{key}: pharos {osamples[key]}, node_exporter {value}"


def test_filesystem_and_uname_on_this_host(daemon):
    flags = ["--collector.filesystem", "--collector.uname",
             f"--collector.filesystem.mount-points-exclude={MP_EXCLUDE}",
             f"--collector.filesystem.fs-types-exclude={FS_EXCLUDE}"]
    ours, ref = scrape_both(daemon, flags, ("node_filesystem_", "node_uname_"))
    compare(ours, ref)
    assert "node_uname_info" in ours[0]
    assert ("node_scrape_collector_success", '{collector="filesystem"}') in ours[1]


def test_filesystem_default_flags_on_this_host(daemon):
    """No exclude flags: pharos has upstream's defaults, Debian its own; the
    mounts both report (those Debian does not exclude) agree."""
    ours, ref = scrape_both(daemon, ["--collector.filesystem"], ("node_filesystem_",))
    (_, osamples), (_, rsamples) = ours, ref
    assert set(rsamples) <= set(osamples)
    for key, value in rsamples.items():
        if key[0] in STABLE:
            assert osamples[key] == value, key


def test_filesystem_fake_mount_table(daemon):
    """A mounts file of our own (escaped blanks, a read-only mount, a mount
    point that does not exist, excluded types and points, a duplicate)
    over the real root: both exporters read it the same way."""
    with tempfile.TemporaryDirectory() as procfs:
        os.makedirs(os.path.join(procfs, "1"))
        os.makedirs(os.path.join(procfs, "sys", "kernel"))
        spaced = tempfile.mkdtemp(prefix="pharos fs\t")
        try:
            esc = spaced.replace(" ", "\\040").replace("\t", "\\011")
            with open(os.path.join(procfs, "1", "mounts"), "w") as f:
                f.write("/dev/root / ext4 rw,relatime 0 0\n"
                        "/dev/root / ext4 rw,relatime 0 0\n"
                        "/dev/other / ext4 ro,relatime 0 0\n"
                        f"tmpfs {esc} tmpfs rw,nosuid 0 0\n"
                        "server:/export /nonexistent/pharos-test nfs4 rw 0 0\n"
                        "proc /proc proc rw 0 0\n"
                        "sysfs /sys sysfs rw 0 0\n"
                        "tmpfs /run/credentials/x tmpfs ro 0 0\n"
                        "overlay /var/lib/docker/overlay2/a/merged overlay rw 0 0\n"
                        "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n")
            flags = ["--collector.filesystem", f"--path.procfs={procfs}",
                     f"--collector.filesystem.mount-points-exclude={MP_EXCLUDE}"]
            ours, ref = scrape_both(daemon, flags, ("node_filesystem_",))
        finally:
            os.rmdir(spaced)
    compare(ours, ref)
    _, samples = ours
    labels = {k[1] for k in samples if k[0] == "node_filesystem_device_error"}
    assert len(labels) == 4, labels
    assert samples[("node_filesystem_device_error",
                    '{device="server:/export",fstype="nfs4",mountpoint="/nonexistent/pharos-test"}')] == 1
    assert samples[("node_filesystem_readonly",
                    '{device="/dev/other",fstype="ext4",mountpoint="/"}')] == 1


def test_filesystem_deprecated_flags(daemon):
    """The old flag names still work and say the same as the new ones."""
    flags = ["--collector.filesystem",
             "--collector.filesystem.ignored-mount-points=^/(dev|proc|sys)($|/)",
             "--collector.filesystem.ignored-fs-types=^(proc|sysfs|cgroup2?|devpts)$",
             "--collector.filesystem.mount-timeout=2s"]
    ours, ref = scrape_both(daemon, flags, ("node_filesystem_",))
    compare(ours, ref)


def test_filesystem_rootfs_prefix(daemon):
    """With --path.rootfs (node_exporter in a container, the host's root
    mounted somewhere), mount points lose that prefix and are statted
    under it."""
    with tempfile.TemporaryDirectory() as procfs, tempfile.TemporaryDirectory() as rootfs:
        os.makedirs(os.path.join(procfs, "1"))
        os.makedirs(os.path.join(rootfs, "sub"))
        with open(os.path.join(procfs, "1", "mounts"), "w") as f:
            f.write(f"/dev/a {rootfs} ext4 rw 0 0\n"
                    f"/dev/b {rootfs}/sub ext4 ro 0 0\n"
                    "/dev/c /elsewhere ext4 rw 0 0\n")
        flags = ["--collector.filesystem", f"--path.procfs={procfs}", f"--path.rootfs={rootfs}"]
        ours, ref = scrape_both(daemon, flags, ("node_filesystem_",))
    compare(ours, ref)
    _, samples = ours
    assert samples[("node_filesystem_device_error",
                    '{device="/dev/a",fstype="ext4",mountpoint="/"}')] == 0
    assert samples[("node_filesystem_readonly",
                    '{device="/dev/b",fstype="ext4",mountpoint="/sub"}')] == 1
    assert samples[("node_filesystem_device_error",
                    '{device="/dev/c",fstype="ext4",mountpoint="/elsewhere"}')] == 1
