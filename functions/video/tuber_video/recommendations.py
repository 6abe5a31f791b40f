"""What to watch next: listed videos (public and PUBLIC) other than the one being watched.

Up to half the list is the same owner's newest videos (the channel the viewer is already
watching), the rest the most viewed listed videos; when there are not enough popular ones,
more of the owner's fill in. Two index-backed queries (`owner_listed`, `popular`), owners
hydrated in one more; no duplicates, never the video itself, never private, unlisted or
unprocessed videos.
"""
from __future__ import annotations

from pymongo.database import Database

from tuber_common.users import hydrate_users
from tuber_common.videos import find_visible_video, owner_ids, video_out

from .catalog import LISTED

DEFAULT_LIMIT, MAX_LIMIT = 8, 20


def recommended(db: Database, video_id: str, viewer_id: str | None,
                limit: int = DEFAULT_LIMIT) -> dict:
    # The same visibility as GET /video/{videoId}: what the caller cannot see is a 404.
    doc = find_visible_video(db, video_id, viewer_id)
    limit = max(1, min(int(limit), MAX_LIMIT))
    same_owner = list(db.videos.find({"ownerId": doc["ownerId"], **LISTED,
                                      "_id": {"$ne": doc["_id"]}})
                      .sort([("publishedAt", -1), ("_id", -1)]).limit(limit))
    picked = same_owner[:(limit + 1) // 2]
    taken = {doc["_id"], *(d["_id"] for d in picked)}
    popular = list(db.videos.find({**LISTED, "_id": {"$nin": list(taken)}})
                   # Equal views: newest first (video ids are random, no order in them).
                   .sort([("viewCount", -1), ("publishedAt", -1), ("_id", -1)])
                   .limit(limit - len(picked)))
    picked += popular
    taken.update(d["_id"] for d in popular)
    # Few popular videos beyond this channel: the owner's older ones fill the list.
    picked += [d for d in same_owner if d["_id"] not in taken][:limit - len(picked)]
    owners = hydrate_users(db, owner_ids(picked))
    return {"items": [video_out(d, owners.get(str(d["ownerId"]))) for d in picked]}
