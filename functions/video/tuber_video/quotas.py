"""Per-user quotas: bytes stored and videos created per UTC day, checked before any upload.

- Storage: the declared `sizeBytes` of every video the user has (whatever its status: a
  FAILED video keeps its raw upload for a retry). Summed from the videos themselves, so it
  never drifts from them. Checked before creating, and checked again after the insert: two
  concurrent creates by one user cannot both slip under the limit (the loser is undone).
- Videos per day: one counter document per (user, UTC day), moved by a conditional `$inc`
  that only one request can win at the limit. Deleting a video does not give its slot back.
A limit of 0 means no limit.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tuber_common.clock import iso, utcnow
from tuber_common.errors import PayloadTooLarge, Throttled
from tuber_common.settings import get_settings

CODE = "quota_exceeded"


def _day(now: datetime) -> tuple[str, datetime]:
    """The UTC day's name and when the next one starts."""
    start = now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return start.strftime("%Y-%m-%d"), start + timedelta(days=1)


def _day_key(owner: ObjectId, day: str) -> str:
    return f"{owner}:{day}"


def stored_bytes(db: Database, owner: ObjectId) -> int:
    rows = list(db.videos.aggregate([
        {"$match": {"ownerId": owner}},
        {"$group": {"_id": None, "total": {"$sum": "$sizeBytes"}}},
    ]))
    return int(rows[0]["total"]) if rows else 0


def videos_today(db: Database, owner: ObjectId, now: datetime | None = None) -> int:
    day, _ = _day(now or utcnow())
    doc = db.upload_quota.find_one({"_id": _day_key(owner, day)}, {"count": 1})
    return int(doc["count"]) if doc else 0


def summary(db: Database, owner_id: str) -> dict:
    """GET /video/quota: limits (null = unlimited), what is used and what remains."""
    settings = get_settings()
    owner = ObjectId(owner_id)
    now = utcnow()
    used_bytes, used_videos = stored_bytes(db, owner), videos_today(db, owner, now)
    limit_bytes, limit_videos = settings.quota_storage_bytes, settings.quota_videos_per_day
    return {
        "storage": {"limitBytes": limit_bytes or None, "usedBytes": used_bytes,
                    "remainingBytes": max(0, limit_bytes - used_bytes) if limit_bytes else None},
        "videosPerDay": {"limit": limit_videos or None, "used": used_videos,
                         "remaining": max(0, limit_videos - used_videos) if limit_videos
                         else None,
                         "resetsAt": iso(_day(now)[1])},
    }


def _storage_refused(db: Database, owner_id: str, wanted: int, used: int) -> PayloadTooLarge:
    limit = get_settings().quota_storage_bytes
    return PayloadTooLarge(
        f"this upload needs {wanted} bytes but only {max(0, limit - used)} of your "
        f"{limit} bytes of storage remain", code=CODE,
        details={"quota": "storage", **summary(db, owner_id)})


def check_storage(db: Database, owner_id: str, extra_bytes: int) -> None:
    """413 quota_exceeded when `extra_bytes` more would not fit in the user's storage."""
    limit = get_settings().quota_storage_bytes
    if not limit:
        return
    used = stored_bytes(db, ObjectId(owner_id))
    if used + extra_bytes > limit:
        raise _storage_refused(db, owner_id, extra_bytes, used)


def check_storage_holds(db: Database, owner_id: str) -> None:
    """After an insert: 413 when the user's videos, this one included, exceed the limit."""
    limit = get_settings().quota_storage_bytes
    used = stored_bytes(db, ObjectId(owner_id)) if limit else 0
    if used > limit:
        raise _storage_refused(db, owner_id, 0, used)


def take_daily_slot(db: Database, owner_id: str) -> str | None:
    """Count one more video today; 429 quota_exceeded (Retry-After: the next UTC day) at the
    limit. Returns the counter's key (to give the slot back), None when unlimited."""
    limit = get_settings().quota_videos_per_day
    if not limit:
        return None
    now = utcnow()
    day, next_day = _day(now)
    key = _day_key(ObjectId(owner_id), day)
    try:
        # At the limit the filter misses, the upsert collides with the existing document and
        # the unique _id refuses it: only requests under the limit get through.
        db.upload_quota.update_one(
            {"_id": key, "count": {"$lt": limit}},
            {"$inc": {"count": 1}, "$setOnInsert": {"expiresAt": next_day + timedelta(days=1)}},
            upsert=True)
    except DuplicateKeyError:
        retry_after = max(1, int((next_day - now).total_seconds()))
        error = Throttled(f"you may create at most {limit} videos per day",
                          retry_after=retry_after, code=CODE)
        error.details.update({"quota": "videosPerDay", **summary(db, owner_id)})
        raise error from None
    return key


def give_back_daily_slot(db: Database, key: str | None) -> None:
    if key:
        db.upload_quota.update_one({"_id": key, "count": {"$gt": 0}}, {"$inc": {"count": -1}})
