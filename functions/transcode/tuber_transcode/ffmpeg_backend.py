"""The ffmpeg backend's commands: one part of one track per ffmpeg process.

A video part encodes the source frames of its chunk, [start, end) on the source's own clock,
at one rung: ffmpeg seeks to the keyframe before `start` (reading only the bytes it needs,
even over HTTP), decodes from there and `trim` keeps exactly the chunk's frames, so every
source frame lands in exactly one part. Timestamps stay the source's (`-copyts`), shifted by
one constant for every part and the audio, so the parts join without a gap, a repeated frame
or a discontinuity. Keyframes are forced at every segment boundary and the segment muxer
cuts there: every rung cuts at the same instants. The audio is one part, encoded once.
"""
from __future__ import annotations

import csv
import os
import subprocess
import tempfile
from dataclasses import dataclass
from fractions import Fraction

from aws_lambda_powertools import Logger

from tuber_common.hls_master import TIMESTAMP_OFFSET_SECONDS

from . import ladder
from .tools import Probe, input_args, tool

logger = Logger(child=True)
THUMB_NAME, SPRITE_NAME = "thumb.jpg", "sprite.jpg"
STDERR_TAIL_BYTES = 2000
# Added to every output timestamp: the first frames' decode times (B-frames) stay positive
# in every part, so no muxer shifts one part's timestamps and not another's. The caption
# segments' X-TIMESTAMP-MAP relies on it (tuber_common.hls_master).
TIMESTAMP_OFFSET = TIMESTAMP_OFFSET_SECONDS
SEGMENT_LIST, AUDIO_LIST = "segments.csv", "audio.m3u8"


class TranscodeFailed(Exception):
    """ffmpeg could not encode the part: the source is damaged there, or time ran out."""


@dataclass(frozen=True)
class Sprite:
    interval: int              # seconds per tile, on the source's clock
    columns: int
    rows: int
    width: int                 # of one tile
    height: int
    tiles: int                 # tiles on the sheet (the last row may be short)


@dataclass(frozen=True)
class VideoPart:
    rung: ladder.Rung
    start: float               # seconds from the source's start, a multiple of the segment
    end: float | None          # None: to the end of the source
    segment_seconds: int
    frame_rate: Fraction       # the source's; kept frames are every `divisor`-th
    divisor: int
    storyboard: "Sprite | None" = None  # also a sprite sheet of this part's seek previews
    poster_at: float | None = None  # seconds from the source's start: also the poster


def _times(start: float, end: float | None, step: int, duration: float | None) -> list[float]:
    stop = end if end is not None else (duration or start + step)
    times, t = [], start + step
    while t < stop - 1e-6:
        times.append(t)
        t += step
    return times


def _video_segments(out_dir: str, start: float, segment_seconds: int) -> list[str]:
    # A new segment at every keyframe: keyframes are forced exactly on the segment grid, so
    # this cuts there whichever clock a given ffmpeg's segment muxer compares cut times on
    # (5.1 sees the output offset, 8.1 does not: a list of cut times breaks on one of them).
    return ["-f", "segment", "-segment_format", "mpegts", "-segment_time", "0.001",
            "-segment_start_number", str(int(round(start / segment_seconds))),
            "-segment_list", os.path.join(out_dir, SEGMENT_LIST), "-segment_list_type", "csv",
            os.path.join(out_dir, "seg_%05d.ts")]


def _audio_segments(out_dir: str, segment_seconds: int) -> list[str]:
    # Audio has no keyframes to cut at: the HLS muxer cuts every segment_seconds from the
    # first packet, the same with every ffmpeg.
    return ["-f", "hls", "-hls_time", str(segment_seconds), "-hls_list_size", "0",
            "-hls_playlist_type", "vod", "-hls_segment_type", "mpegts",
            "-hls_segment_filename", os.path.join(out_dir, "seg_%05d.ts"),
            os.path.join(out_dir, AUDIO_LIST)]


def _seek(probe: Probe, source: str, start: float) -> list[str]:
    # Input seeking to the keyframe before `start` (trim does the exact cut): the part
    # reads its own stretch of the file, not everything before it.
    seek = ["-ss", f"{probe.start_seconds + start:.6f}", "-noaccurate_seek"] if start > 0 else []
    return [*seek, "-copyts", *input_args(probe, source)]


def sprite_grid(tiles: int) -> tuple[int, int]:
    columns = min(max(tiles, 1), 5)
    return columns, -(-max(tiles, 1) // columns)


def video_command(source: str, probe: Probe, part: VideoPart, out_dir: str, *,
                  preset: str) -> list[str]:
    origin = probe.start_seconds
    start, end = origin + part.start, (origin + part.end if part.end is not None else None)
    chain = f"trim=start={start:.6f}" + (f":end={end:.6f}" if end is not None else "")
    if part.divisor > 1:
        # Every divisor-th source frame, by its position on the source's frame grid: the same
        # frames whichever part decodes them.
        chain += (f",select='not(mod(round((t-{origin:.6f})*{part.frame_rate.numerator}"
                  f"/{part.frame_rate.denominator}),{part.divisor}))'")
    extras = []
    if part.storyboard:
        extras.append("storyboard")
    if part.poster_at is not None:
        extras.append("poster")
    branches = 1 + len(extras)
    graph = [f"[0:v:0]{chain}" + (f",split={branches}[main]" + "".join(f"[{e}_in]" for e in extras)
                                  if extras else "[main]")]
    rung = part.rung
    graph.append(f"[main]scale={rung.width}:{rung.height}:flags=bicubic,setsar=1,"
                 "format=yuv420p[video]")
    outputs: list[str] = []
    if part.storyboard:
        sprite = part.storyboard
        # One tile per interval on the source's clock: the first frame of each.
        graph.append(
            f"[storyboard_in]select='isnan(prev_selected_t)+gte(floor((t-{origin:.6f})"
            f"/{sprite.interval})-floor((prev_selected_t-{origin:.6f})/{sprite.interval}),1)',"
            f"scale={sprite.width}:{sprite.height},setsar=1,"
            f"tile={sprite.columns}x{sprite.rows}[storyboard]")
        outputs += ["-map", "[storyboard]", "-frames:v", "1", "-update", "1", "-q:v", "5",
                    os.path.join(out_dir, SPRITE_NAME)]
    if part.poster_at is not None:
        graph.append(f"[poster_in]select='gte(t,{origin + part.poster_at:.6f})',"
                     "scale='min(640,iw)':-2,setsar=1[poster]")
        outputs += ["-map", "[poster]", "-frames:v", "1", "-update", "1", "-q:v", "3",
                    os.path.join(out_dir, THUMB_NAME)]
    rate = rung.video_bitrate
    keyframes = [part.start + origin] + [t + origin for t in _times(
        part.start, part.end, part.segment_seconds, probe.duration_seconds)]
    gop = ladder.gop_frames(float(part.frame_rate / part.divisor), part.segment_seconds)
    return [
        tool("ffmpeg"), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y",
        *_seek(probe, source, part.start), "-filter_complex", ";".join(graph),
        "-map", "[video]", "-an", "-sn", "-dn", "-fps_mode", "passthrough",
        "-c:v", "libx264", "-preset", preset, "-profile:v", "main",
        "-b:v", str(rate), "-maxrate", str(int(rate * 1.1)), "-bufsize", str(rate * 2),
        # Keyframes where the segments cut (forced), never in between (no scene cuts, a
        # GOP longer than a segment).
        "-g", str(gop * 2), "-keyint_min", str(gop), "-sc_threshold", "0",
        "-force_key_frames", ",".join(f"{t:.6f}" for t in keyframes),
        "-output_ts_offset", f"{TIMESTAMP_OFFSET - origin:.6f}",
        *_video_segments(out_dir, part.start, part.segment_seconds),
        *outputs,
    ]


# Audio every HLS player plays as it is: AAC-LC, mono or stereo, at 44.1 or 48 kHz. What a
# phone or camera records mostly is: copied, the audio part only reads the file (a 60-minute
# source's audio costs the reading, not 100 s of encoding before the video can play).
COPYABLE_AUDIO = {f"aac/LC/{channels}/{rate}" for channels in (1, 2) for rate in (44100, 48000)}


def copies_audio(probe: Probe) -> bool:
    return probe.audio_format in COPYABLE_AUDIO


def audio_channels(probe: Probe) -> int:
    return int(probe.audio_format.split("/")[2]) if copies_audio(probe) else 2


def audio_command(source: str, probe: Probe, out_dir: str, *, segment_seconds: int) -> list[str]:
    codec = ["-c:a", "copy"] if copies_audio(probe) else [
        "-c:a", "aac", "-b:a", str(ladder.AUDIO_BITRATE), "-ac", "2", "-ar", "48000"]
    return [
        tool("ffmpeg"), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y",
        *_seek(probe, source, 0), "-map", "0:a:0", "-vn", "-sn", "-dn", *codec,
        "-output_ts_offset", f"{TIMESTAMP_OFFSET - probe.start_seconds:.6f}",
        *_audio_segments(out_dir, segment_seconds),
    ]


def run(cmd: list[str], timeout_seconds: float) -> None:
    """Run ffmpeg to its end; TranscodeFailed when it fails or runs out of time."""
    # stderr to a file, not a pipe: memory stays bounded whatever ffmpeg prints.
    with tempfile.TemporaryFile() as err:
        try:
            returncode = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=err,
                                        timeout=max(1.0, timeout_seconds),
                                        check=False).returncode
        except subprocess.TimeoutExpired:
            raise TranscodeFailed("transcoding took too long") from None
        if returncode != 0:
            err.seek(max(0, err.seek(0, os.SEEK_END) - STDERR_TAIL_BYTES))
            logger.warning("ffmpeg failed", extra={
                "returncode": returncode, "stderr_tail": err.read().decode(errors="replace")})
            raise TranscodeFailed("the upload could not be transcoded")


def _listed(out_dir: str, start: float) -> list[tuple[str, float]]:
    """(name, duration) of each segment: from the HLS muxer's playlist (audio), or from the
    segment muxer's list (video: each segment ends where the next begins, the first starts
    on the segment grid)."""
    audio = os.path.join(out_dir, AUDIO_LIST)
    if os.path.isfile(audio):
        listed, duration = [], None
        with open(audio) as handle:
            for line in handle:
                line = line.strip()
                if line.startswith("#EXTINF:"):
                    duration = float(line[len("#EXTINF:"):].split(",")[0])
                elif line and not line.startswith("#") and duration is not None:
                    listed.append((line, duration))
        return listed
    with open(os.path.join(out_dir, SEGMENT_LIST), newline="") as handle:
        rows = [row for row in csv.reader(handle) if len(row) >= 3]
    listed, previous_end = [], start + TIMESTAMP_OFFSET
    for name, _start, end in rows:
        listed.append((name, float(end) - previous_end))
        previous_end = float(end)
    return listed


def segments(out_dir: str, start: float, segment_seconds: int) -> list[dict]:
    """The segments a part wrote, in order: {uri, duration, bytes, path}. Durations come from
    the segment muxer's list (each segment ends where the next begins); the first starts on
    the segment grid. A later part may have none: its chunk starts after the last picture
    (the container's duration is the sound's, a little longer)."""
    found = []
    for name, duration in _listed(out_dir, start):
        path = os.path.join(out_dir, name)
        size = os.path.getsize(path)
        if size:  # a chunk past the last picture (the sound runs longer) writes an empty one
            found.append({"uri": name, "duration": round(max(0.001, duration), 6),
                          "bytes": size, "path": path})
    if not found and start == 0:
        raise TranscodeFailed("the part produced no segments")
    return found
