"""The adaptive bitrate ladder, adapted to the source: pure functions, no I/O.

A rung is named by the short side of its picture ("720p" is 1280x720 landscape or 720x1280
portrait), so portrait sources keep their orientation. Rungs never exceed the source (no
upscaling); a source smaller than the lowest rung gets one rung at its own size. Every source
of 240p and up starts at 240p / 300 kbit/s, so a viewer on a slow link (Apple's authoring
guidance starts near 145 kbit/s, AWS's VOD solution near 400) still plays. Audio is its own
rendition (one AAC track for every rung), not muxed into each.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from fractions import Fraction

# (short side, H.264 video bitrate in bit/s) - roughly the ladders streaming services publish.
STANDARD_RUNGS: tuple[tuple[int, int], ...] = (
    (240, 300_000), (360, 700_000), (480, 1_200_000), (720, 2_800_000),
    (1080, 5_000_000), (1440, 9_000_000), (2160, 16_000_000),
)
AUDIO_BITRATE = 128_000
MAX_FRAME_RATE = 60


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
    rungs = []
    for p, rate in steps:
        w, h = _size(p, width, height)
        rungs.append(Rung(f"{min(w, h)}p", w, h, rate))
    return rungs


def output_frame_rate(fps: float) -> tuple[Fraction, int]:
    """(rate, divisor): the source rate divided by the smallest whole number that brings it to
    MAX_FRAME_RATE or below (120 -> 60, 119.88 -> 59.94, 100 -> 50), so every kept frame is a
    source frame and the declared FRAME-RATE is the encoded one."""
    rate = Fraction(fps).limit_denominator(1001)
    divisor = max(1, math.ceil(rate / MAX_FRAME_RATE))
    return rate / divisor, divisor


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
