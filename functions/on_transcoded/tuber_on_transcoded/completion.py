"""A transcode finished: publish the video or fail it (the transitions are in
tuber_common.publishing, shared with the webhook)."""
from __future__ import annotations

import json
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError
from pymongo.database import Database

from tuber_common import multipart, publishing, storage
from tuber_common.ids import try_parse_video_id

logger = Logger(child=True)
MASTER_NAME, MANIFEST_NAME = "master.m3u8", "manifest.json"
MAX_MANIFEST_BYTES = 256 * 1024
IGNORED = "ignored"


def master_video_id(key: str):
    """The video id of `hls/{videoId}/master.m3u8`; None for any other key."""
    parts = key.split("/")
    if len(parts) != 3 or parts[0] != "hls" or parts[2] != MASTER_NAME:
        return None
    return try_parse_video_id(parts[1])


def _read_manifest(bucket: str, key: str) -> dict | None:
    try:
        obj = storage.get_s3().get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    if obj["ContentLength"] > MAX_MANIFEST_BYTES:
        raise ValueError("manifest is too large")
    return json.loads(obj["Body"].read())


def on_master_playlist(db: Database, record: dict) -> str:
    """S3 ObjectCreated of hls/{videoId}/master.m3u8, written last by the ffmpeg backend next
    to its manifest.json."""
    s3 = record.get("s3") or {}
    bucket = (s3.get("bucket") or {}).get("name")
    key = unquote_plus((s3.get("object") or {}).get("key") or "")
    video_id = master_video_id(key)
    if not bucket or video_id is None:
        logger.info("ignoring an object that is not a master playlist", extra={"key": key})
        return IGNORED
    prefix = publishing.hls_prefix(video_id)
    manifest = _read_manifest(bucket, prefix + MANIFEST_NAME)
    if manifest is None:
        # MediaConvert writes no manifest; its job state event publishes the video.
        logger.info("master playlist without manifest: waiting for the job event",
                    extra={"videoId": str(video_id)})
        return IGNORED
    outcome = publishing.apply_result(
        db, video_id, status="PUBLIC", hls_key=prefix + MASTER_NAME,
        renditions=list(manifest.get("renditions") or []),
        thumbnail_key=manifest.get("thumbnailKey"),
        duration_seconds=manifest.get("durationSeconds"))
    logger.info("master playlist handled", extra={"videoId": str(video_id), "outcome": outcome})
    return outcome


def on_job_state(db: Database, event: dict) -> str:
    outcome = publishing.apply_mediaconvert_event(db, event)
    detail = event.get("detail") or {}
    logger.info("MediaConvert job state handled", extra={
        "jobId": detail.get("jobId"), "status": detail.get("status"), "outcome": outcome})
    return outcome


def sweep(db: Database) -> int:
    swept = publishing.sweep_stuck(db)
    logger.info("stuck videos failed", extra={"count": swept})
    # Resumable uploads left unfinished: abort them, fail the videos that waited for them.
    uploads = multipart.sweep(db)
    logger.info("unfinished uploads swept", extra=uploads)
    return swept + uploads["failed"]
