"""The ffmpeg backend: one ffmpeg process decodes the source once, splits the picture, scales
it per rung and encodes every rung (H.264/AAC in MPEG-TS HLS segments) plus a thumbnail.
Keyframes are forced every segment length, so segments align across rungs."""
from __future__ import annotations

import os
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from aws_lambda_powertools import Logger

from . import ladder, progress
from .tools import Probe, tool

logger = Logger(child=True)
THUMB_NAME, MASTER_NAME, PLAYLIST_NAME = "thumb.jpg", "master.m3u8", "index.m3u8"
STDERR_TAIL_BYTES = 2000


class TranscodeFailed(Exception):
    """ffmpeg could not turn the upload into a playable ladder."""


@dataclass
class Output:
    variants: list[dict]          # what the master playlist lists, lowest first
    thumbnail: str | None         # relative path of the thumbnail, if one was made


def thumbnail_time(duration: float | None) -> float:
    # Past a fade-in, but inside even a very short clip.
    return 1.0 if not duration else round(min(1.0, duration / 3), 3)


def command(source: str, out_dir: str, probe: Probe, rungs: list[ladder.Rung], *,
            preset: str, segment_seconds: int) -> list[str]:
    gop = ladder.gop_frames(probe.fps, segment_seconds)
    branches = len(rungs) + 1
    graph = [f"[0:v]split={branches}" + "".join(f"[s{i}]" for i in range(branches))]
    for i, rung in enumerate(rungs):
        graph.append(f"[s{i}]scale={rung.width}:{rung.height}:flags=bicubic,setsar=1,"
                     f"format=yuv420p[v{i}]")
    graph.append(f"[s{len(rungs)}]trim=start={thumbnail_time(probe.duration_seconds)},"
                 "setpts=PTS-STARTPTS,scale='min(640,iw)':-2,setsar=1[thumb]")
    cmd = [tool("ffmpeg"), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y",
           "-i", source, "-filter_complex", ";".join(graph)]
    for i, rung in enumerate(rungs):
        folder = os.path.join(out_dir, rung.name)
        os.makedirs(folder, exist_ok=True)
        rate = rung.video_bitrate
        cmd += [
            "-map", f"[v{i}]", "-map", "0:a:0?",
            "-c:v", "libx264", "-preset", preset, "-profile:v", "main",
            "-b:v", str(rate), "-maxrate", str(int(rate * 1.1)), "-bufsize", str(rate * 2),
            "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
            "-force_key_frames", f"expr:gte(t,n_forced*{segment_seconds})",
            "-c:a", "aac", "-b:a", str(ladder.AUDIO_BITRATE), "-ac", "2", "-ar", "48000",
            "-f", "hls", "-hls_time", str(segment_seconds), "-hls_playlist_type", "vod",
            "-hls_flags", "independent_segments", "-hls_segment_type", "mpegts",
            "-hls_segment_filename", os.path.join(folder, "seg_%05d.ts"),
            os.path.join(folder, PLAYLIST_NAME),
        ]
    cmd += ["-map", "[thumb]", "-frames:v", "1", "-q:v", "3",
            os.path.join(out_dir, THUMB_NAME)]
    return cmd


def _variant(out_dir: Path, rung: ladder.Rung, probe: Probe) -> dict:
    folder = out_dir / rung.name
    playlist = (folder / PLAYLIST_NAME).read_text()
    sizes = {p.name: p.stat().st_size for p in folder.glob("*.ts")}
    if not sizes:
        raise TranscodeFailed(f"no segments for {rung.name}")
    peak, average = ladder.segment_bandwidth(playlist, sizes)
    first = folder / sorted(sizes)[0]
    with open(first, "rb") as fh:
        sps = ladder.find_sps(fh.read(256 * 1024))
    video_codec = (ladder.h264_codec_string(sps) if sps else None) or "avc1.4d401f"
    codecs = f"{video_codec},{ladder.AUDIO_CODEC}" if probe.has_audio else video_codec
    return {"name": rung.name, "uri": f"{rung.name}/{PLAYLIST_NAME}", "width": rung.width,
            "height": rung.height, "bandwidth": peak, "averageBandwidth": average,
            "codecs": codecs, "frameRate": round(probe.fps, 3)}


def _run(cmd: list[str], err, timeout_seconds: float,
         reporter: progress.Reporter | None) -> int:
    """Run ffmpeg to its end; with a reporter, its `-progress` lines on stdout are read by a
    thread (a pipe nobody reads would stall ffmpeg) while this one keeps the deadline."""
    if reporter is None:
        return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=err,
                              timeout=timeout_seconds, check=False).returncode
    cmd = [cmd[0], "-progress", "pipe:1", "-stats_period", "1", *cmd[1:]]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
    reader = threading.Thread(target=progress.feed, args=(proc.stdout, reporter), daemon=True)
    reader.start()
    try:
        proc.wait(timeout=timeout_seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
    finally:
        reader.join(timeout=5)
        proc.stdout.close()
    return proc.returncode


def transcode(source: str, out_dir: str, probe: Probe, *, preset: str, segment_seconds: int,
              max_short_side: int, timeout_seconds: float,
              reporter: progress.Reporter | None = None) -> Output:
    rungs = ladder.plan(probe.width, probe.height, max_short_side)
    cmd = command(source, out_dir, probe, rungs, preset=preset,
                  segment_seconds=segment_seconds)
    # stderr to a file, not a pipe: memory stays bounded whatever ffmpeg prints.
    with tempfile.TemporaryFile() as err:
        try:
            returncode = _run(cmd, err, max(1.0, timeout_seconds), reporter)
        except subprocess.TimeoutExpired:
            raise TranscodeFailed("transcoding took too long") from None
        if returncode != 0:
            err.seek(max(0, err.seek(0, os.SEEK_END) - STDERR_TAIL_BYTES))
            logger.warning("ffmpeg failed", extra={
                "returncode": returncode,
                "stderr_tail": err.read().decode(errors="replace")})
            raise TranscodeFailed("the upload could not be transcoded")
    if reporter is not None:
        reporter.finished()
    out = Path(out_dir)
    variants = [_variant(out, rung, probe) for rung in rungs]
    thumb = THUMB_NAME if (out / THUMB_NAME).is_file() else None
    (out / MASTER_NAME).write_text(ladder.master_playlist(variants))
    return Output(variants=variants, thumbnail=thumb)
