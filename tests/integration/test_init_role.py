"""Role selection from every source, in order, against a fake root tree
(--root-prefix) and a mock EC2 instance metadata service (IMDSv2)."""
import http.server
import os
import subprocess
import threading

import pytest

from initlib import INIT

pytestmark = pytest.mark.skipif(not os.path.exists(INIT), reason=f"{INIT} is not built")

TOKEN = "tok-123"


class Imds(http.server.BaseHTTPRequestHandler):
    user_data = None

    def do_PUT(self):
        if self.path == "/latest/api/token" and \
                self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            self._send(200, TOKEN)
        else:
            self._send(400, "")

    def do_GET(self):
        if self.headers.get("X-aws-ec2-metadata-token") != TOKEN:
            self._send(401, "")
        elif self.path == "/latest/user-data" and Imds.user_data is not None:
            self._send(200, Imds.user_data)
        else:
            self._send(404, "")

    def _send(self, code, body):
        b = body.encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def log_message(self, *a):
        pass


@pytest.fixture
def imds():
    srv = http.server.HTTPServer(("127.0.0.1", 0), Imds)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    Imds.user_data = None


def role(root, imds_url=None):
    args = [INIT, "role", "--root-prefix", str(root)]
    if imds_url:
        args += ["--imds-url", imds_url]
    r = subprocess.run(args, capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def put(root, rel, data):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data if isinstance(data, bytes) else data.encode())


def fat_boot_sector(label):
    b = bytearray(512)
    b[510:512] = b"\x55\xaa"
    b[0x26] = 0x29
    b[0x2B:0x36] = label.ljust(11).encode()
    b[0x36:0x3E] = b"FAT12   "
    return bytes(b)


def smbios11(*strings):
    body = b"".join(s.encode() + b"\0" for s in strings) + b"\0"
    return bytes([11, 5, 0, 0, len(strings)]) + body


def test_each_source_and_the_order(tmp_path, imds):
    root = tmp_path
    assert role(root, imds) == "role=all source=default"

    put(root, "data/pharos.yml", "role: [tsdb, alerter]\n")
    assert role(root, imds) == "role=tsdb,alerter source=data"
    put(root, "data/role", "app\n")
    assert role(root, imds) == "role=app source=data"

    put(root, "dev/vdb", fat_boot_sector("cidata"))
    put(root, "sys/class/block/vdb/uevent", "DEVNAME=vdb\n")
    put(root, "run/cidata/user-data", "#cloud-config\nrole: dashboard\n")
    assert role(root, imds) == "role=dashboard source=cidata"

    Imds.user_data = "net1=192.168.56.10/24\nrole=monitor\n"
    assert role(root, imds) == "role=monitor source=imds"
    # Without a metadata service (the default off the cloud) the next source counts.
    assert role(root) == "role=dashboard source=cidata"

    put(root, "sys/firmware/dmi/entries/11-0/raw", smbios11("net1=10.0.0.2/24", "role=exporter"))
    assert role(root, imds) == "role=exporter source=smbios"

    put(root, "sys/firmware/qemu_fw_cfg/by_name/opt/org.pharos/role/raw", "tsdb")
    assert role(root, imds) == "role=tsdb source=fw_cfg"

    put(root, "proc/cmdline", "console=ttyS0 quiet role=alerter\n")
    assert role(root, imds) == "role=alerter source=cmdline"


def test_imds_needs_the_token_flow(tmp_path, imds):
    Imds.user_data = "role: app\n"
    assert role(tmp_path, imds) == "role=app source=imds"
    # A metadata service that is not there costs a bounded wait and falls through.
    assert role(tmp_path, "http://127.0.0.1:1") == "role=all source=default"


def test_a_cidata_label_must_match(tmp_path):
    put(tmp_path, "dev/vdc", fat_boot_sector("OTHER"))
    put(tmp_path, "sys/class/block/vdc/uevent", "DEVNAME=vdc\n")
    put(tmp_path, "run/cidata/user-data", "role: app\n")
    assert role(tmp_path) == "role=all source=default"
