"""Captions: the owner uploads a WebVTT file straight to S3, then confirms it (API.md
"Captions"); the same design as custom thumbnails (thumbnails.py).

1. `request_upload`: a presigned POST of exactly one key, incoming/captions/{videoId}/
   {language}.vtt (private, expired by the bucket's lifecycle rule), type text/vtt, exactly
   the declared size; the label rides along as the object's metadata, fixed by the policy.
2. `confirm`: the file is read and checked (tuber_common.webvtt: UTF-8, syntax, cue order,
   cues within the video), then published under a fresh folder hls/{videoId}/captions/
   {language}-{random}/ (the whole file, a subtitle playlist and its segments), recorded on
   the video (one atomic update per language: concurrent confirms of other languages all
   stay) and the master playlist rewritten with its SUBTITLES group (hls_master).
3. `remove`: off the video, out of the master, its objects deleted.
A video still processing takes captions too: its master lists them once it is written.
"""
from __future__ import annotations

import secrets
from urllib.parse import quote, unquote

from botocore.exceptions import ClientError
from pymongo import ReturnDocument
from pymongo.database import Database

from tuber_common import hls_master, media_keys, storage, webvtt
from tuber_common.captions import (MAX_BYTES, MAX_CAPTIONS, caption_out, label_for,
                                   normalize_language)
from tuber_common.clock import utcnow
from tuber_common.errors import Conflict, NotFound, PayloadTooLarge, ValidationFailed
from tuber_common.settings import get_settings

from .editing import owned_video

CONTENT_TYPE = "text/vtt"
# A published track's files never change: a new upload gets a new folder.
IMMUTABLE = "public, max-age=31536000, immutable"
_RECORD_ATTEMPTS = 5


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(f"caption files may be at most {MAX_BYTES} bytes",
                           code="caption_too_large", details={"maxBytes": MAX_BYTES})


def _too_many() -> Conflict:
    return Conflict(f"a video may have at most {MAX_CAPTIONS} caption languages",
                    code="too_many_captions", details={"max": MAX_CAPTIONS})


def _languages(doc: dict) -> list[str]:
    return [c["language"] for c in doc.get("captions") or []]


def request_upload(db: Database, video_id: str, user_id: str, language: str,
                   label: str | None, size_bytes: int) -> dict:
    language = normalize_language(language)
    label = label_for(language, label)
    if size_bytes > MAX_BYTES:
        raise _too_large()
    doc = owned_video(db, video_id, user_id)
    if language not in _languages(doc) and len(_languages(doc)) >= MAX_CAPTIONS:
        raise _too_many()
    upload = storage.presign_upload(
        media_keys.staged_caption_key(doc["_id"], language), CONTENT_TYPE, size_bytes,
        get_settings().upload_url_ttl_seconds, min_bytes=size_bytes,
        metadata={"label": quote(label)})
    return {"language": language, "label": label, "upload": upload}


def _duration(doc: dict) -> float:
    """The video's length: measured once it is (the transcoder's probe), else as declared."""
    for value in (doc.get("durationSeconds"), (doc.get("transcode") or {}).get("durationSeconds"),
                  doc.get("declaredDurationSeconds")):
        if value:
            return float(value)
    raise Conflict("the video's length is not known yet: upload the video (or declare its "
                   "durationSeconds) before its captions", code="duration_unknown")


def _staged(key: str) -> tuple[bytes, dict] | None:
    """The uploaded file and its metadata; None when nothing was uploaded."""
    s3, bucket = storage.get_s3(), get_settings().media_bucket
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if storage.object_missing(exc):
            return None
        raise
    if head["ContentLength"] > MAX_BYTES:
        _delete(key)
        raise _too_large()
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read(MAX_BYTES + 1)
    return body, head.get("Metadata") or {}


def _delete(key: str) -> None:
    storage.get_s3().delete_object(Bucket=get_settings().media_bucket, Key=key)


def _folder_of(caption: dict) -> str:
    return caption["key"].rsplit("/", 1)[0] + "/"


def _publish(doc: dict, language: str, captions: webvtt.Captions) -> str:
    """Write the track under a fresh folder; the whole file's key."""
    bucket = get_settings().media_bucket
    folder = media_keys.caption_folder(doc["_id"], language, secrets.token_hex(8))
    segment_seconds = ((doc.get("transcode") or {}).get("segmentSeconds")
                       or get_settings().transcode_segment_seconds)
    cut = webvtt.segments(captions, _duration(doc), segment_seconds,
                          hls_master.mpegts_origin(doc))
    uris = [media_keys.caption_segment_uri(i) for i in range(len(cut))]
    for uri, (_, text) in zip(uris, cut):
        hls_master.put_text(bucket, folder + uri, text, cache=IMMUTABLE)
    hls_master.put_text(bucket, folder + media_keys.MEDIA_PLAYLIST,
                        webvtt.playlist([d for d, _ in cut], uris), cache=IMMUTABLE)
    key = folder + media_keys.CAPTION_FILE
    hls_master.put_text(bucket, key, webvtt.render(captions), cache=IMMUTABLE)
    return key


def _record(db: Database, doc: dict, entry: dict) -> dict | None:
    """Put `entry` on the video: in place of the same language's (returned), else appended
    while there are fewer than MAX_CAPTIONS. Each is one conditional update, so concurrent
    confirms of other languages never undo each other."""
    owner = {"_id": doc["_id"], "ownerId": doc["ownerId"]}
    language = entry["language"]
    for _ in range(_RECORD_ATTEMPTS):
        before = db.videos.find_one_and_update(
            {**owner, "captions.language": language},
            {"$set": {"captions.$[same]": entry, "updatedAt": utcnow()}},
            array_filters=[{"same.language": language}],
            projection={"captions": 1}, return_document=ReturnDocument.BEFORE)
        if before is not None:
            return next(c for c in before["captions"] if c["language"] == language)
        added = db.videos.update_one(
            {**owner, "captions.language": {"$ne": language},
             f"captions.{MAX_CAPTIONS - 1}": {"$exists": False}},
            {"$push": {"captions": entry}, "$set": {"updatedAt": utcnow()}})
        if added.matched_count:
            return None
        now = db.videos.find_one(owner, {"captions": 1})
        if now is None:
            raise NotFound("video not found", code="video_not_found")
        if language not in _languages(now):
            raise _too_many()
        # The same language was added meanwhile: replace it on the next turn.
    raise Conflict("the captions changed too often meanwhile; try again",
                   code="captions_busy")


def confirm(db: Database, video_id: str, user_id: str, language: str) -> dict:
    language = normalize_language(language)
    doc = owned_video(db, video_id, user_id)
    staged_key = media_keys.staged_caption_key(doc["_id"], language)
    staged = _staged(staged_key)
    if staged is None:
        current = next((c for c in doc.get("captions") or [] if c["language"] == language),
                       None)
        if current is not None:  # confirmed already: a repeated request
            return caption_out(current)
        raise Conflict("upload the caption file before confirming it",
                       code="caption_not_uploaded")
    data, metadata = staged
    try:
        if len(data) > MAX_BYTES:
            raise _too_large()
        captions = webvtt.parse(data, _duration(doc))
    except (ValidationFailed, PayloadTooLarge):
        _delete(staged_key)  # never published, never kept
        raise
    label = label_for(language, unquote(metadata.get("label") or ""))
    entry = {"language": language, "label": label, "key": _publish(doc, language, captions)}
    try:
        replaced = _record(db, doc, entry)
    except (NotFound, Conflict):
        storage.delete_prefixes([_folder_of(entry)])
        raise
    bucket = get_settings().media_bucket
    hls_master.rewrite_master(db, bucket, doc["_id"])
    # Only now: if recording failed, the client's retry still finds its upload; the old
    # track goes once the master no longer names it.
    _delete(staged_key)
    if replaced is not None and replaced["key"] != entry["key"]:
        storage.delete_prefixes([_folder_of(replaced)])
    return caption_out(entry)


def remove(db: Database, video_id: str, user_id: str, language: str) -> None:
    language = normalize_language(language)
    doc = owned_video(db, video_id, user_id)
    before = db.videos.find_one_and_update(
        {"_id": doc["_id"], "ownerId": doc["ownerId"], "captions.language": language},
        {"$pull": {"captions": {"language": language}}, "$set": {"updatedAt": utcnow()}},
        projection={"captions": 1}, return_document=ReturnDocument.BEFORE)
    if before is None:
        raise NotFound("the video has no captions in that language", code="caption_not_found")
    hls_master.rewrite_master(db, get_settings().media_bucket, doc["_id"])
    removed = next(c for c in before["captions"] if c["language"] == language)
    storage.delete_prefixes([_folder_of(removed)])
    _delete(media_keys.staged_caption_key(doc["_id"], language))
