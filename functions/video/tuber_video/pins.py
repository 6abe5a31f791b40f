"""Pinning one top-level comment of a video: the owner's choice, shown first in its list
(functions/comment/tuber_comment/pins.py)."""
from __future__ import annotations

from pymongo import ReturnDocument
from pymongo.database import Database

from tuber_common.clock import utcnow
from tuber_common.errors import NotFound, ValidationFailed
from tuber_common.ids import try_parse_id

from .catalog import shape
from .editing import _owned_video


def _set_pin(db: Database, doc: dict, user_id: str, comment_id) -> dict:
    updated = db.videos.find_one_and_update(
        {"_id": doc["_id"], "ownerId": doc["ownerId"]},
        {"$set": {"pinnedCommentId": comment_id, "updatedAt": utcnow()}},
        return_document=ReturnDocument.AFTER)
    if updated is None:
        raise NotFound("video not found", code="video_not_found")
    return shape(db, updated, user_id)


def pin(db: Database, video_id: str, user_id: str, comment_id: str) -> dict:
    doc = _owned_video(db, video_id, user_id)
    oid = try_parse_id(comment_id)
    comment = db.comments.find_one({"_id": oid, "videoId": doc["_id"], "deleted": False},
                                   {"parentId": 1}) if oid else None
    if comment is None:
        raise NotFound("comment not found", code="comment_not_found")
    if comment["parentId"] is not None:
        raise ValidationFailed("only a top-level comment can be pinned",
                               code="cannot_pin_reply")
    return _set_pin(db, doc, user_id, comment["_id"])


def unpin(db: Database, video_id: str, user_id: str) -> dict:
    return _set_pin(db, _owned_video(db, video_id, user_id), user_id, None)
