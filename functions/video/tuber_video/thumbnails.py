"""Custom thumbnails: the owner uploads an image straight to S3, then confirms it.

1. `request_upload`: a presigned POST for a fresh key
   `incoming/thumbs/{videoId}/custom-{random}.{ext}` (a new key per upload: a CDN never serves
   a stale image under an old name), with the exact content type and the declared size as
   the policy's upper bound. incoming/ is private: what was uploaded but never checked is
   never served (else anyone could host files on our public prefix by never confirming),
   and the bucket's lifecycle rule expires it after a day.
2. `confirm`: the key must be one this route could have issued for this very video; the
   object must exist, be small enough, carry an image type and start with that format's
   magic bytes. Then it is copied to the public `thumbs/{videoId}/custom-{random}.{ext}`,
   the video points at that, and the previous custom thumbnail is deleted.
3. `remove`: back to the generated thumbnail.
The generated thumbnail (`thumbnailKey`, under hls/) stays untouched throughout, so a
transcode that finishes later never overwrites the owner's choice.
"""
from __future__ import annotations

import re
import secrets

from botocore.exceptions import ClientError
from pymongo.database import Database

from tuber_common import storage
from tuber_common.errors import (BadRequest, Conflict, NotFound, PayloadTooLarge,
                                 UnsupportedMediaType, ValidationFailed)
from tuber_common.media_keys import INCOMING, STAGED_THUMBS, staged_thumbs_prefix
from tuber_common.settings import get_settings

from .catalog import shape
from .editing import owned_video, set_fields

# content type -> file extension, and the bytes every file of that format starts with.
IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
_MAGIC = {
    "png": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "jpg": lambda head: head.startswith(b"\xff\xd8\xff"),
    "webp": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
}
# {video}: either id format (tuber_common.ids); confirm compares it with this video's own.
_STAGED_KEY = re.compile("^" + re.escape(STAGED_THUMBS)
                         + r"(?P<video>[0-9a-f]{24}|[A-Za-z0-9_-]{22})"
                         r"/custom-[0-9a-f]{16}\.(?P<ext>png|jpg|webp)$")


def _content_type(value: str) -> str:
    value = value.split(";")[0].strip().lower()
    if value not in IMAGE_TYPES:
        raise UnsupportedMediaType(
            f"thumbnails must be one of {', '.join(IMAGE_TYPES)}",
            code="unsupported_thumbnail_type", details={"allowed": list(IMAGE_TYPES)})
    return value


def request_upload(db: Database, video_id: str, user_id: str, content_type: str,
                   size_bytes: int) -> dict:
    doc = owned_video(db, video_id, user_id)
    content_type = _content_type(content_type)
    settings = get_settings()
    if size_bytes > settings.thumbnail_max_bytes:
        raise PayloadTooLarge(f"thumbnails may be at most {settings.thumbnail_max_bytes} bytes",
                              code="thumbnail_too_large",
                              details={"maxBytes": settings.thumbnail_max_bytes})
    key = (f"{staged_thumbs_prefix(doc['_id'])}custom-{secrets.token_hex(8)}."
           f"{IMAGE_TYPES[content_type]}")
    upload = storage.presign_upload(key, content_type, size_bytes,
                                    settings.upload_url_ttl_seconds)
    return {"upload": upload, "thumbnailKey": key}


def _check_object(key: str, ext: str) -> None:
    """The uploaded object is there and is the image it claims to be (else 409 / 422)."""
    s3, bucket = storage.get_s3(), get_settings().media_bucket
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if storage.object_missing(exc):
            raise Conflict("upload the thumbnail before confirming it",
                           code="thumbnail_not_uploaded") from None
        raise
    problem = None
    if head["ContentLength"] > get_settings().thumbnail_max_bytes:
        problem = "the thumbnail is too large"
    elif IMAGE_TYPES.get(head.get("ContentType", "").lower()) != ext:
        problem = "the thumbnail's content type does not match its name"
    else:
        first = s3.get_object(Bucket=bucket, Key=key, Range="bytes=0-15")["Body"].read()
        if not _MAGIC[ext](first):
            problem = "the file is not the image its content type names"
    if problem:
        # Never shown, never kept.
        s3.delete_object(Bucket=bucket, Key=key)
        raise ValidationFailed(problem, code="invalid_thumbnail")


def _delete_object(key: str | None) -> None:
    if key:
        storage.get_s3().delete_object(Bucket=get_settings().media_bucket, Key=key)


def _publish(staged: str, public: str) -> None:
    """Copy the checked upload to its public key, content type and all."""
    bucket = get_settings().media_bucket
    storage.get_s3().copy_object(Bucket=bucket, Key=public, MetadataDirective="COPY",
                                 CopySource={"Bucket": bucket, "Key": staged})


def confirm(db: Database, video_id: str, user_id: str, key: str) -> dict:
    doc = owned_video(db, video_id, user_id)
    match = _STAGED_KEY.match(key)
    # Only a key this route issues for this video: never another video's, never hls/ or raw/.
    if match is None or match["video"] != str(doc["_id"]):
        raise BadRequest("thumbnailKey is not a thumbnail upload of this video",
                         code="invalid_thumbnail_key")
    public = key.removeprefix(INCOMING)  # thumbs/{videoId}/custom-...
    if doc.get("customThumbnailKey") == public:  # confirmed already: a repeated request
        return shape(db, doc, user_id)
    _check_object(key, match["ext"])
    _publish(key, public)
    try:
        before = set_fields(db, doc, {"customThumbnailKey": public}, return_before=True)
    except NotFound:
        # Deleted meanwhile: its thumbs/ folder went with it, or goes now.
        _delete_object(public)
        _delete_object(key)
        raise
    # Only now: if recording it failed, the client's retry still finds its upload.
    _delete_object(key)
    if before.get("customThumbnailKey") != public:
        _delete_object(before.get("customThumbnailKey"))
    return shape(db, {**before, "customThumbnailKey": public}, user_id)


def remove(db: Database, video_id: str, user_id: str) -> dict:
    doc = owned_video(db, video_id, user_id)
    before = set_fields(db, doc, {"customThumbnailKey": None}, return_before=True)
    _delete_object(before.get("customThumbnailKey"))
    return shape(db, {**before, "customThumbnailKey": None}, user_id)
