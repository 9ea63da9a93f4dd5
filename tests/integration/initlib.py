"""Helpers for the pharos-init integration tests: write a pharos.yml into a
temporary directory, start the supervisor in dev mode, ask it things over
its control socket, and wait for conditions (never for fixed times)."""
import os
import re
import signal
import subprocess
import time

from conftest import BIN

INIT = os.path.join(BIN, "pharos-init")


def wait_for(cond, timeout=20.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Init:
    """pharos-init running a config in tmp; always stopped at the end."""

    def __init__(self, tmp, body, extra_args=()):
        self.tmp = str(tmp)
        self.sock = os.path.join(self.tmp, "ctl.sock")
        self.textfile = os.path.join(self.tmp, "textfile")
        self.config = os.path.join(self.tmp, "pharos.yml")
        with open(self.config, "w") as f:
            f.write(f"data_dir: {self.tmp}/data\n"
                    f"control_socket: {self.sock}\n"
                    f"textfile_dir: {self.textfile}\n" + body)
        self.logpath = os.path.join(self.tmp, "init.log")
        self.log = open(self.logpath, "w+")
        self.proc = subprocess.Popen([INIT, "--config", self.config, *extra_args],
                                     cwd=self.tmp, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(lambda: os.path.exists(self.sock) or self.proc.poll() is not None,
                 what="the control socket")
        assert self.proc.poll() is None, self.output()

    def output(self):
        with open(self.logpath) as f:
            return f.read()

    def ctl(self, *args):
        r = subprocess.run([INIT, *args, "--control.socket", self.sock],
                           capture_output=True, text=True, timeout=10)
        return r.returncode, r.stdout, r.stderr

    def status(self):
        """{name: {"state", "pid", "restarts", "backoff"}} from `pharos-init status`."""
        rc, out, err = self.ctl("status")
        assert rc == 0, err
        svcs = {}
        for line in out.splitlines()[1:]:
            f = line.split()
            svcs[f[0]] = {"state": f[1], "pid": int(f[2]), "restarts": int(f[4]),
                          "backoff": f[5]}
        return svcs

    def metric(self, name, service):
        try:
            with open(os.path.join(self.textfile, "pharos_init.prom")) as f:
                text = f.read()
        except FileNotFoundError:
            return None
        m = re.search(r'^%s\{service="%s"\} (\S+)$' % (name, service), text, re.M)
        return float(m.group(1)) if m else None

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("pharos-init did not stop:\n" + self.output())
        return self.proc.returncode


def gone(pid):
    """True when pid no longer exists (not even as a zombie)."""
    return not os.path.exists(f"/proc/{pid}")
