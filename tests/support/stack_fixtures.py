"""The local stack as a subprocess, for e2e tests (auto-loaded by tests/conftest.py).

    def test_something(local_stack):          # session-scoped: one stack for the whole run
        requests.get(f"{local_stack.url}/video")

`local_stack` is `python -m local.stack --port <free> --data-dir <temp>`: a fresh database,
fresh secrets, the real functions, moto S3/SQS and the event pump, reachable at
`local_stack.url` (API and web client) and `local_stack.s3_url`; `stack_url` is that URL
alone. Tests that need to stop and start a stack themselves use `StackProcess` directly.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from local.services import free_port

ROOT = Path(__file__).resolve().parents[2]
BANNER_DONE = "Press Ctrl-C to stop."


class StackProcess:
    def __init__(self, data_dir: Path, port: int | None = None,
                 extra_env: dict[str, str] | None = None):
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.extra_env = dict(extra_env or {})
        if os.environ.get("MONGODB_URI"):
            # A shared real MongoDB: a database of this stack's own, kept across restarts.
            self.extra_env.setdefault("MONGODB_DB", f"tuber_e2e_{uuid.uuid4().hex[:10]}")
        self.proc: subprocess.Popen | None = None
        self.log_path = self.data_dir / "stack-output.log"
        self.s3_url = ""
        self.mongo_uri = ""
        self._log_offset = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> "StackProcess":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.extra_env, "PYTHONUNBUFFERED": "1"}
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "local.stack", "--port", str(self.port),
             "--data-dir", str(self.data_dir)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        log.close()
        self._wait_until_ready(timeout)
        return self

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[self._log_offset:] \
            if self.log_path.exists() else ""

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"local stack exited ({self.proc.returncode}):\n"
                                   f"{self.output()[-4000:]}")
            text = self.output()
            if BANNER_DONE in text:
                self.s3_url = re.search(r"S3 \(moto\)\s+(\S+)", text).group(1)
                self.mongo_uri = re.search(r"MongoDB\s+(\S+)", text).group(1)
                requests.get(f"{self.url}/openapi.json", timeout=30).raise_for_status()
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"local stack not ready in {timeout}s:\n{self.output()[-4000:]}")

    def children(self) -> list[int]:
        """Pids of the processes the stack started (its direct children)."""
        if self.proc is None:
            return []
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:  # field 4 of stat: the parent pid
                found.append(int(stat.parent.name))
        return found

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM, as Ctrl-C would; the stack's own shutdown must stop its servers."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode


PASSWORD = "correct horse battery staple"


def sign_up(base_url: str, username: str | None = None, password: str = PASSWORD) -> dict:
    """Register and sign in over HTTP; the login answer ({accessToken, user, ...})."""
    username = username or f"user_{uuid.uuid4().hex[:8]}"
    registered = requests.post(f"{base_url}/auth/register", timeout=30, json={
        "username": username, "email": f"{username}@example.com", "password": password})
    assert registered.status_code == 201, registered.text
    login = requests.post(f"{base_url}/auth/login", timeout=30,
                          json={"username": username, "password": password})
    assert login.status_code == 200, login.text
    return login.json()


def process_alive(pid: int) -> bool:
    """True unless the process is gone (or a zombie awaiting its reaper)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory):
    """One local stack for the test session (fresh data), stopped at the end."""
    stack = StackProcess(tmp_path_factory.mktemp("local-stack"))
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def stack_url(local_stack) -> str:
    """The base URL of the session's local stack (API and web client), e.g. for the browser
    fixtures, which use it when it exists."""
    return local_stack.url
