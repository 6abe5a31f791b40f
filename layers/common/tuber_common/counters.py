"""Counters that follow other collections, and their repair: a video's (likes and dislikes
from `ratings`, `commentCount` from `comments`: VIDEOS) and a channel's (`subscriberCount`
on its `users` document, from `subscriptions`: CHANNELS).

A rating, comment or subscription change is two writes with no transaction between them: the
document, then the counter (`$inc`). A container that dies in between leaves that counter one
off, for good. So every write path stamps the counted document first (`stamp_changing`), and
a scheduled job (`reconcile`) recounts the documents stamped more than GRACE ago: by then no
request that stamped them can still be running (GRACE is longer than the Timeout of every
function that stamps: tests/unit/test_counter_grace.py), so the documents are at rest and
their count is the truth. The counters are set together with
clearing the stamp, in one update that applies only if the stamp is still the one read: a
request that started meanwhile has restamped the document, and the next run recounts it.
A recount that repairs other documents too (a comment thread's `replyCount`) calls
`at_rest()` between its reads and its writes: a request that stamps after that check
changes nothing before it, so the reads still hold.

A document that never rests for GRACE is recounted once it does.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from pymongo.database import Database

from .clock import utcnow
from .observability import count, logger
from .subscriptions import COUNT_FIELD
from .videos import COUNTERS

GRACE = timedelta(seconds=60)
# Documents recounted per run at most (of one stamp); the rest wait for the next run (oldest
# stamps first).
BATCH = 500


@dataclass(frozen=True)
class Counted:
    """Documents that carry counters: their collection, the counter fields, and the name
    their id goes by in the repair's log."""
    collection: str
    fields: tuple[str, ...]
    id_name: str


VIDEOS = Counted("videos", tuple(COUNTERS), "videoId")
# A channel is a user: its subscriberCount (tuber_common.subscriptions).
CHANNELS = Counted("users", (COUNT_FIELD,), "channelId")

# (db, document id, at_rest) -> the document's counters as the documents they follow say.
Recount = Callable[[Database, Any, Callable[[], bool]], dict]


def stamp_changing(db: Database, doc_id: Any, stamp: str, on: Counted = VIDEOS) -> None:
    """Call before changing a document that a counter of this video (or channel) follows."""
    db[on.collection].update_one({"_id": doc_id}, {"$set": {stamp: utcnow()}})


def reconcile(db: Database, stamp: str, recount: Recount,
              now: datetime | None = None, on: Counted = VIDEOS) -> dict:
    """Recount the documents stamped before now - GRACE; answer what was checked and fixed."""
    cutoff = (now or utcnow()) - GRACE
    checked = corrected = 0
    counted = db[on.collection]
    stamped = counted.find({stamp: {"$lt": cutoff}}, {stamp: 1, **dict.fromkeys(on.fields, 1)}
                           ).sort(stamp, 1).limit(BATCH)
    for doc in stamped:
        def at_rest(doc=doc) -> bool:
            return counted.count_documents({"_id": doc["_id"], stamp: doc[stamp]},
                                           limit=1) == 1

        counts = recount(db, doc["_id"], at_rest)
        applied = counted.update_one({"_id": doc["_id"], stamp: doc[stamp]},
                                     {"$set": counts, "$unset": {stamp: ""}})
        if not applied.modified_count:
            continue  # restamped (or deleted) meanwhile
        checked += 1
        wrong = {field: doc.get(field, 0) for field, n in counts.items()
                 if doc.get(field, 0) != n}
        if wrong:
            corrected += 1
            # A changed counter means a write died between its document and its $inc.
            logger.warning("counter repaired", extra={
                on.id_name: str(doc["_id"]), "was": wrong,
                "now": {field: counts[field] for field in wrong}})
    if corrected:
        count("CountersRepaired", corrected)
    return {"checked": checked, "corrected": corrected}
