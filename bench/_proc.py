"""Helpers the bench scripts share: free loopback ports and what /proc says
about a process. (The leading underscore keeps bench/run.sh from running it.)"""
import os
import re
import socket


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_kb(pid, field):
    """A /proc/PID/status figure in kB, e.g. status_kb(pid, "VmHWM")."""
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(field + r":\s+(\d+)", f.read()).group(1))


def cpu_seconds(pid):
    """CPU time of all the process's threads, in ns precision (schedstat);
    /proc/PID/stat only counts in 10 ms ticks."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total / 1e9
