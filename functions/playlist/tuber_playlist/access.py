"""Who may see and change a playlist (the collections: tuber_common.playlists).

Visibility works as for videos: public (listed on the owner's page), unlisted (anyone with
the id, never listed for others), private (the owner alone; 404 to anyone else). Writes are
the owner's: 404 to whoever may not see the playlist, 403 `not_owner` to whoever may.
Every user has one private Watch later playlist, made on first use, addressed by the id
"watch-later" (its own id works too) and never renamed, shared or deleted.
"""
from __future__ import annotations

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tuber_common.clock import utcnow
from tuber_common.errors import Forbidden, NotFound
from tuber_common.ids import try_parse_id, user_oid

WATCH_LATER = "watch-later"
WATCH_LATER_TITLE = "Watch later"
PLAYLIST, WATCH_LATER_KIND = "playlist", "watch_later"
FIELDS = {"ownerId": 1, "kind": 1, "title": 1, "description": 1, "visibility": 1,
          "createdAt": 1, "updatedAt": 1}
LIVE = {"deletingAt": None}


def can_see(playlist: dict, viewer_id: str | None) -> bool:
    return playlist["visibility"] != "private" or (
        viewer_id is not None and str(playlist["ownerId"]) == viewer_id)


def not_found() -> NotFound:
    return NotFound("playlist not found", code="playlist_not_found")


def watch_later(db: Database, user_id: str) -> dict:
    """The caller's Watch later playlist, made now if it is not there yet (one per user: a
    unique index; a racing first use finds the other's)."""
    owner = user_oid(user_id)
    found = db.playlists.find_one({"watchLaterOf": owner, **LIVE}, FIELDS)
    if found is not None:
        return found
    now = utcnow()
    doc = {"_id": ObjectId(), "ownerId": owner, "watchLaterOf": owner, "kind": WATCH_LATER_KIND,
           "title": WATCH_LATER_TITLE, "description": "", "visibility": "private",
           "createdAt": now, "updatedAt": now}
    try:
        db.playlists.insert_one(doc)
    except DuplicateKeyError:
        return db.playlists.find_one({"watchLaterOf": owner}, FIELDS) or doc
    return doc


def visible(db: Database, playlist_id: str, viewer_id: str | None) -> dict:
    """The playlist if the viewer may see it; 404 otherwise (malformed ids too)."""
    if playlist_id == WATCH_LATER:
        if viewer_id is None:
            raise not_found()
        return watch_later(db, viewer_id)
    key = try_parse_id(playlist_id)
    doc = db.playlists.find_one({"_id": key, **LIVE}, FIELDS) if key is not None else None
    if doc is None or not can_see(doc, viewer_id):
        raise not_found()
    return doc


def owned(db: Database, playlist_id: str, user_id: str) -> dict:
    """For writes: the playlist if the caller owns it (404 if they may not see it, 403
    `not_owner` if they may)."""
    doc = visible(db, playlist_id, user_id)
    if str(doc["ownerId"]) != user_id:
        raise Forbidden("only the owner may change this playlist", code="not_owner")
    return doc
