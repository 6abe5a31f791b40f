"""Putting a video together from its parts, as they finish, in any order and from any number
of concurrent invocations.

Each finished part is recorded once (a `transcode_parts` document, keyed by its address). The
invocation that records a track's last part assembles the track: its media and I-frame
playlists, its rendition pushed onto the video, the master playlist rewritten. Two
invocations may both see a track complete (a retried part, a race): assembling twice writes
the same files and the conditional push adds the rendition once. As soon as the lowest rung
and the audio are in, the video is PUBLIC; higher rungs join it later (`pendingRenditions`
shrinks). Everything is conditional on the run id: a stale run (a retry started over) or a
deleted video changes nothing.
"""
from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

from aws_lambda_powertools import Logger
from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tuber_common import media_keys, publishing, storage
from tuber_common.hls_master import CACHE, CONTENT_TYPES, put_text, write_master
from tuber_common.clock import utcnow
from tuber_common.ids import VideoId
from tuber_common.webvtt import vtt_time

from . import ffmpeg_backend, hls, plan
from .tools import Probe

logger = Logger(child=True)

UPLOAD_WORKERS = 8


def put_file(bucket: str, key: str, path: str) -> None:
    suffix = os.path.splitext(key)[1]
    storage.get_s3().upload_file(path, bucket, key, ExtraArgs={
        "ContentType": CONTENT_TYPES.get(suffix, "application/octet-stream"),
        "CacheControl": CACHE.get(suffix, "public, max-age=60")})


def put_many(bucket: str, files: list[tuple[str, str]]) -> None:
    """(key, path) pairs, in parallel: S3 PUTs are latency-bound."""
    with ThreadPoolExecutor(max_workers=UPLOAD_WORKERS) as pool:
        list(pool.map(lambda item: put_file(bucket, *item), files))


def _part_id(video_id: VideoId, run_id: str, track: str, index: int) -> str:
    return f"{video_id}/{run_id}/{track}/{index}"


def part_done(db: Database, video_id: VideoId, run_id: str, track: str, index: int) -> bool:
    return db.transcode_parts.count_documents(
        {"_id": _part_id(video_id, run_id, track, index)}, limit=1) == 1


def record_part(db: Database, video_id: VideoId, transcode: dict, track: str, index: int,
                result: dict, encode_seconds: float) -> dict | None:
    """Record a finished part once, advance the video's progress; the video's document (None
    when the run is stale or the video gone)."""
    run_id = transcode["runId"]
    try:
        db.transcode_parts.insert_one({
            "_id": _part_id(video_id, run_id, track, index), "videoId": video_id,
            "runId": run_id, "track": track, "index": index, "createdAt": utcnow(), **result})
        first_time = True
    except DuplicateKeyError:
        first_time = False  # a retried part: it counts once
    guard = {"_id": video_id, "transcode.runId": run_id}
    projection = {"transcode": 1, "status": 1}
    if not first_time:
        return db.videos.find_one(guard, projection)
    update: dict = {"$inc": {"transcode.doneWork": plan.part_work(transcode, track, index),
                             "transcode.encodeSeconds": round(encode_seconds, 3)}}
    if result.get("posterKey"):
        update["$set"] = {"thumbnailKey": result["posterKey"]}
    doc = db.videos.find_one_and_update(
        guard, update,
        projection=projection, return_document=ReturnDocument.AFTER)
    if doc is not None:
        done = doc["transcode"]["doneWork"] / max(1.0, doc["transcode"]["totalWork"])
        db.videos.update_one(guard, {"$max": {"progressPercent": min(
            publishing.ENCODING_CEILING, int(done * 100))}})
    return doc


def _track_parts(db: Database, video_id: VideoId, run_id: str, track: str) -> list[dict]:
    return list(db.transcode_parts.find({"videoId": video_id, "runId": run_id, "track": track},
                                        sort=[("index", 1)]))


def finish_if_complete(db: Database, bucket: str, video_id: VideoId, transcode: dict,
                       track: str) -> bool:
    """Assemble `track` when all its parts are recorded; True when it was (now or before)."""
    run_id = transcode["runId"]
    parts = _track_parts(db, video_id, run_id, track)
    if len(parts) < plan.part_count(transcode, track):
        return False
    prefix = media_keys.hls_prefix(video_id)
    segments = [s for part in parts for s in part["segments"]]
    put_text(bucket, prefix + media_keys.media_playlist_uri(track), hls.media_playlist(segments))
    if track == plan.AUDIO:
        peak, average = hls.segment_bandwidth(segments)
        channels = ffmpeg_backend.audio_channels(Probe(**transcode["probe"]))
        update = {"$set": {"transcode.audio": {"uri": media_keys.media_playlist_uri(track),
                                               "bandwidth": peak, "averageBandwidth": average,
                                               "channels": channels}}}
    else:
        put_text(bucket, prefix + media_keys.iframe_playlist_uri(track),
                 hls.iframe_playlist(segments))
        update = {"$push": {"renditions": {"$each": [_rendition(transcode, track, parts,
                                                                 segments)],
                                           "$sort": {"bandwidth": 1}}}}
        if track == transcode["rungs"][0]["name"]:
            _write_storyboard(bucket, prefix, transcode, parts)
            update["$set"] = {"storyboardKey": media_keys.storyboard_key(video_id)}
    update.setdefault("$pull", {})["pendingRenditions"] = track
    guard = {"_id": video_id, "transcode.runId": run_id}
    if track != plan.AUDIO:
        # Once, and never a rung given up on (a late duplicate of its failed part).
        guard["renditions.name"] = {"$ne": track}
        guard["transcode.failedTracks"] = {"$ne": track}
    db.videos.update_one(guard, update)
    write_master(db, bucket, video_id, run_id)
    publishing.publish_playable(db, video_id, run_id, hls_key=media_keys.master_key(video_id),
                                duration_seconds=transcode["durationSeconds"])
    publishing.finish_encoding(db, video_id, run_id)
    return True


def _rendition(transcode: dict, track: str, parts: list[dict], segments: list[dict]) -> dict:
    rung = next(r for r in transcode["rungs"] if r["name"] == track)
    peak, average = hls.segment_bandwidth(segments)
    num, _, den = transcode["frameRate"].partition("/")
    return {"name": track, "width": rung["width"], "height": rung["height"],
            "bandwidth": peak, "averageBandwidth": average,
            "codecs": parts[0].get("codecs") or "avc1.4d401f",
            "frameRate": round(int(num) / int(den or 1), 3),
            "uri": media_keys.media_playlist_uri(track),
            "iframeUri": media_keys.iframe_playlist_uri(track),
            "iframeBandwidth": hls.iframe_bandwidth(segments)}


def _write_storyboard(bucket: str, prefix: str, transcode: dict, parts: list[dict]) -> None:
    """The WebVTT index of the sprites the lowest rung's parts wrote: one cue per tile."""
    lines = ["WEBVTT", ""]
    duration = transcode["durationSeconds"]
    for part in parts:
        sprite = part.get("sprite")
        if not sprite:
            continue
        interval, (width, height) = sprite["interval"], sprite["tile"]
        for tile in range(sprite["tiles"]):
            start = part["start"] + tile * interval
            end = start + interval
            if duration:
                end = min(end, duration)
            if end <= start:
                break
            x, y = (tile % sprite["columns"]) * width, (tile // sprite["columns"]) * height
            lines += [f"{vtt_time(start)} --> {vtt_time(end)}",
                      f"{sprite['uri']}#xywh={x},{y},{width},{height}", ""]
    put_text(bucket, prefix + media_keys.STORYBOARD, "\n".join(lines))


def tile_height(transcode: dict, width: int) -> int:
    rung = transcode["rungs"][0]
    return max(2, int(round(width * rung["height"] / rung["width"] / 2)) * 2)


def sprite_tiles(transcode: dict, index: int, interval: int) -> int:
    start, end = transcode["chunks"][index]
    stop = end if end is not None else (transcode["durationSeconds"] or start + interval)
    return max(1, math.ceil((stop - start) / interval - 1e-6))
