"""Start and stop the real servers the platform needs locally: SecantusDB and moto."""
from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent  # for `python -m local.s3_gate`


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _venv_command(name: str) -> str:
    # Prefer the command next to this interpreter (the project's venv), then PATH.
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found: run `make venv` first")
    return found


def wait_for_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{what} did not listen on port {port} within {timeout}s")


def _load_prctl():
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux
        return None


# Looked up once in the parent: the child, between fork and exec, only calls it.
_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the parent dies, so a killed stack (or test
    run) leaves no server behind. Each server also gets its own process group
    (start_new_session), so stop() can signal the server and any children it has."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _close_parent_copy(log) -> None:
    if log is not subprocess.DEVNULL:
        log.close()  # the child keeps its own descriptor


def start_secantus(port: int, storage_path: str, log_path: str | None = None) -> subprocess.Popen:
    """SecantusDB, the embedded MongoDB wire-protocol server; ':memory:' for throwaway data."""
    if storage_path != ":memory:":
        Path(storage_path).mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(
        [_venv_command("secantusd-py"), "--host", "127.0.0.1", "--port", str(port),
         "--storage-path", storage_path, "--log-level", "WARNING"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        preexec_fn=_die_with_parent,
    )
    _close_parent_copy(log)
    wait_for_port(port, proc, "secantusd-py")
    return proc


def start_moto(port: int, log_path: str | None = None,
               credentials: tuple[str, str] | None = None) -> subprocess.Popen:
    """moto's server: S3 and SQS (and the rest of AWS) on localhost. With `credentials`
    (access key id, secret key) it answers only requests signed with them (local/s3_gate.py):
    nothing is reachable anonymously."""
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    env = {**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"}
    command = [_venv_command("moto_server"), "-H", "127.0.0.1", "-p", str(port)]
    if credentials is not None:
        env.update(TUBER_S3_ACCESS_KEY_ID=credentials[0],
                   TUBER_S3_SECRET_ACCESS_KEY=credentials[1],
                   PYTHONPATH=os.pathsep.join(filter(None, [str(_ROOT),
                                                            env.get("PYTHONPATH")])))
        command = [sys.executable, "-m", "local.s3_gate", "-H", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(command,
                            stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True, preexec_fn=_die_with_parent)
    _close_parent_copy(log)
    wait_for_port(port, proc, "moto_server")
    return proc


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    # The whole process group: a server's own children go too.
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop(proc: subprocess.Popen | None, timeout: float = 10) -> None:
    if proc is None:
        return
    if proc.poll() is None:
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
    # Anything left in the group after its leader exited.
    _signal_group(proc, signal.SIGKILL)
