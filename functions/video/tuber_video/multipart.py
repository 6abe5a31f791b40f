"""Resumable uploads of a video's raw file: S3 multipart with a presigned URL per part.

The owner starts one while the video is UPLOADING, asks for part URLs as needed (again after
a failure or a reload: a part uploaded twice simply replaces itself), lists what S3 already
holds to resume, then completes it. Part n is bytes [(n-1)*partSize, n*partSize) of the file;
every part URL is signed for that exact length, so the file is exactly the declared
`sizeBytes` and S3 itself refuses anything else. Completing emits S3 ObjectCreated on
raw/{videoId}/source, which starts the transcode as any upload does.
"""
from __future__ import annotations

from datetime import timedelta

from botocore.exceptions import ClientError
from pymongo.database import Database

from tuber_common import multipart, storage
from tuber_common.clock import iso, utcnow
from tuber_common.errors import Conflict, NotFound, ValidationFailed
from tuber_common.media_keys import raw_key
from tuber_common.settings import get_settings
from tuber_common.videos import UPLOADING

from . import quotas
from .catalog import shape
from .editing import owned_video

MAX_LISTED_PROBLEMS = 100


def _not_found() -> NotFound:
    return NotFound("no resumable upload in progress for this video", code="upload_not_found")


def _uploading_video(db: Database, video_id: str, user_id: str) -> dict:
    doc = owned_video(db, video_id, user_id)
    if doc["status"] != UPLOADING:
        raise Conflict("this video is not waiting for an upload", code="not_uploading",
                       details={"status": doc["status"]})
    return doc


def _current(doc: dict, upload_id: str | None = None) -> dict:
    record = doc.get("multipart")
    if not record or (upload_id is not None and record["uploadId"] != upload_id):
        raise _not_found()
    return record


def _record_out(doc: dict, record: dict) -> dict:
    return {"uploadId": record["uploadId"], "partSize": record["partSize"],
            "partCount": record["partCount"], "sizeBytes": int(doc["sizeBytes"]),
            "createdAt": iso(record["createdAt"]),
            "expiresAt": iso(record["createdAt"] + timedelta(
                seconds=get_settings().multipart_max_age_seconds))}


def start(db: Database, video_id: str, user_id: str) -> dict:
    """POST .../upload/multipart: one resumable upload per video at a time (409 while one is
    in progress: resume it with GET, or abort it with DELETE)."""
    doc = _uploading_video(db, video_id, user_id)
    if doc.get("multipart"):
        raise Conflict("a resumable upload is already in progress for this video",
                       code="upload_in_progress",
                       details={"uploadId": doc["multipart"]["uploadId"]})
    # The video's size was counted at creation; refuse if the limit was lowered since.
    quotas.check_storage_holds(db, user_id)
    size = int(doc["sizeBytes"])
    part_size, part_count = multipart.plan(size)
    key = raw_key(doc["_id"])
    created = storage.get_s3().create_multipart_upload(
        Bucket=get_settings().media_bucket, Key=key, ContentType=doc["contentType"])
    record = {"uploadId": created["UploadId"], "partSize": part_size,
              "partCount": part_count, "createdAt": utcnow()}
    saved = db.videos.update_one(
        {"_id": doc["_id"], "status": UPLOADING, "multipart": None},
        {"$set": {"multipart": record, "updatedAt": record["createdAt"]}})
    if saved.modified_count != 1:
        # A concurrent start won, or the video moved on: do not leave this one behind.
        multipart.abort(key, record["uploadId"])
        raise Conflict("a resumable upload is already in progress for this video",
                       code="upload_in_progress")
    return {"multipart": _record_out(doc, record)}


def part_urls(db: Database, video_id: str, user_id: str, upload_id: str,
              part_numbers: list[int]) -> dict:
    """POST .../upload/multipart/part-urls: a presigned PUT per requested part."""
    doc = _uploading_video(db, video_id, user_id)
    record = _current(doc, upload_id)
    bad = sorted({n for n in part_numbers if not 1 <= n <= record["partCount"]})
    if bad:
        raise ValidationFailed(f"part numbers run from 1 to {record['partCount']}",
                               code="invalid_part_number", details={"partNumbers": bad})
    settings = get_settings()
    size = int(doc["sizeBytes"])
    s3 = storage.get_s3()
    parts = []
    for number in sorted(set(part_numbers)):
        length = multipart.part_bytes(number, record["partSize"], size)
        url = s3.generate_presigned_url("upload_part", Params={
            "Bucket": settings.media_bucket, "Key": raw_key(doc["_id"]),
            "UploadId": record["uploadId"], "PartNumber": number,
            # Signed: S3 refuses a part of any other length.
            "ContentLength": length,
        }, ExpiresIn=settings.upload_url_ttl_seconds)
        parts.append({"partNumber": number, "url": url, "method": "PUT", "sizeBytes": length})
    return {"uploadId": record["uploadId"], "expiresIn": settings.upload_url_ttl_seconds,
            "parts": parts}


def _listed_parts(doc: dict, record: dict) -> list[dict]:
    """Every part S3 holds for the upload (ListParts, page by page)."""
    s3 = storage.get_s3()
    params = {"Bucket": get_settings().media_bucket, "Key": raw_key(doc["_id"]),
              "UploadId": record["uploadId"]}
    found: list[dict] = []
    try:
        for listing in s3.get_paginator("list_parts").paginate(**params):
            found += [{"partNumber": p["PartNumber"], "sizeBytes": p["Size"],
                       "etag": p["ETag"]} for p in listing.get("Parts") or []]
    except ClientError as exc:
        if storage.upload_missing(exc):
            raise _not_found() from None
        raise
    return sorted(found, key=lambda p: p["partNumber"])


def status(db: Database, video_id: str, user_id: str) -> dict:
    """GET .../upload/multipart: the upload and the parts S3 already holds (to resume)."""
    doc = owned_video(db, video_id, user_id)
    record = _current(doc)
    parts = _listed_parts(doc, record)
    return {"multipart": _record_out(doc, record), "parts": parts,
            "uploadedBytes": sum(p["sizeBytes"] for p in parts)}


def _problems(doc: dict, record: dict, listed: list[dict]) -> dict:
    """What keeps the upload from completing: missing parts, parts of the wrong size."""
    size = int(doc["sizeBytes"])
    have = {p["partNumber"]: p for p in listed}
    missing = [n for n in range(1, record["partCount"] + 1) if n not in have]
    wrong = [n for n, p in have.items()
             if p["sizeBytes"] != multipart.part_bytes(n, record["partSize"], size)]
    return {k: v[:MAX_LISTED_PROBLEMS] for k, v in
            (("missingParts", missing), ("wrongSizeParts", wrong)) if v}


def _same_etag(a: str, b: str) -> bool:
    return a.strip().strip('"') == b.strip().strip('"')


def complete(db: Database, video_id: str, user_id: str, upload_id: str,
             parts: list[dict] | None) -> dict:
    """POST .../upload/multipart/complete: every part present and of its exact size (the
    file is exactly `sizeBytes`), then S3 assembles the object. `parts` (the ETags the
    client saw) is optional; when given it must match what S3 holds."""
    doc = _uploading_video(db, video_id, user_id)
    record = _current(doc, upload_id)
    listed = _listed_parts(doc, record)
    problems = _problems(doc, record, listed)
    if problems:
        raise Conflict("the upload is not complete: upload the listed parts (again)",
                       code="upload_incomplete", details=problems)
    if parts is not None:
        held = {p["partNumber"]: p["etag"] for p in listed}
        stale = sorted(p["partNumber"] for p in parts
                       if not _same_etag(held.get(p["partNumber"], ""), p["etag"]))
        if stale or len(parts) != len(listed):
            raise Conflict("the parts named differ from the parts uploaded",
                           code="parts_mismatch", details={"partNumbers": stale})
    try:
        storage.get_s3().complete_multipart_upload(
            Bucket=get_settings().media_bucket, Key=raw_key(doc["_id"]),
            UploadId=record["uploadId"],
            MultipartUpload={"Parts": [{"PartNumber": p["partNumber"], "ETag": p["etag"]}
                                       for p in listed]})
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if storage.upload_missing(exc):
            raise _not_found() from None
        if code in ("InvalidPart", "InvalidPartOrder", "EntityTooSmall"):
            raise Conflict("S3 refused the parts: upload them again",
                           code="upload_incomplete", details={"s3": code}) from None
        raise
    # The object exists now (and its event is on its way to the transcoder).
    now = utcnow()
    db.videos.update_one({"_id": doc["_id"], "multipart.uploadId": record["uploadId"]},
                         {"$set": {"multipart": None, "updatedAt": now}})
    fresh = db.videos.find_one({"_id": doc["_id"]}) or doc
    return {"video": shape(db, fresh, user_id)}


def cancel(db: Database, video_id: str, user_id: str) -> None:
    """DELETE .../upload/multipart: abort it; S3 drops every part. The video stays
    UPLOADING (a new upload may start)."""
    doc = owned_video(db, video_id, user_id)
    record = _current(doc)
    multipart.abort(raw_key(doc["_id"]), record["uploadId"])
    db.videos.update_one({"_id": doc["_id"], "multipart.uploadId": record["uploadId"]},
                         {"$set": {"multipart": None, "updatedAt": utcnow()}})
