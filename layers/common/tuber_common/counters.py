"""Video counters that follow other collections (likes and dislikes from `ratings`,
`commentCount` from `comments`), and their repair.

A rating or comment change is two writes with no transaction between them: the document,
then the video's counter (`$inc`). A container that dies in between leaves that counter one
off, for good. So every write path stamps the video first (`stamp_changing`), and a
scheduled job (`reconcile`) recounts the videos stamped more than GRACE ago: by then no
request that stamped them can still be running (GRACE is longer than the Timeout of every
function that stamps: tests/unit/test_counter_grace.py), so the documents are at rest and
their count is the truth. The counters are set together with
clearing the stamp, in one update that applies only if the stamp is still the one read: a
request that started meanwhile has restamped the video, and the next run recounts it.
A recount that repairs other documents too (a comment thread's `replyCount`) calls
`at_rest()` between its reads and its writes: a request that stamps after that check
changes nothing before it, so the reads still hold.

A video that never rests for GRACE is recounted once it does.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from pymongo.database import Database

from .clock import utcnow
from .ids import VideoId
from .observability import count, logger
from .videos import COUNTERS

GRACE = timedelta(seconds=60)
# Videos recounted per run at most; the rest wait for the next run (oldest stamps first).
BATCH = 500

# (db, video id, at_rest) -> the video's counters as the documents say.
Recount = Callable[[Database, VideoId, Callable[[], bool]], dict]


def stamp_changing(db: Database, video_id: VideoId, stamp: str) -> None:
    """Call before changing a document that a counter of this video follows."""
    db.videos.update_one({"_id": video_id}, {"$set": {stamp: utcnow()}})


def reconcile(db: Database, stamp: str, recount: Recount,
              now: datetime | None = None) -> dict:
    """Recount the videos stamped before now - GRACE; answer what was checked and fixed."""
    cutoff = (now or utcnow()) - GRACE
    checked = corrected = 0
    stamped = db.videos.find({stamp: {"$lt": cutoff}}, {stamp: 1, **dict.fromkeys(COUNTERS, 1)}
                             ).sort(stamp, 1).limit(BATCH)
    for video in stamped:
        def at_rest(video=video) -> bool:
            return db.videos.count_documents({"_id": video["_id"], stamp: video[stamp]},
                                             limit=1) == 1

        counts = recount(db, video["_id"], at_rest)
        applied = db.videos.update_one({"_id": video["_id"], stamp: video[stamp]},
                                       {"$set": counts, "$unset": {stamp: ""}})
        if not applied.modified_count:
            continue  # restamped (or deleted) meanwhile
        checked += 1
        wrong = {field: video.get(field, 0) for field, n in counts.items()
                 if video.get(field, 0) != n}
        if wrong:
            corrected += 1
            # A changed counter means a write died between its document and its $inc.
            logger.warning("counter repaired", extra={
                "videoId": str(video["_id"]), "was": wrong,
                "now": {field: counts[field] for field in wrong}})
    if corrected:
        count("CountersRepaired", corrected)
    return {"checked": checked, "corrected": corrected}
