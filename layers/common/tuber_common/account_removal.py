"""What a deleted account leaves behind in the other collections, removed (docs/API.md
"Deleting an account"):

- its videos, each with everything of it (tuber_common.video_removal, the path of
  DELETE /video/{videoId}: media, ratings, views, comments);
- its ratings of other videos: each rating document is deleted, and the video's likeCount or
  dislikeCount moves by exactly what was deleted;
- its comments on other videos, as if it deleted each one itself (the comment function's
  rules, tuber_comment.comments): a reply goes, and its thread's replyCount with it; a
  top-level comment without replies goes; one with replies of others stays as a placeholder
  (no text, no author) so that the thread reads on; commentCount follows; a pinned one is
  unpinned. Placeholders keep no link to the account.

Every counter moves only after the atomic document change it follows (which only one request
can win), and each touched video is stamped first (tuber_common.counters), so the scheduled
recounts of the like and comment functions repair any count a crash left one off. Every step
is idempotent: `purge` stops when its deadline passes and a later call goes on.
"""
from __future__ import annotations

import time

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.database import Database

from . import counters
from .clock import utcnow

RATINGS_STAMP = "ratingsChangingAt"    # tuber_like.ratings.STAMP
COMMENTS_STAMP = "commentsChangingAt"  # tuber_comment.comments.STAMP
COUNTER = {"like": "likeCount", "dislike": "dislikeCount"}


def purge(db: Database, user_id: ObjectId, deadline: float) -> dict:
    """Remove what `user_id` left (see the module doc) until time.monotonic() passes
    `deadline`. Answers how much went, and `complete`: whether nothing is left."""
    # S3 (boto3, botocore) only for an account that has videos: the auth function imports
    # this module at cold start, and most deletions find none.
    from . import video_removal

    done = {"videos": 0, "ratings": 0, "comments": 0}

    def stopped() -> dict | None:
        return {**done, "complete": False} if time.monotonic() >= deadline else None

    for video in db.videos.find({"ownerId": user_id}):
        if (out := stopped()) is not None:
            return out
        video_removal.remove_video(db, video)
        done["videos"] += 1
    for rating in db.ratings.find({"userId": user_id}, {"videoId": 1}):
        if (out := stopped()) is not None:
            return out
        done["ratings"] += _remove_rating(db, rating)
    # Replies first: a thread of the account's own replies only then goes whole.
    for parent in ({"$ne": None}, None):
        for comment in db.comments.find({"authorId": user_id, "deleted": False,
                                         "parentId": parent}):
            if (out := stopped()) is not None:
                return out
            done["comments"] += _remove_comment(db, comment)
    db.comments.update_many({"authorId": user_id, "deleted": True}, {"$set": {"authorId": None}})
    return {**done, "complete": True}


def _remove_rating(db: Database, rating: dict) -> int:
    counters.stamp_changing(db, rating["videoId"], RATINGS_STAMP)
    gone = db.ratings.find_one_and_delete({"_id": rating["_id"]},
                                          projection={"rating": 1, "videoId": 1})
    if gone is None:
        return 0  # withdrawn meanwhile: whoever deleted it moved the counter
    if gone.get("rating") in COUNTER:
        db.videos.update_one({"_id": gone["videoId"]}, {"$inc": {COUNTER[gone["rating"]]: -1}})
    return 1


def _count(db: Database, video_id, delta: int) -> None:
    db.videos.update_one({"_id": video_id}, {"$inc": {"commentCount": delta}})


def _drop_empty_placeholder(db: Database, comment_id: ObjectId) -> None:
    db.comments.delete_one({"_id": comment_id, "deleted": True, "replyCount": {"$lte": 0}})


def _remove_comment(db: Database, comment: dict) -> int:
    counters.stamp_changing(db, comment["videoId"], COMMENTS_STAMP)
    if comment["parentId"] is not None:
        if db.comments.find_one_and_delete({"_id": comment["_id"], "deleted": False},
                                           projection={"_id": 1}) is None:
            return 0  # deleted meanwhile (and counted by that request)
        _count(db, comment["videoId"], -1)
        top = db.comments.find_one_and_update(
            {"_id": comment["parentId"]}, {"$inc": {"replyCount": -1}},
            projection={"deleted": 1, "replyCount": 1}, return_document=ReturnDocument.AFTER)
        if top and top["deleted"] and top["replyCount"] <= 0:
            _drop_empty_placeholder(db, top["_id"])
        return 1
    gone = db.comments.find_one_and_delete(
        {"_id": comment["_id"], "deleted": False, "replyCount": 0}, projection={"_id": 1})
    if gone is None:
        placeholder = db.comments.find_one_and_update(
            {"_id": comment["_id"], "deleted": False},
            {"$set": {"deleted": True, "text": "", "deletedAt": utcnow(), "authorId": None}},
            projection={"replyCount": 1}, return_document=ReturnDocument.AFTER)
        if placeholder is None:
            return 0
        if placeholder["replyCount"] <= 0:  # its last reply went in the meantime
            _drop_empty_placeholder(db, comment["_id"])
    _count(db, comment["videoId"], -1)
    db.videos.update_one({"_id": comment["videoId"], "pinnedCommentId": comment["_id"]},
                         {"$set": {"pinnedCommentId": None}})
    return 1


def leftovers(db: Database, user_id: ObjectId) -> dict:
    """What of the account is still there (tests, and the deletion's status)."""
    return {"videos": db.videos.count_documents({"ownerId": user_id}),
            "ratings": db.ratings.count_documents({"userId": user_id}),
            "comments": db.comments.count_documents({"authorId": user_id, "deleted": False})}
