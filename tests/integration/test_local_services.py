"""The servers the stack starts do not outlive it, even when it is killed outright."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PARENT = """\
import sys, time
from local import services
proc = services.start_moto(services.free_port())
print(proc.pid, flush=True)
time.sleep(60)
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_killed_parent_takes_its_servers_with_it():
    # Given a process that started moto
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    try:
        moto_pid = int(parent.stdout.readline())
        assert alive(moto_pid)
        # When it is killed with no chance to clean up
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        # Then moto goes too
        deadline = time.monotonic() + 10
        while alive(moto_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(moto_pid)
    finally:
        if parent.poll() is None:
            parent.kill()
        if "moto_pid" in locals() and alive(moto_pid):
            os.kill(moto_pid, signal.SIGKILL)
