"""GET /feed/subscriptions: listed PUBLIC videos of the channels the caller follows, newest
published first, on keyset cursors (tuber_common.pagination).

Read-time merge, on an index, whatever the number of channels followed (bench/
subscription_feed.py has the figures and the choice against fan-out on write). The followed
channel ids come from the (subscriberId, channelId) index alone; the videos from the
`owner_listed` index (ownerId, status, visibility, publishedAt, _id). MongoDB serves
`ownerId: {$in: [...]}` sorted by (publishedAt, _id) as a merge of one index range per
channel (SORT_MERGE), reading only the page, but only for up to 200 values
(internalQueryMaxScansToExplode); beyond that it would read every video of every channel
followed and sort them. So the ids go in chunks of CHUNK, each chunk one such query for a
page, and the pages are merged here: `ceil(channels / CHUNK)` queries of at most `limit + 1`
videos each (`_chunk`). The cursor is the last item's (publishedAt, _id), the same for every
chunk.
"""
from __future__ import annotations

from bson import ObjectId
from pymongo.database import Database

from tuber_common import moderation
from tuber_common.ids import user_oid
from tuber_common.errors import BadRequest
from tuber_common.pagination import decode_cursor, encode_cursor
from tuber_common.users import hydrate_users
from tuber_common.videos import PUBLIC, owner_ids, video_out

CHUNK = 200
SORT = [("publishedAt", -1), ("_id", -1)]


def followed_channels(db: Database, user: ObjectId) -> list[ObjectId]:
    return [s["channelId"] for s in db.subscriptions.find(
        {"subscriberId": user}, {"channelId": 1, "_id": 0})]


def _order(doc: dict) -> tuple:
    # The sort's order, descending: publishedAt, then _id, where every ObjectId (older
    # videos) sorts after every string id, as in BSON.
    vid = doc["_id"]
    return doc["publishedAt"], isinstance(vid, ObjectId), str(vid)


def _chunk(db: Database, query: dict, limit: int, after: tuple | None) -> list[dict]:
    """Up to `limit + 1` videos of one chunk of channels, in feed order, after `after` (the
    sort key of the last video shown). Two plain ranges instead of the usual `$or` of a
    keyset cursor: the videos of the last one's very millisecond that come after it (almost
    always none), then everything older. Each is an index range on MongoDB; SecantusDB runs
    an `$or` over an `$in` a hundred times slower than either (bench/RESULTS.md)."""
    if after is None:
        return list(db.videos.find(query).sort(SORT).limit(limit + 1))
    value = after[0]
    ties = [d for d in db.videos.find({**query, "publishedAt": value}).sort(SORT)
            if _order(d) < after]
    older = db.videos.find({**query, "publishedAt": {"$lt": value}}).sort(SORT)
    return (ties + list(older.limit(limit + 1)))[:limit + 1]


def subscription_feed(db: Database, user_id: str, limit: int,
                      cursor: str | None) -> tuple[list[dict], str | None]:
    channels = followed_channels(db, user_oid(user_id))
    after = None
    if cursor:
        value, last_id = decode_cursor(cursor)
        if value is None:  # every listed video has a publishedAt: not a cursor of this list
            raise BadRequest("cursor is invalid", code="invalid_cursor")
        after = _order({"publishedAt": value, "_id": last_id})
    merged: list[dict] = []
    for start in range(0, len(channels), CHUNK):
        query = {"ownerId": {"$in": channels[start:start + CHUNK]}, "status": PUBLIC,
                 "visibility": "public", **moderation.LISTABLE}
        merged.extend(_chunk(db, query, limit, after))
    merged.sort(key=_order, reverse=True)
    videos = merged[:limit]
    owners = hydrate_users(db, owner_ids(videos))
    items = [video_out(v, owners.get(str(v["ownerId"]))) for v in videos]
    # Each chunk gave up to limit + 1: more than `limit` in all means more to come.
    return items, (encode_cursor(videos[-1], "publishedAt") if len(merged) > limit else None)
