"""Transcoding: the one-pass ladder (one decode, split, scale, every rung encoded in one
ffmpeg process) against one ffmpeg run per rung, on the same 1080p clip in the same run; and
the pipeline overhead: time from upload to PUBLIC through the local stack minus the time
ffmpeg alone takes for the same clip."""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import requests

from bench.common import configure, table

CLIP_SECONDS = 8
PRESET = "veryfast"  # the function's default


def _one_pass(source: str, out: str, probe) -> float:
    from tuber_transcode import ffmpeg_backend

    start = time.perf_counter()
    ffmpeg_backend.transcode(source, out, probe, preset=PRESET, segment_seconds=4,
                             max_short_side=1080, timeout_seconds=600)
    return time.perf_counter() - start


def _per_rung(source: str, out: str, probe) -> float:
    import subprocess

    from tuber_transcode import ffmpeg_backend, ladder

    start = time.perf_counter()
    for rung in ladder.plan(probe.width, probe.height, 1080):
        # The same command shape with a single rung: the source is decoded again each time.
        cmd = ffmpeg_backend.command(source, os.path.join(out, rung.name), probe, [rung],
                                     preset=PRESET, segment_seconds=4)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _upload_to_public(stack, clip: str) -> tuple[float, float]:
    """(seconds from the upload's start to PUBLIC, seconds of ffmpeg inside that run)."""
    from pymongo import MongoClient

    from tuber_common.ids import parse_video_id

    base = stack.url
    from tests.support.stack_fixtures import sign_up

    token = sign_up(base, "benchtx")["accessToken"]
    auth = {"authorization": f"Bearer {token}"}
    created = requests.post(f"{base}/video", headers=auth, json={
        "title": "bench", "contentType": "video/mp4", "sizeBytes": os.path.getsize(clip)}).json()
    upload, video_id = created["upload"], created["video"]["id"]
    from local.seed import upload_to_presigned

    data = Path(clip).read_bytes()
    start = time.perf_counter()
    answer = upload_to_presigned(upload, data, "video/mp4")
    assert answer.status_code < 300, answer.text
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        status = requests.get(f"{base}/video/{video_id}", headers=auth).json()["video"]["status"]
        if status in ("PUBLIC", "FAILED"):
            assert status == "PUBLIC"
            elapsed = time.perf_counter() - start
            db = MongoClient(stack.mongo_uri)[os.environ.get("MONGODB_DB", "tuber")]
            doc = db.videos.find_one({"_id": parse_video_id(video_id)})
            return elapsed, doc["processing"]["ffmpegSeconds"]
        time.sleep(0.02)
    raise TimeoutError("video never became PUBLIC")


def measure() -> tuple[str, dict]:
    from tests.support.media import make_clip
    from tests.support.stack_fixtures import StackProcess
    from tuber_transcode.tools import probe as ffprobe

    configure("mongodb://127.0.0.1:1/", "unused")  # the ffmpeg backend needs settings, not Mongo
    with tempfile.TemporaryDirectory() as tmp:
        clip = make_clip(os.path.join(tmp, "clip1080.mp4"), 1920, 1080, seconds=CLIP_SECONDS,
                         fps=30)
        probe = ffprobe(clip)
        one = _one_pass(clip, tempfile.mkdtemp(dir=tmp), probe)
        per = _per_rung(clip, tempfile.mkdtemp(dir=tmp), probe)
        one_again = _one_pass(clip, tempfile.mkdtemp(dir=tmp), probe)
        one = min(one, one_again)
        for name in ("MONGODB_URI", "MONGODB_DB"):  # the stack brings its own database
            os.environ.pop(name, None)
        stack = StackProcess(Path(tmp) / "stack").start()
        try:
            end_to_end, ffmpeg_in_run = _upload_to_public(stack, clip)
        finally:
            stack.stop()
    results = {"one_pass_s": one, "per_rung_s": per, "upload_to_public_s": end_to_end,
               "ffmpeg_in_pipeline_s": ffmpeg_in_run,
               "pipeline_overhead_s": end_to_end - ffmpeg_in_run,
               "realtime_factor_one_pass": CLIP_SECONDS / one,
               "realtime_factor_per_rung": CLIP_SECONDS / per}
    rows = [["one pass (split + scale)", f"{one:.2f}", f"{CLIP_SECONDS / one:.2f}x",
             f"{per / one:.2f}x"],
            ["one ffmpeg run per rung", f"{per:.2f}", f"{CLIP_SECONDS / per:.2f}x", "1.00x"]]
    overhead = results["pipeline_overhead_s"]
    text = (f"{CLIP_SECONDS} s 1920x1080 30 fps clip with audio, preset {PRESET}, ladder "
            f"{', '.join(r.name for r in __import__('tuber_transcode.ladder', fromlist=['plan']).plan(1920, 1080))}.\n\n"
            + table(["ladder", "seconds", "realtime factor", "speed vs per-rung"], rows)
            + f"\n\nUpload to PUBLIC through the local stack: {end_to_end:.2f} s, of which "
              f"ffmpeg {ffmpeg_in_run:.2f} s (timed by the transcode function in that run): "
              f"pipeline overhead {overhead:.2f} s ({'ok' if overhead < 1 else 'MISSED'}: "
              "target < 1 s). The overhead is the S3 event and queue hops, download, ffprobe, "
              "upload of the outputs, the publish event and the client's 20 ms polling.")
    return text, results


if __name__ == "__main__":
    print(measure()[0])
