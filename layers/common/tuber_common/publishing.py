"""The end of a video's media path, in one place: UPLOADING -> PROCESSING -> PUBLIC or FAILED.

Shared by the transcode function, on_transcoded (S3 master playlist, MediaConvert job event,
the stuck-video sweep) and the video function's webhook. Every transition is one conditional
update on the current status, so a repeated or late event changes nothing: PUBLIC and FAILED
are final. Plain functions over a Database; no AWS calls here.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.database import Database

from .clock import utcnow
from .ids import VideoId, try_parse_video_id
from .observability import count
from .settings import get_settings
from .videos import FAILED, PROCESSING, PUBLIC, UPLOADING

OPEN_STATES = [UPLOADING, PROCESSING]
MAX_REASON_CHARS = 500

PUBLISHED, FAILED_NOW, UNCHANGED, UNKNOWN_VIDEO = "published", "failed", "unchanged", "unknown"
MEDIACONVERT_DETAIL_TYPE = "MediaConvert Job State Change"


def hls_prefix(video_id: VideoId) -> str:
    return f"hls/{video_id}/"


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
    return swept


def _outcome(changed: bool, exists: bool, done: str) -> str:
    return done if changed else (UNCHANGED if exists else UNKNOWN_VIDEO)


def _exists(db: Database, video_id: VideoId) -> bool:
    return db.videos.count_documents({"_id": video_id}, limit=1) == 1


def apply_result(db: Database, video_id: VideoId, *, status: str, hls_key: str | None = None,
                 renditions: list[dict] | None = None, thumbnail_key: str | None = None,
                 duration_seconds: float | None = None, failure_reason: str | None = None
                 ) -> str:
    """A transcoder's verdict on one video (webhook or manifest): publish or fail it."""
    if status == PUBLIC:
        changed = publish(db, video_id, hls_key=hls_key or f"{hls_prefix(video_id)}master.m3u8",
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
