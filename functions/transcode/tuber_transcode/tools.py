"""Finding and running ffmpeg / ffprobe: a setting, else /opt/bin (an ffmpeg Lambda layer),
else PATH."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from fractions import Fraction

from tuber_common.settings import get_settings

LAYER_BIN = "/opt/bin"
PROBE_TIMEOUT_SECONDS = 60


class NotAVideo(Exception):
    """ffprobe found no readable video stream: the upload is corrupt or not a video."""


def tool(name: str) -> str:
    configured = getattr(get_settings(), f"{name}_path")
    if configured:
        return configured
    in_layer = os.path.join(LAYER_BIN, name)
    if os.access(in_layer, os.X_OK):
        return in_layer
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found (set {name.upper()}_PATH or add an ffmpeg layer)")
    return found


@dataclass(frozen=True)
class Probe:
    width: int          # display width: rotation and pixel aspect ratio applied
    height: int
    fps: float
    has_audio: bool
    duration_seconds: float | None
    # The demuxer that read it (ffprobe's first format name): encoders force the same one.
    demuxer: str | None = None
    # Where the source's timeline starts (ffprobe's format start_time; often 0, 1.4 in some
    # MPEG-TS): chunk boundaries are measured from here.
    start_seconds: float = 0.0


def _fps(stream: dict) -> float:
    for field in ("avg_frame_rate", "r_frame_rate"):
        try:
            value = float(Fraction(stream.get(field) or "0/1"))
        except (ValueError, ZeroDivisionError):
            continue
        if 1 <= value <= 240:
            return value
    return 30.0


def _rotation(stream: dict) -> int:
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            return int(float(side["rotation"]))
    try:
        return int((stream.get("tags") or {}).get("rotate", 0))
    except ValueError:
        return 0


def _start_seconds(fmt: dict) -> float:
    try:
        start = float(fmt.get("start_time") or 0)
    except (TypeError, ValueError):
        return 0.0
    return start if 0 <= start < 86400 else 0.0


def parse_probe(data: dict) -> Probe:
    streams = data.get("streams") or []
    video = next((s for s in streams if s.get("codec_type") == "video"
                  and not (s.get("disposition") or {}).get("attached_pic")
                  and s.get("width") and s.get("height")), None)
    if video is None:
        raise NotAVideo("no video stream")
    width, height = int(video["width"]), int(video["height"])
    try:
        sar = Fraction(str(video.get("sample_aspect_ratio") or "1:1").replace(":", "/"))
    except (ValueError, ZeroDivisionError):
        sar = Fraction(1)
    if sar > 0 and sar != 1:
        width = int(round(width * sar))
    if abs(_rotation(video)) % 180 == 90:
        width, height = height, width
    duration = None
    for source in (data.get("format") or {}, video):
        try:
            duration = float(source["duration"])
            break
        except (KeyError, TypeError, ValueError):
            continue
    # The source's own rate, uncapped: the ladder keeps every n-th frame above 60 fps
    # (ladder.output_frame_rate), and the limits judge the real rate.
    return Probe(width=width, height=height, fps=_fps(video),
                 has_audio=any(s.get("codec_type") == "audio" for s in streams),
                 duration_seconds=round(duration, 3) if duration and duration > 0 else None,
                 demuxer=(str((data.get("format") or {}).get("format_name") or "")
                          .split(",")[0] or None),
                 start_seconds=_start_seconds(data.get("format") or {}))


def probe(source: str) -> Probe:
    """Probe a local file or URL; NotAVideo when it holds no readable video."""
    try:
        done = subprocess.run(
            [tool("ffprobe"), "-v", "error", "-print_format", "json", "-show_format",
             "-show_streams", source],
            capture_output=True, timeout=PROBE_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise NotAVideo("probing timed out") from None
    if done.returncode != 0:
        raise NotAVideo("unreadable")
    try:
        return parse_probe(json.loads(done.stdout or b"{}"))
    except ValueError:
        raise NotAVideo("unreadable") from None


def protocols_for(source: str) -> str:
    """The only protocols ffmpeg may open for `source`: a local file, or the presigned
    http(s) URL of the upload itself (never what a playlist or reference inside it names)."""
    if source.startswith("https://"):
        return "https,tls,tcp"
    if source.startswith("http://"):
        return "http,tcp"
    return "file"


def input_args(probe: Probe, source: str) -> list[str]:
    """ffmpeg's input options for a probed source: the demuxer that probed it, forced, and
    only the protocol the source itself needs."""
    forced = ["-f", probe.demuxer] if probe.demuxer else []
    return ["-protocol_whitelist", protocols_for(source), *forced, "-i", source]
