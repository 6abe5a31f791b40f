"""The pinned comment (set by the video's owner with PUT /video/{id}/pin): first on the first
page of the top-level list, marked `pinned: true`, and left out of every page so it is never
shown twice. A pin whose comment was deleted shows nothing (deleting a comment unpins it:
tuber_common.comment_removal)."""
from __future__ import annotations

from bson import ObjectId
from pymongo.database import Database


def pinned_id(video: dict) -> ObjectId | None:
    return video.get("pinnedCommentId")


def exclude(query: dict, video: dict) -> dict:
    """The list's query without the pinned comment."""
    pin = pinned_id(video)
    return {**query, "_id": {"$ne": pin}} if pin else query


def pinned_comment(db: Database, video: dict) -> dict | None:
    """The live top-level comment pinned on the video, marked pinned (not stored)."""
    pin = pinned_id(video)
    doc = db.comments.find_one({"_id": pin, "videoId": video["_id"], "parentId": None,
                                "deleted": False}) if pin else None
    if doc is not None:
        doc["pinned"] = True
    return doc

