"""Resumable uploads (S3 multipart) shared by the video function (which runs them) and
on_transcoded (whose scheduled sweep aborts the unfinished ones).

A video with a resumable upload in progress records it on its document:
`multipart: {uploadId, partSize, partCount, createdAt}`; the field is removed when the upload
is completed or aborted. Only the video and on_transcoded functions import this module (it
calls S3 through tuber_common.storage).
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from botocore.exceptions import ClientError
from pymongo.database import Database

from . import storage
from .clock import utcnow
from .media_keys import RAW
from .settings import get_settings
from .videos import FAILED, UPLOADING

MIB = 1024 * 1024
MAX_PARTS = 10_000            # S3's limit per upload
MAX_PART_BYTES = 5 * 1024**3  # S3's limit per part
EXPIRED_REASON = "the resumable upload was not finished in time"


def plan(size_bytes: int, min_part_bytes: int | None = None) -> tuple[int, int]:
    """(partSize, partCount) for a file of `size_bytes`: at least the configured part size
    (S3 needs 5 MiB for all parts but the last), large enough to stay within 10,000 parts,
    rounded up to whole MiB."""
    if size_bytes < 1:
        raise ValueError("size must be positive")
    floor = min_part_bytes or get_settings().multipart_part_bytes
    part = max(floor, math.ceil(size_bytes / MAX_PARTS))
    part = min(MAX_PART_BYTES, math.ceil(part / MIB) * MIB)
    return part, math.ceil(size_bytes / part)


def part_bytes(part_number: int, part_size: int, size_bytes: int) -> int:
    """The exact size of part `part_number` (1-based) of a `size_bytes` file."""
    start = (part_number - 1) * part_size
    return max(0, min(part_size, size_bytes - start))


def _ignore_missing_upload(exc: ClientError) -> None:
    if not storage.upload_missing(exc):
        raise exc


def abort(key: str, upload_id: str, bucket: str | None = None) -> None:
    """Abort one upload (its parts are deleted); an upload already gone is fine."""
    try:
        storage.get_s3().abort_multipart_upload(
            Bucket=bucket or get_settings().media_bucket, Key=key, UploadId=upload_id)
    except ClientError as exc:
        _ignore_missing_upload(exc)


def sweep(db: Database, now: datetime | None = None) -> dict:
    """Abort unfinished uploads under raw/ and fail the videos that waited for them.

    An upload its video still records is abandoned after MULTIPART_MAX_AGE_SECONDS from our
    own record of its start; one no video records (the video was deleted, or the upload was
    replaced) after the upload URL lifetime, by S3's `Initiated` (the grace covers the moment
    between creating an upload and recording it). The bucket's lifecycle rule is the
    backstop for anything this misses."""
    settings = get_settings()
    now = now or utcnow()
    bucket = settings.media_bucket
    max_age = timedelta(seconds=settings.multipart_max_age_seconds)
    orphan_grace = timedelta(seconds=settings.upload_url_ttl_seconds)
    aborted = 0
    for listing in storage.get_s3().get_paginator("list_multipart_uploads").paginate(
            Bucket=bucket, Prefix=RAW):
        uploads = listing.get("Uploads") or []
        ids = [u["UploadId"] for u in uploads]
        recorded = {d["multipart"]["uploadId"]: d["multipart"]["createdAt"] for d in
                    db.videos.find({"multipart.uploadId": {"$in": ids}}, {"multipart": 1})}
        for upload in uploads:
            started = recorded.get(upload["UploadId"])
            if started is not None:
                expired = now - _aware(started) > max_age
            else:
                expired = now - _aware(upload["Initiated"]) > orphan_grace
            if expired:
                abort(upload["Key"], upload["UploadId"], bucket)
                aborted += 1
    # The videos whose upload expired can no longer receive it: FAILED, never stuck.
    failed = db.videos.update_many(
        {"status": UPLOADING, "multipart.createdAt": {"$lt": now - max_age}},
        {"$set": {"status": FAILED, "failureReason": EXPIRED_REASON, "multipart": None,
                  "updatedAt": now}},
    ).modified_count
    return {"aborted": aborted, "failed": failed}


def _aware(value: datetime) -> datetime:
    from datetime import timezone

    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
