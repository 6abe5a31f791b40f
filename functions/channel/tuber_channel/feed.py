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
videos each. The cursor is the last item's (publishedAt, _id), the same for every chunk.
"""
from __future__ import annotations

from bson import ObjectId
from pymongo.database import Database

from tuber_common import moderation
from tuber_common.ids import user_oid
from tuber_common.pagination import encode_cursor, page
from tuber_common.users import hydrate_users
from tuber_common.videos import PUBLIC, owner_ids, video_out

CHUNK = 200


def followed_channels(db: Database, user: ObjectId) -> list[ObjectId]:
    return [s["channelId"] for s in db.subscriptions.find(
        {"subscriberId": user}, {"channelId": 1, "_id": 0})]


def _order(doc: dict) -> tuple:
    # The sort's order, descending: publishedAt, then _id, where every ObjectId (older
    # videos) sorts after every string id, as in BSON.
    vid = doc["_id"]
    return doc["publishedAt"], isinstance(vid, ObjectId), str(vid)


def subscription_feed(db: Database, user_id: str, limit: int,
                      cursor: str | None) -> tuple[list[dict], str | None]:
    channels = followed_channels(db, user_oid(user_id))
    merged: list[dict] = []
    more = False
    for start in range(0, len(channels), CHUNK):
        query = {"ownerId": {"$in": channels[start:start + CHUNK]}, "status": PUBLIC,
                 "visibility": "public", **moderation.LISTABLE}
        docs, next_cursor = page(db.videos, query, sort_field="publishedAt", limit=limit,
                                 cursor=cursor)
        merged.extend(docs)
        more = more or next_cursor is not None
    merged.sort(key=_order, reverse=True)
    more = more or len(merged) > limit
    videos = merged[:limit]
    owners = hydrate_users(db, owner_ids(videos))
    items = [video_out(v, owners.get(str(v["ownerId"]))) for v in videos]
    return items, (encode_cursor(videos[-1], "publishedAt") if more and videos else None)
