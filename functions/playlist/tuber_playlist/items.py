"""A playlist's items: add, move, remove, and read them in order.

Order: each item has a `rank` key (ranks.py); positions are 0-based and counted (items with
a smaller rank), so inserting at a position, moving and removing write one item document
and the others' positions follow. Positions count every item, the ones the caller may not
see too: they are the positions the owner's writes take.

Guarantees under concurrent requests, from the unique indexes (tuber_common.indexes):
a video is in a playlist at most once ((playlistId, videoId): a racing second add of the
same video gets 409 `already_in_playlist`), and no two items share a place ((playlistId,
rank): an insert or move that picked the same key as a racing one reads its neighbours
again). The item count is counted, never stored, so it is exact whatever adds, removes or
deletes of videos race. The size limit is checked before and after the insert: an add
that finds the playlist over MAX_ITEMS once its own item is in takes it out again (two
racing for the last place may both be refused; none is ever kept past the limit).

A renumbering (ranks.py: after 100+ inserts into one gap) that races another add or move in
the same playlist may leave that one item a few places from where it was asked to go; it
is never lost, doubled or put in another item's place.

An add checks the playlist after inserting (the same write that dates the change): an item
added to a playlist deleted meanwhile is taken out again (tuber_common.playlists).
"""
from __future__ import annotations

from bson import ObjectId
from pymongo import ReturnDocument, UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from tuber_common.clock import iso, utcnow
from tuber_common.db import insert_new
from tuber_common.errors import Conflict, NotFound
from tuber_common.ids import try_parse_video_id
from tuber_common.pagination import page
from tuber_common.users import hydrate_users
from tuber_common.videos import can_see, find_visible_video, owner_ids, video_out

from . import ranks
from .access import LIVE, not_found, owned

# YouTube's limit for a playlist (Watch later too).
MAX_ITEMS = 5000
# Rounds of "read the neighbours, write the key" when racing writes keep taking the key.
MAX_ATTEMPTS = 8
# Items looked at, per playlist, for its thumbnail (the first visible one's).
THUMBNAIL_PROBE = 10
VIDEO_FIELDS = {"ownerId": 1, "visibility": 1, "status": 1}


def _not_in_playlist() -> NotFound:
    return NotFound("that video is not in this playlist", code="not_in_playlist")


def _busy() -> Conflict:
    return Conflict("the playlist kept changing, try again", code="playlist_busy")


# --- reading -----------------------------------------------------------------------------

def count(db: Database, playlist_id: ObjectId) -> int:
    """Every item, those the caller may not see too (an index count)."""
    return db.playlist_items.count_documents({"playlistId": playlist_id})


def item_counts(db: Database, playlist_ids: list[ObjectId]) -> dict[ObjectId, int]:
    """Item counts of a page of playlists, in one query."""
    if not playlist_ids:
        return {}
    grouped = db.playlist_items.aggregate([
        {"$match": {"playlistId": {"$in": playlist_ids}}},
        {"$group": {"_id": "$playlistId", "n": {"$sum": 1}}}])
    return {g["_id"]: g["n"] for g in grouped}


def thumbnails(db: Database, playlist_ids: list[ObjectId],
               viewer_id: str | None) -> dict[ObjectId, str | None]:
    """Each playlist's thumbnail: that of the first of its first THUMBNAIL_PROBE items the
    viewer may see (none: no thumbnail). One small indexed read per playlist, one `$in`."""
    heads = {pid: [d["videoId"] for d in db.playlist_items.find(
        {"playlistId": pid}, {"videoId": 1, "_id": 0}).sort("rank", 1).limit(THUMBNAIL_PROBE)]
        for pid in playlist_ids}
    wanted = [v for vids in heads.values() for v in vids]
    videos = {v["_id"]: v for v in db.videos.find({"_id": {"$in": wanted}})} if wanted else {}
    out: dict[ObjectId, str | None] = {}
    for pid, vids in heads.items():
        shown = next((videos[v] for v in vids if v in videos and can_see(videos[v], viewer_id)),
                     None)
        out[pid] = video_out(shown, None)["thumbnailUrl"] if shown else None
    return out


def _item_out(position: int, item: dict, video: dict, owner: dict | None) -> dict:
    return {"position": position, "addedAt": iso(item["addedAt"]), "video": video_out(video, owner)}


def page_of(db: Database, playlist_id: ObjectId, viewer_id: str | None, limit: int,
            cursor: str | None) -> tuple[list[dict], int, str | None]:
    """One page of items in order, and how many of its items were left out: those whose
    video the viewer may not see (so a page may hold fewer than `limit` while `nextCursor`
    leads on). Counted per page: a count over the whole playlist would look up every video
    of it on every read (5,000 on a full one). An item whose video is gone (deleted while it
    was being added) is removed."""
    docs, next_cursor = page(db.playlist_items, {"playlistId": playlist_id}, sort_field="rank",
                             descending=False, limit=limit, cursor=cursor, sort_type=str,
                             projection={"videoId": 1, "rank": 1, "addedAt": 1})
    if not docs:
        return [], 0, next_cursor
    offset = db.playlist_items.count_documents({"playlistId": playlist_id,
                                                "rank": {"$lt": docs[0]["rank"]}})
    videos = {v["_id"]: v for v in db.videos.find({"_id": {"$in": [d["videoId"] for d in docs]}})}
    gone = [d["_id"] for d in docs if d["videoId"] not in videos]
    if gone:
        db.playlist_items.delete_many({"_id": {"$in": gone}})
    shown = [(offset + i, d, videos[d["videoId"]]) for i, d in enumerate(docs)
             if d["videoId"] in videos and can_see(videos[d["videoId"]], viewer_id)]
    owners = hydrate_users(db, owner_ids([v for _, _, v in shown]))
    return [_item_out(pos, d, v, owners.get(str(v["ownerId"]))) for pos, d, v in shown], \
        len(docs) - len(shown), next_cursor


# --- order keys --------------------------------------------------------------------------

def _neighbours(db: Database, playlist_id: ObjectId, position: int | None,
                moving: ObjectId | None) -> tuple[str | None, str | None]:
    """The ranks around `position` (None: the end) among the items, `moving` left out."""
    query: dict = {"playlistId": playlist_id}
    if moving is not None:
        query["_id"] = {"$ne": moving}
    ranks_only = {"rank": 1, "_id": 0}
    if position is None:
        last = db.playlist_items.find_one(query, ranks_only, sort=[("rank", -1)])
        return (last["rank"] if last else None), None
    if position == 0:
        head = db.playlist_items.find_one(query, ranks_only, sort=[("rank", 1)])
        return None, (head["rank"] if head else None)
    pair = [d["rank"] for d in db.playlist_items.find(query, ranks_only).sort("rank", 1)
            .skip(position - 1).limit(2)]
    if not pair:  # past the end: the end
        return _neighbours(db, playlist_id, None, moving)
    return pair[0], (pair[1] if len(pair) > 1 else None)


def _renumber(db: Database, playlist_id: ObjectId) -> None:
    """Fresh short keys for every item (ranks.renumbered), written last to first so that the
    order holds at every step. A key a racing write took stops it (the caller reads its
    neighbours again)."""
    docs = list(db.playlist_items.find({"playlistId": playlist_id}, {"rank": 1})
                .sort("rank", 1))
    if not docs:
        return
    new = ranks.renumbered([d["rank"] for d in docs])
    writes = [UpdateOne({"_id": d["_id"], "rank": d["rank"]}, {"$set": {"rank": r}})
              for d, r in zip(reversed(docs), reversed(new))]
    try:
        db.playlist_items.bulk_write(writes, ordered=True)
    except BulkWriteError:
        pass


def _rank_for(db: Database, playlist_id: ObjectId, position: int | None,
              moving: dict | None = None) -> str | None:
    """A key that puts an item at `position`; None when `moving` is already there."""
    moving_id = moving["_id"] if moving else None
    before, after = _neighbours(db, playlist_id, position, moving_id)
    if moving is not None and (before is None or before < moving["rank"]) and \
            (after is None or moving["rank"] < after):
        return None
    rank = ranks.between(before, after)
    if len(rank) > ranks.MAX_CHARS:
        _renumber(db, playlist_id)
        before, after = _neighbours(db, playlist_id, position, moving_id)
        rank = ranks.between(before, after)
    return rank


def _position(db: Database, playlist_id: ObjectId, rank: str) -> int:
    return db.playlist_items.count_documents({"playlistId": playlist_id, "rank": {"$lt": rank}})


def _touch(db: Database, playlist_id: ObjectId) -> bool:
    """Date the playlist's change; False if it is gone (deleted meanwhile)."""
    return db.playlists.update_one({"_id": playlist_id, **LIVE},
                                   {"$set": {"updatedAt": utcnow()}}).matched_count == 1


def _answer(db: Database, item: dict, count: int | None = None) -> dict:
    """What an add or a move answers: where the item is now, and how many there are."""
    pid = item["playlistId"]
    if count is None:
        count = db.playlist_items.count_documents({"playlistId": pid})
    return {"item": {"videoId": str(item["videoId"]),
                     "position": _position(db, pid, item["rank"]),
                     "addedAt": iso(item["addedAt"])},
            "itemCount": count}


# --- writing -----------------------------------------------------------------------------

def _full() -> Conflict:
    return Conflict(f"a playlist holds at most {MAX_ITEMS} videos", code="playlist_full",
                    details={"maxItems": MAX_ITEMS})


def _already() -> Conflict:
    return Conflict("that video is already in this playlist", code="already_in_playlist")


def add(db: Database, user_id: str, playlist_id: str, video_id: str,
        position: int | None) -> dict:
    """POST /playlist/{id}/items: the video at `position` (None or past the end: last)."""
    playlist = owned(db, playlist_id, user_id)
    video = find_visible_video(db, video_id, user_id, VIDEO_FIELDS)
    pid, vid = playlist["_id"], video["_id"]
    in_playlist = {"playlistId": pid}
    if db.playlist_items.count_documents(in_playlist, limit=MAX_ITEMS) >= MAX_ITEMS:
        raise _full()
    for _ in range(MAX_ATTEMPTS):
        item = {"_id": ObjectId(), "playlistId": pid, "videoId": vid,
                "rank": _rank_for(db, pid, position), "addedAt": utcnow()}
        try:
            insert_new(db.playlist_items, item)
            break
        except DuplicateKeyError:
            # The video (a racing add of it won) or the key (a racing insert took it).
            if db.playlist_items.count_documents({**in_playlist, "videoId": vid}, limit=1):
                raise _already() from None
    else:
        raise _busy()
    if not _touch(db, pid):
        db.playlist_items.delete_one({"_id": item["_id"]})
        raise not_found()
    count = db.playlist_items.count_documents(in_playlist)
    if count > MAX_ITEMS:
        db.playlist_items.delete_one({"_id": item["_id"]})
        raise _full()
    return _answer(db, item, count)


def _item(db: Database, playlist_id: ObjectId, video_id: str) -> dict:
    vid = try_parse_video_id(video_id)
    item = db.playlist_items.find_one({"playlistId": playlist_id, "videoId": vid}) \
        if vid is not None else None
    if item is None:
        raise _not_in_playlist()
    return item


def move(db: Database, user_id: str, playlist_id: str, video_id: str, position: int) -> dict:
    """PUT /playlist/{id}/items/{videoId}: the item to `position` (past the end: last)."""
    pid = owned(db, playlist_id, user_id)["_id"]
    item = _item(db, pid, video_id)
    for _ in range(MAX_ATTEMPTS):
        rank = _rank_for(db, pid, position, moving=item)
        if rank is None:
            break  # already there
        try:
            moved = db.playlist_items.find_one_and_update(
                {"_id": item["_id"]}, {"$set": {"rank": rank}},
                return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:
            item = db.playlist_items.find_one({"_id": item["_id"]}) or item
            continue
        if moved is None:
            raise _not_in_playlist()  # removed meanwhile
        item = moved
        _touch(db, pid)
        break
    else:
        raise _busy()
    return _answer(db, item)


def remove(db: Database, user_id: str, playlist_id: str, video_id: str) -> None:
    """DELETE /playlist/{id}/items/{videoId}; the items after it move up one place."""
    pid = owned(db, playlist_id, user_id)["_id"]
    vid = try_parse_video_id(video_id)
    gone = db.playlist_items.delete_one({"playlistId": pid, "videoId": vid}) \
        if vid is not None else None
    if gone is None or not gone.deleted_count:
        raise _not_in_playlist()
    _touch(db, pid)
