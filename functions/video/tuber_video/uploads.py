"""Creating a video: the document in UPLOADING and a presigned upload for its raw file."""
from __future__ import annotations

from bson import ObjectId
from pymongo.database import Database

from tuber_common import search_terms, storage
from tuber_common.clock import utcnow
from tuber_common.errors import PayloadTooLarge, ValidationFailed
from tuber_common.ids import new_video_id
from tuber_common.media_keys import raw_key
from tuber_common.observability import count
from tuber_common.settings import get_settings
from tuber_common.tags import check_category, normalize_tags
from tuber_common.videos import COUNTERS, UPLOADING

from . import quotas
from .catalog import shape


def create_video(db: Database, owner_id: str, *, title: str, description: str,
                 visibility: str, content_type: str, size_bytes: int,
                 duration_seconds: float | None = None, tags: list[str] | None = None,
                 category: str | None = None) -> dict:
    settings = get_settings()
    tags, category = normalize_tags(tags or []), check_category(category)
    if size_bytes > settings.max_upload_bytes:
        raise PayloadTooLarge(f"videos may be at most {settings.max_upload_bytes} bytes",
                              code="upload_too_large",
                              details={"maxBytes": settings.max_upload_bytes})
    longest = settings.transcode_max_duration_seconds
    if duration_seconds is not None and duration_seconds > longest:
        # The client knows the length before uploading: say no before hours of upload (the
        # transcoder checks the file itself with the same setting).
        raise ValidationFailed(f"videos may be at most {longest} seconds long",
                               code="video_too_long",
                               details={"maxDurationSeconds": longest,
                                        "durationSeconds": duration_seconds})
    # Quotas before anything is signed or stored: a refused upload leaves no trace.
    quotas.check_storage(db, owner_id, size_bytes)
    slot = quotas.take_daily_slot(db, owner_id)
    now = utcnow()
    # Random (tuber_common.ids): neither this id nor its media keys say anything of another
    # video's, so unlisted and private videos cannot be found from public ones.
    video_id = new_video_id()
    doc = {
        "_id": video_id, "ownerId": ObjectId(owner_id), "title": title,
        **search_terms.terms_fields(title, tags, description), "description": description,
        "visibility": visibility, "tags": tags, "category": category,
        "status": UPLOADING, "failureReason": None, "contentType": content_type,
        "sizeBytes": size_bytes, "rawKey": raw_key(video_id),
        "declaredDurationSeconds": duration_seconds,
        **{name: 0 for name in COUNTERS},
        "durationSeconds": None, "thumbnailKey": None, "hlsKey": None, "renditions": [],
        "createdAt": now, "updatedAt": now, "publishedAt": None,
    }
    # Sign first: if signing fails, no video is left waiting for an upload that cannot come.
    try:
        upload = storage.presign_upload(doc["rawKey"], content_type, size_bytes,
                                        settings.upload_url_ttl_seconds)
        db.videos.insert_one(doc)
    except Exception:
        quotas.give_back_daily_slot(db, slot)
        raise
    try:
        # Concurrent creates by one user cannot both slip under the storage limit.
        quotas.check_storage_holds(db, owner_id)
    except PayloadTooLarge:
        db.videos.delete_one({"_id": video_id})
        quotas.give_back_daily_slot(db, slot)
        raise
    count("VideosCreated")
    return {"video": shape(db, doc, owner_id), "upload": upload,
            "quota": quotas.summary(db, owner_id)}
