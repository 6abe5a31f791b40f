"""One upload under raw/{videoId}/: claim the video (UPLOADING -> PROCESSING), check the
upload, probe it within the limits, and start the transcode: a MediaConvert job, or the
ffmpeg backend's parts (plan.py), each sent to its own invocation of the part function
(or, on one machine without one, run here one after another). Whatever goes wrong before the
parts are under way ends as FAILED with a reason: never stuck in PROCESSING."""
from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import boto3
from botocore.config import Config

from aws_lambda_powertools import Logger
from pymongo.database import Database

from tuber_common import media_keys, publishing, storage
from tuber_common.ids import VideoId, parse_video_id
from tuber_common.settings import get_settings
from tuber_common.videos import FAILED as FAILED_STATUS

from . import ffmpeg_backend, mediaconvert_backend, parts, plan, tools

logger = Logger(child=True)

IGNORED, TRANSCODED, SUBMITTED, DISPATCHED, FAILED = (
    "ignored", "transcoded", "submitted", "dispatched", "failed")
PART_FAILED_REASON = "part of the video could not be transcoded"
# Invocations sent at once: a 60-minute source has hundreds of parts, and each Invoke is a
# round trip of tens of milliseconds.
DISPATCH_WORKERS = 16


@lru_cache(maxsize=2)
def _lambda_client(endpoint_url: str | None, region: str):
    return boto3.client("lambda", region_name=region, endpoint_url=endpoint_url,
                        config=Config(max_pool_connections=DISPATCH_WORKERS,
                                      retries={"mode": "adaptive", "max_attempts": 8}))


def lambda_client():
    settings = get_settings()
    return _lambda_client(settings.lambda_endpoint_url or None, settings.aws_region)


class UploadRejected(Exception):
    """The upload breaks what was declared at creation (e.g. it is larger)."""


def handle_upload(db: Database, bucket: str, key: str, remaining_seconds: float) -> str:
    video_id = media_keys.raw_video_id(key)
    if video_id is None:
        logger.info("ignoring an object that is not a raw upload", extra={"key": key})
        return IGNORED
    doc = publishing.start_processing(db, video_id, key)
    if doc is None:
        # Unknown, deleted, or already claimed (S3 delivers events at least once).
        logger.info("ignoring an upload for a video that is not waiting for one",
                    extra={"videoId": str(video_id)})
        return IGNORED
    try:
        return _process(db, doc, bucket, key, remaining_seconds)
    except tools.OutOfLimits as exc:
        reason = str(exc)
    except tools.NotAVideo as exc:
        logger.info("upload is not a readable video", extra={"videoId": str(video_id),
                                                             "why": str(exc)})
        reason = "the upload is not a video we can read"
    except UploadRejected as exc:
        reason = str(exc)
    except ffmpeg_backend.TranscodeFailed as exc:
        reason = str(exc)
    except Exception:  # a fault of ours or of a dependency: still never left PROCESSING
        logger.exception("transcoding failed", extra={"videoId": str(video_id)})
        reason = "transcoding failed"
    if publishing.fail(db, video_id, reason) and get_settings().transcoder_backend == "ffmpeg":
        parts.remove_outputs(video_id)
    return FAILED


def _check_size(bucket: str, key: str, doc: dict) -> int:
    size = storage.get_s3().head_object(Bucket=bucket, Key=key)["ContentLength"]
    allowed = min(int(doc.get("sizeBytes") or 0), get_settings().max_upload_bytes)
    if size > allowed:
        # Nothing will ever use it: do not keep paying for it.
        storage.get_s3().delete_object(Bucket=bucket, Key=key)
        raise UploadRejected(f"the upload is larger than declared ({size} > {allowed} bytes)")
    if size == 0:
        raise UploadRejected("the upload is empty")
    return size


def _process(db: Database, doc: dict, bucket: str, key: str, remaining: float) -> str:
    settings = get_settings()
    video_id = doc["_id"]
    size = _check_size(bucket, key, doc)
    url = storage.get_s3().generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=900)
    if settings.transcoder_backend == "mediaconvert":
        source = mediaconvert_backend.probe_remote(url)
        tools.check_limits(source, size)
        job_id = mediaconvert_backend.submit(str(video_id), bucket, key, source)
        db.videos.update_one({"_id": video_id}, {"$set": {"transcodeJobId": job_id}})
        logger.info("MediaConvert job submitted", extra={"videoId": str(video_id),
                                                         "jobId": job_id})
        return SUBMITTED
    if settings.transcode_chunk_function:
        return _fan_out(db, video_id, tools.probe(url), size, settings)
    with tempfile.TemporaryDirectory(prefix="tuber-transcode-") as tmp:
        # One machine, no part function: every part here, one after another, from one copy.
        source_path = os.path.join(tmp, "source")
        storage.get_s3().download_file(bucket, key, source_path)
        transcode = _begin(db, video_id, tools.probe(source_path), size, settings)
        deadline = time.monotonic() + remaining - safety_margin(remaining)
        for task in plan.tasks(str(video_id), transcode):
            _run_part_here(db, bucket, task, source_path, deadline)
    failed = db.videos.count_documents({"_id": video_id, "status": FAILED_STATUS}, limit=1)
    return FAILED if failed else TRANSCODED


def _begin(db: Database, video_id: VideoId, source: tools.Probe, size: int,
           settings) -> dict:
    tools.check_limits(source, size)
    transcode = plan.make(source, chunk_seconds=settings.transcode_chunk_seconds,
                          segment_seconds=settings.transcode_segment_seconds,
                          max_short_side=settings.transcode_max_height)
    transcode["probe"] = dataclasses.asdict(source)
    if not publishing.begin_run(db, video_id, transcode):
        raise UploadRejected("the video was deleted or changed while it was being prepared")
    return transcode


def _fan_out(db: Database, video_id: VideoId, source: tools.Probe, size: int,
             settings) -> str:
    """Every part to its own invocation of the part function, the lowest rung first."""
    transcode = _begin(db, video_id, source, size, settings)
    tasks = plan.tasks(str(video_id), transcode)
    client = lambda_client()
    payloads = [json.dumps({"part": task}).encode() for task in tasks]
    with ThreadPoolExecutor(max_workers=DISPATCH_WORKERS) as pool:
        list(pool.map(lambda payload: client.invoke(
            FunctionName=settings.transcode_chunk_function, InvocationType="Event",
            Payload=payload), payloads))
    logger.info("transcode parts dispatched", extra={"videoId": str(video_id),
                                                     "parts": len(tasks)})
    return DISPATCHED


def _run_part_here(db: Database, bucket: str, task: dict, source_path: str,
                   deadline: float) -> str:
    """A part in this process; an error ends its track as the on-failure destination would."""
    try:
        return parts.run(db, bucket, task, source=source_path,
                         timeout_seconds=deadline - time.monotonic())
    except Exception:
        logger.exception("transcode part failed", extra=task)
        video_id = parse_video_id(task["videoId"])
        if publishing.abandon_track(db, video_id, task["runId"], task["track"],
                                    PART_FAILED_REASON) == publishing.FAILED_NOW:
            parts.remove_outputs(video_id)
        return parts.FAILED


def safety_margin(remaining: float) -> float:
    # Time kept back to record FAILED (and clean up) if ffmpeg runs out the clock.
    return max(3.0, min(60.0, remaining * 0.1))
