"""A user's notifications (docs/API.md "Notifications"): listed newest first, counted while
unread, marked read. Written by tuber_common.notifications where their events happen.

Items about a video the caller may no longer see (deleted, or made private since) or a
comment since removed are skipped at read time (a page may hold fewer than `limit`
while `nextCursor` leads on); their documents go with the video or comment
(tuber_common.notifications.forget_video / forget_comment).
"""
from __future__ import annotations

from pymongo.database import Database

from tuber_common import media_signing
from tuber_common.clock import iso, utcnow
from tuber_common.ids import try_parse_id, user_oid
from tuber_common.notifications import VIDEO
from tuber_common.pagination import page
from tuber_common.users import hydrate_users
from tuber_common.videos import can_see

# The unread count stops here (a badge shows "999+"): counting is a range of the `unread`
# index, so the cost stays bounded whatever has piled up.
UNREAD_CAP = 1000
SNIPPET_CHARS = 200
VIDEO_FIELDS = {"ownerId": 1, "title": 1, "visibility": 1, "status": 1, "thumbnailKey": 1,
                "customThumbnailKey": 1, "moderation": 1}


def _unread_query(user) -> dict:
    return {"userId": user, "readAt": None}


def unread_count(db: Database, user_id: str) -> dict:
    """GET /notification/unread-count."""
    return {"unreadCount": db.notifications.count_documents(_unread_query(user_oid(user_id)),
                                                            limit=UNREAD_CAP)}


def mark_read(db: Database, user_id: str, ids: list[str] | None, everything: bool) -> dict:
    """POST /notification/read: the caller's own notifications only (others' ids, unknown
    and malformed ones change nothing). Answers how many changed and the new count."""
    me = user_oid(user_id)
    query = _unread_query(me)
    if not everything:
        query["_id"] = {"$in": [oid for oid in map(try_parse_id, ids or []) if oid]}
    marked = db.notifications.update_many(query, {"$set": {"readAt": utcnow()}}).modified_count
    return {"marked": marked, **unread_count(db, user_id)}


def _video_card(video: dict) -> dict:
    return {"id": str(video["_id"]), "title": video["title"],
            "thumbnailUrl": media_signing.signed_thumbnail_url(
                video.get("customThumbnailKey") or video.get("thumbnailKey"))}


def list_notifications(db: Database, user_id: str, limit: int,
                       cursor: str | None) -> tuple[list[dict], str | None]:
    """GET /notification: newest first."""
    docs, next_cursor = page(db.notifications, {"userId": user_oid(user_id)},
                             sort_field="createdAt", limit=limit, cursor=cursor)
    video_ids = list({d["videoId"] for d in docs})
    videos = {v["_id"]: v for v in db.videos.find({"_id": {"$in": video_ids}}, VIDEO_FIELDS)
              } if video_ids else {}
    comment_ids = [d["commentId"] for d in docs if d.get("commentId")]
    comments = {c["_id"]: c for c in db.comments.find(
        {"_id": {"$in": comment_ids}, "deleted": False}, {"text": 1, "parentId": 1})
    } if comment_ids else {}
    actors = hydrate_users(db, [d["actorId"] for d in docs])
    items = []
    for doc in docs:
        video = videos.get(doc["videoId"])
        if video is None or not can_see(video, user_id):
            continue
        comment = None
        if doc["kind"] != VIDEO:
            found = comments.get(doc.get("commentId"))
            if found is None:
                continue
            comment = {"id": str(found["_id"]), "text": found["text"][:SNIPPET_CHARS],
                       "parentId": str(found["parentId"]) if found.get("parentId") else None}
        items.append({"id": str(doc["_id"]), "kind": doc["kind"],
                      "read": doc.get("readAt") is not None, "createdAt": iso(doc["createdAt"]),
                      "actor": actors.get(str(doc["actorId"])), "video": _video_card(video),
                      "comment": comment})
    return items, next_cursor

