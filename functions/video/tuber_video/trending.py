"""Trending: listed videos ranked by recent views with time decay (docs/API.md, "Trending").

Counting: every counted view (tuber_video.views) adds 1 to its video's bucket for the hour,
one `$inc` upsert on a unique (video, hour) `_id` in `view_hours`; a bucket's `expiresAt`
(TTL) removes it once it is older than the window. Writes stay O(1) per view, and the
collection holds at most one document per video per hour of the window.

Scoring (the RefreshTrending schedule, never a request): for the buckets of the last
WINDOW, at time t,

    score(t) = sum over buckets b of views_b * 0.5 ** ((t - hour_b) / HALF_LIFE)

Stored is the same order in a frame that does not move with t:

    trendingScore = log2(score(t)) + (t - ORIGIN) / HALF_LIFE
                  = log2(sum views_b * 2 ** ((hour_b - ORIGIN) / HALF_LIFE))

so at one instant it sorts exactly as score(t), and a video whose buckets did not change
keeps bit for bit the same trendingScore from one refresh to the next: decay alone moves
nobody. So a refresh writes only the videos whose views changed (or left the window), and
a reader's cursor (trendingScore, _id) continues where it was across a refresh; only
videos whose views changed since can move past it (see `trending`).

Visibility is applied when reading (LISTED: PUBLIC, public, not taken down), so a video
made private or taken down leaves the list at once, and one made public joins it with the
score its views already earned.
"""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Iterable

from pymongo import UpdateOne
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tuber_common import clock
from tuber_common.pagination import page

from .catalog import LISTED, _shape_page

HALF_LIFE = timedelta(hours=24)
WINDOW = timedelta(days=7)
# Any fixed instant before the first bucket: trendingScore stays positive after it.
ORIGIN = datetime(2000, 1, 1, tzinfo=timezone.utc)
BATCH = 1000

SCORE, STAMP = "trendingScore", "trendingAt"


def hour_of(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def bucket_id(video_id, hour: datetime) -> str:
    # A video's _id as text (a 24-hex ObjectId or a 22-character random id: never equal).
    return f"{video_id}|{hour:%Y%m%d%H}"


def count_view(db: Database, video_id, at: datetime | None = None) -> None:
    """One counted view of `video_id` (its `_id` as stored) in the hour of `at`."""
    hour = hour_of(at or clock.utcnow())
    key = {"_id": bucket_id(video_id, hour)}
    update = {"$inc": {"count": 1},
              "$setOnInsert": {"videoId": video_id, "hour": hour, "expiresAt": hour + WINDOW}}
    for attempt in range(3):
        try:
            db.view_hours.update_one(key, update, upsert=True)
            return
        except DuplicateKeyError:
            # Two first views of the hour raced to insert: the other one's document is
            # there now, and the retried upsert increments it.
            if attempt == 2:
                raise


# --- the formula ------------------------------------------------------------------------------

def score(buckets: Iterable[tuple[datetime, int]], now: datetime) -> float:
    """The decayed score at `now` (the documented formula; buckets out of the window left
    out)."""
    since = now - WINDOW
    return sum(views * 0.5 ** ((now - hour) / HALF_LIFE)
               for hour, views in buckets if hour >= since and views > 0)


def rank_key(buckets: Iterable[tuple[datetime, int]]) -> float | None:
    """log2 of the score in the fixed frame of ORIGIN (see the module docstring), None
    without views. Summed in hour order from the largest term: the same buckets give
    bit for bit the same key, and 2 ** (large exponent) never overflows."""
    terms = sorted(((hour - ORIGIN) / HALF_LIFE, views) for hour, views in buckets
                   if views > 0)
    if not terms:
        return None
    top = max(exponent for exponent, _ in terms)
    return top + math.log2(sum(views * 2.0 ** (exponent - top) for exponent, views in terms))


# --- the schedule -----------------------------------------------------------------------------

def compute(db: Database, now: datetime | None = None) -> dict:
    """What a refresh at `now` would write: {"at", "scores": {video _id: key} for every video
    with views in the window, "stored": {video _id: trendingScore} as read now}."""
    now = now or clock.utcnow()
    buckets: dict = defaultdict(list)
    for doc in db.view_hours.find({"hour": {"$gte": now - WINDOW}},
                                  {"videoId": 1, "hour": 1, "count": 1}):
        buckets[doc["videoId"]].append((doc["hour"], int(doc.get("count", 0))))
    scores = {video_id: key for video_id, key in
              ((v, rank_key(b)) for v, b in buckets.items()) if key is not None}
    # Index "trending_scored": the videos that hold a score now.
    stored = {d["_id"]: d[SCORE] for d in db.videos.find({SCORE: {"$gt": 0}}, {SCORE: 1})}
    return {"at": now, "scores": scores, "stored": stored,
            "buckets": sum(len(b) for b in buckets.values())}


def apply(db: Database, plan: dict) -> dict:
    """Write a computed refresh: only the scores that changed (a video without new views
    keeps its key, see the module docstring: most of the long tail costs no write), and
    clear the ones whose views all left the window. Each write is conditional on the score
    read by `compute`: where an overlapping run changed it meanwhile, this one leaves it."""
    scores, stored, now = plan["scores"], plan["stored"], plan["at"]
    changed = [UpdateOne({"_id": video_id, SCORE: stored.get(video_id)},
                         {"$set": {SCORE: key, STAMP: now}})
               for video_id, key in scores.items() if stored.get(video_id) != key]
    dropped = [UpdateOne({"_id": video_id, SCORE: before}, {"$unset": {SCORE: "", STAMP: ""}})
               for video_id, before in stored.items() if video_id not in scores]
    return {"trendingVideos": len(scores), "trendingChanged": _bulk(db, changed),
            "trendingCleared": _bulk(db, dropped), "viewBuckets": plan["buckets"]}


def _bulk(db: Database, ops: list[UpdateOne]) -> int:
    modified = 0
    for start in range(0, len(ops), BATCH):
        modified += db.videos.bulk_write(ops[start:start + BATCH], ordered=False).modified_count
    return modified


def refresh(db: Database, now: datetime | None = None) -> dict:
    """Scheduled (RefreshTrending): trendingScore (and trendingAt, when it was written) on
    every video with views in the window, cleared on the others. Idempotent: a second run
    over the same views writes nothing."""
    return apply(db, compute(db, now))


# --- the list ---------------------------------------------------------------------------------

def trending(db: Database, limit: int, cursor: str | None) -> dict:
    """GET /video/trending: listed videos with a score, highest first (equal scores: _id
    descending). One query on the `trending` index. The cursor is the last item's
    (trendingScore, _id): stable while the scores are, and, since a refresh leaves the
    score of a video without new views exactly as it was, still in place after one; a video
    whose views changed meanwhile may have moved to the other side of it (seen once or not
    at all on this pass, as in any live ranking), never a restart from the top."""
    docs, nxt = page(db.videos, {**LISTED, SCORE: {"$gt": 0}}, sort_field=SCORE, limit=limit,
                     cursor=cursor, sort_type=(float, int))
    return _shape_page(db, docs, nxt)
