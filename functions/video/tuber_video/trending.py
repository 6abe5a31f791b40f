"""Trending: listed videos ranked by recent views with time decay (docs/API.md, "Trending").

Counting: every counted view (tuber_video.views) adds 1 to its video's bucket for the hour,
one `$inc` upsert on a unique (video, hour) `_id` in `view_hours`; a bucket's `expiresAt`
(TTL) removes it a day (KEEP) after it has left the window. Writes stay O(1) per view, and the
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
import time
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
# Buckets are kept this long past the window, so a refresh sees the ones that left it.
KEEP = timedelta(days=1)
# How much earlier than a run's start a view written after that start may be stamped (the
# view path's 10 s timeout, clock skew between containers).
SLACK = timedelta(minutes=2)
# Any fixed instant before the first bucket: trendingScore stays positive after it.
ORIGIN = datetime(2000, 1, 1, tzinfo=timezone.utc)

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
              "$setOnInsert": {"videoId": video_id, "hour": hour,
                                "expiresAt": hour + WINDOW + KEEP}}
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
#
# A refresh recomputes only the videos whose key can have changed since the last one, in
# passes. A pass from watermark W (the start of the last finished pass) to T (its own start)
# recomputes the videos with a bucket of an hour >= hour_of(W - SLACK) (new views: the current
# hour's bucket keeps growing after a run, and SLACK covers a view stamped before W that was
# written after it) and those with a bucket whose hour left the window since W (hour in
# [W - WINDOW, now - WINDOW)); both are range scans of the `hour_video` index. Buckets stay
# KEEP past the window (their TTL) so the second scan still sees them; a watermark older than
# KEEP / 2 (the schedule stalled), or none (the first run), makes a full pass: every video with
# a bucket in the window or a stored score. A pass works in batches of videos in a fixed order
# and records how far it got in the `jobs` document after each batch, so a run stopped by its
# time budget leaves the rest to the next run; the watermark moves (forward only) when the
# pass ends. A score is written only over one computed at the same time or earlier
# (trendingAt): an overlapping older run never puts an older score back, and a view that a
# losing run saw is newer than the winner's start - SLACK, so the next pass recomputes it.

JOB = "trending"
# SecantusDB's $in costs grow faster than its length (200 ids: 9x the time of 50).
VIDEOS_PER_BATCH = 100
# The scheduled run stops starting batches after this many seconds (the function's timeout
# is 10 s; a batch takes well under a second on MongoDB).
SCHEDULE_BUDGET = 6.0


def compute(db: Database, video_ids: Iterable, now: datetime | None = None) -> dict:
    """What a refresh at `now` would write for `video_ids`: {"at", "scores": {video _id: key,
    or None for a video without views in the window}, "buckets": how many were read}."""
    now = now or clock.utcnow()
    ids = list(video_ids)
    buckets: dict = {video_id: [] for video_id in ids}
    read = 0
    # Index "video_hour".
    for doc in db.view_hours.find({"videoId": {"$in": ids}, "hour": {"$gte": now - WINDOW}},
                                  {"videoId": 1, "hour": 1, "count": 1}):
        buckets.setdefault(doc["videoId"], []).append((doc["hour"], int(doc.get("count", 0))))
        read += 1
    return {"at": now, "scores": {v: rank_key(b) for v, b in buckets.items()}, "buckets": read}


def apply(db: Database, plan: dict) -> dict:
    """Write a computed plan: only the keys that changed (a video without new views keeps its
    key bit for bit, so most of the long tail costs no write), and clear the videos without
    views in the window. Each write is conditional on the stored trendingAt being no later
    than the plan's time: a run that computed later has won, and this one leaves it."""
    now = plan["at"]
    # Missing or not later ($not, not $or: SecantusDB scans the collection for an $or).
    not_newer = {STAMP: {"$not": {"$gt": now}}}
    changed, dropped = [], []
    for video_id, key in plan["scores"].items():
        if key is None:
            # trendingAt stays: an older run finishing late must not put its score back.
            dropped.append(UpdateOne({"_id": video_id, SCORE: {"$exists": True}, **not_newer},
                                     {"$unset": {SCORE: ""}, "$set": {STAMP: now}}))
        else:
            changed.append(UpdateOne({"_id": video_id, SCORE: {"$ne": key}, **not_newer},
                                     {"$set": {SCORE: key, STAMP: now}}))
    return {"trendingVideos": len(changed), "trendingChanged": _bulk(db, changed),
            "trendingCleared": _bulk(db, dropped), "viewBuckets": plan["buckets"]}


def _bulk(db: Database, ops: list[UpdateOne]) -> int:
    return db.videos.bulk_write(ops, ordered=False).modified_count if ops else 0


def _order(video_id) -> str:
    # One order for both kinds of id (ObjectId, random text), as their buckets' _id prefixes.
    return f"{video_id}|"


def _candidates(db: Database, current: dict, now: datetime) -> list:
    """The videos a pass recomputes, in the pass's order (see above)."""
    cutoff = now - WINDOW
    if current["full"]:
        ids = set(db.view_hours.distinct("videoId", {"hour": {"$gte": cutoff}}))
        ids |= set(db.videos.distinct("_id", {SCORE: {"$gt": 0}}))  # "trending_scored"
    else:
        since = current["from"]
        ids = set(db.view_hours.distinct("videoId", {"hour": {"$gte": hour_of(since - SLACK)}}))
        ids |= set(db.view_hours.distinct("videoId", {"hour": {"$gte": since - WINDOW,
                                                                 "$lt": cutoff}}))
    return sorted(ids, key=_order)


def _start(db: Database, job: dict, now: datetime) -> None:
    """Begin a pass up to `now`, unless an overlapping run began one meanwhile (then the next
    read of the job joins it)."""
    through = job.get("through")
    full = through is None or now - through >= KEEP / 2
    current = {"from": through, "to": now, "full": full, "after": ""}
    try:
        db.jobs.update_one({"_id": JOB, "pass": {"$exists": False}, "through": through},
                           {"$set": {"pass": current}}, upsert=True)
    except DuplicateKeyError:
        pass  # the other run's document: it has a pass now, or a newer watermark


def _finish(db: Database, to: datetime) -> None:
    moved = db.jobs.update_one(
        {"_id": JOB, "pass.to": to, "$or": [{"through": None}, {"through": {"$lt": to}}]},
        {"$set": {"through": to}, "$unset": {"pass": ""}})
    if not moved.matched_count:  # the watermark is already later: it never moves back
        db.jobs.update_one({"_id": JOB, "pass.to": to}, {"$unset": {"pass": ""}})


def refresh(db: Database, now: datetime | None = None, budget: float | None = None,
            batch: int = VIDEOS_PER_BATCH) -> dict:
    """Scheduled (RefreshTrending): bring trendingScore (and trendingAt, when it was computed)
    up to date on the videos whose views changed or left the window since the last pass,
    cleared on those left without views. Finishes a pass a stopped run left, then makes one up
    to `now`; after `budget` seconds (None: no limit) it starts no further batch (it always
    does one), and the next run goes on from there. Idempotent: a second run over the same
    views writes nothing."""
    now = now or clock.utcnow()
    deadline = None if budget is None else time.monotonic() + budget
    done = {"trendingVideos": 0, "trendingChanged": 0, "trendingCleared": 0, "viewBuckets": 0,
            "trendingBatches": 0, "trendingFull": False}
    started, candidates = False, {}
    while True:
        job = db.jobs.find_one({"_id": JOB}) or {}
        current = job.get("pass")
        out_of_time = (done["trendingBatches"] and deadline is not None
                       and time.monotonic() >= deadline)
        if current is None:
            if started or out_of_time:
                break
            _start(db, job, now)
            started = True
            continue
        to = current["to"]
        if not current["full"] and now - current["from"] >= KEEP / 2:
            # Stalled for so long that buckets which left the window may be gone.
            db.jobs.update_one({"_id": JOB, "pass.to": to, "pass.full": False},
                               {"$set": {"pass.full": True, "pass.after": ""}})
            continue
        if out_of_time:
            break
        if (to, current["full"]) not in candidates:
            candidates = {(to, current["full"]): _candidates(db, current, now)}
        todo = [v for v in candidates[(to, current["full"])] if _order(v) > current["after"]]
        if not todo:
            _finish(db, to)
            continue
        step = todo[:batch]
        for key, value in apply(db, compute(db, step, now)).items():
            done[key] += value
        done["trendingBatches"] += 1
        done["trendingFull"] |= current["full"]
        last = _order(step[-1])
        db.jobs.update_one({"_id": JOB, "pass.to": to, "pass.after": {"$lt": last}},
                           {"$set": {"pass.after": last}})
    job = db.jobs.find_one({"_id": JOB}) or {}
    return {**done, "trendingThrough": clock.iso(job.get("through")),
            "trendingPending": "pass" in job}


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
