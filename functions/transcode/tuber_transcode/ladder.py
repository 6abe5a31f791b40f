"""The adaptive bitrate ladder, adapted to the source: pure functions, no I/O.

A rung is named by the short side of its picture ("720p" is 1280x720 landscape or 720x1280
portrait), so portrait sources keep their orientation. Rungs never exceed the source (no
upscaling); a source smaller than the lowest rung gets one rung at its own size.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

# (short side, H.264 video bitrate in bit/s) - roughly the ladders streaming services publish.
STANDARD_RUNGS: tuple[tuple[int, int], ...] = (
    (240, 400_000), (360, 800_000), (480, 1_400_000), (720, 2_800_000),
    (1080, 5_000_000), (1440, 9_000_000), (2160, 16_000_000),
)
AUDIO_BITRATE = 128_000
AUDIO_CODEC = "mp4a.40.2"  # AAC-LC
# Above this top rung, 240p adds little but encode time: start the ladder at 360p.
SKIP_240_FROM = 1080


@dataclass(frozen=True)
class Rung:
    name: str
    width: int
    height: int
    video_bitrate: int

    def as_dict(self) -> dict:
        return asdict(self)


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def _size(short: int, width: int, height: int) -> tuple[int, int]:
    if width >= height:
        return _even(short * width / height), _even(short)
    return _even(short), _even(short * height / width)


def plan(width: int, height: int, max_short_side: int = 1080) -> list[Rung]:
    """Rungs for a source of `width` x `height` display pixels, lowest first."""
    if width < 2 or height < 2:
        raise ValueError("source picture is too small")
    short = min(width, height, max_short_side)
    steps = [(p, rate) for p, rate in STANDARD_RUNGS if p <= short]
    if not steps:
        # Tiny source: one rung at its own size, bitrate scaled by pixel count from 240p.
        low_p, low_rate = STANDARD_RUNGS[0]
        rate = max(100_000, int(low_rate * (short / low_p) ** 2))
        steps = [(short, rate)]
    if steps[-1][0] >= SKIP_240_FROM and steps[0][0] == 240:
        steps = steps[1:]
    rungs = []
    for p, rate in steps:
        w, h = _size(p, width, height)
        rungs.append(Rung(f"{min(w, h)}p", w, h, rate))
    return rungs


def gop_frames(fps: float, segment_seconds: int) -> int:
    """Keyframe interval in frames: one segment, so every rung cuts at the same instants."""
    return max(1, int(round(fps * segment_seconds)))


def h264_codec_string(sps: bytes) -> str | None:
    """RFC 6381 codec string (avc1.PPCCLL) from the bytes that follow an SPS NAL header."""
    if len(sps) < 3:
        return None
    return "avc1.{:02x}{:02x}{:02x}".format(sps[0], sps[1], sps[2])


def find_sps(data: bytes) -> bytes | None:
    """profile_idc, constraint flags and level_idc of the first H.264 SPS in an Annex B
    stream (an MPEG-TS segment carries one before its first keyframe)."""
    start = 0
    while True:
        at = data.find(b"\x00\x00\x01", start)
        if at < 0 or at + 7 > len(data):
            return None
        if data[at + 3] & 0x1F == 7:
            return data[at + 4:at + 7]
        start = at + 3


def segment_bandwidth(playlist_text: str, sizes: dict[str, int]) -> tuple[int, int]:
    """(peak, average) bit/s of a media playlist, from its segment durations and byte sizes."""
    peak, total_bits, total_seconds = 0.0, 0, 0.0
    duration = None
    for line in playlist_text.splitlines():
        line = line.strip()
        if line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:"):].split(",")[0])
        elif line and not line.startswith("#") and duration is not None:
            bits = sizes[line] * 8
            if duration > 0:
                peak = max(peak, bits / duration)
            total_bits += bits
            total_seconds += duration
            duration = None
    average = total_bits / total_seconds if total_seconds else 0
    return int(math.ceil(peak)), int(math.ceil(average))


def master_playlist(variants: list[dict]) -> str:
    """The master playlist. Each variant: {uri, bandwidth, averageBandwidth, width, height,
    codecs, frameRate?}; listed lowest first."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for v in sorted(variants, key=lambda v: v["bandwidth"]):
        attrs = [f"BANDWIDTH={v['bandwidth']}", f"AVERAGE-BANDWIDTH={v['averageBandwidth']}",
                 f"RESOLUTION={v['width']}x{v['height']}", f'CODECS="{v["codecs"]}"']
        if v.get("frameRate"):
            attrs.append(f"FRAME-RATE={v['frameRate']:.3f}")
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attrs), v["uri"]]
    return "\n".join(lines) + "\n"
