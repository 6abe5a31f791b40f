"""POST /video/{id}/retry: transcode a FAILED video again from its raw upload.

FAILED -> PROCESSING (with `retryPending`) is one conditional update, so one retry wins.
The transcode is then triggered the way every upload triggers it: S3 ObjectCreated on the
raw key, produced by copying the object onto itself with new metadata (CopyObject with
MetadataDirective REPLACE is a new write). One trigger path, in AWS and locally alike; the
transcode's claim accepts a retried video. CopyObject copies up to 5 GiB, above the default
MAX_UPLOAD_BYTES (2 GiB).
"""
from __future__ import annotations

from botocore.exceptions import ClientError
from pymongo import ReturnDocument
from pymongo.database import Database

from tuber_common import storage
from tuber_common.clock import utcnow
from tuber_common.errors import Conflict
from tuber_common.media_keys import raw_key
from tuber_common.settings import get_settings
from tuber_common.videos import FAILED, PROCESSING

from .catalog import shape
from .editing import owned_video


def _not_failed(status: str) -> Conflict:
    return Conflict("only a FAILED video can be retried", code="video_not_failed",
                    details={"status": status})


def _raw_head(bucket: str, key: str) -> dict | None:
    try:
        return storage.get_s3().head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if storage.object_missing(exc):
            return None
        raise


def retry(db: Database, video_id: str, user_id: str) -> dict:
    doc = owned_video(db, video_id, user_id)
    if doc["status"] != FAILED:
        raise _not_failed(doc["status"])
    bucket = get_settings().media_bucket
    key = doc.get("rawKey") or raw_key(doc["_id"])
    head = _raw_head(bucket, key)
    if head is None:
        # E.g. an upload larger than declared is deleted by the transcoder: upload anew.
        raise Conflict("the original upload is gone; upload the video again",
                       code="raw_upload_missing")
    now = utcnow()
    claimed = db.videos.find_one_and_update(
        {"_id": doc["_id"], "status": FAILED},
        {"$set": {"status": PROCESSING, "retryPending": True, "failureReason": None,
                  "progressPercent": 0, "retriedAt": now, "updatedAt": now},
         "$inc": {"retryCount": 1}},
        return_document=ReturnDocument.AFTER)
    if claimed is None:  # another retry (or a delete) got there first
        current = db.videos.find_one({"_id": doc["_id"]}, {"status": 1})
        raise _not_failed(current["status"] if current else "deleted")
    try:
        storage.get_s3().copy_object(
            Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": key},
            MetadataDirective="REPLACE",
            ContentType=head.get("ContentType") or doc.get("contentType") or "video/mp4",
            Metadata={**(head.get("Metadata") or {}),
                      "tuber-retry": str(claimed.get("retryCount", 1))})
    except Exception:
        # Not retried after all: put the video back as it was, failure reason included.
        db.videos.update_one(
            {"_id": doc["_id"], "status": PROCESSING, "retryPending": True},
            {"$set": {"status": FAILED, "retryPending": False,
                      "failureReason": doc.get("failureReason"), "updatedAt": utcnow()}})
        raise
    return shape(db, claimed, user_id)
