"""Subscriptions (who follows which channel) as the other functions need them: the channel
function subscribes and lists (functions/channel), the notification fan-out walks a channel's
subscribers, and account deletion removes an account's subscriptions both ways.

`subscriptions`: `_id, subscriberId, channelId, createdAt` (user ObjectIds), unique
(subscriberId, channelId). A channel's `subscriberCount` lives on its `users` document and
moves only by `$inc`, by exactly one after each subscription document that one request
inserted or deleted (an insert, or a find_one_and_delete: only one request can win each), so
concurrent and repeated subscribes and unsubscribes keep it equal to the documents. A request
that dies between its document and its `$inc` would leave it one off, so every write path
stamps the channel first (STAMP), and the channel function's schedule recounts the channels
stamped more than a grace period ago (`recount`, tuber_common.counters.reconcile).

This module never stamps itself: the notification fan-out imports it, and only functions
whose code may stamp are bound to finish within the grace period
(tests/unit/test_counter_grace.py); the stamping callers pass the stamp in.
"""
from __future__ import annotations

import time
from typing import Callable

from bson import ObjectId
from pymongo.database import Database

# Documents read or removed per step: one indexed range read and one delete of this many.
BATCH = 1000
COUNT_FIELD = "subscriberCount"
# Set on the channel's user document before each subscription of it is added or removed
# (see tuber_common.counters).
STAMP = "subscriptionsChangingAt"
# A user who may show as a channel: not deleted, not suspended (docs/DEVELOPING.md "Data").
ACTIVE = {"deletedAt": None, "suspendedAt": None}


def move_count(db: Database, channel_id: ObjectId, delta: int) -> None:
    """The channel's counter follows one subscription document change."""
    db.users.update_one({"_id": channel_id}, {"$inc": {COUNT_FIELD: delta}})


def recount(db: Database, channel_id: ObjectId, _at_rest=None) -> dict[str, int]:
    """The channel's counter as its subscriptions say (counted on the subscribers index);
    nothing else follows them, so no at_rest check."""
    return {COUNT_FIELD: db.subscriptions.count_documents({"channelId": channel_id})}


def subscriber_batch(db: Database, channel_id: ObjectId, after: ObjectId | None,
                     limit: int = BATCH) -> list[dict]:
    """The next `limit` subscriptions of a channel in `_id` order, after `after`: one range of
    the (channelId, _id) index, however many subscribers the channel has."""
    query: dict = {"channelId": channel_id}
    if after is not None:
        query["_id"] = {"$gt": after}
    return list(db.subscriptions.find(query, {"subscriberId": 1})
                .sort("_id", 1).limit(limit))


def _drop_followed(db: Database, user_id: ObjectId, limit: int,
                   stamp: Callable[[ObjectId], None]) -> int:
    """Remove up to `limit` of the user's own subscriptions, each channel stamped before and
    its counter down by one after each document this call removed (one at a time: a
    concurrent unsubscribe that wins a document counts it, this call does not). Answers how
    many it found."""
    found = list(db.subscriptions.find({"subscriberId": user_id}, {"channelId": 1})
                 .limit(limit))
    for sub in found:
        stamp(sub["channelId"])
        if db.subscriptions.find_one_and_delete({"_id": sub["_id"]},
                                                projection={"_id": 1}) is not None:
            move_count(db, sub["channelId"], -1)
    return len(found)


def _drop_in_batches(db: Database, query: dict, collection: str, limit: int) -> int:
    ids = [d["_id"] for d in db[collection].find(query, {"_id": 1}).limit(limit)]
    if ids:
        db[collection].delete_many({"_id": {"$in": ids}})
    return len(ids)


def forget_account(db: Database, user_id: ObjectId, deadline: float,
                   batch: int = BATCH, *, stamp: Callable[[ObjectId], None]) -> bool:
    """A deleted account's subscriptions, both ways (the counters of the channels it
    followed move down, each channel passed to `stamp` first: the caller stamps it, see
    STAMP), and the notifications addressed to it. Batched, stops once time.monotonic()
    passes `deadline`; answers whether nothing is left (account deletion's schedule calls
    again until then)."""
    steps = ((lambda: _drop_followed(db, user_id, batch, stamp)),
             (lambda: _drop_in_batches(db, {"channelId": user_id}, "subscriptions", batch)),
             (lambda: _drop_in_batches(db, {"userId": user_id}, "notifications", batch)))
    for step in steps:
        while True:
            if time.monotonic() >= deadline:
                return False
            if step() < batch:
                break
    return True
