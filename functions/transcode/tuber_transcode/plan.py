"""What a transcode will do, decided once from the probe: the rungs, the chunks, the parts.

A track is a rung ("240p") or "audio"; a part is one track's work on one chunk (the audio has
a single part: it is encoded once). The plan is stored on the video (`transcode`), so a part's
invocation carries only its address: {videoId, runId, track, index}. Parts are listed in the
order that makes the video playable soonest: the audio (the longest single part), then the
lowest rung chunk by chunk, then each higher rung.
"""
from __future__ import annotations

import math
import secrets
from fractions import Fraction

from tuber_common import media_keys

from . import ladder
from .tools import Probe

# The audio track, encoded once: its folder under hls/{videoId}/ is its name.
AUDIO = media_keys.AUDIO
# Thumbnail of the first frame after a fade-in, but inside even a very short clip.
POSTER_MAX_SECONDS = 1.0
# Audio costs about this much of a 240p rung per second of media (progress weighting only).
AUDIO_WORK_PER_SECOND = 20_000


def chunk_length(chunk_seconds: int, segment_seconds: int) -> int:
    """Chunks hold whole segments, so every segment is cut by exactly one part."""
    return max(1, math.ceil(chunk_seconds / segment_seconds)) * segment_seconds


def chunks(duration: float | None, chunk_seconds: int) -> list[list[float | None]]:
    """[start, end) seconds of each chunk; the last one's end is None (to the end)."""
    if not duration or duration <= chunk_seconds:
        return [[0.0, None]]
    count = math.ceil(duration / chunk_seconds - 1e-6)
    bounds = [[float(i * chunk_seconds), float((i + 1) * chunk_seconds)] for i in range(count)]
    bounds[-1][1] = None
    return bounds


def make(probe: Probe, *, chunk_seconds: int, segment_seconds: int,
         max_short_side: int) -> dict:
    rungs = ladder.plan(probe.width, probe.height, max_short_side)
    rate, divisor = ladder.output_frame_rate(probe.fps)
    length = chunk_length(chunk_seconds, segment_seconds)
    duration = probe.duration_seconds
    # A chunk after the last picture would have nothing to encode (ffmpeg 8 fails on it).
    parts = chunks(min(probe.video_seconds or duration or 0, duration or 0) or duration,
                   length)
    media_seconds = duration or length
    work = {r.name: r.width * r.height * media_seconds for r in rungs}
    if probe.has_audio:
        work[AUDIO] = AUDIO_WORK_PER_SECOND * media_seconds
    return {
        "runId": secrets.token_urlsafe(12),
        "rungs": [r.as_dict() for r in rungs],
        "hasAudio": probe.has_audio,
        "chunkSeconds": length,
        "segmentSeconds": segment_seconds,
        "chunks": parts,
        "durationSeconds": duration,
        "frameRate": f"{rate.numerator}/{rate.denominator}",
        "sourceFrameRate": f"{Fraction(probe.fps).limit_denominator(1001)}",
        "divisor": divisor,
        "totalWork": sum(work.values()),
        "work": work,
        "posterAt": round(min(POSTER_MAX_SECONDS, (duration or 3) / 3), 3),
    }


def tracks(transcode: dict) -> list[str]:
    return ([AUDIO] if transcode["hasAudio"] else []) + [r["name"] for r in transcode["rungs"]]


def part_count(transcode: dict, track: str) -> int:
    return 1 if track == AUDIO else len(transcode["chunks"])


def tasks(video_id: str, transcode: dict) -> list[dict]:
    """Every part's address, in the order that makes the video playable soonest."""
    return [{"videoId": video_id, "runId": transcode["runId"], "track": track, "index": i}
            for track in tracks(transcode) for i in range(part_count(transcode, track))]


def part_work(transcode: dict, track: str, index: int) -> float:
    """This part's share of the track's work (for progress)."""
    if track == AUDIO:
        return transcode["work"][AUDIO]
    start, end = transcode["chunks"][index]
    duration = transcode["durationSeconds"] or transcode["chunkSeconds"]
    span = (end if end is not None else duration) - start
    return transcode["work"][track] * max(0.0, span) / duration
