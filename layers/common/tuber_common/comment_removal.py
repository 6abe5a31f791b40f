"""Removing one comment: the one delete path, used by DELETE /comment/{commentId}
(tuber_comment.comments) and by account deletion (tuber_common.account_removal).

The rules (also in tuber_comment.comments and docs/DEVELOPING.md):
- a reply goes, and its thread's `replyCount` with it; a placeholder left with no live
  reply goes too;
- a top-level comment without replies goes; one with live replies stays as a placeholder
  (`deleted: true`, text gone) so that the thread reads on; a pinned one is unpinned;
- `commentCount` on the video moves by one.

The video is stamped first (tuber_common.counters), and every counter moves only after the
atomic document change it follows, which only one request can win: the scheduled recount of
the comment function repairs any count a crash left one off.
"""
from __future__ import annotations

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.database import Database

from . import counters, notifications
from .clock import utcnow

# Set on the video before each comment is added or removed (see tuber_common.counters).
STAMP = "commentsChangingAt"


def count(db: Database, video_id, delta: int) -> None:
    """Move the video's `commentCount` (live comments, replies included) by `delta`."""
    db.videos.update_one({"_id": video_id}, {"$inc": {"commentCount": delta}})


def drop_empty_placeholder(db: Database, comment_id: ObjectId) -> None:
    """Remove the placeholder `comment_id` if no live reply is left on it."""
    db.comments.delete_one({"_id": comment_id, "deleted": True, "replyCount": {"$lte": 0}})


def remove(db: Database, comment: dict, *, forget_author: bool = False) -> bool:
    """Remove the live `comment` (its document as stored) as DELETE /comment does. Answers
    whether this call removed it: False when another request deleted it first (and counted
    it). With `forget_author`, a placeholder left for its replies keeps no `authorId`."""
    counters.stamp_changing(db, comment["videoId"], STAMP)
    if comment["parentId"] is not None:
        return _remove_reply(db, comment)
    if not _remove_top_level(db, comment, forget_author):
        return False
    # A deleted comment stays pinned no longer.
    db.videos.update_one({"_id": comment["videoId"], "pinnedCommentId": comment["_id"]},
                         {"$set": {"pinnedCommentId": None}})
    return True


def _remove_reply(db: Database, comment: dict) -> bool:
    if db.comments.find_one_and_delete({"_id": comment["_id"], "deleted": False},
                                       projection={"_id": 1}) is None:
        return False
    count(db, comment["videoId"], -1)
    notifications.forget_comment(db, comment["_id"])
    top = db.comments.find_one_and_update(
        {"_id": comment["parentId"]}, {"$inc": {"replyCount": -1}},
        projection={"deleted": 1, "replyCount": 1}, return_document=ReturnDocument.AFTER)
    if top and top["deleted"] and top["replyCount"] <= 0:
        drop_empty_placeholder(db, top["_id"])
    return True


def _remove_top_level(db: Database, comment: dict, forget_author: bool) -> bool:
    gone = db.comments.find_one_and_delete(
        {"_id": comment["_id"], "deleted": False, "replyCount": 0}, projection={"_id": 1})
    if gone is None:
        # It has replies: keep the thread, drop the words (and the author).
        blank = {"deleted": True, "text": "", "deletedAt": utcnow()}
        if forget_author:
            blank["authorId"] = None
        placeholder = db.comments.find_one_and_update(
            {"_id": comment["_id"], "deleted": False}, {"$set": blank},
            projection={"replyCount": 1}, return_document=ReturnDocument.AFTER)
        if placeholder is None:
            return False
        if placeholder["replyCount"] <= 0:  # its last reply went in the meantime
            drop_empty_placeholder(db, comment["_id"])
    count(db, comment["videoId"], -1)
    notifications.forget_comment(db, comment["_id"])
    return True
