"""Short generated clips for transcode tests (ffmpeg's lavfi test sources), and ffprobe."""
from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile


_made: dict[tuple, str] = {}  # a clip's parameters: its first encode, in a folder of ours
_folder: str | None = None


def make_clip(path: str, width: int, height: int, *, seconds: float = 2.0,
              audio: bool = True, fps: int = 24) -> str:
    """An H.264 (+ AAC) MP4 of a moving test pattern, encoded as fast as ffmpeg can; the same
    clip again is a copy of the first encode (the test may change its own copy)."""
    global _folder
    key = (width, height, seconds, audio, fps)
    if key not in _made:
        if _folder is None:
            _folder = tempfile.mkdtemp(prefix="tuber-clips-")
            atexit.register(shutil.rmtree, _folder, True)
        _made[key] = _encode(os.path.join(_folder, f"clip-{len(_made)}.mp4"), *key)
    shutil.copyfile(_made[key], path)
    return path


def _encode(path: str, width: int, height: int, seconds: float, audio: bool, fps: int) -> str:
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
           "-i", f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}"]
    if audio:
        cmd += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    cmd += ["-c:a", "aac", "-shortest"] if audio else ["-an"]
    subprocess.run(cmd + [path], check=True, timeout=120)
    return path


def make_corrupt(path: str, size: int = 64 * 1024) -> str:
    """Bytes that start like an MP4 and then are noise: no demuxer makes a video of them."""
    with open(path, "wb") as fh:
        fh.write(b"\x00\x00\x00\x18ftypmp42" + os.urandom(size))
    return path


def probe(path: str) -> dict:
    done = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams",
                           "-show_format", path], capture_output=True, check=True, timeout=60)
    return json.loads(done.stdout)


def video_size(path: str) -> tuple[int, int]:
    stream = next(s for s in probe(path)["streams"] if s["codec_type"] == "video")
    return int(stream["width"]), int(stream["height"])
