"""Ratings (like / dislike) of videos, with YouTube's videos.rate semantics.

One rating document per (video, user), guarded by the unique index. Every change of that
document is a compare-and-set on the rating it replaces (an update or delete whose filter names
that rating, or an insert); the video's counters then move by exactly the difference between
before and after, with `$inc`. Concurrent requests, retries and switches therefore never
double-count: each document change is made, and counted, by exactly one request.

The old rating comes from the write's own filter, not from the document findAndModify returns:
SecantusDB 0.7 returns the document as it was before a write conflict it retried (a stale
"before"), which counted one switch twice under races; the filter holds on any server.
"""
from __future__ import annotations

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tuber_common import counters
from tuber_common.clock import utcnow
from tuber_common.errors import Conflict, Forbidden
from tuber_common.ids import VideoId, user_oid
from tuber_common.pagination import page
from tuber_common.users import hydrate_users
from tuber_common.videos import (PUBLIC, can_see, find_visible_video, owner_ids,
                                 ratings_enabled, video_out)

COUNTER = {"like": "likeCount", "dislike": "dislikeCount"}
COUNTS = {"likeCount": 1, "dislikeCount": 1}
# Set on the video before each rating change (see tuber_common.counters).
STAMP = "ratingsChangingAt"
# Each round trip of the retry loop below only repeats when another request for the same
# (video, user) changed the document in between; a handful is plenty.
MAX_ATTEMPTS = 8


def _visible_video(db: Database, video_id: str, viewer_id: str | None) -> dict:
    return find_visible_video(db, video_id, viewer_id,
                              {"ownerId": 1, "visibility": 1, "status": 1,
                               "ratingsEnabled": 1, **COUNTS})


def _rateable_video(db: Database, video_id: str, user_id: str) -> dict:
    video = _visible_video(db, video_id, user_id)
    if video["status"] != PUBLIC:
        raise Conflict("only published videos can be rated", code="video_not_published")
    if not ratings_enabled(video):
        # Every change, withdrawing too: the owner froze the ratings (counts stay readable).
        raise Forbidden("the owner turned ratings off for this video", code="ratings_disabled")
    return video


def change_rating(db: Database, video: VideoId, user: ObjectId,
                  rating: str) -> tuple[str | None, str | None]:
    """Set the stored rating; return (before, after), each "like", "dislike" or None."""
    key = {"videoId": video, "userId": user}
    after = None if rating == "none" else rating
    for _ in range(MAX_ATTEMPTS):
        current = db.ratings.find_one(key, {"rating": 1})
        before = current["rating"] if current else None
        if before == after:
            # Already so: nothing changes (ratedAt keeps its place in "my likes").
            return before, after
        if before is None:
            try:
                db.ratings.insert_one({**key, "rating": after, "ratedAt": utcnow()})
                return None, after
            except DuplicateKeyError:
                continue  # a concurrent request rated first: look again
        if after is None:
            changed = db.ratings.delete_one({**key, "rating": before}).deleted_count
        else:
            changed = db.ratings.update_one({**key, "rating": before}, {"$set": {
                "rating": after, "ratedAt": utcnow()}}).modified_count
        if changed:
            return before, after
        # Another request changed it since it was read: look again.
    raise Conflict("the rating kept changing concurrently, try again", code="rating_conflict")


def counter_delta(before: str | None, after: str | None) -> dict[str, int]:
    """The `$inc` that moves the counters from `before` to `after` (empty when equal)."""
    if before == after:
        return {}
    inc: dict[str, int] = {}
    if before:
        inc[COUNTER[before]] = -1
    if after:
        inc[COUNTER[after]] = 1
    return inc


def summary(counts: dict, my_rating: str | None) -> dict:
    return {"likeCount": int(counts.get("likeCount", 0)),
            "dislikeCount": int(counts.get("dislikeCount", 0)),
            "myRating": my_rating or "none"}


def rate(db: Database, user_id: str, video_id: str, rating: str) -> dict:
    """PUT /like/{videoId}: idempotent; answers the counts after the change."""
    video = _rateable_video(db, video_id, user_id)
    user = user_oid(user_id)
    counters.stamp_changing(db, video["_id"], STAMP)
    before, after = change_rating(db, video["_id"], user, rating)
    inc = counter_delta(before, after)
    if inc:
        counts = db.videos.find_one_and_update({"_id": video["_id"]}, {"$inc": inc},
                                               projection=COUNTS,
                                               return_document=ReturnDocument.AFTER)
    else:
        counts = db.videos.find_one({"_id": video["_id"]}, COUNTS)
    return summary(counts or video, after)


def recount(db: Database, video_id: VideoId, _at_rest=None) -> dict[str, int]:
    # Only the video's own counters follow the ratings: nothing else to repair (no at_rest).
    """The counters as the ratings say, whatever the $inc path did."""
    return {field: db.ratings.count_documents({"videoId": video_id, "rating": rating})
            for rating, field in COUNTER.items()}


def reconcile_counts(db: Database) -> dict:
    """Scheduled: repair the counters of videos whose ratings changed (tuber_common.counters)."""
    return counters.reconcile(db, STAMP, recount)


def read(db: Database, viewer_id: str | None, video_id: str) -> dict:
    """GET /like/{videoId}: counts of any video the viewer may see, and their own rating."""
    video = _visible_video(db, video_id, viewer_id)
    mine = None
    if viewer_id is not None:
        doc = db.ratings.find_one({"videoId": video["_id"], "userId": user_oid(viewer_id)},
                                  {"rating": 1})
        mine = doc["rating"] if doc else None
    return summary(video, mine)


def my_likes(db: Database, user_id: str, limit: int,
             cursor: str | None) -> tuple[list[dict], str | None]:
    """GET /like/me: the caller's liked videos, newest rating first.

    Videos deleted or made private since are skipped, so a page may hold fewer than `limit`
    items while `nextCursor` still leads on."""
    ratings, next_cursor = page(db.ratings, {"userId": user_oid(user_id), "rating": "like"},
                                sort_field="ratedAt", limit=limit, cursor=cursor,
                                projection={"videoId": 1, "ratedAt": 1})
    ids = [r["videoId"] for r in ratings]
    found = {v["_id"]: v for v in db.videos.find({"_id": {"$in": ids}})} if ids else {}
    videos = [found[i] for i in ids if i in found and can_see(found[i], user_id)]
    owners = hydrate_users(db, owner_ids(videos))
    items = [video_out(v, owners.get(str(v["ownerId"])), "like", include_my_rating=True)
             for v in videos]
    return items, next_cursor
