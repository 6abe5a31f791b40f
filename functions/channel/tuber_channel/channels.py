"""Channels and subscriptions (docs/API.md "Channels").

A channel is a user who is neither deleted nor suspended; its handle is `@username` (any
case: the username's key, tuber_common.users.key) or its user id. Subscriptions and the
channel's `subscriberCount` follow the rules of tuber_common.subscriptions: one document per
(subscriber, channel), the counter moved by exactly one after each document one request
inserted or deleted, so repeats and races (subscribe / unsubscribe from many containers)
keep it equal to the documents. The channel is stamped before each change (`stamp`), and
the function's schedule (`reconcile_counts`) recounts it once at rest (tuber_common.counters),
so a count left off by a request that died before its `$inc` comes back.
"""
from __future__ import annotations

from urllib.parse import unquote

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tuber_common import counters, moderation, subscriptions
from tuber_common.clock import iso, utcnow
from tuber_common.errors import BadRequest, NotFound
from tuber_common.ids import try_parse_id, user_oid
from tuber_common.pagination import page
from tuber_common.users import PUBLIC_FIELDS, key, public_user
from tuber_common.videos import PUBLIC

CHANNEL_FIELDS = {**PUBLIC_FIELDS, subscriptions.COUNT_FIELD: 1}


def _not_found() -> NotFound:
    return NotFound("channel not found", code="channel_not_found")


def find_channel(db: Database, handle: str) -> dict:
    """The user a handle names (`@username` in any case, or a user id), if it may show as a
    channel; 404 `channel_not_found` otherwise."""
    handle = unquote(handle)
    if handle.startswith("@"):
        query = {"usernameLower": key(handle[1:])}
    else:
        oid = try_parse_id(handle)
        if oid is None:
            raise _not_found()
        query = {"_id": oid}
    doc = db.users.find_one({**query, **subscriptions.ACTIVE}, CHANNEL_FIELDS)
    if doc is None:
        raise _not_found()
    return doc


def subscriber_count(doc: dict | None) -> int:
    # Never below zero, even for the moment a racing unsubscribe counts before its subscribe.
    return max(0, int((doc or {}).get(subscriptions.COUNT_FIELD, 0)))


def is_subscribed(db: Database, viewer: ObjectId, channel: ObjectId) -> bool:
    return db.subscriptions.find_one({"subscriberId": viewer, "channelId": channel},
                                     {"_id": 1}) is not None


def video_count(db: Database, channel: ObjectId) -> int:
    """Listed PUBLIC videos: what a visitor of the channel can find (counted from the
    owner_listed index)."""
    return db.videos.count_documents({"ownerId": channel, "status": PUBLIC,
                                      "visibility": "public", **moderation.LISTABLE})


def channel_page(db: Database, viewer_id: str | None, handle: str) -> dict:
    """GET /channel/{handle}."""
    doc = find_channel(db, handle)
    out = {"user": public_user(doc), "subscriberCount": subscriber_count(doc),
           "videoCount": video_count(db, doc["_id"])}
    if viewer_id is not None:
        out["subscribed"] = is_subscribed(db, user_oid(viewer_id), doc["_id"])
    return {"channel": out}


def _target(db: Database, user_id: str, channel_id: str) -> tuple[ObjectId, ObjectId]:
    me = user_oid(user_id)
    channel = try_parse_id(channel_id)
    if channel is None:
        raise _not_found()
    if channel == me:
        raise BadRequest("you cannot subscribe to your own channel",
                         code="cannot_subscribe_to_self")
    return me, channel


def _answer(db: Database, channel: ObjectId, subscribed: bool, doc: dict | None = None) -> dict:
    if doc is None:
        doc = db.users.find_one({"_id": channel}, {subscriptions.COUNT_FIELD: 1})
    return {"subscribed": subscribed, "subscriberCount": subscriber_count(doc)}


def stamp(db: Database, channel: ObjectId) -> None:
    """Before a subscription of the channel is added or removed (tuber_common.counters)."""
    counters.stamp_changing(db, channel, subscriptions.STAMP, on=counters.CHANNELS)


def reconcile_counts(db: Database) -> dict:
    """Scheduled: repair the subscriberCount of channels whose subscriptions changed
    (tuber_common.counters)."""
    return counters.reconcile(db, subscriptions.STAMP, subscriptions.recount,
                              on=counters.CHANNELS)


def subscribe(db: Database, user_id: str, channel_id: str) -> dict:
    """PUT /channel/{userId}/subscription: idempotent."""
    me, channel = _target(db, user_id, channel_id)
    find_channel(db, str(channel))
    stamp(db, channel)
    try:
        db.subscriptions.insert_one({"subscriberId": me, "channelId": channel,
                                     "createdAt": utcnow()})
    except DuplicateKeyError:
        return _answer(db, channel, True)  # subscribed already: counted then
    return _answer(db, channel, True, db.users.find_one_and_update(
        {"_id": channel}, {"$inc": {subscriptions.COUNT_FIELD: 1}},
        projection={subscriptions.COUNT_FIELD: 1}, return_document=ReturnDocument.AFTER))


def unsubscribe(db: Database, user_id: str, channel_id: str) -> dict:
    """DELETE /channel/{userId}/subscription: idempotent. Works on a channel that is
    suspended too (one may always leave)."""
    me, channel = _target(db, user_id, channel_id)
    stamp(db, channel)
    gone = db.subscriptions.find_one_and_delete({"subscriberId": me, "channelId": channel},
                                                projection={"_id": 1})
    if gone is None:
        if db.users.count_documents({"_id": channel, "deletedAt": None}, limit=1) == 0:
            raise _not_found()
        return _answer(db, channel, False)
    return _answer(db, channel, False, db.users.find_one_and_update(
        {"_id": channel}, {"$inc": {subscriptions.COUNT_FIELD: -1}},
        projection={subscriptions.COUNT_FIELD: 1}, return_document=ReturnDocument.AFTER))


def my_subscriptions(db: Database, user_id: str, limit: int,
                     cursor: str | None) -> tuple[list[dict], str | None]:
    """GET /me/subscriptions: the channels the caller follows, newest subscription first.
    Channels deleted or suspended since are skipped (a page may hold fewer than `limit`
    while `nextCursor` leads on)."""
    subs, next_cursor = page(db.subscriptions, {"subscriberId": user_oid(user_id)},
                             sort_field="createdAt", limit=limit, cursor=cursor,
                             projection={"channelId": 1, "createdAt": 1})
    ids = [s["channelId"] for s in subs]
    found = {d["_id"]: d for d in db.users.find({"_id": {"$in": ids}, **subscriptions.ACTIVE},
                                                CHANNEL_FIELDS)} if ids else {}
    items = [{"user": public_user(found[s["channelId"]]),
              "subscriberCount": subscriber_count(found[s["channelId"]]),
              "subscribed": True, "subscribedAt": iso(s["createdAt"])}
             for s in subs if s["channelId"] in found]
    return items, next_cursor
