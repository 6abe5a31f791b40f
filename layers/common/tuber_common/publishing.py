"""The end of a video's media path, in one place: UPLOADING -> PROCESSING -> PUBLIC or FAILED.

Shared by the transcode function (its parts publish the video as soon as it plays, and
fail it when a part cannot be encoded), on_transcoded (MediaConvert job events, a part that
failed for good, the stuck-video sweep) and the video function's webhook. Every transition is one conditional
update on the current status, so a repeated or late event changes nothing: PUBLIC and FAILED
are final. Plain functions over a Database; no AWS calls here.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.database import Database

from . import notifications
from .clock import utcnow
from .ids import VideoId, try_parse_video_id
from .media_keys import hls_prefix, master_key
from .observability import count
from .settings import get_settings
from .videos import FAILED, PROCESSING, PUBLIC, UPLOADING

OPEN_STATES = [UPLOADING, PROCESSING]
MAX_REASON_CHARS = 500
# Encoding done is not yet published: the last percent is written when every rung is in.
ENCODING_CEILING = 99

PUBLISHED, FAILED_NOW, UNCHANGED, UNKNOWN_VIDEO = "published", "failed", "unchanged", "unknown"
MEDIACONVERT_DETAIL_TYPE = "MediaConvert Job State Change"


def start_processing(db: Database, video_id: VideoId, raw_key: str) -> dict | None:
    """Claim an uploaded video for transcoding: UPLOADING -> PROCESSING, exactly once (or a
    retried video: PROCESSING with `retryPending`, set by POST /video/{id}/retry).
    Returns the claimed document, or None when it is unknown, deleted or already claimed."""
    now = utcnow()
    return db.videos.find_one_and_update(
        {"_id": video_id, "$or": [{"status": UPLOADING},
                                  {"status": PROCESSING, "retryPending": True}]},
        {"$set": {"status": PROCESSING, "rawKey": raw_key, "processingStartedAt": now,
                  "progressPercent": 0, "retryPending": False, "updatedAt": now}},
        return_document=ReturnDocument.AFTER,
    )


def publish(db: Database, video_id: VideoId, *, hls_key: str, renditions: list[dict],
            thumbnail_key: str | None, duration_seconds: float | None) -> bool:
    """PUBLIC with its media; True when this call made the change."""
    if not hls_key.startswith(hls_prefix(video_id)):
        raise ValueError("the master playlist must live under the video's own hls/ folder")
    if thumbnail_key and not thumbnail_key.startswith(hls_prefix(video_id)):
        thumbnail_key = None  # never point a video at another video's media
    now = utcnow()
    result = db.videos.update_one(
        {"_id": video_id, "status": {"$in": OPEN_STATES}},
        {"$set": {"status": PUBLIC, "hlsKey": hls_key, "renditions": renditions,
                  "thumbnailKey": thumbnail_key, "durationSeconds": duration_seconds,
                  "failureReason": None, "publishedAt": now, "updatedAt": now}},
    )
    if result.modified_count:
        count("VideosPublished")
        notifications.video_published(db, video_id)
    return result.modified_count == 1


def fail(db: Database, video_id: VideoId, reason: str) -> bool:
    """FAILED with a reason a user may read; True when this call made the change."""
    now = utcnow()
    result = db.videos.update_one(
        {"_id": video_id, "status": {"$in": OPEN_STATES}},
        {"$set": {"status": FAILED, "failureReason": reason[:MAX_REASON_CHARS],
                  "updatedAt": now}},
    )
    if result.modified_count:
        count("VideosFailed")
    return result.modified_count == 1


def begin_run(db: Database, video_id: VideoId, transcode: dict) -> bool:
    """A claimed video's transcode plan: from here on only this run's parts count. Renditions
    start empty and `pendingRenditions` lists every rung to come."""
    now = utcnow()
    result = db.videos.update_one(
        {"_id": video_id, "status": PROCESSING},
        {"$set": {"transcode": {**transcode, "doneWork": 0, "encodeSeconds": 0,
                                "audio": None, "failedTracks": []},
                  "renditions": [], "pendingRenditions": [r["name"] for r in transcode["rungs"]],
                  "encodingSince": now, "progressPercent": 0, "updatedAt": now}})
    return result.modified_count == 1


def publish_playable(db: Database, video_id: VideoId, run_id: str, *, hls_key: str,
                     duration_seconds: float | None) -> bool:
    """PUBLIC as soon as a run has a playable stream: its lowest rung and, if the source has
    sound, the audio. True when this call made the change."""
    now = utcnow()
    result = db.videos.update_one(
        {"_id": video_id, "status": PROCESSING, "transcode.runId": run_id,
         "renditions.0": {"$exists": True},
         "$or": [{"transcode.hasAudio": False}, {"transcode.audio": {"$ne": None}}]},
        {"$set": {"status": PUBLIC, "hlsKey": hls_key, "failureReason": None,
                  "durationSeconds": duration_seconds, "publishedAt": now, "updatedAt": now}})
    if result.modified_count:
        count("VideosPublished")
        notifications.video_published(db, video_id)
    return result.modified_count == 1


def finish_encoding(db: Database, video_id: VideoId, run_id: str) -> bool:
    """Every rung is in (or given up): progress 100, nothing pending. True when this call
    made the change."""
    result = db.videos.update_one(
        {"_id": video_id, "status": PUBLIC, "transcode.runId": run_id,
         "pendingRenditions": {"$size": 0}, "encodingSince": {"$exists": True}},
        {"$set": {"progressPercent": 100, "encodingDoneAt": utcnow()},
         "$unset": {"encodingSince": ""}})
    if result.modified_count:
        db.transcode_parts.delete_many({"videoId": video_id, "runId": run_id})
    return result.modified_count == 1


def abandon_track(db: Database, video_id: VideoId, run_id: str, track: str,
                  reason: str) -> str:
    """A part of `track` failed for good. Before the video is playable, the video fails;
    after, it stays PUBLIC without that rung. FAILED_NOW when this call failed the video
    (the caller removes its outputs), UNCHANGED otherwise."""
    now = utcnow()
    failed = db.videos.update_one(
        {"_id": video_id, "status": PROCESSING, "transcode.runId": run_id},
        {"$set": {"status": FAILED, "failureReason": reason[:MAX_REASON_CHARS],
                  "updatedAt": now}, "$unset": {"encodingSince": ""}})
    if failed.modified_count:
        count("VideosFailed")
        db.transcode_parts.delete_many({"videoId": video_id, "runId": run_id})
        return FAILED_NOW
    db.videos.update_one(
        {"_id": video_id, "status": PUBLIC, "transcode.runId": run_id,
         "pendingRenditions": track},
        {"$pull": {"pendingRenditions": track}, "$addToSet": {"transcode.failedTracks": track},
         "$set": {"updatedAt": now}})
    finish_encoding(db, video_id, run_id)
    return UNCHANGED


def sweep_stuck(db: Database) -> int:
    """Fail what can no longer finish: PROCESSING longer than the processing timeout (the
    transcoder died without a word), UPLOADING after the upload URL and that grace expired."""
    settings = get_settings()
    now = utcnow()
    timeout = timedelta(seconds=settings.processing_timeout_seconds)
    upload_deadline = timedelta(seconds=settings.upload_url_ttl_seconds) + timeout
    swept = db.videos.update_many(
        {"status": PROCESSING, "updatedAt": {"$lt": now - timeout}},
        {"$set": {"status": FAILED, "failureReason": "transcoding did not finish in time",
                  "updatedAt": now}},
    ).modified_count
    # Resumable (multipart) uploads have a deadline of their own: see tuber_common.multipart.
    swept += db.videos.update_many(
        {"status": UPLOADING, "multipart": None, "updatedAt": {"$lt": now - upload_deadline}},
        {"$set": {"status": FAILED, "failureReason": "the upload never arrived",
                  "updatedAt": now}},
    ).modified_count
    if swept:
        count("VideosFailed", swept)
    # Published videos whose higher rungs never came: stop waiting for them.
    db.videos.update_many(
        {"encodingSince": {"$lt": now - timeout}},
        {"$set": {"pendingRenditions": [], "progressPercent": 100, "updatedAt": now},
         "$unset": {"encodingSince": ""}})
    return swept


def _outcome(changed: bool, exists: bool, done: str) -> str:
    return done if changed else (UNCHANGED if exists else UNKNOWN_VIDEO)


def _exists(db: Database, video_id: VideoId) -> bool:
    return db.videos.count_documents({"_id": video_id}, limit=1) == 1


def apply_result(db: Database, video_id: VideoId, *, status: str, hls_key: str | None = None,
                 renditions: list[dict] | None = None, thumbnail_key: str | None = None,
                 duration_seconds: float | None = None, failure_reason: str | None = None
                 ) -> str:
    """An external transcoder's verdict on one video (the webhook): publish or fail it."""
    if status == PUBLIC:
        changed = publish(db, video_id, hls_key=hls_key or master_key(video_id),
                          renditions=renditions or [], thumbnail_key=thumbnail_key,
                          duration_seconds=duration_seconds)
        return _outcome(changed, changed or _exists(db, video_id), PUBLISHED)
    changed = fail(db, video_id, failure_reason or "transcoding failed")
    return _outcome(changed, changed or _exists(db, video_id), FAILED_NOW)


def _s3_key(uri: str) -> str | None:
    # s3://bucket/key -> key
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        return None
    parts = uri[len("s3://"):].split("/", 1)
    return parts[1] if len(parts) == 2 and parts[1] else None


def _mediaconvert_media(video_id: VideoId, detail: dict) -> dict:
    """Master playlist, renditions, thumbnail and duration from a COMPLETE job's details."""
    prefix = hls_prefix(video_id)
    media: dict[str, Any] = {"hls_key": None, "renditions": [], "thumbnail_key": None,
                             "duration_seconds": None}
    for group in detail.get("outputGroupDetails") or []:
        outputs = group.get("outputDetails") or []
        if group.get("type") == "HLS_GROUP":
            for path in group.get("playlistFilePaths") or []:
                key = _s3_key(path)
                if key and key.startswith(prefix):
                    media["hls_key"] = key
            for out in outputs:
                video = out.get("videoDetails") or {}
                if out.get("durationInMs") and media["duration_seconds"] is None:
                    media["duration_seconds"] = round(out["durationInMs"] / 1000, 3)
                if video.get("heightInPx"):
                    width, height = int(video["widthInPx"]), int(video["heightInPx"])
                    media["renditions"].append({
                        "name": f"{min(width, height)}p", "width": width, "height": height})
        elif group.get("type") == "FILE_GROUP":
            for out in outputs:
                for path in out.get("outputFilePaths") or []:
                    key = _s3_key(path)
                    if key and key.startswith(prefix) and media["thumbnail_key"] is None:
                        media["thumbnail_key"] = key
    media["renditions"].sort(key=lambda r: r["width"] * r["height"])
    return media


def apply_mediaconvert_event(db: Database, event: dict) -> str:
    """An EventBridge "MediaConvert Job State Change" (COMPLETE or ERROR), matched to its video
    by the id the transcode function put in the job's userMetadata."""
    detail = event.get("detail") or {}
    metadata = detail.get("userMetadata") or {}
    video_id = (try_parse_video_id(metadata.get("videoId")) if metadata.get("app") == "tuber"
                else None)
    if video_id is None:
        return UNKNOWN_VIDEO
    status = detail.get("status")
    if status == "COMPLETE":
        media = _mediaconvert_media(video_id, detail)
        if not media["hls_key"]:
            changed = fail(db, video_id, "the transcoder reported no playlist")
            return _outcome(changed, changed or _exists(db, video_id), FAILED_NOW)
        changed = publish(db, video_id, **media)
        return _outcome(changed, changed or _exists(db, video_id), PUBLISHED)
    if status == "ERROR":
        message = str(detail.get("errorMessage") or "unknown error")
        code = detail.get("errorCode")
        reason = f"transcoding failed ({code}): {message}" if code else (
            f"transcoding failed: {message}")
        changed = fail(db, video_id, reason)
        return _outcome(changed, changed or _exists(db, video_id), FAILED_NOW)
    return UNCHANGED
