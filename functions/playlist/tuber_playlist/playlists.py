"""Playlists: create, read (with a page of items), a user's list, edit, delete (who may:
access.py; the items: items.py; the collections: tuber_common.playlists)."""
from __future__ import annotations

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.database import Database

from tuber_common.clock import iso, utcnow
from tuber_common.errors import Conflict, NotFound
from tuber_common.ids import parse_id, try_parse_id, user_oid
from tuber_common.pagination import page
from tuber_common.playlists import delete_playlist
from tuber_common.users import hydrate_users

from . import items
from .access import FIELDS, LIVE, PLAYLIST, WATCH_LATER_KIND, not_found, owned, visible

# Playlists one user may make (Watch later aside): checked before each insert, so parallel
# creations may pass it by the few that race.
MAX_PLAYLISTS = 1000


def _fixed(doc: dict) -> None:
    if doc["kind"] == WATCH_LATER_KIND:
        raise Conflict("Watch later cannot be renamed, shared or deleted",
                       code="watch_later_fixed")


def playlist_out(doc: dict, owner: dict | None, item_count: int,
                 thumbnail_url: str | None) -> dict:
    return {"id": str(doc["_id"]), "kind": "watchLater" if doc["kind"] == WATCH_LATER_KIND
            else "playlist",
            "title": doc["title"], "description": doc.get("description", ""),
            "visibility": doc["visibility"], "owner": owner, "itemCount": item_count,
            "thumbnailUrl": thumbnail_url,
            "createdAt": iso(doc["createdAt"]), "updatedAt": iso(doc["updatedAt"])}


def _owner(db: Database, doc: dict) -> dict | None:
    return hydrate_users(db, [doc["ownerId"]]).get(str(doc["ownerId"]))


def full(db: Database, doc: dict, viewer_id: str | None, limit: int,
         cursor: str | None) -> dict:
    """A playlist as GET answers it: its item count, a page of its items."""
    page_items, hidden, next_cursor = items.page_of(db, doc["_id"], viewer_id, limit, cursor)
    thumbnail = items.thumbnails(db, [doc["_id"]], viewer_id).get(doc["_id"])
    return {**playlist_out(doc, _owner(db, doc), items.count(db, doc["_id"]), thumbnail),
            "hiddenCount": hidden, "items": page_items, "nextCursor": next_cursor}


def read(db: Database, playlist_id: str, viewer_id: str | None, limit: int,
         cursor: str | None) -> dict:
    return full(db, visible(db, playlist_id, viewer_id), viewer_id, limit, cursor)


def create(db: Database, user_id: str, title: str, description: str, visibility: str) -> dict:
    owner = user_oid(user_id)
    if db.playlists.count_documents({"ownerId": owner}, limit=MAX_PLAYLISTS + 1) > MAX_PLAYLISTS:
        raise Conflict(f"a user may have at most {MAX_PLAYLISTS} playlists",
                       code="too_many_playlists", details={"maxPlaylists": MAX_PLAYLISTS})
    now = utcnow()
    doc = {"_id": ObjectId(), "ownerId": owner, "kind": PLAYLIST, "title": title,
           "description": description, "visibility": visibility, "createdAt": now,
           "updatedAt": now}
    db.playlists.insert_one(doc)
    return {**playlist_out(doc, _owner(db, doc), 0, None), "hiddenCount": 0, "items": [],
            "nextCursor": None}


def edit(db: Database, user_id: str, playlist_id: str, changes: dict) -> dict:
    doc = owned(db, playlist_id, user_id)
    _fixed(doc)
    if changes:
        changed = db.playlists.find_one_and_update(
            {"_id": doc["_id"], **LIVE}, {"$set": {**changes, "updatedAt": utcnow()}},
            projection=FIELDS, return_document=ReturnDocument.AFTER)
        if changed is None:
            raise not_found()  # deleted meanwhile
        doc = changed
    thumbnail = items.thumbnails(db, [doc["_id"]], user_id).get(doc["_id"])
    return playlist_out(doc, _owner(db, doc), items.count(db, doc["_id"]), thumbnail)


def delete(db: Database, user_id: str, playlist_id: str) -> None:
    try:
        doc = owned(db, playlist_id, user_id)
    except NotFound:
        # The caller's deletion that stopped half way (its request died): finish it.
        key = try_parse_id(playlist_id)
        stuck = db.playlists.find_one({"_id": key, "ownerId": user_oid(user_id),
                                       "deletingAt": {"$ne": None}}, {"_id": 1}) \
            if key is not None else None
        if stuck is None:
            raise
        doc = stuck | {"kind": PLAYLIST}
    _fixed(doc)
    delete_playlist(db, doc["_id"])


def of_user(db: Database, user_id: str, viewer_id: str | None, limit: int,
            cursor: str | None) -> dict:
    """A user's playlists, newest first: all of theirs for the owner (Watch later aside: it
    has its own route), public ones for anyone else."""
    owner = parse_id(user_id, "user")
    if db.users.count_documents({"_id": owner}, limit=1) == 0:
        raise NotFound("user not found", code="user_not_found")
    query: dict = {"ownerId": owner, "kind": PLAYLIST, **LIVE}
    if viewer_id != str(owner):
        query["visibility"] = "public"
    docs, next_cursor = page(db.playlists, query, sort_field="createdAt", limit=limit,
                             cursor=cursor, projection=FIELDS)
    ids = [d["_id"] for d in docs]
    counts = items.item_counts(db, ids)
    thumbnails = items.thumbnails(db, ids, viewer_id)
    owner_out = hydrate_users(db, [owner]).get(str(owner))
    return {"items": [playlist_out(d, owner_out, counts.get(d["_id"], 0),
                                   thumbnails.get(d["_id"])) for d in docs],
            "nextCursor": next_cursor}
