"""View counting. A viewer (user id, or a hash of client IP + user agent when anonymous)
counts once per de-duplication window, measured from their last counted view.

A `views` document per (video, viewer) holds when its window ends. A view counts only if this
request created that document, or moved an expired window forward; both are single atomic
operations, so concurrent requests by one viewer count once and distinct viewers never
collide. The counter then moves by `$inc`. Only PUBLIC videos count views."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tuber_common.clock import utcnow
from tuber_common.observability import count
from tuber_common.settings import get_settings
from tuber_common.videos import PUBLIC

from .catalog import visible_video


def viewer_key(user_id: str | None, client_ip: str, user_agent: str) -> str:
    if user_id:
        return f"u:{user_id}"
    # Hashed: the views collection never stores an IP address.
    digest = hashlib.sha256(f"{client_ip}\n{user_agent}".encode()).hexdigest()[:32]
    return f"a:{digest}"


def _dedup_id(video_id: str, viewer: str) -> str:
    return hashlib.sha256(f"{video_id}|{viewer}".encode()).hexdigest()


def _claim_view(db: Database, video_oid, viewer: str) -> bool:
    """True when this request opens a new window for the viewer (the view counts)."""
    now = utcnow()
    expires = now + timedelta(seconds=get_settings().view_dedup_window_seconds)
    key = _dedup_id(str(video_oid), viewer)
    for _ in range(3):
        try:
            db.views.insert_one({"_id": key, "videoId": video_oid, "expiresAt": expires})
            return True
        except DuplicateKeyError:
            pass
        # The viewer has a window: it counts only if that window is over (the TTL monitor
        # may not have removed it yet).
        moved = db.views.update_one({"_id": key, "expiresAt": {"$lte": now}},
                                    {"$set": {"expiresAt": expires}})
        if moved.modified_count:
            return True
        if db.views.count_documents({"_id": key}, limit=1):
            return False
        # Removed by the TTL monitor between our two steps: try again.
    return False


def min_watch_seconds(duration_seconds: float | None) -> float:
    """Watch time a view needs: VIEW_MIN_SECONDS, or half the video when that is shorter."""
    minimum = get_settings().view_min_seconds
    if duration_seconds and duration_seconds > 0:
        return min(minimum, duration_seconds / 2)
    return minimum


def record_view(db: Database, video_id: str, user_id: str | None, client_ip: str,
                user_agent: str, watched_seconds: float = 0.0) -> dict:
    """{viewCount, counted}: a view counts once the player reports enough watch time, and
    then once per viewer and window. Too little watch time is not an error (counted false)
    and does not use up the viewer's window."""
    doc = visible_video(db, video_id, user_id)
    unchanged = {"viewCount": int(doc.get("viewCount", 0)), "counted": False}
    if doc["status"] != PUBLIC:
        return unchanged
    if watched_seconds < min_watch_seconds(doc.get("durationSeconds")):
        return unchanged
    if not _claim_view(db, doc["_id"], viewer_key(user_id, client_ip, user_agent)):
        return unchanged
    counted = db.videos.find_one_and_update({"_id": doc["_id"]}, {"$inc": {"viewCount": 1}},
                                            {"viewCount": 1},
                                            return_document=ReturnDocument.AFTER)
    # Deleted in the meantime: nothing left to count.
    if counted is None:
        return unchanged
    count("ViewsCounted")
    return {"viewCount": int(counted["viewCount"]), "counted": True}
