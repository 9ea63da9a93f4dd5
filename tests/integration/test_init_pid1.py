"""pharos-init as PID 1 — in new PID, mount, UTS and network namespaces
(unshare), so its mounts, hostname and signals stay inside. What needs a
real boot (modules, DHCP, the data disk, the power button, poweroff of a
machine) is left to the qemu tests of the image: here the data label and
the module list name nothing, and the network is off."""
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from initlib import INIT, wait_for

pytestmark = pytest.mark.skipif(not os.path.exists(INIT), reason=f"{INIT} is not built")


def can_unshare():
    try:
        return subprocess.run(["unshare", "-p", "-f", "-m", "-u", "-n", "true"],
                              capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(not can_unshare(), reason="needs root and unshare(1) for PID/mount namespaces")
def test_pid1_boots_supervises_and_powers_off(tmp_path):
    # /tmp becomes a fresh tmpfs inside: the config is read before that.
    cfg = tmp_path / "pharos.yml"
    # The module list is read after /tmp is mounted over: keep it elsewhere.
    mods = f"/var/tmp/pharos-test-modules-{os.getpid()}.list"
    with open(mods, "w") as f:
        f.write("# test\nno-such-module.ko\n")
    cfg.write_text(f"role: [a, b]\nhostname: pharos-pid1-test\nmodules: {mods}\n"
                   "stop_timeout: 2s\nrestart: {initial_delay: 100ms}\n"
                   "data: {label: pharos-test-no-such-label, mount: /run/data}\n"
                   "network: {mode: none}\n"
                   "services:\n"
                   "  a:\n    command: [/bin/sh, -c, 'echo a runs as $$; exec sleep 1000']\n"
                   "  b:\n    after: [a]\n    command: [/bin/sh, -c, 'exec sleep 1000']\n")
    log = open(tmp_path / "console.log", "w+")
    un = subprocess.Popen(["unshare", "-p", "-f", "-m", "-u", "-n", "--propagation", "private",
                           INIT, "--config", str(cfg), "--bin-dir", "/nonexistent"],
                          stdout=log, stderr=subprocess.STDOUT)

    def output():
        log.flush()
        return (tmp_path / "console.log").read_text()
    try:
        def init_pid():
            try:
                kids = open(f"/proc/{un.pid}/task/{un.pid}/children").read().split()
            except OSError:
                return None
            return int(kids[0]) if kids else None
        pid = wait_for(init_pid, what="the namespace's PID 1")
        sock = f"/proc/{pid}/root/run/pharos-init.sock"

        def status():
            r = subprocess.run([INIT, "status", "--control.socket", sock],
                               capture_output=True, text=True, timeout=10)
            return r.stdout if r.returncode == 0 else ""
        wait_for(lambda: re.search(r"^b +up", status(), re.M), what="both services up")
        out = output()
        assert "as PID 1" in out, out
        assert re.search(r"module no-such-module\.ko: No such file", out), out
        assert "modules: 0 loaded, 1 failed" in out
        assert "role a, b (from the configuration" in out or "role a,b (from the" in out, out
        mounts = open(f"/proc/{pid}/mounts").read()
        for mnt in (" /proc proc ", " /run tmpfs ", " /tmp tmpfs ", " /sys sysfs ",
                    " /sys/fs/cgroup cgroup2 ", " /dev/pts devpts "):
            assert mnt in mounts, mounts
        host = subprocess.run(["nsenter", "--uts", "-t", str(pid), "cat",
                               "/proc/sys/kernel/hostname"], capture_output=True, text=True)
        assert host.stdout.strip() == "pharos-pid1-test"
        # A service killed is restarted by PID 1 too. status shows pids of
        # the namespace: find the host's pid of service a through NSpid.
        a = int(re.search(r"^a +up +(\d+)", status(), re.M).group(1))
        host_pid = None
        for kid in open(f"/proc/{pid}/task/{pid}/children").read().split():
            ns = re.search(r"^NSpid:\s+\d+\s+(\d+)", open(f"/proc/{kid}/status").read(), re.M)
            if ns and int(ns.group(1)) == a:
                host_pid = int(kid)
        assert host_pid
        os.kill(host_pid, signal.SIGKILL)
        wait_for(lambda: re.search(r"^a +up +\d+ +\S+ +1 ", status(), re.M),
                 what="a restarted")
        os.kill(pid, signal.SIGTERM)
        un.wait(30)
        out = output()
        assert out.index("b: stopped") < out.index("a: stopped"), out
        assert "power off" in out, out
        # reboot(RB_POWER_OFF) in a PID namespace ends its init with SIGINT.
        assert not os.path.exists(f"/proc/{pid}")
    finally:
        os.unlink(mods)
        if un.poll() is None:
            un.kill()
            un.wait()


def host_has_data_partition():
    # The default configuration looks for a partition named "data" and would
    # grow and mount it: never on the machine running the tests.
    for dev in os.listdir("/sys/class/block"):
        try:
            if "PARTNAME=data\n" in open(f"/sys/class/block/{dev}/uevent").read():
                return True
        except OSError:
            pass
    try:
        return subprocess.run(["blkid", "-L", "data"], capture_output=True).returncode == 0
    except OSError:
        return False


@pytest.mark.skipif(not can_unshare(), reason="needs root and unshare(1) for PID/mount namespaces")
@pytest.mark.skipif(host_has_data_partition(), reason="this machine has a partition named data")
def test_pid1_with_a_bad_config_boots_the_default(tmp_path):
    cfg = tmp_path / "pharos.yml"
    cfg.write_text("role: all\nservces: {}\nnetwork: {mode: none}\n")
    log = open(tmp_path / "console.log", "w+")
    un = subprocess.Popen(["unshare", "-p", "-f", "-m", "-u", "-n", "--propagation", "private",
                           INIT, "--config", str(cfg)], stdout=log, stderr=subprocess.STDOUT)
    try:
        def init_pid():
            try:
                kids = open(f"/proc/{un.pid}/task/{un.pid}/children").read().split()
            except OSError:
                return None
            return int(kids[0]) if kids else None
        pid = wait_for(init_pid, what="the namespace's PID 1")
        wait_for(lambda: "control socket" in (tmp_path / "console.log").read_text(),
                 what="supervision to start")
        out = (tmp_path / "console.log").read_text()
        assert f'{cfg}:2:1: unknown field "servces"' in out, out
        assert "configuration refused; booting the default role" in out
        # The default: role all, image paths; nothing is installed in /bin here.
        assert "exporter: skipped: /bin/pharos-exporter does not exist" in out, out
        os.kill(pid, signal.SIGTERM)
        un.wait(30)
        assert "power off" in (tmp_path / "console.log").read_text()
    finally:
        if un.poll() is None:
            un.kill()
            un.wait()


DHCP_SERVER = r'''
import socket, struct, sys
dev, count_file = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
s.bind(("0.0.0.0", 67))
acks = 0
print("ready", flush=True)
while True:
    p, _ = s.recvfrom(2048)
    if len(p) < 240 or p[0] != 1:
        continue
    opts, i, mtype = p[240:], 0, None
    while i < len(opts) and opts[i] != 255:
        if opts[i] == 0:
            i += 1; continue
        if opts[i] == 53:
            mtype = opts[i + 2]
        i += 2 + opts[i + 1]
    reply = {1: 2, 3: 5}.get(mtype)
    if not reply:
        continue
    ip = lambda a: socket.inet_aton(a)
    o = bytes([53, 1, reply, 54, 4]) + ip("10.99.0.1") + bytes([51, 4]) + struct.pack("!I", 4)
    o += bytes([1, 4]) + ip("255.255.255.0") + bytes([3, 4]) + ip("10.99.0.1")
    o += bytes([6, 4]) + ip("10.99.0.53") + bytes([26, 2]) + struct.pack("!H", 1400)
    o += bytes([15, 4]) + b"test" + bytes([255])
    r = bytes([2, 1, 6, 0]) + p[4:8] + b"\0\0" + p[10:12] + b"\0" * 4 + ip("10.99.0.2")
    r += ip("10.99.0.1") + b"\0" * 4 + p[28:44] + b"\0" * 192 + bytes([99, 130, 83, 99]) + o
    s.sendto(r, ("255.255.255.255", 68))
    if reply == 5:
        acks += 1
        open(count_file, "w").write(str(acks))
'''


@pytest.mark.skipif(not can_unshare(), reason="needs root and unshare(1) for PID/mount namespaces")
def test_pid1_dhcp_lease_and_renewal(tmp_path):
    """A veth pair into PID 1's network namespace and a tiny DHCP server on
    the host side: the lease is applied (address, MTU, DNS) and renewed at T1."""
    veth = f"ph7v{os.getpid() % 100000}"
    fifo = tmp_path / "go"
    os.mkfifo(fifo)
    cfg = tmp_path / "pharos.yml"
    cfg.write_text("role: [a]\nnetwork: {interface: eth0, mode: dhcp, resolv_conf: /run/resolv.conf}\n"
                   "data: {label: pharos-test-no-such-label, mount: /run/data}\n"
                   "modules: /nonexistent\n"
                   "services:\n  a:\n    command: [/bin/sh, -c, 'exec sleep 1000']\n")
    log = open(tmp_path / "console.log", "w+")
    # PID 1 waits on the fifo until its eth0 exists.
    un = subprocess.Popen(["unshare", "-p", "-f", "-m", "-u", "-n", "--propagation", "private",
                           "/bin/sh", "-c", f'read x < {fifo}; exec {INIT} --config {cfg}'],
                          stdout=log, stderr=subprocess.STDOUT)
    server = None
    try:
        def init_pid():
            try:
                kids = open(f"/proc/{un.pid}/task/{un.pid}/children").read().split()
            except OSError:
                return None
            return int(kids[0]) if kids else None
        pid = wait_for(init_pid, what="the namespace's PID 1")
        subprocess.run(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0",
                        "netns", str(pid)], check=True)
        subprocess.run(["ip", "addr", "add", "10.99.0.1/24", "dev", veth], check=True)
        subprocess.run(["ip", "link", "set", veth, "up"], check=True)
        acks = tmp_path / "acks"
        server = subprocess.Popen([sys.executable, "-c", DHCP_SERVER, veth, str(acks)],
                                  stdout=subprocess.PIPE, text=True)
        assert server.stdout.readline().strip() == "ready"
        with open(fifo, "w") as f:
            f.write("go\n")
        out = lambda: (tmp_path / "console.log").read_text()
        wait_for(lambda: "dhcp: ACK 10.99.0.2/24 gw 10.99.0.1 lease 4s mtu 1400 dns 1" in out(),
                 what="the lease:\n" + out())
        addr = subprocess.run(["nsenter", "-n", "-t", str(pid), "ip", "-o", "addr", "show", "eth0"],
                              capture_output=True, text=True).stdout
        assert "10.99.0.2/24" in addr, addr
        link = subprocess.run(["nsenter", "-n", "-t", str(pid), "ip", "-o", "link", "show", "eth0"],
                              capture_output=True, text=True).stdout
        assert "mtu 1400" in link, link
        route = subprocess.run(["nsenter", "-n", "-t", str(pid), "ip", "route"],
                               capture_output=True, text=True).stdout
        assert "default via 10.99.0.1 dev eth0" in route, route
        assert open(f"/proc/{pid}/root/run/resolv.conf").read() == \
            "search test\nnameserver 10.99.0.53\n"
        # T1 is half of the 4 s lease: renewed from the poll loop.
        wait_for(lambda: "dhcp: renewed 10.99.0.2/24" in out(), timeout=30, what="a renewal")
        assert int(acks.read_text()) >= 2
        os.kill(pid, signal.SIGTERM)
        un.wait(30)
    finally:
        if server:
            server.kill()
            server.wait()
        if un.poll() is None:
            un.kill()
            un.wait()
        subprocess.run(["ip", "link", "del", veth], capture_output=True)
