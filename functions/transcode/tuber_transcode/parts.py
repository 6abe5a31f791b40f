"""One part of a transcode (one track of one chunk, or the audio): encode it, upload what it
wrote, record it, and assemble its track if it was the last part (see assembly.py).

A part that ffmpeg cannot encode fails its track at once (the source is damaged there; a
retry would fail the same way). Any other error is raised, so Lambda retries the invocation
twice and then hands it to the on-failure destination, which fails the track the same way
(tuber_common.publishing.abandon_track).
"""
from __future__ import annotations

import os
import tempfile
import time
from fractions import Fraction

from aws_lambda_powertools import Logger
from pymongo.database import Database

from tuber_common import media_keys, publishing, storage
from tuber_common.ids import try_parse_video_id
from tuber_common.settings import get_settings
from tuber_common.videos import PROCESSING, PUBLIC

from . import assembly, ffmpeg_backend, hls, ladder, plan
from .tools import Probe

logger = Logger(child=True)
IGNORED, DONE, FAILED = "ignored", "done", "failed"
SOURCE_URL_TTL_SECONDS = 3600
SPRITE_TILE_WIDTH = 160


def address(task: dict) -> tuple | None:
    """(video id, run id, track, index) of a part's event; None when malformed."""
    try:
        video_id = try_parse_video_id(task["videoId"])
        run_id, track, index = str(task["runId"]), str(task["track"]), int(task["index"])
    except (KeyError, TypeError, ValueError):
        return None
    return None if video_id is None or index < 0 else (video_id, run_id, track, index)


def source_url(bucket: str, raw_key: str) -> str:
    """Each part reads the upload through its own presigned URL: only the byte ranges it
    needs, straight from S3 into ffmpeg."""
    return storage.get_s3().generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": raw_key},
        ExpiresIn=SOURCE_URL_TTL_SECONDS)


def run(db: Database, bucket: str, task: dict, *, timeout_seconds: float,
        source: str | None = None) -> str:
    """Encode and record one part. `source`: a local copy of the upload (one machine), else
    the part reads it from S3."""
    found = address(task)
    if found is None:
        logger.warning("ignoring a malformed part event")
        return IGNORED
    video_id, run_id, track, index = found
    doc = db.videos.find_one({"_id": video_id, "transcode.runId": run_id,
                              "status": {"$in": [PROCESSING, PUBLIC]}},
                             {"transcode": 1, "rawKey": 1, "renditions.name": 1})
    if doc is None:
        logger.info("ignoring a part of a stale run or a gone video",
                    extra={"videoId": str(video_id), "track": track, "index": index})
        return IGNORED
    transcode = doc["transcode"]
    if track not in plan.tracks(transcode) or index >= plan.part_count(transcode, track):
        logger.warning("ignoring a part outside its plan", extra={"track": track})
        return IGNORED
    if track in (transcode.get("failedTracks") or []):
        logger.info("ignoring a part of a rung given up on", extra={"track": track})
        return IGNORED
    assembled = ({r["name"] for r in doc.get("renditions") or []} if track != plan.AUDIO
                 else ({plan.AUDIO} if transcode.get("audio") else set()))
    if track in assembled:
        # A repeated delivery after its rung was put together (its part records are gone).
        logger.info("ignoring a part of a rung already assembled", extra={"track": track})
        return IGNORED
    if not assembly.part_done(db, video_id, run_id, track, index):
        try:
            result, seconds = _encode(bucket, video_id, transcode, track, index,
                                      source or source_url(bucket, doc["rawKey"]),
                                      timeout_seconds)
        except ffmpeg_backend.TranscodeFailed as exc:
            if publishing.abandon_track(db, video_id, run_id, track, str(exc)) == \
                    publishing.FAILED_NOW:
                remove_outputs(video_id)
            return FAILED
        if assembly.record_part(db, video_id, transcode, track, index, result, seconds) is None:
            if db.videos.count_documents({"_id": video_id}, limit=1) == 0:
                # Deleted while we worked: its delete could not see what we just wrote.
                remove_outputs(video_id)
            return IGNORED
    assembly.finish_if_complete(db, bucket, video_id, transcode, track)
    return DONE


def remove_outputs(video_id) -> None:
    try:
        storage.delete_prefixes([media_keys.hls_prefix(video_id)])
    except Exception:  # best effort: a failed video's partial outputs are never served
        logger.exception("could not remove partial outputs", extra={"videoId": str(video_id)})


def probe_of(transcode: dict) -> Probe:
    return Probe(**transcode["probe"])


def _encode(bucket: str, video_id, transcode: dict, track: str, index: int, source: str,
            timeout_seconds: float) -> tuple[dict, float]:
    settings = get_settings()
    probe = probe_of(transcode)
    prefix = media_keys.hls_prefix(video_id)
    segment_seconds = transcode["segmentSeconds"]
    with tempfile.TemporaryDirectory(prefix="tuber-part-") as out_dir:
        started = time.monotonic()
        if track == plan.AUDIO:
            start, extra = 0.0, {}
            ffmpeg_backend.run(ffmpeg_backend.audio_command(
                source, probe, out_dir, segment_seconds=segment_seconds), timeout_seconds)
        else:
            part, start = _video_part(transcode, track, index)
            ffmpeg_backend.run(ffmpeg_backend.video_command(
                source, probe, part, out_dir, preset=settings.transcode_preset),
                timeout_seconds)
            extra = {}
        seconds = time.monotonic() - started
        segments = ffmpeg_backend.segments(out_dir, start, segment_seconds)
        files = [(f"{prefix}{track}/{s['uri']}", s.pop("path")) for s in segments]
        if track != plan.AUDIO:
            extra = _video_facts(segments, files, out_dir, part, index, prefix)
            for name, key in ((ffmpeg_backend.SPRITE_NAME, prefix + media_keys.sprite_uri(index)),
                              (ffmpeg_backend.THUMB_NAME, prefix + media_keys.POSTER)):
                if os.path.isfile(os.path.join(out_dir, name)):
                    files.append((key, os.path.join(out_dir, name)))
        assembly.put_many(bucket, files)
    logger.info("part encoded", extra={"videoId": str(video_id), "track": track, "index": index,
                                       "encodeSeconds": round(seconds, 3)})
    return {"start": start, "segments": segments, **extra}, seconds


def _video_part(transcode: dict, track: str, index: int) -> tuple:
    rungs = [ladder.Rung(**r) for r in transcode["rungs"]]
    rung = next(r for r in rungs if r.name == track)
    lowest = rung.name == rungs[0].name
    start, end = transcode["chunks"][index]
    sprite = None
    if lowest:
        interval = transcode["segmentSeconds"]
        tiles = assembly.sprite_tiles(transcode, index, interval)
        columns, rows = ffmpeg_backend.sprite_grid(tiles)
        sprite = ffmpeg_backend.Sprite(interval, columns, rows, SPRITE_TILE_WIDTH,
                                       assembly.tile_height(transcode, SPRITE_TILE_WIDTH), tiles)
    part = ffmpeg_backend.VideoPart(
        rung=rung, start=start, end=end, segment_seconds=transcode["segmentSeconds"],
        frame_rate=Fraction(transcode["sourceFrameRate"]), divisor=transcode["divisor"],
        storyboard=sprite, poster_at=transcode["posterAt"] if lowest and index == 0 else None)
    return part, start


def _video_facts(segments: list[dict], files: list[tuple[str, str]], out_dir: str, part,
                 index: int, prefix: str) -> dict:
    """Keyframe byte ranges (I-frame playlists), the codec string, the sprite's layout."""
    for segment, (_key, path) in zip(segments, files):
        with open(path, "rb") as handle:
            data = handle.read()
        segment["keyframeBytes"] = hls.first_keyframe_bytes(data) or len(data)
    sps = None
    if segments:
        with open(files[0][1], "rb") as handle:
            sps = ladder.find_sps(handle.read(256 * 1024))
    facts: dict = {"codecs": (ladder.h264_codec_string(sps) if sps else None) or "avc1.4d401f"}
    sprite = part.storyboard
    if sprite and os.path.isfile(os.path.join(out_dir, ffmpeg_backend.SPRITE_NAME)):
        facts["sprite"] = {"uri": media_keys.sprite_uri(index), "interval": sprite.interval,
                           "columns": sprite.columns, "tile": [sprite.width, sprite.height],
                           "tiles": sprite.tiles}
    if part.poster_at is not None and os.path.isfile(
            os.path.join(out_dir, ffmpeg_backend.THUMB_NAME)):
        facts["posterKey"] = prefix + media_keys.POSTER
    return facts
