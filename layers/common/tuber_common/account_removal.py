"""What a deleted account leaves behind in the other collections, removed (docs/API.md
"Deleting an account"):

- its videos, each with everything of it (tuber_common.video_removal, the path of
  DELETE /video/{videoId}: media, ratings, views, comments);
- its ratings of other videos: each rating document is deleted, and the video's likeCount or
  dislikeCount moves by exactly what was deleted;
- its comments on other videos, as if it deleted each one itself (tuber_common.comment_removal,
  the path of DELETE /comment/{commentId}): a reply goes, and its thread's replyCount with it; a
  top-level comment without replies goes; one with replies of others stays as a placeholder
  (no text, no author) so that the thread reads on; commentCount follows; a pinned one is
  unpinned. Placeholders keep no link to the account.

Every counter moves only after the atomic document change it follows (which only one request
can win), and each touched video (and each channel it followed) is stamped first
(tuber_common.counters), so the scheduled recounts of the like, comment and channel functions
repair any count a crash left one off. Every step is idempotent: `purge` stops when its
deadline passes and a later call goes on.
"""
from __future__ import annotations

import time

from bson import ObjectId
from pymongo.database import Database

from . import comment_removal, counters, moderation, playlists, subscriptions, watch_history

RATINGS_STAMP = "ratingsChangingAt"    # tuber_like.ratings.STAMP
COUNTER = {"like": "likeCount", "dislike": "dislikeCount"}


def purge(db: Database, user_id: ObjectId, deadline: float) -> dict:
    """Remove what `user_id` left (see the module doc) until time.monotonic() passes
    `deadline`. Answers how much went, and `complete`: whether nothing is left."""
    # S3 (boto3, botocore) only for an account that has videos: the auth function imports
    # this module at cold start, and most deletions find none.
    from . import video_removal

    done = {"videos": 0, "ratings": 0, "comments": 0}
    watch_history.forget_user(db, user_id)  # history and its pause setting
    moderation.forget_reporter(db, user_id)  # its reports no longer name it

    def stopped() -> dict | None:
        return {**done, "complete": False} if time.monotonic() >= deadline else None

    for video in db.videos.find({"ownerId": user_id}):
        if (out := stopped()) is not None:
            return out
        video_removal.remove_video(db, video)
        done["videos"] += 1
    for rating in db.ratings.find({"userId": user_id}, {"videoId": 1, "rating": 1}):
        if (out := stopped()) is not None:
            return out
        done["ratings"] += _remove_rating(db, rating)
    # Replies first: a thread of the account's own replies only then goes whole.
    for parent in ({"$ne": None}, None):
        for comment in db.comments.find({"authorId": user_id, "deleted": False,
                                         "parentId": parent}):
            if (out := stopped()) is not None:
                return out
            done["comments"] += int(comment_removal.remove(db, comment,
                                                           forget_author=True))
    db.comments.update_many({"authorId": user_id, "deleted": True}, {"$set": {"authorId": None}})
    done["playlists"] = playlists.forget_owner(db, user_id)
    # Subscriptions both ways (channel counters follow, each channel stamped first) and
    # notifications addressed to it.
    return {**done, "complete": subscriptions.forget_account(
        db, user_id, deadline, stamp=lambda channel: counters.stamp_changing(
            db, channel, subscriptions.STAMP, on=counters.CHANNELS))}


def _remove_rating(db: Database, rating: dict) -> int:
    """Delete the rating as read, naming its value in the filter (the counter it moves), not
    trusting findAndModify's returned "before" (stale on SecantusDB: docs/DEVELOPING.md)."""
    counters.stamp_changing(db, rating["videoId"], RATINGS_STAMP)
    as_read = {"_id": rating["_id"], "rating": rating.get("rating")}
    if not db.ratings.delete_one(as_read).deleted_count:
        # Withdrawn meanwhile (whoever did moved the counter) or switched: look again.
        rating = db.ratings.find_one({"_id": rating["_id"]}, {"videoId": 1, "rating": 1})
        return _remove_rating(db, rating) if rating else 0
    if rating.get("rating") in COUNTER:
        db.videos.update_one({"_id": rating["videoId"]},
                             {"$inc": {COUNTER[rating["rating"]]: -1}})
    return 1


def leftovers(db: Database, user_id: ObjectId) -> dict:
    """What of the account is still there (tests, and the deletion's status)."""
    return {"videos": db.videos.count_documents({"ownerId": user_id}),
            "ratings": db.ratings.count_documents({"userId": user_id}),
            "comments": db.comments.count_documents({"authorId": user_id, "deleted": False})}
