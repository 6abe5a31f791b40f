"""The end of a transcode that did not end by itself: a MediaConvert job state, a transcode
part that failed for good (Lambda's on-failure destination record), or the sweep of what is
stuck. The transitions are in tuber_common.publishing, shared with the transcoder and the
webhook."""
from __future__ import annotations

from aws_lambda_powertools import Logger
from pymongo.database import Database

from tuber_common import hls_master, media_keys, multipart, publishing, storage
from tuber_common.ids import try_parse_video_id
from tuber_common.settings import get_settings

logger = Logger(child=True)
IGNORED = "ignored"
PART_FAILED_REASON = "part of the video could not be transcoded"


def is_failed_invocation(event: dict) -> bool:
    """The record Lambda sends an on-failure destination."""
    return isinstance(event.get("requestContext"), dict) and "requestPayload" in event


def on_failed_part(db: Database, event: dict) -> str:
    """A transcode part still failing after Lambda's retries: the video fails (or, already
    playing, goes on without that rung)."""
    payload = event.get("requestPayload") or {}
    task = payload.get("part") if isinstance(payload, dict) else None
    task = task if isinstance(task, dict) else {}
    video_id = try_parse_video_id(task.get("videoId"))
    if video_id is None or not isinstance(task.get("runId"), str) or not isinstance(
            task.get("track"), str):
        logger.warning("ignoring a failed invocation that is not a transcode part",
                       extra={"condition": event["requestContext"].get("condition")})
        return IGNORED
    error = event.get("responsePayload") or {}
    logger.warning("transcode part failed for good", extra={
        "videoId": str(video_id), "track": task["track"], "index": task.get("index"),
        "errorType": error.get("errorType") if isinstance(error, dict) else None})
    outcome = publishing.abandon_track(db, video_id, task["runId"], task["track"],
                                       PART_FAILED_REASON)
    if outcome == publishing.FAILED_NOW:
        storage.delete_prefixes([media_keys.hls_prefix(video_id)])
    return outcome


def on_job_state(db: Database, event: dict) -> str:
    outcome = publishing.apply_mediaconvert_event(db, event)
    detail = event.get("detail") or {}
    if outcome == publishing.PUBLISHED:
        # MediaConvert wrote its own master: captions confirmed meanwhile join it now.
        video_id = try_parse_video_id((detail.get("userMetadata") or {}).get("videoId"))
        hls_master.list_captions_once_published(db, get_settings().media_bucket, video_id)
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
